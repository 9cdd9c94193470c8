//! Golden tests: every function against the values scipy / statsmodels computed in
//! `fixtures/make_fixtures.py` (committed as `fixtures/golden.json`).

use kefu_stats::*;
use serde_json::Value;

fn golden() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/golden.json"
    ))
    .expect("golden.json");
    serde_json::from_str(&text).expect("golden.json parses")
}

/// Closed-form values: relative 1e-9.
const EXACT: f64 = 1e-9;
/// Iterative fits (statsmodels' Newton stops at a 1e-8 step; its llnull is a fit
/// too): relative 1e-8 (measured agreement: 4e-10 at worst, on prsquared).
const ITERATIVE: f64 = 1e-8;

#[track_caller]
fn close(what: &str, actual: f64, expected: f64, rel: f64) {
    // An absolute floor only for values that are (nearly) zero; p-values keep their
    // relative precision however small.
    let tol = rel * expected.abs().max(1e-300) + if expected.abs() < 1e-12 { 1e-14 } else { 0.0 };
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: {actual:e} vs expected {expected:e} (diff {:e}, tol {tol:e})",
        (actual - expected).abs()
    );
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

fn vec_f(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(f).collect()
}

fn cases<'a>(g: &'a Value, key: &str) -> &'a Vec<Value> {
    let c = g[key]
        .as_array()
        .unwrap_or_else(|| panic!("golden.json has no {key}"));
    assert!(!c.is_empty());
    c
}

#[test]
fn wilson_matches_statsmodels() {
    let g = golden();
    for c in cases(&g, "wilson") {
        let ci = wilson_interval(u(&c["x"]), u(&c["n"]), f(&c["alpha"])).unwrap();
        close(&format!("wilson lo {c}"), ci.lo, f(&c["lo"]), EXACT);
        close(&format!("wilson hi {c}"), ci.hi, f(&c["hi"]), EXACT);
    }
}

#[test]
fn two_proportion_z_matches_statsmodels() {
    let g = golden();
    for c in cases(&g, "two_proportion_z") {
        let t = two_proportion_z_test(u(&c["x1"]), u(&c["n1"]), u(&c["x2"]), u(&c["n2"])).unwrap();
        close(&format!("z {c}"), t.statistic, f(&c["statistic"]), EXACT);
        close(&format!("p {c}"), t.p_value, f(&c["p_value"]), EXACT);
    }
    // Where statsmodels divides by zero: a defined "no test".
    assert!(matches!(
        two_proportion_z_test(0, 10, 0, 20),
        Err(NoTest::NoVariation { .. })
    ));
    assert!(matches!(
        two_proportion_z_test(7, 7, 3, 3),
        Err(NoTest::NoVariation { .. })
    ));
    assert_eq!(two_proportion_z_test(0, 0, 3, 3), Err(NoTest::EmptySample));
}

#[test]
fn newcombe_matches_statsmodels() {
    let g = golden();
    for c in cases(&g, "newcombe") {
        let ci = newcombe_interval(
            u(&c["x1"]),
            u(&c["n1"]),
            u(&c["x2"]),
            u(&c["n2"]),
            f(&c["alpha"]),
        )
        .unwrap();
        close(&format!("newcombe lo {c}"), ci.lo, f(&c["lo"]), EXACT);
        close(&format!("newcombe hi {c}"), ci.hi, f(&c["hi"]), EXACT);
    }
}

fn sample<'a>(g: &'a Value, name: &str) -> (Vec<f64>, Vec<f64>) {
    let s: &'a Value = &g["samples"][name];
    (vec_f(&s["x"]), vec_f(&s["y"]))
}

#[test]
fn mann_whitney_matches_scipy() {
    let g = golden();
    for c in cases(&g, "mann_whitney") {
        let name = c["sample"].as_str().unwrap();
        let (x, y) = sample(&g, name);
        let t = mann_whitney_u(&x, &y).unwrap();
        assert_eq!(t.u, f(&c["u"]), "{name}: U");
        close(&format!("{name} p"), t.p_value, f(&c["p_value"]), EXACT);
        close(
            &format!("{name} effect"),
            t.effect_size,
            f(&c["effect_size"]),
            EXACT,
        );
        assert_eq!(t.median1, f(&c["median_x"]), "{name}: median x");
        assert_eq!(t.median2, f(&c["median_y"]), "{name}: median y");
        assert_eq!((t.n1, t.n2), (x.len(), y.len()));
        // The signed z points the way U1 does.
        assert!(t.z == 0.0 || (t.z > 0.0) == (t.u > (x.len() * y.len()) as f64 / 2.0));
    }
}

