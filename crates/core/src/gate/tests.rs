//! Gate evaluation as a person meets it: each requirement kind passing and failing,
//! distinct approvers, −1s, expiry, version changes and waivers; then properties over
//! random gates and votes.

use super::*;
use crate::org::{Org, ServiceDef, ServiceLinks, Team, TeamKind};
use crate::pipeline::Stage;
use crate::{GateId, Link, Period, PersonId, ServiceId, SloId, TeamId, Viability};
use jiff::Timestamp;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn pid(s: &str) -> PersonId {
    PersonId::parse(s).unwrap()
}
fn tid(s: &str) -> TeamId {
    TeamId::parse(s).unwrap()
}
fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}
fn now() -> Timestamp {
    ts("2026-03-10T12:00:00Z")
}

fn team(id: &str, name: &str, kind: TeamKind, lead: Option<&str>, members: &[&str]) -> Team {
    Team {
        id: tid(id),
        name: name.into(),
        kind,
        area: None,
        lead: lead.map(pid),
        members: members.iter().map(|m| pid(m)).collect(),
        chat: None,
        email: None,
    }
}

/// The example organisation in small: cian.moreau sits in both addon-sre and tenants-sre.
fn org() -> Org {
    let mut org = Org::default();
    for t in [
        team(
            "addon-sre",
            "Addon SRE",
            TeamKind::Sre,
            Some("aoife.delacroix"),
            &["aoife.delacroix", "cian.moreau", "beatriz.nakamura"],
        ),
        team("tenants-sre", "Tenants SRE", TeamKind::Stakeholder, None, &["olga.baptiste", "cian.moreau"]),
        team(
            "customer-support",
            "Customer Support Engineering",
            TeamKind::Stakeholder,
            None,
            &["camila.novak", "ewan.achebe"],
        ),
        team(
            "platform-sre",
            "Platform SRE",
            TeamKind::Sre,
            Some("marta.oyelaran"),
            &["marta.oyelaran", "jonas.achterberg", "lucia.hartmann"],
        ),
        team("streamhub-dev", "StreamHub developers", TeamKind::ServiceOwner, None, &["noor.castellano"]),
    ] {
        org.teams.insert(t.id.clone(), t);
    }
    org
}

fn streamhub() -> ServiceDef {
    ServiceDef {
        id: ServiceId::parse("streamhub").unwrap(),
        name: "StreamHub".into(),
        description: None,
        owner_team: tid("streamhub-dev"),
        links: ServiceLinks {
            service_definition: Some(Link::parse("https://docs.example.com/services/streamhub/definition").unwrap()),
            ..Default::default()
        },
        internal_only: false,
        transition_window: None,
        personas: Default::default(),
        system: None,
        lifecycle: None,
    }
}

/// Everything a gate reads, owned, with every non-approval requirement met by default.
struct World {
    org: Org,
    service: ServiceDef,
    stage: Stage,
    version: Option<String>,
    approvals: Vec<Approval>,
    checks: Vec<CheckResult>,
    waivers: Vec<Waiver>,
    viability: Option<Viability>,
    soak: Option<crate::pipeline::SoakTest>,
    sli_days: BTreeMap<SloId, crate::slo::DataDays>,
    support: SupportFacts,
    capacity: Option<CapacityAgreement>,
    now: Timestamp,
}

impl World {
    fn new() -> Self {
        World {
            org: org(),
            service: streamhub(),
            stage: Stage::Transition,
            version: None,
            approvals: vec![],
            checks: vec![],
            waivers: vec![],
            viability: Some(Viability::Met { evidence: "SLOs met: streamhub-availability: 99.95%".into() }),
            soak: None,
            sli_days: [(SloId::parse("streamhub-availability").unwrap(), crate::slo::DataDays::recent(30))].into(),
            support: SupportFacts {
                sre_team: Some(tid("addon-sre")),
                rotations: vec![RotationSize { rotation: "addon-sre".into(), members: 3 }],
                escalation_policy: Some("addon-sre-24x7".into()),
            },
            capacity: Some(CapacityAgreement {
                max_installs: 50,
                max_installs_per_week: 5,
                approved_by: Some(pid("aoife.delacroix")),
                at: ts("2026-03-01T09:00:00Z"),
            }),
            now: now(),
        }
    }

