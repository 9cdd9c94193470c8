//! Property tests: invariants of the facts, order independence, and incremental
//! rebuilds by time slices equal to one build.

use crate::common::at;
use chrono::Duration;
use chrono_tz::Asia::Shanghai;
use kefu_analytics::{GroupFacts, build_all, build_group, group_customer};
use kefu_model::{MessageKind, MessageRecord, OrderRecord, Sender, ShopConfig};
use proptest::prelude::*;
use std::collections::BTreeMap;

const KINDS: [&str; 8] = [
    "text",
    "text",
    "text",
    "greeting",
    "auto_reply",
    "transfer",
    "resolve",
    "reopen",
];

fn make(spec: &[(u8, u8, u32, u8, u8, u8)]) -> Vec<MessageRecord> {
    let base = at("2026-11-10 06:00:00");
    spec.iter()
        .enumerate()
        .map(|(i, &(cust, conv, off, sender, kind, agent))| {
            let ts = base + Duration::seconds(off as i64);
            let sender = match sender % 6 {
                0..=2 => Sender::Customer,
                3 => Sender::Agent,
                4 => Sender::Bot,
                _ => Sender::System,
            };
            // Status events are rare; most messages are plain text.
            let kind = if kind % 4 == 0 {
                KINDS[(kind / 4 % 8) as usize]
            } else {
                "text"
            };
            MessageRecord {
                message_id: format!("m{i}"),
                conversation_id: format!("u{cust}-c{conv}"),
                shop_id: "s1".into(),
                platform: "p".into(),
                channel: "chat".into(),
                ts,
                sender,
                agent_id: (sender == Sender::Agent).then(|| format!("A{agent}")),
                customer_id: (cust > 0).then(|| format!("u{cust}")),
                text: String::new(),
                text_raw: String::new(),
                kind: MessageKind::parse(kind),
                product_id: None,
                order_id: None,
                local_date: ts.with_timezone(&Shanghai).date_naive(),
                text_masked: None,
                categories: Vec::new(),
                sentiment: None,
                urgent: None,
                spam: None,
                intent: None,
                source_file: "prop".into(),
                source_row: i as u64,
            }
        })
        .collect()
}

fn orders(spec: &[(u8, u32, bool)]) -> Vec<OrderRecord> {
    let base = at("2026-11-09 06:00:00");
    spec.iter()
        .enumerate()
        .map(|(i, &(cust, off, paid))| {
            let t = base + Duration::seconds(off as i64);
            OrderRecord {
                order_id: format!("o{i}"),
                shop_id: "s1".into(),
                customer_id: Some(format!("u{}", cust % 3 + 1)),
                product_id: None,
                created_at: t,
                paid_at: paid.then_some(t + Duration::minutes(5)),
                amount: Some(10.0 + i as f64),
                status: None,
                local_date: t.with_timezone(&Shanghai).date_naive(),
                source_file: "prop".into(),
                source_row: i as u64,
            }
        })
        .collect()
}

fn msg_spec() -> impl Strategy<Value = Vec<(u8, u8, u32, u8, u8, u8)>> {
    // Up to 3 customers (0 = anonymous), 3 conversations each, over ~5 days.
    prop::collection::vec(
        (0u8..4, 0u8..3, 0u32..432_000, 0u8..6, 0u8..64, 0u8..3),
        0..60,
    )
}

fn order_spec() -> impl Strategy<Value = Vec<(u8, u32, bool)>> {
    prop::collection::vec((0u8..3, 0u32..700_000, any::<bool>()), 0..6)
}

fn cfg(_: &str) -> ShopConfig {
    ShopConfig::default()
}

