//! Mean scores: Welch's unequal-variance t-test.

use serde::Serialize;

use crate::dist::{t_crit, t_two_sided_p};
use crate::{Interval, NoTest, check_alpha};

/// Size, mean and sample variance (`ddof = 1`) of a sample: enough for Welch, so
/// the caller may aggregate in SQL instead of shipping every value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub n: u64,
    pub mean: f64,
    /// The unbiased sample variance (divisor `n − 1`); 0 when `n < 2`.
    pub variance: f64,
}

impl Summary {
    /// Summarise the finite values of `sample` (two passes: the mean, then the sum of
    /// squared deviations from it, as `numpy.var(ddof=1)`).
    pub fn of(sample: &[f64]) -> Summary {
        let vals = sample.iter().copied().filter(|v| v.is_finite());
        let (n, sum) = vals
            .clone()
            .fold((0u64, 0.0f64), |(n, s), v| (n + 1, s + v));
        if n == 0 {
            return Summary {
                n: 0,
                mean: 0.0,
                variance: 0.0,
            };
        }
        let mean = sum / n as f64;
        let ss: f64 = vals.map(|v| (v - mean) * (v - mean)).sum();
        let variance = if n > 1 { ss / (n - 1) as f64 } else { 0.0 };
        Summary { n, mean, variance }
    }
}

/// Welch's t-test of the first sample's mean against the second's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Welch {
    pub mean1: f64,
    pub mean2: f64,
    /// `mean1 − mean2`.
    pub difference: f64,
    /// `sqrt(v1/n1 + v2/n2)`.
    pub std_error: f64,
    /// `difference / std_error`.
    pub statistic: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Two-sided p-value from Student's t with `df`.
    pub p_value: f64,
    /// `difference ± t_{1−alpha/2, df}·std_error`.
    pub ci: Interval,
}

/// Welch's two-sided t-test on two samples (non-finite values ignored). Matches
/// `scipy.stats.ttest_ind(x, y, equal_var=False)` (statistic, df, p-value) and its
/// `confidence_interval(confidence_level=1 − alpha)`; see [`welch_t_test_summary`].
pub fn welch_t_test(x: &[f64], y: &[f64], alpha: f64) -> Result<Welch, NoTest> {
    welch_t_test_summary(&Summary::of(x), &Summary::of(y), alpha)
}

/// Welch's t-test from summaries: `t = (m1 − m2) / sqrt(v1/n1 + v2/n2)`,
/// `df = (v1/n1 + v2/n2)² / ((v1/n1)²/(n1 − 1) + (v2/n2)²/(n2 − 1))`.
/// Needs two observations per side ([`NoTest::TooFewObservations`]) and some
/// variance ([`NoTest::NoVariation`] when both variances are 0).
pub fn welch_t_test_summary(a: &Summary, b: &Summary, alpha: f64) -> Result<Welch, NoTest> {
    check_alpha(alpha)?;
    if a.n == 0 || b.n == 0 {
        return Err(NoTest::EmptySample);
    }
    if a.n < 2 || b.n < 2 {
        return Err(NoTest::TooFewObservations { needed: 2 });
    }
    if !(a.variance >= 0.0 && b.variance >= 0.0 && a.mean.is_finite() && b.mean.is_finite()) {
        return Err(NoTest::InvalidInput {
            what: "means must be finite and variances non-negative",
        });
    }
    let (n1, n2) = (a.n as f64, b.n as f64);
    let vn1 = a.variance / n1;
    let vn2 = b.variance / n2;
    let se2 = vn1 + vn2;
    if se2.is_nan() || se2 <= 0.0 {
        return Err(NoTest::NoVariation {
            what: "both samples are constant",
        });
    }
    let df = se2 * se2 / (vn1 * vn1 / (n1 - 1.0) + vn2 * vn2 / (n2 - 1.0));
    let std_error = se2.sqrt();
    let difference = a.mean - b.mean;
    let statistic = difference / std_error;
    let half = t_crit(alpha, df) * std_error;
    Ok(Welch {
        mean1: a.mean,
        mean2: b.mean,
        difference,
        std_error,
        statistic,
        df,
        p_value: t_two_sided_p(statistic, df),
        ci: Interval::new(difference - half, difference + half),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_cases() {
        assert_eq!(
            welch_t_test(&[], &[1.0, 2.0], 0.05),
            Err(NoTest::EmptySample)
        );
        assert_eq!(
            welch_t_test(&[1.0], &[1.0, 2.0], 0.05),
            Err(NoTest::TooFewObservations { needed: 2 })
        );
        assert!(matches!(
            welch_t_test(&[3.0, 3.0], &[1.0, 1.0, 1.0], 0.05),
            Err(NoTest::NoVariation { .. })
        ));
        // One constant side is fine.
        let w = welch_t_test(&[3.0, 3.0], &[1.0, 2.0, 3.0], 0.05).unwrap();
        assert!((w.df - 2.0).abs() < 1e-12 && w.p_value.is_finite());
    }
}
