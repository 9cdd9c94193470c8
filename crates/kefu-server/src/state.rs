//! The server's state: the application over one data directory, the token, and a
//! response cache tied to the snapshot the answers came from.

use kefu_app::{App, AppResult, Session};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// How often the server looks for new commits (the application's own interval).
pub(crate) const CHECK_EVERY: std::time::Duration = kefu_app::CHECK_EVERY;
/// Cached answers kept per snapshot; the cache is cleared when it fills.
const CACHE_ENTRIES: usize = 2_000;

pub struct AppState {
    app: App,
    token: Option<String>,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    versions: Vec<i64>,
    answers: HashMap<String, Arc<serde_json::Value>>,
}

impl AppState {
    pub async fn open(dir: &Path, token: Option<String>) -> anyhow::Result<AppState> {
        Ok(AppState {
            app: App::open(dir).await?,
            token,
            cache: Mutex::new(Cache::default()),
        })
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    /// The current session; the cache is dropped when its snapshot changed.
    pub async fn session(&self) -> AppResult<Session> {
        let s = self.app.session().await?;
        let mut c = self.cache.lock().expect("cache lock");
        if c.versions != s.versions {
            c.answers.clear();
            c.versions = s.versions.clone();
        }
        Ok(s)
    }

    /// The table versions of the current snapshot (renewing it when due).
    pub async fn versions(&self) -> AppResult<Vec<i64>> {
        Ok(self.session().await?.versions)
    }

    pub fn cached(&self, key: &str) -> Option<Arc<serde_json::Value>> {
        self.cache
            .lock()
            .expect("cache lock")
            .answers
            .get(key)
            .cloned()
    }

    pub fn remember(&self, key: String, v: Arc<serde_json::Value>) {
        let mut c = self.cache.lock().expect("cache lock");
        if c.answers.len() >= CACHE_ENTRIES {
            c.answers.clear();
        }
        c.answers.insert(key, v);
    }
}
