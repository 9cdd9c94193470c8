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
