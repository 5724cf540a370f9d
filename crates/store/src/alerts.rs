//! Alerts as the store keeps them: a table of their own (not generic records), with the
//! columns their lists filter and sort by, so reading the open alerts of a service costs
//! what it returns however many alerts were ever stored.
//!
//! An alert is still a versioned JSON document (`core::paging::Alert`, its history
//! included) written only through a [`Commit`](crate::Commit), so an alert, the pages it
//! queues and the audit record of a person's acknowledgement land in one transaction.
//! The id is `<service>/<dedup key>` for the current incarnation and
//! `<service>/<dedup key>#<opened_at µs>` for an earlier, resolved one.

use baton_core::Timestamp;

/// One alert to write. `expected_version` 0 means "must not exist yet"; otherwise the
/// stored version must still be this one, or the whole commit fails with `Conflict`.
/// A write clears the alert's due-work failures (see [`Store::defer_alert`](crate::Store::defer_alert)).
#[derive(Debug, Clone, PartialEq)]
pub struct AlertWrite {
    pub id: String,
    pub expected_version: i64,
    pub service: String,
    /// Still open (triggered or acknowledged): what `open_only` lists select.
    pub open: bool,
    /// The list order: newest first by this instant (the alert's last trigger).
    pub sort_at: Timestamp,
    pub body: String,
    /// When the engine should look at the alert again (its next escalation step).
    pub due_at: Option<Timestamp>,
}

/// An alert as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAlert {
    pub id: String,
    pub version: i64,
    pub service: String,
    pub open: bool,
    pub sort_at: Timestamp,
    pub body: String,
    pub due_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    /// Consecutive times the engine failed to handle it since it was last written.
    pub due_failures: i64,
    /// Why the last of those failed.
    pub due_error: Option<String>,
}

/// Where a page of alerts ends: the next page starts strictly after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertCursor {
    pub sort_at: Timestamp,
    pub id: String,
}

/// Which alerts to list: newest first by `(sort_at, id)` descending, starting after
/// `after` (the last alert of the previous page), at most `limit`, which must be > 0
/// (`Store::list_alerts` refuses anything else with an error).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertListQuery {
    pub service: Option<String>,
    pub open_only: bool,
    pub after: Option<AlertCursor>,
    pub limit: i64,
}
