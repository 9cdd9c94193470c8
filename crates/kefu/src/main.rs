//! `kefu`: customer-service analytics for e-commerce shops, in one binary.

mod ingest;
mod output;
mod report;
mod volume;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use kefu_ingest::mapping::Mapping;
use kefu_ingest::{Format, IngestOptions};
use kefu_model::{Config, Table};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

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
/// page, was a third of a rebuild's time, and under load the server's purges showed
/// as p99 latency (BENCHMARKS.md). So kefu keeps what it frees: memory stays at its
/// high-water mark until exit. `MIMALLOC_PURGE_DELAY` in the environment (e.g. `10`,
/// mimalloc's default) gives it back instead.
fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: a plain option setter of the allocator in use, callable at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
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
    Demo(DemoArgs),
    /// Load chat logs, orders, surveys, reviews or e-mail into the store.
    Ingest(IngestArgs),
    /// List rows that could not be read, with file, row and reason.
    Quarantine(QuarantineArgs),
    /// Run SQL over the tables (messages, orders, surveys, reviews, quarantine).
    Query(QueryArgs),
    /// The KPI report of METRICS.md: volume, response, resolution, satisfaction, conversion.
    Report(ReportArgs),
    /// The conversations behind a number: filters, a SQL predicate, transcripts.
    Conversations(ConversationsArgs),
    /// Show or change the configuration (kefu.toml in the data directory).
    Config(ConfigArgs),
    /// Maintain the store: compact small files, remove unreferenced ones.
    Store(StoreArgs),
    /// Forecast hourly inquiry volume: a shop's from the store, or a CSV series.
    Forecast(ForecastCmd),
    /// Staffing: Erlang C/A with chat concurrency, and shift plans.
    Staff(kefu_forecast::cli::StaffArgs),
    /// Simulate a chat queue through a roster (service level, waits, abandonment).
    Simulate(kefu_forecast::cli::SimulateArgs),
    /// Chinese text tools: classify, sentiment, keywords, mask, trends, eval, train.
    Text(kefu_text::cli::TextArgs),
    /// Serve the dashboard and the JSON API (/api/v1) on one port.
    Serve(ServeArgs),
}

