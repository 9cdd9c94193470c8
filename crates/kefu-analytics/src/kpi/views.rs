//! The dashboard's views beside the report: volume series and groupings, the
//! weekday × hour heatmap, response-time distributions, and the columns of a
//! drill-down row.

use super::body::Volume;
use super::sql::{n, rows};
use crate::buckets::{Bucket, buckets};
use crate::fact_batches::{CONVERSATIONS_TABLE, ROUNDS_TABLE};
use crate::query::{ReportQuery, Result, T};
use datafusion::prelude::SessionContext;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Time buckets of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Hour,
    Day,
    Week,
    Month,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// `2026-11-11 10`, `2026-11-11`, the Monday of the week, or `2026-11`.
    pub bucket: String,
    pub volume: Volume,
}

/// Volume per shop-local hour, day, ISO week (keyed by its Monday) or month.
pub async fn series(
    ctx: &SessionContext,
    q: &ReportQuery,
    grain: Grain,
) -> Result<Vec<SeriesPoint>> {
    let d = q.date_col(T::Conv);
    // Typed bucket keys (a date, an hour), made text only for the few result rows.
    let trunc = |unit: &str| format!("CAST(date_trunc('{unit}', CAST({d} AS TIMESTAMP)) AS DATE)");
    let (week, month) = (trunc("week"), trunc("month"));
    let keys: Vec<&str> = match grain {
        Grain::Hour => vec![d, "local_hour"],
        Grain::Day => vec![d],
        Grain::Week => vec![&week],
        Grain::Month => vec![&month],
    };
    let q2 = ReportQuery {
        by: None,
        ..q.clone()
    };
    let label = |k: &[String]| match (grain, k) {
        (Grain::Hour, [day, hour]) => format!("{day} {hour:0>2}"),
        (Grain::Month, [first_day]) => first_day.chars().take(7).collect(),
        _ => k.join(" "),
    };
    volume_grouped(ctx, &q2, &keys, label).await.map(|m| {
        m.into_iter()
            .map(|(bucket, volume)| SeriesPoint { bucket, volume })
            .collect()
    })
}

/// Volume per key. Customers are every customer who sent a message (as in the
/// report), distinct by grouping on (key, shop, sender) first: cheaper than
/// `COUNT(DISTINCT)` over a concatenated string.
async fn volume_grouped(
    ctx: &SessionContext,
    q: &ReportQuery,
    keys: &[&str],
    label: impl Fn(&[String]) -> String,
) -> Result<BTreeMap<String, Volume>> {
    let w = q.filter(T::Conv);
    let n_keys = keys.len();
    let select: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} AS k{i}"))
        .collect();
    let key_names: Vec<String> = (0..n_keys).map(|i| format!("k{i}")).collect();
    let group: Vec<String> = (1..=n_keys).map(|i| i.to_string()).collect();
    let inner_group: Vec<String> = (1..=n_keys + 2).map(|i| i.to_string()).collect();
    let counts = format!(
        "SELECT {sel}, SUM(CASE WHEN cycle = 0 THEN 1 ELSE 0 END),
           SUM(customer_messages), SUM(agent_messages), SUM(bot_messages)
         FROM {CONVERSATIONS_TABLE} WHERE {w} GROUP BY {g}",
        sel = select.join(", "),
        g = group.join(", "),
    );
    let customers = format!(
        "SELECT {kn}, COUNT(*) FROM (
           SELECT {kn}, shop_id, sender FROM (
             SELECT {sel}, shop_id, {senders} AS sender FROM {CONVERSATIONS_TABLE} WHERE {w}) s
           WHERE sender IS NOT NULL GROUP BY {ig}) t
         GROUP BY {g}",
        kn = key_names.join(", "),
        sel = select.join(", "),
        senders = crate::query::CUSTOMER_SENDERS,
        ig = inner_group.join(", "),
        g = group.join(", "),
    );
    let (counts, customers) =
        futures::try_join!(rows(ctx, &counts, n_keys), rows(ctx, &customers, n_keys))?;
    let mut out: BTreeMap<String, Volume> = BTreeMap::new();
    for (k, v) in counts {
        let e = out.entry(label(&k)).or_default();
        e.conversations = n(v[0]);
        e.customer_messages = n(v[1]);
        e.agent_messages = n(v[2]);
        e.bot_messages = n(v[3]);
    }
    for (k, v) in customers {
        out.entry(label(&k)).or_default().customers = n(v[0]);
    }
    Ok(out)
}

