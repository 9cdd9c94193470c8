//! The one error of materialisation (store, query, Arrow, row decoding, facts), apart
//! so that every step, the chunked rebuild's spill files included, can return it
//! without importing the steps that use them.

use crate::FactError;
use kefu_store::StoreError;

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
