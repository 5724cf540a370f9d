//! Reaching people: a person's contact methods (added, verified by the code sent to them,
//! switched on and off, removed) and notification rules (which methods, after how long,
//! per urgency; quiet hours for information).

use super::doc::{ContactErrors, ContactReadErrors};
use crate::auth::Actor;
use crate::body::JsonBody;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use baton_app::{AppError, ContactView, NewMethod};
use baton_core::contact::RuleSet;
use baton_core::id::MethodId;
use baton_core::PersonId;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(read_contact))
        .routes(routes!(add_contact_method))
        .routes(routes!(remove_contact_method))
        .routes(routes!(verify_contact_method))
        .routes(routes!(resend_contact_code))
        .routes(routes!(switch_contact_method))
        .routes(routes!(set_notification_rules))
}

fn person_id(id: &str) -> Result<PersonId, ApiError> {
    PersonId::parse(id).map_err(|_| ApiError::from(AppError::NotFound(format!("no person `{id}` is defined"))))
}

fn method_id(id: &str) -> Result<MethodId, ApiError> {
    MethodId::parse(id).map_err(|_| ApiError::from(AppError::NotFound(format!("no contact method `{id}`"))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct PersonPath {
    /// The person's id.
    #[param(example = "beatriz.nakamura")]
    person: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct MethodPath {
    /// The person's id.
    #[param(example = "beatriz.nakamura")]
    person: String,
    /// The method's id (`email` for the address in `teams/`).
    #[param(example = "phone")]
    method: String,
}

/// A person's contact methods and notification rules.
///
/// Role: self-or-lead.
///
/// The person, or the lead of one of their teams. Secret parts of addresses (a webhook's
/// path, a PagerDuty routing key) are redacted. `problems` says in words what keeps them
/// from being reached (an urgency no rule reaches, a rule naming a method that is off).
#[utoipa::path(
    get,
    path = "/api/v1/people/{person}/contact",
    operation_id = "read_contact",
    tag = "people",
    params(PersonPath),
    responses((status = 200, description = "Their methods and rules", body = ContactView), ContactReadErrors),
    security(("bearer" = []))
)]
async fn read_contact(
    State(s): State<AppState>,
    Path(person): Path<String>,
    actor: Actor,
) -> Result<Json<ContactView>, ApiError> {
    Ok(Json(s.baton.contact(&actor.0, &person_id(&person)?).await?))
}

/// Add a contact method.
///
/// Role: self.
///
/// Only the person. The method (`type`: `email` with `address`, `webhook` with `url`,
/// `slack` with `member`, `pagerduty` with `routing_key`) is stored unverified and a
/// six-digit code is sent to it at once; it is used once the code comes back
/// (`.../verify`). A Slack mention goes through a Slack channel of one of the person's
/// teams' policies; an email needs the server's mail server.
#[utoipa::path(
    post,
    path = "/api/v1/people/{person}/contact-methods",
    operation_id = "add_contact_method",
    tag = "people",
    params(PersonPath),
    request_body = NewMethod,
    responses((status = 201, description = "Added; a code is on its way to it", body = ContactView), ContactErrors),
    security(("bearer" = []))
)]
async fn add_contact_method(
    State(s): State<AppState>,
    Path(person): Path<String>,
    actor: Actor,
    JsonBody(new): JsonBody<NewMethod>,
) -> Result<(StatusCode, Json<ContactView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.baton.add_contact_method(&actor.0, &person_id(&person)?, new).await?)))
}

/// Remove a contact method.
///
/// Role: self.
///
/// A method of the person's own; one from the definitions can only be turned off.
#[utoipa::path(
    delete,
    path = "/api/v1/people/{person}/contact-methods/{method}",
    operation_id = "remove_contact_method",
    tag = "people",
    params(MethodPath),
    responses((status = 200, description = "Removed", body = ContactView), ContactErrors),
    security(("bearer" = []))
)]
async fn remove_contact_method(
    State(s): State<AppState>,
    Path((person, method)): Path<(String, String)>,
    actor: Actor,
) -> Result<Json<ContactView>, ApiError> {
    Ok(Json(s.baton.remove_contact_method(&actor.0, &person_id(&person)?, &method_id(&method)?).await?))
}

