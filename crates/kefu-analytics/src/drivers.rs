//! What drives satisfaction (or dissatisfaction, resolution, conversion)? A logistic
//! regression of the outcome per conversation (first care cycle) on how it was
//! served and what it was about, from the conversation facts: odds ratios with Wald
//! intervals, and the term families ranked by the deviance each explains
//! (kefu-stats' IRLS fit and drop-family refits), said in words.

use crate::fact_batches::{CONVERSATIONS_TABLE, ROUNDS_TABLE};
use crate::query::{KpiError, ReportQuery, Result, T};
use arrow::array::{Array, Float64Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use chrono::NaiveDate;
use datafusion::prelude::SessionContext;
use kefu_stats::{LogitOptions, Term};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What the regression explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Rated 4–5 (surveyed conversations).
    Satisfied,
    /// Rated 1–2 (surveyed conversations).
    Dissatisfied,
    /// Resolved (every conversation).
    Resolved,
    /// Converted (询单 conversations).
    Converted,
}

impl std::str::FromStr for Outcome {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim() {
            "satisfied" => Ok(Outcome::Satisfied),
            "dissatisfied" => Ok(Outcome::Dissatisfied),
            "resolved" => Ok(Outcome::Resolved),
            "converted" => Ok(Outcome::Converted),
            o => Err(format!(
                "'{o}' is not one of satisfied, dissatisfied, resolved, converted"
            )),
        }
    }
}

impl Outcome {
    fn words(self) -> &'static str {
        match self {
            Outcome::Satisfied => "a satisfied rating",
            Outcome::Dissatisfied => "a dissatisfied rating",
            Outcome::Resolved => "resolution",
            Outcome::Converted => "conversion",
        }
    }
}

/// Every term family `--terms` may name (a family takes all its levels).
pub const FAMILIES: [&str; 11] = [
    "frt_minutes",
    "response_minutes",
    "rounds",
    "resolved",
    "transfers",
    "bot_handoff",
    "category",
    "sentiment_min",
    "agent",
    "shop",
    "hour_band",
];

/// Levels of a categorical family with fewer conversations than this are pooled.
pub const MIN_LEVEL_N: usize = 30;

/// What to fit.
#[derive(Debug, Clone)]
pub struct DriversSpec {
    pub outcome: Outcome,
    /// Families or single terms (`category:logistics`); empty = every family.
    pub terms: Vec<String>,
    pub alpha: f64,
}

/// One term of the fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DriverTerm {
    pub term: String,
    pub family: String,
    pub estimate: f64,
    pub std_error: f64,
    pub odds_ratio: f64,
    /// Wald interval of the odds ratio at 1 − alpha.
    pub ci: [f64; 2],
    pub p_value: f64,
    pub significant: bool,
    /// "each extra minute of first response lowers the odds of a satisfied rating by 15 %".
    pub summary: String,
}

/// A family of terms ranked by the deviance it explains.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DriverFamily {
    pub family: String,
    pub terms: Vec<String>,
    pub df: usize,
    /// 2·(llf_full − llf_without the family).
    pub deviance: f64,
    pub p_value: Option<f64>,
    /// Its part of what the model explains (not additive across correlated families).
    pub share: Option<f64>,
    pub summary: String,
}

/// A term left out, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DroppedDriver {
    pub term: String,
    pub reason: String,
}

/// The answer of `kefu drivers` and `/api/v1/drivers`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Drivers {
    pub outcome: Outcome,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub alpha: f64,
    /// Conversations in the model, and those with the outcome.
    pub n: usize,
    pub events: usize,
    /// The level each categorical family is compared with.
    pub reference_levels: BTreeMap<String, String>,
    /// Levels pooled into `<family>:other` (fewer than [`MIN_LEVEL_N`] conversations).
    pub pooled: BTreeMap<String, Vec<String>>,
    pub intercept: f64,
    pub terms: Vec<DriverTerm>,
    pub dropped: Vec<DroppedDriver>,
    /// McFadden's pseudo-R².
    pub pseudo_r2: f64,
    pub llf: f64,
    pub llnull: f64,
    /// Largest deviance first.
    pub drivers: Vec<DriverFamily>,
}

/// One conversation's row.
struct Row {
    y: bool,
    frt: Option<f64>,
    response: Option<f64>,
    rounds: f64,
    resolved: bool,
    transfers: f64,
    handoff: bool,
    categories: Vec<String>,
    sentiment: Option<f64>,
    agent: String,
    shop: String,
    hour: i64,
}

fn hour_band(h: i64) -> &'static str {
    match h {
        0..=7 => "night",
        8..=11 => "morning",
        12..=17 => "afternoon",
        _ => "evening",
    }
}

