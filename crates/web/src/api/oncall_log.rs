//! The on-call work of a rotation: the current shift and its duties, the on-call log,
//! requests for help, runbooks to write, and handovers with their acknowledgement. Reads
//! need a signed-in caller (`reads`); every write is made by a person and audited.

use super::doc::{RotationWorkErrors, RotationWorkReadErrors};
use crate::auth::Actor;
use crate::body::JsonBody;
use crate::{ApiError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use baton_app::{AppError, CurrentShift, LogPage};
use baton_core::oncall::{
    LogEntry, LogKind, NewLogEntry, NewShiftNote, RotationId, RunbookTodo, ShiftDigest, ShiftNote,
};
use baton_core::Link;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(current_shift))
        .routes(routes!(tick_duty))
        .routes(routes!(list_log, post_log))
        .routes(routes!(ask_for_help))
        .routes(routes!(list_todos))
        .routes(routes!(resolve_todo))
        .routes(routes!(list_handovers, write_handover))
        .routes(routes!(draft_handover))
        .routes(routes!(ack_handover))
}

fn rotation_id(id: &str) -> Result<RotationId, ApiError> {
    RotationId::parse(id).map_err(|_| ApiError::from(AppError::NotFound(format!("no rotation `{id}` is defined"))))
}

type Created<T> = (StatusCode, Json<T>);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct RotationPath {
    /// The rotation's id.
    #[param(example = "addon-sre")]
    #[allow(dead_code)]
    id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct DutyPath {
    /// The rotation's id.
    #[param(example = "addon-sre")]
    id: String,
    /// The duty's position in the rotation's duties, from 1.
    #[param(example = "1")]
    n: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct TodoPath {
    /// The rotation's id.
    #[param(example = "addon-sre")]
    id: String,
    /// The runbook to write, as `GET .../todos` lists it.
    #[param(example = "log-12")]
    todo: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct ShiftNotePath {
    /// The rotation's id.
    #[param(example = "addon-sre")]
    id: String,
    /// The handover's id: the start of the shift handed over (RFC 3339), as listed.
    #[param(example = "2026-03-02T09:00:00Z")]
    hid: String,
}

/// The shift under way: who holds it and why, until when, and its duties with the ones
/// ticked so far.
#[utoipa::path(
    get,
    path = "/api/v1/rotations/{id}/shifts/current",
    operation_id = "current_shift",
    tag = "oncall",
    params(RotationPath),
    responses((status = 200, description = "The current shift", body = CurrentShift), RotationWorkReadErrors)
)]
async fn current_shift(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<CurrentShift>, ApiError> {
    Ok(Json(s.baton.current_shift(&rotation_id(&id)?).await?))
}

/// Tick a duty of the current shift.
///
/// Role: on-call.
///
/// Only the person on call now. `n` is the duty's position in the rotation's `duties`,
/// from 1; ticking a ticked duty changes nothing. Each shift starts with none ticked.
#[utoipa::path(
    post,
    path = "/api/v1/rotations/{id}/shifts/current/duties/{n}",
    operation_id = "tick_duty",
    tag = "oncall",
    params(DutyPath),
    responses((status = 200, description = "The current shift after the tick", body = CurrentShift), RotationWorkErrors),
    security(("bearer" = []))
)]
async fn tick_duty(
    State(s): State<AppState>,
    Path((id, n)): Path<(String, String)>,
    actor: Actor,
) -> Result<Json<CurrentShift>, ApiError> {
    let id = rotation_id(&id)?;
    let n: usize =
        n.parse().map_err(|_| ApiError::invalid("n", format!("`{n}` is not a duty's number (1, 2, ...)")))?;
    Ok(Json(s.baton.tick_duty(&id, n, &actor.0).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct LogQuery {
    /// Only entries numbered below this (`next_before` of the previous page).
    before: Option<u64>,
    /// At most this many entries: 1 to 200, 50 by default.
    limit: Option<usize>,
}

/// The on-call log, newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/rotations/{id}/log",
    operation_id = "list_oncall_log",
    tag = "oncall",
    params(RotationPath, LogQuery),
    responses((status = 200, description = "A page of the log, newest first", body = LogPage), RotationWorkReadErrors)
)]
async fn list_log(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<LogQuery>,
) -> Result<Json<LogPage>, ApiError> {
    Ok(Json(s.baton.oncall_log(&rotation_id(&id)?, q.before, q.limit).await?))
}

/// An entry of the on-call log as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewEntry {
    kind: LogKind,
    /// What was asked, what happened or what was done.
    #[schema(example = "Consumer lag on streamhub after the broker upgrade; rolled back")]
    text: String,
    /// Tickets, chat threads, dashboards.
    #[serde(default)]
    links: Vec<Link>,
    /// For an incident: it is over. Closed without `runbook`, it leaves a runbook to write.
    #[serde(default)]
    incident_closed: bool,
    /// The runbook followed, written or updated (an incident or a runbook entry).
    runbook: Option<Link>,
}

