//! `kind: ErrorBudgetPolicy` in `policies/`: what each budget state asks, and every bad
//! value named at its file:line:column.

use crate::support::{messages, repo};

use baton_config::load;
use baton_core::slo::BudgetState;

const ARCHITECTS: &str =
    "id: sre-architects\nname: SRE Architects\nkind: architects\nmembers:\n  - id: ada\n    name: Ada Quill\n";
const SRE: &str =
    "id: ledger-sre\nname: Ledger SRE\nkind: sre\nlead: lena\nmembers:\n  - id: lena\n    name: Lena Ortiz\n";
const PIPELINE: &str = "kind: PipelinePolicy\narchitects_team: sre-architects\n";

fn with_policy(policy: &str) -> tempfile::TempDir {
    repo(&[
        ("teams/architects.yaml", ARCHITECTS),
        ("teams/sre.yaml", SRE),
        ("policies/pipeline.yaml", PIPELINE),
        ("policies/budget.yaml", policy),
    ])
}

#[test]
fn a_policy_maps_each_state_to_actions_and_teams() {
    let dir = with_policy(
        "kind: ErrorBudgetPolicy\nat_risk_below: 0.3\nstates:\n  at-risk:\n    actions: [prioritise reliability work]\n    notify: [ledger-sre]\n  exhausted:\n    actions: [freeze feature releases]\n    notify: [ledger-sre, sre-architects]\n",
    );
    let loaded = load(dir.path());
    assert!(loaded.diagnostics.is_empty(), "{:?}", messages(dir.path()));
    let policy = loaded.org.unwrap().budget_policy.expect("the policy is read");
    assert_eq!(policy.at_risk_below.as_f64(), 0.3);
    assert!(policy.healthy.actions.is_empty());
    assert_eq!(policy.for_state(BudgetState::Exhausted).actions, ["freeze feature releases"]);
    let notified: Vec<_> = policy.exhausted.notify.iter().map(|t| t.as_str()).collect();
    assert_eq!(notified, ["ledger-sre", "sre-architects"]);
}

#[test]
fn the_threshold_defaults_to_a_quarter_of_the_budget() {
    let dir = with_policy("kind: ErrorBudgetPolicy\n");
    let policy = load(dir.path()).org.unwrap().budget_policy.unwrap();
    assert_eq!(policy.at_risk_below.as_f64(), 0.25);
}

#[test]
fn bad_policies_are_named_at_their_place() {
    let dir = with_policy(
        "kind: ErrorBudgetPolicy\nat_risk_below: 1.5\nstates:\n  exhausted:\n    actions: [\"  \"]\n    notify: [ledger-sre, nobody-team]\n",
    );
    let msgs = messages(dir.path());
    let has = |needle: &str| msgs.iter().any(|m| m.contains(needle));
    assert!(has("policies/budget.yaml:2:16: `at_risk_below` is `1.5`"), "{msgs:#?}");
    assert!(has("policies/budget.yaml:5:15: an empty action in state `exhausted`"), "{msgs:#?}");
    assert!(has("policies/budget.yaml:6:26: notify team `nobody-team` is not a defined team"), "{msgs:#?}");
    assert!(load(dir.path()).org.is_none(), "a repo with errors builds no organisation");
}

#[test]
fn unknown_states_and_a_second_policy_are_errors() {
    let dir = repo(&[
        ("teams/architects.yaml", ARCHITECTS),
        ("policies/pipeline.yaml", PIPELINE),
        ("policies/a.yaml", "kind: ErrorBudgetPolicy\n"),
        ("policies/b.yaml", "kind: ErrorBudgetPolicy\n"),
        ("policies/c.yaml", "kind: ErrorBudgetPolicy\nstates:\n  burning:\n    actions: [panic]\n"),
    ]);
    let msgs = messages(dir.path());
    let has = |needle: &str| msgs.iter().any(|m| m.contains(needle));
    assert!(has("policies/c.yaml:3:3: unknown key `burning`"), "names the unknown state: {msgs:#?}");
    assert!(msgs.iter().any(|m| m.contains("at-risk")), "lists the states allowed: {msgs:#?}");
    assert!(has("policies/b.yaml:1:1: a second ErrorBudgetPolicy"), "{msgs:#?}");
}
