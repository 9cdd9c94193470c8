//! The data directory: the store with its fact tables and `kefu.toml`. The store
//! changes only through this type (ingest, fact rebuilds, maintenance); the current
//! snapshot it answers from is renewed when another process commits.

use crate::config::load_config;
use crate::session::Session;
use crate::{AppError, AppResult};
use kefu_model::{Config, Table};
use kefu_store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// How often a long-lived [`App`] looks for new commits (a listing per table).
pub const CHECK_EVERY: Duration = Duration::from_secs(2);

/// One data directory, opened.
pub struct App {
    dir: PathBuf,
    store: Store,
    snap: RwLock<Snap>,
    /// Told who holds the store's writer lock when a write has to wait for it.
    on_lock_wait: Box<dyn Fn(&str) + Send + Sync>,
}

struct Snap {
    session: Session,
    checked: Instant,
}

impl App {
    /// Opens (or creates) the data directory with every source and fact table.
    pub async fn open(dir: &Path) -> AppResult<App> {
        let store = kefu_analytics::materialize::open(dir).await?;
        let session = Self::fresh_session(dir, &store).await?;
        Ok(App {
            dir: dir.to_path_buf(),
            store,
            snap: RwLock::new(Snap {
                session,
                checked: Instant::now(),
            }),
            on_lock_wait: Box::new(
                |holder| tracing::warn!(%holder, "waiting for the store's writer lock"),
            ),
        })
    }

    /// What to do when a write waits for another writer (a face prints it).
    pub fn on_lock_wait(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> App {
        self.on_lock_wait = Box::new(f);
        self
    }

    /// Takes the store's writer lock for `what`, waiting for another writer first.
    pub(crate) async fn write_lock(&self, what: &str) -> AppResult<kefu_store::WriteLock> {
        Ok(self.store.write_lock(what, &*self.on_lock_wait).await?)
    }

    /// Whether the stored facts reflect every source version, and if not, why.
    pub async fn facts_state(&self) -> AppResult<FactsState> {
        facts_state(&self.store).await
    }

    /// Brings facts that are behind the sources up to date (an ingest died between
    /// its source and fact commits), unless a writer is at work — its own refresh
    /// will. `Some` when it rebuilt.
    pub async fn catch_up(&self) -> AppResult<Option<kefu_analytics::materialize::Refreshed>> {
        if kefu_analytics::materialize::is_current(&self.store).await? {
            return Ok(None);
        }
        let Ok(lock) = self.store.try_write_lock("kefu (facts catch-up)")? else {
            return Ok(None);
        };
        if kefu_analytics::materialize::is_current(&self.store).await? {
            return Ok(None);
        }
        let r = self.rebuild_facts_locked().await?;
        drop(lock);
        self.renew_now().await?;
        Ok(Some(r))
    }

    /// Renews the snapshot at once (after this process committed).
    pub(crate) async fn renew_now(&self) -> AppResult<()> {
        let mut s = self.snap.write().await;
        s.session = Self::fresh_session(&self.dir, &self.store).await?;
        s.checked = Instant::now();
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The configuration as it is on disk now.
    pub fn config(&self) -> AppResult<Config> {
        Ok(load_config(&self.dir)?)
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Every table: the sources, then the facts.
    pub fn table_names() -> Vec<String> {
        Table::ALL
            .iter()
            .map(|t| t.name().to_string())
            .chain(
                kefu_analytics::materialize::fact_defs()
                    .into_iter()
                    .map(|d| d.name),
            )
            .collect()
    }

    /// The version of every table, in [`App::table_names`] order.
    pub async fn versions(&self) -> AppResult<Vec<i64>> {
        versions(&self.store).await
    }

    async fn fresh_session(dir: &Path, store: &Store) -> AppResult<Session> {
        let mut s = Session::new(
            Arc::new(store.session().await?),
            Arc::new(load_config(dir)?),
            versions(store).await?,
            false,
        );
        s.stale = facts_state(store).await?.stale;
        Ok(s)
    }

    /// The session over the current snapshot of the stored facts, renewed (with the
    /// configuration) at most every [`CHECK_EVERY`] when a table changed.
    pub async fn session(&self) -> AppResult<Session> {
        {
            let s = self.snap.read().await;
            if s.checked.elapsed() < CHECK_EVERY {
                return Ok(s.session.clone());
            }
        }
        let mut s = self.snap.write().await;
        if s.checked.elapsed() >= CHECK_EVERY {
            let v = versions(&self.store).await?;
            if v != s.session.versions {
                s.session = Self::fresh_session(&self.dir, &self.store).await?;
            }
            s.checked = Instant::now();
        }
        Ok(s.session.clone())
    }

    /// The session to answer in: the stored facts, or — when `tz` differs from the
    /// timezone the facts were stored in (that of `shop`, or the defaults') — every
    /// fact rebuilt in memory in `tz`, with the source tables registered beside them
    /// (complaints, transcripts and message series need them).
    pub async fn session_in(&self, tz: Option<&str>, shop: Option<&str>) -> AppResult<Session> {
        let stored = self.session().await?;
        let Some(tz) = tz.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(stored);
        };
        kefu_model::config::parse_tz(tz).map_err(|e| AppError::bad("tz", e.to_string()))?;
        let cfg = stored.config.clone();
        let stored_tz = cfg
            .shop(shop.unwrap_or(""))
            .map(|c| c.timezone)
            .unwrap_or_default();
        if tz == stored_tz {
            return Ok(stored);
        }
        let t = Instant::now();
        let tz = tz.to_string();
        let c = cfg.clone();
        let cfg_of = move |s: &str| {
            let mut sc = c.shop(s).unwrap_or_default();
            sc.timezone = tz.clone();
            sc
        };
        let facts = kefu_analytics::materialize::build_from_store(&self.store, &cfg_of).await?;
        tracing::info!(
            secs = t.elapsed().as_secs_f64(),
            conversations = facts.conversations.len(),
            "facts built in memory for the timezone override"
        );
        let mem = datafusion::prelude::SessionContext::new();
        kefu_analytics::register_facts(&mem, &facts)?;
        for t in Table::ALL {
            if let Ok(p) = stored.ctx.table_provider(t.name()).await {
                mem.register_table(t.name(), p)?;
            }
        }
        let mut s = Session::new(Arc::new(mem), cfg, stored.versions.clone(), true);
        s.stale = stored.stale.clone();
        Ok(s)
    }
}

/// Whether the stored facts reflect every source version.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct FactsState {
    pub current: bool,
    /// Why not, in words, when they are behind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale: Option<String>,
}

async fn facts_state(store: &Store) -> AppResult<FactsState> {
    if kefu_analytics::materialize::is_current(store).await? {
        return Ok(FactsState {
            current: true,
            stale: None,
        });
    }
    let reason = match store.try_write_lock("kefu (status probe)")? {
        Err(holder) => format!(
            "a write is under way ({holder}); these numbers are from before it and catch up when it finishes"
        ),
        Ok(_probe) => "the facts are behind the source tables (an earlier ingest stopped before writing its facts); they are rebuilt before the next report, or run `kefu store rebuild-facts`".to_string(),
    };
    Ok(FactsState {
        current: false,
        stale: Some(reason),
    })
}

async fn versions(store: &Store) -> AppResult<Vec<i64>> {
    let mut v = Vec::new();
    for t in App::table_names() {
        v.push(store.version(&t).await?);
    }
    Ok(v)
}
