//! `kefu compare` on planted effects: a week whose first replies are 1.5× slower
//! is significantly worse on FRT; two weeks drawn from one distribution show no
//! significant change anywhere (Benjamini–Hochberg across the metrics).

use super::{kefu, kefu_json};
use serde_json::Value;
use std::fmt::Write as _;

/// A small deterministic generator (SplitMix64): the test needs no rand crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Log-normal with median `median` (σ = 0.6 in log space).
    fn lognormal(&mut self, median: f64) -> f64 {
        let (u1, u2) = (self.next().max(1e-12), self.next());
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        median * (0.6 * z).exp()
    }
}

/// Chat rows: `per_day` conversations a day for 7 days from `start`, each a
/// customer question answered after a log-normal wait with the given median.
fn week(
    out: &mut String,
    rng: &mut Rng,
    start_day: u32,
    per_day: u32,
    median_secs: f64,
    tag: &str,
) {
    for day in 0..7 {
        for i in 0..per_day {
            let c = format!("{tag}-{day}-{i}");
            let (h, m) = (9 + (i % 10), (i * 7) % 60);
            let t0 = chrono::NaiveDate::from_ymd_opt(2026, 11, start_day + day)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap();
            let wait = rng.lognormal(median_secs).round().max(1.0) as i64;
            let t1 = t0 + chrono::Duration::seconds(wait);
            let t2 = t1 + chrono::Duration::seconds(40);
            let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S").to_string();
            let u = format!("u{tag}{day}{i}");
            writeln!(
                out,
                "{c}-1,{c},s1,douyin,chat,{},customer,,{u},这个有现货吗,,,",
                fmt(t0)
            )
            .unwrap();
            writeln!(
                out,
                "{c}-2,{c},s1,douyin,chat,{},agent,a{},{u},有的亲,,,",
                fmt(t1),
                i % 3
            )
            .unwrap();
            writeln!(
                out,
                "{c}-3,{c},s1,douyin,chat,{},customer,,{u},好的谢谢,,,",
                fmt(t2)
            )
            .unwrap();
        }
    }
}

fn store(b_median: f64, seed: u64) -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let mut csv = String::from(
        "message_id,conversation_id,shop_id,platform,channel,ts,sender,agent_id,customer_id,text,kind,product_id,order_id\n",
    );
    let mut rng = Rng(seed);
    week(&mut csv, &mut rng, 2, 40, 60.0, "a");
    week(&mut csv, &mut rng, 9, 40, b_median, "b");
    let path = data.path().join("chat.csv");
    std::fs::write(&path, csv).unwrap();
    kefu(data.path(), &["ingest", path.to_str().unwrap()]);
    data
}

fn metric<'a>(c: &'a Value, name: &str) -> &'a Value {
    c["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap_or_else(|| panic!("no {name} in {c}"))
}

#[test]
fn a_slower_week_is_significantly_worse_on_first_response() {
    let d = store(90.0, 7);
    let c = kefu_json(
        d.path(),
        &[
            "compare",
            "--a",
            "2026-11-02..2026-11-08",
            "--b",
            "2026-11-09..2026-11-15",
            "--json",
        ],
    );
    let frt = metric(&c, "frt_secs");
    assert_eq!(frt["kind"], "duration");
    assert_eq!(frt["test"], "mann_whitney_u");
    assert_eq!(frt["a"]["n"], 280, "{frt}");
    assert_eq!(frt["significant"], true, "{frt}");
    assert_eq!(frt["verdict"], "worse", "{frt}");
    let rel = frt["relative_change"].as_f64().unwrap();
    assert!((0.3..0.8).contains(&rel), "median +50 % planted, got {rel}");
    // The Hodges–Lehmann shift is positive and its interval excludes 0.
    let ci = frt["ci"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() > 0.0, "{frt}");
    assert!(
        frt["summary"].as_str().unwrap().contains("significant (p"),
        "{frt}"
    );
    // Volume did not change: same conversations every day.
    let conv = metric(&c, "conversations");
    assert_eq!(conv["significant"], false, "{conv}");
    assert_eq!(conv["a"]["total"], 280.0);
    // The text form says it in words.
    let text = kefu(
        d.path(),
        &[
            "compare",
            "--b",
            "2026-11-09..2026-11-15",
            "--vs",
            "previous",
        ],
    );
    assert!(text.contains("▼ FRT median"), "{text}");
}

