//! Prometheus Alertmanager's webhook (`webhook_config`), payload version 4.
//!
//! One [`Incoming`] per alert, keyed by its `fingerprint`, its action taken from the
//! alert's own `status` (firing → trigger, resolved → resolve). The group's `status` is
//! never used: a group stays "firing" while any alert in it fires, so resolving by group
//! (or by summary, GoAlert's bug) would leave alerts open or close the wrong ones.

use super::{lenient_link, parse_json, summary, Action, Incoming, IntakeError, Problems};
use crate::paging::severity::Severity;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerPayload {
    pub version: String,
    pub group_key: String,
    /// How many alerts Alertmanager left out because of the receiver's `max_alerts`.
    #[serde(default)]
    pub truncated_alerts: u64,
    /// The group's status; not used for the alerts (see the module docs).
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub receiver: String,
    #[serde(default)]
    pub group_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_annotations: BTreeMap<String, String>,
    #[serde(default, rename = "externalURL")]
    pub external_url: String,
    pub alerts: Vec<AlertmanagerAlert>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerAlert {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// RFC 3339, kept as written (Alertmanager sends `0001-01-01T00:00:00Z` for "not yet").
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub ends_at: Option<String>,
    #[serde(default, rename = "generatorURL")]
    pub generator_url: Option<String>,
    #[serde(default)]
    pub fingerprint: Option<String>,
}

/// A webhook's alerts, with what the caller reports back about the batch.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertmanagerBatch {
    pub group_key: String,
    pub receiver: String,
    /// Alerts Alertmanager did not send (its `max_alerts`): they exist but Baton cannot see them.
    pub truncated_alerts: u64,
    pub incoming: Vec<Incoming>,
}

/// Parses and normalises an Alertmanager webhook body.
pub fn alertmanager(body: &[u8]) -> Result<AlertmanagerBatch, IntakeError> {
    let payload: AlertmanagerPayload = parse_json(body)?;
    normalise(payload)
}

fn normalise(p: AlertmanagerPayload) -> Result<AlertmanagerBatch, IntakeError> {
    let mut problems = Problems::default();
    if p.version != "4" {
        problems.add(
            "version",
            format!("is {:?}: only Alertmanager's webhook payload version \"4\" is understood", p.version),
        );
        return Err(IntakeError::Invalid(problems.0));
    }
    let mut incoming = Vec::with_capacity(p.alerts.len());
    for (i, a) in p.alerts.iter().enumerate() {
        let key = problems.dedup_key(&format!("alerts[{i}].fingerprint"), a.fingerprint.as_deref());
        let action = match a.status.as_str() {
            "firing" => Some(Action::Trigger),
            "resolved" => Some(Action::Resolve),
            other => {
                problems
                    .add(format!("alerts[{i}].status"), format!("is {other:?}: expected \"firing\" or \"resolved\""));
                None
            }
        };
        let (Some(dedup_key), Some(action)) = (key, action) else { continue };
        let text = ["summary", "description"]
            .iter()
            .find_map(|k| a.annotations.get(*k).filter(|v| !v.trim().is_empty()))
            .or_else(|| a.labels.get("alertname"))
            .map_or_else(|| format!("alert {dedup_key}"), |s| summary(s));
        incoming.push(Incoming {
            dedup_key,
            action,
            summary: text,
            severity: Severity::parse(a.labels.get("severity").map_or("", String::as_str)),
            source: a.labels.get("instance").or_else(|| a.labels.get("job")).cloned(),
            details: details(&p, a),
            runbook_url: lenient_link(a.annotations.get("runbook_url").map(String::as_str)),
            group_key: Some(p.group_key.clone()),
        });
    }
    problems.finish()?;
    Ok(AlertmanagerBatch {
        group_key: p.group_key,
        receiver: p.receiver,
        truncated_alerts: p.truncated_alerts,
        incoming,
    })
}

