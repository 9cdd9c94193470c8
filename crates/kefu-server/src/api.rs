//! `/api/v1`: the report contract, series, heatmap, distributions, breakdowns,
//! complaints, drill-down lists and transcripts, self-service SQL, and the OpenAPI
//! document describing them (see crates/kefu-server/API.md).

use crate::{ApiError, AppState};
use arrow::array::RecordBatch;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use datafusion::execution::context::SQLOptions;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use kefu_analytics::{Breakdown, ReportQuery, kpi};
use kefu_model::Config;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use utoipa::{IntoParams, OpenApi, ToSchema};

type ApiResult<T = Json<Value>> = Result<T, ApiError>;
type St = State<Arc<AppState>>;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/meta", get(meta))
        .route("/overview", get(overview))
        .route("/series", get(series))
        .route("/heatmap", get(heatmap))
        .route("/distribution", get(distribution))
        .route("/breakdown", get(breakdown))
        .route("/complaints", get(complaints))
        .route("/conversations", get(conversations))
        .route("/conversations/{id}", get(conversation))
        .route("/sql", post(sql))
        .route("/openapi.json", get(openapi))
        .route("/docs", get(docs))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kefu API",
        description = "Customer-service analytics of the shops in one kefu data directory. Every route needs `Authorization: Bearer <token>` when the server was started with --token."
    ),
    paths(
        meta,
        overview,
        series,
        heatmap,
        distribution,
        breakdown,
        complaints,
        conversations,
        conversation,
        sql
    ),
    components(schemas(
        crate::error::ErrorBody,
        SeriesOut,
        Point,
        HeatmapOut,
        DistributionOut,
        Bucket,
        ConversationRow,
        ConversationList,
        SqlIn,
        SqlOut,
        MetaOut,
        ShopMeta,
        DateRange
    ))
)]
struct ApiDoc;

/// Filters every read takes (API.md).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// First shop-local date, `YYYY-MM-DD`, inclusive.
    from: Option<String>,
    /// Last shop-local date, inclusive.
    to: Option<String>,
    shop: Option<String>,
    channel: Option<String>,
    agent: Option<String>,
    /// Complaint category label.
    category: Option<String>,
    /// `start` (default) or `event`.
    cohort: Option<String>,
    /// IANA timezone for this answer (facts are rebuilt in memory for it).
    tz: Option<String>,
}

fn none_if_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn date(name: &str, v: &Option<String>) -> ApiResult<Option<NaiveDate>> {
    none_if_empty(v)
        .map(|s| {
            NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| {
                ApiError::bad_request(format!("{name}: '{s}' is not a date (YYYY-MM-DD)"))
            })
        })
        .transpose()
}

impl Filters {
    fn query(&self, cfg: &Config) -> ApiResult<ReportQuery> {
        let (from, to) = (date("from", &self.from)?, date("to", &self.to)?);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(ApiError::bad_request(format!(
                "from ({f}) is after to ({t})"
            )));
        }
        let cohort = match none_if_empty(&self.cohort).as_deref() {
            None => None,
            Some("start") => Some(kefu_model::config::Cohort::Start),
            Some("event") => Some(kefu_model::config::Cohort::Event),
            Some(o) => {
                return Err(ApiError::bad_request(format!(
                    "cohort: '{o}' is not one of start, event"
                )));
            }
        };
        let shop = none_if_empty(&self.shop);
        let mut shop_cfg = cfg
            .shop(shop.as_deref().unwrap_or(""))
            .map_err(|e| ApiError::internal(e.to_string()))?;
        if let Some(tz) = none_if_empty(&self.tz) {
            kefu_model::config::parse_tz(&tz)
                .map_err(|e| ApiError::bad_request(format!("tz: {e}")))?;
            shop_cfg.timezone = tz;
        }
        Ok(ReportQuery {
            from,
            to,
            shop,
            channel: none_if_empty(&self.channel),
            agent: none_if_empty(&self.agent),
            category: none_if_empty(&self.category),
            cohort,
            by: None,
            readings: kefu_analytics::Readings::from(&shop_cfg),
        })
    }
}

