//! Paging: alert intake (Alertmanager, PagerDuty Events v2, a generic webhook), the
//! integrations whose keys admit it, alerts with acknowledge, resolve, escalate now,
//! reassign and notes, and the outbox.
//!
//! Intake is authenticated by the integration's key (in the path, or PagerDuty's
//! `routing_key`), not by a person's token: sources are machines. An unknown or revoked
//! key is a 404 and nothing is stored. Every 2xx comes after the commit.

use super::doc::{IntakeErrors, StepErrors, StoreErrors};
use crate::auth::Actor;
use crate::body::JsonBody;
use crate::{ApiError, AppState};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use baton_app::paging::{AlertQuery, AlertView, Delivery, IntakeReply, IntegrationIn, MAX_INTAKE_BYTES};
use baton_core::paging::intake::{alertmanager, generic, pagerduty};
use baton_core::paging::{Format, IntakeError, Integration};
use baton_core::ServiceId;
use baton_store::{DeliveryStatus, NotificationQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    let intake = OpenApiRouter::new()
        .routes(routes!(alertmanager_intake))
        .routes(routes!(generic_intake))
        .routes(routes!(heartbeat))
        .routes(routes!(pagerduty_enqueue))
        .layer(DefaultBodyLimit::max(MAX_INTAKE_BYTES));
    OpenApiRouter::new()
        .routes(routes!(list_integrations, create_integration))
        .routes(routes!(revoke_integration))
        .routes(routes!(list_alerts))
        .routes(routes!(get_alert))
        .routes(routes!(acknowledge))
        .routes(routes!(resolve))
        .routes(routes!(escalate_now))
        .routes(routes!(reassign))
        .routes(routes!(add_note))
        .routes(routes!(list_notifications))
        .routes(routes!(resend_notification))
        .merge(intake)
}

fn payload_error(e: IntakeError) -> ApiError {
    let field = e.fields().first().map(|f| f.field.clone());
    ApiError { field, ..ApiError::new(StatusCode::BAD_REQUEST, "invalid_payload", e.to_string()) }
}

/// The integration for `key`, which must speak `format`.
async fn integration(s: &AppState, key: &str, format: Format) -> Result<Integration, ApiError> {
    let integration = s.baton.integration_for_key(key).await?;
    if integration.format != format {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_payload",
            format!(
                "this integration takes {} payloads, not {}; send them to its own URL",
                integration.format.as_str(),
                format.as_str()
            ),
        ));
    }
    Ok(integration)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct KeyPath {
    /// The integration's secret key, as shown when it was created.
    #[allow(dead_code)]
    key: String,
}

/// What an intake call recorded.
#[derive(Serialize, ToSchema)]
struct Accepted {
    /// One per event, in the order sent.
    alerts: Vec<IntakeReply>,
    /// Alertmanager's `truncatedAlerts`: alerts of the group it did not send.
    #[serde(skip_serializing_if = "Option::is_none")]
    truncated_alerts: Option<u64>,
}