#[test]
fn hodges_lehmann_matches_numpy() {
    let g = golden();
    for c in cases(&g, "hodges_lehmann") {
        let name = c["sample"].as_str().unwrap();
        let alpha = f(&c["alpha"]);
        let (x, y) = sample(&g, name);
        let hl = hodges_lehmann(&x, &y, alpha).unwrap();
        // Order statistics of the same subtractions: identical, not just close.
        assert_eq!(hl.estimate, f(&c["estimate"]), "{name} {alpha}: estimate");
        assert_eq!(hl.k, c["k"].as_i64().unwrap(), "{name} {alpha}: k");
        match (&hl.ci, c["lo"].as_f64(), c["hi"].as_f64()) {
            (Some(ci), Some(lo), Some(hi)) => {
                assert_eq!((ci.lo, ci.hi), (lo, hi), "{name} {alpha}: interval");
                assert!(ci.contains(hl.estimate));
            }
            (None, None, None) => {}
            other => panic!("{name} {alpha}: interval {other:?}"),
        }
    }
}

#[test]
fn welch_matches_scipy() {
    let g = golden();
    for c in cases(&g, "welch") {
        let name = c["name"].as_str().unwrap();
        let alpha = f(&c["alpha"]);
        let (x, y) = (vec_f(&c["x"]), vec_f(&c["y"]));
        let t = welch_t_test(&x, &y, alpha).unwrap();
        close(&format!("{name} t"), t.statistic, f(&c["statistic"]), EXACT);
        close(&format!("{name} df"), t.df, f(&c["df"]), EXACT);
        close(&format!("{name} p"), t.p_value, f(&c["p_value"]), EXACT);
        close(&format!("{name} {alpha} lo"), t.ci.lo, f(&c["lo"]), EXACT);
        close(&format!("{name} {alpha} hi"), t.ci.hi, f(&c["hi"]), EXACT);
        // The summary route (SQL aggregates) gives the same answer.
        let s = welch_t_test_summary(
            &Summary {
                n: x.len() as u64,
                mean: f(&c["mean_x"]),
                variance: f(&c["var_x"]),
            },
            &Summary {
                n: y.len() as u64,
                mean: f(&c["mean_y"]),
                variance: f(&c["var_y"]),
            },
            alpha,
        )
        .unwrap();
        close(
            &format!("{name} summary p"),
            s.p_value,
            f(&c["p_value"]),
            EXACT,
        );
        close(&format!("{name} summary lo"), s.ci.lo, f(&c["lo"]), EXACT);
    }
}

#[test]
fn nps_matches_reference() {
    let g = golden();
    for c in cases(&g, "nps") {
        let counts = |v: &Value| {
            let a = v.as_array().unwrap();
            NpsCounts::new(u(&a[0]), u(&a[1]), u(&a[2]))
        };
        let d = nps_difference(counts(&c["a"]), counts(&c["b"]), f(&c["alpha"])).unwrap();
        let what = c.to_string();
        close(
            &format!("score a {what}"),
            d.a.score,
            f(&c["score_a"]),
            EXACT,
        );
        close(&format!("se a {what}"), d.a.std_error, f(&c["se_a"]), EXACT);
        close(
            &format!("score b {what}"),
            d.b.score,
            f(&c["score_b"]),
            EXACT,
        );
        close(&format!("se b {what}"), d.b.std_error, f(&c["se_b"]), EXACT);
        close(
            &format!("diff {what}"),
            d.difference,
            f(&c["difference"]),
            EXACT,
        );
        close(
            &format!("se {what}"),
            d.std_error,
            f(&c["std_error"]),
            EXACT,
        );
        close(&format!("z {what}"), d.statistic, f(&c["statistic"]), EXACT);
        close(&format!("p {what}"), d.p_value, f(&c["p_value"]), EXACT);
        close(&format!("lo {what}"), d.ci.lo, f(&c["lo"]), EXACT);
        close(&format!("hi {what}"), d.ci.hi, f(&c["hi"]), EXACT);
        close(&format!("lo a {what}"), d.a.ci.lo, f(&c["lo_a"]), EXACT);
        close(&format!("hi a {what}"), d.a.ci.hi, f(&c["hi_a"]), EXACT);
    }
}

