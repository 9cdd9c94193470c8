//! Hourly volume forecasting: a few candidate models, chosen by a rolling
//! backtest on the history itself.
//!
//! Contact volume has a daily and a weekly cycle, is a count (variance grows
//! with the level), and has days that break the pattern (holidays, campaign
//! days). So the candidates are:
//! * `seasonal_naive`: last week's same hour (the floor every model must beat);
//! * `seasonal_median`: median of the last 4 weeks' same hour (one odd week
//!   does not propagate);
//! * `mstl_ets` / `mstl_ets_sqrt`: augurs MSTL with periods 24 and 168 and an
//!   AutoETS trend, on the raw or square-root scale (sqrt stabilises count
//!   variance, so the quiet nights and Saturdays do not get the busy hours'
//!   seasonal swings);
//! * `ensemble`: the mean of `mstl_ets_sqrt` and `seasonal_median`.
//!
//! Before fitting, days that collapsed against their weekday's recent median
//! (and days listed as holidays) are replaced by a typical day, so one
//! holiday does not teach the model a new weekly shape. Known future events
//! get the hour-of-day ratio that past events of the same kind showed.

use std::collections::{HashMap, HashSet};

use augurs::ets::AutoETS;
use augurs::mstl::MSTLModel;
use augurs::{Fit, Predict};
use chrono::{NaiveDate, NaiveDateTime, Timelike};
use serde::{Serialize, Serializer};

use crate::ForecastError;
use crate::series::{HourlySeries, TS_FORMAT};

/// One week of hours: the weekly period and the backtest horizon.
pub const WEEK: usize = 168;
const DAY: usize = 24;

/// What kind of known event a day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// Public holiday: volume usually collapses.
    Holiday,
    /// Sales campaign (大促): volume usually surges.
    Campaign,
}

/// A known whole-day event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct Event {
    /// The calendar day of the event.
    pub date: NaiveDate,
    /// Holiday or campaign.
    pub kind: EventKind,
}

/// The candidate models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// y(t − 168).
    SeasonalNaive,
    /// Median of y(t − 168k), k = 1..4.
    SeasonalMedian,
    /// MSTL(24, 168) + AutoETS trend on y.
    MstlEts,
    /// MSTL(24, 168) + AutoETS trend on √y.
    MstlEtsSqrt,
    /// Mean of `MstlEtsSqrt` and `SeasonalMedian`.
    Ensemble,
}

impl ModelKind {
    /// Every candidate, cheapest first (ties go to the simpler model).
    pub const ALL: [ModelKind; 5] = [
        ModelKind::SeasonalNaive,
        ModelKind::SeasonalMedian,
        ModelKind::MstlEts,
        ModelKind::MstlEtsSqrt,
        ModelKind::Ensemble,
    ];

    /// Stable name used in JSON and reports.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::SeasonalNaive => "seasonal_naive",
            ModelKind::SeasonalMedian => "seasonal_median",
            ModelKind::MstlEts => "mstl_ets",
            ModelKind::MstlEtsSqrt => "mstl_ets_sqrt",
            ModelKind::Ensemble => "ensemble",
        }
    }

    /// Parses a name as printed by [`ModelKind::name`].
    pub fn parse(s: &str) -> Result<Self, ForecastError> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| ForecastError::Invalid(format!("unknown model {s:?}")))
    }

    fn min_history(self) -> usize {
        match self {
            ModelKind::SeasonalNaive => WEEK,
            ModelKind::SeasonalMedian => WEEK,
            _ => 3 * WEEK,
        }
    }
}

/// Forecasting options.
#[derive(Debug, Clone)]
pub struct ForecastConfig {
    /// Central coverage of the prediction interval (0.9 = 5 % … 95 %).
    pub level: f64,
    /// Rolling-origin weeks used to choose the model (0 = no choice: use
    /// the first candidate).
    pub backtest_weeks: usize,
    /// Candidates; empty means all of [`ModelKind::ALL`].
    pub models: Vec<ModelKind>,
    /// Replace days whose total fell below this share of their weekday's
    /// recent median before fitting (0 disables the automatic cleaning).
    pub outlier_day_ratio: f64,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        Self {
            level: 0.9,
            backtest_weeks: 3,
            models: Vec::new(),
            outlier_day_ratio: 0.4,
        }
    }
}

