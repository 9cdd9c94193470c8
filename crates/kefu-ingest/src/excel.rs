//! Excel workbooks (calamine), guarded and streamed.
//!
//! Before calamine opens a zip-based workbook (.xlsx, .xlsm, .xlsb, .ods) its zip is
//! inspected ([`check_zip`]): the declared uncompressed size of all entries, the
//! compression ratio of each large entry, and the number of shared strings of an
//! xlsx (calamine keeps them all in memory: 50M tiny strings cost 3 GB from a 2 MB
//! file) must stay within [`IngestLimits`]; otherwise the file is refused with the
//! limit named. Sheets of .xlsx and .xlsb are then read cell by cell, one row in
//! memory, instead of as one dense range (calamine allocates rows × columns cells,
//! so two cells at A1 and XFD1048576 would ask for 17 billion).

use crate::limits::{self, IngestLimits};
use crate::tabular::RowHandler;
use crate::{IngestError, IngestOptions, Sink};
use calamine::{Data, Reader, Sheets};
use std::io::{BufReader, Read};
use std::path::Path;

/// The widest row kept (Excel's last column is XFD, the 16,384th).
const MAX_COLUMNS: usize = 16_384;

fn format_err(file: &str, reason: String) -> IngestError {
    IngestError::Format {
        file: file.to_string(),
        reason,
    }
}

/// Refuses a zip whose entries would unpack to more than the limits allow. Files
/// that are not zips (.xls) are left to calamine.
pub fn check_zip(path: &Path, file: &str, limits: &IngestLimits) -> Result<(), IngestError> {
    let fmt = |reason: String| format_err(file, reason);
    let io = |source| IngestError::Io {
        file: file.to_string(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    if !crate::decode::read_prefix(&mut f, 4)
        .map_err(io)?
        .starts_with(b"PK")
    {
        return Ok(());
    }
    let mut zip = zip::ZipArchive::new(BufReader::new(std::fs::File::open(path).map_err(io)?))
        .map_err(|e| fmt(format!("cannot open workbook: not a readable zip: {e}")))?;
    let mut total: u64 = 0;
    let mut shared_strings = None;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| fmt(format!("cannot open workbook: zip entry {i}: {e}")))?;
        let (size, packed) = (entry.size(), entry.compressed_size());
        total = total.saturating_add(size);
        if size > limits.xlsx_ratio_min_entry_bytes && size / packed.max(1) > limits.max_xlsx_ratio
        {
            return Err(fmt(format!(
                "workbook entry {} unpacks {packed} bytes to {size} ({}:1), over the \
                 compression-ratio limit of {}:1 for entries over {}: refused as a zip \
                 bomb (kefu_ingest::limits::MAX_XLSX_RATIO)",
                entry.name(),
                size / packed.max(1),
                limits.max_xlsx_ratio,
                limits::bytes(limits.xlsx_ratio_min_entry_bytes),
            )));
        }
        if entry
            .name()
            .replace('\\', "/")
            .eq_ignore_ascii_case("xl/sharedStrings.xml")
        {
            shared_strings = Some(i);
        }
    }
    if total > limits.max_xlsx_uncompressed_bytes {
        return Err(fmt(format!(
            "workbook unpacks to {total} bytes, over the limit of {} \
             (kefu_ingest::limits::MAX_XLSX_UNCOMPRESSED_BYTES): refused; split the \
             workbook or export it as CSV",
            limits::bytes(limits.max_xlsx_uncompressed_bytes)
        )));
    }
    if let Some(i) = shared_strings {
        let entry = zip
            .by_index(i)
            .map_err(|e| fmt(format!("cannot open workbook: xl/sharedStrings.xml: {e}")))?;
        let declared = entry.size();
        count_shared_strings(entry, declared, file, limits)?;
    }
    Ok(())
}

