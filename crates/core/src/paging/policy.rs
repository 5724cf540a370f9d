//! Escalation policies as `escalations/` defines them: who is paged, in which order, how
//! long each step waits for an acknowledgement, how often the whole list repeats, and where
//! the notifications are delivered.

use super::secret::{Secret, SecretError, SecretName};
use crate::oncall::RotationId;
use crate::{Link, Period, PersonId, TeamId};
use serde::{Deserialize, Serialize};
use std::fmt;

pub use crate::id::PolicyId;

/// What a policy is for; routing picks one by the service's stage and the alert's severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// Wakes people: critical alerts, and every alert before handover.
    Page,
    /// A queue worked in office hours: non-critical alerts of an SRE-owned service.
    Ticket,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Page => "page",
            Purpose::Ticket => "ticket",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whom a step notifies. A policy may name another team's rotation or people (a shared
/// platform rotation as a second step, say): the policy's `team` owns the policy, not
/// every target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// Whoever is on call on the rotation at the moment the step runs.
    Rotation(RotationId),
    Person(PersonId),
    /// Every member of the team.
    Team(TeamId),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Rotation(r) => write!(f, "rotation {r}"),
            Target::Person(p) => write!(f, "{p}"),
            Target::Team(t) => write!(f, "team {t}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EscalationStep {
    pub targets: Vec<Target>,
    /// How long the step waits for an acknowledgement before the next step runs (after
    /// the last step: before the next round, or before the escalation is exhausted).
    pub delay: Period,
}

/// Where a policy's notifications are delivered. A URL or routing key that is a secret is
/// better named ([`Secret::Named`]) than written inline; the example organisation uses
/// loopback placeholders inline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Channel {
    /// Baton's own JSON body, POSTed to the URL.
    Webhook {
        url: Secret<Link>,
        #[serde(default, skip_serializing_if = "Delivery::is_default")]
        delivery: Delivery,
    },
    /// A Slack incoming webhook (`{"text": ...}`).
    Slack {
        url: Secret<Link>,
        #[serde(default, skip_serializing_if = "Delivery::is_default")]
        delivery: Delivery,
        /// A Slack member id (`U024BE7LH`) to mention: a person's own Slack method,
        /// delivered through their team's Slack webhook. Never written in `escalations/`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mention: Option<String>,
    },
    /// PagerDuty Events API v2 as the last mile: Baton chose the policy, PagerDuty's
    /// service behind `routing_key` notifies.
    #[serde(rename = "pagerduty")]
    PagerDuty {
        #[serde(default = "pagerduty_url")]
        url: Secret<Link>,
        routing_key: Secret<String>,
        #[serde(default, skip_serializing_if = "Delivery::is_default")]
        delivery: Delivery,
    },
    /// An email to one address, through the SMTP server `serve` is given (a person's
    /// email method; policies do not write it).
    Email {
        to: String,
        #[serde(default, skip_serializing_if = "Delivery::is_default")]
        delivery: Delivery,
    },
}

/// How a channel's messages are delivered, each setting left out taking its default (see
/// [`Channel::retry_for`], [`Channel::in_flight`], [`Channel::rate_per_minute`]). Left
/// out of the JSON when all are defaults, so channels stored before these settings
/// existed read the same and are written the same.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// How long a message is retried, counted from its creation (or a person's re-send).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub retry_for: Option<Period>,
    /// Requests in flight at once toward the channel's destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_flight: Option<u32>,
    /// Requests started per minute toward the channel's destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_minute: Option<u32>,
}

impl Delivery {
    pub fn is_default(&self) -> bool {
        *self == Delivery::default()
    }
}

/// How long a message is retried unless its channel says otherwise: a receiver down for
/// a night still gets its pages in the morning, rather than dead letters nobody re-sends.
pub const DEFAULT_RETRY_FOR: Period = Period::hours(24);
/// Requests in flight toward one destination unless its channel says otherwise: enough
/// for a burst, few enough that a small receiver is not timed out by Baton alone.
pub const DEFAULT_IN_FLIGHT: u32 = 8;
/// PagerDuty's documented limit on Events API v2 requests per routing key.
pub const PAGERDUTY_RATE_PER_MINUTE: u32 = 120;