/// The session to answer from: the stored facts, or facts rebuilt in memory when the
/// request asks for another timezone than the one they were stored in.
async fn session(state: &AppState, f: &Filters) -> ApiResult<(Arc<SessionContext>, Arc<Config>)> {
    let (ctx, cfg) = state.ctx().await?;
    let Some(tz) = none_if_empty(&f.tz) else {
        return Ok((ctx, cfg));
    };
    let stored_tz = cfg
        .shop(none_if_empty(&f.shop).as_deref().unwrap_or(""))
        .map(|c| c.timezone)
        .unwrap_or_default();
    if tz == stored_tz {
        return Ok((ctx, cfg));
    }
    kefu_model::config::parse_tz(&tz).map_err(|e| ApiError::bad_request(format!("tz: {e}")))?;
    let c = cfg.clone();
    let cfg_of = move |shop: &str| {
        let mut s = c.shop(shop).unwrap_or_default();
        s.timezone = tz.clone();
        s
    };
    let facts = kefu_analytics::stored::build_from_store(state.store(), &cfg_of)
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let mem = SessionContext::new();
    kefu_analytics::register_facts(&mem, &facts)?;
    // Source tables stay available (complaints, transcripts).
    for t in ["messages", "orders", "surveys", "reviews"] {
        if let Ok(p) = ctx.table_provider(t).await {
            mem.register_table(t, p)?;
        }
    }
    Ok((Arc::new(mem), cfg))
}

/// Answers from the cache when this exact request was answered on this snapshot.
async fn cached<F, Fut>(state: &AppState, uri: &OriginalUri, f: F) -> ApiResult
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<Value>>,
{
    state.ctx().await?; // renews the snapshot (and clears the cache) when needed
    let key = cache_key(&uri.0);
    if let Some(v) = state.cached(&key) {
        return Ok(Json((*v).clone()));
    }
    let v = f().await?;
    state.remember(key, Arc::new(v.clone()));
    Ok(Json(v))
}

/// The path with its query parameters sorted: the same view asked with its
/// parameters in another order is the same answer.
pub(crate) fn cache_key(uri: &axum::http::Uri) -> String {
    let mut pairs: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    pairs.sort_unstable();
    format!("{}?{}", uri.path(), pairs.join("&"))
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Rows of a query as JSON objects.
async fn json_rows(ctx: &SessionContext, sql: &str) -> ApiResult<Vec<Value>> {
    let batches = ctx.sql(sql).await?.collect().await?;
    batches_json(&batches)
}

fn batches_json(batches: &[RecordBatch]) -> ApiResult<Vec<Value>> {
    let mut w = arrow::json::ArrayWriter::new(Vec::new());
    for b in batches {
        w.write(b).map_err(|e| ApiError::internal(e.to_string()))?;
    }
    w.finish().map_err(|e| ApiError::internal(e.to_string()))?;
    let bytes = w.into_inner();
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(serde_json::from_slice(&bytes)?)
}

// ---------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
struct ShopMeta {
    id: String,
    timezone: String,
}

#[derive(Serialize, ToSchema)]
struct DateRange {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct MetaOut {
    shops: Vec<ShopMeta>,
    channels: Vec<String>,
    agents: Vec<String>,
    categories: Vec<String>,
    date_range: DateRange,
}

async fn strings(ctx: &SessionContext, sql: &str) -> ApiResult<Vec<String>> {
    Ok(json_rows(ctx, sql)
        .await?
        .into_iter()
        .filter_map(|r| r.get("v").and_then(|v| v.as_str()).map(str::to_string))
        .collect())
}

/// Shops, channels, agents, categories and the data's date range (for filter menus).
#[utoipa::path(get, path = "/api/v1/meta", responses((status = 200, body = MetaOut)))]
async fn meta(State(state): St, uri: OriginalUri) -> ApiResult {
    cached(&state, &uri, || async {
        let (ctx, cfg) = state.ctx().await?;
        let shops = strings(&ctx, "SELECT DISTINCT shop_id AS v FROM messages ORDER BY v").await?;
        let range = json_rows(
            &ctx,
            "SELECT CAST(min(conv_local_date) AS VARCHAR) AS f, CAST(max(conv_local_date) AS VARCHAR) AS t FROM conversation_facts",
        )
        .await?;
        let r0 = range.first().cloned().unwrap_or_default();
        let out = MetaOut {
            shops: shops
                .into_iter()
                .map(|id| ShopMeta {
                    timezone: cfg.shop(&id).map(|c| c.timezone).unwrap_or_default(),
                    id,
                })
                .collect(),
            channels: strings(&ctx, "SELECT DISTINCT channel AS v FROM conversation_facts ORDER BY v").await?,
            agents: strings(
                &ctx,
                "SELECT DISTINCT agent_id AS v FROM messages WHERE agent_id IS NOT NULL AND sender = 'agent' ORDER BY v",
            )
            .await?,
            categories: strings(
                &ctx,
                "SELECT DISTINCT v FROM (SELECT unnest(string_to_array(categories, ',')) AS v FROM conversation_facts WHERE categories IS NOT NULL) ORDER BY v",
            )
            .await?,
            date_range: DateRange {
                from: r0.get("f").and_then(|v| v.as_str()).map(str::to_string),
                to: r0.get("t").and_then(|v| v.as_str()).map(str::to_string),
            },
        };
        Ok(serde_json::to_value(out)?)
    })
    .await
}

/// The report contract of `kefu report --json` for the filters.
#[utoipa::path(get, path = "/api/v1/overview", params(Filters),
    responses((status = 200, description = "the report (issue 3 contract)", body = Object), (status = 400, body = crate::error::ErrorBody)))]
