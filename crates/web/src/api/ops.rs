//! Liveness and readiness, for load balancers and orchestrators.

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// The process is up and serving.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The store is reachable and its migrations are all applied.
async fn readyz(State(s): State<AppState>) -> (StatusCode, Json<Value>) {
    let backend = s.baton.store().backend();
    match s.baton.store().ready().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready", "store": backend }))),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "store": backend, "reason": e.to_string() })),
            )
        }
    }
}
