//! The chart of one service: each persona resolved to the people and teams who play it
//! there, and each step's letters, so "who is accountable for handling the error budget
//! of streamhub?" has names for an answer.

use super::chart::{Letters, RaciChart, RaciStep};
use super::event::SloEventKind;
use super::persona::{Assignee, PersonaRule, Personas};
use crate::org::{Org, ServiceDef};
use crate::{PersonId, PersonaId, ServiceId, StepId, TeamId};
use serde::Serialize;
use std::borrow::Cow;

/// Where a persona's people on a service come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// The service definition's `personas:` names them.
    Service,
    /// The persona's default rule.
    Default { rule: String },
    /// Neither: nobody plays this persona on the service.
    Unmapped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvedPersona {
    pub persona: PersonaId,
    pub name: String,
    pub source: Source,
    pub assignees: Vec<Assignee>,
    /// Every person the assignees stand for (teams expanded to their members), by id.
    pub people: Vec<PersonId>,
    /// Why nobody plays it yet, when nobody does (no SRE team assigned, no team lead).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvedCell {
    pub persona: PersonaId,
    /// `A/R`, `C`, ...
    #[serde(serialize_with = "letters")]
    pub letters: Letters,
}

fn letters<S: serde::Serializer>(l: &Letters, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(l)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvedStep {
    pub id: StepId,
    pub name: String,
    pub cells: Vec<ResolvedCell>,
    pub notify_on: Vec<SloEventKind>,
}

/// The RACI chart of one service, resolved to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvedRaci {
    pub service: ServiceId,
    pub sre_team: Option<TeamId>,
    pub personas: Vec<ResolvedPersona>,
    pub steps: Vec<ResolvedStep>,
}

/// The organisation's personas, or the built-in ones when `policies/` defines none.
pub fn personas(org: &Org) -> Cow<'_, Personas> {
    org.personas.as_ref().map_or_else(|| Cow::Owned(Personas::builtin()), Cow::Borrowed)
}

/// The organisation's chart, or the seed's when `policies/` defines none.
pub fn chart(org: &Org) -> Cow<'_, RaciChart> {
    org.raci.as_ref().map_or_else(|| Cow::Owned(RaciChart::seed()), Cow::Borrowed)
}

fn lead_of(org: &Org, team: &TeamId) -> Option<PersonId> {
    org.teams.get(team).and_then(|t| t.lead.clone())
}

/// Who `rule` names on `service`, or why nobody. `Err` carries the reason.
fn by_rule(
    org: &Org,
    service: &ServiceDef,
    sre_team: Option<&TeamId>,
    rule: &PersonaRule,
) -> Result<Vec<Assignee>, String> {
    let owner = &service.owner_team;
    let no_sre = || "no SRE team is assigned to the service yet".to_owned();
    match rule {
        // A team without a lead still answers for its service: the team as a whole.
        PersonaRule::OwnerLead => {
            Ok(vec![lead_of(org, owner).map_or_else(|| Assignee::Team(owner.clone()), Assignee::Person)])
        }
        PersonaRule::OwnerTeam => Ok(vec![Assignee::Team(owner.clone())]),
        PersonaRule::SreTeam => sre_team.map(|t| vec![Assignee::Team(t.clone())]).ok_or_else(no_sre),
        PersonaRule::SreLead => {
            let team = sre_team.ok_or_else(no_sre)?;
            lead_of(org, team)
                .map(|p| vec![Assignee::Person(p)])
                .ok_or_else(|| format!("SRE team `{team}` has no lead"))
        }
        PersonaRule::Architects => Ok(vec![Assignee::Team(org.pipeline_policy().architects_team)]),
        PersonaRule::Team(t) => Ok(vec![Assignee::Team(t.clone())]),
        PersonaRule::Person(p) => Ok(vec![Assignee::Person(p.clone())]),
    }
}

/// The people `assignees` stand for, teams expanded to their members, each once, by id.
pub fn people_of(org: &Org, assignees: &[Assignee]) -> Vec<PersonId> {
    let mut people: Vec<PersonId> = assignees
        .iter()
        .flat_map(|a| match a {
            Assignee::Person(p) => vec![p.clone()],
            Assignee::Team(t) => org.teams.get(t).map(|t| t.members.clone()).unwrap_or_default(),
        })
        .collect();
    people.sort();
    people.dedup();
    people
}

