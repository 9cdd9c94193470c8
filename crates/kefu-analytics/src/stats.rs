//! Exact summaries: n, mean and percentiles by linear interpolation between closest
//! ranks (numpy's default), as METRICS.md asks ("always report mean, median and p90").
//! DataFusion's `percentile_cont` truncates its weight to 1e-6, so we sort ourselves.

use serde::{Deserialize, Serialize};

/// The p-th quantile (0 ≤ p ≤ 1) of sorted values: rank h = p·(n−1), then
/// x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
pub fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let h = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// n, mean, median and p90 of a duration, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: i64,
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
}

/// The p-th quantile of unsorted values, as [`quantile_sorted`] gives it, by
/// selection (linear time; a report summarises millions of durations).
pub fn quantile_select(v: &mut [f64], p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let h = p.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let lo = h.floor() as usize;
    let (_, x_lo, right) = v.select_nth_unstable_by(lo, f64::total_cmp);
    let x_lo = *x_lo;
    // The next rank is the smallest value above position `lo`.
    let x_hi = right.iter().copied().min_by(f64::total_cmp).unwrap_or(x_lo);
    Some(x_lo + (h - lo as f64) * (x_hi - x_lo))
}

impl Summary {
    pub fn of(values: impl IntoIterator<Item = f64>) -> Summary {
        let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        let n = v.len();
        Summary {
            n: n as i64,
            mean: (n > 0).then(|| v.iter().sum::<f64>() / n as f64),
            p50: quantile_select(&mut v, 0.5),
            p90: quantile_select(&mut v, 0.9),
        }
    }
}

/// A rate that is `None` (shown as "–") when its denominator is zero.
pub fn rate(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_between_closest_ranks() {
        // 1..=10: p90 rank 8.1 → 9 + 0.1·(10 − 9) = 9.1; median rank 4.5 → 5.5.
        let s = Summary::of((1..=10).map(f64::from));
        assert_eq!(s.p50, Some(5.5));
        assert!((s.p90.unwrap() - 9.1).abs() < 1e-12);
        assert_eq!(s.mean, Some(5.5));
        assert_eq!(Summary::of([7.0]).p90, Some(7.0));
        assert_eq!(Summary::of([]).n, 0);
    }

    /// Selection gives what sorting gives, on shuffled values with ties.
    #[test]
    fn selection_equals_sorting() {
        let mut v: Vec<f64> = (0..1001).map(|i| ((i * 7919) % 613) as f64 / 3.0).collect();
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        for p in [0.0, 0.1, 0.5, 0.9, 0.95, 0.999, 1.0] {
            assert_eq!(
                quantile_select(&mut v, p),
                quantile_sorted(&sorted, p),
                "p = {p}"
            );
        }
        assert_eq!(quantile_select(&mut [], 0.5), None);
        assert_eq!(quantile_select(&mut [2.0, 1.0], 0.5), Some(1.5));
    }
}
