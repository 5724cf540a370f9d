//! API tokens over HTTP: the admin manages everyone's, a person their own.

use crate::auth::Caller;
use crate::body::JsonBody;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use baton_core::{PersonId, Timestamp};
use baton_store::Token;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/tokens", get(list).post(create)).route("/api/v1/tokens/{id}/revoke", post(revoke))
}

#[derive(Serialize)]
struct TokenView {
    id: String,
    person: PersonId,
    name: String,
    created_at: Timestamp,
    expires_at: Option<Timestamp>,
    revoked_at: Option<Timestamp>,
}

impl From<Token> for TokenView {
    fn from(t: Token) -> Self {
        Self { id: t.id, person: t.person, name: t.name, created_at: t.created_at, expires_at: t.expires_at, revoked_at: t.revoked_at }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateToken {
    person: PersonId,
    name: String,
    expires_at: Option<Timestamp>,
}

#[derive(Serialize)]
struct CreatedToken {
    #[serde(flatten)]
    token: TokenView,
    /// Shown this once; only its hash is kept.
    secret: String,
}

async fn list(State(s): State<AppState>, Caller(who): Caller) -> Result<Json<Vec<TokenView>>, ApiError> {
    Ok(Json(s.baton.tokens_for(&who).await?.into_iter().map(TokenView::from).collect()))
}

async fn create(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(b): JsonBody<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let issued = s.baton.create_token_as(&who, &b.person, &b.name, b.expires_at).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token: issued.token.into(), secret: issued.secret })))
}

async fn revoke(State(s): State<AppState>, Caller(who): Caller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    s.baton.revoke_token_as(&who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
