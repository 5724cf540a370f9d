//! PagerDuty's Events API v2 (`POST /v2/enqueue`), alert events.
//!
//! `routing_key` and `event_action` are always required; a trigger needs
//! `payload.summary`, `payload.source` and `payload.severity` (one of critical, error,
//! warning, info); acknowledge and resolve need `dedup_key`. A trigger without a
//! `dedup_key` opens a new alert under a generated key, which the caller answers with (as
//! PagerDuty does); the randomness comes from the caller, so this stays pure. A link whose
//! text mentions "runbook" is the alert's runbook.

use super::{lenient_link, parse_json, summary, Action, Incoming, IntakeError, Problems};
use crate::paging::severity::Severity;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Every field optional, so a missing one is reported by name with the others, not as
/// serde's first complaint.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PagerDutyEvent {
    pub routing_key: Option<String>,
    pub event_action: Option<String>,
    pub dedup_key: Option<String>,
    pub payload: Option<PagerDutyPayload>,
    #[serde(default)]
    pub links: Vec<PagerDutyLink>,
    pub client: Option<String>,
    pub client_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PagerDutyPayload {
    pub summary: Option<String>,
    pub source: Option<String>,
    pub severity: Option<String>,
    pub timestamp: Option<String>,
    pub component: Option<String>,
    pub group: Option<String>,
    pub class: Option<String>,
    pub custom_details: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PagerDutyLink {
    pub href: String,
    pub text: Option<String>,
}

/// Parses and normalises one Events API v2 body into the integration's routing key and
/// the event. `generated_key` is the dedup key of a trigger that brings none (the caller
/// makes it random, like PagerDuty's UUID).
pub fn pagerduty(body: &[u8], generated_key: &str) -> Result<(String, Incoming), IntakeError> {
    let event: PagerDutyEvent = parse_json(body)?;
    normalise(event, generated_key)
}

fn normalise(e: PagerDutyEvent, generated_key: &str) -> Result<(String, Incoming), IntakeError> {
    let mut problems = Problems::default();
    let routing_key = problems.required("routing_key", e.routing_key.as_deref());
    let action = match e.event_action.as_deref().map(str::trim) {
        Some("trigger") => Some(Action::Trigger),
        Some("acknowledge") => Some(Action::Acknowledge),
        Some("resolve") => Some(Action::Resolve),
        None | Some("") => {
            problems.add("event_action", "missing or blank: use trigger, acknowledge or resolve");
            None
        }
        Some(other) => {
            problems.add("event_action", format!("is {other:?}: use trigger, acknowledge or resolve"));
            None
        }
    };
    let given_key = e.dedup_key.as_deref().filter(|k| !k.trim().is_empty());
    let dedup_key = match (action, given_key) {
        (Some(Action::Trigger), None) => Some(generated_key.to_owned()),
        (_, key) => problems.dedup_key("dedup_key", key),
    };
    let payload = e.payload.as_ref();
    let (mut text, mut source, mut severity) = (String::new(), None, Severity::Warning);
    match (action, payload) {
        (Some(Action::Trigger), None) => {
            problems.add("payload", "missing: a trigger needs payload.summary, payload.source and payload.severity")
        }
        (Some(Action::Trigger), Some(p)) => {
            text = problems.required("payload.summary", p.summary.as_deref()).map(|s| summary(&s)).unwrap_or_default();
            source = problems.required("payload.source", p.source.as_deref());
            match p.severity.as_deref().map(str::trim) {
                None | Some("") => {
                    problems.add("payload.severity", "missing or blank: use critical, error, warning or info")
                }
                Some(s) => match Severity::parse_strict(s) {
                    Some(v) => severity = v,
                    None => problems.add("payload.severity", format!("is {s:?}: use critical, error, warning or info")),
                },
            }
        }
        // Follow-up events may repeat the payload; keep what it says, require nothing.
        (_, Some(p)) => {
            text = p.summary.as_deref().map(summary).unwrap_or_default();
            source = p.source.clone();
            severity = p.severity.as_deref().and_then(Severity::parse_strict).unwrap_or(Severity::Warning);
        }
        (_, None) => {}
    }
    problems.finish()?;
    let runbook = e
        .links
        .iter()
        .find(|l| l.text.as_deref().is_some_and(|t| t.to_lowercase().contains("runbook")))
        .and_then(|l| lenient_link(Some(&l.href)));
    let incoming = Incoming {
        dedup_key: dedup_key.expect("no problems"),
        action: action.expect("no problems"),
        summary: text,
        severity,
        source,
        details: details(&e),
        runbook_url: runbook,
        group_key: None,
    };
    Ok((routing_key.expect("no problems"), incoming))
}

fn details(e: &PagerDutyEvent) -> Value {
    let mut d = Map::new();
    if let Some(p) = &e.payload {
        if let Some(c) = &p.custom_details {
            d.insert("custom_details".into(), c.clone());
        }
        for (k, v) in
            [("timestamp", &p.timestamp), ("component", &p.component), ("group", &p.group), ("class", &p.class)]
        {
            if let Some(v) = v {
                d.insert(k.into(), json!(v));
            }
        }
    }
    for (k, v) in [("client", &e.client), ("client_url", &e.client_url)] {
        if let Some(v) = v {
            d.insert(k.into(), json!(v));
        }
    }
    if !e.links.is_empty() {
        let links: Vec<Value> = e.links.iter().map(|l| json!({"href": l.href, "text": l.text})).collect();
        d.insert("links".into(), Value::Array(links));
    }
    Value::Object(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(body: &str) -> Vec<String> {
        pagerduty(body.as_bytes(), "generated").unwrap_err().fields().iter().map(|f| f.field.clone()).collect()
    }

    #[test]
    fn a_trigger_carries_summary_source_severity_details_and_its_runbook_link() {
        let body = r#"{
          "routing_key": "R0UTINGKEY", "event_action": "trigger", "dedup_key": "streamhub-lag",
          "payload": {"summary": "consumer lag above 10k", "source": "broker-1.streamhub", "severity": "error",
                      "component": "kafka", "custom_details": {"lag": 12034, "topic": "orders"}},
          "links": [{"href": "https://dash.example.com/lag", "text": "Dashboard"},
                    {"href": "https://runbooks.example.com/lag", "text": "Runbook: consumer lag"}],
          "images": [{"src": "https://example.com/graph.png"}]
        }"#;
        let (key, incoming) = pagerduty(body.as_bytes(), "generated").unwrap();
        assert_eq!(key, "R0UTINGKEY");
        assert_eq!(incoming.dedup_key, "streamhub-lag");
        assert_eq!(incoming.action, Action::Trigger);
        assert_eq!(incoming.summary, "consumer lag above 10k");
        assert_eq!(incoming.source.as_deref(), Some("broker-1.streamhub"));
        assert_eq!(incoming.severity, Severity::Error);
        assert_eq!(incoming.details["custom_details"]["lag"], 12034);
        assert_eq!(incoming.details["component"], "kafka");
        assert_eq!(incoming.runbook_url.unwrap().as_str(), "https://runbooks.example.com/lag");
    }

    #[test]
    fn a_trigger_without_a_dedup_key_gets_the_callers_generated_one() {
        let body = r#"{"routing_key":"k","event_action":"trigger",
                       "payload":{"summary":"s","source":"h","severity":"info"}}"#;
        assert_eq!(pagerduty(body.as_bytes(), "0b6c5e1a").unwrap().1.dedup_key, "0b6c5e1a");
    }

    #[test]
    fn every_missing_field_is_named_as_pagerduty_names_it() {
        let body = r#"{"routing_key":"k","event_action":"trigger","payload":{"summary":" "}}"#;
        assert_eq!(fields(body), ["payload.summary", "payload.source", "payload.severity"]);
        let bad_severity = r#"{"routing_key":"k","event_action":"trigger",
                               "payload":{"summary":"s","source":"h","severity":"page"}}"#;
        let err = pagerduty(bad_severity.as_bytes(), "g").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid payload: payload.severity: is \"page\": use critical, error, warning or info"
        );
        assert_eq!(fields(r#"{"event_action":"resolve"}"#), ["routing_key", "dedup_key"]);
        assert_eq!(fields(r#"{"routing_key":"k","event_action":"snooze","dedup_key":"d"}"#), ["event_action"]);
        assert_eq!(fields(r#"{"routing_key":"k","event_action":"trigger"}"#), ["payload"]);
        let long = format!(r#"{{"routing_key":"k","event_action":"acknowledge","dedup_key":"{}"}}"#, "x".repeat(256));
        assert_eq!(fields(&long), ["dedup_key"]);
    }

    #[test]
    fn acknowledge_and_resolve_need_only_the_key() {
        let body = r#"{"routing_key":"k","event_action":"acknowledge","dedup_key":"streamhub-lag","extra":1}"#;
        let (_, incoming) = pagerduty(body.as_bytes(), "unused").unwrap();
        assert_eq!((incoming.action, incoming.dedup_key.as_str()), (Action::Acknowledge, "streamhub-lag"));
    }
}
