//! The SLO RACI chart: for each step of an SLO's life, which persona is Responsible,
//! Accountable, Consulted or Informed, and which SLO events each step hears about.

use super::event::SloEventKind;
use super::persona::Personas;
use crate::{PersonaId, StepId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The letters of one cell: any of R, A, C and I, written like `A/R`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Letters {
    pub responsible: bool,
    pub accountable: bool,
    pub consulted: bool,
    pub informed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LettersError {
    #[error("`{0}` is not a RACI letter: a cell holds R, A, C or I, or several joined by '/' like A/R")]
    Unknown(String),
    #[error("`{0}` repeats a letter: write each of R, A, C and I at most once")]
    Repeated(String),
    #[error("an empty cell: leave the persona out of the step instead")]
    Empty,
}

impl Letters {
    pub fn parse(s: &str) -> Result<Letters, LettersError> {
        let mut l = Letters::default();
        if s.trim().is_empty() {
            return Err(LettersError::Empty);
        }
        for part in s.split('/').map(str::trim) {
            let slot = match part {
                "R" => &mut l.responsible,
                "A" => &mut l.accountable,
                "C" => &mut l.consulted,
                "I" => &mut l.informed,
                other => return Err(LettersError::Unknown(other.to_owned())),
            };
            if *slot {
                return Err(LettersError::Repeated(s.to_owned()));
            }
            *slot = true;
        }
        Ok(l)
    }

    /// Responsible or accountable: asked to act.
    pub fn acts(self) -> bool {
        self.responsible || self.accountable
    }
}

impl fmt::Display for Letters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<&str> =
            [(self.accountable, "A"), (self.responsible, "R"), (self.consulted, "C"), (self.informed, "I")]
                .into_iter()
                .filter_map(|(on, l)| on.then_some(l))
                .collect();
        f.write_str(&parts.join("/"))
    }
}

impl Serialize for Letters {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Letters {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Letters::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One row of the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaciStep {
    pub id: StepId,
    pub name: String,
    /// The letters of each persona named in the step; personas left out have no part in it.
    pub cells: BTreeMap<PersonaId, Letters>,
    /// The SLO events this step's people hear about: R and A are asked to act, I are told.
    #[serde(default)]
    pub notify_on: Vec<SloEventKind>,
}

impl RaciStep {
    pub fn responsible(&self) -> impl Iterator<Item = &PersonaId> {
        self.cells.iter().filter(|(_, l)| l.responsible).map(|(p, _)| p)
    }
    pub fn accountable(&self) -> impl Iterator<Item = &PersonaId> {
        self.cells.iter().filter(|(_, l)| l.accountable).map(|(p, _)| p)
    }
}

/// The steps whose ids Baton acts on: who may propose and agree roadmap items.
pub const EXISTENCE: &str = "existence";
pub const PROPOSE: &str = "propose";
pub const AGREE: &str = "agree";
pub const MEASURE_AND_TRACK: &str = "measure-and-track";
pub const PROPOSE_ROADMAP: &str = "propose-roadmap";
pub const AGREE_ROADMAP: &str = "agree-roadmap";
pub const EXECUTE_ROADMAP: &str = "execute-roadmap";
pub const HANDLE_ERROR_BUDGET: &str = "handle-error-budget";
pub const RECALIBRATE: &str = "recalibrate";

/// The chart (`kind: RaciChart` in `policies/`), steps in the order written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaciChart {
    pub steps: Vec<RaciStep>,
}

/// What the lint finds wrong with a chart. Errors stop `apply`; warnings do not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartIssue {
    NoResponsible {
        step: StepId,
    },
    NoAccountable {
        step: StepId,
    },
    /// More than one Accountable: allowed (the seed's own chart has a step with two), but
    /// "accountable" means one place the buck stops, so it is worth a second look.
    SeveralAccountable {
        step: StepId,
        personas: Vec<PersonaId>,
    },
    UnknownPersona {
        step: StepId,
        persona: PersonaId,
    },
    /// The same event routed by two steps: its people would be told twice.
    EventTwice {
        event: SloEventKind,
        first: StepId,
        second: StepId,
    },
    /// An event no step routes: nobody is told when it happens.
    EventUnrouted {
        event: SloEventKind,
    },
    StepTwice {
        step: StepId,
    },
}

impl ChartIssue {
    pub fn is_error(&self) -> bool {
        !matches!(self, ChartIssue::SeveralAccountable { .. } | ChartIssue::EventUnrouted { .. })
    }
}

impl fmt::Display for ChartIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChartIssue::NoResponsible { step } => {
                write!(f, "step `{step}` has no Responsible: give R (or A/R) to the persona who does the work")
            }
            ChartIssue::NoAccountable { step } => {
                write!(f, "step `{step}` has no Accountable: give A (or A/R) to the one persona who answers for it")
            }
            ChartIssue::SeveralAccountable { step, personas } => {
                let names: Vec<String> = personas.iter().map(|p| format!("`{p}`")).collect();
                write!(
                    f,
                    "step `{step}` has {} Accountable personas ({}): usually one answers for a step",
                    personas.len(),
                    names.join(", ")
                )
            }
            ChartIssue::UnknownPersona { step, persona } => {
                write!(f, "step `{step}` names persona `{persona}`, which is not defined")
            }
            ChartIssue::EventTwice { event, first, second } => {
                write!(
                    f,
                    "event `{event}` is routed by step `{first}` and again by step `{second}`: route each event once"
                )
            }
            ChartIssue::EventUnrouted { event } => {
                write!(f, "no step has `{event}` in `notify_on`: nobody is told when it happens")
            }
            ChartIssue::StepTwice { step } => write!(f, "step `{step}` is in the chart twice"),
        }
    }
}