/// Alertmanager webhook (payload version 4).
///
/// One Baton alert per alert `fingerprint`; each alert is resolved by its own `status`, never
/// by the group's. `truncatedAlerts` is reported back and logged. Configure Alertmanager's
/// `webhook_configs[].url` as this URL.
#[utoipa::path(
    post,
    path = "/api/v1/intake/{key}/alertmanager",
    operation_id = "intake_alertmanager",
    tag = "paging",
    params(KeyPath),
    request_body(content = Object, description = "Alertmanager's webhook payload, version 4"),
    responses((status = 200, description = "Committed", body = Accepted), IntakeErrors)
)]
async fn alertmanager_intake(
    State(s): State<AppState>,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<Json<Accepted>, ApiError> {
    let integration = integration(&s, &key, Format::Alertmanager).await?;
    let batch = alertmanager(&body).map_err(payload_error)?;
    if batch.truncated_alerts > 0 {
        tracing::warn!(integration = %integration.id, truncated = batch.truncated_alerts, "Alertmanager truncated a group");
    }
    let alerts = s.baton.accept_alerts_for(&integration, batch.incoming).await?;
    Ok(Json(Accepted { alerts, truncated_alerts: Some(batch.truncated_alerts) }))
}

/// Generic JSON webhook.
///
/// `{"dedup_key", "status": "firing"|"resolved", "summary", "severity", "source"?,
/// "runbook_url"?, "details"?}`.
#[utoipa::path(
    post,
    path = "/api/v1/intake/{key}/generic",
    operation_id = "intake_generic",
    tag = "paging",
    params(KeyPath),
    request_body(content = Object, description = "Baton's generic alert"),
    responses((status = 200, description = "Committed", body = Accepted), IntakeErrors)
)]
async fn generic_intake(
    State(s): State<AppState>,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<Json<Accepted>, ApiError> {
    let integration = integration(&s, &key, Format::Generic).await?;
    let event = generic(&body).map_err(payload_error)?;
    let alerts = s.baton.accept_alerts_for(&integration, vec![event]).await?;
    Ok(Json(Accepted { alerts, truncated_alerts: None }))
}

/// Heartbeat: the source is alive.
///
/// For integrations with a `heartbeat`: a source silent for longer raises a critical alert,
/// resolved by its next call (any intake call counts too).
#[utoipa::path(
    post,
    path = "/api/v1/intake/{key}/heartbeat",
    operation_id = "intake_heartbeat",
    tag = "paging",
    params(KeyPath),
    responses((status = 204, description = "Noted"), IntakeErrors)
)]
async fn heartbeat(State(s): State<AppState>, Path(key): Path<String>) -> Result<StatusCode, ApiError> {
    s.baton.accept_alerts(&key, Vec::new()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// PagerDuty's answer to an accepted event.
#[derive(Serialize, ToSchema)]
struct Enqueued {
    #[schema(example = "success")]
    status: &'static str,
    #[schema(example = "Event processed")]
    message: &'static str,
    dedup_key: String,
}

/// PagerDuty Events API v2 compatible.
///
/// `routing_key` is the integration's key. Answers 202 with the `dedup_key` (generated for a
/// trigger that has none), as PagerDuty does; `acknowledge` and `resolve` need a `dedup_key`.
#[utoipa::path(
    post,
    path = "/v2/enqueue",
    operation_id = "intake_pagerduty",
    tag = "paging",
    request_body(content = Object, description = "A PagerDuty Events API v2 event"),
    responses((status = 202, description = "Committed", body = Enqueued), IntakeErrors)
)]
async fn pagerduty_enqueue(State(s): State<AppState>, body: Bytes) -> Result<(StatusCode, Json<Enqueued>), ApiError> {
    let (key, event) = pagerduty(&body, &baton_app::random_key()).map_err(payload_error)?;
    let key = key.trim();
    let integration = integration(&s, key, Format::PagerDuty).await?;
    let dedup_key = event.dedup_key.clone();
    s.baton.accept_alerts_for(&integration, vec![event]).await?;
    Ok((StatusCode::ACCEPTED, Json(Enqueued { status: "success", message: "Event processed", dedup_key })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct IntegrationQuery {
    /// Only this service's.
    #[param(value_type = Option<String>)]
    service: Option<ServiceId>,
}

/// The integrations (without their keys), by id.
#[utoipa::path(
    get,
    path = "/api/v1/integrations",
    operation_id = "list_integrations",
    tag = "paging",
    params(IntegrationQuery),
    responses((status = 200, description = "Integrations", body = Vec<Integration>), StoreErrors)
)]
async fn list_integrations(
    State(s): State<AppState>,
    Query(q): Query<IntegrationQuery>,
) -> Result<Json<Vec<Integration>>, ApiError> {
    Ok(Json(s.baton.integrations(q.service.as_ref()).await?))
}

/// An integration just created, with its key (shown only now) and where to send alerts.
#[derive(Serialize, ToSchema)]
struct CreatedIntegration {
    integration: Integration,
    /// The secret key: store it in the source's configuration; Baton keeps only its hash.
    key: String,
    /// The path to send this integration's payloads to (PagerDuty: `/v2/enqueue` with the
    /// key as `routing_key`).
    url: String,
}

/// Create an integration for a service: a key for one alert source.
///
/// Role: sre-or-owner.
///
/// Members of the service's owner team or of its assigned SRE team.
#[utoipa::path(
    post,
    path = "/api/v1/integrations",
    operation_id = "create_integration",
    tag = "paging",
    request_body = IntegrationIn,
    responses((status = 201, description = "Created; the key is shown once", body = CreatedIntegration), StepErrors),
    security(("bearer" = []))
)]
async fn create_integration(
    State(s): State<AppState>,
    actor: Actor,
    JsonBody(b): JsonBody<IntegrationIn>,
) -> Result<(StatusCode, Json<CreatedIntegration>), ApiError> {
    let issued = s.baton.create_integration(&actor.0, b).await?;
    let url = match issued.integration.format {
        Format::Alertmanager => format!("/api/v1/intake/{}/alertmanager", issued.key),
        Format::Generic => format!("/api/v1/intake/{}/generic", issued.key),
        Format::PagerDuty => "/v2/enqueue".to_owned(),
    };
    Ok((StatusCode::CREATED, Json(CreatedIntegration { integration: issued.integration, key: issued.key, url })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct IntegrationPath {
    /// `<service>.<name>`.
    #[allow(dead_code)]
    id: String,
}

/// Revoke an integration: its key stops working at once.
///
/// Role: sre-or-owner.
///
/// Members of the service's owner team or of its assigned SRE team.
#[utoipa::path(
    post,
    path = "/api/v1/integrations/{id}/revoke",
    operation_id = "revoke_integration",
    tag = "paging",
    params(IntegrationPath),
    responses((status = 200, description = "Revoked", body = Integration), StepErrors),
    security(("bearer" = []))
)]
async fn revoke_integration(
    State(s): State<AppState>,
    Path(id): Path<String>,
    actor: Actor,
) -> Result<Json<Integration>, ApiError> {
    Ok(Json(s.baton.revoke_integration(&actor.0, &id).await?))
}

/// Alerts, newest first by last trigger: open ones unless `open=false`.
///
/// A page at a time: when there may be more, the answer carries a
/// `Link: <…&after=CURSOR>; rel="next"` header (and `X-Next-Cursor: CURSOR`); pass
/// `after=CURSOR` for the next page. A page costs what it returns, however many alerts
/// are stored.
#[utoipa::path(
    get,
    path = "/api/v1/alerts",
    operation_id = "list_alerts",
    tag = "paging",
    params(AlertQuery),
    responses(
        (status = 200, description = "Alerts", body = Vec<AlertView>,
         headers(("Link" = String, description = "The next page, `rel=\"next\"`, when there may be one"))),
        StoreErrors
    )
)]
async fn list_alerts(
    State(s): State<AppState>,
    Query(q): Query<AlertQuery>,
) -> Result<(axum::http::HeaderMap, Json<Vec<AlertView>>), ApiError> {
    let page = s.baton.alerts(&q).await?;
    let mut headers = axum::http::HeaderMap::new();
    if let Some(next) = &page.next {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(service) = &q.service {
            query.append_pair("service", service.as_str());
        }
        if let Some(open) = q.open {
            query.append_pair("open", if open { "true" } else { "false" });
        }
        if let Some(limit) = q.limit {
            query.append_pair("limit", &limit.to_string());
        }
        query.append_pair("after", next);
        let link = format!("</api/v1/alerts?{}>; rel=\"next\"", query.finish());
        if let (Ok(link), Ok(cursor)) = (link.parse(), next.parse()) {
            headers.insert(axum::http::header::LINK, link);
            headers.insert("x-next-cursor", cursor);
        }
    }
    Ok((headers, Json(page.alerts)))
}