#[derive(Args)]
struct ConversationsArgs {
    #[arg(long)]
    from: Option<chrono::NaiveDate>,
    #[arg(long)]
    to: Option<chrono::NaiveDate>,
    #[arg(long)]
    shop: Option<String>,
    #[arg(long)]
    channel: Option<String>,
    /// The credited (last) agent.
    #[arg(long)]
    agent: Option<String>,
    #[arg(long)]
    category: Option<String>,
    /// A SQL predicate over the conversation facts, e.g. 'frt_secs > 600'.
    #[arg(long = "where")]
    predicate: Option<String>,
    /// Sort column (any conversation_facts column), newest first by default.
    #[arg(long, default_value = "start_ts")]
    sort: String,
    #[arg(long)]
    asc: bool,
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Print each conversation's messages too.
    #[arg(long)]
    messages: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on; loopback by default.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// Bearer token every API request must carry (required in practice beyond loopback).
    #[arg(long, env = "KEFU_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
struct ForecastCmd {
    #[command(subcommand)]
    command: Option<kefu_forecast::cli::ForecastCommand>,
    /// The shop whose conversations to forecast (default: the only shop in the store).
    #[arg(long)]
    shop: Option<String>,
    /// How far ahead: hours, or `36h`, `7d`, `2w`.
    #[arg(long, default_value = "7d", value_parser = kefu_forecast::cli::parse_horizon)]
    horizon: usize,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct DemoArgs {
    /// Only write the sample data set (canonical, 飞鸽 and 千牛 layouts) into DIR.
    #[arg(long, value_name = "DIR")]
    generate: Option<PathBuf>,
    /// Volume multiplier: 1 ≈ 0.9 million messages; the default ≈ 1.5 million.
    #[arg(long, default_value_t = 1.67)]
    scale: f64,
    #[arg(long, default_value_t = 20_251_111)]
    seed: u64,
    /// With --generate: every shop in the canonical layout (UTF-8), for comparisons.
    #[arg(long)]
    canonical: bool,
    #[arg(long)]
    json: bool,
    /// Print the report and exit instead of serving the dashboard.
    #[arg(long)]
    no_serve: bool,
    /// Where the dashboard listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// Do not try to open a browser.
    #[arg(long)]
    no_open: bool,
}

#[derive(Args)]
struct IngestArgs {
    /// kefu-csv, jsonl, xlsx, twcs, eml, mbox, or a preset: feige, qianniu, zendesk.
    #[arg(long)]
    format: Option<String>,
    /// Which table canonical files are for (default: guessed from the header).
    #[arg(long)]
    table: Option<Table>,
    /// Shop id for rows that name none.
    #[arg(long)]
    shop: Option<String>,
    /// Platform for rows that name none (douyin, taobao, jd ...).
    #[arg(long)]
    platform: Option<String>,
    /// Timezone for this ingest (IANA name); overrides the shops' configured ones.
    #[arg(long)]
    tz: Option<String>,
    /// A mapping file (TOML) for any other CSV or Excel layout.
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// Print a draft mapping for FILE's header instead of ingesting.
    #[arg(long)]
    suggest_mapping: bool,
    /// The shop's own e-mail addresses (mail from them is the agent side).
    #[arg(long = "agent-address", value_name = "ADDR")]
    agent_addresses: Vec<String>,
    /// Skip Chinese text understanding (categories, sentiment, urgency, PII masking).
    #[arg(long)]
    no_text: bool,
    #[arg(long)]
    json: bool,
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Args)]
struct QuarantineArgs {
    #[arg(long, default_value_t = 200)]
    limit: usize,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct QueryArgs {
    /// A SELECT statement.
    sql: String,
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    #[arg(long)]
    csv: bool,
}

#[derive(Args)]
struct ReportArgs {
    /// First shop-local date (inclusive), YYYY-MM-DD.
    #[arg(long)]
    from: Option<chrono::NaiveDate>,
    /// Last shop-local date (inclusive).
    #[arg(long)]
    to: Option<chrono::NaiveDate>,
    #[arg(long)]
    shop: Option<String>,
    #[arg(long)]
    channel: Option<String>,
    #[arg(long)]
    agent: Option<String>,
    /// Only conversations with this complaint category (e.g. logistics).
    #[arg(long)]
    category: Option<String>,
    /// `start`: conversations that started in the period (default); `event`: by event time.
    #[arg(long)]
    cohort: Option<String>,
    /// Also write the report as an Excel workbook: one sheet per section, and one
    /// row per conversation on a sheet of its own.
    #[arg(long, value_name = "FILE")]
    xlsx: Option<PathBuf>,
    /// Break down by agent, shop, channel, platform, category, product, day, hour,
    /// week, month or date_hour.
    #[arg(long)]
    by: Option<kefu_analytics::Breakdown>,
    /// Read every shop in this timezone instead of its configured one.
    #[arg(long)]
    tz: Option<String>,
    #[arg(long)]
    json: bool,
    /// Benchmarks: run the report N more times in this process (store opened once,
    /// as a server would) and print each run's seconds on stderr.
    #[arg(long, hide = true, default_value_t = 0)]
    repeat: usize,
}

#[derive(Args)]
struct ConfigArgs {
    #[command(subcommand)]
    action: Option<ConfigAction>,
    /// Show the effective settings of this shop.
    #[arg(long)]
    shop: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum ConfigAction {
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
struct StoreArgs {
    #[command(subcommand)]
    action: StoreAction,
}

#[derive(Subcommand)]
enum StoreAction {
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
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let dir = cli.data_dir;
    match cli.command {
        Command::Demo(a) => demo(&dir, a).await,
        Command::Ingest(a) => ingest_cmd(&dir, a).await,
        Command::Quarantine(a) => quarantine(&dir, a).await,
        Command::Query(a) => query(&dir, a).await,
        Command::Report(a) => report_cmd(&dir, a).await,
        Command::Conversations(a) => conversations_cmd(&dir, a).await,
        Command::Config(a) => config_cmd(&dir, a),
        Command::Store(a) => store_cmd(&dir, a).await,
        Command::Forecast(a) => forecast_cmd(&dir, a).await,
        Command::Staff(a) => staff_cmd(&dir, a).await,
        Command::Simulate(a) => simulate_cmd(&dir, a).await,
        Command::Text(a) => kefu_text::cli::run(a),
        Command::Serve(a) => {
            kefu_analytics::stored::open(&dir).await?;
            exit_with_parent();
            println!("kefu dashboard: http://{}/  (API: /api/v1/docs)", a.addr);
            kefu_server::serve(kefu_server::ServeOptions {
                addr: a.addr,
                token: a.token,
                data_dir: dir,
            })
            .await
        }
    }
}

/// With `KEFU_EXIT_WITH_PARENT` set (test harnesses, supervisors without process
/// groups), the server stops once the process that started it is gone.
fn exit_with_parent() {
    #[cfg(unix)]
    if std::env::var_os("KEFU_EXIT_WITH_PARENT").is_some() {
        let parent = std::os::unix::process::parent_id();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(std::time::Duration::from_millis(500));
                if std::os::unix::process::parent_id() != parent {
                    std::process::exit(0);
                }
            }
        });
    }
}

/// Opens the dashboard in a browser when this machine has a desktop.
fn open_browser(url: &str) {
    let has_display = std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some()
        || cfg!(target_os = "macos");
    if !has_display {
        return;
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

fn config_path(dir: &Path) -> PathBuf {
    dir.join("kefu.toml")
}

/// The configuration of a data directory (defaults when it has no kefu.toml).
fn load_config(dir: &Path) -> Result<Config> {
    let p = config_path(dir);
    if !p.exists() {
        return Ok(Config::default());
    }
    let text = std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
    Config::parse(&text).with_context(|| format!("in {}", p.display()))
}

fn config_cmd(dir: &Path, a: ConfigArgs) -> Result<()> {
    let mut cfg = load_config(dir)?;
    if let Some(ConfigAction::Set { key, value, shop }) = a.action {
        let v: toml::Value = format!("v = {value}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or(toml::Value::String(value));
        cfg.set(shop.as_deref(), &key, v)?;
        std::fs::create_dir_all(dir)?;
        std::fs::write(config_path(dir), cfg.to_toml())?;
        println!("set {key} ({})", shop.as_deref().unwrap_or("defaults"));
        return Ok(());
    }
    let shops: Vec<String> = match a.shop {
        Some(s) => vec![s],
        None => std::iter::once(String::new())
            .chain(cfg.shop_ids().map(str::to_string))
            .collect(),
    };
    let mut out = serde_json::Map::new();
    for s in shops {
        let eff = cfg.shop(&s)?;
        out.insert(
            if s.is_empty() { "defaults".into() } else { s },
            serde_json::to_value(eff)?,
        );
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "# {} ({})",
            config_path(dir).display(),
            if config_path(dir).exists() {
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
    }
    Ok(())
}

fn ingest_options(dir: &Path, a: &IngestArgs) -> Result<IngestOptions> {
    let cfg = load_config(dir)?;
    let defaults = cfg.shop("")?;
    let mut opts = IngestOptions {
        shop: a.shop.clone().unwrap_or_else(|| "default".into()),
        platform: a.platform.clone(),
        table: a.table,
        default_tz: defaults.tz()?,
        session_gap_secs: defaults.session_gap_secs,
        ..Default::default()
    };
    for s in cfg.shop_ids() {
        opts.shop_tz.insert(s.to_string(), cfg.shop(s)?.tz()?);
    }
    if let Some(shop) = &a.shop {
        let sc = cfg.shop(shop)?;
        opts.session_gap_secs = sc.session_gap_secs;
        opts.agent_addresses = sc.email_addresses;
        if opts.platform.is_none() {
            opts.platform = sc.platform;
        }
    }
    opts.agent_addresses
        .extend(a.agent_addresses.iter().cloned());
    if let Some(tz) = &a.tz {
        opts.tz_override = Some(kefu_model::config::parse_tz(tz)?);
    }
    if let Some(f) = &a.format {
        if Mapping::preset_names().contains(&f.as_str()) {
            opts.mapping = Some(Mapping::preset(f)?);
            opts.format = Some(if a.files.iter().any(|p| is_excel(p)) {
                Format::Excel
            } else {
                Format::KefuCsv
            });
        } else {
            opts.format = Some(Format::parse(f).map_err(anyhow::Error::msg)?);
        }
    }
    if let Some(m) = &a.mapping {
        let text =
            std::fs::read_to_string(m).with_context(|| format!("reading {}", m.display()))?;
        opts.mapping = Some(Mapping::parse(&text).with_context(|| format!("in {}", m.display()))?);
    }
    Ok(opts)
}

fn is_excel(p: &Path) -> bool {
    p.extension().is_some_and(|e| {
        matches!(
            e.to_string_lossy().to_ascii_lowercase().as_str(),
            "xlsx" | "xls" | "xlsm" | "xlsb" | "ods"
        )
    })
}

async fn ingest_cmd(dir: &Path, a: IngestArgs) -> Result<()> {
    if a.suggest_mapping {
        for f in &a.files {
            let header = kefu_ingest::read_header(f)?;
            let m = kefu_ingest::mapping::suggest(&header);
            println!(
                "# Draft mapping for {} — check every line, then: kefu ingest --mapping FILE",
                f.display()
            );
            print!("{}", toml::to_string_pretty(&m)?);
        }
        return Ok(());
    }
    for f in &a.files {
        if !f.exists() {
            bail!("{}: no such file", f.display());
        }
    }
    let opts = ingest_options(dir, &a)?;
    let store = kefu_analytics::stored::open(dir).await?;
    let jobs = a
        .files
        .iter()
        .map(|p| {
            let mut o = opts.clone();
            if o.mapping.is_some() && o.format.is_none() {
                o.format = Some(if is_excel(p) {
                    Format::Excel
                } else {
                    Format::KefuCsv
                });
            }
            ingest::FileJob {
                path: p.clone(),
                opts: o,
            }
        })
        .collect();
    let cfg = load_config(dir)?;
    let report = ingest::run(
        &store,
        &cfg,
        jobs,
        std::io::stderr().is_terminal(),
        !a.no_text,
    )
    .await?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        output::print_ingest(&report);
    }
    Ok(())
}

async fn quarantine(dir: &Path, a: QuarantineArgs) -> Result<()> {
    let store = kefu_analytics::stored::open(dir).await?;
    let sql = format!(
        "SELECT source_file AS file, source_row AS row, table_name AS \"table\", reason, raw, \
         CAST(ingested_at AS VARCHAR) AS ingested_at, ingest_id \
         FROM quarantine ORDER BY ingested_at DESC, file, row LIMIT {}",
        a.limit
    );
    let batches = store.sql(&sql).await?;
    let total = store.count("quarantine").await?;
    if a.json {
        let rows = output::batches_to_json(&batches)?;
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"total": total, "rows": rows}))?
        );
    } else {
        println!(
            "{total} row(s) in quarantine{}",
            if total as usize > a.limit {
                format!(" (showing {})", a.limit)
            } else {
                String::new()
            }
        );
        if total > 0 {
            println!("{}", output::pretty(&batches, 60)?);
        }
    }
    Ok(())
}

