//! Readers for every source a shop has, turning files into canonical records.
//!
//! A reader never writes anywhere: it hands each record or quarantined row to a
//! [`Sink`], so the store decides batching and commits, and a reader can be tested
//! with a `Vec`. Invariants: every input row ends up either accepted or quarantined
//! with file, row and reason (counts add up); nothing here holds more than one file's
//! rows without a conversation id (those wait for sessionisation).

pub mod decode;
pub mod email;
mod excel;
pub mod limits;
pub mod mapping;
pub mod normalize;
pub mod parse;
pub mod session;
pub mod tabular;
pub mod twcs;

use chrono::Utc;
use chrono_tz::Tz;
use kefu_model::{MessageRecord, OrderRecord, QuarantineRecord, ReviewRecord, SurveyRecord, Table};
pub use limits::IngestLimits;
use mapping::{Mapping, MappingError};
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {source}")]
    Mapping { file: String, source: MappingError },
    #[error("{file}: {reason}")]
    Format { file: String, reason: String },
    #[error("writing: {0}")]
    Sink(String),
}

/// A row that became a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Message(MessageRecord),
    Order(OrderRecord),
    Survey(SurveyRecord),
    Review(ReviewRecord),
}

impl Record {
    pub fn table(&self) -> Table {
        match self {
            Record::Message(_) => Table::Messages,
            Record::Order(_) => Table::Orders,
            Record::Survey(_) => Table::Surveys,
            Record::Review(_) => Table::Reviews,
        }
    }
}

/// Where readers put what they read.
pub trait Sink {
    fn accept(&mut self, r: Record) -> Result<(), IngestError>;
    fn reject(&mut self, q: QuarantineRecord) -> Result<(), IngestError>;
    /// Bytes of the current file read so far, for progress display.
    fn progress(&mut self, _bytes: u64) {}
}

/// A sink that keeps everything in memory (tests, small tools).
#[derive(Debug, Default)]
pub struct VecSink {
    pub records: Vec<Record>,
    pub quarantined: Vec<QuarantineRecord>,
}

impl Sink for VecSink {
    fn accept(&mut self, r: Record) -> Result<(), IngestError> {
        self.records.push(r);
        Ok(())
    }
    fn reject(&mut self, q: QuarantineRecord) -> Result<(), IngestError> {
        self.quarantined.push(q);
        Ok(())
    }
}

/// Source layouts kefu reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Canonical layouts as CSV/TSV (table from `--table` or the header).
    KefuCsv,
    /// Canonical layouts as JSON lines.
    Jsonl,
    /// Excel workbook (.xlsx, .xls): canonical header or a mapping.
    Excel,
    /// Kaggle "Customer Support on Twitter".
    Twcs,
    /// One e-mail per file.
    Eml,
    /// A mailbox of e-mails.
    Mbox,
}

impl Format {
    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::KefuCsv => "kefu-csv",
            Format::Jsonl => "jsonl",
            Format::Excel => "xlsx",
            Format::Twcs => "twcs",
            Format::Eml => "eml",
            Format::Mbox => "mbox",
        }
    }

    pub fn parse(s: &str) -> Result<Format, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "kefu-csv" | "csv" | "tsv" => Format::KefuCsv,
            "jsonl" | "ndjson" | "json" => Format::Jsonl,
            "xlsx" | "xls" | "excel" => Format::Excel,
            "twcs" | "twitter" => Format::Twcs,
            "eml" | "email" => Format::Eml,
            "mbox" => Format::Mbox,
            other => {
                return Err(format!(
                    "unknown format '{other}' (kefu-csv, jsonl, xlsx, twcs, eml, mbox; presets: {})",
                    Mapping::preset_names().join(", ")
                ));
            }
        })
    }

    /// Picks a format from the file name, then from its first bytes.
    pub fn detect(path: &Path, prefix: &[u8]) -> Format {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "xlsx" | "xls" | "xlsm" | "xlsb" | "ods" => return Format::Excel,
            "jsonl" | "ndjson" | "json" => return Format::Jsonl,
            "eml" => return Format::Eml,
            "mbox" => return Format::Mbox,
            _ => {}
        }
        if prefix.starts_with(b"From ") {
            return Format::Mbox;
        }
        let head = String::from_utf8_lossy(&prefix[..prefix.len().min(512)]).to_lowercase();
        if head.contains("tweet_id") && head.contains("inbound") {
            return Format::Twcs;
        }
        if head.trim_start().starts_with('{') {
            return Format::Jsonl;
        }
        Format::KefuCsv
    }
}

