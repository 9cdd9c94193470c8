//! 询单 units, after-sales exclusion, the conversion windows and events, crediting.

use crate::common::*;
use kefu_analytics::{InquiryFact, build_group};
use kefu_model::config::{ConversionEvent, ConversionWindow};
use kefu_model::{OrderRecord, ShopConfig};

fn units(m: &[kefu_model::MessageRecord], o: &[OrderRecord], cfg: &ShopConfig) -> Vec<InquiryFact> {
    build_group(m, o, &[], cfg).unwrap().inquiries
}

fn consult(conv: &str, customer: &str, day: &str, agent: &str) -> Conv {
    Conv::new(conv, customer)
        .c(&format!("{day} 10:00:00"))
        .a(&format!("{day} 10:01:00"), agent)
}

/// An order on day 3 converts the day-1 consultation; the day-5 consultation comes
/// after a paid order and is after-sales.
#[test]
fn converted_then_after_sales() {
    let m = all(vec![
        consult("d1", "u9", "2026-11-01", "A1"),
        consult("d5", "u9", "2026-11-05", "A2"),
    ]);
    // The order twice (exported unpaid, then paid): counted once, the paid row wins.
    let o = vec![
        order("O1", "u9", "2026-11-03 20:00:00", None, 100.0),
        order(
            "O1",
            "u9",
            "2026-11-03 20:00:00",
            Some("2026-11-03 20:05:00"),
            100.0,
        ),
    ];
    let f = build_group(&m, &o, &[], &ShopConfig::default()).unwrap();
    let u = &f.inquiries;
    assert_eq!(u.len(), 2);
    // 11-01: no paid order before → 询单; O1 on 11-03 ≤ 11-01 + 2 → 成单, credited to
    // A1 (the last human reply before the order), amount 100.
    assert!(u[0].inquiry && u[0].converted && !u[0].after_sales);
    assert_eq!((u[0].orders, u[0].order_amount), (1, 100.0));
    assert_eq!(u[0].order_ids.as_deref(), Some("O1"));
    assert_eq!(u[0].agent_id.as_deref(), Some("A1"));
    assert_eq!(u[0].converted_at, Some(at("2026-11-03 20:00:00")));
    // 11-05: O1 was paid 11-03, within 15 days → after-sales, not converted.
    assert!(u[1].after_sales && !u[1].inquiry && !u[1].converted);
    assert_eq!(u[1].agent_id.as_deref(), Some("A2"));
    // Conversation rows carry their day's outcome.
    assert!(f.conversations[0].inquiry && f.conversations[0].converted);
    assert!(!f.conversations[1].inquiry && !f.conversations[1].converted);
}

/// The window ends at shop-local midnight of day + 2: 11-03 23:30 Shanghai is inside,
/// 11-04 00:10 Shanghai (still 11-03 in UTC) is outside; `final` (T+4) and
/// `next_day` (T+1) move the end.
#[test]
fn window_edges_in_shop_time() {
    let m = consult("w", "u10", "2026-11-01", "A1").msgs;
    let late = [order("O2", "u10", "2026-11-04 00:10:00", None, 50.0)];
    let inside = [order("O3", "u10", "2026-11-03 23:30:00", None, 50.0)];
    let d = ShopConfig::default();
    let u = units(&m, &late, &d);
    assert!(u[0].inquiry && !u[0].converted);
    assert!(units(&m, &inside, &d)[0].converted);
    let fin = ShopConfig {
        conversion_window: ConversionWindow::Final,
        ..d.clone()
    };
    assert!(units(&m, &late, &fin)[0].converted);
    let next = ShopConfig {
        conversion_window: ConversionWindow::NextDay,
        ..d.clone()
    };
    assert!(!units(&m, &inside, &next)[0].converted);
    let next_day = [order("O4", "u10", "2026-11-02 23:59:00", None, 50.0)];
    assert!(units(&m, &next_day, &next)[0].converted);
}

/// Paid an hour before consulting the same day: after-sales, and that order does not
/// convert the consultation (it came first).
#[test]
fn order_before_the_consultation() {
    let m = consult("e", "u11", "2026-11-01", "A1").msgs;
    let o = [order(
        "O5",
        "u11",
        "2026-11-01 09:00:00",
        Some("2026-11-01 09:01:00"),
        30.0,
    )];
    let u = units(&m, &o, &ShopConfig::default());
    assert!(u[0].after_sales && !u[0].converted && !u[0].inquiry);
}