    fn eval(&self, gate: &Gate) -> GateVerdict {
        evaluate(
            gate,
            &GateInputs {
                org: &self.org,
                service: &self.service,
                stage: self.stage,
                version: self.version.as_deref(),
                approvals: &self.approvals,
                checks: &self.checks,
                waivers: &self.waivers,
                slo_viability: self.viability.as_ref(),
                soak: self.soak.as_ref(),
                sli_days: &self.sli_days,
                support: &self.support,
                capacity: self.capacity.as_ref(),
                now: self.now,
            },
        )
    }

    fn vote(&mut self, person: &str, team: &str, vote: Vote, at: &str, comment: &str) {
        self.approvals.push(Approval {
            person: pid(person),
            team: tid(team),
            vote,
            comment: comment.into(),
            evidence: Link::parse("https://git.example.com/addons/streamhub/-/merge_requests/42").unwrap(),
            version: None,
            at: ts(at),
            withdrawn_at: None,
        });
    }

    fn plus(&mut self, person: &str, team: &str) {
        self.vote(person, team, Vote::Plus, "2026-03-05T10:00:00Z", "LGTM");
    }
}

fn gate(requirement: Requirement) -> Gate {
    Gate {
        id: GateId::parse("customer-release").unwrap(),
        name: "Release to customers".into(),
        description: None,
        applies_to: AppliesTo::CustomerFacing,
        requirement,
    }
}

fn approval(team: &str) -> Requirement {
    Requirement::Approval {
        team: tid(team),
        allow_shared_approver: false,
        expires_after: None,
        invalidated_by_version_change: false,
    }
}

fn all(children: Vec<Requirement>) -> Gate {
    gate(Requirement::AllOf(children))
}

fn e2e(max_age: Period) -> Requirement {
    Requirement::Check { name: "e2e".into(), max_age }
}

fn check(at: &str, passed: bool, summary: &str) -> CheckResult {
    CheckResult { name: "e2e".into(), passed, summary: summary.into(), at: ts(at), evidence: None }
}

#[test]
fn a_plus_one_from_a_member_meets_the_approval_and_is_recorded() {
    let mut w = World::new();
    w.vote("camila.novak", "customer-support", Vote::Plus, "2026-03-05T10:00:00Z", "support docs published");
    let v = w.eval(&all(vec![approval("customer-support")]));
    assert!(v.passes);
    let r = v.requirement("approval:customer-support").unwrap();
    assert_eq!(r.label, "approval from Customer Support Engineering");
    assert_eq!(r.reason, "+1 from camila.novak (2026-03-05): support docs published");
    assert_eq!(r.approvals.len(), 1);
    assert!(r.who_can_act.is_empty());
}

#[test]
fn without_a_plus_one_the_verdict_names_the_team_and_who_can_give_it() {
    let v = World::new().eval(&all(vec![approval("customer-support")]));
    assert!(!v.passes);
    let r = v.requirement("approval:customer-support").unwrap();
    assert_eq!(r.status, Status::Unmet);
    assert_eq!(r.reason, "no +1 from a member of customer-support");
    assert_eq!(r.who_can_act, vec!["camila.novak", "ewan.achebe"]);
}

#[test]
fn a_plus_one_from_outside_the_team_does_not_count_and_says_why() {
    let mut w = World::new();
    w.plus("noor.castellano", "customer-support");
    let v = w.eval(&all(vec![approval("customer-support")]));
    assert!(!v.passes);
    let reason = &v.requirement("approval:customer-support").unwrap().reason;
    assert!(
        reason.contains(
            "+1 from noor.castellano (2026-03-05) does not count: noor.castellano is not a member of customer-support"
        ),
        "{reason}"
    );
}

#[test]
fn a_minus_one_from_a_member_blocks_until_withdrawn() {
    let mut w = World::new();
    w.plus("marta.oyelaran", "platform-sre");
    w.vote("lucia.hartmann", "platform-sre", Vote::Minus, "2026-03-01T08:00:00Z", "needs a load test");
    let g = all(vec![approval("platform-sre")]);
    let v = w.eval(&g);
    assert!(!v.passes, "a +1 does not outweigh a −1");
    let r = v.requirement("approval:platform-sre").unwrap();
    assert!(r.reason.starts_with("−1 from lucia.hartmann (2026-03-01): needs a load test"), "{}", r.reason);
    assert_eq!(r.who_can_act, vec!["lucia.hartmann"]);

    w.approvals[1].withdrawn_at = Some(ts("2026-03-09T00:00:00Z"));
    assert!(w.eval(&g).passes);
    // Judged before the withdrawal, it still blocked.
    w.now = ts("2026-03-08T00:00:00Z");
    assert!(!w.eval(&g).passes);
}

