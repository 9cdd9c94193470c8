use std::collections::BTreeMap;
use std::io::Write;

use kefu_text::data::{Sample, load_star_reviews};
use kefu_text::{SentimentLabel, SentimentModel};

#[test]
fn embedded_model_loads_and_separates_obvious_cases() {
    let m = SentimentModel::embedded().unwrap();
    assert_eq!(m.meta().get("kind").map(String::as_str), Some("sentiment"));
    for t in [
        "质量很好，物流也快，非常满意",
        "很喜欢，下次还会再来买",
        "性价比超高，推荐",
    ] {
        assert!(m.score(t) > 0.8, "{t}: {}", m.score(t));
    }
    for t in [
        "质量太差了，用了两天就坏",
        "垃圾产品，千万别买",
        "客服不理人，再也不来了",
    ] {
        assert!(m.score(t) < 0.2, "{t}: {}", m.score(t));
    }
    assert_eq!(SentimentLabel::from_score(0.5), SentimentLabel::Neutral);
}

#[test]
fn emoticons_move_the_score() {
    let m = SentimentModel::embedded().unwrap();
    let base = m.score("收到了");
    assert!(m.score("收到了[赞]") > base);
    assert!(m.score("收到了😡") < base);
}

#[test]
fn train_from_star_reviews_and_round_trip() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(f, "content,stars").unwrap();
    for i in 0..40 {
        writeln!(f, "很棒很满意{i},5").unwrap();
        writeln!(f, "太烂了很失望{i},1").unwrap();
        writeln!(f, "还行吧{i},3").unwrap();
    }
    let samples: Vec<Sample> = load_star_reviews(f.path()).unwrap();
    assert_eq!(samples.len(), 80, "3-star reviews are skipped");
    let m = SentimentModel::train(&samples, BTreeMap::new());
    assert!(m.score("很棒很满意") > 0.7);
    assert!(m.score("太烂了很失望") < 0.3);
    let back = SentimentModel::from_bytes(&m.to_bytes().unwrap()).unwrap();
    assert!((back.score("很棒") - m.score("很棒")).abs() < 1e-3);
}

/// The chat model on hand-written turns of each kind (none from the labelled file).
#[test]
fn chat_model_reads_questions_as_neutral_and_complaints_as_negative() {
    use kefu_text::ChatSentimentModel;
    let review = SentimentModel::embedded().unwrap();
    let chat = ChatSentimentModel::embedded().unwrap();
    assert_eq!(
        chat.meta().get("kind").map(String::as_str),
        Some("chat_sentiment")
    );
    let cases: &[(&str, SentimentLabel)] = &[
        // Plain questions and requests.
        ("这款有没有黑色的", SentimentLabel::Neutral),
        ("什么时候发货呀", SentimentLabel::Neutral),
        ("请问包邮吗", SentimentLabel::Neutral),
        ("能开发票吗", SentimentLabel::Neutral),
        ("XL码还有货吗", SentimentLabel::Neutral),
        ("帮我备注一下要红色的", SentimentLabel::Neutral),
        // Order numbers and addresses.
        ("订单号 3562718829301", SentimentLabel::Neutral),
        ("地址改成杭州市西湖区文三路100号", SentimentLabel::Neutral),
        // Acknowledgements and greetings.
        ("好的", SentimentLabel::Neutral),
        ("嗯嗯", SentimentLabel::Neutral),
        ("在吗", SentimentLabel::Neutral),
        // Polite complaints: a problem reported calmly is still negative.
        (
            "你好，我买的杯子收到的时候已经碎了",
            SentimentLabel::Negative,
        ),
        ("怎么还没发货啊，都五天了", SentimentLabel::Negative),
        ("衣服洗了一次就掉色了", SentimentLabel::Negative),
        ("快递一直不更新，是不是丢了", SentimentLabel::Negative),
        // Threats.
        ("再不退款我就投诉到12315", SentimentLabel::Negative),
        ("不处理我就给差评", SentimentLabel::Negative),
        // Thanks and praise.
        ("好的谢谢亲", SentimentLabel::Positive),
        ("收到了，质量很好，非常满意", SentimentLabel::Positive),
        ("谢谢客服，很耐心", SentimentLabel::Positive),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(t, want)| {
            let got = chat.predict(&review, t);
            (got.label != *want).then(|| format!("{t}: {:?} {:?}", got.label, got.probabilities))
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The score sits on the review scale: negative below 0.4, positive from 0.6.
    for (t, want) in cases {
        let s = chat.predict(&review, t).score();
        assert_eq!(SentimentLabel::from_score(s), *want, "{t}: {s}");
    }
}
