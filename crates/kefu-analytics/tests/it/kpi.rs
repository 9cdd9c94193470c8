//! KPI SQL over hand-made facts registered as MemTables; every number by hand.
//!
//! Shop s1 (Asia/Shanghai, window 08:00–23:00). 2026-11-11 is a Wednesday.
//! * k1 (u1, 11-11): C 10:00:00, A1 10:00:30 (30 s), C 10:02:00, A1 10:04:00 (120 s),
//!   resolve 10:05 → explicit, 300 s; two human rounds → not one-touch. FRT 30 s.
//! * k2 (u2, 11-11): C 11:00:00, bot 11:00:05 (bot round), C 11:01:00, A2 11:11:00
//!   (600 s) → FRT from 11:01 = 600 s; inferred resolved at 11:11 (660 s), one-touch.
//! * k3 (u3, 11-12): C 23:30 (outside the window), never answered.
//! * k4 (u4, 11-12): C 12:00, auto-reply 12:00:01 → unanswered, 人工不服务.

use crate::common::*;
use datafusion::prelude::SessionContext;
use kefu_analytics::kpi::{heatmap, response_distribution, series, volume_by};
use kefu_analytics::{
    Breakdown, Grain, Readings, ReportQuery, VolumeBy, build_all, register_facts, report,
};
use kefu_model::config::ThreeMinReading;
use kefu_model::{Sender, ShopConfig};

fn ctx() -> SessionContext {
    let (m, o, s) = sources();
    let f = build_all(&m, &o, &s, |_| ShopConfig::default()).unwrap();
    let ctx = SessionContext::new();
    register_facts(&ctx, &f).unwrap();
    ctx
}

type Sources = (
    Vec<kefu_model::MessageRecord>,
    Vec<kefu_model::OrderRecord>,
    Vec<kefu_model::SurveyRecord>,
);

fn sources() -> Sources {
    let m = all(vec![
        Conv::new("k1", "u1")
            .c("2026-11-11 10:00:00")
            .product("P1")
            .a("2026-11-11 10:00:30", "A1")
            .c("2026-11-11 10:02:00")
            .a("2026-11-11 10:04:00", "A1")
            .ev("2026-11-11 10:05:00", Sender::System, "resolve"),
        Conv::new("k2", "u2")
            .c("2026-11-11 11:00:00")
            .product("P1")
            .b("2026-11-11 11:00:05")
            .c("2026-11-11 11:01:00")
            .a("2026-11-11 11:11:00", "A2"),
        Conv::new("k3", "u3").c("2026-11-12 23:30:00").product("P2"),
        Conv::new("k4", "u4")
            .c("2026-11-12 12:00:00")
            .auto("2026-11-12 12:00:01", "A1"),
    ]);
    // Complaint labels as ingest sets them on customer messages:
    // k1 logistics; k2 logistics + quality (over two messages); k3 quality; k4 none.
    let mut m = m;
    let label = |m: &mut Vec<kefu_model::MessageRecord>, conv: &str, nth: usize, cats: &[&str]| {
        let msg = m
            .iter_mut()
            .filter(|x| x.conversation_id == conv && x.sender == Sender::Customer)
            .nth(nth)
            .unwrap();
        msg.categories = cats.iter().map(|c| c.to_string()).collect();
    };
    label(&mut m, "k1", 0, &["logistics"]);
    label(&mut m, "k2", 0, &["logistics"]);
    label(&mut m, "k2", 1, &["quality"]);
    label(&mut m, "k3", 0, &["quality"]);
    let s = vec![
        survey(
            "sv1",
            Some("k1"),
            "u1",
            "2026-11-11 10:06:00",
            5.0,
            5,
            "overall",
        ),
        survey(
            "sv2",
            Some("k2"),
            "u2",
            "2026-11-11 11:12:00",
            1.0,
            3,
            "overall",
        ),
        survey(
            "sv3",
            Some("k2"),
            "u2",
            "2026-11-11 11:12:00",
            3.0,
            3,
            "attitude",
        ),
        survey(
            "sv4",
            Some("k1"),
            "u1",
            "2026-11-11 10:06:00",
            10.0,
            10,
            "nps",
        ),
        survey(
            "sv5",
            Some("k2"),
            "u2",
            "2026-11-11 11:12:00",
            5.0,
            10,
            "nps",
        ),
    ];
    let o = vec![
        order("O1", "u1", "2026-11-12 09:00:00", None, 100.0), // converts u1's 11-11
        order(
            "O2",
            "u2",
            "2026-11-05 09:00:00",
            Some("2026-11-05 09:00:00"),
            50.0,
        ), // after-sales
        order("O3", "u4", "2026-11-20 09:00:00", None, 70.0),  // outside the window
    ];
    (m, o, s)
}