async fn overview(State(state): St, uri: OriginalUri, Query(f): Query<Filters>) -> ApiResult {
    cached(&state, &uri, || async {
        let (ctx, cfg) = session(&state, &f).await?;
        let q = f.query(&cfg)?;
        Ok(serde_json::to_value(
            kefu_analytics::report(&ctx, &q).await?,
        )?)
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SeriesParams {
    /// conversations, customers, customer_messages, agent_messages, frt_p50, frt_mean,
    /// response_p50, three_min_rate, not_served_rate, resolution_rate, csat_pct,
    /// dissatisfied_pct, conversion_rate, inquiries, sentiment_mean, negative_share
    metric: Option<String>,
    /// hour, day (default), week, month, hour_of_day
    grain: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct Point {
    t: String,
    value: Option<f64>,
}

#[derive(Serialize, ToSchema)]
struct SeriesOut {
    metric: String,
    grain: String,
    points: Vec<Point>,
}

/// Where a series metric sits in a report body.
fn metric_pointer(metric: &str) -> Option<&'static str> {
    Some(match metric {
        "conversations" => "/volume/conversations",
        "customers" => "/volume/customers",
        "customer_messages" => "/volume/customer_messages",
        "agent_messages" => "/volume/agent_messages",
        "frt_p50" => "/response/frt_secs/p50",
        "frt_mean" => "/response/frt_secs/mean",
        "response_p50" => "/response/response_secs/p50",
        "three_min_rate" => "/response/three_min_rate",
        "not_served_rate" => "/response/not_served_rate",
        "resolution_rate" => "/resolution/rate",
        "csat_pct" => "/satisfaction/csat_pct",
        "dissatisfied_pct" => "/satisfaction/dissatisfied_pct",
        "conversion_rate" => "/conversion/rate",
        "inquiries" => "/conversion/inquiries",
        _ => return None,
    })
}

/// Any metric by hour, day, week, month or hour of day.
#[utoipa::path(get, path = "/api/v1/series", params(Filters, SeriesParams),
    responses((status = 200, body = SeriesOut), (status = 400, body = crate::error::ErrorBody)))]
async fn series(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<Filters>,
    Query(p): Query<SeriesParams>,
) -> ApiResult {
    let metric = p.metric.clone().unwrap_or_else(|| "conversations".into());
    let grain = p.grain.clone().unwrap_or_else(|| "day".into());
    let by = match grain.as_str() {
        "hour" => Breakdown::DateHour,
        "day" => Breakdown::Day,
        "week" => Breakdown::Week,
        "month" => Breakdown::Month,
        "hour_of_day" => Breakdown::Hour,
        o => {
            return Err(ApiError::bad_request(format!(
                "grain: '{o}' is not one of hour, day, week, month, hour_of_day"
            )));
        }
    };
    let sentiment = matches!(metric.as_str(), "sentiment_mean" | "negative_share");
    if !sentiment && metric_pointer(&metric).is_none() {
        return Err(ApiError::bad_request(format!(
            "metric: unknown metric '{metric}'"
        )));
    }
    cached(&state, &uri, || async {
        let (ctx, cfg) = session(&state, &f).await?;
        let mut q = f.query(&cfg)?;
        let points = if sentiment {
            sentiment_points(&ctx, &q, &grain, &metric).await?
        } else {
            q.by = Some(by);
            // The breakdown rows alone: the overall body and complaints of a full
            // report would double the work for nothing here.
            let rows = kefu_analytics::kpi::breakdown(&ctx, &q).await?;
            let ptr = metric_pointer(&metric).expect("checked above");
            let mut pts = Vec::new();
            for row in rows {
                let v = serde_json::to_value(&row)?;
                pts.push(Point {
                    t: row.key,
                    value: v.pointer(ptr).and_then(|x| x.as_f64()),
                });
            }
            pts
        };
        Ok(serde_json::to_value(SeriesOut {
            metric: metric.clone(),
            grain: grain.clone(),
            points,
        })?)
    })
    .await
}

use kefu_analytics::complaints::{NEGATIVE_BELOW, message_filter};

async fn sentiment_points(
    ctx: &SessionContext,
    q: &ReportQuery,
    grain: &str,
    metric: &str,
) -> ApiResult<Vec<Point>> {
    let key = match grain {
        "day" => "CAST(local_date AS VARCHAR)",
        "week" => {
            "CAST(CAST(date_trunc('week', CAST(local_date AS TIMESTAMP)) AS DATE) AS VARCHAR)"
        }
        "month" => "substr(CAST(local_date AS VARCHAR), 1, 7)",
        o => {
            return Err(ApiError::bad_request(format!(
                "grain: sentiment series are by day, week or month, not '{o}'"
            )));
        }
    };
    let val = if metric == "sentiment_mean" {
        "avg(sentiment)".to_string()
    } else {
        format!("avg(CASE WHEN sentiment < {NEGATIVE_BELOW} THEN 1.0 ELSE 0.0 END)")
    };
    let sql = format!(
        "SELECT {key} AS t, CAST({val} AS DOUBLE) AS value FROM messages WHERE {} GROUP BY 1 ORDER BY 1",
        message_filter(q)
    );
    Ok(json_rows(ctx, &sql)
        .await?
        .into_iter()
        .map(|r| Point {
            t: r["t"].as_str().unwrap_or("").to_string(),
            value: r["value"].as_f64(),
        })
        .collect())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct MetricParam {
    /// heatmap: conversations; distribution: frt or response
    metric: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct HeatmapOut {
    metric: String,
    weekdays: Vec<String>,
    /// 7 rows (Monday first) × 24 shop-local hours.
    cells: Vec<Vec<i64>>,
}

/// Conversations started per shop-local weekday × hour.
#[utoipa::path(get, path = "/api/v1/heatmap", params(Filters, MetricParam),
    responses((status = 200, body = HeatmapOut), (status = 400, body = crate::error::ErrorBody)))]
async fn heatmap(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<Filters>,
    Query(p): Query<MetricParam>,
) -> ApiResult {
    let metric = p.metric.unwrap_or_else(|| "conversations".into());
    if metric != "conversations" {
        return Err(ApiError::bad_request(format!(
            "metric: the heatmap counts conversations, not '{metric}'"
        )));
    }
    cached(&state, &uri, || async {
        let (ctx, cfg) = session(&state, &f).await?;
        let q = f.query(&cfg)?;
        let cells = kpi::heatmap(&ctx, &q).await?;
        Ok(serde_json::to_value(HeatmapOut {
            metric: metric.clone(),
            weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                .map(String::from)
                .to_vec(),
            cells,
        })?)
    })
    .await
}

#[derive(Serialize, ToSchema)]
struct Bucket {
    label: String,
    lo: Option<f64>,
    hi: Option<f64>,
    count: i64,
}

#[derive(Serialize, ToSchema)]
struct DistributionOut {
    metric: String,
    buckets: Vec<Bucket>,
}

/// FRT or human-round response times in the METRICS.md buckets.
#[utoipa::path(get, path = "/api/v1/distribution", params(Filters, MetricParam),
    responses((status = 200, body = DistributionOut), (status = 400, body = crate::error::ErrorBody)))]
