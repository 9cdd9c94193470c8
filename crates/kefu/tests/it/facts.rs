//! The stored conversation facts: loading data in slices gives exactly the facts of
//! loading it at once, and facts left behind by a dying ingest are rebuilt.

use crate::*;
use std::path::{Path, PathBuf};

/// Canonical demo files (every shop in the canonical layout, with conversation ids).
fn canonical_demo(dir: &Path) -> Vec<String> {
    let generated = kefu_json(
        dir,
        &[
            "demo",
            "--generate",
            dir.join("src").to_str().unwrap(),
            "--scale",
            "0.02",
            "--canonical",
            "--json",
        ],
    );
    generated_files(&generated)
        .into_iter()
        .map(|(p, _)| p)
        .collect()
}

/// Splits a CSV into `n` files, row i going to slice i % n: every conversation's
/// messages, and a customer's orders and surveys, arrive over several ingests.
fn slices(file: &str, n: usize, out: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(file).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = rdr.headers().unwrap().clone();
    let stem = Path::new(file).file_stem().unwrap().to_str().unwrap();
    let mut writers: Vec<(PathBuf, csv::Writer<std::fs::File>)> = (0..n)
        .map(|i| {
            let p = out.join(format!("{stem}.part{i}.csv"));
            let mut w = csv::Writer::from_path(&p).unwrap();
            w.write_record(&header).unwrap();
            (p, w)
        })
        .collect();
    for (i, r) in rdr.records().enumerate() {
        writers[i % n].1.write_record(&r.unwrap()).unwrap();
    }
    writers
        .into_iter()
        .map(|(p, mut w)| {
            w.flush().unwrap();
            p
        })
        .collect()
}

const FACT_TABLES: [&str; 4] = ["conversation_facts", "rounds", "inquiries", "survey_facts"];

/// Every fact row, in a stable order.
fn facts(dir: &Path) -> Vec<serde_json::Value> {
    FACT_TABLES
        .iter()
        .map(|t| {
            kefu_json(
                dir,
                &[
                    "query",
                    "--json",
                    &format!("SELECT * FROM {t} ORDER BY row_key, group_key"),
                ],
            )
        })
        .collect()
}

#[test]
fn three_slices_give_the_facts_of_one_load() {
    let tmp = tempfile::tempdir().unwrap();
    let files: Vec<String> = canonical_demo(tmp.path())
        .into_iter()
        .filter(|f| !f.contains("review"))
        .collect();
    assert!(files.len() >= 3, "{files:?}");

    let once = tmp.path().join("once");
    ingest_files(&once, &files);

    let sliced = tmp.path().join("sliced");
    let parts_dir = tmp.path().join("parts");
    std::fs::create_dir_all(&parts_dir).unwrap();
    let parts: Vec<Vec<PathBuf>> = files.iter().map(|f| slices(f, 3, &parts_dir)).collect();
    for i in 0..3 {
        let slice: Vec<String> = parts
            .iter()
            .map(|p| p[i].to_str().unwrap().to_string())
            .collect();
        let r = kefu_json(&sliced, &{
            let mut a = vec!["ingest", "--json"];
            a.extend(slice.iter().map(String::as_str));
            a
        });
        // The first load builds everything; later ones refresh the touched groups.
        assert_eq!(r["facts"]["full"], i == 0, "slice {i}: {}", r["facts"]);
    }

    let (a, b) = (facts(&once), facts(&sliced));
    for (t, (x, y)) in FACT_TABLES.iter().zip(a.iter().zip(&b)) {
        let (xs, ys) = (x.as_array().unwrap(), y.as_array().unwrap());
        assert!(!xs.is_empty(), "{t} is empty");
        assert_eq!(xs.len(), ys.len(), "{t}: row counts differ");
        for (rx, ry) in xs.iter().zip(ys) {
            assert_eq!(rx, ry, "{t}: first differing row");
        }
    }
    let report = |d: &Path| kefu_json(d, &["report", "--json", "--by", "agent"]);
    same_numbers("report", &report(&once), &report(&sliced));
    assert_eq!(
        kefu_json(&sliced, &["store", "status", "--json"])["facts_current"],
        true
    );
}

