//! Turning parsed documents into an [`Org`], checking every reference across files.

use crate::diagnostic::{Diagnostic, Place};
use crate::docs::*;
use crate::document::Document;
use baton_core::org::*;
use baton_core::{ItemId, Link, Period, PersonId, ServiceId, TeamId};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Default)]
pub(crate) struct Builder {
    diags: Vec<Diagnostic>,
    teams: Vec<(Document, TeamDoc)>,
    services: Vec<(Document, ServiceDoc)>,
    pipelines: Vec<(Document, PipelinePolicyDoc)>,
    checklists: Vec<(Document, ChecklistDoc, bool)>,
    budget_policies: Vec<(Document, ErrorBudgetPolicyDoc)>,
    slos: crate::slos::SloDocs,
    rotations: crate::rotations::RotationDocs,
    escalations: crate::escalations::EscalationDocs,
    /// `kind: Gate` documents of `policies/`, read by walking their tree (see `gates`).
    gates: Vec<Document>,
    /// `kind: Personas` and `kind: RaciChart` documents of `policies/` (see `raci`).
    raci: crate::raci::RaciDocs,
    /// The planned leave of `leave/`, one document per person.
    leave: Vec<(Document, crate::leave::LeaveDoc)>,
    /// Contact defaults of `contacts/`, one document per person.
    contacts: Vec<(Document, crate::contacts::ContactsDoc)>,
}

impl Builder {
    fn parse_into<T: serde::de::DeserializeOwned>(&mut self, doc: &Document) -> Option<T> {
        doc.parse::<T>().map_err(|d| self.diags.push(d)).ok()
    }

    pub fn team(&mut self, doc: Document) {
        if let Some(t) = self.parse_into(&doc) {
            self.teams.push((doc, t));
        }
    }

    pub fn service(&mut self, doc: Document) {
        if let Some(s) = self.parse_into(&doc) {
            self.services.push((doc, s));
        }
    }

    pub fn slo(&mut self, doc: Document) {
        self.slos.add(doc, &mut self.diags);
    }

    pub fn rotation(&mut self, doc: Document) {
        if let Some(r) = self.parse_into(&doc) {
            self.rotations.rotations.push((doc, r));
        }
    }

    pub fn calendar(&mut self, doc: Document) {
        if let Some(c) = self.parse_into(&doc) {
            self.rotations.calendars.push((doc, c));
        }
    }

    pub fn leave(&mut self, doc: Document) {
        if let Some(l) = self.parse_into(&doc) {
            self.leave.push((doc, l));
        }
    }

    pub fn contacts(&mut self, doc: Document) {
        if let Some(c) = self.parse_into(&doc) {
            self.contacts.push((doc, c));
        }
    }

    pub fn escalation(&mut self, doc: Document) {
        if let Some(p) = self.parse_into(&doc) {
            self.escalations.policies.push((doc, p));
        }
    }

    pub fn policy(&mut self, doc: Document) {
        let Some(kind) = doc.kind() else {
            let msg = format!("missing key `kind`: a policy says what it is, one of {}", POLICY_KINDS.join(", "));
            self.diags.push(doc.start().error(msg));
            return;
        };
        match kind.as_str() {
            "PipelinePolicy" => {
                if let Some(p) = self.parse_into(&doc) {
                    self.pipelines.push((doc, p));
                }
            }
            "Gate" => self.gates.push(doc),
            "Personas" => self.raci.personas.push(doc),
            "RaciChart" => self.raci.charts.push(doc),
            "ErrorBudgetPolicy" => {
                if let Some(p) = self.parse_into(&doc) {
                    self.budget_policies.push((doc, p));
                }
            }
            k @ ("AcceptanceChecklist" | "AdditionalRequirements") => {
                let additional = k == "AdditionalRequirements";
                if let Some(c) = self.parse_into(&doc) {
                    self.checklists.push((doc, c, additional));
                }
            }
            other => {
                let msg = format!("unknown policy kind `{other}`; this version knows {}", POLICY_KINDS.join(", "));
                self.diags.push(doc.at(&kind).error(msg));
            }
        }
    }

