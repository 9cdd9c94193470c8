//! What a question is answered from: a DataFusion session with the four fact tables
//! and the source tables, and the configuration the facts were built with.

use crate::AppResult;
use arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;
use kefu_model::Config;
use std::sync::Arc;

/// A session and its configuration. Cheap to clone.
#[derive(Clone)]
pub struct Session {
    pub(crate) ctx: Arc<SessionContext>,
    pub(crate) config: Arc<Config>,
    /// The table versions it reflects (what an answer cache is keyed by).
    pub versions: Vec<i64>,
    /// Facts rebuilt in memory (a timezone override) rather than read from the store.
    pub derived: bool,
    /// Why the stored facts do not reflect every source version, when they do not:
    /// answers carry it so that old numbers never pass as current.
    pub stale: Option<String>,
}

impl Session {
    /// `derived`: facts rebuilt in memory rather than read from the store.
    pub(crate) fn new(
        ctx: Arc<SessionContext>,
        config: Arc<Config>,
        versions: Vec<i64>,
        derived: bool,
    ) -> Self {
        Session {
            ctx,
            config,
            versions,
            derived,
            stale: None,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The same session answered through another context (bounded for user SQL).
    pub(crate) fn with_ctx(&self, ctx: SessionContext) -> Session {
        Session {
            ctx: Arc::new(ctx),
            ..self.clone()
        }
    }

    pub(crate) fn ctx(&self) -> &SessionContext {
        &self.ctx
    }

    /// Runs kefu's own SQL (never user text) and collects the batches.
    pub(crate) async fn batches(&self, sql: &str) -> AppResult<Vec<RecordBatch>> {
        Ok(self.ctx.sql(sql).await?.collect().await?)
    }

    /// Runs kefu's own SQL and returns the rows as JSON objects.
    pub(crate) async fn json_rows(&self, sql: &str) -> AppResult<Vec<serde_json::Value>> {
        crate::encode::batches_to_json(&self.batches(sql).await?)
    }

    pub(crate) fn has_table(&self, name: &str) -> bool {
        self.ctx.table_exist(name).unwrap_or(false)
    }
}
