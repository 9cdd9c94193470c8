//! Query parameters as the API takes them (strings, so a bad value is a clear 400
//! naming it), turned into the application's typed filters.

use super::ApiResult;
use kefu_app::Filters;
use kefu_app::filters::{parse_cohort, parse_date};
use serde::Deserialize;
use utoipa::IntoParams;

/// Filters every read takes (API.md).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilterParams {
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

/// A parameter's value, trimmed; empty is absent.
pub fn given(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl FilterParams {
    pub fn filters(&self) -> ApiResult<Filters> {
        Ok(Filters {
            from: given(&self.from)
                .map(|s| parse_date("from", &s))
                .transpose()?,
            to: given(&self.to).map(|s| parse_date("to", &s)).transpose()?,
            shop: given(&self.shop),
            channel: given(&self.channel),
            agent: given(&self.agent),
            category: given(&self.category),
            cohort: given(&self.cohort).map(|s| parse_cohort(&s)).transpose()?,
            tz: given(&self.tz),
        })
    }
}

/// A whole number in `lo..=hi`.
pub fn int_param(name: &str, v: &Option<String>, lo: i64, hi: i64) -> ApiResult<Option<i64>> {
    given(v)
        .map(|s| match s.parse::<i64>() {
            Ok(n) if (lo..=hi).contains(&n) => Ok(n),
            _ => Err(crate::ApiError::bad_request(format!(
                "{name}: '{s}' is not a whole number from {lo} to {hi}"
            ))),
        })
        .transpose()
}
