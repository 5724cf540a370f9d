//! `kind: Gate` in `policies/`: production gates as code, and every bad gate named at
//! its file:line:column.

use crate::support::{messages, repo};

use baton_config::load;
use baton_core::gate::{AppliesTo, Requirement, ServiceRole};
use baton_core::pipeline::Stage;
use baton_core::{GateId, Period, TeamId};
use std::path::Path;

const ARCHITECTS: &str =
    "id: sre-architects\nname: SRE Architects\nkind: architects\nmembers:\n  - id: helga.marchetti\n    name: Helga Marchetti\n";
const PLATFORM_SRE: &str = "id: platform-sre\nname: Platform SRE\nkind: sre\nlead: marta.oyelaran\nmembers:\n  - id: marta.oyelaran\n    name: Marta Oyelaran\n  - id: jonas.achterberg\n    name: Jonas Achterberg\n";
const SUPPORT: &str = "id: customer-support\nname: Customer Support Engineering\nkind: stakeholder\narea: service-support\nmembers:\n  - id: camila.novak\n    name: Camila Novak\n";
const PIPELINE: &str = "kind: PipelinePolicy\narchitects_team: sre-architects\n";

fn with_gates(gates: &[(&str, &str)]) -> tempfile::TempDir {
    let mut files = vec![
        ("teams/architects.yaml", ARCHITECTS),
        ("teams/platform-sre.yaml", PLATFORM_SRE),
        ("teams/customer-support.yaml", SUPPORT),
        ("policies/pipeline.yaml", PIPELINE),
    ];
    files.extend_from_slice(gates);
    repo(&files)
}

fn gid(s: &str) -> GateId {
    GateId::parse(s).unwrap()
}

#[test]
fn a_gate_reads_into_its_requirement_tree() {
    let dir = with_gates(&[(
        "policies/gate-release.yaml",
        "kind: Gate
id: customer-release
name: Release to customers
applies_to: customer-facing
all_of:
  - approval: {team: customer-support, expires_after: 30d, invalidated_by_version_change: true}
  - any_of:
      - check: {name: e2e, max_age: 7d}
      - stage_at_least: sre-owned
  - approval: {role: owner, allow_shared_approver: true}
  - slo_viability: {}
  - slis_demonstrated: {min_days: 28}
  - support_cover: {min_members: 3}
  - service_definition:
  - capacity_agreed: {}
  - soak_test: {}
",
    )]);
    let loaded = load(dir.path());
    assert!(loaded.diagnostics.is_empty(), "{:?}", messages(dir.path()));
    let org = loaded.org.unwrap();
    let gate = &org.gates[&gid("customer-release")];
    assert_eq!(gate.name, "Release to customers");
    assert_eq!(gate.applies_to, AppliesTo::CustomerFacing);
    let Requirement::AllOf(items) = &gate.requirement else { panic!("{:?}", gate.requirement) };
    assert_eq!(
        items[0],
        Requirement::Approval {
            team: TeamId::parse("customer-support").unwrap(),
            allow_shared_approver: false,
            expires_after: Some(Period::days(30)),
            invalidated_by_version_change: true,
        }
    );
    assert_eq!(
        items[1],
        Requirement::AnyOf(vec![
            Requirement::Check { name: "e2e".into(), max_age: Period::days(7) },
            Requirement::StageAtLeast(Stage::SreOwned),
        ])
    );
    assert!(matches!(
        items[2],
        Requirement::RoleApproval { role: ServiceRole::Owner, allow_shared_approver: true, .. }
    ));
    assert_eq!(
        gate.requirement_ids(),
        [
            "approval:customer-support",
            "check:e2e",
            "stage-at-least",
            "approval:owner",
            "slo-viability",
            "slis-demonstrated",
            "support-cover",
            "service-definition",
            "capacity-agreed",
            "soak-test"
        ]
    );
}

#[test]
fn a_gate_without_applies_to_applies_to_every_service() {
    let dir = with_gates(&[(
        "policies/gate.yaml",
        "kind: Gate\nid: promote-to-prod\nname: Promote to production\nany_of:\n  - approval: {team: platform-sre}\n",
    )]);
    let org = load(dir.path()).org.expect("valid");
    assert_eq!(org.gates[&gid("promote-to-prod")].applies_to, AppliesTo::All);
}

