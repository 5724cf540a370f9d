//! `/api/v1`: every pipeline action and read. Reads need a signed-in caller unless the
//! server opened them (`reads`); every call that changes something needs a token (`Actor`).
//!
//! Each route is registered from its handler's `#[utoipa::path]` attribute (`routes!`),
//! so the path is written once and the OpenAPI document served at
//! `GET /api/v1/openapi.json` describes exactly the routes that answer. A mutating
//! operation's description starts with `Role: <role>.`, the role `core` checks.

mod audit;
mod contact;
mod doc;
mod gates;
mod leave;
mod oncall;
mod oncall_changes;
mod oncall_log;
mod ops;
mod org;
mod paging;
mod raci;
mod services;
mod slos;
mod tokens;
mod work;

use crate::AppState;
use axum::response::IntoResponse;
use axum::Router;
use doc::BearerScheme;
use std::sync::LazyLock;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Baton",
        version = env!("CARGO_PKG_VERSION"),
        description = "Baton takes a service from kickoff to SRE holding the pager. Every call needs \
                       `Authorization: Bearer TOKEN` but liveness, readiness, this document and alert intake \
                       (reads unless the server opened them with `serve --open-reads`); a call that changes \
                       something has a description that starts with the role it needs (`Role: <role>.`). Errors are `ErrorBody`. Limits the server enforces: \
                       bodies up to 64 KiB (413), requests up to 30 s (408), request headers within 10 s of \
                       connecting (else the connection is closed), and per caller (token, session, else address) \
                       50 requests a second with bursts of 200 and 32 at once by default (`serve --rate-limit`): \
                       beyond that 429 `rate_limited` with `Retry-After`. Alert intake and calendar feeds are not \
                       counted.",
    ),
    components(schemas(doc::ErrorBody)),
    modifiers(&BearerScheme),
    tags(
        (name = "services", description = "The onboarding pipeline: services and the steps people take"),
        (name = "gates", description = "Production gates: verdicts, votes, waivers, checks, capacity and installs"),
        (name = "slos", description = "SLO reports and built-in SLI samples"),
        (name = "teams", description = "The organisation as applied"),
        (name = "oncall", description = "On-call rotations: who is on call now, at any instant and next, and why"),
        (name = "people", description = "Reaching people: contact methods, verified by code, and notification rules"),
        (name = "paging", description = "Alert intake, integrations, alerts and the notification outbox"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "tokens", description = "API tokens"),
        (name = "ops", description = "Liveness, readiness and this document"),
    )
)]
struct ApiDoc;

/// The API's routes, each with its operation in the OpenAPI document.
fn api() -> OpenApiRouter<AppState> {
    let mut api = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(services::routes())
        .merge(raci::routes())
        .merge(gates::routes())
        .merge(slos::routes())
        .merge(org::routes())
        .merge(oncall::routes())
        .merge(oncall_log::routes())
        .merge(oncall_changes::routes())
        .merge(leave::routes())
        .merge(contact::routes())
        .merge(work::routes())
        .merge(paging::routes())
        .merge(audit::routes())
        .merge(tokens::routes())
        .merge(ops::routes())
        .routes(routes!(openapi_json));
    doc::optional_bodies(api.get_openapi_mut());
    doc::reads_need_sign_in(api.get_openapi_mut());
    api
}

pub fn routes() -> Router<AppState> {
    api().split_for_parts().0
}

/// The OpenAPI 3.1 document of `/api/v1`, `/healthz` and `/readyz`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

static OPENAPI_JSON: LazyLock<String> =
    LazyLock::new(|| openapi().to_pretty_json().expect("the OpenAPI document serializes"));

/// This document: OpenAPI 3.1, generated from the routes themselves.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    tag = "ops",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object))
)]
async fn openapi_json() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], OPENAPI_JSON.as_str())
}
