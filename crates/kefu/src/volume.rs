//! Hourly conversation volume of a shop from the store, in shop-local time, for
//! forecasting and the demo's peak hours. Hours are bucketed here with chrono-tz
//! (not in SQL) so that daylight-saving shops get their wall-clock hours right.

use anyhow::Result;
use arrow::array::{Array, StringArray, TimestampMicrosecondArray};
use chrono::{DateTime, NaiveDateTime, Timelike};
use chrono_tz::Tz;
use kefu_store::Store;
use std::collections::BTreeMap;

/// Shops that have messages.
pub async fn shops(store: &Store) -> Result<Vec<String>> {
    let batches = store
        .sql("SELECT DISTINCT shop_id FROM messages ORDER BY shop_id")
        .await?;
    let mut out = Vec::new();
    for b in batches {
        if let Some(a) = b.column(0).as_any().downcast_ref::<StringArray>() {
            out.extend(a.iter().flatten().map(str::to_string));
        }
    }
    Ok(out)
}

/// Conversations started per shop-local hour, every hour from the first to the last
/// (hours without conversations are 0).
pub async fn hourly_conversations(
    store: &Store,
    shop: &str,
    tz: Tz,
) -> Result<Vec<(NaiveDateTime, f64)>> {
    let sql = format!(
        "SELECT min(ts) AS start FROM messages WHERE shop_id = '{}' GROUP BY conversation_id",
        shop.replace('\'', "''")
    );
    let mut counts: BTreeMap<NaiveDateTime, f64> = BTreeMap::new();
    for b in store.sql(&sql).await? {
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
