//! Difference-in-differences of independent groups: did a change in the treated
//! group move a metric beyond what moved in a control group over the same dates?

use serde::Serialize;

use crate::dist::{norm_crit, norm_two_sided_p};
use crate::{Interval, NoTest, check_alpha};

/// One group-period's estimate: a mean (or rate) and the variance of that mean.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    /// `Var(mean)`: `p(1 − p)/n` for a rate, `s²/n` for a sample mean.
    pub variance: f64,
    pub n: u64,
}

impl Estimate {
    /// A rate `x / n` (binomial variance); `None` when `n = 0`.
    pub fn rate(x: u64, n: u64) -> Option<Estimate> {
        (n > 0 && x <= n).then(|| {
            let p = x as f64 / n as f64;
            Estimate {
                mean: p,
                variance: p * (1.0 - p) / n as f64,
                n,
            }
        })
    }

    /// The mean of a sample (variance `s²/n`, `ddof = 1`); `None` with fewer than two
    /// finite values.
    pub fn sample(values: &[f64]) -> Option<Estimate> {
        let s = crate::Summary::of(values);
        (s.n >= 2).then(|| Estimate {
            mean: s.mean,
            variance: s.variance / s.n as f64,
            n: s.n,
        })
    }
}

/// `(treated after − treated before) − (control after − control before)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DifferenceInDifferences {
    pub treated_change: f64,
    pub control_change: f64,
    pub estimate: f64,
    /// `sqrt` of the four variances' sum (independent samples).
    pub std_error: f64,
    pub statistic: f64,
    /// Two-sided normal p-value.
    pub p_value: f64,
    /// `estimate ± z_{1−alpha/2}·std_error`.
    pub ci: Interval,
}

/// The difference-in-differences of four independent estimates, with a normal
/// (Wald) test and interval. [`NoTest::NoVariation`] when every variance is 0.
pub fn difference_in_differences(
    treated_before: Estimate,
    treated_after: Estimate,
    control_before: Estimate,
    control_after: Estimate,
    alpha: f64,
) -> Result<DifferenceInDifferences, NoTest> {
    check_alpha(alpha)?;
    let treated_change = treated_after.mean - treated_before.mean;
    let control_change = control_after.mean - control_before.mean;
    let estimate = treated_change - control_change;
    let var = treated_before.variance
        + treated_after.variance
        + control_before.variance
        + control_after.variance;
    if var.is_nan() || var <= 0.0 || !var.is_finite() {
        return Err(NoTest::NoVariation {
            what: "every group's estimate has zero variance",
        });
    }
    let std_error = var.sqrt();
    let statistic = estimate / std_error;
    let half = norm_crit(alpha) * std_error;
    Ok(DifferenceInDifferences {
        treated_change,
        control_change,
        estimate,
        std_error,
        statistic,
        p_value: norm_two_sided_p(statistic),
        ci: Interval::new(estimate - half, estimate + half),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_rates() {
        // Treated 50/100 → 70/100, control 50/100 → 55/100: DiD = 0.20 − 0.05 = 0.15.
        // Var = .25/100 + .21/100 + .25/100 + .2475/100 = 0.009575, SE = 0.097852,
        // z = 1.532928, p = 0.125293 (scipy.stats.norm.sf).
        let e = |x| Estimate::rate(x, 100).unwrap();
        let d = difference_in_differences(e(50), e(70), e(50), e(55), 0.05).unwrap();
        assert!((d.estimate - 0.15).abs() < 1e-12);
        assert!((d.std_error - 0.009575f64.sqrt()).abs() < 1e-12);
        assert!((d.statistic - 1.532928).abs() < 1e-5, "{d:?}");
        assert!((d.p_value - 0.125293).abs() < 1e-5, "{d:?}");
        assert!(d.ci.contains(0.15) && d.ci.contains(0.0));
        let flat = Estimate {
            mean: 1.0,
            variance: 0.0,
            n: 5,
        };
        assert!(difference_in_differences(flat, flat, flat, flat, 0.05).is_err());
        assert!(Estimate::rate(0, 0).is_none());
        assert!(Estimate::sample(&[1.0]).is_none());
    }
}