fn ser_ts<S: Serializer>(ts: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&ts.format(TS_FORMAT).to_string())
}

/// One forecast hour; `lo`/`hi` bound the prediction interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastPoint {
    /// The hour, `YYYY-MM-DD HH:MM:SS`.
    #[serde(serialize_with = "ser_ts")]
    pub ts: NaiveDateTime,
    /// Point forecast (≥ 0).
    pub value: f64,
    /// Lower bound (≥ 0).
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

/// A model's backtest score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelScore {
    /// Model name.
    pub model: String,
    /// Mean MASE over the backtest origins (scale: in-sample weekly naive).
    pub mase: f64,
}

/// How the model was chosen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// Rolling origins (weeks) used.
    pub origins: usize,
    /// Hours forecast from each origin.
    pub horizon: usize,
    /// Scores of every candidate tried, best first.
    pub scores: Vec<ModelScore>,
    /// Interval level of `lo`/`hi`.
    pub level: f64,
}

/// The result of [`forecast_hourly`]: the CLI's JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    /// Name of the chosen model.
    pub model: String,
    /// One point per hour after the history.
    pub forecast: Vec<ForecastPoint>,
    /// The backtest that chose the model.
    pub backtest: Backtest,
}

/// Forecasts `horizon_hours` hours after the end of `history`.
///
/// `history` is hourly (gaps become 0); `events` may lie in the history
/// (they are learnt from) and in the horizon (they are applied).
pub fn forecast_hourly(
    history: &[(NaiveDateTime, f64)],
    horizon_hours: usize,
    events: &[Event],
    config: &ForecastConfig,
) -> Result<Forecast, ForecastError> {
    let series = HourlySeries::from_pairs(history)?;
    forecast_series(&series, horizon_hours, events, config)
}

/// [`forecast_hourly`] on an already regular series.
pub fn forecast_series(
    series: &HourlySeries,
    horizon_hours: usize,
    events: &[Event],
    config: &ForecastConfig,
) -> Result<Forecast, ForecastError> {
    if !(config.level > 0.0 && config.level < 1.0) {
        return Err(ForecastError::Invalid("level must be in (0, 1)".into()));
    }
    let ctx = Context::new(series.start, events, config.outlier_day_ratio);
    let y = &series.values;
    let candidates: Vec<ModelKind> = if config.models.is_empty() {
        ModelKind::ALL.to_vec()
    } else {
        config.models.clone()
    };
    let usable: Vec<ModelKind> = candidates
        .iter()
        .copied()
        .filter(|m| y.len() >= m.min_history())
        .collect();

    if usable.is_empty() {
        // Too short for any weekly model: repeat the mean daily profile.
        let forecast = daily_profile(y, horizon_hours);
        return Ok(finish(
            series,
            "daily_profile",
            forecast,
            &[],
            config.level,
            Backtest {
                origins: 0,
                horizon: 0,
                scores: vec![],
                level: config.level,
            },
        ));
    }

    // Rolling origins for the choice: each forecasts one week, fitted on
    // everything before it; only origins with enough history for a model.
    let horizon_bt = WEEK;
    let mut scores = Vec::new();
    let mut residuals: HashMap<ModelKind, Vec<(f64, f64)>> = HashMap::new();
    let origins: Vec<usize> = (1..=config.backtest_weeks)
        .rev()
        .filter_map(|k| y.len().checked_sub(k * horizon_bt))
        .collect();
    let mut origins_used = 0;
    let odd = ctx.clean(y).flagged_hours;
    if usable.len() > 1 && !origins.is_empty() {
        for &m in &usable {
            let mut mases = Vec::new();
            for &o in &origins {
                if o < m.min_history() {
                    continue;
                }
                let pred = ctx.predict(m, &y[..o], horizon_bt)?;
                let actual = &y[o..o + horizon_bt];
                // Score on ordinary hours only: a holiday in a backtest week
                // says nothing about which model tracks the regular pattern.
                let keep: Vec<usize> = (0..horizon_bt).filter(|&h| !odd[o + h]).collect();
                let a: Vec<f64> = keep.iter().map(|&h| actual[h]).collect();
                let p: Vec<f64> = keep.iter().map(|&h| pred[h]).collect();
                mases.push(if a.is_empty() {
                    mase(&y[..o], actual, &pred)
                } else {
                    mase(&y[..o], &a, &p)
                });
                residuals
                    .entry(m)
                    .or_default()
                    .extend(actual.iter().zip(&pred).map(|(a, p)| (*a, *p)));
            }
            if !mases.is_empty() {
                origins_used = origins_used.max(mases.len());
                scores.push(ModelScore {
                    model: m.name().into(),
                    mase: mases.iter().sum::<f64>() / mases.len() as f64,
                });
            }
        }
    }
    scores.sort_by(|a, b| a.mase.total_cmp(&b.mase));
    let chosen = scores
        .first()
        .map(|s| ModelKind::parse(&s.model).expect("our own name"))
        .unwrap_or(usable[0]);
    let point = ctx.predict(chosen, y, horizon_hours)?;
    let resid = residuals.remove(&chosen).unwrap_or_default();
    Ok(finish(
        series,
        chosen.name(),
        point,
        &resid,
        config.level,
        Backtest {
            origins: origins_used,
            horizon: horizon_bt,
            scores,
            level: config.level,
        },
    ))
}

