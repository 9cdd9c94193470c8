//! E-mail: single `.eml` files and `mbox` mailboxes, as messages of channel `email`.
//!
//! Threads follow the headers: the conversation is the first `References` id (the
//! thread root), else `In-Reply-To`, else the message's own id. Mail from one of the
//! shop's configured addresses is the agent side; everything else is a customer.

use crate::decode::{decode_escaped, read_line_capped};
use crate::normalize::normalize_text;
use crate::{IngestError, IngestOptions, Record, Sink};
use chrono::DateTime;
use kefu_model::record_batches::row_key;
use kefu_model::{MessageKind, MessageRecord, Sender, Table};
use mail_parser::{HeaderValue, Message, MessageParser, PartType};
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

/// Parts and decoded body bytes of a message, nested messages included.
fn measure(m: &Message) -> (usize, u64) {
    let mut parts = m.parts.len();
    let mut bytes = 0u64;
    for p in &m.parts {
        match &p.body {
            PartType::Message(inner) => {
                let (n, b) = measure(inner);
                parts += n;
                bytes += b;
            }
            PartType::Multipart(_) => {}
            body => bytes += body.len() as u64,
        }
    }
    (parts, bytes)
}

/// The start of a message for quarantine, bytes that are not UTF-8 as `\xNN`.
fn shown(bytes: &[u8]) -> String {
    decode_escaped(encoding_rs::UTF_8, &bytes[..bytes.len().min(2000)]).0
}

