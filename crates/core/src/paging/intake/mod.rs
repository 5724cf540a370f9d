//! Alert intake: other systems' payloads normalised into [`Incoming`] events.
//!
//! Three shapes are understood: Prometheus Alertmanager's webhook (payload version 4),
//! PagerDuty's Events API v2, and Baton's own generic JSON webhook. These are other
//! systems' formats and they grow, so unknown fields are accepted everywhere. Problems
//! name the field (`alerts[2].fingerprint`, `payload.summary`) and say what is accepted.
//! Bounding the body's size is the caller's job (it reads the bytes).

mod alertmanager;
mod generic;
mod pagerduty;

pub use alertmanager::{alertmanager, AlertmanagerAlert, AlertmanagerBatch, AlertmanagerPayload};
pub use generic::{generic, GenericPayload};
pub use pagerduty::{pagerduty, PagerDutyEvent, PagerDutyLink, PagerDutyPayload};

use super::severity::Severity;
use crate::Link;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest dedup key accepted (PagerDuty's limit).
pub const MAX_DEDUP_KEY: usize = 255;
/// Summaries are cut to this many characters (PagerDuty's limit), not refused: a long
/// summary is no reason to drop an alert.
pub const MAX_SUMMARY: usize = 1024;

/// What a source says about one alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Trigger,
    Acknowledge,
    Resolve,
}

/// One alert event from a source, whatever its format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incoming {
    /// Identifies the alert within its service: Alertmanager's fingerprint, PagerDuty's
    /// dedup_key.
    pub dedup_key: String,
    pub action: Action,
    /// Empty for an acknowledge or resolve that carries none.
    pub summary: String,
    pub severity: Severity,
    pub source: Option<String>,
    /// Everything else the source said (labels, annotations, custom details), as JSON.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: serde_json::Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub runbook_url: Option<Link>,
    /// Alertmanager's `groupKey`: alerts it notified together.
    pub group_key: Option<String>,
}

/// One field that is wrong, and what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The JSON path: `payload.summary`, `alerts[0].status`.
    pub field: String,
    pub problem: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeError {
    /// Not JSON, or a field of the wrong JSON type (serde's words, with line and column).
    #[error("malformed payload: {0}")]
    Malformed(String),
    /// Every field that is missing or wrong, not only the first.
    #[error("invalid payload: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
}

impl IntakeError {
    pub fn fields(&self) -> &[FieldError] {
        match self {
            IntakeError::Invalid(f) => f,
            IntakeError::Malformed(_) => &[],
        }
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, IntakeError> {
    serde_json::from_slice(body).map_err(|e| IntakeError::Malformed(e.to_string()))
}

/// Collects field errors so a payload reports every problem at once.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), problem: problem.into() });
    }

    /// The trimmed text, or a "missing or blank" problem.
    fn required(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        match value.map(str::trim) {
            Some(v) if !v.is_empty() => Some(v.to_owned()),
            _ => {
                self.add(field, "missing or blank");
                None
            }
        }
    }

    fn dedup_key(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let key = self.required(field, value)?;
        if key.chars().count() > MAX_DEDUP_KEY {
            self.add(field, format!("longer than {MAX_DEDUP_KEY} characters"));
            return None;
        }
        // A key names the alert in URLs, logs and the outbox's keys: one line, printable.
        if key.chars().any(char::is_control) {
            self.add(field, "contains a control character (NUL, a line break, ...): a key is one line of text");
            return None;
        }
        Some(key)
    }

    fn finish(self) -> Result<(), IntakeError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(IntakeError::Invalid(self.0))
        }
    }
}

/// A source's summary, one line: control characters (line breaks, NUL) become spaces, so
/// a summary cannot forge lines in logs or notifications.
fn summary(text: &str) -> String {
    let text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let text = text.trim();
    match text.char_indices().nth(MAX_SUMMARY) {
        Some((cut, _)) => text[..cut].to_owned(),
        None => text.to_owned(),
    }
}

/// A runbook link from a source that may send anything: not an absolute http(s) URL is no
/// runbook (and the alert is flagged as missing one).
fn lenient_link(s: Option<&str>) -> Option<Link> {
    s.and_then(|s| Link::parse(s.trim()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_summaries_are_cut_at_a_character_boundary() {
        let long = "é".repeat(MAX_SUMMARY + 10);
        assert_eq!(summary(&long).chars().count(), MAX_SUMMARY);
        assert_eq!(summary("  disk full  "), "disk full");
        assert_eq!(summary("disk\r\nfull\0"), "disk  full");
    }
}
