//! Records ⇄ Arrow record batches, and the row keys that make ingest idempotent.

use crate::records::*;
use crate::schema;
use arrow::array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float32Array, Float64Array, Int32Array, Int64Array,
    RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::SchemaRef;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("column '{0}' missing or of an unexpected type")]
    Column(String),
    #[error("column '{column}' row {row}: {reason}")]
    Value {
        column: String,
        row: usize,
        reason: String,
    },
}

/// A stable 64-bit hash of the parts that identify a row (xxh3, fixed seed), with a
/// separator so that ("ab","c") and ("a","bc") differ.
pub fn row_key(parts: &[&str]) -> i64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update(&[0x1f]);
    }
    h.digest() as i64
}

/// Labels as stored: comma-separated, null when there are none (simpler across
/// engines than a list column).
fn joined(labels: &[String]) -> Option<String> {
    (!labels.is_empty()).then(|| labels.join(","))
}

fn split_labels(stored: Option<String>) -> Vec<String> {
    stored
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_default()
}

/// Shop-local `YYYY-MM`, the partition value.
pub fn month_of(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

const EPOCH_DAYS_CE: i32 = 719_163;

fn date32(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - EPOCH_DAYS_CE
}

fn from_date32(v: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(v + EPOCH_DAYS_CE).unwrap_or_default()
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn strs<'a>(it: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(it))
}

fn opt_strs<'a>(it: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(it))
}

fn ts_col(it: impl Iterator<Item = i64>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from_iter_values(it).with_timezone("UTC"))
}

fn opt_ts_col(it: impl Iterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from_iter(it).with_timezone("UTC"))
}

fn dates(it: impl Iterator<Item = NaiveDate>) -> ArrayRef {
    Arc::new(Date32Array::from_iter_values(it.map(date32)))
}

fn i64s(it: impl Iterator<Item = i64>) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(it))
}

/// Records that become one table's batches.
pub trait ToBatch: Sized {
    fn schema() -> SchemaRef;
    /// The identity used to drop duplicates across ingests.
    fn row_key(&self) -> i64;
    fn to_batch(rows: &[Self]) -> Result<RecordBatch, BatchError>;
}

impl MessageRecord {
    /// Messages are identified by shop and message id (the source's or a content hash).
    pub fn key(shop_id: &str, message_id: &str) -> i64 {
        row_key(&[shop_id, message_id])
    }
}

impl ToBatch for MessageRecord {
    fn schema() -> SchemaRef {
        schema::messages()
    }
    fn row_key(&self) -> i64 {
        MessageRecord::key(&self.shop_id, &self.message_id)
    }
    fn to_batch(rows: &[Self]) -> Result<RecordBatch, BatchError> {
        let cols: Vec<ArrayRef> = vec![
            i64s(rows.iter().map(|r| r.row_key())),
            strs(rows.iter().map(|r| r.message_id.as_str())),
            strs(rows.iter().map(|r| r.conversation_id.as_str())),
            strs(rows.iter().map(|r| r.shop_id.as_str())),
            strs(rows.iter().map(|r| r.platform.as_str())),
            strs(rows.iter().map(|r| r.channel.as_str())),
            ts_col(rows.iter().map(|r| micros(r.ts))),
            dates(rows.iter().map(|r| r.local_date)),
            strs(rows.iter().map(|r| r.sender.as_str())),
            opt_strs(rows.iter().map(|r| r.agent_id.as_deref())),
            opt_strs(rows.iter().map(|r| r.customer_id.as_deref())),
            strs(rows.iter().map(|r| r.text.as_str())),
            strs(rows.iter().map(|r| r.text_raw.as_str())),
            strs(rows.iter().map(|r| r.kind.as_str())),
            opt_strs(rows.iter().map(|r| r.product_id.as_deref())),
            opt_strs(rows.iter().map(|r| r.order_id.as_deref())),
            opt_strs(rows.iter().map(|r| r.text_masked.as_deref())),
            Arc::new(StringArray::from_iter(
                rows.iter().map(|r| joined(&r.categories)),
            )),
            Arc::new(Float32Array::from_iter(rows.iter().map(|r| r.sentiment))),
            Arc::new(BooleanArray::from_iter(rows.iter().map(|r| r.urgent))),
            strs(rows.iter().map(|r| r.source_file.as_str())),
            i64s(rows.iter().map(|r| r.source_row as i64)),
            strs(
                rows.iter()
                    .map(|r| month_of(r.local_date))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str),
            ),
            Arc::new(BooleanArray::from_iter(rows.iter().map(|r| r.spam))),
            opt_strs(rows.iter().map(|r| r.intent.as_deref())),
        ];
        Ok(RecordBatch::try_new(Self::schema(), cols)?)
    }
}

