//! Changes to a running rotation — overrides, swaps with consent — the fairness ledger,
//! and iCalendar feeds by secret URL (served by `feed.rs`, outside the API). Reads need no
//! token; every change is made by a person and audited.

use super::doc::{FairnessErrors, FeedCreateErrors, FeedRevokeErrors, RotationChangeErrors, RotationChangeReadErrors};
use crate::auth::Actor;
use crate::body::JsonBody;
use crate::{ApiError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use baton_app::{AppError, FairnessReport, FeedView, IssuedFeed};
use baton_core::oncall::{NewOverride, NewSwap, OverrideRecord, RotationId, Swap};
use baton_core::pipeline::Signed;
use baton_core::{PersonId, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_overrides, create_override))
        .routes(routes!(cancel_override))
        .routes(routes!(list_swaps, request_swap))
        .routes(routes!(accept_swap))
        .routes(routes!(decline_swap))
        .routes(routes!(cancel_swap))
        .routes(routes!(fairness))
        .routes(routes!(create_feed))
        .routes(routes!(revoke_feed))
}

fn rotation_id(id: &str) -> Result<RotationId, ApiError> {
    RotationId::parse(id).map_err(|_| ApiError::from(AppError::NotFound(format!("no rotation `{id}` is defined"))))
}

type Created<T> = (StatusCode, Json<T>);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct RotationPath {
    /// The rotation's id.
    #[param(example = "platform-sre")]
    id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct OverridePath {
    /// The rotation's id.
    #[param(example = "platform-sre")]
    id: String,
    /// The override's id, as `GET .../overrides` lists it.
    #[param(example = "3f9a1c20be47")]
    override_id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct SwapPath {
    /// The rotation's id.
    #[param(example = "platform-sre")]
    id: String,
    /// The swap's id, as `POST .../swaps` answered and `GET .../swaps` lists it.
    #[param(example = "8d21e0c4a7f3")]
    swap_id: String,
}

/// Every override of a rotation, cancelled ones included, by start.
#[utoipa::path(
    get,
    path = "/api/v1/rotations/{id}/overrides",
    operation_id = "list_overrides",
    tag = "oncall",
    params(RotationPath),
    responses((status = 200, description = "The overrides, by start", body = Vec<OverrideRecord>), RotationChangeReadErrors)
)]
async fn list_overrides(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<OverrideRecord>>, ApiError> {
    Ok(Json(s.baton.overrides(&rotation_id(&id)?).await?))
}

/// An override as asked for.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewOverrideBody {
    /// Who is on call instead: a member of the rotation's team.
    #[schema(example = "jonas.achterberg")]
    covering: PersonId,
    /// Whose time is covered (only their time in the range is replaced); without it,
    /// whoever is scheduled in the range is.
    #[schema(example = "marta.oyelaran")]
    covered: Option<PersonId>,
    #[schema(example = "2026-03-10T09:00:00Z")]
    start: Timestamp,
    /// After `start`, and in the future.
    #[schema(example = "2026-03-11T09:00:00Z")]
    end: Timestamp,
    /// Why, for the team and the audit log.
    #[schema(example = "dentist appointment")]
    reason: String,
}

/// Put someone on call in another's place for a time range.
///
/// Role: rotation-team.
///
/// Members of the rotation's team, or its lead. `covering` (and `covered`, if given) must
/// be members of the team, and `covered` must hold some of the range. Overrides of one
/// rotation may not overlap: a 422 names the one in the way. An override that has begun
/// starts now (who was on call is not rewritten); one that has ended is refused. Who is on
/// call, the schedule, the fairness ledger and the feeds reflect it at once (`why`:
/// `override`); the people concerned are told on the team's channels.
#[utoipa::path(
    post,
    path = "/api/v1/rotations/{id}/overrides",
    operation_id = "create_override",
    tag = "oncall",
    params(RotationPath),
    request_body = NewOverrideBody,
    responses((status = 201, description = "The override as stored", body = OverrideRecord), RotationChangeErrors),
    security(("bearer" = []))
)]
async fn create_override(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<NewOverrideBody>,
) -> Result<Created<OverrideRecord>, ApiError> {
    let new = NewOverride { covering: b.covering, covered: b.covered, start: b.start, end: b.end, reason: b.reason };
    Ok((StatusCode::CREATED, Json(s.baton.create_override(&rotation_id(&id)?, &actor.0, new).await?)))
}

/// Cancel an override that has not started.
///
/// Role: rotation-team.
///
/// Members of the rotation's team, or its lead. An override that has started, or that is
/// half of a swap, cannot be cancelled (409). It is kept, marked cancelled. No body.
#[utoipa::path(
    post,
    path = "/api/v1/rotations/{id}/overrides/{override_id}/cancel",
    operation_id = "cancel_override",
    tag = "oncall",
    params(OverridePath),
    responses((status = 200, description = "The override, cancelled", body = OverrideRecord), RotationChangeErrors),
    security(("bearer" = []))
)]
async fn cancel_override(
    State(s): State<AppState>,
    Path((id, override_id)): Path<(String, String)>,
    actor: Actor,
) -> Result<Json<OverrideRecord>, ApiError> {
    Ok(Json(s.baton.cancel_override(&rotation_id(&id)?, &override_id, &actor.0).await?))
}

