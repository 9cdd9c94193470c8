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
