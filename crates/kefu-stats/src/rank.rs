//! Durations: the Mann–Whitney U test and the Hodges–Lehmann shift with its
//! distribution-free interval.

use serde::Serialize;

use crate::dist::{norm_crit, norm_sf};
use crate::{Interval, NoTest, check_alpha, finite_sorted};

/// The median of the finite values of `sample` (the mean of the two middle values
/// when their number is even, as `numpy.median`); `None` when there are none.
pub fn median(sample: &[f64]) -> Option<f64> {
    median_of_sorted(&finite_sorted(sample))
}

fn median_of_sorted(v: &[f64]) -> Option<f64> {
    let n = v.len();
    if n == 0 {
        None
    } else if n % 2 == 1 {
        Some(v[n / 2])
    } else {
        Some((v[n / 2 - 1] + v[n / 2]) / 2.0)
    }
}

/// The Mann–Whitney U test of the first sample against the second.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MannWhitney {
    pub n1: usize,
    pub n2: usize,
    /// `U1 = R1 − n1(n1 + 1)/2`, the U of the **first** sample (what scipy reports):
    /// the number of pairs with `x > y`, ties counting one half.
    pub u: f64,
    /// The continuity-corrected z behind the p-value, signed: positive when the first
    /// sample tends to be larger (`U1 > n1·n2/2`); 0 when `|U1 − n1·n2/2| ≤ ½` or all
    /// values are tied.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// The common-language effect size `U1 / (n1·n2)`: the probability that a value
    /// of the first sample exceeds one of the second, ties counting one half (0.5 =
    /// no effect).
    pub effect_size: f64,
    pub median1: f64,
    pub median2: f64,
}

/// Two-sided Mann–Whitney U test, normal approximation with tie and continuity
/// correction.
///
/// Matches `scipy.stats.mannwhitneyu(x, y, alternative="two-sided",
/// method="asymptotic", use_continuity=True)`: with `U = max(U1, U2)`,
/// `σ = sqrt(n1·n2/12 · ((n + 1) − Σ(t³ − t)/(n(n − 1))))` over the tie groups `t` of
/// the pooled sample, `p = min(1, 2·P(Z > (U − n1·n2/2 − ½)/σ))`. When every value is
/// the same (σ = 0) the p-value is 1, as scipy gives. Ranks come from one sort of each
/// sample (`O(n log n)`), so 100k values per side are cheap. Non-finite values are
/// ignored; an empty side is [`NoTest::EmptySample`].
pub fn mann_whitney_u(x: &[f64], y: &[f64]) -> Result<MannWhitney, NoTest> {
    let xs = finite_sorted(x);
    let ys = finite_sorted(y);
    let (n1, n2) = (xs.len(), ys.len());
    if n1 == 0 || n2 == 0 {
        return Err(NoTest::EmptySample);
    }
    // Walk the two sorted samples as one: each tie group of the pooled sample covers
    // ranks rank+1 ..= rank+t and gives each member their mean.
    let (mut i, mut j) = (0usize, 0usize);
    let mut rank = 0.0f64;
    let mut r1 = 0.0f64;
    let mut tie_term = 0.0f64;
    while i < n1 || j < n2 {
        let v = match (xs.get(i), ys.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => unreachable!(),
        };
        let i0 = i;
        while i < n1 && xs[i] == v {
            i += 1;
        }
        let j0 = j;
        while j < n2 && ys[j] == v {
            j += 1;
        }
        let in_x = (i - i0) as f64;
        let t = in_x + (j - j0) as f64;
        r1 += in_x * (rank + (t + 1.0) / 2.0);
        rank += t;
        tie_term += t * t * t - t;
    }
    let (m1, m2) = (n1 as f64, n2 as f64);
    let u1 = r1 - m1 * (m1 + 1.0) / 2.0;
    let u2 = m1 * m2 - u1;
    let mu = m1 * m2 / 2.0;
    let n = m1 + m2;
    let s = (m1 * m2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
    let (z, p_value) = if s > 0.0 {
        let zu = (u1.max(u2) - mu - 0.5) / s;
        let p = (2.0 * norm_sf(zu)).clamp(0.0, 1.0);
        let z = if zu <= 0.0 {
            0.0
        } else if u1 >= mu {
            zu
        } else {
            -zu
        };
        (z, p)
    } else {
        (0.0, 1.0)
    };
    Ok(MannWhitney {
        n1,
        n2,
        u: u1,
        z,
        p_value,
        effect_size: u1 / (m1 * m2),
        median1: median_of_sorted(&xs).unwrap_or(0.0),
        median2: median_of_sorted(&ys).unwrap_or(0.0),
    })
}

/// How the order statistics of the pairwise differences were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HodgesLehmannMethod {
    /// All `n1·n2` differences materialised and sorted (`n1·n2 ≤` [`HL_EXHAUSTIVE_MAX`]).
    AllDifferences,
    /// Exact selection over the implicit sorted difference matrix: same answer,
    /// `O(n1 + n2)` memory.
    Selection,
}

