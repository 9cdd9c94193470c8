//! CSV/TSV, JSON lines and Excel: rows with a header, read through a [`Mapping`].
//!
//! CSV is streamed: one row in memory at a time (plus rows waiting for
//! sessionisation), so a multi-GB export needs no more memory than a small one. A
//! record is never held beyond [`IngestLimits::max_row_bytes`]: a longer one (a stray
//! quote swallowing the rest of the file, a hostile field) is skipped to its end and
//! quarantined. Files without a byte-order mark are decoded row by row
//! ([`decode::decode_row`]).

use crate::decode::{self, Detected, RowEncodings};
use crate::limits::IngestLimits;
use crate::mapping::{self, Mapping, Resolved};
use crate::parse::{self, RowContext};
use crate::session::Sessioniser;
use crate::{Format, IngestError, IngestOptions, Record, Sink, excel};
use kefu_model::Table;
use std::collections::HashMap;
use std::io::{self, BufRead};
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
            excel::read(path, file, opts, &mut rows, sink)?;
            "xlsx".to_string()
        }
        Format::Jsonl => read_jsonl(path, file, prefix, opts, &mut rows, sink)?,
        _ => read_csv(path, file, prefix, opts, &mut rows, sink)?,
    };
    rows.finish(sink)?;
    Ok((enc, rows.rows_read))
}

/// Turns rows into records, whatever the container.
pub(crate) struct RowHandler<'a> {
    file: &'a str,
    opts: &'a IngestOptions,
    resolved: Option<Resolved>,
    sessions: Sessioniser,
    pub(crate) rows_read: u64,
    tz_of: Box<dyn Fn(&str) -> chrono_tz::Tz + 'a>,
}

impl<'a> RowHandler<'a> {
    pub(crate) fn new(file: &'a str, opts: &'a IngestOptions) -> Self {
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

    /// Binds the mapping to the file's header: every column the mapping names must
    /// be there (see [`Mapping::resolve`]).
    pub(crate) fn set_header(&mut self, header: &[String]) -> Result<(), IngestError> {
        let max = self.opts.limits.max_field_bytes;
        if let Some(h) = header.iter().find(|h| h.len() > max) {
            return Err(IngestError::Format {
                file: self.file.to_string(),
                reason: format!(
                    "the header has a field over {max} bytes ({} bytes): not a header row",
                    h.len()
                ),
            });
        }
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
            .or(self.opts.mapping.as_ref().map(|m| m.table))
            .or(self.opts.table)
            .unwrap_or(Table::Messages)
    }

    pub(crate) fn reject(
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

    /// One data row. A field over [`IngestLimits::max_field_bytes`] quarantines the
    /// row before anything else looks at it.
    pub(crate) fn row(
        &mut self,
        sink: &mut dyn Sink,
        row_no: u64,
        fields: &[String],
    ) -> Result<(), IngestError> {
        let Some(r) = &self.resolved else {
            return Ok(());
        };
        let max = self.opts.limits.max_field_bytes;
        if let Some((i, f)) = fields.iter().enumerate().find(|(_, f)| f.len() > max) {
            let column = r.column_name(i).unwrap_or("");
            let reason = format!(
                "field over {max} bytes (column {} '{column}': {} bytes)",
                i + 1,
                f.len()
            );
            let raw = shorten_fields(fields.iter().map(String::as_str));
            return self.reject(sink, row_no, &reason, raw);
        }
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
                let raw = raw_row(fields);
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

/// A rejected row's text for quarantine: the fields joined, cut down as
/// [`shorten_fields`] does when that is over 64 KiB.
pub(crate) fn raw_row(fields: &[String]) -> String {
    let len: usize = fields.iter().map(|f| f.len() + 1).sum();
    if len <= 64 * 1024 {
        fields.join(",")
    } else {
        shorten_fields(fields.iter().map(String::as_str))
    }
}

/// The text of an oversized row for quarantine: each field cut to 256 bytes, the
/// whole to about 4 KiB, with what was cut said.
pub(crate) fn shorten_fields<'s>(fields: impl Iterator<Item = &'s str>) -> String {
    const FIELD: usize = 256;
    const TOTAL: usize = 4096;
    let mut out = String::new();
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if out.len() > TOTAL {
            out.push('…');
            break;
        }
        if f.len() <= FIELD {
            out.push_str(f);
        } else {
            let mut cut = FIELD;
            while !f.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&f[..cut]);
            out.push_str(&format!("…[{} bytes]", f.len()));
        }
    }
    out
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

/// What [`CsvRecords::next`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CsvRecord {
    /// A record, its fields in [`CsvRecords::fields`].
    Whole,
    /// A record over the size or field-count cap: skipped to its end, its first
    /// fields in [`CsvRecords::fields`].
    TooBig {
        bytes: u64,
        fields: usize,
        longest_field: u64,
    },
    End,
}

/// CSV records straight from `csv_core`, so that no record grows past a cap: past
/// it the parser keeps going over a scratch buffer to the record's end.
pub(crate) struct CsvRecords<R> {
    core: csv_core::Reader,
    src: R,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Where a record past a cap is parsed to its end (allocated on first use).
    scratch: Vec<u8>,
    scratch_ends: Vec<usize>,
    nfields: usize,
    consumed: u64,
    max_bytes: usize,
    max_fields: usize,
}

impl<R: BufRead> CsvRecords<R> {
    pub(crate) fn new(src: R, delimiter: u8, max_bytes: usize, max_fields: usize) -> Self {
        CsvRecords {
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            src,
            out: vec![0; 4096.min(max_bytes.max(1))],
            ends: vec![0; 64.min(max_fields.max(1))],
            scratch: Vec::new(),
            scratch_ends: Vec::new(),
            nfields: 0,
            consumed: 0,
            max_bytes: max_bytes.max(1),
            max_fields: max_fields.max(1),
        }
    }