/// Write in the on-call log.
///
/// Role: rotation-team.
///
/// Members of the rotation's team. An `incident` with `incident_closed` and no `runbook`
/// opens a runbook to write on the rotation (`GET .../todos`) until someone links one. A
/// `help` entry also asks the rest of the team for help, as `POST .../help` does.
#[utoipa::path(
    post,
    path = "/api/v1/rotations/{id}/log",
    operation_id = "post_oncall_log",
    tag = "oncall",
    params(RotationPath),
    request_body = NewEntry,
    responses((status = 201, description = "The entry as logged", body = LogEntry), RotationWorkErrors),
    security(("bearer" = []))
)]
async fn post_log(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<NewEntry>,
) -> Result<Created<LogEntry>, ApiError> {
    let new = NewLogEntry {
        kind: b.kind,
        text: b.text,
        links: b.links,
        incident_closed: b.incident_closed,
        runbook: b.runbook,
    };
    Ok((StatusCode::CREATED, Json(s.baton.write_log(&rotation_id(&id)?, &actor.0, new).await?)))
}

/// A request for help.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct HelpRequest {
    /// What the on-call engineer is stuck on.
    #[schema(example = "streamhub brokers flap after the upgrade and no runbook covers it")]
    text: String,
    #[serde(default)]
    links: Vec<Link>,
}

/// Ask the rest of the team for help.
///
/// Role: rotation-team.
///
/// The on-call engineer, or anyone in the rotation's team. Recorded in the on-call log as
/// a `help` entry, and an Info notice is queued on the team's channels for everyone in the
/// team but the requester and the person on call: off-call engineers back the on-call one up.
#[utoipa::path(
    post,
    path = "/api/v1/rotations/{id}/help",
    operation_id = "ask_for_help",
    tag = "oncall",
    params(RotationPath),
    request_body = HelpRequest,
    responses((status = 201, description = "The request as logged", body = LogEntry), RotationWorkErrors),
    security(("bearer" = []))
)]
async fn ask_for_help(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<HelpRequest>,
) -> Result<Created<LogEntry>, ApiError> {
    let entry = s.baton.ask_for_help(&rotation_id(&id)?, &actor.0, &b.text, b.links).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct TodoQuery {
    /// Also the resolved ones (`true`); only the open ones by default.
    all: Option<bool>,
}

/// The runbooks to write on the rotation, oldest first: incidents closed without a runbook.
#[utoipa::path(
    get,
    path = "/api/v1/rotations/{id}/todos",
    operation_id = "list_runbook_todos",
    tag = "oncall",
    params(RotationPath, TodoQuery),
    responses((status = 200, description = "The runbooks to write", body = Vec<RunbookTodo>), RotationWorkReadErrors)
)]
async fn list_todos(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TodoQuery>,
) -> Result<Json<Vec<RunbookTodo>>, ApiError> {
    Ok(Json(s.baton.runbook_todos(&rotation_id(&id)?, !q.all.unwrap_or(false)).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Resolve {
    /// The runbook written.
    runbook: Link,
}

/// Link the runbook written for a runbook to write, which closes it.
///
/// Role: rotation-team.
///
/// Members of the rotation's team. Once only: a second link answers 409.
#[utoipa::path(
    post,
    path = "/api/v1/rotations/{id}/todos/{todo}/resolve",
    operation_id = "resolve_runbook_todo",
    tag = "oncall",
    params(TodoPath),
    request_body = Resolve,
    responses((status = 200, description = "The runbook to write, resolved", body = RunbookTodo), RotationWorkErrors),
    security(("bearer" = []))
)]
async fn resolve_todo(
    State(s): State<AppState>,
    Path((id, todo)): Path<(String, String)>,
    actor: Actor,
    JsonBody(b): JsonBody<Resolve>,
) -> Result<Json<RunbookTodo>, ApiError> {
    Ok(Json(s.baton.resolve_runbook_todo(&rotation_id(&id)?, &todo, &actor.0, b.runbook).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ShiftNoteQuery {
    /// Only the handovers not acknowledged yet (`true`); all by default.
    open: Option<bool>,
}

/// The rotation's handovers, newest first (at most 200).
#[utoipa::path(
    get,
    path = "/api/v1/rotations/{id}/handovers",
    operation_id = "list_handovers",
    tag = "oncall",
    params(RotationPath, ShiftNoteQuery),
    responses((status = 200, description = "The handovers, newest first", body = Vec<ShiftNote>), RotationWorkReadErrors)
)]
async fn list_handovers(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ShiftNoteQuery>,
) -> Result<Json<Vec<ShiftNote>>, ApiError> {
    Ok(Json(s.baton.shift_notes(&rotation_id(&id)?, q.open.unwrap_or(false)).await?))
}

/// What happened during the current shift, and the handover note it prefills: alerts that
/// paged this rotation (opened, acknowledged, still open), incidents, runbooks to write,
/// and corrections and waivers of the team's services that end during the next shift.
/// Nothing is written: the outgoing engineer edits the note and posts it to `handovers`.
#[utoipa::path(
    get,
    path = "/api/v1/rotations/{id}/handovers/draft",
    operation_id = "draft_handover",
    tag = "oncall",
    params(RotationPath),
    responses((status = 200, description = "The digest of the current shift and the prefilled note", body = ShiftDigest), RotationWorkReadErrors)
)]
async fn draft_handover(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<ShiftDigest>, ApiError> {
    Ok(Json(s.baton.shift_digest(&rotation_id(&id)?).await?))
}

/// A handover note as the outgoing engineer writes it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewShiftNoteBody {
    /// How the shift went, even if it was quiet.
    #[schema(example = "Quiet night; one question about quotas answered in #support")]
    note: String,
    /// What the incoming engineer should pick up.
    #[serde(default)]
    open_items: Vec<String>,
    /// Incidents still under way.
    #[serde(default)]
    ongoing_incidents: Vec<String>,
}

