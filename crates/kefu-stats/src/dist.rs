//! Thin wrappers over `statrs` distributions, in the forms the tests use.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal, StudentsT};

/// Upper tail of the standard normal, `P(Z > z)` (= `scipy.stats.norm.sf`).
pub(crate) fn norm_sf(z: f64) -> f64 {
    Normal::standard().sf(z)
}

/// Two-sided normal p-value `2·P(Z > |z|)`, at most 1.
pub(crate) fn norm_two_sided_p(z: f64) -> f64 {
    (2.0 * norm_sf(z.abs())).min(1.0)
}

/// The upper `alpha/2` critical value of the standard normal, `Φ⁻¹(1 − alpha/2)`
/// (= statsmodels' `norm.isf(alpha / 2)`), computed from the lower tail for accuracy.
pub(crate) fn norm_crit(alpha: f64) -> f64 {
    -Normal::standard().inverse_cdf(alpha / 2.0)
}

/// Above these degrees of freedom Student's t is evaluated by the Cornish–Fisher
/// expansion instead of `statrs`, whose incomplete-beta route loses accuracy there
/// (quantile off by 5e-12 at df = 9·10³, 3e-7 at 3·10⁴, 6e-5 at 10⁶; tail
/// probability off by 8e-11 at 10⁵, 2e-8 at 10⁷) and stalls near 10⁸, while the
/// expansion's first omitted term is below 1e-15 there (see [`t_quantile_from_z`]).
/// The tail switches later because through 10⁴ statrs' t tail (≈1e-13) is more
/// accurate than its normal tail (≈5e-11), which the expansion route ends in.
const T_QUANTILE_EXPANSION_DF: f64 = 1e3;
const T_SF_EXPANSION_DF: f64 = 1e4;

/// Two-sided Student-t p-value `2·P(T_df > |t|)`, at most 1 (= `2·scipy.stats.t.sf`).
pub(crate) fn t_two_sided_p(t: f64, df: f64) -> f64 {
    if df > T_SF_EXPANSION_DF {
        return norm_two_sided_p(z_from_t_quantile(t.abs(), df));
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) => (2.0 * d.sf(t.abs())).min(1.0),
        Err(_) => f64::NAN,
    }
}

/// The upper `alpha/2` critical value of Student's t with `df` degrees of freedom
/// (= `scipy.stats.t.ppf(1 − alpha/2, df)`).
pub(crate) fn t_crit(alpha: f64, df: f64) -> f64 {
    if df > T_QUANTILE_EXPANSION_DF {
        return t_quantile_from_z(norm_crit(alpha), df);
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) => -d.inverse_cdf(alpha / 2.0),
        Err(_) => f64::NAN,
    }
}

/// The Cornish–Fisher expansion of the t quantile in powers of `1/df` (Abramowitz &
/// Stegun 26.7.5, Fisher 1926): `t = z + g1(z)/ν + g2(z)/ν² + g3(z)/ν³ + g4(z)/ν⁴`.
/// For `ν > 10³` and `|z| < 5` the omitted `g5/ν⁵` is below 1e-12 relative (measured
/// against scipy: 4e-16 at ν = 10³, alpha = 0.05).
fn t_quantile_from_z(z: f64, nu: f64) -> f64 {
    let z2 = z * z;
    let g1 = z * (z2 + 1.0) / 4.0;
    let g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
    let g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
    let g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
    z + (g1 + (g2 + (g3 + g4 / nu) / nu) / nu) / nu
}

/// `d t / d z` of [`t_quantile_from_z`].
fn t_quantile_slope(z: f64, nu: f64) -> f64 {
    let z2 = z * z;
    let d1 = (3.0 * z2 + 1.0) / 4.0;
    let d2 = ((25.0 * z2 + 48.0) * z2 + 3.0) / 96.0;
    let d3 = (((21.0 * z2 + 95.0) * z2 + 51.0) * z2 - 15.0) / 384.0;
    let d4 = ((((711.0 * z2 + 5432.0) * z2 + 7410.0) * z2 - 5760.0) * z2 - 945.0) / 92160.0;
    1.0 + (d1 + (d2 + (d3 + d4 / nu) / nu) / nu) / nu
}

/// The normal quantile `z` whose Cornish–Fisher t quantile is `t ≥ 0` (Newton), so
/// `P(T_ν > t) = P(Z > z)`.
fn z_from_t_quantile(t: f64, nu: f64) -> f64 {
    let mut z = t;
    for _ in 0..50 {
        let step = (t_quantile_from_z(z, nu) - t) / t_quantile_slope(z, nu);
        z -= step;
        if step.abs() <= 1e-15 * (1.0 + z.abs()) {
            break;
        }
    }
    z
}

/// Upper tail of the chi-squared distribution, `P(X²_df > x)` (= `scipy.stats.chi2.sf`).
pub(crate) fn chi2_sf(x: f64, df: f64) -> f64 {
    match ChiSquared::new(df) {
        Ok(d) => d.sf(x),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_values() {
        assert!((norm_crit(0.05) - 1.959963984540054).abs() < 1e-14);
        assert!((t_crit(0.05, 10.0) - 2.228138851986273).abs() < 1e-12);
        // Large df (Welch on big samples): the expansion, against scipy 1.17.
        for (df, alpha, crit) in [
            (999.0, 0.05, 1.9623414611334498),
            (1000.5, 0.05, 1.962337892459348),
            (1500.0, 0.001, 3.2970248490459517),
            (2000.0, 0.05, 1.9611508260994381),
            (9e3, 0.05, 1.960227605081478),
            (1e6, 0.05, 1.9599663568141072),
            (1e8, 0.05, 1.9599640082627667),
            (1e12, 0.05, 1.9599639845424264),
        ] {
            let t = t_crit(alpha, df);
            assert!((t - crit).abs() < 1e-11 * crit, "{df}: {t} vs {crit}");
        }
        for (df, p2) in [
            (9e3, 0.04553026046018522),
            (1.0001e4, 0.045527257961900776),
            (1e6, 0.04550053385131924),
            (1e8, 0.04550026659590669),
            (1e12, 0.04550026389662835),
        ] {
            let p = t_two_sided_p(2.0, df);
            assert!((p - p2).abs() < 1e-9 * p2, "{df}: {p} vs {p2}");
        }
        assert!((t_two_sided_p(6.0, 3e4) - 1.9957666621554205e-9).abs() < 1e-9 * 2e-9);
        assert!((chi2_sf(3.841458820694124, 1.0) - 0.05).abs() < 1e-12);
    }
}