    /// Bytes of input read so far.
    pub(crate) fn position(&self) -> u64 {
        self.consumed
    }

    /// The fields of the last record (for a [`CsvRecord::TooBig`], those read in
    /// full before the cap).
    pub(crate) fn fields(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends[..self.nfields].iter().map(move |&end| {
            let f = &self.out[start..end];
            start = end;
            f
        })
    }

    pub(crate) fn next(&mut self) -> io::Result<CsvRecord> {
        let CsvRecords {
            core,
            src,
            out,
            ends,
            scratch,
            scratch_ends,
            nfields,
            consumed,
            max_bytes,
            max_fields,
        } = self;
        let (mut outlen, mut endlen) = (0usize, 0usize);
        let mut over = false;
        let (mut total, mut count, mut last_end, mut longest) = (0u64, 0usize, 0usize, 0u64);
        *nfields = 0;
        loop {
            let input = match src.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let (res, nin, nout, nend) = if over {
                if scratch.is_empty() {
                    scratch.resize(8192, 0);
                    scratch_ends.resize(256, 0);
                }
                core.read_record(input, scratch, scratch_ends)
            } else {
                core.read_record(input, &mut out[outlen..], &mut ends[endlen..])
            };
            src.consume(nin);
            *consumed += nin as u64;
            let new_ends = if over {
                &scratch_ends[..nend]
            } else {
                &ends[endlen..endlen + nend]
            };
            for &e in new_ends {
                longest = longest.max(e.saturating_sub(last_end) as u64);
                last_end = e;
            }
            total += nout as u64;
            count += nend;
            if !over {
                outlen += nout;
                endlen += nend;
            }
            use csv_core::ReadRecordResult as R;
            match res {
                R::InputEmpty => {}
                R::OutputFull if !over => {
                    if out.len() >= *max_bytes {
                        over = true;
                    } else {
                        let n = (out.len() * 2).min(*max_bytes);
                        out.resize(n, 0);
                    }
                }
                R::OutputEndsFull if !over => {
                    if ends.len() >= *max_fields {
                        over = true;
                    } else {
                        let n = (ends.len() * 2).min(*max_fields);
                        ends.resize(n, 0);
                    }
                }
                R::OutputFull | R::OutputEndsFull => {}
                R::Record => {
                    *nfields = endlen;
                    if over {
                        // The field cut at the cap is not one of the whole fields.
                        return Ok(CsvRecord::TooBig {
                            bytes: total,
                            fields: count,
                            longest_field: longest,
                        });
                    }
                    return Ok(CsvRecord::Whole);
                }
                R::End => return Ok(CsvRecord::End),
            }
        }
    }
}

/// The reason an oversized record is quarantined.
fn too_big_reason(limits: &IngestLimits, bytes: u64, fields: usize, longest: u64) -> String {
    if longest > limits.max_field_bytes as u64 {
        format!(
            "field over {} bytes (the row was not kept past {} bytes)",
            limits.max_field_bytes, limits.max_row_bytes
        )
    } else if fields > limits.max_row_fields {
        format!(
            "row over {} fields ({fields} fields)",
            limits.max_row_fields
        )
    } else {
        format!("row over {} bytes ({bytes} bytes)", limits.max_row_bytes)
    }
}

/// A CSV source: its records, and how their bytes become text.
struct CsvSource {
    records: CsvRecords<Box<dyn BufRead>>,
    detected: Detected,
}

fn open_csv(
    path: &Path,
    file: &str,
    prefix: &[u8],
    limits: &IngestLimits,
) -> Result<CsvSource, IngestError> {
    let f = std::fs::File::open(path).map_err(|source| IngestError::Io {
        file: file.to_string(),
        source,
    })?;
    let detected = decode::detect(prefix);
    // Files with a BOM or in UTF-16 are transcoded as a stream; the rest are decoded
    // row by row.
    let (reader, delimiter): (Box<dyn BufRead>, u8) = match detected.stream() {
        Some(enc) => (
            Box::new(io::BufReader::with_capacity(
                1 << 20,
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(enc))
                    .build(f),
            )),
            // ASCII delimiters are the same bytes in UTF-8 and GB18030, not in UTF-16.
            sniff_delimiter(enc.decode(prefix).0.as_bytes()),
        ),
        None => (
            Box::new(io::BufReader::with_capacity(1 << 20, f)),
            sniff_delimiter(prefix),
        ),
    };
    Ok(CsvSource {
        records: CsvRecords::new(
            reader,
            delimiter,
            limits.max_row_bytes,
            limits.max_row_fields,
        ),
        detected,
    })
}

