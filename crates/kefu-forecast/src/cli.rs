//! clap 4 argument types for `kefu forecast`, `kefu staff` and
//! `kefu simulate`, so the `kefu` binary embeds them unchanged:
//!
//! ```text
//! #[derive(clap::Subcommand)]
//! enum Command {
//!     Forecast(kefu_forecast::cli::ForecastArgs),
//!     Staff(kefu_forecast::cli::StaffArgs),
//!     Simulate(kefu_forecast::cli::SimulateArgs),
//! }
//! // …
//! Command::Forecast(a) => kefu_forecast::cli::run_forecast(a)?,
//! ```

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};

use crate::erlang::{ConcurrencyTable, ErlangCInput, erlang_c};
use crate::forecast::{
    Event, ForecastConfig, ModelKind, WEEK, eval_protocol, forecast_series, read_events_csv,
};
use crate::plan::{PlanConfig, staffing_plan, write_plan_xlsx};
use crate::series::read_series_csv;
use crate::shifts::ShiftTemplate;
use crate::sim::{SimConfig, read_arrivals_csv, read_roster_csv, read_service_times, simulate};

/// `kefu forecast …`
#[derive(Debug, Args)]
pub struct ForecastArgs {
    #[command(subcommand)]
    pub command: ForecastCommand,
}

/// Subcommands of `kefu forecast`.
#[derive(Debug, Subcommand)]
pub enum ForecastCommand {
    /// Forecast an hourly `ts,value` CSV.
    Series(SeriesArgs),
    /// Score the model on the last weeks of a series (rolling origin, MASE).
    Eval(EvalArgs),
}

/// `kefu forecast series`
#[derive(Debug, Args)]
pub struct SeriesArgs {
    /// CSV with header `ts,value`, hourly, ts as `YYYY-MM-DD HH:MM:SS`.
    #[arg(long)]
    pub input: PathBuf,
    /// Hours to forecast (`168`, or `36h`, `7d`, `2w`).
    #[arg(long, default_value = "168", value_parser = parse_horizon)]
    pub horizon: usize,
    /// Known events: CSV `date,kind` (kind `holiday` or `campaign`).
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Prediction-interval coverage.
    #[arg(long, default_value_t = 0.9)]
    pub level: f64,
    /// Use this model instead of choosing by backtest.
    #[arg(long)]
    pub model: Option<String>,
    /// Print JSON `{"model","forecast":[{"ts","value","lo","hi"}],"backtest"}`.
    #[arg(long)]
    pub json: bool,
}

/// `kefu forecast eval`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Hourly `ts,value` CSV (default: the bank call-centre dev file).
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Known events: CSV `date,kind`.
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Weeks at the end of the series to forecast, one origin each.
    #[arg(long, default_value_t = 8)]
    pub weeks: usize,
    /// Also score every single candidate model.
    #[arg(long)]
    pub all_models: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Parses a horizon: plain hours (`168`), or with a unit: `36h`, `7d`, `2w`.
pub fn parse_horizon(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last() {
        Some('h') => (&s[..s.len() - 1], 1),
        Some('d') => (&s[..s.len() - 1], 24),
        Some('w') => (&s[..s.len() - 1], 168),
        _ => (s, 1),
    };
    let n: usize = num
        .parse()
        .map_err(|_| format!("horizon {s:?}: want hours, or a number with h, d or w"))?;
    if n == 0 {
        return Err("horizon must be at least one hour".into());
    }
    Ok(n * mult)
}

/// Where the dev data lives relative to the repository (../shared/data).
pub fn default_eval_input() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/call_volume/anonymous_bank_1999_calls_hourly_dev.csv")
}

/// Runs `kefu forecast …`.
pub fn run_forecast(args: ForecastArgs) -> Result<()> {
    run_forecast_command(args.command)
}

/// Runs one `kefu forecast` subcommand (for a parent that makes the
/// subcommand optional, e.g. `kefu forecast --shop S` from the store).
pub fn run_forecast_command(command: ForecastCommand) -> Result<()> {
    match command {
        ForecastCommand::Series(a) => run_series(a),
        ForecastCommand::Eval(a) => run_eval(a),
    }
}

fn load_events(path: &Option<PathBuf>) -> Result<Vec<Event>> {
    match path {
        Some(p) => read_events_csv(p).with_context(|| format!("reading events {}", p.display())),
        None => Ok(Vec::new()),
    }
}

