//! Definitions as the unit of `apply`: each is stored and diffed on its own, so `apply`
//! can say exactly what it added, changed and removed.

use crate::org::{ChecklistItem, Org, Person, PipelinePolicy, RotationDef, ServiceDef, Team};
use crate::slo::{ErrorBudgetPolicy, SloDef};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "spec", rename_all = "kebab-case")]
pub enum Definition {
    Person(Person),
    Team(Team),
    Service(ServiceDef),
    PipelinePolicy(PipelinePolicy),
    ChecklistItem(ChecklistItem),
    Slo(SloDef),
    ErrorBudgetPolicy(ErrorBudgetPolicy),
    /// An on-call rotation, with the holiday calendars it names embedded (calendars are
    /// not definitions of their own).
    Rotation(RotationDef),
    /// An escalation policy of `escalations/`: whom an alert pages, in which order.
    EscalationPolicy(crate::paging::EscalationPolicy),
    /// A production gate of `policies/` (`kind: Gate`): the requirements a service must
    /// meet to pass it.
    Gate(crate::gate::Gate),
    /// The SLO personas of `policies/` (`kind: Personas`).
    Personas(crate::raci::Personas),
    /// The SLO RACI chart of `policies/` (`kind: RaciChart`).
    RaciChart(crate::raci::RaciChart),
}

