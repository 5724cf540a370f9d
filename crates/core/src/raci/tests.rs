use super::*;
use crate::notice::NoticeKind;
use crate::org::{Org, Person, ServiceDef, ServiceLinks, Team, TeamKind};
use crate::slo::{BudgetState, Objective};
use crate::{PersonId, PersonaId, ServiceId, TeamId, Timestamp};

fn pid(s: &str) -> PersonId {
    PersonId::parse(s).unwrap()
}
fn tid(s: &str) -> TeamId {
    TeamId::parse(s).unwrap()
}
fn persona(s: &str) -> PersonaId {
    PersonaId::parse(s).unwrap()
}

fn team(id: &str, kind: TeamKind, lead: Option<&str>, members: &[&str]) -> Team {
    Team {
        id: tid(id),
        name: id.into(),
        kind,
        area: None,
        lead: lead.map(pid),
        members: members.iter().map(|m| pid(m)).collect(),
        chat: None,
        email: None,
    }
}

/// streamhub, owned by streamhub-dev (lead noor.castellano); addon-sre may be assigned;
/// addon-pm holds the product owners.
fn org() -> Org {
    let mut org = Org::default();
    for t in [
        team("streamhub-dev", TeamKind::ServiceOwner, Some("noor.castellano"), &["noor.castellano", "felix.adeyemi"]),
        team("addon-sre", TeamKind::Sre, Some("aoife.delacroix"), &["aoife.delacroix", "beatriz.nakamura"]),
        team("addon-pm", TeamKind::Stakeholder, Some("farah.lindholm"), &["farah.lindholm"]),
        team("leadership", TeamKind::Stakeholder, None, &["rosa.kimathi"]),
    ] {
        for m in &t.members {
            org.people.insert(
                m.clone(),
                Person {
                    id: m.clone(),
                    name: m.to_string(),
                    email: None,
                    timezone: None,
                    chat: None,
                    leave: Vec::new(),
                    contact: Default::default(),
                },
            );
        }
        org.teams.insert(t.id.clone(), t);
    }
    let mut service = ServiceDef {
        id: ServiceId::parse("streamhub").unwrap(),
        name: "StreamHub".into(),
        description: None,
        owner_team: tid("streamhub-dev"),
        links: ServiceLinks::default(),
        internal_only: false,
        transition_window: None,
        personas: Default::default(),
        system: None,
        lifecycle: None,
    };
    service.personas.insert(persona(PRODUCT_OWNER), vec![Assignee::Team(tid("addon-pm"))]);
    service.personas.insert(persona(ENGINEERING_MANAGER), vec![Assignee::Person(pid("rosa.kimathi"))]);
    org.services.insert(service.id.clone(), service);
    org
}

fn streamhub(org: &Org) -> &ServiceDef {
    org.services.values().next().unwrap()
}

#[test]
fn letters_are_r_a_c_i_and_their_combinations() {
    let ar = Letters::parse("A/R").unwrap();
    assert!(ar.accountable && ar.responsible && !ar.consulted && !ar.informed);
    assert_eq!(Letters::parse("R/A").unwrap(), ar, "the order does not matter");
    assert_eq!(ar.to_string(), "A/R");
    assert_eq!(Letters::parse("X"), Err(LettersError::Unknown("X".into())));
    assert_eq!(Letters::parse("A/B"), Err(LettersError::Unknown("B".into())));
    assert_eq!(Letters::parse("A/A"), Err(LettersError::Repeated("A/A".into())));
    assert_eq!(Letters::parse(" "), Err(LettersError::Empty));
}

#[test]
fn the_seed_chart_is_valid_with_one_step_of_two_accountables() {
    let chart = RaciChart::seed();
    assert_eq!(chart.steps.len(), 9);
    let issues = chart.lint(&Personas::builtin());
    assert_eq!(
        issues,
        vec![ChartIssue::SeveralAccountable {
            step: crate::StepId::parse(EXISTENCE).unwrap(),
            personas: vec![persona(SERVICE_OWNER), persona(SOFTWARE_ENGINEER)],
        }]
    );
    assert!(!issues[0].is_error(), "two accountables is a warning");
    let budget = chart.step_for(SloEventKind::BudgetExhausted).unwrap();
    assert_eq!(budget.cells[&persona(PRODUCT_OWNER)].to_string(), "A");
}

