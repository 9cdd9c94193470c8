//! Did it change, or is it noise? Two report queries (two periods, usually) compared
//! metric by metric with the tests METRICS.md "Comparisons and statistics" names,
//! from the same numbers the report prints: rates by the pooled two-proportion z-test
//! with Wilson and Newcombe intervals, durations by Mann–Whitney U with the
//! Hodges–Lehmann shift, mean scores by Welch's t, NPS by its multinomial standard
//! error, counts by Welch on the daily counts; Benjamini–Hochberg q-values across
//! the metrics of one comparison decide `significant`.
//!
//! Every change reads **b − a**: `a` is the baseline (the earlier period), `b` the
//! period asked about. The statistics themselves are kefu-stats' pure functions.

use crate::kpi::{Body, Duration, Grain, bodies, duration_samples, series};
use crate::query::{Breakdown, ReportQuery, Result};
use chrono::NaiveDate;
use kefu_model::config::ThreeMinReading;
use kefu_stats::NoTest;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One side's dates.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Span {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Days in the span (inclusive), when both ends are known.
    pub days: Option<i64>,
}

impl Span {
    fn of(q: &ReportQuery) -> Span {
        Span {
            from: q.from,
            to: q.to,
            // The days that count (a campaign baseline leaves some out).
            days: q.from.zip(q.to).map(|(f, t)| {
                f.iter_days()
                    .take_while(|d| *d <= t)
                    .filter(|d| q.days.contains(*d))
                    .count() as i64
            }),
        }
    }
}

/// What kind of number a metric is, and so which test compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// x of n: two-proportion z-test.
    Rate,
    /// Seconds, one value per conversation or round: Mann–Whitney U.
    Duration,
    /// A mean score: Welch's t.
    Mean,
    /// Net promoter score: z on the multinomial standard error.
    Nps,
    /// A count over the period: Welch on the daily counts.
    Count,
}

/// One side of one metric. Fields that do not apply to the metric's kind are left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Side {
    /// Observations: the rate's base, the sample size, the responses, the days.
    pub n: u64,
    /// Rate: the numerator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<u64>,
    /// Rate: x / n (a fraction, also for the `_pct` metrics).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Wilson interval of the rate; Wald interval of an NPS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    /// Duration or score mean; counts: the mean per day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// NPS in points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Counts: the period's total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
}

/// One metric compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetricChange {
    /// The report's metric name (`frt_secs`, `three_min_rate`, `csat_pct`, …).
    pub metric: String,
    pub kind: Kind,
    pub a: Side,
    pub b: Side,
    /// b − a: of the rates (fractions), the medians, the means, the NPS points, the
    /// per-day means.
    pub change: Option<f64>,
    /// change / a.
    pub relative_change: Option<f64>,
    /// `two_proportion_z`, `mann_whitney_u`, `welch_t`, `nps_z`, `welch_t_on_days`,
    /// `poisson_rate`; absent when there was nothing to test (`no_test` says why).
    pub test: Option<&'static str>,
    pub statistic: Option<f64>,
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg across the metrics of this comparison (or breakdown row).
    pub q_value: Option<f64>,
    /// Rates: Cohen's h; durations: P(b > a), the common-language effect size
    /// (0.5 = none); means: Cohen's d on the average variance.
    pub effect_size: Option<f64>,
    /// Interval of the change b − a at 1 − alpha: Newcombe (rates), Hodges–Lehmann
    /// (durations: of the shift, see `shift`), Welch (means, daily counts), Wald (NPS).
    pub ci: Option<[f64; 2]>,
    /// Durations: the Hodges–Lehmann shift b − a (median of pairwise differences).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shift: Option<f64>,
    /// q ≤ alpha.
    pub significant: bool,
    /// `better`, `worse` or `neutral` (volume), when the change is significant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<&'static str>,
    /// Why there is no test (an empty side, no variation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_test: Option<String>,
    /// In words: "FRT median 44 s → 70 s (+60 %), significant (p < 0.001)".
    pub summary: String,
}

/// One breakdown key's metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyChange {
    pub key: String,
    pub metrics: Vec<MetricChange>,
}

/// The answer of `kefu compare` and `/api/v1/compare`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comparison {
    pub a: Span,
    pub b: Span,
    pub alpha: f64,
    /// The breakdown dimension of `breakdown`, if one was asked.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub by: Option<Breakdown>,
    pub metrics: Vec<MetricChange>,
    pub breakdown: Vec<KeyChange>,
    /// For a change with a control group: did it work beyond what moved there?
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did: Option<Did>,
}

