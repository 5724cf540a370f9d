//! Production gates: each gate's verdict for a service, and the acts that change it —
//! votes, waivers, check results (JSON or JUnit XML), capacity and velocity, installs, and
//! passing a gate. Who may do what is decided in `app::gates` (and `core::gate`).

use super::doc::{GateActErrors, GatePath, GateReadErrors, ServicePath, VotePath};
use crate::auth::Actor;
use crate::body::{parse_json, JsonBody};
use crate::{ApiError, AppState};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use baton_app::gates::{
    Capacity, CapacityIn, CheckIn, CheckReport, GateView, GateVote, GateWaiver, Install, InstallIn, ServiceGates,
    VoteIn, VotesAsked, WaiverIn,
};
use baton_app::AppError;
use baton_core::gate::CheckResult;
use baton_core::{GateId, Link, ServiceId};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// JUnit reports of a large end-to-end suite run to megabytes: this route takes up to 8 MiB.
pub const MAX_CHECK_BODY: usize = 8 * 1024 * 1024;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(vote))
        .routes(routes!(withdraw_vote))
        .routes(routes!(waive))
        .routes(routes!(pass))
        .routes(routes!(ask_for_votes))
        .routes(routes!(propose_capacity))
        .routes(routes!(approve_capacity))
        .routes(routes!(record_install))
        .merge(OpenApiRouter::new().routes(routes!(post_check)).layer(DefaultBodyLimit::max(MAX_CHECK_BODY)))
}

fn service_id(id: &str) -> Result<ServiceId, ApiError> {
    ServiceId::parse(id).map_err(|_| ApiError::from(AppError::NotFound(format!("no service `{id}` is defined"))))
}

fn gate_id(gate: &str) -> Result<GateId, ApiError> {
    GateId::parse(gate).map_err(|_| ApiError::from(AppError::NotFound(format!("no gate `{gate}` is defined"))))
}

/// Every gate of the organisation for the service: each verdict per requirement (with
/// the reason, who can act, and when it passes on its own), votes, waivers, the assurance
/// the service runs under, its capacity and installs.
#[utoipa::path(
    get,
    path = "/api/v1/services/{id}/gates",
    operation_id = "list_gates",
    tag = "gates",
    params(ServicePath),
    responses((status = 200, description = "The service's gates", body = ServiceGates), GateReadErrors)
)]
async fn list(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<ServiceGates>, ApiError> {
    Ok(Json(s.baton.service_gates(&service_id(&id)?).await?))
}

/// One gate for the service: may it pass, and if not, exactly what is missing and who has to act.
#[utoipa::path(
    get,
    path = "/api/v1/services/{id}/gates/{gate}",
    operation_id = "show_gate",
    tag = "gates",
    params(GatePath),
    responses((status = 200, description = "The gate's verdict and what it was judged on", body = GateView), GateReadErrors)
)]
async fn show(State(s): State<AppState>, Path((id, gate)): Path<(String, String)>) -> Result<Json<GateView>, ApiError> {
    Ok(Json(s.baton.gate(&service_id(&id)?, &gate_id(&gate)?).await?))
}

/// Vote +1 (`plus`) or −1 (`minus`) on a gate, with a comment and the evidence it was given on.
///
/// Role: gate-team.
///
/// Members of a team the gate asks approval from, for that team (`team` may be left out when the voter belongs to
/// exactly one). A +1 counts for the service's current version; a −1 blocks the team's requirement until withdrawn.
/// Someone outside the team gets 403 with the reason; a team the gate does not ask gets 422.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/gates/{gate}/votes",
    operation_id = "vote_on_gate",
    tag = "gates",
    params(GatePath),
    request_body = VoteIn,
    responses((status = 201, description = "The vote as recorded", body = GateVote), GateActErrors),
    security(("bearer" = []))
)]
async fn vote(
    State(s): State<AppState>,
    Path((id, gate)): Path<(String, String)>,
    actor: Actor,
    JsonBody(b): JsonBody<VoteIn>,
) -> Result<(StatusCode, Json<GateVote>), ApiError> {
    let v = s.baton.vote(&actor.0, &service_id(&id)?, &gate_id(&gate)?, b).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// Withdraw a vote: a −1 stops blocking, a +1 stops counting.
///
/// Role: voter.
///
/// Only the person who gave the vote. Withdrawing a withdrawn vote changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/gates/{gate}/votes/{vote}/withdraw",
    operation_id = "withdraw_vote",
    tag = "gates",
    params(VotePath),
    responses((status = 200, description = "The vote, withdrawn", body = GateVote), GateActErrors),
    security(("bearer" = []))
)]
async fn withdraw_vote(
    State(s): State<AppState>,
    Path((id, gate, vote)): Path<(String, String, String)>,
    actor: Actor,
) -> Result<Json<GateVote>, ApiError> {
    Ok(Json(s.baton.withdraw_vote(&actor.0, &service_id(&id)?, &gate_id(&gate)?, &vote).await?))
}

