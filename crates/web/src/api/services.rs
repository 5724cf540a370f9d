//! The pipeline: list and show services, and one POST per step a person can take.

use super::doc::{
    EnvironmentPath, HistoryErrors, ItemPath, ListServicesErrors, ServiceErrors, ServicePath, StepErrors,
};
use crate::auth::Actor;
use crate::body::JsonBody;
use crate::{ApiError, AppState};
use axum::extract::{Path, Query, State};
use axum::Json;
use baton_app::ServiceView;
use baton_core::audit::AuditRecord;
use baton_core::pipeline::*;
use baton_core::{ItemId, ServiceId};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(history))
        .routes(routes!(propose))
        .routes(routes!(accept))
        .routes(routes!(reject))
        .routes(routes!(assign))
        .routes(routes!(complete_item))
        .routes(routes!(waive_item))
        .routes(routes!(record_soak))
        .routes(routes!(enter_production))
        .routes(routes!(record_review))
        .routes(routes!(hand_over))
        .routes(routes!(retire))
        .routes(routes!(deploy))
}

type ViewResult = Result<Json<ServiceView>, ApiError>;

fn service_id(id: &str) -> Result<ServiceId, ApiError> {
    ServiceId::parse(id)
        .map_err(|_| ApiError::from(baton_app::AppError::NotFound(format!("no service `{id}` is defined"))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only services in this stage.
    #[param(value_type = Option<Stage>)]
    stage: Option<String>,
}

/// List the services, each with its stage, record, blockers and checklist.
#[utoipa::path(
    get,
    path = "/api/v1/services",
    operation_id = "list_services",
    tag = "services",
    params(ListQuery),
    responses((status = 200, description = "Every defined service", body = Vec<ServiceView>), ListServicesErrors)
)]
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

/// Show one service: its definition, stage, record, what blocks it and its checklist.
#[utoipa::path(
    get,
    path = "/api/v1/services/{id}",
    operation_id = "show_service",
    tag = "services",
    params(ServicePath),
    responses((status = 200, description = "The service", body = ServiceView), ServiceErrors)
)]
async fn show(State(s): State<AppState>, Path(id): Path<String>) -> ViewResult {
    Ok(Json(s.baton.service(&service_id(&id)?).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct HistoryQuery {
    /// At most this many records, newest first: 1 to 1000, 100 if left out (others are clamped).
    limit: Option<i64>,
}

/// The service's audit records (subject `service/{id}`), newest first.
#[utoipa::path(
    get,
    path = "/api/v1/services/{id}/history",
    operation_id = "service_history",
    tag = "services",
    params(ServicePath, HistoryQuery),
    responses((status = 200, description = "Audit records, newest first", body = Vec<AuditRecord>), HistoryErrors)
)]
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

/// Propose the service for SRE onboarding.
///
/// Role: owner.
/// Members of the service's owner team. Links left out are taken from the service's definition; all three must be
/// known from one or the other. Needs stage `draft`; moves the service to `proposed`.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/propose",
    operation_id = "propose",
    tag = "services",
    params(ServicePath),
    request_body(content = Option<Propose>, description = "May be left out: every field is optional."),
    responses((status = 200, description = "The service after the step", body = ServiceView), StepErrors),
    security(("bearer" = []))
)]
async fn propose(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<Propose>,
) -> ViewResult {
    act(&s, &id, actor, Command::Propose(b)).await
}

/// Accept a proposal and set its priority.
///
/// Role: architect.
/// Members of the architects team named by the pipeline policy. `priority` must be one of the policy's priorities.
/// Needs stage `proposed`; moves the service to `accepted`.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/accept",
    operation_id = "accept",
    tag = "services",
    params(ServicePath),
    request_body = Accept,
    responses((status = 200, description = "The service after the step", body = ServiceView), StepErrors),
    security(("bearer" = []))
)]
async fn accept(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<Accept>,
) -> ViewResult {
    act(&s, &id, actor, Command::Accept(b)).await
}

/// Reject a proposal.
///
/// Role: architect.
/// Members of the architects team named by the pipeline policy. Needs stage `proposed`; moves the service to
/// `rejected`.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/reject",
    operation_id = "reject",
    tag = "services",
    params(ServicePath),
    request_body = Reasoned,
    responses((status = 200, description = "The service after the step", body = ServiceView), StepErrors),
    security(("bearer" = []))
)]
async fn reject(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<Reasoned>,
) -> ViewResult {
    act(&s, &id, actor, Command::Reject(b)).await
}

/// Assign an SRE team and record the scope of the onboarding.
///
/// Role: sre-lead.
/// The lead of any SRE team. `sre_team` must be an SRE team. Needs stage `accepted`; moves the service to
/// `onboarding`.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/assign",
    operation_id = "assign",
    tag = "services",
    params(ServicePath),
    request_body = Assign,
    responses((status = 200, description = "The service after the step", body = ServiceView), StepErrors),
    security(("bearer" = []))
)]
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

/// Attest a checklist item as done, with evidence.
///
/// Role: requiring-team.
/// Acceptance-criteria items: members of the service's assigned SRE team. Additional requirements: members of the
/// team that requires them. Needs stage `onboarding`.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/checklist/{item}/complete",
    operation_id = "complete_item",
    tag = "services",
    params(ItemPath),
    request_body = CompleteItem,
    responses((status = 200, description = "The service after the step", body = ServiceView), StepErrors),
    security(("bearer" = []))
)]
async fn complete_item(
    State(s): State<AppState>,
    Path((id, item)): Path<(String, String)>,
    actor: Actor,
    JsonBody(body): JsonBody<CompleteItem>,
) -> ViewResult {
    act(&s, &id, actor, Command::CompleteItem { item: item_id(&item)?, body }).await
}

