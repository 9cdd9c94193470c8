//! Hostile and broken input (issue #19): per-row encodings, UTF-16 without BOM,
//! workbook bombs, field caps, e-mail caps and mapping checks. Each bad input ends
//! as a clear error or a quarantined row; the good rows around it load.

use crate::*;
use kefu_ingest::limits::IngestLimits;
use kefu_ingest::mapping::Mapping;
use kefu_ingest::{Format, IngestError};
use std::io::Write;

const HEAD: &str = "conversation_id,ts,sender,text\n";

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

fn try_read(
    path: &std::path::Path,
    opts: &IngestOptions,
) -> Result<(FileSummary, VecSink), IngestError> {
    let mut sink = VecSink::default();
    read_file(path, opts, &mut sink).map(|s| (s, sink))
}

fn with_limits(f: impl FnOnce(&mut IngestLimits)) -> IngestOptions {
    let mut opts = IngestOptions::default();
    f(&mut opts.limits);
    opts
}

// ---- 1. Encoding per row ----------------------------------------------------

#[test]
fn a_utf8_file_with_one_gbk_row_loads_all_101_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = HEAD.as_bytes().to_vec();
    for i in 0..100 {
        bytes.extend(format!("c{i},2026-11-11 10:00:00,customer,第{i}条：快递到哪了\n").as_bytes());
    }
    bytes.extend(gbk("c100,2026-11-11 10:00:00,customer,我要退款，谢谢\n"));
    let p = write(dir.path(), "mixed.csv", &bytes);
    let (s, sink) = read(&p, &IngestOptions::default());
    assert_eq!(
        (s.rows_read, s.accepted, s.quarantined),
        (101, 101, 0),
        "{:?}",
        sink.quarantined
    );
    assert_eq!(s.encoding, "UTF-8+gb18030");
    let m = messages(&sink);
    assert_eq!(m[0].text_raw, "第0条：快递到哪了");
    assert_eq!(m[100].text_raw, "我要退款，谢谢");
    assert!(m.iter().all(|m| !m.text_raw.contains('\u{fffd}')));
}

#[test]
fn a_gbk_file_with_one_utf8_row_loads_every_row_right() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = gbk(HEAD);
    for i in 0..30 {
        bytes.extend(gbk(&format!(
            "c{i},2026-11-11 10:00:00,customer,发票怎么开，第{i}单\n"
        )));
    }
    bytes.extend("u1,2026-11-11 10:00:00,agent,亲，已经在派送了\n".as_bytes());
    let p = write(dir.path(), "gbk.csv", &bytes);
    let (s, sink) = read(&p, &IngestOptions::default());
    assert_eq!((s.rows_read, s.accepted, s.quarantined), (31, 31, 0));
    let m = messages(&sink);
    assert_eq!(m[7].text_raw, "发票怎么开，第7单");
    assert_eq!(m[30].text_raw, "亲，已经在派送了");
}

#[test]
fn a_row_valid_in_neither_encoding_alone_is_quarantined_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = HEAD.as_bytes().to_vec();
    bytes.extend("c1,2026-11-11 10:00:00,customer,你好\n".as_bytes());
    bytes.extend(b"c2,2026-11-11 10:00:00,customer,bad \xFF\xFF\xFF bytes\n");
    bytes.extend(gbk("c3,2026-11-11 10:00:00,customer,再见\n"));
    let p = write(dir.path(), "broken.csv", &bytes);
    let (s, sink) = read(&p, &IngestOptions::default());
    assert_eq!((s.rows_read, s.accepted, s.quarantined), (3, 2, 1));
    let q = &sink.quarantined[0];
    assert_eq!(q.source_row, 2);
    assert!(q.reason.starts_with("broken encoding"), "{}", q.reason);
    assert!(!q.raw.contains('\u{fffd}'), "{}", q.raw);
    assert!(q.raw.contains("bad \\xFF\\xFF\\xFF bytes"), "{}", q.raw);
    let m = messages(&sink);
    assert_eq!(
        (m[0].text_raw.as_str(), m[1].text_raw.as_str()),
        ("你好", "再见")
    );
}

