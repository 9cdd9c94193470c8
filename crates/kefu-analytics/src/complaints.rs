//! What customers complain about and how badly: the report's complaints section and
//! the dashboard's complaints page, both from the kefu-text columns written at
//! ingest (categories, sentiment, urgency on customer messages and survey comments).
//!
//! Each conversation counts once, under its primary category (METRICS.md: the most
//! frequent non-`other` label of its customer messages; first care cycle, so a
//! reopened conversation is counted once), so the shares sum to 100 % and `other`
//! holds only conversations nothing else applies to. Negative means a sentiment
//! below [`NEGATIVE_BELOW`], the threshold kefu-text labels by (customer chat is
//! read by the three-class chat model).

use crate::fact_batches::CONVERSATIONS_TABLE;
use crate::query::{ReportQuery, Result, lit};
use arrow::array::{Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use kefu_text::keywords::{KeywordMethod, Segmenter};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Sentiment below this is negative (kefu-text's own label threshold).
pub const NEGATIVE_BELOW: f64 = kefu_text::sentiment::NEGATIVE_BELOW as f64;
/// Negative messages the keywords are drawn from (the latest ones).
const KEYWORD_TEXTS: usize = 3000;
const KEYWORDS: usize = 20;
const URGENT_ITEMS: usize = 50;

/// One complaint category's share of the period's conversations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryShare {
    pub category: String,
    /// Conversations (first care cycle) whose primary category this is.
    pub conversations: i64,
    /// Of the period's conversations with labelled customer messages; the shares
    /// of all categories sum to 1.
    pub share: Option<f64>,
    /// Of the customer messages carrying the category, the share that is negative.
    pub negative_share: Option<f64>,
}

/// Sentiment of customer messages on one shop-local day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Keyword {
    pub word: String,
    pub weight: f64,
    pub count: i64,
}

/// A customer message flagged urgent (escalation threat or very negative), masked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UrgentMessage {
    pub shop_id: String,
    pub conversation_id: String,
    pub ts: String,
    pub text: String,
    pub categories: Vec<String>,
}

/// One category among survey comments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentShare {
    pub category: String,
    pub comments: i64,
    /// Of all commented survey responses in the period.
    pub share: Option<f64>,
    /// Mean score of those responses on 0–1 (0–10 scores / 10; 1–5 stars and the
    /// 3-level scale, stored as 1/3/5, as (score − 1) / 4).
    pub mean_score: Option<f64>,
}

/// Customer messages of one intent (咨询意图), overall and split by the
/// conversation's start hour, its last agent and its product.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntentMix {
    pub intent: String,
    pub messages: i64,
    /// Of the customer messages with an intent.
    pub share: Option<f64>,
    /// Messages by shop-local start hour of their conversation (24 values).
    pub by_hour: Vec<i64>,
    /// (agent, messages), most first, at most 20; `-` for conversations no agent served.
    pub by_agent: Vec<(String, i64)>,
    /// (product, messages), most first, at most 20.
    pub by_product: Vec<(String, i64)>,
}