impl Definition {
    pub fn kind(&self) -> &'static str {
        match self {
            Definition::Person(_) => "person",
            Definition::Team(_) => "team",
            Definition::Service(_) => "service",
            Definition::PipelinePolicy(_) => "pipeline-policy",
            Definition::ChecklistItem(_) => "checklist-item",
            Definition::Slo(_) => "slo",
            Definition::ErrorBudgetPolicy(_) => "error-budget-policy",
            Definition::Rotation(_) => "rotation",
            Definition::EscalationPolicy(_) => "escalation-policy",
            Definition::Gate(_) => "gate",
            Definition::Personas(_) => "personas",
            Definition::RaciChart(_) => "raci-chart",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Definition::Person(p) => p.id.as_str(),
            Definition::Team(t) => t.id.as_str(),
            Definition::Service(s) => s.id.as_str(),
            Definition::PipelinePolicy(_) => "pipeline",
            Definition::ChecklistItem(i) => i.id.as_str(),
            Definition::Slo(s) => s.id.as_str(),
            Definition::ErrorBudgetPolicy(_) => "error-budget",
            Definition::Rotation(r) => r.id().as_str(),
            Definition::EscalationPolicy(p) => p.id.as_str(),
            Definition::Gate(g) => g.id.as_str(),
            Definition::Personas(_) => "personas",
            Definition::RaciChart(_) => "raci-chart",
        }
    }

    /// `kind/id`, the subject of the audit record for this definition.
    pub fn key(&self) -> String {
        format!("{}/{}", self.kind(), self.id())
    }

    /// The definition as anyone may read it (the audit log, reports): the addresses of its
    /// channels and notification targets cut to scheme and host, PagerDuty routing keys
    /// hidden (see `paging::Channel::redacted`: each lets whoever holds it post as Baton).
    /// The store keeps the real one, which delivery needs.
    pub fn redacted(&self) -> Definition {
        match self {
            Definition::EscalationPolicy(p) => Definition::EscalationPolicy(p.redacted()),
            Definition::Slo(s) => Definition::Slo(s.redacted()),
            other => other.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Changed,
    Removed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: ChangeKind,
    /// The new definition, or for a removal the one removed.
    pub definition: Definition,
}

impl Org {
    pub fn definitions(&self) -> Vec<Definition> {
        let mut out = Vec::new();
        out.extend(self.people.values().cloned().map(Definition::Person));
        out.extend(self.teams.values().cloned().map(Definition::Team));
        out.extend(self.services.values().cloned().map(Definition::Service));
        out.extend(self.pipeline.clone().map(Definition::PipelinePolicy));
        out.extend(self.checklist.iter().cloned().map(Definition::ChecklistItem));
        out.extend(self.slos.values().cloned().map(Definition::Slo));
        out.extend(self.budget_policy.clone().map(Definition::ErrorBudgetPolicy));
        out.extend(self.rotations.values().cloned().map(Definition::Rotation));
        out.extend(self.escalations.values().cloned().map(Definition::EscalationPolicy));
        out.extend(self.gates.values().cloned().map(Definition::Gate));
        out.extend(self.personas.clone().map(Definition::Personas));
        out.extend(self.raci.clone().map(Definition::RaciChart));
        out
    }

    pub fn from_definitions(defs: impl IntoIterator<Item = Definition>) -> Org {
        let mut org = Org::default();
        for d in defs {
            match d {
                Definition::Person(p) => {
                    org.people.insert(p.id.clone(), p);
                }
                Definition::Team(t) => {
                    org.teams.insert(t.id.clone(), t);
                }
                Definition::Service(s) => {
                    org.services.insert(s.id.clone(), s);
                }
                Definition::PipelinePolicy(p) => org.pipeline = Some(p),
                Definition::ChecklistItem(i) => org.checklist.push(i),
                Definition::Slo(s) => {
                    org.slos.insert(s.id.clone(), s);
                }
                Definition::ErrorBudgetPolicy(p) => org.budget_policy = Some(p),
                Definition::Rotation(r) => {
                    org.rotations.insert(r.id().clone(), r);
                }
                Definition::EscalationPolicy(p) => {
                    org.escalations.insert(p.id.clone(), p);
                }
                Definition::Gate(g) => {
                    org.gates.insert(g.id.clone(), g);
                }
                Definition::Personas(p) => org.personas = Some(p),
                Definition::RaciChart(c) => org.raci = Some(c),
            }
        }
        org.checklist.sort_by_key(|i| i.position);
        org
    }
}

/// What `apply` would do to go from `current` to `desired`, in a stable order.
pub fn diff(current: &[Definition], desired: &[Definition]) -> Vec<Change> {
    let index = |defs: &[Definition]| -> BTreeMap<(&'static str, String), Definition> {
        defs.iter().map(|d| ((d.kind(), d.id().to_owned()), d.clone())).collect()
    };
    let old = index(current);
    let new = index(desired);
    let mut changes = Vec::new();
    for (key, def) in &new {
        match old.get(key) {
            None => changes.push(Change { kind: ChangeKind::Added, definition: def.clone() }),
            Some(prev) if prev != def => changes.push(Change { kind: ChangeKind::Changed, definition: def.clone() }),
            Some(_) => {}
        }
    }
    for (key, def) in &old {
        if !new.contains_key(key) {
            changes.push(Change { kind: ChangeKind::Removed, definition: def.clone() });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PersonId, TeamId};

    fn person(id: &str, name: &str) -> Definition {
        Definition::Person(Person {
            id: PersonId::parse(id).unwrap(),
            name: name.into(),
            email: None,
            timezone: None,
            chat: None,
            leave: Vec::new(),
            contact: Default::default(),
        })
    }

    #[test]
    fn diff_reports_added_changed_and_removed_and_nothing_for_equal() {
        let current = vec![person("ana", "Ana"), person("bo", "Bo")];
        let desired = vec![person("ana", "Ana"), person("bo", "Bo Brand"), person("cy", "Cy")];
        let changes = diff(&current, &desired);
        let summary: Vec<_> = changes.iter().map(|c| (c.kind, c.definition.id().to_owned())).collect();
        assert_eq!(summary, vec![(ChangeKind::Changed, "bo".into()), (ChangeKind::Added, "cy".into())]);
        let removed = diff(&desired, &current[..1]);
        assert_eq!(removed.iter().filter(|c| c.kind == ChangeKind::Removed).count(), 2);
        assert!(diff(&current, &current).is_empty());
    }

    #[test]
    fn org_round_trips_through_definitions() {
        let mut org = Org::default();
        let team = Team {
            id: TeamId::parse("sre").unwrap(),
            name: "SRE".into(),
            kind: crate::org::TeamKind::Sre,
            area: None,
            lead: None,
            members: vec![],
            chat: None,
            email: None,
        };
        org.teams.insert(team.id.clone(), team);
        let slo = SloDef {
            id: crate::SloId::parse("sre-availability").unwrap(),
            service: crate::ServiceId::parse("pager").unwrap(),
            display_name: None,
            description: None,
            objective: crate::slo::Objective::parse("0.999").unwrap(),
            window: crate::slo::SloWindow::Rolling { length: crate::Period::days(28) },
            method: crate::slo::BudgetingMethod::Occurrences,
            indicator: crate::slo::Indicator::BuiltIn,
            tiers: crate::slo::default_tier_specs().to_vec(),
            min_events: 0,
            lifecycle: Default::default(),
            alerting: Default::default(),
        };
        org.slos.insert(slo.id.clone(), slo);
        assert_eq!(Org::from_definitions(org.definitions()), org);
        assert!(org.definitions().iter().any(|d| d.key() == "slo/sre-availability"));
    }
}
