//! `kefu ingest`: load files, with a progress bar on a terminal.

use anyhow::Result;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kefu_app::ingest::{IngestRequest, Progress};
use kefu_model::Table;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct IngestArgs {
    /// kefu-csv, jsonl, xlsx, twcs, eml, mbox, or a preset: feige, qianniu, zendesk.
    #[arg(long)]
    pub format: Option<String>,
    /// Which table canonical files are for (default: guessed from the header).
    #[arg(long)]
    pub table: Option<Table>,
    /// Shop id for rows that name none.
    #[arg(long)]
    pub shop: Option<String>,
    /// Platform for rows that name none (douyin, taobao, jd ...).
    #[arg(long)]
    pub platform: Option<String>,
    /// Timezone for this ingest (IANA name); overrides the shops' configured ones.
    #[arg(long)]
    pub tz: Option<String>,
    /// A mapping file (TOML) for any other CSV or Excel layout.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// Print a draft mapping for FILE's header instead of ingesting.
    #[arg(long)]
    pub suggest_mapping: bool,
    /// The shop's own e-mail addresses (mail from them is the agent side).
    #[arg(long = "agent-address", value_name = "ADDR")]
    pub agent_addresses: Vec<String>,
    /// Skip Chinese text understanding (categories, sentiment, urgency, PII masking).
    #[arg(long)]
    pub no_text: bool,
    #[arg(long)]
    pub json: bool,
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub async fn run(dir: &Path, a: IngestArgs) -> Result<()> {
    if a.suggest_mapping {
        for f in &a.files {
            let m = kefu_app::ingest::suggest_mapping(f)?;
            println!(
                "# Draft mapping for {} — check every line, then: kefu ingest --mapping FILE",
                f.display()
            );
            print!("{m}");
        }
        return Ok(());
    }
    let app = super::open(dir).await?;
    let req = IngestRequest {
        files: a.files,
        format: a.format,
        table: a.table,
        shop: a.shop,
        platform: a.platform,
        tz: a.tz,
        mapping: a.mapping,
        agent_addresses: a.agent_addresses,
        text: !a.no_text,
    };
    let report = app.ingest(&req, &Bar::for_stderr()).await?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        crate::output::print_ingest(&report);
    }
    Ok(())
}

/// An ingest progress bar on stderr (hidden when stderr is not a terminal).
pub struct Bar(ProgressBar);

impl Bar {
    pub fn for_stderr() -> Bar {
        if !std::io::stderr().is_terminal() {
            return Bar(ProgressBar::hidden());
        }
        let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} ingest [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Bar(b)
    }
}

impl Progress for Bar {
    fn start(&self, total_bytes: u64) {
        self.0.set_length(total_bytes);
    }
    fn bytes(&self, done: u64) {
        self.0.set_position(done);
    }
    fn file_done(&self, file: &str) {
        self.0
            .set_message(file.rsplit('/').next().unwrap_or("").to_string());
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}
