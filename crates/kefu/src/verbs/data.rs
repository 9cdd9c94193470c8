//! The data directory's verbs: `query`, `quarantine`, `config`, `store`.

use anyhow::Result;
use clap::{Args, Subcommand};
use std::path::Path;

#[derive(Args)]
pub struct QuarantineArgs {
    #[arg(long, default_value_t = 200)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct SpamArgs {
    /// Items listed per table (latest first).
    #[arg(long, default_value_t = 200)]
    pub limit: usize,
    /// Only this shop.
    #[arg(long)]
    pub shop: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct QueryArgs {
    /// A SELECT statement.
    pub sql: String,
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    #[arg(long)]
    pub csv: bool,
}

#[derive(Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub action: Option<ConfigAction>,
    /// Show the effective settings of this shop.
    #[arg(long)]
    pub shop: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum ConfigAction {
    /// Set a key, e.g. `kefu config set timezone Europe/Berlin --shop s1`.
    Set {
        key: String,
        /// A TOML value (strings need no quotes).
        value: String,
        #[arg(long)]
        shop: Option<String>,
    },
}

#[derive(Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub action: StoreAction,
}

#[derive(Subcommand)]
pub enum StoreAction {
    /// Compact each table's small files (one commit per table).
    Optimize,
    /// Delete files no snapshot references (older than the retention).
    Vacuum {
        #[arg(long, default_value_t = 168)]
        retention_hours: u64,
    },
    /// Rebuild the conversation facts from the whole store (after a configuration
    /// change; ingests keep them current on their own).
    RebuildFacts {
        #[arg(long)]
        json: bool,
    },
    /// Row counts and versions of every table.
    Status {
        #[arg(long)]
        json: bool,
    },
}

pub async fn spam(dir: &Path, a: SpamArgs) -> Result<()> {
    let l = super::open(dir)
        .await?
        .spam(a.limit, a.shop.as_deref())
        .await?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&l)?);
        return Ok(());
    }
    println!(
        "spam: {} customer message(s), {} review(s), {} survey comment(s) — {} (include_spam = {})",
        l.messages,
        l.reviews,
        l.surveys,
        if l.included {
            "counted in the facts and complaints"
        } else {
            "left out of the facts and complaints"
        },
        l.included
    );
    for i in &l.items {
        let text: String = i.text.chars().take(60).collect();
        println!(
            "{:<8} {:<10} {:<20} {}  [{}]  {text}",
            i.table, i.shop_id, i.id, i.ts, i.reason
        );
    }
    Ok(())
}

pub async fn quarantine(dir: &Path, a: QuarantineArgs) -> Result<()> {
    let q = super::open(dir).await?.quarantine(a.limit).await?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&q)?);
        return Ok(());
    }
    println!(
        "{} row(s) in quarantine{}",
        q.total,
        if q.total as usize > a.limit {
            format!(" (showing {})", a.limit)
        } else {
            String::new()
        }
    );
    if q.total > 0 {
        println!("{}", crate::output::pretty(&q.batches, 60)?);
    }
    Ok(())
}

pub async fn query(dir: &Path, a: QueryArgs) -> Result<()> {
    let r = super::open_current(dir)
        .await?
        .query(&a.sql, kefu_app::sql::QueryLimits::NONE)
        .await?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&kefu_app::encode::batches_to_json(&r.batches)?)?
        );
    } else if a.csv {
        print!("{}", kefu_app::encode::batches_to_csv(&r.batches)?);
    } else {
        println!("{}", crate::output::pretty(&r.batches, 80)?);
    }
    Ok(())
}

pub fn config(dir: &Path, a: ConfigArgs) -> Result<()> {
    if let Some(ConfigAction::Set { key, value, shop }) = a.action {
        kefu_app::config::set(dir, shop.as_deref(), &key, &value)?;
        println!("set {key} ({})", shop.as_deref().unwrap_or("defaults"));
        return Ok(());
    }
    let out = kefu_app::config::effective(dir, a.shop.as_deref())?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let path = kefu_app::config_path(dir);
    println!(
        "# {} ({})",
        path.display(),
        if path.exists() {
            "file"
        } else {
            "defaults, no file yet"
        }
    );
    for (k, v) in out {
        println!("[{k}]");
        let t: toml::Value = serde_json::from_value(v)?;
        print!("{}", toml::to_string_pretty(&t)?);
        println!();
    }
    Ok(())
}

pub async fn store(dir: &Path, a: StoreArgs) -> Result<()> {
    let app = super::open(dir).await?;
    match a.action {
        StoreAction::Optimize => {
            for (t, n) in app.optimize().await? {
                println!("{t}: {n} file(s) compacted");
            }
        }
        StoreAction::Vacuum { retention_hours } => {
            for (t, n) in app.vacuum(retention_hours).await? {
                println!("{t}: {n} unreferenced file(s) deleted");
            }
        }
        StoreAction::RebuildFacts { json } => {
            let r = app.rebuild_facts().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "facts rebuilt: {} conversation(s), {} round(s) in {} chunk(s), {:.1}s",
                    r.conversations, r.rounds, r.chunks, r.secs
                );
            }
        }
        StoreAction::Status { json } => {
            let s = app.status().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                for (k, v) in &s.tables {
                    println!("{k:<18} {:>10} rows  v{}", v.rows, v.version);
                }
                println!("{:<18} {}", "facts_current", s.facts_current);
            }
        }
    }
    Ok(())
}