/// A store too big for one pass is rebuilt in chunks of whole groups (a narrow scan
/// plans them, a second routes the messages to per-chunk spill files): the facts are
/// the same rows as building everything at once.
#[test]
fn a_chunked_rebuild_gives_the_facts_of_one_build() {
    let tmp = tempfile::tempdir().unwrap();
    let files = canonical_demo(tmp.path());
    let data = tmp.path().join("data");
    ingest_files(&data, &files);
    let whole = facts(&data);
    let messages = kefu_json(&data, &["store", "status", "--json"])["messages"]["rows"]
        .as_u64()
        .unwrap();
    let per_chunk = (messages / 4).to_string();
    let out = assert_cmd::Command::cargo_bin("kefu")
        .unwrap()
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "store",
            "rebuild-facts",
            "--json",
        ])
        .env("KEFU_FACTS_CHUNK_MESSAGES", &per_chunk)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["chunks"], 5, "{r}"); // ⌈n / ⌊n/4⌋⌉ = 5 unless n divides by 4
    let chunked = facts(&data);
    for (t, (x, y)) in FACT_TABLES.iter().zip(whole.iter().zip(&chunked)) {
        let (xs, ys) = (x.as_array().unwrap(), y.as_array().unwrap());
        assert!(!xs.is_empty(), "{t} is empty");
        assert_eq!(xs.len(), ys.len(), "{t}: row counts differ");
        for (rx, ry) in xs.iter().zip(ys) {
            assert_eq!(rx, ry, "{t}: first differing row");
        }
    }
    assert_eq!(
        kefu_json(&data, &["store", "status", "--json"])["facts_current"],
        true
    );
    // The chunks' spill files are gone with the rebuild.
    let spills: Vec<_> = std::fs::read_dir(data.join("tmp"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(spills.is_empty(), "left behind: {spills:?}");
}

/// An ingest whose touched groups hold more messages than a chunk rebuilds all facts
/// in chunks instead of loading the groups at once: same facts.
#[test]
fn a_big_refresh_becomes_a_chunked_rebuild() {
    let tmp = tempfile::tempdir().unwrap();
    let files: Vec<String> = canonical_demo(tmp.path())
        .into_iter()
        .filter(|f| !f.contains("review"))
        .collect();
    let parts_dir = tmp.path().join("parts");
    std::fs::create_dir_all(&parts_dir).unwrap();
    let parts: Vec<Vec<PathBuf>> = files.iter().map(|f| slices(f, 2, &parts_dir)).collect();
    let slice = |i: usize| -> Vec<String> {
        parts
            .iter()
            .map(|p| p[i].to_str().unwrap().to_string())
            .collect()
    };
    let data = tmp.path().join("data");
    ingest_files(&data, &slice(0));
    let out = assert_cmd::Command::cargo_bin("kefu")
        .unwrap()
        .arg("--data-dir")
        .arg(&data)
        .args(["ingest", "--json"])
        .args(slice(1))
        .env("KEFU_FACTS_CHUNK_MESSAGES", "2000")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["facts"]["full"], true, "{}", r["facts"]);
    assert!(r["facts"]["chunks"].as_u64().unwrap() > 1, "{}", r["facts"]);

    let once = tmp.path().join("once");
    ingest_files(&once, &files);
    assert_eq!(facts(&once), facts(&data));
}

