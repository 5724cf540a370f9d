//! API tokens over HTTP: the admin manages everyone's, a person their own.

use super::doc::{TokenCreateErrors, TokenListErrors, TokenPath, TokenRevokeErrors};
use crate::auth::Caller;
use crate::body::JsonBody;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use baton_app::{CreatedToken, TokenView};
use baton_core::{PersonId, Timestamp};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(revoke))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateToken {
    /// Who the token acts as: the caller themselves, or anyone for the admin.
    person: PersonId,
    /// What the token is for, 1 to 100 characters.
    #[schema(example = "ci")]
    name: String,
    /// When it stops working, in the future; never if left out.
    expires_at: Option<Timestamp>,
}

/// List the caller's tokens; the admin's token lists everyone's.
///
/// Role: self-or-admin.
/// A person sees their own tokens, the admin all of them.
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    operation_id = "list_tokens",
    tag = "tokens",
    responses((status = 200, description = "The tokens, without their secrets", body = Vec<TokenView>), TokenListErrors),
    security(("bearer" = []))
)]
async fn list(State(s): State<AppState>, Caller(who): Caller) -> Result<Json<Vec<TokenView>>, ApiError> {
    Ok(Json(s.baton.tokens_for(&who).await?.into_iter().map(TokenView::from).collect()))
}

/// Create a token; its secret is shown in this answer only.
///
/// Role: self-or-admin.
/// A person creates tokens for themselves; the admin for anyone.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    operation_id = "create_token",
    tag = "tokens",
    request_body = CreateToken,
    responses((status = 201, description = "Created; only the secret's hash is kept", body = CreatedToken), TokenCreateErrors),
    security(("bearer" = []))
)]
async fn create(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(b): JsonBody<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let issued = s.baton.create_token_as(&who, &b.person, &b.name, b.expires_at).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken::from(issued))))
}

/// Revoke a token; it stops working at once.
///
/// Role: self-or-admin.
/// A person revokes their own tokens; the admin any. No body.
#[utoipa::path(
    post,
    path = "/api/v1/tokens/{id}/revoke",
    operation_id = "revoke_token",
    tag = "tokens",
    params(TokenPath),
    responses((status = 204, description = "Revoked (revoking a revoked token changes nothing)"), TokenRevokeErrors),
    security(("bearer" = []))
)]
async fn revoke(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.baton.revoke_token_as(&who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