/// An alert with its deliveries.
#[derive(Serialize, ToSchema)]
struct AlertDetail {
    #[serde(flatten)]
    alert: AlertView,
    /// Every message about this alert, newest first: each page on each channel and the
    /// updates that stopped paging, with its status, attempts and last error.
    deliveries: Vec<Delivery>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct AlertPath {
    #[param(value_type = String)]
    service: ServiceId,
    /// The alert's dedup key (percent-encode a `/` in it).
    key: String,
}

/// One alert with its history (who was paged when, and why that policy) and each of its
/// deliveries.
#[utoipa::path(
    get,
    path = "/api/v1/alerts/{service}/{key}",
    operation_id = "get_alert",
    tag = "paging",
    params(AlertPath),
    responses((status = 200, description = "The alert", body = AlertDetail), StoreErrors)
)]
async fn get_alert(State(s): State<AppState>, Path(p): Path<AlertPath>) -> Result<Json<AlertDetail>, ApiError> {
    let alert = s.baton.alert(&p.service, &p.key).await?;
    let deliveries = s.baton.alert_deliveries(&alert.alert).await?;
    Ok(Json(AlertDetail { alert, deliveries }))
}

/// Acknowledge an alert: escalation stops.
///
/// Role: responder.
///
/// Members of the service's owner team, of its SRE team, or of the team whose escalation
/// policy pages for the alert. Acknowledging twice is not an error.
#[utoipa::path(
    post,
    path = "/api/v1/alerts/{service}/{key}/ack",
    operation_id = "acknowledge_alert",
    tag = "paging",
    params(AlertPath),
    responses((status = 200, description = "Acknowledged", body = AlertView), StepErrors),
    security(("bearer" = []))
)]
async fn acknowledge(
    State(s): State<AppState>,
    Path(p): Path<AlertPath>,
    actor: Actor,
) -> Result<Json<AlertView>, ApiError> {
    Ok(Json(s.baton.respond_to_alert(&actor.0, &p.service, &p.key, false).await?))
}

