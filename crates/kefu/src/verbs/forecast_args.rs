//! The arguments of `kefu forecast`, `kefu staff` and `kefu simulate` (clap);
//! what they do and print is in [`super::plan`].

use std::path::PathBuf;

use clap::{Args, Subcommand};

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

/// `forecast eval`'s input when none is given: the bank call-centre dev file in
/// `../shared/data` next to the repository.
pub fn default_eval_input() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/call_volume/anonymous_bank_1999_calls_hourly_dev.csv")
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
