//! The views: report, series, heatmap, distributions, breakdowns, complaints, menus.

use super::params::{FilterParams, given};
use super::{ApiResult, JsonBytes, St, cached};
use crate::ApiError;
use axum::extract::{OriginalUri, Query, State};
use kefu_app::Metric;
use kefu_app::views::{DistributionMetric, SeriesGrain};
use serde::Deserialize;
use utoipa::IntoParams;

/// Shops, channels, agents, categories and the data's date range (for filter menus).
#[utoipa::path(get, path = "/api/v1/meta", responses((status = 200, body = kefu_app::views::MetaOut)))]
pub async fn meta(State(state): St, uri: OriginalUri) -> ApiResult<JsonBytes> {
    cached(&state, &uri, || async {
        Ok::<_, ApiError>(state.app().meta().await?)
    })
    .await
}

/// The report contract of `kefu report --json` for the filters.
#[utoipa::path(get, path = "/api/v1/overview", params(FilterParams),
    responses((status = 200, description = "the report (issue 3 contract)", body = Object), (status = 400, body = crate::error::ErrorBody)))]
pub async fn overview(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<FilterParams>,
) -> ApiResult<JsonBytes> {
    let f = f.filters()?;
    cached(&state, &uri, || async {
        Ok::<_, ApiError>(state.app().report(&f, None).await?)
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesParams {
    /// A metric of the report (default `conversations`).
    #[param(schema_with = kefu_app::views::metric_schema)]
    metric: Option<String>,
    /// hour, day (default), week, month, hour_of_day
    #[param(value_type = Option<SeriesGrain>)]
    grain: Option<String>,
}

/// Any metric by hour, day, week, month or hour of day.
#[utoipa::path(get, path = "/api/v1/series", params(FilterParams, SeriesParams),
    responses((status = 200, body = kefu_app::views::SeriesOut), (status = 400, body = crate::error::ErrorBody)))]
pub async fn series(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<FilterParams>,
    Query(p): Query<SeriesParams>,
) -> ApiResult<JsonBytes> {
    let metric: Metric = match given(&p.metric) {
        None => Metric::Conversations,
        Some(m) => m
            .parse()
            .map_err(|e: String| ApiError::bad_request(format!("metric: {e}")))?,
    };
    let grain: SeriesGrain = match given(&p.grain) {
        None => SeriesGrain::Day,
        Some(g) => g.parse()?,
    };
    let f = f.filters()?;
    cached(&state, &uri, || async {
        Ok::<_, ApiError>(state.app().series(&f, metric, grain).await?)
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricParam {
    /// heatmap: conversations; distribution: frt or response
    metric: Option<String>,
}

/// Conversations started per shop-local weekday × hour.
#[utoipa::path(get, path = "/api/v1/heatmap", params(FilterParams, MetricParam),
    responses((status = 200, body = kefu_app::views::HeatmapOut), (status = 400, body = crate::error::ErrorBody)))]
pub async fn heatmap(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<FilterParams>,
    Query(p): Query<MetricParam>,
) -> ApiResult<JsonBytes> {
    if let Some(m) = given(&p.metric).filter(|m| m != "conversations") {
        return Err(ApiError::bad_request(format!(
            "metric: the heatmap counts conversations, not '{m}'"
        )));
    }
    let f = f.filters()?;
    cached(&state, &uri, || async {
        Ok::<_, ApiError>(state.app().heatmap(&f).await?)
    })
    .await
}

/// FRT or human-round response times in the METRICS.md buckets.
#[utoipa::path(get, path = "/api/v1/distribution", params(FilterParams, MetricParam),
    responses((status = 200, body = kefu_app::views::DistributionOut), (status = 400, body = crate::error::ErrorBody)))]
