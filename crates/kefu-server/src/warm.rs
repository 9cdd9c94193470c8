//! Keeps the dashboard's first views in the response cache: when the server starts
//! and whenever an ingest changes the store, the requests the dashboard makes on its
//! first load (default period, no other filter) are sent through the router once,
//! so a CS manager's first visit is answered from the cache instead of waiting for
//! seconds of queries on a big store.

use crate::AppState;
use crate::state::CHECK_EVERY;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use chrono::{Days, NaiveDate};
use std::sync::Arc;
use tower::ServiceExt;

/// Days of the dashboard's default period (`DEFAULT_DAYS` in web/src/main.ts).
const DEFAULT_DAYS: u64 = 30;

/// Re-warms after every change of the store's table versions; runs until the
/// server stops.
pub async fn keep_warm(state: Arc<AppState>, app: Router) {
    let mut warmed: Option<Vec<i64>> = None;
    loop {
        if let Ok(s) = state.session().await
            && s.stale.is_some()
        {
            match state.app().catch_up().await {
                Ok(Some(r)) => tracing::warn!(
                    conversations = r.conversations,
                    secs = r.secs,
                    "facts were behind the sources (an ingest stopped before its facts commit): rebuilt"
                ),
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(error = %e, "the facts are behind and could not be rebuilt")
                }
            }
        }
        if let Ok(v) = state.versions().await
            && warmed.as_ref() != Some(&v)
        {
            let t = std::time::Instant::now();
            let n = warm(&state, &app).await;
            tracing::info!(
                views = n,
                secs = t.elapsed().as_secs_f64(),
                "dashboard views warmed"
            );
            warmed = Some(v);
        }
        tokio::time::sleep(CHECK_EVERY).await;
    }
}

async fn get(state: &AppState, app: &Router, uri: &str) -> Option<Vec<u8>> {
    let mut req = Request::get(uri).header("x-kefu-warm", "1");
    if let Some(t) = state.token() {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).ok()?)
        .await
        .ok()?;
    if !res.status().is_success() {
        return None;
    }
    axum::body::to_bytes(res.into_body(), 16 << 20)
        .await
        .ok()
        .map(|b| b.to_vec())
}

/// Sends the first views; returns how many were answered.
async fn warm(state: &AppState, app: &Router) -> usize {
    let Some(meta) = get(state, app, "/api/v1/meta").await else {
        return 0;
    };
    let Ok(meta) = serde_json::from_slice::<serde_json::Value>(&meta) else {
        return 0;
    };
    let date = |k: &str| {
        meta["date_range"][k]
            .as_str()
            .and_then(|s| s.parse::<NaiveDate>().ok())
    };
    let Some(to) = date("to") else {
        return 0;
    };
    let mut n = 0;
    for uri in first_views(date("from"), to) {
        if get(state, app, &uri).await.is_some() {
            n += 1;
        }
    }
    n
}

/// The requests of the overview page (with the previous period its cards compare
/// with), then the volume, response, complaints and agents pages, as the dashboard
/// asks them with its default period: the last [`DEFAULT_DAYS`] days of the data.
pub fn first_views(first: Option<NaiveDate>, last: NaiveDate) -> Vec<String> {
    let mut from = last - Days::new(DEFAULT_DAYS - 1);
    if let Some(f) = first
        && from < f
    {
        from = f;
    }
    let days = (last - from).num_days() as u64 + 1;
    let (prev_from, prev_to) = (from - Days::new(days), from - Days::new(1));
    let p = format!("from={from}&to={last}");
    vec![
        format!("/api/v1/overview?{p}"),
        format!("/api/v1/overview?from={prev_from}&to={prev_to}"),
        format!("/api/v1/series?metric=conversations&grain=day&{p}"),
        format!("/api/v1/series?metric=frt_p50&grain=day&{p}"),
        format!("/api/v1/heatmap?metric=conversations&{p}"),
        format!("/api/v1/distribution?metric=frt&{p}"),
        format!("/api/v1/distribution?metric=response&{p}"),
        format!("/api/v1/series?metric=three_min_rate&grain=hour_of_day&{p}"),
        format!("/api/v1/complaints?{p}"),
        format!("/api/v1/breakdown?by=agent&{p}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::first_views;

    /// 30 days ending 11-30 start 11-01; the previous 30 end 10-31. A shorter store
    /// starts at its first day and compares with as many days before it.
    #[test]
    fn the_default_period_by_hand() {
        let d = |s: &str| s.parse().unwrap();
        let v = first_views(Some(d("2025-09-01")), d("2025-11-30"));
        assert_eq!(v[0], "/api/v1/overview?from=2025-11-01&to=2025-11-30");
        assert_eq!(v[1], "/api/v1/overview?from=2025-10-02&to=2025-10-31");
        let v = first_views(Some(d("2025-11-21")), d("2025-11-30"));
        assert_eq!(v[0], "/api/v1/overview?from=2025-11-21&to=2025-11-30");
        assert_eq!(v[1], "/api/v1/overview?from=2025-11-11&to=2025-11-20");
    }
}
