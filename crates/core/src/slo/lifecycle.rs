//! An SLO's life besides its maths: the phase it is in (research, implementation,
//! iteration), whether it is aspirational, and the dated history of its objective.
//!
//! **Versioned objectives.** An objective changes on a date; figures over a window that
//! spans the change must not judge the weeks before it against a target nobody had agreed
//! yet. The window is cut at every change inside it, and each part is tallied against the
//! objective in force in it. The part's error budget allows `(1 − objectiveᵢ) × totalᵢ`
//! bad units; the window's budget allows the sum of those, and spends the sum of the bad
//! units. That is the same as judging the whole window against its *effective objective*:
//! the mean of the objectives in force, weighted by each part's units (events, or minutes
//! with data), which is what [`effective_objective`] returns (rounded to a billionth, the
//! precision objectives are written in). A part without data weighs nothing.

use super::budget::{ErrorBudget, Tally};
use super::measured::Measured;
use super::objective::Objective;
use super::ratio::SCALE;
use super::window::Window;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The three phases of the SLO lifecycle (the SLO practices talk): finding what to
/// measure, building the measurement, then living with it and adjusting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Research,
    Implementation,
    Iteration,
}

impl Phase {
    pub const ALL: [&'static str; 3] = ["research", "implementation", "iteration"];

    pub fn parse(s: &str) -> Option<Phase> {
        match s {
            "research" => Some(Phase::Research),
            "implementation" => Some(Phase::Implementation),
            "iteration" => Some(Phase::Iteration),
            _ => None,
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Research => "research",
            Phase::Implementation => "implementation",
            Phase::Iteration => "iteration",
        })
    }
}

/// From `from` on, the SLO promised `objective`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectiveChange {
    pub from: Timestamp,
    pub objective: Objective,
}

/// Where an SLO stands in its life. The default (no phase, binding, no history) is what an
/// SLO without Baton's lifecycle annotations is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lifecycle {
    // `required`: each field is always written, `default` only matters when reading.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub phase: Option<Phase>,
    /// Tracked and reported, but it never pages and never decides a verdict: an SLO that
    /// says what matters before there are the means to hold it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub aspirational: bool,
    /// The objective's changes, oldest first, each strictly after the one before; the last
    /// one's objective is the SLO's `objective`. Empty: the objective never changed.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub history: Vec<ObjectiveChange>,
}

impl Lifecycle {
    pub fn is_default(&self) -> bool {
        *self == Lifecycle::default()
    }

    /// The objective in force at `t`: that of the latest change at or before `t`; before
    /// the first change, the first objective (the earliest one known); `current` when
    /// there is no history.
    pub fn objective_at(&self, t: Timestamp, current: Objective) -> Objective {
        match self.history.iter().rev().find(|c| c.from <= t) {
            Some(c) => c.objective,
            None => self.history.first().map_or(current, |c| c.objective),
        }
    }

    /// `window` cut at every change strictly inside it, each part with its objective.
    /// Always at least one part, the whole window when nothing changed in it.
    pub fn parts(&self, window: Window, current: Objective) -> Vec<(Window, Objective)> {
        let mut cuts: Vec<Timestamp> =
            self.history.iter().map(|c| c.from).filter(|t| *t > window.start() && *t < window.end()).collect();
        cuts.dedup();
        let mut parts = Vec::with_capacity(cuts.len() + 1);
        let mut start = window.start();
        for cut in cuts.into_iter().chain([window.end()]) {
            let part = Window::new(start, cut).expect("cuts are ascending and inside the window");
            parts.push((part, self.objective_at(start, current)));
            start = cut;
        }
        parts
    }
}

/// One part of a window, judged against the objective in force in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectivePart {
    pub window: Window,
    pub objective: Objective,
    pub attainment: Measured<f64>,
    pub budget: Measured<ErrorBudget>,
    pub tally: Tally,
}

impl ObjectivePart {
    pub fn new(window: Window, objective: Objective, tally: Tally) -> Self {
        Self { window, objective, attainment: tally.attainment(), budget: tally.error_budget(objective), tally }
    }
}