impl ToBatch for OrderRecord {
    fn schema() -> SchemaRef {
        schema::orders()
    }
    /// Orders are keyed by their whole content: a re-export with a new status is a
    /// new row (the latest per order id wins in analytics), the same export is not.
    fn row_key(&self) -> i64 {
        row_key(&[
            &self.shop_id,
            &self.order_id,
            self.customer_id.as_deref().unwrap_or(""),
            self.product_id.as_deref().unwrap_or(""),
            &self.created_at.to_rfc3339(),
            &self.paid_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            &self.amount.map(|a| a.to_string()).unwrap_or_default(),
            self.status.as_deref().unwrap_or(""),
        ])
    }
    fn to_batch(rows: &[Self]) -> Result<RecordBatch, BatchError> {
        let months: Vec<String> = rows.iter().map(|r| month_of(r.local_date)).collect();
        let cols: Vec<ArrayRef> = vec![
            i64s(rows.iter().map(|r| r.row_key())),
            strs(rows.iter().map(|r| r.order_id.as_str())),
            strs(rows.iter().map(|r| r.shop_id.as_str())),
            opt_strs(rows.iter().map(|r| r.customer_id.as_deref())),
            opt_strs(rows.iter().map(|r| r.product_id.as_deref())),
            ts_col(rows.iter().map(|r| micros(r.created_at))),
            opt_ts_col(rows.iter().map(|r| r.paid_at.map(micros))),
            Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.amount))),
            opt_strs(rows.iter().map(|r| r.status.as_deref())),
            dates(rows.iter().map(|r| r.local_date)),
            strs(rows.iter().map(|r| r.source_file.as_str())),
            i64s(rows.iter().map(|r| r.source_row as i64)),
            strs(months.iter().map(String::as_str)),
        ];
        Ok(RecordBatch::try_new(Self::schema(), cols)?)
    }
}

impl ToBatch for SurveyRecord {
    fn schema() -> SchemaRef {
        schema::surveys()
    }
    fn row_key(&self) -> i64 {
        row_key(&[&self.shop_id, &self.survey_id])
    }
    fn to_batch(rows: &[Self]) -> Result<RecordBatch, BatchError> {
        let months: Vec<String> = rows.iter().map(|r| month_of(r.local_date)).collect();
        let cols: Vec<ArrayRef> = vec![
            i64s(rows.iter().map(|r| r.row_key())),
            strs(rows.iter().map(|r| r.survey_id.as_str())),
            strs(rows.iter().map(|r| r.shop_id.as_str())),
            opt_strs(rows.iter().map(|r| r.conversation_id.as_deref())),
            opt_strs(rows.iter().map(|r| r.customer_id.as_deref())),
            opt_strs(rows.iter().map(|r| r.agent_id.as_deref())),
            ts_col(rows.iter().map(|r| micros(r.ts))),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.score))),
            Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.scale))),
            strs(rows.iter().map(|r| r.dimension.as_str())),
            opt_strs(rows.iter().map(|r| r.comment.as_deref())),
            dates(rows.iter().map(|r| r.local_date)),
            opt_strs(rows.iter().map(|r| r.comment_masked.as_deref())),
            Arc::new(StringArray::from_iter(
                rows.iter().map(|r| joined(&r.categories)),
            )),
            Arc::new(Float32Array::from_iter(rows.iter().map(|r| r.sentiment))),
            Arc::new(BooleanArray::from_iter(rows.iter().map(|r| r.urgent))),
            Arc::new(BooleanArray::from_iter(rows.iter().map(|r| r.spam))),
            strs(rows.iter().map(|r| r.source_file.as_str())),
            i64s(rows.iter().map(|r| r.source_row as i64)),
            strs(months.iter().map(String::as_str)),
        ];
        Ok(RecordBatch::try_new(Self::schema(), cols)?)
    }
}