/// Facts in a canonical order, to compare two builds.
fn canon(mut f: GroupFacts) -> GroupFacts {
    f.conversations.sort_by_key(|r| r.key());
    f.rounds.sort_by_key(|r| r.key());
    f.inquiries.sort_by_key(|r| r.key());
    f.surveys.sort_by_key(|r| r.key());
    f
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn invariants_hold(spec in msg_spec(), ospec in order_spec()) {
        let m = make(&spec);
        let f = build_all(&m, &orders(&ospec), &[], cfg).unwrap();
        // Every customer message belongs to exactly one round.
        let customers = m.iter().filter(|m| m.sender == Sender::Customer
            && !matches!(m.kind, MessageKind::Transfer | MessageKind::Resolve | MessageKind::Reopen)).count() as i64;
        prop_assert_eq!(f.conversations.iter().map(|c| c.customer_messages).sum::<i64>(), customers);
        prop_assert_eq!(f.rounds.iter().map(|r| r.customer_messages).sum::<i64>(), customers);
        for c in &f.conversations {
            let rounds: Vec<_> = f.rounds.iter()
                .filter(|r| r.conversation_id == c.conversation_id && r.cycle == c.cycle).collect();
            prop_assert_eq!(c.human_rounds + c.bot_rounds + c.unanswered_rounds, rounds.len() as i64);
            prop_assert!(c.three_min_rounds <= c.window_rounds);
            prop_assert!(c.window_rounds <= c.human_rounds + c.unanswered_rounds);
            prop_assert!(c.frt_secs.is_none_or(|s| s >= 0.0));
            prop_assert!(c.frt_business_secs.unwrap_or(0.0) <= c.frt_secs.unwrap_or(0.0) + 1e-6);
            prop_assert_eq!(c.frt_secs.is_some(), c.frt_answered == Some(true));
            prop_assert!(!(c.outbound && c.frt_answered.is_some()));
            prop_assert!(!c.one_touch || (c.resolved && !c.reopened && !c.repeat_contact));
            prop_assert!(!c.not_served || (c.window_customer && c.agent_messages == 0));
            prop_assert!(c.resolution_secs.is_none_or(|s| s >= 0.0));
            prop_assert!(c.start_ts <= c.end_ts);
        }
        for r in &f.rounds {
            prop_assert!(r.response_secs.is_none_or(|s| s >= 0.0));
            prop_assert!(r.response_secs_last.unwrap_or(0.0) <= r.response_secs_first.unwrap_or(0.0));
            let w = [r.within_30s, r.within_1m, r.within_3m, r.within_5m, r.within_10m, r.within_30m, r.within_1h];
            // Within-T flags are monotone in T and defined for all but bot rounds.
            prop_assert!(w.windows(2).all(|p| p[0] <= p[1]));
            prop_assert_eq!(w[0].is_none(), r.kind == "bot");
            prop_assert!(r.three_min_ok.is_none() || r.starts_in_window);
        }
        for u in &f.inquiries {
            prop_assert!(!u.converted || u.inquiry);
            prop_assert!(u.inquiry || u.after_sales);
        }
        // Every order is credited at most once.
        let credited: i64 = f.inquiries.iter().map(|u| u.orders).sum();
        prop_assert!(credited <= ospec.len() as i64);
        // Every fact table converts to Arrow.
        prop_assert!(kefu_analytics::to_batches(&f).is_ok());
    }

    #[test]
    fn input_order_does_not_matter(spec in msg_spec(), rot in 0usize..60) {
        let m = make(&spec);
        let a = canon(build_all(&m, &[], &[], cfg).unwrap());
        let mut shuffled = m.clone();
        shuffled.reverse();
        if !shuffled.is_empty() {
            let k = rot % shuffled.len();
            shuffled.rotate_left(k);
        }
        // And an overlapping re-ingest: duplicated messages are one message.
        shuffled.extend(m.iter().take(rot % 5).cloned());
        let b = canon(build_all(&shuffled, &[], &[], cfg).unwrap());
        prop_assert_eq!(a, b);
    }

    /// The store's incremental path: each time slice, recompute the groups it touches
    /// from everything stored so far and replace their rows; the end state equals one
    /// build over everything — whatever order the slices arrive in.
    #[test]
    fn time_slices_rebuild_to_the_same_facts(spec in msg_spec(), ospec in order_spec(), cuts in prop::collection::vec(0u32..432_000, 0..4), reverse in any::<bool>()) {
        let m = make(&spec);
        let o = orders(&ospec);
        let once = canon(build_all(&m, &o, &[], cfg).unwrap());

        let mut bounds = cuts.clone();
        bounds.sort();
        let base = at("2026-11-10 06:00:00");
        let mut slices: Vec<Vec<MessageRecord>> = vec![Vec::new(); bounds.len() + 1];
        for x in &m {
            let off = (x.ts - base).num_seconds() as u32;
            let k = bounds.iter().filter(|b| off >= **b).count();
            slices[k].push(x.clone());
        }
        if reverse {
            slices.reverse();
        }
        let mut stored: Vec<MessageRecord> = Vec::new();
        let mut table: BTreeMap<(String, String), GroupFacts> = BTreeMap::new();
        for slice in slices {
            let touched: std::collections::BTreeSet<(String, String)> = slice
                .iter()
                .map(|x| (x.shop_id.clone(), group_customer(x).to_string()))
                .collect();
            stored.extend(slice);
            for (shop, cust) in touched {
                let gm: Vec<MessageRecord> = stored
                    .iter()
                    .filter(|x| x.shop_id == shop && group_customer(x) == cust)
                    .cloned()
                    .collect();
                let go: Vec<OrderRecord> = o
                    .iter()
                    .filter(|x| x.customer_id.as_deref() == Some(cust.as_str()))
                    .cloned()
                    .collect();
                let facts = build_group(&gm, &go, &[], &cfg(&shop)).unwrap();
                // Replace by group key: every row of the group carries it.
                for r in &facts.conversations {
                    prop_assert_eq!(r.group_key(), kefu_analytics::group_key(&shop, &cust));
                }
                table.insert((shop, cust), facts);
            }
        }
        let mut inc = GroupFacts::default();
        for (_, f) in table {
            inc.extend(f);
        }
        prop_assert_eq!(canon(inc), once);
    }
}

#[test]
fn facts_never_read_the_wall_clock() {
    // Facts are a function of the input alone, so an incremental rebuild equals a
    // full one whenever it runs. Building twice a moment apart cannot show that (the
    // clock barely moves), so read the builder's sources: no clock call may appear.
    let sources = [
        ("fact_builder.rs", include_str!("../../src/fact_builder.rs")),
        ("facts.rs", include_str!("../../src/facts.rs")),
        ("fact_batches.rs", include_str!("../../src/fact_batches.rs")),
        ("buckets.rs", include_str!("../../src/buckets.rs")),
    ];
    let clocks = ["Utc::now", "Local::now", "SystemTime::now", "today()"];
    for (file, text) in sources {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for c in clocks {
                assert!(
                    !code.contains(c),
                    "{file}:{}: `{c}` — facts must not depend on the wall clock",
                    n + 1
                );
            }
        }
    }
    // And the same input gives the same facts.
    let m = make(&[(1, 0, 0, 0, 1, 0), (1, 0, 30, 3, 1, 1)]);
    assert_eq!(
        build_all(&m, &[], &[], cfg).unwrap(),
        build_all(&m, &[], &[], cfg).unwrap()
    );
}
