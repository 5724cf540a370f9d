//! SLO governance definitions: the personas (`kind: Personas`) and the RACI chart
//! (`kind: RaciChart`) of `policies/`, and each service's `personas:` mapping.
//!
//! Read by walking the YAML tree, like gates, so that every cell of the chart is reported
//! at its own file:line:column. The shapes:
//!
//! ```yaml
//! kind: Personas
//! personas:
//!   - id: product-owner
//!     name: Product Owner(s)
//!     default: {team: platform-pm}   # owner-lead | owner-team | sre-team | sre-lead | architects
//!                                    # | {team: ID} | {person: ID}; left out: each service maps it
//! ---
//! kind: RaciChart
//! steps:
//!   - id: handle-error-budget
//!     name: Handle Error Budget
//!     cells: {service-owner: C, product-owner: A, engineering-lead: R, sre-ic: I}
//!     notify_on: [budget-at-risk, budget-exhausted]
//! ```
//!
//! and in a service definition: `personas: {product-owner: [addon-pm], executive: viktor.halvorsen}`
//! (team or person ids).

use crate::diagnostic::{Diagnostic, Place};
use crate::document::Document;
use crate::validate::known;
use baton_core::raci::{
    unmapped, Assignee, Letters, Persona, PersonaRule, Personas, RaciChart, RaciStep, SloEventKind,
};
use baton_core::{Org, PersonId, PersonaId, ServiceId, StepId, TeamId};
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::Node;
use std::collections::BTreeMap;

/// The `kind: Personas` and `kind: RaciChart` documents of `policies/`.
#[derive(Default)]
pub(crate) struct RaciDocs {
    pub personas: Vec<Document>,
    pub charts: Vec<Document>,
}

/// Checks the personas, the chart and every service's mapping, and puts them in `org`.
/// Runs after teams and services are known.
pub(crate) fn check(docs: &RaciDocs, services: &[&Document], org: &mut Org, diags: &mut Vec<Diagnostic>) {
    let mut r = Reader { org, diags, broken: false };
    let personas = r.personas(&docs.personas);
    let known_personas = personas.clone().unwrap_or_else(Personas::builtin);
    let chart = r.chart(&docs.charts, &known_personas);
    let mut mappings = Vec::new();
    for doc in services {
        if let Some(m) = r.service_mapping(doc, &known_personas) {
            mappings.push(m);
        }
    }
    if let Some(p) = personas {
        org.personas = Some(p);
    }
    if let Some(c) = chart {
        org.raci = Some(c);
    }
    for (id, place, mapping) in mappings {
        if let Some(service) = org.services.get_mut(&id) {
            service.personas = mapping;
        }
        // Only now are the personas and the mapping both in place to tell who is missing.
        if let Some(service) = org.services.get(&id) {
            let missing = unmapped(org, service);
            if !missing.is_empty() {
                let names: Vec<String> = missing.iter().map(|p| format!("`{p}`")).collect();
                diags.push(place.warning(format!(
                    "personas not mapped for service `{id}`: {}; map them under `personas:` (team or person ids) or give them a default in the Personas policy",
                    names.join(", ")
                )));
            }
        }
    }
}

struct Reader<'a> {
    org: &'a Org,
    diags: &'a mut Vec<Diagnostic>,
    /// Set by any error of the document being read, so a broken one is not used.
    broken: bool,
}

type Mapping = (ServiceId, Place, BTreeMap<PersonaId, Vec<Assignee>>);