impl ToBatch for ReviewRecord {
    fn schema() -> SchemaRef {
        schema::reviews()
    }
    fn row_key(&self) -> i64 {
        row_key(&[&self.shop_id, &self.review_id])
    }
    fn to_batch(rows: &[Self]) -> Result<RecordBatch, BatchError> {
        let months: Vec<String> = rows.iter().map(|r| month_of(r.local_date)).collect();
        let cols: Vec<ArrayRef> = vec![
            i64s(rows.iter().map(|r| r.row_key())),
            strs(rows.iter().map(|r| r.review_id.as_str())),
            strs(rows.iter().map(|r| r.shop_id.as_str())),
            opt_strs(rows.iter().map(|r| r.product_id.as_deref())),
            opt_strs(rows.iter().map(|r| r.customer_id.as_deref())),
            ts_col(rows.iter().map(|r| micros(r.ts))),
            Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.rating))),
            strs(rows.iter().map(|r| r.text.as_str())),
            strs(rows.iter().map(|r| r.text_raw.as_str())),
            dates(rows.iter().map(|r| r.local_date)),
            Arc::new(Float32Array::from_iter(rows.iter().map(|r| r.sentiment))),
            Arc::new(BooleanArray::from_iter(rows.iter().map(|r| r.spam))),
            opt_strs(rows.iter().map(|r| r.text_masked.as_deref())),
            Arc::new(StringArray::from_iter(
                rows.iter().map(|r| joined(&r.categories)),
            )),
            Arc::new(BooleanArray::from_iter(rows.iter().map(|r| r.urgent))),
            strs(rows.iter().map(|r| r.source_file.as_str())),
            i64s(rows.iter().map(|r| r.source_row as i64)),
            strs(months.iter().map(String::as_str)),
        ];
        Ok(RecordBatch::try_new(Self::schema(), cols)?)
    }
}

impl ToBatch for QuarantineRecord {
    fn schema() -> SchemaRef {
        schema::quarantine()
    }
    fn row_key(&self) -> i64 {
        // Not the ingest id: quarantining the same bad row again adds nothing.
        row_key(&[
            &self.source_file,
            &self.source_row.to_string(),
            &self.reason,
            &self.raw,
        ])
    }
    fn to_batch(rows: &[Self]) -> Result<RecordBatch, BatchError> {
        let months: Vec<String> = rows
            .iter()
            .map(|r| month_of(r.ingested_at.date_naive()))
            .collect();
        let cols: Vec<ArrayRef> = vec![
            i64s(rows.iter().map(|r| r.row_key())),
            strs(rows.iter().map(|r| r.ingest_id.as_str())),
            ts_col(rows.iter().map(|r| micros(r.ingested_at))),
            strs(rows.iter().map(|r| r.source_file.as_str())),
            i64s(rows.iter().map(|r| r.source_row as i64)),
            strs(rows.iter().map(|r| r.table.as_str())),
            strs(rows.iter().map(|r| r.reason.as_str())),
            strs(rows.iter().map(|r| r.raw.as_str())),
            strs(months.iter().map(String::as_str)),
        ];
        Ok(RecordBatch::try_new(Self::schema(), cols)?)
    }
}

/// Typed access to a stored batch's columns by name, for readers of the store.
pub struct Columns<'a> {
    batch: &'a RecordBatch,
}

impl<'a> Columns<'a> {
    pub fn new(batch: &'a RecordBatch) -> Self {
        Columns { batch }
    }

    fn col<T: 'static>(&self, name: &str) -> Result<&'a T, BatchError> {
        self.batch
            .column_by_name(name)
            .and_then(|c| c.as_any().downcast_ref::<T>())
            .ok_or_else(|| BatchError::Column(name.to_string()))
    }

    pub fn str(&self, name: &str) -> Result<&'a StringArray, BatchError> {
        self.col(name)
    }
    pub fn ts(&self, name: &str) -> Result<&'a TimestampMicrosecondArray, BatchError> {
        self.col(name)
    }
    pub fn f64(&self, name: &str) -> Result<&'a Float64Array, BatchError> {
        self.col(name)
    }
    pub fn f32(&self, name: &str) -> Result<&'a Float32Array, BatchError> {
        self.col(name)
    }
    pub fn i64(&self, name: &str) -> Result<&'a Int64Array, BatchError> {
        self.col(name)
    }
    pub fn i32(&self, name: &str) -> Result<&'a Int32Array, BatchError> {
        self.col(name)
    }
    pub fn bool(&self, name: &str) -> Result<&'a BooleanArray, BatchError> {
        self.col(name)
    }
    pub fn date(&self, name: &str) -> Result<&'a Date32Array, BatchError> {
        self.col(name)
    }
}

