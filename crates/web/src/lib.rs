//! Baton over HTTP: the JSON API under `/api/v1`, the dashboard, and who is calling.
//!
//! Handlers only translate: HTTP in, a `baton_app` use case, HTTP out. Errors of every
//! kind become one JSON shape in one place (`error.rs`).
#![forbid(unsafe_code)]

mod api;
mod auth;
mod body;
mod error;
mod feed;
mod metrics;
mod ui;

pub use error::ApiError;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use baton_app::Baton;
use std::sync::Arc;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;

/// The largest request body accepted: definitions are applied from the CLI, so API
/// bodies are small commands.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// A request still running after this is answered with 408 and abandoned.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct AppState {
    pub baton: Arc<Baton>,
    pub config: WebConfig,
}

/// How the server is exposed.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// Served to browsers over TLS (directly or behind a proxy): session cookies get
    /// `Secure`, so they never travel in clear text.
    pub secure_cookies: bool,
}

pub fn router(baton: Arc<Baton>) -> Router {
    router_with(baton, WebConfig::default())
}

pub fn router_with(baton: Arc<Baton>, config: WebConfig) -> Router {
    // Installed now, so what the engine and the sender record before the first request counts.
    metrics::install();
    let state = AppState { baton, config };
    Router::new()
        .merge(api::routes())
        .merge(ui::routes())
        .merge(feed::routes())
        .route("/metrics", axum::routing::get(metrics::render))
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .with_state(state)
}

/// Serves until `shutdown` completes, then lets in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
