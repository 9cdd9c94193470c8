//! Degenerate inputs: defined answers, never a panic or a NaN.

use kefu_stats::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn all_finite(fit: &LogitFit) -> bool {
    fit.coefficients.iter().all(|c| {
        [
            c.estimate,
            c.std_error,
            c.z,
            c.p_value,
            c.ci.lo,
            c.ci.hi,
            c.odds_ratio,
        ]
        .iter()
        .all(|v| v.is_finite())
    }) && fit.llf.is_finite()
        && fit.pseudo_r2.is_finite()
}

fn noisy(rng: &mut StdRng, n: usize) -> Vec<f64> {
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

#[test]
fn a_continuous_term_that_separates_is_dropped_after_diverging() {
    let mut rng = StdRng::seed_from_u64(1);
    let n = 300;
    let score: Vec<f64> = noisy(&mut rng, n);
    let other = noisy(&mut rng, n);
    // Satisfied exactly when the score is positive: complete separation.
    let y: Vec<bool> = score.iter().map(|&s| s > 0.0).collect();
    let terms = vec![Term::new("score", score), Term::new("other", other)];
    let fit = logit(&y, &terms, &LogitOptions::default()).unwrap();
    assert_eq!(fit.dropped.len(), 1, "{:?}", fit.dropped);
    assert_eq!(fit.dropped[0].name, "score");
    assert!(matches!(
        fit.dropped[0].reason,
        DropReason::Separation { .. }
    ));
    assert!(fit.dropped[0].reason.describe().starts_with("separation"));
    assert_eq!(fit.coefficients.len(), 2);
    assert!(all_finite(&fit));
}

#[test]
fn an_interaction_dummy_with_one_outcome_is_screened_out() {
    let mut rng = StdRng::seed_from_u64(2);
    let n = 400;
    let a: Vec<f64> = (0..n).map(|_| rng.random_bool(0.3) as u8 as f64).collect();
    let b: Vec<f64> = (0..n).map(|_| rng.random_bool(0.3) as u8 as f64).collect();
    let x = noisy(&mut rng, n);
    // Rows with both a and b are all satisfied; each dummy alone has mixed outcomes.
    let y: Vec<bool> = (0..n)
        .map(|i| (a[i] == 1.0 && b[i] == 1.0) || rng.random_bool(0.4 + 0.2 * x[i].abs()))
        .collect();
    let ab: Vec<f64> = a.iter().zip(&b).map(|(p, q)| p * q).collect();
    assert!(ab.iter().sum::<f64>() > 10.0);
    let terms = vec![
        Term::new("a", a),
        Term::new("b", b),
        Term::new("x", x),
        Term::new("a_and_b", ab),
    ];
    let fit = logit(&y, &terms, &LogitOptions::default()).unwrap();
    // The interaction is a 0/1 column whose level 1 has one outcome: screened out.
    assert_eq!(fit.dropped.len(), 1);
    assert_eq!(fit.dropped[0].name, "a_and_b");
    assert!(all_finite(&fit));
}

#[test]
fn separation_by_a_combination_of_terms_is_caught() {
    let mut rng = StdRng::seed_from_u64(3);
    let n = 400;
    let x = noisy(&mut rng, n);
    let a: Vec<f64> = (0..n).map(|_| rng.random_bool(0.5) as u8 as f64).collect();
    let z = noisy(&mut rng, n);
    // Neither x nor a alone separates, x + 2a does.
    let y: Vec<bool> = (0..n).map(|i| x[i] + 2.0 * a[i] > 0.5).collect();
    let terms = vec![Term::new("x", x), Term::new("a", a), Term::new("z", z)];
    let fit = logit(&y, &terms, &LogitOptions::default()).unwrap();
    assert!(!fit.dropped.is_empty());
    assert!(
        fit.dropped
            .iter()
            .all(|d| matches!(d.reason, DropReason::Separation { .. }))
    );
    assert!(fit.coefficient("z").is_some());
    assert!(all_finite(&fit));
}

#[test]
fn a_fit_with_no_usable_term_is_the_intercept() {
    let y = vec![true, false, true, true, false];
    let terms = vec![Term::new("c", vec![2.0; 5])];
    let fit = logit(&y, &terms, &LogitOptions::default()).unwrap();
    assert_eq!(fit.coefficients.len(), 1);
    assert!((fit.coefficients[0].estimate - (3.0f64 / 2.0).ln()).abs() < 1e-12);
    assert!((fit.llf - fit.llnull).abs() < 1e-12);
    assert!(fit.pseudo_r2.abs() < 1e-12);
    assert_eq!(fit.lr_p_value, 1.0);
    let report = family_deviance(&y, &terms, &LogitOptions::default()).unwrap();
    assert_eq!(report.families[0].df, 0);
    assert_eq!(report.families[0].p_value, None);
}

#[test]
fn unfit_data_are_errors() {
    let opts = LogitOptions::default();
    assert!(matches!(
        logit(&[true, true, true], &[], &opts),
        Err(LogitError::NoOutcomeVariation { n: 3, events: 3 })
    ));
    assert!(matches!(
        logit(&[], &[], &opts),
        Err(LogitError::NoOutcomeVariation { .. })
    ));
    assert!(matches!(
        logit(&[true, false], &[Term::new("x", vec![1.0])], &opts),
        Err(LogitError::LengthMismatch { .. })
    ));
    assert!(matches!(
        logit(
            &[true, false],
            &[Term::new("x", vec![1.0, f64::NAN])],
            &opts
        ),
        Err(LogitError::NonFinite { .. })
    ));
    assert!(matches!(
        logit(
            &[true, false, true],
            &[
                Term::new("x", vec![1.0, 2.0, 3.0]),
                Term::new("x", vec![0.0, 2.0, 1.0])
            ],
            &opts
        ),
        Err(LogitError::DuplicateTerm { .. })
    ));
    assert!(matches!(
        logit(
            &[true, false, true],
            &[
                Term::new("x", vec![1.0, 2.0, 3.0]),
                Term::new("z", vec![0.0, 2.0, 1.0])
            ],
            &opts
        ),
        Err(LogitError::TooFewObservations {
            n: 3,
            parameters: 3
        })
    ));
    let bad = LogitOptions {
        alpha: 1.5,
        ..LogitOptions::default()
    };
    assert!(matches!(
        logit(&[true, false], &[], &bad),
        Err(LogitError::InvalidOptions(_))
    ));
}

#[test]
fn tests_without_data_say_why() {
    assert_eq!(wilson_interval(0, 0, 0.05), Err(NoTest::EmptySample));
    assert!(matches!(
        two_proportion_z_test(0, 5, 0, 9),
        Err(NoTest::NoVariation { .. })
    ));
    assert_eq!(mann_whitney_u(&[], &[]), Err(NoTest::EmptySample));
    assert_eq!(
        hodges_lehmann(&[1.0], &[f64::NAN], 0.05),
        Err(NoTest::EmptySample)
    );
    assert!(hodges_lehmann(&[1.0], &[2.0], 0.05).unwrap().ci.is_none());
    let tied = mann_whitney_u(&[5.0, 5.0], &[5.0, 5.0, 5.0]).unwrap();
    assert_eq!((tied.p_value, tied.z, tied.effect_size), (1.0, 0.0, 0.5));
    assert!(matches!(
        nps_difference(NpsCounts::new(3, 0, 0), NpsCounts::new(4, 0, 0), 0.05),
        Err(NoTest::NoVariation { .. })
    ));
    assert_eq!(
        compare_daily_counts(&[], &[1.0], 0.05).unwrap_err(),
        NoTest::EmptySample
    );
    let q = benjamini_hochberg(&[None, Some(f64::NAN)]);
    assert_eq!(q, vec![None, None]);
}

#[test]
fn results_serialise_for_the_json_answers() {
    let t = two_proportion_z_test(45, 100, 60, 110).unwrap();
    let v = serde_json::to_value(&t).unwrap();
    assert!(v["p_value"].is_f64());
    let ci = serde_json::to_value(wilson_interval(45, 100, 0.05).unwrap()).unwrap();
    assert!(ci.as_array().is_some_and(|a| a.len() == 2));
    let no = serde_json::to_value(NoTest::NoVariation { what: "x" }).unwrap();
    assert_eq!(no["reason"], "no_variation");
    assert_eq!(NoTest::EmptySample.to_string(), "a sample is empty");
}
