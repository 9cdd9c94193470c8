//! The conversations behind any number: drill-down lists with the report's filters
//! plus the drill-down ones (weekday, hour, day, duration bucket, a SQL predicate),
//! every row for an export, and one conversation's transcript.

use crate::filters::Filters;
use crate::session::Session;
use crate::sql::lit;
use crate::views::DistributionMetric;
use crate::{App, AppError, AppResult};
use chrono::NaiveDate;
use kefu_analytics::ReportQuery;
use kefu_analytics::buckets::Bucket;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A drill-down list row. [`ROW_COLUMNS`] selects exactly these fields from
/// `conversation_facts`; exports and the API print them in this order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConversationRow {
    pub conversation_id: String,
    pub cycle: i64,
    pub shop_id: String,
    pub channel: String,
    pub platform: String,
    pub customer: String,
    pub start: String,
    pub end: String,
    pub first_agent: Option<String>,
    pub last_agent: Option<String>,
    pub frt_secs: Option<f64>,
    pub rounds_human: i64,
    pub rounds_unanswered: i64,
    pub resolved: bool,
    pub csat: Option<f64>,
    pub converted: bool,
    #[serde(default, deserialize_with = "comma_list")]
    pub categories: Vec<String>,
}

/// Each row field and the fact expression it is read from, in output order.
pub const ROW_COLUMNS: &[(&str, &str)] = &[
    ("conversation_id", "conversation_id"),
    ("cycle", "CAST(cycle AS BIGINT)"),
    ("shop_id", "shop_id"),
    ("channel", "COALESCE(channel, '')"),
    ("platform", "COALESCE(platform, '')"),
    ("customer", "COALESCE(customer, '')"),
    ("start", "CAST(start_ts AS VARCHAR)"),
    ("end", "CAST(end_ts AS VARCHAR)"),
    ("first_agent", "first_agent"),
    ("last_agent", "last_agent"),
    ("frt_secs", "frt_secs"),
    ("rounds_human", "CAST(human_rounds AS BIGINT)"),
    ("rounds_unanswered", "CAST(unanswered_rounds AS BIGINT)"),
    ("resolved", "resolved"),
    ("csat", "csat_score"),
    ("converted", "converted"),
    ("categories", "categories"),
];

/// Columns a list sorts by: the row field (API `sort=`) and the fact column.
pub const SORT_KEYS: &[(&str, &str)] = &[
    ("start", "start_ts"),
    ("end", "end_ts"),
    ("frt_secs", "frt_secs"),
    ("rounds_human", "human_rounds"),
    ("rounds_unanswered", "unanswered_rounds"),
    ("csat", "csat_score"),
    ("resolution_secs", "resolution_secs"),
    ("customer_messages", "customer_messages"),
    ("shop_id", "shop_id"),
    ("last_agent", "last_agent"),
];

fn select_list() -> String {
    ROW_COLUMNS
        .iter()
        .map(|(name, expr)| format!("{expr} AS \"{name}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn comma_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    Ok(s.unwrap_or_default()
        .split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect())
}

/// The fact column a sort key names; the error lists the allowed keys.
pub fn sort_column(key: &str) -> AppResult<&'static str> {
    SORT_KEYS
        .iter()
        .find(|(k, c)| *k == key || *c == key)
        .map(|(_, c)| *c)
        .ok_or_else(|| {
            let keys: Vec<&str> = SORT_KEYS.iter().map(|(k, _)| *k).collect();
            AppError::bad(
                "sort",
                format!("cannot sort by '{key}' (one of {})", keys.join(", ")),
            )
        })
}

/// The drill-down filters on top of the report's.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Shop-local weekday of the start, 1 = Monday … 7 = Sunday (first cycles).
    pub weekday: Option<u32>,
    /// Shop-local hour of the start, 0–23.
    pub hour: Option<u32>,
    /// One shop-local start date.
    pub date: Option<NaiveDate>,
    /// A duration bucket of a distribution.
    pub bucket: Option<(DistributionMetric, Bucket)>,
    /// A SQL predicate over the conversation facts (checked: one read-only expression).
    pub predicate: Option<String>,
    /// A sort key of [`SORT_KEYS`]; `None` = start.
    pub sort: Option<String>,
    pub ascending: bool,
    /// `None` = every row.
    pub limit: Option<usize>,
    pub offset: usize,
    /// What a predicate's queries may use (the API's limits; the CLI none).
    pub limits: crate::sql::QueryLimits,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConversationList {
    /// Rows matching, before paging.
    pub total: i64,
    pub rows: Vec<ConversationRow>,
}

/// A message of a transcript (masked text).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TranscriptMessage {
    pub ts: String,
    pub sender: String,
    #[serde(default)]
    pub agent_id: Option<String>,
    pub text: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "comma_list")]
    pub categories: Vec<String>,
    #[serde(default)]
    pub sentiment: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Transcript {
    /// The first care cycle.
    pub conversation: ConversationRow,
    pub cycles: Vec<ConversationRow>,
    /// Oldest first.
    pub messages: Vec<TranscriptMessage>,
}

