//! End-to-end tests of the `kefu` binary on temporary data directories.

mod anomalies;
mod api;
mod compare;
mod facts;
mod ingest;
mod kill;
mod staff_cli;
mod text_cli;
mod verbs;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// `kefu --data-dir DIR args...`, expecting success, returning stdout.
pub fn kefu(dir: &Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("kefu")
        .unwrap()
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kefu {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn kefu_json(dir: &Path, args: &[&str]) -> Value {
    let s = kefu(dir, args);
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// Row counts of every table, from `kefu store status --json`.
pub fn counts(dir: &Path) -> [u64; 5] {
    let v = kefu_json(dir, &["store", "status", "--json"]);
    ["messages", "orders", "surveys", "reviews", "quarantine"]
        .map(|t| v[t]["rows"].as_u64().unwrap())
}

/// `(path, --format)` pairs of a `kefu demo --generate --json` summary.
pub fn generated_files(summary: &Value) -> Vec<(String, String)> {
    summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f[0].as_str().unwrap().to_string(),
                f[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `kefu ingest FILES...`, expecting success.
pub fn ingest_files(dir: &Path, files: &[String]) {
    let mut args = vec!["ingest"];
    args.extend(files.iter().map(String::as_str));
    kefu(dir, &args);
}
