//! API tokens: bound to one person, shown once, stored only as a hash.

use crate::{AppError, Baton};
use baton_core::audit::AuditEntry;
use baton_core::{PersonId, Timestamp};
use baton_store::{to_json, NewToken, Token};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The built-in administrator (`ADMIN`) is not a person of the organisation, so it belongs
/// to no team and takes no pipeline step; it manages tokens. The first start prints its token.
pub use baton_core::access::{Principal, ADMIN};

/// A token as people see it, listed or just made: never its secret, never its hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenView {
    /// The token's id, used to revoke it.
    #[cfg_attr(feature = "openapi", schema(example = "3f9a1c20be47"))]
    pub id: String,
    pub person: PersonId,
    pub name: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl From<Token> for TokenView {
    fn from(t: Token) -> Self {
        Self {
            id: t.id,
            person: t.person,
            name: t.name,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A token just made, as the API answers its creation and the CLI prints it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: TokenView,
    /// Shown this once; only its hash is kept.
    pub secret: String,
}

impl From<IssuedToken> for CreatedToken {
    fn from(issued: IssuedToken) -> Self {
        CreatedToken { token: issued.token.into(), secret: issued.secret }
    }
}

/// A token just created: `secret` is shown to its owner once and never stored.
pub struct IssuedToken {
    pub token: Token,
    pub secret: String,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken").field("token", &self.token).field("secret", &"<redacted>").finish()
    }
}

/// Tokens carry 256 bits of randomness, so one unsalted SHA-256 is enough: there is
/// nothing to guess, unlike a password.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

impl Baton {
    /// Creates a token for `person`, who must be defined in the organisation.
    pub async fn create_token(
        &self,
        person: &PersonId,
        name: &str,
        expires_at: Option<Timestamp>,
        actor: &str,
    ) -> Result<IssuedToken, AppError> {
        let org = self.org().await?;
        if person.as_str() != ADMIN && !org.people.contains_key(person) {
            return Err(AppError::NotFound(format!(
                "no person `{person}` is defined; apply a definition repo that lists them first"
            )));
        }
        let now = self.now();
        if expires_at.is_some_and(|e| e <= now) {
            return Err(AppError::Invalid { field: "expires_at".into(), message: "must be in the future".into() });
        }
        let id = random_hex(6);
        let secret = format!("baton_{id}_{}", random_hex(32));
        let new = NewToken {
            id: id.clone(),
            person: person.clone(),
            name: name.to_owned(),
            hash: hash_secret(&secret),
            created_at: now,
            expires_at,
        };
        let audit = AuditEntry {
            actor: actor.to_owned(),
            action: "token.create".into(),
            subject: format!("token/{id}"),
            reason: None,
            details: to_json(&serde_json::json!({ "person": person, "name": name, "expires_at": expires_at }))?,
        };
        self.store.create_token(&new, audit).await?;
        let token =
            Token { id, person: person.clone(), name: name.to_owned(), created_at: now, expires_at, revoked_at: None };
        Ok(IssuedToken { token, secret })
    }

    /// On first start (no token exists at all) creates the admin token and returns its
    /// secret, to be printed once; afterwards `None`.
    pub async fn first_start_admin_token(&self) -> Result<Option<IssuedToken>, AppError> {
        if !self.store.tokens().await?.is_empty() {
            return Ok(None);
        }
        let admin = PersonId::parse(ADMIN).expect("valid id");
        Ok(Some(self.create_token(&admin, "first start", None, "system:first-start").await?))
    }

    /// Who a bearer secret stands for, if it is a live token.
    pub async fn authenticate(&self, secret: &str) -> Result<Principal, AppError> {
        Ok(self.authenticate_token(secret).await?.0)
    }

    /// [`authenticate`](Self::authenticate), with the token it found.
    pub(crate) async fn authenticate_token(&self, secret: &str) -> Result<(Principal, Token), AppError> {
        let unknown = || AppError::Unauthenticated("the API token is not valid".into());
        let token = self.store.token_by_hash(&hash_secret(secret)).await?.ok_or_else(unknown)?;
        let now = self.now();
        if token.revoked_at.is_some() {
            return Err(AppError::Unauthenticated("the API token has been revoked".into()));
        }
        if token.expires_at.is_some_and(|e| e <= now) {
            return Err(AppError::Unauthenticated("the API token has expired".into()));
        }
        if token.person.as_str() == ADMIN {
            return Ok((Principal::Admin, token));
        }
        if !self.org().await?.people.contains_key(&token.person) {
            return Err(AppError::Unauthenticated(format!(
                "the API token belongs to `{}`, who is no longer defined",
                token.person
            )));
        }
        Ok((Principal::Person(token.person.clone()), token))
    }

    pub async fn revoke_token(&self, id: &str, actor: &str) -> Result<(), AppError> {
        let audit = AuditEntry {
            actor: actor.to_owned(),
            action: "token.revoke".into(),
            subject: format!("token/{id}"),
            reason: None,
            details: "{}".into(),
        };
        Ok(self.store.revoke_token(id, audit, self.now()).await?)
    }

    /// Tokens the caller may see: all for the admin, their own for a person.
    pub async fn tokens_for(&self, who: &Principal) -> Result<Vec<Token>, AppError> {
        let mut tokens = self.store.tokens().await?;
        if let Principal::Person(p) = who {
            tokens.retain(|t| &t.person == p);
        }
        Ok(tokens)
    }

    /// The admin creates tokens for anyone; a person only for themselves.
    pub async fn create_token_as(
        &self,
        who: &Principal,
        person: &PersonId,
        name: &str,
        expires_at: Option<Timestamp>,
    ) -> Result<IssuedToken, AppError> {
        who.may_manage_tokens_of(person)?;
        if name.trim().is_empty() || name.chars().count() > 100 {
            return Err(AppError::Invalid { field: "name".into(), message: "must be 1 to 100 characters".into() });
        }
        self.create_token(person, name, expires_at, &who.actor()).await
    }

    /// The admin revokes any token; a person only their own.
    pub async fn revoke_token_as(&self, who: &Principal, id: &str) -> Result<(), AppError> {
        let tokens = self.tokens_for(who).await?;
        if !tokens.iter().any(|t| t.id == id) {
            // Someone else's token is reported like a missing one: ids are not disclosed.
            return Err(AppError::NotFound(format!("no token `{id}` of yours")));
        }
        self.revoke_token(id, &who.actor()).await
    }
}
