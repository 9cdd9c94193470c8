//! Rounds, FRT, response times, within-T, 3-minute and not-served flags.

use crate::common::*;
use kefu_model::config::RoundStart;
use kefu_model::{Sender, ShopConfig};

/// Two human rounds then an unanswered one, all inside 08:00–23:00.
#[test]
fn human_rounds_frt_and_unanswered() {
    let m = all(vec![
        Conv::new("c1", "u1")
            .c("2026-11-11 10:00:00")
            .c("2026-11-11 10:00:20")
            .a("2026-11-11 10:01:00", "A1") // round 0: 60 s from first, 40 s from last
            .c("2026-11-11 10:05:00")
            .a("2026-11-11 10:09:00", "A1") // round 1: 240 s
            .c("2026-11-11 10:20:00"), // round 2: unanswered
    ]);
    let f = build(&m, &ShopConfig::default());
    let c = &f.conversations[0];
    // FRT = 10:01:00 − 10:00:00 = 60 s, credited to A1.
    assert_secs(c.frt_secs, 60.0);
    assert_secs(c.frt_business_secs, 60.0);
    assert_eq!(c.frt_agent.as_deref(), Some("A1"));
    assert_eq!(c.frt_answered, Some(true));
    assert_eq!(
        (c.human_rounds, c.bot_rounds, c.unanswered_rounds),
        (2, 0, 1)
    );
    assert_eq!((c.customer_messages, c.agent_messages), (4, 2));
    // 3-minute: three rounds start in the window; only round 0 (60 s) is ≤ 180 s.
    assert_eq!((c.window_rounds, c.three_min_rounds), (3, 1));
    assert_eq!(c.three_min_buyer_ok, Some(false));
    assert!(!c.outbound && !c.not_served && c.window_customer);
    // Last round unanswered: not resolved.
    assert!(!c.resolved);

    let r = &f.rounds;
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].kind, "human");
    assert_secs(r[0].response_secs, 60.0);
    assert_secs(r[0].response_secs_last, 40.0);
    assert_eq!(r[0].customer_messages, 2);
    assert_eq!(r[0].within_30s, Some(false));
    assert_eq!(r[0].within_1m, Some(true)); // 60 ≤ 60: the bound is inclusive
    assert_secs(r[1].response_secs, 240.0);
    assert_eq!((r[1].within_3m, r[1].within_5m), (Some(false), Some(true)));
    assert_eq!(r[2].kind, "unanswered");
    assert_eq!(r[2].response_secs, None);
    // Unanswered rounds are failures for every T and credited to the serving agent.
    assert_eq!(r[2].within_1h, Some(false));
    assert_eq!(r[2].three_min_ok, Some(false));
    assert_eq!(r[2].agent_id.as_deref(), Some("A1"));

    // round_start = last: round 0 measures from 10:00:20 → 40 s.
    let cfg = ShopConfig {
        round_start: RoundStart::Last,
        ..ShopConfig::default()
    };
    let f = build(&m, &cfg);
    assert_secs(f.rounds[0].response_secs, 40.0);
    assert_eq!(f.rounds[0].within_1m, Some(true));
    assert_secs(f.conversations[0].frt_secs, 60.0); // FRT is not a round reading
}

