//! `/sql`: read-only SQL over every table, under the API's limits (rows, time,
//! answer bytes, memory, queries at once: `kefu_app::sql::QueryLimits::API`).

use super::{ApiResult, St};
use axum::Json;
use axum::extract::State;
use kefu_app::sql::QueryLimits;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct SqlIn {
    /// One SELECT / WITH / EXPLAIN over the store's tables.
    sql: String,
    /// Row limit (default and maximum 10,000).
    limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct SqlOut {
    columns: Vec<String>,
    #[schema(value_type = Vec<Vec<Object>>)]
    rows: Vec<Vec<Value>>,
    truncated: bool,
    elapsed_ms: f64,
}

/// Read-only SQL over every table (row and time limits).
#[utoipa::path(post, path = "/api/v1/sql", request_body = SqlIn,
    responses((status = 200, body = SqlOut), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 408, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody), (status = 415, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody)))]
pub async fn sql(
    State(state): St,
    body: Result<Json<SqlIn>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(body) = body?;
    let limits = QueryLimits::API;
    let max_rows = limits.rows.unwrap_or(usize::MAX);
    let limits = QueryLimits {
        rows: Some(body.limit.unwrap_or(max_rows).clamp(1, max_rows)),
        ..limits
    };
    let r = state.app().query(&body.sql, limits).await?;
    Ok(Json(serde_json::to_value(SqlOut {
        columns: r.columns.clone(),
        rows: r.rows()?,
        truncated: r.truncated,
        elapsed_ms: r.elapsed.as_secs_f64() * 1e3,
    })?))
}
