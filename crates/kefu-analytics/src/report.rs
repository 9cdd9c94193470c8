//! The whole report of a query: the KPI sections ([`kpi`](crate::kpi)) and the
//! complaints ([`complaints`](crate::complaints)) side by side. Here, above both, so
//! neither of them imports the other.

use crate::complaints::{Complaints, complaints};
use crate::kpi::{Body, BreakdownRow, Period, bodies};
use crate::query::{Breakdown, Readings, ReportQuery, Result};
use datafusion::prelude::SessionContext;
use kefu_model::config::Cohort;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The report: serialises to the JSON contract of issue 3.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub period: Period,
    #[serde(flatten)]
    pub body: Body,
    pub readings: Readings,
    /// `--by` dimension (absent without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<Breakdown>,
    pub breakdown: Vec<BreakdownRow>,
    /// Complaint categories, negative share, keywords, urgent messages and what
    /// survey comments are about (kefu-text columns written at ingest).
    #[serde(default)]
    pub complaints: Complaints,
    /// Set when the stored facts are behind the source tables: why, in words
    /// (absent when they are current).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale: Option<String>,
}

/// The report for a query: overall numbers and, with `q.by`, one row per key.
///
/// Every query of every section runs concurrently: each is a scan with a small
/// result, and on a laptop's few cores the gaps of one (planning, the final
/// single-threaded merge) are filled by the others.
pub async fn report(ctx: &SessionContext, q: &ReportQuery) -> Result<Report> {
    let overall = ReportQuery {
        by: None,
        ..q.clone()
    };
    let by = async {
        match q.by {
            None => Ok(BTreeMap::new()),
            Some(_) => bodies(ctx, q).await,
        }
    };
    let (mut all, breakdown, complaints) =
        futures::try_join!(bodies(ctx, &overall), by, complaints(ctx, &overall))?;
    Ok(Report {
        period: Period {
            from: q.from,
            to: q.to,
            tz: q.readings.timezone.clone(),
            cohort: match q.cohort() {
                Cohort::Start => "start".into(),
                Cohort::Event => "event".into(),
            },
        },
        body: all.remove("all").unwrap_or_default(),
        readings: q.readings.clone(),
        by: q.by,
        breakdown: breakdown
            .into_iter()
            .map(|(key, body)| BreakdownRow { key, body })
            .collect(),
        complaints,
        stale: None,
    })
}