/// Fits the drivers model for the query's filters and period.
pub async fn drivers(ctx: &SessionContext, q: &ReportQuery, spec: &DriversSpec) -> Result<Drivers> {
    for t in &spec.terms {
        let family = t.split(':').next().unwrap_or_default();
        if !FAMILIES.contains(&family) {
            return Err(KpiError::Invalid(format!(
                "terms: unknown term '{t}' (families: {})",
                FAMILIES.join(", ")
            )));
        }
        if t.contains(':') && !["category", "agent", "shop", "hour_band"].contains(&family) {
            return Err(KpiError::Invalid(format!(
                "terms: '{family}' has no levels ('{t}')"
            )));
        }
    }
    let rows = load_rows(ctx, q, spec.outcome).await?;
    let wants = |family: &str, name: &str| {
        spec.terms.is_empty() || spec.terms.iter().any(|t| t == family || t == name)
    };
    let n = rows.len();
    let mut terms: Vec<Term> = Vec::new();
    let col = |f: &dyn Fn(&Row) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    if wants("frt_minutes", "frt_minutes") {
        terms.push(Term::new(
            "frt_minutes",
            col(&|r| r.frt.unwrap_or(0.0) / 60.0),
        ));
        // Unanswered conversations have no FRT: their own indicator keeps them in.
        terms.push(Term::in_family(
            "frt_minutes",
            "unanswered",
            col(&|r| r.frt.is_none() as u8 as f64),
        ));
    }
    if wants("response_minutes", "response_minutes") {
        terms.push(Term::new(
            "response_minutes",
            col(&|r| r.response.unwrap_or(0.0) / 60.0),
        ));
    }
    if wants("rounds", "rounds") {
        terms.push(Term::new("rounds", col(&|r| r.rounds)));
    }
    if spec.outcome != Outcome::Resolved && wants("resolved", "resolved") {
        terms.push(Term::new("resolved", col(&|r| r.resolved as u8 as f64)));
    }
    if wants("transfers", "transfers") {
        terms.push(Term::new("transfers", col(&|r| r.transfers)));
    }
    if wants("bot_handoff", "bot_handoff") {
        terms.push(Term::new("bot_handoff", col(&|r| r.handoff as u8 as f64)));
    }
    if wants("sentiment_min", "sentiment_min") {
        // Conversations without read customer text sit at the neutral middle.
        terms.push(Term::new(
            "sentiment_min",
            col(&|r| r.sentiment.unwrap_or(0.5)),
        ));
    }
    // Categories: one 0/1 term per label the conversations carry (no reference:
    // a conversation may carry several).
    let labels: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.categories.iter().map(String::as_str))
        .collect();
    for l in labels {
        let name = format!("category:{l}");
        if wants("category", &name) {
            terms.push(Term::in_family(
                "category",
                name,
                col(&|r| r.categories.iter().any(|c| c == l) as u8 as f64),
            ));
        }
    }
    let mut reference_levels = BTreeMap::new();
    let mut pooled = BTreeMap::new();
    type Level = fn(&Row) -> String;
    let families: [(&str, Level); 3] = [
        ("agent", |r| r.agent.clone()),
        ("shop", |r| r.shop.clone()),
        ("hour_band", |r| hour_band(r.hour).to_string()),
    ];
    for (family, level) in families {
        if !spec
            .terms
            .iter()
            .any(|t| t == family || t.starts_with(&format!("{family}:")))
            && !spec.terms.is_empty()
        {
            continue;
        }
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for r in &rows {
            *counts.entry(level(r)).or_default() += 1;
        }
        // The reference is the largest real level: conversations nobody served
        // (`(none)`) are a level of their own, not the yardstick.
        let Some((reference, _)) = counts
            .iter()
            .filter(|(k, _)| k.as_str() != "(none)" || counts.len() == 1)
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(k, v)| (k.clone(), *v))
        else {
            continue;
        };
        let small: Vec<String> = counts
            .iter()
            .filter(|(k, c)| **c < MIN_LEVEL_N && **k != reference)
            .map(|(k, _)| k.clone())
            .collect();
        let of = |r: &Row| {
            let l = level(r);
            if small.contains(&l) {
                "other".to_string()
            } else {
                l
            }
        };
        let levels: BTreeSet<String> = rows.iter().map(of).filter(|l| *l != reference).collect();
        for l in levels {
            let name = format!("{family}:{l}");
            if wants(family, &name) {
                terms.push(Term::in_family(
                    family,
                    name,
                    col(&|r| (of(r) == l) as u8 as f64),
                ));
            }
        }
        reference_levels.insert(family.to_string(), reference);
        if !small.is_empty() {
            pooled.insert(family.to_string(), small);
        }
    }
    let y: Vec<bool> = rows.iter().map(|r| r.y).collect();
    let options = LogitOptions {
        alpha: spec.alpha,
        ..LogitOptions::default()
    };
    let report = kefu_stats::family_deviance(&y, &terms, &options)
        .map_err(|e| KpiError::Invalid(format!("outcome: {e}")))?;
    let fit = &report.fit;
    let out_terms: Vec<DriverTerm> = fit
        .coefficients
        .iter()
        .filter(|c| c.name != kefu_stats::logit::INTERCEPT)
        .map(|c| DriverTerm {
            term: c.name.clone(),
            family: c.family.clone(),
            estimate: c.estimate,
            std_error: c.std_error,
            odds_ratio: c.odds_ratio,
            ci: [c.odds_ratio_ci.lo, c.odds_ratio_ci.hi],
            p_value: c.p_value,
            significant: c.p_value <= spec.alpha,
            summary: term_sentence(c, spec.outcome, &reference_levels, spec.alpha),
        })
        .collect();
    let drivers = report
        .families
        .iter()
        .map(|f| DriverFamily {
            family: f.family.clone(),
            terms: f.terms.clone(),
            df: f.df,
            deviance: f.deviance,
            p_value: f.p_value,
            share: f.share,
            summary: family_sentence(f, spec.outcome),
        })
        .collect();
    Ok(Drivers {
        outcome: spec.outcome,
        from: q.from,
        to: q.to,
        alpha: spec.alpha,
        n,
        events: fit.events,
        reference_levels,
        pooled,
        intercept: fit
            .coefficient(kefu_stats::logit::INTERCEPT)
            .map_or(f64::NAN, |c| c.estimate),
        terms: out_terms,
        dropped: fit
            .dropped
            .iter()
            .map(|d| DroppedDriver {
                term: d.name.clone(),
                reason: d.reason.describe(),
            })
            .collect(),
        pseudo_r2: fit.pseudo_r2,
        llf: fit.llf,
        llnull: fit.llnull,
        drivers,
    })
}