/// Up to this many pairwise differences (8 MiB of them) Hodges–Lehmann sorts them
/// all; above, it selects the order statistics without materialising them.
pub const HL_EXHAUSTIVE_MAX: u64 = 1 << 20;

/// The Hodges–Lehmann shift of the first sample against the second.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HodgesLehmann {
    pub n1: usize,
    pub n2: usize,
    /// The median of the `n1·n2` differences `x_i − y_j` (first minus second).
    pub estimate: f64,
    /// `[D(k), D(N + 1 − k)]`, or `None` when the samples are too small for a
    /// `1 − alpha` interval (`k < 1`).
    pub ci: Option<Interval>,
    /// The order statistic `k` the interval uses (may be ≤ 0 when `ci` is `None`).
    pub k: i64,
    pub method: HodgesLehmannMethod,
}

/// The Hodges–Lehmann estimate of the shift between two samples, **`x − y`** (the
/// median of all pairwise differences `x_i − y_j`), with the Moses/Lehmann
/// distribution-free interval at level `1 − alpha`.
///
/// With `D(1) ≤ … ≤ D(N)` the sorted differences (`N = n1·n2`), the interval is
/// `[D(k), D(N + 1 − k)]` where `k` is the largest integer with
/// `P(U ≤ k − 1) ≤ alpha/2` under the null distribution of the Mann–Whitney U,
/// approximated by the normal with continuity correction:
///
/// `k = floor(n1·n2/2 + ½ − z·sqrt(n1·n2·(n1 + n2 + 1)/12))`, `z = Φ⁻¹(1 − alpha/2)`
///
/// (Lehmann, *Nonparametrics*, 1975, §2.5; Hollander & Wolfe's large-sample `C_α`
/// rounded to the nearest integer). The variance carries no tie correction. When
/// `k < 1` there is no interval at that level (`ci = None`). The estimate is the
/// median as `numpy.median` takes it (mean of the two middle differences for even N).
///
/// For `N ≤` [`HL_EXHAUSTIVE_MAX`] the differences are sorted; above, each needed order
/// statistic is found exactly by randomised selection over the implicit matrix
/// `x_i − y_j` (rows sorted, columns sorted: each round counts the differences below
/// a pivot in `O(n1 + n2)` with two pointers and discards the rows' parts on the wrong
/// side — the two-sample form of Monahan's 1984 algorithm), so 100k × 100k values take
/// `O((n1 + n2)·log N)` time and `O(n1 + n2)` memory and give exactly the order
/// statistics a full sort would. Non-finite values are ignored.
pub fn hodges_lehmann(x: &[f64], y: &[f64], alpha: f64) -> Result<HodgesLehmann, NoTest> {
    let n = (x.len() as u64).saturating_mul(y.len() as u64);
    let method = if n <= HL_EXHAUSTIVE_MAX {
        HodgesLehmannMethod::AllDifferences
    } else {
        HodgesLehmannMethod::Selection
    };
    hodges_lehmann_with(x, y, alpha, method)
}

