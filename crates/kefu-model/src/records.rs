//! Plain Rust records, one per stored row.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The tables of the store. Their names are the SQL table names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    Messages,
    Orders,
    Surveys,
    Reviews,
    Quarantine,
}

impl Table {
    /// The tables that hold source data (quarantine holds what could not be read).
    pub const DATA: [Table; 4] = [
        Table::Messages,
        Table::Orders,
        Table::Surveys,
        Table::Reviews,
    ];
    pub const ALL: [Table; 5] = [
        Table::Messages,
        Table::Orders,
        Table::Surveys,
        Table::Reviews,
        Table::Quarantine,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Messages => "messages",
            Table::Orders => "orders",
            Table::Surveys => "surveys",
            Table::Reviews => "reviews",
            Table::Quarantine => "quarantine",
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Table {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Table::ALL
            .into_iter()
            .find(|t| t.name() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!("unknown table '{s}' (expected messages, orders, surveys, reviews)")
            })
    }
}

/// Who wrote a message. Only `Agent` messages can stop a human clock (METRICS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sender {
    Customer,
    Agent,
    Bot,
    System,
}

impl Sender {
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Customer => "customer",
            Sender::Agent => "agent",
            Sender::Bot => "bot",
            Sender::System => "system",
        }
    }
}

impl FromStr for Sender {
    type Err = String;
    /// Accepts the canonical English names and the Chinese words platform exports use.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let v = s.trim();
        let lower = v.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "customer" | "buyer" | "user" | "client" | "end-user" | "end_user" | "requester"
            | "买家" | "顾客" | "客户" | "用户" | "访客" | "消费者" => {
                Sender::Customer
            }
            "agent" | "staff" | "seller" | "support" | "客服" | "人工" | "人工客服" | "卖家"
            | "商家" => Sender::Agent,
            "bot" | "robot" | "auto" | "autoreply" | "auto_reply" | "机器人" | "自动回复"
            | "智能客服" | "机器人客服" => Sender::Bot,
            "system" | "sys" | "系统" | "系统消息" => Sender::System,
            _ => return Err(format!("unknown sender value '{v}'")),
        })
    }
}

/// What a message is, beyond who sent it. Unknown kinds are kept as text so that
/// nothing a source says is lost; the known ones drive the metric rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Text,
    Image,
    Card,
    /// A greeting or welcome line: never stops a human clock.
    Greeting,
    /// An automatic reply sent in the agent's name: never stops a human clock.
    AutoReply,
    /// Handed to another agent or from bot to human.
    Transfer,
    Resolve,
    Reopen,
    Other(String),
}

impl MessageKind {
    pub fn parse(s: &str) -> MessageKind {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "text" | "文本" => MessageKind::Text,
            "image" | "picture" | "图片" => MessageKind::Image,
            "card" | "卡片" | "商品卡片" | "订单卡片" => MessageKind::Card,
            "greeting" | "welcome" | "欢迎语" => MessageKind::Greeting,
            "auto_reply" | "autoreply" | "auto-reply" | "自动回复" => MessageKind::AutoReply,
            "transfer" | "handoff" | "hand_off" | "转接" | "转人工" => MessageKind::Transfer,
            "resolve" | "resolved" | "close" | "closed" | "solved" | "结束" | "已解决" => {
                MessageKind::Resolve
            }
            "reopen" | "reopened" | "重新打开" => MessageKind::Reopen,
            other => MessageKind::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Image => "image",
            MessageKind::Card => "card",
            MessageKind::Greeting => "greeting",
            MessageKind::AutoReply => "auto_reply",
            MessageKind::Transfer => "transfer",
            MessageKind::Resolve => "resolve",
            MessageKind::Reopen => "reopen",
            MessageKind::Other(s) => s,
        }
    }
}

/// One chat, e-mail or comment message as stored in `messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRecord {
    /// The source's id, or a content hash when the source has none.
    pub message_id: String,
    /// The source's conversation id, or one formed by sessionisation (`s:` prefix).
    pub conversation_id: String,
    pub shop_id: String,
    pub platform: String,
    pub channel: String,
    pub ts: DateTime<Utc>,
    pub sender: Sender,
    pub agent_id: Option<String>,
    pub customer_id: Option<String>,
    /// Normalised text (width, whitespace); what analytics reads.
    pub text: String,
    /// The text exactly as the source had it.
    pub text_raw: String,
    pub kind: MessageKind,
    pub product_id: Option<String>,
    pub order_id: Option<String>,
    /// Shop-local calendar date of `ts`.
    pub local_date: NaiveDate,
    /// Text enrichment (filled by kefu-text at ingest when available).
    pub text_masked: Option<String>,
    pub categories: Vec<String>,
    pub sentiment: Option<f32>,
    pub urgent: Option<bool>,
    /// Customer chat spam (ads, contact swapping; kefu-text at ingest): left out of
    /// the facts and complaint counts unless the shop's `include_spam` is set.
    pub spam: Option<bool>,
    /// The customer's intent (咨询意图; kefu-text at ingest, customer messages).
    pub intent: Option<String>,
    /// Where the row came from: file name and 1-based data row.
    pub source_file: String,
    pub source_row: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRecord {
    pub order_id: String,
    pub shop_id: String,
    pub customer_id: Option<String>,
    pub product_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub amount: Option<f64>,
    pub status: Option<String>,
    pub local_date: NaiveDate,
    pub source_file: String,
    pub source_row: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyRecord {
    /// Content hash: surveys carry no id of their own.
    pub survey_id: String,
    pub shop_id: String,
    pub conversation_id: Option<String>,
    pub customer_id: Option<String>,
    pub agent_id: Option<String>,
    pub ts: DateTime<Utc>,
    /// The score as given on its own scale.
    pub score: f64,
    /// `5` (1–5 stars), `3` (满意/一般/不满意 mapped to 5/3/1 already) or `10` (0–10, NPS).
    pub scale: i32,
    /// overall, attitude, speed, resolution ...
    pub dimension: String,
    pub comment: Option<String>,
    pub local_date: NaiveDate,
    /// The comment with personal data masked (kefu-text at ingest).
    pub comment_masked: Option<String>,
    /// Complaint categories of the comment.
    pub categories: Vec<String>,
    /// Probability the comment is positive, in [0, 1].
    pub sentiment: Option<f32>,
    pub urgent: Option<bool>,
    pub spam: Option<bool>,
    pub source_file: String,
    pub source_row: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRecord {
    pub review_id: String,
    pub shop_id: String,
    pub product_id: Option<String>,
    pub customer_id: Option<String>,
    pub ts: DateTime<Utc>,
    pub rating: Option<f64>,
    pub text: String,
    pub text_raw: String,
    pub local_date: NaiveDate,
    pub sentiment: Option<f32>,
    pub spam: Option<bool>,
    /// The text with personal data masked (kefu-text at ingest).
    pub text_masked: Option<String>,
    /// Complaint categories of the review text.
    pub categories: Vec<String>,
    pub urgent: Option<bool>,
    pub source_file: String,
    pub source_row: u64,
}

/// A row that could not be read, kept with where it came from and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarantineRecord {
    pub ingest_id: String,
    pub ingested_at: DateTime<Utc>,
    pub source_file: String,
    /// 1-based data row (header excluded) or message index in a mailbox.
    pub source_row: u64,
    /// The table the row was meant for.
    pub table: String,
    pub reason: String,
    /// The row as read (lossily decoded when the encoding was broken).
    pub raw: String,
}
