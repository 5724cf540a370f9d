//! Judging an approval leaf: which votes of its team's members count, which do not and
//! why, and (once people are assigned, see `matching`) the leaf's verdict.
//!
//! A vote counts only for the team it was given for, and only while its voter is a
//! member of that team. A +1 counts until it expires (`expires_after`) and, when the gate
//! says so, only for the version it was given on; a person's latest valid +1 is theirs.
//! A −1 from a member blocks the requirement until it is withdrawn: it does not expire
//! and a new version does not clear it, because the objection is the voter's to lift
//! (a later +1 from the same person does not lift it either). A waiver does set it aside.

use super::evaluate::RequirementVerdict;
use super::inputs::{Approval, GateInputs, Vote};
use super::leaf::{date, JoinExt};
use super::matching::Matching;
use crate::{Period, PersonId, TeamId};

/// The votes on one approval leaf that count, and why the others do not.
pub(super) struct Votes<'a> {
    pub(super) team: &'a TeamId,
    pub(super) shared: bool,
    pub(super) expires_after: Option<Period>,
    /// At most one valid +1 per person (their latest), sorted by person.
    pub(super) plus: Vec<&'a Approval>,
    /// Standing −1s from members.
    pub(super) minus: Vec<&'a Approval>,
    /// Why some votes do not count, for people with no valid +1.
    pub(super) notes: Vec<String>,
}

pub(super) fn votes<'a>(
    inputs: &GateInputs<'a>,
    team: &'a TeamId,
    shared: bool,
    expires_after: Option<Period>,
    by_version: bool,
) -> Votes<'a> {
    let now = inputs.now;
    let mut v = Votes { team, shared, expires_after, plus: Vec::new(), minus: Vec::new(), notes: Vec::new() };
    let mut notes: Vec<(&PersonId, String)> = Vec::new();
    let members: &[PersonId] = inputs.org.teams.get(team).map_or(&[], |t| &t.members);
    for a in inputs.approvals.iter().filter(|a| &a.team == team && a.stands_at(now)) {
        let sign = if a.vote == Vote::Plus { "+1" } else { "−1" };
        // Only worded when a vote does not count: most do, and a gate is judged often.
        let given = || format!("{sign} from {} ({})", a.person, date(a.at));
        if !members.contains(&a.person) {
            notes.push((&a.person, format!("{} does not count: {} is not a member of {team}", given(), a.person)));
            continue;
        }
        if a.vote == Vote::Minus {
            v.minus.push(a);
            continue;
        }
        if let Some(until) = expires_after.map(|p| p.after(a.at)).filter(|until| *until <= now) {
            notes.push((&a.person, format!("{} expired on {}", given(), date(until))));
            continue;
        }
        if by_version {
            if let Some(current) = inputs.version {
                match a.version.as_deref() {
                    Some(given_on) if given_on == current => {}
                    Some(given_on) => {
                        let msg =
                            format!("{} was given on version {given_on}; the service is now at {current}", given());
                        notes.push((&a.person, msg));
                        continue;
                    }
                    None => {
                        let msg = format!("{} names no version; the service is now at {current}", given());
                        notes.push((&a.person, msg));
                        continue;
                    }
                }
            }
        }
        match v.plus.iter_mut().find(|p| p.person == a.person) {
            Some(p) if p.at < a.at => *p = a,
            Some(_) => {}
            None => v.plus.push(a),
        }
    }
    v.plus.sort_by(|a, b| a.person.cmp(&b.person));
    v.notes = notes.into_iter().filter(|(p, _)| !v.plus.iter().any(|a| &a.person == *p)).map(|(_, n)| n).collect();
    v
}

/// Fills in an approval leaf's verdict; returns whether it is met.
pub(super) fn judge_approval(
    v: &mut RequirementVerdict,
    votes: &Votes,
    i: usize,
    matching: &Matching,
    people: &[&PersonId],
    ids: &[String],
    inputs: &GateInputs,
) -> bool {
    let team = votes.team;
    let expiry = |a: &Approval| votes.expires_after.map(|p| p.after(a.at));
    let said = |a: &Approval| {
        let sign = if a.vote == Vote::Plus { "+1" } else { "−1" };
        format!("{sign} from {} ({}): {}", a.person, date(a.at), a.comment)
    };
    if !votes.minus.is_empty() {
        let minus = votes.minus.iter().map(|a| said(a)).join("; ");
        v.reason = format!("{minus}; a −1 blocks until it is withdrawn");
        v.who_can_act = votes.minus.iter().map(|a| a.person.to_string()).collect();
        return false;
    }
    let counted: Vec<&Approval> = if votes.shared {
        votes.plus.clone()
    } else {
        matching
            .right_of(i)
            .and_then(|p| votes.plus.iter().copied().find(|a| &a.person == people[p]))
            .into_iter()
            .collect()
    };
    if !counted.is_empty() {
        v.reason = counted.iter().map(|a| said(a)).join("; ");
        // Met until the last counted +1 runs out; never, if they do not expire.
        v.expires_at = counted.iter().map(|a| expiry(a)).collect::<Option<Vec<_>>>().and_then(|e| e.into_iter().max());
        v.approvals = counted.into_iter().cloned().collect();
        return true;
    }
    let mut parts: Vec<String> = votes
        .plus
        .iter()
        .map(|a| {
            let elsewhere = people
                .iter()
                .position(|p| *p == &a.person)
                .and_then(|p| matching.left_of(p))
                .map_or("another approval requirement", |l| ids[l].as_str());
            format!("+1 from {} already counts for {elsewhere}; one person counts once", a.person)
        })
        .collect();
    if parts.is_empty() {
        parts.push(format!("no +1 from a member of {team}"));
    }
    parts.extend(votes.notes.iter().cloned());
    v.reason = parts.join("; ");
    let voted: Vec<&PersonId> = votes.plus.iter().map(|a| &a.person).collect();
    v.who_can_act = inputs
        .org
        .teams
        .get(team)
        .map(|t| t.members.iter().filter(|m| !voted.contains(m)).map(|m| m.to_string()).collect())
        .unwrap_or_default();
    false
}
