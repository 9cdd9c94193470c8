use kefu_text::categories::{CategoryClassifier, Taxonomy};
use kefu_text::features::char_ngrams;
use kefu_text::normalize;

fn labels(c: &CategoryClassifier, t: &str) -> Vec<String> {
    let n = normalize(t).text;
    let mut f = Vec::new();
    char_ngrams(&n, &mut f);
    c.classify(&n, &f).0
}

#[test]
fn embedded_model_loads_and_covers_the_taxonomy() {
    let c = CategoryClassifier::embedded().unwrap();
    let m = c.model().expect("embedded model");
    assert_eq!(m.labels.len(), 9, "every default label except other");
    assert!(m.labels.iter().any(|l| l == "logistics"));
}

#[test]
fn typical_complaints_get_their_category() {
    let c = CategoryClassifier::embedded().unwrap();
    let cases = [
        ("快递太慢了，等了一个星期才到", "logistics"),
        ("衣服质量太差，穿一次就起球了", "quality"),
        ("申请退款三天了还没处理", "refund_return"),
        ("客服态度恶劣，问了半天不回复", "service"),
        ("刚买就降价了，也不给价保", "price"),
        ("一直不给开发票", "payment_invoice"),
        ("瓶子漏了，包装太简陋", "packaging"),
        ("安装师傅收了两百块安装费", "after_sales"),
    ];
    for (t, want) in cases {
        let got = labels(&c, t);
        assert!(got.iter().any(|l| l == want), "{t}: {got:?}");
    }
    assert_eq!(labels(&c, "哈哈哈"), vec!["other"]);
}

#[test]
fn user_taxonomy_from_toml_adds_a_category() {
    let mut t = Taxonomy::default_taxonomy();
    t.merge(
        Taxonomy::from_toml(
            r#"
[[category]]
name = "membership"
zh = "会员"
seeds = ["会员卡", "积分"]
"#,
        )
        .unwrap(),
    );
    let base = CategoryClassifier::embedded().unwrap();
    let c = CategoryClassifier::new(t, base.model().cloned()).unwrap();
    let got = labels(&c, "我的积分怎么没了");
    assert!(got.contains(&"membership".to_string()), "{got:?}");
}