fn run_series(a: SeriesArgs) -> Result<()> {
    let series =
        read_series_csv(&a.input).with_context(|| format!("reading {}", a.input.display()))?;
    let events = load_events(&a.events)?;
    let mut cfg = ForecastConfig {
        level: a.level,
        ..ForecastConfig::default()
    };
    if let Some(m) = &a.model {
        cfg.models = vec![ModelKind::parse(m)?];
    }
    let fc = forecast_series(&series, a.horizon, &events, &cfg)?;
    print_forecast(&fc, a.json)
}

/// Prints a forecast as `kefu forecast series` does (JSON contract or a
/// readable header + CSV), for the store-fed `kefu forecast --shop` too.
pub fn print_forecast(fc: &crate::Forecast, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, &fc)?;
        writeln!(out)?;
    } else {
        writeln!(out, "model: {}", fc.model)?;
        for s in &fc.backtest.scores {
            writeln!(out, "  backtest MASE {:<16} {:.4}", s.model, s.mase)?;
        }
        writeln!(out, "ts,value,lo,hi")?;
        for p in &fc.forecast {
            writeln!(
                out,
                "{},{:.3},{:.3},{:.3}",
                p.ts.format(crate::series::TS_FORMAT),
                p.value,
                p.lo,
                p.hi
            )?;
        }
    }
    Ok(())
}

fn run_eval(a: EvalArgs) -> Result<()> {
    let input = a.input.clone().unwrap_or_else(default_eval_input);
    let series = read_series_csv(&input).with_context(|| format!("reading {}", input.display()))?;
    let events = load_events(&a.events)?;
    let cfg = ForecastConfig::default();
    let mut results = vec![eval_protocol(&series, a.weeks, &events, &cfg, None)?];
    if a.all_models {
        for m in ModelKind::ALL {
            results.push(eval_protocol(&series, a.weeks, &events, &cfg, Some(m))?);
        }
    }
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer(&mut out, &results)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}: last {} weeks, {}-hour rolling origin, MASE (scale: in-sample weekly naive){}",
        input.display(),
        a.weeks,
        WEEK,
        if events.is_empty() {
            ""
        } else {
            ", with events"
        }
    )?;
    for r in &results {
        let weeks: Vec<String> = r.weekly_mase.iter().map(|m| format!("{m:.3}")).collect();
        writeln!(
            out,
            "kefu {:<16} weeks: {}  mean MASE {:.4}  fit+predict {:.2}s",
            r.model,
            weeks.join(" "),
            r.mean_mase,
            r.fit_secs
        )?;
        if r.model == "auto" {
            writeln!(out, "  chosen per week: {}", r.chosen.join(" "))?;
            writeln!(
                out,
                "  {:.0} % interval coverage: {:.3}",
                cfg.level * 100.0,
                r.interval_coverage
            )?;
        }
    }
    Ok(())
}

/// `kefu staff …`
#[derive(Debug, Args)]
pub struct StaffArgs {
    #[command(subcommand)]
    pub command: StaffCommand,
}

/// Subcommands of `kefu staff`.
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Erlang C positions for one interval.
    Erlang(ErlangArgs),
    /// History → forecast → agents per hour → shifts → simulated SL.
    Plan(PlanArgs),
}

