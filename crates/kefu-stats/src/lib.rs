//! Statistics for kefu's comparisons, drivers and anomalies: pure functions over
//! numbers (no store, no DataFusion), so `kefu compare`, `kefu drivers`,
//! `kefu anomalies`, the API and the dashboard share one implementation.
//!
//! Every function names the reference it reproduces (statsmodels 0.15, scipy 1.17);
//! `tests/golden.rs` checks each one against values those libraries computed
//! (`tests/fixtures/make_fixtures.py`). Distributions come from `statrs`, the
//! regression's linear algebra from `nalgebra`.
//!
//! Conventions:
//!
//! * **Two-sample functions compare the first argument with the second**, as scipy
//!   and statsmodels do: differences are `first − second`, statistics are positive
//!   when the first sample is larger. `kefu compare` reports the change `b − a`, so it
//!   passes the later period first: `f(b, a)`.
//! * Tests are two-sided. Intervals are two-sided at level `1 − alpha`.
//! * A test that cannot be computed (an empty side, no variation, a pooled rate of 0
//!   or 1) returns [`NoTest`] with the reason instead of a NaN; no function panics
//!   on data.
//! * Samples of values ignore non-finite entries (NaN, ±∞); counts are `u64`.

mod dist;

pub mod anomaly;
pub mod counts;
pub mod did;
pub mod logit;
pub mod means;
pub mod multiple;
pub mod nps;
pub mod proportion;
pub mod rank;

pub use anomaly::{
    AnomalyOptions, Detection, Direction, Expected, Flag, FlagKind, Obs, detect as detect_anomalies,
};
pub use counts::{
    DailyCounts, DailyTest, PoissonRateTest, compare_daily_counts, poisson_rate_test,
};
pub use did::{DifferenceInDifferences, Estimate, difference_in_differences};
pub use logit::{
    Coefficient, DropReason, DroppedTerm, FamilyDeviance, FamilyDevianceReport, LogitError,
    LogitFit, LogitOptions, Term, family_deviance, logit,
};
pub use means::{Summary, Welch, welch_t_test, welch_t_test_summary};
pub use multiple::benjamini_hochberg;
pub use nps::{Nps, NpsCounts, NpsDifference, nps, nps_difference};
pub use proportion::{TwoProportionZ, newcombe_interval, two_proportion_z_test, wilson_interval};
pub use rank::{
    HodgesLehmann, HodgesLehmannMethod, MannWhitney, hodges_lehmann, mann_whitney_u, median,
};

use serde::Serialize;

/// A two-sided confidence interval `[lo, hi]` (serialised as a two-element array).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(into = "[f64; 2]")]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

impl Interval {
    pub fn new(lo: f64, hi: f64) -> Self {
        Interval { lo, hi }
    }

    /// Whether `value` lies in the closed interval.
    pub fn contains(&self, value: f64) -> bool {
        self.lo <= value && value <= self.hi
    }

    /// The interval mapped through an increasing function (e.g. `exp` for odds ratios).
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Interval {
        Interval::new(f(self.lo), f(self.hi))
    }
}

impl From<Interval> for [f64; 2] {
    fn from(i: Interval) -> Self {
        [i.lo, i.hi]
    }
}

/// Why a test or interval was not computed: a defined answer instead of NaN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NoTest {
    /// One side has no observations.
    #[error("a sample is empty")]
    EmptySample,
    /// Fewer observations than the test needs on some side.
    #[error("too few observations (at least {needed} per side needed)")]
    TooFewObservations { needed: usize },
    /// The statistic's standard error is zero (e.g. both rates 0 or both 1, or all
    /// values equal), so there is nothing to test.
    #[error("no variation: {what}")]
    NoVariation { what: &'static str },
    /// Arguments outside their domain (a count above its total, alpha outside (0, 1)).
    #[error("invalid input: {what}")]
    InvalidInput { what: &'static str },
}

pub(crate) fn check_alpha(alpha: f64) -> Result<(), NoTest> {
    if alpha > 0.0 && alpha < 1.0 {
        Ok(())
    } else {
        Err(NoTest::InvalidInput {
            what: "alpha must lie in (0, 1)",
        })
    }
}

/// The finite values of a sample, sorted ascending.
pub(crate) fn finite_sorted(sample: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = sample.iter().copied().filter(|v| v.is_finite()).collect();
    v.sort_unstable_by(f64::total_cmp);
    v
}
