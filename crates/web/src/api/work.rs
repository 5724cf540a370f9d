//! The caller's own work list: what the dashboard's "My work" shows, for scripts and chat
//! bots.

use super::doc::MyWorkErrors;
use crate::auth::Actor;
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use baton_app::MyWork;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_work))
}

/// What waits on the caller, most urgent first.
///
/// Open alerts of services they answer for, not yet acknowledged; handovers written to
/// them and swaps asked of them, unanswered; gate votes they can give; SLO roadmap items
/// the RACI chart lets them agree, and agreed ones of theirs due within 14 days; pipeline
/// steps and checklist items that are theirs, each with what still stands in its way.
#[utoipa::path(
    get,
    path = "/api/v1/me/work",
    operation_id = "my_work",
    tag = "people",
    responses((status = 200, description = "The caller's work list", body = MyWork), MyWorkErrors),
    security(("bearer" = []))
)]
async fn my_work(State(s): State<AppState>, actor: Actor) -> Result<Json<MyWork>, ApiError> {
    Ok(Json(s.baton.my_work(&actor.0).await?))
}
