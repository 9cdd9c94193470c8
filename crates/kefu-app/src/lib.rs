//! The application layer: what kefu does, once, for every face.
//!
//! The `kefu` binary and `kefu-server` only translate — arguments or HTTP parameters
//! in, text, JSON, CSV or xlsx out. Everything between lives here:
//!
//! * [`App`]: the data directory — the store with its fact tables, `kefu.toml`, table
//!   versions — and the only way the store changes (ingest, fact rebuilds,
//!   maintenance, configuration).
//! * [`ingest`]: reader → text enrichment → appenders → one commit per table → fact
//!   refresh, with its fail-points.
//! * [`Session`]: what questions are answered from — the stored facts, or facts
//!   rebuilt in memory for a timezone override, always with the source tables.
//! * [`sql`]: the one read-only guard for user SQL and predicates, and quoting;
//!   [`encode`]: Arrow → JSON and CSV.
//! * One function per question: [`views`] (report, series, heatmap, distribution,
//!   breakdown, complaints, meta), [`conversations`] (drill-down lists and
//!   transcripts), [`volume`] (hourly volume for forecasting, simulation arrivals),
//!   [`maintenance`] (status, quarantine, optimize, vacuum, rebuild), [`compare`]
//!   (comparisons, drivers), [`anomalies`] (unusual hours and days).
//! * [`text`]: the data directory's taxonomy and text models (`[text]` in
//!   kefu.toml), applied at ingest, and relabelling the stored texts after a change.

pub mod anomalies;
mod app;
pub mod compare;
pub mod config;
pub mod conversations;
pub mod encode;
mod error;
pub mod filters;
pub mod ingest;
pub mod maintenance;
mod session;
pub mod sql;
pub mod text;
pub mod views;
pub mod volume;

pub use app::{App, CHECK_EVERY, FactsState};
pub use config::{config_path, load_config};
pub use error::{AppError, AppResult};
pub use filters::Filters;
pub use session::Session;

pub use kefu_analytics::metrics::Metric;
pub use kefu_analytics::{Breakdown, Grain, Report, ReportQuery};