/// Waive a checklist item until a date.
///
/// Role: requiring-team.
/// Acceptance-criteria items: members of the service's assigned SRE team. Additional requirements: members of the
/// team that requires them. `expires_at` must be in the future. Needs stage `onboarding`.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/checklist/{item}/waive",
    operation_id = "waive_item",
    tag = "services",
    params(ItemPath),
    request_body = WaiveItem,
    responses((status = 200, description = "The service after the step", body = ServiceView), StepErrors),
    security(("bearer" = []))
)]
async fn waive_item(
    State(s): State<AppState>,
    Path((id, item)): Path<(String, String)>,
    actor: Actor,
    JsonBody(body): JsonBody<WaiveItem>,
) -> ViewResult {
    act(&s, &id, actor, Command::WaiveItem { item: item_id(&item)?, body }).await
}

/// Record a soak test that has ended; Baton judges its result.
///
/// Role: sre-or-owner.
/// Members of the service's assigned SRE team or of its owner team. `ended_at` must be after `started_at` and not
/// in the future. Needs stage `onboarding`. The result is the service's SLOs judged over `[started_at, ended_at)`
/// (the transition's verdict: every SLO met with data on every day): `passed` (met), `failed` (not met; the
/// verdict names each SLO missed and the minutes that failed it) or `no-data`; it is stored with the soak as
/// `soak.result` and `soak.verdict`. Only the assigned SRE team may set it aside with `override: {result, reason}`,
/// audited as `service.override-soak`. A body with the old `result` field is refused (422, field `result`) with
/// what to send instead.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/soak",
    operation_id = "record_soak",
    tag = "services",
    params(ServicePath),
    request_body = RecordSoak,
    responses((status = 200, description = "The service after the step", body = ServiceView), StepErrors),
    security(("bearer" = []))
)]
async fn record_soak(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<RecordSoak>,
) -> ViewResult {
    act(&s, &id, actor, Command::RecordSoak(b)).await
}

/// Record the move to production, starting the transition period.
///
/// Role: sre-or-owner.
/// Members of the service's assigned SRE team or of its owner team. Needs stage `onboarding`, every checklist item
/// done or waived (waiver not expired) and a soak test of at least the policy's minimum whose result is `passed`
/// (its SLOs met, or an SRE's override); moves the service to `transition`.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/production",
    operation_id = "enter_production",
    tag = "services",
    params(ServicePath),
    request_body(content = Option<EnterProduction>, description = "May be left out: every field is optional."),
    responses((status = 200, description = "The service after the step", body = ServiceView), StepErrors),
    security(("bearer" = []))
)]
async fn enter_production(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<EnterProduction>,
) -> ViewResult {
    act(&s, &id, actor, Command::EnterProduction(b)).await
}

/// Record an SRE review of the service's SLOs and SOPs.
///
/// Role: sre.
/// Members of the service's assigned SRE team. Needs stage `transition`.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/review",
    operation_id = "record_review",
    tag = "services",
    params(ServicePath),
    request_body = RecordReview,
    responses((status = 200, description = "The service after the step", body = ServiceView), StepErrors),
    security(("bearer" = []))
)]
async fn record_review(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<RecordReview>,
) -> ViewResult {
    act(&s, &id, actor, Command::RecordReview(b)).await
}

/// Hand the pager over to the SRE team.
///
/// Role: sre.
/// Members of the service's assigned SRE team. Needs stage `transition`, the transition window completed, an SRE
/// review during the transition and the SLOs met over the window; moves the service to `sre-owned`.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/handover",
    operation_id = "hand_over",
    tag = "services",
    params(ServicePath),
    request_body = Reasoned,
    responses((status = 200, description = "The service after the step", body = ServiceView), StepErrors),
    security(("bearer" = []))
)]
async fn hand_over(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<Reasoned>,
) -> ViewResult {
    act(&s, &id, actor, Command::HandOver(b)).await
}

/// Retire the service.
///
/// Role: owner-or-architect.
/// Members of the service's owner team or of the architects team. Refused if the service is already rejected or
/// retired; moves it to `retired`.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/retire",
    operation_id = "retire",
    tag = "services",
    params(ServicePath),
    request_body = Reasoned,
    responses((status = 200, description = "The service after the step", body = ServiceView), StepErrors),
    security(("bearer" = []))
)]
async fn retire(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<Reasoned>,
) -> ViewResult {
    act(&s, &id, actor, Command::Retire(b)).await
}

/// Record a deployment to a self-service environment (integration or stage).
///
/// Role: owner.
/// Members of the service's owner team, at any stage but rejected or retired. Production is reached through the
/// pipeline, not here.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/environments/{env}/deploy",
    operation_id = "deploy",
    tag = "services",
    params(EnvironmentPath),
    request_body(content = Option<Deploy>, description = "May be left out: every field is optional."),
    responses((status = 200, description = "The service after the step", body = ServiceView), StepErrors),
    security(("bearer" = []))
)]
async fn deploy(
    State(s): State<AppState>,
    Path((id, environment)): Path<(String, String)>,
    actor: Actor,
    JsonBody(body): JsonBody<Deploy>,
) -> ViewResult {
    act(&s, &id, actor, Command::Deploy { environment, body }).await
}