#[test]
fn poisson_matches_statsmodels() {
    let g = golden();
    for c in cases(&g, "poisson") {
        let t = poisson_rate_test(
            u(&c["count1"]),
            f(&c["exposure1"]),
            u(&c["count2"]),
            f(&c["exposure2"]),
        )
        .unwrap();
        close(&format!("stat {c}"), t.statistic, f(&c["statistic"]), EXACT);
        close(&format!("p {c}"), t.p_value, f(&c["p_value"]), EXACT);
    }
    assert!(matches!(
        poisson_rate_test(0, 7.0, 0, 7.0),
        Err(NoTest::NoVariation { .. })
    ));
    assert!(matches!(
        poisson_rate_test(1, 0.0, 0, 7.0),
        Err(NoTest::InvalidInput { .. })
    ));
}

#[test]
fn daily_counts_prefers_welch() {
    let g = golden();
    let c = &g["daily_counts"];
    let d = compare_daily_counts(&vec_f(&c["a"]), &vec_f(&c["b"]), 0.05).unwrap();
    let w = d.welch.as_ref().unwrap();
    let p = d.poisson.as_ref().unwrap();
    close("welch t", w.statistic, f(&c["welch"]["statistic"]), EXACT);
    close("welch df", w.df, f(&c["welch"]["df"]), EXACT);
    close("welch p", w.p_value, f(&c["welch"]["p_value"]), EXACT);
    close(
        "poisson z",
        p.statistic,
        f(&c["poisson"]["statistic"]),
        EXACT,
    );
    close("poisson p", p.p_value, f(&c["poisson"]["p_value"]), EXACT);
    assert_eq!(d.recommended, DailyTest::WelchOnDays);
    assert_eq!(d.p_value(), Some(w.p_value));
    assert!(
        d.dispersion1.unwrap() > 5.0,
        "weekday/weekend days are overdispersed"
    );
    // One day per side: only the Poisson test exists.
    let one = compare_daily_counts(&[120.0], &[150.0], 0.05).unwrap();
    assert_eq!(one.recommended, DailyTest::PoissonRate);
    assert!(one.welch.is_none() && one.p_value().is_some());
}

#[test]
fn benjamini_hochberg_matches_statsmodels() {
    let g = golden();
    for c in cases(&g, "benjamini_hochberg") {
        let p: Vec<Option<f64>> = c["p"]
            .as_array()
            .unwrap()
            .iter()
            .map(Value::as_f64)
            .collect();
        let expected: Vec<Option<f64>> = c["q"]
            .as_array()
            .unwrap()
            .iter()
            .map(Value::as_f64)
            .collect();
        let q = benjamini_hochberg(&p);
        assert_eq!(q.len(), expected.len());
        for (a, e) in q.iter().zip(&expected) {
            match (a, e) {
                (Some(a), Some(e)) => close(&format!("q {c}"), *a, *e, EXACT),
                (None, None) => {}
                _ => panic!("BH {c}: {q:?}"),
            }
        }
    }
}

/// The committed logistic-regression data set: (outcome, columns by name).
fn logit_data() -> (Vec<bool>, Vec<(String, Vec<f64>)>) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/logit_data.csv"
    ))
    .expect("logit_data.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); header.len()];
    for line in lines {
        for (c, v) in cols.iter_mut().zip(line.split(',')) {
            c.push(v.parse().unwrap());
        }
    }
    let y = cols[0].iter().map(|&v| v == 1.0).collect();
    let named = header[1..]
        .iter()
        .map(|s| s.to_string())
        .zip(cols.into_iter().skip(1))
        .collect();
    (y, named)
}

fn family_of(name: &str) -> &str {
    name.split(':').next().unwrap()
}

fn terms(cols: &[(String, Vec<f64>)]) -> Vec<Term> {
    cols.iter()
        .map(|(n, v)| Term::in_family(family_of(n), n.clone(), v.clone()))
        .collect()
}