/// Bot answers first, the customer asks for a human, the bot hands off.
#[test]
fn bot_first_then_transfer_to_human() {
    let conv = || {
        Conv::new("c2", "u2")
            .c("2026-11-11 10:00:00")
            .b("2026-11-11 10:00:02") // round 0: bot round
            .c("2026-11-11 10:01:00") // round 1 opens
    };
    let with_transfer = conv()
        .ev("2026-11-11 10:01:01", Sender::Bot, "transfer") // hand-off: clock restarts
        .greet("2026-11-11 10:01:30", "A1") // greeting never stops a clock
        .a("2026-11-11 10:02:31", "A1");
    let f = build(&with_transfer.msgs, &ShopConfig::default());
    let c = &f.conversations[0];
    // Clock = the hand-off 10:01:01; FRT = 10:02:31 − 10:01:01 = 90 s.
    assert_eq!(c.human_clock_ts, Some(at("2026-11-11 10:01:01")));
    assert_secs(c.frt_secs, 90.0);
    assert_eq!(
        (c.human_rounds, c.bot_rounds, c.unanswered_rounds),
        (1, 1, 0)
    );
    assert_eq!(c.transfers, 1);
    // Counts: customer 2, human replies 1 (the greeting is not), bot 1, greeting 1.
    assert_eq!(
        (
            c.customer_messages,
            c.agent_messages,
            c.bot_messages,
            c.auto_messages
        ),
        (2, 1, 1, 1)
    );
    // Round 1 waits from 10:01:00 to 10:02:31 = 91 s; the greeting did not close it.
    assert_eq!(f.rounds[0].kind, "bot");
    assert_secs(f.rounds[0].response_secs, 2.0);
    assert_eq!(f.rounds[0].within_30s, None); // bot rounds are outside within-T
    assert_eq!(f.rounds[0].three_min_ok, None);
    assert_eq!(f.rounds[1].kind, "human");
    assert_secs(f.rounds[1].response_secs, 91.0);
    assert_eq!((c.window_rounds, c.three_min_rounds), (1, 1));

    // Without a transfer event the clock starts at the first round the bot did not
    // close (10:01:00): FRT = 91 s.
    let no_event = conv().a("2026-11-11 10:02:31", "A1");
    let f = build(&no_event.msgs, &ShopConfig::default());
    assert_eq!(
        f.conversations[0].human_clock_ts,
        Some(at("2026-11-11 10:01:00"))
    );
    assert_secs(f.conversations[0].frt_secs, 91.0);
}

/// Only the bot talks: no human clock, no FRT either way; 人工不服务.
#[test]
fn bot_only_conversation() {
    let m = Conv::new("c3", "u3")
        .c("2026-11-11 10:00:00")
        .b("2026-11-11 10:00:03")
        .c("2026-11-11 10:02:00")
        .b("2026-11-11 10:02:01")
        .msgs;
    let f = build(&m, &ShopConfig::default());
    let c = &f.conversations[0];
    assert_eq!(c.bot_rounds, 2);
    assert_eq!(c.human_clock_ts, None);
    assert_eq!(c.frt_answered, None);
    assert_eq!(c.window_rounds, 0);
    assert!(
        c.not_served,
        "a customer message in the window and no human reply"
    );
    // The last round was answered (by the bot) and no new contact: inferred resolved.
    assert!(c.resolved);
    assert_eq!(c.resolution_source.as_deref(), Some("inferred"));
    assert!(!c.one_touch, "one-touch needs exactly one human round");
}

/// A1 answers, hands over to A2, A2 answers.
#[test]
fn transfer_between_agents() {
    let m = Conv::new("c4", "u4")
        .c("2026-11-11 10:00:00")
        .a("2026-11-11 10:01:00", "A1") // round 0: 60 s by A1
        .c("2026-11-11 10:02:00")
        .ev("2026-11-11 10:02:30", Sender::Agent, "transfer") // agent → agent
        .a("2026-11-11 10:04:00", "A2") // round 1: 120 s by A2
        .msgs;
    let f = build(&m, &ShopConfig::default());
    let c = &f.conversations[0];
    assert_eq!(c.agents.as_deref(), Some("A1,A2"));
    assert_eq!(c.first_agent.as_deref(), Some("A1"));
    assert_eq!(c.last_agent.as_deref(), Some("A2"));
    assert_eq!(c.conv_last_agent.as_deref(), Some("A2"));
    assert_eq!((c.transfers, c.agent_switches), (1, 1));
    // An agent-to-agent transfer after the first reply does not touch FRT: 60 s by A1.
    assert_secs(c.frt_secs, 60.0);
    assert_eq!(c.frt_agent.as_deref(), Some("A1"));
    assert_eq!(f.rounds[1].agent_id.as_deref(), Some("A2"));
    assert_secs(f.rounds[1].response_secs, 120.0);
}

