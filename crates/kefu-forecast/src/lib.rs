//! kefu-forecast: turns an hourly contact history into a staffing plan.
//!
//! history → [`forecast`] (MSTL/ETS from `augurs`, seasonal naive floor,
//! chosen by backtest) → [`erlang`] (agents per hour, chat concurrency) →
//! [`shifts`] (integer programme) → [`sim`] (discrete-event check).
//! Everything takes plain types (`&[(NaiveDateTime, f64)]`, slices, structs
//! that serialise) so the `kefu` binary, the server and tests call the same
//! code; argument parsing and printing are the binary's.

pub mod erlang;
pub mod forecast;
pub mod plan;
pub mod series;
pub mod shifts;
pub mod sim;

pub use erlang::{
    ConcurrencyTable, ErlangAResult, ErlangCInput, ErlangCResult, ErlangOptions, ErlangReport,
    erlang_a, erlang_c, erlang_report,
};
pub use forecast::{
    EvalResult, Event, EventKind, Forecast, ForecastConfig, ForecastPoint, ModelKind, eval_models,
    eval_protocol, forecast_hourly, forecast_series, read_events_csv,
};
pub use plan::{PlanConfig, PlanHour, StaffingPlan, staffing_plan};
pub use series::{HourlySeries, TS_FORMAT, read_series_csv};
pub use shifts::{ShiftPlan, ShiftTemplate, StartWindow, solve_shifts};
pub use sim::{
    Arrival, Arrivals, SimConfig, SimReport, arrivals_within_roster, read_arrivals_csv,
    read_roster_csv, read_service_times, simulate,
};

/// Errors of this crate: bad input, or a model/solver that failed.
#[derive(Debug, thiserror::Error)]
pub enum ForecastError {
    /// An argument or input file is out of range or malformed.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The forecasting model could not be fitted.
    #[error("model: {0}")]
    Model(String),
    /// The shift programme had no solution or the solver failed.
    #[error("shift solver: {0}")]
    Solver(String),
    /// Reading or writing a file.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A CSV file could not be parsed.
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
}

/// x > 0, false for NaN (so a NaN argument is rejected, not accepted).
pub(crate) fn gt0(x: f64) -> bool {
    x > 0.0
}

/// x ≥ 0, false for NaN.
pub(crate) fn ge0(x: f64) -> bool {
    x >= 0.0
}
