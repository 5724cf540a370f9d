//! Who is calling: a bearer token bound to one person of the organisation.

use crate::{ApiError, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use baton_core::PersonId;

/// The authenticated caller. Every mutating endpoint takes one; what they may do is
/// decided by `core` from their team memberships.
pub struct Actor(pub PersonId);

impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let missing = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "this call needs an API token: send `Authorization: Bearer <token>` (create one with `baton token create PERSON`)",
            )
        };
        let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(missing)?;
        let secret = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim).ok_or_else(missing)?;
        let person = state.baton.authenticate(secret).await?;
        Ok(Actor(person))
    }
}
