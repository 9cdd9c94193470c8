//! Urgency: first-person escalation threats (投诉, 12315, 曝光, 律师, 起诉, 举报,
//! 消协, 差评威胁) and very negative sentiment.
//!
//! A keyword alone is not enough (LABELS.md): `#12315#` hashtags, "媒体都曝光过"
//! and news links are mentions by others, and "不会投诉" is negated. So a threat
//! word counts only when no negation or third-person/past-mention marker sits
//! just before it and it is not inside a hashtag.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

/// Why a text is urgent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UrgencyReason {
    /// `escalation`, `bad_review_threat`, `safety` or `very_negative`.
    pub kind: &'static str,
    /// The matched words.
    pub matched: String,
}

/// Sentiment below this (P(positive)) with strong wording counts as very negative.
pub const VERY_NEGATIVE: f32 = 0.02;

static THREAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(12315|12345|消协|消费者协会|工商局?|市场监管局?|质监局|315|",
        r"投诉|举报|起诉|告你们?|打官司|法院|律师|曝光|媒体|记者|上新闻|维权)"
    ))
    .unwrap()
});

static BAD_REVIEW_THREAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(不|否则|要不然|不然|再不|如果不|没有?)[^,.!?;，。！？；]{0,12}",
        r"(就|我就|立马|马上|直接|只能|只好)(给你们?|给个|给|打|写|发)?(差评|一星|1星)"
    ))
    .unwrap()
});

/// Words that make a following threat word not a first-person threat.
const NEGATION: &[&str] = &[
    "不", "没", "别", "无需", "不用", "不想", "懒得", "不会", "未",
];
const THIRD_PERSON: &[&str] = &[
    "被",
    "他",
    "她",
    "别人",
    "有人",
    "网友",
    "大家都",
    "新闻",
    "报道",
    "据说",
    "听说",
    "都",
    "说",
];
/// A verb or modal that makes the threat the writer's own.
const FIRST_PERSON: &[&str] = &[
    "我", "要", "会", "去", "准备", "打算", "必须", "一定", "已经", "已", "再", "马上", "直接",
    "立刻", "找", "向", "到", "打", "等着",
];
/// Fraud words: with very negative sentiment these need a human now. Plain
/// insults (垃圾, 恶心) are not enough: LABELS.md marks those reviews not urgent.
const STRONG_NEGATIVE: &[&str] = &["骗子", "欺诈", "诈骗", "要求赔偿", "退一赔三", "假一赔"];
/// Harm to a person: urgent with any negative sentiment. `爆炸` is left out
/// because reviews use it as a metaphor (`响得像要爆炸`), `漏电` because for
/// phones it means battery drain.
const SAFETY: &[&str] = &[
    "住院",
    "中毒",
    "送医",
    "进医院",
    "去医院",
    "拉肚子",
    "烫伤",
    "触电",
    "起火",
    "着火",
];

fn window_before(text: &str, byte: usize, chars: usize) -> &str {
    let mut start = byte;
    for (n, (i, _)) in text[..byte].char_indices().rev().enumerate() {
        start = i;
        if n + 1 >= chars {
            break;
        }
    }
    &text[start..byte]
}