#[test]
fn approvals_expire_after_the_gate_says_and_show_when() {
    let mut w = World::new();
    w.plus("camila.novak", "customer-support");
    let g = all(vec![Requirement::Approval {
        team: tid("customer-support"),
        allow_shared_approver: false,
        expires_after: Some(Period::days(30)),
        invalidated_by_version_change: false,
    }]);
    let v = w.eval(&g);
    assert!(v.passes);
    assert_eq!(v.requirements[0].expires_at, Some(ts("2026-04-04T10:00:00Z")));

    w.now = ts("2026-04-04T10:00:00Z");
    let v = w.eval(&g);
    assert!(!v.passes);
    let reason = &v.requirements[0].reason;
    assert!(reason.contains("+1 from camila.novak (2026-03-05) expired on 2026-04-04"), "{reason}");
}

#[test]
fn a_new_version_invalidates_approvals_when_the_gate_says_so() {
    let mut w = World::new();
    w.plus("camila.novak", "customer-support");
    w.approvals[0].version = Some("1.3.0".into());
    w.version = Some("1.4.0".into());
    let strict = all(vec![Requirement::Approval {
        team: tid("customer-support"),
        allow_shared_approver: false,
        expires_after: None,
        invalidated_by_version_change: true,
    }]);
    let v = w.eval(&strict);
    assert!(!v.passes);
    let reason = &v.requirements[0].reason;
    assert!(reason.contains("was given on version 1.3.0; the service is now at 1.4.0"), "{reason}");
    assert!(w.eval(&all(vec![approval("customer-support")])).passes, "without the flag the version is not checked");

    w.version = Some("1.3.0".into());
    assert!(w.eval(&strict).passes);
}

#[test]
fn one_person_in_two_teams_meets_one_approval_requirement_not_both() {
    let mut w = World::new();
    w.plus("cian.moreau", "addon-sre");
    w.plus("cian.moreau", "tenants-sre");
    let v = w.eval(&all(vec![approval("addon-sre"), approval("tenants-sre")]));
    assert!(!v.passes);
    let unmet: Vec<_> = v.unmet().collect();
    assert_eq!(unmet.len(), 1);
    assert!(unmet[0].reason.contains("+1 from cian.moreau already counts for approval:"), "{}", unmet[0].reason);

    let shared = all(vec![
        approval("addon-sre"),
        Requirement::Approval {
            team: tid("tenants-sre"),
            allow_shared_approver: true,
            expires_after: None,
            invalidated_by_version_change: false,
        },
    ]);
    assert!(w.eval(&shared).passes, "a requirement that allows a shared approver may count cian again");
}

#[test]
fn approvers_are_assigned_so_that_a_shared_member_goes_where_only_they_can_help() {
    // Greedy assignment in the order written would give cian to addon-sre and leave
    // tenants-sre unmet, although aoife can cover addon-sre.
    let mut w = World::new();
    w.plus("cian.moreau", "addon-sre");
    w.plus("cian.moreau", "tenants-sre");
    w.plus("aoife.delacroix", "addon-sre");
    let v = w.eval(&all(vec![approval("addon-sre"), approval("tenants-sre")]));
    assert!(v.passes, "{:#?}", v.requirements);
    assert_eq!(v.requirement("approval:addon-sre").unwrap().approvals[0].person, pid("aoife.delacroix"));
    assert_eq!(v.requirement("approval:tenants-sre").unwrap().approvals[0].person, pid("cian.moreau"));
}

#[test]
fn any_of_picks_the_branch_that_distinct_people_can_fill_and_reports_every_child() {
    let mut w = World::new();
    w.plus("cian.moreau", "tenants-sre");
    w.plus("cian.moreau", "addon-sre");
    w.plus("camila.novak", "customer-support");
    let g = gate(Requirement::AllOf(vec![
        Requirement::AnyOf(vec![approval("tenants-sre"), approval("customer-support")]),
        approval("addon-sre"),
    ]));
    let v = w.eval(&g);
    assert!(v.passes, "{:#?}", v.requirements);
    assert_eq!(v.requirements.len(), 3);
    assert_eq!(v.requirement("approval:addon-sre").unwrap().status, Status::Met);
    assert_eq!(v.requirement("approval:tenants-sre").unwrap().status, Status::Unmet);
    let VerdictNode::AllOf { passes: true, children } = &v.tree else { panic!("{:?}", v.tree) };
    assert!(matches!(&children[0], VerdictNode::AnyOf { passes: true, children } if children.len() == 2));
}

