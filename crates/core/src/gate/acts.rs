//! Who may act on a gate, and whether a vote or a waiver may be recorded at all.
//! `evaluate` ignores votes and waivers that do not count; these checks let the API refuse
//! them up front with the reason, instead of storing something that will never count.
//!
//! One function per act: [`voting_team`] (and [`check_vote`]), [`waiving_team`] (and
//! [`check_waiver`]), [`may_withdraw_vote`], [`may_pass_gate`], [`may_ask_for_votes`] (and
//! [`vote_requests`]: whom), [`may_propose_capacity`]
//! and [`may_agree_capacity`]. The app reads what they need and calls them; it decides
//! no permission itself.

use super::definition::{Gate, Requirement, ServiceRole};
use super::inputs::{Approval, Waiver};
use crate::org::{Org, ServiceDef};
use crate::{GateId, PersonId, ServiceId, TeamId};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GateActError {
    #[error("{person} is not a member of {team}, so cannot {act} for it")]
    NotAMember { person: PersonId, team: TeamId, act: &'static str },
    #[error("gate {gate} asks no approval from {team}; it asks approval from {}", list(.teams))]
    NoApprovalFrom { gate: GateId, team: TeamId, teams: Vec<String> },
    #[error("gate {gate} has no requirement `{requirement}`; its requirements are {}", list(.known))]
    NoSuchRequirement { gate: GateId, requirement: String, known: Vec<String> },
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("a waiver must expire after it is given")]
    ExpiryNotAfterStart,
    /// The person may not do this at all; the message says who may.
    #[error("{0}")]
    Forbidden(String),
    /// The person belongs to several teams the act could be for and named none.
    #[error("{person} belongs to several teams gate {gate} asks: name one of {}", list(.teams))]
    WhichTeam { person: PersonId, gate: GateId, teams: Vec<String> },
    /// The team named does not approve waivers for the service.
    #[error("`{team}` does not approve waivers for {service}; its waivers are approved by {}", list(.approvers))]
    NotAnApprover { team: TeamId, service: ServiceId, approvers: Vec<String> },
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

impl GateActError {
    /// The person may not do this (as opposed to having sent something malformed).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, GateActError::NotAMember { .. } | GateActError::Forbidden(_))
    }
}

fn quoted(teams: &[TeamId], joiner: &str) -> String {
    teams.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(joiner)
}

/// The teams `gate` asks approval from for `service`, in the gate's order, each once:
/// named teams, the owner team for owner approvals and the assigned SRE team (once there
/// is one) for SRE approvals.
pub fn approval_teams(gate: &Gate, service: &ServiceDef, sre_team: Option<&TeamId>) -> Vec<TeamId> {
    let mut out: Vec<TeamId> = Vec::new();
    for leaf in gate.leaves() {
        let team = match leaf {
            Requirement::Approval { team, .. } => Some(team),
            Requirement::RoleApproval { role: ServiceRole::Owner, .. } => Some(&service.owner_team),
            Requirement::RoleApproval { role: ServiceRole::Sre, .. } => sre_team,
            _ => None,
        };
        if let Some(t) = team.filter(|t| !out.contains(t)) {
            out.push(t.clone());
        }
    }
    out
}

/// The team `person` votes for on `gate`: the one they name, else the one team the gate
/// asks that they belong to. Belonging to none is forbidden; to several, they must name one.
/// (Whether the named team is asked, and the person in it, is [`check_vote`]'s.)
pub fn voting_team(
    org: &Org,
    gate: &Gate,
    service: &ServiceDef,
    sre_team: Option<&TeamId>,
    person: &PersonId,
    named: Option<TeamId>,
) -> Result<TeamId, GateActError> {
    if let Some(team) = named {
        return Ok(team);
    }
    let asked = approval_teams(gate, service, sre_team);
    let mine: Vec<&TeamId> = asked.iter().filter(|t| org.is_member(person, t)).collect();
    match mine.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(GateActError::Forbidden(format!(
            "{person} may not vote on gate {} for {}: only members of the teams it asks approval from ({}) may",
            gate.id,
            service.id,
            asked.iter().map(TeamId::as_str).collect::<Vec<_>>().join(", ")
        ))),
        several => Err(GateActError::WhichTeam {
            person: person.clone(),
            gate: gate.id.clone(),
            teams: several.iter().map(|t| t.to_string()).collect(),
        }),
    }
}

/// Only whoever gave a vote may withdraw it.
pub fn may_withdraw_vote(vote: &Approval, vote_id: &str, person: &PersonId) -> Result<(), GateActError> {
    if &vote.person == person {
        return Ok(());
    }
    Err(GateActError::Forbidden(format!(
        "{person} may not withdraw vote {vote_id}: only {}, who gave it, may",
        vote.person
    )))
}

/// The team a waiver of `gate` for `service` is approved for: production is SRE's to run
/// and the process is the architects', so the service's assigned SRE team and
/// `architects` approve waivers. A named team must be one of them; else the first of them
/// `person` belongs to; belonging to none is forbidden.
pub fn waiving_team(
    org: &Org,
    gate: &GateId,
    service: &ServiceId,
    sre_team: Option<&TeamId>,
    architects: &TeamId,
    person: &PersonId,
    named: Option<TeamId>,
) -> Result<TeamId, GateActError> {
    let mut approvers: Vec<TeamId> = sre_team.cloned().into_iter().collect();
    approvers.push(architects.clone());
    match named {
        Some(t) if approvers.contains(&t) => Ok(t),
        Some(team) => Err(GateActError::NotAnApprover {
            team,
            service: service.clone(),
            approvers: approvers.iter().map(|t| format!("`{t}`")).collect(),
        }),
        None => approvers.iter().find(|t| org.is_member(person, t)).cloned().ok_or_else(|| {
            GateActError::Forbidden(format!(
                "{person} may not waive requirements of gate {gate} for {service}: only members of {} may",
                quoted(&approvers, " or ")
            ))
        }),
    }
}

