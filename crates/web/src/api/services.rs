//! The pipeline: list and show services, and one POST per step a person can take.

use crate::auth::Actor;
use crate::body::JsonBody;
use crate::{ApiError, AppState};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use baton_app::ServiceView;
use baton_core::audit::AuditRecord;
use baton_core::pipeline::*;
use baton_core::{ItemId, ServiceId};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/services", get(list))
        .route("/api/v1/services/{id}", get(show))
        .route("/api/v1/services/{id}/history", get(history))
        .route("/api/v1/services/{id}/propose", post(propose))
        .route("/api/v1/services/{id}/accept", post(accept))
        .route("/api/v1/services/{id}/reject", post(reject))
        .route("/api/v1/services/{id}/assign", post(assign))
        .route("/api/v1/services/{id}/checklist/{item}/complete", post(complete_item))
        .route("/api/v1/services/{id}/checklist/{item}/waive", post(waive_item))
        .route("/api/v1/services/{id}/soak", post(record_soak))
        .route("/api/v1/services/{id}/production", post(enter_production))
        .route("/api/v1/services/{id}/review", post(record_review))
        .route("/api/v1/services/{id}/handover", post(hand_over))
        .route("/api/v1/services/{id}/retire", post(retire))
        .route("/api/v1/services/{id}/environments/{env}/deploy", post(deploy))
}

type ViewResult = Result<Json<ServiceView>, ApiError>;

fn service_id(id: &str) -> Result<ServiceId, ApiError> {
    ServiceId::parse(id)
        .map_err(|_| ApiError::from(baton_app::AppError::NotFound(format!("no service `{id}` is defined"))))
}

#[derive(Deserialize)]
struct ListQuery {
    stage: Option<String>,
}

async fn list(State(s): State<AppState>, Query(q): Query<ListQuery>) -> Result<Json<Vec<ServiceView>>, ApiError> {
    let stage = match q.stage.as_deref() {
        None => None,
        Some(name) => Some(Stage::parse(name).ok_or_else(|| {
            let names: Vec<_> = Stage::ALL.iter().map(|s| s.as_str()).collect();
            ApiError::invalid("stage", format!("`{name}` is not a stage; use one of {}", names.join(", ")))
        })?),
    };
    let mut services = s.baton.services().await?;
    services.retain(|v| stage.is_none_or(|st| v.stage == st));
    Ok(Json(services))
}

async fn show(State(s): State<AppState>, Path(id): Path<String>) -> ViewResult {
    Ok(Json(s.baton.service(&service_id(&id)?).await?))
}

#[derive(Deserialize)]
struct HistoryQuery {
    limit: Option<i64>,
}

async fn history(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Result<Json<Vec<AuditRecord>>, ApiError> {
    let id = service_id(&id)?;
    s.baton.service(&id).await?;
    Ok(Json(s.baton.history(&format!("service/{id}"), q.limit.unwrap_or(100).clamp(1, 1000)).await?))
}

async fn act(s: &AppState, id: &str, actor: Actor, command: Command) -> ViewResult {
    Ok(Json(s.baton.act(&service_id(id)?, &actor.0, command).await?))
}

async fn propose(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<Propose>,
) -> ViewResult {
    act(&s, &id, actor, Command::Propose(b)).await
}

async fn accept(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<Accept>,
) -> ViewResult {
    act(&s, &id, actor, Command::Accept(b)).await
}

async fn reject(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<Reasoned>,
) -> ViewResult {
    act(&s, &id, actor, Command::Reject(b)).await
}

async fn assign(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<Assign>,
) -> ViewResult {
    act(&s, &id, actor, Command::Assign(b)).await
}

fn item_id(item: &str) -> Result<ItemId, ApiError> {
    ItemId::parse(item)
        .map_err(|_| ApiError::from(baton_app::AppError::NotFound(format!("no checklist item `{item}` is defined"))))
}

async fn complete_item(
    State(s): State<AppState>,
    Path((id, item)): Path<(String, String)>,
    actor: Actor,
    JsonBody(body): JsonBody<CompleteItem>,
) -> ViewResult {
    act(&s, &id, actor, Command::CompleteItem { item: item_id(&item)?, body }).await
}

async fn waive_item(
    State(s): State<AppState>,
    Path((id, item)): Path<(String, String)>,
    actor: Actor,
    JsonBody(body): JsonBody<WaiveItem>,
) -> ViewResult {
    act(&s, &id, actor, Command::WaiveItem { item: item_id(&item)?, body }).await
}

async fn record_soak(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<RecordSoak>,
) -> ViewResult {
    act(&s, &id, actor, Command::RecordSoak(b)).await
}

async fn enter_production(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<EnterProduction>,
) -> ViewResult {
    act(&s, &id, actor, Command::EnterProduction(b)).await
}

async fn record_review(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<RecordReview>,
) -> ViewResult {
    act(&s, &id, actor, Command::RecordReview(b)).await
}

async fn hand_over(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<Reasoned>,
) -> ViewResult {
    act(&s, &id, actor, Command::HandOver(b)).await
}

async fn retire(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<Reasoned>,
) -> ViewResult {
    act(&s, &id, actor, Command::Retire(b)).await
}

async fn deploy(
    State(s): State<AppState>,
    Path((id, environment)): Path<(String, String)>,
    actor: Actor,
    JsonBody(body): JsonBody<Deploy>,
) -> ViewResult {
    act(&s, &id, actor, Command::Deploy { environment, body }).await
}
