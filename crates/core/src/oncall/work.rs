//! Who may do the on-call work of a rotation, and how a refusal reads: members of the
//! rotation's team write in its log, ask for help and link runbooks; only the person on
//! call ticks the shift's duties; the outgoing engineer writes the handover and only the
//! incoming one acknowledges it. Every refusal names who may.

use super::RotationId;
use crate::org::RotationDef;
use crate::{Org, PersonId, Timestamp};

/// Why a piece of on-call work was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkError {
    /// The input is wrong; `field` names the JSON field (or path parameter) at fault.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The caller may not do this; the message says who may.
    #[error("{0}")]
    Forbidden(String),
    /// It was done already, by someone else or earlier.
    #[error("{0}")]
    AlreadyDone(String),
}

impl WorkError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        WorkError::Invalid { field: field.into(), message: message.into() }
    }
}

fn name(org: &Org, person: &PersonId) -> String {
    match org.people.get(person) {
        Some(p) => format!("{} ({person})", p.name),
        None => person.to_string(),
    }
}

/// Members of the rotation's team may `what` (write in the log, ask for help, link a runbook).
pub fn check_team_member(org: &Org, def: &RotationDef, person: &PersonId, what: &str) -> Result<(), WorkError> {
    if org.is_member(person, &def.team) {
        return Ok(());
    }
    Err(WorkError::Forbidden(format!(
        "only members of team `{}` may {what} on rotation `{}`; {} is not one",
        def.team,
        def.id(),
        name(org, person)
    )))
}

/// Only `on_call`, who holds the rotation's pager until `until`, may `what`.
pub fn check_on_call(
    org: &Org,
    rotation: &RotationId,
    on_call: &PersonId,
    until: Timestamp,
    person: &PersonId,
    what: &str,
) -> Result<(), WorkError> {
    if person == on_call {
        return Ok(());
    }
    Err(WorkError::Forbidden(format!(
        "only the person on call for rotation `{rotation}`, {} until {until}, may {what}",
        name(org, on_call)
    )))
}

/// Only the incoming engineer may acknowledge a handover: that is the checkbox they move.
pub fn check_incoming(
    org: &Org,
    rotation: &RotationId,
    incoming: &PersonId,
    person: &PersonId,
) -> Result<(), WorkError> {
    if person == incoming {
        return Ok(());
    }
    Err(WorkError::Forbidden(format!(
        "only the incoming on-call engineer of rotation `{rotation}`, {}, may acknowledge this handover",
        name(org, incoming)
    )))
}

/// Text a person typed: trimmed, not empty, at most `max` characters.
pub(crate) fn text(field: &str, value: &str, max: usize, what: &str) -> Result<String, WorkError> {
    let value = value.trim().replace("\r\n", "\n");
    let value = value.as_str();
    if value.is_empty() {
        return Err(WorkError::invalid(field, format!("is empty: {what}")));
    }
    let n = value.chars().count();
    if n > max {
        return Err(WorkError::invalid(field, format!("is {n} characters long; at most {max} are kept")));
    }
    // Lines and tabs are text; NUL, a lone carriage return or an escape are not, and could
    // forge lines in logs or terminals.
    if let Some((i, c)) = value.char_indices().find(|(_, c)| c.is_control() && !matches!(c, '\n' | '\t')) {
        return Err(WorkError::invalid(
            field,
            format!("holds a control character (U+{:04X}) at byte {i}: write plain text", u32::from(c)),
        ));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_text_is_lines_of_plain_text() {
        assert_eq!(text("note", " two\r\nlines\tand a tab ", 100, "say it").unwrap(), "two\nlines\tand a tab");
        for bad in ["a\0b", "forged\rline", "esc\u{1b}[31m"] {
            let e = text("note", bad, 100, "say it").unwrap_err();
            assert!(
                matches!(&e, WorkError::Invalid { field, message } if field == "note" && message.contains("control character")),
                "{e}"
            );
        }
    }
}