#[test]
fn bad_requirements_are_each_named_at_their_place() {
    let dir = with_gates(&[(
        "policies/gate.yaml",
        "kind: Gate
id: customer-release
name: Release to customers
applies_to: everyone
all_of:
  - approval: {team: nobody-team}
  - stage_at_least: production
  - sign_off: {team: customer-support}
  - any_of: []
  - slis_demonstrated: {min_days: 0}
  - check: {name: e2e}
  - approval: {team: customer-support, role: owner}
  - support_cover: {min_members: 3, rotation: x}
  - service_definition: {link: x}
  - approval: {team: platform-sre, expires_after: soon}
",
    )]);
    let msgs = messages(dir.path());
    let has = |needle: &str| msgs.iter().any(|m| m.contains(needle));
    assert!(
        has("policies/gate.yaml:4:13: unknown applies_to `everyone`; use one of all, customer-facing, internal-only"),
        "{msgs:#?}"
    );
    assert!(has("policies/gate.yaml:6:22: approval team `nobody-team` is not a defined team (defined: customer-support, platform-sre, sre-architects)"), "{msgs:#?}");
    assert!(has("policies/gate.yaml:7:21: unknown stage `production` for stage_at_least; use one of draft, proposed, accepted, onboarding, transition, sre-owned"), "{msgs:#?}");
    assert!(
        has("policies/gate.yaml:8:5: unknown requirement kind `sign_off`; use one of all_of, any_of, approval,"),
        "{msgs:#?}"
    );
    assert!(has("policies/gate.yaml:9:5: `any_of` is empty: list at least one requirement"), "{msgs:#?}");
    assert!(has("policies/gate.yaml:10:35: `min_days` is `0`: give a whole number of days, at least 1"), "{msgs:#?}");
    assert!(has("policies/gate.yaml:11:5: missing key `max_age` in `check`"), "{msgs:#?}");
    assert!(
        has("policies/gate.yaml:12:5: an approval names exactly one of `team` (a team id) or `role` (owner or sre)"),
        "{msgs:#?}"
    );
    assert!(
        has("policies/gate.yaml:13:37: unknown key `rotation` in `support_cover`; it takes min_members"),
        "{msgs:#?}"
    );
    assert!(has("policies/gate.yaml:14:26: `service_definition` takes no settings"), "{msgs:#?}");
    assert!(has("policies/gate.yaml:15:51: `soon` is not a period"), "{msgs:#?}");
    assert_eq!(msgs.len(), 11, "{msgs:#?}");
    assert!(load(dir.path()).org.is_none(), "a repo with errors builds no organisation");
}

#[test]
fn a_gate_must_list_its_requirements_under_one_group() {
    let none = with_gates(&[("policies/gate.yaml", "kind: Gate\nid: g\nname: G\n")]);
    let msgs = messages(none.path());
    assert_eq!(msgs, ["policies/gate.yaml:1:1: missing key `all_of` or `any_of`: a Gate lists its requirements under `all_of` (every one must hold) or `any_of` (one must)"]);

    let both = with_gates(&[(
        "policies/gate.yaml",
        "kind: Gate\nid: g\nname: G\nall_of: [service_definition: {}]\nany_of: [capacity_agreed: {}]\n",
    )]);
    assert_eq!(
        messages(both.path()),
        ["policies/gate.yaml:5:1: a Gate has one of `all_of` or `any_of` at the top; nest the other inside it"]
    );
}

#[test]
fn duplicate_gates_and_requirements_are_refused() {
    let gate = "kind: Gate\nid: promote-to-prod\nname: Promote\nall_of:\n  - service_definition: {}\n";
    let dir = with_gates(&[
        ("policies/gate-a.yaml", gate),
        ("policies/gate-b.yaml", gate),
        (
            "policies/gate-c.yaml",
            "kind: Gate\nid: twice\nname: Twice\nall_of:\n  - approval: {team: platform-sre}\n  - any_of:\n      - approval: {team: platform-sre}\n",
        ),
    ]);
    let msgs = messages(dir.path());
    let has = |needle: &str| msgs.iter().any(|m| m.contains(needle));
    assert!(
        has("policies/gate-b.yaml:2:5: gate `promote-to-prod` is already defined at policies/gate-a.yaml:2:5"),
        "{msgs:#?}"
    );
    assert!(
        has("policies/gate-c.yaml:7:9: requirement `approval:platform-sre` is already listed at line 5"),
        "{msgs:#?}"
    );
}

#[test]
fn an_unknown_key_on_a_gate_names_the_keys_it_takes() {
    let dir = with_gates(&[(
        "policies/gate.yaml",
        "kind: Gate\nid: g\nname: G\nrequirements: []\nall_of: [service_definition: {}]\n",
    )]);
    assert_eq!(
        messages(dir.path()),
        ["policies/gate.yaml:4:1: unknown key `requirements`; a Gate has kind, id, name, description, applies_to, all_of, any_of"]
    );
}

#[test]
fn a_gates_directory_is_pointed_at_policies() {
    let dir = with_gates(&[("gates/release.yaml", "kind: Gate\n")]);
    let msgs = messages(dir.path());
    assert!(
        msgs.contains(&"gates/release.yaml:1:1: warning: gates/ is not read: gates live in policies/ as documents with `kind: Gate`".to_owned()),
        "{msgs:#?}"
    );
}

#[test]
fn the_example_organisation_ships_both_gates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/org");
    let org = load(&root).org.expect("the example organisation is valid");
    let promote = &org.gates[&gid("promote-to-prod")];
    let release = &org.gates[&gid("customer-release")];
    assert_eq!(promote.applies_to, AppliesTo::All);
    assert_eq!(release.applies_to, AppliesTo::CustomerFacing);
    // The reduced criteria are a handful; the full ones ask every stakeholder team.
    assert!(promote.leaves().len() < release.leaves().len());
    let release_ids = release.requirement_ids();
    for team in org.teams.values().filter(|t| t.area.is_some()) {
        assert!(release_ids.contains(&format!("approval:{}", team.id)), "no approval from {}", team.id);
    }
    for kind in ["slo-viability", "slis-demonstrated", "support-cover", "service-definition", "capacity-agreed"] {
        assert!(release_ids.iter().any(|id| id == kind), "customer-release lacks {kind}");
    }
}
