//! SLO governance in the definition repo: personas and the RACI chart of `policies/`, a
//! service's `personas:`, and the lifecycle annotations of an SLO, each mistake named at
//! its file:line:column.

use crate::support::{messages, repo};
use baton_config::load;
use baton_core::raci::{Assignee, RaciChart};
use baton_core::slo::Phase;
use baton_core::{PersonaId, TeamId};
use std::path::Path;

const OWNERS: &str = "id: ledger-dev\nname: Ledger developers\nkind: service-owner\nlead: olu\nmembers:\n  - id: olu\n    name: Olu Brandt\n  - id: kim\n    name: Kim Sato\n";
const PM: &str = "id: ledger-pm\nname: Ledger PM\nkind: stakeholder\nmembers:\n  - id: pia\n    name: Pia Holm\n";
const ARCHITECTS: &str =
    "id: sre-architects\nname: SRE Architects\nkind: architects\nmembers:\n  - id: ada\n    name: Ada Quill\n";
const PIPELINE: &str = "kind: PipelinePolicy\narchitects_team: sre-architects\n";
const LEDGER: &str = "id: ledger\nname: Ledger\nowner_team: ledger-dev\n";

fn with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let mut all = vec![
        ("teams/ledger-dev.yaml", OWNERS),
        ("teams/ledger-pm.yaml", PM),
        ("teams/architects.yaml", ARCHITECTS),
        ("policies/pipeline.yaml", PIPELINE),
    ];
    if !files.iter().any(|(p, _)| *p == "services/ledger.yaml") {
        all.push(("services/ledger.yaml", LEDGER));
    }
    all.extend_from_slice(files);
    repo(&all)
}

fn has(msgs: &[String], needle: &str) -> bool {
    msgs.iter().any(|m| m.contains(needle))
}

#[test]
fn the_example_chart_is_the_seeds_chart_and_resolves_per_service() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/org");
    let org = load(&root).org.expect("the example organisation loads");
    assert_eq!(
        org.raci.as_ref(),
        Some(&RaciChart::seed()),
        "policies/raci-chart.yaml is the talk's chart, cell for cell"
    );
    let personas = org.personas.as_ref().expect("policies/personas.yaml");
    assert_eq!(personas.personas.len(), 7);
    let tenant = &org.services[&baton_core::ServiceId::parse("tenant-insights").unwrap()];
    let po = PersonaId::parse("product-owner").unwrap();
    assert_eq!(tenant.personas[&po], [Assignee::Team(TeamId::parse("platform-pm").unwrap())]);
}

#[test]
fn a_chart_without_r_or_a_or_with_unknown_letters_personas_or_events_is_refused_where_written() {
    let chart = "kind: RaciChart
steps:
  - id: agree
    name: Agree on SLO
    cells: {service-owner: C, product-owner: I}
  - id: existence
    name: Existence of SLO
    cells: {service-owner: A/R, engineering-lead: A}
  - id: handle-error-budget
    name: Handle Error Budget
    cells: {service-owner: A/X, qa-wizard: R, product-owner: A/R}
    notify_on: [budget-at-risk, budget-burning]
";
    let dir = with(&[("policies/raci.yaml", chart)]);
    let msgs = messages(dir.path());
    let expected = [
        "policies/raci.yaml:3:9: step `agree` has no Responsible",
        "policies/raci.yaml:3:9: step `agree` has no Accountable",
        "policies/raci.yaml:6:9: warning: step `existence` has 2 Accountable personas (`engineering-lead`, `service-owner`)",
        "policies/raci.yaml:11:28: persona `service-owner`: `X` is not a RACI letter: a cell holds R, A, C or I, or several joined by '/' like A/R",
        "policies/raci.yaml:11:33: unknown persona `qa-wizard` (defined: service-owner, product-owner, engineering-lead",
        "policies/raci.yaml:12:33: unknown event `budget-burning`; use one of budget-at-risk, budget-exhausted",
        "policies/raci.yaml:1:1: warning: no step has `roadmap-proposed` in `notify_on`",
    ];
    for e in expected {
        assert!(has(&msgs, e), "missing {e:?} in {msgs:#?}");
    }
    assert!(load(dir.path()).org.is_none(), "a chart with errors builds no organisation");
}

#[test]
fn personas_and_their_defaults_are_checked_and_services_map_them() {
    let personas = "kind: Personas
personas:
  - id: service-owner
    name: Service Owner
    default: owner-lead
  - id: product-owner
    name: Product Owner
  - id: sre-ic
    name: SRE IC
    default: sre-team
";
    let chart = "kind: RaciChart
steps:
  - id: handle-error-budget
    name: Handle Error Budget
    cells: {service-owner: R, product-owner: A, sre-ic: I}
    notify_on: [budget-at-risk, budget-exhausted, objective-changed, roadmap-proposed, roadmap-agreed]
";
    let mapped = "id: wallet\nname: Wallet\nowner_team: ledger-dev\npersonas:\n  product-owner: [ledger-pm, olu]\n";
    let dir =
        with(&[("policies/personas.yaml", personas), ("policies/raci.yaml", chart), ("services/wallet.yaml", mapped)]);
    let loaded = load(dir.path());
    let msgs: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    // Ledger maps nobody as product owner, which has no default; wallet does.
    assert_eq!(
        msgs,
        ["services/ledger.yaml:1:5: warning: personas not mapped for service `ledger`: `product-owner`; map them under `personas:` (team or person ids) or give them a default in the Personas policy"]
    );
    let org = loaded.org.unwrap();
    let wallet = &org.services[&baton_core::ServiceId::parse("wallet").unwrap()];
    let po = &wallet.personas[&PersonaId::parse("product-owner").unwrap()];
    assert_eq!(po.iter().map(|a| a.to_string()).collect::<Vec<_>>(), ["team ledger-pm", "olu"]);
    assert_eq!(org.raci.unwrap().steps[0].notify_on.len(), 5);
}

