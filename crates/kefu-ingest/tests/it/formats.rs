use crate::*;
use kefu_ingest::mapping::Mapping;
use kefu_ingest::{Format, IngestError};
use kefu_model::{MessageKind, Sender};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const CANON: &str = "message_id,conversation_id,shop_id,platform,channel,ts,sender,agent_id,customer_id,text,kind,product_id,order_id\n";

#[test]
fn canonical_messages_with_bad_rows_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "{CANON}\
m1,c1,s1,douyin,chat,2026-11-11 09:00:00,customer,,u1,你好，快递到哪了,text,P1,\n\
m2,c1,s1,douyin,chat,2026-11-11T01:01:30Z,agent,a1,u1,亲，已经在派送了,,P1,\n\
m3,c1,s1,douyin,chat,2026-11-11 09:02:00,机器人,,u1,自动回复,auto_reply,,\n\
m4,c1,s1,douyin,chat,not-a-time,customer,,u1,?,text,,\n\
m5,c1,s1,douyin,chat,2026-11-11 09:03:00,alien,,u1,hi,text,,\n\
m6,,s1,douyin,chat,2026-11-11 09:04:00,customer,,,orphan,text,,\n\
m7,c1,s1\n"
    );
    let p = write(dir.path(), "chat.csv", body.as_bytes());
    let (s, sink) = read(&p, &IngestOptions::default());
    assert_eq!(s.rows_read, 7);
    assert_eq!((s.accepted, s.quarantined), (3, 4));
    let m = messages(&sink);
    // 09:00 Shanghai is 01:00 UTC; the RFC 3339 row keeps its own offset.
    assert_eq!(m[0].ts.to_rfc3339(), "2026-11-11T01:00:00+00:00");
    assert_eq!(m[1].ts.to_rfc3339(), "2026-11-11T01:01:30+00:00");
    assert_eq!(m[2].sender, Sender::Bot);
    assert_eq!(m[2].kind, MessageKind::AutoReply);
    assert_eq!(m[0].local_date.to_string(), "2026-11-11");
    assert_eq!(m[0].text_raw, "你好，快递到哪了");
    assert_eq!(m[0].text, "你好,快递到哪了");
    assert_eq!(m[0].source_row, 1);
    assert_eq!(
        reasons(&sink.quarantined),
        vec![
            (4, "bad timestamp 'not-a-time'".to_string()),
            (5, "unknown sender value 'alien'".to_string()),
            (
                6,
                "missing required field conversation_id or customer_id".to_string()
            ),
            (7, "row has 3 fields, the header has 13".to_string()),
        ]
    );
    assert!(
        sink.quarantined
            .iter()
            .all(|q| q.source_file.ends_with("chat.csv") && q.table == "messages")
    );
}

#[test]
fn missing_required_columns_fail_the_file_with_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "x.csv",
        "ts,text,customer_id\n2026-11-11 09:00:00,hi,u1\n".as_bytes(),
    );
    let opts = IngestOptions {
        table: Some(kefu_model::Table::Messages),
        ..Default::default()
    };
    let mut sink = VecSink::default();
    let err = read_file(&p, &opts, &mut sink).unwrap_err();
    assert!(matches!(err, IngestError::Mapping { .. }), "{err}");
    assert!(err.to_string().contains("sender"), "{err}");
    // Without --table the header names no table at all.
    let err = read_file(&p, &IngestOptions::default(), &mut sink)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot tell which table"), "{err}");
}

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

