//! What is unusual: hourly and daily series of the report's own quantities, each
//! judged against its seasonal baseline by kefu-stats' [`detect`](kefu_stats::anomaly::detect).
//!
//! One pass of lean queries per source (conversation facts, messages, rounds,
//! surveys) reads every series at hour grain; days are sums of hours (counts and
//! rates add up), and the FRT median is taken over each day's own values. The
//! baseline needs history, so the data is read from twelve weeks before the period;
//! only points inside the period are reported.
//!
//! Units are the report's: conversations and categories by the hour the conversation
//! started (its first care cycle, primary category as in the complaints section),
//! customer messages and their negative share by the hour they were sent (the
//! complaints section's message filter), FRT by conversation start, the 3-minute rate
//! per round by the hour the round started, CSAT per response by the hour it was given.

use crate::fact_batches::{CONVERSATIONS_TABLE, ROUNDS_TABLE, SURVEYS_TABLE};
use crate::kpi::{Duration, duration_samples, rows, table_ok};
use crate::query::{Breakdown, ReportQuery, Result, T};
use chrono::{DateTime, Duration as Span, NaiveDate, NaiveDateTime, Timelike};
use chrono_tz::Tz;
use datafusion::prelude::SessionContext;
use kefu_model::config::Cohort;
use kefu_stats::anomaly::{AnomalyOptions, Obs, detect};
pub use kefu_stats::anomaly::{Direction, FlagKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Days of history read before the period: four weeks make the baseline of its first
/// point, the rest steady the noise estimate (flags should not depend on the window
/// asked for: a 30-day view and the whole store agree on the days they share).
const HISTORY_DAYS: i64 = 84;
/// 3 minutes, as the report's 3-minute rate.
const THREE_MIN_SECS: f64 = 180.0;

/// A series kefu watches.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AnomalyMetric {
    Conversations,
    CustomerMessages,
    /// Conversations whose primary complaint category is this label.
    Category(String),
    NegativeShare,
    FrtP50,
    ThreeMinRate,
    CsatPct,
}

impl AnomalyMetric {
    /// The fixed metrics (categories come from the data).
    pub const FIXED: [AnomalyMetric; 6] = [
        AnomalyMetric::Conversations,
        AnomalyMetric::CustomerMessages,
        AnomalyMetric::NegativeShare,
        AnomalyMetric::FrtP50,
        AnomalyMetric::ThreeMinRate,
        AnomalyMetric::CsatPct,
    ];

    pub fn name(&self) -> String {
        match self {
            AnomalyMetric::Conversations => "conversations".into(),
            AnomalyMetric::CustomerMessages => "customer_messages".into(),
            AnomalyMetric::Category(c) => format!("category:{c}"),
            AnomalyMetric::NegativeShare => "negative_share".into(),
            AnomalyMetric::FrtP50 => "frt_p50".into(),
            AnomalyMetric::ThreeMinRate => "three_min_rate".into(),
            AnomalyMetric::CsatPct => "csat_pct".into(),
        }
    }

    /// How a sentence names it.
    fn label(&self) -> String {
        match self {
            AnomalyMetric::Conversations => "conversations".into(),
            AnomalyMetric::CustomerMessages => "customer messages".into(),
            AnomalyMetric::Category(c) => format!("{c} complaints"),
            AnomalyMetric::NegativeShare => "negative share of customer messages".into(),
            AnomalyMetric::FrtP50 => "first response median".into(),
            AnomalyMetric::ThreeMinRate => "3-minute reply rate".into(),
            AnomalyMetric::CsatPct => "CSAT".into(),
        }
    }
}

impl std::str::FromStr for AnomalyMetric {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        if let Some(c) = s.strip_prefix("category:") {
            if c.trim().is_empty() {
                return Err("category: needs a label, e.g. category:logistics".into());
            }
            return Ok(AnomalyMetric::Category(c.trim().to_string()));
        }
        AnomalyMetric::FIXED
            .iter()
            .find(|m| m.name() == s)
            .cloned()
            .ok_or_else(|| {
                let all: Vec<String> = AnomalyMetric::FIXED.iter().map(|m| m.name()).collect();
                format!(
                    "unknown metric '{s}' (one of {}, category:<label>)",
                    all.join(", ")
                )
            })
    }
}

