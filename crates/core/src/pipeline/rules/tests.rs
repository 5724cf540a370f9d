use super::*;
use crate::org::*;
use crate::{Link, Period, ServiceId, TeamId};
use jiff::ToSpan;

fn id<T: TryFrom<String>>(s: &str) -> T
where
    T::Error: std::fmt::Debug,
{
    T::try_from(s.to_owned()).unwrap()
}

fn link(s: &str) -> Link {
    Link::parse(&format!("https://tracker.example.com/{s}")).unwrap()
}

fn team(tid: &str, kind: TeamKind, lead: Option<&str>, members: &[&str]) -> Team {
    Team {
        id: id(tid),
        name: tid.into(),
        kind,
        area: None,
        lead: lead.map(id),
        members: members.iter().map(|m| id(m)).collect(),
        chat: None,
        email: None,
    }
}

fn org() -> Org {
    let mut org = Org::default();
    for t in [
        team("sre-architects", TeamKind::Architects, None, &["ada"]),
        team("addon-sre", TeamKind::Sre, Some("lena"), &["lena", "sam"]),
        team("ledger-dev", TeamKind::ServiceOwner, None, &["olu"]),
        team("support", TeamKind::Stakeholder, None, &["cee"]),
    ] {
        org.teams.insert(t.id.clone(), t);
    }
    org.pipeline = Some(PipelinePolicy::defaults());
    org.checklist = vec![
        ChecklistItem {
            id: id("runbooks"),
            title: "Runbooks for every alert".into(),
            description: None,
            required_by: None,
            position: 0,
        },
        ChecklistItem {
            id: id("docs"),
            title: "Support docs".into(),
            description: None,
            required_by: Some(id("support")),
            position: 1,
        },
    ];
    org
}

fn service() -> ServiceDef {
    ServiceDef {
        id: ServiceId::parse("ledger").unwrap(),
        name: "Ledger".into(),
        description: None,
        owner_team: TeamId::parse("ledger-dev").unwrap(),
        links: ServiceLinks { epic: Some(link("EPIC-1")), ..Default::default() },
        internal_only: false,
        transition_window: None,
        personas: Default::default(),
        system: None,
        lifecycle: None,
    }
}

struct World {
    org: Org,
    service: ServiceDef,
    now: Timestamp,
    viability: Viability,
    /// What the SLOs say over the window of the next soak test recorded.
    soak: SoakVerdict,
    record: ServiceRecord,
}