/// Conversations started per shop-local weekday (row 0 = Monday) × hour (column).
pub async fn heatmap(ctx: &SessionContext, q: &ReportQuery) -> Result<Vec<Vec<i64>>> {
    let w = q.filter(T::Conv);
    let sql = format!(
        "SELECT weekday, local_hour, COUNT(*) FROM {CONVERSATIONS_TABLE} WHERE {w} AND cycle = 0 GROUP BY 1, 2"
    );
    let mut grid = vec![vec![0i64; 24]; 7];
    for (_, v) in rows(ctx, &sql, 0).await? {
        let (d, h) = (n(v[0]), n(v[1]));
        if (1..=7).contains(&d) && (0..24).contains(&h) {
            grid[(d - 1) as usize][h as usize] = n(v[2]);
        }
    }
    Ok(grid)
}

/// Volume by product (conversations naming it), channel, platform or shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VolumeBy {
    Product,
    Channel,
    Platform,
    Shop,
}

fn first(k: &[String]) -> String {
    k[0].clone()
}

pub async fn volume_by(
    ctx: &SessionContext,
    q: &ReportQuery,
    by: VolumeBy,
) -> Result<BTreeMap<String, Volume>> {
    match by {
        VolumeBy::Channel => volume_grouped(ctx, q, &["channel"], first).await,
        VolumeBy::Platform => volume_grouped(ctx, q, &["platform"], first).await,
        VolumeBy::Shop => volume_grouped(ctx, q, &["shop_id"], first).await,
        VolumeBy::Product => {
            // Split the product lists here: a conversation counts once per product.
            let per_list = volume_grouped(ctx, q, &["COALESCE(product_ids, '')"], first).await?;
            let mut out: BTreeMap<String, Volume> = BTreeMap::new();
            for (list, v) in per_list {
                for p in list.split(',').filter(|p| !p.is_empty()) {
                    let e = out.entry(p.to_string()).or_default();
                    e.conversations += v.conversations;
                    e.customers += v.customers;
                    e.customer_messages += v.customer_messages;
                    e.agent_messages += v.agent_messages;
                    e.bot_messages += v.bot_messages;
                }
            }
            Ok(out)
        }
    }
}

/// First response times in the METRICS.md buckets ([`buckets`]), every bucket with
/// its count, in order.
pub async fn frt_distribution(ctx: &SessionContext, q: &ReportQuery) -> Result<Vec<(Bucket, i64)>> {
    let (w, col) = (q.filter(T::Frt), q.frt_col());
    let cases = Bucket::case_sql(col, "frt_answered = false");
    let sql = format!(
        "SELECT {cases}, COUNT(*) FROM {CONVERSATIONS_TABLE} WHERE {w} AND frt_answered IS NOT NULL GROUP BY 1"
    );
    bucket_counts(ctx, &sql).await
}

/// Human-round response times in the METRICS.md buckets ([`buckets`]), every bucket
/// with its count, in order.
pub async fn response_distribution(
    ctx: &SessionContext,
    q: &ReportQuery,
) -> Result<Vec<(Bucket, i64)>> {
    let (w, col) = (q.filter(T::Rounds), q.response_col());
    let cases = Bucket::case_sql(col, "kind = 'unanswered'");
    let sql = format!(
        "SELECT {cases}, COUNT(*) FROM {ROUNDS_TABLE} WHERE {w} AND kind <> 'bot' GROUP BY 1"
    );
    bucket_counts(ctx, &sql).await
}

/// (bucket index, count) rows → every bucket with its count.
async fn bucket_counts(ctx: &SessionContext, sql: &str) -> Result<Vec<(Bucket, i64)>> {
    let mut out: Vec<(Bucket, i64)> = buckets().into_iter().map(|b| (b, 0)).collect();
    for (_, v) in rows(ctx, sql, 0).await? {
        let i = n(v[0]);
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
            slot.1 = n(v[1]);
        }
    }
    Ok(out)
}
