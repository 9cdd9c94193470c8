//! Arrow schemas of the fact tables, `to_batch`, and the keys the store merges by.
//!
//! Same conventions as `kefu_model::schema`: `Utf8` strings, instants as
//! `Timestamp(Microsecond, "UTC")`, no unsigned integers, `row_key` first and the
//! `month` partition column (shop-local `YYYY-MM` of the conversation start, so a row
//! never moves partition when its group is recomputed) last.
//!
//! `group_key` (shop × customer) is on every row: recomputing a group can change the
//! set of its rows (a reopen splits a cycle, a late message joins two sessions), so the
//! store replaces a group's rows by `group_key` rather than upserting by `row_key` alone.

use crate::facts::*;
use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kefu_model::record_batches::{month_of, row_key};
use kefu_model::schema::{PARTITION_COLUMN, ts_type};
use std::sync::Arc;

/// SQL table names the KPI layer expects.
pub const CONVERSATIONS_TABLE: &str = "conversation_facts";
pub const ROUNDS_TABLE: &str = "rounds";
pub const INQUIRIES_TABLE: &str = "inquiries";
pub const SURVEYS_TABLE: &str = "survey_facts";

/// The key of a group: every fact row of one shop × customer carries it.
pub fn group_key(shop_id: &str, customer: &str) -> i64 {
    row_key(&[shop_id, customer])
}

impl ConversationFact {
    /// Merge key: shop, conversation, cycle.
    pub fn key(&self) -> i64 {
        row_key(&[
            &self.shop_id,
            &self.conversation_id,
            &self.cycle.to_string(),
        ])
    }
    pub fn group_key(&self) -> i64 {
        group_key(&self.shop_id, &self.customer)
    }
}

impl RoundFact {
    /// Merge key: shop, conversation, cycle, round.
    pub fn key(&self) -> i64 {
        row_key(&[
            &self.shop_id,
            &self.conversation_id,
            &self.cycle.to_string(),
            &self.round.to_string(),
        ])
    }
    pub fn group_key(&self) -> i64 {
        group_key(&self.shop_id, &self.customer)
    }
}

impl InquiryFact {
    /// Merge key: shop, customer, consultation day.
    pub fn key(&self) -> i64 {
        row_key(&[&self.shop_id, &self.customer, &self.local_date.to_string()])
    }
    pub fn group_key(&self) -> i64 {
        group_key(&self.shop_id, &self.customer)
    }
}

impl SurveyFact {
    /// Merge key: shop, survey, credited agent.
    pub fn key(&self) -> i64 {
        row_key(&[
            &self.shop_id,
            &self.survey_id,
            self.agent_id.as_deref().unwrap_or(""),
        ])
    }
    pub fn group_key(&self) -> i64 {
        group_key(&self.shop_id, &self.customer)
    }
}

struct Col<T> {
    name: &'static str,
    dt: DataType,
    nullable: bool,
    f: fn(&[T]) -> ArrayRef,
}

fn col<T>(name: &'static str, dt: DataType, nullable: bool, f: fn(&[T]) -> ArrayRef) -> Col<T> {
    Col {
        name,
        dt,
        nullable,
        f,
    }
}

fn schema_of<T>(cols: &[Col<T>]) -> SchemaRef {
    Arc::new(Schema::new(
        cols.iter()
            .map(|c| Field::new(c.name, c.dt.clone(), c.nullable))
            .collect::<Vec<_>>(),
    ))
}

fn batch_of<T>(cols: &[Col<T>], rows: &[T]) -> Result<RecordBatch, ArrowError> {
    let arrays: Vec<ArrayRef> = cols.iter().map(|c| (c.f)(rows)).collect();
    RecordBatch::try_new(schema_of(cols), arrays)
}

