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
mod headers;
mod metrics;
mod rate;
mod reads;
mod ui;

pub use error::ApiError;
pub use rate::{RateLimit, RateLimitSetting};
pub use reads::OpenReads;

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
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Served to browsers over TLS (directly or behind a proxy): session cookies get
    /// `Secure`, so they never travel in clear text.
    pub secure_cookies: bool,
    /// Each caller's budget (see `rate`); `None` counts nothing (benchmarks).
    pub rate_limit: Option<RateLimit>,
    /// The views open to readers who are not signed in; none by default (see `reads`).
    pub open_reads: OpenReads,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig { secure_cookies: false, rate_limit: Some(RateLimit::default()), open_reads: OpenReads::NONE }
    }
}

pub fn router(baton: Arc<Baton>) -> Router {
    router_with(baton, WebConfig::default())
}

pub fn router_with(baton: Arc<Baton>, config: WebConfig) -> Router {
    // Installed now, so what the engine and the sender record before the first request counts.
    metrics::install();
    let limit = config.rate_limit;
    let state = AppState { baton, config };
    let router = Router::new()
        .merge(api::routes())
        .merge(ui::routes())
        .merge(feed::routes())
        .route("/metrics", axum::routing::get(metrics::render))
        // Inside `reads` (route layers added later wrap earlier ones): pages render in the
        // reader's zone, found from the session `reads` looked up.
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), ui::zone::local_times))
        // Only on routes that answer: a GET where only POST is taken is 405, not 401.
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), reads::require_reader))
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(axum::middleware::from_fn(error::json_errors));
    let router = match limit {
        Some(limit) => router.layer(axum::middleware::from_fn_with_state(rate::Limiter::new(limit), rate::limit)),
        None => router,
    };
    router.layer(axum::middleware::from_fn(headers::secure)).with_state(state)
}

/// A connection that has not sent a request's headers this long after it opened (or after
/// its last answer, on keep-alive) is closed: idle or trickling connections hold a task and
/// a socket each, and enough of them would starve everyone else.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests get to finish once `shutdown` completes.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves until `shutdown` completes, then lets in-flight requests finish (up to 30 s).
/// `axum::serve` with hyper's header read timeout, which it does not set.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                // Out of file descriptors, say: wait a moment rather than spin.
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // The caller's address, for the rate limits (`ConnectInfo`, as `axum::serve` gives).
        let service = TowerToHyperService::new(app.clone().layer(axum::Extension(axum::extract::ConnectInfo(peer))));
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "a connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in flight after {DRAIN:?}; stopping anyway");
    }
    Ok(())
}
