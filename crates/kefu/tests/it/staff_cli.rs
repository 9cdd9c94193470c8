//! `kefu staff …`, `kefu forecast series`, `kefu simulate` on files, through the
//! binary (moved from kefu-forecast's stand-alone front end).

use assert_cmd::Command;
use serde_json::Value;

fn bin() -> Command {
    Command::cargo_bin("kefu").unwrap()
}

fn json(args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    crate::kefu_json(dir.path(), args)
}

#[test]
fn staff_erlang_json_contract() {
    let v = json(&[
        "staff",
        "erlang",
        "--arrivals",
        "120",
        "--interval",
        "3600",
        "--aht",
        "60",
        "--target-answer",
        "20",
        "--service-level",
        "0.8",
        "--shrinkage",
        "0.25",
        "--json",
    ]);
    let keys = [
        "traffic_erlangs",
        "raw_positions",
        "positions",
        "service_level",
        "occupancy",
        "waiting_probability",
        "asa_secs",
    ];
    let obj = v.as_object().unwrap();
    assert_eq!(obj.len(), keys.len(), "{v}");
    for k in keys {
        assert!(obj.contains_key(k), "missing {k} in {v}");
    }
    assert_eq!(v["raw_positions"], 4);
    assert_eq!(v["positions"], 6);

    // --patience adds Erlang A for the same 4 agents: only customers who
    // wait can leave, and leaving shortens the queue, so
    // P(abandon) ≤ P_A(wait) ≤ P_C(wait).
    let v = json(&[
        "staff",
        "erlang",
        "--arrivals",
        "120",
        "--interval",
        "3600",
        "--aht",
        "60",
        "--target-answer",
        "20",
        "--service-level",
        "0.8",
        "--patience",
        "60",
        "--json",
    ]);
    let ea = &v["erlang_a"];
    let p = ea["abandonment_probability"].as_f64().unwrap();
    assert!(p > 0.0 && p < 0.2, "{v}");
    assert!(p <= ea["waiting_probability"].as_f64().unwrap(), "{v}");
    assert!(
        ea["waiting_probability"].as_f64().unwrap() <= v["waiting_probability"].as_f64().unwrap()
    );
}

#[test]
fn forecast_series_json_contract() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("h.csv");
    let mut text = String::from("ts,value\n");
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    for i in 0..(4 * 168) {
        let ts = start + chrono::Duration::hours(i);
        let v = 5 + (i % 24) * (i % 7 + 1) % 17;
        text.push_str(&format!("{},{v}\n", ts.format("%Y-%m-%d %H:%M:%S")));
    }
    std::fs::write(&csv, text).unwrap();
    let v = json(&[
        "forecast",
        "series",
        "--input",
        csv.to_str().unwrap(),
        "--horizon",
        "48",
        "--json",
    ]);
    assert!(v["model"].is_string());
    assert!(v["backtest"].is_object());
    let f = v["forecast"].as_array().unwrap();
    assert_eq!(f.len(), 48);
    assert_eq!(f[0]["ts"], "2026-03-29 00:00:00");
    for p in f {
        for k in ["value", "lo", "hi"] {
            assert!(p[k].as_f64().unwrap() >= 0.0, "{p}");
        }
    }
}

#[test]
fn simulate_and_plan_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "ts,agents\n2026-03-02 09:00:00,2\n2026-03-02 10:00:00,1\n",
    )
    .unwrap();
    let arrivals = dir.path().join("arrivals.csv");
    std::fs::write(
        &arrivals,
        "ts,service_secs\n2026-03-02 09:00:10,300\n2026-03-02 09:01:00,200\n2026-03-02 09:02:00,100\n2026-03-02 10:30:00,\n",
    )
    .unwrap();
    let v = json(&[
        "simulate",
        "--roster",
        roster.to_str().unwrap(),
        "--arrivals",
        arrivals.to_str().unwrap(),
        "--target-answer",
        "60",
        "--json",
    ]);
    assert_eq!(v["offered"], 4);
    assert_eq!(v["hours"].as_array().unwrap().len(), 2);
    // Two agents: the third contact waits until 09:05:10 (250 s > 60 s).
    assert_eq!(v["hours"][0]["answered_within_target"], 2);

    // staff plan on a 5-week synthetic history, to JSON and to xlsx.
    let hist = dir.path().join("hist.csv");
    let mut text = String::from("ts,value\n");
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 4)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    for i in 0..(5 * 168) {
        let ts = start + chrono::Duration::hours(i);
        let hod = i % 24;
        let v = if (9..21).contains(&hod) {
            30 + (i * 7) % 11
        } else {
            i % 3
        };
        text.push_str(&format!("{},{v}\n", ts.format("%Y-%m-%d %H:%M:%S")));
    }
    std::fs::write(&hist, text).unwrap();
    let v = json(&[
        "staff",
        "plan",
        "--input",
        hist.to_str().unwrap(),
        "--horizon",
        "48",
        "--json",
    ]);
    let hours = v["hours"].as_array().unwrap();
    assert_eq!(hours.len(), 48);
    for h in hours {
        assert!(
            h["scheduled"].as_u64().unwrap() >= h["required_headcount"].as_u64().unwrap(),
            "{h}"
        );
    }
    assert!(v["simulated"]["service_level"].as_f64().unwrap() > 0.0);
    let xlsx = dir.path().join("plan.xlsx");
    let out = bin()
        .args([
            "staff",
            "plan",
            "--input",
            hist.to_str().unwrap(),
            "--horizon",
            "48",
            "--xlsx",
            xlsx.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&xlsx).unwrap();
    assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip");
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let out = bin()
        .args([
            "staff",
            "erlang",
            "--arrivals",
            "10",
            "--aht",
            "60",
            "--target-answer",
            "20",
            "--service-level",
            "1.5",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("service level"));
}

/// A mistyped arrival count answers at once with the reason (it used to walk
/// billions of positions).
#[test]
fn an_impossible_load_is_an_error_not_a_hang() {
    let out = bin()
        .args([
            "staff",
            "erlang",
            "--arrivals",
            "1e12",
            "--aht",
            "300",
            "--target-answer",
            "20",
            "--service-level",
            "0.8",
        ])
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("more than 1000000 agents"), "{err}");
}
