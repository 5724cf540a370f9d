//! SLO governance: a service's RACI chart resolved to people, and its SLO roadmap,
//! proposed and agreed by whom the chart names.

use super::doc::{ServiceErrors, ServicePath, StepErrors};
use crate::auth::Actor;
use crate::body::JsonBody;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use baton_app::AppError;
use baton_core::raci::{NewRoadmapItem, ResolvedRaci, RoadmapItem};
use baton_core::ServiceId;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(raci))
        .routes(routes!(list_roadmap, propose_roadmap))
        .routes(routes!(agree_roadmap))
}

fn service_id(id: &str) -> Result<ServiceId, ApiError> {
    ServiceId::parse(id).map_err(|_| ApiError::from(AppError::NotFound(format!("no service `{id}` is defined"))))
}

/// The RACI chart of a service: each SLO persona resolved to the people and teams who play
/// it there (from the service's `personas:` or the persona's default), and each step's
/// letters (R, A, C, I) per persona.
#[utoipa::path(
    get,
    path = "/api/v1/services/{id}/raci",
    operation_id = "service_raci",
    tag = "services",
    params(ServicePath),
    responses((status = 200, description = "The resolved chart: `personas` and `steps`", body = Object), ServiceErrors)
)]
async fn raci(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<ResolvedRaci>, ApiError> {
    Ok(Json(s.baton.raci(&service_id(&id)?).await?))
}

/// The SLO roadmap of a service: planned SLO changes, oldest first, each with its owner,
/// date, who proposed it and who agreed it.
#[utoipa::path(
    get,
    path = "/api/v1/services/{id}/roadmap",
    operation_id = "list_roadmap",
    tag = "services",
    params(ServicePath),
    responses((status = 200, description = "The roadmap items", body = Vec<Object>), ServiceErrors)
)]
async fn list_roadmap(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<Vec<RoadmapItem>>, ApiError> {
    Ok(Json(s.baton.roadmap(&service_id(&id)?).await?))
}

/// A planned SLO change, as proposed. Described here, parsed as `baton_core::raci::NewRoadmapItem`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct NewRoadmap {
    /// The SLO the change is about; leave out for an SLO still to be written.
    #[schema(example = "streamhub-availability")]
    slo: Option<String>,
    /// What changes, in words.
    #[schema(example = "raise availability to 99.95%")]
    change: String,
    /// The objective the change aims for, a ratio like 0.9995.
    #[schema(example = 0.9995)]
    objective: Option<f64>,
    /// The person who sees it through.
    #[schema(example = "noor.castellano")]
    owner: String,
    /// When it is planned to be done (not in the past).
    #[schema(format = Date, example = "2026-06-30")]
    due: String,
}

/// Propose an SLO roadmap item.
///
/// Role: raci-propose-roadmap.
///
/// People who play a persona the RACI chart makes Responsible or Accountable for the
/// `propose-roadmap` step of this service (`GET .../raci` shows who). Those who agree
/// roadmaps are asked to, through the outbox.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/roadmap",
    operation_id = "propose_roadmap",
    tag = "services",
    params(ServicePath),
    request_body = NewRoadmap,
    responses((status = 201, description = "The item as proposed", body = Object), StepErrors),
    security(("bearer" = []))
)]
async fn propose_roadmap(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<NewRoadmapItem>,
) -> Result<(StatusCode, Json<RoadmapItem>), ApiError> {
    let item = s.baton.propose_roadmap(&service_id(&id)?, &actor.0, b).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct RoadmapItemPath {
    /// The service's id, as in its definition.
    #[param(example = "streamhub")]
    id: String,
    /// The item's number in the service's roadmap.
    #[param(example = 1)]
    item: u32,
}

/// Agree an SLO roadmap item.
///
/// Role: raci-agree-roadmap.
///
/// People who play a persona the RACI chart makes Responsible or Accountable for the
/// `agree-roadmap` step of this service. Those who execute roadmaps are asked to. Agreeing
/// an item already agreed returns it unchanged.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/roadmap/{item}/agree",
    operation_id = "agree_roadmap",
    tag = "services",
    params(RoadmapItemPath),
    responses((status = 200, description = "The item as agreed", body = Object), StepErrors),
    security(("bearer" = []))
)]
async fn agree_roadmap(
    State(s): State<AppState>,
    Path((id, item)): Path<(String, String)>,
    actor: Actor,
) -> Result<Json<RoadmapItem>, ApiError> {
    let service = service_id(&id)?;
    let number = item
        .parse::<u32>()
        .map_err(|_| ApiError::from(AppError::NotFound(format!("no roadmap item `{item}` for service `{id}`"))))?;
    Ok(Json(s.baton.agree_roadmap(&service, number, &actor.0).await?))
}