async fn distribution(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<Filters>,
    Query(p): Query<MetricParam>,
) -> ApiResult {
    let metric = p.metric.unwrap_or_else(|| "response".into());
    if metric != "frt" && metric != "response" {
        return Err(ApiError::bad_request(format!(
            "metric: '{metric}' is not one of frt, response"
        )));
    }
    cached(&state, &uri, || async {
        let (ctx, cfg) = session(&state, &f).await?;
        let q = f.query(&cfg)?;
        let counts = if metric == "frt" {
            kpi::frt_distribution(&ctx, &q).await?
        } else {
            kpi::response_distribution(&ctx, &q).await?
        };
        let buckets = counts
            .into_iter()
            .map(|(label, count)| {
                let b = kpi::bucket_bounds(&label);
                Bucket {
                    lo: b.map(|(lo, _)| if lo.is_finite() { lo } else { 0.0 }),
                    hi: b.and_then(|(_, hi)| hi),
                    label,
                    count,
                }
            })
            .collect();
        Ok(serde_json::to_value(DistributionOut {
            metric: metric.clone(),
            buckets,
        })?)
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ByParam {
    /// agent, shop, channel, platform, category, product, day, hour, week, month
    by: Option<String>,
}

/// The report body per agent, shop, channel, platform, category, product or time.
#[utoipa::path(get, path = "/api/v1/breakdown", params(Filters, ByParam),
    responses((status = 200, description = "{by, rows:[{key, …report body}]}", body = Object), (status = 400, body = crate::error::ErrorBody)))]
async fn breakdown(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<Filters>,
    Query(p): Query<ByParam>,
) -> ApiResult {
    let by_s = p.by.unwrap_or_else(|| "agent".into());
    let by: Breakdown = by_s
        .parse()
        .map_err(|e: String| ApiError::bad_request(format!("by: {e}")))?;
    cached(&state, &uri, || async {
        let (ctx, cfg) = session(&state, &f).await?;
        let mut q = f.query(&cfg)?;
        q.by = Some(by);
        let rows = kefu_analytics::kpi::breakdown(&ctx, &q).await?;
        Ok(json!({"by": by_s, "rows": rows}))
    })
    .await
}

/// Complaint categories, sentiment trend, keywords of negative messages, urgent list.
#[utoipa::path(get, path = "/api/v1/complaints", params(Filters),
    responses((status = 200, description = "{categories, sentiment, keywords, urgent}", body = Object), (status = 400, body = crate::error::ErrorBody)))]
