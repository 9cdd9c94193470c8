//! What a report asks, shared by the KPI queries and the complaints: the filters and
//! readings of a query ([`ReportQuery`], [`Readings`], [`Breakdown`]), the SQL they
//! turn into (WHERE clauses, breakdown keys, the relation and columns a section reads)
//! and the error both return. Kept apart from [`kpi`](crate::kpi) so the complaints
//! need not import the KPI sections, nor those the complaints.

use crate::fact_batches::{CONVERSATIONS_TABLE, INQUIRIES_TABLE, ROUNDS_TABLE, SURVEYS_TABLE};
use chrono::NaiveDate;
use kefu_model::ShopConfig;
use kefu_model::config::{
    Cohort, ConversionEvent, ConversionWindow, CsatAttribution, RoundStart, ThreeMinReading,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum KpiError {
    #[error("query: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// A request the analysis cannot answer (an argument out of its domain).
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = KpiError> = std::result::Result<T, E>;

/// The configuration readings a report uses; printed in every report (METRICS.md:
/// "the UI and reports say which reading they use").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Readings {
    pub timezone: String,
    pub business_hours: bool,
    pub round_start: RoundStart,
    pub three_min_reading: ThreeMinReading,
    pub csat_attribution: CsatAttribution,
    pub conversion_window: ConversionWindow,
    pub conversion_event: ConversionEvent,
    pub session_gap_secs: i64,
    pub repeat_window_secs: i64,
    pub after_sales_lookback_days: i64,
    pub assessment_window: kefu_model::config::AssessmentWindow,
    /// How resolution was decided (METRICS.md Resolved).
    pub resolution: String,
    /// Customer chat spam counted (false: left out of facts and complaints).
    #[serde(default)]
    pub include_spam: bool,
}

impl From<&ShopConfig> for Readings {
    fn from(c: &ShopConfig) -> Readings {
        Readings {
            timezone: c.timezone.clone(),
            business_hours: c.business_hours,
            round_start: c.round_start,
            three_min_reading: c.three_min_reading,
            csat_attribution: c.csat_attribution,
            conversion_window: c.conversion_window,
            conversion_event: c.conversion_event,
            session_gap_secs: c.session_gap_secs,
            repeat_window_secs: c.repeat_window_secs,
            after_sales_lookback_days: c.after_sales_lookback_days,
            assessment_window: c.assessment_window.clone(),
            resolution: "explicit resolve events where the conversation has status events, \
                         else inferred (last round answered, no contact within repeat_window)"
                .into(),
            include_spam: c.include_spam,
        }
    }
}

impl Default for Readings {
    fn default() -> Self {
        Readings::from(&ShopConfig::default())
    }
}

/// What `--by` splits a report into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Breakdown {
    Agent,
    Shop,
    Day,
    Hour,
    Channel,
    Platform,
    /// ISO week, keyed by its Monday.
    Week,
    /// `YYYY-MM`.
    Month,
    /// Shop-local date and hour, `2026-11-11 10`.
    DateHour,
    /// Complaint category: a conversation counts once under each of its categories.
    Category,
    /// Product: a conversation counts once under each product it names.
    Product,
}

impl std::str::FromStr for Breakdown {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "agent" => Breakdown::Agent,
            "shop" => Breakdown::Shop,
            "day" | "date" => Breakdown::Day,
            "hour" => Breakdown::Hour,
            "channel" => Breakdown::Channel,
            "platform" => Breakdown::Platform,
            "week" => Breakdown::Week,
            "month" => Breakdown::Month,
            "date_hour" => Breakdown::DateHour,
            "category" => Breakdown::Category,
            "product" => Breakdown::Product,
            o => {
                return Err(format!(
                    "unknown breakdown '{o}' (agent, shop, day, hour, channel, platform, week, month, date_hour, category, product)"
                ));
            }
        })
    }
}

/// Filters and readings of a report. Dates are shop-local and inclusive.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub shop: Option<String>,
    pub channel: Option<String>,
    pub agent: Option<String>,
    /// Complaint category (conversations whose customer messages carry it).
    #[serde(default)]
    pub category: Option<String>,
    /// `None` = the readings' default (start).
    pub cohort: Option<Cohort>,
    pub by: Option<Breakdown>,
    pub readings: Readings,
    /// Which days of the period count (a campaign's baseline: its weekdays, every
    /// campaign day left out); empty = every day.
    #[serde(default)]
    pub days: DaySet,
    /// Every shop but this one (the control group of a difference-in-differences).
    #[serde(default)]
    pub not_shop: Option<String>,
    /// Every channel but this one.
    #[serde(default)]
    pub not_channel: Option<String>,
}

