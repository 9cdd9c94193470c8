//! Hand-made data: times are written in Asia/Shanghai local time (the default shop
//! timezone), so the arithmetic in each test's comment reads like the shop's clock.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use kefu_analytics::{GroupFacts, build_group};
use kefu_model::{MessageKind, MessageRecord, OrderRecord, Sender, ShopConfig, SurveyRecord};
use std::sync::atomic::{AtomicUsize, Ordering};

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// `"2026-11-11 10:00:05"` in Shanghai time, as a UTC instant.
pub fn at(local: &str) -> DateTime<Utc> {
    let n = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S").expect("time");
    Shanghai
        .from_local_datetime(&n)
        .unwrap()
        .with_timezone(&Utc)
}

pub fn msg(
    conv: &str,
    customer: Option<&str>,
    local: &str,
    sender: Sender,
    agent: Option<&str>,
    kind: &str,
) -> MessageRecord {
    let ts = at(local);
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    MessageRecord {
        message_id: format!("{conv}-{local}-{}-{n}", sender.as_str()),
        conversation_id: conv.to_string(),
        shop_id: "s1".to_string(),
        platform: "taobao".to_string(),
        channel: "chat".to_string(),
        ts,
        sender,
        agent_id: agent.map(str::to_string),
        customer_id: customer.map(str::to_string),
        text: String::new(),
        text_raw: String::new(),
        kind: MessageKind::parse(kind),
        product_id: None,
        order_id: None,
        local_date: ts.with_timezone(&Shanghai).date_naive(),
        text_masked: None,
        categories: Vec::new(),
        sentiment: None,
        urgent: None,
        spam: None,
        intent: None,
        source_file: "golden".to_string(),
        source_row: n as u64,
    }
}

/// A conversation being written: `c` customer, `a` human agent, `b` bot, ...
pub struct Conv {
    pub id: String,
    pub customer: Option<String>,
    pub msgs: Vec<MessageRecord>,
}

impl Conv {
    pub fn new(id: &str, customer: &str) -> Conv {
        Conv {
            id: id.to_string(),
            customer: Some(customer.to_string()),
            msgs: Vec::new(),
        }
    }
    fn push(mut self, local: &str, s: Sender, agent: Option<&str>, kind: &str) -> Conv {
        let m = msg(&self.id, self.customer.as_deref(), local, s, agent, kind);
        self.msgs.push(m);
        self
    }
    pub fn c(self, local: &str) -> Conv {
        self.push(local, Sender::Customer, None, "text")
    }
    pub fn a(self, local: &str, agent: &str) -> Conv {
        self.push(local, Sender::Agent, Some(agent), "text")
    }
    pub fn b(self, local: &str) -> Conv {
        self.push(local, Sender::Bot, None, "text")
    }
    pub fn greet(self, local: &str, agent: &str) -> Conv {
        self.push(local, Sender::Agent, Some(agent), "greeting")
    }
    pub fn auto(self, local: &str, agent: &str) -> Conv {
        self.push(local, Sender::Agent, Some(agent), "auto_reply")
    }
    /// Any sender and kind.
    pub fn push_kind(self, local: &str, s: Sender, kind: &str) -> Conv {
        self.push(local, s, None, kind)
    }
    /// A status event (`transfer`, `resolve`, `reopen`) sent by `s`.
    pub fn ev(self, local: &str, s: Sender, kind: &str) -> Conv {
        self.push(local, s, None, kind)
    }
    /// Text reading of the last message: sentiment score and categories.
    pub fn read(mut self, sentiment: f32, categories: &[&str]) -> Conv {
        if let Some(m) = self.msgs.last_mut() {
            m.sentiment = Some(sentiment);
            m.categories = categories.iter().map(|c| c.to_string()).collect();
        }
        self
    }
    pub fn product(mut self, p: &str) -> Conv {
        if let Some(m) = self.msgs.last_mut() {
            m.product_id = Some(p.to_string());
        }
        self
    }
}

pub fn all(convs: Vec<Conv>) -> Vec<MessageRecord> {
    convs.into_iter().flat_map(|c| c.msgs).collect()
}

pub fn build(msgs: &[MessageRecord], cfg: &ShopConfig) -> GroupFacts {
    build_group(msgs, &[], &[], cfg).expect("build")
}

pub fn order(
    id: &str,
    customer: &str,
    created: &str,
    paid: Option<&str>,
    amount: f64,
) -> OrderRecord {
    let c = at(created);
    OrderRecord {
        order_id: id.to_string(),
        shop_id: "s1".to_string(),
        customer_id: Some(customer.to_string()),
        product_id: None,
        created_at: c,
        paid_at: paid.map(at),
        amount: Some(amount),
        status: None,
        local_date: c.with_timezone(&Shanghai).date_naive(),
        source_file: "golden".to_string(),
        source_row: 0,
    }
}

pub fn survey(
    id: &str,
    conv: Option<&str>,
    customer: &str,
    local: &str,
    score: f64,
    scale: i32,
    dimension: &str,
) -> SurveyRecord {
    let ts = at(local);
    SurveyRecord {
        survey_id: id.to_string(),
        shop_id: "s1".to_string(),
        conversation_id: conv.map(str::to_string),
        customer_id: Some(customer.to_string()),
        agent_id: None,
        ts,
        score,
        scale,
        dimension: dimension.to_string(),
        comment: None,
        local_date: ts.with_timezone(&Shanghai).date_naive(),
        comment_masked: None,
        categories: Vec::new(),
        sentiment: None,
        urgent: None,
        spam: None,
        source_file: "golden".to_string(),
        source_row: 0,
    }
}

pub fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[track_caller]
pub fn assert_secs(a: Option<f64>, b: f64) {
    assert!(close(a, b), "expected {b} s, got {a:?}");
}
