//! SLO events and who hears about them: each event is routed by the chart step that lists
//! it in `notify_on`. Responsible and Accountable are asked to act (a `Reminder`), Informed
//! are told (`Info`); Consulted are not notified, because the people doing the step
//! consult them. People are reached through the channels of a team they belong to.

use super::chart::RaciStep;
use super::persona::Assignee;
use super::resolve::ResolvedRaci;
use crate::notice::{Notice, NoticeKind};
use crate::org::Org;
use crate::slo::{BudgetState, Objective};
use crate::{PersonId, PersonaId, TeamId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SloEventKind {
    /// The error-budget policy's state became at-risk.
    BudgetAtRisk,
    /// The error budget is spent.
    BudgetExhausted,
    /// An apply changed the SLO's objective.
    ObjectiveChanged,
    /// A roadmap item was proposed and waits for agreement.
    RoadmapProposed,
    /// A roadmap item was agreed and waits to be done.
    RoadmapAgreed,
}

impl SloEventKind {
    pub const ALL: [SloEventKind; 5] = [
        SloEventKind::BudgetAtRisk,
        SloEventKind::BudgetExhausted,
        SloEventKind::ObjectiveChanged,
        SloEventKind::RoadmapProposed,
        SloEventKind::RoadmapAgreed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SloEventKind::BudgetAtRisk => "budget-at-risk",
            SloEventKind::BudgetExhausted => "budget-exhausted",
            SloEventKind::ObjectiveChanged => "objective-changed",
            SloEventKind::RoadmapProposed => "roadmap-proposed",
            SloEventKind::RoadmapAgreed => "roadmap-agreed",
        }
    }

    pub fn parse(s: &str) -> Option<SloEventKind> {
        SloEventKind::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

impl fmt::Display for SloEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that happened in an SLO's life, with what to say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SloEvent {
    pub kind: SloEventKind,
    /// What it is about: `slo/<id>` or `roadmap/<service>/<n>`.
    pub subject: String,
    pub title: String,
    pub text: String,
    /// Names the event once: the same event decided twice queues nothing twice.
    pub key: String,
}

/// What the engine last knew of an SLO, to tell a change from a repeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SloWatch {
    pub objective: Objective,
    /// `None` until the first evaluation.
    #[serde(default)]
    pub state: Option<BudgetState>,
    /// The budget left, in whole percent (negative when overspent), when people were last
    /// told of an at-risk or exhausted budget: the mark a further fall is measured from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub told_left: Option<i64>,
    /// The last change of `state`, and when the engine saw it (the handover digest lists
    /// the ones during a shift).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<BudgetChange>,
}

/// An error budget's state changing, as the engine saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetChange {
    /// `None`: the first evaluation.
    pub from: Option<BudgetState>,
    pub to: BudgetState,
    pub at: Timestamp,
}

impl SloWatch {
    /// This watch (the one to keep after `before`) with the change of state stamped at
    /// `now` when there was one, else the last one kept. A first evaluation is a change
    /// only when it finds the budget at risk or exhausted: "healthy" or "no data" on the
    /// first look is not news.
    pub fn stamped(mut self, before: &SloWatch, now: Timestamp) -> SloWatch {
        let news =
            |to: BudgetState| before.state.is_some() || matches!(to, BudgetState::AtRisk | BudgetState::Exhausted);
        self.changed = match self.state {
            Some(to) if self.state != before.state && news(to) => {
                Some(BudgetChange { from: before.state, to, at: now })
            }
            _ => before.changed.clone(),
        };
        self
    }
}

/// How far an at-risk budget must fall again, in points of the budget, before people are
/// told again.
pub const AT_RISK_STEP: i64 = 10;

