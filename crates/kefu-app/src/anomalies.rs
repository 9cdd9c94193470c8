//! What is unusual right now (`kefu anomalies`, `/api/v1/anomalies`): the report's
//! series at hour and day grain against their seasonal baselines.

use crate::filters::Filters;
use crate::{App, AppError, AppResult};
pub use kefu_analytics::anomalies::{
    Anomalies, Anomaly, AnomalyGrain, AnomalyMetric, AnomalySpec, Direction, FlagKind,
};

/// Parses `--metric` values (comma-separated lists allowed); empty = every metric.
pub fn parse_metrics(values: &[String]) -> AppResult<Vec<AnomalyMetric>> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.parse().map_err(|e: String| AppError::bad("metric", e)))
        .collect()
}

/// Parses a `--grain` value; none = hour and day.
pub fn parse_grains(value: Option<&str>) -> AppResult<Vec<AnomalyGrain>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(Vec::new()),
        Some(v) => v
            .split(',')
            .map(|g| g.parse().map_err(|e: String| AppError::bad("grain", e)))
            .collect(),
    }
}

impl App {
    /// The anomalies of the filters' period (the data's whole span when open).
    pub async fn anomalies(&self, f: &Filters, spec: &AnomalySpec) -> AppResult<Anomalies> {
        let (s, q) = self.prepare(f).await?;
        let over = match f.tz() {
            Some(tz) => Some(
                kefu_model::config::parse_tz(tz).map_err(|e| AppError::bad("tz", e.to_string()))?,
            ),
            None => None,
        };
        let cfg = s.config().clone();
        let tz = move |shop: &str| {
            over.unwrap_or_else(|| {
                cfg.shop(shop)
                    .ok()
                    .and_then(|c| c.tz().ok())
                    .unwrap_or(chrono_tz::Tz::UTC)
            })
        };
        Ok(Box::pin(kefu_analytics::anomalies::anomalies(s.ctx(), &q, spec, &tz)).await?)
    }
}
