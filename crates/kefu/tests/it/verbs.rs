//! The forecast and staffing verbs fed from the store.

use crate::*;

#[test]
fn forecast_and_staff_plan_from_the_store() {
    let data = tempfile::tempdir().unwrap();
    let src = data.path().join("src");
    kefu(
        data.path(),
        &[
            "demo",
            "--generate",
            src.to_str().unwrap(),
            "--scale",
            "0.02",
        ],
    );
    kefu(
        data.path(),
        &[
            "ingest",
            src.join("jd-official_messages.csv").to_str().unwrap(),
        ],
    );

    let fc = kefu_json(data.path(), &["forecast", "--horizon", "48h", "--json"]);
    let points = fc["forecast"].as_array().unwrap();
    assert_eq!(points.len(), 48);
    assert!(points.iter().all(|p| p["value"].as_f64().unwrap() >= 0.0
        && p["lo"].as_f64().unwrap() <= p["hi"].as_f64().unwrap()));
    // The history ends on the last generated day (2025-11-29, shop time).
    let first = points[0]["ts"].as_str().unwrap();
    assert!(
        first.starts_with("2025-11-29") || first.starts_with("2025-11-30"),
        "{first}"
    );
    // Evening is busier than the small hours in the generated shops.
    let at = |hh: &str| {
        points
            .iter()
            .find(|p| p["ts"].as_str().unwrap().ends_with(hh))
            .and_then(|p| p["value"].as_f64())
            .unwrap()
    };
    assert!(
        at("21:00:00") > at("04:00:00"),
        "21:00 {} vs 04:00 {}",
        at("21:00:00"),
        at("04:00:00")
    );

    let plan = kefu_json(
        data.path(),
        &[
            "staff",
            "plan",
            "--shop",
            "jd-official",
            "--horizon",
            "24h",
            "--aht",
            "240",
            "--concurrency",
            "3",
            "--json",
        ],
    );
    let hours = plan["hours"].as_array().unwrap();
    assert_eq!(hours.len(), 24);
    for h in hours {
        assert!(
            h["scheduled"].as_u64().unwrap() >= h["required_headcount"].as_u64().unwrap(),
            "{h}"
        );
    }
}

#[test]
fn simulate_replays_the_stores_conversations() {
    let data = tempfile::tempdir().unwrap();
    let src = data.path().join("src");
    kefu(
        data.path(),
        &[
            "demo",
            "--generate",
            src.to_str().unwrap(),
            "--scale",
            "0.02",
        ],
    );
    kefu(
        data.path(),
        &[
            "ingest",
            src.join("jd-official_messages.csv").to_str().unwrap(),
        ],
    );
    // Two shop-local days, 08:00–23:00 staffed.
    let mut roster = String::from("ts,agents\n");
    for day in ["2025-11-10", "2025-11-11"] {
        for h in 8..23 {
            roster.push_str(&format!("{day} {h:02}:00:00,40\n"));
        }
    }
    let path = data.path().join("roster.csv");
    std::fs::write(&path, roster).unwrap();
    // Expected offered: conversations (not outbound, first cycle) started from the
    // roster's first hour to the end of its last (the unstaffed night between them
    // included: those customers wait for the morning). Shop time is UTC+8:
    // 2025-11-10 08:00 … 2025-11-11 23:00 local = 2025-11-10 00:00 … 11-11 15:00 UTC.
    let want = kefu_json(
        data.path(),
        &[
            "query",
            "--json",
            "SELECT count(*) AS n FROM conversation_facts WHERE shop_id = 'jd-official' AND cycle = 0 AND NOT outbound \
             AND start_ts >= TIMESTAMP '2025-11-10T00:00:00Z' AND start_ts < TIMESTAMP '2025-11-11T15:00:00Z'",
        ],
    )[0]["n"]
        .as_u64()
        .unwrap();
    assert!(want > 0);
    let r = kefu_json(
        data.path(),
        &[
            "simulate",
            "--roster",
            path.to_str().unwrap(),
            "--from-store",
            "--shop",
            "jd-official",
            "--json",
        ],
    );
    assert_eq!(r["offered"].as_u64().unwrap(), want, "{r}");
    // 40 agents for a few chats an hour: every staffed hour meets the target, the
    // night's arrivals wait for the morning.
    let hours = r["hours"].as_array().unwrap();
    for h in hours {
        if h["agents"].as_u64().unwrap() > 0 {
            assert_eq!(h["answered_within_target"], h["offered"], "{h}");
        }
    }
    let night: u64 = hours
        .iter()
        .filter(|h| h["agents"] == 0)
        .map(|h| h["offered"].as_u64().unwrap())
        .sum();
    let sl = r["service_level"].as_f64().unwrap();
    assert!(
        (sl - (want - night) as f64 / want as f64).abs() < 1e-9,
        "{r}"
    );
}
