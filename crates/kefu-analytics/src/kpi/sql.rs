//! The few helpers every KPI query goes through: running a query and reading its rows
//! back as keys and numbers, or as values per key for the exact percentiles.

use crate::query::Result;
use arrow::array::{Array, Float64Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;

/// Rows of a query: the first `keys` columns as text, the rest as numbers.
pub(crate) async fn rows(
    ctx: &SessionContext,
    sql: &str,
    keys: usize,
) -> Result<Vec<(Vec<String>, Vec<Option<f64>>)>> {
    let t = std::time::Instant::now();
    let batches: Vec<RecordBatch> = ctx.sql(sql).await?.collect().await?;
    tracing::debug!(secs = t.elapsed().as_secs_f64(), sql, "kpi query");
    let mut out = Vec::new();
    for b in batches {
        let mut text: Vec<StringArray> = Vec::new();
        let mut nums: Vec<Float64Array> = Vec::new();
        for (i, c) in b.columns().iter().enumerate() {
            if i < keys {
                let a = cast(c, &DataType::Utf8)?;
                text.push(
                    a.as_any()
                        .downcast_ref::<StringArray>()
                        .expect("utf8")
                        .clone(),
                );
            } else {
                let a = cast(c, &DataType::Float64)?;
                nums.push(
                    a.as_any()
                        .downcast_ref::<Float64Array>()
                        .expect("f64")
                        .clone(),
                );
            }
        }
        for r in 0..b.num_rows() {
            let k = text
                .iter()
                .map(|a| {
                    if a.is_null(r) {
                        "-".to_string()
                    } else {
                        a.value(r).to_string()
                    }
                })
                .collect();
            let v = nums
                .iter()
                .map(|a| (!a.is_null(r)).then(|| a.value(r)))
                .collect();
            out.push((k, v));
        }
    }
    Ok(out)
}

/// Values of one column per key (for exact percentiles).
/// Streams the batches and keeps only the numbers: millions of durations come back
/// for a big store, so no per-row allocation.
pub(crate) async fn values(ctx: &SessionContext, sql: &str) -> Result<BTreeMap<String, Vec<f64>>> {
    use futures::StreamExt;
    let t = std::time::Instant::now();
    let mut m: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut stream = ctx.sql(sql).await?.execute_stream().await?;
    while let Some(b) = stream.next().await {
        let b = b?;
        let keys = cast(b.column(0), &DataType::Utf8)?;
        let keys = keys.as_any().downcast_ref::<StringArray>().expect("utf8");
        let vals = cast(b.column(1), &DataType::Float64)?;
        let vals = vals.as_any().downcast_ref::<Float64Array>().expect("f64");
        for r in 0..b.num_rows() {
            if vals.is_null(r) {
                continue;
            }
            let k = if keys.is_null(r) { "-" } else { keys.value(r) };
            match m.get_mut(k) {
                Some(v) => v.push(vals.value(r)),
                None => {
                    m.insert(k.to_string(), vec![vals.value(r)]);
                }
            }
        }
    }
    tracing::debug!(secs = t.elapsed().as_secs_f64(), sql, "kpi values");
    Ok(m)
}

pub(crate) fn table_ok(ctx: &SessionContext, name: &str) -> bool {
    ctx.table_exist(name).unwrap_or(false)
}

pub(super) fn n(v: Option<f64>) -> i64 {
    v.unwrap_or(0.0).round() as i64
}