fn opt_string(a: &StringArray, i: usize) -> Option<String> {
    a.is_valid(i).then(|| a.value(i).to_string())
}

fn instant(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(v).unwrap_or_default()
}

impl MessageRecord {
    /// Reads stored message rows back (all columns of the `messages` schema).
    pub fn from_batch(batch: &RecordBatch) -> Result<Vec<MessageRecord>, BatchError> {
        let c = Columns::new(batch);
        let (mid, cid, shop, plat, chan) = (
            c.str("message_id")?,
            c.str("conversation_id")?,
            c.str("shop_id")?,
            c.str("platform")?,
            c.str("channel")?,
        );
        let (ts, ld, sender, agent, cust) = (
            c.ts("ts")?,
            c.date("local_date")?,
            c.str("sender")?,
            c.str("agent_id")?,
            c.str("customer_id")?,
        );
        let (text, raw, kind, prod, ord) = (
            c.str("text")?,
            c.str("text_raw")?,
            c.str("kind")?,
            c.str("product_id")?,
            c.str("order_id")?,
        );
        let (masked, cats, sent, urg, sf, sr) = (
            c.str("text_masked")?,
            c.str("categories")?,
            c.f32("sentiment")?,
            c.bool("urgent")?,
            c.str("source_file")?,
            c.i64("source_row")?,
        );
        // Absent in stores written before the column existed.
        let spam = c.bool("spam").ok();
        let intent = c.str("intent").ok();
        let mut out = Vec::with_capacity(batch.num_rows());
        for i in 0..batch.num_rows() {
            let sender_v = sender
                .value(i)
                .parse::<Sender>()
                .map_err(|e| BatchError::Value {
                    column: "sender".into(),
                    row: i,
                    reason: e,
                })?;
            out.push(MessageRecord {
                message_id: mid.value(i).to_string(),
                conversation_id: cid.value(i).to_string(),
                shop_id: shop.value(i).to_string(),
                platform: plat.value(i).to_string(),
                channel: chan.value(i).to_string(),
                ts: instant(ts.value(i)),
                sender: sender_v,
                agent_id: opt_string(agent, i),
                customer_id: opt_string(cust, i),
                text: text.value(i).to_string(),
                text_raw: raw.value(i).to_string(),
                kind: MessageKind::parse(kind.value(i)),
                product_id: opt_string(prod, i),
                order_id: opt_string(ord, i),
                local_date: from_date32(ld.value(i)),
                text_masked: opt_string(masked, i),
                categories: split_labels(opt_string(cats, i)),
                sentiment: sent.is_valid(i).then(|| sent.value(i)),
                urgent: urg.is_valid(i).then(|| urg.value(i)),
                spam: spam
                    .is_some_and(|c| c.is_valid(i))
                    .then(|| spam.is_some_and(|c| c.value(i))),
                intent: intent.and_then(|c| opt_string(c, i)),
                source_file: sf.value(i).to_string(),
                source_row: sr.value(i) as u64,
            });
        }
        Ok(out)
    }
}

impl OrderRecord {
    /// Reads stored order rows back.
    pub fn from_batch(batch: &RecordBatch) -> Result<Vec<OrderRecord>, BatchError> {
        let c = Columns::new(batch);
        let (oid, shop, cust, prod) = (
            c.str("order_id")?,
            c.str("shop_id")?,
            c.str("customer_id")?,
            c.str("product_id")?,
        );
        let (created, paid, amount, status) = (
            c.ts("created_at")?,
            c.ts("paid_at")?,
            c.f64("amount")?,
            c.str("status")?,
        );
        let (ld, sf, sr) = (
            c.date("local_date")?,
            c.str("source_file")?,
            c.i64("source_row")?,
        );
        Ok((0..batch.num_rows())
            .map(|i| OrderRecord {
                order_id: oid.value(i).to_string(),
                shop_id: shop.value(i).to_string(),
                customer_id: opt_string(cust, i),
                product_id: opt_string(prod, i),
                created_at: instant(created.value(i)),
                paid_at: paid.is_valid(i).then(|| instant(paid.value(i))),
                amount: amount.is_valid(i).then(|| amount.value(i)),
                status: opt_string(status, i),
                local_date: from_date32(ld.value(i)),
                source_file: sf.value(i).to_string(),
                source_row: sr.value(i) as u64,
            })
            .collect())
    }
}