async fn complaints(State(state): St, uri: OriginalUri, Query(f): Query<Filters>) -> ApiResult {
    cached(&state, &uri, || async {
        let (ctx, cfg) = session(&state, &f).await?;
        let q = f.query(&cfg)?;
        let c = kefu_analytics::complaints::complaints(&ctx, &q).await?;
        serde_json::to_value(c).map_err(|e| ApiError::internal(e.to_string()))
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// Shop-local weekday of the start, 1 = Monday … 7 = Sunday.
    weekday: Option<String>,
    /// Shop-local hour of the start, 0–23.
    hour: Option<String>,
    /// One shop-local start date.
    date: Option<String>,
    /// A distribution bucket label (with `metric`).
    bucket: Option<String>,
    /// frt or response (for `bucket`).
    metric: Option<String>,
    /// A SQL predicate over the conversation fact columns (read-only).
    #[serde(rename = "where")]
    where_: Option<String>,
    /// Sort column (start, frt_secs, rounds_human, rounds_unanswered, csat, …).
    sort: Option<String>,
    /// asc or desc (default).
    order: Option<String>,
    /// Page size, 1–500 (default 50).
    limit: Option<String>,
    offset: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct ConversationRow {
    conversation_id: String,
    cycle: i64,
    shop_id: String,
    channel: String,
    platform: String,
    customer: String,
    start: String,
    end: String,
    first_agent: Option<String>,
    last_agent: Option<String>,
    frt_secs: Option<f64>,
    rounds_human: i64,
    rounds_unanswered: i64,
    resolved: bool,
    csat: Option<f64>,
    converted: bool,
    categories: Vec<String>,
}

#[derive(Serialize, ToSchema)]
struct ConversationList {
    total: i64,
    rows: Vec<ConversationRow>,
}

use kefu_analytics::kpi::CONVERSATION_ROW_COLUMNS as ROW_COLUMNS;

fn sort_column(s: &str) -> Option<&'static str> {
    Some(match s {
        "start" => "start_ts",
        "end" => "end_ts",
        "frt_secs" => "frt_secs",
        "rounds_human" => "human_rounds",
        "rounds_unanswered" => "unanswered_rounds",
        "csat" => "csat_score",
        "resolution_secs" => "resolution_secs",
        "customer_messages" => "customer_messages",
        "shop_id" => "shop_id",
        "last_agent" => "last_agent",
        _ => return None,
    })
}

fn int_param(name: &str, v: &Option<String>, lo: i64, hi: i64) -> ApiResult<Option<i64>> {
    none_if_empty(v)
        .map(|s| match s.parse::<i64>() {
            Ok(n) if (lo..=hi).contains(&n) => Ok(n),
            _ => Err(ApiError::bad_request(format!(
                "{name}: '{s}' is not a whole number from {lo} to {hi}"
            ))),
        })
        .transpose()
}

/// Parses a user predicate on its own so a bad one is a 400, and anything but an
/// expression (a second statement, DDL) is refused.
async fn check_predicate(ctx: &SessionContext, p: &str) -> ApiResult<()> {
    if p.contains(';') {
        return Err(ApiError::forbidden("where: one predicate only (no ';')"));
    }
    let sql = format!("SELECT 1 FROM conversation_facts WHERE ({p}) LIMIT 0");
    ctx.sql_with_options(&sql, read_only())
        .await
        .map_err(|e| ApiError::bad_request(format!("where: {e}")))?;
    Ok(())
}

fn read_only() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// The conversations behind any number: the same filters, plus the drill-down ones.
#[utoipa::path(get, path = "/api/v1/conversations", params(Filters, ListParams),
    responses((status = 200, body = ConversationList), (status = 400, body = crate::error::ErrorBody)))]