/// The owner team passes a gate for its service (when the verdict passes).
pub fn may_pass_gate(org: &Org, gate: &GateId, service: &ServiceDef, person: &PersonId) -> Result<(), GateActError> {
    owners_only(org, service, person, &format!("pass gate {gate}"))
}

/// The owner team asks for the votes its gate still needs.
pub fn may_ask_for_votes(
    org: &Org,
    gate: &GateId,
    service: &ServiceDef,
    person: &PersonId,
) -> Result<(), GateActError> {
    owners_only(org, service, person, &format!("ask for votes on gate {gate}"))
}

/// One person asked for their vote, and on which requirements (their labels).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoteRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub person: PersonId,
    /// The teams (or the person themselves) they are asked for.
    pub on_behalf_of: Vec<String>,
    pub requirements: Vec<String>,
}

/// Whom a request for votes on `verdict` goes to: every member of each team (and each
/// person) that can meet an unmet approval requirement, once, with what they are asked
/// for. Empty when the gate passes, does not apply, or waits on no approval.
pub fn vote_requests(org: &Org, verdict: &super::GateVerdict) -> Vec<VoteRequest> {
    let mut out: Vec<VoteRequest> = Vec::new();
    if verdict.passes || verdict.not_applicable.is_some() {
        return out;
    }
    for r in verdict.unmet().filter(|r| r.id.starts_with("approval")) {
        for who in &r.who_can_act {
            let people: Vec<PersonId> = match TeamId::parse(who).ok().and_then(|t| org.teams.get(&t)) {
                Some(team) => team.members.clone(),
                None => PersonId::parse(who).ok().filter(|p| org.people.contains_key(p)).into_iter().collect(),
            };
            for person in people {
                let index = match out.iter().position(|q| q.person == person) {
                    Some(i) => i,
                    None => {
                        out.push(VoteRequest { person, on_behalf_of: Vec::new(), requirements: Vec::new() });
                        out.len() - 1
                    }
                };
                let request = &mut out[index];
                if !request.on_behalf_of.contains(who) {
                    request.on_behalf_of.push(who.clone());
                }
                if !request.requirements.contains(&r.label) {
                    request.requirements.push(r.label.clone());
                }
            }
        }
    }
    out
}

/// The owner team proposes its service's capacity and velocity.
pub fn may_propose_capacity(org: &Org, service: &ServiceDef, person: &PersonId) -> Result<(), GateActError> {
    owners_only(org, service, person, "propose capacity")
}

/// The assigned SRE team agrees a service's capacity and velocity; `None` when no SRE team
/// is assigned yet (nobody may, which is a matter of stage, not of who asks).
pub fn may_agree_capacity(
    org: &Org,
    service: &ServiceId,
    sre_team: &TeamId,
    person: &PersonId,
) -> Result<(), GateActError> {
    if org.is_member(person, sre_team) {
        return Ok(());
    }
    Err(GateActError::Forbidden(format!(
        "{person} may not agree capacity and velocity for {service}: only members of its SRE team `{sre_team}` may"
    )))
}

fn owners_only(org: &Org, service: &ServiceDef, person: &PersonId, doing: &str) -> Result<(), GateActError> {
    if org.is_member(person, &service.owner_team) {
        return Ok(());
    }
    Err(GateActError::Forbidden(format!(
        "{person} may not {doing} for {}: only members of the owner team `{}` may",
        service.id, service.owner_team
    )))
}

/// A vote may be recorded when the gate asks approval from the vote's team (by name, or
/// as the service's owners or its assigned SRE team `sre_team`), the voter is a member
/// of that team, and the comment says something.
pub fn check_vote(
    org: &Org,
    gate: &Gate,
    service: &ServiceDef,
    sre_team: Option<&TeamId>,
    vote: &Approval,
) -> Result<(), GateActError> {
    let teams = approval_teams(gate, service, sre_team);
    if !teams.contains(&vote.team) {
        let teams = teams.iter().map(|t| t.to_string()).collect();
        return Err(GateActError::NoApprovalFrom { gate: gate.id.clone(), team: vote.team.clone(), teams });
    }
    if !org.is_member(&vote.person, &vote.team) {
        return Err(GateActError::NotAMember { person: vote.person.clone(), team: vote.team.clone(), act: "vote" });
    }
    if vote.comment.trim().is_empty() {
        return Err(GateActError::Empty { field: "comment" });
    }
    Ok(())
}

/// A waiver may be recorded when it names a requirement of the gate, gives a reason,
/// expires after it is given, and its approver is a member of the team they waive for.
pub fn check_waiver(org: &Org, gate: &Gate, waiver: &Waiver) -> Result<(), GateActError> {
    let known = gate.requirement_ids();
    if !known.contains(&waiver.requirement) {
        return Err(GateActError::NoSuchRequirement {
            gate: gate.id.clone(),
            requirement: waiver.requirement.clone(),
            known,
        });
    }
    if waiver.reason.trim().is_empty() {
        return Err(GateActError::Empty { field: "reason" });
    }
    if waiver.expires_at <= waiver.at {
        return Err(GateActError::ExpiryNotAfterStart);
    }
    if !org.is_member(&waiver.approved_by, &waiver.approver_team) {
        return Err(GateActError::NotAMember {
            person: waiver.approved_by.clone(),
            team: waiver.approver_team.clone(),
            act: "waive",
        });
    }
    Ok(())
}
