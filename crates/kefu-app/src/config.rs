//! `kefu.toml` of a data directory: read, changed one key at a time, shown with
//! every default filled in. Works without opening the store.

use crate::{AppError, AppResult};
use kefu_model::Config;
use std::path::{Path, PathBuf};

/// `kefu.toml` of a data directory.
pub fn config_path(dir: &Path) -> PathBuf {
    dir.join("kefu.toml")
}

/// The configuration of a data directory (defaults when it has no kefu.toml).
pub fn load_config(dir: &Path) -> anyhow::Result<Config> {
    use anyhow::Context;
    let p = config_path(dir);
    if !p.exists() {
        return Ok(Config::default());
    }
    let text = std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
    Config::parse(&text).with_context(|| format!("in {}", p.display()))
}

/// Writes `kefu.toml` with one key changed (`shop` = None: the defaults); `value`
/// is a TOML value, strings need no quotes.
pub fn set(dir: &Path, shop: Option<&str>, key: &str, value: &str) -> AppResult<()> {
    let mut cfg = load_config(dir)?;
    let v: toml::Value = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or(toml::Value::String(value.to_string()));
    cfg.set(shop, key, v)
        .map_err(|e| AppError::bad(key, e.to_string()))?;
    std::fs::create_dir_all(dir)?;
    std::fs::write(config_path(dir), cfg.to_toml())?;
    Ok(())
}

/// The effective settings of the defaults and every configured shop (or one), keyed
/// `defaults` / shop id.
pub fn effective(
    dir: &Path,
    shop: Option<&str>,
) -> AppResult<serde_json::Map<String, serde_json::Value>> {
    let cfg = load_config(dir)?;
    let shops: Vec<String> = match shop {
        Some(s) => vec![s.to_string()],
        None => std::iter::once(String::new())
            .chain(cfg.shop_ids().map(str::to_string))
            .collect(),
    };
    let mut out = serde_json::Map::new();
    for s in shops {
        let eff = cfg
            .shop(&s)
            .map_err(|e| AppError::bad("shop", e.to_string()))?;
        out.insert(
            if s.is_empty() { "defaults".into() } else { s },
            serde_json::to_value(eff)?,
        );
    }
    Ok(out)
}