impl SurveyRecord {
    /// Reads stored survey rows back.
    pub fn from_batch(batch: &RecordBatch) -> Result<Vec<SurveyRecord>, BatchError> {
        let c = Columns::new(batch);
        let (sid, shop, conv, cust, agent) = (
            c.str("survey_id")?,
            c.str("shop_id")?,
            c.str("conversation_id")?,
            c.str("customer_id")?,
            c.str("agent_id")?,
        );
        let (ts, score, scale, dim, comment) = (
            c.ts("ts")?,
            c.f64("score")?,
            c.i32("scale")?,
            c.str("dimension")?,
            c.str("comment")?,
        );
        let (ld, sf, sr) = (
            c.date("local_date")?,
            c.str("source_file")?,
            c.i64("source_row")?,
        );
        let (masked, cats, sent, urg, spam) = (
            c.str("comment_masked")?,
            c.str("categories")?,
            c.f32("sentiment")?,
            c.bool("urgent")?,
            c.bool("spam")?,
        );
        Ok((0..batch.num_rows())
            .map(|i| SurveyRecord {
                survey_id: sid.value(i).to_string(),
                shop_id: shop.value(i).to_string(),
                conversation_id: opt_string(conv, i),
                customer_id: opt_string(cust, i),
                agent_id: opt_string(agent, i),
                ts: instant(ts.value(i)),
                score: score.value(i),
                scale: scale.value(i),
                dimension: dim.value(i).to_string(),
                comment: opt_string(comment, i),
                local_date: from_date32(ld.value(i)),
                comment_masked: opt_string(masked, i),
                categories: split_labels(opt_string(cats, i)),
                sentiment: sent.is_valid(i).then(|| sent.value(i)),
                urgent: urg.is_valid(i).then(|| urg.value(i)),
                spam: spam.is_valid(i).then(|| spam.value(i)),
                source_file: sf.value(i).to_string(),
                source_row: sr.value(i) as u64,
            })
            .collect())
    }
}