impl RaciChart {
    pub fn step(&self, id: &str) -> Option<&RaciStep> {
        self.steps.iter().find(|s| s.id.as_str() == id)
    }

    /// The step that routes `event`, if any.
    pub fn step_for(&self, event: SloEventKind) -> Option<&RaciStep> {
        self.steps.iter().find(|s| s.notify_on.contains(&event))
    }

    /// Every problem with the chart against `personas`, in step order.
    pub fn lint(&self, personas: &Personas) -> Vec<ChartIssue> {
        let mut issues = Vec::new();
        let mut seen: Vec<&StepId> = Vec::new();
        let mut routed: BTreeMap<SloEventKind, &StepId> = BTreeMap::new();
        for step in &self.steps {
            let id = step.id.clone();
            if seen.contains(&&step.id) {
                issues.push(ChartIssue::StepTwice { step: id.clone() });
            }
            seen.push(&step.id);
            for persona in step.cells.keys().filter(|p| personas.get(p).is_none()) {
                issues.push(ChartIssue::UnknownPersona { step: id.clone(), persona: persona.clone() });
            }
            if step.responsible().next().is_none() {
                issues.push(ChartIssue::NoResponsible { step: id.clone() });
            }
            let accountable: Vec<PersonaId> = step.accountable().cloned().collect();
            match accountable.len() {
                0 => issues.push(ChartIssue::NoAccountable { step: id.clone() }),
                1 => {}
                _ => issues.push(ChartIssue::SeveralAccountable { step: id.clone(), personas: accountable }),
            }
            for event in &step.notify_on {
                match routed.get(event) {
                    Some(first) => issues.push(ChartIssue::EventTwice {
                        event: *event,
                        first: (*first).clone(),
                        second: id.clone(),
                    }),
                    None => {
                        routed.insert(*event, &step.id);
                    }
                }
            }
        }
        for event in SloEventKind::ALL {
            if !routed.contains_key(&event) {
                issues.push(ChartIssue::EventUnrouted { event });
            }
        }
        issues
    }

    /// The chart of the SLO practices talk, cell for cell, with the events routed to the
    /// step whose people act on them. Used when `policies/` defines no chart.
    pub fn seed() -> RaciChart {
        use super::persona::*;
        const COLUMNS: [&str; 7] =
            [SERVICE_OWNER, PRODUCT_OWNER, ENGINEERING_LEAD, SOFTWARE_ENGINEER, SRE_IC, ENGINEERING_MANAGER, EXECUTIVE];
        let rows: [(&str, &str, [&str; 7], &[SloEventKind]); 9] = [
            (EXISTENCE, "Existence of SLO", ["A/R", "C", "R", "A", "C", "C", "I"], &[]),
            (PROPOSE, "Propose SLO", ["C", "R", "R", "C", "C", "A", "I"], &[]),
            (AGREE, "Agree on SLO", ["A", "R", "R", "C", "I", "I", "I"], &[]),
            (
                MEASURE_AND_TRACK,
                "Measure+Track SLO",
                ["I", "I", "R", "I", "A/R", "I", "I"],
                &[SloEventKind::ObjectiveChanged],
            ),
            (PROPOSE_ROADMAP, "Propose SLO Roadmap", ["C", "C", "A/R", "C", "C", "I", "I"], &[]),
            (
                AGREE_ROADMAP,
                "Agree SLO Roadmap",
                ["A/R", "R", "C", "C", "C", "R", "I"],
                &[SloEventKind::RoadmapProposed],
            ),
            (
                EXECUTE_ROADMAP,
                "Execute SLO Roadmap",
                ["I", "I", "A", "R", "R", "C", "I"],
                &[SloEventKind::RoadmapAgreed],
            ),
            (
                HANDLE_ERROR_BUDGET,
                "Handle Error Budget",
                ["C", "A", "R", "C", "I", "R", "I"],
                &[SloEventKind::BudgetAtRisk, SloEventKind::BudgetExhausted],
            ),
            (RECALIBRATE, "Recalibrate/Planning", ["A", "R", "R", "C", "C", "C", "I"], &[]),
        ];
        let steps = rows
            .into_iter()
            .map(|(id, name, cells, events)| RaciStep {
                id: StepId::parse(id).expect("valid id"),
                name: name.into(),
                cells: COLUMNS
                    .iter()
                    .zip(cells)
                    .map(|(p, l)| (PersonaId::parse(p).expect("valid id"), Letters::parse(l).expect("valid letters")))
                    .collect(),
                notify_on: events.to_vec(),
            })
            .collect();
        RaciChart { steps }
    }
}