/// The code that came back.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    #[schema(example = "042917")]
    code: String,
}

/// Verify a contact method with the code sent to it.
///
/// Role: self.
///
/// A wrong code counts: after 5, or 30 minutes after it was sent, ask for a new one
/// (`.../resend`).
#[utoipa::path(
    post,
    path = "/api/v1/people/{person}/contact-methods/{method}/verify",
    operation_id = "verify_contact_method",
    tag = "people",
    params(MethodPath),
    request_body = CodeBody,
    responses((status = 200, description = "Verified", body = ContactView), ContactErrors),
    security(("bearer" = []))
)]
async fn verify_contact_method(
    State(s): State<AppState>,
    Path((person, method)): Path<(String, String)>,
    actor: Actor,
    JsonBody(b): JsonBody<CodeBody>,
) -> Result<Json<ContactView>, ApiError> {
    let (person, method) = (person_id(&person)?, method_id(&method)?);
    Ok(Json(s.baton.verify_contact_method(&actor.0, &person, &method, &b.code).await?))
}

/// Send a new code to an unverified method.
///
/// Role: self.
///
/// No body. The earlier code stops working.
#[utoipa::path(
    post,
    path = "/api/v1/people/{person}/contact-methods/{method}/resend",
    operation_id = "resend_contact_code",
    tag = "people",
    params(MethodPath),
    responses((status = 200, description = "A new code is on its way", body = ContactView), ContactErrors),
    security(("bearer" = []))
)]
async fn resend_contact_code(
    State(s): State<AppState>,
    Path((person, method)): Path<(String, String)>,
    actor: Actor,
) -> Result<Json<ContactView>, ApiError> {
    Ok(Json(s.baton.resend_contact_code(&actor.0, &person_id(&person)?, &method_id(&method)?).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SwitchBody {
    enabled: bool,
}

/// Turn a contact method on or off.
///
/// Role: self.
#[utoipa::path(
    post,
    path = "/api/v1/people/{person}/contact-methods/{method}/switch",
    operation_id = "switch_contact_method",
    tag = "people",
    params(MethodPath),
    request_body = SwitchBody,
    responses((status = 200, description = "Switched", body = ContactView), ContactErrors),
    security(("bearer" = []))
)]
async fn switch_contact_method(
    State(s): State<AppState>,
    Path((person, method)): Path<(String, String)>,
    actor: Actor,
    JsonBody(b): JsonBody<SwitchBody>,
) -> Result<Json<ContactView>, ApiError> {
    let (person, method) = (person_id(&person)?, method_id(&method)?);
    Ok(Json(s.baton.switch_contact_method(&actor.0, &person, &method, b.enabled).await?))
}

/// Set notification rules and quiet hours.
///
/// Role: self.
///
/// Replaces them as a whole. Each rule: `urgency` (`page`: a page policy's alerts, at
/// any hour; `ticket`: a ticket queue's; `info`: RACI notices, reminders, requests),
/// `method` (one of theirs) and `after` (`5m`; left out: at once). `quiet_hours`
/// (`22:00-07:00`, in the person's time zone) hold information until they end; pages
/// and tickets always go through.
#[utoipa::path(
    put,
    path = "/api/v1/people/{person}/notification-rules",
    operation_id = "set_notification_rules",
    tag = "people",
    params(PersonPath),
    request_body = RuleSet,
    responses((status = 200, description = "Set", body = ContactView), ContactErrors),
    security(("bearer" = []))
)]
async fn set_notification_rules(
    State(s): State<AppState>,
    Path(person): Path<String>,
    actor: Actor,
    JsonBody(rules): JsonBody<RuleSet>,
) -> Result<Json<ContactView>, ApiError> {
    Ok(Json(s.baton.set_notification_rules(&actor.0, &person_id(&person)?, rules).await?))
}
