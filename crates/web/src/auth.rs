//! Who is calling: a bearer token bound to one person of the organisation, or to the
//! built-in admin.

use crate::reads::Reader;
use crate::{ApiError, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use baton_app::Principal;
use baton_core::PersonId;

/// Any authenticated caller: endpoints that the admin may use too (tokens).
pub struct Caller(pub Principal);

/// An authenticated person. Pipeline steps take one: what they may do is decided by
/// `core` from their team memberships, and the admin, in no team, takes no step.
pub struct Actor(pub PersonId);

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let missing = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "this call needs an API token: send `Authorization: Bearer <token>` (create one with `baton token create PERSON`)",
        )
    };
    let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(missing)?;
    value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim).ok_or_else(missing)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // A read's token was checked by `reads` already.
        if let Some(Reader::Token(principal)) = parts.extensions.get::<Reader>() {
            return Ok(Caller(principal.clone()));
        }
        Ok(Caller(state.baton.authenticate(bearer(parts)?).await?))
    }
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match Caller::from_request_parts(parts, state).await?.0 {
            Principal::Person(p) => Ok(Actor(p)),
            Principal::Admin => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "the admin token manages tokens but takes no pipeline step: use the token of a person in the right team",
            )),
        }
    }
}
