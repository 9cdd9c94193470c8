//! E-mail: single `.eml` files and `mbox` mailboxes, as messages of channel `email`.
//!
//! Threads follow the headers: the conversation is the first `References` id (the
//! thread root), else `In-Reply-To`, else the message's own id. Mail from one of the
//! shop's configured addresses is the agent side; everything else is a customer.

use crate::normalize::normalize_text;
use crate::{IngestError, IngestOptions, Record, Sink};
use chrono::DateTime;
use kefu_model::record_batches::row_key;
use kefu_model::{MessageKind, MessageRecord, Sender, Table};
use mail_parser::{HeaderValue, MessageParser};
use std::path::Path;

fn first_id(h: &HeaderValue) -> Option<String> {
    match h {
        HeaderValue::Text(t) => Some(t.to_string()),
        HeaderValue::TextList(l) => l.first().map(|t| t.to_string()),
        _ => None,
    }
}

/// Drops quoted history (`> ...` lines and what follows an "On ... wrote:" line), so
/// a reply's text is what its author wrote.
pub fn strip_quoted(body: &str) -> String {
    let mut out = Vec::new();
    for line in body.lines() {
        let t = line.trim();
        if t.starts_with('>') {
            continue;
        }
        if (t.starts_with("On ") && t.ends_with("wrote:"))
            || t.starts_with("-----Original Message")
            || t.starts_with("在") && t.ends_with("写道：")
        {
            break;
        }
        out.push(line);
    }
    out.join("\n").trim().to_string()
}

pub fn read(
    path: &Path,
    file: &str,
    mbox: bool,
    opts: &IngestOptions,
    sink: &mut dyn Sink,
) -> Result<u64, IngestError> {
    let io = |source| IngestError::Io {
        file: file.to_string(),
        source,
    };
    let own: Vec<String> = opts
        .agent_addresses
        .iter()
        .map(|a| a.trim().to_lowercase())
        .collect();
    let mut rows = 0u64;
    let one = |bytes: &[u8], row: u64, sink: &mut dyn Sink| -> Result<(), IngestError> {
        let reject = |reason: &str, sink: &mut dyn Sink| {
            let raw: String = String::from_utf8_lossy(&bytes[..bytes.len().min(2000)]).into_owned();
            sink.reject(opts.quarantine(file, row, Table::Messages, reason, raw))
        };
        let Some(msg) = MessageParser::default().parse(bytes) else {
            return reject("not an e-mail message", sink);
        };
        let Some(date) = msg.date() else {
            return reject("missing required field ts (no Date header)", sink);
        };
        let Some(ts) = DateTime::from_timestamp(date.to_timestamp(), 0) else {
            return reject("bad timestamp in Date header", sink);
        };
        let from = msg
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(|a| a.to_lowercase());
        let Some(from) = from else {
            return reject("missing sender (no From address)", sink);
        };
        let to = msg
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(|a| a.to_lowercase());
        let is_agent = own.contains(&from);
        let (sender, agent_id, customer_id) = if is_agent {
            (Sender::Agent, Some(from.clone()), to)
        } else {
            (Sender::Customer, None, Some(from.clone()))
        };
        let subject = msg.subject().unwrap_or("").to_string();
        let body = msg
            .body_text(0)
            .map(|b| strip_quoted(&b))
            .unwrap_or_default();
        let raw_text = if subject.is_empty() {
            body
        } else {
            format!("{subject}\n{body}")
        };
        let own_id = msg.message_id().map(str::to_string);
        let conversation = first_id(msg.references())
            .or_else(|| first_id(msg.in_reply_to()))
            .or_else(|| own_id.clone())
            .unwrap_or_else(|| format!("mail:{from}:{}", ts.timestamp()));
        let message_id = own_id.unwrap_or_else(|| {
            format!(
                "h:{:016x}",
                row_key(&[&from, &ts.timestamp().to_string(), &raw_text]) as u64
            )
        });
        let tz = opts.tz_of(&opts.shop);
        sink.accept(Record::Message(MessageRecord {
            message_id,
            conversation_id: format!("mail:{conversation}"),
            shop_id: opts.shop.clone(),
            platform: opts.platform.clone().unwrap_or_else(|| "email".into()),
            channel: "email".into(),
            ts,
            sender,
            agent_id,
            customer_id,
            text: normalize_text(&raw_text),
            text_raw: raw_text,
            kind: MessageKind::Text,
            product_id: None,
            order_id: None,
            local_date: ts.with_timezone(&tz).date_naive(),
            text_masked: None,
            categories: vec![],
            sentiment: None,
            urgent: None,
            source_file: file.to_string(),
            source_row: row,
        }))
    };
    if mbox {
        let f = std::fs::File::open(path).map_err(io)?;
        for (i, m) in
            mail_parser::mailbox::mbox::MessageIterator::new(std::io::BufReader::new(f)).enumerate()
        {
            rows += 1;
            let m = m.map_err(io)?;
            one(m.contents(), i as u64 + 1, sink)?;
        }
    } else {
        let bytes = std::fs::read(path).map_err(io)?;
        rows = 1;
        one(&bytes, 1, sink)?;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_history_is_dropped() {
        let body =
            "Still waiting.\n\nOn Mon, 9 Nov 2026 Shop <cs@shop.cn> wrote:\n> We shipped it.";
        assert_eq!(strip_quoted(body), "Still waiting.");
        assert_eq!(strip_quoted("> old\nnew"), "new");
    }
}
