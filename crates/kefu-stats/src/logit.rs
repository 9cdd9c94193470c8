//! Logistic regression by IRLS (Newton–Raphson on the log-likelihood), with
//! screening of constant, collinear and separating terms, Wald inference, and the
//! deviance each family of terms explains.

use std::collections::HashSet;

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use crate::dist::{chi2_sf, norm_crit, norm_two_sided_p};
use crate::{Interval, NoTest, check_alpha};

/// The name the intercept's coefficient carries.
pub const INTERCEPT: &str = "intercept";

/// One column of the design: a named regressor, in a family of related columns
/// (the levels of a categorical variable share one family, e.g. `category` for
/// `category:logistics` and `category:refund`; a plain regressor is its own family).
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub name: String,
    pub family: String,
    /// One value per observation, finite.
    pub values: Vec<f64>,
}

impl Term {
    /// A regressor that is its own family.
    pub fn new(name: impl Into<String>, values: Vec<f64>) -> Self {
        let name = name.into();
        Term {
            family: name.clone(),
            name,
            values,
        }
    }

    /// A regressor in a family of columns (one level of a categorical variable).
    pub fn in_family(family: impl Into<String>, name: impl Into<String>, values: Vec<f64>) -> Self {
        Term {
            name: name.into(),
            family: family.into(),
            values,
        }
    }
}

/// Options of [`logit`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogitOptions {
    /// Level of the Wald intervals: `1 − alpha`.
    pub alpha: f64,
    /// Newton iterations before a fit counts as diverging (separation).
    pub max_iter: usize,
    /// Convergence: the largest coefficient change is at most `tol·(1 + max |β|)`.
    pub tol: f64,
}

impl Default for LogitOptions {
    fn default() -> Self {
        LogitOptions {
            alpha: 0.05,
            max_iter: 50,
            tol: 1e-10,
        }
    }
}

/// One fitted coefficient with its Wald inference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    pub name: String,
    pub family: String,
    /// The log-odds coefficient.
    pub estimate: f64,
    /// From the inverse information matrix at the estimate.
    pub std_error: f64,
    /// Wald `estimate / std_error`.
    pub z: f64,
    /// Two-sided normal p-value of `z`.
    pub p_value: f64,
    /// `estimate ± z_{1−alpha/2}·std_error`.
    pub ci: Interval,
    /// `exp(estimate)`: the factor on the odds per unit of the term.
    pub odds_ratio: f64,
    /// `exp(ci)`.
    pub odds_ratio_ci: Interval,
}

/// Why a term was left out of the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum DropReason {
    /// The term takes one value in every row.
    Constant,
    /// The term is an exact linear combination of the intercept and terms before it.
    Collinear,
    /// The term (quasi-)perfectly predicts the outcome, so its coefficient has no
    /// finite estimate.
    Separation { detail: String },
}

impl DropReason {
    /// The reason in words.
    pub fn describe(&self) -> String {
        match self {
            DropReason::Constant => "constant: the same value in every row".into(),
            DropReason::Collinear => {
                "collinear: a linear combination of the intercept and earlier terms".into()
            }
            DropReason::Separation { detail } => format!("separation: {detail}"),
        }
    }
}

/// A term left out, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DroppedTerm {
    pub name: String,
    pub family: String,
    pub reason: DropReason,
}

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogitFit {
    /// Observations.
    pub n: usize,
    /// Observations with outcome `true`.
    pub events: usize,
    /// The intercept first, then the kept terms in their given order.
    pub coefficients: Vec<Coefficient>,
    /// Terms left out, in their given order of screening.
    pub dropped: Vec<DroppedTerm>,
    /// Log-likelihood at the estimate (statsmodels `llf`).
    pub llf: f64,
    /// Log-likelihood of the intercept-only model (statsmodels `llnull`).
    pub llnull: f64,
    /// McFadden's `1 − llf/llnull` (statsmodels `prsquared`).
    pub pseudo_r2: f64,
    /// Likelihood-ratio statistic against the intercept-only model, `2(llf − llnull)`.
    pub lr_statistic: f64,
    /// Its degrees of freedom: the number of kept terms.
    pub lr_df: usize,
    /// Its chi-squared p-value (statsmodels `llr_pvalue`); 1 when no term is kept.
    pub lr_p_value: f64,
    /// Newton iterations of the final fit.
    pub iterations: usize,
    /// Rows whose fitted probability is within 1e-10 of 0 or 1 (R's "fitted
    /// probabilities numerically 0 or 1 occurred"): large effects, worth a look.
    pub extreme_fitted: usize,
    pub alpha: f64,
}

