//! A full rebuild in chunks of whole groups, so memory is bounded by a chunk, not the
//! store.
//!
//! Two scans of the messages, however many chunks: a narrow one plans which chunk
//! every conversation goes to (the chunk of its group, by the rule of
//! [`build_all`](crate::build_all)), and a second routes every row to its chunk's
//! spill file (Arrow IPC, uncompressed, in the data directory). Each chunk then reads
//! only its own rows back, instead of scanning the whole table again.

use super::error::{Result, StoredError};
use crate::naming_rank;
use arrow::array::{Array, RecordBatch, UInt32Array};
use arrow::compute::{concat_batches, take_record_batch};
use arrow::datatypes::SchemaRef;
use arrow::ipc::reader::FileReader;
use arrow::ipc::writer::FileWriter;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use kefu_model::record_batches::{BatchError, Columns, row_key};
use kefu_model::{MessageKind, OrderRecord, Sender, SurveyRecord};
use rustc_hash::FxHashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// A (shop, conversation) pair as one number: 128 bits of xxh3, so a collision among
/// even a billion conversations is as good as impossible (about 1e-21).
pub(crate) fn conversation_key(shop: &str, conversation: &str) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(shop.as_bytes());
    h.update(&[0x1f]);
    h.update(conversation.as_bytes());
    h.digest128()
}

fn bad(e: BatchError) -> StoredError {
    StoredError::Rows(e.to_string())
}

/// The earliest message naming a customer in a conversation, so far in the scan.
struct Naming {
    ts: i64,
    rank: u8,
    message_id: String,
    customer: String,
    /// The chunk of (shop, customer).
    chunk: u32,
}

/// Which chunk of a full rebuild every conversation, order and survey goes to.
pub(crate) struct ChunkPlan {
    chunks: u64,
    conversations: FxHashMap<u128, u32>,
}

impl ChunkPlan {
    /// A group's chunk: hash of its shop and group customer.
    fn chunk_of(&self, shop: &str, group_customer: &str) -> u32 {
        ((row_key(&[shop, group_customer]) as u64) % self.chunks) as u32
    }

    /// One narrow pass over the messages: the group, hence the chunk, of every
    /// conversation.
    pub(crate) async fn scan(ctx: &SessionContext, chunks: u64) -> Result<ChunkPlan> {
        let mut plan = ChunkPlan {
            chunks,
            conversations: FxHashMap::default(),
        };
        // Per conversation: its chunk if no message names a customer (the group is
        // the conversation itself), and the earliest naming message.
        let mut seen: FxHashMap<u128, (u32, Option<Naming>)> = FxHashMap::default();
        let mut stream = ctx
            .sql("SELECT shop_id, conversation_id, customer_id, ts, sender, kind, message_id FROM messages")
            .await?
            .execute_stream()
            .await?;
        while let Some(b) = stream.next().await {
            let b = b?;
            let c = Columns::new(&b);
            let (shop, conv, cust) = (
                c.str("shop_id").map_err(bad)?,
                c.str("conversation_id").map_err(bad)?,
                c.str("customer_id").map_err(bad)?,
            );
            let (ts, sender, kind, mid) = (
                c.ts("ts").map_err(bad)?,
                c.str("sender").map_err(bad)?,
                c.str("kind").map_err(bad)?,
                c.str("message_id").map_err(bad)?,
            );
            for i in 0..b.num_rows() {
                let (s, cv) = (shop.value(i), conv.value(i));
                let e = seen
                    .entry(conversation_key(s, cv))
                    .or_insert_with(|| (plan.chunk_of(s, cv), None));
                if cust.is_null(i) {
                    continue;
                }
                let sender: Sender = sender
                    .value(i)
                    .parse()
                    .map_err(|e: String| StoredError::Rows(format!("sender: {e}")))?;
                let here = (
                    ts.value(i),
                    naming_rank(sender, &MessageKind::parse(kind.value(i))),
                    mid.value(i),
                    cust.value(i),
                );
                let earlier = e.1.as_ref().is_some_and(|n| {
                    (n.ts, n.rank, n.message_id.as_str(), n.customer.as_str()) <= here
                });
                if !earlier {
                    e.1 = Some(Naming {
                        ts: here.0,
                        rank: here.1,
                        message_id: here.2.to_string(),
                        customer: here.3.to_string(),
                        chunk: plan.chunk_of(s, here.3),
                    });
                }
            }
        }
        plan.conversations = seen
            .into_iter()
            .map(|(k, (unnamed, n))| (k, n.map_or(unnamed, |n| n.chunk)))
            .collect();
        Ok(plan)
    }

    /// Orders go with their customer's group (`None`: no customer, never used).
    pub(crate) fn order_chunk(&self, o: &OrderRecord) -> Option<u32> {
        o.customer_id
            .as_deref()
            .map(|c| self.chunk_of(&o.shop_id, c))
    }

    /// Surveys go with their conversation's group when the store has it, else with
    /// their customer's (as [`build_all`](crate::build_all) matches them).
    pub(crate) fn survey_chunk(&self, s: &SurveyRecord) -> Option<u32> {
        let by_conv = s.conversation_id.as_deref().and_then(|c| {
            self.conversations
                .get(&conversation_key(&s.shop_id, c))
                .copied()
        });
        by_conv.or_else(|| {
            s.customer_id
                .as_deref()
                .map(|c| self.chunk_of(&s.shop_id, c))
        })
    }

