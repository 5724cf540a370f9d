//! Shared fixtures of the paging tests, and the escalation timing properties.

use super::*;
use crate::org::{ServiceDef, ServiceLinks, Team, TeamKind};
use crate::{Org, Period, PersonId, ServiceId, TeamId, Timestamp};
use proptest::prelude::*;

/// `secs` seconds after the epoch.
pub fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap()
}

pub fn incoming(key: &str, severity: Severity) -> Incoming {
    Incoming {
        dedup_key: key.into(),
        action: Action::Trigger,
        summary: format!("{key} is firing"),
        severity,
        source: Some("broker-1".into()),
        details: serde_json::json!({"labels": {"alertname": key}}),
        runbook_url: None,
        group_key: None,
    }
}

pub fn route_to(policy: &str) -> Route {
    Route { policy: PolicyId::parse(policy).unwrap(), reason: format!("test route to {policy}") }
}

/// Team ids the fixtures know; any other target name is a person.
const TEAMS: [&str; 2] = ["platform-sre", "nobody-team"];

/// A policy whose steps each wait 10 minutes; a target naming one of [`TEAMS`] is that team.
pub fn policy(id: &str, team: &str, purpose: Purpose, steps: &[&[&str]], repeat: u32) -> EscalationPolicy {
    let target = |name: &&str| {
        if TEAMS.contains(name) {
            Target::Team(TeamId::parse(name).unwrap())
        } else {
            Target::Person(PersonId::parse(name).unwrap())
        }
    };
    EscalationPolicy {
        id: PolicyId::parse(id).unwrap(),
        name: id.into(),
        team: TeamId::parse(team).unwrap(),
        purpose,
        steps: steps
            .iter()
            .map(|s| EscalationStep { targets: s.iter().map(target).collect(), delay: Period::parse("10m").unwrap() })
            .collect(),
        repeat,
        channels: vec![],
    }
}

/// platform-sre has marta, jonas and dmitri; nobody-team nobody; a rotation is marta's.
pub fn resolver() -> impl Fn(&Target) -> Vec<PersonId> {
    |target| {
        let ids: &[&str] = match target {
            Target::Team(t) if t.as_str() == "platform-sre" => &["marta.oyelaran", "jonas.achterberg", "dmitri.osei"],
            Target::Team(_) => &[],
            Target::Rotation(_) => &["marta.oyelaran"],
            Target::Person(p) => return vec![p.clone()],
        };
        ids.iter().map(|s| PersonId::parse(s).unwrap()).collect()
    }
}

/// streamhub (owned by streamhub-dev), the SRE team platform-sre, and a policy of each kind.
pub fn example_org() -> Org {
    let mut org = Org::default();
    for (id, kind) in [("streamhub-dev", TeamKind::ServiceOwner), ("platform-sre", TeamKind::Sre)] {
        let team = Team {
            id: TeamId::parse(id).unwrap(),
            name: id.into(),
            kind,
            area: None,
            lead: None,
            members: vec![],
            chat: None,
            email: None,
        };
        org.teams.insert(team.id.clone(), team);
    }
    let service = ServiceDef {
        id: ServiceId::parse("streamhub").unwrap(),
        name: "StreamHub".into(),
        description: None,
        owner_team: TeamId::parse("streamhub-dev").unwrap(),
        links: ServiceLinks::default(),
        internal_only: false,
        transition_window: None,
        personas: Default::default(),
        system: None,
        lifecycle: None,
    };
    org.services.insert(service.id.clone(), service);
    for p in [
        policy("streamhub-dev-page", "streamhub-dev", Purpose::Page, &[&["noor.castellano"]], 0),
        policy("platform-sre-24x7", "platform-sre", Purpose::Page, &[&["marta.oyelaran"]], 2),
        policy("platform-sre-tickets", "platform-sre", Purpose::Ticket, &[&["platform-sre"]], 0),
    ] {
        org.escalations.insert(p.id.clone(), p);
    }
    org
}

#[test]
fn policies_round_trip_through_definitions() {
    let org = example_org();
    let defs = org.definitions();
    assert!(defs.iter().any(|d| d.key() == "escalation-policy/platform-sre-24x7"));
    assert_eq!(Org::from_definitions(defs), org);
}

