//! The store's invariants: writes are invisible until their one commit, queries read
//! exactly the snapshot's files (so OPTIMIZE does not double-count), strings stay Utf8.

use chrono::{DateTime, NaiveDate};
use datafusion::arrow::datatypes::DataType;
use kefu_model::{MessageKind, MessageRecord, Sender, ToBatch};
use kefu_store::Store;

fn msg(i: usize, day: u32) -> MessageRecord {
    MessageRecord {
        message_id: format!("m{i}"),
        conversation_id: format!("c{}", i / 4),
        shop_id: "s1".into(),
        platform: "jd".into(),
        channel: "chat".into(),
        ts: DateTime::parse_from_rfc3339(&format!("2026-{:02}-10T08:00:00Z", day))
            .unwrap()
            .to_utc(),
        sender: if i.is_multiple_of(2) {
            Sender::Customer
        } else {
            Sender::Agent
        },
        agent_id: None,
        customer_id: Some(format!("u{}", i / 4)),
        text: format!("文本{i}"),
        text_raw: format!("文本{i}"),
        kind: MessageKind::Text,
        product_id: None,
        order_id: None,
        local_date: NaiveDate::from_ymd_opt(2026, day, 10).unwrap(),
        text_masked: None,
        categories: vec![],
        sentiment: None,
        urgent: None,
        spam: None,
        intent: None,
        source_file: "t.csv".into(),
        source_row: i as u64,
    }
}

fn batch(range: std::ops::Range<usize>, month: u32) -> datafusion::arrow::array::RecordBatch {
    let rows: Vec<MessageRecord> = range.map(|i| msg(i, month)).collect();
    MessageRecord::to_batch(&rows).unwrap()
}

#[tokio::test]
async fn appends_are_invisible_until_their_single_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    assert_eq!(store.version("messages").await.unwrap(), 0);
    assert_eq!(store.count("messages").await.unwrap(), 0);

    // Written and flushed but never committed (as when a process is killed).
    let mut a = store.appender("messages").await.unwrap();
    a.write(batch(0..100, 10)).await.unwrap();
    a.flush().await.unwrap();
    drop(a);
    assert_eq!(store.count("messages").await.unwrap(), 0);
    assert_eq!(store.version("messages").await.unwrap(), 0);

    // Two months (two partitions), several batches, one commit.
    let mut a = store.appender("messages").await.unwrap();
    a.write(batch(0..100, 10)).await.unwrap();
    a.flush().await.unwrap();
    a.write(batch(100..250, 11)).await.unwrap();
    let v = a.commit(serde_json::Map::new()).await.unwrap();
    assert_eq!(v, Some(1));
    assert_eq!(store.count("messages").await.unwrap(), 250);
    let keys = store.row_keys("messages").await.unwrap();
    assert_eq!(keys.len(), 250);

    // Nothing written, nothing committed.
    let empty = store.appender("messages").await.unwrap();
    assert_eq!(empty.commit(serde_json::Map::new()).await.unwrap(), None);
    assert_eq!(store.version("messages").await.unwrap(), 1);
}

#[tokio::test]
async fn optimize_and_vacuum_keep_counts_exact() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    for k in 0..3 {
        let mut a = store.appender("messages").await.unwrap();
        a.write(batch(k * 50..k * 50 + 50, 11)).await.unwrap();
        a.commit(serde_json::Map::new()).await.unwrap();
    }
    assert_eq!(store.count("messages").await.unwrap(), 150);
    let removed = store.optimize("messages").await.unwrap();
    assert_eq!(removed, 3, "three small files compacted into one");
    // The replaced files are still on disk: a directory glob would count 300.
    assert_eq!(store.count("messages").await.unwrap(), 150);
    let deleted = store.vacuum("messages", 0).await.unwrap();
    assert_eq!(deleted, 3);
    assert_eq!(store.count("messages").await.unwrap(), 150);
}

#[tokio::test]
async fn strings_come_back_as_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let mut a = store.appender("messages").await.unwrap();
    a.write(batch(0..4, 11)).await.unwrap();
    a.commit(serde_json::Map::new()).await.unwrap();
    let out = store
        .sql("SELECT text, conversation_id, upper(sender) AS s FROM messages ORDER BY message_id")
        .await
        .unwrap();
    let schema = out[0].schema();
    for f in schema.fields() {
        assert_eq!(f.data_type(), &DataType::Utf8, "{}", f.name());
    }
    // The partition column lives in the paths, not in the query schema.
    assert!(store.sql("SELECT month FROM messages").await.is_err());
}

/// A store written before a column existed keeps working: the next append adds the
/// column (older rows read it as null) instead of failing on a schema mismatch.
#[tokio::test]
async fn a_newer_schema_adds_its_nullable_columns() {
    use datafusion::arrow::array::{Array, Int64Array, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::{Field, Schema};
    use kefu_store::TableDef;
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let old = Arc::new(Schema::new(vec![
        Field::new("row_key", DataType::Int64, false),
        Field::new("month", DataType::Utf8, false),
    ]));
    let new = Arc::new(Schema::new(vec![
        Field::new("row_key", DataType::Int64, false),
        Field::new("note", DataType::Utf8, true),
        Field::new("month", DataType::Utf8, false),
    ]));
    let store = Store::open(dir.path())
        .await
        .unwrap()
        .with_tables(vec![TableDef::new("t", old.clone(), &["month"])])
        .await
        .unwrap();
    let mut a = store.appender("t").await.unwrap();
    a.write(
        RecordBatch::try_new(
            old,
            vec![
                Arc::new(Int64Array::from(vec![1, 2])),
                Arc::new(StringArray::from(vec!["2026-11", "2026-11"])),
            ],
        )
        .unwrap(),
    )
    .await
    .unwrap();
    a.commit(serde_json::Map::new()).await.unwrap();

    let store = Store::open(dir.path())
        .await
        .unwrap()
        .with_tables(vec![TableDef::new("t", new.clone(), &["month"])])
        .await
        .unwrap();
    let mut a = store.appender("t").await.unwrap();
    a.write(
        RecordBatch::try_new(
            new,
            vec![
                Arc::new(Int64Array::from(vec![3])),
                Arc::new(StringArray::from(vec![Some("新")])),
                Arc::new(StringArray::from(vec!["2026-12"])),
            ],
        )
        .unwrap(),
    )
    .await
    .unwrap();
    a.commit(serde_json::Map::new()).await.unwrap();
    let out = store
        .sql("SELECT row_key, note FROM t ORDER BY row_key")
        .await
        .unwrap();
    let got: Vec<(i64, Option<String>)> = out
        .iter()
        .flat_map(|b| {
            let k = b
                .column(0)
                .as_any()
                .downcast_ref::<Int64Array>()
                .unwrap()
                .clone();
            let n = b
                .column(1)
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap()
                .clone();
            (0..b.num_rows())
                .map(move |i| (k.value(i), (!n.is_null(i)).then(|| n.value(i).to_string())))
        })
        .collect();
    assert_eq!(got, vec![(1, None), (2, None), (3, Some("新".to_string()))]);
}
