use kefu_text::pii::{PiiKind, detect, mask};
use kefu_text::pii_set;

#[test]
fn generated_set_meets_the_targets() {
    let cases = pii_set::build(8);
    assert!(cases.len() > 300);
    let s = pii_set::score(&cases);
    assert!(
        s.recall() >= 0.98,
        "recall {} errors {:?}",
        s.recall(),
        &s.errors[..s.errors.len().min(10)]
    );
    assert!(
        s.precision() >= 0.95,
        "precision {} errors {:?}",
        s.precision(),
        &s.errors[..s.errors.len().min(10)]
    );
}

#[test]
fn realistic_variants_are_masked() {
    let cases = [
        ("手机：13912345678", "手机：139****5678"),
        ("电话 139 1234 5678 谢谢", "电话 139 **** 5678 谢谢"),
        ("「１３９１２３４５６７８」", "「１３９****５６７８」"),
        ("0086 13912345678", "0086 139****5678"),
        ("邮箱ZhangSan@163.com", "邮箱Z*******@163.com"),
        ("座机(021)62345678", "座机(021)******78"),
        ("退到6228480402564890018", "退到6228***********0018"),
    ];
    for (input, want) in cases {
        assert_eq!(mask(input), want, "{input}");
    }
}

#[test]
fn look_alikes_are_kept() {
    for t in [
        "订单号：3309876543210987654",
        "快递单号SF1402345678901",
        "共计1299.00元",
        "2024-03-15下单",
        "热线400-820-8820",
        "运单 7712 3456 7890 1234",
    ] {
        assert!(detect(t).is_empty(), "{t}: {:?}", detect(t));
    }
}

#[test]
fn several_items_in_one_message() {
    let found =
        detect("寄到上海市浦东新区张江路123弄5号602室，电话13812345678，身份证11010519491231002X");
    let kinds: Vec<PiiKind> = found.iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        vec![PiiKind::Address, PiiKind::Mobile, PiiKind::IdCard]
    );
    let m = mask("寄到上海市浦东新区张江路123弄5号602室，电话13812345678");
    assert!(!m.contains("123弄") && !m.contains("12345678"), "{m}");
    assert!(m.contains("上海市浦东新区"), "{m}");
}