impl World {
    fn new() -> Self {
        Self {
            org: org(),
            service: service(),
            now: "2026-03-02T09:00:00Z".parse().unwrap(),
            viability: Viability::Unknown { reason: "no data".into() },
            soak: SoakVerdict::Met { evidence: "SLOs met: ledger-availability: 99.95%".into() },
            record: ServiceRecord::default(),
        }
    }
    fn try_do(&self, who: &str, cmd: Command) -> Result<Outcome, PipelineError> {
        let ctx = Context {
            org: &self.org,
            service: &self.service,
            now: self.now,
            viability: &self.viability,
            soak: Some(&self.soak),
        };
        decide(&ctx, &self.record, &id(who), &cmd)
    }
    fn act(&mut self, who: &str, cmd: Command) {
        let out = self.try_do(who, cmd).unwrap();
        self.record = out.record;
    }
    fn refused(&self, who: &str, cmd: Command) -> Vec<&'static str> {
        match self.try_do(who, cmd) {
            Err(PipelineError::Refused { unmet, .. }) => unmet.iter().map(|u| u.code).collect(),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    fn later(&mut self, days: i64) {
        self.now = self.now.checked_add((days * 24).hours()).unwrap();
    }
}

fn reason(r: &str) -> Reasoned {
    Reasoned { reason: r.into() }
}

fn propose_with_links() -> Command {
    Command::Propose(Propose { epic: None, questionnaire: Some(link("Q-1")), service_definition: Some(link("SD-1")) })
}

#[test]
fn a_service_walks_from_proposal_to_sre_owned() {
    let mut w = World::new();
    assert_eq!(
        w.refused("olu", Command::Propose(Propose::default())),
        vec!["links", "links"],
        "questionnaire and definition missing"
    );
    w.act("olu", propose_with_links());
    assert_eq!(w.record.stage, Stage::Proposed);
    assert_eq!(w.record.proposal.as_ref().unwrap().epic, link("EPIC-1"), "epic comes from the definition");

    w.act("ada", Command::Accept(Accept { priority: "p2".into(), reason: "fits the platform".into() }));
    w.act("lena", Command::Assign(Assign { sre_team: id("addon-sre"), scope: "alerts, runbooks, SLOs".into() }));
    assert_eq!(w.record.stage, Stage::Onboarding);

    let codes = w.refused("sam", Command::EnterProduction(EnterProduction::default()));
    assert_eq!(codes, vec!["checklist", "checklist", "soak"]);

    w.act("sam", Command::CompleteItem { item: id("runbooks"), body: CompleteItem { evidence: link("MR-7") } });
    let expires = w.now.checked_add(240.hours()).unwrap();
    w.act(
        "cee",
        Command::WaiveItem {
            item: id("docs"),
            body: WaiveItem { reason: "docs follow in Q3".into(), expires_at: expires },
        },
    );
    let start = w.now;
    w.later(8);
    w.act(
        "olu",
        Command::RecordSoak(RecordSoak {
            started_at: start,
            ended_at: w.now,
            link: link("SOAK-1"),
            overridden: None,
            result: None,
        }),
    );
    w.act("olu", Command::EnterProduction(EnterProduction::default()));
    assert_eq!(w.record.stage, Stage::Transition);

    assert_eq!(w.refused("sam", Command::HandOver(reason("ready"))), vec!["window", "review", "slo"]);
    w.later(28);
    w.act("sam", Command::RecordReview(RecordReview { slos_met: true, evidence: link("REVIEW-1"), notes: None }));
    assert_eq!(w.refused("sam", Command::HandOver(reason("ready"))), vec!["slo"]);
    w.viability = Viability::Met { evidence: "99.95% over 28d".into() };
    w.act("sam", Command::HandOver(reason("SLOs met for four weeks")));
    assert_eq!(w.record.stage, Stage::SreOwned);
    let stages: Vec<_> = w.record.history.iter().map(|h| h.to).collect();
    assert_eq!(stages, vec![Stage::Proposed, Stage::Accepted, Stage::Onboarding, Stage::Transition, Stage::SreOwned]);
}

#[test]
fn only_the_right_people_may_act() {
    let mut w = World::new();
    assert!(
        matches!(w.try_do("ada", propose_with_links()), Err(PipelineError::Forbidden(_))),
        "architects do not propose"
    );
    w.act("olu", propose_with_links());
    let err = w.try_do("olu", Command::Accept(Accept { priority: "p1".into(), reason: "mine".into() })).unwrap_err();
    assert!(err.to_string().contains("sre-architects"), "{err}");
    w.act("ada", Command::Accept(Accept { priority: "p1".into(), reason: "ok".into() }));
    let assign = Command::Assign(Assign { sre_team: id("addon-sre"), scope: "all".into() });
    assert!(matches!(w.try_do("sam", assign.clone()), Err(PipelineError::Forbidden(_))), "members who are not leads");
    w.act("lena", assign);
    let tick = |item: &str| Command::CompleteItem { item: id(item), body: CompleteItem { evidence: link("MR") } };
    assert!(
        matches!(w.try_do("olu", tick("runbooks")), Err(PipelineError::Forbidden(_))),
        "owners do not attest SRE items"
    );
    assert!(matches!(w.try_do("sam", tick("docs")), Err(PipelineError::Forbidden(_))), "another team's requirement");
    assert!(matches!(w.try_do("sam", tick("nope")), Err(PipelineError::NotFound(_))));
}

#[test]
fn bad_fields_are_named() {
    let mut w = World::new();
    w.act("olu", propose_with_links());
    let err = w.try_do("ada", Command::Accept(Accept { priority: "urgent".into(), reason: "x".into() })).unwrap_err();
    assert!(matches!(err, PipelineError::Invalid { field: "priority", .. }), "{err:?}");
    let err = w.try_do("ada", Command::Reject(reason("  "))).unwrap_err();
    assert!(matches!(err, PipelineError::Invalid { field: "reason", .. }));
    w.act("ada", Command::Reject(reason("not a managed service")));
    assert_eq!(w.record.stage, Stage::Rejected);
    assert_eq!(w.refused("olu", Command::Retire(reason("gone"))), vec!["stage"], "rejected is an end state");
}

#[test]
fn an_expired_waiver_blocks_production_again() {
    let mut w = World::new();
    w.act("olu", propose_with_links());
    w.act("ada", Command::Accept(Accept { priority: "p1".into(), reason: "ok".into() }));
    w.act("lena", Command::Assign(Assign { sre_team: id("addon-sre"), scope: "all".into() }));
    let soon = w.now.checked_add(24.hours()).unwrap();
    w.act(
        "sam",
        Command::WaiveItem { item: id("runbooks"), body: WaiveItem { reason: "later".into(), expires_at: soon } },
    );
    w.act("cee", Command::CompleteItem { item: id("docs"), body: CompleteItem { evidence: link("DOC") } });
    let start = w.now;
    w.later(7);
    w.act(
        "sam",
        Command::RecordSoak(RecordSoak {
            started_at: start,
            ended_at: w.now,
            link: link("S"),
            overridden: None,
            result: None,
        }),
    );
    let ctx = Context { org: &w.org, service: &w.service, now: w.now, viability: &w.viability, soak: None };
    let b = blockers(&ctx, &w.record);
    assert_eq!(b.len(), 1);
    assert!(b[0].message.contains("expired"), "{}", b[0].message);
}

#[test]
fn a_short_or_failed_soak_does_not_count_and_owners_self_serve_stage() {
    let mut w = World::new();
    let deploy =
        |env: &str| Command::Deploy { environment: env.into(), body: Deploy { version: Some("1.2.0".into()) } };
    w.act("olu", deploy("stage"));
    assert_eq!(w.record.stage, Stage::Draft, "self-service does not move the pipeline");
    assert!(matches!(w.try_do("olu", deploy("production")), Err(PipelineError::Invalid { field: "environment", .. })));
    w.act("olu", propose_with_links());
    w.act("ada", Command::Accept(Accept { priority: "p1".into(), reason: "ok".into() }));
    w.act("lena", Command::Assign(Assign { sre_team: id("addon-sre"), scope: "all".into() }));
    let start = w.now;
    w.later(2);
    w.act(
        "sam",
        Command::RecordSoak(RecordSoak {
            started_at: start,
            ended_at: w.now,
            link: link("S"),
            overridden: None,
            result: None,
        }),
    );
    let codes = w.refused("sam", Command::EnterProduction(EnterProduction::default()));
    assert!(codes.contains(&"soak"));
    assert_eq!(w.org.pipeline_policy().soak_min, Period::days(7));
}

fn soak_over(w: &World, start: Timestamp, overridden: Option<SoakOverride>) -> Command {
    Command::RecordSoak(RecordSoak { started_at: start, ended_at: w.now, link: link("SOAK"), overridden, result: None })
}

/// Onboarding with the checklist done: only the soak test stands before production.
fn ready_but_for_the_soak() -> World {
    let mut w = World::new();
    w.act("olu", propose_with_links());
    w.act("ada", Command::Accept(Accept { priority: "p1".into(), reason: "ok".into() }));
    w.act("lena", Command::Assign(Assign { sre_team: id("addon-sre"), scope: "all".into() }));
    w.act("sam", Command::CompleteItem { item: id("runbooks"), body: CompleteItem { evidence: link("RB") } });
    w.act("cee", Command::CompleteItem { item: id("docs"), body: CompleteItem { evidence: link("DOC") } });
    w
}

#[test]
fn a_soak_test_from_long_ago_is_refused_naming_started_at() {
    let mut w = ready_but_for_the_soak();
    let year_one: Timestamp = "0001-01-01T00:00:00Z".parse().unwrap();
    match w.try_do("sam", soak_over(&w, year_one, None)) {
        Err(PipelineError::Invalid { field, message }) => {
            assert_eq!(field, "started_at");
            assert!(message.contains("within the last 90d"), "{message}");
        }
        other => panic!("a soak in year 0001 was taken: {other:?}"),
    }
    let recent = w.now;
    w.later(7);
    w.act("sam", soak_over(&w, recent, None));
    assert!(w.record.soak.is_some(), "a week-long soak that just ended counts");
}

#[test]
fn the_soak_result_is_the_slos_verdict_not_the_recorders_word() {
    let mut w = ready_but_for_the_soak();
    let start = w.now;
    w.later(7);
    w.soak = SoakVerdict::NotMet { reason: "SLOs not met: ledger-latency: 99.2%".into(), failed: vec![] };
    w.act("sam", soak_over(&w, start, None));
    let soak = w.record.soak.clone().unwrap();
    assert_eq!((soak.result, soak.overridden.is_none()), (SoakResult::Failed, true));
    let Err(PipelineError::Refused { unmet, .. }) =
        w.try_do("sam", Command::EnterProduction(EnterProduction::default()))
    else {
        panic!("production must be refused on a failed soak")
    };
    assert_eq!(unmet.len(), 1);
    assert!(unmet[0].message.contains("failed") && unmet[0].message.contains("ledger-latency: 99.2%"), "{unmet:?}");

    // No data is no pass either, and says what to do.
    w.soak = SoakVerdict::NoData { reason: "not enough data to judge: ledger-latency: no data in the window".into() };
    w.act("sam", soak_over(&w, start, None));
    assert_eq!(w.record.soak.as_ref().unwrap().result, SoakResult::NoData);
    let Err(PipelineError::Refused { unmet, .. }) =
        w.try_do("sam", Command::EnterProduction(EnterProduction::default()))
    else {
        panic!("production must be refused on a soak without data")
    };
    assert!(unmet[0].message.contains("no SLO verdict") && unmet[0].message.contains("override"), "{unmet:?}");

    // Met: production opens.
    w.soak = SoakVerdict::Met { evidence: "SLOs met".into() };
    w.act("olu", soak_over(&w, start, None));
    assert_eq!(w.record.soak.as_ref().unwrap().result, SoakResult::Passed);
    w.act("olu", Command::EnterProduction(EnterProduction::default()));
    assert_eq!(w.record.stage, Stage::Transition);
}

#[test]
fn an_sre_may_override_the_slos_verdict_with_a_reason_the_owners_may_not() {
    let mut w = ready_but_for_the_soak();
    let start = w.now;
    w.later(7);
    w.soak = SoakVerdict::NotMet { reason: "SLOs not met: ledger-latency".into(), failed: vec![] };
    let pass = |reason: &str| Some(SoakOverride { result: SoakResult::Passed, reason: reason.into() });
    assert!(matches!(w.try_do("olu", soak_over(&w, start, pass("fine"))), Err(PipelineError::Forbidden(_))));
    assert!(matches!(
        w.try_do("sam", soak_over(&w, start, pass(" "))),
        Err(PipelineError::Invalid { field: "override.reason", .. })
    ));
    let no_data = Some(SoakOverride { result: SoakResult::NoData, reason: "r".into() });
    assert!(matches!(
        w.try_do("sam", soak_over(&w, start, no_data)),
        Err(PipelineError::Invalid { field: "override.result", .. })
    ));
    let cmd = soak_over(&w, start, pass("the latency SLI counted a load test's synthetic requests (LEDGER-12)"));
    assert_eq!(cmd.action(), "service.override-soak");
    assert_eq!(cmd.reason(), Some("the latency SLI counted a load test's synthetic requests (LEDGER-12)"));
    w.act("sam", cmd);
    let soak = w.record.soak.clone().unwrap();
    assert_eq!(soak.result, SoakResult::Passed);
    assert!(matches!(soak.verdict, Some(SoakVerdict::NotMet { .. })), "the SLOs' verdict is kept beside the override");
    w.act("olu", Command::EnterProduction(EnterProduction::default()));
    assert_eq!(w.record.stage, Stage::Transition);
}

#[test]
fn an_old_client_sending_its_own_result_is_told_what_to_send() {
    let mut w = ready_but_for_the_soak();
    let start = w.now;
    w.later(7);
    let old = Command::RecordSoak(RecordSoak {
        started_at: start,
        ended_at: w.now,
        link: link("S"),
        overridden: None,
        result: Some(SoakResult::Passed),
    });
    let Err(PipelineError::Invalid { field, message }) = w.try_do("sam", old) else { panic!("must be refused") };
    assert_eq!(field, "result");
    assert!(message.contains("judges the service's SLOs") && message.contains("override"), "{message}");
}

#[test]
fn a_soak_recorded_before_verdicts_keeps_its_recorded_result() {
    // A stored record from an older Baton: `result` and no verdict.
    let json = r#"{"started_at":"2026-03-01T00:00:00Z","ended_at":"2026-03-09T00:00:00Z","result":"passed","link":"https://ci.example.com/s","by":"sam","at":"2026-03-09T00:00:00Z"}"#;
    let soak: SoakTest = serde_json::from_str(json).unwrap();
    assert_eq!((soak.result, soak.verdict), (SoakResult::Passed, None));
}

/// What waits on whom, stage by stage: exactly the steps `decide` would take for them.
#[test]
fn what_waits_on_each_person_is_what_decide_would_let_them_do() {
    let mut w = World::new();
    let waiting = |w: &World, who: &str| -> Vec<String> {
        let ctx = Context { org: &w.org, service: &w.service, now: w.now, viability: &w.viability, soak: None };
        crate::pipeline::waiting_on(&ctx, &w.record, &id(who)).into_iter().map(|x| x.what).collect()
    };
    assert_eq!(waiting(&w, "olu"), ["propose it"], "the owner team proposes");
    assert!(waiting(&w, "ada").is_empty(), "not the architects' to propose");
    w.act("olu", propose_with_links());
    assert_eq!(waiting(&w, "ada"), ["accept or reject it"]);
    assert!(waiting(&w, "olu").is_empty());
    w.act("ada", Command::Accept(Accept { priority: "p2".into(), reason: "in scope".into() }));
    assert_eq!(waiting(&w, "lena"), ["assign an SRE team and record the scope"], "the SRE lead");
    assert!(waiting(&w, "sam").is_empty(), "a member, not the lead");
    w.act("lena", Command::Assign(Assign { sre_team: id("addon-sre"), scope: "all of it".into() }));
    // Each item is attested by whoever its rules name: the SRE team, or the team requiring it.
    assert_eq!(waiting(&w, "sam"), ["attest `runbooks`"]);
    assert_eq!(waiting(&w, "cee"), ["attest `docs`"]);
    assert!(waiting(&w, "olu").is_empty());
    // The forms offered: the owner may try to enter production (refused, saying why), but
    // attests nothing; nobody outside the service is offered anything.
    let ctx = Context { org: &w.org, service: &w.service, now: w.now, viability: &w.viability, soak: None };
    let offered = crate::pipeline::offered(&ctx, &w.record, &id("olu"));
    let production = offered.iter().find(|o| o.action == "service.enter-production").expect("offered to the owner");
    assert!(!production.ready() && production.unmet.iter().any(|u| u.code == "checklist"), "{production:?}");
    assert!(!offered.iter().any(|o| o.action == "service.complete-item"), "{offered:?}");
    let ada: Vec<&str> = crate::pipeline::offered(&ctx, &w.record, &id("ada")).iter().map(|o| o.action).collect();
    assert_eq!(ada, ["service.retire"], "an architect may only retire it now");
    assert!(
        crate::pipeline::offered(&ctx, &w.record, &id("cee"))
            .iter()
            .all(|o| o.action == "service.complete-item" || o.action == "service.waive-item"),
        "support attests its own item"
    );
    w.act("sam", Command::CompleteItem { item: id("runbooks"), body: CompleteItem { evidence: link("RB") } });
    assert!(waiting(&w, "sam").is_empty(), "done items wait on nobody");
}