#[test]
fn two_weeks_from_one_distribution_show_no_significant_change() {
    let d = store(60.0, 11);
    let c = kefu_json(
        d.path(),
        &[
            "compare",
            "--b",
            "2026-11-09..2026-11-15",
            "--vs",
            "previous",
            "--by",
            "agent",
            "--json",
        ],
    );
    assert_eq!(c["a"]["from"], "2026-11-02");
    let sig: Vec<&Value> = c["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["significant"] == true)
        .collect();
    assert!(sig.is_empty(), "significant under the null: {sig:?}");
    let frt = metric(&c, "frt_secs");
    assert!(frt["p_value"].as_f64().unwrap() > 0.05, "{frt}");
    // One breakdown row per agent, each with its own tests.
    let keys: Vec<&str> = c["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    for a in ["a0", "a1", "a2"] {
        assert!(keys.contains(&a), "{keys:?}");
    }
    // Bad input is a clear error.
    let out = assert_cmd::Command::cargo_bin("kefu")
        .unwrap()
        .arg("--data-dir")
        .arg(d.path())
        .args(["compare", "--b", "2026-11-15..2026-11-09"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("b:"));
}

/// Chat and surveys whose satisfaction follows a planted logistic model:
/// logit P(rated 4–5) = 2 − `frt_effect`·FRT minutes − 1·(logistics complaint).
fn surveyed(frt_effect: f64, logistics_effect: f64, seed: u64) -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let mut chat = String::from(
        "message_id,conversation_id,shop_id,platform,channel,ts,sender,agent_id,customer_id,text,kind,product_id,order_id\n",
    );
    let mut surveys = String::from(
        "shop_id,conversation_id,customer_id,agent_id,ts,score,scale,dimension,comment\n",
    );
    let mut rng = Rng(seed);
    for i in 0..1500u32 {
        let c = format!("c{i}");
        let u = format!("u{i}");
        let t0 = chrono::NaiveDate::from_ymd_opt(2026, 11, 1 + (i % 28))
            .unwrap()
            .and_hms_opt(9 + (i % 11), (i * 13) % 60, 0)
            .unwrap();
        let frt_min = 0.5 + 9.5 * rng.next();
        let logistics = rng.next() < 0.4;
        let text = if logistics {
            "快递太慢了一个星期还没到"
        } else {
            "这个有现货吗"
        };
        let t1 = t0 + chrono::Duration::seconds((frt_min * 60.0).round() as i64);
        let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S").to_string();
        let agent = format!("a{}", i % 3);
        writeln!(
            chat,
            "{c}-1,{c},s1,douyin,chat,{},customer,,{u},{text},,,",
            fmt(t0)
        )
        .unwrap();
        writeln!(
            chat,
            "{c}-2,{c},s1,douyin,chat,{},agent,{agent},{u},好的亲，马上为您处理,,,",
            fmt(t1)
        )
        .unwrap();
        let eta = 2.0 - frt_effect * frt_min - if logistics { logistics_effect } else { 0.0 };
        let p = 1.0 / (1.0 + (-eta).exp());
        let score = if rng.next() < p { 5 } else { 2 };
        let ts = fmt(t1 + chrono::Duration::minutes(5));
        writeln!(surveys, "s1,{c},{u},{agent},{ts},{score},5,overall,").unwrap();
    }
    let (cp, sp) = (
        data.path().join("chat.csv"),
        data.path().join("surveys.csv"),
    );
    std::fs::write(&cp, chat).unwrap();
    std::fs::write(&sp, surveys).unwrap();
    kefu(
        data.path(),
        &["ingest", cp.to_str().unwrap(), sp.to_str().unwrap()],
    );
    data
}

fn term<'a>(d: &'a Value, name: &str) -> &'a Value {
    d["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["term"] == name)
        .unwrap_or_else(|| panic!("no term {name} in {d}"))
}

