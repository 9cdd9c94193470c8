//! The server's view of the store: one DataFusion session over the current snapshot,
//! renewed when an ingest commits, and a response cache tied to that snapshot.

use crate::ApiError;
use datafusion::prelude::SessionContext;
use kefu_model::Config;
use kefu_store::Store;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// How often the server looks for new commits (a directory listing per table).
pub(crate) const CHECK_EVERY: Duration = Duration::from_secs(2);
/// Cached answers kept per snapshot; the cache is cleared when it fills.
const CACHE_ENTRIES: usize = 2_000;

pub struct AppState {
    dir: PathBuf,
    store: Store,
    token: Option<String>,
    snap: RwLock<Snapshot>,
    cache: Mutex<HashMap<String, Arc<serde_json::Value>>>,
}

struct Snapshot {
    versions: Vec<i64>,
    ctx: Arc<SessionContext>,
    config: Arc<Config>,
    checked: Instant,
}

async fn versions(store: &Store) -> anyhow::Result<Vec<i64>> {
    let mut v = Vec::new();
    for t in kefu_model::Table::ALL {
        v.push(store.version(t.name()).await?);
    }
    for d in kefu_analytics::stored::fact_defs() {
        v.push(store.version(&d.name).await?);
    }
    Ok(v)
}

fn load_config(dir: &Path) -> anyhow::Result<Config> {
    let p = dir.join("kefu.toml");
    if p.exists() {
        Ok(Config::parse(&std::fs::read_to_string(&p)?)?)
    } else {
        Ok(Config::default())
    }
}

impl AppState {
    pub async fn open(dir: &Path, token: Option<String>) -> anyhow::Result<AppState> {
        let store = kefu_analytics::stored::open(dir).await?;
        let snap = Snapshot {
            versions: versions(&store).await?,
            ctx: Arc::new(store.session().await?),
            config: Arc::new(load_config(dir)?),
            checked: Instant::now(),
        };
        Ok(AppState {
            dir: dir.to_path_buf(),
            store,
            token,
            snap: RwLock::new(snap),
            cache: Mutex::new(HashMap::new()),
        })
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The session over the current snapshot (renewed at most every [`CHECK_EVERY`]).
    pub async fn ctx(&self) -> Result<(Arc<SessionContext>, Arc<Config>), ApiError> {
        {
            let s = self.snap.read().await;
            if s.checked.elapsed() < CHECK_EVERY {
                return Ok((s.ctx.clone(), s.config.clone()));
            }
        }
        let mut s = self.snap.write().await;
        if s.checked.elapsed() >= CHECK_EVERY {
            let v = versions(&self.store).await?;
            if v != s.versions {
                s.ctx = Arc::new(self.store.session().await.map_err(anyhow::Error::from)?);
                s.config = Arc::new(load_config(&self.dir)?);
                s.versions = v;
                self.cache.lock().expect("cache lock").clear();
            }
            s.checked = Instant::now();
        }
        Ok((s.ctx.clone(), s.config.clone()))
    }

    /// The table versions of the current snapshot (renewing it when due).
    pub async fn versions(&self) -> Result<Vec<i64>, ApiError> {
        self.ctx().await?;
        Ok(self.snap.read().await.versions.clone())
    }

    pub fn cached(&self, key: &str) -> Option<Arc<serde_json::Value>> {
        self.cache.lock().expect("cache lock").get(key).cloned()
    }

    pub fn remember(&self, key: String, v: Arc<serde_json::Value>) {
        let mut c = self.cache.lock().expect("cache lock");
        if c.len() >= CACHE_ENTRIES {
            c.clear();
        }
        c.insert(key, v);
    }
}
