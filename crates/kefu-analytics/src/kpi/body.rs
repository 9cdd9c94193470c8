//! The numbers of a report row, section by section: plain data, serialised as the
//! JSON contract of issue 3 and filled by [`sections`](super::sections).

use crate::stats::Summary;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    pub(super) fn from_rates(r: [Option<f64>; 7]) -> Within {
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
    /// Its base: conversations whose customer wrote inside the service window.
    #[serde(default)]
    pub not_served_base: i64,
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
    /// 0–10 responses of 9–10 and of 0–6 (the NPS comparison's multinomial counts).
    #[serde(default)]
    pub nps_promoters: i64,
    #[serde(default)]
    pub nps_detractors: i64,
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

/// How customers felt (METRICS.md conversation sentiment and complaint), and
/// whether a human reply calmed a negative customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SentimentSection {
    /// Conversations (first care cycle) with a read customer message.
    pub conversations: i64,
    /// Of those, the ones whose lowest customer sentiment is negative.
    pub negative: i64,
    pub negative_rate: Option<f64>,
    /// Whose final customer sentiment is negative: the customer left unhappy.
    pub ended_negative: i64,
    pub ended_negative_rate: Option<f64>,
    /// Complaint conversations (negative, or a primary category other than `other`),
    /// of all conversations in the period.
    pub complaints: i64,
    pub complaint_rate: Option<f64>,
    /// Human replies to a round with a negative customer message after which the
    /// customer wrote again; `calmed`: that next message was not negative.
    pub replies_to_negative: i64,
    pub calmed: i64,
    pub calmed_rate: Option<f64>,
    /// Mean sentiment of the customer's next message after a human reply.
    pub after_reply_mean: Option<f64>,
}

/// The numbers of one report row (the whole period, or one breakdown key).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Body {
    pub volume: Volume,
    pub response: Response,
    pub resolution: Resolution,
    pub satisfaction: Satisfaction,
    pub conversion: Conversion,
    #[serde(default)]
    pub sentiment: SentimentSection,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BreakdownRow {
    pub key: String,
    #[serde(flatten)]
    pub body: Body,
}