/// The agent writes first (order shipped notice): outbound, excluded from FRT.
#[test]
fn outbound_excluded_from_frt() {
    let m = Conv::new("c5", "u5")
        .greet("2026-11-11 09:59:00", "A1") // a greeting is not "the agent wrote first"
        .a("2026-11-11 10:00:00", "A1")
        .c("2026-11-11 10:30:00")
        .a("2026-11-11 10:31:00", "A1") // round 0: 60 s
        .msgs;
    let f = build(&m, &ShopConfig::default());
    let c = &f.conversations[0];
    assert!(c.outbound);
    assert_eq!((c.frt_secs, c.frt_answered), (None, None));
    // Its rounds still count for response time.
    assert_eq!(c.human_rounds, 1);
    assert_secs(f.rounds[0].response_secs, 60.0);

    // Only a greeting before the customer: not outbound.
    let m = Conv::new("c5b", "u5")
        .greet("2026-11-11 09:59:00", "A1")
        .c("2026-11-11 10:30:00")
        .a("2026-11-11 10:31:00", "A1")
        .msgs;
    let c = &build(&m, &ShopConfig::default()).conversations[0];
    assert!(!c.outbound);
    assert_secs(c.frt_secs, 60.0);
}

/// An auto-reply is all the customer gets: unanswered, no FRT, 人工不服务.
#[test]
fn auto_reply_is_not_an_answer() {
    let m = Conv::new("c6", "u6")
        .c("2026-11-11 10:00:00")
        .auto("2026-11-11 10:00:01", "A1")
        .msgs;
    let f = build(&m, &ShopConfig::default());
    let c = &f.conversations[0];
    assert_eq!(c.unanswered_rounds, 1);
    assert_eq!(c.frt_answered, Some(false));
    assert_eq!(c.frt_secs, None);
    assert!(c.not_served);
    assert_eq!(c.agent_messages, 0);
    assert_eq!(f.rounds[0].three_min_ok, Some(false));
}

/// Rounds at the edges of the 08:00–23:00 window, across midnight (Shanghai), and the
/// business-seconds reading.
#[test]
fn assessment_window_midnight_and_business_seconds() {
    let m = Conv::new("c7", "u7")
        .c("2026-11-11 22:58:00") // in the window
        .a("2026-11-11 23:01:00", "A1") // 180 s calendar; business 22:58→23:00 = 120 s
        .c("2026-11-11 23:30:00") // outside
        .a("2026-11-11 23:40:00", "A1") // 600 s, business 0
        .c("2026-11-12 07:59:00") // outside; 23:59 UTC on 11-11
        .a("2026-11-12 08:02:00", "A1") // 180 s, business 08:00→08:02 = 120 s
        .msgs;
    let f = build(&m, &ShopConfig::default());
    let r = &f.rounds;
    assert_eq!(
        r.iter().map(|r| r.starts_in_window).collect::<Vec<_>>(),
        vec![true, false, false]
    );
    // Only round 0 counts for the 3-minute rate, and 180 ≤ 180 passes.
    assert_eq!(
        r.iter().map(|r| r.three_min_ok).collect::<Vec<_>>(),
        vec![Some(true), None, None]
    );
    assert_secs(r[0].business_secs_first, 120.0);
    assert_secs(r[1].business_secs_first, 0.0);
    assert_secs(r[2].business_secs_first, 120.0);
    // Shop-local dates and hours: the third round is 11-12 07h in Shanghai.
    assert_eq!(r[2].local_date.to_string(), "2026-11-12");
    assert_eq!(r[2].local_hour, 7);
    assert_eq!(r[1].local_hour, 23);
    let c = &f.conversations[0];
    assert_eq!(c.local_date.to_string(), "2026-11-11");
    assert_eq!((c.local_hour, c.weekday), (22, 3)); // 2026-11-11 is a Wednesday
    assert_eq!((c.window_rounds, c.three_min_rounds), (1, 1));
    assert_secs(c.frt_secs, 180.0);
    assert_secs(c.frt_business_secs, 120.0);

    // business_hours = true: response times in window seconds.
    let cfg = ShopConfig {
        business_hours: true,
        ..ShopConfig::default()
    };
    let f = build(&m, &cfg);
    assert_secs(f.rounds[0].response_secs, 120.0);
    assert_secs(f.rounds[1].response_secs, 0.0);
    assert_eq!(f.rounds[0].within_1m, Some(false));
    assert_eq!(f.rounds[0].within_3m, Some(true));

    // The same instants for a Berlin shop: 22:58 Shanghai = 15:58 Berlin (in window),
    // 23:30 = 16:30 (in), 07:59 = 00:59 (out).
    let cfg = ShopConfig {
        timezone: "Europe/Berlin".into(),
        ..ShopConfig::default()
    };
    let f = build(&m, &cfg);
    assert_eq!(
        f.rounds
            .iter()
            .map(|r| r.starts_in_window)
            .collect::<Vec<_>>(),
        vec![true, true, false]
    );
    assert_eq!(f.rounds[2].local_date.to_string(), "2026-11-12");
    assert_eq!(f.conversations[0].local_hour, 15);
}