#[test]
fn json_lines_are_decoded_line_by_line_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    bytes.extend(gbk(
        r#"{"conversation_id":"c1","ts":"2026-11-11 10:00:00","sender":"customer","text":"发票怎么开"}"#,
    ));
    bytes.push(b'\n');
    bytes.extend(
        r#"{"conversation_id":"c2","ts":"2026-11-11 10:00:00","sender":"customer","text":"快递到哪了"}"#
            .as_bytes(),
    );
    bytes.push(b'\n');
    bytes.extend(b"{\"text\":\"\xFF\xFF\"}\n");
    let p = write(dir.path(), "m.jsonl", &bytes);
    let (s, sink) = read(&p, &IngestOptions::default());
    assert_eq!((s.rows_read, s.accepted, s.quarantined), (3, 2, 1));
    let m = messages(&sink);
    assert_eq!(
        (m[0].text_raw.as_str(), m[1].text_raw.as_str()),
        ("发票怎么开", "快递到哪了")
    );
    assert!(sink.quarantined[0].reason.starts_with("broken encoding"));
    assert!(!sink.quarantined[0].raw.contains('\u{fffd}'));
}

// ---- 2. UTF-16 without BOM --------------------------------------------------

#[test]
fn utf16_without_bom_le_and_be_is_detected_and_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEAD}c1,2026-11-11 10:00:00,customer,发票怎么开\nc2,2026-11-11 10:01:00,agent,稍等\n"
    )
    .replace(',', "\t");
    for (name, bytes, enc) in [
        (
            "le.txt",
            text.encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<u8>>(),
            "UTF-16LE (no BOM)",
        ),
        (
            "be.txt",
            text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
            "UTF-16BE (no BOM)",
        ),
    ] {
        let p = write(dir.path(), name, &bytes);
        let (s, sink) = read(&p, &IngestOptions::default());
        assert_eq!(
            (s.encoding.as_str(), s.accepted, s.quarantined),
            (enc, 2, 0),
            "{name}"
        );
        let m = messages(&sink);
        assert_eq!(m[0].text_raw, "发票怎么开", "{name}");
        assert_eq!(m[1].conversation_id, "c2", "{name}");
        assert_eq!(kefu_ingest::read_header(&p).unwrap()[0], "conversation_id");
    }
}

// ---- 3. Workbook bombs ------------------------------------------------------

/// A minimal xlsx: one sheet of inline strings, and the given sharedStrings.xml.
fn xlsx(shared: &[u8], sheet_pad: usize) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let rows = [
        ["conversation_id", "ts", "sender", "text"],
        ["c1", "2026-11-11 10:00:00", "customer", "在吗"],
    ];
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, v) in row.iter().enumerate() {
            let col = (b'A' + c as u8) as char;
            sheet.push_str(&format!(
                r#"<c r="{col}{}" t="inlineStr"><is><t>{v}</t></is></c>"#,
                r + 1
            ));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str(&" ".repeat(sheet_pad));
    sheet.push_str("</sheetData></worksheet>");
    let parts: [(&str, &[u8]); 6] = [
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        ),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ("xl/sharedStrings.xml", shared),
    ];
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        w.start_file(name, deflated).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn shared_strings(attrs: &str, n: usize) -> Vec<u8> {
    let mut s = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" {attrs}>"#
    );
    for i in 0..n {
        s.push_str(&format!("<si><t>{i}</t></si>"));
    }
    s.push_str("</sst>");
    s.into_bytes()
}

fn excel_opts() -> IngestOptions {
    IngestOptions {
        format: Some(Format::Excel),
        ..Default::default()
    }
}