/// A generated policy: per step, the people it pages (empty: nobody on call) and its
/// delay in minutes.
fn arb_policy() -> impl Strategy<Value = (Vec<(Vec<u8>, i64)>, u32)> {
    let step = (prop::collection::vec(0u8..4, 0..3), 1i64..90);
    (prop::collection::vec(step, 1..5), 0u32..3)
}

/// Person 0 is "nobody": a target that resolves to no one.
fn build((steps, repeat): &(Vec<(Vec<u8>, i64)>, u32)) -> EscalationPolicy {
    let mut p = policy("gen", "platform-sre", Purpose::Page, &[], *repeat);
    for (people, minutes) in steps {
        let targets = people
            .iter()
            .map(|n| if *n == 0 { "nobody-team".to_owned() } else { format!("person-{n}") })
            .map(|name| {
                if name == "nobody-team" {
                    Target::Team(TeamId::parse(&name).unwrap())
                } else {
                    Target::Person(PersonId::parse(&name).unwrap())
                }
            })
            .collect();
        p.steps.push(EscalationStep { targets, delay: Period::parse(&format!("{minutes}m")).unwrap() });
    }
    p
}

/// When each step pages, by the rules written out plainly: non-empty steps page in order,
/// each followed by its delay; empty ones take no time.
fn expected_pages(p: &EscalationPolicy, start: Timestamp) -> (Vec<(Timestamp, u32, usize)>, Timestamp) {
    let mut at = start;
    let mut out = Vec::new();
    for round in 0..=p.repeat {
        for (i, step) in p.steps.iter().enumerate() {
            if step.targets.iter().any(|t| matches!(t, Target::Person(_))) {
                out.push((at, round, i));
                at = step.delay.after(at);
            }
        }
    }
    (out, at)
}

proptest! {
    #[test]
    fn escalation_follows_the_schedule_and_stops_at_acknowledgement(
        generated in arb_policy(),
        ack_after in prop::option::of(0i64..20_000),
    ) {
        let p = build(&generated);
        let start = t(1_000_000);
        let service = ServiceId::parse("streamhub").unwrap();
        let mut alert = Alert::open(service, incoming("k", Severity::Critical), route_to("gen"), start).unwrap();
        let ack_at = ack_after.map(|s| t(1_000_000 + s));
        let mut pages: Vec<(Timestamp, u32, usize)> = Vec::new();
        let mut last = start;
        let mut calls = 0;
        while let Some(due) = alert.escalation.next_at {
            calls += 1;
            prop_assert!(calls < 1_000, "escalation does not end");
            prop_assert!(due >= last, "escalation times go back: {due} after {last}");
            last = due;
            if let Some(ack) = ack_at.filter(|a| *a <= due) {
                alert.acknowledge(Actor::Source, ack).unwrap();
                break;
            }
            let e = alert.escalate(&p, due, resolver(), |_| true).unwrap();
            pages.extend(e.pages.iter().map(|pg| (due, pg.round, pg.step)));
        }
        // After an acknowledgement, nothing is due and nothing pages, whenever asked.
        for later in [0, 1, 60, 86_400] {
            let at = t(1_000_000 + 30_000 + later);
            prop_assert!(alert.escalate(&p, at, resolver(), |_| true).unwrap().pages.is_empty());
        }
        let (expected, end) = expected_pages(&p, start);
        let any_person = !expected.is_empty();
        // Steps with several people page each at the same instant: compare distinct steps.
        pages.dedup();
        match ack_at {
            None if any_person => {
                prop_assert_eq!(&pages, &expected);
                prop_assert_eq!(last, end, "exhausted when the last page's delay ran out");
                prop_assert_eq!(alert.history.last().unwrap().kind, EventKind::Exhausted);
            }
            Some(ack) if any_person => {
                let before: Vec<_> = expected.into_iter().filter(|(at, _, _)| *at < ack).collect();
                prop_assert_eq!(&pages, &before, "a page after the acknowledgement");
            }
            // Nobody in any step: no page, and the rounds still come to an end.
            _ => prop_assert!(pages.is_empty()),
        }
    }
}
