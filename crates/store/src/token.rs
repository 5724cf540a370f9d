use baton_core::{PersonId, Timestamp};

/// An API token as stored: only the SHA-256 of its secret is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub id: String,
    pub person: PersonId,
    pub name: String,
    pub hash: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub id: String,
    pub person: PersonId,
    pub name: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// A browser session: the cookie's secret is stored only as its SHA-256, like tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub hash: String,
    pub person: PersonId,
    /// Forms of this session must carry it back (double-submit is not enough: it is
    /// compared with what the store holds).
    pub csrf: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// The API token it was signed in with: the session ends with it.
    pub token_id: String,
}

/// A live session as read: never one whose token was revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub person: PersonId,
    pub csrf: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// When its token expires, if it does.
    pub token_expires_at: Option<Timestamp>,
}
