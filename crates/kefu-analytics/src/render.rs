//! The terminal report: aligned tables with Chinese labels and their English names.

use crate::kpi::Body;
use crate::report::Report;
use crate::stats::Summary;
use std::fmt::Write;

/// Display width in a terminal: CJK and full-width characters take two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let u = c as u32;
            if (0x1100..=0x115F).contains(&u)
                || (0x2E80..=0xA4CF).contains(&u)
                || (0xAC00..=0xD7A3).contains(&u)
                || (0xF900..=0xFAFF).contains(&u)
                || (0xFE30..=0xFE4F).contains(&u)
                || (0xFF00..=0xFF60).contains(&u)
                || (0xFFE0..=0xFFE6).contains(&u)
            {
                2
            } else {
                1
            }
        })
        .sum()
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

fn lpad(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

fn pct(r: Option<f64>) -> String {
    r.map_or("–".into(), |r| format!("{:.1}%", r * 100.0))
}

fn pct100(r: Option<f64>) -> String {
    r.map_or("–".into(), |r| format!("{r:.1}%"))
}

fn num(r: Option<f64>, digits: usize) -> String {
    r.map_or("–".into(), |r| format!("{r:.digits$}"))
}

/// Seconds as `42s`, `3m05s`, `2h10m`.
pub fn dur(s: Option<f64>) -> String {
    let Some(s) = s else { return "–".into() };
    if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        format!("{}m{:02}s", (s / 60.0).floor(), (s % 60.0).round() as i64)
    } else {
        format!(
            "{}h{:02}m",
            (s / 3600.0).floor(),
            ((s % 3600.0) / 60.0).round() as i64
        )
    }
}

fn summary(s: &Summary) -> String {
    format!(
        "n {}  mean {}  p50 {}  p90 {}",
        s.n,
        dur(s.mean),
        dur(s.p50),
        dur(s.p90)
    )
}

/// Two aligned columns: label, value.
fn block(out: &mut String, title: &str, lines: &[(&str, String)]) {
    let _ = writeln!(out, "{title}");
    let w = lines.iter().map(|(l, _)| width(l)).max().unwrap_or(0);
    for (l, v) in lines {
        let _ = writeln!(out, "  {}  {v}", pad(l, w));
    }
    out.push('\n');
}

