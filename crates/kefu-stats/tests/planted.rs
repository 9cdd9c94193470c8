//! Planted effects: the tests find what was put in, and nothing when nothing was.

use kefu_stats::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp, LogNormal, Normal};

/// First-response times in whole seconds: log-normal around `median`.
fn frt_seconds(rng: &mut StdRng, n: usize, median: f64) -> Vec<f64> {
    let d = LogNormal::new(median.ln(), 1.0).unwrap();
    (0..n).map(|_| d.sample(rng).round()).collect()
}

/// How many of `reps` null replications reject at 0.05 may a correct test give?
/// Binomial(200, 0.05) has mean 10; P(X ≤ 2) ≈ 0.003 and P(X ≥ 20) ≈ 0.003.
fn assert_nominal(what: &str, rejections: usize) {
    eprintln!("{what}: {rejections} of 200");
    assert!(
        (2..20).contains(&rejections),
        "{what}: {rejections} of 200 null replications rejected at 0.05"
    );
}

#[test]
fn a_period_one_and_a_half_times_slower_is_significant() {
    let mut rng = StdRng::seed_from_u64(11);
    let a = frt_seconds(&mut rng, 400, 44.0);
    let b: Vec<f64> = frt_seconds(&mut rng, 450, 44.0 * 1.5);
    let t = mann_whitney_u(&b, &a).unwrap();
    assert!(t.p_value < 0.05, "p = {}", t.p_value);
    assert!(t.z > 0.0 && t.effect_size > 0.5);
    assert!(t.median1 > t.median2);
    // The shift b − a in seconds is positive, its interval excludes 0…
    let hl = hodges_lehmann(&b, &a, 0.05).unwrap();
    let ci = hl.ci.unwrap();
    assert!(hl.estimate > 0.0 && ci.lo > 0.0, "{hl:?}");
    // …and on the log scale the interval covers the planted factor 1.5.
    let (lb, la): (Vec<f64>, Vec<f64>) = (
        b.iter().map(|v| v.max(1.0).ln()).collect(),
        a.iter().map(|v| v.max(1.0).ln()).collect(),
    );
    let log_shift = hodges_lehmann(&lb, &la, 0.05).unwrap();
    assert!(log_shift.ci.unwrap().contains(1.5f64.ln()), "{log_shift:?}");
}

#[test]
fn two_periods_from_one_distribution_are_not_significant() {
    let mut rng = StdRng::seed_from_u64(12);
    let a = frt_seconds(&mut rng, 400, 44.0);
    let b = frt_seconds(&mut rng, 450, 44.0);
    let t = mann_whitney_u(&b, &a).unwrap();
    assert!(t.p_value > 0.05, "p = {}", t.p_value);
    assert!(
        hodges_lehmann(&b, &a, 0.05)
            .unwrap()
            .ci
            .unwrap()
            .contains(0.0)
    );
}

#[test]
fn mann_whitney_rejects_five_percent_of_null_pairs() {
    let mut rng = StdRng::seed_from_u64(13);
    let rejections = (0..200)
        .filter(|_| {
            let a = frt_seconds(&mut rng, 150, 44.0);
            let b = frt_seconds(&mut rng, 180, 44.0);
            mann_whitney_u(&b, &a).unwrap().p_value < 0.05
        })
        .count();
    assert_nominal("Mann–Whitney", rejections);
}

#[test]
fn hodges_lehmann_interval_covers_a_planted_shift_95_percent_of_the_time() {
    let mut rng = StdRng::seed_from_u64(14);
    let noise = Normal::new(60.0, 20.0).unwrap();
    let misses = (0..200)
        .filter(|_| {
            let a: Vec<f64> = (0..120).map(|_| noise.sample(&mut rng)).collect();
            let b: Vec<f64> = (0..90).map(|_| noise.sample(&mut rng) + 10.0).collect();
            !hodges_lehmann(&b, &a, 0.05)
                .unwrap()
                .ci
                .unwrap()
                .contains(10.0)
        })
        .count();
    assert_nominal("Hodges–Lehmann interval misses", misses);
}

