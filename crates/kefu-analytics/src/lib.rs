//! METRICS.md as code.
//!
//! * [`fact_builder`] turns one group (shop × customer) of messages, orders and
//!   surveys into fact rows ([`build_group`]): conversations × care cycles, rounds,
//!   询单 units and survey responses ([`GroupFacts`], defined in [`facts`]). Pure
//!   Rust, one pass, deterministic.
//! * [`fact_batches`] gives their Arrow schemas, batches and merge keys.
//! * [`query`] is what a report asks ([`ReportQuery`]): filters, readings, breakdown,
//!   and the SQL they make, shared by the KPI sections and the complaints.
//! * [`kpi`] aggregates the fact tables with DataFusion SQL into the report's numbers
//!   and the dashboard's series; [`complaints`] is the complaints section.
//! * [`report`](mod@report) puts both together into a [`Report`] (JSON contract of
//!   issue 3); [`render`] prints it.
//! * [`materialize`] keeps the fact tables in the store in step with the sources
//!   (refresh after an ingest, full rebuild in chunks).
//! * [`compare`] tests two queries (periods) against each other, metric by metric,
//!   with kefu-stats' tests; [`drivers`] fits what drives satisfaction.
//! * [`anomalies`] judges hourly and daily series against their seasonal baseline.
//! * [`stats`] holds the exact percentiles every report uses; [`window`] the shop's
//!   clock and business hours; [`buckets`] the response-time buckets.

#[cfg(feature = "kpi")]
pub mod anomalies;
pub mod buckets;
#[cfg(feature = "kpi")]
pub mod compare;
#[cfg(feature = "kpi")]
pub mod complaints;
#[cfg(feature = "kpi")]
pub mod drivers;
pub mod fact_batches;
pub mod fact_builder;
pub mod facts;
#[cfg(feature = "kpi")]
pub mod kpi;
#[cfg(feature = "kpi")]
pub mod materialize;
#[cfg(feature = "kpi")]
pub mod metrics;
#[cfg(feature = "kpi")]
pub mod query;
#[cfg(feature = "kpi")]
pub mod render;
#[cfg(feature = "kpi")]
pub mod report;
pub mod stats;
pub mod window;

pub use fact_batches::{FactTable, group_key, to_batches};
pub use fact_builder::{build_all, build_group, build_group_with, group_customer, naming_rank};
pub use facts::{ConversationFact, GroupFacts, InquiryFact, RoundFact, SurveyFact};
#[cfg(feature = "kpi")]
pub use kpi::{Grain, VolumeBy, register_facts};
#[cfg(feature = "kpi")]
pub use query::{Breakdown, Readings, ReportQuery};
#[cfg(feature = "kpi")]
pub use report::{Report, report};
pub use window::ShopClock;

#[derive(Debug, thiserror::Error)]
pub enum FactError {
    #[error("shop configuration: {0}")]
    Config(String),
}