#[test]
fn bad_persona_mappings_and_defaults_are_named() {
    let personas = "kind: Personas
personas:
  - id: service-owner
    name: Service Owner
    default: owner-boss
  - id: product-owner
    name: Product Owner
    default: {team: no-such-team}
";
    let service =
        "id: ledger\nname: Ledger\nowner_team: ledger-dev\npersonas:\n  chief-of-vibes: [olu]\n  service-owner: [nobody]\n";
    let dir = with(&[("policies/personas.yaml", personas), ("services/ledger.yaml", service)]);
    let msgs = messages(dir.path());
    for e in [
        "policies/personas.yaml:5:14: unknown default `owner-boss`; use one of owner-lead, owner-team, sre-team, sre-lead, architects, {team: ID} or {person: ID}",
        "policies/personas.yaml:8:21: team `no-such-team` is not a defined team",
        "services/ledger.yaml:5:3: unknown persona `chief-of-vibes`",
        "services/ledger.yaml:6:19: `nobody` is neither a defined team nor a person of any team",
    ] {
        assert!(has(&msgs, e), "missing {e:?} in {msgs:#?}");
    }
}

const SLO: &str = "apiVersion: openslo/v1
kind: SLO
metadata:
  name: ledger-availability
  annotations:
    baton.dev/phase: iteration
    baton.dev/aspirational: \"true\"
    baton.dev/objective-history: \"2026-01-01=0.99, 2026-03-01T12:00:00Z=0.995\"
spec:
  service: ledger
  budgetingMethod: Occurrences
  indicator:
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Baton}}
        total: {metricSource: {type: Baton}}
  objectives:
    - target: 0.995
";

#[test]
fn an_slo_carries_its_phase_aspiration_and_objective_history() {
    let dir = with(&[("slos/ledger.yaml", SLO)]);
    let loaded = load(dir.path());
    assert!(loaded.diagnostics.is_empty(), "{:#?}", messages(dir.path()));
    let org = loaded.org.unwrap();
    let slo = org.slos.values().next().unwrap();
    assert!(slo.is_aspirational());
    assert_eq!(slo.lifecycle.phase, Some(Phase::Iteration));
    let history: Vec<String> = slo.lifecycle.history.iter().map(|c| format!("{}={}", c.from, c.objective)).collect();
    assert_eq!(history, ["2026-01-01T00:00:00Z=0.99", "2026-03-01T12:00:00Z=0.995"]);
    assert_eq!(slo.objective_at("2026-02-01T00:00:00Z".parse().unwrap()).to_string(), "0.99");
}

#[test]
fn bad_lifecycle_annotations_are_named() {
    let bad = SLO
        .replace("phase: iteration", "phase: tinkering")
        .replace("aspirational: \\\"true\\\"", "aspirational: \\\"maybe\\\"")
        .replace("\"true\"", "\"maybe\"");
    let dir = with(&[("slos/ledger.yaml", &bad)]);
    let msgs = messages(dir.path());
    assert!(has(&msgs, "slos/ledger.yaml:6:22: `baton.dev/phase` is `tinkering`: the SLO lifecycle has the phases research, implementation, iteration"), "{msgs:#?}");
    assert!(has(&msgs, "slos/ledger.yaml:7:29: `baton.dev/aspirational` is `maybe`"), "{msgs:#?}");

    let disagrees = SLO.replace("target: 0.995", "target: 0.999");
    let dir = with(&[("slos/ledger.yaml", &disagrees)]);
    let msgs = messages(dir.path());
    assert!(
        has(&msgs, "slos/ledger.yaml:8:34: `baton.dev/objective-history` ends with 0.995 from 2026-03-01T12:00:00Z, but the objective is 0.999"),
        "{msgs:#?}"
    );
    let backwards = SLO.replace("2026-03-01T12:00:00Z=0.995", "2025-12-01=0.995");
    let dir = with(&[("slos/ledger.yaml", &backwards)]);
    assert!(has(&messages(dir.path()), "2025-12-01 is not after the entry before it"), "{:#?}", messages(dir.path()));
    let garbled = SLO.replace("2026-01-01=0.99", "soon=0.99");
    let dir = with(&[("slos/ledger.yaml", &garbled)]);
    assert!(has(&messages(dir.path()), "`soon` is not a date"), "{:#?}", messages(dir.path()));
}
