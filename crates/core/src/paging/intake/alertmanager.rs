//! Prometheus Alertmanager's webhook (`webhook_config`), payload version 4.
//!
//! One [`Incoming`] per alert, keyed by its `fingerprint`, its action taken from the
//! alert's own `status` (firing → trigger, resolved → resolve). The group's `status` is
//! used only for an alert that carries none: a group stays "firing" while any alert in it
//! fires, so resolving by group (or by summary, GoAlert's bug) would leave alerts open or
//! close the wrong ones.
//!
//! Payloads written by hand, by older Alertmanagers and by tools that replay them carry
//! neither `fingerprint` nor a per-alert `status`. The fingerprint is then derived from
//! the labels exactly as Alertmanager derives it (`fingerprint`), so the same alert
//! sent again finds its open Baton alert, and so would the same alert from an
//! Alertmanager that does send its fingerprint.

use super::{lenient_link, parse_json, summary, Action, Incoming, IntakeError, Problems};
use crate::paging::severity::Severity;
use crate::slo::{slo_alert_key, Severity as TierSeverity, BURN_ALERT};
use crate::SloId;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerPayload {
    pub version: String,
    pub group_key: String,
    /// How many alerts Alertmanager left out because of the receiver's `max_alerts`.
    #[serde(default)]
    pub truncated_alerts: u64,
    /// The group's status; an alert's own status wins (see the module docs).
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
        let derived;
        let written = match (slo_burn_key(&a.labels), &a.fingerprint) {
            (Some(key), _) => {
                derived = key;
                Some(derived.as_str())
            }
            (None, Some(f)) => Some(f.as_str()),
            (None, None) => {
                derived = fingerprint(&a.labels);
                Some(derived.as_str())
            }
        };
        let key = problems.dedup_key(&format!("alerts[{i}].fingerprint"), written);
        let (field, status) = if a.status.is_empty() && !p.status.is_empty() {
            ("status".to_owned(), p.status.as_str())
        } else {
            (format!("alerts[{i}].status"), a.status.as_str())
        };
        let action = match status {
            "firing" => Some(Action::Trigger),
            "resolved" => Some(Action::Resolve),
            other => {
                problems.add(field, format!("is {other:?}: expected \"firing\" or \"resolved\""));
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
    one_per_slo_severity(&mut incoming);
    Ok(AlertmanagerBatch {
        group_key: p.group_key,
        receiver: p.receiver,
        truncated_alerts: p.truncated_alerts,
        incoming,
    })
}

/// Baton's own burn-rate alert (the rules `baton slo rules` writes) is keyed as the SLO
/// alerting engine keys it, `slo/<slo>/<page|ticket>`, not by its fingerprint: each tier
/// is a series of its own (its window labels differ), and one SLO and severity must be one
/// alert whichever tier, and whichever side, raised it.
fn slo_burn_key(labels: &BTreeMap<String, String>) -> Option<String> {
    if labels.get("alertname").map(String::as_str) != Some(BURN_ALERT) {
        return None;
    }
    let slo = SloId::parse(labels.get("slo")?).ok()?;
    let severity = match labels.get("severity")?.as_str() {
        "page" => TierSeverity::Page,
        "ticket" => TierSeverity::Ticket,
        _ => return None,
    };
    Some(slo_alert_key(slo.as_str(), severity))
}

/// The tiers of one SLO and severity share a key (see [`slo_burn_key`]): in one webhook,
/// a tier that resolved while another of the same severity still fires must not resolve
/// the alert, and two firing tiers are one event. So the first firing one stands for
/// them all, and resolutions count only when none of them fires. (Alertmanager sends a
/// group's firing and resolved alerts together, so routing `BatonErrorBudgetBurn` grouped
/// by `slo`, or coarser, keeps every tier of an SLO in one webhook.)
fn one_per_slo_severity(incoming: &mut Vec<Incoming>) {
    let firing: BTreeSet<String> = incoming
        .iter()
        .filter(|i| i.action == Action::Trigger && i.dedup_key.starts_with("slo/"))
        .map(|i| i.dedup_key.clone())
        .collect();
    let mut seen = BTreeSet::new();
    incoming.retain(|i| {
        if !i.dedup_key.starts_with("slo/") {
            return true;
        }
        let stands = if firing.contains(&i.dedup_key) { i.action == Action::Trigger } else { true };
        stands && seen.insert(i.dedup_key.clone())
    });
}

/// The fingerprint Alertmanager gives an alert with these labels (prometheus/common's
/// `model.LabelSet.Fingerprint`): FNV-1a 64 over the labels sorted by name, each name and
/// each value followed by the byte 0xff (which no UTF-8 text contains, so `a="bc"` and
/// `ab="c"` differ), as 16 lowercase hex digits.
fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    const SEPARATOR: u8 = 0xff;
    let mut hash = OFFSET;
    let mut add = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    // A BTreeMap iterates in name order, as Go sorts the names first.
    for (name, value) in labels {
        add(name.as_bytes());
        add(&[SEPARATOR]);
        add(value.as_bytes());
        add(&[SEPARATOR]);
    }
    format!("{hash:016x}")
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
            {"status":"resolved","fingerprint":"   "},
            {"labels":{"alertname":"NoStatusAnywhere"}}]}"#;
        let err = alertmanager(bad.as_bytes()).unwrap_err();
        let fields: Vec<_> = err.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["alerts[1].status", "alerts[2].fingerprint", "alerts[3].status"]);

        assert!(matches!(alertmanager(b"{not json"), Err(IntakeError::Malformed(_))));
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_derived_fingerprint_is_the_one_alertmanager_computes() {
        // prometheus/common model/signature_test.go, TestMetricToFingerprint and
        // BenchmarkMetricToFingerprintSingle: 14695981039346656037 (the FNV offset) for no
        // labels, 5799056148416392346 and 5146282821936882169 for these.
        assert_eq!(fingerprint(&labels(&[])), format!("{:016x}", 14_695_981_039_346_656_037u64));
        assert_eq!(
            fingerprint(&labels(&[("name", "garland, briggs"), ("fear", "love is not enough")])),
            format!("{:016x}", 5_799_056_148_416_392_346u64)
        );
        assert_eq!(
            fingerprint(&labels(&[("first-label", "first-label-value")])),
            format!("{:016x}", 5_146_282_821_936_882_169u64)
        );
        assert_eq!(fingerprint(&labels(&[("a", "bc")])).len(), 16);
        assert_ne!(
            fingerprint(&labels(&[("a", "bc")])),
            fingerprint(&labels(&[("ab", "c")])),
            "names and values are kept apart"
        );
    }

    #[test]
    fn an_alert_without_fingerprint_or_status_is_keyed_by_its_labels_and_takes_the_groups_status() {
        let body = r#"{"version":"4","groupKey":"g","status":"resolved","alerts":[
            {"labels":{"alertname":"DiskFull","instance":"db-1"},"annotations":{}},
            {"status":"firing","labels":{"instance":"db-1","alertname":"DiskFull"},"annotations":{}}]}"#;
        let batch = alertmanager(body.as_bytes()).unwrap();
        let [first, second] = &batch.incoming[..] else { panic!("{batch:#?}") };
        assert_eq!(first.action, Action::Resolve, "the group's status");
        assert_eq!(second.action, Action::Trigger, "an alert's own status wins");
        assert_eq!(first.dedup_key, second.dedup_key, "the same labels are the same alert, in any order");
        assert_eq!(first.dedup_key, fingerprint(&labels(&[("alertname", "DiskFull"), ("instance", "db-1")])));
    }

    /// Real payloads (prometheus-msteams' fixtures): none carries `fingerprint` or a
    /// per-alert `status`.
    const CORPUS: [(&str, usize); 6] = [
        ("prometheus-msteams_prometheus-msteams__alert__testdata__large_prom_post_request.json", 19),
        ("prometheus-msteams_prometheus-msteams__alert__testdata__prom_post_request_12_alerts.json", 12),
        ("prometheus-msteams_prometheus-msteams__alert__testdata__prom_post_request_2_alerts.json", 2),
        ("prometheus-msteams_prometheus-msteams__alert__testdata__prom_post_request_without_common_summary.json", 1),
        ("prometheus-msteams_prometheus-msteams__pkg__card__testdata__prom_post_request.json", 1),
        ("prometheus-msteams_prometheus-msteams__pkg__card__testdata__prom_post_request_too_many_sections.json", 12),
    ];

    #[test]
    fn real_alertmanager_payloads_are_accepted_with_stable_distinct_keys() {
        for (file, alerts) in CORPUS {
            let path = format!("{}/../../../shared/corpus/alertmanager-webhook/{file}", env!("CARGO_MANIFEST_DIR"));
            let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let batch = alertmanager(&body).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(batch.incoming.len(), alerts, "{file}");
            assert!(batch.incoming.iter().all(|i| i.action == Action::Trigger), "{file}: the group is firing");
            let keys: Vec<&str> = batch.incoming.iter().map(|i| i.dedup_key.as_str()).collect();
            let again = alertmanager(&body).unwrap();
            let keys_again: Vec<&str> = again.incoming.iter().map(|i| i.dedup_key.as_str()).collect();
            assert_eq!(keys, keys_again, "{file}: the same payload gives the same keys");
            let distinct: std::collections::BTreeSet<&str> = keys.iter().copied().collect();
            assert_eq!(distinct.len(), alerts, "{file}: every alert has labels of its own, so a key of its own");
        }
    }

    #[test]
    fn baton_burn_alerts_are_keyed_by_slo_and_severity_and_a_firing_tier_outweighs_a_resolved_one() {
        let tier = |severity: &str, long: &str, status: &str| {
            format!(
                r#"{{"status":"{status}","labels":{{"alertname":"BatonErrorBudgetBurn","slo":"streamhub-availability",
                "service":"streamhub","severity":"{severity}","long_window":"{long}"}},"annotations":{{}}}}"#
            )
        };
        let body = |alerts: &[String]| {
            format!(r#"{{"version":"4","groupKey":"g","status":"firing","alerts":[{}]}}"#, alerts.join(","))
        };
        let keyed = |b: String| -> Vec<(String, Action, Severity)> {
            alertmanager(b.as_bytes())
                .unwrap()
                .incoming
                .into_iter()
                .map(|i| (i.dedup_key, i.action, i.severity))
                .collect()
        };
        let other = r#"{"status":"resolved","labels":{"alertname":"DiskFull"}}"#.to_owned();
        // The 1h tier resolved while the 6h tier still fires: the page stays, one event.
        assert_eq!(
            keyed(body(&[
                tier("page", "1h", "resolved"),
                tier("page", "6h", "firing"),
                tier("ticket", "1d", "firing"),
                other.clone()
            ])),
            [
                ("slo/streamhub-availability/page".to_owned(), Action::Trigger, Severity::Critical),
                ("slo/streamhub-availability/ticket".to_owned(), Action::Trigger, Severity::Warning),
                (fingerprint(&labels(&[("alertname", "DiskFull")])), Action::Resolve, Severity::Warning),
            ]
        );
        // Every page tier resolved: the page resolves, once.
        assert_eq!(
            keyed(body(&[tier("page", "1h", "resolved"), tier("page", "6h", "resolved")])),
            [("slo/streamhub-availability/page".to_owned(), Action::Resolve, Severity::Critical)]
        );
        // Not Baton's labels (no slo, another severity word): keyed by fingerprint as usual.
        let odd = tier("critical", "1h", "firing");
        assert_eq!(keyed(body(&[odd]))[0].0.len(), 16);
    }
}