#[test]
fn drivers_recover_planted_odds_ratios_and_rank_first_response_first() {
    let d = surveyed(0.5, 1.0, 3);
    let out = kefu_json(
        d.path(),
        &["drivers", "--terms", "frt_minutes,category", "--json"],
    );
    assert_eq!(out["n"], 1500, "{out}");
    let frt = term(&out, "frt_minutes");
    let ci = frt["ci"].as_array().unwrap();
    let planted = (-0.5f64).exp();
    assert!(
        ci[0].as_f64().unwrap() <= planted && planted <= ci[1].as_f64().unwrap(),
        "planted OR {planted} outside {frt}"
    );
    assert!(
        frt["summary"].as_str().unwrap().starts_with(
            "each extra minute of first response lowers the odds of a satisfied rating by"
        ),
        "{frt}"
    );
    let lg = term(&out, "category:logistics");
    let ci = lg["ci"].as_array().unwrap();
    let planted = (-1.0f64).exp();
    assert!(
        ci[0].as_f64().unwrap() <= planted && planted <= ci[1].as_f64().unwrap(),
        "planted OR {planted} outside {lg}"
    );
    assert_eq!(out["drivers"][0]["family"], "frt_minutes", "{out}");
    // Every family by default: agents and hour bands get references, nothing crashes.
    let all = kefu_json(d.path(), &["drivers", "--json"]);
    assert!(all["reference_levels"]["agent"].is_string(), "{all}");
    let text = kefu(d.path(), &["drivers"]);
    assert!(text.contains("What explains most"), "{text}");
    let o = kefu_json(
        d.path(),
        &["drivers", "--outcome", "dissatisfied", "--json"],
    );
    assert_eq!(o["outcome"], "dissatisfied", "{o}");
    // Every conversation here is resolved, and none is an inquiry: clear errors
    // that say so, not a crash.
    for outcome in ["resolved", "converted"] {
        let out = assert_cmd::Command::cargo_bin("kefu")
            .unwrap()
            .arg("--data-dir")
            .arg(d.path())
            .args(["drivers", "--outcome", outcome])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("outcome"),
            "{outcome}: {err}"
        );
    }
}

#[test]
fn drivers_find_nothing_where_nothing_was_planted() {
    let d = surveyed(0.0, 0.0, 5);
    let out = kefu_json(
        d.path(),
        &["drivers", "--terms", "frt_minutes,category", "--json"],
    );
    assert_eq!(term(&out, "frt_minutes")["significant"], false, "{out}");
    assert_eq!(
        term(&out, "category:logistics")["significant"],
        false,
        "{out}"
    );
    // A term nobody knows is a clear error.
    let bad = assert_cmd::Command::cargo_bin("kefu")
        .unwrap()
        .arg("--data-dir")
        .arg(d.path())
        .args(["drivers", "--terms", "weather"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("weather"));
}

/// Two shops from 14 October to 28 November, 20 conversations a day each (60 on the
/// 双11 campaign days 11–13 November); from `change_day` shop s1's first replies take
/// `s1_after` seconds at the median, s2's `s2_after`, 60 s before.
fn two_shops(s1_after: f64, s2_after: f64, seed: u64) -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join("kefu.toml"),
        "[[campaigns]]\nname = \"双11\"\nfrom = 2025-11-11\nto = 2025-11-13\n\n\
         [[changes]]\nname = \"new script\"\ndate = 2025-11-17\nshop = \"s1\"\ndescription = \"shorter greeting\"\n",
    )
    .unwrap();
    let mut csv = String::from(
        "message_id,conversation_id,shop_id,platform,channel,ts,sender,agent_id,customer_id,text,kind,product_id,order_id\n",
    );
    let mut rng = Rng(seed);
    let start = chrono::NaiveDate::from_ymd_opt(2025, 10, 14).unwrap();
    let change = chrono::NaiveDate::from_ymd_opt(2025, 11, 17).unwrap();
    for (k, day) in start.iter_days().take(46).enumerate() {
        let campaign = day >= chrono::NaiveDate::from_ymd_opt(2025, 11, 11).unwrap()
            && day <= chrono::NaiveDate::from_ymd_opt(2025, 11, 13).unwrap();
        for shop in ["s1", "s2"] {
            let median = match (day >= change, shop) {
                (true, "s1") => s1_after,
                (true, _) => s2_after,
                _ => 60.0,
            };
            for i in 0..(if campaign { 60 } else { 20 }) {
                let c = format!("{shop}-{k}-{i}");
                let t0 = day.and_hms_opt(9 + (i % 12), (i * 7) % 60, 0).unwrap();
                let wait = rng.lognormal(median).round().max(1.0) as i64;
                let t1 = t0 + chrono::Duration::seconds(wait);
                let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S").to_string();
                let u = format!("u{c}");
                writeln!(
                    csv,
                    "{c}-1,{c},{shop},douyin,chat,{},customer,,{u},这个有现货吗,,,",
                    fmt(t0)
                )
                .unwrap();
                writeln!(
                    csv,
                    "{c}-2,{c},{shop},douyin,chat,{},agent,a{},{u},有的亲,,,",
                    fmt(t1),
                    i % 2
                )
                .unwrap();
            }
        }
    }
    let path = data.path().join("chat.csv");
    std::fs::write(&path, csv).unwrap();
    kefu(data.path(), &["ingest", path.to_str().unwrap()]);
    data
}