#[test]
fn a_check_passes_only_on_a_fresh_passing_latest_result() {
    let mut w = World::new();
    let g = all(vec![e2e(Period::days(7))]);
    let reason = |w: &World| w.eval(&g).requirements[0].reason.clone();
    assert_eq!(reason(&w), "no `e2e` result has been posted");

    w.checks.push(check("2026-03-08T12:00:00Z", true, "212 tests, 0 failures, 0 errors"));
    let v = w.eval(&g);
    assert!(v.passes);
    assert_eq!(v.requirements[0].reason, "`e2e` passed 2d 0h ago: 212 tests, 0 failures, 0 errors");
    assert_eq!(v.requirements[0].expires_at, Some(ts("2026-03-15T12:00:00Z")));

    w.checks.push(check("2026-03-09T12:00:00Z", false, "212 tests, 3 failures, 0 errors"));
    assert!(!w.eval(&g).passes, "the latest result counts, not the best");
    assert_eq!(reason(&w), "the latest `e2e` result (2026-03-09, 1d 0h ago) failed: 212 tests, 3 failures, 0 errors");

    w.checks.pop();
    w.now = ts("2026-03-17T12:00:00Z");
    assert!(!w.eval(&g).passes);
    assert_eq!(reason(&w), "the latest `e2e` result passed but is 9d 0h old; a result counts for 7d");
}

#[test]
fn a_waiver_counts_until_it_expires_and_then_the_gate_fails_again() {
    let mut w = World::new();
    let g = all(vec![e2e(Period::days(7))]);
    w.waivers.push(Waiver {
        requirement: "check:e2e".into(),
        reason: "e2e suite down for maintenance; manual run attached".into(),
        approved_by: pid("marta.oyelaran"),
        approver_team: tid("platform-sre"),
        expires_at: ts("2026-03-14T00:00:00Z"),
        at: ts("2026-03-07T00:00:00Z"),
    });
    let v = w.eval(&g);
    assert!(v.passes);
    let r = &v.requirements[0];
    assert!(
        matches!(&r.status, Status::Waived { until, by, .. } if *until == ts("2026-03-14T00:00:00Z") && by.as_str() == "marta.oyelaran")
    );
    assert_eq!(r.reason, "no `e2e` result has been posted", "a waived requirement still says what is missing");

    w.now = ts("2026-03-14T00:00:00Z");
    let v = w.eval(&g);
    assert!(!v.passes);
    assert!(v.requirements[0].reason.contains("the waiver by marta.oyelaran expired on 2026-03-14"));
}

#[test]
fn a_waiver_from_outside_the_named_team_does_not_count() {
    let mut w = World::new();
    w.waivers.push(Waiver {
        requirement: "check:e2e".into(),
        reason: "trust me".into(),
        approved_by: pid("noor.castellano"),
        approver_team: tid("platform-sre"),
        expires_at: ts("2026-04-01T00:00:00Z"),
        at: ts("2026-03-07T00:00:00Z"),
    });
    let v = w.eval(&all(vec![e2e(Period::days(7))]));
    assert!(!v.passes);
    assert!(v.requirements[0].reason.contains("noor.castellano is not a member of platform-sre"));
}

#[test]
fn slis_demonstrated_says_when_enough_days_will_have_accrued() {
    let mut w = World::new();
    let g = all(vec![Requirement::SlisDemonstrated { min_days: 28 }]);
    assert!(w.eval(&g).passes);

    w.sli_days.insert(SloId::parse("streamhub-publish-latency").unwrap(), crate::slo::DataDays::recent(20));
    let v = w.eval(&g);
    assert!(!v.passes);
    assert_eq!(v.requirements[0].reason, "streamhub-publish-latency has 20 of 28 days of data");
    assert_eq!(v.requirements[0].passes_on_its_own_at, Some(ts("2026-03-18T12:00:00Z")));
    assert_eq!(v.passes_on_its_own_at, Some(ts("2026-03-18T12:00:00Z")));

    // A day without data three days back: 27 of the last 28 days. It leaves the span
    // after 28 − 3 = 25 more days of data, not after the one day the count is short.
    let gap = crate::slo::DataDays::new((0..40).map(|day| day != 3).collect());
    w.sli_days.insert(SloId::parse("streamhub-publish-latency").unwrap(), gap);
    let v = w.eval(&g);
    assert_eq!(v.requirements[0].reason, "streamhub-publish-latency has 27 of 28 days of data");
    assert_eq!(v.passes_on_its_own_at, Some(ts("2026-04-04T12:00:00Z")));

    w.sli_days.insert(SloId::parse("streamhub-publish-latency").unwrap(), crate::slo::DataDays::recent(0));
    assert_eq!(w.eval(&g).passes_on_its_own_at, None, "with no data flowing, time alone will not help");
    w.sli_days.clear();
    assert_eq!(w.eval(&g).requirements[0].reason, "the service has no SLOs: define them in slos/");
}