/// Resolve an alert: escalation stops; a later trigger for its key opens a new alert.
///
/// Role: responder.
///
/// Members of the service's owner team, of its SRE team, or of the team whose escalation
/// policy pages for the alert.
#[utoipa::path(
    post,
    path = "/api/v1/alerts/{service}/{key}/resolve",
    operation_id = "resolve_alert",
    tag = "paging",
    params(AlertPath),
    responses((status = 200, description = "Resolved", body = AlertView), StepErrors),
    security(("bearer" = []))
)]
async fn resolve(
    State(s): State<AppState>,
    Path(p): Path<AlertPath>,
    actor: Actor,
) -> Result<Json<AlertView>, ApiError> {
    Ok(Json(s.baton.respond_to_alert(&actor.0, &p.service, &p.key, true).await?))
}

/// Run an alert's next escalation step now rather than after its delay.
///
/// Role: responder.
///
/// For a triggered alert whose escalation still has a step to run; the engine takes it
/// at once. Audited.
#[utoipa::path(
    post,
    path = "/api/v1/alerts/{service}/{key}/escalate",
    operation_id = "escalate_alert",
    tag = "paging",
    params(AlertPath),
    responses((status = 200, description = "The next step is due now", body = AlertView), StepErrors),
    security(("bearer" = []))
)]
async fn escalate_now(
    State(s): State<AppState>,
    Path(p): Path<AlertPath>,
    actor: Actor,
) -> Result<Json<AlertView>, ApiError> {
    Ok(Json(s.baton.escalate_alert_now(&actor.0, &p.service, &p.key).await?))
}

/// Whom to hand an alert to.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReassignIn {
    /// A person's id.
    #[schema(value_type = String)]
    to: baton_core::PersonId,
}

/// Hand an alert to someone: they are paged at once.
///
/// Role: responder.
///
/// By the policy's channels and their own notification rules, under the alert's key. An
/// acknowledged alert is triggered again (theirs to acknowledge) and its escalation
/// resumes after the delay of the step that paged last. Refused (422, field `to`) for
/// someone not defined, oneself, or someone nothing can reach. Audited.
#[utoipa::path(
    post,
    path = "/api/v1/alerts/{service}/{key}/reassign",
    operation_id = "reassign_alert",
    tag = "paging",
    params(AlertPath),
    request_body = ReassignIn,
    responses((status = 200, description = "Reassigned; the page is queued", body = AlertView), StepErrors),
    security(("bearer" = []))
)]
async fn reassign(
    State(s): State<AppState>,
    Path(p): Path<AlertPath>,
    actor: Actor,
    JsonBody(b): JsonBody<ReassignIn>,
) -> Result<Json<AlertView>, ApiError> {
    Ok(Json(s.baton.reassign_alert(&actor.0, &p.service, &p.key, &b.to).await?))
}

