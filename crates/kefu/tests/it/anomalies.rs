//! `kefu anomalies` end to end: five weeks of steady daytime chat; a planted evening
//! burst of logistics complaints is flagged at its hour (as conversations and as the
//! logistics category) with a sentence, and the same store without it flags nothing.

use super::{kefu, kefu_json};
use serde_json::Value;
use std::fmt::Write as _;

const START: (i32, u32, u32) = (2026, 10, 26);
const DAYS: i64 = 35;
/// The burst: 2026-11-25, 20:00–21:00 shop time.
const BURST_DAY: i64 = 30;
const BURST_HOUR: u32 = 20;

fn chat(burst: bool) -> String {
    let mut out = String::from(
        "message_id,conversation_id,shop_id,platform,channel,ts,sender,agent_id,customer_id,text,kind,product_id,order_id\n",
    );
    let start = chrono::NaiveDate::from_ymd_opt(START.0, START.1, START.2).unwrap();
    let mut row = |c: &str, t0: chrono::NaiveDateTime, q: &str| {
        let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S").to_string();
        let t1 = t0 + chrono::Duration::seconds(45);
        writeln!(
            out,
            "{c}-1,{c},s1,douyin,chat,{},customer,,u{c},{q},,,",
            fmt(t0)
        )
        .unwrap();
        writeln!(
            out,
            "{c}-2,{c},s1,douyin,chat,{},agent,a1,u{c},好的亲 马上为您处理,,,",
            fmt(t1)
        )
        .unwrap();
    };
    for d in 0..DAYS {
        let day = start + chrono::Duration::days(d);
        for h in 9..=18u32 {
            // 3–5 conversations an hour, the same pattern every week.
            let n = 3 + ((d % 7) as u32 + h) % 3;
            for i in 0..n {
                let t0 = day.and_hms_opt(h, i * 11, 0).unwrap();
                row(&format!("c{d}-{h}-{i}"), t0, "请问这个有现货吗");
            }
        }
        if burst && d == BURST_DAY {
            for i in 0..25u32 {
                let t0 = day.and_hms_opt(BURST_HOUR, i * 2, 0).unwrap();
                row(
                    &format!("x{i}"),
                    t0,
                    "快递怎么还没到 物流三天都没更新了 太慢了",
                );
            }
        }
    }
    out
}

fn store(burst: bool) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("chat.csv");
    std::fs::write(&path, chat(burst)).unwrap();
    kefu(d.path(), &["ingest", path.to_str().unwrap()]);
    d
}

fn flagged<'a>(a: &'a Value, metric: &str, grain: &str) -> Vec<&'a Value> {
    a["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["metric"] == metric && x["grain"] == grain)
        .collect()
}

#[test]
fn a_planted_evening_burst_is_flagged_at_its_hour() {
    let d = store(true);
    let a = kefu_json(d.path(), &["anomalies", "--json"]);
    let hours = flagged(&a, "conversations", "hour");
    assert_eq!(hours.len(), 1, "{a:#}");
    let x = hours[0];
    assert_eq!(x["t"], "2026-11-25 20");
    assert_eq!(x["observed"], 25.0);
    assert_eq!(x["kind"], "spike");
    assert_eq!(x["direction"], "up");
    assert!(x["expected"].as_f64().unwrap() < 1.0, "{x}");
    assert!(x["upper"].as_f64().unwrap() < 25.0, "{x}");
    assert!(x["score"].as_f64().unwrap() > 4.0, "{x}");
    let why = x["explanation"].as_str().unwrap();
    assert!(
        why.starts_with("conversations 20:00–21:00 on 2026-11-25: 25 vs 0 expected"),
        "{why}"
    );
    // The burst was logistics complaints: that category's hour is flagged too.
    let logistics = flagged(&a, "category:logistics", "hour");
    assert!(logistics.iter().any(|x| x["t"] == "2026-11-25 20"), "{a:#}");
    // Every series was judged, at both grains.
    let series: Vec<&str> = a["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for s in [
        "conversations@hour",
        "conversations@day",
        "frt_p50@hour",
        "three_min_rate@day",
    ] {
        assert!(series.contains(&s), "{series:?}");
    }
    // One metric, one grain, a period: only what was asked.
    let one = kefu_json(
        d.path(),
        &[
            "anomalies",
            "--metric",
            "conversations",
            "--grain",
            "hour",
            "--from",
            "2026-11-25",
            "--to",
            "2026-11-25",
            "--json",
        ],
    );
    assert_eq!(one["series"], serde_json::json!(["conversations@hour"]));
    assert_eq!(one["anomalies"].as_array().unwrap().len(), 1, "{one:#}");
    let before = kefu_json(
        d.path(),
        &[
            "anomalies",
            "--metric",
            "conversations",
            "--to",
            "2026-11-24",
            "--json",
        ],
    );
    assert!(
        flagged(&before, "conversations", "hour").is_empty(),
        "{before:#}"
    );
    // The text form says it in words.
    let text = kefu(
        d.path(),
        &["anomalies", "--metric", "conversations", "--grain", "hour"],
    );
    assert!(
        text.contains("▲ conversations 20:00–21:00 on 2026-11-25"),
        "{text}"
    );
}

#[test]
fn steady_chat_flags_nothing_and_bad_metrics_are_refused() {
    let d = store(false);
    let a = kefu_json(d.path(), &["anomalies", "--json"]);
    for m in [
        "conversations",
        "customer_messages",
        "frt_p50",
        "three_min_rate",
    ] {
        for g in ["hour", "day"] {
            assert!(flagged(&a, m, g).is_empty(), "{m}@{g}: {a:#}");
        }
    }
    let out = assert_cmd::Command::cargo_bin("kefu")
        .unwrap()
        .arg("--data-dir")
        .arg(d.path())
        .args(["anomalies", "--metric", "volume"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("metric") && err.contains("category:<label>"),
        "{err}"
    );
}