#[test]
fn welch_and_the_z_test_reject_five_percent_of_null_pairs() {
    let mut rng = StdRng::seed_from_u64(15);
    let score = Normal::new(4.2, 0.9).unwrap();
    let mut welch_rejections = 0;
    let mut z_rejections = 0;
    for _ in 0..200 {
        let a: Vec<f64> = (0..80).map(|_| score.sample(&mut rng)).collect();
        let b: Vec<f64> = (0..120).map(|_| score.sample(&mut rng)).collect();
        welch_rejections += (welch_t_test(&b, &a, 0.05).unwrap().p_value < 0.05) as usize;
        let xa = (0..500).filter(|_| rng.random_bool(0.8)).count() as u64;
        let xb = (0..600).filter(|_| rng.random_bool(0.8)).count() as u64;
        z_rejections += (two_proportion_z_test(xb, 600, xa, 500).unwrap().p_value < 0.05) as usize;
    }
    assert_nominal("Welch", welch_rejections);
    assert_nominal("two-proportion z", z_rejections);
}

#[test]
fn logistic_regression_recovers_planted_odds_ratios() {
    let mut rng = StdRng::seed_from_u64(16);
    let n = 5000;
    let exp = Exp::new(1.0 / 3.0).unwrap();
    let frt: Vec<f64> = (0..n).map(|_| exp.sample(&mut rng)).collect();
    let sentiment: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
    let resolved: Vec<f64> = (0..n).map(|_| rng.random_bool(0.7) as u8 as f64).collect();
    let category: Vec<u8> = (0..n)
        .map(|_| match rng.random::<f64>() {
            u if u < 0.6 => 0,
            u if u < 0.85 => 1,
            _ => 2,
        })
        .collect();
    let logistics: Vec<f64> = category.iter().map(|&c| (c == 1) as u8 as f64).collect();
    let refund: Vec<f64> = category.iter().map(|&c| (c == 2) as u8 as f64).collect();
    let planted = [
        ("intercept", 0.5),
        ("frt_minutes", -0.3),
        ("sentiment", 1.2),
        ("resolved", 0.8),
        ("category:logistics", -0.5),
        ("category:refund", 0.4),
    ];
    let y: Vec<bool> = (0..n)
        .map(|i| {
            let eta = planted[0].1
                + planted[1].1 * frt[i]
                + planted[2].1 * sentiment[i]
                + planted[3].1 * resolved[i]
                + planted[4].1 * logistics[i]
                + planted[5].1 * refund[i];
            rng.random::<f64>() < 1.0 / (1.0 + (-eta).exp())
        })
        .collect();
    let terms = vec![
        Term::new("frt_minutes", frt),
        Term::new("sentiment", sentiment),
        Term::new("resolved", resolved),
        Term::in_family("category", "category:logistics", logistics),
        Term::in_family("category", "category:refund", refund),
    ];
    let report = family_deviance(&y, &terms, &LogitOptions::default()).unwrap();
    let fit = &report.fit;
    assert!(fit.dropped.is_empty());
    for (name, beta) in planted {
        let c = fit.coefficient(name).unwrap();
        assert!(
            c.odds_ratio_ci.contains(beta.exp()),
            "{name}: planted OR {:.3} outside {:?} (estimate {:.3})",
            beta.exp(),
            c.odds_ratio_ci,
            c.odds_ratio
        );
        assert!(c.p_value < 1e-3, "{name}: p = {}", c.p_value);
    }
    assert!(fit.pseudo_r2 > 0.05 && fit.lr_p_value < 1e-10);
    // Every family carries significant deviance; FRT (|β|·sd = 0.9, the largest) leads.
    assert!(report.families.iter().all(|f| f.p_value.unwrap() < 1e-3));
    assert_eq!(report.families[0].family, "frt_minutes");
}