/// The complaints section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// What customers came for (intents of customer chat messages), most first.
    #[serde(default)]
    pub intents: Vec<IntentMix>,
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
    if !q.readings.include_spam {
        w.push("spam IS NOT TRUE".to_string());
    }
    if let Some(f) = q.from {
        w.push(format!("local_date >= DATE {}", lit(&f.to_string())));
    }
    if let Some(t) = q.to {
        w.push(format!("local_date <= DATE {}", lit(&t.to_string())));
    }
    if q.days != crate::query::DaySet::default() {
        w.push(q.days.predicate("local_date"));
    }
    if let Some(s) = &q.not_shop {
        w.push(format!("shop_id <> {}", lit(s)));
    }
    if let Some(c) = &q.not_channel {
        w.push(format!("channel <> {}", lit(c)));
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
    if !q.readings.include_spam {
        w.push("spam IS NOT TRUE".to_string());
    }
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
async fn text_rows(ctx: &SessionContext, sql: String) -> Result<Vec<Vec<Option<String>>>> {
    let t = std::time::Instant::now();
    let batches: Vec<RecordBatch> = ctx.sql(&sql).await?.collect().await?;
    tracing::debug!(secs = t.elapsed().as_secs_f64(), sql, "complaints query");
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

/// The latest `limit` rows of `messages` matching `filter`, columns `cols`, newest
/// first, reading only the shop-local days from `first_day` on (the table is
/// partitioned by `local_date`; see [`first_day_needed`]).
async fn latest(
    ctx: &SessionContext,
    cols: &str,
    filter: &str,
    first_day: Option<chrono::NaiveDate>,
    limit: usize,
) -> Result<Vec<Vec<Option<String>>>> {
    let bound = first_day.map_or(String::new(), |d| format!(" AND local_date >= DATE '{d}'"));
    text_rows(
        ctx,
        format!(
            "SELECT {cols} FROM messages WHERE {filter}{bound}
             ORDER BY ts DESC, row_key LIMIT {limit}"
        ),
    )
    .await
}

/// The first shop-local day the latest `limit` matching rows can be on, from the
/// matching rows per day: D is the latest day with at least `limit` rows on D or
/// after, and the answer is D − 2. The limit-th latest instant is then no earlier
/// than the start of day D anywhere (UTC+14 at most), and a row dated D − 3 or
/// before ended by D − 2 00:00 at UTC−12 at the latest, 36 h before D 00:00 UTC.
/// None: every day is needed.
pub fn first_day_needed(
    per_day: &[(chrono::NaiveDate, i64)],
    limit: usize,
) -> Option<chrono::NaiveDate> {
    let mut days: Vec<&(chrono::NaiveDate, i64)> = per_day.iter().filter(|d| d.1 > 0).collect();
    days.sort_by_key(|d| std::cmp::Reverse(d.0));
    let mut seen = 0i64;
    for (day, n) in days {
        seen += n;
        if seen >= limit as i64 {
            return day.checked_sub_days(chrono::Days::new(2));
        }
    }
    None
}

/// The complaints section for a query (its `by` is ignored). Its queries run
/// concurrently, like the report's.
pub async fn complaints(ctx: &SessionContext, q: &ReportQuery) -> Result<Complaints> {
    let has = |t: &str| ctx.table_exist(t).unwrap_or(false);
    let (conversations, messages, surveys, intents) = futures::try_join!(
        async {
            if has(CONVERSATIONS_TABLE) {
                conversation_categories(ctx, q).await
            } else {
                Ok(Vec::new())
            }
        },
        async {
            if has("messages") {
                message_side(ctx, q).await.map(Some)
            } else {
                Ok(None)
            }
        },
        async {
            if has("surveys") {
                survey_comments(ctx, q).await
            } else {
                Ok(Vec::new())
            }
        },
        async {
            if has("messages") && has(CONVERSATIONS_TABLE) {
                intent_mix(ctx, q).await
            } else {
                Ok(Vec::new())
            }
        },
    )?;
    let mut out = Complaints {
        categories: conversations,
        survey_comments: surveys,
        intents,
        ..Complaints::default()
    };
    if let Some(m) = messages {
        for c in out.categories.iter_mut() {
            c.negative_share = m.negative_by_category.get(&c.category).copied().flatten();
        }
        out.sentiment = m.sentiment;
        out.negative_share = m.negative_share;
        out.urgent_messages = m.urgent_messages;
        out.keywords = m.keywords;
        out.urgent = m.urgent;
    }
    Ok(out)
}

/// Most first (then by name), at most `n`.
fn top(m: BTreeMap<String, i64>, n: usize) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

/// Intents of the query's customer messages, with the start hour, last agent and
/// products of their conversation (first care cycle), in one grouped scan.
async fn intent_mix(ctx: &SessionContext, q: &ReportQuery) -> Result<Vec<IntentMix>> {
    let schema = ctx.table("messages").await?.schema().clone();
    if schema.field_with_unqualified_name("intent").is_err() {
        return Ok(Vec::new());
    }
    let mw = message_filter(q);
    let rows = text_rows(
        ctx,
        format!(
            "SELECT m.intent, c.local_hour, COALESCE(c.conv_last_agent, '-'),
                    COALESCE(m.product_id, c.product_ids, '-'), COUNT(*)
             FROM (SELECT * FROM messages WHERE {mw} AND intent IS NOT NULL) m
             JOIN {CONVERSATIONS_TABLE} c
               ON c.shop_id = m.shop_id AND c.conversation_id = m.conversation_id AND c.cycle = 0
             GROUP BY 1, 2, 3, 4"
        ),
    )
    .await?;
    type Acc = (i64, Vec<i64>, BTreeMap<String, i64>, BTreeMap<String, i64>);
    let mut per: BTreeMap<String, Acc> = BTreeMap::new();
    let mut total = 0i64;
    for r in &rows {
        let Some(intent) = r[0].clone() else { continue };
        let n = int(&r[4]);
        total += n;
        let e = per
            .entry(intent)
            .or_insert_with(|| (0, vec![0; 24], BTreeMap::new(), BTreeMap::new()));
        e.0 += n;
        if let Some(h) = num(&r[1]).map(|h| h as usize).filter(|h| *h < 24) {
            e.1[h] += n;
        }
        *e.2.entry(r[2].clone().unwrap_or_default()).or_default() += n;
        for p in r[3]
            .as_deref()
            .unwrap_or("-")
            .split(',')
            .filter(|p| !p.is_empty())
        {
            *e.3.entry(p.to_string()).or_default() += n;
        }
    }
    let mut out: Vec<IntentMix> = per
        .into_iter()
        .map(
            |(intent, (messages, by_hour, agents, products))| IntentMix {
                intent,
                messages,
                share: (total > 0).then(|| messages as f64 / total as f64),
                by_hour,
                by_agent: top(agents, 20),
                by_product: top(products, 20),
            },
        )
        .collect();
    out.sort_by(|a, b| b.messages.cmp(&a.messages).then(a.intent.cmp(&b.intent)));
    Ok(out)
}

/// Split a comma-joined label list.
fn split_labels(v: &Option<String>) -> impl Iterator<Item = &str> {
    v.as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|x| !x.is_empty())
}

/// Conversations (first care cycle) per primary category, most first; shares of
/// the conversations that have one.
async fn conversation_categories(
    ctx: &SessionContext,
    q: &ReportQuery,
) -> Result<Vec<CategoryShare>> {
    let w = q.conversation_filter();
    let rows = text_rows(
        ctx,
        format!(
            "SELECT primary_category, COUNT(*) FROM {CONVERSATIONS_TABLE}
             WHERE {w} AND cycle = 0 AND primary_category IS NOT NULL
             GROUP BY primary_category"
        ),
    )
    .await?;
    let total: i64 = rows.iter().map(|r| int(&r[1])).sum();
    let mut per: BTreeMap<&str, i64> = BTreeMap::new();
    for r in &rows {
        if let Some(k) = r[0].as_deref() {
            *per.entry(k).or_default() += int(&r[1]);
        }
    }
    let mut out: Vec<CategoryShare> = per
        .into_iter()
        .map(|(category, conversations)| CategoryShare {
            category: category.to_string(),
            conversations,
            share: (total > 0).then(|| conversations as f64 / total as f64),
            negative_share: None,
        })
        .collect();
    out.sort_by(|a, b| {
        b.conversations
            .cmp(&a.conversations)
            .then(a.category.cmp(&b.category))
    });
    Ok(out)
}

/// (negative, read) customer messages of the query: the counts behind
/// `negative_share` (spam left out unless the shop counts it).
pub async fn negative_counts(ctx: &SessionContext, q: &ReportQuery) -> Result<(u64, u64)> {
    if !ctx.table_exist("messages").unwrap_or(false) {
        return Ok((0, 0));
    }
    let sql = format!(
        "SELECT CAST(SUM(CASE WHEN sentiment < {NEGATIVE_BELOW} THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(COUNT(*) AS BIGINT) FROM messages WHERE {}",
        message_filter(q)
    );
    let rows = text_rows(ctx, sql).await?;
    let n = |i: usize| {
        rows.first()
            .and_then(|r| r[i].as_deref())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok((n(0), n(1)))
}

/// What the customer messages themselves say.
struct MessageSide {
    negative_by_category: BTreeMap<String, Option<f64>>,
    sentiment: Vec<SentimentDay>,
    negative_share: Option<f64>,
    urgent_messages: i64,
    keywords: Vec<Keyword>,
    urgent: Vec<UrgentMessage>,
}

/// Sums of one (day, label list) group of customer messages.
#[derive(Default, Clone, Copy)]
struct Sums {
    messages: i64,
    sentiment: f64,
    negative: i64,
    urgent: i64,
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        self.messages += o.messages;
        self.sentiment += o.sentiment;
        self.negative += o.negative;
        self.urgent += o.urgent;
    }
    fn negative_share(&self) -> Option<f64> {
        (self.messages > 0).then(|| self.negative as f64 / self.messages as f64)
    }
}

/// One scan of the customer messages, grouped by day and label list, gives the
/// daily sentiment, the urgent count and each category's negative share; the day
/// counts then bound the two "latest" reads (keyword texts, urgent list) to the
/// last few partitions.
async fn message_side(ctx: &SessionContext, q: &ReportQuery) -> Result<MessageSide> {
    let mw = message_filter(q);
    let neg = format!("sentiment < {NEGATIVE_BELOW}");
    let groups = text_rows(
        ctx,
        format!(
            "SELECT local_date, categories, COUNT(*), SUM(sentiment),
                    SUM(CASE WHEN {neg} THEN 1 ELSE 0 END), SUM(CASE WHEN urgent THEN 1 ELSE 0 END)
             FROM messages WHERE {mw} GROUP BY 1, 2"
        ),
    )
    .await?;
    let mut days: BTreeMap<String, Sums> = BTreeMap::new();
    let mut by_category: BTreeMap<String, Sums> = BTreeMap::new();
    for r in &groups {
        let g = Sums {
            messages: int(&r[2]),
            sentiment: num(&r[3]).unwrap_or(0.0),
            negative: int(&r[4]),
            urgent: int(&r[5]),
        };
        days.entry(r[0].clone().unwrap_or_default())
            .or_default()
            .add(&g);
        for k in split_labels(&r[1]) {
            by_category.entry(k.to_string()).or_default().add(&g);
        }
    }
    let counts = |f: fn(&Sums) -> i64| -> Vec<(chrono::NaiveDate, i64)> {
        days.iter()
            .filter_map(|(d, s)| Some((d.parse().ok()?, f(s))))
            .collect()
    };
    let negative_from = first_day_needed(&counts(|s| s.negative), KEYWORD_TEXTS);
    let urgent_from = first_day_needed(&counts(|s| s.urgent), URGENT_ITEMS);
    let negative_filter = format!("{mw} AND {neg}");
    let urgent_filter = format!("{mw} AND urgent");
    let keywords = async {
        let texts: Vec<String> = latest(
            ctx,
            "COALESCE(text_masked, text) AS shown",
            &negative_filter,
            negative_from,
            KEYWORD_TEXTS,
        )
        .await?
        .into_iter()
        .filter_map(|mut r| r.pop().flatten())
        .collect();
        // Segmenting is CPU work: off the thread that polls the other queries.
        Ok(tokio::task::spawn_blocking(move || keywords_of(&texts))
            .await
            .unwrap_or_default())
    };
    let urgent = latest(
        ctx,
        "shop_id, conversation_id, CAST(ts AS VARCHAR) AS at, COALESCE(text_masked, text) AS shown, categories",
        &urgent_filter,
        urgent_from,
        URGENT_ITEMS,
    );
    let (keywords, urgent) = futures::try_join!(keywords, urgent)?;
    let all = days.values().fold(Sums::default(), |mut a, s| {
        a.add(s);
        a
    });
    Ok(MessageSide {
        negative_by_category: by_category
            .into_iter()
            .map(|(k, s)| (k, s.negative_share()))
            .collect(),
        sentiment: days
            .into_iter()
            .map(|(t, s)| SentimentDay {
                t,
                mean: (s.messages > 0).then(|| s.sentiment / s.messages as f64),
                negative_share: s.negative_share(),
                messages: s.messages,
            })
            .collect(),
        negative_share: all.negative_share(),
        urgent_messages: all.urgent,
        keywords,
        urgent: urgent
            .into_iter()
            .map(|r| UrgentMessage {
                shop_id: r[0].clone().unwrap_or_default(),
                conversation_id: r[1].clone().unwrap_or_default(),
                ts: r[2].clone().unwrap_or_default(),
                text: r[3].clone().unwrap_or_default(),
                categories: labels(&r[4]),
            })
            .collect(),
    })
}

/// What commented survey responses are about, most first (grouped by label list,
/// split here, like the conversations).
async fn survey_comments(ctx: &SessionContext, q: &ReportQuery) -> Result<Vec<CommentShare>> {
    let sw = comment_filter(q);
    let lists = text_rows(
        ctx,
        format!(
            "SELECT categories, COUNT(*),
                    SUM(CASE WHEN scale = 10 THEN score / 10.0 ELSE (score - 1.0) / 4.0 END)
             FROM surveys WHERE {sw} GROUP BY categories"
        ),
    )
    .await?;
    let total: i64 = lists.iter().map(|r| int(&r[1])).sum();
    let mut per: BTreeMap<&str, (i64, f64)> = BTreeMap::new();
    for r in &lists {
        for k in split_labels(&r[0]) {
            let e = per.entry(k).or_default();
            e.0 += int(&r[1]);
            e.1 += num(&r[2]).unwrap_or(0.0);
        }
    }
    let mut out: Vec<CommentShare> = per
        .into_iter()
        .map(|(category, (comments, sum))| CommentShare {
            category: category.to_string(),
            comments,
            share: (total > 0).then(|| comments as f64 / total as f64),
            mean_score: (comments > 0).then(|| sum / comments as f64),
        })
        .collect();
    out.sort_by(|a, b| {
        b.comments
            .cmp(&a.comments)
            .then(a.category.cmp(&b.category))
    });
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

#[cfg(test)]
mod tests {
    use super::first_day_needed;
    use chrono::{DateTime, Duration, NaiveDate};
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The facts' copies of kefu-text's constants agree with kefu-text.
    #[test]
    fn fact_constants_match_kefu_text() {
        assert_eq!(
            crate::fact_builder::OTHER_CATEGORY,
            kefu_text::categories::OTHER
        );
        assert_eq!(
            crate::fact_builder::NEGATIVE_SENTIMENT_BELOW,
            super::NEGATIVE_BELOW
        );
    }

    /// Counted from the latest day: 11-12 has 2, with 11-11 3 ≥ 3 → D = 11-11, two
    /// days earlier 11-09. Empty days do not count; too few rows → every day.
    #[test]
    fn first_day_by_hand() {
        let days = [
            (d("2026-11-10"), 5),
            (d("2026-11-11"), 1),
            (d("2026-11-12"), 2),
            (d("2026-11-13"), 0),
        ];
        assert_eq!(first_day_needed(&days, 3), Some(d("2026-11-09")));
        assert_eq!(first_day_needed(&days, 2), Some(d("2026-11-10")));
        assert_eq!(first_day_needed(&days, 9), None);
        assert_eq!(first_day_needed(&[], 1), None);
    }

    proptest! {
        /// Rows of shops anywhere from UTC−12 to UTC+14, dated in their own time:
        /// the `limit` latest instants are never dated before the day found.
        #[test]
        fn the_latest_rows_are_never_before_the_first_day(
            rows in prop::collection::vec((0i64..10 * 86_400, -12i64..=14), 1..200),
            limit in 1usize..60,
        ) {
            let base = DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").unwrap().naive_utc();
            let dated: Vec<(i64, NaiveDate)> = rows
                .iter()
                .map(|&(t, off)| (t, (base + Duration::seconds(t) + Duration::hours(off)).date()))
                .collect();
            let mut per_day = std::collections::BTreeMap::new();
            for (_, day) in &dated {
                *per_day.entry(*day).or_insert(0i64) += 1;
            }
            let per_day: Vec<(NaiveDate, i64)> = per_day.into_iter().collect();
            if let Some(first) = first_day_needed(&per_day, limit) {
                let mut by_time = dated.clone();
                by_time.sort_by_key(|r| std::cmp::Reverse(r.0));
                for (_, day) in by_time.iter().take(limit) {
                    prop_assert!(*day >= first, "{day} before {first}");
                }
            }
        }
    }
}
