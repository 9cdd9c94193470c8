//! Net Promoter Score with its multinomial standard error.

use serde::Serialize;

use crate::dist::{norm_crit, norm_two_sided_p};
use crate::{Interval, NoTest, check_alpha};

/// Answers to "how likely are you to recommend us" (0–10), by group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NpsCounts {
    /// Scores 9–10.
    pub promoters: u64,
    /// Scores 7–8.
    pub passives: u64,
    /// Scores 0–6.
    pub detractors: u64,
}

impl NpsCounts {
    pub fn new(promoters: u64, passives: u64, detractors: u64) -> Self {
        NpsCounts {
            promoters,
            passives,
            detractors,
        }
    }

    /// Count 0–10 scores (METRICS.md: promoters 9–10, detractors 0–6); scores above 10
    /// are not NPS answers and are skipped.
    pub fn from_scores(scores: impl IntoIterator<Item = u8>) -> Self {
        let mut c = NpsCounts::default();
        for s in scores {
            match s {
                9..=10 => c.promoters += 1,
                7..=8 => c.passives += 1,
                0..=6 => c.detractors += 1,
                _ => {}
            }
        }
        c
    }

    /// Number of answers.
    pub fn n(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }
}

/// One side's NPS, in points (−100 … 100).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nps {
    pub n: u64,
    /// `100·(promoters − detractors) / n`.
    pub score: f64,
    /// `100·sqrt((p₊ + p₋ − (p₊ − p₋)²) / n)`: the multinomial variance of `p₊ − p₋`.
    pub std_error: f64,
    /// Wald interval `score ± z·std_error`, not clipped.
    pub ci: Interval,
}

/// NPS of one group with its standard error and Wald interval (level `1 − alpha`).
///
/// With `p₊`, `p₋` the promoter and detractor shares, `Var(p̂₊ − p̂₋) =
/// (p₊ + p₋ − (p₊ − p₋)²)/n` (multinomial: `Var p̂₊ + Var p̂₋ + 2·p₊p₋/n`).
pub fn nps(counts: NpsCounts, alpha: f64) -> Result<Nps, NoTest> {
    check_alpha(alpha)?;
    let n = counts.n();
    if n == 0 {
        return Err(NoTest::EmptySample);
    }
    let (score, var) = score_and_variance(counts);
    let std_error = var.sqrt();
    let half = norm_crit(alpha) * std_error;
    Ok(Nps {
        n,
        score,
        std_error,
        ci: Interval::new(score - half, score + half),
    })
}

/// NPS in points and its variance in points².
fn score_and_variance(c: NpsCounts) -> (f64, f64) {
    let n = c.n() as f64;
    let pp = c.promoters as f64 / n;
    let pd = c.detractors as f64 / n;
    let s = pp - pd;
    let var = ((pp + pd - s * s) / n).max(0.0);
    (100.0 * s, 100.0 * 100.0 * var)
}

/// The difference of two NPS values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NpsDifference {
    pub a: Nps,
    pub b: Nps,
    /// `a.score − b.score`, in points.
    pub difference: f64,
    /// `sqrt(Var a + Var b)` (independent groups).
    pub std_error: f64,
    /// `difference / std_error`.
    pub statistic: f64,
    /// Two-sided normal p-value.
    pub p_value: f64,
    /// `difference ± z·std_error`.
    pub ci: Interval,
}

/// Compare the NPS of group `a` with group `b` (**`a − b`**): z-test on the
/// difference with standard error `sqrt(va + vb)` from each side's multinomial
/// variance. [`NoTest::NoVariation`] when both variances are 0 (every answer in each
/// group in one class).
pub fn nps_difference(a: NpsCounts, b: NpsCounts, alpha: f64) -> Result<NpsDifference, NoTest> {
    let na = nps(a, alpha)?;
    let nb = nps(b, alpha)?;
    let (_, va) = score_and_variance(a);
    let (_, vb) = score_and_variance(b);
    let se2 = va + vb;
    if se2.is_nan() || se2 <= 0.0 {
        return Err(NoTest::NoVariation {
            what: "every answer on each side is in one class",
        });
    }
    let std_error = se2.sqrt();
    let difference = na.score - nb.score;
    let statistic = difference / std_error;
    let half = norm_crit(alpha) * std_error;
    Ok(NpsDifference {
        a: na,
        b: nb,
        difference,
        std_error,
        statistic,
        p_value: norm_two_sided_p(statistic),
        ci: Interval::new(difference - half, difference + half),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_edges() {
        let c = NpsCounts::from_scores([10, 9, 8, 7, 6, 0, 11]);
        assert_eq!(c, NpsCounts::new(2, 2, 2));
        assert_eq!(nps(NpsCounts::default(), 0.05), Err(NoTest::EmptySample));
        let all = NpsCounts::new(5, 0, 0);
        assert_eq!(nps(all, 0.05).unwrap().score, 100.0);
        assert!(matches!(
            nps_difference(all, all, 0.05),
            Err(NoTest::NoVariation { .. })
        ));
    }
}
