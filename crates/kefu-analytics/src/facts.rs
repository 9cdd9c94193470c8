//! The fact rows built per group (one shop × one customer). Every duration is in
//! seconds (f64, microsecond precision) and, where METRICS.md asks, twice: calendar
//! and business (assessment-window) seconds.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// All facts of one group. Recomputing a group and replacing its rows (by
/// `group_key`) gives exactly the rows of a full rebuild.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupFacts {
    pub conversations: Vec<ConversationFact>,
    pub rounds: Vec<RoundFact>,
    pub inquiries: Vec<InquiryFact>,
    pub surveys: Vec<SurveyFact>,
}

impl GroupFacts {
    pub fn extend(&mut self, other: GroupFacts) {
        self.conversations.extend(other.conversations);
        self.rounds.extend(other.rounds);
        self.inquiries.extend(other.inquiries);
        self.surveys.extend(other.surveys);
    }
}

/// One row per conversation and care cycle (`cycle` 0, 1, … split at reopen events).
///
/// Fields marked *conversation-level* carry the same value on every cycle row of a
/// conversation; count conversations with `cycle = 0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationFact {
    pub shop_id: String,
    pub conversation_id: String,
    pub cycle: i32,
    /// Conversation-level: number of care cycles.
    pub cycles: i32,
    pub platform: String,
    pub channel: String,
    /// The group's customer: `customer_id`, or the conversation id when it is null.
    pub customer: String,
    pub customer_id: Option<String>,
    /// Conversation-level: first message of the conversation (the cohort instant).
    pub conv_start_ts: DateTime<Utc>,
    /// Shop-local date of `conv_start_ts` (cohort by start).
    pub conv_local_date: NaiveDate,
    /// First and last message of this cycle.
    pub start_ts: DateTime<Utc>,
    pub end_ts: DateTime<Utc>,
    /// Shop-local date, hour (0–23) and ISO weekday (Mon = 1) of `start_ts`.
    pub local_date: NaiveDate,
    pub local_hour: i32,
    pub weekday: i32,
    /// Agents who sent a human reply in this cycle, sorted, comma-separated.
    pub agents: Option<String>,
    pub first_agent: Option<String>,
    pub last_agent: Option<String>,
    /// Conversation-level: last human agent of the conversation (CSAT attribution).
    pub conv_last_agent: Option<String>,
    /// Agent wrote the first substantive message of the cycle: excluded from FRT.
    pub outbound: bool,
    /// Human clock start (bot-closed rounds skipped, transfer-to-human restarts).
    pub human_clock_ts: Option<DateTime<Utc>>,
    pub first_reply_ts: Option<DateTime<Utc>>,
    pub frt_secs: Option<f64>,
    pub frt_business_secs: Option<f64>,
    pub frt_agent: Option<String>,
    /// `Some(true)` answered, `Some(false)` unanswered (clock started, no human reply),
    /// `None` when FRT does not apply (outbound, or no human phase at all).
    pub frt_answered: Option<bool>,
    pub human_rounds: i64,
    pub bot_rounds: i64,
    pub unanswered_rounds: i64,
    /// Human and unanswered rounds that started inside the assessment window.
    pub window_rounds: i64,
    /// Of those, human rounds answered ≤ 180 s (per-round 3-minute reading).
    pub three_min_rounds: i64,
    /// Per-buyer reading: every in-window round of this cycle answered ≤ 180 s
    /// (`None` when the cycle has no in-window round).
    pub three_min_buyer_ok: Option<bool>,
    /// Conversation-level: a customer message inside the assessment window.
    pub window_customer: bool,
    /// Conversation-level 人工不服务: `window_customer` and no human reply at all.
    pub not_served: bool,
    /// Transfer events in this cycle, and changes of replying agent.
    pub transfers: i64,
    pub agent_switches: i64,
    /// Conversation-level resolution.
    pub resolved: bool,
    /// "explicit" or "inferred" (None when not resolved).
    pub resolution_source: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// First resolution − conversation start.
    pub resolution_secs: Option<f64>,
    pub resolution_business_secs: Option<f64>,
    /// Final resolution − conversation start (Zendesk full resolution).
    pub full_resolution_secs: Option<f64>,
    pub reopened: bool,
    pub repeat_contact: bool,
    pub one_touch: bool,
    /// This cycle: its first resolution and resolve − cycle start.
    pub cycle_resolved_at: Option<DateTime<Utc>>,
    pub cycle_resolution_secs: Option<f64>,
    /// Conversation-level CSAT summary (detail in the survey facts).
    pub surveys: i64,
    pub csat_score: Option<f64>,
    pub nps_score: Option<f64>,
    /// Conversation-level: a 询单 unit of this conversation's days, and converted.
    pub inquiry: bool,
    pub converted: bool,
    pub product_ids: Option<String>,
    /// Complaint categories of the customer messages (sorted, comma-separated).
    pub categories: Option<String>,
    /// Conversation-level primary category (METRICS.md): the most frequent
    /// non-`other` label of its customer messages (ties: the earliest); `other`
    /// only when nothing else applies; None without labelled messages.
    pub primary_category: Option<String>,
    /// Conversation-level complaint (METRICS.md): a negative customer message or a
    /// primary category other than `other`.
    pub complaint: bool,
    /// Lowest and last customer sentiment of this cycle, and of the whole
    /// conversation (METRICS.md conversation sentiment; below 0.4 is negative).
    pub min_sentiment: Option<f64>,
    pub final_sentiment: Option<f64>,
    pub conv_min_sentiment: Option<f64>,
    pub conv_final_sentiment: Option<f64>,
    /// Every customer who sent a message in this cycle (sorted, comma-separated;
    /// `customer_id`, or the conversation id when it is null): a thread that a second
    /// customer joins lists both, and 咨询人数 counts them all (METRICS.md).
    pub customer_senders: Option<String>,
    pub customer_messages: i64,
    /// Human replies only (METRICS.md human reply).
    pub agent_messages: i64,
    pub bot_messages: i64,
    /// Agent greetings and auto-replies.
    pub auto_messages: i64,
    pub system_messages: i64,
}