    pub fn finish(mut self) -> (Org, Vec<Diagnostic>) {
        let mut org = Org::default();
        let mut c = Checker { diags: std::mem::take(&mut self.diags) };
        let people = c.teams(&mut org, &self.teams);
        org.people = people;
        crate::leave::check(&self.leave, &mut org, &mut c.diags);
        crate::contacts::check(&self.contacts, &mut org, &mut c.diags);
        c.services(&mut org, &self.services);
        let service_docs: Vec<&Document> = self.services.iter().map(|(d, _)| d).collect();
        crate::raci::check(&self.raci, &service_docs, &mut org, &mut c.diags);
        c.pipeline(&mut org, &self.pipelines);
        c.checklists(&mut org, &self.checklists);
        c.budget_policy(&mut org, &self.budget_policies);
        crate::slos::check(&self.slos, &mut org, &mut c.diags);
        crate::rotations::check(&self.rotations, &mut org, &mut c.diags);
        crate::escalations::check(&self.escalations, &self.teams, &self.rotations, &mut org, &mut c.diags);
        crate::gates::check(&self.gates, &mut org, &mut c.diags);
        (org, c.diags)
    }
}

struct Checker {
    diags: Vec<Diagnostic>,
}

fn parse_id<T>(c: &mut Checker, doc: &Document, s: &S, parse: fn(&str) -> Result<T, baton_core::IdError>) -> Option<T> {
    parse(s.as_str()).map_err(|e| c.diags.push(doc.at(s).error(e.to_string()))).ok()
}

fn parse_link(c: &mut Checker, doc: &Document, s: &Option<S>) -> Option<Link> {
    let s = s.as_ref()?;
    Link::parse(s.as_str()).map_err(|e| c.diags.push(doc.at(s).error(e.to_string()))).ok()
}

fn parse_period(c: &mut Checker, doc: &Document, s: &Option<S>) -> Option<Period> {
    let s = s.as_ref()?;
    Period::parse(s.as_str()).map_err(|e| c.diags.push(doc.at(s).error(e.to_string()))).ok()
}

/// Names the known values when a reference dangles, so the fix is one glance away.
pub(crate) fn known<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let ids: Vec<_> = ids.collect();
    match ids.len() {
        0 => "none are defined".into(),
        n if n <= 12 => format!("defined: {}", ids.join(", ")),
        n => format!("{n} are defined, e.g. {}", ids[..12].join(", ")),
    }
}

impl Checker {
    fn teams(&mut self, org: &mut Org, docs: &[(Document, TeamDoc)]) -> BTreeMap<PersonId, Person> {
        let mut people: BTreeMap<PersonId, (Person, Place)> = BTreeMap::new();
        let mut references: Vec<(PersonId, Place)> = Vec::new();
        let mut team_places: BTreeMap<TeamId, Place> = BTreeMap::new();
        for (doc, t) in docs {
            let Some(id) = parse_id(self, doc, &t.id, TeamId::parse) else { continue };
            if let Some(first) = team_places.get(&id) {
                self.diags.push(doc.at(&t.id).error(format!("team `{id}` is already defined at {first}")));
                continue;
            }
            team_places.insert(id.clone(), doc.at(&t.id));
            let kind = self.team_kind(doc, t);
            let area = self.team_area(doc, t);
            let members = self.team_members(doc, t, &id, &mut people, &mut references);
            let lead = t.lead.as_ref().and_then(|l| parse_id(self, doc, l, PersonId::parse));
            if let (Some(lead), Some(l)) = (&lead, &t.lead) {
                if !members.contains(lead) {
                    self.diags.push(doc.at(l).error(format!("lead `{lead}` is not a member of team `{id}`")));
                }
            }
            if let Some(kind) = kind {
                let team = Team {
                    id: id.clone(),
                    name: t.name.clone(),
                    kind,
                    area,
                    lead,
                    members,
                    chat: t.chat.clone(),
                    email: t.email.clone(),
                };
                org.teams.insert(id, team);
            }
        }
        for (pid, place) in references {
            if !people.contains_key(&pid) {
                self.diags.push(place.error(format!(
                    "person `{pid}` has no `name` in any team: give their details where they are first listed"
                )));
            }
        }
        people.into_iter().map(|(id, (p, _))| (id, p)).collect()
    }

