//! What an SLO's OpenSLO alert policies say beyond their burn-rate conditions: who raises
//! the SLO's alerts (Baton's engine, or the generated Prometheus rules through
//! Alertmanager), and the notification targets told when an alert opens, and when it
//! resolves if the policy asks for that (`alertWhenResolved`). `alertWhenNoData` is a flag
//! of each tier ([`TierSpec::alert_when_no_data`](super::TierSpec)).
//!
//! Targets are told in addition to the escalation policy the alert is routed to, never
//! instead: the policy's channels page the on-call person (and always hear of the
//! resolution, so a PagerDuty incident closes); a target is the extra place the SLO's
//! owners asked for (a team channel, a status webhook).

use super::tier::Severity as TierSeverity;
use crate::paging::{Action, Channel, Severity};
use serde::{Deserialize, Serialize};

/// Who raises an SLO's burn-rate alerts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum RaisedBy {
    /// Baton's SLO alerting engine, each minute, from the SLIs Baton reads.
    #[default]
    Engine,
    /// The generated Prometheus rules (`baton slo rules`), through Alertmanager's webhook:
    /// the engine leaves the SLO alone, and intake keys the rules' alerts as the engine
    /// would (`slo/<slo>/<severity>`), so one SLO and severity is one alert.
    Rules,
}

/// An OpenSLO `AlertNotificationTarget` Baton delivers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SloTarget {
    /// The target's `metadata.name` (part of its messages' idempotency keys).
    pub name: String,
    /// The severity of the policy that lists it: told of that severity's alerts only.
    pub severity: TierSeverity,
    /// The policy's `alertWhenResolved`: also told when the alert resolves.
    #[serde(default)]
    pub when_resolved: bool,
    pub channel: Channel,
}

/// The alerting set-up of one SLO. Left out of the stored JSON when it is the default,
/// so definitions stored before it read and write the same.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SloAlerting {
    #[serde(default)]
    pub raised_by: RaisedBy,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<SloTarget>,
}

impl SloAlerting {
    pub fn is_default(&self) -> bool {
        *self == SloAlerting::default()
    }

    /// The targets to tell that an alert of `severity` opened (`Trigger`) or resolved.
    pub fn targets_for(&self, severity: Severity, action: Action) -> impl Iterator<Item = &SloTarget> {
        // The engine's alerts are critical for page tiers and warnings for ticket tiers.
        let tier = if severity == Severity::Critical { TierSeverity::Page } else { TierSeverity::Ticket };
        self.targets.iter().filter(move |t| {
            t.severity == tier
                && match action {
                    Action::Trigger => true,
                    Action::Resolve => t.when_resolved,
                    Action::Acknowledge => false,
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Link;

    fn target(name: &str, severity: TierSeverity, when_resolved: bool) -> SloTarget {
        let url = Link::parse(&format!("http://127.0.0.1:9/{name}")).unwrap();
        SloTarget {
            name: name.into(),
            severity,
            when_resolved,
            channel: Channel::Webhook { url: url.into(), delivery: Default::default() },
        }
    }

    #[test]
    fn targets_hear_of_their_policy_severity_and_of_resolutions_only_when_asked() {
        let alerting = SloAlerting {
            raised_by: RaisedBy::Engine,
            targets: vec![
                target("team-chat", TierSeverity::Page, true),
                target("status", TierSeverity::Page, false),
                target("tickets", TierSeverity::Ticket, false),
            ],
        };
        let names = |s, a| alerting.targets_for(s, a).map(|t| t.name.as_str()).collect::<Vec<_>>();
        assert_eq!(names(Severity::Critical, Action::Trigger), ["team-chat", "status"]);
        assert_eq!(names(Severity::Critical, Action::Resolve), ["team-chat"]);
        assert_eq!(names(Severity::Warning, Action::Trigger), ["tickets"]);
        assert!(names(Severity::Warning, Action::Resolve).is_empty());
        assert!(names(Severity::Critical, Action::Acknowledge).is_empty());
    }
}