/// Detects escalation threats in normalised `text`; `sentiment` is P(positive).
pub fn urgency(text: &str, sentiment: f32) -> Vec<UrgencyReason> {
    let mut out = Vec::new();
    // A threat inside a positive text is a topic (a book about lawyers), not a threat.
    let threats = if sentiment < crate::sentiment::POSITIVE_FROM {
        THREAT.find_iter(text).collect::<Vec<_>>()
    } else {
        Vec::new()
    };
    for m in threats {
        let before = window_before(text, m.start(), 4);
        let after = &text[m.end()..];
        // Hashtag `#12315#`, links and past mentions by others.
        if before.ends_with('#') || after.starts_with('#') || before.contains("http") {
            continue;
        }
        if after.starts_with("过") || after.starts_with("了的") {
            continue;
        }
        // Hotlines are whole numbers: 12345 inside a phone number (138 1234 5678)
        // or 315 inside an order number is not a threat.
        let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
        if m.as_str().starts_with(|c: char| c.is_ascii_digit())
            && (digit(text[..m.start()].chars().next_back()) || digit(after.chars().next()))
        {
            continue;
        }
        // `投诉也没用`: weighing a complaint is not making one.
        if ["也没用", "没用", "有用吗", "有什么用"]
            .iter()
            .any(|w| after.starts_with(w))
        {
            continue;
        }
        let near = window_before(text, m.start(), 2);
        if NEGATION.iter().any(|w| near.contains(w)) {
            continue;
        }
        if THIRD_PERSON.iter().any(|w| before.contains(w)) && !before.contains('我') {
            continue;
        }
        let w = m.as_str();
        // Bare nouns need a first-person verb before them; verbs like 投诉/起诉/
        // 曝光/举报 are threats on their own unless negated.
        let needs_verb = matches!(
            w,
            "媒体"
                | "记者"
                | "法院"
                | "律师"
                | "工商"
                | "工商局"
                | "315"
                | "市场监管"
                | "市场监管局"
                | "质监局"
                | "消协"
                | "消费者协会"
                | "12345"
        );
        let wide = window_before(text, m.start(), 8);
        if needs_verb && !FIRST_PERSON.iter().any(|f| wide.contains(f)) {
            continue;
        }
        if !out.iter().any(|r: &UrgencyReason| r.matched == w) {
            out.push(UrgencyReason {
                kind: "escalation",
                matched: w.to_string(),
            });
        }
    }
    if sentiment < crate::sentiment::POSITIVE_FROM
        && let Some(m) = BAD_REVIEW_THREAT.find(text)
    {
        out.push(UrgencyReason {
            kind: "bad_review_threat",
            matched: m.as_str().to_string(),
        });
    }
    if sentiment < crate::sentiment::NEGATIVE_BELOW
        && let Some(w) = SAFETY.iter().find(|w| text.contains(**w))
    {
        out.push(UrgencyReason {
            kind: "safety",
            matched: (*w).to_string(),
        });
    }
    if sentiment < VERY_NEGATIVE
        && let Some(w) = STRONG_NEGATIVE.iter().find(|w| text.contains(**w))
    {
        out.push(UrgencyReason {
            kind: "very_negative",
            matched: (*w).to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(t: &str) -> Vec<&'static str> {
        urgency(t, 0.5).into_iter().map(|r| r.kind).collect()
    }

    #[test]
    fn first_person_threats_are_urgent() {
        assert_eq!(
            kinds("再不处理我就打12315投诉你们"),
            vec!["escalation", "escalation"]
        );
        assert_eq!(kinds("我要找律师起诉"), vec!["escalation", "escalation"]);
        assert_eq!(kinds("不给退款就给差评"), vec!["bad_review_threat"]);
        assert!(kinds("客服不说话。差评").is_empty());
        assert!(kinds("我很少给人差评的，但是必须给").is_empty());
        assert_eq!(
            kinds("打了400的服务电话投诉后降价到260"),
            vec!["escalation"]
        );
    }

    #[test]
    fn mentions_negations_and_others_are_not() {
        assert!(kinds("#12315#质量问题").is_empty());
        // Hotline numbers inside longer digit runs are not hotlines.
        assert!(kinds("物流太慢了，联系我13812345678").is_empty());
        assert!(kinds("订单号2026031512345怎么还没发").is_empty());
        assert!(kinds("这个牌子媒体都曝光过").is_empty());
        assert!(kinds("我不会投诉的，算了").is_empty());
        assert!(kinds("被人投诉了").is_empty());
        assert!(kinds("再也不买了").is_empty());
        assert!(kinds("投诉也没用吧").is_empty());
        assert!(kinds("客服说可以投诉快递员").is_empty());
    }

    #[test]
    fn very_negative_needs_strong_words() {
        assert_eq!(urgency("骗子店铺", 0.01)[0].kind, "very_negative");
        assert!(urgency("骗子店铺", 0.3).is_empty());
        assert!(urgency("这本书讲一个年轻人要当律师的故事，很好看", 0.95).is_empty());
        assert!(urgency("不太好", 0.01).is_empty());
        assert!(urgency("垃圾产品", 0.001).is_empty());
        assert_eq!(urgency("孩子吃了拉肚子住院了", 0.2)[0].kind, "safety");
        assert!(urgency("声音响得像要爆炸", 0.01).is_empty());
    }
}
