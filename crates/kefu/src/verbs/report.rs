//! `kefu report` and `kefu conversations`: the KPI report and the conversations
//! behind a number.

use anyhow::Result;
use clap::Args;
use kefu_app::Filters;
use kefu_app::conversations::ListQuery;
use std::path::{Path, PathBuf};

/// The filters `report` and `conversations` share (the API's filter parameters).
#[derive(Args)]
pub struct FilterArgs {
    /// First shop-local date (inclusive), YYYY-MM-DD.
    #[arg(long)]
    pub from: Option<chrono::NaiveDate>,
    /// Last shop-local date (inclusive).
    #[arg(long)]
    pub to: Option<chrono::NaiveDate>,
    #[arg(long)]
    pub shop: Option<String>,
    #[arg(long)]
    pub channel: Option<String>,
    /// The credited agent.
    #[arg(long)]
    pub agent: Option<String>,
    /// Only conversations with this complaint category (e.g. logistics).
    #[arg(long)]
    pub category: Option<String>,
    /// `start`: conversations that started in the period (default); `event`: by event time.
    #[arg(long)]
    pub cohort: Option<String>,
    /// Read every shop in this timezone instead of its configured one.
    #[arg(long)]
    pub tz: Option<String>,
}

impl FilterArgs {
    pub fn filters(self) -> Result<Filters> {
        Ok(Filters {
            from: self.from,
            to: self.to,
            shop: self.shop,
            channel: self.channel,
            agent: self.agent,
            category: self.category,
            cohort: self
                .cohort
                .as_deref()
                .map(kefu_app::filters::parse_cohort)
                .transpose()?,
            tz: self.tz,
        })
    }
}

#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Also write the report as an Excel workbook: one sheet per section, and one
    /// row per conversation on a sheet of its own.
    #[arg(long, value_name = "FILE")]
    pub xlsx: Option<PathBuf>,
    /// Break down by agent, shop, channel, platform, category, product, day, hour,
    /// week, month or date_hour.
    #[arg(long)]
    pub by: Option<kefu_app::Breakdown>,
    #[arg(long)]
    pub json: bool,
    /// Benchmarks: run the report N more times in this process (store opened once,
    /// as a server would) and print each run's seconds on stderr.
    #[arg(long, hide = true, default_value_t = 0)]
    pub repeat: usize,
}

#[derive(Args)]
pub struct ConversationsArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// A SQL predicate over the conversation facts, e.g. 'frt_secs > 600'.
    #[arg(long = "where")]
    pub predicate: Option<String>,
    /// Sort key (start, end, frt_secs, rounds_human, rounds_unanswered, csat,
    /// resolution_secs, customer_messages, shop_id, last_agent), newest first by default.
    #[arg(long, default_value = "start")]
    pub sort: String,
    #[arg(long)]
    pub asc: bool,
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print each conversation's messages too.
    #[arg(long)]
    pub messages: bool,
    #[arg(long)]
    pub json: bool,
}

pub async fn report(dir: &Path, a: ReportArgs) -> Result<()> {
    let app = super::open_current(dir).await?;
    let f = a.filters.filters()?;
    let r = app.report(&f, a.by).await?;
    for _ in 0..a.repeat {
        let t = std::time::Instant::now();
        app.report(&f, a.by).await?;
        eprintln!("report_secs {:.4}", t.elapsed().as_secs_f64());
    }
    if let Some(path) = &a.xlsx {
        let rows = app
            .conversations(
                &f,
                &ListQuery {
                    ascending: true,
                    ..Default::default()
                },
            )
            .await?
            .rows;
        crate::output::xlsx::write_xlsx(path, &r, &rows)?;
        eprintln!("wrote {} ({} conversations)", path.display(), rows.len());
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        print!("{}", r.render_text());
    }
    Ok(())
}

pub async fn conversations(dir: &Path, a: ConversationsArgs) -> Result<()> {
    let app = super::open_current(dir).await?;
    let f = a.filters.filters()?;
    let l = ListQuery {
        predicate: a.predicate,
        sort: Some(a.sort),
        ascending: a.asc,
        limit: Some(a.limit),
        ..Default::default()
    };
    let list = app.conversations(&f, &l).await?;
    let mut out = Vec::new();
    for row in list.rows {
        let mut r = serde_json::to_value(&row)?;
        r["categories"] = serde_json::Value::String(row.categories.join(","));
        if a.messages {
            let t = app
                .transcript(&row.conversation_id, Some(&row.shop_id))
                .await?;
            r["messages"] = serde_json::to_value(&t.messages)?;
        }
        out.push(r);
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    for r in &out {
        println!(
            "{} #{}  {}  {} → {}  agent {}  FRT {}  rounds {}/{} unanswered  {}{}",
            r["conversation_id"].as_str().unwrap_or("-"),
            r["cycle"],
            r["shop_id"].as_str().unwrap_or("-"),
            r["start"].as_str().unwrap_or("-"),
            r["end"].as_str().unwrap_or("-"),
            r["last_agent"].as_str().unwrap_or("-"),
            r["frt_secs"]
                .as_f64()
                .map_or("-".into(), |s| format!("{s:.0}s")),
            r["rounds_human"],
            r["rounds_unanswered"],
            if r["resolved"] == true {
                "resolved"
            } else {
                "open"
            },
            r["categories"]
                .as_str()
                .filter(|c| !c.is_empty())
                .map_or(String::new(), |c| format!("  [{c}]")),
        );
        if let Some(ms) = r["messages"].as_array() {
            for m in ms {
                println!(
                    "    {}  {:<8} {}",
                    m["ts"].as_str().unwrap_or(""),
                    m["agent_id"]
                        .as_str()
                        .unwrap_or(m["sender"].as_str().unwrap_or("")),
                    m["text"].as_str().unwrap_or("")
                );
            }
        }
    }
    println!("{} conversation(s)", out.len());
    Ok(())
}