fn close(a: Option<f64>, b: f64) {
    assert!(
        a.is_some_and(|a| (a - b).abs() < 1e-9),
        "expected {b}, got {a:?}"
    );
}

#[tokio::test]
async fn overall_report_by_hand() {
    let ctx = ctx();
    let r = report(&ctx, &ReportQuery::default()).await.unwrap();
    let b = &r.body;
    // Volume: 4 conversations, 4 customers, 6 customer messages, 3 human replies.
    assert_eq!(
        (
            b.volume.conversations,
            b.volume.customers,
            b.volume.customer_messages,
            b.volume.agent_messages
        ),
        (4, 4, 6, 3)
    );
    // Rounds: human 30, 120, 600; bot 1; unanswered k3, k4.
    let resp = &b.response;
    assert_eq!(
        (resp.rounds.human, resp.rounds.bot, resp.rounds.unanswered),
        (3, 1, 2)
    );
    // Response: mean (30+120+600)/3 = 250; p50 120; p90 rank 1.8 → 120 + 0.8·480 = 504.
    assert_eq!(resp.response_secs.n, 3);
    close(resp.response_secs.mean, 250.0);
    close(resp.response_secs.p50, 120.0);
    close(resp.response_secs.p90, 504.0);
    // FRT: 30 and 600; p50 315; p90 30 + 0.9·570 = 543; k3 and k4 unanswered.
    assert_eq!((resp.frt_secs.n, resp.frt_unanswered), (2, 2));
    close(resp.frt_secs.mean, 315.0);
    close(resp.frt_secs.p50, 315.0);
    close(resp.frt_secs.p90, 543.0);
    // Within-T over human + unanswered = 5: ≤30s 1, ≤1m 1, ≤3m 2, ≤5m 2, ≤10m 3 (600 ≤ 600).
    let w = resp.within.rates();
    for (got, want) in w.iter().zip([0.2, 0.2, 0.4, 0.4, 0.6, 0.6, 0.6]) {
        close(*got, want);
    }
    // 3-minute per round: in-window waiting rounds k1×2 (ok, ok), k2 (600 s), k4 → 2/4.
    close(resp.three_min_rate, 0.5);
    assert_eq!((resp.three_min_rounds, resp.three_min_buyers), (4, 3));
    // Not served: window conversations k1, k2, k4; only k4 without a human reply → 1/3.
    close(resp.not_served_rate, 1.0 / 3.0);
    close(resp.answer_ratio, 0.5);

    // Resolution: k1 explicit (300 s), k2 inferred (660 s) → 2/4; one-touch k2 → 1/2.
    let res = &b.resolution;
    assert_eq!((res.resolved, res.explicit, res.inferred), (2, 1, 1));
    close(res.rate, 0.5);
    close(res.one_touch_rate, 0.5);
    close(res.reopen_rate, 0.0);
    close(res.time_secs.mean, 480.0);
    close(res.time_secs.p90, 624.0);

    // Satisfaction: overall 5 (k1) and 1 (k2, 不满意) → CSAT 50 %, 不满意 50 %, mean 3;
    // response rate 2/4; NPS: one 10, one 5 → 50 % − 50 % = 0.
    let s = &b.satisfaction;
    assert_eq!(s.responses, 2);
    close(s.csat_pct, 50.0);
    close(s.dissatisfied_pct, 50.0);
    close(s.mean, 3.0);
    close(s.response_rate, 0.5);
    close(s.nps, 0.0);
    assert_eq!(s.nps_responses, 2);
    assert_eq!(s.distribution.get("1"), Some(&1));
    assert_eq!(s.distribution.get("5"), Some(&1));
    let att = &s.by_dimension["attitude"];
    assert_eq!(att.responses, 1);
    close(att.csat_pct, 0.0);
    close(att.mean, 3.0);

    // Conversion: units u1 11-11 (converted by O1, 100), u2 11-11 (after-sales, O2 paid
    // 11-05), u3 11-12, u4 11-12 (O3 on 11-20 is outside) → 询单 3, 成单 1, 客单价 100.
    let c = &b.conversion;
    assert_eq!((c.inquiries, c.converted), (3, 1));
    close(c.rate, 1.0 / 3.0);
    close(c.avg_order_value, 100.0);
}