#[test]
fn facts_behind_after_a_crash_are_rebuilt_by_the_next_ingest() {
    let tmp = tempfile::tempdir().unwrap();
    let files: Vec<String> = canonical_demo(tmp.path())
        .into_iter()
        .filter(|f| !f.contains("review"))
        .collect();
    let parts_dir = tmp.path().join("parts");
    std::fs::create_dir_all(&parts_dir).unwrap();
    let parts: Vec<Vec<PathBuf>> = files.iter().map(|f| slices(f, 2, &parts_dir)).collect();
    let slice = |i: usize| -> Vec<String> {
        parts
            .iter()
            .map(|p| p[i].to_str().unwrap().to_string())
            .collect()
    };
    let data = tmp.path().join("data");
    ingest_files(&data, &slice(0));
    // The second ingest dies after its source commits, before the fact commits.
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("kefu"));
    c.arg("--data-dir").arg(&data).arg("ingest").args(slice(1));
    c.env("KEFU_FAILPOINT", "abort_before_facts");
    let st = c.output().unwrap().status;
    assert!(!st.success());
    assert_eq!(
        kefu_json(&data, &["store", "status", "--json"])["facts_current"],
        false
    );
    // Nothing new to add, but the facts are behind: the next ingest rebuilds them.
    let again = slice(1);
    let mut args = vec!["ingest", "--json"];
    args.extend(again.iter().map(String::as_str));
    let r = kefu_json(&data, &args);
    assert_eq!(r["ingested"], 0);
    assert_eq!(r["facts"]["full"], true, "{}", r["facts"]);

    let once = tmp.path().join("once");
    ingest_files(&once, &files);
    assert_eq!(facts(&once), facts(&data));
}

/// The demo's canonical files, each split in two by row: the same conversations and
/// customers arrive in both halves.
fn halves(tmp: &Path) -> (Vec<String>, [Vec<String>; 2]) {
    let files: Vec<String> = canonical_demo(tmp)
        .into_iter()
        .filter(|f| !f.contains("review"))
        .collect();
    let parts_dir = tmp.join("parts");
    std::fs::create_dir_all(&parts_dir).unwrap();
    let parts: Vec<Vec<PathBuf>> = files.iter().map(|f| slices(f, 2, &parts_dir)).collect();
    let half = |i: usize| -> Vec<String> {
        parts
            .iter()
            .map(|p| p[i].to_str().unwrap().to_string())
            .collect()
    };
    (files.clone(), [half(0), half(1)])
}

/// Waits until some process holds the data directory's writer lock.
fn wait_for_writer(data: &Path) {
    let t = std::time::Instant::now();
    while t.elapsed() < std::time::Duration::from_secs(120) {
        let held = std::fs::File::open(data.join("kefu.lock"))
            .is_ok_and(|f| matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)));
        if held {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("no writer took the lock");
}

#[test]
fn two_concurrent_ingests_end_with_the_facts_of_one_after_the_other() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, [first, second]) = halves(tmp.path());
    let data = tmp.path().join("data");
    // The first ingest holds the store for three seconds before its commits; the
    // second starts meanwhile, on the same conversations and customers.
    let a = std::process::Command::new(assert_cmd::cargo::cargo_bin("kefu"))
        .arg("--data-dir")
        .arg(&data)
        .arg("ingest")
        .args(&first)
        .env("KEFU_FAILPOINT", "pause_before_commit")
        .env("KEFU_FAILPOINT_SECS", "3")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_writer(&data);
    let b = std::process::Command::new(assert_cmd::cargo::cargo_bin("kefu"))
        .arg("--data-dir")
        .arg(&data)
        .arg("ingest")
        .args(&second)
        .output()
        .unwrap();
    let a = a.wait_with_output().unwrap();
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let b_err = String::from_utf8_lossy(&b.stderr);
    assert!(b.status.success(), "{b_err}");
    assert!(b_err.contains("waiting for the store"), "{b_err}");
    assert_eq!(
        kefu_json(&data, &["store", "status", "--json"])["facts_current"],
        true
    );

    let once = tmp.path().join("once");
    ingest_files(&once, &files);
    assert_eq!(facts(&once), facts(&data));
}

/// Ingests the first half, then the second with a crash between its source and
/// fact commits: the facts are behind.
fn behind(tmp: &Path) -> (PathBuf, Vec<String>) {
    let (files, [first, second]) = halves(tmp);
    let data = tmp.join("data");
    ingest_files(&data, &first);
    let st = std::process::Command::new(assert_cmd::cargo::cargo_bin("kefu"))
        .arg("--data-dir")
        .arg(&data)
        .arg("ingest")
        .args(&second)
        .env("KEFU_FAILPOINT", "abort_before_facts")
        .output()
        .unwrap()
        .status;
    assert!(!st.success());
    (data, files)
}

