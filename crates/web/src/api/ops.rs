//! Liveness and readiness, for load balancers and orchestrators.

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(readyz))
}

/// Described here, written with `json!` by `healthz`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct Health {
    /// `ok`.
    #[schema(example = "ok")]
    status: String,
}

/// Described here, written with `json!` by `readyz`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct Readiness {
    /// `ready` or `unavailable`.
    #[schema(example = "ready")]
    status: String,
    /// The store's backend.
    #[schema(example = "sqlite")]
    store: String,
    /// Why the store is not ready (with `unavailable`).
    #[schema(nullable = false)]
    reason: Option<String>,
}

/// The process is up and serving.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "ops",
    responses((status = 200, description = "Up", body = Health))
)]
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The store is reachable and its migrations are all applied.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "ops",
    responses(
        (status = 200, description = "Ready: `status` is `ready`", body = Readiness),
        (status = 503, description = "Not ready: `status` is `unavailable` and `reason` says why", body = Readiness),
    )
)]
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
