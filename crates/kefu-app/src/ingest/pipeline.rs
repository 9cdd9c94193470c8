//! The ingest pipeline: readers on a blocking thread → bounded channel → Delta
//! appenders → one commit per table.
//!
//! Memory stays bounded on any input: rows travel in batches of `BATCH_ROWS`, the
//! channel holds a few batches, and appenders close their parquet files every
//! `FLUSH_ROWS`. Duplicates are dropped against the row keys already stored and
//! those seen earlier in the same ingest, so ingesting the same file twice adds
//! nothing.

use super::enrich::{enrich_messages, enrich_reviews, enrich_surveys};
use anyhow::{Context, Result};
use kefu_ingest::{FileSummary, IngestError, IngestOptions, Record, Sink};
use kefu_model::{
    MessageRecord, OrderRecord, QuarantineRecord, ReviewRecord, SurveyRecord, Table, ToBatch,
};
use kefu_store::Store;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

const BATCH_ROWS: usize = 65_536;
const FLUSH_ROWS: u64 = 2_000_000;

/// What a face shows while an ingest runs (a progress bar, nothing).
pub trait Progress: Sync {
    /// Before the first byte: the size of all files together.
    fn start(&self, _total_bytes: u64) {}
    /// Bytes read so far, over all files.
    fn bytes(&self, _done: u64) {}
    fn file_done(&self, _file: &str) {}
    fn finish(&self) {}
}

/// Shows nothing.
pub struct Silent;
impl Progress for Silent {}

/// One file and how to read it.
pub struct FileJob {
    pub path: PathBuf,
    pub opts: IngestOptions,
}

#[derive(Debug, Default, Serialize)]
pub struct TableOutcome {
    pub added: u64,
    pub duplicates: u64,
    /// The Delta version this ingest committed, if it added anything.
    pub version: Option<i64>,
}

#[derive(Debug, Default, Serialize)]
pub struct IngestReport {
    pub files: usize,
    pub rows_read: u64,
    pub ingested: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    pub tables: BTreeMap<String, TableOutcome>,
    pub by_file: Vec<FileSummary>,
    pub ingest_id: String,
    /// The conversation facts' refresh after the commits.
    pub facts: kefu_analytics::materialize::Refreshed,
}

enum Event {
    Batch(Table, arrow::array::RecordBatch),
    Progress(u64),
    FileDone(FileSummary),
}

/// Buffers records per table, drops duplicates, and ships Arrow batches.
struct BatchingSink {
    tx: tokio::sync::mpsc::Sender<Event>,
    seen: HashMap<Table, HashSet<i64>>,
    duplicates: HashMap<Table, u64>,
    messages: Vec<MessageRecord>,
    orders: Vec<OrderRecord>,
    surveys: Vec<SurveyRecord>,
    reviews: Vec<ReviewRecord>,
    quarantine: Vec<QuarantineRecord>,
    /// What the facts must be recomputed for.
    touched: kefu_analytics::materialize::Touched,
    bytes_before: u64,
    /// Chinese text understanding at ingest (None with `--no-text`).
    text: Option<std::sync::Arc<kefu_text::Analyzer>>,
}

fn send_err<T>(_: T) -> IngestError {
    IngestError::Sink("the writer stopped".into())
}

impl BatchingSink {
    fn is_new(&mut self, table: Table, key: i64) -> bool {
        let fresh = self.seen.entry(table).or_default().insert(key);
        if !fresh {
            *self.duplicates.entry(table).or_default() += 1;
        }
        fresh
    }

    fn ship<R: ToBatch>(
        tx: &tokio::sync::mpsc::Sender<Event>,
        table: Table,
        rows: &mut Vec<R>,
    ) -> Result<(), IngestError> {
        if rows.is_empty() {
            return Ok(());
        }
        let batch = R::to_batch(rows).map_err(|e| IngestError::Sink(e.to_string()))?;
        rows.clear();
        tx.blocking_send(Event::Batch(table, batch))
            .map_err(send_err)
    }

