//! Stored rows back into records, for the builder: messages (texts left out, the
//! facts never read them), orders and surveys of a query, one chunk's spill file, or
//! the whole store ([`build_from_store`]).

use super::chunks::ChunkFiles;
use super::error::{Result, StoredError};
use crate::build_all;
use crate::facts::GroupFacts;
use arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use kefu_model::{MessageRecord, OrderRecord, ShopConfig, SurveyRecord, ToBatch};
use kefu_store::Store;

/// Message columns facts need: the texts (the widest columns) are read as empty, the
/// facts never look at them.
pub(super) const FACT_MESSAGE_COLUMNS: &str = "* REPLACE ('' AS text, '' AS text_raw, CAST(NULL AS VARCHAR) AS text_masked, '' AS source_file)";

/// Messages, orders and surveys of a query; orders and surveys sorted (a group's
/// duplicates resolve by input order), messages as they come.
pub(super) async fn load(
    ctx: &SessionContext,
    msg_sql: &str,
    order_sql: &str,
    survey_sql: &str,
) -> Result<(Vec<MessageRecord>, Vec<OrderRecord>, Vec<SurveyRecord>)> {
    let rows = |e: kefu_model::record_batches::BatchError| StoredError::Rows(e.to_string());
    let msgs = load_messages(ctx, msg_sql, 0).await?;
    let mut orders = Vec::new();
    for b in ctx.sql(order_sql).await?.collect().await? {
        orders.extend(OrderRecord::from_batch(&b).map_err(rows)?);
    }
    orders.sort_by_cached_key(|o| o.row_key());
    let mut surveys = Vec::new();
    for b in ctx.sql(survey_sql).await?.collect().await? {
        surveys.extend(SurveyRecord::from_batch(&b).map_err(rows)?);
    }
    surveys.sort_by_cached_key(|s| s.row_key());
    Ok((msgs, orders, surveys))
}

/// The messages of a query as records, decoded batch by batch as the scan streams
/// (never all batches and all records at once); `expected` rows, when known, size the
/// vector once.
pub(super) async fn load_messages(
    ctx: &SessionContext,
    msg_sql: &str,
    expected: usize,
) -> Result<Vec<MessageRecord>> {
    let sql = format!("SELECT {FACT_MESSAGE_COLUMNS} FROM ({msg_sql})");
    let mut stream = ctx.sql(&sql).await?.execute_stream().await?;
    let mut msgs = Vec::with_capacity(expected);
    let t = std::time::Instant::now();
    let mut decode = 0.0;
    while let Some(b) = stream.next().await {
        let b = b?;
        let td = std::time::Instant::now();
        msgs.extend(MessageRecord::from_batch(&b).map_err(|e| StoredError::Rows(e.to_string()))?);
        decode += td.elapsed().as_secs_f64();
    }
    // No sort: `build_all` orders every group itself, whatever the file layout.
    tracing::debug!(scan = t.elapsed().as_secs_f64(), decode, "messages loaded");
    Ok(msgs)
}

/// One chunk's messages from its spill file.
pub(super) fn decode_chunk(path: &std::path::Path) -> Result<Vec<MessageRecord>> {
    // Sized once: a growing vector of a million records copies and touches twice the
    // memory, and fresh pages are what a rebuild spends most on.
    let batches = ChunkFiles::read(path)?.collect::<Result<Vec<_>>>()?;
    let mut msgs = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for b in batches {
        msgs.extend(MessageRecord::from_batch(&b).map_err(|e| StoredError::Rows(e.to_string()))?);
    }
    Ok(msgs)
}

/// Every fact of the store built in memory with the given configuration (a report
/// under another timezone than the stored facts').
pub async fn build_from_store(
    store: &Store,
    cfg_of: &(dyn Fn(&str) -> ShopConfig + Sync),
) -> Result<GroupFacts> {
    let ctx = store.session().await?;
    let (msgs, orders, surveys) = load(
        &ctx,
        "SELECT * FROM messages",
        "SELECT * FROM orders",
        "SELECT * FROM surveys",
    )
    .await?;
    Ok(build_all(&msgs, &orders, &surveys, cfg_of)?)
}