impl App {
    /// The conversations behind a number.
    pub async fn conversations(&self, f: &Filters, l: &ListQuery) -> AppResult<ConversationList> {
        let (s, q) = self.prepare(f).await?;
        if l.predicate.as_deref().is_none_or(|p| p.trim().is_empty()) {
            return list_in(&s, &q, l).await;
        }
        // A user predicate is user SQL: it runs under the same bounds.
        let l = l.clone();
        crate::sql::bounded(l.limits, async move {
            let s = s.with_ctx(crate::sql::bounded_context(s.ctx(), l.limits)?);
            list_in(&s, &q, &l).await
        })
        .await
    }

    /// One conversation (every care cycle) and its messages; `shop` when two shops
    /// use the same id.
    pub async fn transcript(&self, id: &str, shop: Option<&str>) -> AppResult<Transcript> {
        let s = self.session().await?;
        transcript_in(&s, id, shop).await
    }
}

/// The conversations a distribution bucket counted: by their first response, or
/// having a human or unanswered round in the bucket.
fn bucket_condition(q: &ReportQuery, metric: DistributionMetric, b: &Bucket) -> String {
    match metric {
        DistributionMetric::Frt if b.unanswered => "frt_answered = false".into(),
        DistributionMetric::Frt => format!("frt_answered AND {}", b.range_sql(q.frt_column())),
        DistributionMetric::Response => {
            let cond = if b.unanswered {
                "kind = 'unanswered'".to_string()
            } else {
                format!("kind = 'human' AND {}", b.range_sql(q.response_column()))
            };
            format!(
                "shop_id || '|' || conversation_id || '|' || CAST(cycle AS VARCHAR) IN
                  (SELECT shop_id || '|' || conversation_id || '|' || CAST(cycle AS VARCHAR) FROM rounds WHERE {} AND {cond})",
                q.round_filter()
            )
        }
    }
}

fn rows_of(v: Vec<Value>) -> AppResult<Vec<ConversationRow>> {
    v.into_iter()
        .map(|r| serde_json::from_value(r).map_err(AppError::from))
        .collect()
}

pub(crate) async fn list_in(
    s: &Session,
    q: &ReportQuery,
    l: &ListQuery,
) -> AppResult<ConversationList> {
    let mut w = vec![q.conversation_filter()];
    if let Some(d) = l.weekday {
        if !(1..=7).contains(&d) {
            return Err(AppError::bad("weekday", format!("'{d}' is not 1–7")));
        }
        w.push(format!("weekday = {d} AND cycle = 0"));
    }
    if let Some(h) = l.hour {
        if h > 23 {
            return Err(AppError::bad("hour", format!("'{h}' is not 0–23")));
        }
        w.push(format!("local_hour = {h}"));
    }
    if let Some(d) = l.date {
        w.push(format!("conv_local_date = DATE {}", lit(&d.to_string())));
    }
    if let Some((side, b)) = &l.bucket {
        w.push(bucket_condition(q, *side, b));
    }
    if let Some(p) = l
        .predicate
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        crate::sql::check_conversation_predicate(s, "where", p).await?;
        w.push(format!("({p})"));
    }
    let sort = match l.sort.as_deref().map(str::trim).filter(|x| !x.is_empty()) {
        None => "start_ts",
        Some(k) => sort_column(k)?,
    };
    let w = w.join(" AND ");
    let total = s
        .json_rows(&format!(
            "SELECT COUNT(*) AS n FROM conversation_facts WHERE {w}"
        ))
        .await?
        .first()
        .and_then(|r| r["n"].as_i64())
        .unwrap_or(0);
    let page = match l.limit {
        Some(n) => format!(" LIMIT {n} OFFSET {}", l.offset),
        None if l.offset > 0 => format!(" OFFSET {}", l.offset),
        None => String::new(),
    };
    let rows = s
        .json_rows(&format!(
            "SELECT {} FROM conversation_facts WHERE {w}
             ORDER BY {sort} {} NULLS LAST, shop_id, conversation_id, cycle{page}",
            select_list(),
            if l.ascending { "ASC" } else { "DESC" },
        ))
        .await?;
    Ok(ConversationList {
        total,
        rows: rows_of(rows)?,
    })
}

pub(crate) async fn transcript_in(
    s: &Session,
    id: &str,
    shop: Option<&str>,
) -> AppResult<Transcript> {
    let mut w = format!("conversation_id = {}", lit(id));
    if let Some(sh) = shop.map(str::trim).filter(|x| !x.is_empty()) {
        w.push_str(&format!(" AND shop_id = {}", lit(sh)));
    }
    let cycles = rows_of(
        s.json_rows(&format!(
            "SELECT {} FROM conversation_facts WHERE {w} ORDER BY shop_id, cycle",
            select_list()
        ))
        .await?,
    )?;
    let Some(first) = cycles.first().cloned() else {
        return Err(AppError::NotFound(format!("no conversation '{id}'")));
    };
    let messages = s
        .json_rows(&format!(
            "SELECT CAST(ts AS VARCHAR) AS ts, sender, agent_id, COALESCE(text_masked, text) AS text, kind, categories, sentiment
             FROM messages WHERE conversation_id = {} AND shop_id = {} ORDER BY ts, message_id",
            lit(id),
            lit(&first.shop_id)
        ))
        .await?
        .into_iter()
        .map(|m| serde_json::from_value(m).map_err(AppError::from))
        .collect::<AppResult<Vec<TranscriptMessage>>>()?;
    Ok(Transcript {
        conversation: first,
        cycles,
        messages,
    })
}