fn s<T>(rows: &[T], f: impl Fn(&T) -> &str) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
}
fn so<T>(rows: &[T], f: impl Fn(&T) -> Option<&str>) -> ArrayRef {
    Arc::new(StringArray::from_iter(rows.iter().map(f)))
}
fn owned<T>(rows: &[T], f: impl Fn(&T) -> String) -> ArrayRef {
    let v: Vec<String> = rows.iter().map(f).collect();
    Arc::new(StringArray::from_iter_values(v.iter()))
}
fn i64c<T>(rows: &[T], f: impl Fn(&T) -> i64) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(rows.iter().map(f)))
}
fn i32c<T>(rows: &[T], f: impl Fn(&T) -> i32) -> ArrayRef {
    Arc::new(Int32Array::from_iter_values(rows.iter().map(f)))
}
fn f64c<T>(rows: &[T], f: impl Fn(&T) -> f64) -> ArrayRef {
    Arc::new(Float64Array::from_iter_values(rows.iter().map(f)))
}
fn f64o<T>(rows: &[T], f: impl Fn(&T) -> Option<f64>) -> ArrayRef {
    Arc::new(Float64Array::from_iter(rows.iter().map(f)))
}
fn b<T>(rows: &[T], f: impl Fn(&T) -> bool) -> ArrayRef {
    Arc::new(BooleanArray::from_iter(rows.iter().map(|r| Some(f(r)))))
}
fn bo<T>(rows: &[T], f: impl Fn(&T) -> Option<bool>) -> ArrayRef {
    Arc::new(BooleanArray::from_iter(rows.iter().map(f)))
}
fn ts<T>(rows: &[T], f: impl Fn(&T) -> DateTime<Utc>) -> ArrayRef {
    Arc::new(
        TimestampMicrosecondArray::from_iter_values(rows.iter().map(|r| f(r).timestamp_micros()))
            .with_timezone("UTC"),
    )
}
fn tso<T>(rows: &[T], f: impl Fn(&T) -> Option<DateTime<Utc>>) -> ArrayRef {
    Arc::new(
        TimestampMicrosecondArray::from_iter(
            rows.iter().map(|r| f(r).map(|t| t.timestamp_micros())),
        )
        .with_timezone("UTC"),
    )
}

const EPOCH_DAYS_CE: i32 = 719_163;

/// Days since 1970-01-01, Arrow's `Date32`.
pub fn date32(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - EPOCH_DAYS_CE
}

fn dt<T>(rows: &[T], f: impl Fn(&T) -> NaiveDate) -> ArrayRef {
    Arc::new(Date32Array::from_iter_values(
        rows.iter().map(|r| date32(f(r))),
    ))
}

use DataType::{Boolean as B, Date32 as D, Float64 as F, Int32 as I32, Int64 as I64, Utf8 as S};