/// Refuses anything but a query: the tables change only through ingest.
fn read_only(sql: &str) -> Result<()> {
    let first = sql
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if !matches!(
        first.as_str(),
        "select" | "with" | "show" | "describe" | "explain" | "values"
    ) {
        bail!(
            "only queries (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN) are allowed; the store changes only through `kefu ingest`"
        );
    }
    Ok(())
}

async fn query(dir: &Path, a: QueryArgs) -> Result<()> {
    read_only(&a.sql)?;
    let store = kefu_analytics::stored::open(dir).await?;
    let ctx = store.session().await?;
    let df = ctx.sql(&a.sql).await?;
    let batches = df.collect().await?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&output::batches_to_json(&batches)?)?
        );
    } else if a.csv {
        print!("{}", output::batches_to_csv(&batches)?);
    } else {
        println!("{}", output::pretty(&batches, 80)?);
    }
    Ok(())
}

async fn store_cmd(dir: &Path, a: StoreArgs) -> Result<()> {
    let store = kefu_analytics::stored::open(dir).await?;
    let tables: Vec<String> = Table::ALL
        .iter()
        .map(|t| t.name().to_string())
        .chain(
            kefu_analytics::stored::fact_defs()
                .into_iter()
                .map(|d| d.name),
        )
        .collect();
    match a.action {
        StoreAction::Optimize => {
            for t in &tables {
                let n = store.optimize(t).await?;
                println!("{t}: {n} file(s) compacted");
            }
        }
        StoreAction::Vacuum { retention_hours } => {
            for t in &tables {
                let n = store.vacuum(t, retention_hours).await?;
                println!("{t}: {n} unreferenced file(s) deleted");
            }
        }
        StoreAction::RebuildFacts { json } => {
            let cfg = load_config(dir)?;
            let cfg_of = |shop: &str| cfg.shop(shop).unwrap_or_default();
            let r = kefu_analytics::stored::rebuild(&store, &cfg_of).await?;
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
            let mut out = serde_json::Map::new();
            for t in &tables {
                out.insert(
                    t.clone(),
                    serde_json::json!({"rows": store.count(t).await?, "version": store.version(t).await?}),
                );
            }
            out.insert(
                "facts_current".into(),
                kefu_analytics::stored::is_current(&store).await?.into(),
            );
            if json {
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for (k, v) in out {
                    if let Some(b) = v.as_bool() {
                        println!("{k:<18} {b}");
                    } else {
                        println!("{k:<18} {:>10} rows  v{}", v["rows"], v["version"]);
                    }
                }
            }
        }
    }
    Ok(())
}

