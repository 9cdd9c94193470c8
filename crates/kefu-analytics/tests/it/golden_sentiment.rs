//! Conversation sentiment (minimum, final), primary category, complaint, and what
//! the customer wrote after a human reply (METRICS.md "Text").

use crate::common::*;
use kefu_model::ShopConfig;

/// Three rounds: calm (0.75), upset (0.25), calmer (0.5); the categories are
/// logistics, logistics + quality, other.
#[test]
fn min_final_primary_and_after_reply() {
    let m = all(vec![
        Conv::new("c1", "u1")
            .c("2026-11-11 10:00:00")
            .read(0.75, &["logistics"])
            .a("2026-11-11 10:01:00", "A1") // round 0 answered by A1
            .c("2026-11-11 10:05:00")
            .read(0.25, &["logistics", "quality"])
            .a("2026-11-11 10:06:00", "A2") // round 1: negative, answered by A2
            .c("2026-11-11 10:10:00")
            .read(0.5, &["other"]), // round 2: unanswered
    ]);
    let f = build(&m, &ShopConfig::default());
    let c = &f.conversations[0];
    // Minimum 0.25, final (last read customer message) 0.5; one cycle, so the
    // cycle and the conversation agree.
    assert!(close(c.min_sentiment, 0.25) && close(c.conv_min_sentiment, 0.25));
    assert!(close(c.final_sentiment, 0.5) && close(c.conv_final_sentiment, 0.5));
    // logistics twice, quality once, other ignored → logistics.
    assert_eq!(c.primary_category.as_deref(), Some("logistics"));
    // 0.25 < 0.4 and a category: a complaint.
    assert!(c.complaint);
    let r = &f.rounds;
    assert_eq!(r.len(), 3);
    assert!(close(r[0].customer_sentiment, 0.75));
    // After A1's reply the customer wrote 0.25; after A2's, 0.5 (calmed).
    assert!(close(r[0].next_sentiment, 0.25));
    assert!(close(r[1].customer_sentiment, 0.25));
    assert!(close(r[1].next_sentiment, 0.5));
    // The last round was not answered: nothing came after a reply.
    assert_eq!(r[2].next_sentiment, None);
}

/// Ties go to the label seen first; only `other` gives `other`; a calm
/// conversation with nothing but `other` is not a complaint.
#[test]
fn primary_ties_other_and_no_complaint() {
    let m = all(vec![
        Conv::new("t1", "u1")
            .c("2026-11-11 10:00:00")
            .read(0.5, &["price"])
            .c("2026-11-11 10:00:10")
            .read(0.5, &["quality"]),
        Conv::new("o1", "u2")
            .c("2026-11-11 11:00:00")
            .read(0.46875, &["other"])
            .a("2026-11-11 11:01:00", "A1"),
        Conv::new("n1", "u3")
            .c("2026-11-11 12:00:00")
            .a("2026-11-11 12:01:00", "A1"),
    ]);
    let f = build(&m, &ShopConfig::default());
    let by = |id: &str| {
        f.conversations
            .iter()
            .find(|c| c.conversation_id == id)
            .unwrap()
    };
    assert_eq!(by("t1").primary_category.as_deref(), Some("price"));
    assert!(by("t1").complaint, "a complaint category");
    assert_eq!(by("o1").primary_category.as_deref(), Some("other"));
    assert!(
        !by("o1").complaint,
        "0.47 is neutral and `other` is no category"
    );
    // No message was read: no sentiment, no category.
    assert_eq!(by("n1").primary_category, None);
    assert_eq!(by("n1").min_sentiment, None);
    assert!(!by("n1").complaint);
}