#[test]
fn a_gate_that_also_needs_a_person_does_not_pass_on_its_own() {
    let mut w = World::new();
    w.sli_days.insert(SloId::parse("streamhub-publish-latency").unwrap(), crate::slo::DataDays::recent(20));
    let v = w.eval(&all(vec![Requirement::SlisDemonstrated { min_days: 28 }, approval("customer-support")]));
    assert_eq!(v.passes_on_its_own_at, None);
}

#[test]
fn support_cover_needs_a_big_enough_rotation_and_an_escalation_policy() {
    let mut w = World::new();
    let g = all(vec![Requirement::SupportCover { min_members: 3 }]);
    let v = w.eval(&g);
    assert!(v.passes);
    assert_eq!(
        v.requirements[0].reason,
        "rotation addon-sre of addon-sre has 3 members; escalation policy addon-sre-24x7 covers the service"
    );

    w.support.rotations[0].members = 2;
    w.support.escalation_policy = None;
    let v = w.eval(&g);
    assert_eq!(
        v.requirements[0].reason,
        "the largest rotation of addon-sre, addon-sre, has 2 members; 3 needed; no escalation policy covers the service"
    );
    assert_eq!(v.requirements[0].who_can_act, vec!["addon-sre"]);

    w.support.sre_team = None;
    let v = w.eval(&g);
    assert!(v.requirements[0].reason.starts_with("no SRE team is assigned"));
    assert_eq!(v.requirements[0].who_can_act, vec!["aoife.delacroix", "marta.oyelaran"], "the SRE leads assign one");
}

#[test]
fn the_service_definition_must_be_linked() {
    let mut w = World::new();
    let g = all(vec![Requirement::ServiceDefinition]);
    assert!(w.eval(&g).passes);
    w.service.links.service_definition = None;
    let v = w.eval(&g);
    assert!(!v.passes);
    assert_eq!(v.requirements[0].who_can_act, vec!["streamhub-dev"]);
}

#[test]
fn capacity_must_be_agreed_not_just_proposed() {
    let mut w = World::new();
    let g = all(vec![Requirement::CapacityAgreed]);
    let v = w.eval(&g);
    assert_eq!(
        v.requirements[0].reason,
        "at most 50 installs, 5 new per week, agreed by aoife.delacroix on 2026-03-01"
    );
    w.capacity.as_mut().unwrap().approved_by = None;
    assert_eq!(w.eval(&g).requirements[0].reason, "at most 50 installs, 5 new per week proposed but not agreed");
    w.capacity = None;
    assert!(!w.eval(&g).passes);
}

#[test]
fn stage_at_least_follows_the_pipeline_and_ended_services_never_pass() {
    let mut w = World::new();
    let g = all(vec![Requirement::StageAtLeast(Stage::Transition)]);
    for (stage, passes) in [
        (Stage::Onboarding, false),
        (Stage::Transition, true),
        (Stage::SreOwned, true),
        (Stage::Retired, false),
        (Stage::Rejected, false),
    ] {
        w.stage = stage;
        assert_eq!(w.eval(&g).passes, passes, "{stage}");
    }
    w.stage = Stage::Onboarding;
    assert_eq!(w.eval(&g).requirements[0].reason, "the service is in onboarding; transition or later is needed");
}

#[test]
fn slo_viability_follows_the_slo_verdict() {
    let mut w = World::new();
    let g = all(vec![Requirement::SloViability]);
    assert!(w.eval(&g).passes);
    w.viability = Some(Viability::NotMet { reason: "SLOs not met: streamhub-availability: 99.1%".into() });
    assert_eq!(w.eval(&g).requirements[0].reason, "SLOs not met: streamhub-availability: 99.1%");
    w.viability = None;
    assert!(!w.eval(&g).passes);
}

#[test]
fn a_customer_gate_does_not_apply_to_an_internal_only_service() {
    let mut w = World::new();
    w.service.internal_only = true;
    let v = w.eval(&all(vec![Requirement::ServiceDefinition]));
    assert!(!v.passes);
    assert_eq!(
        v.not_applicable.as_deref(),
        Some("service streamhub is internal only; gate customer-release applies to customer-facing services")
    );
}

