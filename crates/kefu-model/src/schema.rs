//! Arrow schemas of the stored tables, defined once.
//!
//! Choices made on purpose: strings are `Utf8` (not `Utf8View`) so Delta, DataFusion
//! and our readers agree; instants are `Timestamp(Microsecond, "UTC")`, Delta's
//! `timestamp`; no unsigned integers (Delta has none); every table has `row_key`, the
//! hash that makes ingest idempotent, and `month` (shop-local `YYYY-MM`), the Delta
//! partition column, last.

use crate::records::Table;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use std::sync::Arc;

/// The Delta partition column of every table.
pub const PARTITION_COLUMN: &str = "month";

pub fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn s(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn provenance() -> [Field; 2] {
    [
        s("source_file", false),
        Field::new("source_row", DataType::Int64, false),
    ]
}

pub fn messages() -> SchemaRef {
    let mut f = vec![
        Field::new("row_key", DataType::Int64, false),
        s("message_id", false),
        s("conversation_id", false),
        s("shop_id", false),
        s("platform", false),
        s("channel", false),
        Field::new("ts", ts_type(), false),
        Field::new("local_date", DataType::Date32, false),
        s("sender", false),
        s("agent_id", true),
        s("customer_id", true),
        s("text", false),
        s("text_raw", false),
        s("kind", false),
        s("product_id", true),
        s("order_id", true),
        s("text_masked", true),
        // Comma-separated labels: simpler across engines than a list column.
        s("categories", true),
        Field::new("sentiment", DataType::Float32, true),
        Field::new("urgent", DataType::Boolean, true),
    ];
    f.extend(provenance());
    f.push(s(PARTITION_COLUMN, false));
    // Added after the first release: a stored table gains it at the end (the
    // store's upgrade appends new columns), so it is declared there too.
    f.push(Field::new("spam", DataType::Boolean, true));
    f.push(s("intent", true));
    Arc::new(Schema::new(f))
}

pub fn orders() -> SchemaRef {
    let mut f = vec![
        Field::new("row_key", DataType::Int64, false),
        s("order_id", false),
        s("shop_id", false),
        s("customer_id", true),
        s("product_id", true),
        Field::new("created_at", ts_type(), false),
        Field::new("paid_at", ts_type(), true),
        Field::new("amount", DataType::Float64, true),
        s("status", true),
        Field::new("local_date", DataType::Date32, false),
    ];
    f.extend(provenance());
    f.push(s(PARTITION_COLUMN, false));
    Arc::new(Schema::new(f))
}

pub fn surveys() -> SchemaRef {
    let mut f = vec![
        Field::new("row_key", DataType::Int64, false),
        s("survey_id", false),
        s("shop_id", false),
        s("conversation_id", true),
        s("customer_id", true),
        s("agent_id", true),
        Field::new("ts", ts_type(), false),
        Field::new("score", DataType::Float64, false),
        Field::new("scale", DataType::Int32, false),
        s("dimension", false),
        s("comment", true),
        Field::new("local_date", DataType::Date32, false),
        s("comment_masked", true),
        s("categories", true),
        Field::new("sentiment", DataType::Float32, true),
        Field::new("urgent", DataType::Boolean, true),
        Field::new("spam", DataType::Boolean, true),
    ];
    f.extend(provenance());
    f.push(s(PARTITION_COLUMN, false));
    Arc::new(Schema::new(f))
}

pub fn reviews() -> SchemaRef {
    let mut f = vec![
        Field::new("row_key", DataType::Int64, false),
        s("review_id", false),
        s("shop_id", false),
        s("product_id", true),
        s("customer_id", true),
        Field::new("ts", ts_type(), false),
        Field::new("rating", DataType::Float64, true),
        s("text", false),
        s("text_raw", false),
        Field::new("local_date", DataType::Date32, false),
        Field::new("sentiment", DataType::Float32, true),
        Field::new("spam", DataType::Boolean, true),
        s("text_masked", true),
        s("categories", true),
        Field::new("urgent", DataType::Boolean, true),
    ];
    f.extend(provenance());
    f.push(s(PARTITION_COLUMN, false));
    Arc::new(Schema::new(f))
}

pub fn quarantine() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("row_key", DataType::Int64, false),
        s("ingest_id", false),
        Field::new("ingested_at", ts_type(), false),
        s("source_file", false),
        Field::new("source_row", DataType::Int64, false),
        s("table_name", false),
        s("reason", false),
        s("raw", false),
        s(PARTITION_COLUMN, false),
    ]))
}

pub fn for_table(t: Table) -> SchemaRef {
    match t {
        Table::Messages => messages(),
        Table::Orders => orders(),
        Table::Surveys => surveys(),
        Table::Reviews => reviews(),
        Table::Quarantine => quarantine(),
    }
}