/// Attaches intervals: quantiles of backtest errors on the √ scale (counts
/// have Poisson-like variance, so √ errors are roughly level-free). Without
/// a backtest, a Poisson ±z·√ band.
fn finish(
    series: &HourlySeries,
    model: &str,
    point: Vec<f64>,
    resid: &[(f64, f64)],
    level: f64,
    backtest: Backtest,
) -> Forecast {
    let (q_lo, q_hi) = if resid.len() >= 48 {
        let mut e: Vec<f64> = resid
            .iter()
            .map(|(a, p)| a.max(0.0).sqrt() - p.max(0.0).sqrt())
            .collect();
        e.sort_by(f64::total_cmp);
        (
            quantile_sorted(&e, (1.0 - level) / 2.0),
            quantile_sorted(&e, (1.0 + level) / 2.0),
        )
    } else {
        // √ of a Poisson count has sd ≈ 1/2.
        let z = normal_quantile((1.0 + level) / 2.0);
        (-0.5 * z, 0.5 * z)
    };
    let n = series.len();
    let forecast = point
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let v = v.max(0.0);
            let r = v.sqrt();
            ForecastPoint {
                ts: series.ts(n + i),
                value: v,
                lo: (r + q_lo).max(0.0).powi(2).min(v),
                hi: (r + q_hi).max(0.0).powi(2).max(v),
            }
        })
        .collect();
    Forecast {
        model: model.into(),
        forecast,
        backtest,
    }
}

fn quantile_sorted(v: &[f64], q: f64) -> f64 {
    let pos = q * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

/// Standard normal quantile.
fn normal_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(p)
}

/// MASE of `pred` against `actual`, scaled by the in-sample mean absolute
/// weekly difference of `train` (the protocol in issue 5).
pub fn mase(train: &[f64], actual: &[f64], pred: &[f64]) -> f64 {
    let scale = weekly_naive_scale(train);
    let mae = actual
        .iter()
        .zip(pred)
        .map(|(a, p)| (a - p).abs())
        .sum::<f64>()
        / actual.len() as f64;
    if scale > 0.0 { mae / scale } else { mae }
}

/// Mean |y_t − y_{t−168}| over the training data.
pub fn weekly_naive_scale(train: &[f64]) -> f64 {
    if train.len() <= WEEK {
        return 0.0;
    }
    train[WEEK..]
        .iter()
        .zip(train)
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / (train.len() - WEEK) as f64
}

fn daily_profile(y: &[f64], horizon: usize) -> Vec<f64> {
    let mut sum = [0.0; DAY];
    let mut cnt = [0usize; DAY];
    for (i, v) in y.iter().enumerate() {
        sum[i % DAY] += v;
        cnt[i % DAY] += 1;
    }
    let offset = y.len();
    (0..horizon)
        .map(|h| {
            let k = (offset + h) % DAY;
            if cnt[k] > 0 {
                sum[k] / cnt[k] as f64
            } else {
                0.0
            }
        })
        .collect()
}

