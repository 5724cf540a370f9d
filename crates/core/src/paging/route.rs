//! Whose pager an alert is: decided by the service's pipeline stage and the alert's severity.
//!
//! Until the pager is handed over (every stage but [`Stage::SreOwned`], including a
//! rejected or retired service, which SRE never held or no longer holds) the service owner
//! team's page policy takes every alert. Once SRE-owned, critical alerts go to the assigned
//! SRE team's page policy (its 24x7 pager) and everything else to its ticket policy. A team
//! with several policies of one purpose uses the first by id.

use super::policy::{EscalationPolicy, PolicyId, Purpose};
use super::severity::Severity;
use crate::pipeline::{ServiceRecord, Stage};
use crate::{Org, ServiceId, TeamId};
use serde::{Deserialize, Serialize};

/// The policy chosen, and why, in words shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Route {
    pub policy: PolicyId,
    /// e.g. "streamhub is sre-owned and the alert is critical: platform-sre's 24x7 policy
    /// platform-sre-24x7".
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoRoute {
    #[error("service `{0}` is not defined, so it has no owner team to page")]
    UnknownService(ServiceId),
    #[error("{service} is sre-owned but no SRE team is assigned to it: assign one, or no one is paged")]
    NoSreTeam { service: ServiceId },
    #[error("{why}, but team `{team}` has no {purpose} escalation policy: add one in escalations/")]
    NoPolicy { service: ServiceId, team: TeamId, purpose: Purpose, why: String },
}

/// Picks the escalation policy for an alert of `severity` on `service`, whose pipeline
/// record (its stage and assigned SRE team) is `record`.
pub fn route(org: &Org, service: &ServiceId, record: &ServiceRecord, severity: Severity) -> Result<Route, NoRoute> {
    let def = org.services.get(service).ok_or_else(|| NoRoute::UnknownService(service.clone()))?;
    let (team, purpose, why, label) = if record.stage == Stage::SreOwned {
        let team = record.sre_team().ok_or_else(|| NoRoute::NoSreTeam { service: service.clone() })?;
        let why = format!("{service} is sre-owned and the alert is {severity}");
        if severity == Severity::Critical {
            (team, Purpose::Page, why, "24x7")
        } else {
            (team, Purpose::Ticket, why, "ticket")
        }
    } else {
        let why = format!("{service} is in stage {}, so its owner team holds the pager", record.stage);
        (&def.owner_team, Purpose::Page, why, "page")
    };
    let Some(policy) = first_policy(org, team, purpose) else {
        return Err(NoRoute::NoPolicy { service: service.clone(), team: team.clone(), purpose, why });
    };
    let reason = format!("{why}: {team}'s {label} policy {}", policy.id);
    Ok(Route { policy: policy.id.clone(), reason })
}

/// [`route`], or when it finds no policy, the fallback for an alert that must go
/// somewhere (an open alert whose policy was removed or renamed): any policy of the
/// service's assigned SRE team, else of its owner team, a page policy before a ticket
/// queue. The reason says why the rule's own choice could not be used. `Err` only when
/// neither team has any policy at all: the caller strands the alert, flagged.
pub fn route_or_fallback(
    org: &Org,
    service: &ServiceId,
    record: &ServiceRecord,
    severity: Severity,
) -> Result<Route, NoRoute> {
    let refused = match route(org, service, record, severity) {
        Ok(route) => return Ok(route),
        Err(no) => no,
    };
    let owner = org.services.get(service).map(|s| &s.owner_team);
    let teams = record.sre_team().into_iter().chain(owner);
    for team in teams {
        for purpose in [Purpose::Page, Purpose::Ticket] {
            if let Some(policy) = first_policy(org, team, purpose) {
                let reason = format!("fallback ({refused}): {team}'s {purpose} policy {}", policy.id);
                return Ok(Route { policy: policy.id.clone(), reason });
            }
        }
    }
    Err(refused)
}

