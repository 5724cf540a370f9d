//! Baton's generic JSON webhook, for anything that is neither Alertmanager nor PagerDuty:
//!
//! ```json
//! {
//!   "dedup_key": "streamhub-lag",            // required, at most 255 characters
//!   "status": "firing",                      // required: "firing" or "resolved"
//!   "summary": "consumer lag above 10k",     // required when firing
//!   "severity": "critical",                  // critical, error, warning, info or page;
//!                                            //   missing or anything else: warning
//!   "source": "broker-1",                    // optional
//!   "runbook_url": "https://runbooks.example.com/lag",  // optional, absolute http(s)
//!   "group_key": "streamhub",                // optional
//!   "details": {"lag": 12034}                // optional, any JSON
//! }
//! ```
//!
//! Other fields are accepted and ignored.

use super::{parse_json, summary, Action, Incoming, IntakeError, Problems};
use crate::paging::severity::Severity;
use crate::Link;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GenericPayload {
    pub dedup_key: Option<String>,
    pub status: Option<String>,
    pub summary: Option<String>,
    pub severity: Option<String>,
    pub source: Option<String>,
    pub runbook_url: Option<String>,
    pub group_key: Option<String>,
    #[serde(default)]
    pub details: Value,
}

/// Parses and normalises one generic webhook body.
pub fn generic(body: &[u8]) -> Result<Incoming, IntakeError> {
    let payload: GenericPayload = parse_json(body)?;
    normalise(payload)
}

fn normalise(p: GenericPayload) -> Result<Incoming, IntakeError> {
    let mut problems = Problems::default();
    let dedup_key = problems.dedup_key("dedup_key", p.dedup_key.as_deref());
    let action = match p.status.as_deref().map(str::trim) {
        Some("firing") => Some(Action::Trigger),
        Some("resolved") => Some(Action::Resolve),
        Some(other) if !other.is_empty() => {
            problems.add("status", format!("is {other:?}: use \"firing\" or \"resolved\""));
            None
        }
        _ => {
            problems.add("status", "missing or blank: use \"firing\" or \"resolved\"");
            None
        }
    };
    let text = match action {
        Some(Action::Trigger) => problems.required("summary", p.summary.as_deref()).map(|s| summary(&s)),
        _ => p.summary.as_deref().map(summary),
    };
    // Our own format: a runbook that is not a link is the sender's mistake, so say so.
    let runbook_url = p
        .runbook_url
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| Link::parse(s).map_err(|e| problems.add("runbook_url", e.to_string())).ok());
    problems.finish()?;
    Ok(Incoming {
        dedup_key: dedup_key.expect("no problems"),
        action: action.expect("no problems"),
        summary: text.unwrap_or_default(),
        severity: Severity::parse(p.severity.as_deref().unwrap_or("")),
        source: p.source.filter(|s| !s.trim().is_empty()),
        details: p.details,
        runbook_url,
        group_key: p.group_key.filter(|s| !s.trim().is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_firing_alert_and_its_resolution() {
        let body = r#"{"dedup_key":"streamhub-lag","status":"firing","summary":"lag","severity":"page",
                       "runbook_url":"https://runbooks.example.com/lag","details":{"lag":12034},"sender":"cron"}"#;
        let incoming = generic(body.as_bytes()).unwrap();
        assert_eq!(incoming.action, Action::Trigger);
        assert_eq!(incoming.severity, Severity::Critical);
        assert_eq!(incoming.details["lag"], 12034);
        assert!(incoming.runbook_url.is_some());
        let resolved = generic(br#"{"dedup_key":"streamhub-lag","status":"resolved"}"#).unwrap();
        assert_eq!((resolved.action, resolved.summary.as_str()), (Action::Resolve, ""));
    }

    #[test]
    fn problems_name_every_field() {
        let err = generic(br#"{"status":"open","runbook_url":"runbooks/lag.md"}"#).unwrap_err();
        let fields: Vec<_> = err.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["dedup_key", "status", "runbook_url"]);
        let err = generic(br#"{"dedup_key":"k","status":"firing"}"#).unwrap_err();
        assert_eq!(err.to_string(), "invalid payload: summary: missing or blank");
        assert!(matches!(generic(b"[1,2]"), Err(IntakeError::Malformed(_))));
    }

    #[test]
    fn a_key_with_a_control_character_is_refused_and_a_summary_is_one_line() {
        for key in ["a\\u0000b", "forged\\r\\nline", "tab\\tkey"] {
            let body = format!(r#"{{"dedup_key":"{key}","status":"firing","summary":"s"}}"#);
            let err = generic(body.as_bytes()).unwrap_err();
            assert!(err.to_string().contains("dedup_key: contains a control character"), "{key}: {err}");
        }
        let body = br#"{"dedup_key":"k","status":"firing","summary":"disk\r\nfake: line"}"#;
        assert_eq!(generic(body).unwrap().summary, "disk  fake: line");
    }
}
