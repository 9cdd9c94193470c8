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