fn details(p: &AlertmanagerPayload, a: &AlertmanagerAlert) -> Value {
    let mut d = Map::new();
    d.insert("labels".into(), json!(a.labels));
    d.insert("annotations".into(), json!(a.annotations));
    for (k, v) in [("startsAt", &a.starts_at), ("endsAt", &a.ends_at), ("generatorURL", &a.generator_url)] {
        if let Some(v) = v {
            d.insert(k.into(), json!(v));
        }
    }
    if !p.external_url.is_empty() {
        d.insert("externalURL".into(), json!(p.external_url));
    }
    Value::Object(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two alerts of one group: the group is still firing while one alert has resolved.
    const BODY: &str = r#"{
      "version": "4",
      "groupKey": "{}/{severity=\"critical\"}:{alertname=\"StreamhubDown\"}",
      "truncatedAlerts": 3,
      "status": "firing",
      "receiver": "baton",
      "groupLabels": {"alertname": "StreamhubDown"},
      "commonLabels": {"alertname": "StreamhubDown", "severity": "critical"},
      "commonAnnotations": {},
      "externalURL": "http://127.0.0.1:9093",
      "somethingNewer": {"ignored": true},
      "alerts": [
        {"status": "firing", "labels": {"alertname": "StreamhubDown", "severity": "critical", "instance": "broker-1"},
         "annotations": {"summary": "broker-1 is down", "runbook_url": "https://runbooks.example.com/streamhub/down"},
         "startsAt": "2026-03-02T09:52:26.739266876+02:00", "endsAt": "0001-01-01T00:00:00Z",
         "generatorURL": "http://127.0.0.1:9090/graph", "fingerprint": "1a30ba71cca2921f"},
        {"status": "resolved", "labels": {"alertname": "StreamhubDown", "severity": "critical", "job": "streamhub"},
         "annotations": {"description": "broker-2 was down"},
         "startsAt": "2026-03-02T09:50:00Z", "endsAt": "2026-03-02T09:55:00Z",
         "generatorURL": "http://127.0.0.1:9090/graph", "fingerprint": "c6eadffa33fcdf37"}
      ]
    }"#;

    #[test]
    fn each_alert_is_keyed_by_fingerprint_and_resolved_by_its_own_status() {
        let batch = alertmanager(BODY.as_bytes()).unwrap();
        assert_eq!(batch.truncated_alerts, 3);
        assert_eq!(batch.receiver, "baton");
        let [first, second] = &batch.incoming[..] else { panic!("{batch:#?}") };
        assert_eq!((first.dedup_key.as_str(), first.action), ("1a30ba71cca2921f", Action::Trigger));
        assert_eq!((second.dedup_key.as_str(), second.action), ("c6eadffa33fcdf37", Action::Resolve));
        assert_eq!(first.summary, "broker-1 is down");
        assert_eq!(second.summary, "broker-2 was down");
        assert_eq!(first.severity, Severity::Critical);
        assert_eq!(first.source.as_deref(), Some("broker-1"));
        assert_eq!(second.source.as_deref(), Some("streamhub"));
        assert_eq!(first.runbook_url.as_ref().map(|l| l.as_str()), Some("https://runbooks.example.com/streamhub/down"));
        assert_eq!(second.runbook_url, None);
        assert_eq!(first.group_key.as_deref(), Some(batch.group_key.as_str()));
        assert_eq!(first.details["labels"]["instance"], "broker-1");
        assert_eq!(first.details["generatorURL"], "http://127.0.0.1:9090/graph");
    }

    #[test]
    fn the_alertname_stands_in_for_a_missing_summary_and_no_severity_is_a_warning() {
        let body = r#"{"version":"4","groupKey":"g","alerts":[
            {"status":"firing","labels":{"alertname":"DiskFull"},"annotations":{},"fingerprint":"f1"}]}"#;
        let batch = alertmanager(body.as_bytes()).unwrap();
        assert_eq!(batch.incoming[0].summary, "DiskFull");
        assert_eq!(batch.incoming[0].severity, Severity::Warning);
        assert_eq!(batch.truncated_alerts, 0);
    }

    #[test]
    fn other_versions_and_bad_alerts_are_refused_naming_the_field() {
        let v3 = r#"{"version":"3","groupKey":"g","alerts":[]}"#;
        let err = alertmanager(v3.as_bytes()).unwrap_err();
        assert_eq!(err.fields()[0].field, "version");
        assert!(err.to_string().contains("version \"4\""), "{err}");

        let bad = r#"{"version":"4","groupKey":"g","alerts":[
            {"status":"firing","fingerprint":"ok"},
            {"status":"pending","labels":{}},
            {"status":"resolved","fingerprint":"   "}]}"#;
        let err = alertmanager(bad.as_bytes()).unwrap_err();
        let fields: Vec<_> = err.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["alerts[1].fingerprint", "alerts[1].status", "alerts[2].fingerprint"]);

        assert!(matches!(alertmanager(b"{not json"), Err(IntakeError::Malformed(_))));
    }
}
