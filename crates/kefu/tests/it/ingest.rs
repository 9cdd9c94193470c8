use crate::*;
use assert_cmd::Command;

const CHAT: &str = "message_id,conversation_id,shop_id,platform,channel,ts,sender,agent_id,customer_id,text,kind,product_id,order_id
m1,c1,s1,douyin,chat,2026-11-11 09:00:00,customer,,u1,快递到哪了,,,
m2,c1,s1,douyin,chat,2026-11-11 09:01:00,agent,a1,u1,在派送了,,,
m3,c2,s1,douyin,chat,2026-11-11 23:59:00,customer,,u2,能开发票吗,,,
m4,c2,s1,douyin,chat,yesterday,agent,a1,u2,可以的,,,
";

#[test]
fn ingesting_the_same_file_twice_adds_nothing() {
    let data = tempfile::tempdir().unwrap();
    let f = data.path().join("chat.csv");
    std::fs::write(&f, CHAT).unwrap();
    let f = f.to_str().unwrap();
    let first = kefu_json(data.path(), &["ingest", "--json", f]);
    assert_eq!(first["files"], 1);
    assert_eq!(first["rows_read"], 4);
    assert_eq!(first["ingested"], 3);
    assert_eq!(first["duplicates"], 0);
    assert_eq!(first["quarantined"], 1);
    assert_eq!(first["tables"]["messages"]["added"], 3);
    let second = kefu_json(data.path(), &["ingest", "--json", f]);
    assert_eq!(second["ingested"], 0);
    assert_eq!(second["duplicates"], 3);
    // The bad row is reported again but stored once.
    assert_eq!(second["quarantined"], 1);
    assert_eq!(counts(data.path()), [3, 0, 0, 0, 1]);

    let q = kefu_json(data.path(), &["quarantine", "--json"]);
    assert_eq!(q["total"], 1);
    assert_eq!(q["rows"][0]["row"], 4);
    assert_eq!(q["rows"][0]["reason"], "bad timestamp 'yesterday'");
    assert!(q["rows"][0]["file"].as_str().unwrap().ends_with("chat.csv"));

    // Shop-local dates: 23:59 in Shanghai is still the 11th.
    let rows = kefu_json(
        data.path(),
        &[
            "query",
            "--json",
            "SELECT message_id, CAST(local_date AS VARCHAR) AS d FROM messages ORDER BY message_id",
        ],
    );
    assert_eq!(rows[2]["d"], "2026-11-11");
    let csv = kefu(
        data.path(),
        &[
            "query",
            "--csv",
            "SELECT sender, count(*) AS n FROM messages GROUP BY sender ORDER BY sender",
        ],
    );
    assert_eq!(csv, "sender,n\nagent,1\ncustomer,2\n");
}

