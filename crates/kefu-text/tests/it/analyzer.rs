use kefu_text::{Analyzer, AnalyzerOptions, SentimentLabel};

#[test]
fn analyze_fills_every_field() {
    let a = Analyzer::new().unwrap();
    let r = a.analyze("快遞太慢了！！！等了十天，再不發貨我就投訴到12315，電話13812345678");
    assert!(
        r.normalized.starts_with("快递太慢了!等了十天"),
        "{}",
        r.normalized
    );
    assert!(r.masked.contains("138****5678"));
    assert!(
        r.normalized.contains("138****5678"),
        "no PII in either text field"
    );
    assert!(
        r.labels.contains(&"logistics".to_string()),
        "{:?}",
        r.labels
    );
    assert!(r.urgent);
    assert!(r.reasons().iter().any(|x| x.contains("12315")));
    assert_eq!(r.sentiment_label, SentimentLabel::Negative);
    assert!(r.spam.is_none());
    assert!(!r.keywords.is_empty());
}

#[test]
fn batch_matches_single_and_keeps_order() {
    let mut a = Analyzer::new().unwrap();
    a.set_options(AnalyzerOptions {
        keywords: 0,
        ..Default::default()
    });
    let texts: Vec<String> = (0..50)
        .map(|i| format!("第{i}次买了，质量不错，物流很快"))
        .collect();
    let batch = a.analyze_batch(&texts);
    assert_eq!(batch.len(), texts.len());
    for (t, r) in texts.iter().zip(&batch) {
        assert_eq!(*r, a.analyze(t));
        assert!(r.keywords.is_empty());
    }
}

#[test]
fn spam_reason_is_reported() {
    let a = Analyzer::new().unwrap();
    let r = a.analyze("想要便宜货的加VX：abc123456");
    assert_eq!(r.spam.map(|s| s.kind), Some("contact"));
}

#[test]
fn praise_and_spam_are_not_complaints() {
    let a = Analyzer::new().unwrap();
    let r = a.analyze("這件衣服質量很好，物流也快👍");
    assert_eq!(r.labels, vec!["other"]);
    assert_eq!(r.sentiment_label, SentimentLabel::Positive);
    assert!(r.normalized.contains("[赞]"));
    let r = a.analyze("加微信abc12345领优惠券");
    assert_eq!(r.labels, vec!["other"]);
    let r = a.analyze("质量很好，就是物流太慢了");
    assert!(
        r.labels.contains(&"logistics".to_string()),
        "{:?}",
        r.labels
    );
}

/// Random mixes of digits (both widths), Han, brackets, emoji, letters and
/// separators must never panic, and masking must keep the length in chars.
#[test]
fn arbitrary_input_never_panics() {
    let alphabet: Vec<char> = "0123456789０１２３４５６７８９ 　-－+()（）「」[]【】@＠.xX号路市区省栋室订单电话微信加vq😀👍😡\n\t，。！？!?～…abcKZ快递太慢退款投诉12315差评"
        .chars()
        .collect();
    let a = Analyzer::new().unwrap();
    let mut state = 0x1234_5678_9abc_def0u64;
    for _ in 0..3000 {
        let len = (state % 60) as usize;
        let text: String = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize]
            })
            .collect();
        let r = a.analyze(&text);
        assert_eq!(r.masked.chars().count(), text.chars().count(), "{text:?}");
        assert!((0.0..=1.0).contains(&r.sentiment));
        assert!(!r.labels.is_empty());
    }
}
