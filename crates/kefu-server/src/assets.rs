//! The dashboard's files (`web/dist`), built into the binary in release builds.

use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/dist/"]
#[allow_missing = true]
struct Dist;

/// A file of the dashboard, or its index page for any other path (client routes).
pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") {
        return crate::ApiError::not_found(format!("no API route {}", uri.path())).into_response();
    }
    if let Some(f) = (!path.is_empty()).then(|| Dist::get(path)).flatten() {
        let mime = mime_guess::from_path(path).first_or_octet_stream();
        // Vite puts a content hash in asset names: those never change.
        let cache = if path.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return (
            [
                (header::CONTENT_TYPE, mime.as_ref().to_string()),
                (header::CACHE_CONTROL, cache.to_string()),
            ],
            f.data,
        )
            .into_response();
    }
    match Dist::get("index.html") {
        Some(f) => (
            [(header::CACHE_CONTROL, "no-cache")],
            Html(f.data.into_owned()),
        )
            .into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(
                "<h1>kefu</h1><p>The dashboard was not built into this binary (web/dist was \
                 missing at build time: restore it with `git checkout web/dist`, then rebuild). \
                 The API is at <a href=\"/api/v1/docs\">/api/v1/docs</a>.</p>"
                    .to_string(),
            ),
        )
            .into_response(),
    }
}
