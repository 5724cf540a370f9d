//! Multi-window, multi-burn-rate alert tiers (SRE Workbook, ch. 5), scaled to any SLO
//! window, and whether each fires.
//!
//! A tier says "tell `severity` when `share` of the budget would go within
//! `long_window`", so its burn-rate threshold is `share × W / long_window` for an SLO
//! window `W`. It fires only when the short window (`long_window / 12`) burns that fast
//! too, so the alert stops soon after the burning does; and not at all on too few events,
//! or while a correction is in force.

use super::burn::{rate, WindowBurn};
use super::correction::Correction;
use super::measured::Measured;
use super::objective::Objective;
use super::ratio::{self, SCALE};
use super::window::{Window, WindowError};
use crate::period::Period;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a budget share: write a ratio above 0 and at most 1 with at most 9 decimals, like 0.02 for 2%")]
pub struct BudgetShareError(pub String);

/// The part of the error budget a tier may see spent within its long window, in (0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct BudgetShare {
    ppb: u32,
}

impl BudgetShare {
    pub fn parse(s: &str) -> Result<Self, BudgetShareError> {
        match ratio::parse_ppb(s) {
            Some(ppb) if ppb > 0 => Ok(Self { ppb: ppb as u32 }),
            _ => Err(BudgetShareError(s.to_owned())),
        }
    }
    /// Whole percent, for the defaults.
    const fn percent(p: u32) -> Self {
        Self { ppb: p * (SCALE / 100) as u32 }
    }
    pub fn as_f64(self) -> f64 {
        ratio::exact_div(self.ppb.into(), SCALE.into())
    }
    /// The share in parts per billion, exactly.
    pub fn as_ppb(self) -> u32 {
        self.ppb
    }
}
impl fmt::Display for BudgetShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&ratio::percent_ppb(self.ppb.into()))
    }
}
impl TryFrom<f64> for BudgetShare {
    type Error = BudgetShareError;
    fn try_from(v: f64) -> Result<Self, BudgetShareError> {
        Self::parse(&v.to_string())
    }
}
impl From<BudgetShare> for f64 {
    fn from(s: BudgetShare) -> f64 {
        s.as_f64()
    }
}

/// A number on the wire (`into = "f64"`), with the bounds `parse` applies.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for BudgetShare {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Number)
            .description(Some("A share of the error budget: above 0, at most 1."))
            .exclusive_minimum(Some(0.0))
            .maximum(Some(1.0))
            .examples([0.02])
            .into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for BudgetShare {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = SloSeverity))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Wake someone: the budget is going fast enough to be gone within days.
    Page,
    /// Look during working hours.
    Ticket,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Page => "page",
            Severity::Ticket => "ticket",
        })
    }
}

/// A tier as written: how much budget may go within how long before whom is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierSpec {
    pub share: BudgetShare,
    pub long_window: Period,
    pub severity: Severity,
    /// OpenSLO's `alertWhenNoData`: an SLI silent for the whole long window raises the
    /// SLO's no-data alert (see `slo::alerting`). Left out of the JSON when off.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub alert_when_no_data: bool,
}

/// The SRE Workbook's tiers (table 5-8): page on 2% of the budget in 1 hour or 5% in 6
/// hours, ticket on 10% in 1 day or 10% in 3 days.
pub fn default_tier_specs() -> [TierSpec; 4] {
    [
        TierSpec {
            share: BudgetShare::percent(2),
            long_window: Period::hours(1),
            severity: Severity::Page,
            alert_when_no_data: false,
        },
        TierSpec {
            share: BudgetShare::percent(5),
            long_window: Period::hours(6),
            severity: Severity::Page,
            alert_when_no_data: false,
        },
        TierSpec {
            share: BudgetShare::percent(10),
            long_window: Period::days(1),
            severity: Severity::Ticket,
            alert_when_no_data: false,
        },
        TierSpec {
            share: BudgetShare::percent(10),
            long_window: Period::days(3),
            severity: Severity::Ticket,
            alert_when_no_data: false,
        },
    ]
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TierError {
    #[error("the {tier} tier looks back {long_window}, longer than the SLO window of {slo_window}: use a long window of at most {slo_window}, or drop the tier")]
    LongerThanSloWindow { tier: String, long_window: Period, slo_window: Period },
    #[error("the {tier} tier's long window of {long_window} is too short: its short window is a twelfth of it and must be at least a minute, so use 12m or more")]
    ShortWindowUnderAMinute { tier: String, long_window: Period },
}

/// A tier scaled to one SLO window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertTier {
    pub severity: Severity,
    pub share: BudgetShare,
    pub long_window: Period,
    /// `long_window / 12` in whole minutes (buckets are per minute): 1h → 5m.
    pub short_window: Period,
    /// `share × W / long_window`.
    pub threshold: f64,
    /// As written on the tier's [`TierSpec`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub alert_when_no_data: bool,
}

