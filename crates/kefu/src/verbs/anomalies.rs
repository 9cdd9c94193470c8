//! `kefu anomalies`: hours and days that stand out from their seasonal baseline
//! (kefu_app::anomalies).

use anyhow::Result;
use clap::Args;
use kefu_app::anomalies::{Anomalies, AnomalySpec, Direction, parse_grains, parse_metrics};
use std::path::Path;

#[derive(Args)]
pub struct AnomaliesArgs {
    /// conversations, customer_messages, category:<label>, negative_share, frt_p50,
    /// three_min_rate or csat_pct (repeat or comma-separate). Default: every one,
    /// each complaint category in the data included.
    #[arg(long)]
    pub metric: Vec<String>,
    /// hour or day. Default: both.
    #[arg(long)]
    pub grain: Option<String>,
    #[command(flatten)]
    pub filters: super::report::FilterArgs,
    /// With --json: also every point of every series with its expected value and band.
    #[arg(long)]
    pub points: bool,
    #[arg(long)]
    pub json: bool,
}

pub async fn anomalies(dir: &Path, a: AnomaliesArgs) -> Result<()> {
    let spec = AnomalySpec {
        metrics: parse_metrics(&a.metric)?,
        grains: parse_grains(a.grain.as_deref())?,
        points: a.points,
    };
    let f = a.filters.filters()?;
    let app = super::open_current(dir).await?;
    let out = app.anomalies(&f, &spec).await?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{}", render(&out));
    }
    Ok(())
}

/// One line per flag, hours first, newest first; a summary line when nothing stands out.
pub fn render(a: &Anomalies) -> String {
    let period = match (a.from, a.to) {
        (Some(f), Some(t)) => format!("{f}..{t}"),
        _ => "no data".into(),
    };
    let mut s = format!(
        "Anomalies {period}: {} flagged across {} series\n",
        a.anomalies.len(),
        a.series.len()
    );
    if a.anomalies.is_empty() {
        s.push_str("nothing stands out from its seasonal baseline\n");
    }
    for x in &a.anomalies {
        let arrow = match x.direction {
            Direction::Up => "▲",
            Direction::Down => "▼",
        };
        s.push_str(&format!(
            "{arrow} {} (score {:.1})\n",
            x.explanation, x.score
        ));
    }
    s
}
