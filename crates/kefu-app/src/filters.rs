//! The filters every question takes (period, shop, channel, agent, category, cohort,
//! timezone), typed, and how they become a report query with the shop's readings.

use crate::{AppError, AppResult};
use chrono::NaiveDate;
use kefu_analytics::{Readings, ReportQuery};
use kefu_model::Config;
use kefu_model::config::Cohort;

/// Filters of a question. Dates are shop-local and inclusive.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub shop: Option<String>,
    pub channel: Option<String>,
    /// The credited agent.
    pub agent: Option<String>,
    /// A complaint category label.
    pub category: Option<String>,
    pub cohort: Option<Cohort>,
    /// An IANA timezone to answer in instead of the shops' configured ones.
    pub tz: Option<String>,
}

/// Parses a cohort name (`start`, `event`).
pub fn parse_cohort(s: &str) -> AppResult<Cohort> {
    match s.trim() {
        "start" => Ok(Cohort::Start),
        "event" => Ok(Cohort::Event),
        o => Err(AppError::bad(
            "cohort",
            format!("'{o}' is not one of start, event"),
        )),
    }
}

/// Parses a shop-local date `YYYY-MM-DD`.
pub fn parse_date(param: &str, s: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::bad(param, format!("'{s}' is not a date (YYYY-MM-DD)")))
}

impl Filters {
    /// The report query for these filters, with the readings of the chosen shop (or
    /// the defaults) in the requested timezone.
    pub fn query(&self, cfg: &Config) -> AppResult<ReportQuery> {
        if let (Some(f), Some(t)) = (self.from, self.to)
            && f > t
        {
            return Err(AppError::bad(
                "from",
                format!("from ({f}) is after to ({t})"),
            ));
        }
        let mut shop_cfg = cfg
            .shop(self.shop.as_deref().unwrap_or(""))
            .map_err(|e| AppError::bad("shop", e.to_string()))?;
        if let Some(tz) = self.tz() {
            kefu_model::config::parse_tz(tz).map_err(|e| AppError::bad("tz", e.to_string()))?;
            shop_cfg.timezone = tz.to_string();
        }
        Ok(ReportQuery {
            from: self.from,
            to: self.to,
            shop: self.shop.clone(),
            channel: self.channel.clone(),
            agent: self.agent.clone(),
            category: self.category.clone(),
            cohort: self.cohort,
            by: None,
            readings: Readings::from(&shop_cfg),
            days: Default::default(),
            not_shop: None,
            not_channel: None,
        })
    }

    /// The timezone override, if any (blank = none).
    pub fn tz(&self) -> Option<&str> {
        self.tz.as_deref().map(str::trim).filter(|t| !t.is_empty())
    }
}
