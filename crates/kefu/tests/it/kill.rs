//! Killing an ingest at any moment leaves every table as it was before or after.

use crate::*;
use std::path::{Path, PathBuf};
use std::process::{Command as Std, Stdio};
use std::time::{Duration, Instant};

fn demo_files(dir: &Path) -> Vec<(String, String)> {
    let generated = kefu_json(
        dir,
        &[
            "demo",
            "--generate",
            dir.join("src").to_str().unwrap(),
            "--scale",
            "0.03",
            "--json",
        ],
    );
    generated_files(&generated)
}

/// Canonical files only (one ingest, one format): JD chat, orders, surveys, reviews.
fn canonical(files: &[(String, String)]) -> Vec<String> {
    files
        .iter()
        .filter(|f| f.1 == "kefu-csv")
        .map(|f| f.0.clone())
        .collect()
}

fn spawn_ingest(data: &Path, files: &[String], failpoint: Option<&str>) -> std::process::Child {
    let mut c = Std::new(assert_cmd::cargo::cargo_bin("kefu"));
    c.arg("--data-dir").arg(data).arg("ingest").args(files);
    if let Some(f) = failpoint {
        c.env("KEFU_FAILPOINT", f);
    }
    c.stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn kill_after(data: &Path, files: &[String], failpoint: Option<&str>, after: Duration) -> bool {
    let mut child = spawn_ingest(data, files, failpoint);
    let start = Instant::now();
    while start.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    true
}

fn fresh(root: &Path, name: &str) -> PathBuf {
    let p = root.join(name);
    std::fs::create_dir_all(&p).unwrap();
    p
}

#[test]
fn a_killed_ingest_leaves_each_table_before_or_after() {
    let root = tempfile::tempdir().unwrap();
    let files = canonical(&demo_files(root.path()));
    // The "after" state, from an ingest that runs to the end.
    let reference = fresh(root.path(), "reference");
    ingest_files(&reference, &files);
    let after = counts(&reference);
    assert!(
        after[0] > 5_000 && after[1] > 0 && after[2] > 0 && after[3] > 0,
        "{after:?}"
    );
    let before = [0u64; 5];

    // Deterministic points: mid-write (files being written, nothing committed) and
    // before the commits.
    for fp in ["pause_mid_write", "pause_before_commit"] {
        let d = fresh(root.path(), fp);
        kefu(&d, &["store", "status"]);
        let killed = kill_after(&d, &files, Some(fp), Duration::from_millis(2500));
        assert!(killed, "{fp}: the ingest should still be paused");
        assert_eq!(counts(&d), before, "{fp}");
    }

    // Killed between two table commits: the first table is whole, the others
    // untouched; a re-run completes the rest and duplicates nothing.
    let d = fresh(root.path(), "between");
    let status = spawn_ingest(&d, &files, Some("abort_after_first_commit"))
        .wait()
        .unwrap();
    assert!(!status.success());
    let c = counts(&d);
    assert_eq!(c[0], after[0], "messages committed first, whole");
    assert_eq!(&c[1..], &before[1..], "the other tables untouched");
    ingest_files(&d, &files);
    assert_eq!(counts(&d), after);

    // Kills at arbitrary moments.
    for (i, ms) in [30u64, 150, 400, 800, 1500, 3000].into_iter().enumerate() {
        let d = fresh(root.path(), &format!("t{i}"));
        kefu(&d, &["store", "status"]);
        kill_after(&d, &files, None, Duration::from_millis(ms));
        let c = counts(&d);
        for t in 0..5 {
            assert!(
                c[t] == before[t] || c[t] == after[t],
                "killed at {ms} ms: table {t} has {} rows (before {}, after {})",
                c[t],
                before[t],
                after[t]
            );
        }
        // Whatever state it was left in, a re-run reaches exactly the after state.
        ingest_files(&d, &files);
        assert_eq!(counts(&d), after, "re-run after a kill at {ms} ms");
    }
}
