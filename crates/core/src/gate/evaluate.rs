//! May this service pass this gate, and if not, exactly what is missing and who has to act.
//!
//! Each leaf is judged on its own first (a check on its latest result, an approval on
//! the votes of its team's members). Approvals then need one more step: the same person
//! may not count for two approval requirements (unless a requirement allows a shared
//! approver), so people are assigned to requirements by bipartite matching (see
//! `matching`). Which requirements to fill first matters when a gate has `any_of`: the
//! gate passes if *some* choice of branches can be filled with distinct people, so the
//! choices are tried in the order written and the first that can be filled is taken.
//! Waivers come last: a requirement that is not met but has a waiver in force counts as
//! met until the waiver expires.

use super::definition::{Gate, Requirement, ServiceRole};
use super::inputs::{Approval, GateInputs, Waiver};
use super::leaf::{date, label, plain, sre_leads, Plain};
use super::matching::Matching;
use super::votes::{judge_approval, votes, Votes};
use crate::{GateId, PersonId, ServiceId, TeamId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a requirement stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Status {
    Met,
    Unmet,
    /// Not met, but set aside until `until` by `by` (a member of `team`).
    Waived {
        until: Timestamp,
        reason: String,
        by: PersonId,
        team: TeamId,
    },
}

impl Status {
    /// Met or waived: the gate may count it.
    pub fn counts(&self) -> bool {
        !matches!(self, Status::Unmet)
    }
}

/// The verdict on one leaf requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequirementVerdict {
    /// The leaf's stable id, e.g. `approval:customer-support`.
    pub id: String,
    /// For people: "approval from Customer Support Engineering".
    pub label: String,
    pub status: Status,
    /// What holds when met; exactly what is missing when not (also when waived).
    pub reason: String,
    /// Team or person ids who can make it pass; empty when met.
    pub who_can_act: Vec<String>,
    /// When it will pass with nothing more than time, if it will (e.g. SLI days accruing).
    pub passes_on_its_own_at: Option<Timestamp>,
    /// When what meets it runs out (an approval's or a check result's age limit).
    pub expires_at: Option<Timestamp>,
    /// The +1s counted for an approval requirement.
    pub approvals: Vec<Approval>,
}

/// The gate's structure with each group's outcome, pointing at `GateVerdict::requirements`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(no_recursion))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum VerdictNode {
    AllOf { passes: bool, children: Vec<VerdictNode> },
    AnyOf { passes: bool, children: Vec<VerdictNode> },
    Requirement { index: usize },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateVerdict {
    pub gate: GateId,
    pub service: ServiceId,
    pub passes: bool,
    /// Set when the gate is not for this kind of service (it then never passes).
    pub not_applicable: Option<String>,
    /// When the gate will pass if nothing changes but time, if it will.
    pub passes_on_its_own_at: Option<Timestamp>,
    /// Every leaf, in the order the gate lists them.
    pub requirements: Vec<RequirementVerdict>,
    pub tree: VerdictNode,
}

impl GateVerdict {
    pub fn requirement(&self, id: &str) -> Option<&RequirementVerdict> {
        self.requirements.iter().find(|r| r.id == id)
    }

    pub fn unmet(&self) -> impl Iterator<Item = &RequirementVerdict> {
        self.requirements.iter().filter(|r| r.status == Status::Unmet)
    }
}

/// What one leaf is on its own, before approvers are assigned and waivers applied.
enum Own<'a> {
    Plain(Plain),
    Approval(Votes<'a>),
}

/// How a leaf can count, for choosing which requirements to fill with people.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Counts without assigning anyone (met, waived, or a shared approval with a +1).
    Ok,
    /// Counts only if one of its approvers is assigned to it alone.
    Person,
    /// Cannot count.
    No,
}

/// The requirement tree with leaves replaced by their index in `Gate::leaves` order.
enum Shape {
    All(Vec<Shape>),
    Any(Vec<Shape>),
    Leaf(usize),
}

fn shape(r: &Requirement, next: &mut usize) -> Shape {
    match r {
        Requirement::AllOf(c) => Shape::All(c.iter().map(|r| shape(r, next)).collect()),
        Requirement::AnyOf(c) => Shape::Any(c.iter().map(|r| shape(r, next)).collect()),
        _ => {
            *next += 1;
            Shape::Leaf(*next - 1)
        }
    }
}