#[test]
fn a_hand_built_workbook_within_the_limits_loads() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "ok.xlsx",
        &xlsx(&shared_strings(r#"count="3" uniqueCount="3""#, 3), 0),
    );
    let (s, sink) = read(&p, &excel_opts());
    assert_eq!((s.rows_read, s.accepted), (1, 1));
    assert_eq!(messages(&sink)[0].text_raw, "在吗");
}

#[test]
fn a_workbook_declaring_50m_shared_strings_is_refused_before_calamine() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = xlsx(
        &shared_strings(r#"count="50000000" uniqueCount="50000000""#, 2),
        0,
    );
    let p = write(dir.path(), "bomb.xlsx", &bomb);
    let err = try_read(&p, &excel_opts())
        .map(|r| r.0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("bomb.xlsx"), "{err}");
    assert!(err.contains("declares 50000000 strings"), "{err}");
    assert!(err.contains("limit of 5000000 shared strings"), "{err}");
    // --suggest-mapping reads the header through the same guard.
    let err = kefu_ingest::read_header(&p).unwrap_err().to_string();
    assert!(err.contains("5000000"), "{err}");
}

#[test]
fn shared_strings_are_counted_whatever_the_attributes_say() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "liar.xlsx",
        &xlsx(&shared_strings(r#"count="1""#, 30), 0),
    );
    let opts = IngestOptions {
        format: Some(Format::Excel),
        limits: IngestLimits {
            max_xlsx_shared_strings: 20,
            ..Default::default()
        },
        ..Default::default()
    };
    let err = try_read(&p, &opts).map(|r| r.0).unwrap_err().to_string();
    assert!(err.contains("holds at least 30 strings"), "{err}");
}

#[test]
fn a_highly_compressible_entry_is_refused_as_a_zip_bomb() {
    let dir = tempfile::tempdir().unwrap();
    // 8 MiB of spaces inside the sheet deflate to a few KiB.
    let p = write(
        dir.path(),
        "ratio.xlsx",
        &xlsx(&shared_strings("", 0), 8 << 20),
    );
    assert!(std::fs::metadata(&p).unwrap().len() < 200_000);
    let err = try_read(&p, &excel_opts())
        .map(|r| r.0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("xl/worksheets/sheet1.xml"), "{err}");
    assert!(err.contains("compression-ratio limit of 100:1"), "{err}");
}

#[test]
fn a_workbook_over_the_total_size_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "big.xlsx", &xlsx(&shared_strings("", 0), 0));
    let opts = IngestOptions {
        format: Some(Format::Excel),
        limits: IngestLimits {
            max_xlsx_uncompressed_bytes: 1000,
            ..Default::default()
        },
        ..Default::default()
    };
    let err = try_read(&p, &opts).map(|r| r.0).unwrap_err().to_string();
    assert!(
        err.contains("big.xlsx") && err.contains("over the limit of 1000 bytes"),
        "{err}"
    );
}

#[test]
fn cells_at_a1_and_xfd1048576_do_not_allocate_the_whole_grid() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("far.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, v) in ["conversation_id", "ts", "sender", "text"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *v).unwrap();
    }
    for (c, v) in ["c1", "2026-11-11 10:00:00", "customer", "你好"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    ws.write_string(1_048_575, 16_383, "far away").unwrap();
    wb.save(&p).unwrap();
    let (s, sink) = read(&p, &excel_opts());
    assert_eq!((s.rows_read, s.accepted, s.quarantined), (2, 1, 1));
    assert_eq!(messages(&sink)[0].text_raw, "你好");
}

// ---- 4. Field size cap ------------------------------------------------------

