//! `kefu`: customer-service analytics for e-commerce shops, in one binary.

mod output;
mod verbs;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// mimalloc, not the system allocator: fact builds and ingests make and drop millions
/// of short strings (10M-message fact rebuild: 101 s on glibc's malloc, 75 s on
/// mimalloc; BENCHMARKS.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h: milliseconds freed memory stays with the
/// process before it goes back to the OS (-1: never; mimalloc's default 10).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Ingest, fact rebuilds and reports free and refill gigabytes chunk after chunk;
/// handing that memory back to the OS only to fault it in again, page by zeroed
/// page, was a third of a rebuild's time (BENCHMARKS.md). So a batch command keeps
/// what it frees: memory stays at its high-water mark until exit. A server must not:
/// under random-filter load its high-water mark rose round after round (+35–55 %
/// within a minute of 50 clients), so [`return_freed_memory`] switches back to
/// mimalloc's default before serving (RSS then flat within 10 %, BENCHMARKS.md).
/// `MIMALLOC_PURGE_DELAY` in the environment overrides both.
fn keep_freed_memory() {
    set_purge_delay(-1);
}

/// Freed memory goes back to the OS after mimalloc's default 10 ms (the server).
pub(crate) fn return_freed_memory() {
    set_purge_delay(10);
}

fn set_purge_delay(ms: std::ffi::c_long) {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: a plain option setter of the allocator in use, callable at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, ms) };
}

#[derive(Parser)]
#[command(
    name = "kefu",
    version,
    about = "Customer-service analytics for e-commerce shops (客服数据分析)"
)]
struct Cli {
    /// The data directory (tables, configuration).
    #[arg(
        long,
        global = true,
        env = "KEFU_DATA_DIR",
        default_value = "./kefu-data"
    )]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate realistic sample shops, load them and show what kefu does.
    Demo(verbs::demo::DemoArgs),
    /// Load chat logs, orders, surveys, reviews or e-mail into the store.
    Ingest(verbs::ingest::IngestArgs),
    /// List rows that could not be read, with file, row and reason.
    Quarantine(verbs::data::QuarantineArgs),
    /// List what was flagged as spam (customer chat, reviews, survey comments), with
    /// the reason; spam is left out of KPIs unless `include_spam = true`.
    Spam(verbs::data::SpamArgs),
    /// Run SQL over the tables (messages, orders, surveys, reviews, quarantine).
    Query(verbs::data::QueryArgs),
    /// The KPI report of METRICS.md: volume, response, resolution, satisfaction, conversion.
    Report(verbs::report::ReportArgs),
    /// Is period b different from a (or the period before it, or a year earlier)?
    /// Every KPI with its test, interval, q-value and a sentence.
    Compare(verbs::compare::CompareArgs),
    /// What drives satisfaction (or dissatisfaction, resolution, conversion): a
    /// logistic regression with odds ratios, intervals and a ranking in words.
    Drivers(verbs::compare::DriversArgs),
    /// What is unusual: hours and days of volume, complaint categories, negative
    /// share, first response, 3-minute rate and CSAT against their seasonal
    /// baseline, with a band, a score and a sentence; level shifts once.
    Anomalies(verbs::anomalies::AnomaliesArgs),
    /// The conversations behind a number: filters, a SQL predicate, transcripts.
    Conversations(verbs::report::ConversationsArgs),
    /// Show or change the configuration (kefu.toml in the data directory).
    Config(verbs::data::ConfigArgs),
    /// Maintain the store: compact small files, remove unreferenced ones.
    Store(verbs::data::StoreArgs),
    /// Forecast hourly inquiry volume: a shop's from the store, or a CSV series.
    Forecast(verbs::plan::ForecastCmd),
    /// Staffing: Erlang C/A with chat concurrency, and shift plans.
    Staff(verbs::forecast_args::StaffArgs),
    /// Simulate a chat queue through a roster (service level, waits, abandonment).
    Simulate(verbs::forecast_args::SimulateArgs),
    /// Chinese text tools: classify, sentiment, keywords, mask, trends, eval, train.
    Text(verbs::text::TextArgs),
    /// Serve the dashboard and the JSON API (/api/v1) on one port.
    Serve(verbs::serve::ServeArgs),
}

fn main() {
    tracing_subscriber::fmt()
        // delta-kernel logs an ERROR when it probes a table that does not exist yet,
        // which is how every new data directory starts: not an error for kefu.
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KEFU_LOG").unwrap_or_else(|_| {
                "warn,buoyant_kernel::snapshot::builder=off,kefu_server::access=info".into()
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    keep_freed_memory();
    quiet_on_closed_stdout();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = rt.block_on(run(cli)) {
        eprintln!("error: {}", describe(&e));
        std::process::exit(1);
    }
}

/// `kefu query … | head -1`: when the reader of stdout goes away, `println!`
/// panics on the broken pipe. That is the reader's choice, not kefu's failure, so
/// kefu stops quietly with status 0, as `cat` would stop; every other panic keeps
/// the default report.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// The error and its causes on one line, each cause once: many errors already
/// carry their source's text in their own message (`"query: {0}"`), and printing
/// the chain as well would say it twice.
fn describe(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

async fn run(cli: Cli) -> Result<()> {
    let dir = cli.data_dir;
    match cli.command {
        Command::Demo(a) => verbs::demo::run(&dir, a).await,
        Command::Ingest(a) => verbs::ingest::run(&dir, a).await,
        Command::Quarantine(a) => verbs::data::quarantine(&dir, a).await,
        Command::Spam(a) => verbs::data::spam(&dir, a).await,
        Command::Query(a) => verbs::data::query(&dir, a).await,
        Command::Report(a) => verbs::report::report(&dir, a).await,
        Command::Compare(a) => verbs::compare::compare(&dir, a).await,
        Command::Drivers(a) => verbs::compare::drivers(&dir, a).await,
        Command::Anomalies(a) => verbs::anomalies::anomalies(&dir, a).await,
        Command::Conversations(a) => verbs::report::conversations(&dir, a).await,
        Command::Config(a) => verbs::data::config(&dir, a),
        Command::Store(a) => verbs::data::store(&dir, a).await,
        Command::Forecast(a) => verbs::plan::forecast(&dir, a).await,
        Command::Staff(a) => verbs::plan::staff(&dir, a).await,
        Command::Simulate(a) => verbs::plan::simulate(&dir, a).await,
        Command::Text(a) => verbs::text::run_in(&dir, a).await,
        Command::Serve(a) => verbs::serve::run(&dir, a).await,
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("query: {0}")]
        Repeats(#[source] std::io::Error),
        #[error("reading the store")]
        Adds(#[source] std::io::Error),
    }

    fn io() -> std::io::Error {
        std::io::Error::other("disk on fire")
    }

    #[test]
    fn each_cause_is_said_once() {
        let e = anyhow::Error::new(Outer::Repeats(io())).context("kefu report");
        assert_eq!(describe(&e), "kefu report: query: disk on fire");
        let e = anyhow::Error::new(Outer::Adds(io()));
        assert_eq!(describe(&e), "reading the store: disk on fire");
    }
}
