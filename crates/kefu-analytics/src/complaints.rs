//! What customers complain about and how badly: the report's complaints section and
//! the dashboard's complaints page, both from the kefu-text columns written at
//! ingest (categories, sentiment, urgency on customer messages and survey comments).
//!
//! Conversations carry a category when any of their customer messages does (first
//! care cycle, so a reopened conversation is counted once). Negative means a
//! sentiment below [`NEGATIVE_BELOW`], the threshold kefu-text labels by.

use crate::batch::CONVERSATIONS_TABLE;
use crate::kpi::{ReportQuery, Result};
use arrow::array::{Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use kefu_text::keywords::{KeywordMethod, Segmenter};
use serde::{Deserialize, Serialize};

/// Sentiment below this is negative (kefu-text's own label threshold).
pub const NEGATIVE_BELOW: f64 = kefu_text::sentiment::NEGATIVE_BELOW as f64;
/// Negative messages the keywords are drawn from (the latest ones).
const KEYWORD_TEXTS: usize = 3000;
const KEYWORDS: usize = 20;
const URGENT_ITEMS: usize = 50;

/// One complaint category's share of the period's conversations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CategoryShare {
    pub category: String,
    /// Conversations (first care cycle) whose customer messages carry the category.
    pub conversations: i64,
    /// Of all conversations in the period (a conversation can have several).
    pub share: Option<f64>,
    /// Of the customer messages carrying the category, the share that is negative.
    pub negative_share: Option<f64>,
}

/// Sentiment of customer messages on one shop-local day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SentimentDay {
    /// Shop-local date `YYYY-MM-DD` (named like the points of every series).
    pub t: String,
    pub mean: Option<f64>,
    pub negative_share: Option<f64>,
    pub messages: i64,
}

/// A word that stands out in the negative messages (TF-IDF), with how many of them
/// contain it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Keyword {
    pub word: String,
    pub weight: f64,
    pub count: i64,
}

/// A customer message flagged urgent (escalation threat or very negative), masked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UrgentMessage {
    pub shop_id: String,
    pub conversation_id: String,
    pub ts: String,
    pub text: String,
    pub categories: Vec<String>,
}

/// One category among survey comments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommentShare {
    pub category: String,
    pub comments: i64,
    /// Of all commented survey responses in the period.
    pub share: Option<f64>,
    /// Mean score of those responses on 0–1 (0–10 scores / 10; 1–5 stars and the
    /// 3-level scale, stored as 1/3/5, as (score − 1) / 4).
    pub mean_score: Option<f64>,
}

/// The complaints section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Complaints {
    /// Most frequent first.
    pub categories: Vec<CategoryShare>,
    /// Of all customer messages with a sentiment, the share that is negative.
    pub negative_share: Option<f64>,
    /// Customer messages flagged urgent in the period (the list below is the latest
    /// of them).
    pub urgent_messages: i64,
    pub sentiment: Vec<SentimentDay>,
    pub keywords: Vec<Keyword>,
    /// Latest first.
    pub urgent: Vec<UrgentMessage>,
    /// What survey comments are about, most frequent first.
    pub survey_comments: Vec<CommentShare>,
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn has_category(c: &str) -> String {
    format!(
        "(',' || COALESCE(categories, '') || ',') LIKE {}",
        lit(&format!("%,{c},%"))
    )
}

/// The WHERE clause over the `messages` table selecting the query's customer
/// messages that kefu-text has read (`sentiment` set).
pub fn message_filter(q: &ReportQuery) -> String {
    let mut w = vec![
        "sender = 'customer'".to_string(),
        "sentiment IS NOT NULL".to_string(),
    ];
    if let Some(f) = q.from {
        w.push(format!("local_date >= DATE {}", lit(&f.to_string())));
    }
    if let Some(t) = q.to {
        w.push(format!("local_date <= DATE {}", lit(&t.to_string())));
    }
    if let Some(s) = &q.shop {
        w.push(format!("shop_id = {}", lit(s)));
    }
    if let Some(c) = &q.channel {
        w.push(format!("channel = {}", lit(c)));
    }
    if let Some(c) = &q.category {
        w.push(has_category(c));
    }
    if let Some(a) = &q.agent {
        w.push(format!(
            "shop_id || '|' || conversation_id IN (SELECT shop_id || '|' || conversation_id \
             FROM {CONVERSATIONS_TABLE} WHERE conv_last_agent = {})",
            lit(a)
        ));
    }
    w.join(" AND ")
}