/// Waive one requirement of a gate for the service until an expiry, with a reason.
///
/// Role: sre-or-architect.
///
/// Members of the service's assigned SRE team or of the architects team, for that team (`approver_team` may be left
/// out). The waiver is shown on the gate; when it expires the requirement counts again and the owner team is told.
/// A waiver without a reason or an expiry, or one expiring in the past, is 422.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/gates/{gate}/waivers",
    operation_id = "waive_gate_requirement",
    tag = "gates",
    params(GatePath),
    request_body = WaiverIn,
    responses((status = 201, description = "The waiver as recorded", body = GateWaiver), GateActErrors),
    security(("bearer" = []))
)]
async fn waive(
    State(s): State<AppState>,
    Path((id, gate)): Path<(String, String)>,
    actor: Actor,
    JsonBody(b): JsonBody<WaiverIn>,
) -> Result<(StatusCode, Json<GateWaiver>), ApiError> {
    let w = s.baton.waive_gate_requirement(&actor.0, &service_id(&id)?, &gate_id(&gate)?, b).await?;
    Ok((StatusCode::CREATED, Json(w)))
}

/// Pass a gate: recorded only while its verdict passes, with the verdict kept in the audit log as evidence.
///
/// Role: owner.
///
/// Members of the service's owner team. Refused with 409 listing every unmet requirement (with who can act)
/// otherwise. Passing `promote-to-prod` is a condition of entering production; passing `customer-release` lets
/// customers install the service and ends its reduced assurance.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/gates/{gate}/pass",
    operation_id = "pass_gate",
    tag = "gates",
    params(GatePath),
    responses((status = 200, description = "The gate, passed", body = GateView), GateActErrors),
    security(("bearer" = []))
)]
async fn pass(
    State(s): State<AppState>,
    Path((id, gate)): Path<(String, String)>,
    actor: Actor,
) -> Result<Json<GateView>, ApiError> {
    Ok(Json(s.baton.pass_gate(&actor.0, &service_id(&id)?, &gate_id(&gate)?).await?))
}

/// What the owner team adds to its request for votes.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct AskBody {
    /// A word for the people asked (at most 2,000 characters).
    #[schema(example = "The release is planned for Thursday; the runbook is linked in the MR.")]
    note: Option<String>,
}

