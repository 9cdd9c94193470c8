//! The server's state: the application over one data directory, the token, and a
//! response cache tied to the snapshot the answers came from.

use axum::body::Bytes;
use kefu_app::{App, AppResult, Session};
use lru::LruCache;
use std::path::Path;
use std::sync::Mutex;

/// How often the server looks for new commits (the application's own interval).
pub(crate) const CHECK_EVERY: std::time::Duration = kefu_app::CHECK_EVERY;
/// The most bytes of JSON the response cache holds; the least recently used answers
/// go first. `KEFU_CACHE_BYTES` overrides it.
pub const CACHE_BYTES: usize = 64 << 20;
/// An answer bigger than this share of the cache is not kept (it would push out
/// everything else).
const LARGEST_SHARE: usize = 8;

pub struct AppState {
    app: App,
    token: Option<String>,
    cache: Mutex<Cache>,
}

struct Cache {
    versions: Vec<i64>,
    answers: LruCache<String, Bytes>,
    bytes: usize,
    limit: usize,
}

impl Cache {
    fn new(limit: usize) -> Cache {
        Cache {
            versions: Vec::new(),
            answers: LruCache::unbounded(),
            bytes: 0,
            limit,
        }
    }

    fn clear(&mut self) {
        self.answers.clear();
        self.bytes = 0;
    }

    fn weight(key: &str, v: &Bytes) -> usize {
        key.len() + v.len() + 64
    }

    fn insert(&mut self, key: String, v: Bytes) {
        let w = Self::weight(&key, &v);
        if w > self.limit / LARGEST_SHARE {
            return;
        }
        if let Some(old) = self.answers.put(key.clone(), v) {
            self.bytes -= Self::weight(&key, &old);
        }
        self.bytes += w;
        while self.bytes > self.limit {
            let Some((k, v)) = self.answers.pop_lru() else {
                break;
            };
            self.bytes -= Self::weight(&k, &v);
        }
    }
}

/// What the response cache holds now (for `/healthz`).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct CacheStats {
    pub entries: usize,
    pub bytes: usize,
    pub limit_bytes: usize,
}

impl AppState {
    pub async fn open(dir: &Path, token: Option<String>) -> anyhow::Result<AppState> {
        Ok(AppState {
            app: App::open(dir).await?,
            token,
            cache: Mutex::new(Cache::new(
                std::env::var("KEFU_CACHE_BYTES")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(CACHE_BYTES),
            )),
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
            c.clear();
            c.versions = s.versions.clone();
        }
        Ok(s)
    }

    /// The table versions of the current snapshot (renewing it when due).
    pub async fn versions(&self) -> AppResult<Vec<i64>> {
        Ok(self.session().await?.versions)
    }

    pub fn cached(&self, key: &str) -> Option<Bytes> {
        self.cache
            .lock()
            .expect("cache lock")
            .answers
            .get(key)
            .cloned()
    }

    pub fn remember(&self, key: String, v: Bytes) {
        self.cache.lock().expect("cache lock").insert(key, v);
    }

    pub fn cache_stats(&self) -> CacheStats {
        let c = self.cache.lock().expect("cache lock");
        CacheStats {
            entries: c.answers.len(),
            bytes: c.bytes,
            limit_bytes: c.limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_keeps_its_byte_limit_dropping_the_least_recently_used() {
        let mut c = Cache::new(10_000);
        for i in 0..100 {
            c.insert(format!("k{i}"), Bytes::from(vec![b'x'; 900]));
            assert!(c.bytes <= 10_000, "{}", c.bytes);
        }
        assert!(
            c.answers.len() >= 9 && c.answers.len() <= 10,
            "{}",
            c.answers.len()
        );
        assert!(c.answers.contains(&"k99".to_string()));
        assert!(!c.answers.contains(&"k0".to_string()));
        // Touching an old entry keeps it over newer ones.
        c.answers.get(&"k91".to_string());
        c.insert("new".into(), Bytes::from(vec![b'y'; 900]));
        assert!(c.answers.contains(&"k91".to_string()));
        // Replacing a key does not count it twice; one too big is not kept.
        let before = c.bytes;
        c.insert("new".into(), Bytes::from(vec![b'z'; 900]));
        assert_eq!(c.bytes, before);
        c.insert("huge".into(), Bytes::from(vec![b'h'; 5_000]));
        assert!(!c.answers.contains(&"huge".to_string()));
        c.clear();
        assert_eq!((c.bytes, c.answers.len()), (0, 0));
    }
}