/// A rotation id is a string on the wire (the rotation module has no OpenAPI schema of its own).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for RotationId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A rotation id: 1 to 63 lowercase letters, digits, '-', '_' or '.'."))
            .examples(["platform-sre"])
            .into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for RotationId {}

/// PagerDuty's Events API v2 endpoint, used when a `pagerduty` channel gives no `url`.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

pub fn pagerduty_url() -> Secret<Link> {
    Secret::Inline(Link::parse(PAGERDUTY_EVENTS_URL).expect("a valid link"))
}

/// Where one message goes, its secrets read: what [`Channel::resolve`] answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub url: Link,
    /// PagerDuty's routing key; `None` for other channels.
    pub routing_key: Option<String>,
}

impl Channel {
    /// The channel as it may be shown to anyone: its URL reduced to scheme and host, a
    /// PagerDuty routing key hidden (either lets whoever holds it post as Baton).
    pub fn redacted(&self) -> Channel {
        match self {
            Channel::Webhook { url, delivery } => {
                Channel::Webhook { url: url.redacted(Link::redacted), delivery: *delivery }
            }
            Channel::Slack { url, delivery, mention } => {
                Channel::Slack { url: url.redacted(Link::redacted), delivery: *delivery, mention: mention.clone() }
            }
            Channel::PagerDuty { url, delivery, routing_key } => Channel::PagerDuty {
                url: url.redacted(Link::redacted),
                routing_key: routing_key.redacted(|_| "redacted".into()),
                delivery: *delivery,
            },
            Channel::Email { .. } => self.clone(),
        }
    }

    /// The URL and routing key to send to, named secrets read with `read` (see
    /// [`Secret::resolve`]).
    pub fn resolve(
        &self,
        read: impl Fn(&SecretName) -> Result<Option<String>, String>,
    ) -> Result<Destination, SecretError> {
        let Some(url) = self.url() else { return Err(SecretError::NotHttp) };
        let url = url.resolve(&read)?;
        let routing_key = match self {
            Channel::PagerDuty { routing_key, .. } => Some(routing_key.resolve(&read)?),
            Channel::Webhook { .. } | Channel::Slack { .. } | Channel::Email { .. } => None,
        };
        Ok(Destination { url, routing_key })
    }