    fn flush_full(&mut self, force: bool) -> Result<(), IngestError> {
        let n = if force { 1 } else { BATCH_ROWS };
        if self.messages.len() >= n
            && let Some(a) = self.text.clone()
        {
            enrich_messages(&a, &mut self.messages);
        }
        if self.reviews.len() >= n
            && let Some(a) = self.text.clone()
        {
            enrich_reviews(&a, &mut self.reviews);
        }
        if self.surveys.len() >= n
            && let Some(a) = self.text.clone()
        {
            enrich_surveys(&a, &mut self.surveys);
        }
        if self.messages.len() >= n {
            Self::ship(&self.tx, Table::Messages, &mut self.messages)?;
        }
        if self.orders.len() >= n {
            Self::ship(&self.tx, Table::Orders, &mut self.orders)?;
        }
        if self.surveys.len() >= n {
            Self::ship(&self.tx, Table::Surveys, &mut self.surveys)?;
        }
        if self.reviews.len() >= n {
            Self::ship(&self.tx, Table::Reviews, &mut self.reviews)?;
        }
        if self.quarantine.len() >= n {
            Self::ship(&self.tx, Table::Quarantine, &mut self.quarantine)?;
        }
        Ok(())
    }
}

impl Sink for BatchingSink {
    fn accept(&mut self, r: Record) -> Result<(), IngestError> {
        match r {
            Record::Message(m) => {
                if self.is_new(Table::Messages, m.row_key()) {
                    self.touched.message(&m);
                    self.messages.push(m);
                }
            }
            Record::Order(o) => {
                if self.is_new(Table::Orders, o.row_key()) {
                    self.touched.order(&o);
                    self.orders.push(o);
                }
            }
            Record::Survey(s) => {
                if self.is_new(Table::Surveys, s.row_key()) {
                    self.touched.survey(&s);
                    self.surveys.push(s);
                }
            }
            Record::Review(v) => {
                if self.is_new(Table::Reviews, v.row_key()) {
                    self.reviews.push(v);
                }
            }
        }
        self.flush_full(false)
    }

    fn reject(&mut self, q: QuarantineRecord) -> Result<(), IngestError> {
        // The same bad row is counted every time but stored once.
        if self
            .seen
            .entry(Table::Quarantine)
            .or_default()
            .insert(q.row_key())
        {
            self.quarantine.push(q);
        }
        self.flush_full(false)
    }

    fn progress(&mut self, bytes: u64) {
        let _ = self.tx.try_send(Event::Progress(self.bytes_before + bytes));
    }
}

fn failpoint(name: &str) -> bool {
    std::env::var("KEFU_FAILPOINT").is_ok_and(|v| v == name)
}

