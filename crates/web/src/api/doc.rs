//! What the OpenAPI document needs besides the handlers' own `#[utoipa::path]`
//! attributes: the error shape of `error.rs`, the error responses each kind of call can
//! give, the path parameters, and the bearer scheme.
//!
//! The types here only describe JSON that other code writes (`ApiError`, `json!` bodies);
//! `tests/openapi.rs` checks real answers against them, so they cannot drift unnoticed.
#![allow(dead_code)] // described, never built

use baton_core::pipeline::Unmet;
use std::collections::BTreeMap;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoParams, IntoResponses, Modify, ToSchema};

/// Every error Baton answers with (`error.rs`): one object under `error`.
#[derive(ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// What went wrong, for a person to read. A 403 says who may; a 409 lists every unmet condition.
    #[schema(example = "service.accept refused: the service is in stage draft; accepting needs stage proposed")]
    pub message: String,
    /// With `invalid` (422): the JSON field, or the path or query parameter, that is wrong.
    #[schema(nullable = false, example = "priority")]
    pub field: Option<String>,
    /// With `refused` (409): every condition that does not hold, not only the first.
    #[schema(required = false)]
    pub unmet: Vec<Unmet>,
}

/// A stable name for the kind of error; the HTTP status follows from it.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body is not JSON (or not the JUnit XML it is sent as).
    BadRequest,
    /// 401: no token, or one that is unknown, revoked or expired.
    Unauthenticated,
    /// 403: the caller may not do this.
    Forbidden,
    /// 404: no such service, checklist item, team, person, token or route.
    NotFound,
    /// 409: a pipeline step, gate pass or install whose conditions do not hold (`unmet` lists them).
    Refused,
    /// 409: the state changed under the request; retry.
    Conflict,
    /// 413: the body is larger than 64 KiB.
    TooLarge,
    /// 422: a field is missing, unknown or not accepted (`field` names it).
    Invalid,
    /// 429: this caller made too many requests; `Retry-After` says when to try again.
    RateLimited,
    /// 405: the route does not take this method (`Allow` lists the ones it does).
    MethodNotAllowed,
    /// 408: the request took longer than 30 s and was abandoned.
    Timeout,
    /// 503: the store could not complete the request.
    StoreUnavailable,
    /// 400: an alert payload that is not what its format requires (`field` names what).
    InvalidPayload,
    /// 503: a background part of Baton (the intake writer) could not take the request.
    Unavailable,
}

fn error(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
        .into()
}

const BAD_JSON: &str = "`bad_request`: the body is not valid JSON.";
const UNAUTHENTICATED: &str =
    "`unauthenticated`: no `Authorization: Bearer` token, or one that is unknown, revoked or expired.";
const TOO_LARGE: &str = "`too_large`: the body is larger than 64 KiB.";
const INVALID: &str = "`invalid`: a field is missing, unknown or not accepted; `field` names it.";
const UNAVAILABLE: &str = "`store_unavailable`: the store could not complete the request; try again.";

/// Declares a set of error responses, each `ErrorBody` unless built otherwise.
macro_rules! error_responses {
    ($(#[$doc:meta])* $name:ident { $($status:literal => $build:ident($description:expr)),+ $(,)? }) => {
        $(#[$doc])*
        pub struct $name;
        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                BTreeMap::from([$(($status.to_string(), $build($description))),+])
            }
        }
    };
}