#[test]
fn tz_override_moves_local_dates() {
    let data = tempfile::tempdir().unwrap();
    let f = data.path().join("chat.csv");
    std::fs::write(&f, CHAT).unwrap();
    kefu(data.path(), &["ingest", "--tz", "UTC", f.to_str().unwrap()]);
    let rows = kefu_json(
        data.path(),
        &[
            "query",
            "--json",
            "SELECT CAST(ts AS VARCHAR) AS ts FROM messages WHERE message_id = 'm1'",
        ],
    );
    // Read as UTC wall time, 09:00 stays 09:00.
    assert!(
        rows[0]["ts"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-11T09:00:00"),
        "{rows}"
    );
}

#[test]
fn query_refuses_writes_and_reports_sql_errors() {
    let data = tempfile::tempdir().unwrap();
    for sql in [
        "DROP TABLE messages",
        "INSERT INTO messages VALUES (1)",
        "DELETE FROM messages",
    ] {
        Command::cargo_bin("kefu")
            .unwrap()
            .args(["--data-dir", data.path().to_str().unwrap(), "query", sql])
            .assert()
            .failure()
            .stderr(predicates::str::contains("only queries"));
    }
    Command::cargo_bin("kefu")
        .unwrap()
        .args([
            "--data-dir",
            data.path().to_str().unwrap(),
            "query",
            "SELECT nope FROM messages",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("nope"));
}

#[test]
fn demo_data_loads_through_presets_without_loss() {
    let data = tempfile::tempdir().unwrap();
    let src = data.path().join("src");
    let generated = kefu_json(
        data.path(),
        &[
            "demo",
            "--generate",
            src.to_str().unwrap(),
            "--scale",
            "0.01",
            "--json",
        ],
    );
    let files = generated_files(&generated);
    assert_eq!(files.len(), 6);
    let mut ingested = 0;
    for (path, fmt) in &files {
        let mut args = vec!["ingest", "--json"];
        if fmt != "kefu-csv" {
            args.extend(["--format", fmt.as_str()]);
        }
        args.push(path);
        let r = kefu_json(data.path(), &args);
        assert_eq!(r["quarantined"], 0, "{path}: {r}");
        assert_eq!(r["duplicates"], 0, "{path}: {r}");
        ingested += r["ingested"].as_u64().unwrap();
    }
    let c = counts(data.path());
    assert_eq!(c[0], generated["messages"].as_u64().unwrap());
    assert_eq!(c[1], generated["orders"].as_u64().unwrap());
    assert_eq!(c[2], generated["surveys"].as_u64().unwrap());
    assert_eq!(c[3], generated["reviews"].as_u64().unwrap());
    assert_eq!(c[4], 0);
    assert_eq!(ingested, c[0] + c[1] + c[2] + c[3]);
    // Three shops, three platforms; the 千牛 file was sessionised into conversations.
    let shops = kefu_json(
        data.path(),
        &[
            "query",
            "--json",
            "SELECT platform, count(DISTINCT conversation_id) AS n FROM messages GROUP BY platform ORDER BY platform",
        ],
    );
    assert_eq!(shops.as_array().unwrap().len(), 3, "{shops}");
    assert_eq!(shops[0]["platform"], "douyin");
    assert_eq!(shops[2]["platform"], "taobao");
    assert!(shops[2]["n"].as_u64().unwrap() > 100);
}

#[test]
fn suggested_mapping_ingests_an_unknown_layout() {
    let data = tempfile::tempdir().unwrap();
    let f = data.path().join("export.csv");
    std::fs::write(
        &f,
        "会话ID,发送时间,发送方,客服昵称,消息内容,买家昵称\nK1,2026-11-11 10:00:00,买家,,在吗,小张\nK1,2026-11-11 10:00:30,客服,阿明,在的,小张\n",
    )
    .unwrap();
    let toml = kefu(
        data.path(),
        &["ingest", "--suggest-mapping", f.to_str().unwrap()],
    );
    assert!(toml.contains("table = \"messages\""), "{toml}");
    let m = data.path().join("m.toml");
    std::fs::write(&m, &toml).unwrap();
    let r = kefu_json(
        data.path(),
        &[
            "ingest",
            "--json",
            "--mapping",
            m.to_str().unwrap(),
            f.to_str().unwrap(),
        ],
    );
    assert_eq!(r["ingested"], 2, "{r}");
    let who = kefu_json(
        data.path(),
        &[
            "query",
            "--json",
            "SELECT sender, agent_id FROM messages ORDER BY ts",
        ],
    );
    assert_eq!(who[1]["sender"], "agent");
    assert_eq!(who[1]["agent_id"], "阿明");
}

#[test]
fn config_set_and_show() {
    let data = tempfile::tempdir().unwrap();
    kefu(
        data.path(),
        &[
            "config",
            "set",
            "timezone",
            "Europe/Berlin",
            "--shop",
            "eu1",
        ],
    );
    kefu(data.path(), &["config", "set", "session_gap_secs", "900"]);
    let v = kefu_json(data.path(), &["config", "--json"]);
    assert_eq!(v["defaults"]["session_gap_secs"], 900);
    assert_eq!(v["eu1"]["timezone"], "Europe/Berlin");
    assert_eq!(v["eu1"]["session_gap_secs"], 900);
    Command::cargo_bin("kefu")
        .unwrap()
        .args([
            "--data-dir",
            data.path().to_str().unwrap(),
            "config",
            "set",
            "timezone",
            "Mars/Base",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("unknown timezone"));
}

#[test]
fn report_on_a_hand_worked_store() {
    let data = tempfile::tempdir().unwrap();
    let f = data.path().join("chat.csv");
    std::fs::write(&f, CHAT).unwrap();
    kefu(data.path(), &["ingest", f.to_str().unwrap()]);
    let r = kefu_json(data.path(), &["report", "--json"]);
    // c1: customer 09:00, agent 09:01 → one human round, FRT 60 s.
    // c2: customer 23:59, its agent row was quarantined → one unanswered round.
    assert_eq!(r["volume"]["conversations"], 2);
    assert_eq!(r["volume"]["customers"], 2);
    assert_eq!(r["volume"]["customer_messages"], 2);
    assert_eq!(r["volume"]["agent_messages"], 1);
    assert_eq!(r["response"]["frt_secs"]["n"], 1);
    assert_eq!(r["response"]["frt_secs"]["mean"], 60.0);
    assert_eq!(r["response"]["rounds"]["human"], 1);
    assert_eq!(r["response"]["rounds"]["unanswered"], 1);
    // Within-T: answered ≤ T over human + unanswered rounds, so 1/2 at 1 minute, 0 at 30 s.
    assert_eq!(r["response"]["within"]["1m"], 0.5);
    assert_eq!(r["response"]["within"]["30s"], 0.0);
    let by_shop = kefu_json(data.path(), &["report", "--json", "--by", "shop"]);
    assert_eq!(by_shop["breakdown"].as_array().unwrap().len(), 1);
}

/// kefu-text reads customer messages, survey comments and reviews at ingest: masked
/// copies (the phone number keeps 3 + 4 digits), categories, sentiment, urgency,
/// spam. Agent messages get only the masked copy; surveys without a comment nothing.
#[test]
fn text_understanding_enriches_messages_comments_and_reviews() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let chat = dir.join("chat.csv");
    std::fs::write(
        &chat,
        "message_id,conversation_id,shop_id,platform,channel,ts,sender,agent_id,customer_id,text,kind,product_id,order_id
m1,c1,s1,douyin,chat,2026-11-11 09:00:00,customer,,u1,快递一周了还没到，再不处理我就投诉到12315，电话13812345678,,,
m2,c1,s1,douyin,chat,2026-11-11 09:01:00,agent,a1,u1,已登记您的电话13812345678,,,
",
    )
    .unwrap();
    let surveys = dir.join("surveys.csv");
    std::fs::write(
        &surveys,
        "conversation_id,customer_id,agent_id,ts,score,scale,dimension,comment
c1,u1,a1,2026-11-11 09:30:00,1,5,overall,物流太慢了，包裹破损，联系我13812345678
c1,u1,a1,2026-11-11 09:30:00,5,5,attitude,
",
    )
    .unwrap();
    let reviews = dir.join("reviews.csv");
    std::fs::write(
        &reviews,
        "review_id,shop_id,product_id,customer_id,ts,rating,text
r1,s1,p1,u1,2026-11-12 10:00:00,1,质量太差了，穿一次就开线
r2,s1,p1,u2,2026-11-12 11:00:00,5,加微信abc12345领红包，加微信abc12345领红包
",
    )
    .unwrap();
    let files: Vec<&str> = [&chat, &surveys, &reviews]
        .iter()
        .map(|p| p.to_str().unwrap())
        .collect();
    let mut args = vec!["ingest", "--json"];
    args.extend(files);
    let out = kefu_json(dir, &args);
    assert_eq!(out["quarantined"], 0, "{out}");

    let m = kefu_json(
        dir,
        &[
            "query",
            "--json",
            "SELECT message_id, text_masked, categories, sentiment, urgent FROM messages ORDER BY message_id",
        ],
    );
    let masked = m[0]["text_masked"].as_str().unwrap();
    assert!(
        masked.contains("138****5678") && !masked.contains("13812345678"),
        "{masked}"
    );
    assert!(
        m[0]["categories"].as_str().unwrap().contains("logistics"),
        "{m}"
    );
    assert!(m[0]["sentiment"].as_f64().unwrap() < 0.4, "{m}");
    assert_eq!(m[0]["urgent"], true);
    // The agent's message: masked, not classified.
    assert!(
        m[1]["text_masked"]
            .as_str()
            .unwrap()
            .contains("138****5678")
    );
    assert!(
        m[1]["sentiment"].is_null() && m[1]["categories"].is_null(),
        "{m}"
    );

    let s = kefu_json(
        dir,
        &[
            "query",
            "--json",
            "SELECT dimension, comment_masked, categories, sentiment, spam FROM surveys ORDER BY dimension",
        ],
    );
    // attitude (no comment) first, then overall.
    assert!(
        s[0]["comment_masked"].is_null() && s[0]["sentiment"].is_null(),
        "{s}"
    );
    let c = s[1]["comment_masked"].as_str().unwrap();
    assert!(
        c.contains("138****5678") && !c.contains("13812345678"),
        "{c}"
    );
    assert!(
        s[1]["categories"].as_str().unwrap().contains("logistics"),
        "{s}"
    );
    assert!(s[1]["sentiment"].as_f64().unwrap() < 0.4, "{s}");
    assert_eq!(s[1]["spam"], false);

    let r = kefu_json(
        dir,
        &[
            "query",
            "--json",
            "SELECT review_id, categories, sentiment, spam, urgent, text_masked FROM reviews ORDER BY review_id",
        ],
    );
    assert!(
        r[0]["categories"].as_str().unwrap().contains("quality"),
        "{r}"
    );
    assert!(r[0]["sentiment"].as_f64().unwrap() < 0.4, "{r}");
    assert_eq!(
        (r[0]["spam"].clone(), r[1]["spam"].clone()),
        (false.into(), true.into())
    );
    assert!(r[1]["text_masked"].is_string());

    // The report's complaints section counts the survey comment under logistics.
    let rep = kefu_json(dir, &["report", "--json"]);
    let comments = rep["complaints"]["survey_comments"].as_array().unwrap();
    assert!(
        comments
            .iter()
            .any(|x| x["category"] == "logistics" && x["comments"] == 1),
        "{rep}"
    );
    assert_eq!(rep["complaints"]["urgent_messages"], 1);
}

/// `kefu query … | head -1`: the reader leaving early ends kefu quietly with
/// status 0, not with a panic on the broken pipe.
#[test]
fn a_reader_that_stops_early_ends_the_query_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command as Std, Stdio};
    let data = tempfile::tempdir().unwrap();
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("kefu"))
        .args([
            "--data-dir",
            data.path().to_str().unwrap(),
            "query",
            "--csv",
            "SELECT value, value * 2 AS twice FROM generate_series(1, 3000000)",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first.trim(), "value,twice");
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.success(), "{:?}: {err}", out.status);
}