/// What an ingest is told about its files.
#[derive(Clone)]
pub struct IngestOptions {
    pub format: Option<Format>,
    pub table: Option<Table>,
    pub mapping: Option<Mapping>,
    /// Shop of rows that name none.
    pub shop: String,
    /// Platform of rows that name none.
    pub platform: Option<String>,
    /// Timezone of each configured shop, and for every other shop.
    pub shop_tz: HashMap<String, Tz>,
    pub default_tz: Tz,
    /// `--tz`: overrides every shop's timezone for this ingest.
    pub tz_override: Option<Tz>,
    pub session_gap_secs: i64,
    /// Addresses of the shop's mailboxes: mail from them is the agent side.
    pub agent_addresses: Vec<String>,
    pub ingest_id: String,
    /// Caps on fields, rows, workbooks and e-mails (defaults in [`limits`]).
    pub limits: IngestLimits,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            format: None,
            table: None,
            mapping: None,
            shop: "default".into(),
            platform: None,
            shop_tz: HashMap::new(),
            default_tz: chrono_tz::Asia::Shanghai,
            tz_override: None,
            session_gap_secs: 1800,
            agent_addresses: Vec::new(),
            ingest_id: String::new(),
            limits: IngestLimits::default(),
        }
    }
}

impl IngestOptions {
    pub fn tz_of(&self, shop: &str) -> Tz {
        self.tz_override
            .or_else(|| self.shop_tz.get(shop).copied())
            .unwrap_or(self.default_tz)
    }

    pub(crate) fn quarantine(
        &self,
        file: &str,
        row: u64,
        table: Table,
        reason: &str,
        raw: String,
    ) -> QuarantineRecord {
        QuarantineRecord {
            ingest_id: self.ingest_id.clone(),
            ingested_at: Utc::now(),
            source_file: file.to_string(),
            source_row: row,
            table: table.name().to_string(),
            reason: reason.to_string(),
            raw,
        }
    }
}

/// What one file gave.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct FileSummary {
    pub file: String,
    pub format: String,
    pub encoding: String,
    pub rows_read: u64,
    pub accepted: u64,
    pub quarantined: u64,
}

/// Counts what passes through to another sink.
pub(crate) struct Counting<'a> {
    pub inner: &'a mut dyn Sink,
    pub accepted: u64,
    pub quarantined: u64,
}

impl Sink for Counting<'_> {
    fn accept(&mut self, r: Record) -> Result<(), IngestError> {
        self.accepted += 1;
        self.inner.accept(r)
    }
    fn reject(&mut self, q: QuarantineRecord) -> Result<(), IngestError> {
        self.quarantined += 1;
        self.inner.reject(q)
    }
    fn progress(&mut self, bytes: u64) {
        self.inner.progress(bytes)
    }
}

/// Reads one file into the sink.
pub fn read_file(
    path: &Path,
    opts: &IngestOptions,
    sink: &mut dyn Sink,
) -> Result<FileSummary, IngestError> {
    let file = path.display().to_string();
    let io = |source| IngestError::Io {
        file: file.clone(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let prefix = decode::read_prefix(&mut f, 64 * 1024).map_err(io)?;
    drop(f);
    let format = opts.format.unwrap_or_else(|| Format::detect(path, &prefix));
    let mut counting = Counting {
        inner: sink,
        accepted: 0,
        quarantined: 0,
    };
    let (format_name, encoding, rows_read) = match format {
        Format::KefuCsv | Format::Jsonl | Format::Excel => {
            let (enc, rows) = tabular::read(path, &file, &prefix, format, opts, &mut counting)?;
            let name = match &opts.mapping {
                Some(m) => format!("mapping:{}", m.name),
                None => format.name().to_string(),
            };
            (name, enc, rows)
        }
        Format::Twcs => {
            let rows = twcs::read(path, &file, &prefix, opts, &mut counting)?;
            ("twcs".to_string(), "UTF-8".to_string(), rows)
        }
        Format::Eml | Format::Mbox => {
            let rows = email::read(path, &file, format == Format::Mbox, opts, &mut counting)?;
            (
                format!("{format:?}").to_lowercase(),
                "MIME".to_string(),
                rows,
            )
        }
    };
    Ok(FileSummary {
        file,
        format: format_name,
        encoding,
        rows_read,
        accepted: counting.accepted,
        quarantined: counting.quarantined,
    })
}

/// The header of a tabular file (CSV in any supported encoding, or Excel), for
/// `--suggest-mapping`.
pub fn read_header(path: &Path) -> Result<Vec<String>, IngestError> {
    let file = path.display().to_string();
    let mut f = std::fs::File::open(path).map_err(|source| IngestError::Io {
        file: file.clone(),
        source,
    })?;
    let prefix = decode::read_prefix(&mut f, 64 * 1024).map_err(|source| IngestError::Io {
        file: file.clone(),
        source,
    })?;
    tabular::header(path, &file, &prefix, Format::detect(path, &prefix))
}
