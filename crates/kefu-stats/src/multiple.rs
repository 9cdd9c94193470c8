//! Multiple comparisons: Benjamini–Hochberg q-values.

/// Benjamini–Hochberg adjusted p-values (q-values) of one family of tests.
///
/// Matches statsmodels `multipletests(p, method="fdr_bh")[1]` run on the present
/// p-values: sorted ascending, `q_(i) = min_{j ≥ i} p_(j)·m/j`, capped at 1, where `m`
/// counts the present p-values only. Missing entries (`None`, or NaN) are not tests:
/// they come back as `None` in their place and do not count in `m`. A metric is
/// significant at false-discovery rate `alpha` when `q ≤ alpha`.
pub fn benjamini_hochberg(p_values: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut present: Vec<(usize, f64)> = p_values
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.filter(|v| !v.is_nan()).map(|v| (i, v)))
        .collect();
    present.sort_by(|a, b| a.1.total_cmp(&b.1));
    let m = present.len() as f64;
    let mut out = vec![None; p_values.len()];
    let mut running = f64::INFINITY;
    for (rank, &(i, p)) in present.iter().enumerate().rev() {
        let ecdf = (rank + 1) as f64 / m;
        running = running.min(p / ecdf);
        out[i] = Some(running.min(1.0));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_is_missing() {
        let q = benjamini_hochberg(&[Some(0.01), Some(f64::NAN), None, Some(0.04)]);
        assert_eq!(q[1], None);
        assert_eq!(q[2], None);
        assert!((q[0].unwrap() - 0.02).abs() < 1e-15);
        assert!((q[3].unwrap() - 0.04).abs() < 1e-15);
        assert!(benjamini_hochberg(&[]).is_empty());
    }
}