impl LogitFit {
    /// The coefficient of a term (or [`INTERCEPT`]) by name.
    pub fn coefficient(&self, name: &str) -> Option<&Coefficient> {
        self.coefficients.iter().find(|c| c.name == name)
    }
}

/// Why no model could be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum LogitError {
    #[error("term {term} has {len} values for {n} observations")]
    LengthMismatch { term: String, len: usize, n: usize },
    #[error("term {term} has a non-finite value")]
    NonFinite { term: String },
    #[error("term name {term} is used twice")]
    DuplicateTerm { term: String },
    #[error(
        "the outcome is the same in all {n} observations ({events} events): nothing to explain"
    )]
    NoOutcomeVariation { n: usize, events: usize },
    #[error("{n} observations are too few for {parameters} parameters")]
    TooFewObservations { n: usize, parameters: usize },
    #[error("invalid options: {0}")]
    InvalidOptions(NoTest),
    #[error("the fit failed numerically: {detail}")]
    NumericalFailure { detail: String },
}

/// Fit `P(y = 1) = 1 / (1 + exp(−(β₀ + Σ βⱼ·xⱼ)))` by maximum likelihood, always with an
/// intercept ([`INTERCEPT`]).
///
/// Matches statsmodels `Logit(y, add_constant(X)).fit()` — `params`, `bse`
/// (`sqrt(diag((XᵀWX)⁻¹))` at the estimate), `tvalues` (Wald z), `pvalues`,
/// `conf_int(alpha)`, `llf`, `llnull`, `prsquared`, `llr_pvalue` — for any design
/// statsmodels fits without a separation warning. Newton–Raphson = IRLS for the
/// logit link; the weights and residuals are computed without cancellation
/// (`μ(1 − μ)` from `exp(−|η|)`), steps are halved if the likelihood falls, and the
/// fit has converged when the largest step is `tol·(1 + max |β|)` or less.
///
/// Before fitting, terms are screened in their order, and left out with a reason
/// ([`LogitFit::dropped`]) instead of producing NaN or infinite estimates:
/// * constant terms ([`DropReason::Constant`]);
/// * 0/1 terms one of whose levels has a single outcome (quasi-complete separation:
///   e.g. every conversation of one agent satisfied) ([`DropReason::Separation`]);
/// * terms that are an exact linear combination of the intercept and kept terms
///   (Gram–Schmidt residual below 1e-8 of the centred norm) ([`DropReason::Collinear`]).
///
/// A fit that still diverges (no convergence in `max_iter` Newton steps, or a
/// singular information matrix: separation by a combination of terms or a continuous
/// term) drops the term with the largest standardised coefficient `|βⱼ|·sd(xⱼ)` as
/// separating and refits. Errors only when the data cannot support any model
/// ([`LogitError`]).
pub fn logit(y: &[bool], terms: &[Term], options: &LogitOptions) -> Result<LogitFit, LogitError> {
    validate(y, terms, options)?;
    let all: Vec<usize> = (0..terms.len()).collect();
    fit_subset(y, terms, &all, options)
}

fn validate(y: &[bool], terms: &[Term], options: &LogitOptions) -> Result<(), LogitError> {
    check_alpha(options.alpha).map_err(LogitError::InvalidOptions)?;
    if options.tol.is_nan() || options.tol <= 0.0 || options.max_iter == 0 {
        return Err(LogitError::InvalidOptions(NoTest::InvalidInput {
            what: "tol must be positive and max_iter at least 1",
        }));
    }
    let n = y.len();
    let mut names = HashSet::new();
    for t in terms {
        if t.values.len() != n {
            return Err(LogitError::LengthMismatch {
                term: t.name.clone(),
                len: t.values.len(),
                n,
            });
        }
        if t.values.iter().any(|v| !v.is_finite()) {
            return Err(LogitError::NonFinite {
                term: t.name.clone(),
            });
        }
        if t.name == INTERCEPT || !names.insert(t.name.as_str()) {
            return Err(LogitError::DuplicateTerm {
                term: t.name.clone(),
            });
        }
    }
    Ok(())
}