#[test]
fn a_report_over_facts_left_behind_rebuilds_them_first() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, files) = behind(tmp.path());
    let st = kefu_json(&data, &["store", "status", "--json"]);
    assert_eq!(st["facts_current"], false);
    assert!(
        st["facts_stale"].as_str().unwrap().contains("behind"),
        "{st}"
    );

    let out = Command::cargo_bin("kefu")
        .unwrap()
        .arg("--data-dir")
        .arg(&data)
        .args(["report", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("facts were behind"), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report.get("stale").is_none(), "{}", report["stale"]);

    let once = tmp.path().join("once");
    ingest_files(&once, &files);
    same_numbers("", &kefu_json(&once, &["report", "--json"]), &report);
    assert_eq!(
        kefu_json(&data, &["store", "status", "--json"])["facts_current"],
        true
    );
}

#[test]
fn the_api_marks_answers_stale_until_the_facts_catch_up() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, files) = behind(tmp.path());
    // Another writer holds the store: the server cannot catch up and says so.
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(data.join("kefu.lock"))
        .unwrap();
    lock.lock().unwrap();
    let server = crate::api::serve_in(&data, None);
    let overview = |s: &crate::api::Server| {
        let mut r = ureq::get(&format!("{}/api/v1/overview", s.base))
            .call()
            .unwrap();
        let stale = r
            .headers()
            .get("kefu-stale")
            .map(|v| v.to_str().unwrap().to_string());
        let body: serde_json::Value =
            serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        (stale, body)
    };
    let (header, body) = overview(&server);
    let header = header.expect("a stale answer carries Kefu-Stale");
    assert!(header.contains("under way"), "{header}");
    assert!(
        body["stale"].as_str().unwrap().contains("under way"),
        "{body}"
    );

    // The writer lets go: the server rebuilds the facts and the marker goes.
    lock.unlock().unwrap();
    let t = std::time::Instant::now();
    let body = loop {
        let (h, b) = overview(&server);
        if h.is_none() && b.get("stale").is_none() {
            break b;
        }
        assert!(
            t.elapsed() < std::time::Duration::from_secs(120),
            "still stale: {h:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let once = tmp.path().join("once");
    ingest_files(&once, &files);
    let want = kefu_json(&once, &["report", "--json"]);
    same_numbers("body", &want["volume"], &body["volume"]);
}

/// Equal JSON, floats to 1e-9 relative: the same facts in other files are summed in
/// another order.
pub fn same_numbers(path: &str, a: &serde_json::Value, b: &serde_json::Value) {
    use serde_json::Value::*;
    match (a, b) {
        (Number(x), Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
                "{path}: {x} vs {y}"
            );
        }
        (Object(x), Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{path}"
            );
            for (k, v) in x {
                same_numbers(&format!("{path}.{k}"), v, &y[k]);
            }
        }
        (Array(x), Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}");
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                same_numbers(&format!("{path}[{i}]"), v, w);
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

/// Compaction and vacuum rearrange files, not rows: the facts stay current through
/// them (they used to look behind, and the next answer rebuilt every fact), and
/// after a vacuum every Parquet file is one the snapshot reads.
#[test]
fn optimize_and_vacuum_leave_the_facts_current() {
    let tmp = tempfile::tempdir().unwrap();
    let files = canonical_demo(tmp.path());
    let data = tmp.path().join("data");
    ingest_files(&data, &files[..1]);
    ingest_files(&data, &files[1..]);
    let status = |d: &Path| kefu_json(d, &["store", "status", "--json"]);
    assert_eq!(status(&data)["facts_current"], true);
    let before = facts(&data);
    kefu(&data, &["store", "optimize"]);
    kefu(&data, &["store", "vacuum", "--retention-hours", "0"]);
    assert_eq!(status(&data)["facts_current"], true, "{}", status(&data));
    // An answer does not rebuild anything, and the facts are the same rows.
    let out = assert_cmd::Command::cargo_bin("kefu")
        .unwrap()
        .arg("--data-dir")
        .arg(&data)
        .args(["report", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("were behind"), "{err}");
    assert_eq!(facts(&data), before);
    // A new ingest after the maintenance still refreshes as usual.
    ingest_files(&data, &files[..1]);
    assert_eq!(status(&data)["facts_current"], true);
}