/// One metric's difference-in-differences (b − a in the treated group minus b − a
/// in the control group; rates as fractions, durations and daily counts as means).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DidMetric {
    pub metric: String,
    pub kind: Kind,
    pub treated_change: Option<f64>,
    pub control_change: Option<f64>,
    pub did: Option<f64>,
    pub ci: Option<[f64; 2]>,
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg across the metrics.
    pub q_value: Option<f64>,
    pub significant: bool,
    pub summary: String,
}

/// The difference-in-differences of a change against its control group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Did {
    /// Who the control group is ("every shop but s1").
    pub control: String,
    pub metrics: Vec<DidMetric>,
}

/// Compares query `b` with the baseline `a` (both with the same filters but their
/// periods; `by` is taken from `b`), at level `alpha`.
pub async fn compare(
    ctx: &datafusion::prelude::SessionContext,
    a: &ReportQuery,
    b: &ReportQuery,
    alpha: f64,
) -> Result<Comparison> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(crate::query::KpiError::Invalid(format!(
            "alpha must lie in (0, 1), not {alpha}"
        )));
    }
    let overall = |q: &ReportQuery| ReportQuery {
        by: None,
        ..q.clone()
    };
    let (oa, ob) = (overall(a), overall(b));
    // Boxed: each side's state machine holds every report section's, too big for a
    // server worker thread's 2 MiB stack in an unoptimised build.
    let (sa, sb) = futures::try_join!(
        Box::pin(gather(ctx, &oa, true)),
        Box::pin(gather(ctx, &ob, true))
    )?;
    let metrics = with_q_values(
        metric_changes(sa.get("all"), sb.get("all"), (&oa, &ob), alpha),
        alpha,
    );
    let mut breakdown = Vec::new();
    if let Some(by) = b.by {
        let qa = ReportQuery {
            by: Some(by),
            ..a.clone()
        };
        let (ka, kb) = futures::try_join!(
            Box::pin(gather(ctx, &qa, false)),
            Box::pin(gather(ctx, b, false))
        )?;
        let keys: BTreeSet<&String> = ka.keys().chain(kb.keys()).collect();
        for key in keys {
            breakdown.push(KeyChange {
                key: key.clone(),
                metrics: with_q_values(
                    metric_changes(ka.get(key), kb.get(key), (&qa, b), alpha),
                    alpha,
                ),
            });
        }
        // Most conversations (in b) first.
        breakdown.sort_by_key(|k| {
            std::cmp::Reverse(
                k.metrics
                    .iter()
                    .find(|m| m.metric == "conversations")
                    .and_then(|m| m.b.total)
                    .unwrap_or(0.0) as i64,
            )
        });
    }
    Ok(Comparison {
        a: Span::of(a),
        b: Span::of(b),
        alpha,
        by: b.by,
        metrics,
        breakdown,
        did: None,
    })
}

