//! Counts per period (conversations, customers): the Poisson rate test and Welch's
//! t-test on the daily counts.

use serde::Serialize;

use crate::NoTest;
use crate::dist::norm_two_sided_p;
use crate::means::{Summary, Welch, welch_t_test_summary};

/// The score test of two Poisson rates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoissonRateTest {
    /// `count1 / exposure1`.
    pub rate1: f64,
    /// `count2 / exposure2`.
    pub rate2: f64,
    /// `rate1 / rate2`; `None` when `rate2` is 0.
    pub ratio: Option<f64>,
    pub statistic: f64,
    /// Two-sided normal p-value.
    pub p_value: f64,
}

/// Two-sided test of equal Poisson rates `count1/exposure1 = count2/exposure2`.
///
/// Matches statsmodels `test_poisson_2indep(count1, exposure1, count2, exposure2)`
/// with its defaults (`compare="ratio"`, `value=1`, `method=None`, which statsmodels
/// 0.15 resolves to `"score"`: method W2A of Gu, Ng, Tang & Schucany 2008, the score
/// test with the variance under the null): with `d = exposure2/exposure1`,
/// `z = (count1 − count2/d) / sqrt((count1 + count2)/d)`. No counts at all
/// ([`NoTest::NoVariation`]) or a non-positive exposure are no test.
///
/// It assumes the counts are Poisson: for daily conversation counts, which vary far
/// more than that from day to day (weekdays, campaigns), it overstates significance;
/// see [`compare_daily_counts`].
pub fn poisson_rate_test(
    count1: u64,
    exposure1: f64,
    count2: u64,
    exposure2: f64,
) -> Result<PoissonRateTest, NoTest> {
    if !(exposure1 > 0.0 && exposure2 > 0.0 && exposure1.is_finite() && exposure2.is_finite()) {
        return Err(NoTest::InvalidInput {
            what: "exposures must be positive",
        });
    }
    let (y1, y2) = (count1 as f64, count2 as f64);
    if y1 + y2 == 0.0 {
        return Err(NoTest::NoVariation {
            what: "no events on either side",
        });
    }
    let d = exposure2 / exposure1;
    let r_d = 1.0 / d;
    let statistic = (y1 - y2 * r_d) / ((y1 + y2) * r_d).sqrt();
    let rate1 = y1 / exposure1;
    let rate2 = y2 / exposure2;
    Ok(PoissonRateTest {
        rate1,
        rate2,
        ratio: (rate2 > 0.0).then(|| rate1 / rate2),
        statistic,
        p_value: norm_two_sided_p(statistic),
    })
}

/// Which test [`DailyCounts::recommended`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DailyTest {
    /// Welch's t-test on the per-day counts.
    WelchOnDays,
    /// The Poisson score test on the totals, with the number of days as exposure.
    PoissonRate,
}

/// Two periods' daily counts compared both ways.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyCounts {
    pub days1: usize,
    pub days2: usize,
    pub total1: f64,
    pub total2: f64,
    /// Mean count per day.
    pub mean1: f64,
    pub mean2: f64,
    /// `mean1 − mean2` (per day).
    pub change: f64,
    /// `change / mean2`; `None` when `mean2` is 0.
    pub relative_change: Option<f64>,
    /// Variance-to-mean ratio of the daily counts (1 for Poisson days; `None` with
    /// fewer than 2 days or a zero mean). CS volumes are typically far above 1.
    pub dispersion1: Option<f64>,
    pub dispersion2: Option<f64>,
    /// Welch's t-test on the daily counts (needs 2 days per side and some variation).
    pub welch: Option<Welch>,
    /// The Poisson score test on the totals, exposure = days.
    pub poisson: Option<PoissonRateTest>,
    /// The test to report: Welch on days whenever it exists, else Poisson.
    pub recommended: DailyTest,
}

impl DailyCounts {
    /// The recommended test's p-value (`None` when neither test exists).
    pub fn p_value(&self) -> Option<f64> {
        match self.recommended {
            DailyTest::WelchOnDays => self.welch.as_ref().map(|w| w.p_value),
            DailyTest::PoissonRate => self.poisson.as_ref().map(|p| p.p_value),
        }
    }

    /// The recommended test's statistic.
    pub fn statistic(&self) -> Option<f64> {
        match self.recommended {
            DailyTest::WelchOnDays => self.welch.as_ref().map(|w| w.statistic),
            DailyTest::PoissonRate => self.poisson.as_ref().map(|p| p.statistic),
        }
    }
}

/// Compare two periods' daily counts (one value per day, zero days included; first
/// against second, `alpha` for Welch's interval of the per-day change).
///
/// **`kefu compare` should report Welch on the days** ([`DailyTest::WelchOnDays`]):
/// daily support volumes are overdispersed (weekday/weekend, campaigns, outages), so
/// the Poisson test, whose variance is the mean, calls small changes in large counts
/// significant — in `golden.json`, two fortnights of weekday/weekend-mixed days give
/// Poisson p = 0.02 but Welch p = 0.54. Welch uses the observed day-to-day variance
/// (Welch–Satterthwaite df, as `scipy.stats.ttest_ind(equal_var=False)`). Only when a
/// side has a single day, or the days do not vary, does this fall back to the Poisson
/// rate test (see [`poisson_rate_test`]).
pub fn compare_daily_counts(
    days1: &[f64],
    days2: &[f64],
    alpha: f64,
) -> Result<DailyCounts, NoTest> {
    let a = Summary::of(days1);
    let b = Summary::of(days2);
    if a.n == 0 || b.n == 0 {
        return Err(NoTest::EmptySample);
    }
    if days1.iter().chain(days2).any(|&v| v.is_nan() || v < 0.0) {
        return Err(NoTest::InvalidInput {
            what: "daily counts must be non-negative numbers",
        });
    }
    let total1: f64 = days1.iter().sum();
    let total2: f64 = days2.iter().sum();
    let dispersion = |s: &Summary| (s.n >= 2 && s.mean > 0.0).then(|| s.variance / s.mean);
    let welch = welch_t_test_summary(&a, &b, alpha).ok();
    let poisson = poisson_rate_test(
        total1.round() as u64,
        a.n as f64,
        total2.round() as u64,
        b.n as f64,
    )
    .ok();
    let recommended = if welch.is_some() {
        DailyTest::WelchOnDays
    } else {
        DailyTest::PoissonRate
    };
    Ok(DailyCounts {
        days1: a.n as usize,
        days2: b.n as usize,
        total1,
        total2,
        mean1: a.mean,
        mean2: b.mean,
        change: a.mean - b.mean,
        relative_change: (b.mean > 0.0).then(|| (a.mean - b.mean) / b.mean),
        dispersion1: dispersion(&a),
        dispersion2: dispersion(&b),
        welch,
        poisson,
        recommended,
    })
}
