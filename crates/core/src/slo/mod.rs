//! SLO maths, pure and IO-free: objectives, per-minute SLI buckets, rolling and calendar
//! windows, attainment under each budgeting method, error budgets, burn rates and the
//! multi-window alert tiers, corrections, and the viability verdict of the transition
//! period.
//!
//! Everything takes its data and its instant as parameters: the engine reads buckets from
//! the store or from Prometheus, checks them into a [`Series`] once, and evaluates as many
//! windows over it as it needs. Figures computed over a window with no traffic are
//! [`Measured::NoData`], never 100% and never NaN.

mod alert_policy;
mod alerting;
mod backtest;
mod bucket;
mod budget;
mod burn;
mod composite;
mod correction;
mod data;
mod definition;
mod lifecycle;
mod measured;
mod objective;
mod policy;
mod ratio;
mod rolling;
mod soak;
mod sums;
mod tier;
mod viability;
mod window;

pub use alert_policy::{RaisedBy, SloAlerting, SloTarget};
pub use alerting::{
    only_repeats, repeat_due, slo_alert_events, slo_alert_key, slo_no_data_key, turn_of, SloFigures, BURN_ALERT,
    REPEAT_EVERY_MINUTES, SLO_ALERT_SOURCE,
};
pub use backtest::{
    backtest, backtest_history, backtest_range, Backtest, BacktestAlert, BacktestError, NeverFiring, NeverFiringReason,
    MAX_RANGE as MAX_BACKTEST_RANGE,
};
pub use bucket::{Bucket, BucketError, Series};
pub use budget::{tally, BudgetUnit, BudgetingMethod, ErrorBudget, SliceThreshold, SliceThresholdError, Tally};
pub use burn::{burn_rate, time_to_exhaustion, Exhaustion, WindowBurn};
pub use composite::{combine, composite_objective, COMPOSITE_EVENTS};
pub use correction::{active_correction, Cancellation, Correction, CorrectionError, CorrectionSpec, Recurrence};
pub use data::{trailing_days, Coverage, DataDays};
pub use definition::{CompositePart, Indicator, PromSource, SloDef, ThresholdOp};
pub use lifecycle::{effective_objective, Lifecycle, ObjectiveChange, ObjectivePart, Phase};
pub use measured::Measured;
pub use objective::{Objective, ObjectiveError};
pub use policy::{budget_state, evaluate_policy, BudgetState, ErrorBudgetPolicy, PolicyVerdict, StateActions};
pub use rolling::{Rolling, RollingError, WindowSums};
pub use soak::{failed_minute, failed_spans, soak_verdict, FailedSpan, SloFailure, SoakStanding, SoakVerdict};
pub use sums::{split_points, SegmentedSli, SliSums, SumsError};
pub use tier::{
    alert_tiers, default_tier_specs, evaluate_tier, tier_warnings, AlertTier, BudgetShare, BudgetShareError, Severity,
    TierError, TierSpec, TierState, TierVerdict, TierWarning,
};
pub use viability::{service_viability, viability, SloStanding};
pub use window::{calendar_bounds, start_of_minute, CalendarUnit, SloWindow, Window, WindowError};
