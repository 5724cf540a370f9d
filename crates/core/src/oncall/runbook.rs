//! Runbooks to write: an incident resolved without a runbook leaves one open on the
//! rotation until someone links the runbook. The support process puts it on the on-call
//! engineer, "even when assisted", so the next one finds the steps written down.
//!
//! A to-do comes from a closed incident in the on-call log (id `log-<seq>`) or from
//! elsewhere — an alert that paged without a runbook URL, say — under any path-safe id.

use super::log::LogEntry;
use super::work::{text, WorkError};
use super::RotationId;
use crate::{Link, PersonId, Timestamp};
use serde::{Deserialize, Serialize};

/// The longest to-do id.
pub const MAX_TODO_ID: usize = 120;

/// Who linked the runbook, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TodoResolution {
    pub runbook: Link,
    pub by: PersonId,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunbookTodo {
    pub rotation: RotationId,
    /// Unique on the rotation and safe in a URL path: `log-12`, `alert-streamhub-lag`.
    pub id: String,
    /// What needs a runbook: the incident as it was described.
    pub what: String,
    #[serde(default)]
    pub links: Vec<Link>,
    /// A person's id, or `system:<what>` when Baton opened it.
    pub opened_by: String,
    pub opened_at: Timestamp,
    /// The on-call log entry it comes from, if any.
    #[serde(default)]
    pub log_entry: Option<u64>,
    /// Set once the runbook is linked; the to-do is open until then.
    #[serde(default)]
    pub resolved: Option<TodoResolution>,
}

fn path_safe(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
}

impl RunbookTodo {
    /// A to-do under `id` (lowercase letters, digits, `-`, `_`, `.`).
    pub fn open(
        rotation: RotationId,
        id: &str,
        what: &str,
        links: Vec<Link>,
        opened_by: &str,
        at: Timestamp,
    ) -> Result<Self, WorkError> {
        if id.is_empty() || id.len() > MAX_TODO_ID || !id.chars().all(path_safe) {
            return Err(WorkError::invalid(
                "id",
                format!("`{id}`: 1 to {MAX_TODO_ID} lowercase letters, digits, '-', '_' or '.'"),
            ));
        }
        Ok(RunbookTodo {
            rotation,
            id: id.to_owned(),
            what: text("what", what, super::log::MAX_LOG_TEXT, "say which incident needs a runbook")?,
            links,
            opened_by: opened_by.to_owned(),
            opened_at: at,
            log_entry: None,
            resolved: None,
        })
    }

    /// The to-do a log entry leaves, if it is an incident closed without a runbook.
    pub fn from_log(entry: &LogEntry) -> Option<Self> {
        entry.leaves_runbook_to_write().then(|| RunbookTodo {
            rotation: entry.rotation.clone(),
            id: format!("log-{}", entry.seq),
            what: entry.text.clone(),
            links: entry.links.clone(),
            opened_by: entry.by.to_string(),
            opened_at: entry.at,
            log_entry: Some(entry.seq),
            resolved: None,
        })
    }

    pub fn is_open(&self) -> bool {
        self.resolved.is_none()
    }

    /// Links the runbook, which closes the to-do; once only.
    pub fn resolve(&mut self, runbook: Link, by: PersonId, at: Timestamp) -> Result<(), WorkError> {
        if let Some(r) = &self.resolved {
            return Err(WorkError::AlreadyDone(format!(
                "the runbook for `{}` was linked already, by {} at {}: {}",
                self.id, r.by, r.at, r.runbook
            )));
        }
        self.resolved = Some(TodoResolution { runbook, by, at });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oncall::log::{LogKind, NewLogEntry};

    fn rotation() -> RotationId {
        RotationId::parse("platform-sre").unwrap()
    }

    #[test]
    fn a_closed_incident_without_a_runbook_opens_a_todo_until_one_is_linked() {
        let marta = PersonId::parse("marta.oyelaran").unwrap();
        let new = NewLogEntry {
            kind: LogKind::Incident,
            text: "etcd ran out of space".into(),
            links: vec![Link::parse("https://chat.example.com/t/1").unwrap()],
            incident_closed: true,
            runbook: None,
        };
        let entry = LogEntry::write(rotation(), 7, new, marta.clone(), Timestamp::UNIX_EPOCH, None).unwrap();
        let mut todo = RunbookTodo::from_log(&entry).unwrap();
        assert_eq!((todo.id.as_str(), todo.log_entry), ("log-7", Some(7)));
        assert!(todo.is_open());
        let runbook = Link::parse("https://runbooks.example.com/etcd-space").unwrap();
        todo.resolve(runbook.clone(), marta.clone(), Timestamp::UNIX_EPOCH).unwrap();
        assert!(!todo.is_open());
        assert!(matches!(todo.resolve(runbook, marta, Timestamp::UNIX_EPOCH), Err(WorkError::AlreadyDone(_))));
    }

    #[test]
    fn ids_from_elsewhere_must_fit_in_a_path() {
        let open =
            |id: &str| RunbookTodo::open(rotation(), id, "lag alert", vec![], "system:paging", Timestamp::UNIX_EPOCH);
        assert!(open("alert-streamhub.lag_1").is_ok());
        for bad in ["", "Alert", "a/b", "a b", &"a".repeat(MAX_TODO_ID + 1)] {
            assert!(matches!(open(bad), Err(WorkError::Invalid { ref field, .. }) if field == "id"), "{bad:?}");
        }
    }
}
