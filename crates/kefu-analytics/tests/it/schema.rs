//! The fact tables follow kefu_model::schema's conventions.

use crate::common::*;
use arrow::datatypes::{DataType, TimeUnit};
use kefu_analytics::{ConversationFact, FactTable, InquiryFact, RoundFact, SurveyFact, to_batches};
use kefu_model::ShopConfig;

#[test]
fn conventions_of_every_fact_table() {
    for schema in [
        ConversationFact::schema(),
        RoundFact::schema(),
        InquiryFact::schema(),
        SurveyFact::schema(),
    ] {
        let f = schema.fields();
        assert_eq!(f[0].name(), "row_key");
        assert_eq!(f[1].name(), "group_key");
        assert_eq!(f[f.len() - 1].name(), "month");
        for field in f.iter() {
            match field.data_type() {
                DataType::Utf8
                | DataType::Int64
                | DataType::Int32
                | DataType::Float64
                | DataType::Boolean
                | DataType::Date32 => {}
                DataType::Timestamp(TimeUnit::Microsecond, Some(tz)) => {
                    assert_eq!(tz.as_ref(), "UTC")
                }
                other => panic!("{}: unexpected type {other:?}", field.name()),
            }
        }
    }
}

#[test]
fn batches_carry_every_row_and_month_is_shop_local() {
    // 2026-11-30 23:30 Shanghai is 15:30 UTC: the month is 2026-11 in shop time.
    let m = Conv::new("b1", "u1")
        .c("2026-11-30 23:30:00")
        .a("2026-11-30 23:31:00", "A1")
        .c("2026-12-01 00:10:00")
        .msgs;
    let f = build(&m, &ShopConfig::default());
    let batches = to_batches(&f).unwrap();
    let rows: Vec<(&str, usize)> = batches.iter().map(|(n, b)| (*n, b.num_rows())).collect();
    // 1 conversation row, 2 rounds, 2 inquiry days (11-30, 12-01), no surveys.
    assert_eq!(
        rows,
        vec![
            ("conversation_facts", 1),
            ("rounds", 2),
            ("inquiries", 2),
            ("survey_facts", 0)
        ]
    );
    let month = |b: &arrow::array::RecordBatch, i: usize| {
        let c = b.column_by_name("month").unwrap();
        c.as_any()
            .downcast_ref::<arrow::array::StringArray>()
            .unwrap()
            .value(i)
            .to_string()
    };
    assert_eq!(month(&batches[0].1, 0), "2026-11");
    // Rounds stay in their conversation's partition; inquiry days in their own.
    assert_eq!(month(&batches[1].1, 1), "2026-11");
    assert_eq!(month(&batches[2].1, 1), "2026-12");
    // Keys are unique per table.
    let keys: std::collections::BTreeSet<i64> = f.rounds.iter().map(|r| r.key()).collect();
    assert_eq!(keys.len(), 2);
}