/// `kefu staff erlang`
#[derive(Debug, Args)]
pub struct ErlangArgs {
    /// Contacts arriving in the interval.
    #[arg(long)]
    pub arrivals: f64,
    /// Interval length, seconds.
    #[arg(long, default_value_t = 3600.0)]
    pub interval: f64,
    /// Average handling time, seconds.
    #[arg(long)]
    pub aht: f64,
    /// Target answer time T, seconds.
    #[arg(long)]
    pub target_answer: f64,
    /// Target service level SL(T), 0..1.
    #[arg(long)]
    pub service_level: f64,
    /// Shrinkage, 0..1.
    #[arg(long, default_value_t = 0.0)]
    pub shrinkage: f64,
    /// Maximum occupancy, 0..1.
    #[arg(long, default_value_t = 1.0)]
    pub max_occupancy: f64,
    /// Chats per agent at once.
    #[arg(long, default_value_t = 1)]
    pub concurrency: u32,
    /// Concurrency factors f(1), f(2), … comma-separated.
    #[arg(long)]
    pub concurrency_factors: Option<String>,
    /// Mean patience, seconds: also report Erlang A (abandonment) for the
    /// Erlang C agents, under the JSON key `erlang_a`.
    #[arg(long)]
    pub patience: Option<f64>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `kefu staff plan`
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Hourly history CSV `ts,value` (contacts per hour).
    #[arg(long, required_unless_present = "shop", conflicts_with = "shop")]
    pub input: Option<PathBuf>,
    /// Plan a shop from the store's history instead of a CSV (the `kefu` binary
    /// fills `history` from its data directory).
    #[arg(long)]
    pub shop: Option<String>,
    /// The hourly history, when the caller has it in memory (set by `kefu`).
    #[arg(skip)]
    pub history: Option<Vec<(chrono::NaiveDateTime, f64)>>,
    /// Hours to plan after the history (`168`, or `36h`, `7d`, `2w`).
    #[arg(long, default_value = "168", value_parser = parse_horizon)]
    pub horizon: usize,
    /// Known events: CSV `date,kind`.
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Average handling time of one contact, seconds.
    #[arg(long, default_value_t = 300.0)]
    pub aht: f64,
    /// Target answer time T, seconds.
    #[arg(long, default_value_t = 60.0)]
    pub target_answer: f64,
    /// Target service level.
    #[arg(long, default_value_t = 0.8)]
    pub service_level: f64,
    /// Shrinkage, 0..1.
    #[arg(long, default_value_t = 0.3)]
    pub shrinkage: f64,
    /// Maximum occupancy.
    #[arg(long, default_value_t = 0.85)]
    pub max_occupancy: f64,
    /// Chats per agent at once.
    #[arg(long, default_value_t = 1)]
    pub concurrency: u32,
    /// Concurrency factors f(1), f(2), … comma-separated.
    #[arg(long)]
    pub concurrency_factors: Option<String>,
    /// Shift templates `name:hours:break_after:cost`, repeatable; a break of
    /// one hour starts `break_after` hours into the shift (0 = no break).
    #[arg(long = "shift")]
    pub shifts: Vec<String>,
    /// Earliest shift start hour of day.
    #[arg(long, default_value_t = 0)]
    pub first_start: u32,
    /// Latest shift start hour of day.
    #[arg(long, default_value_t = 23)]
    pub last_start: u32,
    /// Mean patience for the simulation check, seconds (0 = infinite).
    #[arg(long, default_value_t = 0.0)]
    pub patience: f64,
    /// Service-time history for the simulation (one duration per line).
    #[arg(long)]
    pub service_times: Option<PathBuf>,
    /// Simulation seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Write the plan as an Excel workbook.
    #[arg(long, conflicts_with = "json")]
    pub xlsx: Option<PathBuf>,
}

/// Runs `kefu staff …`.
pub fn run_staff(args: StaffArgs) -> Result<()> {
    match args.command {
        StaffCommand::Erlang(a) => run_erlang(a),
        StaffCommand::Plan(a) => run_plan(a),
    }
}

fn table(s: &Option<String>) -> Result<ConcurrencyTable> {
    Ok(match s {
        Some(s) => ConcurrencyTable::parse(s)?,
        None => ConcurrencyTable::default(),
    })
}

fn run_erlang(a: ErlangArgs) -> Result<()> {
    let input = ErlangCInput {
        arrivals: a.arrivals,
        interval_secs: a.interval,
        aht_secs: a.aht,
        target_answer_secs: a.target_answer,
        service_level: a.service_level,
        shrinkage: a.shrinkage,
        max_occupancy: a.max_occupancy,
        concurrency: a.concurrency,
        concurrency_table: table(&a.concurrency_factors)?,
    };
    let r = erlang_c(&input)?;
    // Erlang A for the same agents, only when asked: the JSON contract above
    // stays exactly the seven Erlang C keys otherwise.
    let with_abandonment = match a.patience {
        Some(p) if r.raw_positions > 0 => Some(crate::erlang::erlang_a(
            a.arrivals / a.interval,
            input.effective_aht(),
            r.raw_positions,
            p,
            a.target_answer,
        )?),
        _ => None,
    };
    let mut out = std::io::stdout().lock();
    if a.json {
        let mut v = serde_json::to_value(&r)?;
        if let Some(ea) = &with_abandonment {
            v["erlang_a"] = serde_json::to_value(ea)?;
        }
        serde_json::to_writer(&mut out, &v)?;
        writeln!(out)?;
    } else {
        writeln!(out, "traffic (Erlangs)     {:.4}", r.traffic_erlangs)?;
        writeln!(out, "agents on contacts    {}", r.raw_positions)?;
        writeln!(out, "headcount (shrinkage) {}", r.positions)?;
        writeln!(out, "service level         {:.4}", r.service_level)?;
        writeln!(out, "occupancy             {:.4}", r.occupancy)?;
        writeln!(out, "P(wait)               {:.4}", r.waiting_probability)?;
        writeln!(out, "ASA (s)               {:.2}", r.asa_secs)?;
        if let Some(ea) = &with_abandonment {
            writeln!(
                out,
                "with patience {:.0} s (Erlang A, same agents):",
                a.patience.unwrap_or_default()
            )?;
            writeln!(
                out,
                "  abandoned           {:.4}",
                ea.abandonment_probability
            )?;
            writeln!(out, "  service level       {:.4}", ea.service_level)?;
            writeln!(out, "  mean wait (s)       {:.2}", ea.mean_wait_secs)?;
        }
    }
    Ok(())
}