/// After-sales customers who order within the window count as 询单 (METRICS.md "or who
/// orders within the window"); the lookback covers D − 15 … D.
#[test]
fn after_sales_but_ordering_and_lookback_edge() {
    let m = consult("g", "u12", "2026-11-01", "A1").msgs;
    let o = vec![
        order(
            "O6",
            "u12",
            "2026-10-17 12:00:00",
            Some("2026-10-17 12:00:00"),
            10.0,
        ),
        order("O7", "u12", "2026-11-02 12:00:00", None, 80.0),
    ];
    let u = units(&m, &o, &ShopConfig::default());
    assert!(u[0].after_sales && u[0].converted && u[0].inquiry);
    assert_eq!(u[0].order_amount, 80.0);
    // Paid 11-01 − 16 days: outside the lookback → a plain 询单 without O7.
    let o = [order(
        "O6",
        "u12",
        "2026-10-16 12:00:00",
        Some("2026-10-16 12:00:00"),
        10.0,
    )];
    let u = units(&m, &o, &ShopConfig::default());
    assert!(!u[0].after_sales && u[0].inquiry && !u[0].converted);
}

/// conversion_event = payment: an unpaid order does not count, a late payment neither.
#[test]
fn payment_event() {
    let m = consult("h", "u13", "2026-11-01", "A1").msgs;
    let o = [order("O8", "u13", "2026-11-01 11:00:00", None, 20.0)];
    let pay = ShopConfig {
        conversion_event: ConversionEvent::Payment,
        ..ShopConfig::default()
    };
    assert!(units(&m, &o, &ShopConfig::default())[0].converted);
    assert!(!units(&m, &o, &pay)[0].converted);
    let o = [order(
        "O8",
        "u13",
        "2026-11-01 11:00:00",
        Some("2026-11-05 11:00:00"),
        20.0,
    )];
    assert!(!units(&m, &o, &pay)[0].converted);
    let o = [order(
        "O8",
        "u13",
        "2026-11-01 11:00:00",
        Some("2026-11-02 11:00:00"),
        20.0,
    )];
    assert!(units(&m, &o, &pay)[0].converted);
}

/// Two consultation days in one window: both converted, the order (and its amount)
/// credited once, to the later day and to the agent who served last before it.
#[test]
fn one_order_two_consultations() {
    let m = all(vec![
        consult("i1", "u14", "2026-11-01", "A1"),
        consult("i2", "u14", "2026-11-02", "A2"),
    ]);
    let o = [order("O9", "u14", "2026-11-02 15:00:00", None, 60.0)];
    let u = units(&m, &o, &ShopConfig::default());
    assert!(u[0].converted && u[1].converted);
    assert_eq!((u[0].orders, u[0].order_amount), (0, 0.0));
    assert_eq!((u[1].orders, u[1].order_amount), (1, 60.0));
    assert_eq!(u[0].agent_id.as_deref(), Some("A2"));
    assert_eq!(u[1].agent_id.as_deref(), Some("A2"));
    // Another customer's order never counts.
    let other = [order("O10", "zz", "2026-11-02 15:00:00", None, 60.0)];
    assert!(!units(&m, &other, &ShopConfig::default())[0].converted);
}

/// Units are per shop-local day: 23:50 and 00:10 Shanghai are two units even though
/// both are 11-01 in UTC... (15:50 and 16:10 UTC).
#[test]
fn units_split_at_shop_midnight() {
    let m = Conv::new("j", "u15")
        .c("2026-11-01 23:50:00")
        .a("2026-11-01 23:55:00", "A1")
        .c("2026-11-02 00:10:00")
        .msgs;
    let u = units(&m, &[], &ShopConfig::default());
    assert_eq!(u.len(), 2);
    assert_eq!(u[0].local_date.to_string(), "2026-11-01");
    assert_eq!(u[1].local_date.to_string(), "2026-11-02");
    assert_eq!(u[0].conversations, 1);
    // The 11-02 unit had no human reply that day.
    assert_eq!(u[1].agent_id, None);
}