/// Holidays and per-weekday intervals.
#[test]
fn holidays_and_weekday_windows() {
    let m = Conv::new("c8", "u8")
        .c("2026-11-11 10:00:00")
        .a("2026-11-11 10:10:00", "A1")
        .msgs;
    let mut cfg = ShopConfig::default();
    cfg.assessment_window.holidays = vec!["2026-11-11".parse().unwrap()];
    let f = build(&m, &cfg);
    assert!(!f.rounds[0].starts_in_window);
    assert_secs(f.rounds[0].business_secs_first, 0.0);
    assert!(!f.conversations[0].window_customer);
    assert!(!f.conversations[0].not_served);

    // Wednesdays only 10:05–12:00: the round starts outside, 5 business minutes.
    let mut cfg = ShopConfig::default();
    cfg.assessment_window
        .days
        .insert("wed".into(), vec!["10:05-12:00".into()]);
    let f = build(&m, &cfg);
    assert!(!f.rounds[0].starts_in_window);
    assert_secs(f.rounds[0].business_secs_first, 300.0);
}

/// Customer messages only outside the window and unanswered: not in 人工不服务.
#[test]
fn not_served_counts_only_window_conversations() {
    let night = Conv::new("c9", "u9").c("2026-11-11 02:00:00").msgs;
    let c = &build(&night, &ShopConfig::default()).conversations[0];
    assert!(!c.window_customer && !c.not_served);
    assert_eq!(c.window_rounds, 0);
    assert_eq!(c.three_min_buyer_ok, None);
}

/// Agent rows often lack the customer id: they stay with their conversation's group.
#[test]
fn agent_rows_without_customer_id_stay_in_the_group() {
    let mut m = Conv::new("c10", "u10")
        .c("2026-11-11 10:00:00")
        .a("2026-11-11 10:00:45", "A1")
        .msgs;
    m[1].customer_id = None;
    let f = kefu_analytics::build_all(&m, &[], &[], |_| ShopConfig::default()).unwrap();
    assert_eq!(f.conversations.len(), 1);
    assert_eq!(f.conversations[0].customer, "u10");
    assert_secs(f.conversations[0].frt_secs, 45.0);
}

/// A bot's welcome line right after the customer's first message is a greeting: it
/// closes no round, so the agent's reply 2 minutes later is the FRT.
#[test]
fn bot_greeting_is_not_a_bot_answer() {
    let m = Conv::new("c11", "u11")
        .c("2026-11-11 10:00:00")
        .push_kind("2026-11-11 10:00:01", Sender::Bot, "greeting")
        .a("2026-11-11 10:02:00", "A1")
        .msgs;
    let f = build(&m, &ShopConfig::default());
    let c = &f.conversations[0];
    assert_eq!((c.human_rounds, c.bot_rounds, c.bot_messages), (1, 0, 1));
    assert_secs(c.frt_secs, 120.0);
}