fn run_plan(a: PlanArgs) -> Result<()> {
    let pairs = match (&a.history, &a.input) {
        (Some(h), _) => h.clone(),
        (None, Some(input)) => read_series_csv(input)
            .with_context(|| format!("reading {}", input.display()))?
            .pairs(),
        (None, None) => anyhow::bail!("give --input CSV (or --shop, from the kefu binary)"),
    };
    let events = load_events(&a.events)?;
    let templates = if a.shifts.is_empty() {
        ShiftTemplate::defaults()
    } else {
        a.shifts
            .iter()
            .map(|s| ShiftTemplate::parse(s))
            .collect::<Result<Vec<_>, _>>()?
    };
    let cfg = PlanConfig {
        horizon_hours: a.horizon,
        aht_secs: a.aht,
        target_answer_secs: a.target_answer,
        service_level: a.service_level,
        shrinkage: a.shrinkage,
        max_occupancy: a.max_occupancy,
        concurrency: a.concurrency,
        concurrency_table: table(&a.concurrency_factors)?,
        templates,
        first_start_hour: a.first_start,
        last_start_hour: a.last_start,
        patience_secs: (a.patience > 0.0).then_some(a.patience),
        service_times: match &a.service_times {
            Some(p) => read_service_times(p)?,
            None => Vec::new(),
        },
        seed: a.seed,
        forecast: ForecastConfig::default(),
    };
    let plan = staffing_plan(&pairs, &events, &cfg)?;
    print_plan(&plan, a.service_level, a.json, a.xlsx.as_deref())
}

/// Prints (or writes to `xlsx`) a plan as `kefu staff plan` does, for the
/// store-fed `kefu staff plan --shop` too.
pub fn print_plan(
    plan: &crate::StaffingPlan,
    target_service_level: f64,
    json: bool,
    xlsx: Option<&std::path::Path>,
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if let Some(path) = xlsx {
        write_plan_xlsx(plan, path)?;
        writeln!(out, "wrote {}", path.display())?;
    } else if json {
        serde_json::to_writer(&mut out, plan)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "model {}, {} shifts, {} paid hours, cost {:.1}; simulated SL {:.3} (target {}), ASA {:.1}s, abandoned {:.3}",
            plan.model,
            plan.shifts.assignments.iter().map(|s| s.count).sum::<u32>(),
            plan.shifts.paid_hours,
            plan.shifts.cost,
            plan.simulated.service_level,
            target_service_level,
            plan.simulated.asa_secs,
            plan.simulated.abandonment_rate,
        )?;
        writeln!(
            out,
            "ts,forecast,raw_agents,headcount,scheduled,sim_sl,sim_asa_s"
        )?;
        for h in &plan.hours {
            writeln!(
                out,
                "{},{:.1},{},{},{},{:.3},{:.1}",
                h.ts.format(crate::series::TS_FORMAT),
                h.forecast,
                h.raw_agents,
                h.required_headcount,
                h.scheduled,
                h.simulated_sl,
                h.simulated_asa_secs
            )?;
        }
    }
    Ok(())
}