#[test]
fn gbk_feige_export_with_a_broken_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = gbk(
        "会话ID,消息ID,店铺名称,发送时间,发送方,客服昵称,买家昵称,消息内容,消息类型,商品ID,订单号\n\
         C1,M1,抖音旗舰店,2026-11-11 20:00:00,买家,,买家甲,我的快递怎么还没到,文本,P1,\n\
         C1,M2,抖音旗舰店,2026-11-11 20:00:03,机器人,,买家甲,亲，您可以在订单详情里查看物流,自动回复,,\n\
         C1,M3,抖音旗舰店,2026-11-11 20:01:00,客服,小美,买家甲,已经帮您催了,文本,,\n",
    );
    // Row 4: bytes that are not valid GB18030 inside the text field.
    bytes.extend(gbk("C1,M4,抖音旗舰店,2026-11-11 20:02:00,买家,,买家甲,"));
    bytes.extend([0x81, 0x20, b'\n']);
    bytes.extend(gbk(
        "C1,M5,抖音旗舰店,2026-11-11 20:05:00,系统,,买家甲,会话已结束,会话结束,,\n",
    ));
    let p = write(dir.path(), "feige_gbk.csv", &bytes);
    let opts = IngestOptions {
        mapping: Some(Mapping::preset("feige").unwrap()),
        ..Default::default()
    };
    let (s, sink) = read(&p, &opts);
    assert_eq!(s.encoding, "gb18030");
    assert_eq!((s.rows_read, s.accepted, s.quarantined), (5, 4, 1));
    let m = messages(&sink);
    assert_eq!(m[0].text, "我的快递怎么还没到");
    assert_eq!(m[0].shop_id, "抖音旗舰店");
    assert_eq!(m[0].platform, "douyin");
    assert_eq!(m[1].sender, Sender::Bot);
    assert_eq!(m[2].agent_id.as_deref(), Some("小美"));
    assert_eq!(m[3].kind, MessageKind::Resolve);
    assert_eq!(m[3].sender, Sender::System);
    assert_eq!(sink.quarantined[0].source_row, 4);
    assert_eq!(
        sink.quarantined[0].reason,
        "broken encoding (neither UTF-8 nor valid gb18030; bad bytes shown as \\xNN)"
    );
    assert!(sink.quarantined[0].raw.ends_with("买家甲,\\x81 "));
}

#[test]
fn utf8_bom_and_utf16_exports_decode() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{CANON}m1,c1,s1,jd,chat,2026-11-11 09:00:00,买家,,u1,发票怎么开,,,\n");
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(text.as_bytes());
    let (s, sink) = read(
        &write(dir.path(), "bom.csv", &bom),
        &IngestOptions::default(),
    );
    assert_eq!((s.encoding.as_str(), s.accepted), ("UTF-8", 1));
    assert_eq!(messages(&sink)[0].text, "发票怎么开");
    // Excel's "Unicode text": UTF-16LE with BOM, tab separated.
    let tsv = text.replace(',', "\t");
    let mut u16 = vec![0xFF, 0xFE];
    for unit in tsv.encode_utf16() {
        u16.extend(unit.to_le_bytes());
    }
    let (s, sink) = read(
        &write(dir.path(), "u16.txt", &u16),
        &IngestOptions::default(),
    );
    assert_eq!((s.encoding.as_str(), s.accepted), ("UTF-16LE", 1));
    assert_eq!(messages(&sink)[0].customer_id.as_deref(), Some("u1"));
}

#[test]
fn qianniu_export_is_sessionised_by_the_gap() {
    let dir = tempfile::tempdir().unwrap();
    // Buyer A: 10:00, 10:05 (agent), 10:40 (gap 35 min: new conversation).
    // Buyer B: one message at 10:10.
    let csv = "买家旺旺,客服账号,发送人角色,时间,消息内容,宝贝ID,订单编号,店铺名称\n\
               买家A,,买家,2026-11-11 10:00:00,在吗,,,淘宝店\n\
               买家A,淘宝店:小王,客服,2026-11-11 10:05:00,在的亲,,,淘宝店\n\
               买家B,,买家,2026-11-11 10:10:00,有优惠吗,,,淘宝店\n\
               买家A,,买家,2026-11-11 10:40:00,还有一个问题,,,淘宝店\n";
    let p = write(dir.path(), "qn.csv", &gbk(csv));
    let opts = IngestOptions {
        mapping: Some(Mapping::preset("qianniu").unwrap()),
        ..Default::default()
    };
    let (s, sink) = read(&p, &opts);
    assert_eq!(s.accepted, 4);
    let convs: BTreeMap<String, Vec<String>> =
        messages(&sink).iter().fold(BTreeMap::new(), |mut acc, m| {
            acc.entry(m.conversation_id.clone())
                .or_default()
                .push(m.text.clone());
            acc
        });
    assert_eq!(convs.len(), 3);
    assert_eq!(convs["s:买家A:20261111T020000Z"], vec!["在吗", "在的亲"]);
    assert_eq!(convs["s:买家A:20261111T024000Z"], vec!["还有一个问题"]);
    assert!(messages(&sink).iter().all(|m| m.platform == "taobao"));
}