#[test]
fn hodges_lehmann_handles_a_hundred_thousand_per_side() {
    let mut rng = StdRng::seed_from_u64(17);
    let a = frt_seconds(&mut rng, 100_000, 44.0);
    let b = frt_seconds(&mut rng, 100_000, 46.0);
    let started = std::time::Instant::now();
    let hl = hodges_lehmann(&b, &a, 0.05).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(hl.method, HodgesLehmannMethod::Selection);
    // Check the order statistics by counting independently (binary search per row):
    // D(r) = v exactly when #{d < v} < r ≤ #{d ≤ v}.
    let mut bs = b.clone();
    bs.sort_by(f64::total_cmp);
    let mut ad = a.clone();
    ad.sort_by(|p, q| q.total_cmp(p));
    let count = |v: f64, strict: bool| -> u64 {
        bs.iter()
            .map(|&x| ad.partition_point(|&y| if strict { x - y < v } else { x - y <= v }) as u64)
            .sum()
    };
    let is_order_statistic = |v: f64, r: u64| count(v, true) < r && r <= count(v, false);
    let big_n = 100_000u64 * 100_000;
    let ci = hl.ci.unwrap();
    assert!(is_order_statistic(ci.lo, hl.k as u64));
    assert!(is_order_statistic(ci.hi, big_n + 1 - hl.k as u64));
    // Whole seconds: the two middle differences are integers, and here equal.
    assert!(
        is_order_statistic(hl.estimate, big_n / 2)
            && is_order_statistic(hl.estimate, big_n / 2 + 1)
    );
    assert!(
        ci.contains(hl.estimate) && ci.lo < ci.hi && ci.lo <= 2.0,
        "{hl:?}"
    );
    eprintln!("Hodges–Lehmann 100k × 100k: {elapsed:?}, {hl:?}");
    // Mann–Whitney on the same samples is a sort.
    assert!(mann_whitney_u(&b, &a).unwrap().p_value < 0.05);
}

/// Hourly conversations with a daily and weekly cycle, six weeks.
fn hourly_counts(rng: &mut StdRng) -> Vec<f64> {
    (0..6 * 168)
        .map(|t: usize| {
            let hour = (t % 24) as f64;
            let weekend = (t / 24) % 7 >= 5;
            let day = 2.0 + 18.0 * (-((hour - 14.0) / 4.0).powi(2)).exp();
            let l = day * if weekend { 0.6 } else { 1.0 };
            rand_distr::Poisson::new(l).unwrap().sample(rng)
        })
        .collect()
}

#[test]
fn a_planted_spike_is_found_and_a_flat_series_flags_nothing() {
    use kefu_stats::anomaly::{AnomalyOptions, FlagKind, Obs, detect};
    for seed in 0..5 {
        let mut rng = StdRng::seed_from_u64(seed);
        let y = hourly_counts(&mut rng);
        let obs: Vec<Obs> = y.iter().map(|&v| Obs::Count(v)).collect();
        let flat = detect(&obs, &AnomalyOptions::hourly());
        assert!(flat.flags.is_empty(), "seed {seed}: {:?}", flat.flags);
        // 20:00 on a Wednesday of week 5: about 4 expected, 40 seen.
        let at = 4 * 168 + 2 * 24 + 20;
        let mut spiked = obs.clone();
        spiked[at] = Obs::Count(40.0);
        let found = detect(&spiked, &AnomalyOptions::hourly());
        assert_eq!(found.flags.len(), 1, "seed {seed}: {:?}", found.flags);
        assert_eq!(
            (found.flags[0].index, found.flags[0].kind),
            (at, FlagKind::Spike)
        );
        assert!(found.flags[0].expected < 10.0 && found.flags[0].score > 4.0);
    }
}

#[test]
fn a_level_shift_is_one_change_point_not_every_hour_after_it() {
    use kefu_stats::anomaly::{AnomalyOptions, Direction, FlagKind, Obs, detect};
    let mut rng = StdRng::seed_from_u64(7);
    let base = hourly_counts(&mut rng);
    // From hour 800 on, 1.6× the volume (a campaign that did not end).
    let shifted: Vec<Obs> = base
        .iter()
        .enumerate()
        .map(|(t, &v)| Obs::Count(if t >= 800 { (v * 1.6).round() } else { v }))
        .collect();
    let det = detect(&shifted, &AnomalyOptions::hourly());
    let shifts: Vec<_> = det
        .flags
        .iter()
        .filter(|f| f.kind == FlagKind::LevelShift)
        .collect();
    assert_eq!(shifts.len(), 1, "{:?}", det.flags);
    assert_eq!(shifts[0].direction, Direction::Up);
    assert!((790..=830).contains(&shifts[0].index), "{:?}", shifts[0]);
    let later_spikes = det
        .flags
        .iter()
        .filter(|f| f.index > shifts[0].index && f.kind == FlagKind::Spike)
        .count();
    assert!(later_spikes <= 2, "{:?}", det.flags);
}