#[test]
fn a_field_over_1_mib_quarantines_its_row_only() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "长".repeat((1 << 20) / 3 + 1);
    let body = format!(
        "{HEAD}c1,2026-11-11 10:00:00,customer,在吗\nc2,2026-11-11 10:00:00,customer,{huge}\nc3,2026-11-11 10:00:00,customer,再见\n"
    );
    let p = write(dir.path(), "huge.csv", body.as_bytes());
    let (s, sink) = read(&p, &IngestOptions::default());
    assert_eq!((s.rows_read, s.accepted, s.quarantined), (3, 2, 1));
    let q = &sink.quarantined[0];
    assert_eq!(q.source_row, 2);
    assert!(
        q.reason.starts_with("field over 1048576 bytes"),
        "{}",
        q.reason
    );
    assert!(q.reason.contains("'text'"), "{}", q.reason);
    assert!(q.raw.len() < 5000, "the quarantined raw text is cut");
}

#[test]
fn the_field_cap_is_configurable_and_covers_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let opts = with_limits(|l| l.max_field_bytes = 100);
    let long = "x".repeat(101);
    let csv = format!(
        "{HEAD}c1,2026-11-11 10:00:00,customer,{long}\nc2,2026-11-11 10:00:00,customer,ok\n"
    );
    let (s, sink) = read(&write(dir.path(), "f.csv", csv.as_bytes()), &opts);
    assert_eq!((s.accepted, s.quarantined), (1, 1));
    assert!(
        sink.quarantined[0]
            .reason
            .starts_with("field over 100 bytes")
    );
    let jsonl = format!(
        "{{\"conversation_id\":\"c1\",\"ts\":\"2026-11-11 10:00:00\",\"sender\":\"customer\",\"text\":\"{long}\"}}\n\
         {{\"conversation_id\":\"c2\",\"ts\":\"2026-11-11 10:00:00\",\"sender\":\"customer\",\"text\":\"ok\"}}\n"
    );
    let (s, sink) = read(&write(dir.path(), "f.jsonl", jsonl.as_bytes()), &opts);
    assert_eq!((s.accepted, s.quarantined), (1, 1));
    assert!(
        sink.quarantined[0]
            .reason
            .starts_with("field over 100 bytes")
    );
}

#[test]
fn an_unclosed_quote_is_not_read_into_memory_past_the_row_cap() {
    let dir = tempfile::tempdir().unwrap();
    let opts = with_limits(|l| {
        l.max_field_bytes = 1000;
        l.max_row_bytes = 4000;
    });
    let mut body = format!(
        "{HEAD}c1,2026-11-11 10:00:00,customer,好\nc2,2026-11-11 10:00:00,customer,\"never closed "
    );
    for i in 0..2000 {
        body.push_str(&format!("c{i},2026-11-11 10:00:00,customer,lost\n"));
    }
    let (s, sink) = read(&write(dir.path(), "quote.csv", body.as_bytes()), &opts);
    assert_eq!((s.rows_read, s.accepted, s.quarantined), (2, 1, 1));
    let q = &sink.quarantined[0];
    assert!(
        q.reason.starts_with("field over 1000 bytes"),
        "{}",
        q.reason
    );
    assert!(
        q.raw.starts_with("c2,2026-11-11 10:00:00,customer"),
        "{}",
        q.raw
    );
}

// ---- 5. E-mail --------------------------------------------------------------

fn mail(id: &str, date: &str, body: &str) -> String {
    format!(
        "Message-ID: <{id}@example.com>\nFrom: Buyer <buyer@example.com>\nTo: cs@shop.cn\nSubject: 退款\n{date}\n\n{body}\n"
    )
}

const DATE: &str = "Date: Mon, 9 Nov 2026 10:00:00 +0800";

