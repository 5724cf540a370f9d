//! Whether a vote or a waiver may be recorded on a gate at all. `evaluate` ignores votes
//! and waivers that do not count; these checks let the API refuse them up front with
//! the reason, instead of storing something that will never count.

use super::definition::{Gate, Requirement, ServiceRole};
use super::inputs::{Approval, Waiver};
use crate::org::{Org, ServiceDef};
use crate::{GateId, PersonId, TeamId};

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
        matches!(self, GateActError::NotAMember { .. })
    }
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
    let teams: Vec<&TeamId> = gate
        .leaves()
        .into_iter()
        .filter_map(|r| match r {
            Requirement::Approval { team, .. } => Some(team),
            Requirement::RoleApproval { role: ServiceRole::Owner, .. } => Some(&service.owner_team),
            Requirement::RoleApproval { role: ServiceRole::Sre, .. } => sre_team,
            _ => None,
        })
        .collect();
    if !teams.contains(&&vote.team) {
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