impl Reader<'_> {
    fn error(&mut self, place: Place, msg: impl Into<String>) {
        self.broken = true;
        self.diags.push(place.error(msg));
    }

    fn warning(&mut self, place: Place, msg: impl Into<String>) {
        self.diags.push(place.warning(msg));
    }

    /// Unknown keys of `map` are errors naming the keys allowed.
    fn only_keys(&mut self, doc: &Document, map: &MarkedMappingNode, allowed: &[&str], what: &str) {
        for (key, _) in map.iter() {
            if !allowed.contains(&key.as_str()) {
                let msg = format!("unknown key `{}`; {what} has {}", key.as_str(), allowed.join(", "));
                self.error(doc.place(key.span()), msg);
            }
        }
    }

    fn text(&mut self, doc: &Document, map: &MarkedMappingNode, key: &str, what: &str) -> Option<String> {
        match map.get_node(key) {
            None => {
                self.error(doc.place_of(&Node::Mapping(map.clone())), format!("missing key `{key}`: give {what}"));
                None
            }
            Some(Node::Scalar(s)) if !s.as_str().trim().is_empty() => Some(s.as_str().trim().to_owned()),
            Some(n) => {
                self.error(doc.place_of(n), format!("`{key}` must be a non-empty text: give {what}"));
                None
            }
        }
    }

    fn list<'n>(&mut self, doc: &Document, map: &'n MarkedMappingNode, key: &str, what: &str) -> Option<Vec<&'n Node>> {
        match map.get_node(key) {
            None => {
                self.error(doc.start(), format!("missing key `{key}`: list {what}"));
                None
            }
            Some(Node::Sequence(seq)) => Some(seq.iter().collect()),
            Some(n) => {
                self.error(doc.place_of(n), format!("`{key}` takes a list of {what}"));
                None
            }
        }
    }

    fn personas(&mut self, docs: &[Document]) -> Option<Personas> {
        let mut result = None;
        for (i, doc) in docs.iter().enumerate() {
            if i > 0 {
                let msg = format!("a second Personas policy; the first is in {}", docs[0].file.display());
                self.error(doc.start(), msg);
                continue;
            }
            self.broken = false;
            let Some(map) = doc.node.as_mapping() else { continue };
            self.only_keys(doc, map, &["kind", "personas"], "a Personas policy");
            let Some(items) = self.list(doc, map, "personas", "the personas, each with id, name and default") else {
                continue;
            };
            let mut personas: Vec<Persona> = Vec::new();
            let mut places: BTreeMap<PersonaId, Place> = BTreeMap::new();
            for item in items {
                let Some(p) = item.as_mapping() else {
                    self.error(doc.place_of(item), "a persona is a mapping with id, name, description and default");
                    continue;
                };
                self.only_keys(doc, p, &["id", "name", "description", "default"], "a persona");
                let id = p.get_scalar("id").and_then(|s| self.persona_id(doc, s));
                let name = self.text(doc, p, "name", "a name people read, like Product Owner(s)");
                let description = p.get_scalar("description").map(|s| s.as_str().to_owned());
                let default = match p.get_node("default") {
                    None => None,
                    Some(node) => match self.rule(doc, node) {
                        Some(rule) => Some(rule),
                        None => continue,
                    },
                };
                let (Some(id), Some(name)) = (id, name) else {
                    if p.get_node("id").is_none() {
                        self.error(doc.place_of(item), "missing key `id`: give the persona an id like product-owner");
                    }
                    continue;
                };
                let place = doc.place(p.get_scalar("id").expect("parsed").span());
                if let Some(first) = places.get(&id) {
                    self.error(place, format!("persona `{id}` is already defined at {first}"));
                    continue;
                }
                places.insert(id.clone(), place);
                personas.push(Persona { id, name, description, default });
            }
            if !self.broken {
                result = Some(Personas { personas });
            }
        }
        result
    }

    fn persona_id(&mut self, doc: &Document, s: &MarkedScalarNode) -> Option<PersonaId> {
        PersonaId::parse(s.as_str()).map_err(|e| self.error(doc.place(s.span()), e.to_string())).ok()
    }

    /// `owner-lead`, ..., `{team: ID}` or `{person: ID}`.
    fn rule(&mut self, doc: &Document, node: &Node) -> Option<PersonaRule> {
        let shapes = format!("{}, {{team: ID}} or {{person: ID}}", PersonaRule::WORDS.join(", "));
        if let Some(s) = node.as_scalar() {
            return PersonaRule::parse_word(s.as_str()).or_else(|| {
                self.error(doc.place(s.span()), format!("unknown default `{}`; use one of {shapes}", s.as_str()));
                None
            });
        }
        let entry = node.as_mapping().filter(|m| m.len() == 1).and_then(|m| m.iter().next());
        match entry {
            Some((k, Node::Scalar(v))) if k.as_str() == "team" => self.team(doc, v).map(PersonaRule::Team),
            Some((k, Node::Scalar(v))) if k.as_str() == "person" => self.person(doc, v).map(PersonaRule::Person),
            _ => {
                self.error(doc.place_of(node), format!("a default is one of {shapes}"));
                None
            }
        }
    }

    fn team(&mut self, doc: &Document, s: &MarkedScalarNode) -> Option<TeamId> {
        let place = doc.place(s.span());
        match TeamId::parse(s.as_str()) {
            Ok(id) if self.org.teams.contains_key(&id) => Some(id),
            Ok(id) => {
                let msg =
                    format!("team `{id}` is not a defined team ({})", known(self.org.teams.keys().map(TeamId::as_str)));
                self.error(place, msg);
                None
            }
            Err(e) => {
                self.error(place, e.to_string());
                None
            }
        }
    }

    fn person(&mut self, doc: &Document, s: &MarkedScalarNode) -> Option<PersonId> {
        let place = doc.place(s.span());
        match PersonId::parse(s.as_str()) {
            Ok(id) if self.org.people.contains_key(&id) => Some(id),
            Ok(id) => {
                self.error(place, format!("person `{id}` is not a member of any team"));
                None
            }
            Err(e) => {
                self.error(place, e.to_string());
                None
            }
        }
    }

    fn chart(&mut self, docs: &[Document], personas: &Personas) -> Option<RaciChart> {
        let mut result = None;
        for (i, doc) in docs.iter().enumerate() {
            if i > 0 {
                let msg = format!("a second RaciChart; the first is in {}", docs[0].file.display());
                self.error(doc.start(), msg);
                continue;
            }
            self.broken = false;
            let Some(map) = doc.node.as_mapping() else { continue };
            self.only_keys(doc, map, &["kind", "steps"], "a RaciChart");
            let Some(items) = self.list(doc, map, "steps", "the steps, each with id, name and cells") else { continue };
            let mut steps: Vec<RaciStep> = Vec::new();
            let mut step_places: BTreeMap<StepId, Place> = BTreeMap::new();
            let mut routed: BTreeMap<SloEventKind, (StepId, Place)> = BTreeMap::new();
            for item in items {
                if let Some((step, place)) = self.step(doc, item, personas) {
                    if let Some(first) = step_places.get(&step.id) {
                        self.error(place, format!("step `{}` is already in the chart at {first}", step.id));
                        continue;
                    }
                    self.lint_step(&step, &place);
                    for (event, event_place) in self.events(doc, item) {
                        match routed.get(&event) {
                            Some((first, _)) => {
                                let msg = format!("event `{event}` is already routed by step `{first}`: route each event once, or its people are told twice");
                                self.error(event_place, msg);
                            }
                            None => {
                                routed.insert(event, (step.id.clone(), event_place));
                            }
                        }
                    }
                    step_places.insert(step.id.clone(), place);
                    let notify_on = routed.iter().filter(|(_, (s, _))| s == &step.id).map(|(e, _)| *e).collect();
                    steps.push(RaciStep { notify_on, ..step });
                }
            }
            for event in SloEventKind::ALL.into_iter().filter(|e| !routed.contains_key(e)) {
                self.warning(
                    doc.start(),
                    format!("no step has `{event}` in `notify_on`: nobody is told when it happens"),
                );
            }
            if !self.broken {
                result = Some(RaciChart { steps });
            }
        }
        result
    }

    /// One step, with its letters read and each cell's persona checked; `notify_on` is
    /// read by [`Reader::events`].
    fn step(&mut self, doc: &Document, item: &Node, personas: &Personas) -> Option<(RaciStep, Place)> {
        let Some(s) = item.as_mapping() else {
            self.error(doc.place_of(item), "a step is a mapping with id, name, cells and notify_on");
            return None;
        };
        self.only_keys(doc, s, &["id", "name", "cells", "notify_on"], "a step");
        let Some(id_node) = s.get_scalar("id") else {
            self.error(doc.place_of(item), "missing key `id`: give the step an id like agree-roadmap");
            return None;
        };
        let place = doc.place(id_node.span());
        let id = StepId::parse(id_node.as_str()).map_err(|e| self.error(place.clone(), e.to_string())).ok();
        let name = self.text(doc, s, "name", "a name people read, like Agree SLO Roadmap");
        let mut cells = BTreeMap::new();
        match s.get_node("cells") {
            Some(Node::Mapping(m)) => {
                for (persona, letters) in m.iter() {
                    let p = self.persona_id(doc, persona);
                    if let Some(p) = &p {
                        if personas.get(p).is_none() {
                            let ids = known(personas.personas.iter().map(|p| p.id.as_str()));
                            self.error(doc.place(persona.span()), format!("unknown persona `{p}` ({ids})"));
                        }
                    }
                    let text = letters.as_scalar().map_or("", |l| l.as_str());
                    match Letters::parse(text) {
                        Ok(l) => {
                            if let Some(p) = p {
                                cells.insert(p, l);
                            }
                        }
                        Err(e) => self.error(doc.place_of(letters), format!("persona `{}`: {e}", persona.as_str())),
                    }
                }
            }
            Some(n) => {
                self.error(doc.place_of(n), "`cells` maps each persona to its letters, like {product-owner: A/R}")
            }
            None => self.error(
                place.clone(),
                "missing key `cells`: map each persona to its letters, like {product-owner: A/R}",
            ),
        }
        Some((RaciStep { id: id?, name: name?, cells, notify_on: vec![] }, place))
    }

    /// No R, no A: errors at the step's id; several A: a warning there.
    fn lint_step(&mut self, step: &RaciStep, place: &Place) {
        if step.responsible().next().is_none() {
            self.error(
                place.clone(),
                format!("step `{}` has no Responsible: give R (or A/R) to the persona who does the work", step.id),
            );
        }
        let accountable: Vec<String> = step.accountable().map(|p| format!("`{p}`")).collect();
        match accountable.len() {
            0 => self.error(
                place.clone(),
                format!("step `{}` has no Accountable: give A (or A/R) to the one persona who answers for it", step.id),
            ),
            1 => {}
            n => self.warning(
                place.clone(),
                format!(
                    "step `{}` has {n} Accountable personas ({}): usually one answers for a step",
                    step.id,
                    accountable.join(", ")
                ),
            ),
        }
    }

    fn events(&mut self, doc: &Document, item: &Node) -> Vec<(SloEventKind, Place)> {
        let Some(node) = item.as_mapping().and_then(|m| m.get_node("notify_on")) else { return vec![] };
        let names = SloEventKind::ALL.map(|e| e.as_str()).join(", ");
        let Some(seq) = node.as_sequence() else {
            self.error(doc.place_of(node), format!("`notify_on` takes a list of events: {names}"));
            return vec![];
        };
        let mut out = Vec::new();
        for e in seq.iter() {
            let place = doc.place_of(e);
            match e.as_scalar().and_then(|s| SloEventKind::parse(s.as_str())) {
                Some(event) => out.push((event, place)),
                None => {
                    let given = e.as_scalar().map_or("a non-text value", |s| s.as_str());
                    self.error(place, format!("unknown event `{given}`; use one of {names}"));
                }
            }
        }
        out
    }

    /// A service's `personas:`, checked; `None` when the service has no id worth reading.
    fn service_mapping(&mut self, doc: &Document, personas: &Personas) -> Option<Mapping> {
        let map = doc.node.as_mapping()?;
        let id_node = map.get_scalar("id")?;
        let id = ServiceId::parse(id_node.as_str()).ok()?;
        let place = doc.place(id_node.span());
        let mut mapping = BTreeMap::new();
        match map.get_node("personas") {
            None => {}
            Some(Node::Mapping(m)) => {
                for (persona, who) in m.iter() {
                    let Some(p) = self.persona_id(doc, persona) else { continue };
                    if personas.get(&p).is_none() {
                        let ids = known(personas.personas.iter().map(|p| p.id.as_str()));
                        self.error(doc.place(persona.span()), format!("unknown persona `{p}` ({ids})"));
                        continue;
                    }
                    let names: Vec<&MarkedScalarNode> = match who {
                        Node::Scalar(s) => vec![s],
                        Node::Sequence(seq) if !seq.is_empty() => seq.iter().filter_map(Node::as_scalar).collect(),
                        n => {
                            self.error(
                                doc.place_of(n),
                                format!("persona `{p}` maps to a team or person id, or a list of them"),
                            );
                            continue;
                        }
                    };
                    let assignees: Vec<Assignee> = names.into_iter().filter_map(|s| self.assignee(doc, s)).collect();
                    if !assignees.is_empty() {
                        mapping.insert(p, assignees);
                    }
                }
            }
            Some(n) => self.error(
                doc.place_of(n),
                "`personas` maps persona ids to teams or people, like {product-owner: [addon-pm]}",
            ),
        }
        Some((id, place, mapping))
    }

    /// A team or person id; `team:ID` or `person:ID` when an id is both.
    fn assignee(&mut self, doc: &Document, s: &MarkedScalarNode) -> Option<Assignee> {
        let place = doc.place(s.span());
        let text = s.as_str().trim();
        if let Some(t) = text.strip_prefix("team:") {
            return TeamId::parse(t.trim())
                .ok()
                .filter(|t| self.org.teams.contains_key(t))
                .map(Assignee::Team)
                .or_else(|| {
                    self.error(place, format!("`{text}` is not a defined team"));
                    None
                });
        }
        if let Some(p) = text.strip_prefix("person:") {
            return PersonId::parse(p.trim())
                .ok()
                .filter(|p| self.org.people.contains_key(p))
                .map(Assignee::Person)
                .or_else(|| {
                    self.error(place, format!("`{text}` is not a person of any team"));
                    None
                });
        }
        let team = TeamId::parse(text).ok().filter(|t| self.org.teams.contains_key(t));
        let person = PersonId::parse(text).ok().filter(|p| self.org.people.contains_key(p));
        match (team, person) {
            (Some(t), None) => Some(Assignee::Team(t)),
            (None, Some(p)) => Some(Assignee::Person(p)),
            (Some(_), Some(_)) => {
                self.error(place, format!("`{text}` is both a team and a person: write team:{text} or person:{text}"));
                None
            }
            (None, None) => {
                self.error(place, format!("`{text}` is neither a defined team nor a person of any team"));
                None
            }
        }
    }
}