#[test]
fn a_message_over_the_size_cap_is_quarantined_and_the_next_read() {
    let dir = tempfile::tempdir().unwrap();
    let opts = with_limits(|l| l.max_email_bytes = 2000);
    let mbox = format!(
        "From a@x Mon Nov  9 10:00:00 2026\n{}From b@x Mon Nov  9 11:00:00 2026\n{}",
        mail("big", DATE, &"很长的正文\n".repeat(300)),
        mail("small", DATE, "我的退款还没到账")
    );
    let (s, sink) = read(&write(dir.path(), "in.mbox", mbox.as_bytes()), &opts);
    assert_eq!((s.rows_read, s.accepted, s.quarantined), (2, 1, 1));
    assert_eq!(sink.quarantined[0].source_row, 1);
    assert!(
        sink.quarantined[0]
            .reason
            .starts_with("message over 2000 bytes"),
        "{}",
        sink.quarantined[0].reason
    );
    assert!(sink.quarantined[0].raw.len() <= 2000 * 4);
    assert_eq!(messages(&sink)[0].text_raw, "退款\n我的退款还没到账");
    // An .eml over the cap is quarantined without being read whole.
    let eml = mail("big", DATE, &"x".repeat(5000));
    let (s, sink) = read(&write(dir.path(), "big.eml", eml.as_bytes()), &opts);
    assert_eq!((s.rows_read, s.quarantined), (1, 1));
    assert!(
        sink.quarantined[0]
            .reason
            .contains("message over 2000 bytes")
    );
}

#[test]
fn a_message_with_over_1000_mime_parts_is_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::new();
    for i in 0..1001 {
        body.push_str(&format!("--b\nContent-Type: text/plain\n\npart {i}\n"));
    }
    body.push_str("--b--\n");
    let msg = format!(
        "Message-ID: <parts@example.com>\nFrom: buyer@example.com\n{DATE}\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n{body}"
    );
    let mbox = format!(
        "From a@x Mon Nov  9 10:00:00 2026\n{msg}From b@x Mon Nov  9 11:00:00 2026\n{}",
        mail("ok", DATE, "在吗")
    );
    let (s, sink) = read(
        &write(dir.path(), "parts.mbox", mbox.as_bytes()),
        &IngestOptions::default(),
    );
    assert_eq!((s.accepted, s.quarantined), (1, 1));
    let r = &sink.quarantined[0].reason;
    assert!(r.starts_with("message over 1000 MIME parts"), "{r}");
}

#[test]
fn decoded_bodies_over_the_cap_are_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let opts = with_limits(|l| l.max_email_decoded_bytes = 100);
    let eml = mail("long", DATE, &"正文".repeat(100));
    let (s, sink) = read(&write(dir.path(), "long.eml", eml.as_bytes()), &opts);
    assert_eq!((s.accepted, s.quarantined), (0, 1));
    assert!(
        sink.quarantined[0]
            .reason
            .starts_with("message bodies over 100 bytes decoded"),
        "{}",
        sink.quarantined[0].reason
    );
}

#[test]
fn an_mbox_without_from_lines_is_an_error_not_zero_rows() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "one.mbox", mail("a", DATE, "在吗").as_bytes());
    let err = try_read(&p, &IngestOptions::default())
        .map(|r| r.0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no `From ` separator lines: not an mbox file?"),
        "{err}"
    );
    assert!(err.contains("one.mbox"), "{err}");
    // An empty mailbox is empty, not an error.
    let (s, _) = read(
        &write(dir.path(), "empty.mbox", b"\n"),
        &IngestOptions::default(),
    );
    assert_eq!(s.rows_read, 0);
}

#[test]
fn text_before_the_first_from_line_is_quarantined_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = format!(
        "stray text\nFrom a@x Mon Nov  9 10:00:00 2026\n{}",
        mail("a", DATE, "在吗")
    );
    let (s, sink) = read(
        &write(dir.path(), "lead.mbox", mbox.as_bytes()),
        &IngestOptions::default(),
    );
    assert_eq!((s.rows_read, s.accepted, s.quarantined), (2, 1, 1));
    assert!(
        sink.quarantined[0]
            .reason
            .starts_with("text before the first `From ` line")
    );
    assert_eq!(sink.quarantined[0].raw, "stray text\n");
}

