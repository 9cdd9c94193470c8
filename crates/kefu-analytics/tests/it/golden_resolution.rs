//! Care cycles, explicit and inferred resolution, reopen, repeat contact, one-touch.

use crate::common::*;
use kefu_model::{Sender, ShopConfig};

/// Resolved by an explicit event after one human round: one-touch.
#[test]
fn explicit_resolve_one_touch() {
    let m = Conv::new("r1", "u1")
        .c("2026-11-11 10:00:00")
        .a("2026-11-11 10:01:00", "A1")
        .ev("2026-11-11 10:05:00", Sender::System, "resolve")
        .msgs;
    let c = &build(&m, &ShopConfig::default()).conversations[0];
    assert!(c.resolved);
    assert_eq!(c.resolution_source.as_deref(), Some("explicit"));
    // Resolution time = 10:05 − 10:00 = 300 s.
    assert_secs(c.resolution_secs, 300.0);
    assert_secs(c.full_resolution_secs, 300.0);
    assert_secs(c.cycle_resolution_secs, 300.0);
    assert!(c.one_touch && !c.reopened && !c.repeat_contact);
    // Status events are not messages.
    assert_eq!(
        (c.customer_messages, c.agent_messages, c.system_messages),
        (1, 1, 0)
    );
}

/// Resolved, reopened two hours later, answered by A2 and resolved again.
#[test]
fn reopen_splits_care_cycles() {
    let m = Conv::new("r2", "u2")
        .c("2026-11-11 10:00:00")
        .a("2026-11-11 10:01:00", "A1")
        .ev("2026-11-11 10:05:00", Sender::System, "resolve")
        .ev("2026-11-11 12:00:00", Sender::System, "reopen") // cycle 1 starts
        .c("2026-11-11 12:00:10")
        .a("2026-11-11 12:03:10", "A2") // 180 s
        .ev("2026-11-11 12:10:00", Sender::System, "resolve")
        .msgs;
    let f = build(&m, &ShopConfig::default());
    assert_eq!(f.conversations.len(), 2);
    let (c0, c1) = (&f.conversations[0], &f.conversations[1]);
    assert_eq!((c0.cycle, c1.cycle, c0.cycles), (0, 1, 2));
    assert_eq!(c1.start_ts, at("2026-11-11 12:00:00"));
    // Per cycle: FRT 60 s (A1) and 180 s (A2).
    assert_secs(c0.frt_secs, 60.0);
    assert_secs(c1.frt_secs, 180.0);
    assert_eq!(c1.frt_agent.as_deref(), Some("A2"));
    // Cycle resolution: 10:05 − 10:00 = 300 s; 12:10 − 12:00 = 600 s.
    assert_secs(c0.cycle_resolution_secs, 300.0);
    assert_secs(c1.cycle_resolution_secs, 600.0);
    // Conversation: first resolution 300 s; full 12:10 − 10:00 = 7800 s; reopened.
    for c in [c0, c1] {
        assert!(c.resolved && c.reopened && !c.one_touch);
        assert_secs(c.resolution_secs, 300.0);
        assert_secs(c.full_resolution_secs, 7800.0);
        assert_eq!(c.conv_last_agent.as_deref(), Some("A2"));
    }
    // Rounds are numbered within their cycle.
    let keys: Vec<(i32, i32)> = f.rounds.iter().map(|r| (r.cycle, r.round)).collect();
    assert_eq!(keys, vec![(0, 0), (1, 0)]);
}

/// No status events: resolution is inferred from an answered last round and 48 h of
/// quiet; a contact inside 48 h makes the earlier conversation unresolved.
#[test]
fn inferred_resolution_and_repeat_window() {
    let m = all(vec![
        // a: answered, but the customer is back 23 h later → not resolved.
        Conv::new("a", "u3")
            .c("2026-11-01 10:00:00")
            .a("2026-11-01 10:01:00", "A1"),
        // b: answered at 09:02, next contact 11-04 10:00 (48 h 58 min later) → resolved.
        Conv::new("b", "u3")
            .c("2026-11-02 09:00:00")
            .a("2026-11-02 09:02:00", "A1"),
        // c: unanswered → not resolved.
        Conv::new("c", "u3").c("2026-11-04 10:00:00"),
    ]);
    let f = build(&m, &ShopConfig::default());
    let by: Vec<(&str, bool)> = f
        .conversations
        .iter()
        .map(|c| (c.conversation_id.as_str(), c.resolved))
        .collect();
    assert_eq!(by, vec![("a", false), ("b", true), ("c", false)]);
    let b = &f.conversations[1];
    assert_eq!(b.resolution_source.as_deref(), Some("inferred"));
    // Inferred resolve instant = the conversation's last message: 120 s.
    assert_secs(b.resolution_secs, 120.0);
    assert!(b.one_touch && !b.repeat_contact);

    // With a 72 h repeat window the 11-04 contact is a repeat of b: b unresolved too.
    let cfg = ShopConfig {
        repeat_window_secs: 72 * 3600,
        ..ShopConfig::default()
    };
    let f = build(&m, &cfg);
    assert!(f.conversations.iter().all(|c| !c.resolved));
}

/// Explicitly resolved, then the customer comes back: a repeat contact (not one-touch).
/// The bound is inclusive: exactly 48 h later still counts.
#[test]
fn repeat_contact_after_explicit_resolve() {
    let m = all(vec![
        Conv::new("p", "u4")
            .c("2026-11-11 10:00:00")
            .a("2026-11-11 10:01:00", "A1")
            .ev("2026-11-11 10:02:00", Sender::Agent, "resolve"),
        Conv::new("q", "u4").c("2026-11-13 10:02:00"), // exactly 48 h after the resolve
    ]);
    let f = build(&m, &ShopConfig::default());
    let p = &f.conversations[0];
    assert!(p.resolved && p.repeat_contact && !p.one_touch && !p.reopened);
    // One second later it is a new, unrelated contact.
    let m = all(vec![
        Conv::new("p", "u4")
            .c("2026-11-11 10:00:00")
            .a("2026-11-11 10:01:00", "A1")
            .ev("2026-11-11 10:02:00", Sender::Agent, "resolve"),
        Conv::new("q", "u4").c("2026-11-13 10:02:01"),
    ]);
    let p = &build(&m, &ShopConfig::default()).conversations[0];
    assert!(p.resolved && !p.repeat_contact && p.one_touch);
}

/// A conversation with a reopen but no resolve is explicit and unresolved; a
/// customer-less group (customer = conversation id) cannot have repeat contacts.
#[test]
fn explicit_without_resolve_and_anonymous_groups() {
    let m = Conv::new("x", "u5")
        .c("2026-11-11 10:00:00")
        .a("2026-11-11 10:01:00", "A1")
        .ev("2026-11-11 11:00:00", Sender::System, "reopen")
        .msgs;
    let f = build(&m, &ShopConfig::default());
    assert_eq!(f.conversations.len(), 2);
    assert!(f.conversations.iter().all(|c| !c.resolved));
    // The second cycle has only the reopen: no rounds, no clock.
    assert_eq!(f.conversations[1].frt_answered, None);

    let mut anon = Conv::new("s:1", "x");
    anon.customer = None;
    let anon = anon.c("2026-11-11 10:00:00").a("2026-11-11 10:00:30", "A1");
    let f = build(&anon.msgs, &ShopConfig::default());
    assert_eq!(f.conversations[0].customer, "s:1");
    assert_eq!(f.conversations[0].customer_id, None);
    assert!(f.conversations[0].resolved);
}