/// The grain of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyGrain {
    Hour,
    Day,
}

impl AnomalyGrain {
    pub const ALL: [AnomalyGrain; 2] = [AnomalyGrain::Hour, AnomalyGrain::Day];

    pub fn name(self) -> &'static str {
        match self {
            AnomalyGrain::Hour => "hour",
            AnomalyGrain::Day => "day",
        }
    }

    fn options(self) -> AnomalyOptions {
        match self {
            AnomalyGrain::Hour => AnomalyOptions::hourly(),
            AnomalyGrain::Day => AnomalyOptions::daily(),
        }
    }
}

impl std::str::FromStr for AnomalyGrain {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim() {
            "hour" => Ok(AnomalyGrain::Hour),
            "day" => Ok(AnomalyGrain::Day),
            o => Err(format!("'{o}' is not one of hour, day")),
        }
    }
}

/// What to look at: no metrics = every one (each complaint category in the data),
/// no grains = hour and day.
#[derive(Debug, Clone, Default)]
pub struct AnomalySpec {
    pub metrics: Vec<AnomalyMetric>,
    pub grains: Vec<AnomalyGrain>,
    /// Also return every point of every series with its expected value and band
    /// (the dashboard draws them).
    pub points: bool,
}

/// One flagged point.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Anomaly {
    /// `conversations`, `category:logistics`, `frt_p50`, …
    pub metric: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub grain: AnomalyGrain,
    /// As the series endpoint writes it: `2025-11-12 20` (hour), `2025-11-12` (day).
    pub t: String,
    pub observed: f64,
    pub expected: f64,
    pub lower: f64,
    pub upper: f64,
    /// (observed − expected) / σ on the judged scale (√ for counts, log for the FRT
    /// median); for a level shift the summed score of its first points over √n.
    pub score: f64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub direction: Direction,
    /// `spike`, or `level_shift` (reported once, where the new level starts).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: FlagKind,
    /// Hours or days the flag covers (1 for a spike).
    pub length: usize,
    pub explanation: String,
}

/// The answer of `kefu anomalies`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Anomalies {
    /// The period judged (the data's first and last day when open).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Every series judged, as `metric@grain`.
    pub series: Vec<String>,
    /// Newest first within each grain; hours before days.
    pub anomalies: Vec<Anomaly>,
    /// Every point of every series in the period, when asked for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<Band>,
}

/// A judged series, point by point.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Band {
    pub metric: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub grain: AnomalyGrain,
    pub points: Vec<BandPoint>,
}

/// One point: what was seen, and (with enough history) what was expected.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BandPoint {
    pub t: String,
    pub observed: Option<f64>,
    pub expected: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// Accumulated per shop-local hour.
#[derive(Debug, Default, Clone)]
struct Hour {
    conversations: f64,
    categories: BTreeMap<String, f64>,
    messages: f64,
    negative: f64,
    rounds: f64,
    rounds_ok: f64,
    responses: f64,
    satisfied: f64,
}

