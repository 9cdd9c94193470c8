//! `kefu serve`: the JSON API (`/api/v1`) and the embedded dashboard on one port.

use axum::{Router, routing::get};

/// The router: health check for now; the API and the dashboard are added by issue 6.
pub fn router() -> Router {
    Router::new().route("/healthz", get(|| async { "ok" }))
}