#[test]
fn orders_surveys_reviews_by_header() {
    let dir = tempfile::tempdir().unwrap();
    let orders = write(
        dir.path(),
        "orders.csv",
        "order_id,shop_id,customer_id,product_id,created_at,paid_at,amount,status\n\
         O1,s1,u1,P1,2026-11-11 10:00:00,2026-11-11 10:03:00,¥199.00,已付款\n\
         O2,s1,u2,P1,2026-11-11 11:00:00,,88,待付款\n\
         O3,s1,u3,P1,2026-11-11 12:00:00,,abc,待付款\n"
            .as_bytes(),
    );
    let (s, sink) = read(&orders, &IngestOptions::default());
    assert_eq!((s.accepted, s.quarantined), (2, 1));
    assert_eq!(sink.quarantined[0].reason, "bad amount 'abc'");
    match &sink.records[0] {
        Record::Order(o) => {
            assert_eq!(o.amount, Some(199.0));
            assert_eq!(
                o.paid_at.map(|t| t.to_rfc3339()).as_deref(),
                Some("2026-11-11T02:03:00+00:00")
            );
        }
        other => panic!("{other:?}"),
    }
    let surveys = write(
        dir.path(),
        "surveys.csv",
        "conversation_id,customer_id,agent_id,ts,score,scale,dimension,comment\n\
         c1,u1,a1,2026-11-11 10:00:00,4,5,overall,\n\
         c2,u2,a1,2026-11-11 10:00:00,满意,,attitude,很好\n\
         c3,u3,a2,2026-11-11 10:00:00,9,10,nps,\n\
         c4,u4,a2,2026-11-11 10:00:00,7,5,overall,\n\
         c5,u5,a2,2026-11-11 10:00:00,一般,,,\n"
            .as_bytes(),
    );
    let (s, sink) = read(&surveys, &IngestOptions::default());
    assert_eq!((s.accepted, s.quarantined), (4, 1));
    assert_eq!(sink.quarantined[0].reason, "score 7 is outside scale 5");
    let got: Vec<(f64, i32, String)> = sink
        .records
        .iter()
        .map(|r| match r {
            Record::Survey(v) => (v.score, v.scale, v.dimension.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (4.0, 5, "overall".into()),
            (5.0, 3, "attitude".into()),
            (9.0, 10, "nps".into()),
            (3.0, 3, "overall".into())
        ]
    );
    let reviews = write(
        dir.path(),
        "reviews.csv",
        "review_id,shop_id,product_id,customer_id,ts,rating,text\n\
         r1,s1,P1,u1,2026-11-12 10:00:00,5,很好用\n\
         r2,s1,P1,u2,2026-11-12 10:00:00,9,太差\n"
            .as_bytes(),
    );
    let (s, sink) = read(&reviews, &IngestOptions::default());
    assert_eq!((s.accepted, s.quarantined), (1, 1));
    assert_eq!(sink.quarantined[0].reason, "rating 9 is outside 0–5");
}

#[test]
fn json_lines_with_a_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "m.jsonl",
        r#"{"message_id":"j1","conversation_id":"c9","ts":"2026-11-11T12:00:00+08:00","sender":"customer","text":"退款多久到账","customer_id":7}
{"message_id":"j2","conversation_id":"c9","ts":"2026-11-11T12:01:00+08:00","sender":"agent","agent_id":"a1","text":"1-3个工作日"}
{"message_id":"j3", broken
"#
        .as_bytes(),
    );
    let (s, sink) = read(&p, &IngestOptions::default());
    assert_eq!((s.rows_read, s.accepted, s.quarantined), (3, 2, 1));
    assert!(
        sink.quarantined[0].reason.starts_with("bad JSON"),
        "{}",
        sink.quarantined[0].reason
    );
    let m = messages(&sink);
    assert_eq!(m[0].customer_id.as_deref(), Some("7"));
    assert_eq!(m[1].ts.to_rfc3339(), "2026-11-11T04:01:00+00:00");
}

