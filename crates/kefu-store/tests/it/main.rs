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
