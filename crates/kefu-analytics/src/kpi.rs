//! The KPI layer: METRICS.md's report numbers, aggregated from the fact tables with
//! DataFusion SQL (`conversation_facts`, `rounds`, `inquiries`, `survey_facts`).
//!
//! SQL does the counting; durations come back as values and their percentiles are
//! computed here, exactly (DataFusion's `percentile_cont` truncates its weight).
//! Every number of a breakdown row is computed by the same queries grouped by the
//! breakdown key, so the overall row and the breakdown rows always agree.

use crate::batch::{CONVERSATIONS_TABLE, FactTable, INQUIRIES_TABLE, ROUNDS_TABLE, SURVEYS_TABLE};
use crate::build::{THREE_MIN_SECS, WITHIN_T, is_overall};
use crate::facts::{ConversationFact, GroupFacts, InquiryFact, RoundFact, SurveyFact};
use crate::stats::{Summary, rate};
use arrow::array::{Array, Float64Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use chrono::NaiveDate;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use kefu_model::ShopConfig;
use kefu_model::config::{
    Cohort, ConversionEvent, ConversionWindow, CsatAttribution, RoundStart, ThreeMinReading,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum KpiError {
    #[error("query: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

pub type Result<T, E = KpiError> = std::result::Result<T, E>;

/// Registers fact rows as in-memory tables under the names the queries use (tests,
/// small data sets; the store registers its Delta tables under the same names).
pub fn register_facts(ctx: &SessionContext, f: &GroupFacts) -> Result<()> {
    fn reg<T: FactTable>(ctx: &SessionContext, rows: &[T]) -> Result<()> {
        let batch = T::to_batch(rows)?;
        let table = MemTable::try_new(T::schema(), vec![vec![batch]])?;
        ctx.deregister_table(T::TABLE)?;
        ctx.register_table(T::TABLE, Arc::new(table))?;
        Ok(())
    }
    reg::<ConversationFact>(ctx, &f.conversations)?;
    reg::<RoundFact>(ctx, &f.rounds)?;
    reg::<InquiryFact>(ctx, &f.inquiries)?;
    reg::<SurveyFact>(ctx, &f.surveys)?;
    Ok(())
}

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum T {
    Conv,
    /// Conversation rows, but credited to the FRT agent.
    Frt,
    Rounds,
    Inquiries,
    Surveys,
}

fn lit(s: &str) -> String {
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

    fn cohort(&self) -> Cohort {
        self.cohort.unwrap_or(Cohort::Start)
    }

    /// The date a fact belongs to: conversation start (Intercom, default), or the
    /// fact's own instant (Chatwoot "by event time").
    fn date_col(&self, t: T) -> &'static str {
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

    fn key(&self, t: T) -> String {
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
    fn src(&self, t: T) -> String {
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

    fn filter(&self, t: T) -> String {
        let mut w = vec!["TRUE".to_string()];
        let d = self.date_col(t);
        if let Some(f) = self.from {
            w.push(format!("{d} >= DATE {}", lit(&f.to_string())));
        }
        if let Some(to) = self.to {
            w.push(format!("{d} <= DATE {}", lit(&to.to_string())));
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

    fn response_col(&self) -> &'static str {
        match (self.readings.round_start, self.readings.business_hours) {
            (RoundStart::First, false) => "response_secs_first",
            (RoundStart::Last, false) => "response_secs_last",
            (RoundStart::First, true) => "business_secs_first",
            (RoundStart::Last, true) => "business_secs_last",
        }
    }

    fn frt_col(&self) -> &'static str {
        if self.readings.business_hours {
            "frt_business_secs"
        } else {
            "frt_secs"
        }
    }

    fn resolution_col(&self) -> &'static str {
        if self.readings.business_hours {
            "resolution_business_secs"
        } else {
            "resolution_secs"
        }
    }
}

/// Rows of a query: the first `keys` columns as text, the rest as numbers.
async fn rows(
    ctx: &SessionContext,
    sql: &str,
    keys: usize,
) -> Result<Vec<(Vec<String>, Vec<Option<f64>>)>> {
    let t = std::time::Instant::now();
    let batches: Vec<RecordBatch> = ctx.sql(sql).await?.collect().await?;
    tracing::debug!(secs = t.elapsed().as_secs_f64(), sql, "kpi query");
    let mut out = Vec::new();
    for b in batches {
        let mut text: Vec<StringArray> = Vec::new();
        let mut nums: Vec<Float64Array> = Vec::new();
        for (i, c) in b.columns().iter().enumerate() {
            if i < keys {
                let a = cast(c, &DataType::Utf8)?;
                text.push(
                    a.as_any()
                        .downcast_ref::<StringArray>()
                        .expect("utf8")
                        .clone(),
                );
            } else {
                let a = cast(c, &DataType::Float64)?;
                nums.push(
                    a.as_any()
                        .downcast_ref::<Float64Array>()
                        .expect("f64")
                        .clone(),
                );
            }
        }
        for r in 0..b.num_rows() {
            let k = text
                .iter()
                .map(|a| {
                    if a.is_null(r) {
                        "-".to_string()
                    } else {
                        a.value(r).to_string()
                    }
                })
                .collect();
            let v = nums
                .iter()
                .map(|a| (!a.is_null(r)).then(|| a.value(r)))
                .collect();
            out.push((k, v));
        }
    }
    Ok(out)
}

/// Values of one column per key (for exact percentiles).
/// Streams the batches and keeps only the numbers: millions of durations come back
/// for a big store, so no per-row allocation.
async fn values(ctx: &SessionContext, sql: &str) -> Result<BTreeMap<String, Vec<f64>>> {
    use futures::StreamExt;
    let t = std::time::Instant::now();
    let mut m: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut stream = ctx.sql(sql).await?.execute_stream().await?;
    while let Some(b) = stream.next().await {
        let b = b?;
        let keys = cast(b.column(0), &DataType::Utf8)?;
        let keys = keys.as_any().downcast_ref::<StringArray>().expect("utf8");
        let vals = cast(b.column(1), &DataType::Float64)?;
        let vals = vals.as_any().downcast_ref::<Float64Array>().expect("f64");
        for r in 0..b.num_rows() {
            if vals.is_null(r) {
                continue;
            }
            let k = if keys.is_null(r) { "-" } else { keys.value(r) };
            match m.get_mut(k) {
                Some(v) => v.push(vals.value(r)),
                None => {
                    m.insert(k.to_string(), vec![vals.value(r)]);
                }
            }
        }
    }
    tracing::debug!(secs = t.elapsed().as_secs_f64(), sql, "kpi values");
    Ok(m)
}

fn table_ok(ctx: &SessionContext, name: &str) -> bool {
    ctx.table_exist(name).unwrap_or(false)
}

fn n(v: Option<f64>) -> i64 {
    v.unwrap_or(0.0).round() as i64
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub tz: String,
    pub cohort: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    /// 咨询量: conversations started (cycle 0 rows).
    pub conversations: i64,
    /// 咨询人数: distinct shop × customer.
    pub customers: i64,
    pub customer_messages: i64,
    /// Human replies (greetings, auto-replies and bots excluded).
    pub agent_messages: i64,
    pub bot_messages: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoundCounts {
    pub human: i64,
    pub bot: i64,
    pub unanswered: i64,
}

/// Within-T rates: human rounds answered ≤ T / (human + unanswered rounds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Within {
    #[serde(rename = "30s")]
    pub s30: Option<f64>,
    #[serde(rename = "1m")]
    pub m1: Option<f64>,
    #[serde(rename = "3m")]
    pub m3: Option<f64>,
    #[serde(rename = "5m")]
    pub m5: Option<f64>,
    #[serde(rename = "10m")]
    pub m10: Option<f64>,
    #[serde(rename = "30m")]
    pub m30: Option<f64>,
    #[serde(rename = "1h")]
    pub h1: Option<f64>,
}

impl Within {
    fn from_rates(r: [Option<f64>; 7]) -> Within {
        Within {
            s30: r[0],
            m1: r[1],
            m3: r[2],
            m5: r[3],
            m10: r[4],
            m30: r[5],
            h1: r[6],
        }
    }
    pub fn rates(&self) -> [Option<f64>; 7] {
        [
            self.s30, self.m1, self.m3, self.m5, self.m10, self.m30, self.h1,
        ]
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub frt_secs: Summary,
    /// Cycles whose human clock started and that got no human reply.
    pub frt_unanswered: i64,
    pub response_secs: Summary,
    pub rounds: RoundCounts,
    pub within: Within,
    /// 3分钟人工回复率 in the configured reading (per round or per buyer).
    pub three_min_rate: Option<f64>,
    pub three_min_rounds: i64,
    pub three_min_buyers: i64,
    /// 人工不服务率.
    pub not_served_rate: Option<f64>,
    /// 答问比 = agent messages / customer messages.
    pub answer_ratio: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    pub resolved: i64,
    pub rate: Option<f64>,
    /// Resolutions inferred (no status events) and explicit.
    pub inferred: i64,
    pub explicit: i64,
    pub one_touch_rate: Option<f64>,
    /// Resolved conversations followed by a reopen or a repeat contact / resolved.
    pub reopen_rate: Option<f64>,
    pub time_secs: Summary,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DimensionScore {
    pub responses: i64,
    pub csat_pct: Option<f64>,
    pub dissatisfied_pct: Option<f64>,
    pub mean: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Satisfaction {
    /// Overall responses on the 1–5 and three-level scales.
    pub responses: i64,
    /// % rated 4–5.
    pub csat_pct: Option<f64>,
    /// 不满意率: % rated 1–2.
    pub dissatisfied_pct: Option<f64>,
    pub mean: Option<f64>,
    /// Responses / conversations (survey sends are unknown).
    pub response_rate: Option<f64>,
    /// Counts of overall ratings 1..5.
    pub distribution: BTreeMap<String, i64>,
    /// % of 9–10 − % of 0–6 over 0–10 responses.
    pub nps: Option<f64>,
    pub nps_responses: i64,
    pub by_dimension: BTreeMap<String, DimensionScore>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Conversion {
    /// 询单 units.
    pub inquiries: i64,
    /// 成单 units.
    pub converted: i64,
    pub rate: Option<f64>,
    /// 客单价 = amount of the orders credited / converted customers.
    pub avg_order_value: Option<f64>,
    pub order_amount: f64,
    pub converted_customers: i64,
}

/// The numbers of one report row (the whole period, or one breakdown key).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Body {
    pub volume: Volume,
    pub response: Response,
    pub resolution: Resolution,
    pub satisfaction: Satisfaction,
    pub conversion: Conversion,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BreakdownRow {
    pub key: String,
    #[serde(flatten)]
    pub body: Body,
}

/// The report: serialises to the JSON contract of issue 3.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub period: Period,
    #[serde(flatten)]
    pub body: Body,
    pub readings: Readings,
    /// `--by` dimension (absent without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<Breakdown>,
    pub breakdown: Vec<BreakdownRow>,
    /// Complaint categories, negative share, keywords, urgent messages and what
    /// survey comments are about (kefu-text columns written at ingest).
    #[serde(default)]
    pub complaints: crate::complaints::Complaints,
}

/// The report for a query: overall numbers and, with `q.by`, one row per key.
///
/// Every query of every section runs concurrently: each is a scan with a small
/// result, and on a laptop's few cores the gaps of one (planning, the final
/// single-threaded merge) are filled by the others.
pub async fn report(ctx: &SessionContext, q: &ReportQuery) -> Result<Report> {
    let overall = ReportQuery {
        by: None,
        ..q.clone()
    };
    let by = async {
        match q.by {
            None => Ok(BTreeMap::new()),
            Some(_) => bodies(ctx, q).await,
        }
    };
    let (mut all, breakdown, complaints) = futures::try_join!(
        bodies(ctx, &overall),
        by,
        crate::complaints::complaints(ctx, &overall)
    )?;
    Ok(Report {
        period: Period {
            from: q.from,
            to: q.to,
            tz: q.readings.timezone.clone(),
            cohort: match q.cohort() {
                Cohort::Start => "start".into(),
                Cohort::Event => "event".into(),
            },
        },
        body: all.remove("all").unwrap_or_default(),
        readings: q.readings.clone(),
        by: q.by,
        breakdown: breakdown
            .into_iter()
            .map(|(key, body)| BreakdownRow { key, body })
            .collect(),
        complaints,
    })
}

/// The report's breakdown rows alone (`q.by`; none without it): what the dashboard's
/// breakdown view asks, without the overall body and complaints a report adds.
pub async fn breakdown(ctx: &SessionContext, q: &ReportQuery) -> Result<Vec<BreakdownRow>> {
    if q.by.is_none() {
        return Ok(Vec::new());
    }
    Ok(bodies(ctx, q)
        .await?
        .into_iter()
        .map(|(key, body)| BreakdownRow { key, body })
        .collect())
}

/// Section bodies being filled by concurrent queries, keyed by breakdown key.
type Bodies = Mutex<BTreeMap<String, Body>>;

/// Applies `f` to the body of every row's key (one lock for the whole result).
fn fill<V>(out: &Bodies, rows: impl IntoIterator<Item = (String, V)>, f: impl Fn(&mut Body, V)) {
    let mut m = out.lock().unwrap_or_else(|e| e.into_inner());
    for (key, v) in rows {
        f(m.entry(key).or_default(), v);
    }
}

/// Rows whose single key column is taken out of its vector.
fn keyed(rows: Vec<(Vec<String>, Vec<Option<f64>>)>) -> Vec<(String, Vec<Option<f64>>)> {
    rows.into_iter()
        .map(|(mut key, v)| (key.swap_remove(0), v))
        .collect()
}

/// Every section, keyed by the query's breakdown key (`"all"` without one).
async fn bodies(ctx: &SessionContext, q: &ReportQuery) -> Result<BTreeMap<String, Body>> {
    let out: Bodies = Mutex::new(BTreeMap::new());
    futures::try_join!(
        conversation_sections(ctx, q, &out),
        round_sections(ctx, q, &out),
        satisfaction(ctx, q, &out),
        conversion(ctx, q, &out),
    )?;
    let mut out = out.into_inner().unwrap_or_else(|e| e.into_inner());
    for b in out.values_mut() {
        b.response.answer_ratio = rate_f(b.volume.agent_messages, b.volume.customer_messages);
        b.satisfaction.response_rate = rate(b.satisfaction.responses, b.volume.conversations);
    }
    Ok(out)
}

fn rate_f(num: i64, den: i64) -> Option<f64> {
    rate(num, den)
}

async fn conversation_sections(ctx: &SessionContext, q: &ReportQuery, out: &Bodies) -> Result<()> {
    if !table_ok(ctx, CONVERSATIONS_TABLE) {
        return Ok(());
    }
    let (k, w) = (q.key(T::Conv), q.filter(T::Conv));
    let src = q.src(T::Conv);
    let counts = async {
        let sql = format!(
            "SELECT {k} AS k,
               SUM(CASE WHEN cycle = 0 THEN 1 ELSE 0 END),
               SUM(customer_messages), SUM(agent_messages), SUM(bot_messages),
               SUM(CASE WHEN cycle = 0 AND window_customer THEN 1 ELSE 0 END),
               SUM(CASE WHEN cycle = 0 AND not_served THEN 1 ELSE 0 END),
               SUM(CASE WHEN cycle = 0 AND resolved THEN 1 ELSE 0 END),
               SUM(CASE WHEN cycle = 0 AND resolution_source = 'inferred' THEN 1 ELSE 0 END),
               SUM(CASE WHEN cycle = 0 AND one_touch THEN 1 ELSE 0 END),
               SUM(CASE WHEN cycle = 0 AND resolved AND (reopened OR repeat_contact) THEN 1 ELSE 0 END)
             FROM {src} WHERE {w} GROUP BY 1"
        );
        let r = keyed(rows(ctx, &sql, 1).await?);
        fill(out, r, |b, v| {
            let conversations = n(v[0]);
            b.volume.conversations = conversations;
            b.volume.customer_messages = n(v[1]);
            b.volume.agent_messages = n(v[2]);
            b.volume.bot_messages = n(v[3]);
            b.response.not_served_rate = rate(n(v[5]), n(v[4]));
            let resolved = n(v[6]);
            b.resolution.resolved = resolved;
            b.resolution.rate = rate(resolved, conversations);
            b.resolution.inferred = n(v[7]);
            b.resolution.explicit = resolved - n(v[7]);
            b.resolution.one_touch_rate = rate(n(v[8]), resolved);
            b.resolution.reopen_rate = rate(n(v[9]), resolved);
        });
        Ok::<_, KpiError>(())
    };
    // Distinct customers by grouping on the two columns: cheaper than COUNT(DISTINCT)
    // over a concatenated string.
    let customers = async {
        let sql = format!(
            "SELECT k, COUNT(*) FROM (
               SELECT {k} AS k, shop_id, customer FROM {src}
               WHERE {w} AND cycle = 0 AND customer IS NOT NULL GROUP BY 1, 2, 3) t
             GROUP BY k"
        );
        let r = keyed(rows(ctx, &sql, 1).await?);
        fill(out, r, |b, v| b.volume.customers = n(v[0]));
        Ok(())
    };
    let resolution = async {
        let rc = q.resolution_col();
        let sql = format!("SELECT {k}, {rc} FROM {src} WHERE {w} AND cycle = 0 AND resolved");
        let r = values(ctx, &sql).await?;
        fill(out, r, |b, v| b.resolution.time_secs = Summary::of(v));
        Ok(())
    };
    // FRT per cycle, credited to the agent who replied; outbound cycles carry no clock.
    let (fk, fw) = (q.key(T::Frt), q.filter(T::Frt));
    let fsrc = q.src(T::Frt);
    let frt = async {
        let fc = q.frt_col();
        let sql = format!("SELECT {fk}, {fc} FROM {fsrc} WHERE {fw} AND frt_answered");
        let r = values(ctx, &sql).await?;
        fill(out, r, |b, v| b.response.frt_secs = Summary::of(v));
        Ok(())
    };
    let unanswered = async {
        let sql = format!(
            "SELECT {fk}, COUNT(*) FROM {fsrc} WHERE {fw} AND frt_answered = false GROUP BY 1"
        );
        let r = keyed(rows(ctx, &sql, 1).await?);
        fill(out, r, |b, v| b.response.frt_unanswered = n(v[0]));
        Ok(())
    };
    futures::try_join!(counts, customers, resolution, frt, unanswered)?;
    Ok(())
}

async fn round_sections(ctx: &SessionContext, q: &ReportQuery, out: &Bodies) -> Result<()> {
    if !table_ok(ctx, ROUNDS_TABLE) {
        return Ok(());
    }
    let (k, w) = (q.key(T::Rounds), q.filter(T::Rounds));
    let src = q.src(T::Rounds);
    let col = q.response_col();
    // 3-minute rate: rounds starting inside the window that wait for a human.
    let ok = format!("kind = 'human' AND {col} <= {THREE_MIN_SECS}");
    let counts = async {
        let within: Vec<String> = WITHIN_T
            .iter()
            .map(|(_, t)| {
                format!("SUM(CASE WHEN kind = 'human' AND {col} <= {t} THEN 1 ELSE 0 END)")
            })
            .collect();
        let sql = format!(
            "SELECT {k},
               SUM(CASE WHEN kind = 'human' THEN 1 ELSE 0 END),
               SUM(CASE WHEN kind = 'bot' THEN 1 ELSE 0 END),
               SUM(CASE WHEN kind = 'unanswered' THEN 1 ELSE 0 END),
               SUM(CASE WHEN starts_in_window AND kind <> 'bot' THEN 1 ELSE 0 END),
               SUM(CASE WHEN starts_in_window AND {ok} THEN 1 ELSE 0 END),
               {}
             FROM {src} WHERE {w} GROUP BY 1",
            within.join(", ")
        );
        let r = keyed(rows(ctx, &sql, 1).await?);
        fill(out, r, |b, v| {
            let (human, bot, unanswered) = (n(v[0]), n(v[1]), n(v[2]));
            b.response.rounds = RoundCounts {
                human,
                bot,
                unanswered,
            };
            let mut r = [None; 7];
            for (i, slot) in r.iter_mut().enumerate() {
                *slot = rate(n(v[5 + i]), human + unanswered);
            }
            b.response.within = Within::from_rates(r);
            b.response.three_min_rounds = n(v[3]);
            if q.readings.three_min_reading == ThreeMinReading::PerRound {
                b.response.three_min_rate = rate(n(v[4]), n(v[3]));
            }
        });
        Ok::<_, KpiError>(())
    };
    let response = async {
        let sql = format!("SELECT {k}, {col} FROM {src} WHERE {w} AND kind = 'human'");
        let r = values(ctx, &sql).await?;
        fill(out, r, |b, v| b.response.response_secs = Summary::of(v));
        Ok(())
    };
    // Per buyer: (buyers − buyers with any in-window round late or unanswered) / buyers.
    let buyers = async {
        let sql = format!(
            "SELECT k, COUNT(*), SUM(ok) FROM (
               SELECT {k} AS k, shop_id, customer, MIN(CASE WHEN {ok} THEN 1 ELSE 0 END) AS ok
               FROM {src} WHERE {w} AND starts_in_window AND kind <> 'bot'
               GROUP BY 1, 2, 3) t GROUP BY k"
        );
        let r = keyed(rows(ctx, &sql, 1).await?);
        fill(out, r, |b, v| {
            b.response.three_min_buyers = n(v[0]);
            if q.readings.three_min_reading == ThreeMinReading::PerBuyer {
                b.response.three_min_rate = rate(n(v[1]), n(v[0]));
            }
        });
        Ok(())
    };
    futures::try_join!(counts, response, buyers)?;
    Ok(())
}

#[derive(Default)]
struct Tally {
    n: i64,
    sat: i64,
    dis: i64,
    sum: f64,
}

impl Tally {
    fn add(&mut self, score: f64, count: i64) {
        self.n += count;
        self.sum += score * count as f64;
        if score >= 4.0 {
            self.sat += count;
        }
        if score <= 2.0 {
            self.dis += count;
        }
    }
    fn pct(a: i64, b: i64) -> Option<f64> {
        rate(a, b).map(|r| r * 100.0)
    }
    fn score(&self) -> DimensionScore {
        DimensionScore {
            responses: self.n,
            csat_pct: Self::pct(self.sat, self.n),
            dissatisfied_pct: Self::pct(self.dis, self.n),
            mean: (self.n > 0).then(|| self.sum / self.n as f64),
        }
    }
}

async fn satisfaction(ctx: &SessionContext, q: &ReportQuery, out: &Bodies) -> Result<()> {
    if !table_ok(ctx, SURVEYS_TABLE) {
        return Ok(());
    }
    let (k, w) = (q.key(T::Surveys), q.filter(T::Surveys));
    let src = q.src(T::Surveys);
    let sql = format!(
        "SELECT {k}, dimension, scale, score, COUNT(*) FROM {src} WHERE {w} GROUP BY 1, 2, 3, 4"
    );
    let mut overall: BTreeMap<String, Tally> = BTreeMap::new();
    let mut dims: BTreeMap<String, BTreeMap<String, Tally>> = BTreeMap::new();
    let mut nps: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    let mut dist: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (key, v) in rows(ctx, &sql, 2).await? {
        let (scale, score, count) = (n(v[0]), v[1].unwrap_or(f64::NAN), n(v[2]));
        let (k, dim) = (key[0].clone(), key[1].clone());
        if scale == 10 {
            let e = nps.entry(k).or_default();
            e.0 += count;
            e.1 += count * (score >= 9.0) as i64;
            e.2 += count * (score <= 6.0) as i64;
            continue;
        }
        dims.entry(k.clone())
            .or_default()
            .entry(dim.clone())
            .or_default()
            .add(score, count);
        if is_overall(&dim) {
            overall.entry(k.clone()).or_default().add(score, count);
            *dist
                .entry(k)
                .or_default()
                .entry(format!("{score}"))
                .or_default() += count;
        }
    }
    let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
    for (k, t) in overall {
        let s = &mut out.entry(k).or_default().satisfaction;
        let d = t.score();
        s.responses = d.responses;
        s.csat_pct = d.csat_pct;
        s.dissatisfied_pct = d.dissatisfied_pct;
        s.mean = d.mean;
    }
    for (k, m) in dist {
        out.entry(k).or_default().satisfaction.distribution = m;
    }
    for (k, m) in dims {
        out.entry(k).or_default().satisfaction.by_dimension =
            m.into_iter().map(|(d, t)| (d, t.score())).collect();
    }
    for (k, (total, pro, det)) in nps {
        let s = &mut out.entry(k).or_default().satisfaction;
        s.nps_responses = total;
        s.nps = (total > 0).then(|| (pro - det) as f64 * 100.0 / total as f64);
    }
    Ok(())
}

async fn conversion(ctx: &SessionContext, q: &ReportQuery, out: &Bodies) -> Result<()> {
    if !table_ok(ctx, INQUIRIES_TABLE) {
        return Ok(());
    }
    let (k, w) = (q.key(T::Inquiries), q.filter(T::Inquiries));
    let src = q.src(T::Inquiries);
    let sql = format!(
        "SELECT {k},
           SUM(CASE WHEN inquiry THEN 1 ELSE 0 END),
           SUM(CASE WHEN converted THEN 1 ELSE 0 END),
           SUM(CASE WHEN converted THEN order_amount ELSE 0 END),
           COUNT(DISTINCT CASE WHEN converted THEN shop_id || '|' || customer END)
         FROM {src} WHERE {w} GROUP BY 1"
    );
    let r = keyed(rows(ctx, &sql, 1).await?);
    fill(out, r, |b, v| {
        let c = &mut b.conversion;
        c.inquiries = n(v[0]);
        c.converted = n(v[1]);
        c.rate = rate(c.converted, c.inquiries);
        c.order_amount = v[2].unwrap_or(0.0);
        c.converted_customers = n(v[3]);
        c.avg_order_value =
            (c.converted_customers > 0).then(|| c.order_amount / c.converted_customers as f64);
    });
    Ok(())
}

/// Time buckets of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Hour,
    Day,
    Week,
    Month,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// `2026-11-11 10`, `2026-11-11`, the Monday of the week, or `2026-11`.
    pub bucket: String,
    pub volume: Volume,
}

/// Volume per shop-local hour, day, ISO week (keyed by its Monday) or month.
pub async fn series(
    ctx: &SessionContext,
    q: &ReportQuery,
    grain: Grain,
) -> Result<Vec<SeriesPoint>> {
    let d = q.date_col(T::Conv);
    // Typed bucket keys (a date, an hour), made text only for the few result rows.
    let trunc = |unit: &str| format!("CAST(date_trunc('{unit}', CAST({d} AS TIMESTAMP)) AS DATE)");
    let (week, month) = (trunc("week"), trunc("month"));
    let keys: Vec<&str> = match grain {
        Grain::Hour => vec![d, "local_hour"],
        Grain::Day => vec![d],
        Grain::Week => vec![&week],
        Grain::Month => vec![&month],
    };
    let q2 = ReportQuery {
        by: None,
        ..q.clone()
    };
    let label = |k: &[String]| match (grain, k) {
        (Grain::Hour, [day, hour]) => format!("{day} {hour:0>2}"),
        (Grain::Month, [first_day]) => first_day.chars().take(7).collect(),
        _ => k.join(" "),
    };
    volume_grouped(ctx, &q2, &keys, label).await.map(|m| {
        m.into_iter()
            .map(|(bucket, volume)| SeriesPoint { bucket, volume })
            .collect()
    })
}

/// Volume per key. Distinct customers come from grouping by (key, shop, customer)
/// first: cheaper than `COUNT(DISTINCT)` over a concatenated string (as in the report).
async fn volume_grouped(
    ctx: &SessionContext,
    q: &ReportQuery,
    keys: &[&str],
    label: impl Fn(&[String]) -> String,
) -> Result<BTreeMap<String, Volume>> {
    let w = q.filter(T::Conv);
    let n_keys = keys.len();
    let select: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} AS k{i}"))
        .collect();
    let key_names: Vec<String> = (0..n_keys).map(|i| format!("k{i}")).collect();
    let inner_group: Vec<String> = (1..=n_keys + 2).map(|i| i.to_string()).collect();
    let outer_group: Vec<String> = (1..=n_keys).map(|i| i.to_string()).collect();
    let sql = format!(
        "SELECT {kn},
           SUM(convs), SUM(CASE WHEN convs > 0 AND customer IS NOT NULL THEN 1 ELSE 0 END),
           SUM(cm), SUM(am), SUM(bm)
         FROM (
           SELECT {sel}, shop_id, customer,
             SUM(CASE WHEN cycle = 0 THEN 1 ELSE 0 END) AS convs,
             SUM(customer_messages) AS cm, SUM(agent_messages) AS am,
             SUM(bot_messages) AS bm
           FROM {CONVERSATIONS_TABLE} WHERE {w} GROUP BY {ig}) t
         GROUP BY {og}",
        kn = key_names.join(", "),
        sel = select.join(", "),
        ig = inner_group.join(", "),
        og = outer_group.join(", "),
    );
    Ok(rows(ctx, &sql, n_keys)
        .await?
        .into_iter()
        .map(|(k, v)| {
            (
                label(&k),
                Volume {
                    conversations: n(v[0]),
                    customers: n(v[1]),
                    customer_messages: n(v[2]),
                    agent_messages: n(v[3]),
                    bot_messages: n(v[4]),
                },
            )
        })
        .collect())
}

/// Conversations started per shop-local weekday (row 0 = Monday) × hour (column).
pub async fn heatmap(ctx: &SessionContext, q: &ReportQuery) -> Result<Vec<Vec<i64>>> {
    let w = q.filter(T::Conv);
    let sql = format!(
        "SELECT weekday, local_hour, COUNT(*) FROM {CONVERSATIONS_TABLE} WHERE {w} AND cycle = 0 GROUP BY 1, 2"
    );
    let mut grid = vec![vec![0i64; 24]; 7];
    for (_, v) in rows(ctx, &sql, 0).await? {
        let (d, h) = (n(v[0]), n(v[1]));
        if (1..=7).contains(&d) && (0..24).contains(&h) {
            grid[(d - 1) as usize][h as usize] = n(v[2]);
        }
    }
    Ok(grid)
}

/// Volume by product (conversations naming it), channel, platform or shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VolumeBy {
    Product,
    Channel,
    Platform,
    Shop,
}

fn first(k: &[String]) -> String {
    k[0].clone()
}

pub async fn volume_by(
    ctx: &SessionContext,
    q: &ReportQuery,
    by: VolumeBy,
) -> Result<BTreeMap<String, Volume>> {
    match by {
        VolumeBy::Channel => volume_grouped(ctx, q, &["channel"], first).await,
        VolumeBy::Platform => volume_grouped(ctx, q, &["platform"], first).await,
        VolumeBy::Shop => volume_grouped(ctx, q, &["shop_id"], first).await,
        VolumeBy::Product => {
            // Split the product lists here: a conversation counts once per product.
            let per_list = volume_grouped(ctx, q, &["COALESCE(product_ids, '')"], first).await?;
            let mut out: BTreeMap<String, Volume> = BTreeMap::new();
            for (list, v) in per_list {
                for p in list.split(',').filter(|p| !p.is_empty()) {
                    let e = out.entry(p.to_string()).or_default();
                    e.conversations += v.conversations;
                    e.customers += v.customers;
                    e.customer_messages += v.customer_messages;
                    e.agent_messages += v.agent_messages;
                    e.bot_messages += v.bot_messages;
                }
            }
            Ok(out)
        }
    }
}

/// The columns of a drill-down list row (API `/conversations`, `kefu conversations`).
pub const CONVERSATION_ROW_COLUMNS: &str =
    "conversation_id, CAST(cycle AS BIGINT) AS cycle, shop_id, channel, platform, customer,
    CAST(start_ts AS VARCHAR) AS start, CAST(end_ts AS VARCHAR) AS \"end\", first_agent, last_agent,
    frt_secs, human_rounds AS rounds_human, unanswered_rounds AS rounds_unanswered, resolved,
    csat_score AS csat, converted, categories";

/// First response times in the METRICS.md buckets (≤30 s … 1 h, > 1 h, unanswered),
/// counts in bucket order.
pub async fn frt_distribution(ctx: &SessionContext, q: &ReportQuery) -> Result<Vec<(String, i64)>> {
    let (w, col) = (q.filter(T::Frt), q.frt_col());
    let mut cases = String::from("CASE WHEN frt_answered = false THEN 8");
    for (i, (_, t)) in WITHIN_T.iter().enumerate() {
        cases.push_str(&format!(" WHEN {col} <= {t} THEN {i}"));
    }
    cases.push_str(" ELSE 7 END");
    let sql = format!(
        "SELECT {cases}, COUNT(*) FROM {CONVERSATIONS_TABLE} WHERE {w} AND frt_answered IS NOT NULL GROUP BY 1"
    );
    let mut counts = [0i64; 9];
    for (_, v) in rows(ctx, &sql, 0).await? {
        let b = n(v[0]);
        if (0..9).contains(&b) {
            counts[b as usize] = n(v[1]);
        }
    }
    Ok(bucket_labels().into_iter().zip(counts).collect())
}

/// Labels of the response-time buckets, in order.
pub fn bucket_labels() -> Vec<String> {
    let mut labels: Vec<String> = WITHIN_T.iter().map(|(l, _)| format!("≤{l}")).collect();
    labels.push(">1h".into());
    labels.push("unanswered".into());
    labels
}

/// Bounds (exclusive low, inclusive high) of a bucket label; `None` for unanswered.
pub fn bucket_bounds(label: &str) -> Option<(f64, Option<f64>)> {
    let idx = bucket_labels().iter().position(|l| l == label)?;
    match idx {
        8 => None,
        7 => Some((WITHIN_T[6].1, None)),
        0 => Some((f64::NEG_INFINITY, Some(WITHIN_T[0].1))),
        i => Some((WITHIN_T[i - 1].1, Some(WITHIN_T[i].1))),
    }
}

/// Human-round response times in the METRICS.md buckets (≤30 s … 1 h, > 1 h,
/// unanswered), counts in bucket order.
pub async fn response_distribution(
    ctx: &SessionContext,
    q: &ReportQuery,
) -> Result<Vec<(String, i64)>> {
    let (w, col) = (q.filter(T::Rounds), q.response_col());
    let mut cases = String::from("CASE WHEN kind = 'unanswered' THEN 8");
    for (i, (_, t)) in WITHIN_T.iter().enumerate() {
        cases.push_str(&format!(" WHEN {col} <= {t} THEN {i}"));
    }
    cases.push_str(" ELSE 7 END");
    let sql = format!(
        "SELECT {cases}, COUNT(*) FROM {ROUNDS_TABLE} WHERE {w} AND kind <> 'bot' GROUP BY 1"
    );
    let mut counts = [0i64; 9];
    for (_, v) in rows(ctx, &sql, 0).await? {
        let b = n(v[0]);
        if (0..9).contains(&b) {
            counts[b as usize] = n(v[1]);
        }
    }
    let mut labels: Vec<String> = WITHIN_T.iter().map(|(l, _)| format!("≤{l}")).collect();
    labels.push(">1h".into());
    labels.push("unanswered".into());
    Ok(labels.into_iter().zip(counts).collect())
}