#[test]
fn excel_export_through_a_preset() {
    use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("feige.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let header = [
        "会话ID",
        "发送时间",
        "发送方",
        "客服昵称",
        "买家昵称",
        "消息内容",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let date_fmt = XFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let rows = [
        (
            "C7",
            "2026-11-11T21:00:00",
            "买家",
            "",
            "买家乙",
            "这个有优惠券吗",
        ),
        (
            "C7",
            "2026-11-11T21:00:40",
            "客服",
            "小雨",
            "买家乙",
            "有的亲，满200减20",
        ),
    ];
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, row.0).unwrap();
        let dt = ExcelDateTime::parse_from_str(row.1).unwrap();
        ws.write_datetime_with_format(r, 1, &dt, &date_fmt).unwrap();
        ws.write_string(r, 2, row.2).unwrap();
        ws.write_string(r, 3, row.3).unwrap();
        ws.write_string(r, 4, row.4).unwrap();
        ws.write_string(r, 5, row.5).unwrap();
    }
    wb.save(&p).unwrap();
    let opts = IngestOptions {
        format: Some(Format::Excel),
        mapping: Some(Mapping::preset("feige").unwrap()),
        ..Default::default()
    };
    let (s, sink) = read(&p, &opts);
    assert_eq!((s.rows_read, s.accepted), (2, 2));
    let m = messages(&sink);
    // 21:00:40 Shanghai = 13:00:40 UTC.
    assert_eq!(m[1].ts.to_rfc3339(), "2026-11-11T13:00:40+00:00");
    assert_eq!(m[1].agent_id.as_deref(), Some("小雨"));
    assert_eq!(
        kefu_ingest::read_header(&p).unwrap(),
        header.map(String::from).to_vec()
    );
}

#[test]
fn twcs_threads_brands_and_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n\
               2,115712,True,Tue Oct 31 22:00:00 +0000 2017,@sprintcare my phone is dead,1.0,\n\
               1,sprintcare,False,Tue Oct 31 22:10:00 +0000 2017,@115712 Sorry! Please DM us. -KC,3,2.0\n\
               3,115712,True,Tue Oct 31 22:20:00 +0000 2017,@sprintcare done,,1.0\n\
               9,115799,True,Wed Nov 01 08:00:00 +0000 2017,@AppleSupport battery drains,,\n\
               10,115799,maybe,Wed Nov 01 08:00:00 +0000 2017,x,,\n";
    let p = write(dir.path(), "twcs.csv", csv.as_bytes());
    let (s, sink) = read(&p, &IngestOptions::default());
    assert_eq!(s.format, "twcs");
    assert_eq!((s.rows_read, s.accepted, s.quarantined), (5, 4, 1));
    assert!(
        sink.quarantined[0]
            .reason
            .contains("unknown sender value 'maybe'")
    );
    let m = messages(&sink);
    let convs: BTreeSet<&str> = m.iter().map(|m| m.conversation_id.as_str()).collect();
    assert_eq!(convs, BTreeSet::from(["tw:1", "tw:9"]));
    let agent = m.iter().find(|m| m.message_id == "1").unwrap();
    assert_eq!(agent.sender, Sender::Agent);
    assert_eq!(agent.agent_id.as_deref(), Some("sprintcare/KC"));
    assert_eq!(agent.customer_id.as_deref(), Some("115712"));
    assert_eq!(agent.shop_id, "sprintcare");
    // An unanswered thread belongs to the brand the customer addressed.
    assert_eq!(
        m.iter().find(|m| m.message_id == "9").unwrap().shop_id,
        "AppleSupport"
    );
}