/// The WHERE clause over the `surveys` table selecting the query's commented responses.
fn comment_filter(q: &ReportQuery) -> String {
    let mut w = vec!["comment_masked IS NOT NULL".to_string()];
    if let Some(f) = q.from {
        w.push(format!("local_date >= DATE {}", lit(&f.to_string())));
    }
    if let Some(t) = q.to {
        w.push(format!("local_date <= DATE {}", lit(&t.to_string())));
    }
    if let Some(s) = &q.shop {
        w.push(format!("shop_id = {}", lit(s)));
    }
    if let Some(a) = &q.agent {
        w.push(format!("agent_id = {}", lit(a)));
    }
    if let Some(c) = &q.channel {
        w.push(format!(
            "shop_id || '|' || conversation_id IN (SELECT shop_id || '|' || conversation_id \
             FROM {CONVERSATIONS_TABLE} WHERE channel = {})",
            lit(c)
        ));
    }
    if let Some(c) = &q.category {
        w.push(has_category(c));
    }
    w.join(" AND ")
}

/// Query results as rows of optional strings (numbers printed by Arrow's cast).
async fn text_rows(ctx: &SessionContext, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
    let batches: Vec<RecordBatch> = ctx.sql(sql).await?.collect().await?;
    let mut out = Vec::new();
    for b in batches {
        let cols: Vec<StringArray> = b
            .columns()
            .iter()
            .map(|c| {
                cast(c, &DataType::Utf8).map(|a| {
                    a.as_any()
                        .downcast_ref::<StringArray>()
                        .expect("utf8")
                        .clone()
                })
            })
            .collect::<std::result::Result<_, _>>()?;
        for i in 0..b.num_rows() {
            out.push(
                cols.iter()
                    .map(|c| (!c.is_null(i)).then(|| c.value(i).to_string()))
                    .collect(),
            );
        }
    }
    Ok(out)
}

fn num(v: &Option<String>) -> Option<f64> {
    v.as_deref().and_then(|s| s.parse().ok())
}

fn int(v: &Option<String>) -> i64 {
    num(v).map_or(0, |x| x.round() as i64)
}

