//! Who may respond to an alert (acknowledge, resolve) and send a dead letter again.

use crate::access::Forbidden;
use crate::org::{Org, TeamKind};
use crate::{PersonId, ServiceId, TeamId};

/// The teams whose members may acknowledge and resolve an alert of `service`: its owner
/// team, its assigned SRE team and the team whose escalation policy pages for it — the
/// people who run it and the people woken by it.
pub fn responders(owner_team: Option<&TeamId>, sre_team: Option<&TeamId>, policy_team: Option<&TeamId>) -> Vec<TeamId> {
    let mut teams: Vec<TeamId> = Vec::new();
    for t in [owner_team, sre_team, policy_team].into_iter().flatten() {
        if !teams.contains(t) {
            teams.push(t.clone());
        }
    }
    teams
}

/// `actor` may respond to an alert of `service` when they belong to one of `responders`.
pub fn may_respond(org: &Org, service: &ServiceId, responders: &[TeamId], actor: &PersonId) -> Result<(), Forbidden> {
    if responders.iter().any(|t| org.is_member(actor, t)) {
        return Ok(());
    }
    let names = responders.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    Err(Forbidden(format!("{actor} may not respond to alerts of `{service}`: only members of {names} may")))
}

/// A dead letter that is not about an alert (a notice, a reminder) is sent again by a
/// member of any SRE team: they run the deliveries.
pub fn may_resend_any(org: &Org, actor: &PersonId) -> Result<(), Forbidden> {
    if org.teams.values().any(|t| t.kind == TeamKind::Sre && t.members.contains(actor)) {
        return Ok(());
    }
    Err(Forbidden(format!("{actor} may not re-send this notification: only members of an SRE team may")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Team;

    fn org() -> Org {
        let mut org = Org::default();
        for (id, kind, members) in [
            ("addon-sre", TeamKind::Sre, vec!["aoife.delacroix"]),
            ("streamhub-dev", TeamKind::ServiceOwner, vec!["noor.castellano"]),
            ("customer-support", TeamKind::Stakeholder, vec!["camila.novak"]),
        ] {
            let team = Team {
                id: TeamId::parse(id).unwrap(),
                name: id.into(),
                kind,
                area: None,
                lead: None,
                members: members.into_iter().map(|m| PersonId::parse(m).unwrap()).collect(),
                chat: None,
                email: None,
            };
            org.teams.insert(team.id.clone(), team);
        }
        org
    }

    #[test]
    fn owners_sre_and_the_paged_team_respond_and_sre_resends_the_rest() {
        let o = org();
        let t = |s: &str| TeamId::parse(s).unwrap();
        let p = |s: &str| PersonId::parse(s).unwrap();
        let svc = ServiceId::parse("streamhub").unwrap();
        let teams = responders(Some(&t("streamhub-dev")), Some(&t("addon-sre")), Some(&t("addon-sre")));
        assert_eq!(teams, vec![t("streamhub-dev"), t("addon-sre")], "each team once");
        assert!(may_respond(&o, &svc, &teams, &p("noor.castellano")).is_ok());
        let refused = may_respond(&o, &svc, &teams, &p("camila.novak")).unwrap_err();
        assert!(refused.0.contains("only members of streamhub-dev, addon-sre"), "{refused}");
        assert!(may_resend_any(&o, &p("aoife.delacroix")).is_ok());
        assert!(may_resend_any(&o, &p("noor.castellano")).is_err());
    }
}