/// Reads `xl/sharedStrings.xml` once as a stream: the `count`/`uniqueCount`
/// attributes of `<sst>` and the `<si>` elements really there must stay within
/// [`IngestLimits::max_xlsx_shared_strings`], and the entry must not unpack to more
/// than it declares.
fn count_shared_strings(
    mut entry: impl Read,
    declared: u64,
    file: &str,
    limits: &IngestLimits,
) -> Result<(), IngestError> {
    let max = limits.max_xlsx_shared_strings;
    let over = |what: String| {
        format_err(
            file,
            format!(
                "xl/sharedStrings.xml {what}, over the limit of {max} shared strings \
                 (kefu_ingest::limits::MAX_XLSX_SHARED_STRINGS): refused, it would take \
                 gigabytes of memory"
            ),
        )
    };
    let mut buf = vec![0u8; 64 * 1024];
    let mut head: Vec<u8> = Vec::new();
    let mut head_done = false;
    let mut scan = TagCounter::default();
    let mut read: u64 = 0;
    loop {
        let n = match entry.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(format_err(
                    file,
                    format!("cannot open workbook: xl/sharedStrings.xml: {e}"),
                ));
            }
        };
        read += n as u64;
        if read > declared || read > limits.max_xlsx_uncompressed_bytes {
            return Err(format_err(
                file,
                format!(
                    "xl/sharedStrings.xml unpacks to more than the {declared} bytes its \
                     zip entry declares: refused as a damaged or hostile workbook"
                ),
            ));
        }
        let chunk = &buf[..n];
        if !head_done {
            let room = 8192usize.saturating_sub(head.len());
            head.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if let Some((attr, count)) = sst_count(&head) {
                head_done = true;
                if count > max {
                    return Err(over(format!("declares {count} strings ({attr})")));
                }
            } else if head.len() >= 8192 {
                head_done = true;
            }
        }
        scan.feed(chunk);
        if scan.count > max {
            return Err(over(format!("holds at least {} strings", scan.count)));
        }
    }
    Ok(())
}

/// The larger of the `count` and `uniqueCount` attributes of the `<sst>` start tag,
/// once the tag is complete in `head`.
fn sst_count(head: &[u8]) -> Option<(&'static str, u64)> {
    let text = String::from_utf8_lossy(head);
    let start = text.find("<sst").or_else(|| text.find(":sst"))?;
    let tag = &text[start..start + text[start..].find('>')?];
    let attr = |name: &str| -> Option<u64> {
        let mut rest = tag;
        while let Some(i) = rest.find(name) {
            let before = rest[..i].chars().last();
            let after = &rest[i + name.len()..];
            rest = after;
            if !matches!(before, Some(c) if c.is_whitespace()) {
                continue;
            }
            let v = after.trim_start().strip_prefix('=')?.trim_start();
            let q = v.chars().next()?;
            let v = &v[1..];
            let digits = v[..v.find(q)?].trim();
            // A number too long for u64 is over any limit; a non-number is ignored
            // (the `<si>` elements are counted anyway).
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Some(0);
            }
            return Some(digits.parse::<u64>().unwrap_or(u64::MAX));
        }
        None
    };
    let count = attr("count");
    let unique = attr("uniqueCount");
    match (count, unique) {
        (None, None) => Some(("no count attribute", 0)),
        (c, u) if c.unwrap_or(0) >= u.unwrap_or(0) => Some(("count", c.unwrap_or(0))),
        (_, u) => Some(("uniqueCount", u.unwrap_or(0))),
    }
}

/// Counts `<si>` start tags (also namespaced `<x:si>`) in a stream of XML bytes.
#[derive(Default)]
struct TagCounter {
    /// Inside a tag name: its bytes so far (`None` outside one).
    name: Option<Vec<u8>>,
    count: u64,
}

impl TagCounter {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'<' {
                self.name = Some(Vec::new());
                continue;
            }
            let Some(name) = &mut self.name else {
                continue;
            };
            if matches!(b, b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n') {
                if name == b"si" || name.ends_with(b":si") {
                    self.count += 1;
                }
                self.name = None;
            } else if name.len() < 32 {
                name.push(b);
            } else {
                self.name = None;
            }
        }
    }
}

/// A cell as the text a mapping reads.
fn cell_string(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| d.to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#ERR {e:?}"),
    }
}

/// Gathers streamed cells into rows (in file order; empty cells are skipped and rows
/// without a value never appear) and hands each to `f`, which returns whether to go
/// on.
struct Rows<F> {
    row: Option<u32>,
    cells: Vec<String>,
    f: F,
    go_on: bool,
}

