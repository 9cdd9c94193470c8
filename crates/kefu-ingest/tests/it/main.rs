//! Reader tests: every format into a `VecSink`, with the expected records and
//! quarantine reasons worked out from the fixture text.

mod csv_props;
mod formats;
mod hardening;

use kefu_ingest::{FileSummary, IngestOptions, Record, VecSink, read_file};
use kefu_model::{MessageRecord, QuarantineRecord};
use std::path::{Path, PathBuf};

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

pub fn read(path: &Path, opts: &IngestOptions) -> (FileSummary, VecSink) {
    let mut sink = VecSink::default();
    let s = read_file(path, opts, &mut sink).unwrap_or_else(|e| panic!("{e}"));
    (s, sink)
}

pub fn messages(sink: &VecSink) -> Vec<&MessageRecord> {
    sink.records
        .iter()
        .filter_map(|r| match r {
            Record::Message(m) => Some(m),
            _ => None,
        })
        .collect()
}

pub fn reasons(q: &[QuarantineRecord]) -> Vec<(u64, String)> {
    q.iter().map(|q| (q.source_row, q.reason.clone())).collect()
}

/// The real Twitter sample beside the repository (`../shared/data`).
pub fn shared_data(rel: &str) -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .join("../../../shared/data")
        .join(rel)
}