/// More alternatives than this and the choice of branches falls back to a fixed order
/// (requirements every branch needs first). Real gates have a few `any_of`s.
const MAX_CHOICES: usize = 4096;

/// The ways the tree can pass, as the sets of `Need::Person` leaves each needs filled;
/// `None` when there are more than [`MAX_CHOICES`].
fn choices(s: &Shape, need: &[Need]) -> Option<Vec<Vec<usize>>> {
    match s {
        Shape::Leaf(i) => Some(match need[*i] {
            Need::Ok => vec![vec![]],
            Need::Person => vec![vec![*i]],
            Need::No => vec![],
        }),
        Shape::Any(children) => {
            let mut out = Vec::new();
            for c in children {
                out.extend(choices(c, need)?);
                if out.len() > MAX_CHOICES {
                    return None;
                }
            }
            Some(out)
        }
        Shape::All(children) => {
            let mut out = vec![vec![]];
            for c in children {
                let next = choices(c, need)?;
                if out.len() * next.len() > MAX_CHOICES {
                    return None;
                }
                out = out
                    .iter()
                    .flat_map(|a| next.iter().map(move |b| a.iter().chain(b).copied().collect::<Vec<_>>()))
                    .collect();
            }
            Some(out)
        }
    }
}

fn has_any(s: &Shape) -> bool {
    match s {
        Shape::Leaf(_) => false,
        Shape::Any(_) => true,
        Shape::All(children) => children.iter().any(has_any),
    }
}

/// Leaves every way of passing needs: reached through `all_of`s only.
fn mandatory(s: &Shape, out: &mut Vec<usize>) {
    match s {
        Shape::Leaf(i) => out.push(*i),
        Shape::All(children) => children.iter().for_each(|c| mandatory(c, out)),
        Shape::Any(_) => {}
    }
}

/// The waiver in force for a leaf (the one lasting longest), or why none is.
fn waiver_for<'a>(id: &str, inputs: &GateInputs<'a>) -> (Option<&'a Waiver>, Vec<String>) {
    let now = inputs.now;
    let mut notes = Vec::new();
    let mut best: Option<&Waiver> = None;
    for w in inputs.waivers.iter().filter(|w| w.requirement == id && w.at <= now) {
        if !inputs.org.is_member(&w.approved_by, &w.approver_team) {
            notes.push(format!(
                "the waiver by {} does not count: {} is not a member of {}",
                w.approved_by, w.approved_by, w.approver_team
            ));
        } else if !w.active_at(now) {
            notes.push(format!("the waiver by {} expired on {}", w.approved_by, date(w.expires_at)));
        } else if best.is_none_or(|b| b.expires_at < w.expires_at) {
            best = Some(w);
        }
    }
    (best, notes)
}

/// Judges `inputs.service` against `gate` at `inputs.now`.
pub fn evaluate(gate: &Gate, inputs: &GateInputs) -> GateVerdict {
    let leaves = gate.leaves();
    let own: Vec<Own> = leaves.iter().map(|r| own(r, inputs)).collect();
    let ids: Vec<String> = leaves.iter().map(|r| r.id().expect("leaves have ids")).collect();
    let waivers: Vec<_> = ids.iter().map(|id| waiver_for(id, inputs)).collect();
    let need: Vec<Need> = own.iter().zip(&waivers).map(|(o, (w, _))| need(o, w.is_some())).collect();
    let (people, edges) = approver_edges(&own);
    let tree = shape(&gate.requirement, &mut 0);
    let order = fill_order(&tree, &need, &edges, people.len());
    let mut matching = Matching::new(&edges, people.len());
    for i in order {
        matching.add(i);
    }

    let now = inputs.now;
    let requirements: Vec<RequirementVerdict> = leaves
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut v = RequirementVerdict {
                id: ids[i].clone(),
                label: label(r, inputs),
                status: Status::Unmet,
                reason: String::new(),
                who_can_act: Vec::new(),
                passes_on_its_own_at: None,
                expires_at: None,
                approvals: Vec::new(),
            };
            let met = match &own[i] {
                Own::Plain(p) => judge_plain(&mut v, p),
                Own::Approval(votes) => judge_approval(&mut v, votes, i, &matching, &people, &ids, inputs),
            };
            apply_waiver(v, met, &waivers[i])
        })
        .collect();

    let counts: Vec<bool> = requirements.iter().map(|r| r.status.counts()).collect();
    let (node, passes) = verdict_node(&tree, &counts);
    let passes_on_its_own_at = if passes { None } else { eta(&tree, &requirements, now) };
    let not_applicable = not_applicable(gate, inputs);
    GateVerdict {
        gate: gate.id.clone(),
        service: inputs.service.id.clone(),
        passes: passes && not_applicable.is_none(),
        passes_on_its_own_at: passes_on_its_own_at.filter(|_| not_applicable.is_none()),
        not_applicable,
        requirements,
        tree: node,
    }
}

