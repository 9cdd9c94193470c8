//! Errors a face can translate: a bad parameter (HTTP 400, naming the parameter and
//! what it allows), a refused request (403), nothing there (404), over time (408),
//! too busy (503), or an internal
//! failure (500; its text stays in the server's log).

/// An application error, classified for the faces.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A parameter the caller gave is wrong; the message says which values it takes.
    #[error("{param}: {message}")]
    BadParam { param: String, message: String },
    /// A request kefu refuses on purpose (a write through the read-only SQL).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The work ran over its time limit.
    #[error("{0}")]
    Timeout(String),
    /// Too much is running already; the same request later will do (HTTP 503).
    #[error("{0}")]
    Busy(String),
    #[error("{0:#}")]
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad(param: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::BadParam {
            param: param.into(),
            message: message.into(),
        }
    }
}

macro_rules! internal_from {
    ($($t:ty),*) => {$(
        impl From<$t> for AppError {
            fn from(e: $t) -> Self {
                AppError::Internal(anyhow::Error::new(e))
            }
        }
    )*};
}

/// Over a memory pool or a value cap is the request asking too much (a 400 that
/// says which); any other engine error is internal.
impl From<datafusion::error::DataFusionError> for AppError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        match e.find_root() {
            datafusion::error::DataFusionError::ResourcesExhausted(m) => AppError::bad(
                "query",
                format!("over a limit (memory per query, or too big a value): {m}"),
            ),
            _ => AppError::Internal(anyhow::Error::new(e)),
        }
    }
}

internal_from!(
    arrow::error::ArrowError,
    kefu_analytics::kpi::KpiError,
    kefu_analytics::materialize::StoredError,
    kefu_store::StoreError,
    serde_json::Error,
    std::io::Error
);

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}