    /// The secrets written inline, by field, for `baton validate` to warn about.
    pub fn inline_secrets(&self) -> Vec<&'static str> {
        let mut found = Vec::new();
        match self {
            Channel::Slack { url: Secret::Inline(url), .. } if !url.is_loopback() => found.push("url"),
            Channel::Webhook { url: Secret::Inline(url), .. } | Channel::PagerDuty { url: Secret::Inline(url), .. }
                if url.has_credentials() =>
            {
                found.push("url")
            }
            _ => {}
        }
        if let Channel::PagerDuty { routing_key: Secret::Inline(_), .. } = self {
            found.push("routing_key");
        }
        found
    }

    /// The URL an HTTP channel posts to; `None` for email.
    pub fn url(&self) -> Option<&Secret<Link>> {
        match self {
            Channel::Webhook { url, .. } | Channel::Slack { url, .. } | Channel::PagerDuty { url, .. } => Some(url),
            Channel::Email { .. } => None,
        }
    }

    /// The settings as written (defaults not filled in).
    pub fn delivery(&self) -> &Delivery {
        match self {
            Channel::Webhook { delivery, .. }
            | Channel::Slack { delivery, .. }
            | Channel::PagerDuty { delivery, .. }
            | Channel::Email { delivery, .. } => delivery,
        }
    }

    /// How long a message is retried before it is a dead letter.
    pub fn retry_for(&self) -> Period {
        self.delivery().retry_for.unwrap_or(DEFAULT_RETRY_FOR)
    }

    /// Requests in flight at once toward the destination, at least 1.
    pub fn in_flight(&self) -> u32 {
        self.delivery().in_flight.unwrap_or(DEFAULT_IN_FLIGHT).max(1)
    }

    /// Requests started per minute toward the destination; `None` is no limit. PagerDuty
    /// refuses more than [`PAGERDUTY_RATE_PER_MINUTE`] per routing key (with 429s), so
    /// that is its default; a webhook or Slack has none unless written.
    pub fn rate_per_minute(&self) -> Option<u32> {
        match self {
            Channel::PagerDuty { delivery, .. } => Some(delivery.rate_per_minute.unwrap_or(PAGERDUTY_RATE_PER_MINUTE)),
            Channel::Webhook { delivery, .. } | Channel::Slack { delivery, .. } | Channel::Email { delivery, .. } => {
                delivery.rate_per_minute
            }
        }
        .filter(|r| *r > 0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EscalationPolicy {
    pub id: PolicyId,
    pub name: String,
    /// The team the policy belongs to; routing looks policies up by team and purpose.
    pub team: TeamId,
    pub purpose: Purpose,
    pub steps: Vec<EscalationStep>,
    /// How many times the whole list runs again after its last step: 0 runs it once.
    #[serde(default)]
    pub repeat: u32,
    #[serde(default)]
    pub channels: Vec<Channel>,
}

impl EscalationPolicy {
    /// The policy with its channels [redacted](Channel::redacted).
    pub fn redacted(&self) -> EscalationPolicy {
        EscalationPolicy { channels: self.channels.iter().map(Channel::redacted).collect(), ..self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_is_stored_as_json_people_can_read() {
        let policy = EscalationPolicy {
            id: PolicyId::parse("platform-sre-24x7").unwrap(),
            name: "Platform SRE 24x7".into(),
            team: TeamId::parse("platform-sre").unwrap(),
            purpose: Purpose::Page,
            steps: vec![EscalationStep {
                targets: vec![
                    Target::Rotation(RotationId::parse("platform-sre").unwrap()),
                    Target::Person(PersonId::parse("marta.oyelaran").unwrap()),
                ],
                delay: Period::parse("15m").unwrap(),
            }],
            repeat: 2,
            channels: vec![Channel::PagerDuty {
                url: pagerduty_url(),
                routing_key: Secret::Inline("R0UTING".into()),
                delivery: Delivery::default(),
            }],
        };
        let json = serde_json::to_string(&policy).unwrap();
        assert!(json.contains(r#"{"rotation":"platform-sre"}"#), "{json}");
        assert!(json.contains(r#""delay":"15m""#), "{json}");
        assert!(json.contains(r#""type":"pagerduty""#), "{json}");
        assert_eq!(serde_json::from_str::<EscalationPolicy>(&json).unwrap(), policy);
        let no_url = r#"{"type":"pagerduty","routing_key":"R0UTING"}"#;
        let channel: Channel = serde_json::from_str(no_url).unwrap();
        assert_eq!(channel.url().unwrap().inline().map(Link::as_str), Some(PAGERDUTY_EVENTS_URL));
    }

    #[test]
    fn channels_stored_before_delivery_settings_read_with_the_defaults_and_write_the_same() {
        let old = r#"{"type":"slack","url":"https://hooks.slack.example/T/B/x"}"#;
        let slack: Channel = serde_json::from_str(old).unwrap();
        assert_eq!(slack.delivery(), &Delivery::default());
        assert_eq!((slack.retry_for(), slack.in_flight(), slack.rate_per_minute()), (Period::hours(24), 8, None));
        assert_eq!(serde_json::to_string(&slack).unwrap(), old, "no settings, no new field");

        let pd: Channel = serde_json::from_str(r#"{"type":"pagerduty","routing_key":"R"}"#).unwrap();
        assert_eq!(pd.rate_per_minute(), Some(120), "PagerDuty's documented limit per routing key");

        let tuned = r#"{"type":"webhook","url":"http://127.0.0.1:9/","delivery":{"retry_for":"2h","in_flight":2,"rate_per_minute":30}}"#;
        let webhook: Channel = serde_json::from_str(tuned).unwrap();
        assert_eq!(
            (webhook.retry_for(), webhook.in_flight(), webhook.rate_per_minute()),
            (Period::hours(2), 2, Some(30))
        );
        assert_eq!(serde_json::to_string(&webhook).unwrap(), tuned);
    }
}