#[test]
fn votes_and_waivers_that_could_never_count_are_refused_up_front() {
    let o = org();
    let g = all(vec![approval("customer-support"), e2e(Period::days(7))]);
    let mut w = World::new();
    w.plus("noor.castellano", "customer-support");
    let err = check_vote(&o, &g, &w.service, None, &w.approvals[0]).unwrap_err();
    assert!(err.is_forbidden());
    assert_eq!(err.to_string(), "noor.castellano is not a member of customer-support, so cannot vote for it");
    w.plus("marta.oyelaran", "platform-sre");
    let err = check_vote(&o, &g, &w.service, None, &w.approvals[1]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "gate customer-release asks no approval from platform-sre; it asks approval from customer-support"
    );

    let waiver = Waiver {
        requirement: "check:soak".into(),
        reason: "x".into(),
        approved_by: pid("marta.oyelaran"),
        approver_team: tid("platform-sre"),
        expires_at: now(),
        at: now(),
    };
    let err = check_waiver(&o, &g, &waiver).unwrap_err();
    assert!(err.to_string().contains("its requirements are approval:customer-support, check:e2e"), "{err}");
    let same_instant = Waiver { requirement: "check:e2e".into(), ..waiver };
    assert_eq!(check_waiver(&o, &g, &same_instant).unwrap_err(), GateActError::ExpiryNotAfterStart);
}

#[test]
fn role_approvals_follow_the_service_owners_and_its_assigned_sre_team() {
    let mut w = World::new();
    let role = |role| Requirement::RoleApproval {
        role,
        allow_shared_approver: false,
        expires_after: None,
        invalidated_by_version_change: false,
    };
    let g = all(vec![role(ServiceRole::Owner), role(ServiceRole::Sre)]);
    w.plus("noor.castellano", "streamhub-dev");
    w.plus("beatriz.nakamura", "addon-sre");
    let v = w.eval(&g);
    assert!(v.passes, "{:#?}", v.requirements);
    assert_eq!(v.requirements[0].id, "approval:owner");
    assert_eq!(v.requirements[0].label, "sign-off from the owners, StreamHub developers");
    assert_eq!(v.requirements[1].label, "approval from the assigned SRE team, Addon SRE");

    // Another service, owned by another team: streamhub-dev's sign-off does not carry over.
    w.service.owner_team = tid("customer-support");
    assert_eq!(w.eval(&g).requirements[0].reason, "no +1 from a member of customer-support");
    w.support.sre_team = None;
    let v = w.eval(&g);
    assert_eq!(v.requirements[1].reason, "no SRE team is assigned, so none can approve");
    assert_eq!(v.requirements[1].who_can_act, vec!["aoife.delacroix", "marta.oyelaran"]);
}

#[test]
fn a_gate_round_trips_as_a_stored_definition() {
    let g = gate(Requirement::AllOf(vec![
        approval("customer-support"),
        Requirement::AnyOf(vec![e2e(Period::days(7)), Requirement::StageAtLeast(Stage::SreOwned)]),
        Requirement::RoleApproval {
            role: ServiceRole::Owner,
            allow_shared_approver: true,
            expires_after: Some(Period::days(30)),
            invalidated_by_version_change: true,
        },
        Requirement::SlisDemonstrated { min_days: 28 },
    ]));
    let def = crate::Definition::Gate(g.clone());
    assert_eq!(def.key(), "gate/customer-release");
    let json = serde_json::to_string(&def).unwrap();
    let back: crate::Definition = serde_json::from_str(&json).unwrap();
    assert_eq!(back, def);
    assert_eq!(Org::from_definitions([back]).gates[&g.id], g);
}

// Properties over random gates of approval requirements (some in any_of groups, some
// allowing a shared approver) and random votes by people who sit in several teams.

const TEAMS: [&str; 4] = ["addon-sre", "tenants-sre", "customer-support", "platform-sre"];
const PEOPLE: [&str; 8] = [
    "aoife.delacroix",
    "cian.moreau",
    "olga.baptiste",
    "camila.novak",
    "marta.oyelaran",
    "lucia.hartmann",
    "beatriz.nakamura",
    "noor.castellano",
];