error_responses!(
    /// A pipeline step (`POST /api/v1/services/{id}/...`).
    StepErrors {
        400 => error(BAD_JSON),
        401 => error(UNAUTHENTICATED),
        403 => error("`forbidden`: the caller's teams do not give the role this step needs (the message says who may), or the token is the admin's, which takes no pipeline step."),
        404 => error("`not_found`: no such service (or checklist item) is defined."),
        409 => error("`refused`: the step's conditions do not hold, `unmet` lists every one; or `conflict`: the service changed while the step was decided."),
        413 => error(TOO_LARGE),
        422 => error(INVALID),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// `GET /api/v1/services`.
    ListServicesErrors {
        422 => error("`invalid` (`field`: `stage`): not a stage."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Reading one service.
    ServiceErrors {
        404 => error("`not_found`: no such service is defined."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Reading one service's audit records.
    HistoryErrors {
        422 => error("`invalid` (`field`: `limit`): not an integer."),
        404 => error("`not_found`: no such service is defined."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// An SLO's monthly compliance.
    ComplianceErrors {
        404 => error("`not_found`: no such SLO is defined."),
        422 => error("`invalid` (`field`: `months`): not a whole number from 1 to 120."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// An SLO's backtest.
    BacktestErrors {
        404 => error("`not_found`: no such SLO is defined."),
        422 => error("`invalid` (`field`: `to` or `from`): not an RFC 3339 instant, `to` before `from` or under a minute after it, or a range over 90 days; (`field`: `tiers`) tiers the SLO window cannot hold."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Reading who is on call for a rotation.
    OnCallErrors {
        422 => error("`invalid` (`field`: `at`): not an RFC 3339 instant."),
        404 => error("`not_found`: no such rotation is defined, or nobody is on call before its first shift change."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// A rotation's schedule.
    ScheduleErrors {
        404 => error("`not_found`: no such rotation is defined."),
        422 => error("`invalid` (`field`: `from` or `to`): not an RFC 3339 instant or a date, `to` not after `from`, or a range over 366 days."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// On-call work on a rotation (`POST /api/v1/rotations/{id}/...`): log entries, duties,
    /// handovers, requests for help, runbooks linked.
    RotationWorkErrors {
        400 => error(BAD_JSON),
        401 => error(UNAUTHENTICATED),
        403 => error("`forbidden`: the caller is not the one this needs (a member of the rotation's team, the person on call, the outgoing or the incoming engineer; the message says who may), or the token is the admin's."),
        404 => error("`not_found`: no such rotation, handover or runbook to write; or nobody is on call yet."),
        409 => error("`conflict`: it was done already (a handover written for this shift, a runbook linked), or the record changed while the request was decided."),
        413 => error(TOO_LARGE),
        422 => error(INVALID),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Reading a rotation's on-call work: its log, handovers, runbooks to write, current shift.
    RotationWorkReadErrors {
        404 => error("`not_found`: no such rotation is defined, or (for the current shift) nobody is on call before its first shift change."),
        422 => error("`invalid` (`field` names the parameter): `before` or `limit` not a whole number, `open` or `all` not `true` or `false`, or `limit` not from 1 to 200."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Reads that can only fail in the store.
    StoreErrors {
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Reading one team.
    TeamErrors {
        404 => error("`not_found`: no such team is defined."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Reading the audit log.
    AuditErrors {
        422 => error("`invalid` (`field`: `after` or `limit`): not an integer."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Listing tokens.
    TokenListErrors {
        401 => error(UNAUTHENTICATED),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Creating a token.
    TokenCreateErrors {
        400 => error(BAD_JSON),
        401 => error(UNAUTHENTICATED),
        403 => error("`forbidden`: a person creates tokens only for themselves; the admin for anyone."),
        404 => error("`not_found`: no such person is defined."),
        413 => error(TOO_LARGE),
        422 => error(INVALID),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Revoking a token.
    TokenRevokeErrors {
        401 => error(UNAUTHENTICATED),
        404 => error("`not_found`: no such token of the caller's (another person's token is reported as missing)."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Overrides and swaps (`POST /api/v1/rotations/{id}/overrides|swaps...`).
    RotationChangeErrors {
        400 => error(BAD_JSON),
        401 => error(UNAUTHENTICATED),
        403 => error("`forbidden`: the caller may not (not in the rotation's team; not the person asked to swap; not the requester); the message says who may. Or the token is the admin's."),
        404 => error("`not_found`: no such rotation, override or swap."),
        409 => error("`conflict`: the override or swap is no longer in a state that allows it (already started, cancelled, decided), or the rotation's overrides changed while the request was decided."),
        413 => error(TOO_LARGE),
        422 => error("`invalid`: `field` names what is wrong: a person not in the rotation's team, an end not after the start or in the past, an override overlapping another (named), a shift that has started or is not that person's."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Recording or cancelling leave (`POST /api/v1/people/{person}/leave...`).
    LeaveErrors {
        400 => error(BAD_JSON),
        401 => error(UNAUTHENTICATED),
        403 => error("`forbidden`: the caller is neither the person nor the lead of one of their teams. Or the token is the admin's."),
        404 => error("`not_found`: no such person, or no such leave of theirs."),
        409 => error("`conflict`: the leave is already cancelled or over, or a rotation of theirs changed while the request was decided."),
        413 => error(TOO_LARGE),
        422 => error("`invalid`: `field` names what is wrong: an end not after the start or in the past, leave longer than 120 days, an empty reason."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Changing a person's contact methods or notification rules.
    ContactErrors {
        400 => error(BAD_JSON),
        401 => error(UNAUTHENTICATED),
        403 => error("`forbidden`: only the person manages their own methods and rules. Or the token is the admin's."),
        404 => error("`not_found`: no such person, or no such method of theirs."),
        409 => error("`conflict`: their contacts changed while the request was decided; retry."),
        413 => error(TOO_LARGE),
        422 => error("`invalid`: `field` names what is wrong: `address`, `url`, `member` or `routing_key` not one, an `id` taken, a wrong or expired `code` (tries left in the message), a rule naming a method they do not have (`rules[i].method`), `quiet_hours` not HH:MM-HH:MM, an email with no mail server configured (`type`)."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Reading a person's contact methods and rules.
    ContactReadErrors {
        401 => error(UNAUTHENTICATED),
        403 => error("`forbidden`: the caller is neither the person nor the lead of one of their teams."),
        404 => error("`not_found`: no such person is defined."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Reading the caller's own work list.
    MyWorkErrors {
        401 => error(UNAUTHENTICATED),
        403 => error("`forbidden`: the admin has no work list; call with a person's token."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Reading a person's leave.
    LeaveReadErrors {
        404 => error("`not_found`: no such person is defined."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Reading a rotation's overrides or swaps.
    RotationChangeReadErrors {
        404 => error("`not_found`: no such rotation is defined."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// A rotation's fairness ledger.
    FairnessErrors {
        404 => error("`not_found`: no such rotation is defined."),
        422 => error("`invalid` (`field`: `from`, `to` or `format`): not an RFC 3339 instant or a date, `to` not after `from`, a range over 366 days, or a format other than `json` or `csv`."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Creating a calendar feed.
    FeedCreateErrors {
        400 => error(BAD_JSON),
        401 => error(UNAUTHENTICATED),
        403 => error("`forbidden`: the token is the admin's; feeds are made by people."),
        413 => error(TOO_LARGE),
        422 => error("`invalid` (`field`: `rotation` or `person`): neither given, or not defined."),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Revoking a calendar feed.
    FeedRevokeErrors {
        401 => error(UNAUTHENTICATED),
        403 => error("`forbidden`: only the person who created the feed may revoke it."),
        404 => error("`not_found`: no such feed."),
        409 => error("`conflict`: the feed is revoked already."),
        503 => error(UNAVAILABLE),
    }
);

/// The service a call is about.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ServicePath {
    /// The service's id, as in its definition.
    #[param(example = "streamhub")]
    pub id: String,
}

/// A checklist item of a service.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ItemPath {
    /// The service's id, as in its definition.
    #[param(example = "streamhub")]
    pub id: String,
    /// The checklist item's id, as in the policy files.
    #[param(example = "slos-defined")]
    pub item: String,
}

/// A self-service environment of a service.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EnvironmentPath {
    /// The service's id, as in its definition.
    #[param(example = "streamhub")]
    pub id: String,
    /// `integration` or `stage`; any other is refused with 422 (`field`: `environment`).
    #[param(example = "integration")]
    pub env: String,
}

/// A team.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TeamPath {
    /// The team's id, as in its definition.
    #[param(example = "addon-sre")]
    pub id: String,
}

/// A token.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TokenPath {
    /// The token's id (not its secret), as `GET /api/v1/tokens` lists it.
    #[param(example = "3f9a1c20be47")]
    pub id: String,
}

/// `request_body(content = Option<T>)` marks a body that may be left out (`body.rs` reads an
/// empty body as `{}`), not one that may be `null`: document it as `T`, not required.
pub fn optional_bodies(openapi: &mut OpenApi) {
    let is_null =
        |s: &RefOr<Schema>| matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::new(Type::Null));
    for item in openapi.paths.paths.values_mut() {
        let body = item.post.as_mut().and_then(|op| op.request_body.as_mut()).filter(|b| b.required.is_none());
        for content in body.into_iter().flat_map(|b| b.content.values_mut()) {
            if let Some(RefOr::T(Schema::OneOf(one))) = &content.schema {
                if let [null, schema] = one.items.as_slice() {
                    if is_null(null) {
                        content.schema = Some(schema.clone());
                    }
                }
            }
        }
    }
}

/// Reads need a signed-in caller unless the server opened them (`reads`): every `GET` but
/// the always-open ones is documented with the `bearer` scheme and a 401.
pub fn reads_need_sign_in(openapi: &mut OpenApi) {
    const OPEN: [&str; 3] = ["/healthz", "/readyz", "/api/v1/openapi.json"];
    let bearer = utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new());
    for (path, item) in openapi.paths.paths.iter_mut() {
        let Some(op) = item.get.as_mut().filter(|_| !OPEN.contains(&path.as_str())) else { continue };
        let security = op.security.get_or_insert_with(Vec::new);
        if security.is_empty() {
            security.push(bearer.clone());
        }
        op.responses.responses.entry("401".into()).or_insert_with(|| {
            error("`unauthenticated`: not signed in (no `Authorization: Bearer` token, or one that is unknown, revoked or expired), on a server that has not opened this read (`serve --open-reads`).")
        });
        // Every read answers these where it can happen, whether or not its own list says so.
        let params = op.parameters.iter().flatten();
        let (path_params, query_params) = params.fold((false, false), |(p, q), param| {
            (p || param.parameter_in == ParameterIn::Path, q || param.parameter_in == ParameterIn::Query)
        });
        if path_params {
            op.responses
                .responses
                .entry("404".into())
                .or_insert_with(|| error("`not_found`: nothing of that id is defined or stored."));
        }
        if query_params {
            op.responses.responses.entry("422".into()).or_insert_with(|| {
                error("`invalid`: a query parameter that does not parse or is out of range; `field` names it.")
            });
        }
    }
}

/// Declares the `bearer` scheme that every mutating operation requires.
pub struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token: `baton token create PERSON`, or `POST /api/v1/tokens`. What its person may do \
                         follows from their team memberships.",
                    ))
                    .build(),
            ),
        );
    }
}

error_responses!(
    /// Alert intake.
    IntakeErrors {
        400 => error("`invalid_payload`: not JSON, or not the integration's format (`field` names what is wrong: `payload.summary`, `alerts[0].status`); or `bad_request`."),
        404 => error("`not_found`: no live integration has this key; nothing was stored."),
        413 => error("`too_large`: the body is larger than 512 KiB."),
        422 => error("`invalid`: a trigger for a service whose teams have no escalation policy to page (`field`: `severity`)."),
        503 => error("`unavailable` or `store_unavailable`: nothing was recorded; send it again."),
    }
);

error_responses!(
    /// An act on a production gate (`POST /api/v1/services/{id}/gates/...`, `.../checks`,
    /// `.../capacity`, `.../installs`).
    GateActErrors {
        400 => error("`bad_request`: the body is not valid JSON, or a JUnit report that does not parse (the message says what and where)."),
        401 => error(UNAUTHENTICATED),
        403 => error("`forbidden`: the caller is not in the team this needs (the message says who may), or the token is the admin's."),
        404 => error("`not_found`: no such service, gate or vote."),
        409 => error("`refused`: the gate's verdict does not pass, or the install would exceed the agreed capacity or velocity or needs `customer-release`; `unmet` lists every reason. Or `conflict`: the record changed while the request was decided."),
        413 => error(TOO_LARGE),
        422 => error(INVALID),
        503 => error(UNAVAILABLE),
    }
);

error_responses!(
    /// Reading a service's gates.
    GateReadErrors {
        404 => error("`not_found`: no such service or gate is defined."),
        503 => error(UNAVAILABLE),
    }
);

/// A production gate of a service.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GatePath {
    /// The service's id, as in its definition.
    #[param(example = "streamhub")]
    pub id: String,
    /// The gate's id, as in `policies/`.
    #[param(example = "promote-to-prod")]
    pub gate: String,
}

/// A vote on a production gate of a service.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VotePath {
    /// The service's id, as in its definition.
    #[param(example = "streamhub")]
    pub id: String,
    /// The gate's id, as in `policies/`.
    #[param(example = "promote-to-prod")]
    pub gate: String,
    /// The vote's id, as the gate's `votes` list it.
    #[param(example = "5f0c2a9e41d3")]
    pub vote: String,
}
