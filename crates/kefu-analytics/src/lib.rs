//! METRICS.md as code.
//!
//! * [`build_group`] turns one group (shop × customer) of messages, orders and surveys
//!   into fact rows: conversations × care cycles, rounds, 询单 units and survey
//!   responses ([`GroupFacts`]). Pure Rust, one pass, deterministic.
//! * [`batch`] gives their Arrow schemas, batches and merge keys.
//! * [`kpi`] aggregates the fact tables with DataFusion SQL into a [`Report`]
//!   (JSON contract of issue 3) and the dashboard's series; [`render`] prints it.
//! * [`stats`] holds the exact percentiles every report uses.

pub mod batch;
pub mod build;
#[cfg(feature = "kpi")]
mod chunks;
#[cfg(feature = "kpi")]
pub mod complaints;
pub mod facts;
#[cfg(feature = "kpi")]
pub mod kpi;
#[cfg(feature = "kpi")]
pub mod render;
pub mod stats;
#[cfg(feature = "kpi")]
pub mod stored;
pub mod window;

pub use batch::{FactTable, group_key, to_batches};
pub use build::{build_all, build_group, build_group_with, group_customer, naming_rank};
pub use facts::{ConversationFact, GroupFacts, InquiryFact, RoundFact, SurveyFact};
#[cfg(feature = "kpi")]
pub use kpi::{Breakdown, Grain, Readings, Report, ReportQuery, VolumeBy, register_facts, report};
pub use window::ShopClock;

#[derive(Debug, thiserror::Error)]
pub enum FactError {
    #[error("shop configuration: {0}")]
    Config(String),
}