fn fit_subset(
    y: &[bool],
    terms: &[Term],
    subset: &[usize],
    options: &LogitOptions,
) -> Result<LogitFit, LogitError> {
    let n = y.len();
    let events = y.iter().filter(|&&v| v).count();
    if events == 0 || events == n {
        return Err(LogitError::NoOutcomeVariation { n, events });
    }
    let mut dropped = Vec::new();
    let mut kept = screen(y, terms, subset, &mut dropped);
    let yv: Vec<f64> = y.iter().map(|&v| if v { 1.0 } else { 0.0 }).collect();
    loop {
        let k = kept.len() + 1;
        if n <= k {
            return Err(LogitError::TooFewObservations { n, parameters: k });
        }
        let x = design(terms, &kept, n);
        match irls(&x, &yv, options) {
            Ok(fit) => return Ok(summarise(fit, terms, &kept, dropped, y, events, options)),
            Err(diverged) => {
                // Standardised coefficients of the terms (column 0 is the intercept).
                let culprit = (0..kept.len()).max_by(|&a, &b| {
                    let sa = diverged.beta[a + 1].abs() * sd(&terms[kept[a]].values);
                    let sb = diverged.beta[b + 1].abs() * sd(&terms[kept[b]].values);
                    sa.total_cmp(&sb)
                });
                let Some(pos) = culprit else {
                    return Err(LogitError::NumericalFailure {
                        detail: format!("the intercept-only model failed: {}", diverged.why),
                    });
                };
                let t = &terms[kept[pos]];
                dropped.push(DroppedTerm {
                    name: t.name.clone(),
                    family: t.family.clone(),
                    reason: DropReason::Separation {
                        detail: format!(
                            "its coefficient diverges ({}; fitted probabilities reach 0 or 1)",
                            diverged.why
                        ),
                    },
                });
                kept.remove(pos);
            }
        }
    }
}

/// Population standard deviation (only to rank standardised coefficients).
fn sd(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt()
}

/// Screen the terms of `subset` in order; returns the kept ones.
fn screen(
    y: &[bool],
    terms: &[Term],
    subset: &[usize],
    dropped: &mut Vec<DroppedTerm>,
) -> Vec<usize> {
    let n = y.len();
    // Orthonormal basis of the kept columns, centred (orthogonal to the intercept).
    let mut basis: Vec<Vec<f64>> = Vec::new();
    let mut kept = Vec::new();
    for &t in subset {
        let term = &terms[t];
        let v = &term.values;
        let drop = |reason| DroppedTerm {
            name: term.name.clone(),
            family: term.family.clone(),
            reason,
        };
        if v.iter().all(|&a| a == v[0]) {
            dropped.push(drop(DropReason::Constant));
            continue;
        }
        if v.iter().all(|&a| a == 0.0 || a == 1.0)
            && let Some(detail) = binary_separation(y, v, &term.name)
        {
            dropped.push(drop(DropReason::Separation { detail }));
            continue;
        }
        let mean = v.iter().sum::<f64>() / n as f64;
        let mut r: Vec<f64> = v.iter().map(|a| a - mean).collect();
        let norm0 = dot(&r, &r).sqrt();
        for _ in 0..2 {
            for q in &basis {
                let c = dot(q, &r);
                r.iter_mut().zip(q).for_each(|(a, b)| *a -= c * b);
            }
        }
        let norm = dot(&r, &r).sqrt();
        if norm.is_nan() || norm <= 1e-8 * norm0 {
            dropped.push(drop(DropReason::Collinear));
            continue;
        }
        r.iter_mut().for_each(|a| *a /= norm);
        basis.push(r);
        kept.push(t);
    }
    kept
}