/// Calendar knowledge shared by every fit of one series: where it starts,
/// which days are events, how aggressively to clean odd days.
struct Context {
    start: NaiveDateTime,
    events: HashMap<NaiveDate, EventKind>,
    outlier_day_ratio: f64,
}

impl Context {
    fn new(start: NaiveDateTime, events: &[Event], outlier_day_ratio: f64) -> Self {
        Self {
            start,
            events: events.iter().map(|e| (e.date, e.kind)).collect(),
            outlier_day_ratio,
        }
    }

    fn date_of(&self, i: usize) -> NaiveDate {
        (self.start + chrono::Duration::hours(i as i64)).date()
    }

    /// Forecast `horizon` hours after `train` (which starts at `self.start`).
    fn predict(
        &self,
        model: ModelKind,
        train: &[f64],
        horizon: usize,
    ) -> Result<Vec<f64>, ForecastError> {
        let Cleaned {
            values: clean,
            ratios,
            ..
        } = self.clean(train);
        let mut pred = match model {
            ModelKind::SeasonalNaive => seasonal_naive(&clean, horizon),
            ModelKind::SeasonalMedian => seasonal_median(&clean, horizon, 4),
            ModelKind::MstlEts => mstl_ets(&clean, horizon, false)?,
            ModelKind::MstlEtsSqrt => mstl_ets(&clean, horizon, true)?,
            ModelKind::Ensemble => {
                let a = mstl_ets(&clean, horizon, true)?;
                let b = seasonal_median(&clean, horizon, 4);
                a.iter().zip(&b).map(|(x, y)| 0.5 * (x + y)).collect()
            }
        };
        // Known events in the horizon: scale by what past events did. With
        // no past event of the kind, a guess: holidays at 30 %, campaigns at
        // 150 % (better than ignoring a day the planner told us about).
        for (h, p) in pred.iter_mut().enumerate() {
            let i = train.len() + h;
            if let Some(kind) = self.events.get(&self.date_of(i)) {
                let hour = (self.start + chrono::Duration::hours(i as i64)).hour() as usize;
                *p *= ratios.get(&(*kind, hour)).copied().unwrap_or(match kind {
                    EventKind::Holiday => 0.3,
                    EventKind::Campaign => 1.5,
                });
            }
            *p = p.max(0.0);
        }
        Ok(pred)
    }

