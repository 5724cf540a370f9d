//! On-call rotations: the rotations as defined, who is on call at an instant (now by
//! default) and why, who is next, and the schedule over a range. Reads need a signed-in
//! caller (`reads`).

use super::doc::{OnCallErrors, ScheduleErrors, StoreErrors};
use crate::{ApiError, AppState};
use axum::extract::{Path, Query, State};
use axum::Json;
use baton_app::{AppError, OnCallView, RotationView, ShiftView};
use baton_core::oncall::RotationId;
use baton_core::Timestamp;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(who)).routes(routes!(next)).routes(routes!(schedule))
}

fn rotation_id(id: &str) -> Result<RotationId, ApiError> {
    RotationId::parse(id).map_err(|_| ApiError::from(AppError::NotFound(format!("no rotation `{id}` is defined"))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct RotationPath {
    /// The rotation's id.
    #[allow(dead_code)]
    id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AtQuery {
    /// The moment to answer for: an RFC 3339 instant, or a date meaning that day's shift
    /// change in the rotation's time zone; now by default.
    #[param(value_type = Option<String>, example = "2026-12-12")]
    at: Option<String>,
}

impl AtQuery {
    async fn moment(&self, s: &AppState, id: &RotationId) -> Result<Option<Timestamp>, ApiError> {
        match &self.at {
            Some(at) => Ok(Some(s.baton.rotation_moment(id, "at", at).await?)),
            None => Ok(None),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ScheduleQuery {
    /// Start of the range: an RFC 3339 instant, or a date (its start in the rotation's time
    /// zone). Today (in the rotation's time zone) by default.
    from: Option<String>,
    /// End of the range, the same forms; 7 days after `from` by default, at most 366 days after it.
    to: Option<String>,
}

/// List the rotations, each with who is on call now.
#[utoipa::path(
    get,
    path = "/api/v1/rotations",
    operation_id = "list_rotations",
    tag = "oncall",
    responses((status = 200, description = "Every rotation, in id order", body = Vec<RotationView>), StoreErrors)
)]
async fn list(State(s): State<AppState>) -> Result<Json<Vec<RotationView>>, ApiError> {
    Ok(Json(s.baton.rotations().await?))
}

/// Who is on call for a rotation at `at` (now by default), the shift they hold, and why:
/// their turn, a working day's shift extended over a weekend or holiday, the weekend
/// layer, or an override.
#[utoipa::path(
    get,
    path = "/api/v1/rotations/{id}/oncall",
    operation_id = "rotation_oncall",
    tag = "oncall",
    params(RotationPath, AtQuery),
    responses((status = 200, description = "Who is on call, and why", body = OnCallView), OnCallErrors)
)]
async fn who(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<AtQuery>,
) -> Result<Json<OnCallView>, ApiError> {
    let id = rotation_id(&id)?;
    Ok(Json(s.baton.who(&id, q.moment(&s, &id).await?).await?))
}

/// Who takes over at the next shift change after `at` (now by default), when, and why.
#[utoipa::path(
    get,
    path = "/api/v1/rotations/{id}/next",
    operation_id = "rotation_next",
    tag = "oncall",
    params(RotationPath, AtQuery),
    responses((status = 200, description = "The next shift: who, when, and why", body = OnCallView), OnCallErrors)
)]
async fn next(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<AtQuery>,
) -> Result<Json<OnCallView>, ApiError> {
    let id = rotation_id(&id)?;
    Ok(Json(s.baton.next(&id, q.moment(&s, &id).await?).await?))
}

/// The shifts of a rotation overlapping `[from, to)`, in order, after overrides.
#[utoipa::path(
    get,
    path = "/api/v1/rotations/{id}/schedule",
    operation_id = "rotation_schedule",
    tag = "oncall",
    params(RotationPath, ScheduleQuery),
    responses((status = 200, description = "The shifts, in order", body = Vec<ShiftView>), ScheduleErrors)
)]
async fn schedule(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ScheduleQuery>,
) -> Result<Json<Vec<ShiftView>>, ApiError> {
    let id = rotation_id(&id)?;
    Ok(Json(s.baton.schedule_query(&id, q.from.as_deref(), q.to.as_deref(), None).await?))
}