#[tokio::test]
async fn readings_filters_and_breakdowns() {
    let ctx = ctx();
    // Per-buyer 3-minute reading: buyers u1 (all ok), u2 (late), u4 (unanswered) → 1/3.
    let q = ReportQuery {
        readings: Readings {
            three_min_reading: ThreeMinReading::PerBuyer,
            ..Readings::default()
        },
        ..ReportQuery::default()
    };
    close(
        report(&ctx, &q).await.unwrap().body.response.three_min_rate,
        1.0 / 3.0,
    );

    // One day: 11-12 holds k3 and k4 only.
    let day = "2026-11-12".parse().ok();
    let q = ReportQuery {
        from: day,
        to: day,
        ..ReportQuery::default()
    };
    let r = report(&ctx, &q).await.unwrap();
    assert_eq!(r.body.volume.conversations, 2);
    assert_eq!(r.body.response.rounds.unanswered, 2);
    assert_eq!(r.body.response.response_secs.n, 0);
    assert_eq!(r.body.satisfaction.responses, 0);
    assert_eq!(r.body.conversion.inquiries, 2);

    // Another shop: nothing, and rates are null rather than 0.
    let q = ReportQuery {
        shop: Some("s2".into()),
        ..ReportQuery::default()
    };
    let r = report(&ctx, &q).await.unwrap();
    assert_eq!(r.body.volume.conversations, 0);
    assert_eq!(r.body.resolution.rate, None);

    // By agent: conversations by last human agent; rounds by replier.
    let q = ReportQuery {
        by: Some(Breakdown::Agent),
        ..ReportQuery::default()
    };
    let r = report(&ctx, &q).await.unwrap();
    let row = |k: &str| &r.breakdown.iter().find(|b| b.key == k).unwrap().body;
    assert_eq!(row("A1").volume.conversations, 1);
    assert_eq!(row("A1").response.response_secs.n, 2);
    close(row("A1").response.response_secs.mean, 75.0);
    close(row("A1").response.frt_secs.mean, 30.0);
    close(row("A2").response.frt_secs.mean, 600.0);
    close(row("A1").satisfaction.csat_pct, 100.0);
    close(row("A2").satisfaction.dissatisfied_pct, 100.0);
    assert_eq!(row("A1").conversion.converted, 1);
    assert_eq!(row("-").volume.conversations, 2);

    // By day.
    let q = ReportQuery {
        by: Some(Breakdown::Day),
        ..ReportQuery::default()
    };
    let r = report(&ctx, &q).await.unwrap();
    let keys: Vec<(&str, i64)> = r
        .breakdown
        .iter()
        .map(|b| (b.key.as_str(), b.body.volume.conversations))
        .collect();
    assert_eq!(keys, vec![("2026-11-11", 2), ("2026-11-12", 2)]);

    // Agent filter.
    let q = ReportQuery {
        agent: Some("A2".into()),
        ..ReportQuery::default()
    };
    let r = report(&ctx, &q).await.unwrap();
    assert_eq!(r.body.volume.conversations, 1);
    assert_eq!(r.body.response.rounds.human, 1);
}