/// The difference-in-differences of the treated queries `(a, b)` against the control
/// queries `(a, b)` (same dates, the other shops or channels), metric by metric.
pub async fn difference_in_differences(
    ctx: &datafusion::prelude::SessionContext,
    treated: (&ReportQuery, &ReportQuery),
    control: (&ReportQuery, &ReportQuery),
    control_name: &str,
    alpha: f64,
) -> Result<Did> {
    let (ta, tb, ca, cb) = futures::try_join!(
        Box::pin(gather(ctx, treated.0, true)),
        Box::pin(gather(ctx, treated.1, true)),
        Box::pin(gather(ctx, control.0, true)),
        Box::pin(gather(ctx, control.1, true)),
    )?;
    let empty = Sample::default();
    // A side with no rows at all has no "all" key.
    let sides = [&ta, &tb, &ca, &cb].map(|m| m.get("all").unwrap_or(&empty));
    let queries = [treated.0, treated.1, control.0, control.1];
    type Est = Option<kefu_stats::Estimate>;
    let mut rows: Vec<(String, Kind, [Est; 4])> = Vec::new();
    let each = |f: &dyn Fn(&Sample, &ReportQuery) -> Est| -> [Est; 4] {
        [0, 1, 2, 3].map(|i| f(sides[i], queries[i]))
    };
    for (name, pick) in [
        (
            "conversations",
            (|d: &Daily| &d.conversations) as fn(&Daily) -> &Vec<f64>,
        ),
        ("customer_messages", |d: &Daily| &d.customer_messages),
    ] {
        rows.push((
            name.into(),
            Kind::Count,
            each(&|s, _| {
                s.daily
                    .as_ref()
                    .and_then(|d| kefu_stats::Estimate::sample(pick(d)))
            }),
        ));
    }
    for (name, pick) in [
        (
            "frt_secs",
            (|s: &Sample| &s.frt) as fn(&Sample) -> &Vec<f64>,
        ),
        ("response_secs", |s: &Sample| &s.response),
        ("resolution_secs", |s: &Sample| &s.resolution),
    ] {
        rows.push((
            name.into(),
            Kind::Duration,
            each(&|s, _| kefu_stats::Estimate::sample(pick(s))),
        ));
    }
    let names: Vec<&'static str> = rates(&Body::default(), treated.0)
        .into_iter()
        .map(|r| r.0)
        .collect();
    for (i, name) in names.iter().enumerate() {
        rows.push((
            (*name).into(),
            Kind::Rate,
            each(&|s, q| {
                let (_, n, p) = rates(&s.body, q)[i];
                kefu_stats::Estimate::rate(p.map_or(0, |p| (p * n as f64).round() as u64), n)
            }),
        ));
    }
    rows.push((
        "negative_share".into(),
        Kind::Rate,
        each(&|s, _| {
            s.negative
                .and_then(|(x, n)| kefu_stats::Estimate::rate(x, n))
        }),
    ));
    let mut out: Vec<DidMetric> = rows
        .into_iter()
        .map(|(metric, kind, [a, b, c, d])| {
            let mut m = DidMetric {
                metric,
                kind,
                treated_change: a.zip(b).map(|(a, b)| b.mean - a.mean),
                control_change: c.zip(d).map(|(c, d)| d.mean - c.mean),
                did: None,
                ci: None,
                p_value: None,
                q_value: None,
                significant: false,
                summary: String::new(),
            };
            if let (Some(a), Some(b), Some(c), Some(d)) = (a, b, c, d)
                && let Ok(r) = kefu_stats::difference_in_differences(a, b, c, d, alpha)
            {
                m.did = Some(r.estimate);
                m.ci = Some(interval(r.ci));
                m.p_value = Some(r.p_value);
            }
            m
        })
        .collect();
    let q = kefu_stats::benjamini_hochberg(&out.iter().map(|m| m.p_value).collect::<Vec<_>>());
    for (m, q) in out.iter_mut().zip(q) {
        m.q_value = q;
        m.significant = q.is_some_and(|q| q <= alpha);
        let v = |x: f64| match m.kind {
            Kind::Rate => format!("{:+.1} pp", x * 100.0),
            Kind::Duration => format!("{x:+.0} s"),
            _ => format!("{x:+.1}"),
        };
        m.summary = match (m.did, m.treated_change, m.control_change, m.p_value) {
            (Some(d), Some(t), Some(c), Some(p)) => format!(
                "{}: {} with the change, {} in {control_name}: {} beyond the control, {} ({})",
                label(&m.metric),
                v(t),
                v(c),
                v(d),
                if m.significant {
                    "significant"
                } else {
                    "not significant"
                },
                p_text(p)
            ),
            _ => format!("{}: not tested (a group without data)", label(&m.metric)),
        };
    }
    Ok(Did {
        control: control_name.to_string(),
        metrics: out,
    })
}

/// What one side of one key needs: the report body, the duration samples, the
/// daily counts (overall only) and the negative customer messages.
#[derive(Default)]
struct Sample {
    body: Body,
    frt: Vec<f64>,
    response: Vec<f64>,
    resolution: Vec<f64>,
    /// Per day of the span, zero days included (overall only).
    daily: Option<Daily>,
    /// (negative, read) customer messages (overall only).
    negative: Option<(u64, u64)>,
}

#[derive(Default)]
struct Daily {
    conversations: Vec<f64>,
    customers: Vec<f64>,
    customer_messages: Vec<f64>,
}

async fn gather(
    ctx: &datafusion::prelude::SessionContext,
    q: &ReportQuery,
    overall: bool,
) -> Result<BTreeMap<String, Sample>> {
    let (bodies, frt, response, resolution) = futures::try_join!(
        Box::pin(bodies(ctx, q)),
        duration_samples(ctx, q, Duration::Frt),
        duration_samples(ctx, q, Duration::Response),
        duration_samples(ctx, q, Duration::Resolution),
    )?;
    let mut out: BTreeMap<String, Sample> = BTreeMap::new();
    for (k, body) in bodies {
        out.entry(k).or_default().body = body;
    }
    for (k, v) in frt {
        out.entry(k).or_default().frt = v;
    }
    for (k, v) in response {
        out.entry(k).or_default().response = v;
    }
    for (k, v) in resolution {
        out.entry(k).or_default().resolution = v;
    }
    if overall {
        let (daily, negative) = futures::try_join!(daily(ctx, q), negative(ctx, q))?;
        let s = out.entry("all".into()).or_default();
        s.daily = daily;
        s.negative = Some(negative);
    }
    Ok(out)
}