/// The shop's own taxonomy (`[[text.category]]` in kefu.toml) labels messages at
/// ingest; after a change, `kefu text relabel` reads the stored messages, reviews
/// and comments again and the facts follow (primary category, complaint flag).
#[test]
fn shop_taxonomy_at_ingest_and_relabel_updates_the_facts() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let chat = dir.join("chat.csv");
    std::fs::write(
        &chat,
        "message_id,conversation_id,shop_id,platform,channel,ts,sender,agent_id,customer_id,text,kind,product_id,order_id
m1,c1,s1,douyin,chat,2026-11-11 09:00:00,customer,,u1,礼盒上的贺卡写错名字了,,,
m2,c1,s1,douyin,chat,2026-11-11 09:01:00,agent,a1,u1,抱歉，马上给您重做,,,
m4,c1,s1,douyin,chat,2026-11-11 09:02:00,customer,,u1,贺卡要重新写一张,,,
",
    )
    .unwrap();
    let reviews = dir.join("reviews.csv");
    std::fs::write(
        &reviews,
        "review_id,shop_id,product_id,customer_id,ts,rating,text
r1,s1,p1,u1,2026-11-12 10:00:00,2,礼盒的贺卡是空白的
",
    )
    .unwrap();
    let query = |sql: &str| kefu_json(dir, &["query", "--json", sql]);
    kefu(
        dir,
        &["ingest", chat.to_str().unwrap(), reviews.to_str().unwrap()],
    );
    let before = query("SELECT categories FROM messages WHERE message_id = 'm1'");
    assert!(
        !before[0]["categories"]
            .as_str()
            .unwrap_or("")
            .contains("gift_card"),
        "{before}"
    );

    // The shop adds its own category.
    std::fs::write(
        dir.join("kefu.toml"),
        "[text]\n[[text.category]]\nname = \"gift_card\"\nzh = \"贺卡\"\nseeds = [\"贺卡\"]\n",
    )
    .unwrap();
    let r = kefu_json(dir, &["text", "relabel", "--json"]);
    assert_eq!(
        (r["messages"].as_u64(), r["customer_messages"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(r["reviews"].as_u64(), Some(1));
    assert!(r["facts"]["conversations"].as_u64().unwrap() >= 1, "{r}");
    let m = query("SELECT categories, text_masked FROM messages WHERE message_id = 'm1'");
    assert!(
        m[0]["categories"].as_str().unwrap().contains("gift_card"),
        "{m}"
    );
    let rv = query("SELECT categories FROM reviews");
    assert!(
        rv[0]["categories"].as_str().unwrap().contains("gift_card"),
        "{rv}"
    );
    let f = query(
        "SELECT categories, primary_category, complaint FROM conversation_facts WHERE conversation_id = 'c1'",
    );
    // The facts follow: the new label is on the conversation and can be its primary
    // category (the embedded model also reads quality into both messages: a tie the
    // earlier label wins, by the rule tested in kefu-analytics' golden_sentiment).
    assert!(
        f[0]["categories"].as_str().unwrap().contains("gift_card"),
        "{f}"
    );
    let primary = f[0]["primary_category"].as_str().unwrap();
    assert!(["gift_card", "quality"].contains(&primary), "{f}");
    assert_eq!(f[0]["complaint"], true, "{f}");
    assert_eq!(counts(dir)[0], 3, "relabelling adds or loses no rows");
    let status = kefu_json(dir, &["store", "status", "--json"]);
    assert_eq!(status["facts_current"], true, "{status}");

    // New messages are read with the shop's taxonomy at ingest.
    let more = dir.join("more.csv");
    std::fs::write(
        &more,
        "message_id,conversation_id,shop_id,platform,channel,ts,sender,agent_id,customer_id,text,kind,product_id,order_id
m3,c2,s1,douyin,chat,2026-11-13 09:00:00,customer,,u2,能帮我加一张贺卡吗,,,
",
    )
    .unwrap();
    kefu(dir, &["ingest", more.to_str().unwrap()]);
    let m = query("SELECT categories FROM messages WHERE message_id = 'm3'");
    assert!(
        m[0]["categories"].as_str().unwrap().contains("gift_card"),
        "{m}"
    );

    // A broken taxonomy is a clear error, not a silent default.
    std::fs::write(
        dir.join("kefu.toml"),
        "[text]\ncategories = \"missing.toml\"\n",
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("kefu")
        .unwrap()
        .args(["--data-dir", dir.to_str().unwrap(), "text", "relabel"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("missing.toml"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Customer chat spam is flagged at ingest, left out of the facts and the
/// complaints, listed with its reason by `kefu spam`, and counted again with
/// `include_spam = true` (after `kefu store rebuild-facts`).
#[test]
fn chat_spam_is_flagged_listed_and_left_out_by_default() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let chat = dir.join("chat.csv");
    std::fs::write(
        &chat,
        "message_id,conversation_id,shop_id,platform,channel,ts,sender,agent_id,customer_id,text,kind,product_id,order_id
m1,c1,s1,douyin,chat,2026-11-11 09:00:00,customer,,u1,快递三天了还没到，怎么回事,,,
m2,c1,s1,douyin,chat,2026-11-11 09:01:00,agent,a1,u1,马上帮您查,,,
m3,c2,s1,douyin,chat,2026-11-11 10:00:00,customer,,u2,兼职刷单日结三百，加微信abc12345,,,
m4,c3,s1,douyin,chat,2026-11-11 11:00:00,customer,,u3,https://item.taobao.com/item.htm?id=123 这个有货吗,,,
m5,c3,s1,douyin,chat,2026-11-11 11:01:00,agent,a1,u3,有的亲,,,
",
    )
    .unwrap();
    kefu(dir, &["ingest", chat.to_str().unwrap()]);
    let q = |sql: &str| kefu_json(dir, &["query", "--json", sql]);
    let flags =
        q("SELECT message_id, spam FROM messages WHERE sender = 'customer' ORDER BY message_id");
    let flags: Vec<(String, bool)> = flags
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["message_id"].as_str().unwrap().to_string(),
                r["spam"].as_bool().unwrap(),
            )
        })
        .collect();
    // The pasted taobao link is a question, not spam.
    assert_eq!(
        flags,
        [
            ("m1".into(), false),
            ("m3".into(), true),
            ("m4".into(), false)
        ]
    );
    // The spam-only conversation c2 is no conversation with the shop.
    let convs = q("SELECT conversation_id FROM conversation_facts ORDER BY 1");
    assert_eq!(convs.as_array().unwrap().len(), 2, "{convs}");
    let report = kefu_json(dir, &["report", "--json"]);
    assert_eq!(report["volume"]["conversations"], 2, "{report}");
    assert_eq!(report["volume"]["customer_messages"], 2);

    let spam = kefu_json(dir, &["spam", "--json"]);
    assert_eq!(spam["messages"], 1, "{spam}");
    assert_eq!(spam["included"], false);
    assert_eq!(spam["items"][0]["id"], "m3");
    let reason = spam["items"][0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("contact:") || reason.starts_with("ad:"),
        "{reason}"
    );
    assert!(
        spam["items"][0]["text"].as_str().unwrap().contains("刷单"),
        "{spam}"
    );

    // The switch: spam counted again.
    kefu(dir, &["config", "set", "include_spam", "true"]);
    kefu(dir, &["store", "rebuild-facts"]);
    let report = kefu_json(dir, &["report", "--json"]);
    assert_eq!(report["volume"]["conversations"], 3, "{report}");
    assert_eq!(
        report["readings"]["include_spam"], true,
        "{}",
        report["readings"]
    );
}

/// Each customer chat message gets an intent at ingest; the report's complaints
/// section (and so the API's) counts them by the conversation's start hour, agent
/// and product. By hand: c1 at 09:00 (agent a1, product p1) asks when it ships
/// (order status) and for an invoice; c2 at 14:00 (a2) asks about stock (pre-sale).
#[test]
fn intents_at_ingest_and_their_mix() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let chat = dir.join("chat.csv");
    std::fs::write(
        &chat,
        "message_id,conversation_id,shop_id,platform,channel,ts,sender,agent_id,customer_id,text,kind,product_id,order_id
m1,c1,s1,douyin,chat,2026-11-11 09:00:00,customer,,u1,什么时候发货呀,,p1,
m2,c1,s1,douyin,chat,2026-11-11 09:01:00,agent,a1,u1,今天就发,,,
m3,c1,s1,douyin,chat,2026-11-11 09:02:00,customer,,u1,能开发票吗,,p1,
m4,c1,s1,douyin,chat,2026-11-11 09:03:00,agent,a1,u1,可以的,,,
m5,c2,s1,douyin,chat,2026-11-11 14:00:00,customer,,u2,XL码还有货吗,,,
m6,c2,s1,douyin,chat,2026-11-11 14:01:00,agent,a2,u2,有的,,,
",
    )
    .unwrap();
    kefu(dir, &["ingest", chat.to_str().unwrap()]);
    let m = kefu_json(
        dir,
        &[
            "query",
            "--json",
            "SELECT message_id, intent FROM messages WHERE sender = 'customer' ORDER BY 1",
        ],
    );
    let got: Vec<&str> = m
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["intent"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["order_status", "invoice_payment", "presale"]);
    let r = kefu_json(dir, &["report", "--json"]);
    let mix = r["complaints"]["intents"].as_array().unwrap();
    assert_eq!(mix.len(), 3, "{mix:?}");
    let of = |name: &str| mix.iter().find(|x| x["intent"] == name).unwrap();
    let os = of("order_status");
    assert_eq!(os["messages"], 1);
    assert!((os["share"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(os["by_hour"][9], 1);
    assert_eq!(os["by_agent"][0][0], "a1");
    assert_eq!(os["by_product"][0][0], "p1");
    let pre = of("presale");
    assert_eq!(pre["by_hour"][14], 1);
    assert_eq!(pre["by_agent"][0][0], "a2");
    assert!(kefu(dir, &["report"]).contains("咨询意图 Customer intents"));
}

/// A shop's own category model: `kefu text train --labels` learns a label of the
/// shop's taxonomy from its labelled texts (no seed words), `[text].category_model`
/// puts it to work at ingest, and bad labels or a model the taxonomy does not match
/// are clear errors.
#[test]
fn shop_trained_category_model_labels_at_ingest() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    // The shop's label has no seeds: only the trained model can find it.
    std::fs::write(
        dir.join("kefu.toml"),
        "[text]\n[[text.category]]\nname = \"gift_wrap\"\nzh = \"礼品包装\"\n",
    )
    .unwrap();
    let wrap = [
        "丝带系得太松了",
        "礼品袋皱巴巴的",
        "丝带颜色不对",
        "礼品袋破了一个角",
        "丝带没有系好",
        "礼品袋太小装不下",
        "要的丝带是红色的",
        "礼品袋上有污渍",
        "丝带散开了",
        "没有给礼品袋",
        "丝带剪得很难看",
        "礼品袋不是说好的款式",
        "丝带打结很丑",
        "礼品袋印错字了",
        "丝带断了",
    ];
    let other = [
        ("快递太慢了三天还没到", "logistics"),
        ("物流一直不更新", "logistics"),
        ("衣服质量很差起球", "quality"),
        ("用了两天就坏了", "quality"),
        ("我要退货退款", "refund_return"),
        ("客服态度很差", "service"),
        ("价格比别家贵", "price"),
        ("发票什么时候开", "payment_invoice"),
        ("快递员把东西扔门口", "logistics"),
        ("做工粗糙线头多", "quality"),
    ];
    let mut lines = String::new();
    for t in wrap {
        lines.push_str(&format!(
            "{{\"text\":\"{t}\",\"labels\":[\"gift_wrap\"]}}\n"
        ));
    }
    for (t, l) in other {
        lines.push_str(&format!("{{\"text\":\"{t}\",\"labels\":[\"{l}\"]}}\n"));
    }
    let labels = dir.join("labels.jsonl");
    std::fs::write(&labels, &lines).unwrap();
    let models = dir.join("models");
    let out = kefu(
        dir,
        &[
            "text",
            "train",
            "--labels",
            labels.to_str().unwrap(),
            "--out-dir",
            models.to_str().unwrap(),
        ],
    );
    assert!(out.contains("25 labelled text"), "{out}");
    assert!(models.join("categories.kfm").exists());

    let mut toml = std::fs::read_to_string(dir.join("kefu.toml")).unwrap();
    toml = toml.replace(
        "[text]\n",
        "[text]\ncategory_model = \"models/categories.kfm\"\n",
    );
    std::fs::write(dir.join("kefu.toml"), &toml).unwrap();
    let chat = dir.join("chat.csv");
    std::fs::write(
        &chat,
        "message_id,conversation_id,shop_id,platform,channel,ts,sender,agent_id,customer_id,text,kind,product_id,order_id
m1,c1,s1,douyin,chat,2026-11-11 09:00:00,customer,,u1,收到了但是丝带松了,,,
m2,c1,s1,douyin,chat,2026-11-11 09:01:00,agent,a1,u1,抱歉，马上处理,,,
",
    )
    .unwrap();
    kefu(dir, &["ingest", chat.to_str().unwrap()]);
    let m = kefu_json(
        dir,
        &[
            "query",
            "--json",
            "SELECT categories FROM messages WHERE message_id = 'm1'",
        ],
    );
    assert!(
        m[0]["categories"]
            .as_str()
            .unwrap_or("")
            .contains("gift_wrap"),
        "{m}"
    );

    // A label the taxonomy lacks: the file and line are named.
    std::fs::write(&labels, "{\"text\":\"x\",\"labels\":[\"gift_wrap\"]}\n{\"text\":\"快递慢\",\"labels\":[\"shipping\"]}\n").unwrap();
    let err = assert_cmd::Command::cargo_bin("kefu")
        .unwrap()
        .arg("--data-dir")
        .arg(dir)
        .args([
            "text",
            "train",
            "--labels",
            labels.to_str().unwrap(),
            "--out-dir",
        ])
        .arg(dir.join("m2"))
        .output()
        .unwrap();
    let msg = String::from_utf8_lossy(&err.stderr);
    assert!(!err.status.success());
    assert!(msg.contains("line 2") && msg.contains("shipping"), "{msg}");

    // The model knows gift_wrap; a taxonomy without it refuses the model.
    std::fs::write(
        dir.join("kefu.toml"),
        "[text]\ncategory_model = \"models/categories.kfm\"\n",
    )
    .unwrap();
    let err = assert_cmd::Command::cargo_bin("kefu")
        .unwrap()
        .arg("--data-dir")
        .arg(dir)
        .args(["ingest", chat.to_str().unwrap()])
        .output()
        .unwrap();
    let msg = String::from_utf8_lossy(&err.stderr);
    assert!(!err.status.success());
    assert!(
        msg.contains("gift_wrap") && msg.contains("taxonomy"),
        "{msg}"
    );
}