#[test]
fn a_step_without_r_or_a_or_with_an_unknown_persona_is_an_error() {
    let mut chart = RaciChart::seed();
    let step = &mut chart.steps[1]; // propose: R product-owner and engineering-lead, A engineering-manager
    step.cells.retain(|p, _| p.as_str() != ENGINEERING_MANAGER);
    step.cells.iter_mut().for_each(|(_, l)| l.responsible = false);
    step.cells.insert(persona("qa-wizard"), Letters::parse("I").unwrap());
    let issues: Vec<String> =
        chart.lint(&Personas::builtin()).iter().filter(|i| i.is_error()).map(|i| i.to_string()).collect();
    assert_eq!(
        issues,
        [
            "step `propose` names persona `qa-wizard`, which is not defined",
            "step `propose` has no Responsible: give R (or A/R) to the persona who does the work",
            "step `propose` has no Accountable: give A (or A/R) to the one persona who answers for it",
        ]
    );
}

#[test]
fn personas_resolve_to_the_people_the_service_or_the_defaults_name() {
    let org = org();
    let before = resolve(&org, streamhub(&org), None);
    let get = |r: &ResolvedRaci, p: &str| r.persona(&persona(p)).unwrap().clone();
    let owner = get(&before, SERVICE_OWNER);
    assert_eq!(owner.people, [pid("noor.castellano")], "the owner team's lead");
    assert_eq!(owner.source, Source::Default { rule: "the owner team's lead".into() });
    let po = get(&before, PRODUCT_OWNER);
    assert_eq!(
        (po.source, po.people),
        (Source::Service, vec![pid("farah.lindholm")]),
        "the service's own mapping wins"
    );
    let engineers = get(&before, SOFTWARE_ENGINEER);
    assert_eq!(engineers.people, [pid("felix.adeyemi"), pid("noor.castellano")], "the whole owner team");
    let sre = get(&before, SRE_IC);
    assert!(sre.people.is_empty());
    assert_eq!(sre.note.as_deref(), Some("no SRE team is assigned to the service yet"));
    let after = resolve(&org, streamhub(&org), Some(&tid("addon-sre")));
    assert_eq!(get(&after, SRE_IC).people, [pid("aoife.delacroix"), pid("beatriz.nakamura")]);
    assert!(unmapped(&org, streamhub(&org)).is_empty(), "SRE rules wait for the assignment");
}

#[test]
fn personas_with_nobody_to_play_them_are_unmapped() {
    let mut org = org();
    let mut personas = Personas::builtin();
    personas.personas.iter_mut().filter(|p| p.id.as_str() == EXECUTIVE).for_each(|p| p.default = None);
    org.personas = Some(personas);
    org.teams.get_mut(&tid("streamhub-dev")).unwrap().lead = None;
    let missing: Vec<String> = unmapped(&org, streamhub(&org)).iter().map(|p| p.to_string()).collect();
    // The executive has no default and no mapping.
    assert_eq!(missing, [EXECUTIVE]);
    let r = resolve(&org, streamhub(&org), None);
    let owner = r.persona(&persona(SERVICE_OWNER)).unwrap();
    assert_eq!(owner.assignees, [Assignee::Team(tid("streamhub-dev"))], "no lead: the owner team answers");
    let exec = r.persona(&persona(EXECUTIVE)).unwrap();
    assert_eq!(exec.note.as_deref(), Some("the service does not map `executive` and it has no default"));
}

