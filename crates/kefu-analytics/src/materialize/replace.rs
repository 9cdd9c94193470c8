//! Fact rows replaced in the store: whole tables, or the rows of some groups (the
//! other groups' rows of the months they touch copied over), one commit per table
//! recording the source versions it reflects.

use super::error::Result;
use super::{SOURCES_KEY, source_versions};
use crate::fact_batches::FactTable;
use crate::facts::*;
use arrow::array::{Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use kefu_model::schema::PARTITION_COLUMN;
use kefu_store::Store;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

/// Writes the facts: `groups = None` replaces whole tables, `Some` replaces those
/// groups' rows.
pub(super) async fn commit_facts(
    store: &Store,
    facts: &GroupFacts,
    groups: Option<&BTreeSet<i64>>,
) -> Result<()> {
    let sources = source_versions(store).await?;
    replace::<ConversationFact>(store, &facts.conversations, groups, &sources).await?;
    replace::<RoundFact>(store, &facts.rounds, groups, &sources).await?;
    replace::<InquiryFact>(store, &facts.inquiries, groups, &sources).await?;
    replace::<SurveyFact>(store, &facts.surveys, groups, &sources).await?;
    Ok(())
}

pub(super) const WRITE_CHUNK: usize = 200_000;

async fn replace<T: FactTable>(
    store: &Store,
    rows: &[T],
    groups: Option<&BTreeSet<i64>>,
    sources: &serde_json::Value,
) -> Result<()> {
    let name = T::TABLE;
    let mut app = store.appender(name).await?;
    // The months holding rows to replace: all of them, or those of the groups.
    let months = months_of(store, name, groups).await?;
    if !months.is_empty() {
        let predicate = match groups {
            None => "true".to_string(),
            Some(g) => format!("group_key IN <{} groups>", g.len()),
        };
        if let Some(g) = groups {
            // Keep the other groups' rows of those months.
            let ctx = SessionContext::new();
            for m in &months {
                let files = store
                    .partition_files(name, PARTITION_COLUMN, &HashSet::from([m.clone()]))
                    .await?;
                ctx.register_table("part", store.files_provider(name, &files)?)?;
                ctx.register_table("kefu_groups", Arc::new(keys_table(g)?))?;
                let cols: Vec<String> = T::schema()
                    .fields()
                    .iter()
                    .map(|f| {
                        if f.name() == PARTITION_COLUMN {
                            format!("'{m}' AS {PARTITION_COLUMN}")
                        } else {
                            format!("\"{}\"", f.name())
                        }
                    })
                    .collect();
                let sql = format!(
                    "SELECT {} FROM part WHERE group_key NOT IN (SELECT group_key FROM kefu_groups)",
                    cols.join(", ")
                );
                for b in ctx.sql(&sql).await?.collect().await? {
                    let b = RecordBatch::try_new(T::schema(), b.columns().to_vec())?;
                    app.write(b).await?;
                }
                ctx.deregister_table("part")?;
                ctx.deregister_table("kefu_groups")?;
            }
        }
        app.replace_partitions(PARTITION_COLUMN, &months, predicate)?;
    }
    for chunk in rows.chunks(WRITE_CHUNK) {
        app.write(T::to_batch(chunk)?).await?;
    }
    let mut meta = serde_json::Map::new();
    meta.insert(SOURCES_KEY.into(), sources.clone());
    meta.insert("kefu.rows".into(), rows.len().into());
    // Commit even when nothing changed here: the commit records the source
    // versions this table now reflects.
    app.commit_always(meta).await?;
    Ok(())
}

fn keys_table(g: &BTreeSet<i64>) -> Result<MemTable> {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "group_key",
        DataType::Int64,
        false,
    )]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(Int64Array::from_iter_values(g.iter().copied()))],
    )?;
    Ok(MemTable::try_new(schema, vec![vec![batch]])?)
}

/// Months (partition values) holding rows of the table, or of the given groups.
async fn months_of(
    store: &Store,
    name: &str,
    groups: Option<&BTreeSet<i64>>,
) -> Result<HashSet<String>> {
    // Partition values live in file paths, not in the files: list the files of each
    // month and, for a group replacement, keep the months where a group has rows.
    let all = store.partition_values(name, PARTITION_COLUMN).await?;
    let Some(g) = groups else {
        return Ok(all);
    };
    let ctx = SessionContext::new();
    ctx.register_table("kefu_groups", Arc::new(keys_table(g)?))?;
    let mut hit = HashSet::new();
    for m in all {
        let files = store
            .partition_files(name, PARTITION_COLUMN, &HashSet::from([m.clone()]))
            .await?;
        ctx.register_table("part", store.files_provider(name, &files)?)?;
        let n = ctx
            .sql("SELECT count(*) FROM part WHERE group_key IN (SELECT group_key FROM kefu_groups)")
            .await?
            .collect()
            .await?;
        ctx.deregister_table("part")?;
        let c = n
            .first()
            .and_then(|b| {
                b.column(0)
                    .as_any()
                    .downcast_ref::<Int64Array>()
                    .map(|a| a.value(0))
            })
            .unwrap_or(0);
        if c > 0 {
            hit.insert(m);
        }
    }
    Ok(hit)
}