/// Ask for the votes a gate still needs.
///
/// Role: owner.
///
/// Members of the service's owner team. Each member of every team (and each person) that can
/// meet an unmet approval requirement is told, by their own notification rules, and each such
/// team on its channels, with the requirements they are asked for and a link to vote. Refused
/// with 409 when the gate waits on no approval (it passes, does not apply, or only
/// requirements that need no vote are unmet).
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/gates/{gate}/ask",
    operation_id = "ask_for_votes",
    tag = "gates",
    params(GatePath),
    request_body = AskBody,
    responses((status = 200, description = "Who was asked, for what", body = VotesAsked), GateActErrors),
    security(("bearer" = []))
)]
async fn ask_for_votes(
    State(s): State<AppState>,
    Path((id, gate)): Path<(String, String)>,
    actor: Actor,
    JsonBody(b): JsonBody<AskBody>,
) -> Result<Json<VotesAsked>, ApiError> {
    Ok(Json(s.baton.ask_for_votes(&actor.0, &service_id(&id)?, &gate_id(&gate)?, b.note).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CheckQuery {
    /// With a JUnit body: the check's name, e.g. `e2e`.
    name: Option<String>,
    /// With a JUnit body: where the run can be seen.
    evidence: Option<String>,
}

/// Post a check result: JSON `{name, passed, summary, evidence}`, or a JUnit XML report with `?name=`.
///
/// Role: sre-or-owner.
///
/// Members of the owner team, or of the SRE team once assigned. A JUnit report (`Content-Type: application/xml`)
/// passes only if it has no failures and no errors and ran a test; one that does not parse is 400, naming the
/// problem and its line and column. Gates read the latest result of each check, within the age they allow.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/checks",
    operation_id = "post_check",
    tag = "gates",
    params(ServicePath, CheckQuery),
    request_body(content(
        (CheckIn = "application/json"),
        (String = "application/xml", example = "<testsuites tests=\"212\" failures=\"0\" errors=\"0\">...</testsuites>"),
    )),
    responses((status = 201, description = "The result as recorded", body = CheckResult), GateActErrors),
    security(("bearer" = []))
)]
async fn post_check(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<CheckQuery>,
    actor: Actor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<CheckResult>), ApiError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let report = if mime == "application/xml" || mime == "text/xml" {
        let name = q.name.ok_or_else(|| {
            ApiError::invalid("name", "a JUnit report needs the check's name as `?name=`, e.g. `?name=e2e`")
        })?;
        let evidence = q
            .evidence
            .map(|e| Link::parse(&e).map_err(|err| ApiError::invalid("evidence", err.to_string())))
            .transpose()?;
        let xml = String::from_utf8(body.to_vec()).map_err(|e| {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_request", format!("the JUnit report is not UTF-8: {e}"))
        })?;
        CheckReport::Junit { name, xml, evidence }
    } else {
        CheckReport::Json(parse_json(&body)?)
    };
    let result = s.baton.post_check(&actor.0, &service_id(&id)?, report).await?;
    Ok((StatusCode::CREATED, Json(result)))
}

/// Propose capacity (installs in all) and velocity (new installs a week) for the customer release.
///
/// Role: owner.
///
/// Members of the service's owner team. New numbers replace the old ones and need agreeing again.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/capacity",
    operation_id = "propose_capacity",
    tag = "gates",
    params(ServicePath),
    request_body = CapacityIn,
    responses((status = 200, description = "The numbers, proposed", body = Capacity), GateActErrors),
    security(("bearer" = []))
)]
async fn propose_capacity(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<CapacityIn>,
) -> Result<Json<Capacity>, ApiError> {
    Ok(Json(s.baton.propose_capacity(&actor.0, &service_id(&id)?, b).await?))
}

/// Agree the proposed capacity and velocity.
///
/// Role: sre.
///
/// Members of the SRE team assigned to the service ("SRE will agree on capacity and velocity numbers"). 409 when
/// none are proposed or no SRE team is assigned.
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/capacity/approve",
    operation_id = "approve_capacity",
    tag = "gates",
    params(ServicePath),
    responses((status = 200, description = "The numbers, agreed", body = Capacity), GateActErrors),
    security(("bearer" = []))
)]
async fn approve_capacity(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
) -> Result<Json<Capacity>, ApiError> {
    Ok(Json(s.baton.approve_capacity(&actor.0, &service_id(&id)?).await?))
}

/// Record an install of the service by a customer (`external`) or an internal consumer.
///
/// Role: sre-or-owner.
///
/// Members of the owner team, or of the SRE team once assigned. Refused with 409 and every reason when the service
/// is not in production, when the customer is external and `customer-release` has not passed, or when it would
/// exceed the agreed capacity or velocity (which count customers' installs).
#[utoipa::path(
    post,
    path = "/api/v1/services/{id}/installs",
    operation_id = "record_install",
    tag = "gates",
    params(ServicePath),
    request_body = InstallIn,
    responses((status = 201, description = "The install as recorded", body = Install), GateActErrors),
    security(("bearer" = []))
)]
async fn record_install(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<InstallIn>,
) -> Result<(StatusCode, Json<Install>), ApiError> {
    let install = s.baton.record_install(&actor.0, &service_id(&id)?, b).await?;
    Ok((StatusCode::CREATED, Json(install)))
}