/// A subset of a period's days.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DaySet {
    /// Days of the week kept (0 = Sunday … 6 = Saturday); empty = all.
    pub weekdays: Vec<u32>,
    /// Days left out.
    pub except: Vec<NaiveDate>,
}

impl DaySet {
    /// Whether `d` counts.
    pub fn contains(&self, d: NaiveDate) -> bool {
        use chrono::Datelike;
        (self.weekdays.is_empty() || self.weekdays.contains(&d.weekday().num_days_from_sunday()))
            && !self.except.contains(&d)
    }

    /// The SQL predicate over the date column `col` (`TRUE` for every day).
    pub fn predicate(&self, col: &str) -> String {
        let mut w = Vec::new();
        if !self.weekdays.is_empty() {
            let days: Vec<String> = self.weekdays.iter().map(u32::to_string).collect();
            w.push(format!(
                "CAST(date_part('dow', {col}) AS INT) IN ({})",
                days.join(", ")
            ));
        }
        if !self.except.is_empty() {
            let days: Vec<String> = self
                .except
                .iter()
                .map(|d| format!("DATE {}", lit(&d.to_string())))
                .collect();
            w.push(format!("{col} NOT IN ({})", days.join(", ")));
        }
        if w.is_empty() {
            "TRUE".into()
        } else {
            w.join(" AND ")
        }
    }
}

/// Which fact table (and, for conversations, which agent credit) a section reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum T {
    Conv,
    /// Conversation rows, but credited to the FRT agent.
    Frt,
    Rounds,
    Inquiries,
    Surveys,
}

