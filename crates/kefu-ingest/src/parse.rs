//! Field values → canonical records. Each builder returns the record or the reason
//! the row goes to quarantine; the reasons are written for the person who will fix
//! the export.

use crate::mapping::TimestampSpec;
use crate::normalize::normalize_text;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use kefu_model::record_batches::row_key;
use kefu_model::{MessageKind, MessageRecord, OrderRecord, ReviewRecord, Sender, SurveyRecord};

/// Where a row came from and the settings that complete it.
pub struct RowContext<'a> {
    pub file: &'a str,
    pub row: u64,
    pub default_shop: &'a str,
    pub default_platform: &'a str,
    /// The timezone of a shop (naive timestamps are read in it, local dates derived).
    pub tz_of: &'a dyn Fn(&str) -> Tz,
    pub ts_spec: &'a TimestampSpec,
}

fn need<'a>(get: &dyn Fn(&str) -> Option<&'a str>, f: &str) -> Result<&'a str, String> {
    get(f).ok_or_else(|| format!("missing required field {f}"))
}

const NAIVE_FORMATS: &[&str] = &[
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
];

/// Parses an instant: RFC 3339 (and close variants with an offset) as given,
/// naive date-times in the shop's timezone.
pub fn parse_ts(v: &str, spec: &TimestampSpec, tz: Tz) -> Result<DateTime<Utc>, String> {
    let v = v.trim();
    let bad = || format!("bad timestamp '{v}'");
    let naive = |n: NaiveDateTime| {
        tz.from_local_datetime(&n)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| format!("timestamp '{v}' does not exist in {tz} (clock change)"))
    };
    match spec.format.as_str() {
        "auto" => {
            if let Ok(t) = DateTime::parse_from_rfc3339(v) {
                return Ok(t.to_utc());
            }
            for f in [
                "%Y-%m-%d %H:%M:%S%.f %z",
                "%Y-%m-%d %H:%M:%S%.f%:z",
                "%a %b %d %H:%M:%S %z %Y",
            ] {
                if let Ok(t) = DateTime::parse_from_str(v, f) {
                    return Ok(t.to_utc());
                }
            }
            for f in NAIVE_FORMATS {
                if let Ok(n) = NaiveDateTime::parse_from_str(v, f) {
                    return naive(n);
                }
            }
            if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                return naive(d.and_hms_opt(0, 0, 0).ok_or_else(bad)?);
            }
            Err(bad())
        }
        "unix" | "unix_ms" => {
            let n: f64 = v.parse().map_err(|_| bad())?;
            let micros = if spec.format == "unix" {
                n * 1e6
            } else {
                n * 1e3
            };
            DateTime::from_timestamp_micros(micros as i64).ok_or_else(bad)
        }
        f => {
            if let Ok(t) = DateTime::parse_from_str(v, f) {
                return Ok(t.to_utc());
            }
            // A date-only pattern (`%d/%m/%Y`) reads as the day's midnight.
            NaiveDateTime::parse_from_str(v, f)
                .or_else(|e| {
                    NaiveDate::parse_from_str(v, f)
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                        .ok_or(e)
                })
                .map_err(|_| format!("bad timestamp '{v}' (expected format {f})"))
                .and_then(naive)
        }
    }
}

/// Ids exported through spreadsheets come back as `3.0`; the id is `3`.
pub fn clean_id(v: &str) -> String {
    let v = v.trim();
    match v.strip_suffix(".0") {
        Some(head) if !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit()) => {
            head.to_string()
        }
        _ => v.to_string(),
    }
}

fn opt_id(v: Option<&str>) -> Option<String> {
    v.map(clean_id).filter(|s| !s.is_empty())
}

fn local_date(ts: DateTime<Utc>, tz: Tz) -> NaiveDate {
    ts.with_timezone(&tz).date_naive()
}

fn parse_amount(v: &str) -> Result<f64, String> {
    let cleaned: String = v
        .trim()
        .trim_start_matches(['¥', '￥', '$'])
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let cleaned = cleaned.trim_end_matches('元');
    cleaned
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("bad amount '{v}'"))
}

