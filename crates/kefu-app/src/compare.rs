//! Comparisons for every face: two periods given outright, or one period against
//! the one just before it (环比) or the same dates a year earlier (同比), with the
//! report's filters and an optional breakdown. The statistics are kefu-analytics'
//! [`compare`](kefu_analytics::compare); this resolves the periods and the level.
//! The satisfaction drivers (`kefu drivers`) live here too: the same level, filters.

use crate::filters::parse_date;
use crate::{App, AppError, AppResult, Breakdown, Filters, ReportQuery};
use chrono::{Months, NaiveDate};
pub use kefu_analytics::compare::{
    Comparison, Did, DidMetric, KeyChange, Kind, MetricChange, Side, Span,
};
pub use kefu_analytics::drivers::{Drivers, FAMILIES, Outcome};

/// Which baseline `b` is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// The period of the same length just before `b` (环比).
    Previous,
    /// The same dates a year earlier (同比).
    Year,
    /// Dates given outright.
    Span(NaiveDate, NaiveDate),
}

/// The period asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Period {
    /// Shop-local dates, inclusive.
    Span(NaiveDate, NaiveDate),
    /// A `[[campaigns]]` entry, against the same weekdays of the four weeks before it
    /// with every campaign day left out.
    Campaign(String),
    /// A `[[changes]]` entry: `days` days from its date against the `days` before,
    /// and, when it names a shop or channel, the difference-in-differences against
    /// the others.
    Change { name: String, days: i64 },
}

/// Weeks before a campaign that make its baseline.
pub const CAMPAIGN_BASELINE_WEEKS: i64 = 4;

/// What to compare.
#[derive(Debug, Clone)]
pub struct CompareSpec {
    /// The report's filters; their `from`/`to` are ignored (the periods rule).
    pub filters: Filters,
    /// The period asked about.
    pub b: Period,
    pub a: Baseline,
    pub by: Option<Breakdown>,
    /// `None`: the shop's configured `alpha` (0.05 by default).
    pub alpha: Option<f64>,
}

/// The shop (or channel) a campaign or change belongs to, checked against the filter.
fn scoped(what: &str, filter: Option<String>, own: Option<String>) -> AppResult<Option<String>> {
    match (filter, own) {
        (Some(f), Some(o)) if f != o => Err(AppError::bad(
            what,
            format!("the {what} is for {o}, not the filter's {f}"),
        )),
        (f, o) => Ok(o.or(f)),
    }
}

/// Parses `FROM..TO` (shop-local dates, inclusive; one date alone is one day).
pub fn parse_span(param: &str, s: &str) -> AppResult<(NaiveDate, NaiveDate)> {
    let (f, t) = s.split_once("..").unwrap_or((s, s));
    let (f, t) = (parse_date(param, f)?, parse_date(param, t)?);
    if f > t {
        return Err(AppError::bad(
            param,
            format!("'{s}': the first date is after the second"),
        ));
    }
    Ok((f, t))
}

/// Parses `previous` or `year` (`--vs`).
pub fn parse_vs(s: &str) -> AppResult<Baseline> {
    match s.trim() {
        "previous" | "prev" | "mom" => Ok(Baseline::Previous),
        "year" | "yoy" => Ok(Baseline::Year),
        o => Err(AppError::bad(
            "vs",
            format!("'{o}' is not one of previous, year"),
        )),
    }
}

/// The baseline's dates for `b`.
pub fn baseline_span(b: (NaiveDate, NaiveDate), a: Baseline) -> AppResult<(NaiveDate, NaiveDate)> {
    match a {
        Baseline::Span(f, t) => Ok((f, t)),
        Baseline::Previous => {
            let days = (b.1 - b.0).num_days() + 1;
            let to = b.0 - chrono::Duration::days(1);
            Ok((to - chrono::Duration::days(days - 1), to))
        }
        Baseline::Year => {
            // 29 February a year back is the 28th (chrono clamps to the month's end).
            let back = |d: NaiveDate| {
                d.checked_sub_months(Months::new(12))
                    .ok_or_else(|| AppError::bad("vs", format!("no date a year before {d}")))
            };
            Ok((back(b.0)?, back(b.1)?))
        }
    }
}