/// A SQL string literal.
pub(crate) fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl ReportQuery {
    /// The WHERE clause selecting this query's conversation rows (drill-down lists
    /// use exactly the report's filters).
    pub fn conversation_filter(&self) -> String {
        self.filter(T::Conv)
    }

    /// The WHERE clause selecting this query's human and unanswered rounds.
    pub fn round_filter(&self) -> String {
        self.filter(T::Rounds)
    }

    /// The response-time column of the configured reading.
    pub fn response_column(&self) -> &'static str {
        self.response_col()
    }

    /// The FRT column of the configured reading.
    pub fn frt_column(&self) -> &'static str {
        self.frt_col()
    }

    pub(crate) fn cohort(&self) -> Cohort {
        self.cohort.unwrap_or(Cohort::Start)
    }

    /// The date a fact belongs to: conversation start (Intercom, default), or the
    /// fact's own instant (Chatwoot "by event time").
    pub(crate) fn date_col(&self, t: T) -> &'static str {
        match (t, self.cohort()) {
            (T::Inquiries, _) => "local_date",
            (_, Cohort::Start) => "conv_local_date",
            (_, Cohort::Event) => "local_date",
        }
    }

    /// The agent a fact is credited to.
    fn agent_col(t: T) -> &'static str {
        match t {
            T::Conv => "conv_last_agent",
            T::Frt => "frt_agent",
            _ => "agent_id",
        }
    }

    pub(crate) fn key(&self, t: T) -> String {
        match self.by {
            None => "'all'".into(),
            Some(Breakdown::Agent) => format!("COALESCE({}, '-')", Self::agent_col(t)),
            Some(Breakdown::Shop) => "shop_id".into(),
            Some(Breakdown::Channel) => "COALESCE(channel, '-')".into(),
            Some(Breakdown::Platform) => "COALESCE(platform, '-')".into(),
            Some(Breakdown::Day) => format!("CAST({} AS VARCHAR)", self.date_col(t)),
            Some(Breakdown::Hour) => "lpad(CAST(local_hour AS VARCHAR), 2, '0')".into(),
            Some(Breakdown::Week) => format!(
                "CAST(CAST(date_trunc('week', CAST({} AS TIMESTAMP)) AS DATE) AS VARCHAR)",
                self.date_col(t)
            ),
            Some(Breakdown::Month) => {
                format!("substr(CAST({} AS VARCHAR), 1, 7)", self.date_col(t))
            }
            Some(Breakdown::DateHour) => format!(
                "CAST({} AS VARCHAR) || ' ' || lpad(CAST(local_hour AS VARCHAR), 2, '0')",
                self.date_col(t)
            ),
            Some(Breakdown::Category | Breakdown::Product) => "kefu_k".into(),
        }
    }

    /// The relation a section reads: the fact table, or for the multi-valued
    /// breakdowns (category, product) the table with one row per value in `kefu_k`.
    pub(crate) fn src(&self, t: T) -> String {
        let table = match t {
            T::Conv | T::Frt => CONVERSATIONS_TABLE,
            T::Rounds => ROUNDS_TABLE,
            T::Inquiries => INQUIRIES_TABLE,
            T::Surveys => SURVEYS_TABLE,
        };
        let split = |col: &str| format!("unnest(string_to_array(COALESCE({col}, '-'), ','))");
        match (self.by, t) {
            // 询单 units are per customer-day, not per conversation: no category or product.
            (Some(Breakdown::Category | Breakdown::Product), T::Inquiries) => {
                format!("(SELECT *, '-' AS kefu_k FROM {table})")
            }
            (Some(Breakdown::Category), _) => {
                format!("(SELECT *, {} AS kefu_k FROM {table})", split("categories"))
            }
            (Some(Breakdown::Product), T::Conv | T::Frt) => {
                format!("(SELECT *, {} AS kefu_k FROM {table})", split("product_ids"))
            }
            (Some(Breakdown::Product), T::Rounds) => format!(
                "(SELECT r.*, {} AS kefu_k FROM {ROUNDS_TABLE} r JOIN {CONVERSATIONS_TABLE} c
                   ON r.shop_id = c.shop_id AND r.conversation_id = c.conversation_id AND r.cycle = c.cycle)",
                split("c.product_ids")
            ),
            (Some(Breakdown::Product), T::Surveys) => format!(
                "(SELECT s.*, {} AS kefu_k FROM {SURVEYS_TABLE} s LEFT JOIN {CONVERSATIONS_TABLE} c
                   ON s.shop_id = c.shop_id AND s.conversation_id = c.conversation_id AND c.cycle = 0)",
                split("c.product_ids")
            ),
            _ => table.to_string(),
        }
    }

    pub(crate) fn filter(&self, t: T) -> String {
        let mut w = vec!["TRUE".to_string()];
        let d = self.date_col(t);
        if let Some(f) = self.from {
            w.push(format!("{d} >= DATE {}", lit(&f.to_string())));
        }
        if let Some(to) = self.to {
            w.push(format!("{d} <= DATE {}", lit(&to.to_string())));
        }
        if self.days != DaySet::default() {
            w.push(self.days.predicate(d));
        }
        if let Some(s) = &self.not_shop {
            w.push(format!("shop_id <> {}", lit(s)));
        }
        if let Some(c) = &self.not_channel {
            w.push(format!("channel <> {}", lit(c)));
        }
        if let Some(s) = &self.shop {
            w.push(format!("shop_id = {}", lit(s)));
        }
        if let Some(c) = &self.channel {
            w.push(format!("channel = {}", lit(c)));
        }
        if let Some(a) = &self.agent {
            w.push(format!("{} = {}", Self::agent_col(t), lit(a)));
        }
        if let Some(c) = &self.category {
            let has = format!(
                "(',' || COALESCE(categories, '') || ',') LIKE {}",
                lit(&format!("%,{c},%"))
            );
            w.push(match t {
                // A 询单 unit counts when the customer had such a conversation that day.
                T::Inquiries => format!(
                    "shop_id || '|' || customer || '|' || CAST(local_date AS VARCHAR) IN \
                     (SELECT shop_id || '|' || customer || '|' || CAST(conv_local_date AS VARCHAR) \
                      FROM {CONVERSATIONS_TABLE} WHERE {has})"
                ),
                _ => has,
            });
        }
        // Survey responses are counted once unless they are credited per agent.
        if t == T::Surveys && self.agent.is_none() && self.by != Some(Breakdown::Agent) {
            w.push("is_primary".into());
        }
        w.join(" AND ")
    }

    pub(crate) fn response_col(&self) -> &'static str {
        match (self.readings.round_start, self.readings.business_hours) {
            (RoundStart::First, false) => "response_secs_first",
            (RoundStart::Last, false) => "response_secs_last",
            (RoundStart::First, true) => "business_secs_first",
            (RoundStart::Last, true) => "business_secs_last",
        }
    }

    pub(crate) fn frt_col(&self) -> &'static str {
        if self.readings.business_hours {
            "frt_business_secs"
        } else {
            "frt_secs"
        }
    }

    pub(crate) fn resolution_col(&self) -> &'static str {
        if self.readings.business_hours {
            "resolution_business_secs"
        } else {
            "resolution_secs"
        }
    }
}

/// Every customer who sent a message in a conversation-fact row, one per output row
/// (`unnest`): `customer_senders`, or the row's customer where facts predate it.
pub(crate) const CUSTOMER_SENDERS: &str =
    "unnest(string_to_array(COALESCE(customer_senders, customer), ','))";
