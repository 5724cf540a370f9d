//! Gate evaluation benchmark: both example gates (`promote-to-prod`, `customer-release`)
//! for 2,000 services, each with its own votes (some withdrawn, expired or blocking),
//! check results and waivers. Target: every gate for 2,000 services under 100 ms.
//! Figures are in BENCHMARKS.md.
//!
//! Run with `cargo bench -p baton-core --bench gate`.

use std::collections::BTreeMap;
use std::hint::black_box;

use baton_core::gate::{
    evaluate, AppliesTo, Approval, CapacityAgreement, CheckResult, Gate, GateInputs, Requirement, RotationSize,
    ServiceRole, SupportFacts, Vote, Waiver,
};
use baton_core::org::{Org, ServiceDef, ServiceLinks, Team, TeamKind};
use baton_core::pipeline::Stage;
use baton_core::{GateId, Link, Period, PersonId, ServiceId, SloId, TeamId, Timestamp, Viability};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const SERVICES: usize = 2000;
const STAKEHOLDERS: [&str; 8] = [
    "customer-support",
    "e2e-testing",
    "platform-sre",
    "platform-pm",
    "addon-pm",
    "service-dev-ux",
    "subscriptions",
    "tenants-sre",
];

fn tid(s: &str) -> TeamId {
    TeamId::parse(s).unwrap()
}
fn pid(s: String) -> PersonId {
    PersonId::parse(&s).unwrap()
}
fn now() -> Timestamp {
    "2026-06-01T12:00:00Z".parse().unwrap()
}

fn approval(team: &str, expires: i64) -> Requirement {
    Requirement::Approval {
        team: tid(team),
        allow_shared_approver: false,
        expires_after: Some(Period::days(expires)),
        invalidated_by_version_change: false,
    }
}

fn role(role: ServiceRole, by_version: bool) -> Requirement {
    Requirement::RoleApproval {
        role,
        allow_shared_approver: false,
        expires_after: None,
        invalidated_by_version_change: by_version,
    }
}

/// The two gates of examples/org/policies, built directly (core reads no YAML).
fn gates() -> Vec<Gate> {
    let e2e = Requirement::Check { name: "e2e".into(), max_age: Period::days(7) };
    let promote = Gate {
        id: GateId::parse("promote-to-prod").unwrap(),
        name: "Promote to production".into(),
        description: None,
        applies_to: AppliesTo::All,
        requirement: Requirement::AllOf(vec![
            approval("tenants-sre", 30),
            e2e.clone(),
            role(ServiceRole::Owner, true),
            Requirement::StageAtLeast(Stage::Onboarding),
            Requirement::ServiceDefinition,
        ]),
    };
    let mut all = vec![role(ServiceRole::Sre, false)];
    all.extend(STAKEHOLDERS.iter().map(|t| approval(t, 90)));
    all.extend([
        Requirement::SloViability,
        Requirement::SlisDemonstrated { min_days: 28 },
        Requirement::SupportCover { min_members: 3 },
        Requirement::ServiceDefinition,
        e2e,
        Requirement::CapacityAgreed,
        Requirement::StageAtLeast(Stage::Transition),
    ]);
    let release = Gate {
        id: GateId::parse("customer-release").unwrap(),
        name: "Release to customers".into(),
        description: None,
        applies_to: AppliesTo::CustomerFacing,
        requirement: Requirement::AllOf(all),
    };
    vec![promote, release]
}

/// Three members per team; each stakeholder team shares one member with the next, so
/// the approver matching has real work to do.
fn org() -> Org {
    let mut org = Org::default();
    let mut teams: Vec<(String, TeamKind)> =
        STAKEHOLDERS.iter().map(|t| (t.to_string(), TeamKind::Stakeholder)).collect();
    teams.push(("addon-sre".into(), TeamKind::Sre));
    teams.extend((0..20).map(|k| (format!("dev-{k}"), TeamKind::ServiceOwner)));
    for (i, (id, kind)) in teams.iter().enumerate() {
        let members = vec![pid(format!("p{i}.a")), pid(format!("p{i}.b")), pid(format!("p{}.a", i + 1))];
        let team = Team {
            id: tid(id),
            name: id.clone(),
            kind: *kind,
            area: None,
            lead: Some(members[0].clone()),
            members,
            chat: None,
            email: None,
        };
        org.teams.insert(team.id.clone(), team);
    }
    org
}

