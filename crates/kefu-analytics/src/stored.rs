//! The fact tables in the store, kept in step with the source tables.
//!
//! Facts are derived, so the rule is simple: after every ingest the fact tables equal
//! what [`build_all`] gives over the whole store. An ingest names what it added
//! ([`Touched`]); [`refresh`] reloads every group (shop × customer) those rows touch,
//! rebuilds the group's facts and replaces the group's rows by `group_key` — one Delta
//! commit per fact table (a MERGE: the matched groups' rows deleted, the new rows
//! inserted, rewritten copy-on-write per month partition).
//!
//! Each fact commit records the source table versions it reflects (`kefu.sources`).
//! If a process dies between the source commits and the fact commits, the next ingest
//! (or `kefu store rebuild-facts`) sees the facts are behind ([`is_current`]) and
//! rebuilds them all.

use crate::batch::{
    CONVERSATIONS_TABLE, FactTable, INQUIRIES_TABLE, ROUNDS_TABLE, SURVEYS_TABLE, group_key,
};
use crate::facts::*;
use crate::{FactError, build_all};
use arrow::array::{Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use kefu_model::schema::PARTITION_COLUMN;
use kefu_model::{MessageRecord, OrderRecord, ShopConfig, SurveyRecord, Table, ToBatch};
use kefu_store::{Store, StoreError, TableDef};
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoredError {
    #[error(transparent)]
    Store(Box<StoreError>),
    #[error("query: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("reading stored rows: {0}")]
    Rows(String),
    #[error(transparent)]
    Facts(#[from] FactError),
}

impl From<StoreError> for StoredError {
    fn from(e: StoreError) -> Self {
        StoredError::Store(Box::new(e))
    }
}

pub type Result<T, E = StoredError> = std::result::Result<T, E>;

/// The four fact tables, partitioned like the sources by shop-local month (of the
/// conversation start, so a recomputed row never changes partition).
pub fn fact_defs() -> Vec<TableDef> {
    vec![
        TableDef::new(
            CONVERSATIONS_TABLE,
            ConversationFact::schema(),
            &[PARTITION_COLUMN],
        ),
        TableDef::new(ROUNDS_TABLE, RoundFact::schema(), &[PARTITION_COLUMN]),
        TableDef::new(INQUIRIES_TABLE, InquiryFact::schema(), &[PARTITION_COLUMN]),
        TableDef::new(SURVEYS_TABLE, SurveyFact::schema(), &[PARTITION_COLUMN]),
    ]
}

/// Opens the store with its fact tables registered too.
pub async fn open(root: &std::path::Path) -> Result<Store> {
    Ok(Store::open(root).await?.with_tables(fact_defs()).await?)
}

/// What an ingest added, as far as facts care: conversations (shop, conversation id)
/// and customers (shop, customer id).
#[derive(Debug, Clone, Default)]
pub struct Touched {
    pub conversations: HashSet<(String, String)>,
    pub customers: HashSet<(String, String)>,
}

impl Touched {
    pub fn is_empty(&self) -> bool {
        self.conversations.is_empty() && self.customers.is_empty()
    }
    pub fn message(&mut self, m: &MessageRecord) {
        self.conversations
            .insert((m.shop_id.clone(), m.conversation_id.clone()));
        if let Some(c) = &m.customer_id {
            self.customers.insert((m.shop_id.clone(), c.clone()));
        }
    }
    pub fn order(&mut self, o: &OrderRecord) {
        if let Some(c) = &o.customer_id {
            self.customers.insert((o.shop_id.clone(), c.clone()));
        }
    }
    pub fn survey(&mut self, s: &SurveyRecord) {
        if let Some(c) = &s.conversation_id {
            self.conversations.insert((s.shop_id.clone(), c.clone()));
        }
        if let Some(c) = &s.customer_id {
            self.customers.insert((s.shop_id.clone(), c.clone()));
        }
    }
}

/// How a refresh went.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Refreshed {
    /// `true` when every fact was rebuilt (first build, or facts were behind).
    pub full: bool,
    pub groups: u64,
    pub conversations: u64,
    pub rounds: u64,
    pub secs: f64,
}

const SOURCES_KEY: &str = "kefu.sources";

/// The source versions the facts must reflect.
async fn source_versions(store: &Store) -> Result<serde_json::Value> {
    let mut m = serde_json::Map::new();
    for t in [Table::Messages, Table::Orders, Table::Surveys] {
        m.insert(t.name().into(), store.version(t.name()).await?.into());
    }
    Ok(serde_json::Value::Object(m))
}

/// Whether every fact table reflects the current source tables.
pub async fn is_current(store: &Store) -> Result<bool> {
    let want = source_versions(store).await?;
    for d in fact_defs() {
        let meta = store.last_commit_metadata(&d.name).await?;
        if meta.get(SOURCES_KEY) != Some(&want) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Message columns facts need: the texts (the widest columns) are read as empty, the
/// facts never look at them.
const FACT_MESSAGE_COLUMNS: &str = "* REPLACE ('' AS text, '' AS text_raw, CAST(NULL AS VARCHAR) AS text_masked, '' AS source_file)";

/// Messages, orders and surveys of a query, sorted so every build sees them in the
/// same order whatever the file layout.
async fn load(
    ctx: &SessionContext,
    msg_sql: &str,
    order_sql: &str,
    survey_sql: &str,
) -> Result<(Vec<MessageRecord>, Vec<OrderRecord>, Vec<SurveyRecord>)> {
    let rows = |e: kefu_model::batch::BatchError| StoredError::Rows(e.to_string());
    let mut msgs = Vec::new();
    let msg_sql = format!("SELECT {FACT_MESSAGE_COLUMNS} FROM ({msg_sql})");
    for b in ctx.sql(&msg_sql).await?.collect().await? {
        msgs.extend(MessageRecord::from_batch(&b).map_err(rows)?);
    }
    msgs.sort_by_key(|m| (m.ts, m.row_key()));
    let mut orders = Vec::new();
    for b in ctx.sql(order_sql).await?.collect().await? {
        orders.extend(OrderRecord::from_batch(&b).map_err(rows)?);
    }
    orders.sort_by_key(|o| o.row_key());
    let mut surveys = Vec::new();
    for b in ctx.sql(survey_sql).await?.collect().await? {
        surveys.extend(SurveyRecord::from_batch(&b).map_err(rows)?);
    }
    surveys.sort_by_key(|s| s.row_key());
    Ok((msgs, orders, surveys))
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
        secs: 0.0,
    };
    commit_facts(store, &facts, Some(&groups)).await?;
    Ok(Refreshed {
        secs: t0.elapsed().as_secs_f64(),
        ..out
    })
}

fn str_col(b: &RecordBatch, i: usize) -> Result<StringArray> {
    let a = arrow::compute::cast(b.column(i), &DataType::Utf8)?;
    Ok(a.as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| StoredError::Rows("expected text".into()))?
        .clone())
}

/// Rebuilds every fact from the whole store (first build, repair, configuration
/// change), replacing the fact tables in one commit each.
pub async fn rebuild(
    store: &Store,
    cfg_of: &(dyn Fn(&str) -> ShopConfig + Sync),
) -> Result<Refreshed> {
    let t0 = std::time::Instant::now();
    let ctx = store.session().await?;
    let (msgs, orders, surveys) = load(
        &ctx,
        "SELECT * FROM messages",
        "SELECT * FROM orders",
        "SELECT * FROM surveys",
    )
    .await?;
    let loaded = t0.elapsed().as_secs_f64();
    let facts = build_all(&msgs, &orders, &surveys, cfg_of)?;
    drop((msgs, orders, surveys));
    let built = t0.elapsed().as_secs_f64();
    commit_facts(store, &facts, None).await?;
    tracing::info!(
        load_secs = loaded,
        build_secs = built - loaded,
        write_secs = t0.elapsed().as_secs_f64() - built,
        "facts rebuilt"
    );
    Ok(Refreshed {
        full: true,
        groups: facts
            .conversations
            .iter()
            .map(|c| c.group_key())
            .collect::<HashSet<_>>()
            .len() as u64,
        conversations: facts.conversations.len() as u64,
        rounds: facts.rounds.len() as u64,
        secs: t0.elapsed().as_secs_f64(),
    })
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

/// Writes the facts: `groups = None` replaces whole tables, `Some` replaces those
/// groups' rows.
async fn commit_facts(
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

const WRITE_CHUNK: usize = 200_000;

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