async fn load_rows(ctx: &SessionContext, q: &ReportQuery, outcome: Outcome) -> Result<Vec<Row>> {
    if !ctx.table_exist(CONVERSATIONS_TABLE).unwrap_or(false) {
        return Ok(Vec::new());
    }
    let q = ReportQuery {
        by: None,
        ..q.clone()
    };
    let (w, src) = (q.filter(T::Conv), q.src(T::Conv));
    let rounds = if ctx.table_exist(ROUNDS_TABLE).unwrap_or(false) {
        format!(
            "LEFT JOIN (SELECT shop_id AS r_shop, conversation_id AS r_conv, AVG(response_secs) AS resp
                        FROM {ROUNDS_TABLE} WHERE cycle = 0 AND kind = 'human' GROUP BY 1, 2) r
               ON r.r_shop = c.shop_id AND r.r_conv = c.conversation_id"
        )
    } else {
        String::new()
    };
    let resp = if rounds.is_empty() {
        "CAST(NULL AS DOUBLE)"
    } else {
        "r.resp"
    };
    let (cond, y) = match outcome {
        Outcome::Satisfied => (
            "csat_score IS NOT NULL",
            "CASE WHEN csat_score >= 4 THEN 1.0 ELSE 0.0 END",
        ),
        Outcome::Dissatisfied => (
            "csat_score IS NOT NULL",
            "CASE WHEN csat_score <= 2 THEN 1.0 ELSE 0.0 END",
        ),
        Outcome::Resolved => ("TRUE", "CASE WHEN resolved THEN 1.0 ELSE 0.0 END"),
        Outcome::Converted => ("inquiry", "CASE WHEN converted THEN 1.0 ELSE 0.0 END"),
    };
    let sql = format!(
        "SELECT c.shop_id AS shop, COALESCE(c.conv_last_agent, '(none)') AS agent,
                COALESCE(c.categories, '') AS cats, {y} AS y, c.frt_secs AS frt, {resp} AS resp,
                CAST(c.human_rounds AS DOUBLE) AS human_rounds,
                CASE WHEN c.resolved THEN 1.0 ELSE 0.0 END AS is_resolved,
                CAST(c.transfers AS DOUBLE) AS transfers,
                CASE WHEN c.bot_rounds > 0 AND c.human_rounds > 0 THEN 1.0 ELSE 0.0 END AS handoff,
                c.conv_min_sentiment AS sentiment, CAST(c.local_hour AS DOUBLE) AS hour
         FROM (SELECT * FROM {src} WHERE {w} AND cycle = 0 AND {cond}) c {rounds}
         ORDER BY c.shop_id, c.conversation_id"
    );
    // (Ordered: the fit sums over rows, and the same question gives the same digits.)
    let batches = ctx.sql(&sql).await?.collect().await?;
    let mut out = Vec::new();
    for b in batches {
        let text = |i: usize| -> Result<StringArray> {
            Ok(cast(b.column(i), &DataType::Utf8)?
                .as_any()
                .downcast_ref::<StringArray>()
                .expect("utf8")
                .clone())
        };
        let num = |i: usize| -> Result<Float64Array> {
            Ok(cast(b.column(i), &DataType::Float64)?
                .as_any()
                .downcast_ref::<Float64Array>()
                .expect("f64")
                .clone())
        };
        let (shop, agent, cats) = (text(0)?, text(1)?, text(2)?);
        let nums: Vec<Float64Array> = (3..12).map(num).collect::<Result<_>>()?;
        let get = |a: &Float64Array, r: usize| (!a.is_null(r)).then(|| a.value(r));
        for r in 0..b.num_rows() {
            out.push(Row {
                y: get(&nums[0], r) == Some(1.0),
                frt: get(&nums[1], r),
                response: get(&nums[2], r),
                rounds: get(&nums[3], r).unwrap_or(0.0),
                resolved: get(&nums[4], r) == Some(1.0),
                transfers: get(&nums[5], r).unwrap_or(0.0),
                handoff: get(&nums[6], r) == Some(1.0),
                sentiment: get(&nums[7], r),
                hour: get(&nums[8], r).unwrap_or(0.0) as i64,
                shop: shop.value(r).to_string(),
                agent: agent.value(r).to_string(),
                categories: cats
                    .value(r)
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty() && *c != "other")
                    .map(str::to_string)
                    .collect(),
            });
        }
    }
    Ok(out)
}

