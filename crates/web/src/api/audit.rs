//! The audit log: read it page by page, and check its hash chain.

use super::doc::{AuditErrors, StoreErrors};
use crate::{ApiError, AppState};
use axum::extract::{Query, State};
use axum::Json;
use baton_core::audit::AuditRecord;
use baton_store::AuditQuery;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(verify))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only records about this subject, e.g. `service/streamhub` or `token/3f9a1c20be47`.
    subject: Option<String>,
    /// Records after this sequence number (oldest first), for paging through the log.
    after: Option<i64>,
    /// At most this many records: 1 to 1000, 100 if left out (others are clamped).
    limit: Option<i64>,
}

/// The outcome of walking the hash chain; `ok` says which of the two it is.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // described here, written with `json!` by `verify`
enum AuditVerification {
    /// Every record is as written.
    Intact {
        /// `true`.
        ok: bool,
        /// How many records were verified.
        records: u64,
    },
    /// The chain is broken.
    Broken {
        /// `false`.
        ok: bool,
        /// The sequence number of the first record that is not as written.
        first_bad: i64,
        /// What is wrong, e.g. that a record was edited or deleted.
        message: String,
    },
}

/// Read the audit log, oldest first, page by page. Definitions are shown with their
/// channels' addresses and routing keys redacted.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    operation_id = "list_audit",
    tag = "audit",
    params(ListQuery),
    responses((status = 200, description = "Audit records, oldest first", body = Vec<AuditRecord>), AuditErrors)
)]

async fn list(State(s): State<AppState>, Query(q): Query<ListQuery>) -> Result<Json<Vec<AuditRecord>>, ApiError> {
    let query = AuditQuery {
        subject: q.subject,
        after_seq: q.after.unwrap_or(0),
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
        newest_first: false,
    };
    let records = s.baton.store().audit(&query).await.map_err(baton_app::AppError::from)?;
    Ok(Json(records.into_iter().map(AuditRecord::public).collect()))
}

/// Walk the whole audit log's hash chain and say whether every record is as written.
#[utoipa::path(
    get,
    path = "/api/v1/audit/verify",
    operation_id = "verify_audit",
    tag = "audit",
    responses((status = 200, description = "Whether the chain holds", body = AuditVerification), StoreErrors)
)]
async fn verify(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(match s.baton.verify_audit().await? {
        Ok(n) => json!({ "ok": true, "records": n }),
        Err(b) => json!({ "ok": false, "first_bad": b.first_bad(), "message": b.to_string() }),
    }))
}
