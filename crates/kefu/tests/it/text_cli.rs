//! `kefu text …` through the binary (moved from kefu-text's own CLI tests).

use std::io::Write;

/// `kefu text ARGS…` on an empty data directory, returning stdout.
fn run(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut full = vec!["text"];
    full.extend_from_slice(args);
    crate::kefu(dir.path(), &full)
}

fn input(lines: &[&str]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
    f
}

const TEXTS: &[&str] = &[
    "物流太慢，一个星期才到",
    "非常好用，很满意",
    "",
    "客服态度差，我要投诉",
];

fn json_lines(s: &str) -> Vec<serde_json::Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn classify_json_contract() {
    let f = input(TEXTS);
    let out = json_lines(&run(&["classify", f.path().to_str().unwrap(), "--json"]));
    assert_eq!(out.len(), TEXTS.len(), "one output line per input line");
    for (v, t) in out.iter().zip(TEXTS) {
        assert_eq!(v["text"], *t, "same order");
        assert!(v["labels"].as_array().is_some_and(|a| !a.is_empty()));
        assert!(v["urgent"].is_boolean());
        assert!(v["reasons"].is_array());
        assert!(v["keywords"].is_array());
    }
    assert!(
        out[0]["labels"]
            .as_array()
            .unwrap()
            .contains(&"logistics".into())
    );
    assert_eq!(out[3]["urgent"], true);
    assert_eq!(out[0]["urgent"], false);
}

#[test]
fn sentiment_json_contract() {
    let f = input(TEXTS);
    let out = json_lines(&run(&["sentiment", f.path().to_str().unwrap(), "--json"]));
    assert_eq!(out.len(), TEXTS.len());
    for v in &out {
        let s = v["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&s));
        assert!(["negative", "neutral", "positive"].contains(&v["label"].as_str().unwrap()));
    }
    assert_eq!(out[1]["label"], "positive");
    assert_eq!(out[0]["label"], "negative");
}

/// `--chat`: one JSON object per line with `score` and `label`; a plain question is
/// neutral where the review model calls it negative.
#[test]
fn chat_sentiment_json_contract() {
    let turns = ["什么时候发货呀", "怎么还没发货，都一个星期了", "好的谢谢亲"];
    let f = input(&turns);
    let path = f.path().to_str().unwrap();
    let chat = json_lines(&run(&["sentiment", path, "--json", "--chat"]));
    assert_eq!(chat.len(), turns.len());
    let labels: Vec<&str> = chat.iter().map(|v| v["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["neutral", "negative", "positive"]);
    for (v, t) in chat.iter().zip(turns) {
        assert_eq!(v["text"], t);
        let s = v["score"].as_f64().unwrap();
        let want = match v["label"].as_str().unwrap() {
            "negative" => s < 0.4,
            "neutral" => (0.4..0.6).contains(&s),
            _ => s >= 0.6,
        };
        assert!(want, "{t}: score {s} against label {}", v["label"]);
    }
    let classify = json_lines(&run(&["classify", path, "--json", "--chat", "-k", "0"]));
    assert_eq!(classify[0]["sentiment_label"], "neutral");
}

#[test]
fn mask_and_keywords_contract() {
    let f = input(&["电话13812345678", "没有个人信息"]);
    let out = run(&["mask", f.path().to_str().unwrap()]);
    assert_eq!(out, "电话138****5678\n没有个人信息\n");
    let out = json_lines(&run(&["mask", f.path().to_str().unwrap(), "--json"]));
    assert_eq!(out[0]["pii"][0], "mobile");
    let f = input(&["申请七天无理由退货，运费险没有赔付"]);
    let out = json_lines(&run(&[
        "keywords",
        f.path().to_str().unwrap(),
        "--json",
        "-k",
        "3",
    ]));
    assert_eq!(out.len(), 1);
    assert!(out[0]["keywords"].as_array().unwrap().len() <= 3);
    assert!(!out[0]["keywords"].as_array().unwrap().is_empty());
}

#[test]
fn plain_output_is_one_line_per_input() {
    let f = input(TEXTS);
    let out = run(&["classify", f.path().to_str().unwrap()]);
    assert_eq!(out.lines().count(), TEXTS.len());
    assert!(out.lines().nth(3).unwrap().contains("URGENT"));
}

#[test]
fn trends_rank_rising_words() {
    let cur = input(&["物流太慢了", "物流三天没动", "物流很慢", "质量不错"]);
    let prev = input(&["质量不错", "颜色好看", "质量很好", "尺码正好"]);
    let out = json_lines(&run(&[
        "trends",
        cur.path().to_str().unwrap(),
        prev.path().to_str().unwrap(),
        "--min-count",
        "2",
        "--json",
    ]));
    assert_eq!(out[0]["word"], "物流");
    assert_eq!(out[0]["current"], 3);
    assert_eq!(out[0]["previous"], 0);
    assert!(
        out.iter().all(|v| v["word"] != "质量"),
        "falling words are not listed"
    );
}

#[test]
fn user_categories_file_is_used() {
    let mut toml = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        toml,
        "[[category]]\nname = \"membership\"\nseeds = [\"积分\"]"
    )
    .unwrap();
    let f = input(&["我的积分被清零了，太差了"]);
    let out = json_lines(&run(&[
        "classify",
        f.path().to_str().unwrap(),
        "--json",
        "--categories",
        toml.path().to_str().unwrap(),
    ]));
    assert!(
        out[0]["labels"]
            .as_array()
            .unwrap()
            .contains(&"membership".into())
    );
}