impl ReviewRecord {
    /// Reads stored review rows back (for relabelling).
    pub fn from_batch(batch: &RecordBatch) -> Result<Vec<ReviewRecord>, BatchError> {
        let c = Columns::new(batch);
        let (rid, shop, prod, cust, ts) = (
            c.str("review_id")?,
            c.str("shop_id")?,
            c.str("product_id")?,
            c.str("customer_id")?,
            c.ts("ts")?,
        );
        let (rating, text, raw, ld, sent) = (
            c.f64("rating")?,
            c.str("text")?,
            c.str("text_raw")?,
            c.date("local_date")?,
            c.f32("sentiment")?,
        );
        let (spam, masked, cats, urg, sf, sr) = (
            c.bool("spam")?,
            c.str("text_masked")?,
            c.str("categories")?,
            c.bool("urgent")?,
            c.str("source_file")?,
            c.i64("source_row")?,
        );
        Ok((0..batch.num_rows())
            .map(|i| ReviewRecord {
                review_id: rid.value(i).to_string(),
                shop_id: shop.value(i).to_string(),
                product_id: opt_string(prod, i),
                customer_id: opt_string(cust, i),
                ts: instant(ts.value(i)),
                rating: rating.is_valid(i).then(|| rating.value(i)),
                text: text.value(i).to_string(),
                text_raw: raw.value(i).to_string(),
                local_date: from_date32(ld.value(i)),
                sentiment: sent.is_valid(i).then(|| sent.value(i)),
                spam: spam.is_valid(i).then(|| spam.value(i)),
                text_masked: opt_string(masked, i),
                categories: split_labels(opt_string(cats, i)),
                urgent: urg.is_valid(i).then(|| urg.value(i)),
                source_file: sf.value(i).to_string(),
                source_row: sr.value(i) as u64,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> MessageRecord {
        MessageRecord {
            message_id: "m1".into(),
            conversation_id: "c1".into(),
            shop_id: "shop".into(),
            platform: "douyin".into(),
            channel: "chat".into(),
            ts: DateTime::parse_from_rfc3339("2026-11-10T16:30:00Z")
                .unwrap()
                .to_utc(),
            sender: Sender::Customer,
            agent_id: None,
            customer_id: Some("u1".into()),
            text: "你好".into(),
            text_raw: "你好 ".into(),
            kind: MessageKind::Text,
            product_id: None,
            order_id: None,
            local_date: NaiveDate::from_ymd_opt(2026, 11, 11).unwrap(),
            text_masked: None,
            categories: vec!["logistics".into(), "service".into()],
            sentiment: Some(0.25),
            urgent: Some(false),
            spam: None,
            intent: None,
            source_file: "a.csv".into(),
            source_row: 3,
        }
    }

    #[test]
    fn messages_round_trip_through_arrow() {
        let rows = vec![msg()];
        let b = MessageRecord::to_batch(&rows).unwrap();
        assert_eq!(b.schema(), schema::messages());
        assert_eq!(MessageRecord::from_batch(&b).unwrap(), rows);
        let month = Columns::new(&b).str("month").unwrap().value(0).to_string();
        assert_eq!(month, "2026-11");
    }

    #[test]
    fn orders_and_surveys_round_trip_through_arrow() {
        let t = DateTime::parse_from_rfc3339("2026-11-10T16:30:00Z")
            .unwrap()
            .to_utc();
        let d = NaiveDate::from_ymd_opt(2026, 11, 11).unwrap();
        let orders = vec![OrderRecord {
            order_id: "o1".into(),
            shop_id: "s".into(),
            customer_id: Some("u1".into()),
            product_id: None,
            created_at: t,
            paid_at: None,
            amount: Some(12.5),
            status: Some("已付款".into()),
            local_date: d,
            source_file: "o.csv".into(),
            source_row: 2,
        }];
        let b = OrderRecord::to_batch(&orders).unwrap();
        assert_eq!(OrderRecord::from_batch(&b).unwrap(), orders);
        let surveys = vec![SurveyRecord {
            survey_id: "h:1".into(),
            shop_id: "s".into(),
            conversation_id: Some("c1".into()),
            customer_id: None,
            agent_id: Some("a".into()),
            ts: t,
            score: 3.0,
            scale: 3,
            dimension: "overall".into(),
            comment: Some("物流太慢".into()),
            local_date: d,
            comment_masked: Some("物流太慢".into()),
            categories: vec!["logistics".into()],
            sentiment: Some(0.1),
            urgent: Some(false),
            spam: None,
            source_file: "s.csv".into(),
            source_row: 1,
        }];
        let b = SurveyRecord::to_batch(&surveys).unwrap();
        assert_eq!(SurveyRecord::from_batch(&b).unwrap(), surveys);
    }

    #[test]
    fn reviews_read_back() {
        let t = DateTime::from_timestamp(1_763_000_000, 0).unwrap();
        let reviews = vec![ReviewRecord {
            review_id: "r1".into(),
            shop_id: "s".into(),
            product_id: Some("p1".into()),
            customer_id: None,
            ts: t,
            rating: Some(2.0),
            text: "快递太慢".into(),
            text_raw: "快递太慢".into(),
            local_date: t.date_naive(),
            sentiment: Some(0.25),
            spam: Some(false),
            text_masked: Some("快递太慢".into()),
            categories: vec!["logistics".into(), "service".into()],
            urgent: None,
            source_file: "r.csv".into(),
            source_row: 7,
        }];
        let b = ReviewRecord::to_batch(&reviews).unwrap();
        assert_eq!(ReviewRecord::from_batch(&b).unwrap(), reviews);
    }

    #[test]
    fn row_keys_separate_parts() {
        assert_ne!(row_key(&["ab", "c"]), row_key(&["a", "bc"]));
        assert_eq!(row_key(&["a", "b"]), row_key(&["a", "b"]));
    }

    #[test]
    fn date32_matches_unix_epoch() {
        assert_eq!(date32(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()), 1);
        assert_eq!(from_date32(1), NaiveDate::from_ymd_opt(1970, 1, 2).unwrap());
    }
}