pub(crate) fn hodges_lehmann_with(
    x: &[f64],
    y: &[f64],
    alpha: f64,
    method: HodgesLehmannMethod,
) -> Result<HodgesLehmann, NoTest> {
    check_alpha(alpha)?;
    let xs = finite_sorted(x);
    let mut yd = finite_sorted(y);
    yd.reverse();
    let (n1, n2) = (xs.len(), yd.len());
    if n1 == 0 || n2 == 0 {
        return Err(NoTest::EmptySample);
    }
    let big_n = n1 as u64 * n2 as u64;
    let (m1, m2) = (n1 as f64, n2 as f64);
    let sigma = (m1 * m2 * (m1 + m2 + 1.0) / 12.0).sqrt();
    let k = (m1 * m2 / 2.0 + 0.5 - norm_crit(alpha) * sigma).floor() as i64;
    let matrix = DiffMatrix { x: &xs, yd: &yd };
    let mut wanted: Vec<u64> = if big_n % 2 == 1 {
        vec![big_n.div_ceil(2)]
    } else {
        vec![big_n / 2, big_n / 2 + 1]
    };
    if k >= 1 {
        wanted.push(k as u64);
        wanted.push(big_n + 1 - k as u64);
    }
    let values = match method {
        HodgesLehmannMethod::AllDifferences => matrix.order_statistics_sorted(&wanted),
        HodgesLehmannMethod::Selection => wanted.iter().map(|&r| matrix.select(r)).collect(),
    };
    let (estimate, rest) = if big_n % 2 == 1 {
        (values[0], &values[1..])
    } else {
        ((values[0] + values[1]) / 2.0, &values[2..])
    };
    let ci = (k >= 1).then(|| Interval::new(rest[0], rest[1]));
    Ok(HodgesLehmann {
        n1,
        n2,
        estimate,
        ci,
        k,
        method,
    })
}

/// The implicit matrix `d(i, j) = x[i] − yd[j]` with `x` ascending and `yd`
/// descending: every row and every column is non-decreasing. Differences are always
/// computed by the same subtraction, and IEEE subtraction is monotone, so the order
/// holds exactly in floating point.
struct DiffMatrix<'a> {
    x: &'a [f64],
    yd: &'a [f64],
}