/// Builds a message; `conversation_id` is empty when the source has none (the
/// sessioniser fills it).
pub fn message<'a>(
    get: &dyn Fn(&str) -> Option<&'a str>,
    cx: &RowContext,
) -> Result<MessageRecord, String> {
    let shop = get("shop_id")
        .map(clean_id)
        .unwrap_or_else(|| cx.default_shop.to_string());
    let tz = (cx.tz_of)(&shop);
    let ts = parse_ts(need(get, "ts")?, cx.ts_spec, tz)?;
    let sender: Sender = need(get, "sender")?.parse()?;
    let kind = MessageKind::parse(get("kind").unwrap_or(""));
    let raw = match get("text") {
        Some(t) => t.to_string(),
        // Event rows (transfer, resolve ...) and pictures may carry no text.
        None if !matches!(kind, MessageKind::Text) => String::new(),
        None => return Err("missing required field text".into()),
    };
    let conversation_id = opt_id(get("conversation_id")).unwrap_or_default();
    let customer_id = opt_id(get("customer_id"));
    if conversation_id.is_empty() && customer_id.is_none() {
        return Err("missing required field conversation_id or customer_id".into());
    }
    let text = normalize_text(&raw);
    let message_id = match opt_id(get("message_id")) {
        Some(id) => id,
        None => format!(
            "h:{:016x}",
            row_key(&[
                &conversation_id,
                customer_id.as_deref().unwrap_or(""),
                &ts.timestamp_micros().to_string(),
                sender.as_str(),
                &text,
            ]) as u64
        ),
    };
    Ok(MessageRecord {
        message_id,
        conversation_id,
        platform: get("platform").unwrap_or(cx.default_platform).to_string(),
        channel: get("channel").unwrap_or("chat").to_lowercase(),
        local_date: local_date(ts, tz),
        ts,
        sender,
        agent_id: opt_id(get("agent_id")),
        customer_id,
        text,
        text_raw: raw,
        kind,
        product_id: opt_id(get("product_id")),
        order_id: opt_id(get("order_id")),
        text_masked: None,
        categories: Vec::new(),
        sentiment: None,
        urgent: None,
        spam: None,
        intent: None,
        source_file: cx.file.to_string(),
        source_row: cx.row,
        shop_id: shop,
    })
}

pub fn order<'a>(
    get: &dyn Fn(&str) -> Option<&'a str>,
    cx: &RowContext,
) -> Result<OrderRecord, String> {
    let shop = get("shop_id")
        .map(clean_id)
        .unwrap_or_else(|| cx.default_shop.to_string());
    let tz = (cx.tz_of)(&shop);
    let created_at = parse_ts(need(get, "created_at")?, cx.ts_spec, tz)?;
    let paid_at = get("paid_at")
        .map(|v| parse_ts(v, cx.ts_spec, tz))
        .transpose()?;
    Ok(OrderRecord {
        order_id: clean_id(need(get, "order_id")?),
        customer_id: opt_id(get("customer_id")),
        product_id: opt_id(get("product_id")),
        local_date: local_date(created_at, tz),
        created_at,
        paid_at,
        amount: get("amount").map(parse_amount).transpose()?,
        status: get("status").map(str::to_string),
        source_file: cx.file.to_string(),
        source_row: cx.row,
        shop_id: shop,
    })
}

/// Three-level answers map to 5/3/1 on scale 3 (METRICS.md).
fn three_level(v: &str) -> Option<f64> {
    match v.trim() {
        "满意" | "非常满意" | "satisfied" | "good" => Some(5.0),
        "一般" | "neutral" | "ok" => Some(3.0),
        "不满意" | "非常不满意" | "dissatisfied" | "bad" => Some(1.0),
        _ => None,
    }
}

pub fn survey<'a>(
    get: &dyn Fn(&str) -> Option<&'a str>,
    cx: &RowContext,
) -> Result<SurveyRecord, String> {
    let shop = get("shop_id")
        .map(clean_id)
        .unwrap_or_else(|| cx.default_shop.to_string());
    let tz = (cx.tz_of)(&shop);
    let ts = parse_ts(need(get, "ts")?, cx.ts_spec, tz)?;
    let raw_score = need(get, "score")?;
    let (score, implied_scale) = match three_level(raw_score) {
        Some(s) => (s, Some(3)),
        None => (
            raw_score
                .trim()
                .parse::<f64>()
                .map_err(|_| format!("bad score '{raw_score}'"))?,
            None,
        ),
    };
    let scale = match get("scale").map(str::trim) {
        Some("5") | Some("stars") | Some("5星") => 5,
        Some("3") | Some("three") | Some("三级") => 3,
        Some("10") | Some("11") | Some("nps") | Some("0-10") => 10,
        Some(other) => {
            return Err(format!(
                "unknown survey scale '{other}' (expected 5, 3 or 10)"
            ));
        }
        // No scale column: three-level words are scale 3, scores above 5 or a 0 are
        // 0–10, the rest 1–5 stars.
        None => implied_scale.unwrap_or(if score > 5.0 || score == 0.0 { 10 } else { 5 }),
    };
    let valid = match scale {
        5 => (1.0..=5.0).contains(&score),
        3 => [1.0, 3.0, 5.0].contains(&score) || (1.0..=3.0).contains(&score),
        _ => (0.0..=10.0).contains(&score),
    };
    if !valid {
        return Err(format!("score {score} is outside scale {scale}"));
    }
    // A 1..3 numeric answer on the three-level scale maps to 1/3/5.
    let score = if scale == 3 && implied_scale.is_none() && score <= 3.0 && score != 5.0 {
        match score as i64 {
            3 => 5.0,
            2 => 3.0,
            _ => 1.0,
        }
    } else {
        score
    };
    let conversation_id = opt_id(get("conversation_id"));
    let customer_id = opt_id(get("customer_id"));
    let dimension = get("dimension").unwrap_or("overall").trim().to_lowercase();
    let survey_id = format!(
        "h:{:016x}",
        row_key(&[
            conversation_id.as_deref().unwrap_or(""),
            customer_id.as_deref().unwrap_or(""),
            &ts.timestamp_micros().to_string(),
            &dimension,
            &score.to_string(),
        ]) as u64
    );
    Ok(SurveyRecord {
        survey_id,
        conversation_id,
        customer_id,
        agent_id: opt_id(get("agent_id")),
        local_date: local_date(ts, tz),
        ts,
        score,
        scale,
        dimension,
        comment: get("comment").map(str::to_string),
        comment_masked: None,
        categories: Vec::new(),
        sentiment: None,
        urgent: None,
        spam: None,
        source_file: cx.file.to_string(),
        source_row: cx.row,
        shop_id: shop,
    })
}