fn p_words(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else {
        format!("p = {p:.3}")
    }
}

/// A term in words: what one unit (or the level) does to the odds of the outcome.
fn term_sentence(
    c: &kefu_stats::Coefficient,
    outcome: Outcome,
    refs: &BTreeMap<String, String>,
    alpha: f64,
) -> String {
    // Sentiment reads per 0.1 of its 0–1 scale.
    let (factor, lo, hi) = if c.name == "sentiment_min" {
        let f = |v: f64| (0.1 * v).exp();
        (f(c.estimate), f(c.ci.lo), f(c.ci.hi))
    } else {
        (c.odds_ratio, c.odds_ratio_ci.lo, c.odds_ratio_ci.hi)
    };
    let subject = match c.name.as_str() {
        "frt_minutes" => "each extra minute of first response".to_string(),
        "unanswered" => "an unanswered conversation".to_string(),
        "response_minutes" => "each extra minute of mean response time".to_string(),
        "rounds" => "each extra human round".to_string(),
        "resolved" => "a resolved conversation".to_string(),
        "transfers" => "each transfer".to_string(),
        "bot_handoff" => "a hand-over from the bot".to_string(),
        "sentiment_min" => "each 0.1 higher lowest customer sentiment".to_string(),
        n => match n.split_once(':') {
            Some(("category", l)) => format!("a conversation about {l}"),
            Some((family, l)) => format!(
                "{family} {l} (vs {})",
                refs.get(family).map_or("the reference", String::as_str)
            ),
            None => n.to_string(),
        },
    };
    let change = if factor >= 1.0 {
        format!(
            "raises the odds of {} by {:.0} %",
            outcome.words(),
            (factor - 1.0) * 100.0
        )
    } else {
        format!(
            "lowers the odds of {} by {:.0} %",
            outcome.words(),
            (1.0 - factor) * 100.0
        )
    };
    let verdict = if c.p_value <= alpha {
        ""
    } else {
        ", not significant"
    };
    format!(
        "{subject} {change} (odds ×{factor:.2}, {:.0} % CI {lo:.2}–{hi:.2}, {}{verdict})",
        (1.0 - alpha) * 100.0,
        p_words(c.p_value)
    )
}

fn family_sentence(f: &kefu_stats::FamilyDeviance, outcome: Outcome) -> String {
    let share = f.share.map_or(String::new(), |s| {
        format!("{:.0} % of what the model explains, ", s * 100.0)
    });
    match f.p_value {
        Some(p) => format!(
            "{} explains {share}deviance {:.1} on {} df ({}) for {}",
            f.family,
            f.deviance,
            f.df,
            p_words(p),
            outcome.words()
        ),
        None => format!("{}: every term left out", f.family),
    }
}
