//! Every fact from the whole store, in chunks of whole groups so memory is bounded
//! by a few chunks: orders and surveys loaded once, the messages routed to per-chunk
//! spill files, then load, build and write overlapping, one chunk in flight per stage,
//! and the four tables committed once each at the end.

use super::chunks::{ChunkPlan, SPILL_PREFIX};
use super::error::{Result, StoredError};
use super::load::{FACT_MESSAGE_COLUMNS, decode_chunk, load, load_messages};
use super::replace::WRITE_CHUNK;
use super::{Refreshed, SOURCES_KEY, source_versions};
use crate::build_all;
use crate::fact_batches::{
    CONVERSATIONS_TABLE, FactTable, INQUIRIES_TABLE, ROUNDS_TABLE, SURVEYS_TABLE,
};
use crate::facts::GroupFacts;
use kefu_model::schema::PARTITION_COLUMN;
use kefu_model::{MessageRecord, OrderRecord, ShopConfig, SurveyRecord};
use kefu_store::Store;
use std::collections::HashSet;

/// Messages per chunk of a full rebuild. A chunk holds whole groups, so memory is
/// bounded by the chunk (about 2–3 KB per message in flight), not the store.
const CHUNK_MESSAGES: u64 = 1_000_000;

/// [`CHUNK_MESSAGES`], or `KEFU_FACTS_CHUNK_MESSAGES`: smaller chunks for a machine
/// short of memory (and for the tests that chunking changes nothing).
pub(super) fn chunk_messages() -> u64 {
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
/// groups (`chunks`): a narrow scan assigns every conversation its group's
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
