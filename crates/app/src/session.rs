//! Browser sessions: a person signs in once with their API token and gets a cookie.

use crate::auth::{hash_secret, random_hex, Principal, ADMIN};
use crate::{AppError, Baton};
use baton_core::audit::AuditEntry;
use baton_core::{Period, PersonId};
use baton_store::NewSession;

/// How long a browser session lasts; a working day with margin.
pub const SESSION_LENGTH: Period = Period::hours(12);

/// A signed-in browser: who, and the CSRF token its forms must carry.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub principal: Principal,
    pub csrf: String,
}

fn entry(actor: &str, action: &str) -> AuditEntry {
    AuditEntry {
        actor: actor.to_owned(),
        action: action.into(),
        subject: format!("session/{actor}"),
        reason: None,
        details: "{}".into(),
    }
}

impl Baton {
    /// Exchanges an API token for a session; returns the cookie's secret (shown to the
    /// browser only) and the session.
    /// The session lasts [`SESSION_LENGTH`], never past its token's expiry, and ends when
    /// its token is revoked.
    pub async fn sign_in(&self, token_secret: &str) -> Result<(String, SignedIn), AppError> {
        let (principal, token) = self.authenticate_token(token_secret).await?;
        let person = PersonId::parse(&principal.actor()).expect("principals are valid ids");
        let cookie = random_hex(32);
        let now = self.now();
        let session = NewSession {
            hash: hash_secret(&cookie),
            person,
            csrf: random_hex(32),
            created_at: now,
            expires_at: token.expires_at.map_or(SESSION_LENGTH.after(now), |t| t.min(SESSION_LENGTH.after(now))),
            token_id: token.id,
        };
        self.store.create_session(&session, entry(&principal.actor(), "session.start")).await?;
        Ok((cookie, SignedIn { principal, csrf: session.csrf }))
    }

    /// The live session behind a cookie, if any.
    pub async fn session(&self, cookie: &str) -> Result<Option<SignedIn>, AppError> {
        let Some(s) = self.store.session_by_hash(&hash_secret(cookie)).await? else { return Ok(None) };
        let now = self.now();
        if s.expires_at <= now || s.token_expires_at.is_some_and(|t| t <= now) {
            return Ok(None);
        }
        let principal = if s.person.as_str() == ADMIN {
            Principal::Admin
        } else if self.org().await?.people.contains_key(&s.person) {
            Principal::Person(s.person)
        } else {
            return Ok(None);
        };
        Ok(Some(SignedIn { principal, csrf: s.csrf }))
    }

    pub async fn sign_out(&self, cookie: &str, who: &Principal) -> Result<(), AppError> {
        Ok(self.store.end_session(&hash_secret(cookie), entry(&who.actor(), "session.end"), self.now()).await?)
    }
}