/// A person in several teams, so that matching matters.
fn dense_org() -> Org {
    let mut org = Org::default();
    let members: [&[&str]; 4] = [
        &["aoife.delacroix", "cian.moreau", "beatriz.nakamura"],
        &["olga.baptiste", "cian.moreau", "aoife.delacroix"],
        &["camila.novak", "cian.moreau"],
        &["marta.oyelaran", "lucia.hartmann", "olga.baptiste"],
    ];
    for (id, m) in TEAMS.iter().zip(members) {
        let t = team(id, id, TeamKind::Stakeholder, None, m);
        org.teams.insert(t.id.clone(), t);
    }
    org
}

/// Each team at most once; `group` 0 is the top level, others are `any_of` groups.
fn arb_gate() -> impl Strategy<Value = Gate> {
    (Just(TEAMS.to_vec()).prop_shuffle(), 1usize..=4, prop::collection::vec((any::<bool>(), 0u8..3), 4)).prop_map(
        |(teams, n, flags)| {
            let mut top = Vec::new();
            let mut groups: BTreeMap<u8, Vec<Requirement>> = BTreeMap::new();
            for (t, (shared, group)) in teams.into_iter().take(n).zip(flags) {
                let r = Requirement::Approval {
                    team: tid(t),
                    allow_shared_approver: shared,
                    expires_after: None,
                    invalidated_by_version_change: false,
                };
                if group == 0 {
                    top.push(r);
                } else {
                    groups.entry(group).or_default().push(r);
                }
            }
            top.extend(groups.into_values().map(Requirement::AnyOf));
            gate(Requirement::AllOf(top))
        },
    )
}

fn arb_vote() -> impl Strategy<Value = Approval> {
    (0..PEOPLE.len(), 0..TEAMS.len(), prop::bool::weighted(0.15), prop::bool::weighted(0.1), 0i64..20).prop_map(
        |(p, t, minus, withdrawn, day)| Approval {
            person: pid(PEOPLE[p]),
            team: tid(TEAMS[t]),
            vote: if minus { Vote::Minus } else { Vote::Plus },
            comment: "LGTM".into(),
            evidence: Link::parse("https://git.example.com/mr/1").unwrap(),
            version: None,
            at: Period::days(day.max(1)).after(ts("2026-02-20T00:00:00Z")),
            withdrawn_at: withdrawn.then(now),
        },
    )
}

fn dense_world(votes: Vec<Approval>) -> World {
    World { org: dense_org(), approvals: votes, ..World::new() }
}

proptest! {
    #[test]
    fn adding_a_plus_one_never_makes_a_gate_fail(
        g in arb_gate(),
        votes in prop::collection::vec(arb_vote(), 0..10),
        extra in arb_vote(),
    ) {
        let mut w = dense_world(votes);
        let before = w.eval(&g).passes;
        w.approvals.push(Approval { vote: Vote::Plus, withdrawn_at: None, ..extra });
        prop_assert!(!before || w.eval(&g).passes);
    }

    #[test]
    fn a_waiver_past_its_expiry_never_helps(
        g in arb_gate(),
        votes in prop::collection::vec(arb_vote(), 0..10),
        leaf in 0usize..4,
        days_expired in 0i64..30,
    ) {
        let mut w = dense_world(votes);
        let before = w.eval(&g);
        let ids = g.requirement_ids();
        w.waivers.push(Waiver {
            requirement: ids[leaf % ids.len()].clone(),
            reason: "maintenance".into(),
            approved_by: pid("marta.oyelaran"),
            approver_team: tid("platform-sre"),
            expires_at: ts("2026-03-10T12:00:00Z") - jiff::SignedDuration::from_hours(24 * days_expired),
            at: ts("2026-02-01T00:00:00Z"),
        });
        let after = w.eval(&g);
        prop_assert_eq!(before.passes, after.passes);
        let statuses = |v: &GateVerdict| v.requirements.iter().map(|r| r.status.clone()).collect::<Vec<_>>();
        prop_assert_eq!(statuses(&before), statuses(&after));
    }

    #[test]
    fn one_person_never_meets_two_approval_requirements_unless_shared(
        g in arb_gate(),
        votes in prop::collection::vec(arb_vote(), 0..12),
    ) {
        let w = dense_world(votes);
        let v = w.eval(&g);
        let exclusive: Vec<bool> = g.leaves().iter().map(|r| matches!(r, Requirement::Approval { allow_shared_approver: false, .. })).collect();
        let mut counted: Vec<&PersonId> = Vec::new();
        for (r, exclusive) in v.requirements.iter().zip(exclusive) {
            if exclusive && r.status == Status::Met {
                prop_assert_eq!(r.approvals.len(), 1);
                prop_assert!(!counted.contains(&&r.approvals[0].person), "{} counted twice", r.approvals[0].person);
                counted.push(&r.approvals[0].person);
            }
        }
    }
}

