//! The data directory: one Delta Lake table per record kind, queried with DataFusion.
//!
//! Invariants:
//! * A table changes only by a Delta commit. An [`Appender`] streams batches into
//!   parquet files that no snapshot references until its single commit, so a process
//!   killed at any moment leaves each table as it was before or after, never between
//!   (orphan files of a killed ingest are invisible and removed by `vacuum`).
//! * One writer at a time: whoever changes tables holds [`WriteLock`] (an advisory
//!   lock on `kefu.lock`) from before it reads what it dedupes against until its
//!   last commit.
//! * Queries read exactly the files of the current snapshot (never a directory
//!   glob: after OPTIMIZE the replaced files stay on disk until VACUUM).
//! * Strings are `Utf8` end to end (DataFusion's view types are switched off), so the
//!   schemas in `kefu-model` hold for query results too.

use datafusion::arrow::array::{Array, Int64Array, RecordBatch};
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::parquet::schema::types::ColumnPath;
use datafusion::prelude::{SessionConfig, SessionContext};
use deltalake::DeltaTable;
use deltalake::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake::kernel::transaction::{CommitBuilder, CommitProperties};
use deltalake::kernel::{Action, Add, Remove, StructType};
use deltalake::protocol::{DeltaOperation, MergePredicate, SaveMode};
use deltalake::writer::{DeltaWriter, RecordBatchWriter};
use kefu_model::Table;
use kefu_model::schema::{self, PARTITION_COLUMN};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use url::Url;

mod lock;
pub use lock::WriteLock;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("data directory {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("delta table {table}: {source}")]
    Delta {
        table: String,
        source: deltalake::DeltaTableError,
    },
    #[error("query: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    #[error("{0}")]
    Other(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A stored table: its name, schema and partition column.
#[derive(Debug, Clone)]
pub struct TableDef {
    pub name: String,
    pub schema: SchemaRef,
    pub partition_columns: Vec<String>,
    /// Columns where nearly every row holds a new value (ids, instants, texts,
    /// measured seconds): written without a dictionary, which for them only costs
    /// time (every value hashed into a dictionary that overflows to plain anyway).
    pub distinct_columns: Vec<String>,
}

impl TableDef {
    pub fn new(name: &str, schema: SchemaRef, partition_columns: &[&str]) -> Self {
        TableDef {
            name: name.to_string(),
            schema,
            partition_columns: partition_columns.iter().map(|s| s.to_string()).collect(),
            distinct_columns: Vec::new(),
        }
    }

    /// Names the [`TableDef::distinct_columns`].
    pub fn with_distinct(mut self, columns: &[&str]) -> Self {
        self.distinct_columns = columns.iter().map(|s| s.to_string()).collect();
        self
    }

    /// A source table of `kefu-model`, partitioned by shop-local month.
    pub fn source(t: Table) -> Self {
        let distinct: &[&str] = match t {
            Table::Messages => &[
                "row_key",
                "message_id",
                "ts",
                "text",
                "text_raw",
                "text_masked",
                "source_row",
            ],
            Table::Orders => &[
                "row_key",
                "order_id",
                "created_at",
                "paid_at",
                "amount",
                "source_row",
            ],
            Table::Surveys => &[
                "row_key",
                "survey_id",
                "ts",
                "comment",
                "comment_masked",
                "source_row",
            ],
            Table::Reviews => &[
                "row_key",
                "review_id",
                "ts",
                "text",
                "text_raw",
                "text_masked",
                "source_row",
            ],
            _ => &["row_key"],
        };
        TableDef::new(t.name(), schema::for_table(t), &[PARTITION_COLUMN]).with_distinct(distinct)
    }

    /// Parquet settings of the table's files: Delta's default (Snappy), minus the
    /// dictionary on [`TableDef::distinct_columns`].
    fn writer_properties(&self) -> WriterProperties {
        let mut b = WriterProperties::builder().set_compression(Compression::SNAPPY);
        for c in &self.distinct_columns {
            if self.schema.field_with_name(c).is_ok() {
                b = b.set_column_dictionary_enabled(ColumnPath::from(c.as_str()), false);
            }
        }
        b.build()
    }

    /// The schema of the parquet files: Delta keeps partition values in paths.
    fn file_schema(&self) -> SchemaRef {
        let fields: Vec<_> = self
            .schema
            .fields()
            .iter()
            .filter(|f| !self.partition_columns.contains(f.name()))
            .cloned()
            .collect();
        Arc::new(Schema::new(fields))
    }
}

/// The data directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    extra: Vec<TableDef>,
}

fn delta_err(table: &str) -> impl FnOnce(deltalake::DeltaTableError) -> StoreError + '_ {
    move |source| StoreError::Delta {
        table: table.to_string(),
        source,
    }
}

