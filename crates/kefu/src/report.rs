//! `kefu report`: METRICS.md's KPIs over the store.
//!
//! The facts are Delta tables kept current by every ingest (`kefu_analytics::stored`);
//! a report only aggregates them with the KPI SQL.

use anyhow::Result;
use kefu_analytics::{GroupFacts, ReportQuery};
use kefu_model::Config;
use kefu_store::Store;

/// Every fact of the store, built in memory with each shop's configuration and the
/// timezone override.
pub async fn facts(store: &Store, cfg: &Config, tz_override: Option<&str>) -> Result<GroupFacts> {
    let cfg_of = |shop: &str| {
        let mut c = cfg.shop(shop).unwrap_or_default();
        if let Some(tz) = tz_override {
            c.timezone = tz.to_string();
        }
        c
    };
    Ok(kefu_analytics::stored::build_from_store(store, &cfg_of).await?)
}

/// Runs one report query over the stored facts; a timezone override rebuilds the
/// facts in memory (shop-local dates and hours are fixed when facts are stored).
pub async fn run(
    store: &Store,
    cfg: &Config,
    tz_override: Option<&str>,
    q: &ReportQuery,
) -> Result<kefu_analytics::Report> {
    let t = std::time::Instant::now();
    let ctx = match tz_override {
        None => store.session().await?,
        Some(_) => {
            let f = facts(store, cfg, tz_override).await?;
            tracing::info!(
                secs = t.elapsed().as_secs_f64(),
                conversations = f.conversations.len(),
                "facts built in memory for the timezone override"
            );
            let ctx = datafusion::prelude::SessionContext::new();
            kefu_analytics::register_facts(&ctx, &f)?;
            ctx
        }
    };
    let r = kefu_analytics::report(&ctx, q).await?;
    tracing::info!(secs = t.elapsed().as_secs_f64(), "report aggregated");
    Ok(r)
}

/// Drill-down rows (the API's `/conversations` columns) for a report's filters, an
/// optional SQL predicate, sorted, at most `limit`.
pub async fn conversation_rows(
    ctx: &datafusion::prelude::SessionContext,
    q: &ReportQuery,
    predicate: Option<&str>,
    sort: &str,
    desc: bool,
    limit: Option<usize>,
) -> Result<Vec<serde_json::Value>> {
    if !sort.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        anyhow::bail!("--sort takes a column name");
    }
    let mut w = q.conversation_filter();
    if let Some(p) = predicate {
        w = format!("{w} AND ({p})");
    }
    let sql = format!(
        "SELECT {} FROM conversation_facts WHERE {w} ORDER BY {sort} {} NULLS LAST, shop_id, conversation_id, cycle{}",
        kefu_analytics::kpi::CONVERSATION_ROW_COLUMNS,
        if desc { "DESC" } else { "ASC" },
        limit.map_or(String::new(), |n| format!(" LIMIT {n}"))
    );
    let opts = datafusion::execution::context::SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false);
    let batches = ctx.sql_with_options(&sql, opts).await?.collect().await?;
    match crate::output::batches_to_json(&batches)? {
        serde_json::Value::Array(v) => Ok(v),
        _ => Ok(Vec::new()),
    }
}

/// The report as an Excel workbook: a sheet per section (metric, value), the
/// breakdown when there is one, the readings, and one row per conversation.
pub fn write_xlsx(
    path: &std::path::Path,
    r: &kefu_analytics::Report,
    conversations: &[serde_json::Value],
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
    let cols = [
        "conversation_id",
        "cycle",
        "shop_id",
        "channel",
        "platform",
        "customer",
        "start",
        "end",
        "first_agent",
        "last_agent",
        "frt_secs",
        "rounds_human",
        "rounds_unanswered",
        "resolved",
        "csat",
        "converted",
        "categories",
    ];
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
        for (c, k) in cols.iter().enumerate() {
            put(ws, i as u32 + 1, c as u16, &r[*k])?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    wb.save(path)?;
    Ok(())
}