    /// One scan of `sql` (messages, every column the facts read) writing each row to
    /// its chunk's spill file under `dir`.
    pub(crate) async fn route(
        &self,
        ctx: &SessionContext,
        sql: &str,
        dir: &Path,
    ) -> Result<ChunkFiles> {
        let files = ChunkFiles::create(dir, self.chunks)?;
        let mut stream = ctx.sql(sql).await?.execute_stream().await?;
        let schema: SchemaRef = stream.schema();
        let mut out: Vec<ChunkSink> = Vec::with_capacity(self.chunks as usize);
        for p in &files.paths {
            out.push(ChunkSink::create(p, &schema)?);
        }
        // Rows gathered per chunk before a write: few large IPC batches read back
        // faster than many small ones, and a few hundred MB at most wait here.
        let flush_at = (2_000_000 / self.chunks as usize).clamp(8_192, 65_536);
        let mut rows_of: Vec<Vec<u32>> = vec![Vec::new(); self.chunks as usize];
        while let Some(b) = stream.next().await {
            let b = b?;
            let c = Columns::new(&b);
            let (shop, conv) = (
                c.str("shop_id").map_err(bad)?,
                c.str("conversation_id").map_err(bad)?,
            );
            for i in 0..b.num_rows() {
                let k = self
                    .conversations
                    .get(&conversation_key(shop.value(i), conv.value(i)))
                    .ok_or_else(|| {
                        StoredError::Rows(format!(
                            "conversation {} of shop {} appeared between two scans of one snapshot",
                            conv.value(i),
                            shop.value(i)
                        ))
                    })?;
                rows_of[*k as usize].push(i as u32);
            }
            for (sink, rows) in out.iter_mut().zip(rows_of.iter_mut()) {
                if rows.is_empty() {
                    continue;
                }
                let idx = UInt32Array::from(std::mem::take(rows));
                sink.push(take_record_batch(&b, &idx)?, flush_at)?;
            }
        }
        for sink in out {
            sink.finish()?;
        }
        Ok(files)
    }
}

/// One chunk's spill file being written: small routed batches gathered, then written.
struct ChunkSink {
    writer: FileWriter<BufWriter<File>>,
    pending: Vec<RecordBatch>,
    rows: usize,
}

impl ChunkSink {
    fn create(path: &Path, schema: &SchemaRef) -> Result<ChunkSink> {
        let f = File::create(path).map_err(|e| io(path, e))?;
        Ok(ChunkSink {
            writer: FileWriter::try_new(BufWriter::with_capacity(1 << 20, f), schema)?,
            pending: Vec::new(),
            rows: 0,
        })
    }

    fn push(&mut self, b: RecordBatch, flush_at: usize) -> Result<()> {
        self.rows += b.num_rows();
        self.pending.push(b);
        if self.rows >= flush_at {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if let Some(first) = self.pending.first() {
            let b = concat_batches(&first.schema(), &self.pending)?;
            self.writer.write(&b)?;
        }
        self.pending.clear();
        self.rows = 0;
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.flush()?;
        self.writer.finish()?;
        Ok(())
    }
}

fn io(path: &Path, e: std::io::Error) -> StoredError {
    StoredError::Rows(format!("{}: {e}", path.display()))
}

/// The spill files of one rebuild, a directory removed when this is dropped (also on
/// an error). A killed process leaves it behind: [`ChunkFiles::create`] clears ones a
/// day old.
pub(crate) struct ChunkFiles {
    dir: PathBuf,
    paths: Vec<PathBuf>,
}

impl ChunkFiles {
    fn create(dir: &Path, chunks: u64) -> Result<ChunkFiles> {
        if let Some(parent) = dir.parent() {
            clear_stale(parent);
        }
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        Ok(ChunkFiles {
            dir: dir.to_path_buf(),
            paths: (0..chunks)
                .map(|k| dir.join(format!("chunk-{k}.arrow")))
                .collect(),
        })
    }

    pub(crate) fn path(&self, chunk: u64) -> PathBuf {
        self.paths[chunk as usize].clone()
    }

    /// The rows of one chunk, batch by batch.
    pub(crate) fn read(path: &Path) -> Result<impl Iterator<Item = Result<RecordBatch>>> {
        let f = File::open(path).map_err(|e| io(path, e))?;
        let reader = FileReader::try_new(std::io::BufReader::with_capacity(1 << 20, f), None)?;
        Ok(reader.map(|b| b.map_err(StoredError::from)))
    }
}

impl Drop for ChunkFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Spill directories of rebuilds that died (older than a day: never a live one).
fn clear_stale(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let day = std::time::Duration::from_secs(86_400);
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if old && e.file_name().to_string_lossy().starts_with(SPILL_PREFIX) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Spill directories are named `facts-rebuild-<pid>-<nanos>` under `<data>/tmp`.
pub(crate) const SPILL_PREFIX: &str = "facts-rebuild-";