/// `kefu simulate`
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Roster CSV `ts,agents` (one row per hour, ts `YYYY-MM-DD HH:00:00`).
    #[arg(long)]
    pub roster: PathBuf,
    /// Arrivals CSV with a `ts` column (one row per contact); optional
    /// `service_secs` column. Without it, Poisson arrivals at `--rate`.
    #[arg(long)]
    pub arrivals: Option<PathBuf>,
    /// Without `--arrivals`: hourly forecast CSV `ts,value` to draw
    /// Poisson arrivals from.
    #[arg(long, conflicts_with = "arrivals")]
    pub forecast: Option<PathBuf>,
    /// Arrivals from the store instead: every conversation of `--shop` started in the
    /// roster's hours, each with its own handling time (first reply → end).
    #[arg(long, requires = "shop", conflicts_with_all = ["arrivals", "forecast"])]
    pub from_store: bool,
    /// The shop whose conversations `--from-store` replays.
    #[arg(long)]
    pub shop: Option<String>,
    /// The store's arrivals, when the caller has them in memory (set by `kefu`).
    #[arg(skip)]
    pub store_arrivals: Option<Vec<crate::sim::Arrival>>,
    /// The store's handling times, resampled for arrivals that have none (set by `kefu`).
    #[arg(skip)]
    pub store_service_times: Option<Vec<f64>>,
    /// Service-time history: one duration in seconds per line (or a CSV
    /// whose first column is one); resampled with replacement.
    #[arg(long)]
    pub service_times: Option<PathBuf>,
    /// Without a service-time history: exponential service with this mean.
    #[arg(long, default_value_t = 300.0)]
    pub aht: f64,
    /// Chats per agent at once.
    #[arg(long, default_value_t = 1)]
    pub concurrency: u32,
    /// Concurrency factors f(1), f(2), … comma-separated.
    #[arg(long)]
    pub concurrency_factors: Option<String>,
    /// Mean patience, seconds (0 = nobody abandons).
    #[arg(long, default_value_t = 0.0)]
    pub patience: f64,
    /// Target answer time T of SL(T), seconds.
    #[arg(long, default_value_t = 60.0)]
    pub target_answer: f64,
    /// Random seed (same seed, same report).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `kefu simulate`.
pub fn run_simulate(a: SimulateArgs) -> Result<()> {
    let roster = read_roster_csv(&a.roster)
        .with_context(|| format!("reading roster {}", a.roster.display()))?;
    let service = match &a.service_times {
        Some(p) => read_service_times(p)?,
        None => a.store_service_times.clone().unwrap_or_default(),
    };
    let cfg = SimConfig {
        concurrency: a.concurrency,
        concurrency_table: table(&a.concurrency_factors)?,
        patience_secs: (a.patience > 0.0).then_some(a.patience),
        target_answer_secs: a.target_answer,
        aht_secs: a.aht,
        service_times: service,
        seed: a.seed,
    };
    let arrivals = match (&a.arrivals, &a.forecast) {
        _ if a.store_arrivals.is_some() => {
            // Only the roster's hours: contacts outside them have no one to staff them.
            let first = roster.iter().map(|r| r.0).min();
            let end = roster
                .iter()
                .map(|r| r.0 + chrono::Duration::hours(1))
                .max();
            let mut v = a.store_arrivals.clone().unwrap_or_default();
            v.retain(|x| first.is_some_and(|f| x.ts >= f) && end.is_some_and(|e| x.ts < e));
            v.sort_by_key(|x| x.ts);
            crate::sim::Arrivals::Times(v)
        }
        (Some(p), _) => crate::sim::Arrivals::Times(read_arrivals_csv(p)?),
        (None, Some(p)) => crate::sim::Arrivals::Rates(read_series_csv(p)?.pairs()),
        (None, None) => {
            anyhow::bail!("give --arrivals FILE, --forecast FILE or --from-store --shop S")
        }
    };
    let report = simulate(&roster, &arrivals, &cfg)?;
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "offered {}, SL {:.3}, ASA {:.1}s, abandoned {:.3}, occupancy {:.3}",
            report.offered,
            report.service_level,
            report.asa_secs,
            report.abandonment_rate,
            report.occupancy
        )?;
        writeln!(
            out,
            "ts,agents,offered,answered,abandoned,sl,asa_s,occupancy"
        )?;
        for h in &report.hours {
            writeln!(
                out,
                "{},{},{},{},{},{:.3},{:.1},{:.3}",
                h.ts.format(crate::series::TS_FORMAT),
                h.agents,
                h.offered,
                h.answered,
                h.abandoned,
                h.service_level,
                h.asa_secs,
                h.occupancy
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_horizon;

    #[test]
    fn horizons() {
        assert_eq!(parse_horizon("168"), Ok(168));
        assert_eq!(parse_horizon("36h"), Ok(36));
        assert_eq!(parse_horizon("7d"), Ok(168));
        assert_eq!(parse_horizon("2w"), Ok(336));
        assert!(parse_horizon("0").is_err());
        assert!(parse_horizon("seven").is_err());
    }
}