/// Write the handover at the end of a shift.
///
/// Role: outgoing-on-call.
///
/// Only the outgoing engineer: the person on call now (handing over at the next shift change)
/// or the one whose shift just ended (while the next one is under way). The incoming
/// engineer is whoever holds the next shift; they acknowledge it with `POST .../ack`.
/// Unacknowledged `handover_reminder_after` (1 hour by default) after the shift change, the
/// engine reminds them through the team's channels. One handover per shift: a second
/// answers 409.
#[utoipa::path(
    post,
    path = "/api/v1/rotations/{id}/handovers",
    operation_id = "write_handover",
    tag = "oncall",
    params(RotationPath),
    request_body = NewShiftNoteBody,
    responses((status = 201, description = "The handover as written", body = ShiftNote), RotationWorkErrors),
    security(("bearer" = []))
)]
async fn write_handover(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
    JsonBody(b): JsonBody<NewShiftNoteBody>,
) -> Result<Created<ShiftNote>, ApiError> {
    let new = NewShiftNote { note: b.note, open_items: b.open_items, ongoing_incidents: b.ongoing_incidents };
    Ok((StatusCode::CREATED, Json(s.baton.write_shift_note(&rotation_id(&id)?, &actor.0, new).await?)))
}

/// Acknowledge a handover: the incoming engineer moves the checkbox.
///
/// Role: incoming-on-call.
///
/// Only the incoming engineer named in the handover. Acknowledging it again changes
/// nothing; an acknowledged handover is no longer reminded about.
#[utoipa::path(
    post,
    path = "/api/v1/rotations/{id}/handovers/{hid}/ack",
    operation_id = "ack_handover",
    tag = "oncall",
    params(ShiftNotePath),
    responses((status = 200, description = "The handover, acknowledged", body = ShiftNote), RotationWorkErrors),
    security(("bearer" = []))
)]
async fn ack_handover(
    State(s): State<AppState>,
    Path((id, hid)): Path<(String, String)>,
    actor: Actor,
) -> Result<Json<ShiftNote>, ApiError> {
    Ok(Json(s.baton.acknowledge_shift_note(&rotation_id(&id)?, &hid, &actor.0).await?))
}