#[tokio::test]
async fn json_contract_and_text() {
    let ctx = ctx();
    let q = ReportQuery {
        by: Some(Breakdown::Hour),
        ..ReportQuery::default()
    };
    let r = report(&ctx, &q).await.unwrap();
    let v = serde_json::to_value(&r).unwrap();
    let has = |path: &str| {
        let mut cur = &v;
        for p in path.split('.') {
            cur = cur.get(p).unwrap_or_else(|| panic!("missing {path}"));
        }
    };
    for p in [
        "period.from",
        "period.to",
        "period.tz",
        "period.cohort",
        "volume.conversations",
        "volume.customers",
        "volume.customer_messages",
        "volume.agent_messages",
        "response.frt_secs.n",
        "response.frt_secs.mean",
        "response.frt_secs.p50",
        "response.frt_secs.p90",
        "response.response_secs.n",
        "response.response_secs.p90",
        "response.rounds.human",
        "response.rounds.bot",
        "response.rounds.unanswered",
        "response.within.30s",
        "response.within.1m",
        "response.within.3m",
        "response.within.5m",
        "response.within.10m",
        "response.within.30m",
        "response.within.1h",
        "response.three_min_rate",
        "response.not_served_rate",
        "response.answer_ratio",
        "resolution.rate",
        "resolution.inferred",
        "resolution.one_touch_rate",
        "resolution.reopen_rate",
        "resolution.time_secs.p50",
        "satisfaction.responses",
        "satisfaction.csat_pct",
        "satisfaction.dissatisfied_pct",
        "satisfaction.mean",
        "satisfaction.nps",
        "satisfaction.by_dimension",
        "conversion.inquiries",
        "conversion.converted",
        "conversion.rate",
        "conversion.avg_order_value",
        "readings.round_start",
        "readings.business_hours",
        "breakdown",
    ] {
        has(p);
    }
    assert_eq!(v["period"]["cohort"], "start");
    assert_eq!(v["response"]["within"]["1m"], 0.2);
    let hours: Vec<&str> = v["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().unwrap())
        .collect();
    assert_eq!(hours, vec!["10", "11", "12", "23"]);
    assert!(v["breakdown"][0]["volume"]["conversations"].is_number());

    let text = r.render_text();
    assert!(text.contains("首次响应 FRT"));
    assert!(text.contains("询单转化率 Conversion rate"));
    assert!(text.contains("分组 Breakdown"));
}

#[tokio::test]
async fn series_heatmap_distribution_products() {
    let ctx = ctx();
    let q = ReportQuery::default();
    let s = series(&ctx, &q, Grain::Day).await.unwrap();
    let got: Vec<(&str, i64)> = s
        .iter()
        .map(|p| (p.bucket.as_str(), p.volume.conversations))
        .collect();
    assert_eq!(got, vec![("2026-11-11", 2), ("2026-11-12", 2)]);
    let m = series(&ctx, &q, Grain::Month).await.unwrap();
    assert_eq!(
        (m[0].bucket.as_str(), m[0].volume.customer_messages),
        ("2026-11", 6)
    );
    let w = series(&ctx, &q, Grain::Week).await.unwrap();
    assert_eq!(w[0].bucket, "2026-11-09"); // the Monday
    let h = series(&ctx, &q, Grain::Hour).await.unwrap();
    assert_eq!(h[0].bucket, "2026-11-11 10");

    // Wednesday (row 2) 10h and 11h; Thursday (row 3) 12h and 23h.
    let g = heatmap(&ctx, &q).await.unwrap();
    assert_eq!((g[2][10], g[2][11], g[3][12], g[3][23]), (1, 1, 1, 1));
    assert_eq!(g.iter().flatten().sum::<i64>(), 4);

    let d = response_distribution(&ctx, &q).await.unwrap();
    let counts: Vec<i64> = d.iter().map(|x| x.1).collect();
    // ≤30s: 30; ≤3m: 120; ≤10m: 600; unanswered: 2.
    assert_eq!(counts, vec![1, 0, 1, 0, 1, 0, 0, 0, 2]);

    let p = volume_by(&ctx, &q, VolumeBy::Product).await.unwrap();
    assert_eq!((p["P1"].conversations, p["P2"].conversations), (2, 1));
    let c = volume_by(&ctx, &q, VolumeBy::Channel).await.unwrap();
    assert_eq!(c["chat"].conversations, 4);
}

/// Series count a customer once per bucket however many conversations they start in
/// it; hours are zero-padded. u1 starts three conversations (09:00 and 15:00 on the
/// 11th, 10:00 on the 12th), u2 one (09:30 on the 11th). By hand: day 11th = 3
/// conversations / 2 customers, 12th = 1 / 1; hour 11th 09 = 2 / 2, 15 = 1 / 1;
/// the week of Monday the 9th and the month = 4 / 2.
#[tokio::test]
async fn series_count_each_customer_once_per_bucket() {
    let m = all(vec![
        Conv::new("s1", "u1").c("2026-11-11 09:00:00"),
        Conv::new("s2", "u1").c("2026-11-11 15:00:00"),
        Conv::new("s3", "u2").c("2026-11-11 09:30:00"),
        Conv::new("s4", "u1").c("2026-11-12 10:00:00"),
    ]);
    let f = build_all(&m, &[], &[], |_| ShopConfig::default()).unwrap();
    let ctx = SessionContext::new();
    register_facts(&ctx, &f).unwrap();
    let q = ReportQuery::default();
    let got = |s: Vec<kefu_analytics::kpi::SeriesPoint>| -> Vec<(String, i64, i64)> {
        s.into_iter()
            .map(|p| (p.bucket, p.volume.conversations, p.volume.customers))
            .collect()
    };
    let row = |b: &str, c: i64, u: i64| (b.to_string(), c, u);
    assert_eq!(
        got(series(&ctx, &q, Grain::Day).await.unwrap()),
        vec![row("2026-11-11", 3, 2), row("2026-11-12", 1, 1)]
    );
    assert_eq!(
        got(series(&ctx, &q, Grain::Hour).await.unwrap()),
        vec![
            row("2026-11-11 09", 2, 2),
            row("2026-11-11 15", 1, 1),
            row("2026-11-12 10", 1, 1)
        ]
    );
    assert_eq!(
        got(series(&ctx, &q, Grain::Week).await.unwrap()),
        vec![row("2026-11-09", 4, 2)]
    );
    assert_eq!(
        got(series(&ctx, &q, Grain::Month).await.unwrap()),
        vec![row("2026-11", 4, 2)]
    );
}

/// A conversation across shop-local midnight: by start cohort its rounds belong to the
/// day it started; by event time each round to its own day.
#[tokio::test]
async fn cohort_start_versus_event_time() {
    let m = Conv::new("x", "u1")
        .c("2026-11-11 22:50:00")
        .a("2026-11-11 22:51:00", "A1") // 60 s
        .c("2026-11-12 09:00:00")
        .a("2026-11-12 09:00:30", "A1") // 30 s
        .msgs;
    let f = build_all(&m, &[], &[], |_| ShopConfig::default()).unwrap();
    let ctx = SessionContext::new();
    register_facts(&ctx, &f).unwrap();
    let d11 = "2026-11-11".parse().ok();
    let d12 = "2026-11-12".parse().ok();
    let q = |day, cohort| ReportQuery {
        from: day,
        to: day,
        cohort: Some(cohort),
        ..ReportQuery::default()
    };
    use kefu_model::config::Cohort::{Event, Start};
    let r = report(&ctx, &q(d11, Start)).await.unwrap();
    assert_eq!(
        (r.body.volume.conversations, r.body.response.rounds.human),
        (1, 2)
    );
    let r = report(&ctx, &q(d12, Start)).await.unwrap();
    assert_eq!(
        (r.body.volume.conversations, r.body.response.rounds.human),
        (0, 0)
    );
    let r = report(&ctx, &q(d12, Event)).await.unwrap();
    assert_eq!(r.body.response.rounds.human, 1);
    close(r.body.response.response_secs.mean, 30.0);
    assert_eq!(r.period.cohort, "event");
    // Inquiries are per day in both: 11-11 and 11-12.
    assert_eq!(r.body.conversion.inquiries, 1);
}

/// Complaint categories by primary category (METRICS.md): k1 logistics; k2 logistics
/// and quality once each → the earlier, logistics; k3 quality; k4 has no label and is
/// left out. Logistics 2 of 3 (2/3), quality 1 of 3: the shares sum to 1. Filtering on
/// quality keeps k2 and k3 (a message label); by category a conversation counts under
/// each of its labels, k4 under '-'.
#[tokio::test]
async fn complaint_categories_by_hand() {
    let ctx = ctx();
    let q = ReportQuery {
        readings: Readings::from(&ShopConfig::default()),
        ..Default::default()
    };
    let r = report(&ctx, &q).await.unwrap();
    let got: Vec<(&str, i64, f64)> = r
        .complaints
        .categories
        .iter()
        .map(|c| (c.category.as_str(), c.conversations, c.share.unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![("logistics", 2, 2.0 / 3.0), ("quality", 1, 1.0 / 3.0)]
    );
    assert!((got.iter().map(|g| g.2).sum::<f64>() - 1.0).abs() < 1e-12);
    assert!(r.render_text().contains("投诉分类"));

    let only = report(
        &ctx,
        &ReportQuery {
            category: Some("quality".into()),
            ..q.clone()
        },
    )
    .await
    .unwrap();
    assert_eq!(only.body.volume.conversations, 2);
    // k2's rounds: bot + human; k3: one unanswered.
    assert_eq!(only.body.response.rounds.human, 1);
    assert_eq!(only.body.response.rounds.unanswered, 1);

    let by = report(
        &ctx,
        &ReportQuery {
            by: Some(Breakdown::Category),
            ..q
        },
    )
    .await
    .unwrap();
    let keys: Vec<(&str, i64)> = by
        .breakdown
        .iter()
        .map(|b| (b.key.as_str(), b.body.volume.conversations))
        .collect();
    assert_eq!(keys, vec![("-", 1), ("logistics", 2), ("quality", 2)]);
}

/// The rest of the complaints section, from the kefu-text columns (set here by hand
/// as ingest would). Customer messages with a sentiment (negative below 0.4):
/// * 11-11: k1#0 logistics 0.1 「快递三天还没到，物流太慢了」; k1#1 0.8; k2#0 logistics
///   0.9; k2#1 quality 0.2, urgent 「质量太差，我要投诉到12315」.
/// * 11-12: k3#0 quality 0.3; k4#0 0.6.
///
/// Negative: k1#0, k2#1, k3#0 = 3 of 6 → 0.5. Primary categories: k1 logistics, k2
/// logistics (tie with quality, logistics first), k3 quality. Logistics messages: 0.1, 0.9 → 1 of 2
/// negative = 0.5; quality: 0.2, 0.3 → 1.0. By day: 11-11 mean (0.1+0.8+0.9+0.2)/4 =
/// 0.5, negative 2/4; 11-12 mean 0.45, negative 1/2. One urgent message (k2).
/// Keywords come from the three negative texts: 物流 is in one of them.
/// Survey comments: sv1 service, 5 of 1–5 → 1.0; sv2 quality, 1 of the 3-level scale
/// (stored 1/3/5) → 0.0; sv4 logistics + quality, 10 of 0–10 → 1.0. Three commented
/// responses: quality 2 (2/3, mean 0.5), logistics 1 (1/3, 1.0), service 1 (1/3, 1.0).
#[tokio::test]
async fn complaint_detail_by_hand() {
    let (mut m, o, mut s) = sources();
    let mut set = |conv: &str, nth: usize, sentiment: f32, text: &str, urgent: bool| {
        let msg = m
            .iter_mut()
            .filter(|x| x.conversation_id == conv && x.sender == Sender::Customer)
            .nth(nth)
            .unwrap();
        msg.sentiment = Some(sentiment);
        msg.text = text.to_string();
        msg.text_masked = Some(text.to_string());
        msg.urgent = Some(urgent);
    };
    set("k1", 0, 0.1, "快递三天还没到，物流太慢了", false);
    set("k1", 1, 0.8, "好的谢谢", false);
    set("k2", 0, 0.9, "发什么快递", false);
    set("k2", 1, 0.2, "质量太差，我要投诉到12315", true);
    set("k3", 0, 0.3, "衣服起球了", false);
    set("k4", 0, 0.6, "在吗", false);
    let mut comment = |id: &str, text: &str, cats: &[&str]| {
        let sv = s.iter_mut().find(|x| x.survey_id == id).unwrap();
        sv.comment = Some(text.to_string());
        sv.comment_masked = Some(text.to_string());
        sv.categories = cats.iter().map(|c| c.to_string()).collect();
        sv.sentiment = Some(0.5);
    };
    comment("sv1", "客服态度很好", &["service"]);
    comment("sv2", "质量差", &["quality"]);
    comment("sv4", "物流慢，质量也一般", &["logistics", "quality"]);

    let f = build_all(&m, &o, &s, |_| ShopConfig::default()).unwrap();
    let ctx = SessionContext::new();
    register_facts(&ctx, &f).unwrap();
    use datafusion::datasource::MemTable;
    use kefu_model::ToBatch;
    let mb = kefu_model::MessageRecord::to_batch(&m).unwrap();
    let sb = kefu_model::SurveyRecord::to_batch(&s).unwrap();
    ctx.register_table(
        "messages",
        std::sync::Arc::new(MemTable::try_new(mb.schema(), vec![vec![mb]]).unwrap()),
    )
    .unwrap();
    ctx.register_table(
        "surveys",
        std::sync::Arc::new(MemTable::try_new(sb.schema(), vec![vec![sb]]).unwrap()),
    )
    .unwrap();

    let q = ReportQuery {
        readings: Readings::from(&ShopConfig::default()),
        ..Default::default()
    };
    let c = report(&ctx, &q).await.unwrap().complaints;
    let cats: Vec<(&str, i64)> = c
        .categories
        .iter()
        .map(|x| (x.category.as_str(), x.conversations))
        .collect();
    assert_eq!(cats, vec![("logistics", 2), ("quality", 1)]);
    close(c.categories[0].negative_share, 0.5);
    close(c.categories[1].negative_share, 1.0);
    close(c.negative_share, 0.5);

    let days: Vec<(&str, i64)> = c
        .sentiment
        .iter()
        .map(|d| (d.t.as_str(), d.messages))
        .collect();
    assert_eq!(days, vec![("2026-11-11", 4), ("2026-11-12", 2)]);
    assert!((c.sentiment[0].mean.unwrap() - 0.5).abs() < 1e-6);
    assert!((c.sentiment[1].mean.unwrap() - 0.45).abs() < 1e-6);
    close(c.sentiment[0].negative_share, 0.5);
    close(c.sentiment[1].negative_share, 0.5);

    assert_eq!((c.urgent.len(), c.urgent_messages), (1, 1));
    assert_eq!(c.urgent[0].conversation_id, "k2");
    assert_eq!(c.urgent[0].categories, vec!["quality".to_string()]);
    assert!(c.urgent[0].text.contains("12315"));

    let wuliu = c.keywords.iter().find(|k| k.word == "物流");
    assert_eq!(wuliu.map(|k| k.count), Some(1), "{:?}", c.keywords);
    assert!(c.keywords.iter().all(|k| (1..=3).contains(&k.count)));

    let comments: Vec<(&str, i64)> = c
        .survey_comments
        .iter()
        .map(|x| (x.category.as_str(), x.comments))
        .collect();
    assert_eq!(
        comments,
        vec![("quality", 2), ("logistics", 1), ("service", 1)]
    );
    close(c.survey_comments[0].share, 2.0 / 3.0);
    close(c.survey_comments[0].mean_score, 0.5);
    close(c.survey_comments[1].mean_score, 1.0);
    close(c.survey_comments[2].mean_score, 1.0);

    // Conversation sentiment: minimum k1 0.1, k2 0.2, k3 0.3, k4 0.6 → 3 of 4 negative;
    // final k1 0.8, k2 0.2, k3 0.3, k4 0.6 → 2 of 4 ended negative; complaints k1, k2,
    // k3 (negative, and a category) of 4 conversations. Human replies: k1 round 0
    // (customer 0.1) was followed by 0.8 — calmed; k1 round 1 and k2's human round had
    // no customer message after them. So 1 reply to a negative customer, 1 calmed, and
    // the mean after a reply is 0.8.
    let r = report(&ctx, &q).await.unwrap();
    let st = &r.body.sentiment;
    assert_eq!(
        (st.conversations, st.negative, st.ended_negative),
        (4, 3, 2)
    );
    close(st.negative_rate, 0.75);
    close(st.ended_negative_rate, 0.5);
    assert_eq!(st.complaints, 3);
    close(st.complaint_rate, 0.75);
    assert_eq!((st.replies_to_negative, st.calmed), (1, 1));
    close(st.calmed_rate, 1.0);
    assert!((st.after_reply_mean.unwrap() - 0.8).abs() < 1e-6);
    let by_agent = report(
        &ctx,
        &ReportQuery {
            by: Some(Breakdown::Agent),
            ..q.clone()
        },
    )
    .await
    .unwrap();
    let a1 = by_agent.breakdown.iter().find(|b| b.key == "A1").unwrap();
    assert_eq!(
        (
            a1.body.sentiment.replies_to_negative,
            a1.body.sentiment.calmed
        ),
        (1, 1)
    );

    let text = r.render_text();
    assert!(text.contains("负面 negative 50.0%"), "{text}");
    assert!(text.contains("负面后安抚 Calmed after reply"), "{text}");
    assert!(text.contains("评价留言 Survey comments"), "{text}");

    // Filtered to quality: its two messages are both negative, the urgent one stays.
    let only = report(
        &ctx,
        &ReportQuery {
            category: Some("quality".into()),
            ..q
        },
    )
    .await
    .unwrap()
    .complaints;
    close(only.negative_share, 1.0);
    assert_eq!(only.urgent.len(), 1);
    let comments: Vec<(&str, i64)> = only
        .survey_comments
        .iter()
        .map(|x| (x.category.as_str(), x.comments))
        .collect();
    assert_eq!(comments, vec![("quality", 2), ("logistics", 1)]);
}