/// Reads an `.eml` file (one message) or an mbox.
///
/// Each message is capped ([`IngestLimits`](crate::IngestLimits): its size, its MIME
/// parts and its decoded bodies); a message over a cap is quarantined with the
/// limit named and the reader goes on with the next one.
///
/// An mbox is a sequence of messages each opened by a `From ` separator line. A
/// file with text but no separator line at all is refused ("not an mbox file?")
/// rather than read as one message: it is usually a single message saved with the
/// wrong extension, or not mail at all, and the user who meant one message says so
/// with `--format eml` (or the `.eml` extension), while a silent guess would
/// mislabel the other cases. An empty file is an empty mailbox (no rows). Text
/// before the first separator is quarantined as a row of its own.
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
    let limits = opts.limits;
    let own: Vec<String> = opts
        .agent_addresses
        .iter()
        .map(|a| a.trim().to_lowercase())
        .collect();
    let reject_raw = |row: u64, reason: &str, raw: String, sink: &mut dyn Sink| {
        sink.reject(opts.quarantine(file, row, Table::Messages, reason, raw))
    };
    let one = |bytes: &[u8], row: u64, sink: &mut dyn Sink| -> Result<(), IngestError> {
        let reject =
            |reason: &str, sink: &mut dyn Sink| reject_raw(row, reason, shown(bytes), sink);
        // Every MIME part opens with a boundary line ("--..."): far more of them than
        // parts allowed is refused before the parser builds them all.
        let dashes = bytes
            .split(|&b| b == b'\n')
            .filter(|l| l.starts_with(b"--"))
            .count();
        if dashes > 2 * limits.max_email_parts + 2 {
            return reject(
                &format!(
                    "message over {} MIME parts ({dashes} boundary lines)",
                    limits.max_email_parts
                ),
                sink,
            );
        }
        let Some(msg) = MessageParser::default().parse(bytes) else {
            return reject("not an e-mail message", sink);
        };
        let (parts, decoded) = measure(&msg);
        if parts > limits.max_email_parts {
            return reject(
                &format!(
                    "message over {} MIME parts ({parts} parts)",
                    limits.max_email_parts
                ),
                sink,
            );
        }
        if decoded > limits.max_email_decoded_bytes {
            return reject(
                &format!(
                    "message bodies over {} decoded ({decoded} bytes)",
                    crate::limits::bytes(limits.max_email_decoded_bytes)
                ),
                sink,
            );
        }
        let date = match msg.date() {
            Some(d) if d.is_valid() => d,
            _ => {
                let reason = match msg.header_raw("Date") {
                    Some(raw) => {
                        let v: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
                        let v: String = v.chars().take(200).collect();
                        format!("unparseable Date header: {v}")
                    }
                    None => "missing required field ts (no Date header)".to_string(),
                };
                return reject(&reason, sink);
            }
        };
        let Some(ts) = DateTime::from_timestamp(date.to_timestamp(), 0) else {
            return reject(
                &format!("unparseable Date header: {}", date.to_rfc3339()),
                sink,
            );
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
            spam: None,
            intent: None,
            source_file: file.to_string(),
            source_row: row,
        }))
    };
    if !mbox {
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > limits.max_email_bytes {
            let mut f = std::fs::File::open(path).map_err(io)?;
            let head = crate::decode::read_prefix(&mut f, 2000).map_err(io)?;
            let reason = format!(
                "message over {} ({size} bytes)",
                crate::limits::bytes(limits.max_email_bytes)
            );
            reject_raw(1, &reason, shown(&head), sink)?;
        } else {
            let bytes = std::fs::read(path).map_err(io)?;
            one(&bytes, 1, sink)?;
        }
        return Ok(1);
    }
    let mut r = std::io::BufReader::new(std::fs::File::open(path).map_err(io)?);
    let max = limits.max_email_bytes;
    let line_cap = usize::try_from(max).unwrap_or(usize::MAX).saturating_add(1);
    let mut line = Vec::new();
    let mut rows = 0u64;
    let mut seen_from = false;
    // Text before the first separator: its start, and whether there is any.
    let mut leading: Vec<u8> = Vec::new();
    let mut msg: Vec<u8> = Vec::new();
    let mut msg_bytes = 0u64;
    let finish = |msg: &[u8],
                  msg_bytes: u64,
                  rows: &mut u64,
                  sink: &mut dyn Sink|
     -> Result<(), IngestError> {
        *rows += 1;
        if msg_bytes > max {
            let reason = format!(
                "message over {} ({msg_bytes} bytes)",
                crate::limits::bytes(max)
            );
            return reject_raw(*rows, &reason, shown(msg), sink);
        }
        one(msg, *rows, sink)
    };
    loop {
        let (n, _) = read_line_capped(&mut r, &mut line, line_cap).map_err(io)?;
        if n == 0 {
            break;
        }
        if line.starts_with(b"From ") {
            if seen_from {
                finish(&msg, msg_bytes, &mut rows, sink)?;
            } else if !leading.is_empty() {
                rows += 1;
                reject_raw(
                    rows,
                    "text before the first `From ` line: not part of a message",
                    shown(&leading),
                    sink,
                )?;
            }
            seen_from = true;
            msg.clear();
            msg_bytes = 0;
            continue;
        }
        if !seen_from {
            if !line.trim_ascii().is_empty() || !leading.is_empty() {
                let room = 2000usize.saturating_sub(leading.len());
                leading.extend_from_slice(&line[..line.len().min(room)]);
            }
            continue;
        }
        // mboxrd: ">From " (any number of '>') in a body loses one '>'.
        let quoted = line.iter().position(|&b| b != b'>').unwrap_or(line.len());
        let content: &[u8] = if quoted > 0 && line[quoted..].starts_with(b"From ") {
            &line[1..]
        } else {
            &line
        };
        msg_bytes += n - (line.len() - content.len()) as u64;
        if msg_bytes <= max {
            msg.extend_from_slice(content);
        }
    }
    if seen_from {
        finish(&msg, msg_bytes, &mut rows, sink)?;
    } else if !leading.is_empty() {
        return Err(IngestError::Format {
            file: file.to_string(),
            reason: "no `From ` separator lines: not an mbox file? (a single message \
                     reads with --format eml, or as a .eml file)"
                .into(),
        });
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