    fn team_kind(&mut self, doc: &Document, t: &TeamDoc) -> Option<TeamKind> {
        match t.kind.as_str() {
            "sre" => Some(TeamKind::Sre),
            "architects" => Some(TeamKind::Architects),
            "service-owner" => Some(TeamKind::ServiceOwner),
            "stakeholder" => Some(TeamKind::Stakeholder),
            other => {
                let msg = format!("unknown team kind `{other}`; use one of {}", TeamKind::ALL.join(", "));
                self.diags.push(doc.at(&t.kind).error(msg));
                None
            }
        }
    }

    fn team_area(&mut self, doc: &Document, t: &TeamDoc) -> Option<Area> {
        t.area.as_ref().and_then(|a| match a.as_str() {
            "service-support" => Some(Area::ServiceSupport),
            "pm-business" => Some(Area::PmBusiness),
            "spec-technical" => Some(Area::SpecTechnical),
            other => {
                let msg = format!("unknown area `{other}`; use one of {}", Area::ALL.join(", "));
                self.diags.push(doc.at(a).error(msg));
                None
            }
        })
    }

    /// The team's member ids, in order; each member's details go to `people`, or a bare `id`
    /// to `references`, checked once every team is read.
    fn team_members(
        &mut self,
        doc: &Document,
        t: &TeamDoc,
        id: &TeamId,
        people: &mut BTreeMap<PersonId, (Person, Place)>,
        references: &mut Vec<(PersonId, Place)>,
    ) -> Vec<PersonId> {
        let mut members: Vec<PersonId> = Vec::new();
        let mut member_lines: BTreeMap<PersonId, usize> = BTreeMap::new();
        for m in &t.members {
            let Some(pid) = parse_id(self, doc, &m.id, PersonId::parse) else { continue };
            let place = doc.at(&m.id);
            if pid.as_str() == "admin" {
                self.diags
                    .push(place.error("`admin` is reserved for Baton's built-in administrator; choose another id"));
                continue;
            }
            if let Some(line) = member_lines.get(&pid) {
                self.diags.push(place.error(format!("`{pid}` is listed twice in team `{id}` (first at line {line})")));
                continue;
            }
            member_lines.insert(pid.clone(), place.line);
            members.push(pid.clone());
            if let Some(tz) = &m.timezone {
                if jiff::tz::TimeZone::get(tz.as_str()).is_err() {
                    let msg = format!(
                        "unknown time zone `{}`: use an IANA name such as Europe/Dublin or America/Sao_Paulo",
                        tz.as_str()
                    );
                    self.diags.push(doc.at(tz).error(msg));
                }
            }
            self.member_person(m, pid, place, people, references);
        }
        members
    }

    /// Records a member's details as a person, checked to match any earlier description, or
    /// records a bare `id` as a reference to a person described elsewhere.
    fn member_person(
        &mut self,
        m: &MemberDoc,
        pid: PersonId,
        place: Place,
        people: &mut BTreeMap<PersonId, (Person, Place)>,
        references: &mut Vec<(PersonId, Place)>,
    ) {
        let Some(name) = &m.name else {
            if m.email.is_some() || m.timezone.is_some() || m.chat.is_some() {
                self.diags.push(
                    place.error(format!(
                        "`{pid}` has contact details but no `name`: give the person's details together"
                    )),
                );
            }
            references.push((pid, place));
            return;
        };
        let person = Person {
            id: pid.clone(),
            name: name.clone(),
            email: m.email.clone(),
            timezone: m.timezone.as_ref().map(|t| t.as_str().to_owned()),
            chat: m.chat.clone(),
            leave: Vec::new(),
            contact: Default::default(),
        };
        match people.get(&pid) {
            Some((existing, _)) if *existing == person => {}
            Some((_, first)) => self.diags.push(place.error(format!(
                "`{pid}` is described differently at {first}: give a person's details once and list them elsewhere by `id` alone"
            ))),
            None => {
                people.insert(pid, (person, place));
            }
        }
    }