fn read_csv(
    path: &Path,
    file: &str,
    prefix: &[u8],
    opts: &IngestOptions,
    rows: &mut RowHandler,
    sink: &mut dyn Sink,
) -> Result<String, IngestError> {
    let limits = opts.limits;
    let CsvSource {
        mut records,
        detected,
    } = open_csv(path, file, prefix, &limits)?;
    // A stream is UTF-8 after transcoding: UTF-8 is then its own fallback.
    let fallback = match detected.stream() {
        Some(_) => encoding_rs::UTF_8,
        None => detected.fallback(),
    };
    let mut used = RowEncodings::default();
    let mut header: Option<Vec<String>> = None;
    let mut row_no = 0u64;
    loop {
        let got = match records.next() {
            Ok(g) => g,
            Err(e) => {
                // The file could not be read further: quarantine what we know and
                // stop; the rows before it are kept.
                row_no += 1;
                rows.rows_read += 1;
                rows.reject(sink, row_no, &format!("unreadable CSV: {e}"), String::new())?;
                break;
            }
        };
        let raw_fields: Vec<&[u8]> = match got {
            CsvRecord::End => break,
            CsvRecord::TooBig {
                bytes,
                fields,
                longest_field,
            } => {
                if header.is_none() {
                    return Err(IngestError::Format {
                        file: file.to_string(),
                        reason: format!(
                            "the first record is over the limits ({bytes} bytes, {fields} \
                             fields): not a CSV header (an unclosed quote?)"
                        ),
                    });
                }
                row_no += 1;
                rows.rows_read += 1;
                let shown: Vec<String> = records
                    .fields()
                    .map(|f| decode::escape_field(fallback, f))
                    .collect();
                let mut raw = shorten_fields(shown.iter().map(String::as_str));
                raw.push('…');
                let reason = too_big_reason(&limits, bytes, fields, longest_field);
                rows.reject(sink, row_no, &reason, raw)?;
                continue;
            }
            CsvRecord::Whole => records.fields().collect(),
        };
        let decoded = decode::decode_row(fallback, &raw_fields);
        if let Some((_, e)) = &decoded {
            used.add(*e);
        }
        let Some(h) = &header else {
            let Some((h, _)) = decoded else {
                return Err(IngestError::Format {
                    file: file.to_string(),
                    reason: format!(
                        "the header is neither valid UTF-8 nor valid {}",
                        fallback.name()
                    ),
                });
            };
            if h.iter().all(|s| s.trim().is_empty()) {
                continue;
            }
            rows.set_header(&h)?;
            header = Some(h);
            continue;
        };
        let n_header = h.len();
        row_no += 1;
        rows.rows_read += 1;
        if row_no.is_multiple_of(4096) {
            sink.progress(records.position());
        }
        match decoded {
            None => {
                let raw: Vec<String> = raw_fields
                    .iter()
                    .map(|b| decode::escape_field(fallback, b))
                    .collect();
                let reason = format!(
                    "broken encoding (neither UTF-8 nor valid {}; bad bytes shown as \\xNN)",
                    fallback.name()
                );
                rows.reject(sink, row_no, &reason, raw.join(","))?;
            }
            Some((v, _)) if v.len() == 1 && v[0].trim().is_empty() => {
                // A blank line: not a row.
                row_no -= 1;
                rows.rows_read -= 1;
            }
            Some((v, _))
                if v.len() < n_header
                    || v[n_header.min(v.len())..]
                        .iter()
                        .any(|s| !s.trim().is_empty()) =>
            {
                let reason = format!("row has {} fields, the header has {}", v.len(), n_header);
                let raw = raw_row(&v);
                rows.reject(sink, row_no, &reason, raw)?;
            }
            Some((v, _)) => rows.row(sink, row_no, &v)?,
        }
    }
    if header.is_none() {
        return Err(IngestError::Format {
            file: file.to_string(),
            reason: "empty file: no header".into(),
        });
    }
    Ok(match detected.stream() {
        Some(_) => detected.name().to_string(),
        None => used.name(fallback),
    })
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
) -> Result<String, IngestError> {
    let io = |source| IngestError::Io {
        file: file.to_string(),
        source,
    };
    let limits = opts.limits;
    let detected = decode::detect(prefix);
    let f = std::fs::File::open(path).map_err(io)?;
    // BOM and UTF-16 files are transcoded as a stream; the others decoded per line.
    let (mut reader, fallback): (Box<dyn BufRead>, _) = match detected.stream() {
        Some(enc) => (
            Box::new(io::BufReader::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(enc))
                    .build(f),
            )),
            encoding_rs::UTF_8,
        ),
        None => (
            Box::new(io::BufReader::new(f)) as Box<dyn BufRead>,
            detected.fallback(),
        ),
    };
    let table = rows.table();
    let reject = |sink: &mut dyn Sink, row: u64, reason: &str, raw: String| {
        sink.reject(opts.quarantine(file, row, table, reason, raw))
    };
    let mut used = RowEncodings::default();
    // Resolutions are cached per key set: most files have one.
    let mut resolutions: HashMap<Vec<String>, Resolved> = HashMap::new();
    let mut row_no = 0u64;
    let mut bytes = Vec::new();
    let mut read = 0u64;
    loop {
        let (n, over) =
            decode::read_line_capped(&mut reader, &mut bytes, limits.max_row_bytes).map_err(io)?;
        if n == 0 {
            break;
        }
        read += n;
        if over {
            row_no += 1;
            rows.rows_read += 1;
            let mut raw = decode::escape_field(fallback, &bytes[..bytes.len().min(2000)]);
            raw.push('…');
            let reason = format!("row over {} bytes ({n} bytes)", limits.max_row_bytes);
            reject(sink, row_no, &reason, raw)?;
            continue;
        }
        let line_bytes = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        let line_bytes = line_bytes.strip_suffix(b"\r").unwrap_or(line_bytes);
        if line_bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        row_no += 1;
        rows.rows_read += 1;
        if row_no.is_multiple_of(4096) {
            sink.progress(read);
        }
        let line = match decode::decode_row(fallback, &[line_bytes]) {
            Some((mut v, e)) => {
                used.add(e);
                v.pop().unwrap_or_default()
            }
            None => {
                let reason = format!(
                    "broken encoding (neither UTF-8 nor valid {}; bad bytes shown as \\xNN)",
                    fallback.name()
                );
                reject(
                    sink,
                    row_no,
                    &reason,
                    decode::escape_field(fallback, line_bytes),
                )?;
                continue;
            }
        };
        let obj = match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&line) {
            Ok(o) => o,
            Err(e) => {
                reject(sink, row_no, &format!("bad JSON: {e}"), line.clone())?;
                continue;
            }
        };
        let header: Vec<String> = obj.keys().cloned().collect();
        let values: Vec<String> = obj
            .values()
            .map(|v| json_value_string(v).unwrap_or_default())
            .collect();
        if !resolutions.contains_key(&header) {
            // A JSON line leaves out the keys of empty values: absent keys are no
            // error here, only absent required fields.
            match rows.mapping_for(&header).and_then(|m| {
                m.resolve_keys(&header)
                    .map_err(|source| IngestError::Mapping {
                        file: file.to_string(),
                        source,
                    })
            }) {
                Ok(r) => {
                    resolutions.insert(header.clone(), r);
                }
                Err(e) => {
                    reject(sink, row_no, &e.to_string(), line.clone())?;
                    continue;
                }
            }
        }
        rows.resolved = resolutions.get(&header).cloned();
        rows.row(sink, row_no, &values)?;
    }
    Ok(match detected.stream() {
        Some(_) => detected.name().to_string(),
        None => used.name(fallback),
    })
}