/// How long a `pause_*` failpoint sleeps: `KEFU_FAILPOINT_SECS` (default 60).
fn pause() -> std::time::Duration {
    let secs = std::env::var("KEFU_FAILPOINT_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(60.0);
    std::time::Duration::from_secs_f64(secs)
}

/// Reads every file and commits what it found, one Delta commit per table.
pub(crate) async fn run(
    store: &Store,
    cfg: &kefu_model::Config,
    jobs: Vec<FileJob>,
    progress: &dyn Progress,
    text: Option<(std::sync::Arc<kefu_text::Analyzer>, String)>,
) -> Result<IngestReport> {
    let ingest_id = format!("ing-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"));
    let mut seen = HashMap::new();
    for t in Table::ALL {
        seen.insert(t, store.row_keys(t.name()).await?);
    }
    let total_bytes: u64 = jobs
        .iter()
        .map(|j| std::fs::metadata(&j.path).map(|m| m.len()).unwrap_or(0))
        .sum();
    progress.start(total_bytes);

    let (analyzer, text_fingerprint) = match text {
        Some((a, f)) => (Some(a), Some(f)),
        None => (None, None),
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Event>(4);
    let id = ingest_id.clone();
    let reader = tokio::task::spawn_blocking(
        move || -> Result<(HashMap<Table, u64>, kefu_analytics::materialize::Touched), IngestError> {
            let mut sink = BatchingSink {
                tx: tx.clone(),
                seen,
                duplicates: HashMap::new(),
                messages: Vec::new(),
                orders: Vec::new(),
                surveys: Vec::new(),
                reviews: Vec::new(),
                quarantine: Vec::new(),
                touched: Default::default(),
                bytes_before: 0,
                text: analyzer,
            };
            for mut job in jobs {
                job.opts.ingest_id = id.clone();
                let summary = kefu_ingest::read_file(&job.path, &job.opts, &mut sink)?;
                sink.bytes_before += std::fs::metadata(&job.path).map(|m| m.len()).unwrap_or(0);
                sink.flush_full(true)?;
                tx.blocking_send(Event::FileDone(summary))
                    .map_err(send_err)?;
            }
            sink.flush_full(true)?;
            Ok((sink.duplicates, sink.touched))
        },
    );

    let mut appenders: BTreeMap<Table, kefu_store::Appender> = BTreeMap::new();
    let mut report = IngestReport {
        ingest_id: ingest_id.clone(),
        ..Default::default()
    };
    while let Some(ev) = rx.recv().await {
        match ev {
            Event::Batch(table, batch) => {
                let app = match appenders.entry(table) {
                    std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(store.appender(table.name()).await?)
                    }
                };
                let before = app.rows();
                app.write(batch).await?;
                if app.rows() / FLUSH_ROWS != before / FLUSH_ROWS {
                    app.flush().await?;
                }
                if failpoint("pause_mid_write") {
                    tokio::time::sleep(pause()).await;
                }
            }
            Event::Progress(b) => progress.bytes(b),
            Event::FileDone(s) => {
                progress.file_done(&s.file);
                report.rows_read += s.rows_read;
                report.quarantined += s.quarantined;
                report.by_file.push(s);
            }
        }
    }
    let (duplicates, touched) = reader.await.context("reader thread")??;
    progress.finish();
    report.files = report.by_file.len();

    if failpoint("pause_before_commit") {
        tokio::time::sleep(pause()).await;
    }
    // Whether the facts reflect the sources as they are now, before our commits: if
    // not (an earlier ingest died between its commits), they are rebuilt below.
    let facts_current = kefu_analytics::materialize::is_current(store).await?;
    // Data tables first, quarantine last; each commit is atomic on its own.
    let mut first = true;
    for (table, app) in appenders {
        let added = app.rows();
        let mut meta = serde_json::Map::new();
        meta.insert("kefu.ingest_id".into(), ingest_id.clone().into());
        meta.insert("kefu.rows".into(), added.into());
        if let Some(f) = &text_fingerprint {
            meta.insert(crate::text::TAXONOMY_KEY.into(), f.clone().into());
        }
        let version = app.commit(meta).await?;
        if first && failpoint("abort_after_first_commit") {
            std::process::abort();
        }
        first = false;
        let o = report.tables.entry(table.name().to_string()).or_default();
        o.added = added;
        o.version = version;
        if table != Table::Quarantine {
            report.ingested += added;
        }
    }
    if failpoint("abort_before_facts") {
        std::process::abort();
    }
    let cfg_of = |shop: &str| cfg.shop(shop).unwrap_or_default();
    report.facts =
        kefu_analytics::materialize::refresh(store, &cfg_of, &touched, facts_current).await?;
    for (table, d) in duplicates {
        if table != Table::Quarantine {
            report
                .tables
                .entry(table.name().to_string())
                .or_default()
                .duplicates = d;
            report.duplicates += d;
        }
    }
    Ok(report)
}