/// For a 0/1 column: a level whose rows all share one outcome.
fn binary_separation(y: &[bool], v: &[f64], name: &str) -> Option<String> {
    let (mut n1, mut e1, mut n0, mut e0) = (0usize, 0usize, 0usize, 0usize);
    for (&yi, &vi) in y.iter().zip(v) {
        if vi == 1.0 {
            n1 += 1;
            e1 += yi as usize;
        } else {
            n0 += 1;
            e0 += yi as usize;
        }
    }
    let word = |e: usize| if e == 0 { "false" } else { "true" };
    if e1 == 0 || e1 == n1 {
        Some(format!(
            "all {n1} rows with {name} = 1 have outcome {}",
            word(e1)
        ))
    } else if e0 == 0 || e0 == n0 {
        Some(format!(
            "all {n0} rows with {name} = 0 have outcome {}",
            word(e0)
        ))
    } else {
        None
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn design(terms: &[Term], kept: &[usize], n: usize) -> DMatrix<f64> {
    DMatrix::from_fn(n, kept.len() + 1, |i, j| {
        if j == 0 {
            1.0
        } else {
            terms[kept[j - 1]].values[i]
        }
    })
}

struct IrlsFit {
    beta: DVector<f64>,
    cov: DMatrix<f64>,
    eta: DVector<f64>,
    llf: f64,
    iterations: usize,
}

struct Diverged {
    beta: DVector<f64>,
    why: &'static str,
}

/// `(μ, 1 − μ)` for `μ = σ(η)`, each accurate in relative terms.
fn sigmoid_pair(eta: f64) -> (f64, f64) {
    if eta >= 0.0 {
        let e = (-eta).exp();
        (1.0 / (1.0 + e), e / (1.0 + e))
    } else {
        let e = eta.exp();
        (e / (1.0 + e), 1.0 / (1.0 + e))
    }
}

/// `ln(1 + exp(t))` without overflow.
fn softplus(t: f64) -> f64 {
    if t > 0.0 {
        t + (-t).exp().ln_1p()
    } else {
        t.exp().ln_1p()
    }
}

fn loglik(y: &[f64], eta: &DVector<f64>) -> f64 {
    y.iter()
        .zip(eta.iter())
        .map(|(&yi, &e)| {
            if yi == 1.0 {
                -softplus(-e)
            } else {
                -softplus(e)
            }
        })
        .sum()
}

/// Gradient `Xᵀ(y − μ)` and information `XᵀWX` at `η`.
fn score_and_information(
    x: &DMatrix<f64>,
    y: &[f64],
    eta: &DVector<f64>,
) -> (DVector<f64>, DMatrix<f64>) {
    let n = x.nrows();
    let mut resid = DVector::zeros(n);
    let mut sqrt_w = DVector::zeros(n);
    for i in 0..n {
        let (mu, one_minus) = sigmoid_pair(eta[i]);
        resid[i] = if y[i] == 1.0 { one_minus } else { -mu };
        sqrt_w[i] = (mu * one_minus).sqrt();
    }
    let mut xw = x.clone();
    for mut col in xw.column_iter_mut() {
        col.component_mul_assign(&sqrt_w);
    }
    (x.tr_mul(&resid), xw.tr_mul(&xw))
}

fn irls(x: &DMatrix<f64>, y: &[f64], options: &LogitOptions) -> Result<IrlsFit, Diverged> {
    let k = x.ncols();
    let mut beta = DVector::zeros(k);
    let mut eta = x * &beta;
    let mut ll = loglik(y, &eta);
    for iteration in 1..=options.max_iter {
        let (grad, info) = score_and_information(x, y, &eta);
        let Some(chol) = info.cholesky() else {
            return Err(Diverged {
                beta,
                why: "the information matrix is singular",
            });
        };
        let delta = chol.solve(&grad);
        if delta.iter().any(|v| !v.is_finite()) {
            return Err(Diverged {
                beta,
                why: "the Newton step is not finite",
            });
        }
        // Halve the step while the likelihood falls (beyond rounding).
        let mut step = 1.0;
        let (new_beta, new_eta, new_ll) = loop {
            let b = &beta + &delta * step;
            let e = x * &b;
            let l = loglik(y, &e);
            if l >= ll - 1e-12 * (1.0 + ll.abs()) || step < 1e-10 {
                break (b, e, l);
            }
            step /= 2.0;
        };
        let change = delta.amax() * step;
        let scale = 1.0 + new_beta.amax();
        let ll_change = (new_ll - ll).abs();
        beta = new_beta;
        eta = new_eta;
        ll = new_ll;
        let converged = change <= options.tol * scale
            || (change <= 1e-6 * scale && ll_change <= 1e-14 * (1.0 + ll.abs()));
        if converged {
            let (_, info) = score_and_information(x, y, &eta);
            let Some(chol) = info.cholesky() else {
                return Err(Diverged {
                    beta,
                    why: "the information matrix is singular at the estimate",
                });
            };
            let cov = chol.inverse();
            if (0..k).any(|j| !(cov[(j, j)] > 0.0 && cov[(j, j)].is_finite())) {
                return Err(Diverged {
                    beta,
                    why: "the inverse information matrix is not positive",
                });
            }
            return Ok(IrlsFit {
                beta,
                cov,
                eta,
                llf: ll,
                iterations: iteration,
            });
        }
    }
    Err(Diverged {
        beta,
        why: "no convergence",
    })
}

fn summarise(
    fit: IrlsFit,
    terms: &[Term],
    kept: &[usize],
    dropped: Vec<DroppedTerm>,
    y: &[bool],
    events: usize,
    options: &LogitOptions,
) -> LogitFit {
    let n = y.len();
    let crit = norm_crit(options.alpha);
    let coefficients = (0..kept.len() + 1)
        .map(|j| {
            let (name, family) = if j == 0 {
                (INTERCEPT.to_string(), INTERCEPT.to_string())
            } else {
                let t = &terms[kept[j - 1]];
                (t.name.clone(), t.family.clone())
            };
            let estimate = fit.beta[j];
            let std_error = fit.cov[(j, j)].sqrt();
            let z = estimate / std_error;
            let ci = Interval::new(estimate - crit * std_error, estimate + crit * std_error);
            Coefficient {
                name,
                family,
                estimate,
                std_error,
                z,
                p_value: norm_two_sided_p(z),
                ci,
                odds_ratio: estimate.exp(),
                odds_ratio_ci: ci.map(f64::exp),
            }
        })
        .collect();
    let (nf, ef) = (n as f64, events as f64);
    let ybar = ef / nf;
    let llnull = ef * ybar.ln() + (nf - ef) * (1.0 - ybar).ln();
    let lr_statistic = (2.0 * (fit.llf - llnull)).max(0.0);
    let lr_df = kept.len();
    let extreme_fitted = fit
        .eta
        .iter()
        .filter(|&&e| {
            let (mu, one_minus) = sigmoid_pair(e);
            mu.min(one_minus) < 1e-10
        })
        .count();
    LogitFit {
        n,
        events,
        coefficients,
        dropped,
        llf: fit.llf,
        llnull,
        pseudo_r2: 1.0 - fit.llf / llnull,
        lr_statistic,
        lr_df,
        lr_p_value: if lr_df > 0 {
            chi2_sf(lr_statistic, lr_df as f64)
        } else {
            1.0
        },
        iterations: fit.iterations,
        extreme_fitted,
        alpha: options.alpha,
    }
}

/// How much of the fit one family of terms carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FamilyDeviance {
    pub family: String,
    /// The family's terms kept in the full model.
    pub terms: Vec<String>,
    /// Parameters the family adds: full model minus the model without it.
    pub df: usize,
    /// `2·(llf_full − llf_without)`: the likelihood-ratio statistic of the family.
    pub deviance: f64,
    /// `P(χ²_df > deviance)`; `None` when every term of the family was dropped.
    pub p_value: Option<f64>,
    /// `deviance / (2·(llf_full − llnull))`: its part of what the model explains
    /// (not additive across correlated families); `None` when the model explains
    /// nothing.
    pub share: Option<f64>,
    /// Log-likelihood of the model without the family.
    pub llf_without: f64,
}

/// The full fit and the families ranked by the deviance they explain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FamilyDevianceReport {
    pub fit: LogitFit,
    /// Largest deviance first.
    pub families: Vec<FamilyDeviance>,
}