pub async fn distribution(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<FilterParams>,
    Query(p): Query<MetricParam>,
) -> ApiResult<JsonBytes> {
    let metric: DistributionMetric = match given(&p.metric) {
        None => DistributionMetric::Response,
        Some(m) => m.parse()?,
    };
    let f = f.filters()?;
    cached(&state, &uri, || async {
        Ok::<_, ApiError>(state.app().distribution(&f, metric).await?)
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ByParam {
    /// agent, shop, channel, platform, category, product, day, hour, week, month
    by: Option<String>,
}

/// The report body per agent, shop, channel, platform, category, product or time.
#[utoipa::path(get, path = "/api/v1/breakdown", params(FilterParams, ByParam),
    responses((status = 200, body = kefu_app::views::BreakdownOut), (status = 400, body = crate::error::ErrorBody)))]
pub async fn breakdown(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<FilterParams>,
    Query(p): Query<ByParam>,
) -> ApiResult<JsonBytes> {
    let by: kefu_app::Breakdown = given(&p.by)
        .unwrap_or_else(|| "agent".into())
        .parse()
        .map_err(|e: String| ApiError::bad_request(format!("by: {e}")))?;
    let f = f.filters()?;
    cached(&state, &uri, || async {
        Ok::<_, ApiError>(state.app().breakdown(&f, by).await?)
    })
    .await
}

/// Complaint categories, sentiment trend, keywords of negative messages, urgent list.
#[utoipa::path(get, path = "/api/v1/complaints", params(FilterParams),
    responses((status = 200, body = kefu_analytics::complaints::Complaints), (status = 400, body = crate::error::ErrorBody)))]
pub async fn complaints(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<FilterParams>,
) -> ApiResult<JsonBytes> {
    let f = f.filters()?;
    cached(&state, &uri, || async {
        Ok::<_, ApiError>(state.app().complaints(&f).await?)
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SpamParams {
    /// Items listed per table, latest first (default 50, at most 500).
    limit: Option<usize>,
    /// Only this shop.
    shop: Option<String>,
}

/// What was flagged as spam (customer chat, reviews, survey comments): counts per
/// table, whether the shop counts it, and the latest items with the reason.
#[utoipa::path(get, path = "/api/v1/spam", params(SpamParams),
    responses((status = 200, body = kefu_app::text::SpamList), (status = 400, body = crate::error::ErrorBody)))]
pub async fn spam(
    State(state): St,
    uri: OriginalUri,
    Query(p): Query<SpamParams>,
) -> ApiResult<JsonBytes> {
    let limit = p.limit.unwrap_or(50);
    if limit > 500 {
        return Err(ApiError::bad_request(format!(
            "limit: at most 500, not {limit}"
        )));
    }
    let shop = given(&p.shop);
    cached(&state, &uri, || async {
        Ok::<_, ApiError>(state.app().spam(limit, shop.as_deref()).await?)
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareParams {
    /// The period asked about, `FROM..TO` (default: the filters' `from`/`to`).
    b: Option<String>,
    /// The baseline period, `FROM..TO`; instead of `vs`.
    a: Option<String>,
    /// `previous` (default: the period of the same length before b, 环比) or `year` (同比).
    vs: Option<String>,
    /// Also compare each agent, shop, channel, platform, category or product.
    by: Option<String>,
    /// Significance level (default: the shop's `alpha`, 0.05).
    alpha: Option<f64>,
    /// A `[[campaigns]]` name (instead of b): against the same weekdays of the four
    /// weeks before, campaign days left out.
    campaign: Option<String>,
    /// A `[[changes]]` name (instead of b): `days` days after against before, and the
    /// difference-in-differences against the shops or channels without it.
    change: Option<String>,
    /// Days on each side of a change (default 14).
    days: Option<i64>,
}

/// Period b against its baseline: every KPI with its test, interval, q-value,
/// verdict and a sentence (`kefu compare --json`).
#[utoipa::path(get, path = "/api/v1/compare", params(FilterParams, CompareParams),
    responses((status = 200, body = kefu_analytics::compare::Comparison), (status = 400, body = crate::error::ErrorBody)))]
pub async fn compare(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<FilterParams>,
    Query(p): Query<CompareParams>,
) -> ApiResult<JsonBytes> {
    use kefu_app::compare::{Baseline, CompareSpec, Period, parse_span, parse_vs};
    let filters = f.filters()?;
    let b = match (given(&p.campaign), given(&p.change), given(&p.b)) {
        (Some(c), _, _) => Period::Campaign(c),
        (None, Some(c), _) => Period::Change {
            name: c,
            days: p.days.unwrap_or(14),
        },
        (None, None, Some(b)) => {
            let (f, t) = parse_span("b", &b)?;
            Period::Span(f, t)
        }
        (None, None, None) => match (filters.from, filters.to) {
            (Some(from), Some(to)) => Period::Span(from, to),
            _ => {
                return Err(ApiError::bad_request(
                    "b: give the period (b=FROM..TO, or from and to)".to_string(),
                ));
            }
        },
    };
    let a = match (given(&p.a), given(&p.vs)) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "a: give a or vs, not both".to_string(),
            ));
        }
        (Some(a), None) => {
            let (f, t) = parse_span("a", &a)?;
            Baseline::Span(f, t)
        }
        (None, Some(v)) => parse_vs(&v)?,
        (None, None) => Baseline::Previous,
    };
    let by = given(&p.by)
        .map(|s| s.parse::<kefu_app::Breakdown>())
        .transpose()
        .map_err(|e: String| ApiError::bad_request(format!("by: {e}")))?;
    let spec = CompareSpec {
        filters: kefu_app::Filters {
            from: None,
            to: None,
            ..filters
        },
        b,
        a,
        by,
        alpha: p.alpha,
    };
    cached(&state, &uri, || async {
        Ok::<_, ApiError>(state.app().compare(&spec).await?)
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DriversParams {
    /// satisfied (default), dissatisfied, resolved, converted
    outcome: Option<String>,
    /// Comma-separated terms or families (default: all).
    terms: Option<String>,
    /// Significance level (default: the shop's `alpha`, 0.05).
    alpha: Option<f64>,
}

/// What drives the outcome: logistic regression odds ratios with intervals and the
/// term families ranked by deviance (`kefu drivers --json`).
#[utoipa::path(get, path = "/api/v1/drivers", params(FilterParams, DriversParams),
    responses((status = 200, body = kefu_analytics::drivers::Drivers), (status = 400, body = crate::error::ErrorBody)))]