/// What one leaf is on its own: the votes on an approval (of a team, or of the team in
/// a role for the service), or any other requirement judged plainly.
fn own<'a>(r: &'a Requirement, inputs: &GateInputs<'a>) -> Own<'a> {
    match r {
        Requirement::Approval { team, allow_shared_approver, expires_after, invalidated_by_version_change } => {
            Own::Approval(votes(inputs, team, *allow_shared_approver, *expires_after, *invalidated_by_version_change))
        }
        Requirement::RoleApproval { role, allow_shared_approver, expires_after, invalidated_by_version_change } => {
            let team = match role {
                ServiceRole::Owner => Some(&inputs.service.owner_team),
                ServiceRole::Sre => inputs.support.sre_team.as_ref(),
            };
            match team {
                Some(team) => Own::Approval(votes(
                    inputs,
                    team,
                    *allow_shared_approver,
                    *expires_after,
                    *invalidated_by_version_change,
                )),
                None => Own::Plain(Plain {
                    met: false,
                    reason: "no SRE team is assigned, so none can approve".into(),
                    who: sre_leads(inputs),
                    eta: None,
                    expires_at: None,
                }),
            }
        }
        other => Own::Plain(plain(other, inputs)),
    }
}

/// How a leaf can count, given what it is on its own and whether a waiver is in force.
fn need(o: &Own, waived: bool) -> Need {
    match o {
        _ if waived => Need::Ok,
        Own::Plain(p) if p.met => Need::Ok,
        Own::Approval(v) if v.minus.is_empty() && !v.plus.is_empty() && v.shared => Need::Ok,
        Own::Approval(v) if v.minus.is_empty() && !v.plus.is_empty() => Need::Person,
        _ => Need::No,
    }
}