/// Conversations, customers and customer messages per day of the span.
async fn daily(
    ctx: &datafusion::prelude::SessionContext,
    q: &ReportQuery,
) -> Result<Option<Daily>> {
    let (Some(from), Some(to)) = (q.from, q.to) else {
        return Ok(None);
    };
    let points: BTreeMap<String, crate::kpi::Volume> = series(ctx, q, Grain::Day)
        .await?
        .into_iter()
        .map(|p| (p.bucket, p.volume))
        .collect();
    let mut d = Daily::default();
    for day in from
        .iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| q.days.contains(*d))
    {
        let v = points.get(&day.to_string()).cloned().unwrap_or_default();
        d.conversations.push(v.conversations as f64);
        d.customers.push(v.customers as f64);
        d.customer_messages.push(v.customer_messages as f64);
    }
    Ok(Some(d))
}

/// (negative, read) customer messages: the counts behind `negative_share`.
async fn negative(
    ctx: &datafusion::prelude::SessionContext,
    q: &ReportQuery,
) -> Result<(u64, u64)> {
    crate::complaints::negative_counts(ctx, q).await
}

/// The rates a body carries, each as (x, n): the numerator comes back from the
/// rate and its base exactly (the rate was x / n).
fn rates(b: &Body, q: &ReportQuery) -> Vec<(&'static str, u64, Option<f64>)> {
    let r = &b.response;
    let three_min_base = match q.readings.three_min_reading {
        ThreeMinReading::PerRound => r.three_min_rounds,
        ThreeMinReading::PerBuyer => r.three_min_buyers,
    };
    let rounds = r.rounds.human + r.rounds.unanswered;
    let s = &b.satisfaction;
    let pct = |v: Option<f64>| v.map(|p| p / 100.0);
    let mut v = vec![
        ("three_min_rate", three_min_base, r.three_min_rate),
        ("not_served_rate", r.not_served_base, r.not_served_rate),
        ("resolution_rate", b.volume.conversations, b.resolution.rate),
        (
            "one_touch_rate",
            b.resolution.resolved,
            b.resolution.one_touch_rate,
        ),
        (
            "reopen_rate",
            b.resolution.resolved,
            b.resolution.reopen_rate,
        ),
        ("csat_pct", s.responses, pct(s.csat_pct)),
        ("dissatisfied_pct", s.responses, pct(s.dissatisfied_pct)),
        ("conversion_rate", b.conversion.inquiries, b.conversion.rate),
        (
            "negative_conversation_rate",
            b.sentiment.conversations,
            b.sentiment.negative_rate,
        ),
        (
            "complaint_rate",
            b.volume.conversations,
            b.sentiment.complaint_rate,
        ),
        (
            "calmed_rate",
            b.sentiment.replies_to_negative,
            b.sentiment.calmed_rate,
        ),
    ];
    for (name, rate) in WITHIN_NAMES.iter().zip(r.within.rates()) {
        v.push((name, rounds, rate));
    }
    v.into_iter()
        .map(|(name, n, rate)| (name, n.max(0) as u64, rate))
        .collect()
}

/// The within-T rates' metric names, in `Within::rates` order.
const WITHIN_NAMES: [&str; 7] = [
    "within_30s",
    "within_1m",
    "within_3m",
    "within_5m",
    "within_10m",
    "within_30m",
    "within_1h",
];

/// Which way is better for a metric (flags significant changes better or worse).
fn higher_is_better(metric: &str) -> Option<bool> {
    match metric {
        "conversations" | "customers" | "customer_messages" => None,
        "frt_secs"
        | "response_secs"
        | "resolution_secs"
        | "not_served_rate"
        | "reopen_rate"
        | "dissatisfied_pct"
        | "negative_share"
        | "negative_conversation_rate"
        | "complaint_rate" => Some(false),
        _ => Some(true),
    }
}