#[test]
fn an_unparseable_date_header_is_not_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = format!(
        "From a@x Mon Nov  9 10:00:00 2026\n{}From b@x Mon Nov  9 10:00:00 2026\n{}",
        mail("bad", "Date: next tuesday", "在吗"),
        mail("none", "X-Note: no date", "在吗")
    );
    let (s, sink) = read(
        &write(dir.path(), "dates.mbox", mbox.as_bytes()),
        &IngestOptions::default(),
    );
    assert_eq!((s.accepted, s.quarantined), (0, 2));
    assert_eq!(
        reasons(&sink.quarantined),
        vec![
            (1, "unparseable Date header: next tuesday".to_string()),
            (2, "missing required field ts (no Date header)".to_string()),
        ]
    );
}

// ---- 6. Mappings ------------------------------------------------------------

#[test]
fn a_mapping_naming_an_absent_column_fails_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let m = Mapping::parse(
        r#"
name = "mine"
table = "messages"
[columns]
conversation_id = "会话ID"
ts = "发送时间"
sender = "发送方"
text = "消息内容"
agent_id = ["客服名", "客服"]
"#,
    )
    .unwrap();
    let csv =
        "会话ID,发送时间,发送方,客服昵称,消息内容\nC1,2026-11-11 10:00:00,customer,小美,在吗\n";
    let p = write(dir.path(), "e.csv", csv.as_bytes());
    let opts = IngestOptions {
        mapping: Some(m.clone()),
        ..Default::default()
    };
    let err = try_read(&p, &opts).map(|r| r.0).unwrap_err();
    assert!(matches!(err, IngestError::Mapping { .. }), "{err}");
    let err = err.to_string();
    assert!(
        err.contains("'客服名' / '客服'") && err.contains("agent_id"),
        "{err}"
    );
    assert!(
        err.contains("会话ID,发送时间,发送方,客服昵称,消息内容"),
        "{err}"
    );
    // Listed as optional, the absent column is fine.
    let mut lenient = m;
    lenient.optional = vec!["agent_id".into()];
    let (s, _) = read(
        &p,
        &IngestOptions {
            mapping: Some(lenient),
            ..Default::default()
        },
    );
    assert_eq!(s.accepted, 1);
}

#[test]
fn a_bad_timestamp_format_fails_once_up_front() {
    let toml = |f: &str| {
        format!(
            "name = \"t\"\ntable = \"messages\"\n[columns]\nconversation_id = \"c\"\nts = \"t\"\nsender = \"s\"\ntext = \"x\"\n[timestamp]\nformat = \"{f}\"\n"
        )
    };
    for (f, why) in [
        ("%Y-%m-%d %Q", "not a strftime pattern"),
        ("%Y-%m-%d %", "not a strftime pattern"),
        ("%H:%M", "does not read back"),
        ("yyyy-mm-dd", "does not read back"),
    ] {
        let err = Mapping::parse(&toml(f)).unwrap_err().to_string();
        assert!(
            err.contains(&format!("bad timestamp format '{f}'")) && err.contains(why),
            "{f}: {err}"
        );
    }
    // A mapping built in code is checked when it meets the file: one error, not a
    // quarantine per row.
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.csv",
        b"c,t,s,x\nc1,2026-11-11,customer,hi\nc2,2026-11-12,customer,yo\n",
    );
    let mut m = Mapping::parse(&toml("%d/%m/%Y")).unwrap();
    m.timestamp.format = "%Y-%q".into();
    let opts = IngestOptions {
        mapping: Some(m.clone()),
        ..Default::default()
    };
    let err = try_read(&p, &opts).map(|r| r.0).unwrap_err().to_string();
    assert!(err.contains("bad timestamp format '%Y-%q'"), "{err}");
    // A date-only pattern reads each day's midnight in shop time.
    m.timestamp.format = "%Y-%m-%d".into();
    let (s, sink) = read(
        &p,
        &IngestOptions {
            mapping: Some(m),
            ..Default::default()
        },
    );
    assert_eq!((s.accepted, s.quarantined), (2, 0));
    assert_eq!(
        messages(&sink)[0].ts.to_rfc3339(),
        "2026-11-10T16:00:00+00:00"
    );
}
