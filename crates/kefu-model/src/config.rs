//! `kefu.toml`: per-shop readings of the metrics (METRICS.md) and source settings.
//!
//! The file has a `[defaults]` table and optional `[shops.<shop_id>]` tables; a shop
//! table overrides only the keys it names, so the effective settings of a shop are
//! the defaults overlaid by its own table. Every default here is the one METRICS.md
//! names, and reports print the readings they used.

use chrono::{NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("kefu.toml: {0}")]
    Toml(String),
    #[error("unknown timezone '{0}' (use an IANA name such as Asia/Shanghai)")]
    Timezone(String),
    #[error("bad assessment interval '{0}' (expected HH:MM-HH:MM)")]
    Interval(String),
}

/// How the conversion window after a consultation is counted (METRICS.md, 询单转化).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversionWindow {
    /// The consultation day and the next two natural days (飞鸽, default).
    ThreeDays,
    /// The same or the next day (千牛 询单→次日付款).
    NextDay,
    /// T+4: the consultation day and the next four.
    Final,
}

impl ConversionWindow {
    /// Natural days after the consultation day that still count.
    pub fn extra_days(self) -> i64 {
        match self {
            ConversionWindow::ThreeDays => 2,
            ConversionWindow::NextDay => 1,
            ConversionWindow::Final => 4,
        }
    }
}

/// What counts as 成单.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversionEvent {
    Order,
    Payment,
}

/// The two readings of the 3-minute human reply rate (飞鸽).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreeMinReading {
    PerRound,
    PerBuyer,
}

/// Where a round's response time starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundStart {
    /// First customer message of the round (Chatwoot reply_time, default).
    First,
    /// Last customer message of the round (Simla).
    Last,
}

/// Who a survey's score is credited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsatAttribution {
    LastAgent,
    AllAgents,
}

/// Which conversations a period's metrics take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cohort {
    /// Conversations that started in the period (Intercom, default).
    Start,
    /// Events that happened in the period (Chatwoot).
    Event,
}

/// Weekly assessment intervals plus holidays, in shop-local time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AssessmentWindow {
    /// Keys `mon`..`sun`, values like `"08:00-23:00"`; a weekday missing from the map
    /// uses `all`.
    pub all: Vec<String>,
    pub days: BTreeMap<String, Vec<String>>,
    /// Dates with no assessment at all.
    pub holidays: Vec<NaiveDate>,
}

impl Default for AssessmentWindow {
    fn default() -> Self {
        AssessmentWindow {
            all: vec!["08:00-23:00".to_string()],
            days: BTreeMap::new(),
            holidays: Vec::new(),
        }
    }
}

/// A parsed interval; `end` of 24:00 is written as `None` (end of day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: NaiveTime,
    pub end: Option<NaiveTime>,
}

fn weekday_key(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

impl AssessmentWindow {
    /// The parsed intervals of one weekday (empty on a holiday).
    pub fn intervals(&self, date: NaiveDate) -> Result<Vec<Interval>, ConfigError> {
        use chrono::Datelike;
        if self.holidays.contains(&date) {
            return Ok(Vec::new());
        }
        let list = self
            .days
            .get(weekday_key(date.weekday()))
            .unwrap_or(&self.all);
        list.iter().map(|s| parse_interval(s)).collect()
    }

    /// Checks every interval parses, so errors surface when the config is loaded.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for s in self.all.iter().chain(self.days.values().flatten()) {
            parse_interval(s)?;
        }
        Ok(())
    }
}

fn parse_interval(s: &str) -> Result<Interval, ConfigError> {
    let bad = || ConfigError::Interval(s.to_string());
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let start = NaiveTime::parse_from_str(a.trim(), "%H:%M").map_err(|_| bad())?;
    let end = match b.trim() {
        "24:00" => None,
        t => Some(NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| bad())?),
    };
    if let Some(e) = end
        && e <= start
    {
        return Err(bad());
    }
    Ok(Interval { start, end })
}

