//! Terminal output: aligned tables, the ingest summary, and (in [`xlsx`]) workbooks.

pub mod xlsx;

use anyhow::Result;
use arrow::array::RecordBatch;
use comfy_table::{Table as Grid, presets::UTF8_FULL_CONDENSED};
use kefu_app::ingest::IngestReport;

/// An aligned table; long cells are cut to `max_cell` characters.
pub fn pretty(batches: &[RecordBatch], max_cell: usize) -> Result<String> {
    let Some(first) = batches.first() else {
        return Ok("(no rows)".into());
    };
    let mut grid = Grid::new();
    grid.load_preset(UTF8_FULL_CONDENSED);
    grid.set_header(
        first
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect::<Vec<_>>(),
    );
    let opts = arrow::util::display::FormatOptions::default().with_null("∅");
    for b in batches {
        let fmts = b
            .columns()
            .iter()
            .map(|c| arrow::util::display::ArrayFormatter::try_new(c.as_ref(), &opts))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        for r in 0..b.num_rows() {
            let row: Vec<String> = fmts
                .iter()
                .map(|f| {
                    let s = f.value(r).to_string();
                    if s.chars().count() > max_cell {
                        format!("{}…", s.chars().take(max_cell).collect::<String>())
                    } else {
                        s
                    }
                })
                .collect();
            grid.add_row(row);
        }
    }
    Ok(grid.to_string())
}

pub fn print_ingest(r: &IngestReport) {
    println!(
        "{} file(s), {} row(s) read: {} ingested, {} duplicate(s) skipped, {} quarantined",
        r.files, r.rows_read, r.ingested, r.duplicates, r.quarantined
    );
    let mut grid = Grid::new();
    grid.load_preset(UTF8_FULL_CONDENSED);
    grid.set_header(vec![
        "file",
        "format",
        "encoding",
        "rows",
        "accepted",
        "quarantined",
    ]);
    for f in &r.by_file {
        grid.add_row(vec![
            f.file.clone(),
            f.format.clone(),
            f.encoding.clone(),
            f.rows_read.to_string(),
            f.accepted.to_string(),
            f.quarantined.to_string(),
        ]);
    }
    println!("{grid}");
    let f = &r.facts;
    if f.full || f.groups > 0 {
        println!(
            "facts: {} {} group(s), {} conversation(s), {} round(s) in {:.1}s",
            if f.full { "rebuilt" } else { "refreshed" },
            f.groups,
            f.conversations,
            f.rounds,
            f.secs
        );
    }
    if r.quarantined > 0 {
        println!("see the set-aside rows with: kefu quarantine");
    }
}
