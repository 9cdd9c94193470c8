//! Volume for forecasting and staffing: the shops in the store, conversations started
//! per shop-local hour, and a shop's conversations as simulation arrivals. Hours are
//! bucketed with chrono-tz (not in SQL) so that daylight-saving shops get their
//! wall-clock hours right.

use crate::sql::lit;
use crate::{App, AppError, AppResult};
use arrow::array::{Array, StringArray, TimestampMicrosecondArray};
use chrono::{DateTime, NaiveDateTime, Timelike};
use serde::Serialize;
use std::collections::BTreeMap;

/// One shop's size in the store (the demo's overview).
#[derive(Debug, Clone, Serialize)]
pub struct ShopSummary {
    pub shop: String,
    pub platform: Option<String>,
    pub messages: i64,
    pub conversations: i64,
    pub customers: i64,
    pub first_day: Option<String>,
    pub last_day: Option<String>,
}

impl App {
    /// Shops that have messages, sorted.
    pub async fn shops(&self) -> AppResult<Vec<String>> {
        let s = self.session().await?;
        let mut out = Vec::new();
        for b in s
            .batches("SELECT DISTINCT shop_id FROM messages ORDER BY shop_id")
            .await?
        {
            if let Some(a) = b.column(0).as_any().downcast_ref::<StringArray>() {
                out.extend(a.iter().flatten().map(str::to_string));
            }
        }
        Ok(out)
    }

    /// The shop a command means: the one named, or the only one in the store.
    pub async fn the_shop(&self, shop: Option<&str>) -> AppResult<String> {
        if let Some(s) = shop {
            return Ok(s.to_string());
        }
        let shops = self.shops().await?;
        match shops.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(AppError::NotFound(
                "the store has no messages yet: run `kefu ingest` or `kefu demo` first".into(),
            )),
            many => Err(AppError::bad(
                "shop",
                format!(
                    "several shops in the store, choose one: {}",
                    many.join(", ")
                ),
            )),
        }
    }

    /// Every shop with its messages, conversations, customers and days.
    pub async fn shop_summaries(&self) -> AppResult<Vec<ShopSummary>> {
        let s = self.session().await?;
        let rows = s
            .json_rows(
                "SELECT shop_id AS shop, platform, count(*) AS messages, count(DISTINCT conversation_id) AS conversations, \
                 count(DISTINCT customer_id) AS customers, CAST(min(local_date) AS VARCHAR) AS first_day, \
                 CAST(max(local_date) AS VARCHAR) AS last_day \
                 FROM messages GROUP BY shop_id, platform ORDER BY shop_id",
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| ShopSummary {
                shop: r["shop"].as_str().unwrap_or_default().to_string(),
                platform: r["platform"].as_str().map(str::to_string),
                messages: r["messages"].as_i64().unwrap_or(0),
                conversations: r["conversations"].as_i64().unwrap_or(0),
                customers: r["customers"].as_i64().unwrap_or(0),
                first_day: r["first_day"].as_str().map(str::to_string),
                last_day: r["last_day"].as_str().map(str::to_string),
            })
            .collect())
    }

    /// Conversations started per shop-local hour, every hour from the first to the
    /// last (hours without conversations are 0).
    pub async fn hourly_conversations(&self, shop: &str) -> AppResult<Vec<(NaiveDateTime, f64)>> {
        let s = self.session().await?;
        let tz = shop_tz(&s, shop)?;
        let sql = format!(
            "SELECT min(ts) AS start FROM messages WHERE shop_id = {} GROUP BY conversation_id",
            lit(shop)
        );
        let mut counts: BTreeMap<NaiveDateTime, f64> = BTreeMap::new();
        for b in s.batches(&sql).await? {
            let Some(a) = b
                .column(0)
                .as_any()
                .downcast_ref::<TimestampMicrosecondArray>()
            else {
                continue;
            };
            for v in a.iter().flatten() {
                let Some(t) = DateTime::from_timestamp_micros(v) else {
                    continue;
                };
                let local = t.with_timezone(&tz).naive_local();
                let hour = local
                    .date()
                    .and_hms_opt(local.hour(), 0, 0)
                    .unwrap_or(local);
                *counts.entry(hour).or_default() += 1.0;
            }
        }
        let (Some(first), Some(last)) = (
            counts.keys().next().copied(),
            counts.keys().next_back().copied(),
        ) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut h = first;
        while h <= last {
            out.push((h, counts.get(&h).copied().unwrap_or(0.0)));
            h += chrono::Duration::hours(1);
        }
        Ok(out)
    }

    /// A shop's conversations as simulation arrivals: start in shop time, handling
    /// time from the first human reply to the end (when both are known).
    pub async fn arrivals(&self, shop: &str) -> AppResult<Vec<kefu_forecast::sim::Arrival>> {
        let s = self.session().await?;
        let tz = shop_tz(&s, shop)?;
        let rows = s
            .json_rows(&format!(
                "SELECT CAST(start_ts AS BIGINT) AS s, CAST(first_reply_ts AS BIGINT) AS r, CAST(end_ts AS BIGINT) AS e \
                 FROM conversation_facts WHERE shop_id = {} AND cycle = 0 AND NOT outbound",
                lit(shop)
            ))
            .await?;
        let mut arrivals = Vec::new();
        for r in rows {
            let Some(start) = r["s"].as_i64().and_then(DateTime::from_timestamp_micros) else {
                continue;
            };
            let service = match (r["r"].as_i64(), r["e"].as_i64()) {
                (Some(x), Some(e)) if e > x => Some((e - x) as f64 / 1e6),
                _ => None,
            };
            arrivals.push(kefu_forecast::sim::Arrival {
                ts: start.with_timezone(&tz).naive_local(),
                service_secs: service,
            });
        }
        if arrivals.is_empty() {
            return Err(AppError::NotFound(format!(
                "shop {shop} has no conversations in the store"
            )));
        }
        Ok(arrivals)
    }
}

/// A shop's configured timezone.
fn shop_tz(s: &crate::Session, shop: &str) -> AppResult<chrono_tz::Tz> {
    s.config()
        .shop(shop)
        .and_then(|c| c.tz())
        .map_err(|e| AppError::bad("shop", e.to_string()))
}

/// Mean conversations per hour of day.
pub fn by_hour_of_day(series: &[(NaiveDateTime, f64)]) -> [f64; 24] {
    let mut sum = [0.0; 24];
    let mut n = [0.0; 24];
    for (t, v) in series {
        sum[t.hour() as usize] += v;
        n[t.hour() as usize] += 1.0;
    }
    std::array::from_fn(|h| if n[h] > 0.0 { sum[h] / n[h] } else { 0.0 })
}
