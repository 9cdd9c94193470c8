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
use crate::chunks::{ChunkFiles, ChunkPlan, SPILL_PREFIX};
use crate::facts::*;
use crate::{FactError, build_all};
use arrow::array::{Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
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
    // Ids, instants and measured seconds: nearly every row a new value.
    vec![
        TableDef::new(
            CONVERSATIONS_TABLE,
            ConversationFact::schema(),
            &[PARTITION_COLUMN],
        )
        .with_distinct(&[
            "row_key",
            "group_key",
            "conversation_id",
            "customer",
            "customer_id",
            "conv_start_ts",
            "start_ts",
            "end_ts",
            "human_clock_ts",
            "first_reply_ts",
            "frt_secs",
            "frt_business_secs",
            "resolved_at",
            "resolution_secs",
            "resolution_business_secs",
            "full_resolution_secs",
            "cycle_resolved_at",
            "cycle_resolution_secs",
        ]),
        TableDef::new(ROUNDS_TABLE, RoundFact::schema(), &[PARTITION_COLUMN]).with_distinct(&[
            "row_key",
            "group_key",
            "conversation_id",
            "customer",
            "conv_start_ts",
            "start_ts",
            "last_customer_ts",
            "reply_ts",
            "response_secs",
            "response_secs_first",
            "response_secs_last",
            "business_secs_first",
            "business_secs_last",
        ]),
        TableDef::new(INQUIRIES_TABLE, InquiryFact::schema(), &[PARTITION_COLUMN]).with_distinct(
            &[
                "row_key",
                "group_key",
                "customer",
                "customer_id",
                "first_ts",
                "converted_at",
                "order_ids",
                "order_amount",
            ],
        ),
        TableDef::new(SURVEYS_TABLE, SurveyFact::schema(), &[PARTITION_COLUMN]).with_distinct(&[
            "row_key",
            "group_key",
            "survey_id",
            "conversation_id",
            "customer",
            "ts",
        ]),
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
    /// Chunks a full rebuild was split into (0 for a refresh of touched groups).
    pub chunks: u64,
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

/// Messages, orders and surveys of a query; orders and surveys sorted (a group's
/// duplicates resolve by input order), messages as they come.
async fn load(
    ctx: &SessionContext,
    msg_sql: &str,
    order_sql: &str,
    survey_sql: &str,
) -> Result<(Vec<MessageRecord>, Vec<OrderRecord>, Vec<SurveyRecord>)> {
    let rows = |e: kefu_model::batch::BatchError| StoredError::Rows(e.to_string());
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
async fn load_messages(
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
fn decode_chunk(path: &std::path::Path) -> Result<Vec<MessageRecord>> {
    // Sized once: a growing vector of a million records copies and touches twice the
    // memory, and fresh pages are what a rebuild spends most on.
    let batches = ChunkFiles::read(path)?.collect::<Result<Vec<_>>>()?;
    let mut msgs = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for b in batches {
        msgs.extend(MessageRecord::from_batch(&b).map_err(|e| StoredError::Rows(e.to_string()))?);
    }
    Ok(msgs)
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

fn str_col(b: &RecordBatch, i: usize) -> Result<StringArray> {
    let a = arrow::compute::cast(b.column(i), &DataType::Utf8)?;
    Ok(a.as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| StoredError::Rows("expected text".into()))?
        .clone())
}

/// Messages per chunk of a full rebuild. A chunk holds whole groups, so memory is
/// bounded by the chunk (about 2–3 KB per message in flight), not the store.
const CHUNK_MESSAGES: u64 = 1_000_000;

/// [`CHUNK_MESSAGES`], or `KEFU_FACTS_CHUNK_MESSAGES`: smaller chunks for a machine
/// short of memory (and for the tests that chunking changes nothing).
fn chunk_messages() -> u64 {
    std::env::var("KEFU_FACTS_CHUNK_MESSAGES")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(CHUNK_MESSAGES)
}

/// Rebuilds every fact from the whole store (first build, repair, configuration
/// change), replacing the fact tables in one commit each.
///
/// Stores of more than [`CHUNK_MESSAGES`] messages are built in chunks of whole
/// groups ([`crate::chunks`]): a narrow scan assigns every conversation its group's
/// chunk, a second routes the messages to per-chunk spill files; each chunk's
/// messages, orders and surveys are then loaded, built and written in turn, and the
/// four tables are committed once at the end.
pub async fn rebuild(
    store: &Store,
    cfg_of: &(dyn Fn(&str) -> ShopConfig + Sync),
) -> Result<Refreshed> {
    let t0 = std::time::Instant::now();
    let ctx = store.session().await?;
    let messages = store.count("messages").await?;
    tracing::debug!(secs = t0.elapsed().as_secs_f64(), "rebuild: counted");
    let chunks = messages.div_ceil(chunk_messages()).max(1);
    let (_, orders, surveys) = load(
        &ctx,
        "SELECT * FROM messages WHERE FALSE",
        "SELECT * FROM orders",
        "SELECT * FROM surveys",
    )
    .await?;
    tracing::debug!(
        secs = t0.elapsed().as_secs_f64(),
        "rebuild: orders and surveys loaded"
    );
    let mut out = FactWriters::open(store).await?;
    tracing::debug!(secs = t0.elapsed().as_secs_f64(), "rebuild: writers open");
    let (mut load_secs, mut build_secs) = (0.0, 0.0);
    if chunks == 1 {
        let t = std::time::Instant::now();
        let msgs = load_messages(&ctx, "SELECT * FROM messages", messages as usize).await?;
        load_secs += t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        let facts = build_all(&msgs, &orders, &surveys, cfg_of)?;
        drop(msgs);
        build_secs += t.elapsed().as_secs_f64();
        out.write(&facts).await?;
    } else {
        let t = std::time::Instant::now();
        let plan = ChunkPlan::scan(&ctx, chunks).await?;
        tracing::debug!(secs = t.elapsed().as_secs_f64(), "rebuild: chunks planned");
        let mut orders_of: Vec<Vec<OrderRecord>> = (0..chunks).map(|_| Vec::new()).collect();
        for o in orders {
            if let Some(k) = plan.order_chunk(&o) {
                orders_of[k as usize].push(o);
            }
        }
        let mut surveys_of: Vec<Vec<SurveyRecord>> = (0..chunks).map(|_| Vec::new()).collect();
        for s in surveys {
            if let Some(k) = plan.survey_chunk(&s) {
                surveys_of[k as usize].push(s);
            }
        }
        let dir = store.root().join("tmp").join(format!(
            "{SPILL_PREFIX}{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        let files = plan
            .route(
                &ctx,
                &format!("SELECT {FACT_MESSAGE_COLUMNS} FROM messages"),
                &dir,
            )
            .await?;
        drop(plan);
        load_secs += t.elapsed().as_secs_f64();
        tracing::debug!(secs = t.elapsed().as_secs_f64(), "rebuild: messages routed");
        // Three stages overlap: chunk k+1 loads while k is built and k−1 written, so
        // decoding, building and Parquet encoding keep every core busy. At most one
        // chunk waits in each channel: memory stays a few chunks whatever the store.
        let (load_tx, mut loaded) = tokio::sync::mpsc::channel(1);
        let paths: Vec<_> = (0..chunks).map(|k| files.path(k)).collect();
        let loader = tokio::spawn(async move {
            for (k, path) in paths.into_iter().enumerate() {
                let t = std::time::Instant::now();
                let r = tokio::task::spawn_blocking(move || decode_chunk(&path))
                    .await
                    .map_err(|e| StoredError::Rows(format!("facts task: {e}")))
                    .and_then(|r| r)
                    .map(|m| (k as u64, m, t.elapsed().as_secs_f64()));
                let failed = r.is_err();
                if load_tx.send(r).await.is_err() || failed {
                    break;
                }
            }
        });
        let (write_tx, mut to_write) = tokio::sync::mpsc::channel::<(u64, GroupFacts)>(1);
        let writer = tokio::spawn(async move {
            while let Some((k, facts)) = to_write.recv().await {
                out.write(&facts).await?;
                tracing::info!(
                    chunk = k,
                    of = chunks,
                    conversations = facts.conversations.len(),
                    "facts chunk written"
                );
            }
            Ok::<_, StoredError>(out)
        });
        while let Some(r) = loaded.recv().await {
            let (k, msgs, secs): (u64, Vec<MessageRecord>, f64) = r?;
            load_secs += secs;
            let t = std::time::Instant::now();
            let o = std::mem::take(&mut orders_of[k as usize]);
            let s = std::mem::take(&mut surveys_of[k as usize]);
            let facts = build_all(&msgs, &o, &s, cfg_of)?;
            drop((msgs, o, s));
            build_secs += t.elapsed().as_secs_f64();
            if write_tx.send((k, facts)).await.is_err() {
                break; // the writer stopped on an error, returned below
            }
        }
        drop(write_tx);
        let joined = |e: tokio::task::JoinError| StoredError::Rows(format!("facts task: {e}"));
        loader.await.map_err(joined)?;
        out = writer.await.map_err(joined)??;
        drop(files);
    }
    let t = std::time::Instant::now();
    tracing::debug!(secs = t0.elapsed().as_secs_f64(), "rebuild: written");
    let write_secs = out.write_secs;
    let written = out.commit(&source_versions(store).await?).await?;
    tracing::info!(
        chunks,
        load_secs,
        build_secs,
        write_secs = write_secs + t.elapsed().as_secs_f64(),
        "facts rebuilt"
    );
    Ok(Refreshed {
        secs: t0.elapsed().as_secs_f64(),
        chunks,
        ..written
    })
}

/// The four fact tables being replaced whole: rows are written chunk by chunk and
/// committed together at the end (one commit per table; nothing visible before).
struct FactWriters {
    conversations: kefu_store::Appender,
    rounds: kefu_store::Appender,
    inquiries: kefu_store::Appender,
    surveys: kefu_store::Appender,
    counts: Refreshed,
    /// Rows written per table, in the order of the fields above.
    rows: [u64; 4],
    groups: HashSet<i64>,
    write_secs: f64,
}

impl FactWriters {
    async fn open(store: &Store) -> Result<FactWriters> {
        async fn whole(store: &Store, name: &str) -> Result<kefu_store::Appender> {
            let mut app = store.appender(name).await?;
            let months = store.partition_values(name, PARTITION_COLUMN).await?;
            if !months.is_empty() {
                app.replace_partitions(PARTITION_COLUMN, &months, "true".into())?;
            }
            Ok(app)
        }
        Ok(FactWriters {
            conversations: whole(store, CONVERSATIONS_TABLE).await?,
            rounds: whole(store, ROUNDS_TABLE).await?,
            inquiries: whole(store, INQUIRIES_TABLE).await?,
            surveys: whole(store, SURVEYS_TABLE).await?,
            counts: Refreshed {
                full: true,
                ..Refreshed::default()
            },
            rows: [0; 4],
            groups: HashSet::new(),
            write_secs: 0.0,
        })
    }

    async fn write(&mut self, f: &GroupFacts) -> Result<()> {
        let t = std::time::Instant::now();
        async fn put<T: FactTable>(app: &mut kefu_store::Appender, rows: &[T]) -> Result<()> {
            let (mut batch, mut write) = (0.0, 0.0);
            for chunk in rows.chunks(WRITE_CHUNK) {
                let t = std::time::Instant::now();
                let b = T::to_batch(chunk)?;
                batch += t.elapsed().as_secs_f64();
                let t = std::time::Instant::now();
                app.write(b).await?;
                write += t.elapsed().as_secs_f64();
            }
            let t = std::time::Instant::now();
            // Out of memory and into files now: the next chunk starts empty.
            app.flush().await?;
            tracing::debug!(
                table = T::TABLE,
                batch,
                write,
                flush = t.elapsed().as_secs_f64(),
                "facts written"
            );
            Ok(())
        }
        put(&mut self.conversations, &f.conversations).await?;
        put(&mut self.rounds, &f.rounds).await?;
        put(&mut self.inquiries, &f.inquiries).await?;
        put(&mut self.surveys, &f.surveys).await?;
        for (n, add) in self.rows.iter_mut().zip([
            f.conversations.len(),
            f.rounds.len(),
            f.inquiries.len(),
            f.surveys.len(),
        ]) {
            *n += add as u64;
        }
        self.counts.conversations += f.conversations.len() as u64;
        self.counts.rounds += f.rounds.len() as u64;
        self.groups
            .extend(f.conversations.iter().map(|c| c.group_key()));
        self.write_secs += t.elapsed().as_secs_f64();
        Ok(())
    }

    async fn commit(self, sources: &serde_json::Value) -> Result<Refreshed> {
        let mut counts = self.counts;
        counts.groups = self.groups.len() as u64;
        for (app, rows) in [
            self.conversations,
            self.rounds,
            self.inquiries,
            self.surveys,
        ]
        .into_iter()
        .zip(self.rows)
        {
            let mut meta = serde_json::Map::new();
            meta.insert(SOURCES_KEY.into(), sources.clone());
            meta.insert("kefu.rows".into(), rows.into());
            app.commit_always(meta).await?;
        }
        Ok(counts)
    }
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