async fn conversations(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<Filters>,
    Query(p): Query<ListParams>,
) -> ApiResult {
    cached(&state, &uri, || async {
        let (ctx, cfg) = session(&state, &f).await?;
        let q = f.query(&cfg)?;
        let mut w = vec![q.conversation_filter()];
        if let Some(d) = int_param("weekday", &p.weekday, 1, 7)? {
            w.push(format!("weekday = {d} AND cycle = 0"));
        }
        if let Some(h) = int_param("hour", &p.hour, 0, 23)? {
            w.push(format!("local_hour = {h}"));
        }
        if let Some(d) = date("date", &p.date)? {
            w.push(format!("conv_local_date = DATE '{d}'"));
        }
        if let Some(b) = none_if_empty(&p.bucket) {
            let metric = none_if_empty(&p.metric).unwrap_or_else(|| "response".into());
            if !kpi::bucket_labels().contains(&b) {
                return Err(ApiError::bad_request(format!(
                    "bucket: '{b}' is not one of {}",
                    kpi::bucket_labels().join(", ")
                )));
            }
            let bounds = kpi::bucket_bounds(&b);
            let range = |col: &str| match bounds {
                None => String::new(),
                Some((lo, hi)) => {
                    let mut c = format!("{col} IS NOT NULL");
                    if lo.is_finite() {
                        c.push_str(&format!(" AND {col} > {lo}"));
                    }
                    if let Some(h) = hi {
                        c.push_str(&format!(" AND {col} <= {h}"));
                    }
                    c
                }
            };
            match metric.as_str() {
                "frt" => w.push(match bounds {
                    None => "frt_answered = false".into(),
                    Some(_) => format!("frt_answered AND {}", range(q.frt_column())),
                }),
                "response" => {
                    let cond = match bounds {
                        None => "kind = 'unanswered'".to_string(),
                        Some(_) => format!("kind = 'human' AND {}", range(q.response_column())),
                    };
                    w.push(format!(
                        "shop_id || '|' || conversation_id || '|' || CAST(cycle AS VARCHAR) IN
                          (SELECT shop_id || '|' || conversation_id || '|' || CAST(cycle AS VARCHAR) FROM rounds WHERE {} AND {cond})",
                        q.round_filter()
                    ));
                }
                o => {
                    return Err(ApiError::bad_request(format!(
                        "metric: '{o}' is not one of frt, response"
                    )));
                }
            }
        }
        if let Some(pred) = none_if_empty(&p.where_) {
            check_predicate(&ctx, &pred).await?;
            w.push(format!("({pred})"));
        }
        let sort = match none_if_empty(&p.sort) {
            None => "start_ts",
            Some(s) => sort_column(&s)
                .ok_or_else(|| ApiError::bad_request(format!("sort: cannot sort by '{s}'")))?,
        };
        let order = match none_if_empty(&p.order).as_deref() {
            None | Some("desc") => "DESC",
            Some("asc") => "ASC",
            Some(o) => return Err(ApiError::bad_request(format!("order: '{o}' is not asc or desc"))),
        };
        let limit = int_param("limit", &p.limit, 1, 500)?.unwrap_or(50);
        let offset = int_param("offset", &p.offset, 0, i64::MAX)?.unwrap_or(0);
        let w = w.join(" AND ");
        let total = json_rows(&ctx, &format!("SELECT COUNT(*) AS n FROM conversation_facts WHERE {w}"))
            .await?
            .first()
            .and_then(|r| r["n"].as_i64())
            .unwrap_or(0);
        let rows = json_rows(
            &ctx,
            &format!(
                "SELECT {ROW_COLUMNS} FROM conversation_facts WHERE {w}
                 ORDER BY {sort} {order} NULLS LAST, shop_id, conversation_id, cycle LIMIT {limit} OFFSET {offset}"
            ),
        )
        .await?;
        Ok(json!({"total": total, "rows": rows.into_iter().map(split_categories).collect::<Vec<_>>()}))
    })
    .await
}