async fn forecast_cmd(dir: &Path, a: ForecastCmd) -> Result<()> {
    if let Some(c) = a.command {
        return kefu_forecast::cli::run_forecast_command(c);
    }
    let store = kefu_analytics::stored::open(dir).await?;
    let shop = match a.shop {
        Some(s) => s,
        None => {
            let shops = volume::shops(&store).await?;
            match shops.as_slice() {
                [one] => one.clone(),
                [] => {
                    bail!("the store has no messages yet: run `kefu ingest` or `kefu demo` first")
                }
                many => bail!(
                    "several shops in the store, choose one with --shop: {}",
                    many.join(", ")
                ),
            }
        }
    };
    let tz = load_config(dir)?.shop(&shop)?.tz()?;
    let history = volume::hourly_conversations(&store, &shop, tz).await?;
    if history.len() < 2 * 168 {
        bail!(
            "shop {shop} has {} hours of history; forecasting needs at least two weeks",
            history.len()
        );
    }
    let fc = kefu_forecast::forecast_hourly(
        &history,
        a.horizon,
        &[],
        &kefu_forecast::ForecastConfig::default(),
    )?;
    kefu_forecast::cli::print_forecast(&fc, a.json)
}

async fn report_cmd(dir: &Path, a: ReportArgs) -> Result<()> {
    let cfg = load_config(dir)?;
    if let Some(tz) = &a.tz {
        kefu_model::config::parse_tz(tz)?;
    }
    let cohort = match a.cohort.as_deref() {
        None => None,
        Some("start") => Some(kefu_model::config::Cohort::Start),
        Some("event") => Some(kefu_model::config::Cohort::Event),
        Some(o) => bail!("unknown cohort '{o}' (start or event)"),
    };
    let mut shop_cfg = cfg.shop(a.shop.as_deref().unwrap_or(""))?;
    if let Some(tz) = &a.tz {
        shop_cfg.timezone = tz.clone();
    }
    let q = kefu_analytics::ReportQuery {
        from: a.from,
        to: a.to,
        shop: a.shop,
        channel: a.channel,
        agent: a.agent,
        category: a.category,
        cohort,
        by: a.by,
        readings: kefu_analytics::Readings::from(&shop_cfg),
    };
    let store = kefu_analytics::stored::open(dir).await?;
    let r = report::run(&store, &cfg, a.tz.as_deref(), &q).await?;
    for _ in 0..a.repeat {
        let t = std::time::Instant::now();
        report::run(&store, &cfg, a.tz.as_deref(), &q).await?;
        eprintln!("report_secs {:.4}", t.elapsed().as_secs_f64());
    }
    if let Some(path) = &a.xlsx {
        let ctx = store.session().await?;
        let rows = report::conversation_rows(&ctx, &q, None, "start_ts", true, None).await?;
        report::write_xlsx(path, &r, &rows)?;
        eprintln!("wrote {} ({} conversations)", path.display(), rows.len());
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        print!("{}", r.render_text());
    }
    Ok(())
}