#[test]
fn an_event_reminds_r_and_a_informs_i_and_skips_c() {
    let org = org();
    let raci = resolve(&org, streamhub(&org), Some(&tid("addon-sre")));
    let chart = RaciChart::seed();
    let step = chart.step_for(SloEventKind::BudgetAtRisk).unwrap();
    // Everyone but leadership has a channel.
    let reachable = |t: &TeamId| t.as_str() != "leadership";
    let routing = route(&org, &raci, &tid("streamhub-dev"), step, &[], &reachable, &|_| false);
    let summary: Vec<(String, NoticeKind, Vec<String>)> = routing
        .deliveries
        .iter()
        .map(|d| (d.team.to_string(), d.kind, d.to.iter().map(|p| p.to_string()).collect()))
        .collect();
    // handle-error-budget: service-owner C, product-owner A, engineering-lead R, engineers C,
    // SRE IC I, engineering-manager R (rosa: unreachable), executive I (noor, already reminded).
    assert_eq!(
        summary,
        vec![
            ("addon-pm".into(), NoticeKind::Reminder, vec![]),
            ("streamhub-dev".into(), NoticeKind::Reminder, vec!["noor.castellano".into()]),
            ("addon-sre".into(), NoticeKind::Info, vec![]),
        ]
    );
    assert_eq!(routing.unreachable, [Assignee::Person(pid("rosa.kimathi"))]);
    let event = budget_event(
        &crate::slo::SloDef { lifecycle: Default::default(), ..sample_slo() },
        BudgetState::AtRisk,
        crate::slo::Measured::NoData,
        None,
        3,
    );
    let n = notice(&event, step, &routing.deliveries[1]);
    assert_eq!(n.kind, NoticeKind::Reminder);
    assert!(
        n.text.ends_with(
            "You are asked to act: engineering-lead Responsible or Accountable for \"Handle Error Budget\"."
        ),
        "{}",
        n.text
    );
    assert_eq!(
        delivery_key(&event, &routing.deliveries[1]),
        "slo/streamhub-availability/budget/at-risk/3/streamhub-dev/act"
    );
}

#[test]
fn people_with_methods_of_their_own_are_told_by_them_and_a_team_without_a_channel_member_by_member() {
    let org = org();
    let raci = resolve(&org, streamhub(&org), Some(&tid("addon-sre")));
    let chart = RaciChart::seed();
    let step = chart.step_for(SloEventKind::BudgetAtRisk).unwrap();
    let reachable = |t: &TeamId| t.as_str() != "leadership";
    // Everyone but noor has an email of their own.
    let person_reachable = |p: &PersonId| p.as_str() != "noor.castellano";
    let routing = route(&org, &raci, &tid("streamhub-dev"), step, &[], &reachable, &person_reachable);
    let people: Vec<(&str, NoticeKind)> = routing.people.iter().map(|d| (d.person.as_str(), d.kind)).collect();
    assert_eq!(people, [("rosa.kimathi", NoticeKind::Reminder)], "rosa, unreachable before, is told by her rules");
    assert!(routing.unreachable.is_empty());
    let teams: Vec<(&str, Vec<&str>)> =
        routing.deliveries.iter().map(|d| (d.team.as_str(), d.to.iter().map(PersonId::as_str).collect())).collect();
    assert!(
        teams.contains(&("streamhub-dev", vec!["noor.castellano"])),
        "noor, with no method, through her team: {teams:?}"
    );
    let event = budget_event(
        &crate::slo::SloDef { lifecycle: Default::default(), ..sample_slo() },
        BudgetState::AtRisk,
        crate::slo::Measured::NoData,
        None,
        3,
    );
    let n = personal_notice(&event, step, &routing.people[0]);
    assert_eq!(n.to, [pid("rosa.kimathi")]);
    assert!(n.text.ends_with("Responsible or Accountable for \"Handle Error Budget\"."), "{}", n.text);

    // A team with no channel: each member with a method is told.
    let nobody_has_channels = |_: &TeamId| false;
    let routing = route(&org, &raci, &tid("streamhub-dev"), step, &[tid("addon-sre")], &nobody_has_channels, &|_| true);
    assert!(routing.deliveries.is_empty() && routing.unreachable.is_empty());
    let addon_sre: Vec<&PersonId> = org.teams[&tid("addon-sre")].members.iter().collect();
    for member in addon_sre {
        assert!(routing.people.iter().any(|d| &d.person == member), "{member} told");
    }
}