fn conversation_cols() -> Vec<Col<ConversationFact>> {
    type R = ConversationFact;
    vec![
        col("row_key", I64, false, |r| i64c(r, R::key)),
        col("group_key", I64, false, |r| i64c(r, R::group_key)),
        col("shop_id", S, false, |r| s(r, |x| &x.shop_id)),
        col("conversation_id", S, false, |r| {
            s(r, |x| &x.conversation_id)
        }),
        col("cycle", I32, false, |r| i32c(r, |x| x.cycle)),
        col("cycles", I32, false, |r| i32c(r, |x| x.cycles)),
        col("platform", S, false, |r| s(r, |x| &x.platform)),
        col("channel", S, false, |r| s(r, |x| &x.channel)),
        col("customer", S, false, |r| s(r, |x| &x.customer)),
        col("customer_id", S, true, |r| {
            so(r, |x| x.customer_id.as_deref())
        }),
        col("conv_start_ts", ts_type(), false, |r| {
            ts(r, |x| x.conv_start_ts)
        }),
        col("conv_local_date", D, false, |r| {
            dt(r, |x| x.conv_local_date)
        }),
        col("start_ts", ts_type(), false, |r| ts(r, |x| x.start_ts)),
        col("end_ts", ts_type(), false, |r| ts(r, |x| x.end_ts)),
        col("local_date", D, false, |r| dt(r, |x| x.local_date)),
        col("local_hour", I32, false, |r| i32c(r, |x| x.local_hour)),
        col("weekday", I32, false, |r| i32c(r, |x| x.weekday)),
        col("agents", S, true, |r| so(r, |x| x.agents.as_deref())),
        col("first_agent", S, true, |r| {
            so(r, |x| x.first_agent.as_deref())
        }),
        col("last_agent", S, true, |r| {
            so(r, |x| x.last_agent.as_deref())
        }),
        col("conv_last_agent", S, true, |r| {
            so(r, |x| x.conv_last_agent.as_deref())
        }),
        col("outbound", B, false, |r| b(r, |x| x.outbound)),
        col("human_clock_ts", ts_type(), true, |r| {
            tso(r, |x| x.human_clock_ts)
        }),
        col("first_reply_ts", ts_type(), true, |r| {
            tso(r, |x| x.first_reply_ts)
        }),
        col("frt_secs", F, true, |r| f64o(r, |x| x.frt_secs)),
        col("frt_business_secs", F, true, |r| {
            f64o(r, |x| x.frt_business_secs)
        }),
        col("frt_agent", S, true, |r| so(r, |x| x.frt_agent.as_deref())),
        col("frt_answered", B, true, |r| bo(r, |x| x.frt_answered)),
        col("human_rounds", I64, false, |r| i64c(r, |x| x.human_rounds)),
        col("bot_rounds", I64, false, |r| i64c(r, |x| x.bot_rounds)),
        col("unanswered_rounds", I64, false, |r| {
            i64c(r, |x| x.unanswered_rounds)
        }),
        col("window_rounds", I64, false, |r| {
            i64c(r, |x| x.window_rounds)
        }),
        col("three_min_rounds", I64, false, |r| {
            i64c(r, |x| x.three_min_rounds)
        }),
        col("three_min_buyer_ok", B, true, |r| {
            bo(r, |x| x.three_min_buyer_ok)
        }),
        col("window_customer", B, false, |r| b(r, |x| x.window_customer)),
        col("not_served", B, false, |r| b(r, |x| x.not_served)),
        col("transfers", I64, false, |r| i64c(r, |x| x.transfers)),
        col("agent_switches", I64, false, |r| {
            i64c(r, |x| x.agent_switches)
        }),
        col("resolved", B, false, |r| b(r, |x| x.resolved)),
        col("resolution_source", S, true, |r| {
            so(r, |x| x.resolution_source.as_deref())
        }),
        col("resolved_at", ts_type(), true, |r| {
            tso(r, |x| x.resolved_at)
        }),
        col("resolution_secs", F, true, |r| {
            f64o(r, |x| x.resolution_secs)
        }),
        col("resolution_business_secs", F, true, |r| {
            f64o(r, |x| x.resolution_business_secs)
        }),
        col("full_resolution_secs", F, true, |r| {
            f64o(r, |x| x.full_resolution_secs)
        }),
        col("reopened", B, false, |r| b(r, |x| x.reopened)),
        col("repeat_contact", B, false, |r| b(r, |x| x.repeat_contact)),
        col("one_touch", B, false, |r| b(r, |x| x.one_touch)),
        col("cycle_resolved_at", ts_type(), true, |r| {
            tso(r, |x| x.cycle_resolved_at)
        }),
        col("cycle_resolution_secs", F, true, |r| {
            f64o(r, |x| x.cycle_resolution_secs)
        }),
        col("surveys", I64, false, |r| i64c(r, |x| x.surveys)),
        col("csat_score", F, true, |r| f64o(r, |x| x.csat_score)),
        col("nps_score", F, true, |r| f64o(r, |x| x.nps_score)),
        col("inquiry", B, false, |r| b(r, |x| x.inquiry)),
        col("converted", B, false, |r| b(r, |x| x.converted)),
        col("product_ids", S, true, |r| {
            so(r, |x| x.product_ids.as_deref())
        }),
        col("customer_messages", I64, false, |r| {
            i64c(r, |x| x.customer_messages)
        }),
        col("agent_messages", I64, false, |r| {
            i64c(r, |x| x.agent_messages)
        }),
        col("bot_messages", I64, false, |r| i64c(r, |x| x.bot_messages)),
        col("auto_messages", I64, false, |r| {
            i64c(r, |x| x.auto_messages)
        }),
        col("system_messages", I64, false, |r| {
            i64c(r, |x| x.system_messages)
        }),
        col("categories", S, true, |r| {
            so(r, |x| x.categories.as_deref())
        }),
        col("primary_category", S, true, |r| {
            so(r, |x| x.primary_category.as_deref())
        }),
        // Nullable so a stored table gains the column (then the facts are rebuilt).
        col("complaint", B, true, |r| bo(r, |x| Some(x.complaint))),
        col("min_sentiment", F, true, |r| f64o(r, |x| x.min_sentiment)),
        col("final_sentiment", F, true, |r| {
            f64o(r, |x| x.final_sentiment)
        }),
        col("conv_min_sentiment", F, true, |r| {
            f64o(r, |x| x.conv_min_sentiment)
        }),
        col("conv_final_sentiment", F, true, |r| {
            f64o(r, |x| x.conv_final_sentiment)
        }),
        col("customer_senders", S, true, |r| {
            so(r, |x| x.customer_senders.as_deref())
        }),
        col(PARTITION_COLUMN, S, false, |r| {
            owned(r, |x| month_of(x.conv_local_date))
        }),
    ]
}