impl Store {
    /// Opens (creating when needed) the data directory and its source tables.
    pub async fn open(root: &Path) -> Result<Store> {
        std::fs::create_dir_all(root.join("tables")).map_err(|source| StoreError::Io {
            path: root.display().to_string(),
            source,
        })?;
        let root = root.canonicalize().map_err(|source| StoreError::Io {
            path: root.display().to_string(),
            source,
        })?;
        let store = Store {
            root,
            extra: Vec::new(),
        };
        for t in Table::ALL {
            store.ensure(&TableDef::source(t)).await?;
        }
        Ok(store)
    }

    /// Adds derived tables (e.g. conversation facts) that sessions register too.
    pub async fn with_tables(mut self, defs: Vec<TableDef>) -> Result<Store> {
        for d in &defs {
            self.ensure(d).await?;
        }
        self.extra = defs;
        Ok(self)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Takes the data directory's writer lock if it is free; `Err(holder)` says who
    /// holds it. `what` is written for others to see ("kefu ingest").
    pub fn try_write_lock(&self, what: &str) -> Result<std::result::Result<WriteLock, String>> {
        lock::try_lock(&self.root, what)
    }

    /// Takes the writer lock, waiting for the holder; `on_wait` hears who that is.
    pub async fn write_lock(
        &self,
        what: &str,
        on_wait: &(dyn Fn(&str) + Sync),
    ) -> Result<WriteLock> {
        lock::lock(&self.root, what, on_wait).await
    }

    fn defs(&self) -> Vec<TableDef> {
        Table::ALL
            .into_iter()
            .map(TableDef::source)
            .chain(self.extra.iter().cloned())
            .collect()
    }

    fn def(&self, name: &str) -> Result<TableDef> {
        self.defs()
            .into_iter()
            .find(|d| d.name == name)
            .ok_or_else(|| StoreError::Other(format!("unknown table '{name}'")))
    }

    pub fn table_url(&self, name: &str) -> Result<Url> {
        let p = self.root.join("tables").join(name);
        Url::from_directory_path(&p)
            .map_err(|_| StoreError::Other(format!("bad path {}", p.display())))
    }

    /// Creates the Delta table when it does not exist yet; an existing one gains
    /// the columns this version defines that it lacks (see [`Store::upgrade`]), so
    /// every query can name them from the first open after an upgrade.
    async fn ensure(&self, def: &TableDef) -> Result<()> {
        let dir = self.root.join("tables").join(&def.name);
        if dir.join("_delta_log").exists() {
            self.upgrade(self.load(&def.name).await?, def).await?;
            return Ok(());
        }
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let url = self.table_url(&def.name)?;
        let table = DeltaTable::try_from_url(url)
            .await
            .map_err(delta_err(&def.name))?;
        let kernel: StructType = def
            .schema
            .as_ref()
            .try_into_kernel()
            .map_err(|e| StoreError::Other(format!("schema of {}: {e}", def.name)))?;
        let created = table
            .create()
            .with_table_name(def.name.clone())
            .with_columns(kernel.fields().cloned())
            .with_partition_columns(def.partition_columns.clone())
            .with_save_mode(SaveMode::Ignore)
            .await;
        match created {
            Ok(_) => Ok(()),
            // Another process created it first: that is fine.
            Err(_)
                if dir
                    .join("_delta_log")
                    .join("00000000000000000000.json")
                    .exists() =>
            {
                Ok(())
            }
            Err(e) => Err(delta_err(&def.name)(e)),
        }
    }

    /// The current snapshot of a table.
    pub async fn load(&self, name: &str) -> Result<DeltaTable> {
        let url = self.table_url(name)?;
        deltalake::open_table(url).await.map_err(delta_err(name))
    }

    /// The table's current version (each commit adds one).
    pub async fn version(&self, name: &str) -> Result<i64> {
        Ok(self.load(name).await?.version().map_or(-1, |v| v as i64))
    }

    /// Starts an append to a table; nothing is visible until [`Appender::commit`].
    pub async fn appender(&self, name: &str) -> Result<Appender> {
        let def = self.def(name)?;
        let table = self.upgrade(self.load(name).await?, &def).await?;
        let writer = RecordBatchWriter::for_table(&table)
            .map_err(delta_err(name))?
            .with_target_file_size(128 * 1024 * 1024)
            .with_writer_properties(def.writer_properties());
        Ok(Appender {
            name: name.to_string(),
            table,
            writer,
            adds: Vec::new(),
            removes: Vec::new(),
            replace_predicate: None,
            always: false,
            rows: 0,
        })
    }

    /// Adds the columns a newer kefu defines that the stored table lacks (nullable,
    /// so older files read them as null): a store written by an earlier version
    /// keeps taking appends instead of failing on a schema mismatch.
    async fn upgrade(&self, table: DeltaTable, def: &TableDef) -> Result<DeltaTable> {
        let stored: HashSet<String> = {
            let snapshot = table.snapshot().map_err(delta_err(&def.name))?;
            snapshot
                .schema()
                .fields()
                .map(|f| f.name().to_string())
                .collect()
        };
        let missing: Vec<_> = def
            .schema
            .fields()
            .iter()
            .filter(|f| !stored.contains(f.name()) && f.is_nullable())
            .map(|f| f.as_ref().clone())
            .collect();
        if missing.is_empty() {
            return Ok(table);
        }
        let kernel: StructType = (&Schema::new(missing))
            .try_into_kernel()
            .map_err(|e| StoreError::Other(format!("schema of {}: {e}", def.name)))?;
        tracing::info!(table = %def.name, columns = kernel.fields().len(), "adding new columns");
        let fields: Vec<_> = kernel.fields().cloned().collect();
        table
            .add_columns()
            .with_fields(fields)
            .await
            .map_err(delta_err(&def.name))
    }

    /// URIs of the current snapshot's files whose `column` partition value is one of
    /// `values` (the files a partition rewrite replaces).
    pub async fn partition_files(
        &self,
        name: &str,
        column: &str,
        values: &HashSet<String>,
    ) -> Result<Vec<String>> {
        let table = self.load(name).await?;
        Ok(partition_files_of(&table, name, column, values)?
            .into_iter()
            .map(|(uri, _)| uri)
            .collect())
    }

    /// The distinct values of a partition column in the current snapshot.
    pub async fn partition_values(&self, name: &str, column: &str) -> Result<HashSet<String>> {
        let table = self.load(name).await?;
        let snapshot = table.snapshot().map_err(delta_err(name))?;
        Ok(snapshot
            .log_data()
            .iter()
            .filter_map(|f| f.partition_values_map().get(column).cloned().flatten())
            .collect())
    }

    /// A session table over exactly these files of `name` (partition columns left out).
    pub fn files_provider(
        &self,
        name: &str,
        uris: &[String],
    ) -> Result<Arc<dyn datafusion::catalog::TableProvider>> {
        let def = self.def(name)?;
        provider_over(def.file_schema(), uris)
    }

    /// Application metadata of the table's latest commit (`kefu.*` keys).
    pub async fn last_commit_metadata(
        &self,
        name: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>> {
        let table = self.load(name).await?;
        Ok(self
            .last_data_commit(&table, name)
            .await?
            .1
            .map(|ci| ci.info.into_iter().collect())
            .unwrap_or_default())
    }

    /// The version of the table's last commit that changed its rows: compaction and
    /// vacuum commits leave the data as it was, so what derived tables record (the
    /// facts' source versions) must not move with them.
    pub async fn data_version(&self, name: &str) -> Result<i64> {
        let table = self.load(name).await?;
        let Some(v) = table.version() else {
            return Ok(-1);
        };
        let (newer, _) = self.last_data_commit(&table, name).await?;
        Ok(v as i64 - newer as i64)
    }

    /// The newest commit that is not maintenance, with how many maintenance commits
    /// follow it (0 when none, or when every recent commit is maintenance).
    async fn last_data_commit(
        &self,
        table: &DeltaTable,
        name: &str,
    ) -> Result<(usize, Option<deltalake::kernel::CommitInfo>)> {
        use futures::TryStreamExt;
        const MAINTENANCE: [&str; 3] = ["OPTIMIZE", "VACUUM START", "VACUUM END"];
        for limit in [1usize, 64] {
            // Newest first.
            let infos: Vec<_> = table
                .history(Some(limit))
                .try_collect()
                .await
                .map_err(delta_err(name))?;
            let data = infos.iter().position(|ci| {
                !ci.operation
                    .as_deref()
                    .is_some_and(|op| MAINTENANCE.contains(&op))
            });
            if let Some(i) = data {
                return Ok((i, infos.into_iter().nth(i)));
            }
            if infos.len() < limit {
                break;
            }
        }
        Ok((0, None))
    }

    /// A DataFusion session with every table registered at its current snapshot.
    pub async fn session(&self) -> Result<SessionContext> {
        // DATAFUSION_* variables tune the engine (e.g. DATAFUSION_EXECUTION_TARGET_PARTITIONS);
        // a malformed one is reported by DataFusion and the defaults are used.
        let mut config = SessionConfig::from_env()
            .unwrap_or_else(|_| SessionConfig::new())
            .with_information_schema(true);
        config
            .options_mut()
            .execution
            .parquet
            .schema_force_view_types = false;
        config.options_mut().sql_parser.map_string_types_to_utf8view = false;
        let ctx = SessionContext::new_with_config(config);
        for def in self.defs() {
            self.register(&ctx, &def).await?;
        }
        Ok(ctx)
    }

    async fn register(&self, ctx: &SessionContext, def: &TableDef) -> Result<()> {
        let table = self.load(&def.name).await?;
        let uris: Vec<String> = table
            .get_file_uris()
            .map_err(delta_err(&def.name))?
            .collect();
        let provider = provider_over(def.file_schema(), &uris)?;
        ctx.register_table(def.name.as_str(), provider)?;
        Ok(())
    }

    /// Runs SQL over the current snapshot.
    pub async fn sql(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        let ctx = self.session().await?;
        Ok(ctx.sql(sql).await?.collect().await?)
    }

    /// Number of rows in a table.
    pub async fn count(&self, name: &str) -> Result<u64> {
        self.def(name)?;
        let b = self
            .sql(&format!("SELECT count(*) AS n FROM {name}"))
            .await?;
        Ok(b.first()
            .and_then(|b| {
                b.column(0)
                    .as_any()
                    .downcast_ref::<Int64Array>()
                    .map(|a| a.value(0))
            })
            .unwrap_or(0) as u64)
    }

    /// Every row key of a table, for dropping duplicates across ingests.
    pub async fn row_keys(&self, name: &str) -> Result<HashSet<i64>> {
        self.def(name)?;
        let batches = self.sql(&format!("SELECT row_key FROM {name}")).await?;
        let mut keys = HashSet::with_capacity(batches.iter().map(|b| b.num_rows()).sum());
        for b in batches {
            let a = b
                .column(0)
                .as_any()
                .downcast_ref::<Int64Array>()
                .ok_or_else(|| StoreError::Other("row_key is not Int64".into()))?;
            keys.extend(a.iter().flatten());
        }
        Ok(keys)
    }

    /// Compacts small files (one commit; replaced files stay until [`Store::vacuum`]).
    pub async fn optimize(&self, name: &str) -> Result<u64> {
        let table = self.load(name).await?;
        let (_, metrics) = table.optimize().await.map_err(delta_err(name))?;
        Ok(metrics.num_files_removed)
    }

    /// Deletes files no snapshot references any more (orphans of killed ingests,
    /// files replaced by optimize), older than `retention_hours`.
    pub async fn vacuum(&self, name: &str, retention_hours: u64) -> Result<usize> {
        let table = self.load(name).await?;
        let (_, metrics) = table
            .vacuum()
            .with_retention_period(chrono::Duration::hours(retention_hours as i64))
            .with_enforce_retention_duration(false)
            .await
            .map_err(delta_err(name))?;
        Ok(metrics.files_deleted.len())
    }
}

/// A table provider reading exactly these parquet files.
fn provider_over(
    schema: SchemaRef,
    uris: &[String],
) -> Result<Arc<dyn datafusion::catalog::TableProvider>> {
    if uris.is_empty() {
        return Ok(Arc::new(MemTable::try_new(schema, vec![vec![]])?));
    }
    let urls = uris
        .iter()
        .map(ListingTableUrl::parse)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    Ok(Arc::new(ListingTable::try_new(config)?))
}

/// The snapshot's files in the given partitions: (URI, remove action).
fn partition_files_of(
    table: &DeltaTable,
    name: &str,
    column: &str,
    values: &HashSet<String>,
) -> Result<Vec<(String, Remove)>> {
    let snapshot = table.snapshot().map_err(delta_err(name))?;
    let mut root = table.table_url().clone();
    if !root.path().ends_with('/') {
        root.set_path(&format!("{}/", root.path()));
    }
    let mut out = Vec::new();
    for f in snapshot.log_data().iter() {
        let pv = f.partition_values_map();
        let hit = pv
            .get(column)
            .and_then(|v| v.as_ref())
            .is_some_and(|v| values.contains(v));
        if hit {
            let path = f.path();
            let uri = root
                .join(&path)
                .map_err(|e| StoreError::Other(format!("file {path} of {name}: {e}")))?;
            out.push((uri.to_string(), f.remove_action(true)));
        }
    }
    Ok(out)
}

/// A pending append to one table (or, with [`Appender::replace_partitions`], a
/// rewrite of some of its partitions).
pub struct Appender {
    name: String,
    table: DeltaTable,
    writer: RecordBatchWriter,
    adds: Vec<Add>,
    removes: Vec<Remove>,
    replace_predicate: Option<String>,
    always: bool,
    rows: u64,
}

impl Appender {
    /// Streams a batch into parquet files (bounded memory; invisible until commit).
    pub async fn write(&mut self, batch: RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.rows += batch.num_rows() as u64;
        self.writer
            .write(batch)
            .await
            .map_err(delta_err(&self.name))?;
        Ok(())
    }

    /// Finishes the open files without committing (keeps memory bounded on long
    /// ingests: each flush closes the current parquet files).
    pub async fn flush(&mut self) -> Result<()> {
        let adds = self.writer.flush().await.map_err(delta_err(&self.name))?;
        self.adds.extend(adds);
        Ok(())
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Marks every current file of these `column` partitions for removal in the same
    /// commit as what this appender writes: the caller first reads the rows it keeps
    /// from [`Store::partition_files`] and writes them back with the new ones. Readers
    /// see the old partitions or the new ones, never a mix.
    pub fn replace_partitions(
        &mut self,
        column: &str,
        values: &HashSet<String>,
        predicate: String,
    ) -> Result<()> {
        let files = partition_files_of(&self.table, &self.name, column, values)?;
        self.removes.extend(files.into_iter().map(|(_, r)| r));
        self.replace_predicate = Some(predicate);
        Ok(())
    }

    /// Like [`Appender::commit`], but commits even when nothing was written, so the
    /// commit's metadata is recorded (derived tables note what they reflect).
    pub async fn commit_always(
        mut self,
        metadata: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Option<i64>> {
        self.always = true;
        self.commit(metadata).await
    }

    /// Makes everything written visible in one Delta commit. Returns the new version,
    /// or `None` when nothing was written (no empty commits).
    pub async fn commit(
        mut self,
        metadata: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Option<i64>> {
        self.flush().await?;
        if self.adds.is_empty() && self.removes.is_empty() && !self.always {
            return Ok(None);
        }
        let snapshot = self.table.snapshot().map_err(delta_err(&self.name))?;
        let partition_by =
            Some(snapshot.metadata().partition_columns().to_vec()).filter(|p| !p.is_empty());
        let operation = match self.replace_predicate.take() {
            // Rows replaced by key: recorded as the MERGE it is (matched rows deleted,
            // source rows inserted), rewritten copy-on-write per partition.
            Some(predicate) => DeltaOperation::Merge {
                predicate: Some(predicate.clone()),
                merge_predicate: Some(predicate),
                matched_predicates: vec![MergePredicate {
                    action_type: "delete".into(),
                    predicate: None,
                }],
                not_matched_predicates: vec![MergePredicate {
                    action_type: "insert".into(),
                    predicate: None,
                }],
                not_matched_by_source_predicates: vec![],
            },
            None => DeltaOperation::Write {
                mode: SaveMode::Append,
                partition_by,
                predicate: None,
            },
        };
        let actions: Vec<Action> = self
            .removes
            .into_iter()
            .map(Action::Remove)
            .chain(self.adds.into_iter().map(Action::Add))
            .collect();
        let finalized = CommitBuilder::from(CommitProperties::default().with_metadata(metadata))
            .with_actions(actions)
            .build(Some(snapshot), self.table.log_store(), operation)
            .await
            .map_err(delta_err(&self.name))?;
        Ok(Some(finalized.version() as i64))
    }
}