fn sample_slo() -> crate::slo::SloDef {
    crate::slo::SloDef {
        id: crate::SloId::parse("streamhub-availability").unwrap(),
        service: ServiceId::parse("streamhub").unwrap(),
        display_name: None,
        description: None,
        objective: Objective::parse("0.999").unwrap(),
        window: crate::slo::SloWindow::Rolling { length: crate::Period::days(28) },
        method: crate::slo::BudgetingMethod::Occurrences,
        indicator: crate::slo::Indicator::BuiltIn,
        tiers: crate::slo::default_tier_specs().to_vec(),
        min_events: 0,
        lifecycle: Default::default(),
        alerting: Default::default(),
    }
}

#[test]
fn budget_events_fire_on_getting_worse_and_objective_events_on_a_change() {
    let o = |s: &str| Objective::parse(s).unwrap();
    let w =
        |obj: &str, state: Option<BudgetState>| SloWatch { objective: o(obj), state, told_left: None, changed: None };
    let events = |before: &SloWatch, obj: &str, state| watch_events(before, o(obj), state, Some(50)).1;
    use BudgetState::*;
    assert_eq!(events(&w("0.999", None), "0.999", Some(Healthy)), []);
    assert_eq!(events(&w("0.999", Some(Healthy)), "0.999", Some(AtRisk)), [SloEventKind::BudgetAtRisk]);
    assert_eq!(events(&w("0.999", None), "0.999", Some(Exhausted)), [SloEventKind::BudgetExhausted]);
    assert_eq!(events(&w("0.999", Some(Exhausted)), "0.999", Some(AtRisk)), [], "recovering is not news");
    assert_eq!(
        events(&w("0.99", Some(Healthy)), "0.999", Some(AtRisk)),
        [SloEventKind::ObjectiveChanged, SloEventKind::BudgetAtRisk]
    );
    // No reading this time: nothing is news, and the state is kept.
    let (kept, none) = watch_events(&w("0.999", Some(AtRisk)), o("0.999"), None, None);
    assert_eq!((none, kept.state), (vec![], Some(AtRisk)));
}

/// A budget already at risk that burns again is news again, each further 10 points; an
/// exhausted one each time its overspend doubles; the same level twice is told once.
#[test]
fn every_worsening_within_a_state_is_told_and_a_steady_state_once() {
    let o = Objective::parse("0.999").unwrap();
    use BudgetState::*;
    let mut watch = SloWatch { objective: o, state: Some(Healthy), told_left: None, changed: None };
    let mut told = Vec::new();
    for (state, left) in [
        (AtRisk, 45),
        (AtRisk, 40),
        (AtRisk, 36),
        (AtRisk, 35),
        (AtRisk, 20),
        (Exhausted, -2),
        (Exhausted, -10),
        (Exhausted, -12),
        (Exhausted, -24),
        (Exhausted, -40),
        (Exhausted, -48),
        (AtRisk, 5),
        (AtRisk, -1),
        (Healthy, 80),
        (AtRisk, 45),
    ] {
        let (next, events) = watch_events(&watch, o, Some(state), Some(left));
        if !events.is_empty() {
            told.push(left);
        }
        watch = next;
    }
    // 45 at risk; 35 is 10 below; 20 is 15 below; -2 exhausted; -12 is 10 below -2 (doubling
    // -2 is only -4); -24 doubles -12; -48 doubles -24; back to at risk (5) is a new mark, and
    // after healthy a new at-risk is news.
    assert_eq!(told, [45, 35, 20, -2, -12, -24, -48, 45]);
    // A watch stored before the mark existed takes one without telling.
    let old = SloWatch { objective: o, state: Some(AtRisk), told_left: None, changed: None };
    let (next, events) = watch_events(&old, o, Some(AtRisk), Some(30));
    assert_eq!((events, next.told_left), (vec![], Some(30)));
}

