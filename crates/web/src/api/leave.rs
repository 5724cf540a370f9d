//! Leave: a person's time off, which every rotation of their teams reads (their turns
//! pass on and are owed back; published shifts get cover requests).

use super::doc::{LeaveErrors, LeaveReadErrors};
use crate::auth::Actor;
use crate::body::JsonBody;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use baton_app::{AppError, LeaveOutcome};
use baton_core::oncall::{LeaveRecord, NewLeave};
use baton_core::{PersonId, Timestamp};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_leave, record_leave)).routes(routes!(cancel_leave))
}

fn person_id(id: &str) -> Result<PersonId, ApiError> {
    PersonId::parse(id).map_err(|_| ApiError::from(AppError::NotFound(format!("no person `{id}` is defined"))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct PersonPath {
    /// The person's id.
    #[param(example = "cian.moreau")]
    person: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct LeavePath {
    /// The person's id.
    #[param(example = "cian.moreau")]
    person: String,
    /// The leave's id, as `POST .../leave` answered and `GET .../leave` lists it.
    #[param(example = "5be0a3d91f2c")]
    leave_id: String,
}

/// A person's recorded leave, cancelled included, by start. Leave planned in the
/// definitions (`leave/<person>.yaml`) is not listed here; the schedule applies both.
#[utoipa::path(
    get,
    path = "/api/v1/people/{person}/leave",
    operation_id = "list_leave",
    tag = "oncall",
    params(PersonPath),
    responses((status = 200, description = "The leave, by start", body = Vec<LeaveRecord>), LeaveReadErrors)
)]
async fn list_leave(State(s): State<AppState>, Path(person): Path<String>) -> Result<Json<Vec<LeaveRecord>>, ApiError> {
    Ok(Json(s.baton.leave(Some(&person_id(&person)?)).await?))
}

/// Leave as asked for.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewLeaveBody {
    #[schema(example = "2026-12-21T00:00:00Z")]
    start: Timestamp,
    /// After `start` and in the future; at most 120 days after the start.
    #[schema(example = "2027-01-02T00:00:00Z")]
    end: Timestamp,
    /// Why, for the team and the audit log.
    #[schema(example = "Christmas holidays")]
    reason: String,
}

/// Record time off.
///
/// Role: self-or-lead.
///
/// The person, or the lead of one of their teams. On every rotation of their teams,
/// turns that start at least 14 days after the leave is recorded pass to the next free
/// member and are owed back (`moved`; the schedule shows `covers-leave` and, later,
/// `repays`). A shift starting sooner was already published: it stays with the person
/// until someone agrees to cover it, and Baton asks the least-loaded free member by the
/// fairness ledger at once (`cover_requests`: swaps without a second shift, answered with
/// the swap endpoints). Shifts nobody can be asked to cover are listed in `uncovered`.
#[utoipa::path(
    post,
    path = "/api/v1/people/{person}/leave",
    operation_id = "record_leave",
    tag = "oncall",
    params(PersonPath),
    request_body = NewLeaveBody,
    responses((status = 201, description = "The leave, recorded, and what it did", body = LeaveOutcome), LeaveErrors),
    security(("bearer" = []))
)]
async fn record_leave(
    State(s): State<AppState>,
    Path(person): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<NewLeaveBody>,
) -> Result<(StatusCode, Json<LeaveOutcome>), ApiError> {
    let new = NewLeave { start: b.start, end: b.end, reason: b.reason };
    Ok((StatusCode::CREATED, Json(s.baton.record_leave(&actor.0, &person_id(&person)?, new).await?)))
}

/// Cancel leave.
///
/// Role: self-or-lead.
///
/// Leave that has not begun is withdrawn; leave under way ends now. Its cover requests
/// still waiting for an answer are withdrawn with it, and the moved turns return. No body.
#[utoipa::path(
    post,
    path = "/api/v1/people/{person}/leave/{leave_id}/cancel",
    operation_id = "cancel_leave",
    tag = "oncall",
    params(LeavePath),
    responses((status = 200, description = "The leave, cancelled", body = LeaveRecord), LeaveErrors),
    security(("bearer" = []))
)]
async fn cancel_leave(
    State(s): State<AppState>,
    Path((person, leave_id)): Path<(String, String)>,
    actor: Actor,
) -> Result<Json<LeaveRecord>, ApiError> {
    Ok(Json(s.baton.cancel_leave(&actor.0, &person_id(&person)?, &leave_id).await?))
}