/// A note for an alert's history.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NoteIn {
    /// What was found, tried or decided (at most 2000 characters).
    text: String,
}

/// Add a note to an alert's history.
///
/// Role: responder.
///
/// Also on a resolved alert: what was learnt belongs with it. Audited.
#[utoipa::path(
    post,
    path = "/api/v1/alerts/{service}/{key}/notes",
    operation_id = "add_alert_note",
    tag = "paging",
    params(AlertPath),
    request_body = NoteIn,
    responses((status = 200, description = "Noted", body = AlertView), StepErrors),
    security(("bearer" = []))
)]
async fn add_note(
    State(s): State<AppState>,
    Path(p): Path<AlertPath>,
    actor: Actor,
    JsonBody(b): JsonBody<NoteIn>,
) -> Result<Json<AlertView>, ApiError> {
    Ok(Json(s.baton.note_alert(&actor.0, &p.service, &p.key, &b.text).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct OutboxQuery {
    /// `pending`, `delivered` or `dead`.
    status: Option<String>,
    /// Only messages whose subject starts with this (`alert/streamhub/`).
    subject: Option<String>,
    /// At most this many, newest first (default 100, at most 1000).
    limit: Option<i64>,
}

/// A message of the outbox as shown (without its channel, which may hold a secret URL).
#[derive(Serialize, ToSchema)]
struct OutboxMessage {
    id: i64,
    key: String,
    subject: String,
    /// `pending`, `delivered` or `dead`.
    status: String,
    attempts: i64,
    #[schema(value_type = String, format = DateTime)]
    next_attempt_at: baton_core::Timestamp,
    last_error: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    created_at: baton_core::Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    settled_at: Option<baton_core::Timestamp>,
    /// The channel's kind: `webhook`, `slack` or `pagerduty`.
    channel: String,
}

/// The notification outbox, newest first: what was delivered, what waits for a retry,
/// and the dead letters with their last error.
#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    operation_id = "list_notifications",
    tag = "paging",
    params(OutboxQuery),
    responses((status = 200, description = "Messages", body = Vec<OutboxMessage>), StoreErrors)
)]
async fn list_notifications(
    State(s): State<AppState>,
    Query(q): Query<OutboxQuery>,
) -> Result<Json<Vec<OutboxMessage>>, ApiError> {
    let status = match q.status.as_deref() {
        None => None,
        Some(v) => {
            Some(DeliveryStatus::parse(v).ok_or_else(|| ApiError::invalid("status", "pending, delivered or dead"))?)
        }
    };
    let query = NotificationQuery {
        status,
        subject_prefix: q.subject,
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
        ..Default::default()
    };
    let list = s.baton.store().notifications(&query).await.map_err(baton_app::AppError::from)?;
    Ok(Json(
        list.into_iter()
            .map(|n| OutboxMessage {
                channel: serde_json::from_str::<serde_json::Value>(&n.channel)
                    .ok()
                    .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
                    .unwrap_or_default(),
                id: n.id,
                key: n.key,
                subject: n.subject,
                status: n.status.as_str().into(),
                attempts: n.attempts,
                next_attempt_at: n.next_attempt_at,
                last_error: n.last_error,
                created_at: n.created_at,
                settled_at: n.settled_at,
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct NotificationPath {
    /// The message's id, as listed by `GET /api/v1/notifications` or an alert's deliveries.
    id: i64,
}

/// Send a dead letter again.
///
/// Role: responder.
///
/// For a message about an alert, whoever may respond to the alert; for any other, a
/// member of an SRE team. The message is pending again at once, keeps its idempotency key
/// and its attempts so far, and is retried from now for its channel's whole retry window.
/// Only a dead message can be re-sent (409 otherwise). Audited as `notification.resend`.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/{id}/resend",
    operation_id = "resend_notification",
    tag = "paging",
    params(NotificationPath),
    responses((status = 200, description = "Pending again", body = Delivery), StepErrors),
    security(("bearer" = []))
)]
async fn resend_notification(
    State(s): State<AppState>,
    Path(p): Path<NotificationPath>,
    actor: Actor,
) -> Result<Json<Delivery>, ApiError> {
    Ok(Json(s.baton.resend_notification(&actor.0, p.id).await?))
}