/// The events between two looks at an SLO, and the watch to keep. A budget event fires
/// when the state gets worse into at-risk or exhausted, and again on every further
/// worsening within it: an at-risk budget that lost another [`AT_RISK_STEP`] points, an
/// exhausted one whose overspend doubled (at least 10 points more), so a fresh burn is
/// news while a budget long spent does not repeat every few minutes. Recovering (from
/// exhausted to at-risk, or to healthy) is not news to act on; it resets the mark.
/// `left` is the budget left now, in whole percent; `None` when unknown.
pub fn watch_events(
    before: &SloWatch,
    objective: Objective,
    state: Option<BudgetState>,
    left: Option<i64>,
) -> (SloWatch, Vec<SloEventKind>) {
    let mut events = Vec::new();
    if before.objective != objective {
        events.push(SloEventKind::ObjectiveChanged);
    }
    let rank = |s: Option<BudgetState>| match s {
        Some(BudgetState::AtRisk) => 1,
        Some(BudgetState::Exhausted) => 2,
        _ => 0,
    };
    let kind = |s: Option<BudgetState>| match s {
        Some(BudgetState::Exhausted) => Some(SloEventKind::BudgetExhausted),
        Some(BudgetState::AtRisk) => Some(SloEventKind::BudgetAtRisk),
        _ => None,
    };
    let mut told_left = before.told_left;
    if state.is_some() {
        let (was, is) = (rank(before.state), rank(state));
        let further = match (state, before.told_left, left) {
            (Some(BudgetState::AtRisk), Some(t), Some(l)) => l <= t - AT_RISK_STEP,
            (Some(BudgetState::Exhausted), Some(t), Some(l)) => l <= (2 * t).min(t - AT_RISK_STEP),
            _ => false,
        };
        if is > was || (is == was && further) {
            events.extend(kind(state));
            told_left = left;
        } else if is < was || told_left.is_none() {
            // Recovering, or a watch kept before the mark existed: a new mark, no news.
            told_left = if is == 0 { None } else { left };
        }
    }
    (SloWatch { objective, state: state.or(before.state), told_left, changed: before.changed.clone() }, events)
}

/// One notice to queue: for `team`'s channels, of `kind`, naming `to` (empty: the team as
/// a whole), because of `personas`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub team: TeamId,
    pub kind: NoticeKind,
    pub to: Vec<PersonId>,
    pub personas: Vec<PersonaId>,
}

/// One person told by their own notification rules, of `kind`, because of `personas`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonalDelivery {
    pub person: PersonId,
    pub kind: NoticeKind,
    pub personas: Vec<PersonaId>,
}

/// Who an event reaches (team channels, and people by their own rules), and who it cannot
/// (no channel and no method of their own).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Routing {
    pub deliveries: Vec<Delivery>,
    pub people: Vec<PersonalDelivery>,
    pub unreachable: Vec<Assignee>,
}

#[derive(Default)]
struct Pending {
    whole_team: bool,
    to: Vec<PersonId>,
    personas: Vec<PersonaId>,
}

/// Routes an event through `step` of `raci`: Responsible and Accountable get a reminder,
/// Informed (and the teams in `also_inform`, like those the error-budget policy names) get
/// information, nobody gets both. `reachable` says whether a team has a channel;
/// `person_reachable` whether a person has a notification method of their own for it.
/// A person named is told by their own rules, or else through the service's owner team,
/// its SRE team, or the first team of theirs (by id) with a channel; a team named is told
/// on its channel, or else each of its members by their own rules.
pub fn route(
    org: &Org,
    raci: &ResolvedRaci,
    owner_team: &TeamId,
    step: &RaciStep,
    also_inform: &[TeamId],
    reachable: &dyn Fn(&TeamId) -> bool,
    person_reachable: &dyn Fn(&PersonId) -> bool,
) -> Routing {
    let mut routing = Routing::default();
    // Keyed by (informed only, team): reminders sort first.
    let mut plan: BTreeMap<(bool, TeamId), Pending> = BTreeMap::new();
    let mut personal: BTreeMap<PersonId, (NoticeKind, Vec<PersonaId>)> = BTreeMap::new();
    let home = |person: &PersonId| home_team(org, raci, owner_team, reachable, person);
    let mut add = |kind: NoticeKind, assignee: &Assignee, persona: Option<&PersonaId>, routing: &mut Routing| {
        let mut tell = |person: &PersonId| {
            let entry = personal.entry(person.clone()).or_insert((kind, Vec::new()));
            if kind == NoticeKind::Reminder {
                entry.0 = kind;
            }
            if let Some(persona) = persona.filter(|p| !entry.1.contains(p)) {
                entry.1.push(persona.clone());
            }
        };
        let (team, person) = match assignee {
            Assignee::Team(t) if reachable(t) => (t.clone(), None),
            Assignee::Person(p) if person_reachable(p) => return tell(p),
            Assignee::Person(p) => match home(p) {
                Some(t) => (t, Some(p.clone())),
                None => return routing.unreachable.push(assignee.clone()),
            },
            Assignee::Team(t) => {
                let members = org.teams.get(t).map(|t| t.members.as_slice()).unwrap_or_default();
                let reached: Vec<&PersonId> = members.iter().filter(|p| person_reachable(p)).collect();
                if reached.is_empty() {
                    return routing.unreachable.push(assignee.clone());
                }
                return reached.into_iter().for_each(tell);
            }
        };
        let entry = plan.entry((kind == NoticeKind::Info, team)).or_default();
        match person {
            None => entry.whole_team = true,
            Some(p) if !entry.to.contains(&p) => entry.to.push(p),
            Some(_) => {}
        }
        if let Some(persona) = persona.filter(|p| !entry.personas.contains(p)) {
            entry.personas.push(persona.clone());
        }
    };
    for (persona, letters) in &step.cells {
        let kind = if letters.acts() {
            NoticeKind::Reminder
        } else if letters.informed {
            NoticeKind::Info
        } else {
            continue;
        };
        for assignee in raci.persona(persona).map(|p| p.assignees.as_slice()).unwrap_or_default() {
            add(kind, assignee, Some(persona), &mut routing);
        }
    }
    for team in also_inform {
        add(NoticeKind::Info, &Assignee::Team(team.clone()), None, &mut routing);
    }
    routing.deliveries = deliveries(org, plan);
    routing.people =
        personal.into_iter().map(|(person, (kind, personas))| PersonalDelivery { person, kind, personas }).collect();
    routing.unreachable.sort();
    routing.unreachable.dedup();
    routing
}