impl App {
    /// What drives the outcome in the filters' period: a logistic regression over
    /// the conversations (`kefu drivers`). `alpha` `None`: the shop's configured one.
    pub async fn drivers(
        &self,
        f: &Filters,
        outcome: Outcome,
        terms: Vec<String>,
        alpha: Option<f64>,
    ) -> AppResult<Drivers> {
        let (s, q) = self.prepare(f).await?;
        let alpha = self.alpha_of(&s, f, alpha)?;
        let spec = kefu_analytics::drivers::DriversSpec {
            outcome,
            terms,
            alpha,
        };
        Box::pin(kefu_analytics::drivers::drivers(s.ctx(), &q, &spec))
            .await
            .map_err(|e| match e {
                kefu_analytics::kpi::KpiError::Invalid(m) => {
                    let (p, m) = m.split_once(": ").unwrap_or(("request", m.as_str()));
                    AppError::bad(p, m)
                }
                e => e.into(),
            })
    }

    /// The level asked, else the shop's `alpha`; checked to lie in (0, 1).
    fn alpha_of(&self, s: &crate::Session, f: &Filters, alpha: Option<f64>) -> AppResult<f64> {
        let alpha = match alpha {
            Some(a) => a,
            None => {
                s.config()
                    .shop(f.shop.as_deref().unwrap_or(""))
                    .map_err(|e| AppError::bad("shop", e.to_string()))?
                    .alpha
            }
        };
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(AppError::bad(
                "alpha",
                format!("{alpha} is not a level between 0 and 1 (e.g. 0.05)"),
            ));
        }
        Ok(alpha)
    }

    /// Compares period `b` with its baseline, metric by metric, with significance.
    pub async fn compare(&self, spec: &CompareSpec) -> AppResult<Comparison> {
        let cfg = self.config()?;
        let mut filters = spec.filters.clone();
        let mut days = kefu_analytics::query::DaySet::default();
        let mut change = None;
        let (b, a) = match &spec.b {
            Period::Span(f, t) => ((*f, *t), baseline_span((*f, *t), spec.a)?),
            Period::Campaign(name) => {
                let c = cfg
                    .campaigns()
                    .iter()
                    .find(|c| c.name == *name)
                    .ok_or_else(|| {
                        let known: Vec<&str> =
                            cfg.campaigns().iter().map(|c| c.name.as_str()).collect();
                        AppError::bad(
                            "campaign",
                            format!(
                                "no campaign '{name}' in kefu.toml [[campaigns]] (known: {})",
                                known.join(", ")
                            ),
                        )
                    })?;
                filters.shop = scoped("campaign", filters.shop, c.shop.clone())?;
                let b = (c.from, c.to);
                let span = (c.to - c.from).num_days() + 1;
                if span < 7 {
                    use chrono::Datelike;
                    let mut w: Vec<u32> = c
                        .from
                        .iter_days()
                        .take(span as usize)
                        .map(|d| d.weekday().num_days_from_sunday())
                        .collect();
                    w.sort_unstable();
                    w.dedup();
                    days.weekdays = w;
                }
                let a = (
                    c.from - chrono::Duration::weeks(CAMPAIGN_BASELINE_WEEKS),
                    c.from - chrono::Duration::days(1),
                );
                // Outside every campaign: no promotion day is a baseline day.
                days.except = cfg
                    .campaigns()
                    .iter()
                    .flat_map(|c| c.from.iter_days().take_while(move |d| *d <= c.to))
                    .filter(|d| *d >= a.0 && *d <= a.1)
                    .collect();
                (b, a)
            }
            Period::Change { name, days: n } => {
                let c = cfg
                    .changes()
                    .iter()
                    .find(|c| c.name == *name)
                    .ok_or_else(|| {
                        let known: Vec<&str> =
                            cfg.changes().iter().map(|c| c.name.as_str()).collect();
                        AppError::bad(
                            "change",
                            format!(
                                "no change '{name}' in kefu.toml [[changes]] (known: {})",
                                known.join(", ")
                            ),
                        )
                    })?;
                if *n < 1 {
                    return Err(AppError::bad(
                        "days",
                        format!("{n} is not a number of days ≥ 1"),
                    ));
                }
                filters.shop = scoped("change", filters.shop, c.shop.clone())?;
                filters.channel = scoped("change", filters.channel, c.channel.clone())?;
                change = Some(c.clone());
                let d = c.date;
                (
                    (d, d + chrono::Duration::days(n - 1)),
                    (
                        d - chrono::Duration::days(*n),
                        d - chrono::Duration::days(1),
                    ),
                )
            }
        };
        let side = |(from, to): (NaiveDate, NaiveDate)| Filters {
            from: Some(from),
            to: Some(to),
            ..filters.clone()
        };
        let (s, mut qa) = self.prepare(&side(a)).await?;
        let mut qb = side(b).query(s.config())?;
        qa.by = None;
        qa.days = days;
        qb.by = spec.by;
        let alpha = self.alpha_of(&s, &filters, spec.alpha)?;
        let mut out = Box::pin(kefu_analytics::compare::compare(s.ctx(), &qa, &qb, alpha)).await?;
        // A change in one shop or channel: the others over the same dates are the
        // control ("did it work, beyond what happened everywhere?").
        if let Some(c) = change
            && (c.shop.is_some() || c.channel.is_some())
        {
            let control = |q: &ReportQuery| {
                let mut q = q.clone();
                q.by = None;
                if let Some(sh) = &c.shop {
                    q.shop = None;
                    q.not_shop = Some(sh.clone());
                }
                if let Some(ch) = &c.channel {
                    q.channel = None;
                    q.not_channel = Some(ch.clone());
                }
                q
            };
            let qb0 = ReportQuery {
                by: None,
                ..qb.clone()
            };
            let (ca, cb) = (control(&qa), control(&qb0));
            let name = match (&c.shop, &c.channel) {
                (Some(sh), _) => format!("every shop but {sh}"),
                (None, Some(ch)) => format!("every channel but {ch}"),
                _ => unreachable!(),
            };
            out.did = Some(
                Box::pin(kefu_analytics::compare::difference_in_differences(
                    s.ctx(),
                    (&qa, &qb0),
                    (&ca, &cb),
                    &name,
                    alpha,
                ))
                .await?,
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn baselines_are_the_period_before_and_a_year_back() {
        let b = (d("2026-11-11"), d("2026-11-17"));
        assert_eq!(
            baseline_span(b, Baseline::Previous).unwrap(),
            (d("2026-11-04"), d("2026-11-10"))
        );
        assert_eq!(
            baseline_span(b, Baseline::Year).unwrap(),
            (d("2025-11-11"), d("2025-11-17"))
        );
        let leap = (d("2028-02-29"), d("2028-02-29"));
        assert_eq!(
            baseline_span(leap, Baseline::Year).unwrap(),
            (d("2027-02-28"), d("2027-02-28"))
        );
        assert_eq!(
            parse_span("b", "2026-11-01..2026-11-03").unwrap(),
            (d("2026-11-01"), d("2026-11-03"))
        );
        assert_eq!(
            parse_span("b", "2026-11-01").unwrap(),
            (d("2026-11-01"), d("2026-11-01"))
        );
        assert!(parse_span("b", "2026-11-03..2026-11-01").is_err());
        assert!(
            parse_vs("week")
                .unwrap_err()
                .to_string()
                .contains("previous")
        );
    }
}