fn body_text(out: &mut String, b: &Body) {
    let v = &b.volume;
    block(
        out,
        "咨询量 Volume",
        &[
            ("会话 Conversations", v.conversations.to_string()),
            ("咨询人数 Customers", v.customers.to_string()),
            (
                "买家消息 Customer messages",
                v.customer_messages.to_string(),
            ),
            ("客服消息 Agent messages", v.agent_messages.to_string()),
            ("机器人消息 Bot messages", v.bot_messages.to_string()),
        ],
    );
    let r = &b.response;
    let within = crate::fact_builder::WITHIN_T
        .iter()
        .zip(r.within.rates())
        .map(|((l, _), x)| format!("≤{l} {}", pct(x)))
        .collect::<Vec<_>>()
        .join("  ");
    block(
        out,
        "响应 Response",
        &[
            ("首次响应 FRT", summary(&r.frt_secs)),
            ("首响未回复 FRT unanswered", r.frt_unanswered.to_string()),
            ("平均响应 Response time", summary(&r.response_secs)),
            (
                "轮次 Rounds",
                format!(
                    "人工 human {}  机器人 bot {}  未回复 unanswered {}",
                    r.rounds.human, r.rounds.bot, r.rounds.unanswered
                ),
            ),
            ("T内回复率 Within T", within),
            ("3分钟人工回复率 3-min rate", pct(r.three_min_rate)),
            ("人工不服务率 Not served", pct(r.not_served_rate)),
            ("答问比 Answer ratio", num(r.answer_ratio, 2)),
        ],
    );
    let s = &b.resolution;
    block(
        out,
        "解决 Resolution",
        &[
            (
                "解决率 Resolution rate",
                format!(
                    "{}  (explicit {}, inferred {})",
                    pct(s.rate),
                    s.explicit,
                    s.inferred
                ),
            ),
            ("解决时长 Resolution time", summary(&s.time_secs)),
            ("一次解决率 One-touch", pct(s.one_touch_rate)),
            ("重开/重复咨询率 Reopen", pct(s.reopen_rate)),
        ],
    );
    let c = &b.satisfaction;
    let mut lines = vec![
        ("评价数 Responses", c.responses.to_string()),
        ("满意率 CSAT", pct100(c.csat_pct)),
        ("不满意率 Dissatisfied", pct100(c.dissatisfied_pct)),
        ("平均分 Mean", num(c.mean, 2)),
        ("评价率 Response rate", pct(c.response_rate)),
        (
            "分布 Distribution",
            c.distribution
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("  "),
        ),
        ("NPS", format!("{}  (n {})", num(c.nps, 1), c.nps_responses)),
    ];
    let dims: Vec<(String, String)> = c
        .by_dimension
        .iter()
        .map(|(d, s)| {
            (
                format!("  维度 {d}"),
                format!(
                    "n {}  CSAT {}  不满意 {}  mean {}",
                    s.responses,
                    pct100(s.csat_pct),
                    pct100(s.dissatisfied_pct),
                    num(s.mean, 2)
                ),
            )
        })
        .collect();
    lines.extend(dims.iter().map(|(a, b)| (a.as_str(), b.clone())));
    block(out, "满意度 Satisfaction", &lines);
    let v = &b.conversion;
    block(
        out,
        "询单转化 Conversion",
        &[
            ("询单 Inquiries", v.inquiries.to_string()),
            ("成单 Converted", v.converted.to_string()),
            ("询单转化率 Conversion rate", pct(v.rate)),
            ("客单价 Avg order value", num(v.avg_order_value, 2)),
        ],
    );
    let s = &b.sentiment;
    block(
        out,
        "客户情绪 Customer sentiment",
        &[
            (
                "负面会话 Negative conversations",
                format!("{} ({})", s.negative, pct(s.negative_rate)),
            ),
            (
                "结束时仍负面 Ended negative",
                format!("{} ({})", s.ended_negative, pct(s.ended_negative_rate)),
            ),
            (
                "投诉会话 Complaints",
                format!("{} ({})", s.complaints, pct(s.complaint_rate)),
            ),
            (
                "负面后安抚 Calmed after reply",
                format!(
                    "{} / {} ({})",
                    s.calmed,
                    s.replies_to_negative,
                    pct(s.calmed_rate)
                ),
            ),
            (
                "回复后情感均值 Mean after reply",
                num(s.after_reply_mean, 2),
            ),
        ],
    );
}

impl Report {
    /// The report for a terminal.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let p = &self.period;
        let d = |x: Option<chrono::NaiveDate>| x.map_or("…".to_string(), |d| d.to_string());
        let _ = writeln!(out, "客服报告 Customer-service report");
        if let Some(why) = &self.stale {
            let _ = writeln!(out, "!! 数据未更新 STALE: {why}");
        }
        let _ = writeln!(
            out,
            "期间 Period  {} – {}  (时区 tz {}, 口径 cohort: {})\n",
            d(p.from),
            d(p.to),
            p.tz,
            p.cohort
        );
        body_text(&mut out, &self.body);
        complaints_text(&mut out, &self.complaints);
        let r = &self.readings;
        block(
            &mut out,
            "口径 Readings",
            &[
                ("工作时间计时 business_hours", r.business_hours.to_string()),
                (
                    "轮次起点 round_start",
                    format!("{:?}", r.round_start).to_lowercase(),
                ),
                (
                    "3分钟口径 three_min_reading",
                    format!("{:?}", r.three_min_reading),
                ),
                (
                    "满意度归属 csat_attribution",
                    format!("{:?}", r.csat_attribution),
                ),
                (
                    "转化窗口 conversion_window",
                    format!("{:?}", r.conversion_window),
                ),
                (
                    "成单事件 conversion_event",
                    format!("{:?}", r.conversion_event),
                ),
                (
                    "重复咨询窗口 repeat_window",
                    dur(Some(r.repeat_window_secs as f64)),
                ),
                (
                    "售后回看 after_sales_lookback",
                    format!("{} 天 days", r.after_sales_lookback_days),
                ),
                ("解决 resolution", r.resolution.clone()),
            ],
        );
        if !self.breakdown.is_empty() {
            let by = self
                .by
                .map_or("key".to_string(), |b| format!("{b:?}").to_lowercase());
            let head = [
                by.as_str(),
                "会话 conv",
                "首响p50 FRT",
                "响应均值 resp",
                "3分钟 3-min",
                "解决率 resolved",
                "满意率 CSAT",
                "转化率 conv%",
            ];
            let rows: Vec<[String; 8]> = self
                .breakdown
                .iter()
                .map(|b| {
                    [
                        b.key.clone(),
                        b.body.volume.conversations.to_string(),
                        dur(b.body.response.frt_secs.p50),
                        dur(b.body.response.response_secs.mean),
                        pct(b.body.response.three_min_rate),
                        pct(b.body.resolution.rate),
                        pct100(b.body.satisfaction.csat_pct),
                        pct(b.body.conversion.rate),
                    ]
                })
                .collect();
            let mut w = head.map(width);
            for r in &rows {
                for (i, c) in r.iter().enumerate() {
                    w[i] = w[i].max(width(c));
                }
            }
            let _ = writeln!(out, "分组 Breakdown");
            let line: Vec<String> = head
                .iter()
                .enumerate()
                .map(|(i, h)| if i == 0 { pad(h, w[i]) } else { lpad(h, w[i]) })
                .collect();
            let _ = writeln!(out, "  {}", line.join("  "));
            for r in &rows {
                let line: Vec<String> = r
                    .iter()
                    .enumerate()
                    .map(|(i, c)| if i == 0 { pad(c, w[i]) } else { lpad(c, w[i]) })
                    .collect();
                let _ = writeln!(out, "  {}", line.join("  "));
            }
        }
        out
    }
}