/// The effective settings of one shop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShopConfig {
    pub timezone: String,
    pub platform: Option<String>,
    /// Gap that splits one customer's messages into conversations when the source
    /// has no conversation id.
    pub session_gap_secs: i64,
    /// A new contact within this window after a resolution is a repeat contact; also
    /// the quiet period that infers a resolution.
    pub repeat_window_secs: i64,
    pub after_sales_lookback_days: i64,
    pub conversion_window: ConversionWindow,
    pub conversion_event: ConversionEvent,
    pub three_min_reading: ThreeMinReading,
    pub round_start: RoundStart,
    pub csat_attribution: CsatAttribution,
    /// Durations and within-T rates in assessment-window time instead of calendar time.
    pub business_hours: bool,
    pub cohort: Cohort,
    pub assessment_window: AssessmentWindow,
    /// The shop's own e-mail addresses: mail from them is the agent side.
    pub email_addresses: Vec<String>,
    /// Count customer chat spam (ads, contact swapping) in the facts, KPIs and
    /// complaints; by default it is left out (`kefu spam` lists it).
    pub include_spam: bool,
    /// Significance level of comparisons (`kefu compare`, the dashboard's change
    /// marks): a change is significant when its Benjamini–Hochberg q-value ≤ alpha.
    pub alpha: f64,
}

impl Default for ShopConfig {
    fn default() -> Self {
        ShopConfig {
            timezone: "Asia/Shanghai".to_string(),
            platform: None,
            session_gap_secs: 30 * 60,
            repeat_window_secs: 48 * 3600,
            after_sales_lookback_days: 15,
            conversion_window: ConversionWindow::ThreeDays,
            conversion_event: ConversionEvent::Order,
            three_min_reading: ThreeMinReading::PerRound,
            round_start: RoundStart::First,
            csat_attribution: CsatAttribution::LastAgent,
            business_hours: false,
            cohort: Cohort::Start,
            assessment_window: AssessmentWindow::default(),
            email_addresses: Vec::new(),
            include_spam: false,
            alpha: 0.05,
        }
    }
}

impl ShopConfig {
    pub fn tz(&self) -> Result<Tz, ConfigError> {
        parse_tz(&self.timezone)
    }
}

pub fn parse_tz(name: &str) -> Result<Tz, ConfigError> {
    name.parse::<Tz>()
        .map_err(|_| ConfigError::Timezone(name.to_string()))
}

/// The whole `kefu.toml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    defaults: toml::Table,
    shops: BTreeMap<String, toml::Table>,
    /// `[text]`: the data directory's taxonomy and text models (read by kefu-app;
    /// kept here verbatim so `kefu config set` writes it back).
    text: toml::Table,
    /// `[[campaigns]]`: promotions (双11, 618) a comparison can name.
    campaigns: Vec<Campaign>,
    /// `[[changes]]`: things the shop changed ("new greeting script") on a date.
    changes: Vec<Change>,
}

/// A date written as a TOML date (`2025-11-11`) or a string (`"2025-11-11"`).
fn toml_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let v = toml::Value::deserialize(d)?;
    let s = match &v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(dt) => dt.to_string(),
        o => return Err(serde::de::Error::custom(format!("not a date: {o}"))),
    };
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| serde::de::Error::custom(format!("'{s}' is not a date (YYYY-MM-DD)")))
}

/// A promotion period (`[[campaigns]]`): `kefu compare --campaign NAME`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    pub name: String,
    /// First and last shop-local day, inclusive.
    #[serde(deserialize_with = "toml_date")]
    pub from: chrono::NaiveDate,
    #[serde(deserialize_with = "toml_date")]
    pub to: chrono::NaiveDate,
    /// The shop it ran in; absent = every shop.
    #[serde(default)]
    pub shop: Option<String>,
}

/// A change made on a date (`[[changes]]`): `kefu compare --change NAME`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub name: String,
    /// The first shop-local day with the change.
    #[serde(deserialize_with = "toml_date")]
    pub date: chrono::NaiveDate,
    #[serde(default)]
    pub description: String,
    /// The shop (or channel) that changed; absent = every shop. Shops or channels
    /// without the change are the control of the difference-in-differences.
    #[serde(default)]
    pub shop: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
}

