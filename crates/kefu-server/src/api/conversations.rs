//! Drill-down lists and transcripts.

use super::params::{FilterParams, given, int_param};
use super::{ApiResult, JsonBytes, St, cached};
use crate::ApiError;
use axum::extract::{OriginalUri, Path, Query, State};
use kefu_analytics::buckets::Bucket;
use kefu_app::conversations::ListQuery;
use kefu_app::filters::parse_date;
use kefu_app::views::DistributionMetric;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
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

impl ListParams {
    fn query(&self) -> ApiResult<ListQuery> {
        let bucket = match given(&self.bucket) {
            None => None,
            Some(label) => {
                let metric: DistributionMetric = match given(&self.metric) {
                    None => DistributionMetric::Response,
                    Some(m) => m.parse()?,
                };
                let b = Bucket::by_label(&label)
                    .map_err(|e| ApiError::bad_request(format!("bucket: {e}")))?;
                Some((metric, b))
            }
        };
        Ok(ListQuery {
            weekday: int_param("weekday", &self.weekday, 1, 7)?.map(|d| d as u32),
            hour: int_param("hour", &self.hour, 0, 23)?.map(|h| h as u32),
            date: given(&self.date)
                .map(|d| parse_date("date", &d))
                .transpose()?,
            bucket,
            predicate: given(&self.where_),
            sort: given(&self.sort),
            ascending: match given(&self.order).as_deref() {
                None | Some("desc") => false,
                Some("asc") => true,
                Some(o) => {
                    return Err(ApiError::bad_request(format!(
                        "order: '{o}' is not asc or desc"
                    )));
                }
            },
            limit: Some(int_param("limit", &self.limit, 1, 500)?.unwrap_or(50) as usize),
            offset: int_param("offset", &self.offset, 0, i64::MAX)?.unwrap_or(0) as usize,
            limits: kefu_app::sql::QueryLimits::API,
        })
    }
}

/// The conversations behind any number: the same filters, plus the drill-down ones.
#[utoipa::path(get, path = "/api/v1/conversations", params(FilterParams, ListParams),
    responses((status = 200, body = kefu_app::conversations::ConversationList), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<FilterParams>,
    Query(p): Query<ListParams>,
) -> ApiResult<JsonBytes> {
    let (f, l) = (f.filters()?, p.query()?);
    cached(&state, &uri, || async {
        Ok::<_, ApiError>(state.app().conversations(&f, &l).await?)
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShopParam {
    /// The shop, when two shops use the same conversation id.
    shop: Option<String>,
}

/// One conversation (each care cycle) with its messages, oldest first.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", params(("id" = String, Path, description = "conversation id"), ShopParam),
    responses((status = 200, body = kefu_app::conversations::Transcript), (status = 404, body = crate::error::ErrorBody)))]
pub async fn one(
    State(state): St,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(p): Query<ShopParam>,
) -> ApiResult<JsonBytes> {
    let shop = given(&p.shop);
    cached(&state, &uri, || async {
        Ok::<_, ApiError>(state.app().transcript(&id, shop.as_deref()).await?)
    })
    .await
}