    /// Replaces event days and collapsed days by the median of the same
    /// hour in the neighbouring weeks; returns the cleaned series and, per
    /// (event kind, hour of day), actual / replacement ratios of past events.
    fn clean(&self, y: &[f64]) -> Cleaned {
        let days = y.len() / DAY;
        let first_hour = self.start.hour() as usize;
        // Work in whole calendar days; a partial first day is left as is.
        let day_start = |d: usize| -> usize { (DAY - first_hour) % DAY + d * DAY };
        let n_days = if first_hour == 0 {
            days
        } else {
            days.saturating_sub(1)
        };
        let totals: Vec<f64> = (0..n_days)
            .map(|d| y[day_start(d)..day_start(d) + DAY].iter().sum())
            .collect();
        let mut flagged: HashSet<usize> = HashSet::new();
        let mut kinds: HashMap<usize, EventKind> = HashMap::new();
        for d in 0..n_days {
            let date = self.date_of(day_start(d));
            if let Some(k) = self.events.get(&date) {
                flagged.insert(d);
                kinds.insert(d, *k);
            }
        }
        if self.outlier_day_ratio > 0.0 {
            for d in 0..n_days {
                // Same weekday in the 4 weeks before and after.
                let mut same: Vec<f64> = (1..=4)
                    .flat_map(|k| [d.checked_sub(7 * k), Some(d + 7 * k)])
                    .flatten()
                    .filter(|&e| e < n_days && !flagged.contains(&e))
                    .map(|e| totals[e])
                    .collect();
                if same.len() < 3 {
                    continue;
                }
                same.sort_by(f64::total_cmp);
                let med = same[same.len() / 2];
                if med > 0.0 && totals[d] < self.outlier_day_ratio * med {
                    flagged.insert(d);
                }
            }
        }
        let mut clean = y.to_vec();
        let mut ratio_acc: HashMap<(EventKind, usize), (f64, f64)> = HashMap::new();
        for &d in &flagged {
            for h in 0..DAY {
                let i = day_start(d) + h;
                let mut same: Vec<f64> = (1..=4)
                    .flat_map(|k| [d.checked_sub(7 * k), Some(d + 7 * k)])
                    .flatten()
                    .filter(|&e| e < n_days && !flagged.contains(&e))
                    .map(|e| y[day_start(e) + h])
                    .collect();
                if same.is_empty() {
                    continue;
                }
                same.sort_by(f64::total_cmp);
                let rep = same[same.len() / 2];
                if let Some(k) = kinds.get(&d) {
                    let hour = (first_hour + i) % DAY;
                    let e = ratio_acc.entry((*k, hour)).or_default();
                    e.0 += y[i];
                    e.1 += rep;
                }
                clean[i] = rep;
            }
        }
        // Shrink towards the pooled ratio of the kind: few events, noisy hours.
        let mut pooled: HashMap<EventKind, (f64, f64)> = HashMap::new();
        for ((k, _), (a, r)) in &ratio_acc {
            let e = pooled.entry(*k).or_default();
            e.0 += a;
            e.1 += r;
        }
        let ratios = ratio_acc
            .into_iter()
            .map(|((k, h), (a, r))| {
                let (pa, pr) = pooled[&k];
                let prior = if pr > 0.0 { pa / pr } else { 1.0 };
                // Pseudo-count of 2 days' worth of replacement volume.
                let w = 2.0 * pr / (DAY as f64 * pooled_days(&kinds, k).max(1.0));
                ((k, h), (a + prior * w) / (r + w).max(1e-9))
            })
            .collect();
        let mut flagged_hours = vec![false; y.len()];
        for &d in &flagged {
            flagged_hours[day_start(d)..day_start(d) + DAY].fill(true);
        }
        Cleaned {
            values: clean,
            ratios,
            flagged_hours,
        }
    }
}

/// A history with odd days replaced.
struct Cleaned {
    values: Vec<f64>,
    /// (event kind, hour of day) → actual / typical volume on past events.
    ratios: HashMap<(EventKind, usize), f64>,
    /// Hours of replaced days (events and collapsed days).
    flagged_hours: Vec<bool>,
}

fn pooled_days(kinds: &HashMap<usize, EventKind>, k: EventKind) -> f64 {
    kinds.values().filter(|v| **v == k).count() as f64
}

fn seasonal_naive(y: &[f64], horizon: usize) -> Vec<f64> {
    let n = y.len();
    (0..horizon).map(|h| y[n - WEEK + (h % WEEK)]).collect()
}

fn seasonal_median(y: &[f64], horizon: usize, weeks: usize) -> Vec<f64> {
    let n = y.len();
    let k = weeks.min(n / WEEK).max(1);
    (0..horizon)
        .map(|h| {
            let pos = h % WEEK;
            let mut v: Vec<f64> = (1..=k).map(|w| y[n - w * WEEK + pos]).collect();
            v.sort_by(f64::total_cmp);
            if v.len() % 2 == 1 {
                v[v.len() / 2]
            } else {
                0.5 * (v[v.len() / 2 - 1] + v[v.len() / 2])
            }
        })
        .collect()
}

/// augurs MSTL(24, 168) with an AutoETS trend; `sqrt` fits on √y and squares
/// back (a forecast below zero on the √ scale means zero).
fn mstl_ets(y: &[f64], horizon: usize, sqrt: bool) -> Result<Vec<f64>, ForecastError> {
    let data: Vec<f64> = if sqrt {
        y.iter().map(|v| v.max(0.0).sqrt()).collect()
    } else {
        y.to_vec()
    };
    let trend = AutoETS::non_seasonal().into_trend_model();
    let model = MSTLModel::new(vec![DAY, WEEK], trend);
    let fitted = model
        .fit(&data)
        .map_err(|e| ForecastError::Model(e.to_string()))?;
    let fc = fitted
        .predict(horizon, None)
        .map_err(|e| ForecastError::Model(e.to_string()))?;
    Ok(fc
        .point
        .into_iter()
        .map(|v| if sqrt { v.max(0.0).powi(2) } else { v.max(0.0) })
        .collect())
}