/// Resolves the organisation's chart for `service`, whose assigned SRE team (from its
/// pipeline record) is `sre_team`.
pub fn resolve(org: &Org, service: &ServiceDef, sre_team: Option<&TeamId>) -> ResolvedRaci {
    let personas = personas(org);
    let resolved = personas
        .personas
        .iter()
        .map(|persona| {
            let (source, found) = match (service.personas.get(&persona.id), &persona.default) {
                (Some(mapped), _) => (Source::Service, Ok(mapped.clone())),
                (None, Some(rule)) => {
                    let found = by_rule(org, service, sre_team, rule);
                    // An SRE rule before assignment is pending, not unmapped: it will resolve.
                    let pending = matches!(rule, PersonaRule::SreTeam | PersonaRule::SreLead) && sre_team.is_none();
                    match &found {
                        Err(_) if !pending => (Source::Unmapped, found),
                        _ => (Source::Default { rule: rule.to_string() }, found),
                    }
                }
                (None, None) => {
                    (Source::Unmapped, Err(format!("the service does not map `{}` and it has no default", persona.id)))
                }
            };
            let (assignees, note) = match found {
                Ok(a) => (a, None),
                Err(why) => (vec![], Some(why)),
            };
            ResolvedPersona {
                persona: persona.id.clone(),
                name: persona.name.clone(),
                source,
                people: people_of(org, &assignees),
                assignees,
                note,
            }
        })
        .collect();
    let steps = chart(org).steps.iter().map(|s| resolve_step(s, &personas)).collect();
    ResolvedRaci { service: service.id.clone(), sre_team: sre_team.cloned(), personas: resolved, steps }
}

/// A step's cells in the order the personas are defined, as the chart is read.
fn resolve_step(step: &RaciStep, personas: &Personas) -> ResolvedStep {
    let mut cells: Vec<ResolvedCell> =
        step.cells.iter().map(|(p, l)| ResolvedCell { persona: p.clone(), letters: *l }).collect();
    cells.sort_by_key(|c| personas.personas.iter().position(|p| p.id == c.persona).unwrap_or(usize::MAX));
    ResolvedStep { id: step.id.clone(), name: step.name.clone(), cells, notify_on: step.notify_on.clone() }
}

/// The personas nobody plays on `service`: not mapped by it, and with no default that
/// names someone. (SRE rules count as mapped: they resolve once a team is assigned.)
pub fn unmapped(org: &Org, service: &ServiceDef) -> Vec<PersonaId> {
    // Before the assignment an SRE rule is pending, not unmapped (see `resolve`).
    resolve(org, service, None)
        .personas
        .into_iter()
        .filter(|p| p.source == Source::Unmapped)
        .map(|p| p.persona)
        .collect()
}

impl ResolvedRaci {
    pub fn persona(&self, id: &PersonaId) -> Option<&ResolvedPersona> {
        self.personas.iter().find(|p| &p.persona == id)
    }

    pub fn step(&self, id: &str) -> Option<&ResolvedStep> {
        self.steps.iter().find(|s| s.id.as_str() == id)
    }

    /// Whether `person` plays a persona that is Responsible or Accountable in `step`.
    pub fn acts_in(&self, step: &str, person: &PersonId) -> bool {
        self.step(step).is_some_and(|s| {
            s.cells
                .iter()
                .filter(|c| c.letters.acts())
                .any(|c| self.persona(&c.persona).is_some_and(|p| p.people.contains(person)))
        })
    }

    /// Who is Responsible or Accountable in `step`, as people read it:
    /// `service-owner (noor.castellano)`, `product-owner (team addon-pm)`.
    pub fn acting(&self, step: &str) -> Vec<String> {
        let Some(s) = self.step(step) else { return vec![] };
        s.cells
            .iter()
            .filter(|c| c.letters.acts())
            .map(|c| {
                let who = self
                    .persona(&c.persona)
                    .map_or_else(Vec::new, |p| p.assignees.iter().map(|a| a.to_string()).collect());
                let who = if who.is_empty() { "nobody".to_owned() } else { who.join(", ") };
                format!("{} ({who})", c.persona)
            })
            .collect()
    }
}