fn label(metric: &str) -> &'static str {
    match metric {
        "frt_secs" => "FRT median",
        "response_secs" => "response time median",
        "resolution_secs" => "resolution time median",
        "three_min_rate" => "3-minute reply rate",
        "not_served_rate" => "not-served rate",
        "resolution_rate" => "resolution rate",
        "one_touch_rate" => "one-touch resolution",
        "reopen_rate" => "reopen rate",
        "csat_pct" => "CSAT",
        "dissatisfied_pct" => "dissatisfied",
        "conversion_rate" => "inquiry conversion",
        "negative_share" => "negative share of customer messages",
        "negative_conversation_rate" => "negative conversations",
        "complaint_rate" => "complaint conversations",
        "calmed_rate" => "negative customers calmed after a reply",
        "csat_mean" => "mean rating",
        "nps" => "NPS",
        "conversations" => "conversations per day",
        "customers" => "customers per day",
        "customer_messages" => "customer messages per day",
        "within_30s" => "answered within 30 s",
        "within_1m" => "answered within 1 min",
        "within_3m" => "answered within 3 min",
        "within_5m" => "answered within 5 min",
        "within_10m" => "answered within 10 min",
        "within_30m" => "answered within 30 min",
        "within_1h" => "answered within 1 h",
        _ => "metric",
    }
}

/// Every metric of one key, a then b (either side may be missing: no rows there).
fn metric_changes(
    a: Option<&Sample>,
    b: Option<&Sample>,
    (qa, qb): (&ReportQuery, &ReportQuery),
    alpha: f64,
) -> Vec<MetricChange> {
    let empty = Sample::default();
    let (a, b) = (a.unwrap_or(&empty), b.unwrap_or(&empty));
    let mut out = Vec::new();

    // Counts: per day where the days are known (overall), else totals by Poisson.
    let days_a = Span::of(qa).days.unwrap_or(0).max(0) as f64;
    let days_b = Span::of(qb).days.unwrap_or(0).max(0) as f64;
    type Pick = fn(&Daily) -> &Vec<f64>;
    let counts: [(&str, i64, i64, Pick); 3] = [
        (
            "conversations",
            a.body.volume.conversations,
            b.body.volume.conversations,
            |d| &d.conversations,
        ),
        (
            "customers",
            a.body.volume.customers,
            b.body.volume.customers,
            |d| &d.customers,
        ),
        (
            "customer_messages",
            a.body.volume.customer_messages,
            b.body.volume.customer_messages,
            |d| &d.customer_messages,
        ),
    ];
    for (name, ta, tb, pick) in counts {
        out.push(match (&a.daily, &b.daily) {
            (Some(da), Some(db)) => count_change(name, pick(da), pick(db), alpha),
            _ => total_change(name, ta as f64, days_a, tb as f64, days_b),
        });
    }

    for (name, ra, rb) in [
        ("frt_secs", &a.frt, &b.frt),
        ("response_secs", &a.response, &b.response),
        ("resolution_secs", &a.resolution, &b.resolution),
    ] {
        out.push(duration_change(name, ra, rb, alpha));
    }

    let (rates_a, rates_b) = (rates(&a.body, qa), rates(&b.body, qb));
    for ((name, na, pa), (_, nb, pb)) in rates_a.into_iter().zip(rates_b) {
        let x = |n: u64, p: Option<f64>| p.map_or(0, |p| (p * n as f64).round() as u64);
        out.push(rate_change(name, (x(na, pa), na), (x(nb, pb), nb), alpha));
    }
    if let (Some(na), Some(nb)) = (a.negative, b.negative) {
        out.push(rate_change("negative_share", na, nb, alpha));
    }
    out.push(mean_score_change(
        "csat_mean",
        &a.body.satisfaction.distribution,
        &b.body.satisfaction.distribution,
        alpha,
    ));
    out.push(nps_change(&a.body, &b.body, alpha));
    out
}

fn interval(i: kefu_stats::Interval) -> [f64; 2] {
    [i.lo, i.hi]
}

fn base(metric: &str, kind: Kind, a: Side, b: Side) -> MetricChange {
    MetricChange {
        metric: metric.to_string(),
        kind,
        a,
        b,
        change: None,
        relative_change: None,
        test: None,
        statistic: None,
        p_value: None,
        q_value: None,
        effect_size: None,
        ci: None,
        shift: None,
        significant: false,
        verdict: None,
        no_test: None,
        summary: String::new(),
    }
}

fn relative(change: f64, a: f64) -> Option<f64> {
    (a != 0.0 && a.is_finite()).then(|| change / a.abs())
}

