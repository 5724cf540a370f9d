//! SLOs: reports with their evidence, built-in SLI samples, corrections and monthly
//! compliance.

use super::doc::ServiceErrors;
use crate::auth::Actor;
use crate::body::JsonBody;
use crate::reads::Reader;
use crate::{ApiError, AppState};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::{Extension, Json};
use baton_app::{CorrectionIn, IngestReport, SampleIn, SloBacktest, SloCompliance, SloCorrection, SloReport};
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
        .routes(routes!(list_corrections, post_correction))
        .routes(routes!(cancel_correction))
        .routes(routes!(compliance))
        .routes(routes!(backtest))
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
    responses((status = 200, description = "One report per SLO, in id order", body = Vec<SloReport>), ServiceErrors)
)]
async fn list(
    State(s): State<AppState>,
    reader: Option<Extension<Reader>>,
    Query(q): Query<ReportQuery>,
) -> Result<Json<Vec<SloReport>>, ApiError> {
    let reports = s.baton.slo_reports(q.service.as_ref(), q.at).await?;
    Ok(Json(reports.into_iter().map(|r| for_reader(r, reader.as_deref())).collect()))
}

/// A report as a reader who is not signed in sees it (`serve --open-reads slos`): without
/// the corrections' list, which names who declared each (the figures still count them).
fn for_reader(mut report: SloReport, reader: Option<&Reader>) -> SloReport {
    if matches!(reader, Some(Reader::Anonymous)) {
        report.corrections.clear();
    }
    report
}

