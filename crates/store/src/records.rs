//! Records: the store's general form for state that is not a definition or a pipeline
//! record — on-call overrides and swaps, handovers, the on-call log, alerts, integrations,
//! approvals, waivers. Each is a JSON document under `(kind, id)` with a version, written
//! only through a [`Commit`], which also carries the decision's audit records and the
//! notifications it causes, so a decision, its audit trail and its outbox entries land in
//! one transaction or not at all.
//!
//! The typed forms live in `core`; `app` encodes and decodes them. A record may name a
//! `due_at`: when the engine should look at it again (an escalation, a reminder, an expiry).

use crate::alerts::AlertWrite;
use crate::outbox::NewNotification;
use baton_core::audit::AuditEntry;
use baton_core::Timestamp;

/// One record to write. `expected_version` 0 means "must not exist yet"; otherwise the
/// stored version must still be this one, or the whole commit fails with `Conflict`.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordWrite {
    pub kind: String,
    pub id: String,
    pub expected_version: i64,
    pub body: String,
    pub due_at: Option<Timestamp>,
}

/// Everything one decision writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Commit {
    pub records: Vec<RecordWrite>,
    /// Alerts, in their own table (see [`crate::alerts`]), checked like records.
    pub alerts: Vec<AlertWrite>,
    pub audit: Vec<AuditEntry>,
    /// Queued for delivery; one whose `key` is already in the outbox is left as it is,
    /// so repeating a decision never sends twice.
    pub notifications: Vec<NewNotification>,
}

impl Commit {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.alerts.is_empty() && self.audit.is_empty() && self.notifications.is_empty()
    }

    /// Adds `other`'s writes to this one (group commit of independent decisions).
    pub fn extend(&mut self, other: Commit) {
        self.records.extend(other.records);
        self.alerts.extend(other.alerts);
        self.audit.extend(other.audit);
        self.notifications.extend(other.notifications);
    }
}

/// A record as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub kind: String,
    pub id: String,
    pub version: i64,
    pub body: String,
    pub due_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    /// Consecutive times the engine failed to handle it since it was last written
    /// (see `Store::defer_record`).
    pub due_failures: i64,
    /// Why the last of those failed.
    pub due_error: Option<String>,
}
