//! Integrations: the doors alerts come in through. Each belongs to one service, speaks
//! one format, and has its own secret key (stored hashed, like API tokens); an integration
//! with a heartbeat raises an alert of its own when its source goes quiet (Alertmanager's
//! always-firing watchdog, say).

use super::intake::{Action, Incoming};
use super::severity::Severity;
use crate::{Period, PersonId, ServiceId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The payload format an integration accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Alertmanager's webhook, payload version 4.
    Alertmanager,
    /// PagerDuty Events API v2; the integration key is the `routing_key`.
    #[serde(rename = "pagerduty")]
    PagerDuty,
    /// Baton's generic JSON webhook.
    Generic,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Alertmanager => "alertmanager",
            Format::PagerDuty => "pagerduty",
            Format::Generic => "generic",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Integration {
    /// `<service>.<name>`: unique, and readable in alerts and audit records.
    pub id: String,
    pub service: ServiceId,
    pub name: String,
    pub format: Format,
    /// SHA-256 of the secret key; the key itself is shown once, at creation.
    pub key_hash: String,
    pub created_by: PersonId,
    pub created_at: Timestamp,
    #[serde(default)]
    pub revoked_at: Option<Timestamp>,
    /// Expect something from the source at least this often.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub heartbeat: Option<Period>,
    /// When the source was last heard from (only kept for integrations with a heartbeat).
    #[serde(default)]
    pub last_seen: Option<Timestamp>,
    /// The heartbeat has been missed and its alert raised, not yet resolved.
    #[serde(default)]
    pub silent: bool,
}

impl Integration {
    /// The dedup key of this integration's missed-heartbeat alert.
    pub fn heartbeat_key(&self) -> String {
        format!("baton-heartbeat/{}", self.id)
    }

    /// When the engine should next look at this integration: the moment its heartbeat is
    /// missed, unless it is missed already (its alert is open) or it has none.
    pub fn due_at(&self) -> Option<Timestamp> {
        let every = self.heartbeat?;
        if self.silent || self.revoked_at.is_some() {
            return None;
        }
        Some(every.after(self.last_seen.unwrap_or(self.created_at)))
    }

    /// The source was heard from at `now`. Answers the event that resolves the
    /// missed-heartbeat alert, when one was raised.
    pub fn heard_from(&mut self, now: Timestamp) -> Option<Incoming> {
        self.heartbeat?;
        self.last_seen = Some(now);
        if !std::mem::replace(&mut self.silent, false) {
            return None;
        }
        Some(self.heartbeat_event(Action::Resolve, String::new()))
    }

    /// At `now`, has the heartbeat been missed? If so, marks it and answers the alert to raise.
    pub fn check_heartbeat(&mut self, now: Timestamp) -> Option<Incoming> {
        let due = self.due_at()?;
        if now < due {
            return None;
        }
        self.silent = true;
        let every = self.heartbeat.expect("due_at needs a heartbeat");
        let since = self.last_seen.map_or_else(|| "since it was created".to_owned(), |t| format!("since {t}"));
        let summary =
            format!("{}: integration `{}` has sent nothing {since} (expected every {every})", self.service, self.id);
        Some(self.heartbeat_event(Action::Trigger, summary))
    }

    fn heartbeat_event(&self, action: Action, summary: String) -> Incoming {
        Incoming {
            dedup_key: self.heartbeat_key(),
            action,
            summary,
            severity: Severity::Critical,
            source: Some("baton".into()),
            details: serde_json::json!({ "integration": self.id, "format": self.format.as_str() }),
            runbook_url: None,
            group_key: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn watchdog() -> Integration {
        Integration {
            id: "streamhub.alertmanager".into(),
            service: ServiceId::parse("streamhub").unwrap(),
            name: "alertmanager".into(),
            format: Format::Alertmanager,
            key_hash: "h".into(),
            created_by: PersonId::parse("marta.oyelaran").unwrap(),
            created_at: t("2026-03-02T09:00:00Z"),
            revoked_at: None,
            heartbeat: Some(Period::parse("5m").unwrap()),
            last_seen: None,
            silent: false,
        }
    }

    #[test]
    fn a_silent_source_raises_one_alert_and_speaking_again_resolves_it() {
        let mut i = watchdog();
        assert_eq!(i.due_at(), Some(t("2026-03-02T09:05:00Z")), "counted from creation until first heard");
        assert_eq!(i.heard_from(t("2026-03-02T09:01:00Z")), None);
        assert_eq!(i.due_at(), Some(t("2026-03-02T09:06:00Z")));
        assert_eq!(i.check_heartbeat(t("2026-03-02T09:05:59Z")), None, "not missed yet");
        let raised = i.check_heartbeat(t("2026-03-02T09:06:00Z")).unwrap();
        assert_eq!((raised.action, raised.severity), (Action::Trigger, Severity::Critical));
        assert!(raised.summary.contains("expected every 5m"), "{}", raised.summary);
        assert_eq!(i.due_at(), None, "raised once, not again every tick");
        assert_eq!(i.check_heartbeat(t("2026-03-02T10:00:00Z")), None);
        let resolved = i.heard_from(t("2026-03-02T10:00:00Z")).unwrap();
        assert_eq!((resolved.action, resolved.dedup_key), (Action::Resolve, i.heartbeat_key()));
        assert_eq!(i.due_at(), Some(t("2026-03-02T10:05:00Z")));
    }

    #[test]
    fn without_a_heartbeat_nothing_is_ever_due() {
        let mut i = Integration { heartbeat: None, ..watchdog() };
        assert_eq!(i.due_at(), None);
        assert_eq!(i.heard_from(t("2026-03-02T10:00:00Z")), None);
        assert_eq!(i.last_seen, None, "not written on every request when nobody watches");
    }
}
