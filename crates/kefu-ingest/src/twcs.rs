//! Kaggle "Customer Support on Twitter" (`twcs.csv`).
//!
//! A conversation is a reply thread: tweets connected through `response_tweet_id`
//! and `in_response_to_tweet_id`, among the tweets present in the file (links to
//! absent tweets are ignored). Inbound tweets are the customer; the brand that
//! answers is both the agent side and the shop. Brands sign tweets with the agent's
//! initials (`... -KC`, `^JK`), which become the agent id `brand/KC`.

use crate::mapping::TimestampSpec;
use crate::normalize::normalize_text;
use crate::parse::{clean_id, parse_ts};
use crate::{IngestError, IngestOptions, Record, Sink};
use kefu_model::{MessageKind, MessageRecord, Sender, Table};
use std::collections::HashMap;
use std::path::Path;

const REQUIRED: [&str; 7] = [
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
];

struct Tweet {
    row: u64,
    id: String,
    author: String,
    inbound: bool,
    ts: chrono::DateTime<chrono::Utc>,
    text: String,
    links: Vec<String>,
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// The agent's initials a brand signs with, if any.
pub fn signature(text: &str) -> Option<&str> {
    let t = text.trim_end();
    let cut = t.rfind(['-', '^'])?;
    let sig = &t[cut + 1..];
    let before = &t[..cut];
    let ok = (2..=3).contains(&sig.len())
        && sig.chars().all(|c| c.is_ascii_uppercase())
        && (before.is_empty() || before.ends_with(' ') || t.as_bytes()[cut] == b'^');
    ok.then_some(sig)
}

fn numeric_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

pub fn read(
    path: &Path,
    file: &str,
    _prefix: &[u8],
    opts: &IngestOptions,
    sink: &mut dyn Sink,
) -> Result<u64, IngestError> {
    let fmt = |reason: String| IngestError::Format {
        file: file.to_string(),
        reason,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| fmt(e.to_string()))?;
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| fmt(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| col(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(fmt(format!(
            "not a twcs file: missing column(s) {}",
            missing.join(", ")
        )));
    }
    let idx: Vec<usize> = REQUIRED.iter().map(|c| col(c).unwrap_or(0)).collect();
    let spec = TimestampSpec::default();
    let mut tweets: Vec<Tweet> = Vec::new();
    let mut rows_read = 0u64;
    for (i, rec) in rdr.records().enumerate() {
        let row = i as u64 + 1;
        rows_read += 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                sink.reject(opts.quarantine(
                    file,
                    row,
                    Table::Messages,
                    &format!("unreadable CSV: {e}"),
                    String::new(),
                ))?;
                continue;
            }
        };
        let get = |k: usize| rec.get(idx[k]).unwrap_or("").trim();
        let raw = rec.iter().collect::<Vec<_>>().join(",");
        let id = clean_id(get(0));
        if id.is_empty() {
            sink.reject(opts.quarantine(
                file,
                row,
                Table::Messages,
                "missing required field tweet_id",
                raw,
            ))?;
            continue;
        }
        let inbound = match get(2).to_ascii_lowercase().as_str() {
            "true" | "1" => true,
            "false" | "0" => false,
            other => {
                let reason =
                    format!("unknown sender value '{other}' in inbound (expected True/False)");
                sink.reject(opts.quarantine(file, row, Table::Messages, &reason, raw))?;
                continue;
            }
        };
        let ts = match parse_ts(get(3), &spec, opts.default_tz) {
            Ok(t) => t,
            Err(reason) => {
                sink.reject(opts.quarantine(file, row, Table::Messages, &reason, raw))?;
                continue;
            }
        };
        let mut links: Vec<String> = get(5)
            .split(',')
            .map(clean_id)
            .filter(|s| !s.is_empty())
            .collect();
        links.extend(Some(clean_id(get(6))).filter(|s| !s.is_empty()));
        tweets.push(Tweet {
            row,
            id,
            author: get(1).to_string(),
            inbound,
            ts,
            text: rec.get(idx[4]).unwrap_or("").to_string(),
            links,
        });
    }
    // Threads: union-find over reply links among present tweets.
    let pos: HashMap<&str, usize> = tweets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let mut parent: Vec<usize> = (0..tweets.len()).collect();
    for (i, t) in tweets.iter().enumerate() {
        for l in &t.links {
            if let Some(&j) = pos.get(l.as_str()) {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    let mut threads: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..tweets.len() {
        let r = find(&mut parent, i);
        threads.entry(r).or_default().push(i);
    }
    let mut roots: Vec<usize> = threads.keys().copied().collect();
    roots.sort_unstable();
    for root in roots {
        let mut members = threads.remove(&root).unwrap_or_default();
        members.sort_by(|&a, &b| {
            tweets[a]
                .ts
                .cmp(&tweets[b].ts)
                .then(numeric_order(&tweets[a].id, &tweets[b].id))
        });
        let conv_id = members
            .iter()
            .map(|&i| tweets[i].id.as_str())
            .min_by(|a, b| numeric_order(a, b))
            .map(|s| format!("tw:{s}"))
            .unwrap_or_default();
        let brand = members
            .iter()
            .find(|&&i| !tweets[i].inbound)
            .map(|&i| tweets[i].author.clone());
        // A thread no brand answered belongs to the brand the customer addressed.
        let shop = brand.clone().or_else(|| {
            members.iter().find_map(|&i| {
                tweets[i]
                    .text
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix('@'))
                    .map(|h| {
                        h.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_')
                            .to_string()
                    })
                    .filter(|h| !h.is_empty() && !h.bytes().all(|b| b.is_ascii_digit()))
            })
        });
        let shop = shop.unwrap_or_else(|| opts.shop.clone());
        let customer = members
            .iter()
            .find(|&&i| tweets[i].inbound)
            .map(|&i| tweets[i].author.clone());
        let tz = opts.tz_of(&shop);
        for i in members {
            let t = &tweets[i];
            let (sender, agent_id, customer_id) = if t.inbound {
                (Sender::Customer, None, Some(t.author.clone()))
            } else {
                let agent = match signature(&t.text) {
                    Some(sig) => format!("{}/{}", t.author, sig),
                    None => t.author.clone(),
                };
                (Sender::Agent, Some(agent), customer.clone())
            };
            sink.accept(Record::Message(MessageRecord {
                message_id: t.id.clone(),
                conversation_id: conv_id.clone(),
                shop_id: shop.clone(),
                platform: opts.platform.clone().unwrap_or_else(|| "twitter".into()),
                channel: "social".into(),
                ts: t.ts,
                sender,
                agent_id,
                customer_id,
                text: normalize_text(&t.text),
                text_raw: t.text.clone(),
                kind: MessageKind::Text,
                product_id: None,
                order_id: None,
                local_date: t.ts.with_timezone(&tz).date_naive(),
                text_masked: None,
                categories: vec![],
                sentiment: None,
                urgent: None,
                spam: None,
                intent: None,
                source_file: file.to_string(),
                source_row: t.row,
            }))?;
        }
    }
    Ok(rows_read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_signatures() {
        assert_eq!(signature("please DM us. -KC"), Some("KC"));
        assert_eq!(signature("sorry about that ^JK"), Some("JK"));
        assert_eq!(signature("follow-up"), None);
        assert_eq!(signature("we care -Team"), None);
    }
}