fn did<'a>(c: &'a Value, name: &str) -> &'a Value {
    c["did"]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap_or_else(|| panic!("no DiD {name} in {c}"))
}

#[test]
fn a_change_in_one_shop_is_tested_against_the_others() {
    // s1 got slower after the change, s2 did not: it "worked" (badly), beyond s2.
    let d = two_shops(120.0, 60.0, 21);
    let c = kefu_json(
        d.path(),
        &["compare", "--change", "new script", "--days", "7", "--json"],
    );
    assert_eq!(c["b"]["from"], "2025-11-17");
    assert_eq!(c["a"]["to"], "2025-11-16");
    assert_eq!(metric(&c, "frt_secs")["significant"], true, "{c}");
    assert_eq!(c["did"]["control"], "every shop but s1");
    let frt = did(&c, "frt_secs");
    assert_eq!(frt["significant"], true, "{frt}");
    assert!(frt["did"].as_f64().unwrap() > 30.0, "{frt}");
    // Both shops slowed down the same: each is slower, but not beyond the control.
    let d = two_shops(120.0, 120.0, 22);
    let c = kefu_json(
        d.path(),
        &["compare", "--change", "new script", "--days", "7", "--json"],
    );
    assert_eq!(metric(&c, "frt_secs")["significant"], true, "{c}");
    assert_eq!(did(&c, "frt_secs")["significant"], false, "{c}");
    let text = kefu(
        d.path(),
        &["compare", "--change", "new script", "--days", "7"],
    );
    assert!(
        text.contains("Difference-in-differences against every shop but s1"),
        "{text}"
    );
}

#[test]
fn a_campaign_is_compared_with_the_same_weekdays_outside_campaigns() {
    let d = two_shops(60.0, 60.0, 23);
    let c = kefu_json(d.path(), &["compare", "--campaign", "双11", "--json"]);
    assert_eq!(c["b"]["from"], "2025-11-11");
    assert_eq!(c["a"]["from"], "2025-10-14");
    // 11–13 Nov 2025 are Tuesday–Thursday: four weeks of them before, 12 days.
    assert_eq!(c["a"]["days"], 12, "{c}");
    let conv = metric(&c, "conversations");
    assert_eq!(conv["a"]["mean"], 40.0, "{conv}");
    assert_eq!(conv["b"]["mean"], 120.0, "{conv}");
    assert_eq!(conv["significant"], true, "{conv}");
    assert_eq!(metric(&c, "frt_secs")["significant"], false, "{c}");
    let out = assert_cmd::Command::cargo_bin("kefu")
        .unwrap()
        .arg("--data-dir")
        .arg(d.path())
        .args(["compare", "--campaign", "618"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("双11"), "{err}");
}