/// The anomalies of the query's period. `tz` gives a shop's timezone (messages are
/// bucketed from their UTC instant).
pub async fn anomalies(
    ctx: &SessionContext,
    q: &ReportQuery,
    spec: &AnomalySpec,
    tz: &(dyn Fn(&str) -> Tz + Sync),
) -> Result<Anomalies> {
    let mut h = q.clone();
    h.by = Some(Breakdown::DateHour);
    h.from = q.from.map(|f| f - Span::days(HISTORY_DAYS));
    // A day past the period: whether the data goes on after it (then its last hour is
    // whole) or ends inside it (then that hour is the hour so far).
    h.to = q.to.map(|t| t + Span::days(1));
    let wanted = |m: &AnomalyMetric| spec.metrics.is_empty() || spec.metrics.contains(m);
    let wants_category = spec.metrics.is_empty()
        || spec
            .metrics
            .iter()
            .any(|m| matches!(m, AnomalyMetric::Category(_)));
    let mut hours: BTreeMap<NaiveDateTime, Hour> = BTreeMap::new();
    let hour_of =
        |key: &str| NaiveDateTime::parse_from_str(&format!("{key}:00"), "%Y-%m-%d %H:%M").ok();

    // One query per source, run together.
    let conv_sql = (table_ok(ctx, CONVERSATIONS_TABLE)
        && (wanted(&AnomalyMetric::Conversations) || wants_category))
        .then(|| {
            format!(
                "SELECT {k}, COALESCE(primary_category, '-'), COUNT(*) FROM {CONVERSATIONS_TABLE} \
                 WHERE {w} AND cycle = 0 GROUP BY 1, 2",
                k = h.key(T::Conv),
                w = h.filter(T::Conv)
            )
        });
    // Messages in UTC quarter hours (every real offset is a multiple of 15 minutes),
    // put into shop-local hours here.
    let message_sql = (table_ok(ctx, "messages")
        && (wanted(&AnomalyMetric::CustomerMessages) || wanted(&AnomalyMetric::NegativeShare)))
    .then(|| {
        format!(
            "SELECT shop_id, CAST(CAST(ts AS BIGINT) / 900000000 AS BIGINT), COUNT(*), \
             SUM(CASE WHEN sentiment < {neg} THEN 1 ELSE 0 END) FROM messages WHERE {w} GROUP BY 1, 2",
            neg = crate::complaints::NEGATIVE_BELOW,
            w = crate::complaints::message_filter(&h)
        )
    });
    // Rounds and surveys by their own time, not their conversation's.
    let mut ev = h.clone();
    ev.cohort = Some(Cohort::Event);
    let round_sql = (table_ok(ctx, ROUNDS_TABLE) && wanted(&AnomalyMetric::ThreeMinRate)).then(|| {
        let col = ev.response_col();
        format!(
            "SELECT {k}, SUM(CASE WHEN starts_in_window AND kind <> 'bot' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN starts_in_window AND kind = 'human' AND {col} <= {THREE_MIN_SECS} THEN 1 ELSE 0 END) \
             FROM {ROUNDS_TABLE} WHERE {w} GROUP BY 1",
            k = ev.key(T::Rounds),
            w = ev.filter(T::Rounds)
        )
    });
    let survey_sql = (table_ok(ctx, SURVEYS_TABLE) && wanted(&AnomalyMetric::CsatPct)).then(|| {
        format!(
            "SELECT {k}, dimension, CAST(scale AS DOUBLE), score, COUNT(*) FROM {SURVEYS_TABLE} WHERE {w} GROUP BY 1, 2, 3, 4",
            k = ev.key(T::Surveys),
            w = ev.filter(T::Surveys)
        )
    });
    let run = |sql: Option<String>, keys: usize| async move {
        match sql {
            Some(sql) => rows(ctx, &sql, keys).await,
            None => Ok(Vec::new()),
        }
    };
    let frt_values = async {
        if table_ok(ctx, CONVERSATIONS_TABLE) && wanted(&AnomalyMetric::FrtP50) {
            duration_samples(ctx, &h, Duration::Frt).await
        } else {
            Ok(BTreeMap::new())
        }
    };
    let (conv_rows, message_rows, round_rows, survey_rows, frt_values) = futures::try_join!(
        run(conv_sql, 2),
        run(message_sql, 2),
        run(round_sql, 1),
        run(survey_sql, 2),
        frt_values
    )?;

    for (key, v) in conv_rows {
        let Some(t) = hour_of(&key[0]) else { continue };
        let e = hours.entry(t).or_default();
        let c = v[0].unwrap_or(0.0);
        e.conversations += c;
        if key[1] != "-" && key[1] != "other" {
            *e.categories.entry(key[1].clone()).or_default() += c;
        }
    }
    for (key, v) in message_rows {
        let Ok(quarter) = key[1].parse::<i64>() else {
            continue;
        };
        let Some(utc) = DateTime::from_timestamp(quarter * 900, 0) else {
            continue;
        };
        let local = utc.with_timezone(&tz(&key[0])).naive_local();
        let Some(t) = local.date().and_hms_opt(local.hour(), 0, 0) else {
            continue;
        };
        let e = hours.entry(t).or_default();
        e.messages += v[0].unwrap_or(0.0);
        e.negative += v[1].unwrap_or(0.0);
    }
    for (key, v) in round_rows {
        let Some(t) = hour_of(&key[0]) else { continue };
        let e = hours.entry(t).or_default();
        e.rounds += v[0].unwrap_or(0.0);
        e.rounds_ok += v[1].unwrap_or(0.0);
    }
    for (key, v) in survey_rows {
        let (scale, score, count) = (
            v[0].unwrap_or(0.0),
            v[1].unwrap_or(f64::NAN),
            v[2].unwrap_or(0.0),
        );
        if scale == 10.0 || !crate::fact_builder::is_overall(&key[1]) {
            continue;
        }
        let Some(t) = hour_of(&key[0]) else { continue };
        let e = hours.entry(t).or_default();
        e.responses += count;
        if score >= 4.0 {
            e.satisfied += count;
        }
    }
    let frt: BTreeMap<NaiveDateTime, Vec<f64>> = frt_values
        .into_iter()
        .filter_map(|(key, v)| hour_of(&key).map(|t| (t, v)))
        .collect();

    // The hours from the first to the last in which a conversation started (a survey
    // answered, or a reply written, after the data's last new conversation does not
    // open hours of zeros), within the period; messages alone when there are no facts.
    let started = |h: &Hour| h.conversations > 0.0;
    let wrote = |h: &Hour| h.messages > 0.0;
    let active_by = |f: &dyn Fn(&Hour) -> bool| -> Vec<NaiveDateTime> {
        hours
            .iter()
            .filter(|(_, h)| f(h))
            .map(|(t, _)| *t)
            .collect()
    };
    let mut active = active_by(&started);
    if active.is_empty() {
        active = active_by(&wrote);
    }
    let (first, last) = if active.is_empty() {
        (
            hours
                .keys()
                .next()
                .copied()
                .into_iter()
                .chain(frt.keys().next().copied())
                .min(),
            hours
                .keys()
                .next_back()
                .copied()
                .into_iter()
                .chain(frt.keys().next_back().copied())
                .max(),
        )
    } else {
        (active.first().copied(), active.last().copied())
    };
    let (Some(first), Some(mut last)) = (first, last) else {
        return Ok(Anomalies {
            from: q.from,
            to: q.to,
            series: Vec::new(),
            anomalies: Vec::new(),
            bands: Vec::new(),
        });
    };
    let data_end = last;
    if let Some(to) = q.to.and_then(|d| d.and_hms_opt(23, 0, 0)) {
        last = last.min(to);
    }
    let mut axis = Vec::new();
    let mut t = first;
    while t <= last {
        axis.push(t);
        t += Span::hours(1);
    }
    let from = q.from.or(axis.first().map(|t| t.date()));
    let to = q.to.or(axis.last().map(|t| t.date()));
    let empty = Hour::default();
    let at = |t: &NaiveDateTime| hours.get(t).unwrap_or(&empty);

    let mut metrics: Vec<AnomalyMetric> = if spec.metrics.is_empty() {
        AnomalyMetric::FIXED.to_vec()
    } else {
        spec.metrics.clone()
    };
    if spec.metrics.is_empty() {
        let labels: BTreeSet<&String> = hours.values().flat_map(|h| h.categories.keys()).collect();
        metrics.extend(
            labels
                .into_iter()
                .map(|c| AnomalyMetric::Category(c.clone())),
        );
    }
    let grains = if spec.grains.is_empty() {
        AnomalyGrain::ALL.to_vec()
    } else {
        spec.grains.clone()
    };

    let mut out = Vec::new();
    let mut bands = Vec::new();
    let mut series_names = Vec::new();
    for grain in grains {
        // Bucket starts of this grain and the hours in each.
        let buckets: Vec<(String, Vec<NaiveDateTime>)> = match grain {
            AnomalyGrain::Hour => axis
                .iter()
                .map(|t| (t.format("%Y-%m-%d %H").to_string(), vec![*t]))
                .collect(),
            AnomalyGrain::Day => {
                let mut days: BTreeMap<NaiveDate, Vec<NaiveDateTime>> = BTreeMap::new();
                for t in &axis {
                    days.entry(t.date()).or_default().push(*t);
                }
                days.into_iter()
                    .map(|(d, hs)| (d.to_string(), hs))
                    .collect()
            }
        };
        // A day the data starts or ends inside (today, so far) is not a whole day,
        // nor is the last hour a whole hour: judged as missing, not as a collapse.
        // The data's last hour is the hour so far (its export ended inside it).
        let so_far = axis.last().copied().filter(|t| *t == data_end);
        let whole = |hs: &[NaiveDateTime]| match grain {
            AnomalyGrain::Hour => hs.first().copied() != so_far,
            AnomalyGrain::Day => hs.len() >= 23,
        };
        let buckets: Vec<(String, Vec<NaiveDateTime>, bool)> = {
            buckets
                .into_iter()
                .map(|(k, hs)| {
                    let w = whole(&hs);
                    (k, hs, w)
                })
                .collect()
        };
        for m in &metrics {
            let sum = |f: &dyn Fn(&Hour) -> f64, hs: &[NaiveDateTime]| {
                hs.iter().map(|t| f(at(t))).sum::<f64>()
            };
            let obs: Vec<Obs> = buckets
                .iter()
                .map(|(_, hs, whole)| {
                    if !whole {
                        Obs::Missing
                    } else {
                        match m {
                            AnomalyMetric::Conversations => {
                                Obs::Count(sum(&|h| h.conversations, hs))
                            }
                            AnomalyMetric::CustomerMessages => Obs::Count(sum(&|h| h.messages, hs)),
                            AnomalyMetric::Category(c) => Obs::Count(sum(
                                &|h| h.categories.get(c).copied().unwrap_or(0.0),
                                hs,
                            )),
                            AnomalyMetric::NegativeShare => Obs::Rate {
                                x: sum(&|h| h.negative, hs),
                                n: sum(&|h| h.messages, hs),
                            },
                            AnomalyMetric::ThreeMinRate => Obs::Rate {
                                x: sum(&|h| h.rounds_ok, hs),
                                n: sum(&|h| h.rounds, hs),
                            },
                            AnomalyMetric::CsatPct => Obs::Rate {
                                x: sum(&|h| h.satisfied, hs),
                                n: sum(&|h| h.responses, hs),
                            },
                            AnomalyMetric::FrtP50 => {
                                let mut v: Vec<f64> = hs
                                    .iter()
                                    .filter_map(|t| frt.get(t))
                                    .flatten()
                                    .copied()
                                    .collect();
                                median_with_se(&mut v)
                            }
                        }
                    }
                })
                .collect();
            if obs.iter().all(|o| o.value().is_none()) {
                continue;
            }
            series_names.push(format!("{}@{}", m.name(), grain.name()));
            let det = detect(&obs, &grain.options());
            let scale = if matches!(m, AnomalyMetric::CsatPct) {
                100.0
            } else {
                1.0
            };
            let inside = |i: usize| {
                let day = buckets[i].1[0].date();
                !(from.is_some_and(|d| day < d) || to.is_some_and(|d| day > d))
            };
            if spec.points {
                bands.push(Band {
                    metric: m.name(),
                    grain,
                    points: (0..obs.len())
                        .filter(|&i| inside(i))
                        .map(|i| {
                            let e = det.points[i];
                            BandPoint {
                                t: buckets[i].0.clone(),
                                observed: obs[i].value().map(|v| v * scale),
                                expected: e.map(|e| e.expected * scale),
                                lower: e.map(|e| e.lower * scale),
                                upper: e.map(|e| e.upper * scale),
                            }
                        })
                        .collect(),
                });
            }
            for f in det.flags {
                if !inside(f.index) {
                    continue;
                }
                let mut a = Anomaly {
                    metric: m.name(),
                    grain,
                    t: buckets[f.index].0.clone(),
                    observed: f.observed * scale,
                    expected: f.expected * scale,
                    lower: f.lower * scale,
                    upper: f.upper * scale,
                    score: f.score,
                    direction: f.direction,
                    kind: f.kind,
                    length: f.length,
                    explanation: String::new(),
                };
                a.explanation = explain(m, &a, &obs[f.index]);
                out.push(a);
            }
        }
    }
    out.sort_by(|a, b| {
        a.grain
            .cmp(&b.grain)
            .then(b.t.cmp(&a.t))
            .then(a.metric.cmp(&b.metric))
    });
    Ok(Anomalies {
        from,
        to,
        series: series_names,
        anomalies: out,
        bands,
    })
}