/// Result of the 8-week protocol for one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalResult {
    /// Model (or "auto" for the backtest choice).
    pub model: String,
    /// MASE of each week, oldest first.
    pub weekly_mase: Vec<f64>,
    /// Mean of `weekly_mase`.
    pub mean_mase: f64,
    /// Model chosen at each origin (for "auto").
    pub chosen: Vec<String>,
    /// Share of actual hours inside the forecast's [lo, hi] (target: the level).
    pub interval_coverage: f64,
    /// Wall time of all fits and forecasts, seconds.
    pub fit_secs: f64,
}

/// The issue-5 protocol: the last `weeks` weeks, each forecast 168 h ahead
/// from a model fitted on all earlier hours; MASE scaled by the in-sample
/// weekly naive. `models` = None evaluates the automatic choice.
pub fn eval_protocol(
    series: &HourlySeries,
    weeks: usize,
    events: &[Event],
    config: &ForecastConfig,
    model: Option<ModelKind>,
) -> Result<EvalResult, ForecastError> {
    let n = series.len();
    if n < (weeks + 2) * WEEK {
        return Err(ForecastError::Invalid(format!(
            "need at least {} hours for a {weeks}-week evaluation",
            (weeks + 2) * WEEK
        )));
    }
    let t0 = std::time::Instant::now();
    let mut weekly = Vec::new();
    let mut chosen = Vec::new();
    let mut inside = 0usize;
    for w in 0..weeks {
        let origin = n - (weeks - w) * WEEK;
        let train = HourlySeries {
            start: series.start,
            values: series.values[..origin].to_vec(),
        };
        let mut cfg = config.clone();
        if let Some(m) = model {
            cfg.models = vec![m];
        }
        let fc = forecast_series(&train, WEEK, events, &cfg)?;
        let pred: Vec<f64> = fc.forecast.iter().map(|p| p.value).collect();
        let actual = &series.values[origin..origin + WEEK];
        inside += fc
            .forecast
            .iter()
            .zip(actual)
            .filter(|(p, a)| p.lo <= **a && **a <= p.hi)
            .count();
        weekly.push(mase(&train.values, actual, &pred));
        chosen.push(fc.model);
    }
    Ok(EvalResult {
        model: model
            .map(|m| m.name().to_string())
            .unwrap_or_else(|| "auto".into()),
        mean_mase: weekly.iter().sum::<f64>() / weekly.len() as f64,
        weekly_mase: weekly,
        chosen,
        interval_coverage: inside as f64 / (weeks * WEEK) as f64,
        fit_secs: t0.elapsed().as_secs_f64(),
    })
}

/// The protocol for the automatic choice and, with `each_model`, for every
/// candidate alone: shows what the backtest choice gains over any one model.
pub fn eval_models(
    series: &HourlySeries,
    weeks: usize,
    events: &[Event],
    config: &ForecastConfig,
    each_model: bool,
) -> Result<Vec<EvalResult>, ForecastError> {
    let mut results = vec![eval_protocol(series, weeks, events, config, None)?];
    if each_model {
        for m in ModelKind::ALL {
            results.push(eval_protocol(series, weeks, events, config, Some(m))?);
        }
    }
    Ok(results)
}

/// Reads events from a CSV `date,kind` (kind `holiday` or `campaign`).
pub fn read_events_csv(path: &std::path::Path) -> Result<Vec<Event>, ForecastError> {
    let mut rdr = csv::Reader::from_path(path)?;
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec?;
        let date = rec.get(0).unwrap_or("").trim();
        let kind = rec.get(1).unwrap_or("holiday").trim();
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|_| ForecastError::Invalid(format!("event date {date:?}")))?;
        let kind = match kind.to_ascii_lowercase().as_str() {
            "holiday" | "" => EventKind::Holiday,
            "campaign" => EventKind::Campaign,
            other => return Err(ForecastError::Invalid(format!("event kind {other:?}"))),
        };
        out.push(Event { date, kind });
    }
    Ok(out)
}
