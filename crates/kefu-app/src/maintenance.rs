//! Keeping the store in shape: status, compaction, vacuum, fact rebuilds, the
//! quarantine list, and user SQL (read-only).

use crate::sql::{QueryLimits, QueryResult};
use crate::{App, AppResult};
use serde::Serialize;
use std::collections::BTreeMap;

/// Rows and version of one table.
#[derive(Debug, Clone, Serialize)]
pub struct TableStatus {
    pub rows: u64,
    pub version: i64,
}

/// Every table's rows and version, and whether the facts reflect every source version.
#[derive(Debug, Clone, Serialize)]
pub struct StoreStatus {
    #[serde(flatten)]
    pub tables: BTreeMap<String, TableStatus>,
    pub facts_current: bool,
    /// Why the facts are behind, when they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facts_stale: Option<String>,
}

/// The quarantine table, latest first.
#[derive(Debug, Clone, Serialize)]
pub struct QuarantineList {
    pub total: u64,
    pub rows: Vec<serde_json::Value>,
    /// The same rows as Arrow batches (for a terminal table).
    #[serde(skip)]
    pub batches: Vec<arrow::array::RecordBatch>,
}

impl App {
    pub async fn status(&self) -> AppResult<StoreStatus> {
        let mut tables = BTreeMap::new();
        for t in App::table_names() {
            tables.insert(
                t.clone(),
                TableStatus {
                    rows: self.store().count(&t).await?,
                    version: self.store().version(&t).await?,
                },
            );
        }
        Ok(StoreStatus {
            tables,
            facts_current: kefu_analytics::materialize::is_current(self.store()).await?,
            facts_stale: self.facts_state().await?.stale,
        })
    }

    /// Compacts each table's small files; (table, files compacted).
    pub async fn optimize(&self) -> AppResult<Vec<(String, u64)>> {
        let _lock = self.write_lock("kefu store optimize").await?;
        let mut out = Vec::new();
        for t in App::table_names() {
            let n = self.store().optimize(&t).await?;
            out.push((t, n));
        }
        Ok(out)
    }

    /// Deletes files no snapshot within the retention references; (table, files).
    pub async fn vacuum(&self, retention_hours: u64) -> AppResult<Vec<(String, usize)>> {
        let _lock = self.write_lock("kefu store vacuum").await?;
        let mut out = Vec::new();
        for t in App::table_names() {
            let n = self.store().vacuum(&t, retention_hours).await?;
            out.push((t, n));
        }
        Ok(out)
    }

    /// Rebuilds every fact from the whole store with the current configuration.
    pub async fn rebuild_facts(&self) -> AppResult<kefu_analytics::materialize::Refreshed> {
        let lock = self.write_lock("kefu store rebuild-facts").await?;
        let r = self.rebuild_facts_locked().await?;
        drop(lock);
        self.renew_now().await?;
        Ok(r)
    }

    /// [`App::rebuild_facts`] for a caller that holds the writer lock.
    pub(crate) async fn rebuild_facts_locked(
        &self,
    ) -> AppResult<kefu_analytics::materialize::Refreshed> {
        let cfg = self.config()?;
        let cfg_of = |shop: &str| cfg.shop(shop).unwrap_or_default();
        Ok(kefu_analytics::materialize::rebuild(self.store(), &cfg_of).await?)
    }

    /// The set-aside rows, latest first, at most `limit`.
    pub async fn quarantine(&self, limit: usize) -> AppResult<QuarantineList> {
        let s = self.session().await?;
        let batches = s
            .batches(&format!(
                "SELECT source_file AS file, source_row AS row, table_name AS \"table\", reason, raw, \
                 CAST(ingested_at AS VARCHAR) AS ingested_at, ingest_id \
                 FROM quarantine ORDER BY ingested_at DESC, file, row LIMIT {limit}"
            ))
            .await?;
        Ok(QuarantineList {
            total: self.store().count("quarantine").await?,
            rows: crate::encode::batches_to_json(&batches)?,
            batches,
        })
    }

    /// User SQL over every table, read-only, under `limits` (see [`crate::sql`]).
    pub async fn query(&self, sql: &str, limits: QueryLimits) -> AppResult<QueryResult> {
        let s = self.session().await?;
        crate::sql::user_query(&s, sql, limits).await
    }
}