fn rate_change(
    metric: &str,
    (xa, na): (u64, u64),
    (xb, nb): (u64, u64),
    alpha: f64,
) -> MetricChange {
    let side = |x: u64, n: u64| Side {
        n,
        x: (n > 0).then_some(x),
        rate: (n > 0).then(|| x as f64 / n as f64),
        ci: kefu_stats::wilson_interval(x, n, alpha).ok().map(interval),
        ..Side::default()
    };
    let mut m = base(metric, Kind::Rate, side(xa, na), side(xb, nb));
    if let (Some(pa), Some(pb)) = (m.a.rate, m.b.rate) {
        m.change = Some(pb - pa);
        m.relative_change = relative(pb - pa, pa);
        m.effect_size = Some(2.0 * pb.sqrt().asin() - 2.0 * pa.sqrt().asin());
        m.ci = kefu_stats::newcombe_interval(xb, nb, xa, na, alpha)
            .ok()
            .map(interval);
    }
    match kefu_stats::two_proportion_z_test(xb, nb, xa, na) {
        Ok(z) => {
            m.test = Some("two_proportion_z");
            m.statistic = Some(z.statistic);
            m.p_value = Some(z.p_value);
        }
        Err(e) => m.no_test = Some(no_test(e)),
    }
    m
}

fn duration_change(metric: &str, a: &[f64], b: &[f64], alpha: f64) -> MetricChange {
    let side = |v: &[f64]| Side {
        n: v.len() as u64,
        median: kefu_stats::median(v),
        mean: (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64),
        ..Side::default()
    };
    let mut m = base(metric, Kind::Duration, side(a), side(b));
    if let (Some(ma), Some(mb)) = (m.a.median, m.b.median) {
        m.change = Some(mb - ma);
        m.relative_change = relative(mb - ma, ma);
    }
    match kefu_stats::mann_whitney_u(b, a) {
        Ok(u) => {
            m.test = Some("mann_whitney_u");
            m.statistic = Some(u.u);
            m.p_value = Some(u.p_value);
            m.effect_size = Some(u.effect_size);
            if let Ok(hl) = kefu_stats::hodges_lehmann(b, a, alpha) {
                m.shift = Some(hl.estimate);
                m.ci = hl.ci.map(interval);
            }
        }
        Err(e) => m.no_test = Some(no_test(e)),
    }
    m
}

/// Mean of the overall 1–5 ratings, from their counts (score → responses).
fn mean_score_change(
    metric: &str,
    a: &BTreeMap<String, i64>,
    b: &BTreeMap<String, i64>,
    alpha: f64,
) -> MetricChange {
    let summary = |d: &BTreeMap<String, i64>| {
        let pairs: Vec<(f64, f64)> = d
            .iter()
            .filter_map(|(k, c)| Some((k.parse::<f64>().ok()?, *c as f64)))
            .filter(|(_, c)| *c > 0.0)
            .collect();
        let n: f64 = pairs.iter().map(|p| p.1).sum();
        let mean = if n > 0.0 {
            pairs.iter().map(|(s, c)| s * c).sum::<f64>() / n
        } else {
            0.0
        };
        let ss: f64 = pairs.iter().map(|(s, c)| c * (s - mean) * (s - mean)).sum();
        kefu_stats::Summary {
            n: n as u64,
            mean,
            variance: if n > 1.0 { ss / (n - 1.0) } else { 0.0 },
        }
    };
    let (sa, sb) = (summary(a), summary(b));
    let side = |s: &kefu_stats::Summary| Side {
        n: s.n,
        mean: (s.n > 0).then_some(s.mean),
        ..Side::default()
    };
    let mut m = base(metric, Kind::Mean, side(&sa), side(&sb));
    if sa.n > 0 && sb.n > 0 {
        m.change = Some(sb.mean - sa.mean);
        m.relative_change = relative(sb.mean - sa.mean, sa.mean);
    }
    match kefu_stats::welch_t_test_summary(&sb, &sa, alpha) {
        Ok(w) => {
            m.test = Some("welch_t");
            m.statistic = Some(w.statistic);
            m.p_value = Some(w.p_value);
            m.ci = Some(interval(w.ci));
            let sd = ((sa.variance + sb.variance) / 2.0).sqrt();
            m.effect_size = (sd > 0.0).then(|| w.difference / sd);
        }
        Err(e) => m.no_test = Some(no_test(e)),
    }
    m
}