/// The first non-empty row of a CSV or Excel file.
pub fn header(
    path: &Path,
    file: &str,
    prefix: &[u8],
    format: Format,
) -> Result<Vec<String>, IngestError> {
    let limits = IngestLimits::default();
    if format == Format::Excel {
        return excel::header(path, file, &limits);
    }
    let fmt = |reason: String| IngestError::Format {
        file: file.to_string(),
        reason,
    };
    let CsvSource {
        mut records,
        detected,
    } = open_csv(path, file, prefix, &limits)?;
    let fallback = match detected.stream() {
        Some(_) => encoding_rs::UTF_8,
        None => detected.fallback(),
    };
    loop {
        match records.next().map_err(|e| fmt(e.to_string()))? {
            CsvRecord::End => return Err(fmt("no header row".into())),
            CsvRecord::TooBig { .. } => {
                return Err(fmt(
                    "the first record is over the limits: not a header".into()
                ));
            }
            CsvRecord::Whole => {}
        }
        let raw: Vec<&[u8]> = records.fields().collect();
        let Some((row, _)) = decode::decode_row(fallback, &raw) else {
            return Err(fmt(format!(
                "the header is neither valid UTF-8 nor valid {}",
                fallback.name()
            )));
        };
        let row: Vec<String> = row
            .into_iter()
            .map(|s| s.trim_start_matches('\u{feff}').to_string())
            .collect();
        if row.iter().any(|c| !c.trim().is_empty()) {
            return Ok(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(
        text: &[u8],
        max_bytes: usize,
        max_fields: usize,
    ) -> Vec<Result<Vec<String>, CsvRecord>> {
        let mut r = CsvRecords::new(
            io::BufReader::with_capacity(7, text),
            b',',
            max_bytes,
            max_fields,
        );
        let mut out = Vec::new();
        loop {
            match r.next().unwrap() {
                CsvRecord::End => return out,
                CsvRecord::Whole => out.push(Ok(r
                    .fields()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect())),
                big => out.push(Err(big)),
            }
        }
    }

    #[test]
    fn csv_records_parse_quotes_and_newlines() {
        let got = records(b"a,\"b,\"\"c\"\"\nd\",e\r\n\nx,y", 1 << 20, 100);
        assert_eq!(
            got,
            vec![
                Ok(vec!["a".into(), "b,\"c\"\nd".into(), "e".into()]),
                Ok(vec!["x".into(), "y".into()]),
            ]
        );
    }

    #[test]
    fn csv_records_over_a_cap_are_skipped_to_their_end() {
        let long = "z".repeat(100);
        let text = format!("a,b\n1,{long},3\n4,5\n6,7,8,9,10\n");
        let got = records(text.as_bytes(), 50, 4);
        assert_eq!(got[0], Ok(vec!["a".into(), "b".into()]));
        assert_eq!(
            got[1],
            Err(CsvRecord::TooBig {
                bytes: 102,
                fields: 3,
                longest_field: 100
            })
        );
        assert_eq!(got[2], Ok(vec!["4".into(), "5".into()]));
        assert!(matches!(got[3], Err(CsvRecord::TooBig { fields: 5, .. })));
        assert_eq!(got.len(), 4);
    }
}
