//! After an ingest: the groups its rows touch reloaded, rebuilt and replaced (or, when
//! the facts were behind or the touch is bigger than a chunk, a full rebuild).

use super::error::{Result, StoredError};
use super::load::load;
use super::rebuild::{chunk_messages, rebuild};
use super::replace::commit_facts;
use super::{Refreshed, Touched};
use crate::build_all;
use crate::fact_batches::{CONVERSATIONS_TABLE, group_key};
use arrow::array::{Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use kefu_model::ShopConfig;
use kefu_store::Store;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

/// Brings the facts up to date after an ingest's source commits: the touched groups
/// when the facts were current before the ingest (`was_current`, from [`is_current`]),
/// else (first build, or an earlier ingest died before its fact commits) everything.
pub async fn refresh(
    store: &Store,
    cfg_of: &(dyn Fn(&str) -> ShopConfig + Sync),
    touched: &Touched,
    was_current: bool,
) -> Result<Refreshed> {
    let t0 = std::time::Instant::now();
    if !was_current || store.count(CONVERSATIONS_TABLE).await? == 0 {
        return rebuild(store, cfg_of).await;
    }
    if touched.is_empty() {
        return Ok(Refreshed::default());
    }
    let ctx = store.session().await?;
    ctx.register_table(
        "kefu_t_conv",
        Arc::new(pairs_table(
            ("shop_id", "conversation_id"),
            &touched.conversations,
        )?),
    )?;
    ctx.register_table(
        "kefu_t_cust",
        Arc::new(pairs_table(("shop_id", "customer_id"), &touched.customers)?),
    )?;
    // The customers of the touched conversations join the touched customers; then
    // every conversation of those customers is reloaded whole.
    ctx.sql(
        "CREATE VIEW kefu_g_cust AS
           SELECT shop_id, customer_id FROM kefu_t_cust
           UNION SELECT DISTINCT m.shop_id, m.customer_id FROM messages m
             JOIN kefu_t_conv t ON m.shop_id = t.shop_id AND m.conversation_id = t.conversation_id
             WHERE m.customer_id IS NOT NULL",
    )
    .await?;
    ctx.sql(
        "CREATE VIEW kefu_g_conv AS
           SELECT shop_id, conversation_id FROM kefu_t_conv
           UNION SELECT DISTINCT m.shop_id, m.conversation_id FROM messages m
             JOIN kefu_g_cust c ON m.shop_id = c.shop_id AND m.customer_id = c.customer_id",
    )
    .await?;
    // Touching more messages than one chunk holds (a big load into a big store):
    // the chunked full rebuild does it in bounded memory.
    let touched_messages = ctx
        .sql(
            "SELECT count(*) FROM messages m JOIN kefu_g_conv g
               ON m.shop_id = g.shop_id AND m.conversation_id = g.conversation_id",
        )
        .await?
        .collect()
        .await?
        .first()
        .and_then(|b| {
            b.column(0)
                .as_any()
                .downcast_ref::<Int64Array>()
                .map(|a| a.value(0))
        })
        .unwrap_or(0);
    if touched_messages as u64 > chunk_messages() {
        tracing::info!(
            touched_messages,
            "refresh touches more than a chunk: full rebuild"
        );
        return rebuild(store, cfg_of).await;
    }
    let (msgs, orders, surveys) = load(
        &ctx,
        "SELECT m.* FROM messages m JOIN kefu_g_conv g
           ON m.shop_id = g.shop_id AND m.conversation_id = g.conversation_id",
        "SELECT o.* FROM orders o JOIN kefu_g_cust c
           ON o.shop_id = c.shop_id AND o.customer_id = c.customer_id",
        "SELECT s.* FROM surveys s WHERE
           s.shop_id || '|' || COALESCE(s.customer_id, '') IN (SELECT shop_id || '|' || customer_id FROM kefu_g_cust)
           OR s.shop_id || '|' || COALESCE(s.conversation_id, '') IN (SELECT shop_id || '|' || conversation_id FROM kefu_g_conv)",
    )
    .await?;
    // Every group these rows could have belonged to before, or belong to now.
    let mut groups: BTreeSet<i64> = BTreeSet::new();
    for b in ctx
        .sql("SELECT shop_id, customer_id FROM kefu_g_cust UNION SELECT shop_id, conversation_id FROM kefu_g_conv")
        .await?
        .collect()
        .await?
    {
        let (s, c) = (str_col(&b, 0)?, str_col(&b, 1)?);
        for i in 0..b.num_rows() {
            groups.insert(group_key(s.value(i), c.value(i)));
        }
    }
    let facts = build_all(&msgs, &orders, &surveys, cfg_of)?;
    let out = Refreshed {
        full: false,
        groups: groups.len() as u64,
        conversations: facts.conversations.len() as u64,
        rounds: facts.rounds.len() as u64,
        chunks: 0,
        secs: 0.0,
    };
    commit_facts(store, &facts, Some(&groups)).await?;
    Ok(Refreshed {
        secs: t0.elapsed().as_secs_f64(),
        ..out
    })
}

fn pairs_table(name: (&str, &str), rows: &HashSet<(String, String)>) -> Result<MemTable> {
    let schema = Arc::new(Schema::new(vec![
        Field::new(name.0, DataType::Utf8, false),
        Field::new(name.1, DataType::Utf8, false),
    ]));
    let (a, b): (Vec<&str>, Vec<&str>) = rows.iter().map(|(x, y)| (x.as_str(), y.as_str())).unzip();
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(a)),
            Arc::new(StringArray::from(b)),
        ],
    )?;
    Ok(MemTable::try_new(schema, vec![vec![batch]])?)
}

fn str_col(b: &RecordBatch, i: usize) -> Result<StringArray> {
    let a = arrow::compute::cast(b.column(i), &DataType::Utf8)?;
    Ok(a.as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| StoredError::Rows("expected text".into()))?
        .clone())
}
