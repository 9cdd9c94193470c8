//! Surveys on the three scales, matched by conversation id or by customer and time,
//! attributed to the last agent or to all agents.

use crate::common::*;
use kefu_analytics::build_group;
use kefu_model::ShopConfig;
use kefu_model::config::CsatAttribution;

fn data() -> (
    Vec<kefu_model::MessageRecord>,
    Vec<kefu_model::SurveyRecord>,
) {
    let m = all(vec![
        Conv::new("k1", "u1")
            .c("2026-11-11 10:00:00")
            .a("2026-11-11 10:01:00", "A1")
            .c("2026-11-11 10:05:00")
            .a("2026-11-11 10:06:00", "A2"),
        Conv::new("k2", "u1")
            .c("2026-11-12 10:00:00")
            .a("2026-11-12 10:01:00", "A3"),
    ]);
    let s = vec![
        // 1–5 stars, overall 5 → satisfied; attitude 2 → dissatisfied.
        survey(
            "s1",
            Some("k1"),
            "u1",
            "2026-11-11 10:10:00",
            5.0,
            5,
            "overall",
        ),
        survey(
            "s2",
            Some("k1"),
            "u1",
            "2026-11-11 10:10:00",
            2.0,
            5,
            "attitude",
        ),
        // Three levels, already mapped: 一般 = 3, 不满意 = 1. No conversation id: the
        // latest conversation started before the survey (s3 → k2, s4 → k1).
        survey("s3", None, "u1", "2026-11-12 11:00:00", 3.0, 3, "overall"),
        survey("s4", None, "u1", "2026-11-11 12:00:00", 1.0, 3, "overall"),
        // 0–10: 9 promoter, 6 detractor.
        survey(
            "s5",
            Some("k2"),
            "u1",
            "2026-11-12 11:00:00",
            9.0,
            10,
            "nps",
        ),
        survey(
            "s6",
            Some("k2"),
            "u1",
            "2026-11-12 12:00:00",
            6.0,
            10,
            "nps",
        ),
        // Before any conversation: kept, unmatched.
        survey("s7", None, "u1", "2026-11-10 09:00:00", 4.0, 5, "overall"),
    ];
    (m, s)
}

#[test]
fn scales_matching_and_last_agent_attribution() {
    let (m, s) = data();
    let f = build_group(&m, &[], &s, &ShopConfig::default()).unwrap();
    let row = |id: &str| f.surveys.iter().find(|x| x.survey_id == id).unwrap();
    assert_eq!(f.surveys.len(), 7);
    assert!(f.surveys.iter().all(|x| x.is_primary));
    assert_eq!(row("s1").conversation_id.as_deref(), Some("k1"));
    assert_eq!(row("s1").agent_id.as_deref(), Some("A2")); // last human agent of k1
    assert_eq!(
        (row("s1").satisfied, row("s1").dissatisfied),
        (Some(true), Some(false))
    );
    assert_eq!(row("s2").dissatisfied, Some(true));
    assert_eq!(row("s3").conversation_id.as_deref(), Some("k2"));
    assert_eq!(row("s3").agent_id.as_deref(), Some("A3"));
    assert_eq!(
        (row("s3").satisfied, row("s3").dissatisfied),
        (Some(false), Some(false))
    );
    assert_eq!(row("s4").conversation_id.as_deref(), Some("k1"));
    assert_eq!(row("s4").dissatisfied, Some(true));
    assert_eq!(
        (row("s5").promoter, row("s5").detractor),
        (Some(true), Some(false))
    );
    assert_eq!(
        (row("s6").promoter, row("s6").detractor),
        (Some(false), Some(true))
    );
    assert_eq!(row("s5").satisfied, None);
    assert_eq!(row("s7").conversation_id, None);
    assert_eq!(row("s7").agent_id, None);
    assert_eq!(row("s7").conv_local_date.to_string(), "2026-11-10");

    // Conversation summaries: k1 has s1, s2, s4; its latest overall rating is s4 = 1.
    let (k1, k2) = (&f.conversations[0], &f.conversations[1]);
    assert_eq!(
        (k1.surveys, k1.csat_score, k1.nps_score),
        (3, Some(1.0), None)
    );
    // k2 has s3, s5, s6: overall 3, latest NPS answer 6.
    assert_eq!(
        (k2.surveys, k2.csat_score, k2.nps_score),
        (3, Some(3.0), Some(6.0))
    );
}

#[test]
fn all_agents_attribution_shares_the_response() {
    let (m, s) = data();
    let cfg = ShopConfig {
        csat_attribution: CsatAttribution::AllAgents,
        ..ShopConfig::default()
    };
    let f = build_group(&m, &[], &s, &cfg).unwrap();
    // k1's three surveys go to A1 and A2 (6 rows); k2's three to A3; s7 alone: 10.
    assert_eq!(f.surveys.len(), 10);
    assert_eq!(f.surveys.iter().filter(|x| x.is_primary).count(), 7);
    let s1: Vec<_> = f
        .surveys
        .iter()
        .filter(|x| x.survey_id == "s1")
        .map(|x| (x.agent_id.clone().unwrap(), x.is_primary))
        .collect();
    assert_eq!(
        s1,
        vec![("A1".to_string(), true), ("A2".to_string(), false)]
    );
    // Keys differ per credited agent.
    let keys: std::collections::BTreeSet<i64> = f.surveys.iter().map(|x| x.key()).collect();
    assert_eq!(keys.len(), 10);
}