/// Report one SLO at an instant (now by default).
#[utoipa::path(
    get,
    path = "/api/v1/slos/{id}/report",
    operation_id = "slo_report",
    tag = "slos",
    params(SloPath, ReportQuery),
    responses((status = 200, description = "The report", body = SloReport), ServiceErrors)
)]
async fn report(
    State(s): State<AppState>,
    reader: Option<Extension<Reader>>,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Json<SloReport>, ApiError> {
    Ok(Json(for_reader(s.baton.slo_report(&slo_id(&id)?, q.at).await?, reader.as_deref())))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Samples {
    /// Good and total events at an instant; samples of one minute are summed into it.
    #[schema(example = json!([{"at": "2026-03-02T09:00:00Z", "good": 998, "total": 1000}]))]
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
    responses((status = 200, description = "What was kept and what was refused", body = IngestReport), super::doc::StepErrors),
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

/// A correction as declared: the (first) occurrence, how it repeats, and why.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewCorrection {
    /// The (first) occurrence's start.
    #[schema(value_type = String, format = DateTime, example = "2026-03-02T02:00:00Z")]
    start: Timestamp,
    /// The (first) occurrence's end; after `start`, and for a daily or weekly correction
    /// less than a day or a week later.
    #[schema(value_type = String, format = DateTime, example = "2026-03-02T02:30:00Z")]
    end: Timestamp,
    /// `once` (the default), `daily` or `weekly`: repeats every 24 hours or 7 × 24 hours.
    #[schema(value_type = Option<String>, example = "daily")]
    recurrence: Option<baton_core::slo::Recurrence>,
    /// A repeating correction's occurrences start before this (forever without it).
    #[schema(value_type = Option<String>, format = DateTime)]
    until: Option<Timestamp>,
    /// Why these minutes should not count against the error budget.
    #[schema(example = "nightly database maintenance")]
    reason: String,
}

/// The corrections declared for an SLO, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/slos/{id}/corrections",
    operation_id = "list_corrections",
    tag = "slos",
    params(SloPath),
    responses((status = 200, description = "Every correction of the SLO", body = Vec<SloCorrection>), ServiceErrors)
)]
async fn list_corrections(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<SloCorrection>>, ApiError> {
    Ok(Json(s.baton.slo_corrections(&slo_id(&id)?).await?))
}

/// Declare a correction: a maintenance window or an incident whose minutes do not count.
///
/// Role: sre-or-owner.
///
/// Members of the service's owner team or of its assigned SRE team. The correction's
/// minutes are left out of the error budget and of every figure of the SLO's reports, its
/// alert tiers are muted while it is in force, and the reports list it. The author is the
/// caller; the correction is written with an audit record and never changed.
#[utoipa::path(
    post,
    path = "/api/v1/slos/{id}/corrections",
    operation_id = "post_correction",
    tag = "slos",
    params(SloPath),
    request_body = NewCorrection,
    responses((status = 201, description = "The correction as stored", body = SloCorrection), super::doc::StepErrors),
    security(("bearer" = []))
)]
async fn post_correction(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<NewCorrection>,
) -> Result<(axum::http::StatusCode, Json<SloCorrection>), ApiError> {
    let input = CorrectionIn {
        start: b.start,
        end: b.end,
        recurrence: b.recurrence.unwrap_or_default(),
        until: b.until,
        reason: b.reason,
    };
    let stored = s.baton.add_correction(&slo_id(&id)?, &actor.0, input).await?;
    Ok((axum::http::StatusCode::CREATED, Json(stored)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct CorrectionPath {
    /// The SLO's id (its OpenSLO `metadata.name`).
    #[allow(dead_code)]
    id: String,
    /// The correction's id, as listed.
    #[allow(dead_code)]
    correction_id: i64,
}

/// Why a correction is cancelled.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CancelCorrection {
    /// Why these minutes should count against the error budget again.
    #[schema(example = "maintenance postponed to next week")]
    reason: String,
}

/// Cancel a correction from now on.
///
/// Role: sre-or-owner.
///
/// Members of the service's owner team or of its assigned SRE team, as for declaring one.
/// From now, no occurrence of the correction starts, the one in force ends, and it no
/// longer mutes the alert tiers; the minutes before now keep their correction, so past
/// reports do not change. The correction is left out of the corrections list, and reports
/// show it (with `cancelled`) only for the minutes it still corrects. Written as a record
/// of its own with an audit record; a correction is cancelled once (409 the second time),
/// and one with no occurrence left is refused (422).
#[utoipa::path(
    post,
    path = "/api/v1/slos/{id}/corrections/{correction_id}/cancel",
    operation_id = "cancel_correction",
    tag = "slos",
    params(CorrectionPath),
    request_body = CancelCorrection,
    responses((status = 200, description = "The correction, cancelled", body = SloCorrection), super::doc::StepErrors),
    security(("bearer" = []))
)]
async fn cancel_correction(
    State(s): State<AppState>,
    Path((id, correction_id)): Path<(String, i64)>,
    actor: Actor,
    JsonBody(b): JsonBody<CancelCorrection>,
) -> Result<Json<SloCorrection>, ApiError> {
    Ok(Json(s.baton.cancel_correction(&slo_id(&id)?, correction_id, &actor.0, &b.reason).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ComplianceQuery {
    /// How many calendar months (UTC), ending with the current one: 1 to 120, 12 by default.
    months: Option<u32>,
}

/// The SLO's attainment and whether it met its objective, per calendar month (UTC), oldest
/// first; the current month is in progress (`complete: false`).
#[utoipa::path(
    get,
    path = "/api/v1/slos/{id}/compliance",
    operation_id = "slo_compliance",
    tag = "slos",
    params(SloPath, ComplianceQuery),
    responses((status = 200, description = "The monthly history", body = SloCompliance), super::doc::ComplianceErrors)
)]
async fn compliance(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ComplianceQuery>,
) -> Result<Json<SloCompliance>, ApiError> {
    let mut all = s.baton.slo_compliance(None, Some(&slo_id(&id)?), q.months.unwrap_or(12)).await?;
    Ok(Json(all.remove(0)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct BacktestQuery {
    /// The range's start (RFC 3339); 28 days before `to` by default.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<Timestamp>,
    /// The range's end (RFC 3339); now by default. At most 90 days after `from`.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<Timestamp>,
}

/// Would it have paged? The SLO's alerting engine replayed minute by minute over its
/// stored history (built-in samples or Prometheus) from `from` to `to`: every page and
/// ticket that would have opened and resolved, when the burn behind each began and how
/// long after it fired, the budget spent before the first page, the tiers that can never
/// fire, and how many minutes had data (a range without any says so, not "no pages").
#[utoipa::path(
    get,
    path = "/api/v1/slos/{id}/backtest",
    operation_id = "slo_backtest",
    tag = "slos",
    params(SloPath, BacktestQuery),
    responses((status = 200, description = "What the alerting engine would have done", body = SloBacktest), super::doc::BacktestErrors)
)]
async fn backtest(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<BacktestQuery>,
) -> Result<Json<SloBacktest>, ApiError> {
    Ok(Json(s.baton.backtest_slo(&slo_id(&id)?, q.from, q.to).await?))
}