/// Every swap of a rotation, newest request first.
#[utoipa::path(
    get,
    path = "/api/v1/rotations/{id}/swaps",
    operation_id = "list_swaps",
    tag = "oncall",
    params(RotationPath),
    responses((status = 200, description = "The swaps, newest first", body = Vec<Swap>), RotationChangeReadErrors)
)]
async fn list_swaps(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<Vec<Swap>>, ApiError> {
    Ok(Json(s.baton.swaps(&rotation_id(&id)?).await?))
}

/// A swap as the requester asks for it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewSwapBody {
    /// The person asked: a member of the rotation's team.
    #[schema(example = "lucia.hartmann")]
    with: PersonId,
    /// The start of the caller's own shift, as the schedule lists it.
    #[schema(example = "2026-03-09T09:00:00Z")]
    my_shift_start: Timestamp,
    /// The start of the other person's shift; leave it out to ask `with` to cover the
    /// caller's shift instead (a cover request).
    #[schema(example = "2026-03-16T09:00:00Z")]
    their_shift_start: Option<Timestamp>,
    /// Why, for the other person.
    #[schema(example = "family visit")]
    reason: Option<String>,
}

/// Ask another member of the team to swap shifts.
///
/// Role: rotation-team.
///
/// Members of the rotation's team; the caller must hold the shift starting at
/// `my_shift_start`, and `with` the one at `their_shift_start`; neither may have started
/// (422 naming the field). Without `their_shift_start` it is a cover request: `with` is
/// asked to take the caller's shift, and gives nothing in return. The swap waits in state `requested` for `with` to accept or
/// decline (they are told on the team's channels); unanswered, it expires when the first
/// of its shifts starts.
#[utoipa::path(
    post,
    path = "/api/v1/rotations/{id}/swaps",
    operation_id = "request_swap",
    tag = "oncall",
    params(RotationPath),
    request_body = NewSwapBody,
    responses((status = 201, description = "The swap, requested", body = Swap), RotationChangeErrors),
    security(("bearer" = []))
)]
async fn request_swap(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<NewSwapBody>,
) -> Result<Created<Swap>, ApiError> {
    let new = NewSwap {
        with: b.with,
        my_shift_start: b.my_shift_start,
        their_shift_start: b.their_shift_start,
        reason: b.reason,
        leave: None,
    };
    Ok((StatusCode::CREATED, Json(s.baton.request_swap(&rotation_id(&id)?, &actor.0, new).await?)))
}

/// Accept a swap, which applies it.
///
/// Role: swap-partner.
///
/// Only the person asked. Both shifts must still be as requested and not started; the
/// swap's two overrides are written with the acceptance (state `applied`), and the
/// requester is told. No body.
#[utoipa::path(
    post,
    path = "/api/v1/rotations/{id}/swaps/{swap_id}/accept",
    operation_id = "accept_swap",
    tag = "oncall",
    params(SwapPath),
    responses((status = 200, description = "The swap, applied", body = Swap), RotationChangeErrors),
    security(("bearer" = []))
)]
async fn accept_swap(
    State(s): State<AppState>,
    Path((id, swap_id)): Path<(String, String)>,
    actor: Actor,
) -> Result<Json<Swap>, ApiError> {
    Ok(Json(s.baton.accept_swap(&rotation_id(&id)?, &swap_id, &actor.0).await?))
}

/// Decline a swap.
///
/// Role: swap-partner.
///
/// Only the person asked, while it is `requested`. No body.
#[utoipa::path(
    post,
    path = "/api/v1/rotations/{id}/swaps/{swap_id}/decline",
    operation_id = "decline_swap",
    tag = "oncall",
    params(SwapPath),
    responses((status = 200, description = "The swap, declined", body = Swap), RotationChangeErrors),
    security(("bearer" = []))
)]
async fn decline_swap(
    State(s): State<AppState>,
    Path((id, swap_id)): Path<(String, String)>,
    actor: Actor,
) -> Result<Json<Swap>, ApiError> {
    Ok(Json(s.baton.decline_swap(&rotation_id(&id)?, &swap_id, &actor.0).await?))
}