/// The complaints section: categories with their negative share, keywords, the
/// latest urgent messages (masked) and what survey comments are about.
fn complaints_text(out: &mut String, c: &crate::complaints::Complaints) {
    if !c.categories.is_empty() {
        let lines: Vec<(String, String)> = c
            .categories
            .iter()
            .take(10)
            .map(|x| {
                (
                    x.category.clone(),
                    format!(
                        "{} ({}), 负面 negative {}",
                        x.conversations,
                        pct(x.share),
                        pct(x.negative_share)
                    ),
                )
            })
            .collect();
        let refs: Vec<(&str, String)> =
            lines.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        block(out, "投诉分类 Complaint categories (conversations)", &refs);
    }
    if c.negative_share.is_some() || !c.keywords.is_empty() {
        let words: Vec<String> = c
            .keywords
            .iter()
            .take(10)
            .map(|k| format!("{}({})", k.word, k.count))
            .collect();
        block(
            out,
            "情绪 Sentiment",
            &[
                ("负面消息占比 negative messages", pct(c.negative_share)),
                ("负面关键词 negative keywords", words.join(" ")),
                ("紧急消息 urgent messages", c.urgent_messages.to_string()),
            ],
        );
    }
    if !c.urgent.is_empty() {
        let _ = writeln!(out, "紧急 Urgent (latest, masked)");
        for u in c.urgent.iter().take(5) {
            let text: String = u.text.chars().take(40).collect();
            let _ = writeln!(
                out,
                "  {} {} {}  {}",
                u.ts, u.shop_id, u.conversation_id, text
            );
        }
        let _ = writeln!(out);
    }
    if !c.survey_comments.is_empty() {
        let lines: Vec<(String, String)> = c
            .survey_comments
            .iter()
            .take(10)
            .map(|x| {
                (
                    x.category.clone(),
                    format!(
                        "{} ({}), 平均分 mean score {}",
                        x.comments,
                        pct(x.share),
                        x.mean_score.map_or("-".into(), |m| format!("{:.2}", m))
                    ),
                )
            })
            .collect();
        let refs: Vec<(&str, String)> =
            lines.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        block(out, "评价留言 Survey comments by category", &refs);
    }
    if !c.intents.is_empty() {
        let lines: Vec<(String, String)> = c
            .intents
            .iter()
            .map(|x| {
                let peak = (0..24).max_by_key(|&h| (x.by_hour[h], std::cmp::Reverse(h)));
                let agent = x.by_agent.first().map_or("-".to_string(), |a| a.0.clone());
                (
                    x.intent.clone(),
                    format!(
                        "{} ({}), 高峰 peak {}:00, 最多 most with {agent}",
                        x.messages,
                        pct(x.share),
                        peak.unwrap_or(0)
                    ),
                )
            })
            .collect();
        let refs: Vec<(&str, String)> =
            lines.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        block(out, "咨询意图 Customer intents (messages)", &refs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_and_durations() {
        assert_eq!(width("首次响应 FRT"), 12);
        assert_eq!(pad("会话", 6), "会话  ");
        assert_eq!(dur(Some(42.0)), "42.0s");
        assert_eq!(dur(Some(185.0)), "3m05s");
        assert_eq!(dur(Some(7800.0)), "2h10m");
        assert_eq!(dur(None), "–");
    }
}