#[test]
fn the_roadmap_is_proposed_and_agreed_by_whom_the_chart_names() {
    let org = org();
    let service = streamhub(&org);
    let raci = resolve(&org, service, Some(&tid("addon-sre")));
    let now: Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
    let item = || NewRoadmapItem {
        slo: None,
        change: "add a latency SLO".into(),
        objective: Some(Objective::parse("0.99").unwrap()),
        owner: pid("felix.adeyemi"),
        due: "2026-06-30".parse().unwrap(),
    };
    let refused = propose(&org, service, &raci, 1, &pid("beatriz.nakamura"), item(), now).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "beatriz.nakamura may not propose roadmap items of streamhub: the RACI chart's step `propose-roadmap` makes Responsible or Accountable engineering-lead (noor.castellano)"
    );
    let proposed = propose(&org, service, &raci, 1, &pid("noor.castellano"), item(), now).unwrap();
    assert_eq!((proposed.key(), proposed.agreed.clone()), ("streamhub/1".to_owned(), None));
    let late = NewRoadmapItem { due: "2026-03-01".parse().unwrap(), ..item() };
    assert!(matches!(
        propose(&org, service, &raci, 2, &pid("noor.castellano"), late, now),
        Err(RoadmapError::Invalid { field: "due", .. })
    ));
    // agree-roadmap: service-owner A/R, product-owner R, engineering-manager R.
    assert!(agree(&raci, &proposed, &pid("felix.adeyemi"), now).is_err(), "an engineer is only consulted");
    let agreed = agree(&raci, &proposed, &pid("farah.lindholm"), now).unwrap().unwrap();
    assert_eq!(agreed.agreed.as_ref().map(|s| s.by.as_str()), Some("farah.lindholm"));
    assert_eq!(agree(&raci, &agreed, &pid("rosa.kimathi"), now), Ok(None), "agreeing again changes nothing");
    assert_eq!(agreed.agreed_event().unwrap().key, "roadmap/streamhub/1/agreed");

    // What waits on whom: the proposal on those who may agree it, the agreed item on its
    // owner in the two weeks before it is due (not before, not after).
    let items = [proposed.clone(), agreed.clone()];
    let day = |d: &str| -> jiff::civil::Date { d.parse().unwrap() };
    let waits = |p: &str, today: &str| -> Vec<(u32, RoadmapWaits)> {
        waiting_on(&raci, &items, &pid(p), day(today)).into_iter().map(|(i, w)| (i.number, w)).collect()
    };
    assert_eq!(waits("farah.lindholm", "2026-03-02"), [(1, RoadmapWaits::ToAgree)]);
    assert_eq!(waits("beatriz.nakamura", "2026-03-02"), []);
    assert_eq!(waits("felix.adeyemi", "2026-03-02"), [], "the owner is reminded only when it is near");
    assert_eq!(waits("felix.adeyemi", "2026-06-16"), [(1, RoadmapWaits::DueSoon)]);
    assert_eq!(waits("felix.adeyemi", "2026-07-01"), [], "past its date");
}

#[test]
fn a_watch_keeps_when_its_budget_last_changed_state() {
    use crate::slo::BudgetState::*;
    let o = Objective::parse("0.999").unwrap();
    let t = |s: &str| -> jiff::Timestamp { s.parse().unwrap() };
    let first = SloWatch { objective: o, state: None, told_left: None, changed: None };
    // A first look that finds nothing wrong is not news; one that finds the budget spent is.
    let healthy = SloWatch { state: Some(Healthy), ..first.clone() }.stamped(&first, t("2026-03-02T09:00:00Z"));
    assert_eq!(healthy.changed, None);
    let spent = SloWatch { state: Some(Exhausted), ..first.clone() }.stamped(&first, t("2026-03-02T09:00:00Z"));
    assert_eq!(spent.changed.as_ref().map(|c| (c.from, c.to)), Some((None, Exhausted)));
    // From healthy to at risk: stamped; the same state again keeps the earlier stamp.
    let risk = SloWatch { state: Some(AtRisk), ..healthy.clone() }.stamped(&healthy, t("2026-03-03T10:00:00Z"));
    let change = risk.changed.clone().unwrap();
    assert_eq!((change.from, change.to, change.at), (Some(Healthy), AtRisk, t("2026-03-03T10:00:00Z")));
    let again = risk.clone().stamped(&risk, t("2026-03-03T10:05:00Z"));
    assert_eq!(again.changed, Some(change));
}
