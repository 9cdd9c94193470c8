//! Query results as JSON objects or CSV, for every face.

use crate::{AppError, AppResult};
use arrow::array::RecordBatch;

/// Rows as JSON objects (Arrow's JSON writer: nulls left out of each object).
pub fn batches_to_json(batches: &[RecordBatch]) -> AppResult<Vec<serde_json::Value>> {
    let mut w = arrow::json::ArrayWriter::new(Vec::new());
    for b in batches {
        w.write(b)?;
    }
    w.finish()?;
    let bytes = w.into_inner();
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(serde_json::from_slice(&bytes)?)
}

/// Rows as CSV with a header.
pub fn batches_to_csv(batches: &[RecordBatch]) -> AppResult<String> {
    let mut buf = Vec::new();
    {
        let mut w = arrow::csv::WriterBuilder::new()
            .with_header(true)
            .build(&mut buf);
        for b in batches {
            w.write(b)?;
        }
    }
    String::from_utf8(buf).map_err(|e| AppError::Internal(e.into()))
}