/// The objective a window made of `parts` is judged against: the mean of their objectives
/// weighted by their units, so that its budget is the sum of theirs (see the module doc).
/// `fallback` when no part has data.
pub fn effective_objective(parts: &[ObjectivePart], fallback: Objective) -> Objective {
    let total: u128 = parts.iter().map(|p| u128::from(p.tally.total)).sum();
    if total == 0 {
        return fallback;
    }
    if parts.iter().filter(|p| p.tally.total > 0).all(|p| p.objective == parts[0].objective) {
        return parts.iter().find(|p| p.tally.total > 0).map_or(fallback, |p| p.objective);
    }
    // Σ (1 − oᵢ)·totalᵢ / Σ totalᵢ in parts per billion, rounded to the nearest.
    let allowed: u128 = parts.iter().map(|p| u128::from(p.objective.budget_ppb()) * u128::from(p.tally.total)).sum();
    let budget_ppb = (allowed + total / 2) / total;
    let ppb = (u128::from(SCALE) - budget_ppb).clamp(1, u128::from(SCALE) - 1);
    Objective::from_ppb(ppb as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::budget::BudgetUnit;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }
    fn o(s: &str) -> Objective {
        Objective::parse(s).unwrap()
    }
    fn tally(good: u64, total: u64) -> Tally {
        Tally {
            unit: BudgetUnit::Events,
            good: good as f64,
            total,
            events: total,
            minutes_with_data: u64::from(total > 0),
            corrected_minutes: 0,
            days_with_data: u32::from(total > 0),
        }
    }
    fn history() -> Lifecycle {
        Lifecycle {
            phase: Some(Phase::Iteration),
            aspirational: false,
            history: vec![
                ObjectiveChange { from: t("2026-01-01T00:00:00Z"), objective: o("0.99") },
                ObjectiveChange { from: t("2026-03-01T00:00:00Z"), objective: o("0.995") },
            ],
        }
    }

    #[test]
    fn the_objective_in_force_is_the_latest_change_before_the_instant() {
        let life = history();
        let current = o("0.995");
        assert_eq!(life.objective_at(t("2025-12-01T00:00:00Z"), current), o("0.99"), "before any change: the first");
        assert_eq!(life.objective_at(t("2026-02-28T23:59:59Z"), current), o("0.99"));
        assert_eq!(
            life.objective_at(t("2026-03-01T00:00:00Z"), current),
            o("0.995"),
            "a change holds from its instant"
        );
        assert_eq!(Lifecycle::default().objective_at(t("2026-03-01T00:00:00Z"), current), current);
    }

    #[test]
    fn a_window_is_cut_at_each_change_inside_it() {
        let life = history();
        let window = Window::new(t("2026-02-27T00:00:00Z"), t("2026-03-03T00:00:00Z")).unwrap();
        let parts = life.parts(window, o("0.995"));
        assert_eq!(
            parts,
            vec![
                (Window::new(t("2026-02-27T00:00:00Z"), t("2026-03-01T00:00:00Z")).unwrap(), o("0.99")),
                (Window::new(t("2026-03-01T00:00:00Z"), t("2026-03-03T00:00:00Z")).unwrap(), o("0.995")),
            ]
        );
        let after = Window::new(t("2026-03-01T00:00:00Z"), t("2026-03-03T00:00:00Z")).unwrap();
        assert_eq!(life.parts(after, o("0.995")), vec![(after, o("0.995"))], "a change at the start cuts nothing");
    }

    #[test]
    fn across_a_change_the_budget_is_the_sum_of_each_parts_budget() {
        // Part 1: 1000 events at 99% → 10 bad allowed, 12 spent. Part 2: 3000 events at
        // 99.5% → 15 allowed, 10 spent. Whole: 25 allowed, 22 spent, 12% left; the effective
        // objective is 1 − 25/4000 = 99.375%. Against 99.5% alone it would be overspent
        // (20 allowed), against 99% alone 40 would be allowed.
        let w1 = Window::new(t("2026-02-28T00:00:00Z"), t("2026-03-01T00:00:00Z")).unwrap();
        let w2 = Window::new(t("2026-03-01T00:00:00Z"), t("2026-03-02T00:00:00Z")).unwrap();
        let parts = [
            ObjectivePart::new(w1, o("0.99"), tally(988, 1000)),
            ObjectivePart::new(w2, o("0.995"), tally(2990, 3000)),
        ];
        let effective = effective_objective(&parts, o("0.995"));
        assert_eq!(effective, o("0.99375"));
        let whole = tally(3978, 4000);
        let budget = whole.error_budget(effective).value().unwrap();
        assert!((budget.allowed - 25.0).abs() < 1e-9 && budget.spent == 22.0, "{budget:?}");
        assert!((budget.remaining - 0.12).abs() < 1e-9, "{budget:?}");
        assert_eq!(whole.meets(effective), Measured::Value(true));
        assert_eq!(whole.meets(o("0.995")), Measured::Value(false));
        let first = parts[0].budget.value().unwrap();
        assert!((first.remaining + 0.2).abs() < 1e-9, "part one overspent by 20%: {first:?}");
    }

    #[test]
    fn parts_without_data_weigh_nothing() {
        let w = Window::new(t("2026-02-28T00:00:00Z"), t("2026-03-01T00:00:00Z")).unwrap();
        let parts = [ObjectivePart::new(w, o("0.9"), tally(0, 0)), ObjectivePart::new(w, o("0.999"), tally(10, 10))];
        assert_eq!(effective_objective(&parts, o("0.5")), o("0.999"));
        assert_eq!(effective_objective(&parts[..1], o("0.5")), o("0.5"), "no data at all: the fallback");
    }
}