#[test]
fn twcs_real_sample_threads_match_the_reference_union_find() {
    let p = shared_data("conversations_timestamps/twcs_head_sample_dev.csv");
    assert!(
        p.exists(),
        "the shared data set is missing: {}",
        p.display()
    );
    let (s, sink) = read(&p, &IngestOptions::default());
    assert_eq!(s.rows_read, 3563);
    assert_eq!(s.quarantined, 0);
    // The file's own `thread` column is an independent union-find: our
    // conversations must partition the tweets exactly as it does.
    let mut rdr = csv::Reader::from_path(&p).unwrap();
    let mut thread_of: HashMap<String, String> = HashMap::new();
    for r in rdr.records() {
        let r = r.unwrap();
        thread_of.insert(r[0].trim_end_matches(".0").to_string(), r[7].to_string());
    }
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    for m in messages(&sink) {
        pairs.insert((m.conversation_id.clone(), thread_of[&m.message_id].clone()));
    }
    let convs: BTreeSet<&String> = pairs.iter().map(|p| &p.0).collect();
    let threads: BTreeSet<&String> = pairs.iter().map(|p| &p.1).collect();
    assert_eq!(convs.len(), 918);
    assert_eq!(threads.len(), 918);
    assert_eq!(
        pairs.len(),
        918,
        "one conversation per thread and one thread per conversation"
    );
}

#[test]
fn email_threads_and_agent_side() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = "From buyer@example.com Mon Nov  9 10:00:00 2026\n\
Message-ID: <a1@example.com>\n\
From: Buyer <buyer@example.com>\n\
To: cs@shop.cn\n\
Subject: 退款\n\
Date: Mon, 9 Nov 2026 10:00:00 +0800\n\
\n\
我的退款还没到账\n\
\n\
From cs@shop.cn Mon Nov  9 11:00:00 2026\n\
Message-ID: <b2@shop.cn>\n\
In-Reply-To: <a1@example.com>\n\
References: <a1@example.com>\n\
From: Shop CS <cs@shop.cn>\n\
To: buyer@example.com\n\
Subject: Re: 退款\n\
Date: Mon, 9 Nov 2026 11:00:00 +0800\n\
\n\
已经处理，请查收\n\
> 我的退款还没到账\n\
\n";
    let p = write(dir.path(), "inbox.mbox", mbox.as_bytes());
    let opts = IngestOptions {
        shop: "myshop".into(),
        agent_addresses: vec!["CS@shop.cn".into()],
        ..Default::default()
    };
    let (s, sink) = read(&p, &opts);
    assert_eq!((s.format.as_str(), s.accepted), ("mbox", 2));
    let m = messages(&sink);
    assert_eq!(m[0].sender, Sender::Customer);
    assert_eq!(m[1].sender, Sender::Agent);
    assert_eq!(m[0].conversation_id, m[1].conversation_id);
    assert_eq!(m[1].customer_id.as_deref(), Some("buyer@example.com"));
    // Normalised text folds the line break; the raw text keeps it.
    assert_eq!(m[1].text, "Re: 退款 已经处理,请查收");
    assert_eq!(m[1].text_raw, "Re: 退款\n已经处理，请查收");
    assert_eq!(m[0].ts.to_rfc3339(), "2026-11-09T02:00:00+00:00");
    assert!(
        m.iter()
            .all(|m| m.channel == "email" && m.shop_id == "myshop")
    );
    // A single .eml file.
    let eml = mbox
        .split("\n\nFrom cs@shop.cn")
        .next()
        .unwrap()
        .split_once('\n')
        .unwrap()
        .1;
    let (s, _) = read(&write(dir.path(), "one.eml", eml.as_bytes()), &opts);
    assert_eq!((s.format.as_str(), s.accepted), ("eml", 1));
}
