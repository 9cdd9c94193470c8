//! `kefu serve`: the JSON API (`/api/v1`) and the embedded dashboard on one port.
//!
//! Invariants:
//! * Every `/api/v1/*` route passes one auth layer ([`auth`]); static files and
//!   `/healthz` do not.
//! * Answers come from the stored fact tables (pre-aggregated per conversation and
//!   round); a response cache keyed by the request and the store's table versions
//!   makes repeated dashboard views cheap and is dropped when an ingest commits;
//!   [`warm`] then asks the dashboard's first views again in the background, so the
//!   morning's first visit is answered from the cache.
//! * User SQL (`/sql`, `where=`) runs with DDL, DML and statements switched off in
//!   DataFusion itself, under a row and a time limit.

mod api;
mod assets;
mod error;
mod state;
mod warm;

pub use api::openapi_document;
pub use error::ApiError;
pub use state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_http::compression::CompressionLayer;

/// How `kefu serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    /// Bearer token every API request must carry; `None` = no auth (loopback only).
    pub token: Option<String>,
    pub data_dir: PathBuf,
    /// Serve beyond loopback without a token anyway (a trusted network only).
    pub insecure: bool,
}

/// The whole application: API under `/api/v1`, the dashboard at `/`.
pub fn router(state: Arc<AppState>) -> Router {
    let api = api::routes()
        .layer(middleware::from_fn(refuse_declared_oversize))
        .layer(middleware::from_fn_with_state(state.clone(), mark_stale))
        .layer(middleware::from_fn_with_state(state.clone(), auth))
        .with_state(state.clone());
    let health = state.clone();
    Router::new()
        .route(
            "/healthz",
            get(move || async move {
                axum::Json(serde_json::json!({
                    "status": "ok",
                    "cache": health.cache_stats(),
                }))
            }),
        )
        .nest("/api/v1", api)
        .fallback(assets::serve)
        // Bodies are read by handlers behind the auth layer, so an oversized body is
        // a JSON 413 after the token check.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(access_log))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(deadline))
        .layer(middleware::from_fn(security_headers))
}

/// The most bytes of a request body (a `/sql` query is at most 64 KiB).
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// Every request is answered within this, with a JSON 408 past it.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// Refuses a body whose declared length is over [`MAX_BODY_BYTES`] before reading
/// any of it, so a client that waits on `Expect: 100-continue` (curl does, for big
/// bodies) is told 413 instead of being asked for the body. Bodies without a
/// declared length are cut at the same size by `DefaultBodyLimit`.
async fn refuse_declared_oversize(req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > MAX_BODY_BYTES as u64 => ApiError::too_large(format!(
            "the request body is {n} bytes, over the limit of {} bytes",
            MAX_BODY_BYTES
        ))
        .into_response(),
        _ => next.run(req).await,
    }
}

/// Answers a request that runs past [`REQUEST_DEADLINE`] with the API's JSON
/// error (the work is dropped with it).
async fn deadline(req: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_DEADLINE, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::timeout(format!("no answer within {} s", REQUEST_DEADLINE.as_secs()))
            .into_response(),
    }
}

/// Headers that keep a browser from sniffing types, framing the dashboard, sending
/// its address elsewhere, or loading scripts from anywhere but this server.
async fn security_headers(req: Request, next: Next) -> Response {
    const HEADERS: [(&str, &str); 4] = [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    ];
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    for (name, value) in HEADERS {
        let name = header::HeaderName::from_static(name);
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    resp
}

/// Binds and serves until Ctrl-C. Refuses an empty token (it would silently turn
/// auth off) and an address beyond loopback without a token unless `insecure`.
pub async fn serve(opts: ServeOptions) -> anyhow::Result<()> {
    if opts.token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        anyhow::bail!(
            "the token is empty (--token or KEFU_TOKEN): give a real secret, or no token on loopback"
        );
    }
    if !opts.addr.ip().is_loopback() && opts.token.is_none() {
        if !opts.insecure {
            anyhow::bail!(
                "refusing to serve {} without a token: anyone who can reach it could read every shop's data; pass --token (or --insecure on a trusted network)",
                opts.addr
            );
        }
        eprintln!(
            "WARNING: kefu serve on {} without --token (--insecure): the API is open to anyone who can reach it.",
            opts.addr
        );
    }
    let state = Arc::new(AppState::open(&opts.data_dir, opts.token.clone()).await?);
    let listener = tokio::net::TcpListener::bind(opts.addr).await?;
    let local = listener.local_addr()?;
    let inner = router(state.clone());
    // Warming sends its requests straight to the router, without a Host header.
    tokio::spawn(warm::keep_warm(state, inner.clone()));
    let app = inner.layer(middleware::from_fn_with_state(
        Arc::new(AllowedHosts::for_addr(local)),
        check_host,
    ));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// Host names a loopback server answers to: a web page elsewhere cannot read it
/// through DNS rebinding (its requests carry the attacker's host name).
pub struct AllowedHosts {
    /// `None`: any host (the server is bound beyond loopback and guarded by a token).
    names: Option<Vec<String>>,
}

impl AllowedHosts {
    pub fn for_addr(addr: SocketAddr) -> AllowedHosts {
        if !addr.ip().is_loopback() {
            return AllowedHosts { names: None };
        }
        let p = addr.port();
        AllowedHosts {
            names: Some(vec![
                format!("127.0.0.1:{p}"),
                format!("localhost:{p}"),
                format!("[::1]:{p}"),
                addr.to_string(),
                "127.0.0.1".into(),
                "localhost".into(),
            ]),
        }
    }
}

/// Refuses a request whose Host header is not one of the server's own names.
async fn check_host(State(hosts): State<Arc<AllowedHosts>>, req: Request, next: Next) -> Response {
    if let Some(names) = &hosts.names {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !names.iter().any(|n| n.eq_ignore_ascii_case(host)) {
            return ApiError::forbidden(format!(
                "host '{host}' is not this server (a loopback server answers only to 127.0.0.1, localhost and [::1])"
            ))
            .into_response();
        }
    }
    next.run(req).await
}

/// The auth layer: a bearer token when one is configured.
async fn auth(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if let Some(want) = state.token() {
        let got = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !constant_time_eq(got.as_bytes(), want.as_bytes()) {
            let mut r =
                ApiError::unauthorized("a bearer token is required (Authorization: Bearer …)")
                    .into_response();
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
    }
    next.run(req).await
}

/// Marks every answer given while the stored facts are behind the sources with a
/// `Kefu-Stale` header saying why (the report and meta carry it as `stale` too).
async fn mark_stale(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let stale = state.session().await.ok().and_then(|s| s.stale);
    let mut res = next.run(req).await;
    if let Some(why) = stale
        && let Ok(v) =
            HeaderValue::from_str(&why.replace(|c: char| !c.is_ascii_graphic() && c != ' ', "?"))
    {
        res.headers_mut().insert("kefu-stale", v);
    }
    res
}

/// Compares secrets without leaking where they differ through timing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One structured line per request: method, path, status, latency.
async fn access_log(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let t = Instant::now();
    let res = next.run(req).await;
    tracing::info!(
        target: "kefu_server::access",
        method = %method,
        path = %path,
        status = res.status().as_u16(),
        ms = t.elapsed().as_secs_f64() * 1e3,
        "request"
    );
    res
}