    fn team_ref(&mut self, org: &Org, doc: &Document, s: &S, what: &str) -> Option<TeamId> {
        let id = parse_id(self, doc, s, TeamId::parse)?;
        if org.teams.contains_key(&id) {
            return Some(id);
        }
        let msg = format!("{what} `{id}` is not a defined team ({})", known(org.teams.keys().map(TeamId::as_str)));
        self.diags.push(doc.at(s).error(msg));
        None
    }

    fn services(&mut self, org: &mut Org, docs: &[(Document, ServiceDoc)]) {
        let mut places: BTreeMap<ServiceId, Place> = BTreeMap::new();
        for (doc, s) in docs {
            let Some(id) = parse_id(self, doc, &s.id, ServiceId::parse) else { continue };
            if let Some(first) = places.get(&id) {
                self.diags.push(doc.at(&s.id).error(format!("service `{id}` is already defined at {first}")));
                continue;
            }
            places.insert(id.clone(), doc.at(&s.id));
            let owner = self.team_ref(org, doc, &s.owner_team, "owner_team");
            let none =
                LinksDoc { epic: None, questionnaire: None, service_definition: None, sops: None, repository: None };
            let l = s.links.as_ref().unwrap_or(&none);
            let links = ServiceLinks {
                epic: parse_link(self, doc, &l.epic),
                questionnaire: parse_link(self, doc, &l.questionnaire),
                service_definition: parse_link(self, doc, &l.service_definition),
                sops: parse_link(self, doc, &l.sops),
                repository: parse_link(self, doc, &l.repository),
            };
            let transition_window = parse_period(self, doc, &s.transition_window);
            if let Some(owner_team) = owner {
                org.services.insert(
                    id.clone(),
                    ServiceDef {
                        id,
                        name: s.name.clone(),
                        description: s.description.clone(),
                        owner_team,
                        links,
                        internal_only: s.internal_only.unwrap_or(false),
                        transition_window,
                        personas: Default::default(),
                        system: s.system.clone(),
                        lifecycle: s.lifecycle.clone(),
                    },
                );
            }
        }
    }

    fn pipeline(&mut self, org: &mut Org, docs: &[(Document, PipelinePolicyDoc)]) {
        let defaults = PipelinePolicy::defaults();
        for (i, (doc, p)) in docs.iter().enumerate() {
            if i > 0 {
                self.diags.push(
                    doc.start().error(format!("a second PipelinePolicy; the first is in {}", docs[0].0.file.display())),
                );
                continue;
            }
            let Some(architects_team) = self.team_ref(org, doc, &p.architects_team, "architects_team") else {
                continue;
            };
            if org.teams[&architects_team].kind != TeamKind::Architects {
                let msg = format!("team `{architects_team}` is not of kind architects");
                self.diags.push(doc.at(&p.architects_team).error(msg));
            }
            let priorities = match &p.priorities {
                Some(list) if list.is_empty() => {
                    self.diags.push(doc.at(list).error("priorities must list at least one priority"));
                    defaults.priorities.clone()
                }
                Some(list) => {
                    let mut seen = Vec::new();
                    for pr in list.iter() {
                        if seen.contains(pr) {
                            self.diags.push(doc.at(list).error(format!("priority `{pr}` is listed twice")));
                        }
                        seen.push(pr.clone());
                    }
                    seen
                }
                None => defaults.priorities.clone(),
            };
            org.pipeline = Some(PipelinePolicy {
                architects_team,
                priorities,
                transition_window: parse_period(self, doc, &p.transition_window).unwrap_or(defaults.transition_window),
                soak_min: parse_period(self, doc, &p.soak_min).unwrap_or(defaults.soak_min),
            });
        }
        if docs.is_empty() {
            let place = Place { file: PathBuf::from("policies"), line: 0, column: 0 };
            self.diags.push(place.warning(format!(
                "no PipelinePolicy: using the defaults (architects team `{}`, transition window {}, soak test at least {})",
                defaults.architects_team, defaults.transition_window, defaults.soak_min
            )));
        }
    }