#[test]
fn logit_matches_statsmodels() {
    let g = golden();
    let l = &g["logit"];
    let (y, cols) = logit_data();
    let fit = logit(&y, &terms(&cols), &LogitOptions::default()).unwrap();
    assert!(fit.dropped.is_empty());
    assert_eq!(fit.n as u64, u(&l["nobs"]));
    assert_eq!(fit.events as u64, u(&l["events"]));
    let names: Vec<&str> = l["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        fit.coefficients
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        names
    );
    for (j, c) in fit.coefficients.iter().enumerate() {
        let n = &c.name;
        close(
            &format!("{n} params"),
            c.estimate,
            f(&l["params"][j]),
            ITERATIVE,
        );
        close(&format!("{n} bse"), c.std_error, f(&l["bse"][j]), ITERATIVE);
        close(&format!("{n} z"), c.z, f(&l["zvalues"][j]), ITERATIVE);
        close(&format!("{n} p"), c.p_value, f(&l["pvalues"][j]), ITERATIVE);
        close(
            &format!("{n} ci lo"),
            c.ci.lo,
            f(&l["conf_int"][j][0]),
            ITERATIVE,
        );
        close(
            &format!("{n} ci hi"),
            c.ci.hi,
            f(&l["conf_int"][j][1]),
            ITERATIVE,
        );
        close(
            &format!("{n} OR"),
            c.odds_ratio,
            f(&l["odds_ratios"][j]),
            ITERATIVE,
        );
    }
    close("llf", fit.llf, f(&l["llf"]), ITERATIVE);
    close("llnull", fit.llnull, f(&l["llnull"]), ITERATIVE);
    close("prsquared", fit.pseudo_r2, f(&l["prsquared"]), ITERATIVE);
}

#[test]
fn family_deviance_matches_statsmodels_refits() {
    let g = golden();
    let (y, cols) = logit_data();
    let report = family_deviance(&y, &terms(&cols), &LogitOptions::default()).unwrap();
    let expected = cases(&g["logit"], "family_drop");
    assert_eq!(report.families.len(), expected.len());
    for e in expected {
        let fam = e["family"].as_str().unwrap();
        let got = report.families.iter().find(|d| d.family == fam).unwrap();
        assert_eq!(got.df as u64, u(&e["df"]), "{fam} df");
        close(
            &format!("{fam} llf without"),
            got.llf_without,
            f(&e["llf_reduced"]),
            ITERATIVE,
        );
        close(
            &format!("{fam} deviance"),
            got.deviance,
            f(&e["deviance"]),
            ITERATIVE,
        );
        close(
            &format!("{fam} p"),
            got.p_value.unwrap(),
            f(&e["p_value"]),
            ITERATIVE,
        );
    }
    // Ranked, largest deviance first.
    assert!(
        report
            .families
            .windows(2)
            .all(|w| w[0].deviance >= w[1].deviance)
    );
    let top = expected
        .iter()
        .max_by(|a, b| f(&a["deviance"]).total_cmp(&f(&b["deviance"])))
        .unwrap();
    assert_eq!(report.families[0].family, top["family"].as_str().unwrap());
}

/// The data set with a constant, a duplicate and a quasi-separating 0/1 column added:
/// all three are dropped with their reason and the rest equals statsmodels' fit.
#[test]
fn logit_drops_constant_collinear_and_separating_terms() {
    let g = golden();
    let l = &g["logit"];
    let (y, cols) = logit_data();
    let mut t = terms(&cols);
    let n = y.len();
    t.insert(1, Term::new("always_one", vec![1.0; n]));
    let resolved = t
        .iter()
        .find(|t| t.name == "resolved")
        .unwrap()
        .values
        .clone();
    t.push(Term::new("resolved_again", resolved));
    // VIP: a handful of satisfied customers only.
    let vip: Vec<f64> = y
        .iter()
        .enumerate()
        .map(|(i, &s)| if s && i % 37 == 0 { 1.0 } else { 0.0 })
        .collect();
    assert!(vip.iter().sum::<f64>() >= 3.0);
    t.push(Term::new("vip", vip));
    let fit = logit(&y, &t, &LogitOptions::default()).unwrap();
    let reasons: Vec<(&str, &DropReason)> = fit
        .dropped
        .iter()
        .map(|d| (d.name.as_str(), &d.reason))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert_eq!(reasons[0], ("always_one", &DropReason::Constant));
    assert_eq!(reasons[1], ("resolved_again", &DropReason::Collinear));
    assert_eq!(reasons[2].0, "vip");
    assert!(
        matches!(reasons[2].1, DropReason::Separation { detail } if detail.contains("vip = 1"))
    );
    for (j, c) in fit.coefficients.iter().enumerate() {
        close(
            &format!("{} params", c.name),
            c.estimate,
            f(&l["params"][j]),
            ITERATIVE,
        );
        close(
            &format!("{} bse", c.name),
            c.std_error,
            f(&l["bse"][j]),
            ITERATIVE,
        );
    }
}