/// `categories` as a list; absent booleans and numbers made explicit.
fn split_categories(mut r: Value) -> Value {
    let cats: Vec<Value> = r
        .get("categories")
        .and_then(|c| c.as_str())
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Value::String(s.into()))
        .collect();
    r["categories"] = Value::Array(cats);
    for k in ["first_agent", "last_agent", "frt_secs", "csat"] {
        if r.get(k).is_none() {
            r[k] = Value::Null;
        }
    }
    r
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ShopParam {
    /// The shop, when two shops use the same conversation id.
    shop: Option<String>,
}

/// One conversation (each care cycle) with its messages, oldest first.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", params(("id" = String, Path, description = "conversation id"), ShopParam),
    responses((status = 200, description = "{conversation, cycles, messages}", body = Object), (status = 404, body = crate::error::ErrorBody)))]
async fn conversation(
    State(state): St,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(p): Query<ShopParam>,
) -> ApiResult {
    cached(&state, &uri, || async {
        let (ctx, _) = state.ctx().await?;
        let mut w = format!("conversation_id = {}", lit(&id));
        if let Some(s) = none_if_empty(&p.shop) {
            w.push_str(&format!(" AND shop_id = {}", lit(&s)));
        }
        let cycles: Vec<Value> = json_rows(
            &ctx,
            &format!("SELECT {ROW_COLUMNS} FROM conversation_facts WHERE {w} ORDER BY shop_id, cycle"),
        )
        .await?
        .into_iter()
        .map(split_categories)
        .collect();
        let Some(first) = cycles.first().cloned() else {
            return Err(ApiError::not_found(format!("no conversation '{id}'")));
        };
        let shop = first["shop_id"].as_str().unwrap_or("").to_string();
        let messages: Vec<Value> = json_rows(
            &ctx,
            &format!(
                "SELECT CAST(ts AS VARCHAR) AS ts, sender, agent_id, COALESCE(text_masked, text) AS text, kind, categories, sentiment
                 FROM messages WHERE conversation_id = {} AND shop_id = {} ORDER BY ts, message_id",
                lit(&id),
                lit(&shop)
            ),
        )
        .await?
        .into_iter()
        .map(|mut m| {
            let c = split_categories(json!({"categories": m.get("categories").cloned().unwrap_or(Value::Null)}));
            m["categories"] = c["categories"].clone();
            for k in ["agent_id", "sentiment"] {
                if m.get(k).is_none() {
                    m[k] = Value::Null;
                }
            }
            m
        })
        .collect();
        Ok(json!({"conversation": first, "cycles": cycles, "messages": messages}))
    })
    .await
}

