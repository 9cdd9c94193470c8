//! `kefu report --xlsx`: the report as an Excel workbook a manager can forward.

use anyhow::Result;
use kefu_app::conversations::{ConversationRow, ROW_COLUMNS};

/// The report as an Excel workbook: a sheet per section (metric, value), the
/// breakdown when there is one, the readings, and one row per conversation.
pub fn write_xlsx(
    path: &std::path::Path,
    r: &kefu_app::Report,
    conversations: &[ConversationRow],
) -> Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let v = serde_json::to_value(r)?;
    let bold = Format::new().set_bold();
    let mut wb = Workbook::new();
    fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    flatten(&p, x, out);
                }
            }
            other => out.push((prefix.to_string(), other.clone())),
        }
    }
    fn put(
        ws: &mut rust_xlsxwriter::Worksheet,
        row: u32,
        col: u16,
        v: &serde_json::Value,
    ) -> Result<(), rust_xlsxwriter::XlsxError> {
        match v {
            serde_json::Value::Number(n) => ws
                .write_number(row, col, n.as_f64().unwrap_or(0.0))
                .map(|_| ()),
            serde_json::Value::Bool(b) => ws.write_boolean(row, col, *b).map(|_| ()),
            serde_json::Value::Null => Ok(()),
            serde_json::Value::String(s) => ws.write_string(row, col, s).map(|_| ()),
            other => ws.write_string(row, col, other.to_string()).map(|_| ()),
        }
    }
    for (sheet, key) in [
        ("咨询量 Volume", "volume"),
        ("响应 Response", "response"),
        ("解决 Resolution", "resolution"),
        ("满意度 Satisfaction", "satisfaction"),
        ("转化 Conversion", "conversion"),
        ("口径 Readings", "readings"),
        ("期间 Period", "period"),
    ] {
        let ws = wb.add_worksheet().set_name(sheet)?;
        ws.write_string_with_format(0, 0, "metric", &bold)?;
        ws.write_string_with_format(0, 1, "value", &bold)?;
        let mut rows = Vec::new();
        flatten("", &v[key], &mut rows);
        for (i, (k, x)) in rows.iter().enumerate() {
            ws.write_string(i as u32 + 1, 0, k)?;
            put(ws, i as u32 + 1, 1, x)?;
        }
        ws.set_column_width(0, 36)?;
    }
    if !r.breakdown.is_empty() {
        let ws = wb.add_worksheet().set_name("分组 Breakdown")?;
        let flat: Vec<Vec<(String, serde_json::Value)>> = r
            .breakdown
            .iter()
            .map(|b| {
                let mut o = Vec::new();
                flatten("", &serde_json::to_value(b).unwrap_or_default(), &mut o);
                o
            })
            .collect();
        let header: Vec<String> = flat[0].iter().map(|(k, _)| k.clone()).collect();
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
        }
        for (i, row) in flat.iter().enumerate() {
            for (c, (_, x)) in row.iter().enumerate() {
                put(ws, i as u32 + 1, c as u16, x)?;
            }
        }
    }
    let ws = wb.add_worksheet().set_name("会话 Conversations")?;
    let cols: Vec<&str> = ROW_COLUMNS.iter().map(|(name, _)| *name).collect();
    for (c, h) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    // Excel's sheet limit; the rest would be lost silently, so say so.
    const MAX_ROWS: usize = 1_048_575;
    if conversations.len() > MAX_ROWS {
        anyhow::bail!(
            "{} conversations do not fit one Excel sheet ({MAX_ROWS} rows): narrow the period or shop",
            conversations.len()
        );
    }
    for (i, r) in conversations.iter().enumerate() {
        let mut v = serde_json::to_value(r)?;
        if let Some(c) = v.get_mut("categories") {
            *c = serde_json::Value::String(r.categories.join(","));
        }
        for (c, k) in cols.iter().enumerate() {
            put(ws, i as u32 + 1, c as u16, &v[*k])?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    wb.save(path)?;
    Ok(())
}
