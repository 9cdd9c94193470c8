//! Rates: the Wilson interval of one proportion, the pooled two-proportion z-test and
//! Newcombe's hybrid-score interval of a difference of two proportions.

use serde::Serialize;

use crate::dist::{norm_crit, norm_two_sided_p};
use crate::{Interval, NoTest, check_alpha};

fn check_counts(x: u64, n: u64) -> Result<(), NoTest> {
    if n == 0 {
        return Err(NoTest::EmptySample);
    }
    if x > n {
        return Err(NoTest::InvalidInput {
            what: "a count exceeds its number of trials",
        });
    }
    Ok(())
}

/// The Wilson score interval of the proportion `x / n` at level `1 − alpha`.
///
/// Matches statsmodels `proportion_confint(x, n, alpha, method="wilson")`: centre
/// `(p + z²/2n) / (1 + z²/n)`, half-width `z·sqrt(p(1−p)/n + z²/4n²) / (1 + z²/n)`,
/// clipped to [0, 1], with `z = Φ⁻¹(1 − alpha/2)`. Defined for `x = 0` and `x = n`;
/// `n = 0` is [`NoTest::EmptySample`].
pub fn wilson_interval(x: u64, n: u64, alpha: f64) -> Result<Interval, NoTest> {
    check_counts(x, n)?;
    check_alpha(alpha)?;
    let nobs = n as f64;
    let q = x as f64 / nobs;
    let crit = norm_crit(alpha);
    let crit2 = crit * crit;
    let denom = 1.0 + crit2 / nobs;
    let center = (q + crit2 / (2.0 * nobs)) / denom;
    let dist = crit * (q * (1.0 - q) / nobs + crit2 / (4.0 * nobs * nobs)).sqrt() / denom;
    Ok(Interval::new(
        (center - dist).clamp(0.0, 1.0),
        (center + dist).clamp(0.0, 1.0),
    ))
}

/// The pooled two-proportion z-test of `x1/n1` against `x2/n2`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TwoProportionZ {
    pub rate1: f64,
    pub rate2: f64,
    /// `rate1 − rate2`.
    pub difference: f64,
    /// The pooled rate `(x1 + x2) / (n1 + n2)`.
    pub pooled: f64,
    /// `sqrt(pooled·(1 − pooled)·(1/n1 + 1/n2))`.
    pub std_error: f64,
    /// `difference / std_error`.
    pub statistic: f64,
    /// Two-sided, `2·P(Z > |statistic|)`.
    pub p_value: f64,
}

/// Two-sided two-proportion z-test with the pooled variance.
///
/// Matches statsmodels `proportions_ztest([x1, x2], [n1, n2])` (value 0, two-sided,
/// `prop_var=False`): the statistic is `(p1 − p2) / sqrt(p̄(1 − p̄)(1/n1 + 1/n2))`.
/// Where statsmodels divides by zero (an empty side, or a pooled rate of 0 or 1, so
/// both rates are 0 or both are 1) this returns [`NoTest`]: there is no evidence of a
/// difference to weigh.
pub fn two_proportion_z_test(x1: u64, n1: u64, x2: u64, n2: u64) -> Result<TwoProportionZ, NoTest> {
    check_counts(x1, n1)?;
    check_counts(x2, n2)?;
    let (c1, c2, m1, m2) = (x1 as f64, x2 as f64, n1 as f64, n2 as f64);
    let rate1 = c1 / m1;
    let rate2 = c2 / m2;
    let difference = rate1 - rate2;
    let pooled = (c1 + c2) / (m1 + m2);
    let var = pooled * (1.0 - pooled) * (1.0 / m1 + 1.0 / m2);
    if var.is_nan() || var <= 0.0 {
        return Err(NoTest::NoVariation {
            what: "both rates are 0 or both are 1",
        });
    }
    let std_error = var.sqrt();
    let statistic = difference / std_error;
    Ok(TwoProportionZ {
        rate1,
        rate2,
        difference,
        pooled,
        std_error,
        statistic,
        p_value: norm_two_sided_p(statistic),
    })
}

/// Newcombe's hybrid-score interval of the difference **`p1 − p2`** at level
/// `1 − alpha` (Newcombe 1998, method 10), built from the two Wilson intervals
/// `[l1, u1]`, `[l2, u2]`:
///
/// `[d − sqrt((p1 − l1)² + (u2 − p2)²), d + sqrt((p2 − l2)² + (u1 − p1)²)]`, `d = p1 − p2`.
///
/// Matches statsmodels `confint_proportions_2indep(x1, n1, x2, n2, method="newcomb",
/// compare="diff", alpha=alpha)`. Defined whenever both sides are non-empty, also
/// when both rates are 0 or 1. Pass the later period first to get an interval of the
/// change `b − a`.
pub fn newcombe_interval(
    x1: u64,
    n1: u64,
    x2: u64,
    n2: u64,
    alpha: f64,
) -> Result<Interval, NoTest> {
    let w1 = wilson_interval(x1, n1, alpha)?;
    let w2 = wilson_interval(x2, n2, alpha)?;
    let p1 = x1 as f64 / n1 as f64;
    let p2 = x2 as f64 / n2 as f64;
    let diff = p1 - p2;
    let d_low = ((p1 - w1.lo).powi(2) + (w2.hi - p2).powi(2)).sqrt();
    let d_upp = ((p2 - w2.lo).powi(2) + (w1.hi - p1).powi(2)).sqrt();
    Ok(Interval::new(diff - d_low, diff + d_upp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_cases_are_defined() {
        assert_eq!(wilson_interval(0, 0, 0.05), Err(NoTest::EmptySample));
        assert!(matches!(
            wilson_interval(3, 2, 0.05),
            Err(NoTest::InvalidInput { .. })
        ));
        assert!(matches!(
            wilson_interval(1, 2, 0.0),
            Err(NoTest::InvalidInput { .. })
        ));
        assert!(matches!(
            two_proportion_z_test(0, 10, 0, 20),
            Err(NoTest::NoVariation { .. })
        ));
        assert!(matches!(
            two_proportion_z_test(10, 10, 20, 20),
            Err(NoTest::NoVariation { .. })
        ));
        assert_eq!(two_proportion_z_test(1, 0, 1, 2), Err(NoTest::EmptySample));
        let ci = newcombe_interval(0, 10, 0, 20, 0.05).unwrap();
        assert!(ci.lo < 0.0 && ci.hi > 0.0);
    }
}
