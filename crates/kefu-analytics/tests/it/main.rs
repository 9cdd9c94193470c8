//! One integration-test binary (ENGINEERING.md: every extra binary links again).

mod common;
mod golden_conversion;
mod golden_resolution;
mod golden_response;
mod golden_satisfaction;
mod golden_sentiment;
#[cfg(feature = "kpi")]
mod kpi;
mod props;
mod schema;