fn round_cols() -> Vec<Col<RoundFact>> {
    type R = RoundFact;
    vec![
        col("row_key", I64, false, |r| i64c(r, R::key)),
        col("group_key", I64, false, |r| i64c(r, R::group_key)),
        col("shop_id", S, false, |r| s(r, |x| &x.shop_id)),
        col("conversation_id", S, false, |r| {
            s(r, |x| &x.conversation_id)
        }),
        col("cycle", I32, false, |r| i32c(r, |x| x.cycle)),
        col("round", I32, false, |r| i32c(r, |x| x.round)),
        col("platform", S, false, |r| s(r, |x| &x.platform)),
        col("channel", S, false, |r| s(r, |x| &x.channel)),
        col("customer", S, false, |r| s(r, |x| &x.customer)),
        col("conv_start_ts", ts_type(), false, |r| {
            ts(r, |x| x.conv_start_ts)
        }),
        col("conv_local_date", D, false, |r| {
            dt(r, |x| x.conv_local_date)
        }),
        col("start_ts", ts_type(), false, |r| ts(r, |x| x.start_ts)),
        col("last_customer_ts", ts_type(), false, |r| {
            ts(r, |x| x.last_customer_ts)
        }),
        col("local_date", D, false, |r| dt(r, |x| x.local_date)),
        col("local_hour", I32, false, |r| i32c(r, |x| x.local_hour)),
        col("kind", S, false, |r| s(r, |x| &x.kind)),
        col("reply_ts", ts_type(), true, |r| tso(r, |x| x.reply_ts)),
        col("agent_id", S, true, |r| so(r, |x| x.agent_id.as_deref())),
        col("customer_messages", I64, false, |r| {
            i64c(r, |x| x.customer_messages)
        }),
        col("response_secs", F, true, |r| f64o(r, |x| x.response_secs)),
        col("response_secs_first", F, true, |r| {
            f64o(r, |x| x.response_secs_first)
        }),
        col("response_secs_last", F, true, |r| {
            f64o(r, |x| x.response_secs_last)
        }),
        col("business_secs_first", F, true, |r| {
            f64o(r, |x| x.business_secs_first)
        }),
        col("business_secs_last", F, true, |r| {
            f64o(r, |x| x.business_secs_last)
        }),
        col("within_30s", B, true, |r| bo(r, |x| x.within_30s)),
        col("within_1m", B, true, |r| bo(r, |x| x.within_1m)),
        col("within_3m", B, true, |r| bo(r, |x| x.within_3m)),
        col("within_5m", B, true, |r| bo(r, |x| x.within_5m)),
        col("within_10m", B, true, |r| bo(r, |x| x.within_10m)),
        col("within_30m", B, true, |r| bo(r, |x| x.within_30m)),
        col("within_1h", B, true, |r| bo(r, |x| x.within_1h)),
        col("starts_in_window", B, false, |r| {
            b(r, |x| x.starts_in_window)
        }),
        col("three_min_ok", B, true, |r| bo(r, |x| x.three_min_ok)),
        col("categories", S, true, |r| {
            so(r, |x| x.categories.as_deref())
        }),
        col("customer_sentiment", F, true, |r| {
            f64o(r, |x| x.customer_sentiment)
        }),
        col("next_sentiment", F, true, |r| f64o(r, |x| x.next_sentiment)),
        col(PARTITION_COLUMN, S, false, |r| {
            owned(r, |x| month_of(x.conv_local_date))
        }),
    ]
}

fn inquiry_cols() -> Vec<Col<InquiryFact>> {
    type R = InquiryFact;
    vec![
        col("row_key", I64, false, |r| i64c(r, R::key)),
        col("group_key", I64, false, |r| i64c(r, R::group_key)),
        col("shop_id", S, false, |r| s(r, |x| &x.shop_id)),
        col("customer", S, false, |r| s(r, |x| &x.customer)),
        col("customer_id", S, true, |r| {
            so(r, |x| x.customer_id.as_deref())
        }),
        col("local_date", D, false, |r| dt(r, |x| x.local_date)),
        col("platform", S, false, |r| s(r, |x| &x.platform)),
        col("channel", S, false, |r| s(r, |x| &x.channel)),
        col("first_ts", ts_type(), false, |r| ts(r, |x| x.first_ts)),
        col("local_hour", I32, false, |r| i32c(r, |x| x.local_hour)),
        col("conversations", I64, false, |r| {
            i64c(r, |x| x.conversations)
        }),
        col("after_sales", B, false, |r| b(r, |x| x.after_sales)),
        col("inquiry", B, false, |r| b(r, |x| x.inquiry)),
        col("converted", B, false, |r| b(r, |x| x.converted)),
        col("converted_at", ts_type(), true, |r| {
            tso(r, |x| x.converted_at)
        }),
        col("order_ids", S, true, |r| so(r, |x| x.order_ids.as_deref())),
        col("orders", I64, false, |r| i64c(r, |x| x.orders)),
        col("order_amount", F, false, |r| f64c(r, |x| x.order_amount)),
        col("agent_id", S, true, |r| so(r, |x| x.agent_id.as_deref())),
        col(PARTITION_COLUMN, S, false, |r| {
            owned(r, |x| month_of(x.local_date))
        }),
    ]
}

