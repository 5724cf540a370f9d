//! The organisation as applied: teams and people.

use super::doc::{StoreErrors, TeamErrors, TeamPath};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::Json;
use baton_app::AppError;
use baton_core::org::{Person, Team};
use baton_core::TeamId;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(teams)).routes(routes!(team))
}

/// A team and its members' details.
#[derive(Serialize, ToSchema)]
struct TeamView {
    #[serde(flatten)]
    team: Team,
    /// The members, as the definitions describe them.
    people: Vec<Person>,
}

/// List the teams.
#[utoipa::path(
    get,
    path = "/api/v1/teams",
    operation_id = "list_teams",
    tag = "teams",
    responses((status = 200, description = "Every defined team", body = Vec<Team>), StoreErrors)
)]

async fn teams(State(s): State<AppState>) -> Result<Json<Vec<Team>>, ApiError> {
    Ok(Json(s.baton.org().await?.teams.values().cloned().collect()))
}

/// Show one team with its people.
#[utoipa::path(
    get,
    path = "/api/v1/teams/{id}",
    operation_id = "show_team",
    tag = "teams",
    params(TeamPath),
    responses((status = 200, description = "The team", body = TeamView), TeamErrors)
)]
async fn team(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<TeamView>, ApiError> {
    let org = s.baton.org().await?;
    let team = TeamId::parse(&id)
        .ok()
        .and_then(|id| org.teams.get(&id))
        .ok_or_else(|| AppError::NotFound(format!("no team `{id}` is defined")))?;
    let people = team.members.iter().filter_map(|p| org.people.get(p).cloned()).collect();
    Ok(Json(TeamView { team: team.clone(), people }))
}
