//! SLOs: reports with their evidence, and built-in SLI samples.

use super::doc::ServiceErrors;
use crate::auth::Actor;
use crate::body::JsonBody;
use crate::{ApiError, AppState};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::Json;
use baton_app::{IngestReport, SampleIn, SloReport};
use baton_core::{ServiceId, SloId, Timestamp};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Samples come in batches of thousands: this route alone takes bodies up to 8 MiB.
pub const MAX_SAMPLES_BODY: usize = 8 * 1024 * 1024;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(report))
        .merge(OpenApiRouter::new().routes(routes!(post_samples)).layer(DefaultBodyLimit::max(MAX_SAMPLES_BODY)))
}

fn slo_id(id: &str) -> Result<SloId, ApiError> {
    SloId::parse(id).map_err(|_| ApiError::from(baton_app::AppError::NotFound(format!("no SLO `{id}` is defined"))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReportQuery {
    /// Only the SLOs of this service.
    #[param(value_type = Option<String>)]
    service: Option<ServiceId>,
    /// Evaluate at this instant (RFC 3339) instead of now.
    #[param(value_type = Option<String>, format = DateTime)]
    at: Option<Timestamp>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct SloPath {
    /// The SLO's id (its OpenSLO `metadata.name`).
    #[allow(dead_code)]
    id: String,
}

/// Report every SLO (or one service's): attainment, error budget, burn rates by alert
/// tier, time to exhaustion, and the burn-down, each with the data it rests on.
#[utoipa::path(
    get,
    path = "/api/v1/slos",
    operation_id = "list_slo_reports",
    tag = "slos",
    params(ReportQuery),
    responses((status = 200, description = "One report per SLO, in id order", body = Vec<Object>), ServiceErrors)
)]
async fn list(State(s): State<AppState>, Query(q): Query<ReportQuery>) -> Result<Json<Vec<SloReport>>, ApiError> {
    Ok(Json(s.baton.slo_reports(q.service.as_ref(), q.at).await?))
}

/// Report one SLO at an instant (now by default).
#[utoipa::path(
    get,
    path = "/api/v1/slos/{id}/report",
    operation_id = "slo_report",
    tag = "slos",
    params(SloPath, ReportQuery),
    responses((status = 200, description = "The report", body = Object), ServiceErrors)
)]
async fn report(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Json<SloReport>, ApiError> {
    Ok(Json(s.baton.slo_report(&slo_id(&id)?, q.at).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Samples {
    /// Good and total events at an instant; samples of one minute are summed into it.
    #[schema(value_type = Vec<Object>, example = json!([{"at": "2026-03-02T09:00:00Z", "good": 998, "total": 1000}]))]
    samples: Vec<SampleIn>,
}

/// Send SLI samples for a built-in SLO.
///
/// Role: sre-or-owner.
///
/// Members of the service's owner team or of its assigned SRE team. Bad items (negative counts, good above total, in the future) are refused one by one and
/// named in `rejected`; the rest are committed before the answer. A minute is replaced by
/// the latest batch carrying it, so a retried batch does not count twice.
#[utoipa::path(
    post,
    path = "/api/v1/slos/{id}/samples",
    operation_id = "post_samples",
    tag = "slos",
    params(SloPath),
    request_body = Samples,
    responses((status = 200, description = "What was kept and what was refused", body = Object), super::doc::StepErrors),
    security(("bearer" = []))
)]
async fn post_samples(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<Samples>,
) -> Result<Json<IngestReport>, ApiError> {
    Ok(Json(s.baton.ingest_samples(&slo_id(&id)?, &actor.0, &b.samples).await?))
}