impl<F: FnMut(Vec<String>) -> Result<bool, IngestError>> Rows<F> {
    fn push(&mut self, pos: (u32, u32), v: &Data) -> Result<(), IngestError> {
        if matches!(v, Data::Empty) {
            return Ok(());
        }
        let text = cell_string(v);
        if text.is_empty() {
            return Ok(());
        }
        if self.row != Some(pos.0) {
            self.flush()?;
            self.row = Some(pos.0);
        }
        let c = pos.1 as usize;
        if c < MAX_COLUMNS {
            if self.cells.len() <= c {
                self.cells.resize(c + 1, String::new());
            }
            self.cells[c] = text;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), IngestError> {
        if self.row.take().is_some() && self.go_on {
            let cells = std::mem::take(&mut self.cells);
            self.go_on = (self.f)(cells)?;
        }
        self.cells.clear();
        Ok(())
    }
}

/// Opens a workbook (after [`check_zip`]) and hands each non-empty row of `sheet`
/// (the first sheet when `None`) to `f` until it returns `false`.
fn for_each_row(
    path: &Path,
    file: &str,
    sheet: Option<String>,
    limits: &IngestLimits,
    f: impl FnMut(Vec<String>) -> Result<bool, IngestError>,
) -> Result<String, IngestError> {
    let fmt = |reason: String| format_err(file, reason);
    check_zip(path, file, limits)?;
    let mut wb = calamine::open_workbook_auto(path)
        .map_err(|e| fmt(format!("cannot open workbook: {e}")))?;
    let sheet = match sheet {
        Some(s) => s,
        None => wb
            .sheet_names()
            .first()
            .cloned()
            .ok_or_else(|| fmt("the workbook has no sheets".into()))?,
    };
    let mut rows = Rows {
        row: None,
        cells: Vec::new(),
        f,
        go_on: true,
    };
    let bad_sheet = |e: String| fmt(format!("sheet '{sheet}': {e}"));
    match &mut wb {
        Sheets::Xlsx(x) => {
            let mut cells = x
                .worksheet_cells_reader(&sheet)
                .map_err(|e| bad_sheet(e.to_string()))?;
            while rows.go_on {
                let Some(cell) = cells.next_cell().map_err(|e| bad_sheet(e.to_string()))? else {
                    break;
                };
                let v = Data::from(cell.get_value().clone());
                rows.push(cell.get_position(), &v)?;
            }
        }
        Sheets::Xlsb(x) => {
            let mut cells = x
                .worksheet_cells_reader(&sheet)
                .map_err(|e| bad_sheet(e.to_string()))?;
            while rows.go_on {
                let Some(cell) = cells.next_cell().map_err(|e| bad_sheet(e.to_string()))? else {
                    break;
                };
                let v = Data::from(cell.get_value().clone());
                rows.push(cell.get_position(), &v)?;
            }
        }
        // .xls and .ods have no cell reader in calamine: read as a range.
        other => {
            let range = other
                .worksheet_range(&sheet)
                .map_err(|e| bad_sheet(e.to_string()))?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, row) in range.rows().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    if !rows.go_on {
                        break;
                    }
                    let pos = (r0 + r as u32, c0 + c as u32);
                    rows.push(pos, v)?;
                }
            }
        }
    }
    rows.flush()?;
    Ok(sheet)
}

/// Reads the rows of a workbook into the handler: the first non-empty row is the
/// header. Rows count from the first data row, empty rows skipped.
pub(crate) fn read(
    path: &Path,
    file: &str,
    opts: &IngestOptions,
    rows: &mut RowHandler,
    sink: &mut dyn Sink,
) -> Result<(), IngestError> {
    let mut have_header = false;
    let mut offset = 0usize;
    let mut row_no = 0u64;
    let sheet = opts.mapping.as_ref().and_then(|m| m.sheet.clone());
    let sheet = for_each_row(path, file, sheet, &opts.limits, |cells| {
        if !have_header {
            // Columns left of the header's first are not the table's.
            let Some(first) = cells.iter().position(|c| !c.trim().is_empty()) else {
                return Ok(true);
            };
            offset = first;
            rows.set_header(&cells[offset..])?;
            have_header = true;
            return Ok(true);
        }
        let cells = if cells.len() > offset {
            cells[offset..].to_vec()
        } else {
            Vec::new()
        };
        if cells.iter().all(|c| c.trim().is_empty()) {
            return Ok(true);
        }
        row_no += 1;
        rows.rows_read += 1;
        rows.row(sink, row_no, &cells)?;
        Ok(true)
    })?;
    if !have_header {
        return Err(format_err(file, format!("sheet '{sheet}' is empty")));
    }
    Ok(())
}

/// The first non-empty row of the first sheet.
pub(crate) fn header(
    path: &Path,
    file: &str,
    limits: &IngestLimits,
) -> Result<Vec<String>, IngestError> {
    let mut header = None;
    for_each_row(path, file, None, limits, |cells| {
        let Some(offset) = cells.iter().position(|c| !c.trim().is_empty()) else {
            return Ok(true);
        };
        header = Some(cells[offset..].to_vec());
        Ok(false)
    })?;
    header.ok_or_else(|| format_err(file, "empty sheet".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sst_counts_are_read_from_the_start_tag() {
        let head = br#"<?xml version="1.0"?><sst xmlns="x" count="12" uniqueCount="7"><si>"#;
        assert_eq!(sst_count(head), Some(("count", 12)));
        let head = br#"<x:sst uniqueCount='50000000'><x:si>"#;
        assert_eq!(sst_count(head), Some(("uniqueCount", 50_000_000)));
        assert_eq!(sst_count(b"<sst count=\"1"), None);
    }

    #[test]
    fn si_tags_are_counted_across_chunks() {
        let mut t = TagCounter::default();
        t.feed(b"<sst><si><t>a</t></si><s");
        t.feed(b"i><t>b</t></si><x:si/><sis/></sst>");
        assert_eq!(t.count, 3);
    }
}