pub fn review<'a>(
    get: &dyn Fn(&str) -> Option<&'a str>,
    cx: &RowContext,
) -> Result<ReviewRecord, String> {
    let shop = get("shop_id")
        .map(clean_id)
        .unwrap_or_else(|| cx.default_shop.to_string());
    let tz = (cx.tz_of)(&shop);
    let ts = parse_ts(need(get, "ts")?, cx.ts_spec, tz)?;
    let raw = need(get, "text")?.to_string();
    let rating = get("rating")
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .map_err(|_| format!("bad rating '{v}'"))
        })
        .transpose()?;
    if let Some(r) = rating
        && !(0.0..=5.0).contains(&r)
    {
        return Err(format!("rating {r} is outside 0–5"));
    }
    let text = normalize_text(&raw);
    let customer_id = opt_id(get("customer_id"));
    let product_id = opt_id(get("product_id"));
    let review_id = opt_id(get("review_id")).unwrap_or_else(|| {
        format!(
            "h:{:016x}",
            row_key(&[
                customer_id.as_deref().unwrap_or(""),
                product_id.as_deref().unwrap_or(""),
                &ts.timestamp_micros().to_string(),
                &text,
            ]) as u64
        )
    });
    Ok(ReviewRecord {
        review_id,
        product_id,
        customer_id,
        local_date: local_date(ts, tz),
        ts,
        rating,
        text,
        text_raw: raw,
        sentiment: None,
        spam: None,
        text_masked: None,
        categories: Vec::new(),
        urgent: None,
        source_file: cx.file.to_string(),
        source_row: cx.row,
        shop_id: shop,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh() -> Tz {
        chrono_tz::Asia::Shanghai
    }

    #[test]
    fn timestamps_in_shop_time_and_with_offsets() {
        let spec = TimestampSpec::default();
        let a = parse_ts("2026-11-11 00:30:00", &spec, sh()).unwrap();
        assert_eq!(a.to_rfc3339(), "2026-11-10T16:30:00+00:00");
        let b = parse_ts("2026-11-11T00:30:00+08:00", &spec, chrono_tz::UTC).unwrap();
        assert_eq!(a, b);
        let c = parse_ts("Tue Oct 31 22:10:47 +0000 2017", &spec, sh()).unwrap();
        assert_eq!(c.to_rfc3339(), "2017-10-31T22:10:47+00:00");
        assert!(
            parse_ts("yesterday", &spec, sh())
                .unwrap_err()
                .contains("bad timestamp")
        );
        let unix = TimestampSpec {
            format: "unix".into(),
        };
        assert_eq!(parse_ts("60", &unix, sh()).unwrap().timestamp(), 60);
    }

    #[test]
    fn nonexistent_local_times_are_refused() {
        let spec = TimestampSpec::default();
        let e = parse_ts("2026-03-08 02:30:00", &spec, chrono_tz::America::New_York).unwrap_err();
        assert!(e.contains("does not exist"), "{e}");
    }

    #[test]
    fn ids_lose_spreadsheet_decimals() {
        assert_eq!(clean_id("3.0"), "3");
        assert_eq!(clean_id(" 119237.0 "), "119237");
        assert_eq!(clean_id("v3.0"), "v3.0");
        assert_eq!(clean_id("abc"), "abc");
    }

    #[test]
    fn amounts_accept_currency_marks() {
        assert_eq!(parse_amount("¥1,299.50").unwrap(), 1299.5);
        assert_eq!(parse_amount("88元").unwrap(), 88.0);
        assert!(parse_amount("free").is_err());
    }
}
