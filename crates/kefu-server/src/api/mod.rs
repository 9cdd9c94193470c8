//! `/api/v1`: the report contract, series, heatmap, distributions, breakdowns,
//! complaints, drill-down lists and transcripts, self-service SQL, and the OpenAPI
//! document describing them (see crates/kefu-server/API.md). Handlers only parse
//! parameters, call the application and cache the JSON.

#[cfg(test)]
mod contract;
mod conversations;
mod params;
mod sql;
mod views;

use crate::{ApiError, AppState};
use axum::extract::OriginalUri;
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;
use std::sync::Arc;
use utoipa::OpenApi;

pub(crate) type ApiResult<T = Json<Value>> = Result<T, ApiError>;
pub(crate) type St = axum::extract::State<Arc<AppState>>;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/meta", get(views::meta))
        .route("/overview", get(views::overview))
        .route("/series", get(views::series))
        .route("/heatmap", get(views::heatmap))
        .route("/distribution", get(views::distribution))
        .route("/breakdown", get(views::breakdown))
        .route("/complaints", get(views::complaints))
        .route("/spam", get(views::spam))
        .route("/compare", get(views::compare))
        .route("/drivers", get(views::drivers))
        .route("/anomalies", get(views::anomalies))
        .route("/conversations", get(conversations::list))
        .route("/conversations/{id}", get(conversations::one))
        .route("/sql", post(sql::sql))
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
        views::meta,
        views::overview,
        views::series,
        views::heatmap,
        views::distribution,
        views::breakdown,
        views::complaints,
        views::spam,
        views::compare,
        views::drivers,
        views::anomalies,
        conversations::list,
        conversations::one,
        sql::sql
    ),
    components(schemas(
        crate::error::ErrorBody,
        kefu_app::views::SeriesOut,
        kefu_app::views::Point,
        kefu_app::views::SeriesGrain,
        kefu_app::views::HeatmapOut,
        kefu_app::views::DistributionOut,
        kefu_app::views::DistributionMetric,
        kefu_app::views::BucketCount,
        kefu_app::views::BreakdownOut,
        kefu_app::views::MetaOut,
        kefu_app::views::ShopMeta,
        kefu_app::views::DateRange,
        kefu_analytics::complaints::Complaints,
        kefu_analytics::complaints::CategoryShare,
        kefu_analytics::complaints::SentimentDay,
        kefu_analytics::complaints::Keyword,
        kefu_analytics::complaints::UrgentMessage,
        kefu_analytics::complaints::CommentShare,
        kefu_analytics::complaints::IntentMix,
        kefu_analytics::compare::Comparison,
        kefu_analytics::compare::MetricChange,
        kefu_analytics::compare::KeyChange,
        kefu_analytics::compare::Side,
        kefu_analytics::compare::Span,
        kefu_analytics::compare::Kind,
        kefu_analytics::compare::Did,
        kefu_analytics::compare::DidMetric,
        kefu_analytics::drivers::Drivers,
        kefu_analytics::drivers::DriverTerm,
        kefu_analytics::drivers::DriverFamily,
        kefu_analytics::drivers::DroppedDriver,
        kefu_analytics::drivers::Outcome,
        kefu_analytics::anomalies::Anomalies,
        kefu_analytics::anomalies::Anomaly,
        kefu_analytics::anomalies::Band,
        kefu_analytics::anomalies::BandPoint,
        kefu_app::text::SpamList,
        kefu_app::text::SpamItem,
        kefu_app::conversations::ConversationRow,
        kefu_app::conversations::ConversationList,
        kefu_app::conversations::Transcript,
        kefu_app::conversations::TranscriptMessage,
        sql::SqlIn,
        sql::SqlOut
    ))
)]
pub(crate) struct ApiDoc;

/// The OpenAPI document of this server.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// A JSON answer already serialised (what the cache holds).
pub(crate) struct JsonBytes(axum::body::Bytes);

impl axum::response::IntoResponse for JsonBytes {
    fn into_response(self) -> axum::response::Response {
        (
            [(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            )],
            self.0,
        )
            .into_response()
    }
}

/// Answers from the cache when this exact request was answered on this snapshot.
pub(crate) async fn cached<F, Fut, T>(
    state: &AppState,
    uri: &OriginalUri,
    f: F,
) -> ApiResult<JsonBytes>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
    T: serde::Serialize,
{
    state.session().await?; // renews the snapshot (and clears the cache) when needed
    let key = cache_key(&uri.0);
    if let Some(v) = state.cached(&key) {
        return Ok(JsonBytes(v));
    }
    let v = axum::body::Bytes::from(serde_json::to_vec(&f().await?)?);
    state.remember(key, v.clone());
    Ok(JsonBytes(v))
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

/// The OpenAPI document, generated from these handlers.
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi_document())
}

/// A small page that lists the OpenAPI document's routes and parameters.
async fn docs() -> Html<&'static str> {
    Html(include_str!("../docs.html"))
}