/// One row per round (轮次).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundFact {
    pub shop_id: String,
    pub conversation_id: String,
    pub cycle: i32,
    pub round: i32,
    pub platform: String,
    pub channel: String,
    pub customer: String,
    pub conv_start_ts: DateTime<Utc>,
    pub conv_local_date: NaiveDate,
    /// First and last customer message of the round.
    pub start_ts: DateTime<Utc>,
    pub last_customer_ts: DateTime<Utc>,
    pub local_date: NaiveDate,
    pub local_hour: i32,
    /// "human", "bot" or "unanswered".
    pub kind: String,
    pub reply_ts: Option<DateTime<Utc>>,
    /// The replying agent; for an unanswered round the agent serving the cycle then.
    pub agent_id: Option<String>,
    pub customer_messages: i64,
    /// The shop's reading (round_start, business_hours) of the response time.
    pub response_secs: Option<f64>,
    pub response_secs_first: Option<f64>,
    pub response_secs_last: Option<f64>,
    pub business_secs_first: Option<f64>,
    pub business_secs_last: Option<f64>,
    /// Within-T on `response_secs`: human rounds true/false, unanswered false
    /// (failures, never dropped), bot rounds None.
    pub within_30s: Option<bool>,
    pub within_1m: Option<bool>,
    pub within_3m: Option<bool>,
    pub within_5m: Option<bool>,
    pub within_10m: Option<bool>,
    pub within_30m: Option<bool>,
    pub within_1h: Option<bool>,
    pub starts_in_window: bool,
    /// 3-minute flag: only for human/unanswered rounds starting in the window.
    pub three_min_ok: Option<bool>,
    /// The conversation's complaint categories (for breakdowns without a join).
    pub categories: Option<String>,
    /// Lowest sentiment of the round's customer messages.
    pub customer_sentiment: Option<f64>,
    /// Human rounds: sentiment of the customer's next message after the reply
    /// (the next round's first), None when the customer wrote nothing more — did
    /// the customer calm down?
    pub next_sentiment: Option<f64>,
}

/// One row per 询单 unit: customer × shop × consultation day (shop time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InquiryFact {
    pub shop_id: String,
    pub customer: String,
    pub customer_id: Option<String>,
    pub local_date: NaiveDate,
    pub platform: String,
    pub channel: String,
    /// First customer message of the day, and its shop-local hour.
    pub first_ts: DateTime<Utc>,
    pub local_hour: i32,
    pub conversations: i64,
    /// A paid order in the lookback before the consultation.
    pub after_sales: bool,
    /// 询单: not after-sales, or converted.
    pub inquiry: bool,
    /// 成单: a qualifying order (or payment) in the window.
    pub converted: bool,
    pub converted_at: Option<DateTime<Utc>>,
    /// Orders credited to this unit (each order to the latest unit before it).
    pub order_ids: Option<String>,
    pub orders: i64,
    pub order_amount: f64,
    /// Last human agent before the order (converted) or of the day (otherwise).
    pub agent_id: Option<String>,
}

/// One row per survey response and credited agent (one row per response with
/// `last_agent` attribution; one per participating agent with `all_agents`).
/// `is_primary` marks exactly one row per response: count responses on those.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyFact {
    pub shop_id: String,
    pub survey_id: String,
    pub agent_id: Option<String>,
    pub is_primary: bool,
    pub conversation_id: Option<String>,
    pub customer: String,
    pub platform: Option<String>,
    pub channel: Option<String>,
    pub ts: DateTime<Utc>,
    /// Shop-local date and hour of the response.
    pub local_date: NaiveDate,
    pub local_hour: i32,
    /// Cohort date: the matched conversation's start date, else the survey's date.
    pub conv_local_date: NaiveDate,
    pub dimension: String,
    pub scale: i32,
    pub score: f64,
    /// Scales 5 and 3: rated 4–5; rated 1–2. Scale 10: promoter 9–10; detractor 0–6.
    pub satisfied: Option<bool>,
    pub dissatisfied: Option<bool>,
    pub promoter: Option<bool>,
    pub detractor: Option<bool>,
    /// The matched conversation's complaint categories.
    pub categories: Option<String>,
}