/// The first (by id) policy of `team` for `purpose`.
pub fn first_policy<'a>(org: &'a Org, team: &TeamId, purpose: Purpose) -> Option<&'a EscalationPolicy> {
    org.escalations.values().find(|p| &p.team == team && p.purpose == purpose)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paging::tests::{example_org, policy};
    use crate::pipeline::{Assignment, Signed};
    use crate::{PersonId, Timestamp};

    fn record(stage: Stage, sre: Option<&str>) -> ServiceRecord {
        let signed = Signed { by: PersonId::parse("aoife.delacroix").unwrap(), at: Timestamp::UNIX_EPOCH };
        let assignment =
            sre.map(|t| Assignment { sre_team: TeamId::parse(t).unwrap(), scope: "all of it".into(), signed });
        ServiceRecord { stage, assignment, ..ServiceRecord::default() }
    }

    fn streamhub() -> ServiceId {
        ServiceId::parse("streamhub").unwrap()
    }

    #[test]
    fn a_missing_policy_falls_back_to_the_sre_team_then_the_owner_team_else_none() {
        let mut org = example_org();
        let owned = record(Stage::SreOwned, Some("platform-sre"));
        // The 24x7 policy is gone: the SRE team's ticket queue takes the page, saying why.
        org.escalations.retain(|id, _| id.as_str() != "platform-sre-24x7");
        let r = route_or_fallback(&org, &streamhub(), &owned, Severity::Critical).unwrap();
        assert_eq!(r.policy.as_str(), "platform-sre-tickets");
        assert!(r.reason.starts_with("fallback (streamhub is sre-owned"), "{}", r.reason);
        assert!(r.reason.ends_with("platform-sre's ticket policy platform-sre-tickets"), "{}", r.reason);
        // Nothing left of the SRE team's: the owner team's page policy.
        org.escalations.retain(|_, p| p.team.as_str() != "platform-sre");
        let r = route_or_fallback(&org, &streamhub(), &owned, Severity::Critical).unwrap();
        assert_eq!(r.policy.as_str(), "streamhub-dev-page");
        // No policy anywhere: the rule's own reason, for the caller to strand the alert with.
        org.escalations.clear();
        let no = route_or_fallback(&org, &streamhub(), &owned, Severity::Critical).unwrap_err();
        assert!(matches!(no, NoRoute::NoPolicy { .. }), "{no}");
        // The rule's choice still wins when it exists.
        let org = example_org();
        let r = route_or_fallback(&org, &streamhub(), &owned, Severity::Critical).unwrap();
        assert_eq!(r, route(&org, &streamhub(), &owned, Severity::Critical).unwrap());
    }

    #[test]
    fn before_handover_every_alert_pages_the_owner_team() {
        let org = example_org();
        for stage in [Stage::Draft, Stage::Onboarding, Stage::Transition, Stage::Retired] {
            for severity in Severity::ALL {
                let r = route(&org, &streamhub(), &record(stage, Some("platform-sre")), severity).unwrap();
                assert_eq!(r.policy.as_str(), "streamhub-dev-page", "{stage} {severity}");
            }
        }
        let r = route(&org, &streamhub(), &record(Stage::Transition, Some("platform-sre")), Severity::Info).unwrap();
        assert_eq!(
            r.reason,
            "streamhub is in stage transition, so its owner team holds the pager: streamhub-dev's page policy streamhub-dev-page"
        );
    }

    #[test]
    fn once_sre_owned_critical_pages_the_sre_team_and_the_rest_is_a_ticket() {
        let org = example_org();
        let owned = record(Stage::SreOwned, Some("platform-sre"));
        let critical = route(&org, &streamhub(), &owned, Severity::Critical).unwrap();
        assert_eq!(critical.policy.as_str(), "platform-sre-24x7");
        assert_eq!(
            critical.reason,
            "streamhub is sre-owned and the alert is critical: platform-sre's 24x7 policy platform-sre-24x7"
        );
        for severity in [Severity::Error, Severity::Warning, Severity::Info] {
            let r = route(&org, &streamhub(), &owned, severity).unwrap();
            assert_eq!(r.policy.as_str(), "platform-sre-tickets", "{severity}");
        }
    }

    #[test]
    fn the_first_policy_by_id_wins_and_a_missing_one_is_explained() {
        let mut org = example_org();
        let extra = policy("platform-sre-0-primary", "platform-sre", Purpose::Page, &[&["marta.oyelaran"]], 0);
        org.escalations.insert(extra.id.clone(), extra);
        let owned = record(Stage::SreOwned, Some("platform-sre"));
        assert_eq!(
            route(&org, &streamhub(), &owned, Severity::Critical).unwrap().policy.as_str(),
            "platform-sre-0-primary"
        );

        org.escalations.retain(|_, p| p.team.as_str() != "platform-sre" || p.purpose != Purpose::Ticket);
        let err = route(&org, &streamhub(), &owned, Severity::Warning).unwrap_err();
        assert_eq!(
            err.to_string(),
            "streamhub is sre-owned and the alert is warning, but team `platform-sre` has no ticket escalation policy: add one in escalations/"
        );
        let unassigned = record(Stage::SreOwned, None);
        assert!(matches!(route(&org, &streamhub(), &unassigned, Severity::Critical), Err(NoRoute::NoSreTeam { .. })));
        let ghost = ServiceId::parse("ghost").unwrap();
        assert!(matches!(route(&org, &ghost, &owned, Severity::Critical), Err(NoRoute::UnknownService(_))));
    }
}