struct Service {
    def: ServiceDef,
    approvals: Vec<Approval>,
    checks: Vec<CheckResult>,
    waivers: Vec<Waiver>,
    sli_days: BTreeMap<SloId, baton_core::slo::DataDays>,
}

fn services(org: &Org) -> Vec<Service> {
    let link = Link::parse("https://git.example.com/mr/1").unwrap();
    let at = |days: i64| now() - jiff::SignedDuration::from_hours(24 * days);
    (0..SERVICES)
        .map(|s| {
            let owner = format!("dev-{}", s % 20);
            let mut approvals = Vec::new();
            for (i, team) in STAKEHOLDERS.iter().chain(["addon-sre", owner.as_str()].iter()).enumerate() {
                // Most teams agreed; some twice, some long ago, one in seven objects.
                for person in org.teams[&tid(team)].members.iter().take(1 + (s + i) % 2) {
                    approvals.push(Approval {
                        person: person.clone(),
                        team: tid(team),
                        vote: if (s + i) % 7 == 0 { Vote::Minus } else { Vote::Plus },
                        comment: "LGTM".into(),
                        evidence: link.clone(),
                        version: Some("1.2.0".into()),
                        at: at(((s * 7 + i * 13) % 120) as i64),
                        withdrawn_at: ((s + i) % 11 == 0).then(|| at(1)),
                    });
                }
            }
            let checks = (0..5)
                .map(|k| CheckResult {
                    name: "e2e".into(),
                    passed: (s + k) % 4 != 0,
                    summary: "212 tests, 0 failures, 0 errors".into(),
                    at: at((k * 3) as i64),
                    evidence: None,
                })
                .collect();
            let waivers = vec![Waiver {
                requirement: "check:e2e".into(),
                reason: "suite down".into(),
                approved_by: pid("p2.a".into()),
                approver_team: tid("platform-sre"),
                expires_at: at((s % 3) as i64 - 1),
                at: at(10),
            }];
            let sli_days = (0..3)
                .map(|k| {
                    (
                        SloId::parse(&format!("svc{s}-slo{k}")).unwrap(),
                        baton_core::slo::DataDays::recent((20 + s % 12) as u32),
                    )
                })
                .collect();
            let def = ServiceDef {
                id: ServiceId::parse(&format!("svc{s}")).unwrap(),
                name: format!("Service {s}"),
                description: None,
                owner_team: tid(&owner),
                links: ServiceLinks { service_definition: Some(link.clone()), ..Default::default() },
                internal_only: s % 10 == 0,
                transition_window: None,
                personas: Default::default(),
                system: None,
                lifecycle: None,
            };
            Service { def, approvals, checks, waivers, sli_days }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let org = org();
    let gates = gates();
    let services = services(&org);
    let support = SupportFacts {
        sre_team: Some(tid("addon-sre")),
        rotations: vec![RotationSize { rotation: "addon-sre".into(), members: 3 }],
        escalation_policy: Some("addon-sre-24x7".into()),
    };
    let capacity = CapacityAgreement {
        max_installs: 50,
        max_installs_per_week: 5,
        approved_by: Some(pid("p8.a".into())),
        at: now(),
    };
    let viability = Viability::Met { evidence: "SLOs met".into() };
    let mut group = c.benchmark_group("gate");
    group.throughput(Throughput::Elements((SERVICES * gates.len()) as u64));
    group.bench_function("every gate for 2000 services", |b| {
        b.iter(|| {
            let mut passed = 0;
            for s in &services {
                for g in &gates {
                    let inputs = GateInputs {
                        org: &org,
                        service: &s.def,
                        stage: Stage::Transition,
                        version: Some("1.2.0"),
                        approvals: &s.approvals,
                        checks: &s.checks,
                        waivers: &s.waivers,
                        soak: None,
                        slo_viability: Some(&viability),
                        sli_days: &s.sli_days,
                        support: &support,
                        capacity: Some(&capacity),
                        now: now(),
                    };
                    passed += usize::from(black_box(evaluate(g, &inputs)).passes);
                }
            }
            passed
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