/// The people who gave a valid +1 to an exclusive approval leaf, and for each leaf the
/// indexes of its people.
fn approver_edges<'a>(own: &[Own<'a>]) -> (Vec<&'a PersonId>, Vec<Vec<usize>>) {
    // People are the right-hand side of the matching; edges go from each exclusive
    // approval leaf to the people whose valid +1 it has.
    let mut people: Vec<&PersonId> = Vec::new();
    let edges: Vec<Vec<usize>> = own
        .iter()
        .map(|o| match o {
            Own::Approval(v) if !v.shared && v.minus.is_empty() => v
                .plus
                .iter()
                .map(|a| match people.iter().position(|p| *p == &a.person) {
                    Some(i) => i,
                    None => {
                        people.push(&a.person);
                        people.len() - 1
                    }
                })
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    (people, edges)
}

/// The order in which to assign people to approval leaves: first a way of passing that
/// can be filled, then everything else that could take a person.
fn fill_order(tree: &Shape, need: &[Need], edges: &[Vec<usize>], people: usize) -> Vec<usize> {
    let mut order: Vec<usize> = Vec::new();
    // Without `any_of` there is no choice to make: what every branch needs (below) is all.
    if let Some(ways) = has_any(tree).then(|| choices(tree, need)).flatten() {
        // The first way, in the order written, whose requirements can all be filled.
        let fillable = ways.into_iter().find(|way| {
            let mut m = Matching::new(edges, people);
            way.iter().all(|&i| m.add(i))
        });
        order.extend(fillable.into_iter().flatten());
    }
    // Then everything else that could take a person, so the verdict shows as many
    // approvals met as possible: what every branch needs, then the rest, waived last.
    let mut must = Vec::new();
    mandatory(tree, &mut must);
    let rest = |i: &usize| !edges[*i].is_empty() && !order.contains(i);
    let wanted = |i: &usize| rest(i) && need[*i] == Need::Person;
    let first: Vec<usize> = must.iter().copied().filter(wanted).collect();
    let then: Vec<usize> = (0..need.len()).filter(|i| wanted(i) && !first.contains(i)).collect();
    let waived: Vec<usize> = (0..need.len()).filter(|i| rest(i) && need[*i] != Need::Person).collect();
    order.extend(first.into_iter().chain(then).chain(waived));
    order
}

/// Fills in a plainly judged leaf's verdict; whether it is met.
fn judge_plain(v: &mut RequirementVerdict, p: &Plain) -> bool {
    v.reason = p.reason.clone();
    v.expires_at = p.expires_at;
    if !p.met {
        v.who_can_act = p.who.clone();
        v.passes_on_its_own_at = p.eta;
    }
    p.met
}

/// The leaf's status: met, waived by the waiver in force, or unmet with why no waiver is.
fn apply_waiver(
    mut v: RequirementVerdict,
    met: bool,
    (waiver, waiver_notes): &(Option<&Waiver>, Vec<String>),
) -> RequirementVerdict {
    if met {
        v.status = Status::Met;
        return v;
    }
    if let Some(w) = waiver {
        v.status = Status::Waived {
            until: w.expires_at,
            reason: w.reason.clone(),
            by: w.approved_by.clone(),
            team: w.approver_team.clone(),
        };
    } else if !waiver_notes.is_empty() {
        v.reason = format!("{}; {}", v.reason, waiver_notes.join("; "));
    }
    v
}

/// Why the gate is not for this kind of service, if it is not.
fn not_applicable(gate: &Gate, inputs: &GateInputs) -> Option<String> {
    (!gate.applies_to.includes(inputs.service)).then(|| {
        let what = if inputs.service.internal_only { "internal only" } else { "customer-facing" };
        format!(
            "service {} is {what}; gate {} applies to {} services",
            inputs.service.id,
            gate.id,
            gate.applies_to.as_str()
        )
    })
}

fn verdict_node(s: &Shape, counts: &[bool]) -> (VerdictNode, bool) {
    match s {
        Shape::Leaf(i) => (VerdictNode::Requirement { index: *i }, counts[*i]),
        Shape::All(children) => {
            let (children, results): (Vec<_>, Vec<_>) = children.iter().map(|c| verdict_node(c, counts)).unzip();
            let passes = results.iter().all(|p| *p);
            (VerdictNode::AllOf { passes, children }, passes)
        }
        Shape::Any(children) => {
            let (children, results): (Vec<_>, Vec<_>) = children.iter().map(|c| verdict_node(c, counts)).unzip();
            let passes = results.iter().any(|p| *p);
            (VerdictNode::AnyOf { passes, children }, passes)
        }
    }
}

/// When the subtree passes if only time goes by: now if it passes already.
fn eta(s: &Shape, reqs: &[RequirementVerdict], now: Timestamp) -> Option<Timestamp> {
    match s {
        Shape::Leaf(i) if reqs[*i].status.counts() => Some(now),
        Shape::Leaf(i) => reqs[*i].passes_on_its_own_at,
        Shape::All(children) => {
            children.iter().map(|c| eta(c, reqs, now)).collect::<Option<Vec<_>>>()?.into_iter().max()
        }
        Shape::Any(children) => children.iter().filter_map(|c| eta(c, reqs, now)).min(),
    }
}

#[cfg(all(test, feature = "openapi"))]
mod openapi_tests {
    #[test]
    fn the_verdict_schema_is_finite_despite_the_recursive_tree() {
        let mut schemas = Vec::new();
        <super::GateVerdict as utoipa::ToSchema>::schemas(&mut schemas);
        let json = serde_json::to_string(&<super::GateVerdict as utoipa::PartialSchema>::schema()).unwrap();
        assert!(json.contains("passes_on_its_own_at"), "{json}");
    }
}