async fn conversations_cmd(dir: &Path, a: ConversationsArgs) -> Result<()> {
    let cfg = load_config(dir)?;
    let q = kefu_analytics::ReportQuery {
        from: a.from,
        to: a.to,
        shop: a.shop.clone(),
        channel: a.channel,
        agent: a.agent,
        category: a.category,
        readings: kefu_analytics::Readings::from(&cfg.shop(a.shop.as_deref().unwrap_or(""))?),
        ..Default::default()
    };
    if let Some(p) = &a.predicate {
        read_only(&format!("SELECT {p}"))?;
        if p.contains(';') {
            bail!("--where takes one predicate (no ';')");
        }
    }
    let store = kefu_analytics::stored::open(dir).await?;
    let ctx = store.session().await?;
    let rows = report::conversation_rows(
        &ctx,
        &q,
        a.predicate.as_deref(),
        &a.sort,
        !a.asc,
        Some(a.limit),
    )
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let mut r = r;
        if a.messages {
            let id = r["conversation_id"]
                .as_str()
                .unwrap_or_default()
                .replace('\'', "''");
            let shop = r["shop_id"]
                .as_str()
                .unwrap_or_default()
                .replace('\'', "''");
            let b = ctx
                .sql(&format!(
                    "SELECT CAST(ts AS VARCHAR) AS ts, sender, agent_id, COALESCE(text_masked, text) AS text \
                     FROM messages WHERE conversation_id = '{id}' AND shop_id = '{shop}' ORDER BY ts, message_id"
                ))
                .await?
                .collect()
                .await?;
            r["messages"] = output::batches_to_json(&b)?;
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

/// `kefu simulate`; `--from-store --shop S` replays the shop's conversations (start in
/// shop time, handling time from the first human reply to the end).
async fn simulate_cmd(dir: &Path, mut a: kefu_forecast::cli::SimulateArgs) -> Result<()> {
    if a.from_store {
        let shop = a.shop.clone().unwrap_or_default();
        let tz = load_config(dir)?.shop(&shop)?.tz()?;
        let store = kefu_analytics::stored::open(dir).await?;
        let b = store
            .sql(&format!(
                "SELECT CAST(start_ts AS BIGINT) AS s, CAST(first_reply_ts AS BIGINT) AS r, CAST(end_ts AS BIGINT) AS e \
                 FROM conversation_facts WHERE shop_id = '{}' AND cycle = 0 AND NOT outbound",
                shop.replace('\'', "''")
            ))
            .await?;
        let mut arrivals = Vec::new();
        for r in output::batches_to_json(&b)?
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(s) = r["s"].as_i64() else { continue };
            let Some(start) = chrono::DateTime::from_timestamp_micros(s) else {
                continue;
            };
            let service = match (r["r"].as_i64(), r["e"].as_i64()) {
                (Some(x), Some(e)) if e > x => Some((e - x) as f64 / 1e6),
                _ => None,
            };
            arrivals.push(kefu_forecast::sim::Arrival {
                ts: start.with_timezone(&tz).naive_local(),
                service_secs: service,
            });
        }
        if arrivals.is_empty() {
            bail!("shop {shop} has no conversations in the store");
        }
        a.store_service_times = Some(arrivals.iter().filter_map(|x| x.service_secs).collect());
        a.store_arrivals = Some(arrivals);
    }
    kefu_forecast::cli::run_simulate(a)
}

/// `kefu staff …`; `plan --shop S` plans from the store's hourly conversations.
async fn staff_cmd(dir: &Path, mut a: kefu_forecast::cli::StaffArgs) -> Result<()> {
    if let kefu_forecast::cli::StaffCommand::Plan(p) = &mut a.command
        && let Some(shop) = p.shop.clone()
    {
        let store = kefu_analytics::stored::open(dir).await?;
        let tz = load_config(dir)?.shop(&shop)?.tz()?;
        let history = volume::hourly_conversations(&store, &shop, tz).await?;
        if history.is_empty() {
            bail!("shop {shop} has no messages in the store");
        }
        p.history = Some(history);
    }
    kefu_forecast::cli::run_staff(a)
}

async fn demo(dir: &Path, a: DemoArgs) -> Result<()> {
    let cfg = kefu_demo::DemoConfig {
        scale: a.scale,
        seed: a.seed,
        canonical_only: a.canonical,
        ..Default::default()
    };
    if let Some(out) = a.generate {
        let t = std::time::Instant::now();
        let s = kefu_demo::generate(&out, &cfg)?;
        if a.json {
            println!("{}", serde_json::to_string_pretty(&s)?);
        } else {
            println!(
                "generated {} messages in {} conversations, {} orders, {} surveys, {} reviews into {} in {:.1}s",
                s.messages,
                s.conversations,
                s.orders,
                s.surveys,
                s.reviews,
                out.display(),
                t.elapsed().as_secs_f64()
            );
            for (f, fmt) in &s.files {
                println!("  {}  (--format {fmt})", f.display());
            }
        }
        return Ok(());
    }
    // Generate once per scale and seed; re-running reuses the files and the ingest
    // adds nothing (duplicates are dropped).
    let src = dir.join("demo-source");
    let marker = src.join(format!(".generated-{}-{}", a.scale, a.seed));
    let t = std::time::Instant::now();
    let summary = if marker.exists() {
        None
    } else {
        if src.exists() {
            std::fs::remove_dir_all(&src)?;
        }
        let s = kefu_demo::generate(&src, &cfg)?;
        std::fs::write(&marker, serde_json::to_string(&s)?)?;
        Some(s)
    };
    let gen_secs = t.elapsed().as_secs_f64();
    let files: Vec<(PathBuf, String)> = match &summary {
        Some(s) => s.files.clone(),
        None => {
            let s: kefu_demo::DemoSummary =
                serde_json::from_str(&std::fs::read_to_string(&marker)?)?;
            s.files
        }
    };
    let store = kefu_analytics::stored::open(dir).await?;
    let mut jobs = Vec::new();
    for (path, fmt) in files {
        let mut o = IngestOptions::default();
        if fmt == "kefu-csv" {
            o.format = Some(Format::KefuCsv);
        } else {
            o.mapping = Some(Mapping::preset(&fmt)?);
            o.format = Some(Format::KefuCsv);
        }
        jobs.push(ingest::FileJob { path, opts: o });
    }
    let t = std::time::Instant::now();
    let report = ingest::run(
        &store,
        &load_config(dir)?,
        jobs,
        std::io::stderr().is_terminal(),
        true,
    )
    .await?;
    let ingest_secs = t.elapsed().as_secs_f64();
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "generated": summary, "generate_secs": gen_secs, "ingest": report, "ingest_secs": ingest_secs
            }))?
        );
        return Ok(());
    }
    println!("kefu demo — data directory {}", dir.display());
    if let Some(s) = &summary {
        println!(
            "generated {} messages ({} conversations), {} orders, {} surveys, {} reviews in {:.1}s",
            s.messages, s.conversations, s.orders, s.surveys, s.reviews, gen_secs
        );
    }
    output::print_ingest(&report);
    println!("ingest took {ingest_secs:.1}s\n");
    let overview = store
        .sql(
            "SELECT shop_id AS shop, platform, count(*) AS messages, count(DISTINCT conversation_id) AS conversations, \
             count(DISTINCT customer_id) AS customers, min(local_date) AS first_day, max(local_date) AS last_day \
             FROM messages GROUP BY shop_id, platform ORDER BY shop_id",
        )
        .await?;
    println!("店铺概览 Shops\n{}", output::pretty(&overview, 40)?);
    println!("咨询高峰 Peak hours (conversations started, shop time)");
    for shop in volume::shops(&store).await? {
        let tz = load_config(dir)?.shop(&shop)?.tz()?;
        let by_hour =
            volume::by_hour_of_day(&volume::hourly_conversations(&store, &shop, tz).await?);
        let mut order: Vec<usize> = (0..24).collect();
        order.sort_by(|&x, &y| by_hour[y].total_cmp(&by_hour[x]));
        let top: Vec<String> = order[..3]
            .iter()
            .map(|h| format!("{h:02}:00 ({:.1}/h)", by_hour[*h]))
            .collect();
        println!("  {shop:<14} {}", top.join("  "));
    }
    let cfg = load_config(dir)?;
    let q = kefu_analytics::ReportQuery {
        readings: kefu_analytics::Readings::from(&cfg.shop("")?),
        ..Default::default()
    };
    let r = report::run(&store, &cfg, None, &q).await?;
    println!("\n{}", r.render_text());
    println!(
        "Try: kefu report --by agent   ·   kefu query \"SELECT ...\"   ·   kefu forecast --shop dy-flagship   ·   kefu quarantine"
    );
    if a.no_serve {
        return Ok(());
    }
    let url = format!("http://{}/", a.addr);
    println!("\n仪表盘 Dashboard: {url}   (Ctrl-C to stop)");
    if !a.no_open {
        open_browser(&url);
    }
    kefu_server::serve(kefu_server::ServeOptions {
        addr: a.addr,
        token: None,
        data_dir: dir.to_path_buf(),
    })
    .await
}
