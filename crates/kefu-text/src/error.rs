//! The crate's error type.

/// Errors from loading models and configuration or reading data.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("model file: {0}")]
    Model(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("data: {0}")]
    Data(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}
