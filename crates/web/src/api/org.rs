//! The organisation as applied: teams and people.

use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use baton_app::AppError;
use baton_core::org::{Person, Team};
use baton_core::TeamId;
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/teams", get(teams)).route("/api/v1/teams/{id}", get(team))
}

#[derive(Serialize)]
struct TeamView {
    #[serde(flatten)]
    team: Team,
    people: Vec<Person>,
}

async fn teams(State(s): State<AppState>) -> Result<Json<Vec<Team>>, ApiError> {
    Ok(Json(s.baton.org().await?.teams.values().cloned().collect()))
}

async fn team(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<TeamView>, ApiError> {
    let org = s.baton.org().await?;
    let team = TeamId::parse(&id)
        .ok()
        .and_then(|id| org.teams.get(&id))
        .ok_or_else(|| AppError::NotFound(format!("no team `{id}` is defined")))?;
    let people = team.members.iter().filter_map(|p| org.people.get(p).cloned()).collect();
    Ok(Json(TeamView { team: team.clone(), people }))
}
