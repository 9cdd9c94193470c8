//! CSV/TSV, JSON lines and Excel: rows with a header, read through a [`Mapping`].
//!
//! CSV is streamed: one row in memory at a time (plus rows waiting for
//! sessionisation), so a multi-GB export needs no more memory than a small one.

use crate::decode::{self, Detected};
use crate::mapping::{self, Mapping, Resolved};
use crate::parse::{self, RowContext};
use crate::session::Sessioniser;
use crate::{Format, IngestError, IngestOptions, Record, Sink};
use calamine::{Data, Reader};
use kefu_model::Table;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// Returns the encoding used and the number of data rows read.
pub fn read(
    path: &Path,
    file: &str,
    prefix: &[u8],
    format: Format,
    opts: &IngestOptions,
    sink: &mut dyn Sink,
) -> Result<(String, u64), IngestError> {
    let mut rows = RowHandler::new(file, opts);
    let enc = match format {
        Format::Excel => {
            read_excel(path, file, opts, &mut rows, sink)?;
            "xlsx".to_string()
        }
        Format::Jsonl => {
            let enc = read_jsonl(path, file, prefix, opts, &mut rows, sink)?;
            enc.to_string()
        }
        _ => read_csv(path, file, prefix, opts, &mut rows, sink)?.to_string(),
    };
    rows.finish(sink)?;
    Ok((enc, rows.rows_read))
}

/// Turns rows into records, whatever the container.
struct RowHandler<'a> {
    file: &'a str,
    opts: &'a IngestOptions,
    resolved: Option<Resolved>,
    sessions: Sessioniser,
    rows_read: u64,
    tz_of: Box<dyn Fn(&str) -> chrono_tz::Tz + 'a>,
}

impl<'a> RowHandler<'a> {
    fn new(file: &'a str, opts: &'a IngestOptions) -> Self {
        RowHandler {
            file,
            opts,
            resolved: None,
            sessions: Sessioniser::new(opts.session_gap_secs),
            rows_read: 0,
            tz_of: Box::new(move |shop: &str| opts.tz_of(shop)),
        }
    }

    /// Chooses the mapping for a header: the user's, the `--table` canonical one, or
    /// the canonical table the header names.
    fn mapping_for(&self, header: &[String]) -> Result<Mapping, IngestError> {
        if let Some(m) = &self.opts.mapping {
            return Ok(m.clone());
        }
        let table = self
            .opts
            .table
            .or_else(|| mapping::sniff_canonical(header))
            .ok_or_else(|| IngestError::Format {
                file: self.file.to_string(),
                reason: format!(
                    "cannot tell which table this header is for: {} \
                     (use --table, a preset such as --format feige, or --mapping FILE; \
                     `kefu ingest --suggest-mapping FILE` drafts one)",
                    header.join(",")
                ),
            })?;
        Ok(Mapping::canonical(table))
    }

    fn set_header(&mut self, header: &[String]) -> Result<(), IngestError> {
        let m = self.mapping_for(header)?;
        let r = m.resolve(header).map_err(|source| IngestError::Mapping {
            file: self.file.to_string(),
            source,
        })?;
        self.resolved = Some(r);
        Ok(())
    }

    fn table(&self) -> Table {
        self.resolved
            .as_ref()
            .map(|r| r.table())
            .unwrap_or(Table::Messages)
    }

    fn reject(
        &self,
        sink: &mut dyn Sink,
        row: u64,
        reason: &str,
        raw: String,
    ) -> Result<(), IngestError> {
        sink.reject(
            self.opts
                .quarantine(self.file, row, self.table(), reason, raw),
        )
    }

