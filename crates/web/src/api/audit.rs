//! The audit log: read it page by page, and check its hash chain.

use crate::{ApiError, AppState};
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use baton_core::audit::AuditRecord;
use baton_store::AuditQuery;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/audit", get(list)).route("/api/v1/audit/verify", get(verify))
}

#[derive(Deserialize)]
struct ListQuery {
    subject: Option<String>,
    /// Records after this sequence number (oldest first), for paging through the log.
    after: Option<i64>,
    limit: Option<i64>,
}

async fn list(State(s): State<AppState>, Query(q): Query<ListQuery>) -> Result<Json<Vec<AuditRecord>>, ApiError> {
    let query = AuditQuery {
        subject: q.subject,
        after_seq: q.after.unwrap_or(0),
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
        newest_first: false,
    };
    Ok(Json(s.baton.store().audit(&query).await.map_err(baton_app::AppError::from)?))
}

async fn verify(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(match s.baton.verify_audit().await? {
        Ok(n) => json!({ "ok": true, "records": n }),
        Err(b) => json!({ "ok": false, "first_bad": b.first_bad(), "message": b.to_string() }),
    }))
}
