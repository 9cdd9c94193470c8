//! `kefu report`: METRICS.md's KPIs over the store.
//!
//! The facts are Delta tables kept current by every ingest (`kefu_analytics::stored`);
//! a report only aggregates them with the KPI SQL.

use anyhow::Result;
use kefu_analytics::{GroupFacts, ReportQuery};
use kefu_model::Config;
use kefu_store::Store;

/// Every fact of the store, built in memory with each shop's configuration and the
/// timezone override.
pub async fn facts(store: &Store, cfg: &Config, tz_override: Option<&str>) -> Result<GroupFacts> {
    let cfg_of = |shop: &str| {
        let mut c = cfg.shop(shop).unwrap_or_default();
        if let Some(tz) = tz_override {
            c.timezone = tz.to_string();
        }
        c
    };
    Ok(kefu_analytics::stored::build_from_store(store, &cfg_of).await?)
}

/// Runs one report query over the stored facts; a timezone override rebuilds the
/// facts in memory (shop-local dates and hours are fixed when facts are stored).
pub async fn run(
    store: &Store,
    cfg: &Config,
    tz_override: Option<&str>,
    q: &ReportQuery,
) -> Result<kefu_analytics::Report> {
    let t = std::time::Instant::now();
    let ctx = match tz_override {
        None => store.session().await?,
        Some(_) => {
            let f = facts(store, cfg, tz_override).await?;
            tracing::info!(
                secs = t.elapsed().as_secs_f64(),
                conversations = f.conversations.len(),
                "facts built in memory for the timezone override"
            );
            let ctx = datafusion::prelude::SessionContext::new();
            kefu_analytics::register_facts(&ctx, &f)?;
            ctx
        }
    };
    let r = kefu_analytics::report(&ctx, q).await?;
    tracing::info!(secs = t.elapsed().as_secs_f64(), "report aggregated");
    Ok(r)
}
