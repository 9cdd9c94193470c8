//! The KPI layer: METRICS.md's report numbers, aggregated from the fact tables with
//! DataFusion SQL (`conversation_facts`, `rounds`, `inquiries`, `survey_facts`).
//!
//! SQL does the counting; durations come back as values and their percentiles are
//! computed here, exactly (DataFusion's `percentile_cont` truncates its weight).
//! Every number of a breakdown row is computed by the same queries grouped by the
//! breakdown key, so the overall row and the breakdown rows always agree.
//!
//! One job per file: `body` the numbers of a row, `sections` the queries filling
//! them, `views` the dashboard's series, heatmap and distributions, `sql` the
//! query helpers. The query itself lives in [`query`](crate::query), the whole
//! report (sections and complaints) in [`report`](crate::report).

mod body;
mod sections;
mod sql;
pub(crate) use sql::{rows, table_ok};
mod views;

pub use crate::query::{Breakdown, KpiError, Readings, ReportQuery, Result};
pub use body::{
    Body, BreakdownRow, Conversion, DimensionScore, Period, Resolution, Response, RoundCounts,
    Satisfaction, Volume, Within,
};
pub(crate) use sections::bodies;
pub use sections::{Duration, breakdown, duration_samples};
pub use views::{
    Grain, SeriesPoint, VolumeBy, frt_distribution, heatmap, response_distribution, series,
    volume_by,
};

use crate::fact_batches::FactTable;
use crate::facts::{ConversationFact, GroupFacts, InquiryFact, RoundFact, SurveyFact};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use std::sync::Arc;

/// Registers fact rows as in-memory tables under the names the queries use (tests,
/// small data sets; the store registers its Delta tables under the same names).
pub fn register_facts(ctx: &SessionContext, f: &GroupFacts) -> Result<()> {
    fn reg<T: FactTable>(ctx: &SessionContext, rows: &[T]) -> Result<()> {
        let batch = T::to_batch(rows)?;
        let table = MemTable::try_new(T::schema(), vec![vec![batch]])?;
        ctx.deregister_table(T::TABLE)?;
        ctx.register_table(T::TABLE, Arc::new(table))?;
        Ok(())
    }
    reg::<ConversationFact>(ctx, &f.conversations)?;
    reg::<RoundFact>(ctx, &f.rounds)?;
    reg::<InquiryFact>(ctx, &f.inquiries)?;
    reg::<SurveyFact>(ctx, &f.surveys)?;
    Ok(())
}