fn nps_change(a: &Body, b: &Body, alpha: f64) -> MetricChange {
    let counts = |b: &Body| {
        let s = &b.satisfaction;
        let (p, d) = (
            s.nps_promoters.max(0) as u64,
            s.nps_detractors.max(0) as u64,
        );
        let n = s.nps_responses.max(0) as u64;
        kefu_stats::NpsCounts::new(p, n.saturating_sub(p + d), d)
    };
    let (ca, cb) = (counts(a), counts(b));
    let side = |c: kefu_stats::NpsCounts| {
        let one = kefu_stats::nps(c, alpha).ok();
        Side {
            n: c.n(),
            score: one.as_ref().map(|o| o.score),
            ci: one.map(|o| interval(o.ci)),
            ..Side::default()
        }
    };
    let mut m = base("nps", Kind::Nps, side(ca), side(cb));
    match kefu_stats::nps_difference(cb, ca, alpha) {
        Ok(d) => {
            m.change = Some(d.difference);
            m.relative_change = relative(d.difference, d.b.score);
            m.test = Some("nps_z");
            m.statistic = Some(d.statistic);
            m.p_value = Some(d.p_value);
            m.ci = Some(interval(d.ci));
        }
        Err(e) => {
            if let (Some(sa), Some(sb)) = (m.a.score, m.b.score) {
                m.change = Some(sb - sa);
            }
            m.no_test = Some(no_test(e));
        }
    }
    m
}

/// Per-day counts: Welch on the days (kefu-stats' recommendation: CS volume is
/// overdispersed), the Poisson rate test where the days do not allow it.
fn count_change(metric: &str, a: &[f64], b: &[f64], alpha: f64) -> MetricChange {
    let side = |v: &[f64]| Side {
        n: v.len() as u64,
        mean: (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64),
        total: Some(v.iter().sum()),
        ..Side::default()
    };
    let mut m = base(metric, Kind::Count, side(a), side(b));
    if let (Some(ma), Some(mb)) = (m.a.mean, m.b.mean) {
        m.change = Some(mb - ma);
        m.relative_change = relative(mb - ma, ma);
    }
    match kefu_stats::compare_daily_counts(b, a, alpha) {
        Ok(d) => {
            m.p_value = d.p_value();
            m.statistic = d.statistic();
            match d.recommended {
                kefu_stats::DailyTest::WelchOnDays => {
                    m.test = Some("welch_t_on_days");
                    m.ci = d.welch.as_ref().map(|w| interval(w.ci));
                }
                kefu_stats::DailyTest::PoissonRate => m.test = Some("poisson_rate"),
            }
            if m.p_value.is_none() {
                m.test = None;
                m.no_test = Some("no variation in the daily counts".into());
            }
        }
        Err(e) => m.no_test = Some(no_test(e)),
    }
    m
}

/// A count known only as a total over `days` (breakdown rows): the Poisson rate test.
fn total_change(metric: &str, ta: f64, days_a: f64, tb: f64, days_b: f64) -> MetricChange {
    let side = |t: f64, days: f64| Side {
        n: days as u64,
        mean: (days > 0.0).then(|| t / days),
        total: Some(t),
        ..Side::default()
    };
    let mut m = base(metric, Kind::Count, side(ta, days_a), side(tb, days_b));
    if let (Some(ma), Some(mb)) = (m.a.mean, m.b.mean) {
        m.change = Some(mb - ma);
        m.relative_change = relative(mb - ma, ma);
    }
    match kefu_stats::poisson_rate_test(tb as u64, days_b, ta as u64, days_a) {
        Ok(p) => {
            m.test = Some("poisson_rate");
            m.statistic = Some(p.statistic);
            m.p_value = Some(p.p_value);
        }
        Err(e) => m.no_test = Some(no_test(e)),
    }
    m
}

fn no_test(e: NoTest) -> String {
    e.to_string()
}

/// Adds the q-values, the verdicts and the sentences.
fn with_q_values(mut v: Vec<MetricChange>, alpha: f64) -> Vec<MetricChange> {
    let p: Vec<Option<f64>> = v.iter().map(|m| m.p_value).collect();
    let q = kefu_stats::benjamini_hochberg(&p);
    let tested = p.iter().flatten().count();
    for (m, q) in v.iter_mut().zip(q) {
        m.q_value = q;
        m.significant = q.is_some_and(|q| q <= alpha);
        if m.significant {
            m.verdict = Some(match (higher_is_better(&m.metric), m.change) {
                (None, _) => "neutral",
                (Some(up), Some(c)) if (c > 0.0) == up => "better",
                (Some(_), Some(_)) => "worse",
                (Some(_), None) => "neutral",
            });
        }
        m.summary = sentence(m, alpha, tested);
    }
    v
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else if p < 0.01 {
        format!("p = {p:.3}")
    } else {
        format!("p = {p:.2}")
    }
}