fn survey_cols() -> Vec<Col<SurveyFact>> {
    type R = SurveyFact;
    vec![
        col("row_key", I64, false, |r| i64c(r, R::key)),
        col("group_key", I64, false, |r| i64c(r, R::group_key)),
        col("shop_id", S, false, |r| s(r, |x| &x.shop_id)),
        col("survey_id", S, false, |r| s(r, |x| &x.survey_id)),
        col("agent_id", S, true, |r| so(r, |x| x.agent_id.as_deref())),
        col("is_primary", B, false, |r| b(r, |x| x.is_primary)),
        col("conversation_id", S, true, |r| {
            so(r, |x| x.conversation_id.as_deref())
        }),
        col("customer", S, false, |r| s(r, |x| &x.customer)),
        col("platform", S, true, |r| so(r, |x| x.platform.as_deref())),
        col("channel", S, true, |r| so(r, |x| x.channel.as_deref())),
        col("ts", ts_type(), false, |r| ts(r, |x| x.ts)),
        col("local_date", D, false, |r| dt(r, |x| x.local_date)),
        col("local_hour", I32, false, |r| i32c(r, |x| x.local_hour)),
        col("conv_local_date", D, false, |r| {
            dt(r, |x| x.conv_local_date)
        }),
        col("dimension", S, false, |r| s(r, |x| &x.dimension)),
        col("scale", I32, false, |r| i32c(r, |x| x.scale)),
        col("score", F, false, |r| f64c(r, |x| x.score)),
        col("satisfied", B, true, |r| bo(r, |x| x.satisfied)),
        col("dissatisfied", B, true, |r| bo(r, |x| x.dissatisfied)),
        col("promoter", B, true, |r| bo(r, |x| x.promoter)),
        col("detractor", B, true, |r| bo(r, |x| x.detractor)),
        col("categories", S, true, |r| {
            so(r, |x| x.categories.as_deref())
        }),
        col(PARTITION_COLUMN, S, false, |r| {
            owned(r, |x| month_of(x.conv_local_date))
        }),
    ]
}

/// A fact row type: its Arrow schema, its batch and its keys.
pub trait FactTable: Sized {
    /// The SQL table name.
    const TABLE: &'static str;
    fn schema() -> SchemaRef;
    fn to_batch(rows: &[Self]) -> Result<RecordBatch, ArrowError>;
    fn row_key(&self) -> i64;
    fn group_key(&self) -> i64;
}

macro_rules! fact_table {
    ($t:ty, $name:expr, $cols:ident) => {
        impl FactTable for $t {
            const TABLE: &'static str = $name;
            fn schema() -> SchemaRef {
                schema_of(&$cols())
            }
            fn to_batch(rows: &[Self]) -> Result<RecordBatch, ArrowError> {
                batch_of(&$cols(), rows)
            }
            fn row_key(&self) -> i64 {
                self.key()
            }
            fn group_key(&self) -> i64 {
                <$t>::group_key(self)
            }
        }
    };
}

fact_table!(ConversationFact, CONVERSATIONS_TABLE, conversation_cols);
fact_table!(RoundFact, ROUNDS_TABLE, round_cols);
fact_table!(InquiryFact, INQUIRIES_TABLE, inquiry_cols);
fact_table!(SurveyFact, SURVEYS_TABLE, survey_cols);

/// The four fact tables of a `GroupFacts` as batches, keyed by SQL table name.
pub fn to_batches(f: &GroupFacts) -> Result<Vec<(&'static str, RecordBatch)>, ArrowError> {
    Ok(vec![
        (
            CONVERSATIONS_TABLE,
            ConversationFact::to_batch(&f.conversations)?,
        ),
        (ROUNDS_TABLE, RoundFact::to_batch(&f.rounds)?),
        (INQUIRIES_TABLE, InquiryFact::to_batch(&f.inquiries)?),
        (SURVEYS_TABLE, SurveyFact::to_batch(&f.surveys)?),
    ])
}