pub async fn drivers(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<FilterParams>,
    Query(p): Query<DriversParams>,
) -> ApiResult<JsonBytes> {
    let outcome: kefu_app::compare::Outcome = given(&p.outcome)
        .unwrap_or_else(|| "satisfied".into())
        .parse()
        .map_err(|e: String| ApiError::bad_request(format!("outcome: {e}")))?;
    let terms: Vec<String> = given(&p.terms)
        .map(|t| {
            t.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let f = f.filters()?;
    cached(&state, &uri, || async {
        Ok::<_, ApiError>(state.app().drivers(&f, outcome, terms, p.alpha).await?)
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnomaliesParams {
    /// Comma-separated: conversations, customer_messages, category:<label>,
    /// negative_share, frt_p50, three_min_rate, csat_pct (default: every one).
    metric: Option<String>,
    /// hour or day (default: both).
    grain: Option<String>,
    /// `true`: also every point of every series with its expected value and band.
    points: Option<bool>,
}

/// Hours and days that stand out from their seasonal baseline, with the band, a
/// score and a sentence; level shifts once (`kefu anomalies --json`).
#[utoipa::path(get, path = "/api/v1/anomalies", params(FilterParams, AnomaliesParams),
    responses((status = 200, body = kefu_analytics::anomalies::Anomalies), (status = 400, body = crate::error::ErrorBody)))]
pub async fn anomalies(
    State(state): St,
    uri: OriginalUri,
    Query(f): Query<FilterParams>,
    Query(p): Query<AnomaliesParams>,
) -> ApiResult<JsonBytes> {
    let spec = kefu_app::anomalies::AnomalySpec {
        metrics: kefu_app::anomalies::parse_metrics(
            &given(&p.metric).into_iter().collect::<Vec<_>>(),
        )?,
        grains: kefu_app::anomalies::parse_grains(given(&p.grain).as_deref())?,
        points: p.points.unwrap_or(false),
    };
    let f = f.filters()?;
    cached(&state, &uri, || async {
        Ok::<_, ApiError>(state.app().anomalies(&f, &spec).await?)
    })
    .await
}
