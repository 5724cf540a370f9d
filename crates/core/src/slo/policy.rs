//! Error-budget policy: what the state of an SLO's budget asks of people. A signal for
//! planning (freeze feature releases, prioritise reliability work), never a hard stop:
//! nothing in the pipeline is refused because of it.
//!
//! The state is decided here, from figures already computed: `exhausted` when no budget
//! remains; `at-risk` when less than the policy's threshold remains or a page tier fires;
//! `healthy` otherwise; `no-data` when the window had no traffic to judge.

use super::budget::ErrorBudget;
use super::measured::Measured;
use super::tier::BudgetShare;
use crate::TeamId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How an SLO's error budget stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum BudgetState {
    Healthy,
    AtRisk,
    Exhausted,
    /// No traffic in the window: nothing to judge, so nothing is asked of anyone.
    NoData,
}

impl BudgetState {
    pub const POLICY_STATES: [&'static str; 3] = ["healthy", "at-risk", "exhausted"];
}

impl fmt::Display for BudgetState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BudgetState::Healthy => "healthy",
            BudgetState::AtRisk => "at-risk",
            BudgetState::Exhausted => "exhausted",
            BudgetState::NoData => "no-data",
        })
    }
}

/// What one state asks for: actions in free text, and the teams to tell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateActions {
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default)]
    pub notify: Vec<TeamId>,
}

/// The organisation's error-budget policy (`kind: ErrorBudgetPolicy` in `policies/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBudgetPolicy {
    /// Below this share of the budget remaining, the SLO is at risk (default 25%).
    pub at_risk_below: BudgetShare,
    pub healthy: StateActions,
    pub at_risk: StateActions,
    pub exhausted: StateActions,
}

impl ErrorBudgetPolicy {
    pub fn default_at_risk_below() -> BudgetShare {
        BudgetShare::parse("0.25").expect("25% is a budget share")
    }

    /// What the policy asks for in `state` (nothing for `no-data`).
    pub fn for_state(&self, state: BudgetState) -> StateActions {
        match state {
            BudgetState::Healthy => self.healthy.clone(),
            BudgetState::AtRisk => self.at_risk.clone(),
            BudgetState::Exhausted => self.exhausted.clone(),
            BudgetState::NoData => StateActions::default(),
        }
    }
}

/// The policy's answer for one SLO at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyVerdict {
    pub state: BudgetState,
    pub actions: Vec<String>,
    pub notify: Vec<TeamId>,
}

/// The state of a budget: exhausted (remaining ≤ 0) before at-risk (remaining below
/// `at_risk_below`, or a page tier firing) before healthy; no data when there is no budget.
pub fn budget_state(budget: Measured<ErrorBudget>, page_firing: bool, at_risk_below: BudgetShare) -> BudgetState {
    match budget {
        Measured::Value(b) if b.is_exhausted() => BudgetState::Exhausted,
        Measured::Value(b) if b.remaining < at_risk_below.as_f64() => BudgetState::AtRisk,
        _ if page_firing => BudgetState::AtRisk,
        Measured::Value(_) => BudgetState::Healthy,
        Measured::NoData => BudgetState::NoData,
    }
}

/// The state under `policy` (the default threshold when there is none) and what it asks.
pub fn evaluate_policy(
    policy: Option<&ErrorBudgetPolicy>,
    budget: Measured<ErrorBudget>,
    page_firing: bool,
) -> PolicyVerdict {
    let threshold = policy.map_or_else(ErrorBudgetPolicy::default_at_risk_below, |p| p.at_risk_below);
    let state = budget_state(budget, page_firing, threshold);
    let StateActions { actions, notify } = policy.map(|p| p.for_state(state)).unwrap_or_default();
    PolicyVerdict { state, actions, notify }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::BudgetUnit;

    fn budget(remaining: f64) -> Measured<ErrorBudget> {
        Measured::Value(ErrorBudget {
            unit: BudgetUnit::Events,
            allowed: 100.0,
            spent: (1.0 - remaining) * 100.0,
            consumed: 1.0 - remaining,
            remaining,
        })
    }
    fn quarter() -> BudgetShare {
        ErrorBudgetPolicy::default_at_risk_below()
    }
    fn team(id: &str) -> TeamId {
        TeamId::parse(id).unwrap()
    }

    #[test]
    fn the_state_follows_the_budget_left() {
        assert_eq!(budget_state(budget(0.9), false, quarter()), BudgetState::Healthy);
        // Exactly 25% left is not below 25%.
        assert_eq!(budget_state(budget(0.25), false, quarter()), BudgetState::Healthy);
        assert_eq!(budget_state(budget(0.2499), false, quarter()), BudgetState::AtRisk);
        assert_eq!(budget_state(budget(0.0), false, quarter()), BudgetState::Exhausted);
        assert_eq!(budget_state(budget(-1.5), false, quarter()), BudgetState::Exhausted);
        let half = BudgetShare::parse("0.5").unwrap();
        assert_eq!(budget_state(budget(0.4), false, half), BudgetState::AtRisk);
    }

    #[test]
    fn a_firing_page_tier_puts_a_healthy_budget_at_risk_but_never_hides_exhaustion() {
        assert_eq!(budget_state(budget(0.9), true, quarter()), BudgetState::AtRisk);
        assert_eq!(budget_state(budget(-0.1), true, quarter()), BudgetState::Exhausted);
        assert_eq!(budget_state(Measured::NoData, true, quarter()), BudgetState::AtRisk);
    }

    #[test]
    fn no_traffic_is_no_data_not_healthy() {
        assert_eq!(budget_state(Measured::NoData, false, quarter()), BudgetState::NoData);
    }

    #[test]
    fn the_policy_names_the_actions_and_teams_of_the_state() {
        let policy = ErrorBudgetPolicy {
            at_risk_below: quarter(),
            healthy: StateActions::default(),
            at_risk: StateActions { actions: vec!["prioritise reliability work".into()], notify: vec![team("sre")] },
            exhausted: StateActions {
                actions: vec!["freeze feature releases".into()],
                notify: vec![team("sre"), team("architects")],
            },
        };
        let v = evaluate_policy(Some(&policy), budget(-0.2), false);
        assert_eq!(v.state, BudgetState::Exhausted);
        assert_eq!(v.actions, ["freeze feature releases"]);
        assert_eq!(v.notify, [team("sre"), team("architects")]);
        let v = evaluate_policy(Some(&policy), Measured::NoData, false);
        assert_eq!((v.state, v.actions.len(), v.notify.len()), (BudgetState::NoData, 0, 0));
        // Without a policy the state is still decided, with the default threshold.
        let v = evaluate_policy(None, budget(0.1), false);
        assert_eq!((v.state, v.actions.len()), (BudgetState::AtRisk, 0));
    }
}