/// A bucket's median with its standard error from the distribution-free interval
/// of the median (ranks n/2 ± 1.96·√n/2), for the detector's band.
fn median_with_se(v: &mut [f64]) -> Obs {
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    let Some(m) = kefu_stats::median(v) else {
        return Obs::Missing;
    };
    let half = 1.96 * (n as f64).sqrt() / 2.0;
    let lo = ((n as f64 / 2.0 - half).floor().max(0.0)) as usize;
    let hi = ((n as f64 / 2.0 + half).ceil() as usize).min(n - 1);
    let se = (v[hi] - v[lo]) / (2.0 * 1.96);
    // One value says little: its spread is unknown, so it is as uncertain as its size.
    let se = if n < 3 { se.max(m.abs()) } else { se };
    Obs::Level {
        value: m,
        se,
        n: n as f64,
    }
}

/// "logistics complaints 20:00–21:00 on 2025-11-12: 41 vs 7 expected, 5.9×".
fn explain(m: &AnomalyMetric, a: &Anomaly, obs: &Obs) -> String {
    let when = match a.grain {
        AnomalyGrain::Hour => {
            let (d, hh) = a.t.split_once(' ').unwrap_or((&a.t, "00"));
            let h: u32 = hh.parse().unwrap_or(0);
            if a.kind == FlagKind::LevelShift {
                format!("from {d} {h:02}:00")
            } else {
                format!("{h:02}:00–{:02}:00 on {d}", (h + 1) % 24)
            }
        }
        AnomalyGrain::Day => {
            if a.kind == FlagKind::LevelShift {
                format!("from {}", a.t)
            } else {
                format!("on {}", a.t)
            }
        }
    };
    let (obs_s, exp_s) = match m {
        AnomalyMetric::NegativeShare | AnomalyMetric::ThreeMinRate => (
            format!("{:.1} %", a.observed * 100.0),
            format!("{:.1} %", a.expected * 100.0),
        ),
        AnomalyMetric::CsatPct => (
            format!("{:.1} %", a.observed),
            format!("{:.1} %", a.expected),
        ),
        AnomalyMetric::FrtP50 => (
            crate::compare::secs(a.observed),
            crate::compare::secs(a.expected),
        ),
        _ => (
            format!("{}", a.observed.round()),
            round_expected(a.expected),
        ),
    };
    let ratio = if a.expected > 0.0 && matches!(obs, Obs::Count(_) | Obs::Level { .. }) {
        format!(", {:.1}×", a.observed / a.expected)
    } else {
        String::new()
    };
    let base = match obs {
        Obs::Rate { n, .. } => format!(" (of {})", n.round()),
        _ => String::new(),
    };
    let unit = match a.grain {
        AnomalyGrain::Hour => "hours",
        AnomalyGrain::Day => "days",
    };
    match a.kind {
        FlagKind::Spike => format!(
            "{} {when}: {obs_s} vs {exp_s} expected{ratio}{base}",
            m.label()
        ),
        FlagKind::LevelShift => format!(
            "{} {when}: level shift {}, {obs_s} vs {exp_s} expected{ratio}{base}, for {} {unit}",
            m.label(),
            match a.direction {
                Direction::Up => "up",
                Direction::Down => "down",
            },
            a.length
        ),
    }
}

fn round_expected(e: f64) -> String {
    if e >= 10.0 || e == e.round() {
        format!("{}", e.round())
    } else {
        format!("{e:.1}")
    }
}