/// Withdraw a swap before it is answered.
///
/// Role: swap-requester.
///
/// Only the person who asked, while it is `requested`. No body.
#[utoipa::path(
    post,
    path = "/api/v1/rotations/{id}/swaps/{swap_id}/cancel",
    operation_id = "cancel_swap",
    tag = "oncall",
    params(SwapPath),
    responses((status = 200, description = "The swap, cancelled", body = Swap), RotationChangeErrors),
    security(("bearer" = []))
)]
async fn cancel_swap(
    State(s): State<AppState>,
    Path((id, swap_id)): Path<(String, String)>,
    actor: Actor,
) -> Result<Json<Swap>, ApiError> {
    Ok(Json(s.baton.cancel_swap(&rotation_id(&id)?, &swap_id, &actor.0).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FairnessQuery {
    /// Start of the range: an RFC 3339 instant, or a date (its start in the rotation's time
    /// zone). The first day of the current month by default.
    from: Option<String>,
    /// End of the range, the same forms; one month after `from` by default, at most 366 days after it.
    to: Option<String>,
    /// `json` (the default) or `csv` (RFC 4180 with a header row, for spreadsheets and pay).
    format: Option<String>,
}

/// The fairness ledger: shifts and hours per person over a range, overrides and swaps
/// included, split by weekend and holiday hours and weighted (weekend x1.5, holiday x2).
/// A shift counts in the range its start falls in; hours are clipped to the range.
#[utoipa::path(
    get,
    path = "/api/v1/rotations/{id}/fairness",
    operation_id = "rotation_fairness",
    tag = "oncall",
    params(RotationPath, FairnessQuery),
    responses(
        (status = 200, description = "The ledger, one line per person", content(
            (FairnessReport = "application/json"),
            (String = "text/csv", example = "person,name,shifts,turns,weekend_turns,overrides,hours,weekend_hours,holiday_hours,weighted_hours\r\nmarta.oyelaran,Marta Oyelaran,1,1,0,0,168.00,48.00,0.00,192.00\r\n"),
        )),
        FairnessErrors
    )
)]
async fn fairness(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<FairnessQuery>,
) -> Result<Response, ApiError> {
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => return Err(ApiError::invalid("format", format!("`{other}` is not `json` or `csv`"))),
    };
    let id = rotation_id(&id)?;
    let report = s.baton.fairness_query(&id, q.from.as_deref(), q.to.as_deref()).await?;
    if !csv {
        return Ok(Json(report).into_response());
    }
    let file = format!(
        "attachment; filename=\"fairness-{id}-{}-{}.csv\"",
        report.from.strftime("%Y%m%d"),
        report.to.strftime("%Y%m%d")
    );
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, file)],
        report.csv(),
    )
        .into_response())
}

/// What the feed lists: a rotation's shifts, a person's, or that person's on that rotation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewFeedBody {
    #[schema(example = "platform-sre")]
    rotation: Option<RotationId>,
    #[schema(example = "marta.oyelaran")]
    person: Option<PersonId>,
}

/// A feed just created, with its secret URL.
#[derive(Serialize, ToSchema)]
struct CreatedFeed {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation: Option<RotationId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    person: Option<PersonId>,
    created: Signed,
    /// The feed's address for a calendar app. It holds the secret, shown this once; only
    /// its hash is kept.
    #[schema(example = "https://baton.example.com/feeds/feed_3f9a1c20be47_9c1e….ics")]
    url: String,
}

/// The feed's URL: under Baton's public address (`serve --public-url`, else the address
/// it serves on). Without one (Baton embedded), the path alone: never a host taken from
/// the request's `Host` header, which a client or a proxy may set to anything.
fn feed_url(issued: &IssuedFeed) -> String {
    issued.url.clone().unwrap_or_else(|| issued.path())
}

/// Create an iCalendar feed (RFC 5545) reachable by a secret URL.
///
/// Role: any-person.
///
/// Any person (schedules are readable without a token anyway). Give `rotation`, `person`
/// or both: a person feed lists that person's shifts across every rotation. The feed holds
/// the shifts from 7 days back to 90 days ahead, overrides and swaps included. Its URL is
/// the only credential, so it is shown in this answer only; `POST /api/v1/feeds/{id}/revoke`
/// makes it answer 404.
#[utoipa::path(
    post,
    path = "/api/v1/feeds",
    operation_id = "create_feed",
    tag = "oncall",
    request_body = NewFeedBody,
    responses((status = 201, description = "The feed, with its secret URL", body = CreatedFeed), FeedCreateErrors),
    security(("bearer" = []))
)]
async fn create_feed(
    State(s): State<AppState>,
    actor: Actor,
    JsonBody(b): JsonBody<NewFeedBody>,
) -> Result<Created<CreatedFeed>, ApiError> {
    let issued = s.baton.create_feed(&actor.0, b.rotation, b.person).await?;
    let url = feed_url(&issued);
    let FeedView { id, rotation, person, created, .. } = issued.feed;
    Ok((StatusCode::CREATED, Json(CreatedFeed { id, rotation, person, created, url })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct FeedPath {
    /// The feed's id (not its secret), as `POST /api/v1/feeds` answered.
    #[param(example = "3f9a1c20be47")]
    id: String,
}

/// Revoke a feed: its URL answers 404 from now on.
///
/// Role: feed-owner.
///
/// Only the person who created it. No body.
#[utoipa::path(
    post,
    path = "/api/v1/feeds/{id}/revoke",
    operation_id = "revoke_feed",
    tag = "oncall",
    params(FeedPath),
    responses((status = 200, description = "The feed, revoked", body = FeedView), FeedRevokeErrors),
    security(("bearer" = []))
)]
async fn revoke_feed(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
) -> Result<Json<FeedView>, ApiError> {
    Ok(Json(s.baton.revoke_feed(&id, &actor.0).await?))
}