impl Config {
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let mut root: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::Toml(e.to_string()))?;
        let defaults = match root.remove("defaults") {
            Some(toml::Value::Table(t)) => t,
            None => toml::Table::new(),
            Some(_) => return Err(ConfigError::Toml("[defaults] must be a table".into())),
        };
        let mut shops = BTreeMap::new();
        match root.remove("shops") {
            Some(toml::Value::Table(t)) => {
                for (k, v) in t {
                    match v {
                        toml::Value::Table(t) => {
                            shops.insert(k, t);
                        }
                        _ => return Err(ConfigError::Toml(format!("[shops.{k}] must be a table"))),
                    }
                }
            }
            None => {}
            Some(_) => return Err(ConfigError::Toml("[shops] must be a table".into())),
        }
        let text = match root.remove("text") {
            Some(toml::Value::Table(t)) => t,
            None => toml::Table::new(),
            Some(_) => return Err(ConfigError::Toml("[text] must be a table".into())),
        };
        fn list<T: serde::de::DeserializeOwned>(
            root: &mut toml::Table,
            key: &str,
        ) -> Result<Vec<T>, ConfigError> {
            match root.remove(key) {
                None => Ok(Vec::new()),
                Some(v @ toml::Value::Array(_)) => v
                    .try_into()
                    .map_err(|e: toml::de::Error| ConfigError::Toml(format!("[[{key}]]: {e}"))),
                Some(_) => Err(ConfigError::Toml(format!(
                    "[[{key}]] must be an array of tables"
                ))),
            }
        }
        let campaigns: Vec<Campaign> = list(&mut root, "campaigns")?;
        let changes: Vec<Change> = list(&mut root, "changes")?;
        for c in &campaigns {
            if c.from > c.to {
                return Err(ConfigError::Toml(format!(
                    "[[campaigns]] {}: from {} is after to {}",
                    c.name, c.from, c.to
                )));
            }
        }
        if let Some(k) = root.keys().next() {
            return Err(ConfigError::Toml(format!(
                "unknown top-level key '{k}' (expected [defaults], [shops.<id>], [text], [[campaigns]] and [[changes]])"
            )));
        }
        let cfg = Config {
            defaults,
            shops,
            text,
            campaigns,
            changes,
        };
        cfg.shop("")?;
        for s in cfg.shops.keys() {
            cfg.shop(s)?;
        }
        Ok(cfg)
    }

    /// Effective settings of a shop: defaults overlaid by its own table.
    pub fn shop(&self, shop_id: &str) -> Result<ShopConfig, ConfigError> {
        let mut merged = self.defaults.clone();
        if let Some(own) = self.shops.get(shop_id) {
            for (k, v) in own {
                merged.insert(k.clone(), v.clone());
            }
        }
        let cfg: ShopConfig = toml::Value::Table(merged)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Toml(e.to_string()))?;
        cfg.tz()?;
        cfg.assessment_window.validate()?;
        Ok(cfg)
    }

    /// The `[text]` table (taxonomy and text models; empty when absent).
    pub fn text(&self) -> &toml::Table {
        &self.text
    }

    /// The configured campaigns (`[[campaigns]]`).
    pub fn campaigns(&self) -> &[Campaign] {
        &self.campaigns
    }

    /// The configured changes (`[[changes]]`).
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// Shops that have a table of their own.
    pub fn shop_ids(&self) -> impl Iterator<Item = &str> {
        self.shops.keys().map(String::as_str)
    }

    /// Sets one key for the defaults (`shop = None`) or one shop, e.g. `timezone`.
    pub fn set(
        &mut self,
        shop: Option<&str>,
        key: &str,
        value: toml::Value,
    ) -> Result<(), ConfigError> {
        // Validate on a copy so a refused value leaves the config as it was.
        let mut next = self.clone();
        let table = match shop {
            None => &mut next.defaults,
            Some(s) => next.shops.entry(s.to_string()).or_default(),
        };
        table.insert(key.to_string(), value);
        next.shop(shop.unwrap_or(""))?;
        *self = next;
        Ok(())
    }

    pub fn to_toml(&self) -> String {
        let mut root = toml::Table::new();
        root.insert("defaults".into(), toml::Value::Table(self.defaults.clone()));
        let mut shops = toml::Table::new();
        for (k, v) in &self.shops {
            shops.insert(k.clone(), toml::Value::Table(v.clone()));
        }
        if !shops.is_empty() {
            root.insert("shops".into(), toml::Value::Table(shops));
        }
        if !self.text.is_empty() {
            root.insert("text".into(), toml::Value::Table(self.text.clone()));
        }
        for (key, v) in [
            ("campaigns", toml::Value::try_from(&self.campaigns)),
            ("changes", toml::Value::try_from(&self.changes)),
        ] {
            if let Ok(v @ toml::Value::Array(_)) = v
                && v.as_array().is_some_and(|a| !a.is_empty())
            {
                root.insert(key.into(), v);
            }
        }
        toml::to_string_pretty(&root).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaigns_and_changes_parse_and_round_trip() {
        let c = Config::parse(
            "[[campaigns]]\nname = \"双11\"\nfrom = 2025-11-10\nto = 2025-11-12\n\n\
             [[changes]]\nname = \"new script\"\ndate = 2025-11-20\nshop = \"s1\"\n",
        )
        .unwrap();
        assert_eq!(c.campaigns()[0].name, "双11");
        assert_eq!(c.changes()[0].shop.as_deref(), Some("s1"));
        let again = Config::parse(&c.to_toml()).unwrap();
        assert_eq!(again.campaigns(), c.campaigns());
        assert_eq!(again.changes(), c.changes());
        let bad =
            Config::parse("[[campaigns]]\nname = \"x\"\nfrom = 2025-11-12\nto = 2025-11-10\n");
        assert!(bad.unwrap_err().to_string().contains("after"));
        let typo =
            Config::parse("[[campaigns]]\nname = \"x\"\nfrom = 2025-11-12\nuntil = 2025-11-13\n");
        assert!(typo.unwrap_err().to_string().contains("campaigns"));
    }

    #[test]
    fn defaults_follow_metrics_md() {
        let c = Config::parse("").unwrap().shop("any").unwrap();
        assert_eq!(c.timezone, "Asia/Shanghai");
        assert_eq!(c.session_gap_secs, 1800);
        assert_eq!(c.repeat_window_secs, 172_800);
        assert_eq!(c.after_sales_lookback_days, 15);
        assert_eq!(c.conversion_window.extra_days(), 2);
        let d = NaiveDate::from_ymd_opt(2026, 11, 11).unwrap();
        let iv = c.assessment_window.intervals(d).unwrap();
        assert_eq!(iv.len(), 1);
        assert_eq!(iv[0].start, NaiveTime::from_hms_opt(8, 0, 0).unwrap());
    }

    #[test]
    fn shop_overrides_only_what_it_names() {
        let c = Config::parse(
            r#"
            [defaults]
            session_gap_secs = 600
            [shops.tb1]
            timezone = "Europe/Berlin"
            [shops.tb1.assessment_window]
            all = ["09:00-18:00"]
            holidays = [2026-10-01]
            "#,
        )
        .unwrap();
        let s = c.shop("tb1").unwrap();
        assert_eq!(s.timezone, "Europe/Berlin");
        assert_eq!(s.session_gap_secs, 600);
        let hol = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert!(s.assessment_window.intervals(hol).unwrap().is_empty());
        assert_eq!(c.shop("other").unwrap().timezone, "Asia/Shanghai");
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(Config::parse("[defaults]\ntimezone = \"Mars/Base\"").is_err());
        assert!(Config::parse("[defaults.assessment_window]\nall = [\"23:00-08:00\"]").is_err());
        assert!(Config::parse("[defaults]\nthree_min_reading = \"sometimes\"").is_err());
        assert!(Config::parse("stray = 1").is_err());
    }

    #[test]
    fn set_then_round_trip() {
        let mut c = Config::default();
        c.set(
            Some("dy1"),
            "timezone",
            toml::Value::String("Asia/Tokyo".into()),
        )
        .unwrap();
        assert!(
            c.set(None, "timezone", toml::Value::String("Nowhere".into()))
                .is_err()
        );
        let back = Config::parse(&c.to_toml()).unwrap();
        assert_eq!(back.shop("dy1").unwrap().timezone, "Asia/Tokyo");
    }
}