impl DiffMatrix<'_> {
    fn at(&self, i: usize, j: usize) -> f64 {
        self.x[i] - self.yd[j]
    }

    /// The given 1-based order statistics, by sorting every difference.
    fn order_statistics_sorted(&self, ranks: &[u64]) -> Vec<f64> {
        let mut all = Vec::with_capacity(self.x.len() * self.yd.len());
        for &a in self.x {
            all.extend(self.yd.iter().map(|&b| a - b));
        }
        all.sort_unstable_by(f64::total_cmp);
        ranks.iter().map(|&r| all[(r - 1) as usize]).collect()
    }

    /// For each row, how many of its entries are `< p` (`strict`) or `≤ p`: the first
    /// column where the row reaches `p`. Non-increasing down the rows, so one pointer
    /// walks the columns once.
    fn counts_below(&self, p: f64, strict: bool, out: &mut [usize]) {
        let mut j = self.yd.len();
        for (i, slot) in out.iter_mut().enumerate() {
            while j > 0 && {
                let d = self.at(i, j - 1);
                if strict { d >= p } else { d > p }
            } {
                j -= 1;
            }
            *slot = j;
        }
    }

    /// The `rank`-th smallest difference (1-based), exactly.
    ///
    /// Each row keeps a window `[lo, hi)` of candidate columns; everything left of the
    /// windows is known to be ≤ every candidate, everything right of them ≥. A random
    /// candidate is the pivot; counting the candidates `< pivot` and `≤ pivot` either
    /// finds the answer (the pivot) or shrinks every window to one side of it. When
    /// few candidates remain they are gathered and selected directly.
    fn select(&self, rank: u64) -> f64 {
        let (n1, n2) = (self.x.len(), self.yd.len());
        let small = ((n1 + n2) as u64).max(1 << 16);
        let mut lo = vec![0usize; n1];
        let mut hi = vec![n2; n1];
        let mut lt = vec![0usize; n1];
        let mut le = vec![0usize; n1];
        let mut below = 0u64;
        let mut rng = SplitMix64(0x6b65_6675_7374_6174 ^ rank);
        loop {
            let remaining: u64 = lo.iter().zip(&hi).map(|(&l, &h)| (h - l) as u64).sum();
            let target = rank - below;
            if remaining <= small {
                let mut cands = Vec::with_capacity(remaining as usize);
                for i in 0..n1 {
                    cands.extend((lo[i]..hi[i]).map(|j| self.at(i, j)));
                }
                let idx = (target - 1) as usize;
                let (_, v, _) = cands.select_nth_unstable_by(idx, f64::total_cmp);
                return *v;
            }
            let mut r = rng.next() % remaining;
            let mut pivot = f64::NAN;
            for i in 0..n1 {
                let width = (hi[i] - lo[i]) as u64;
                if r < width {
                    pivot = self.at(i, lo[i] + r as usize);
                    break;
                }
                r -= width;
            }
            self.counts_below(pivot, true, &mut lt);
            self.counts_below(pivot, false, &mut le);
            let (mut c_lt, mut c_le) = (0u64, 0u64);
            for i in 0..n1 {
                lt[i] = lt[i].clamp(lo[i], hi[i]);
                le[i] = le[i].clamp(lo[i], hi[i]);
                c_lt += (lt[i] - lo[i]) as u64;
                c_le += (le[i] - lo[i]) as u64;
            }
            if target <= c_lt {
                hi.copy_from_slice(&lt);
            } else if target <= c_le {
                return pivot;
            } else {
                below += c_le;
                lo.copy_from_slice(&le);
            }
        }
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): the pivot picker of the selection. Fixed
/// seed, so results and timings are reproducible; the answer never depends on it.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg_sample(n: usize, seed: u64, scale: f64, round: bool) -> Vec<f64> {
        let mut g = SplitMix64(seed);
        (0..n)
            .map(|_| {
                let u = (g.next() >> 11) as f64 / (1u64 << 53) as f64;
                let v = -scale * (1.0 - u).ln();
                if round { v.round() } else { v }
            })
            .collect()
    }

    #[test]
    fn selection_equals_sorting_exactly() {
        for (n1, n2, round) in [
            (700, 1100, true),
            (1200, 900, false),
            (1, 70000, true),
            (3, 3, false),
        ] {
            let x = lcg_sample(n1, 1 + n1 as u64, 40.0, round);
            let y = lcg_sample(n2, 7 + n2 as u64, 55.0, round);
            for alpha in [0.05, 0.01] {
                let a = hodges_lehmann_with(&x, &y, alpha, HodgesLehmannMethod::AllDifferences)
                    .unwrap();
                let b = hodges_lehmann_with(&x, &y, alpha, HodgesLehmannMethod::Selection).unwrap();
                assert_eq!(a.estimate, b.estimate, "{n1}×{n2}");
                assert_eq!(a.ci, b.ci, "{n1}×{n2}");
                assert_eq!(a.k, b.k);
            }
        }
    }

    #[test]
    fn empty_and_nan() {
        assert_eq!(mann_whitney_u(&[], &[1.0]), Err(NoTest::EmptySample));
        assert_eq!(
            mann_whitney_u(&[f64::NAN], &[1.0]),
            Err(NoTest::EmptySample)
        );
        assert_eq!(hodges_lehmann(&[1.0], &[], 0.05), Err(NoTest::EmptySample));
        let with_nan = mann_whitney_u(&[1.0, f64::NAN, 3.0], &[2.0]).unwrap();
        let without = mann_whitney_u(&[1.0, 3.0], &[2.0]).unwrap();
        assert_eq!(with_nan, without);
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, f64::INFINITY, 2.0]), Some(2.0));
    }
}