impl AlertTier {
    pub fn derive(spec: TierSpec, slo_window: Period) -> Result<Self, TierError> {
        let tier = format!("{} {}", spec.severity, spec.long_window);
        if spec.long_window > slo_window {
            return Err(TierError::LongerThanSloWindow { tier, long_window: spec.long_window, slo_window });
        }
        let short_minutes = spec.long_window.as_seconds() / 12 / 60;
        let short_window = Period::parse(&format!("{short_minutes}m"))
            .map_err(|_| TierError::ShortWindowUnderAMinute { tier, long_window: spec.long_window })?;
        let threshold = ratio::exact_div(
            u128::from(spec.share.ppb) * slo_window.as_seconds() as u128,
            u128::from(SCALE) * spec.long_window.as_seconds() as u128,
        );
        Ok(Self {
            severity: spec.severity,
            share: spec.share,
            long_window: spec.long_window,
            short_window,
            threshold,
            alert_when_no_data: spec.alert_when_no_data,
        })
    }

    /// How people and alert labels name the tier: `page 1h/5m`.
    pub fn name(&self) -> String {
        format!("{} {}/{}", self.severity, self.long_window, self.short_window)
    }

    /// The tier's two windows ending at `end` (normally the start of the current minute).
    pub fn windows(&self, end: Timestamp) -> Result<(Window, Window), WindowError> {
        Ok((Window::ending_at(end, self.long_window)?, Window::ending_at(end, self.short_window)?))
    }

    /// Burning faster than the threshold needs a burn rate above it, and no window burns
    /// faster than `1 / (1 − objective)` (every event bad). At or above that, never.
    pub fn can_fire(&self, objective: Objective) -> bool {
        self.threshold < objective.max_burn_rate()
    }
}

/// Scales `specs` to an SLO window of `slo_window` (for calendar windows, their
/// [`nominal_length`](super::window::SloWindow::nominal_length)).
pub fn alert_tiers(specs: &[TierSpec], slo_window: Period) -> Result<Vec<AlertTier>, TierError> {
    specs.iter().map(|s| AlertTier::derive(*s, slo_window)).collect()
}

/// A tier that is valid but can never fire, for `validate` to show as a warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierWarning {
    pub tier: String,
    pub threshold: f64,
    pub max_burn_rate: f64,
    pub objective: Objective,
}

impl fmt::Display for TierWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} tier can never fire: its burn-rate threshold {} is not below {}, the fastest an objective of {} can burn (every event bad); raise the objective, lengthen the tier's window or give it a smaller budget share",
            self.tier,
            rate(self.threshold),
            rate(self.max_burn_rate),
            self.objective.percent(),
        )
    }
}

/// The tiers that can never fire under `objective`.
pub fn tier_warnings(tiers: &[AlertTier], objective: Objective) -> Vec<TierWarning> {
    tiers
        .iter()
        .filter(|t| !t.can_fire(objective))
        .map(|t| TierWarning {
            tier: t.name(),
            threshold: t.threshold,
            max_burn_rate: objective.max_burn_rate(),
            objective,
        })
        .collect()
}

/// Why a tier is or is not firing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum TierState {
    /// Both windows burn faster than the threshold.
    Firing,
    /// At least one window burns at or below the threshold.
    Quiet,
    /// A correction is in force: nothing fires until `until`.
    Muted { reason: String, until: Timestamp },
    /// A window had no events at all.
    NoData { window: Period },
    /// A window had events, but fewer than the minimum: its ratio is not evidence.
    TooFewEvents { window: Period, events: u64, minimum: u64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierVerdict {
    pub tier: AlertTier,
    pub long: WindowBurn,
    pub short: WindowBurn,
    pub state: TierState,
}

impl TierVerdict {
    pub fn fires(&self) -> bool {
        self.state == TierState::Firing
    }
}

impl fmt::Display for TierVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.tier;
        let shown = |b: &WindowBurn| b.rate.map(rate).value().unwrap_or_else(|| "no data".into());
        let rates = format!(
            "burn rate {} over {} and {} over {}, threshold {}",
            shown(&self.long),
            t.long_window,
            shown(&self.short),
            t.short_window,
            rate(t.threshold)
        );
        match &self.state {
            TierState::Firing => write!(f, "{} fires: {rates}", t.name()),
            TierState::Quiet => write!(f, "{} is quiet: {rates}", t.name()),
            TierState::Muted { reason, until } => write!(f, "{} is muted until {until} ({reason})", t.name()),
            TierState::NoData { window } => write!(f, "{} cannot fire: no events in the last {window}", t.name()),
            TierState::TooFewEvents { window, events, minimum } => write!(
                f,
                "{} cannot fire: {events} events in the last {window}, fewer than the minimum of {minimum}; {rates}",
                t.name()
            ),
        }
    }
}