fn labels(v: &Option<String>) -> Vec<String> {
    v.as_deref()
        .map(|s| {
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The complaints section for a query (its `by` is ignored).
pub async fn complaints(ctx: &SessionContext, q: &ReportQuery) -> Result<Complaints> {
    let mut out = Complaints::default();
    let has = |t: &str| ctx.table_exist(t).unwrap_or(false);
    if has(CONVERSATIONS_TABLE) {
        let w = q.conversation_filter();
        let total = text_rows(
            ctx,
            &format!("SELECT COUNT(*) FROM {CONVERSATIONS_TABLE} WHERE {w} AND cycle = 0"),
        )
        .await?
        .first()
        .map_or(0, |r| int(&r[0]));
        for r in text_rows(
            ctx,
            &format!(
                "SELECT k, COUNT(*) FROM (SELECT unnest(string_to_array(categories, ',')) AS k
                   FROM {CONVERSATIONS_TABLE} WHERE {w} AND cycle = 0 AND categories IS NOT NULL) x
                 GROUP BY k"
            ),
        )
        .await?
        {
            let conversations = int(&r[1]);
            out.categories.push(CategoryShare {
                category: r[0].clone().unwrap_or_default(),
                conversations,
                share: (total > 0).then(|| conversations as f64 / total as f64),
                negative_share: None,
            });
        }
        out.categories.sort_by(|a, b| {
            b.conversations
                .cmp(&a.conversations)
                .then(a.category.cmp(&b.category))
        });
    }
    if has("messages") {
        let mw = message_filter(q);
        let neg = format!("CASE WHEN sentiment < {NEGATIVE_BELOW} THEN 1.0 ELSE 0.0 END");
        for r in text_rows(
            ctx,
            &format!(
                "SELECT k, avg({neg}) FROM (SELECT unnest(string_to_array(categories, ',')) AS k, sentiment
                   FROM messages WHERE {mw} AND categories IS NOT NULL) x GROUP BY k"
            ),
        )
        .await?
        {
            if let Some(c) = out
                .categories
                .iter_mut()
                .find(|c| Some(&c.category) == r[0].as_ref())
            {
                c.negative_share = num(&r[1]);
            }
        }
        out.sentiment = text_rows(
            ctx,
            &format!(
                "SELECT CAST(local_date AS VARCHAR) AS day, avg(sentiment), avg({neg}), COUNT(*)
                 FROM messages WHERE {mw} GROUP BY 1 ORDER BY 1"
            ),
        )
        .await?
        .into_iter()
        .map(|r| SentimentDay {
            t: r[0].clone().unwrap_or_default(),
            mean: num(&r[1]),
            negative_share: num(&r[2]),
            messages: int(&r[3]),
        })
        .collect();
        let (negative, all) = out.sentiment.iter().fold((0.0, 0i64), |(n, a), d| {
            (
                n + d.negative_share.unwrap_or(0.0) * d.messages as f64,
                a + d.messages,
            )
        });
        out.negative_share = (all > 0).then(|| negative / all as f64);
        out.urgent_messages = text_rows(
            ctx,
            &format!("SELECT COUNT(*) FROM messages WHERE {mw} AND urgent"),
        )
        .await?
        .first()
        .map_or(0, |r| int(&r[0]));
        let texts: Vec<String> = text_rows(
            ctx,
            &format!(
                "SELECT COALESCE(text_masked, text) AS shown FROM messages
                 WHERE {mw} AND sentiment < {NEGATIVE_BELOW} ORDER BY ts DESC, row_key LIMIT {KEYWORD_TEXTS}"
            ),
        )
        .await?
        .into_iter()
        .filter_map(|mut r| r.pop().flatten())
        .collect();
        out.keywords = keywords_of(&texts);
        out.urgent = text_rows(
            ctx,
            &format!(
                "SELECT shop_id, conversation_id, CAST(ts AS VARCHAR) AS at, COALESCE(text_masked, text) AS shown, categories
                 FROM messages WHERE {mw} AND urgent ORDER BY ts DESC, row_key LIMIT {URGENT_ITEMS}"
            ),
        )
        .await?
        .into_iter()
        .map(|r| UrgentMessage {
            shop_id: r[0].clone().unwrap_or_default(),
            conversation_id: r[1].clone().unwrap_or_default(),
            ts: r[2].clone().unwrap_or_default(),
            text: r[3].clone().unwrap_or_default(),
            categories: labels(&r[4]),
        })
        .collect();
    }
    if has("surveys") {
        let sw = comment_filter(q);
        let total = text_rows(ctx, &format!("SELECT COUNT(*) FROM surveys WHERE {sw}"))
            .await?
            .first()
            .map_or(0, |r| int(&r[0]));
        out.survey_comments = text_rows(
            ctx,
            &format!(
                "SELECT k, COUNT(*), avg(s) FROM (SELECT unnest(string_to_array(categories, ',')) AS k,
                        CASE WHEN scale = 10 THEN score / 10.0 ELSE (score - 1.0) / 4.0 END AS s
                   FROM surveys WHERE {sw} AND categories IS NOT NULL) x
                 GROUP BY k ORDER BY 2 DESC, 1"
            ),
        )
        .await?
        .into_iter()
        .map(|r| {
            let comments = int(&r[1]);
            CommentShare {
                category: r[0].clone().unwrap_or_default(),
                comments,
                share: (total > 0).then(|| comments as f64 / total as f64),
                mean_score: num(&r[2]),
            }
        })
        .collect();
    }
    Ok(out)
}

/// TF-IDF keywords of the texts taken together, with how many texts contain each.
pub fn keywords_of(texts: &[String]) -> Vec<Keyword> {
    static SEG: std::sync::OnceLock<Segmenter> = std::sync::OnceLock::new();
    if texts.is_empty() {
        return Vec::new();
    }
    let seg = SEG.get_or_init(Segmenter::new);
    seg.keywords(&texts.join("\n"), KEYWORDS, KeywordMethod::Tfidf)
        .into_iter()
        .map(|k| Keyword {
            count: texts.iter().filter(|t| t.contains(&k.word)).count() as i64,
            word: k.word,
            weight: k.weight,
        })
        .collect()
}
