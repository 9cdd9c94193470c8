//! Property tests on the CSV reader: whatever the text (commas, quotes, newlines,
//! Chinese, full-width forms), a row written by a CSV writer comes back intact, and
//! every row is either accepted or quarantined.

use crate::*;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("快递".to_string()),
            Just(",".to_string()),
            Just("\"".to_string()),
            Just("\n".to_string()),
            Just("ＡＢＣ１２３".to_string()),
            Just("退款".to_string()),
            "[a-z0-9 ]{0,6}",
            "\\PC{0,4}",
        ],
        1..8,
    )
    .prop_map(|parts| parts.concat())
    .prop_filter("some visible text", |s| !s.trim().is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn rows_round_trip_and_counts_add_up(
        rows in prop::collection::vec((text(), prop::bool::weighted(0.8), prop::bool::weighted(0.9)), 1..30),
        gbk in any::<bool>(),
    ) {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["conversation_id", "ts", "sender", "text"]).unwrap();
        for (i, (t, good_sender, good_ts)) in rows.iter().enumerate() {
            let ts = if *good_ts { format!("2026-11-11 10:{:02}:00", i % 60) } else { "soon".to_string() };
            let sender = if *good_sender { "customer" } else { "nobody" };
            w.write_record([format!("c{i}"), ts, sender.to_string(), t.clone()]).unwrap();
        }
        let utf8 = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let bytes = if gbk { encoding_rs::GB18030.encode(&utf8).0.into_owned() } else { utf8.into_bytes() };
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "p.csv", &bytes);
        let (s, sink) = read(&p, &IngestOptions::default());
        prop_assert_eq!(s.rows_read, rows.len() as u64);
        prop_assert_eq!(s.accepted + s.quarantined, rows.len() as u64);
        let expected_ok: Vec<&String> = rows.iter().filter(|r| r.1 && r.2).map(|r| &r.0).collect();
        let got: Vec<&str> = messages(&sink).iter().map(|m| m.text_raw.as_str()).collect();
        prop_assert_eq!(got.len(), expected_ok.len());
        for (g, e) in got.iter().zip(expected_ok) {
            prop_assert_eq!(*g, e.trim());
        }
    }
}
