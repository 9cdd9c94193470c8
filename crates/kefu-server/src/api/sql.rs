//! `/sql`: read-only SQL over every table, under a row and a time limit.

use super::{ApiResult, St};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;
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

const SQL_MAX_ROWS: usize = 10_000;
const SQL_TIMEOUT: Duration = Duration::from_secs(10);

/// Read-only SQL over every table (row and time limits).
#[utoipa::path(post, path = "/api/v1/sql", request_body = SqlIn,
    responses((status = 200, body = SqlOut), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn sql(State(state): St, Json(body): Json<SqlIn>) -> ApiResult {
    let limit = body.limit.unwrap_or(SQL_MAX_ROWS).clamp(1, SQL_MAX_ROWS);
    let r = state
        .app()
        .query(&body.sql, Some(limit), Some(SQL_TIMEOUT))
        .await?;
    Ok(Json(serde_json::to_value(SqlOut {
        columns: r.columns.clone(),
        rows: r.rows()?,
        truncated: r.truncated,
        elapsed_ms: r.elapsed.as_secs_f64() * 1e3,
    })?))
}