#[test]
fn soak_test_reads_the_slos_verdict_or_the_override() {
    use crate::pipeline::{Signed, SoakOverride, SoakResult, SoakTest};
    use crate::slo::SoakVerdict;
    let mut w = World::new();
    let g = all(vec![Requirement::SoakTest]);
    assert_eq!(w.eval(&g).requirements[0].reason, "no soak test has been recorded");
    let soak = |result, verdict, overridden| SoakTest {
        started_at: ts("2026-03-01T00:00:00Z"),
        ended_at: ts("2026-03-08T00:00:00Z"),
        result,
        verdict: Some(verdict),
        overridden,
        link: crate::Link::parse("https://ci.example.com/soak/1").unwrap(),
        signed: Signed { by: pid("beatriz.nakamura"), at: ts("2026-03-08T00:00:00Z") },
    };
    let not_met = SoakVerdict::NotMet { reason: "SLOs not met: streamhub-publish-latency: 98%".into(), failed: vec![] };
    w.soak = Some(soak(SoakResult::Failed, not_met.clone(), None));
    let v = w.eval(&g);
    assert!(!v.passes);
    assert_eq!(
        v.requirements[0].reason,
        "soak test 2026-03-01 to 2026-03-08 failed: SLOs not met: streamhub-publish-latency: 98%"
    );
    let o = SoakOverride { result: SoakResult::Passed, reason: "synthetic load counted (STREAMHUB-9)".into() };
    w.soak = Some(soak(SoakResult::Passed, not_met, Some(o)));
    let v = w.eval(&g);
    assert!(v.passes);
    assert!(v.requirements[0].reason.ends_with("overridden by beatriz.nakamura: synthetic load counted (STREAMHUB-9)"));
    w.soak = Some(soak(SoakResult::NoData, SoakVerdict::NoData { reason: "api: no data in the window".into() }, None));
    assert!(!w.eval(&g).passes);
}

#[test]
fn who_may_vote_waive_pass_and_agree_capacity() {
    use super::{may_agree_capacity, may_pass_gate, may_propose_capacity, voting_team, waiving_team};
    let o = org();
    let svc = streamhub();
    let g = all(vec![approval("addon-sre"), approval("tenants-sre")]);
    // One asked team of theirs: that one; two: they must name one; none: forbidden.
    assert_eq!(voting_team(&o, &g, &svc, None, &pid("beatriz.nakamura"), None), Ok(tid("addon-sre")));
    let several = voting_team(&o, &g, &svc, None, &pid("cian.moreau"), None).unwrap_err();
    assert!(matches!(several, GateActError::WhichTeam { .. }) && !several.is_forbidden(), "{several}");
    let outsider = voting_team(&o, &g, &svc, None, &pid("camila.novak"), None).unwrap_err();
    assert!(outsider.is_forbidden() && outsider.to_string().contains("addon-sre, tenants-sre"), "{outsider}");

    // Waivers: the assigned SRE team or the architects; a named team must be one of them.
    let architects = tid("platform-sre");
    let sre = tid("addon-sre");
    let waive = |who: &str, named: Option<&str>| {
        waiving_team(&o, &g.id, &svc.id, Some(&sre), &architects, &pid(who), named.map(tid))
    };
    assert_eq!(waive("jonas.achterberg", None), Ok(architects.clone()));
    assert!(waive("noor.castellano", None).unwrap_err().is_forbidden());
    assert!(matches!(waive("aoife.delacroix", Some("tenants-sre")), Err(GateActError::NotAnApprover { .. })));

    // Passing a gate and proposing capacity are the owners'; agreeing it the SRE team's.
    assert!(may_pass_gate(&o, &g.id, &svc, &pid("noor.castellano")).is_ok());
    assert!(may_pass_gate(&o, &g.id, &svc, &pid("aoife.delacroix")).unwrap_err().is_forbidden());
    assert!(may_propose_capacity(&o, &svc, &pid("aoife.delacroix")).unwrap_err().is_forbidden());
    assert!(may_agree_capacity(&o, &svc.id, &sre, &pid("aoife.delacroix")).is_ok());
    assert!(may_agree_capacity(&o, &svc.id, &sre, &pid("noor.castellano")).unwrap_err().is_forbidden());
}