    fn row(
        &mut self,
        sink: &mut dyn Sink,
        row_no: u64,
        fields: &[String],
    ) -> Result<(), IngestError> {
        let Some(r) = &self.resolved else {
            return Ok(());
        };
        let get = |f: &str| r.get(fields, f);
        let platform = self.opts.platform.as_deref().unwrap_or("unknown");
        let cx = RowContext {
            file: self.file,
            row: row_no,
            default_shop: &self.opts.shop,
            default_platform: platform,
            tz_of: &*self.tz_of,
            ts_spec: &r.mapping.timestamp,
        };
        let result = match r.table() {
            Table::Messages => parse::message(&get, &cx).map(Record::Message),
            Table::Orders => parse::order(&get, &cx).map(Record::Order),
            Table::Surveys => parse::survey(&get, &cx).map(Record::Survey),
            Table::Reviews => parse::review(&get, &cx).map(Record::Review),
            Table::Quarantine => Err("the quarantine table cannot be ingested".into()),
        };
        match result {
            Ok(Record::Message(m)) if m.conversation_id.is_empty() => {
                self.sessions.push(m);
                Ok(())
            }
            Ok(rec) => sink.accept(rec),
            Err(reason) => {
                let raw = fields.join(",");
                self.reject(sink, row_no, &reason, raw)
            }
        }
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> Result<(), IngestError> {
        for m in self.sessions.drain() {
            sink.accept(Record::Message(m))?;
        }
        Ok(())
    }
}

/// The most frequent of comma, tab and semicolon in the header line.
fn sniff_delimiter(prefix: &[u8]) -> u8 {
    let line_end = prefix
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(prefix.len());
    let line = &prefix[..line_end];
    [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|d| line.iter().filter(|b| *b == d).count())
        .unwrap_or(b',')
}

fn read_csv(
    path: &Path,
    file: &str,
    prefix: &[u8],
    _opts: &IngestOptions,
    rows: &mut RowHandler,
    sink: &mut dyn Sink,
) -> Result<&'static str, IngestError> {
    let io = |source| IngestError::Io {
        file: file.to_string(),
        source,
    };
    let detected = decode::detect(prefix);
    let f = std::fs::File::open(path).map_err(io)?;
    // Files with a BOM are transcoded as a stream; the rest are decoded per field.
    let (reader, field_enc): (Box<dyn Read>, &'static encoding_rs::Encoding) = match detected {
        Detected::Bom(enc) => (
            Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(enc))
                    .build(std::io::BufReader::with_capacity(1 << 20, f)),
            ),
            encoding_rs::UTF_8,
        ),
        Detected::Plain(enc) => (Box::new(std::io::BufReader::with_capacity(1 << 20, f)), enc),
    };
    let delimiter = match detected {
        Detected::Plain(e) if e == encoding_rs::UTF_8 || e == encoding_rs::GB18030 => {
            sniff_delimiter(prefix)
        }
        // For a BOM file sniff on the decoded header instead: ASCII delimiters are
        // the same bytes in UTF-8 and GB18030 but not in UTF-16.
        _ => sniff_delimiter(&decode_lossy_prefix(detected, prefix)),
    };
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let mut header: Option<Vec<String>> = None;
    let mut row_no = 0u64;
    let mut fields: Vec<String> = Vec::new();
    loop {
        let more = match csv.read_byte_record(&mut record) {
            Ok(m) => m,
            Err(e) => {
                // A broken quote or similar: quarantine what we know and stop this
                // file; the rows before it are kept.
                row_no += 1;
                rows.rows_read += 1;
                rows.reject(sink, row_no, &format!("unreadable CSV: {e}"), String::new())?;
                break;
            }
        };
        if !more {
            break;
        }
        let decoded: Option<Vec<String>> = record
            .iter()
            .map(|b| decode::decode_field(field_enc, b))
            .collect();
        if header.is_none() {
            let h = decoded.ok_or_else(|| IngestError::Format {
                file: file.to_string(),
                reason: format!("the header is not valid {}", field_enc.name()),
            })?;
            if h.iter().all(|s| s.trim().is_empty()) {
                continue;
            }
            rows.set_header(&h)?;
            header = Some(h);
            continue;
        }
        row_no += 1;
        rows.rows_read += 1;
        if row_no.is_multiple_of(4096) {
            sink.progress(csv.position().byte());
        }
        let n_header = header.as_ref().map(Vec::len).unwrap_or(0);
        match decoded {
            None => {
                let raw: Vec<String> = record
                    .iter()
                    .map(|b| decode::decode_lossy(field_enc, b))
                    .collect();
                rows.reject(
                    sink,
                    row_no,
                    &format!("broken encoding (not valid {})", field_enc.name()),
                    raw.join(","),
                )?;
            }
            Some(v) if v.len() == 1 && v[0].trim().is_empty() => {
                // A blank line: not a row.
                row_no -= 1;
                rows.rows_read -= 1;
            }
            Some(v)
                if v.len() < n_header
                    || v[n_header.min(v.len())..]
                        .iter()
                        .any(|s| !s.trim().is_empty()) =>
            {
                let reason = format!("row has {} fields, the header has {}", v.len(), n_header);
                rows.reject(sink, row_no, &reason, v.join(","))?;
            }
            Some(v) => {
                fields.clear();
                fields.extend(v);
                rows.row(sink, row_no, &fields)?;
            }
        }
    }
    if header.is_none() {
        return Err(IngestError::Format {
            file: file.to_string(),
            reason: "empty file: no header".into(),
        });
    }
    Ok(detected.name())
}

fn decode_lossy_prefix(d: Detected, prefix: &[u8]) -> Vec<u8> {
    let enc = match d {
        Detected::Bom(e) | Detected::Plain(e) => e,
    };
    enc.decode(prefix).0.into_owned().into_bytes()
}