#[derive(Deserialize, ToSchema)]
struct SqlIn {
    /// One SELECT / WITH / EXPLAIN over the store's tables.
    sql: String,
    /// Row limit (default and maximum 10,000).
    limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
struct SqlOut {
    columns: Vec<String>,
    #[schema(value_type = Vec<Vec<Object>>)]
    rows: Vec<Vec<Value>>,
    truncated: bool,
    elapsed_ms: f64,
}

const SQL_MAX_ROWS: usize = 10_000;
const SQL_TIMEOUT: Duration = Duration::from_secs(10);

/// Read-only SQL over every table (row and time limits).
#[utoipa::path(post, path = "/api/v1/sql", request_body = SqlIn,
    responses((status = 200, body = SqlOut), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
async fn sql(State(state): St, Json(body): Json<SqlIn>) -> ApiResult {
    let t = Instant::now();
    let (ctx, _) = state.ctx().await?;
    let limit = body.limit.unwrap_or(SQL_MAX_ROWS).clamp(1, SQL_MAX_ROWS);
    let run = async {
        let df = match ctx.sql_with_options(&body.sql, read_only()).await {
            Ok(df) => df,
            Err(e) => {
                let m = e.to_string();
                // DataFusion names the refused kinds of statement in its message.
                return Err(
                    if m.contains("not supported") || m.contains("not allowed") {
                        ApiError::forbidden(format!("only read-only queries are allowed: {m}"))
                    } else {
                        ApiError::bad_request(m)
                    },
                );
            }
        };
        let columns: Vec<String> = df
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let mut stream = df.execute_stream().await?;
        let mut batches = Vec::new();
        let (mut n, mut truncated) = (0usize, false);
        while let Some(b) = stream.next().await {
            let b = b?;
            if n + b.num_rows() > limit {
                batches.push(b.slice(0, limit - n));
                truncated = true;
                break;
            }
            n += b.num_rows();
            batches.push(b);
        }
        Ok((columns, batches, truncated))
    };
    let (columns, batches, truncated) =
        tokio::time::timeout(SQL_TIMEOUT, run).await.map_err(|_| {
            ApiError::timeout(format!("the query ran over {} s", SQL_TIMEOUT.as_secs()))
        })??;
    let objs = batches_json(&batches)?;
    let rows: Vec<Vec<Value>> = objs
        .into_iter()
        .map(|o| {
            columns
                .iter()
                .map(|c| o.get(c).cloned().unwrap_or(Value::Null))
                .collect()
        })
        .collect();
    Ok(Json(serde_json::to_value(SqlOut {
        columns,
        rows,
        truncated,
        elapsed_ms: t.elapsed().as_secs_f64() * 1e3,
    })?))
}

/// The OpenAPI document, generated from these handlers.
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// A small page that lists the OpenAPI document's routes and parameters.
async fn docs() -> Html<&'static str> {
    Html(include_str!("docs.html"))
}