/// Whether `tier` fires, given the burn of its long and short windows. A correction in
/// force mutes it; otherwise both windows need data and at least `min_events` events
/// (0 turns the guard off), and then both must burn faster than the threshold.
pub fn evaluate_tier(
    tier: &AlertTier,
    long: WindowBurn,
    short: WindowBurn,
    min_events: u64,
    active_correction: Option<(&Correction, Window)>,
) -> TierVerdict {
    let state = evaluate_state(tier, long, short, min_events, active_correction);
    TierVerdict { tier: *tier, long, short, state }
}

fn evaluate_state(
    tier: &AlertTier,
    long: WindowBurn,
    short: WindowBurn,
    min_events: u64,
    active_correction: Option<(&Correction, Window)>,
) -> TierState {
    if let Some((c, occurrence)) = active_correction {
        return TierState::Muted { reason: c.reason().to_owned(), until: occurrence.end() };
    }
    let windows = [(long, tier.long_window), (short, tier.short_window)];
    let mut rates = [0.0; 2];
    for (i, (burn, window)) in windows.into_iter().enumerate() {
        match burn.rate {
            Measured::NoData => return TierState::NoData { window },
            _ if burn.events < min_events => {
                return TierState::TooFewEvents { window, events: burn.events, minimum: min_events }
            }
            Measured::Value(r) => rates[i] = r,
        }
    }
    if rates.iter().all(|r| *r > tier.threshold) {
        TierState::Firing
    } else {
        TierState::Quiet
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::correction::tests::correction;
    use crate::slo::correction::{active_correction, Recurrence};
    use proptest::prelude::*;

    fn objective(s: &str) -> Objective {
        Objective::parse(s).unwrap()
    }
    fn burn(rate: f64, events: u64) -> WindowBurn {
        WindowBurn { rate: Measured::Value(rate), events }
    }
    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_30_day_window_reproduces_the_sre_workbook_exactly() {
        let tiers = alert_tiers(&default_tier_specs(), Period::days(30)).unwrap();
        let got: Vec<_> = tiers.iter().map(|t| (t.name(), t.threshold)).collect();
        // 0.02 × 720h / 1h = 14.4; 0.05 × 720h / 6h = 6; 0.1 × 30d / 1d = 3; 0.1 × 30d / 3d = 1.
        assert_eq!(
            got,
            [
                ("page 1h/5m".to_owned(), 14.4),
                ("page 6h/30m".to_owned(), 6.0),
                ("ticket 1d/2h".to_owned(), 3.0),
                ("ticket 3d/6h".to_owned(), 1.0),
            ]
        );
    }

    #[test]
    fn other_windows_scale_by_the_same_formula() {
        let thresholds = |days| -> Vec<f64> {
            alert_tiers(&default_tier_specs(), Period::days(days)).unwrap().iter().map(|t| t.threshold).collect()
        };
        // 28d = 672h: 0.02 × 672 = 13.44; 0.05 × 672 / 6 = 5.6; 0.1 × 28 = 2.8;
        // 0.1 × 28 / 3 = 14/15 = 0.9333… (each the float nearest the exact fraction).
        assert_eq!(thresholds(28), [13.44, 5.6, 2.8, 14.0 / 15.0]);
        // 7d = 168h: 3.36, 1.4, 0.7, 7/30 = 0.2333….
        assert_eq!(thresholds(7), [3.36, 1.4, 0.7, 7.0 / 30.0]);
    }

    #[test]
    fn a_tier_longer_than_the_slo_window_is_an_error() {
        let err = alert_tiers(&default_tier_specs(), Period::days(2)).unwrap_err();
        assert_eq!(
            err,
            TierError::LongerThanSloWindow {
                tier: "ticket 3d".into(),
                long_window: Period::days(3),
                slo_window: Period::days(2)
            }
        );
        assert!(err.to_string().contains("longer than the SLO window of 2d"), "{err}");
        // Equal is fine: 10% of a 3d budget in 3d is a threshold of 0.1.
        let t = AlertTier::derive(default_tier_specs()[3], Period::days(3)).unwrap();
        assert_eq!(t.threshold, 0.1);
        let tiny = TierSpec { long_window: Period::parse("11m").unwrap(), ..default_tier_specs()[0] };
        assert!(matches!(AlertTier::derive(tiny, Period::days(1)), Err(TierError::ShortWindowUnderAMinute { .. })));
    }

    #[test]
    fn a_low_objective_makes_fast_tiers_impossible() {
        let tiers = alert_tiers(&default_tier_specs(), Period::days(30)).unwrap();
        // At 90% the fastest burn is 1 / 0.1 = 10: the 14.4× tier can never fire.
        let warnings = tier_warnings(&tiers, objective("0.9"));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].tier, "page 1h/5m");
        assert!(warnings[0].to_string().contains("threshold 14.4× is not below 10×"), "{}", warnings[0]);
        // At 80% the fastest is 5: the 6× tier goes too. At 99.9% (1000×) all can fire.
        assert_eq!(tier_warnings(&tiers, objective("0.8")).len(), 2);
        assert!(tier_warnings(&tiers, objective("0.999")).is_empty());
        // Exactly at the maximum it cannot fire either, as a rate must exceed the threshold:
        // 0.02 × 1000h / 1h = 20, and at 95% the fastest burn is 1 / 0.05 = 20.
        let t = AlertTier::derive(default_tier_specs()[0], Period::hours(1000)).unwrap();
        assert_eq!(t.threshold, 20.0);
        assert!(!t.can_fire(objective("0.95")) && t.can_fire(objective("0.951")));
    }

    #[test]
    fn a_tier_fires_only_when_both_windows_burn_past_the_threshold() {
        let page = alert_tiers(&default_tier_specs(), Period::days(30)).unwrap()[0];
        let state = |long, short| evaluate_tier(&page, burn(long, 1000), burn(short, 100), 0, None).state;
        assert_eq!(state(15.0, 20.0), TierState::Firing);
        assert_eq!(state(15.0, 2.0), TierState::Quiet, "recovered: the short window has cooled");
        assert_eq!(state(2.0, 20.0), TierState::Quiet, "a blip: the long window has not burned enough");
        assert_eq!(state(14.4, 20.0), TierState::Quiet, "exceed means strictly above");
        assert!(evaluate_tier(&page, burn(15.0, 1000), burn(20.0, 100), 0, None).fires());
    }

    #[test]
    fn too_few_events_or_none_do_not_fire_and_say_why() {
        let page = alert_tiers(&default_tier_specs(), Period::days(30)).unwrap()[0];
        let v = evaluate_tier(&page, burn(1000.0, 500), burn(1000.0, 3), 10, None);
        assert_eq!(v.state, TierState::TooFewEvents { window: Period::parse("5m").unwrap(), events: 3, minimum: 10 });
        assert!(v.to_string().contains("3 events in the last 5m, fewer than the minimum of 10"), "{v}");
        let none = WindowBurn { rate: Measured::NoData, events: 0 };
        let v = evaluate_tier(&page, none, none, 10, None);
        assert_eq!(v.state, TierState::NoData { window: Period::hours(1) });
    }

    #[test]
    fn an_active_correction_mutes_every_tier() {
        let page = alert_tiers(&default_tier_specs(), Period::days(30)).unwrap()[0];
        let c = [correction("2024-03-01T10:00:00Z", "2024-03-01T11:00:00Z", Recurrence::Once, None)];
        let active = active_correction(&c, ts("2024-03-01T10:30:00Z"));
        let v = evaluate_tier(&page, burn(100.0, 1000), burn(100.0, 100), 0, active);
        assert_eq!(
            v.state,
            TierState::Muted { reason: "database maintenance".into(), until: ts("2024-03-01T11:00:00Z") }
        );
        assert!(!v.fires());
        assert!(active_correction(&c, ts("2024-03-01T11:00:00Z")).is_none());
    }

    proptest! {
        #[test]
        fn thresholds_scale_linearly_with_the_slo_window(days in 1i64..=400) {
            // s × W / L is linear in W: doubling the window doubles every threshold.
            let one = alert_tiers(&default_tier_specs()[..2], Period::days(days)).unwrap();
            let two = alert_tiers(&default_tier_specs()[..2], Period::days(2 * days)).unwrap();
            for (a, b) in one.iter().zip(&two) {
                prop_assert!((b.threshold - 2.0 * a.threshold).abs() < 1e-12 * b.threshold);
            }
        }
    }
}