fn json_value_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn read_jsonl(
    path: &Path,
    file: &str,
    prefix: &[u8],
    opts: &IngestOptions,
    rows: &mut RowHandler,
    sink: &mut dyn Sink,
) -> Result<&'static str, IngestError> {
    use std::io::BufRead;
    let io = |source| IngestError::Io {
        file: file.to_string(),
        source,
    };
    let detected = decode::detect(prefix);
    let f = std::fs::File::open(path).map_err(io)?;
    let reader = std::io::BufReader::new(
        encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(match detected {
                Detected::Bom(e) | Detected::Plain(e) => e,
            }))
            .build(f),
    );
    // Resolutions are cached per key set: most files have one.
    let mut resolutions: HashMap<Vec<String>, Resolved> = HashMap::new();
    let mut row_no = 0u64;
    for line in reader.lines() {
        let line = line.map_err(io)?;
        if line.trim().is_empty() {
            continue;
        }
        row_no += 1;
        rows.rows_read += 1;
        let obj = match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&line) {
            Ok(o) => o,
            Err(e) => {
                let table = rows.opts.table.unwrap_or(Table::Messages);
                sink.reject(opts.quarantine(
                    file,
                    row_no,
                    table,
                    &format!("bad JSON: {e}"),
                    line.clone(),
                ))?;
                continue;
            }
        };
        let header: Vec<String> = obj.keys().cloned().collect();
        let values: Vec<String> = obj
            .values()
            .map(|v| json_value_string(v).unwrap_or_default())
            .collect();
        if !resolutions.contains_key(&header) {
            match rows.mapping_for(&header).and_then(|m| {
                m.resolve(&header).map_err(|source| IngestError::Mapping {
                    file: file.to_string(),
                    source,
                })
            }) {
                Ok(r) => {
                    resolutions.insert(header.clone(), r);
                }
                Err(e) => {
                    let table = rows.opts.table.unwrap_or(Table::Messages);
                    sink.reject(opts.quarantine(
                        file,
                        row_no,
                        table,
                        &e.to_string(),
                        line.clone(),
                    ))?;
                    continue;
                }
            }
        }
        rows.resolved = resolutions.get(&header).cloned();
        rows.row(sink, row_no, &values)?;
    }
    Ok(detected.name())
}

fn cell_string(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| d.to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#ERR {e:?}"),
    }
}

fn read_excel(
    path: &Path,
    file: &str,
    opts: &IngestOptions,
    rows: &mut RowHandler,
    sink: &mut dyn Sink,
) -> Result<(), IngestError> {
    let fmt = |reason: String| IngestError::Format {
        file: file.to_string(),
        reason,
    };
    let mut wb = calamine::open_workbook_auto(path)
        .map_err(|e| fmt(format!("cannot open workbook: {e}")))?;
    let sheet = match opts.mapping.as_ref().and_then(|m| m.sheet.clone()) {
        Some(s) => s,
        None => wb
            .sheet_names()
            .first()
            .cloned()
            .ok_or_else(|| fmt("the workbook has no sheets".into()))?,
    };
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|e| fmt(format!("sheet '{sheet}': {e}")))?;
    let mut have_header = false;
    let mut row_no = 0u64;
    for r in range.rows() {
        let cells: Vec<String> = r.iter().map(cell_string).collect();
        if !have_header {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            rows.set_header(&cells)?;
            have_header = true;
            continue;
        }
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        row_no += 1;
        rows.rows_read += 1;
        rows.row(sink, row_no, &cells)?;
    }
    if !have_header {
        return Err(fmt(format!("sheet '{sheet}' is empty")));
    }
    Ok(())
}

/// The first non-empty row of a CSV or Excel file.
pub fn header(
    path: &Path,
    file: &str,
    prefix: &[u8],
    format: Format,
) -> Result<Vec<String>, IngestError> {
    let fmt = |reason: String| IngestError::Format {
        file: file.to_string(),
        reason,
    };
    if format == Format::Excel {
        let mut wb = calamine::open_workbook_auto(path)
            .map_err(|e| fmt(format!("cannot open workbook: {e}")))?;
        let sheet = wb
            .sheet_names()
            .first()
            .cloned()
            .ok_or_else(|| fmt("no sheets".into()))?;
        let range = wb.worksheet_range(&sheet).map_err(|e| fmt(e.to_string()))?;
        return range
            .rows()
            .map(|r| r.iter().map(cell_string).collect::<Vec<_>>())
            .find(|r| r.iter().any(|c| !c.trim().is_empty()))
            .ok_or_else(|| fmt("empty sheet".into()));
    }
    let detected = decode::detect(prefix);
    let text = match detected {
        Detected::Bom(e) => e.decode(prefix).0.into_owned(),
        Detected::Plain(e) => e.decode_without_bom_handling(prefix).0.into_owned(),
    };
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(text.as_bytes()))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    for rec in csv.records() {
        let rec = rec.map_err(|e| fmt(e.to_string()))?;
        let row: Vec<String> = rec
            .iter()
            .map(|s| s.trim_start_matches('\u{feff}').to_string())
            .collect();
        if row.iter().any(|c| !c.trim().is_empty()) {
            return Ok(row);
        }
    }
    Err(fmt("no header row".into()))
}