/// Fit the full model, then refit without each family of terms (drop-family
/// refits, over the terms the full model kept): the family's deviance is
/// `2·(llf_full − llf_without)` with a likelihood-ratio p-value from chi-squared with
/// `df` = the number of parameters dropped. This is the ranking `kefu drivers`
/// reports. Families appear in the order of their first term, then are sorted by
/// deviance, largest first.
pub fn family_deviance(
    y: &[bool],
    terms: &[Term],
    options: &LogitOptions,
) -> Result<FamilyDevianceReport, LogitError> {
    let full = logit(y, terms, options)?;
    let kept: HashSet<&str> = full
        .coefficients
        .iter()
        .skip(1)
        .map(|c| c.name.as_str())
        .collect();
    let mut families: Vec<&str> = Vec::new();
    for t in terms {
        if !families.contains(&t.family.as_str()) {
            families.push(&t.family);
        }
    }
    let mut out = Vec::with_capacity(families.len());
    for family in families {
        let in_family: Vec<String> = terms
            .iter()
            .filter(|t| t.family == family && kept.contains(t.name.as_str()))
            .map(|t| t.name.clone())
            .collect();
        let share_of = |dev: f64| (full.lr_statistic > 0.0).then(|| dev / full.lr_statistic);
        if in_family.is_empty() {
            out.push(FamilyDeviance {
                family: family.to_string(),
                terms: in_family,
                df: 0,
                deviance: 0.0,
                p_value: None,
                share: share_of(0.0),
                llf_without: full.llf,
            });
            continue;
        }
        let subset: Vec<usize> = (0..terms.len())
            .filter(|&i| terms[i].family != family && kept.contains(terms[i].name.as_str()))
            .collect();
        let reduced = fit_subset(y, terms, &subset, options)?;
        let df = full.coefficients.len() - reduced.coefficients.len();
        let deviance = (2.0 * (full.llf - reduced.llf)).max(0.0);
        out.push(FamilyDeviance {
            family: family.to_string(),
            terms: in_family,
            df,
            deviance,
            p_value: (df > 0).then(|| chi2_sf(deviance, df as f64)),
            share: share_of(deviance),
            llf_without: reduced.llf,
        });
    }
    out.sort_by(|a, b| b.deviance.total_cmp(&a.deviance));
    Ok(FamilyDevianceReport {
        fit: full,
        families: out,
    })
}
