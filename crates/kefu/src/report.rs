//! `kefu report`: METRICS.md's KPIs over the store.
//!
//! This first version builds the conversation facts in memory from the whole store
//! on every report (kefu-analytics' `build_all`), then aggregates them with the KPI
//! SQL. Storing the facts as Delta tables, maintained per customer group at ingest,
//! is the next step (NOTES.md): it makes reports independent of the store's size.

use anyhow::Result;
use kefu_analytics::{GroupFacts, ReportQuery};
use kefu_model::{Config, MessageRecord, OrderRecord, SurveyRecord};
use kefu_store::Store;

/// Every fact of the store, built with each shop's configuration.
pub async fn facts(store: &Store, cfg: &Config, tz_override: Option<&str>) -> Result<GroupFacts> {
    let mut msgs = Vec::new();
    for b in store.sql("SELECT * FROM messages").await? {
        msgs.extend(MessageRecord::from_batch(&b)?);
    }
    let mut orders = Vec::new();
    for b in store.sql("SELECT * FROM orders").await? {
        orders.extend(OrderRecord::from_batch(&b)?);
    }
    let mut surveys = Vec::new();
    for b in store.sql("SELECT * FROM surveys").await? {
        surveys.extend(SurveyRecord::from_batch(&b)?);
    }
    let cfg_of = |shop: &str| {
        let mut c = cfg.shop(shop).unwrap_or_default();
        if let Some(tz) = tz_override {
            c.timezone = tz.to_string();
        }
        c
    };
    Ok(kefu_analytics::build_all(&msgs, &orders, &surveys, cfg_of)?)
}

/// Builds the facts and runs one report query.
pub async fn run(
    store: &Store,
    cfg: &Config,
    tz_override: Option<&str>,
    q: &ReportQuery,
) -> Result<kefu_analytics::Report> {
    let t = std::time::Instant::now();
    let f = facts(store, cfg, tz_override).await?;
    tracing::info!(
        secs = t.elapsed().as_secs_f64(),
        conversations = f.conversations.len(),
        "facts built"
    );
    let t = std::time::Instant::now();
    let ctx = datafusion::prelude::SessionContext::new();
    kefu_analytics::register_facts(&ctx, &f)?;
    let r = kefu_analytics::report(&ctx, q).await?;
    tracing::info!(secs = t.elapsed().as_secs_f64(), "report aggregated");
    Ok(r)
}
