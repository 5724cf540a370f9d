//! What a decision writes, built one way everywhere: its records ([`record_write`]) and its audit
//! entries ([`audit`], about a typed [`Subject`]), gathered with its notices into one
//! `Commit`, so that a decision, the record of who made it and what it tells people are
//! stored together or not at all.

use crate::AppError;
use baton_core::audit::AuditEntry;
use baton_core::oncall::RotationId;
use baton_core::{ServiceId, Timestamp};
use baton_store::{to_json, RecordWrite};
use serde::Serialize;
use std::fmt;

/// What an audit entry is about, written `kind/id` (`service/streamhub`), the form the
/// audit log is searched by.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Subject<'a> {
    Service(&'a ServiceId),
    Rotation(&'a RotationId),
    /// A calendar feed, by its id.
    Feed(&'a str),
    /// An alert integration, by its id.
    Integration(&'a str),
    /// A person (their leave).
    Person(&'a baton_core::PersonId),
}

impl fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Service(id) => write!(f, "service/{id}"),
            Subject::Rotation(id) => write!(f, "rotation/{id}"),
            Subject::Feed(id) => write!(f, "feed/{id}"),
            Subject::Integration(id) => write!(f, "integration/{id}"),
            Subject::Person(id) => write!(f, "person/{id}"),
        }
    }
}

/// `actor` did `action` to `subject`; `details` (the request, or what changed) are kept as
/// JSON, hashed into the chain exactly as stored.
pub(crate) fn audit(
    actor: impl fmt::Display,
    action: &str,
    subject: Subject<'_>,
    details: &impl Serialize,
) -> Result<AuditEntry, AppError> {
    Ok(AuditEntry {
        actor: actor.to_string(),
        action: action.to_owned(),
        subject: subject.to_string(),
        reason: None,
        details: to_json(details)?,
    })
}

/// [`audit`], with the reason the actor gave.
pub(crate) fn audit_because(
    actor: impl fmt::Display,
    action: &str,
    subject: Subject<'_>,
    reason: &str,
    details: &impl Serialize,
) -> Result<AuditEntry, AppError> {
    Ok(AuditEntry { reason: Some(reason.to_owned()), ..audit(actor, action, subject, details)? })
}

/// Writes `body` as record `kind`/`id`, expecting it at `expected_version` (0: new), due
/// for the engine at `due_at`.
pub(crate) fn record_write(
    kind: &str,
    id: impl Into<String>,
    expected_version: i64,
    body: &impl Serialize,
    due_at: Option<Timestamp>,
) -> Result<RecordWrite, AppError> {
    Ok(RecordWrite { kind: kind.to_owned(), id: id.into(), expected_version, body: to_json(body)?, due_at })
}