/// The team through which `person` is reached: the service's owner team, its SRE team,
/// or else the first team of theirs (by id) that has a channel.
fn home_team(
    org: &Org,
    raci: &ResolvedRaci,
    owner_team: &TeamId,
    reachable: &dyn Fn(&TeamId) -> bool,
    person: &PersonId,
) -> Option<TeamId> {
    let preferred = [Some(owner_team), raci.sre_team.as_ref()];
    preferred
        .into_iter()
        .flatten()
        .filter(|t| org.is_member(person, t))
        .cloned()
        .chain(org.teams_of(person).map(|t| t.id.clone()))
        .find(|t| reachable(t))
}

/// The deliveries of a plan keyed by (informed only, team), reminders first.
fn deliveries(org: &Org, plan: BTreeMap<(bool, TeamId), Pending>) -> Vec<Delivery> {
    let mut deliveries = Vec::new();
    // Nobody is both asked to act and merely told: the reminder wins.
    let acting: BTreeMap<TeamId, (bool, Vec<PersonId>)> = plan
        .iter()
        .filter(|((info, _), _)| !*info)
        .map(|((_, t), p)| (t.clone(), (p.whole_team, p.to.clone())))
        .collect();
    for ((info, team), pending) in plan {
        let kind = if info { NoticeKind::Info } else { NoticeKind::Reminder };
        let (mut whole_team, mut to) = (pending.whole_team, pending.to);
        if kind == NoticeKind::Info {
            if let Some((all, people)) = acting.get(&team) {
                if *all {
                    continue;
                }
                to.retain(|p| !people.contains(p));
                if to.is_empty() && !whole_team {
                    continue;
                }
                // A whole team told while some of it acts: tell the rest by name.
                if whole_team && !people.is_empty() {
                    whole_team = false;
                    to = org.teams.get(&team).map(|t| t.members.clone()).unwrap_or_default();
                    to.retain(|p| !people.contains(p));
                }
            }
        }
        if whole_team {
            to.clear();
        }
        deliveries.push(Delivery { team, kind, to, personas: pending.personas });
    }
    deliveries
}

/// The notice one delivery carries.
pub fn notice(event: &SloEvent, step: &RaciStep, delivery: &Delivery) -> Notice {
    notice_to(event, step, delivery.kind, &delivery.to, &delivery.personas)
}

/// The notice that tells one person `event` by their own rules.
pub fn personal_notice(event: &SloEvent, step: &RaciStep, delivery: &PersonalDelivery) -> Notice {
    notice_to(event, step, delivery.kind, std::slice::from_ref(&delivery.person), &delivery.personas)
}

fn notice_to(event: &SloEvent, step: &RaciStep, kind: NoticeKind, to: &[PersonId], personas: &[PersonaId]) -> Notice {
    let personas: Vec<&str> = personas.iter().map(PersonaId::as_str).collect();
    let why = match (kind, personas.is_empty()) {
        (NoticeKind::Reminder, _) => {
            format!("You are asked to act: {} Responsible or Accountable for \"{}\".", personas.join(", "), step.name)
        }
        (_, false) => format!("For your information: {} Informed for \"{}\".", personas.join(", "), step.name),
        (_, true) => format!("For your information (\"{}\").", step.name),
    };
    Notice {
        kind,
        subject: event.subject.clone(),
        title: event.title.clone(),
        text: format!("{}\n\n{why}", event.text),
        to: to.to_vec(),
        severity: None,
        links: vec![],
        alert: None,
    }
}

/// The idempotency key of one delivery of an event.
pub fn delivery_key(event: &SloEvent, delivery: &Delivery) -> String {
    let kind = match delivery.kind {
        NoticeKind::Reminder => "act",
        _ => "info",
    };
    format!("{}/{}/{kind}", event.key, delivery.team)
}
