//! Conversations for sources without a conversation id (METRICS.md): one customer's
//! messages with one shop, split where the gap between consecutive messages is at
//! least `session_gap`.

use kefu_model::MessageRecord;
use std::collections::HashMap;

/// Collects id-less messages and assigns conversation ids when the file is read.
pub struct Sessioniser {
    gap_micros: i64,
    pending: HashMap<(String, String), Vec<MessageRecord>>,
}

impl Sessioniser {
    pub fn new(session_gap_secs: i64) -> Self {
        Sessioniser {
            gap_micros: session_gap_secs * 1_000_000,
            pending: HashMap::new(),
        }
    }

    pub fn push(&mut self, m: MessageRecord) {
        let key = (m.shop_id.clone(), m.customer_id.clone().unwrap_or_default());
        self.pending.entry(key).or_default().push(m);
    }

    /// Assigns ids and returns every message, in a deterministic order (by shop,
    /// customer, time). The id names the customer and the first message's instant,
    /// so the same messages get the same id in any later ingest.
    pub fn drain(&mut self) -> Vec<MessageRecord> {
        let mut groups: Vec<_> = self.pending.drain().collect();
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = Vec::new();
        for ((_, customer), mut msgs) in groups {
            msgs.sort_by(|a, b| a.ts.cmp(&b.ts).then(a.source_row.cmp(&b.source_row)));
            let mut current = String::new();
            let mut last: Option<i64> = None;
            for mut m in msgs {
                let t = m.ts.timestamp_micros();
                if last.is_none_or(|l| t - l >= self.gap_micros) {
                    current = format!("s:{}:{}", customer, m.ts.format("%Y%m%dT%H%M%SZ"));
                }
                last = Some(t);
                m.conversation_id = current.clone();
                out.push(m);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate};
    use kefu_model::{MessageKind, Sender};

    fn m(customer: &str, ts: &str) -> MessageRecord {
        MessageRecord {
            message_id: ts.into(),
            conversation_id: String::new(),
            shop_id: "s".into(),
            platform: "taobao".into(),
            channel: "chat".into(),
            ts: DateTime::parse_from_rfc3339(ts).unwrap().to_utc(),
            sender: Sender::Customer,
            agent_id: None,
            customer_id: Some(customer.into()),
            text: String::new(),
            text_raw: String::new(),
            kind: MessageKind::Text,
            product_id: None,
            order_id: None,
            local_date: NaiveDate::default(),
            text_masked: None,
            categories: vec![],
            sentiment: None,
            urgent: None,
            spam: None,
            intent: None,
            source_file: "f".into(),
            source_row: 0,
        }
    }

    #[test]
    fn splits_at_a_gap_of_session_gap_or_more() {
        let mut s = Sessioniser::new(1800);
        // 10:00, 10:29:59 (same), 10:59:59 (gap exactly 30 min: new), other customer.
        for (c, t) in [
            ("a", "2026-11-11T10:29:59Z"),
            ("a", "2026-11-11T10:00:00Z"),
            ("a", "2026-11-11T10:59:59Z"),
            ("b", "2026-11-11T10:10:00Z"),
        ] {
            s.push(m(c, t));
        }
        let out = s.drain();
        let ids: Vec<&str> = out.iter().map(|m| m.conversation_id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "s:a:20261111T100000Z",
                "s:a:20261111T100000Z",
                "s:a:20261111T105959Z",
                "s:b:20261111T101000Z"
            ]
        );
    }
}