/// A value as the summary prints it.
fn value_text(m: &MetricChange, s: &Side) -> String {
    let num = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or("–".to_string(), f);
    match m.kind {
        Kind::Rate => num(s.rate, &|r| format!("{:.1} %", r * 100.0)),
        Kind::Duration => num(s.median, &secs),
        Kind::Mean => num(s.mean, &|v| format!("{v:.2}")),
        Kind::Nps => num(s.score, &|v| format!("{v:.1}")),
        Kind::Count => num(s.mean, &|v| format!("{v:.1}")),
    }
}

/// A duration in words: seconds, minutes or hours (comparisons and anomalies).
pub(crate) fn secs(v: f64) -> String {
    if v >= 3600.0 {
        format!("{:.1} h", v / 3600.0)
    } else if v >= 120.0 {
        format!("{:.1} min", v / 60.0)
    } else {
        format!("{v:.0} s")
    }
}

fn sentence(m: &MetricChange, alpha: f64, tested: usize) -> String {
    let mut s = format!(
        "{} {} → {}",
        label(&m.metric),
        value_text(m, &m.a),
        value_text(m, &m.b)
    );
    match (m.kind, m.change, m.relative_change) {
        (Kind::Rate, Some(c), _) => s.push_str(&format!(" ({:+.1} pp)", c * 100.0)),
        (Kind::Nps, Some(c), _) => s.push_str(&format!(" ({c:+.1} points)")),
        (_, _, Some(r)) => s.push_str(&format!(" ({:+.0} %)", r * 100.0)),
        _ => {}
    }
    match (m.p_value, m.q_value) {
        (Some(p), Some(q)) => {
            if m.significant {
                s.push_str(&format!(", significant ({})", p_text(p)));
            } else if p <= alpha {
                s.push_str(&format!(
                    ", not significant after {tested} comparisons ({}, q = {q:.2})",
                    p_text(p)
                ));
            } else {
                s.push_str(&format!(", not significant ({})", p_text(p)));
            }
        }
        _ => s.push_str(&format!(
            ", not tested ({})",
            m.no_test.as_deref().unwrap_or("no data")
        )),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_change_reads_b_minus_a_with_newcombe_and_z() {
        // 45/100 → 60/100: +15 pp. Pooled 0.525, se = sqrt(.525·.475·(2/100)) =
        // 0.070622, z = 0.15 / se = 2.12398, p = 0.03367 (statsmodels
        // proportions_ztest([60, 45], [100, 100]) gives the same).
        let m = rate_change("resolution_rate", (45, 100), (60, 100), 0.05);
        assert!((m.change.unwrap() - 0.15).abs() < 1e-12);
        assert!((m.statistic.unwrap() - 2.12398).abs() < 1e-5, "{m:?}");
        assert!((m.p_value.unwrap() - 0.03367).abs() < 1e-5, "{m:?}");
        let ci = m.ci.unwrap();
        assert!(ci[0] > 0.0 && ci[1] > 0.15 && ci[0] < 0.15, "{ci:?}");
        assert_eq!(m.a.x, Some(45));
    }

    #[test]
    fn empty_sides_are_not_tested_and_said_so() {
        let m = rate_change("csat_pct", (0, 0), (3, 10), 0.05);
        assert!(m.test.is_none() && m.no_test.is_some());
        let v = with_q_values(vec![m], 0.05);
        assert!(!v[0].significant);
        assert!(v[0].summary.contains("not tested"), "{}", v[0].summary);
        let d = duration_change("frt_secs", &[], &[1.0, 2.0], 0.05);
        assert!(d.p_value.is_none() && d.no_test.is_some());
    }

    #[test]
    fn sentences_say_the_verdict_in_words() {
        let a: Vec<f64> = (0..200).map(|i| 30.0 + (i % 30) as f64).collect();
        let b: Vec<f64> = a.iter().map(|v| v * 1.6).collect();
        let v = with_q_values(vec![duration_change("frt_secs", &a, &b, 0.05)], 0.05);
        let m = &v[0];
        assert!(m.significant, "{m:?}");
        assert_eq!(m.verdict, Some("worse"));
        assert!(
            m.summary
                .starts_with("FRT median 44 s → 70 s (+60 %), significant (p < 0.001)"),
            "{}",
            m.summary
        );
        let r = with_q_values(
            vec![rate_change(
                "resolution_rate",
                (813, 1000),
                (806, 1000),
                0.05,
            )],
            0.05,
        );
        assert!(!r[0].significant);
        assert!(
            r[0].summary
                .starts_with("resolution rate 81.3 % → 80.6 % (-0.7 pp), not significant (p = 0."),
            "{}",
            r[0].summary
        );
    }
}