    fn budget_policy(&mut self, org: &mut Org, docs: &[(Document, ErrorBudgetPolicyDoc)]) {
        use baton_core::slo::{BudgetShare, ErrorBudgetPolicy, StateActions};
        for (i, (doc, p)) in docs.iter().enumerate() {
            if i > 0 {
                let msg = format!("a second ErrorBudgetPolicy; the first is in {}", docs[0].0.file.display());
                self.diags.push(doc.start().error(msg));
                continue;
            }
            let at_risk_below = match &p.at_risk_below {
                None => ErrorBudgetPolicy::default_at_risk_below(),
                Some(s) => match BudgetShare::parse(s.as_str()) {
                    Ok(share) => share,
                    Err(_) => {
                        self.diags.push(doc.at(s).error(format!(
                            "`at_risk_below` is `{}`: write the share of the error budget left below which an SLO is at risk, a ratio above 0 and at most 1 like 0.25",
                            s.as_str()
                        )));
                        ErrorBudgetPolicy::default_at_risk_below()
                    }
                },
            };
            let mut state = |d: Option<&BudgetStateDoc>, name: &str| -> StateActions {
                let Some(d) = d else { return StateActions::default() };
                let mut actions = Vec::new();
                for a in &d.actions {
                    if a.trim().is_empty() {
                        self.diags.push(doc.at(a).error(format!(
                            "an empty action in state `{name}`: say what people should do, like \"freeze feature releases\""
                        )));
                    } else {
                        actions.push(a.trim().to_owned());
                    }
                }
                let mut notify: Vec<TeamId> = Vec::new();
                for t in &d.notify {
                    if let Some(team) = self.team_ref(org, doc, t, "notify team") {
                        if notify.contains(&team) {
                            self.diags
                                .push(doc.at(t).error(format!("team `{team}` is notified twice in state `{name}`")));
                        } else {
                            notify.push(team);
                        }
                    }
                }
                StateActions { actions, notify }
            };
            let states = p.states.as_ref();
            let healthy = state(states.and_then(|s| s.healthy.as_ref()), "healthy");
            let at_risk = state(states.and_then(|s| s.at_risk.as_ref()), "at-risk");
            let exhausted = state(states.and_then(|s| s.exhausted.as_ref()), "exhausted");
            org.budget_policy = Some(ErrorBudgetPolicy { at_risk_below, healthy, at_risk, exhausted });
        }
    }

    fn checklists(&mut self, org: &mut Org, docs: &[(Document, ChecklistDoc, bool)]) {
        let mut places: BTreeMap<ItemId, Place> = BTreeMap::new();
        for (doc, list, additional) in docs {
            let required_by = match (&list.team, additional) {
                (Some(t), true) => match self.team_ref(org, doc, t, "team") {
                    Some(team) => Some(team),
                    None => continue,
                },
                (None, true) => {
                    self.diags.push(
                        doc.start()
                            .error("missing key `team`: AdditionalRequirements name the team that requires them"),
                    );
                    continue;
                }
                (Some(t), false) => {
                    self.diags.push(doc.at(t).error("`team` belongs on AdditionalRequirements; acceptance-checklist items are attested by the assigned SRE team"));
                    None
                }
                (None, false) => None,
            };
            for item in &list.items {
                let Some(id) = parse_id(self, doc, &item.id, ItemId::parse) else { continue };
                if let Some(first) = places.get(&id) {
                    self.diags
                        .push(doc.at(&item.id).error(format!("checklist item `{id}` is already defined at {first}")));
                    continue;
                }
                places.insert(id.clone(), doc.at(&item.id));
                org.checklist.push(ChecklistItem {
                    id,
                    title: item.title.clone(),
                    description: item.description.clone(),
                    required_by: required_by.clone(),
                    position: org.checklist.len() as u32,
                });
            }
        }
    }
}
