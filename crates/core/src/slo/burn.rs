//! Burn rates: how fast the error budget is going, and when it runs out at that pace.
//!
//! A burn rate is how fast the budget goes compared with spending exactly all of it over
//! the SLO window: 1 spends it all by the window's end, 14.4 spends 2% of a 30-day
//! budget in one hour.

use super::budget::{ErrorBudget, Tally};
use super::measured::Measured;
use super::objective::Objective;
use crate::period::Period;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Bad units over all units in the window, divided by the share the objective allows.
pub fn burn_rate(tally: &Tally, objective: Objective) -> Measured<f64> {
    // Both sides are single divisions of exact integers (for count-based methods), so a
    // stream failing exactly at the objective burns at exactly 1.
    tally.error_ratio().map(|e| e / objective.error_rate())
}

/// The burn rate of one alert window, with the events behind it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowBurn {
    pub rate: Measured<f64>,
    pub events: u64,
}

impl WindowBurn {
    pub fn of(tally: &Tally, objective: Objective) -> Self {
        Self { rate: burn_rate(tally, objective), events: tally.events }
    }
}

/// When the budget runs out if the recent burn rate holds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Exhaustion {
    /// At `rate` (measured over the last `over`), the remaining budget lasts `after`.
    At {
        at: Timestamp,
        /// An ISO 8601 duration, like `PT52H30M`.
        #[cfg_attr(feature = "openapi", schema(value_type = String, example = "PT52H30M"))]
        after: SignedDuration,
        rate: f64,
        over: Period,
    },
    /// Nothing is being spent over the last `over`, or so slowly that the budget would
    /// outlast any representable date.
    NotBurning { over: Period },
    /// At `rate` (over the last `over`) the budget would last past `window_end`, the end of
    /// the calendar window it belongs to; a new window starts with a whole budget then, so
    /// no date after it is given.
    OutlastsWindow { window_end: Timestamp, rate: f64, over: Period },
    /// Nothing remains: the budget is spent or overspent.
    AlreadyExhausted,
    /// No data in the SLO window (so no budget) or in the last `over` (so no rate).
    NoData { over: Period },
}

/// When the remaining budget would run out at the burn rate measured over the last
/// `over`. A burn rate of `b` spends the whole budget in `W / b`, so the remaining share
/// `r` lasts `r × W / b`. A straight line, so a warning figure rather than a forecast:
/// on a rolling window old bad minutes also age out, which usually puts the date later.
/// For a calendar window pass its nominal length as `slo_window` and its end as
/// `window_end`: the budget resets there, so a date past it is never given
/// ([`Exhaustion::OutlastsWindow`]). Rolling windows never end: pass `None`.
pub fn time_to_exhaustion(
    budget: Measured<ErrorBudget>,
    recent_rate: Measured<f64>,
    over: Period,
    slo_window: Period,
    window_end: Option<Timestamp>,
    now: Timestamp,
) -> Exhaustion {
    let Measured::Value(budget) = budget else {
        return Exhaustion::NoData { over };
    };
    if budget.is_exhausted() {
        return Exhaustion::AlreadyExhausted;
    }
    let Measured::Value(rate) = recent_rate else {
        return Exhaustion::NoData { over };
    };
    if rate <= 0.0 {
        return Exhaustion::NotBurning { over };
    }
    let seconds = budget.remaining * slo_window.as_seconds() as f64 / rate;
    let outlasts = |window_end| Exhaustion::OutlastsWindow { window_end, rate, over };
    let at =
        SignedDuration::try_from_secs_f64(seconds).ok().and_then(|after| Some((now.checked_add(after).ok()?, after)));
    match (at, window_end) {
        (Some((at, _)), Some(end)) if at >= end => outlasts(end),
        (Some((at, after)), _) => Exhaustion::At { at, after, rate, over },
        (None, Some(end)) => outlasts(end),
        (None, None) => Exhaustion::NotBurning { over },
    }
}

/// A burn rate for people: `14.4×`.
pub(crate) fn rate(r: f64) -> String {
    let s = format!("{r:.2}");
    format!("{}×", s.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::bucket::{Bucket, Series};
    use crate::slo::budget::{tally, BudgetingMethod};
    use crate::slo::window::Window;
    use proptest::prelude::*;

    fn objective(s: &str) -> Objective {
        Objective::parse(s).unwrap()
    }
    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }
    fn tally_of(good: u64, total: u64) -> Tally {
        let b = [Bucket::new(ts("2024-03-01T00:00:00Z"), good, total).unwrap()];
        let w = Window::new(ts("2024-03-01T00:00:00Z"), ts("2024-03-01T00:01:00Z")).unwrap();
        tally(BudgetingMethod::Occurrences, Series::new(&b).unwrap(), w, &[])
    }

    #[test]
    fn burn_rate_is_the_error_ratio_over_the_allowed_ratio() {
        // 5 bad in 1000 = 0.005; at 99.9% that is 0.005 / 0.001 = 5.
        assert_eq!(burn_rate(&tally_of(995, 1000), objective("0.999")), Measured::Value(5.0));
        // 1 bad in 1000 at 99.9%: exactly the budget rate, 1.
        assert_eq!(burn_rate(&tally_of(999, 1000), objective("0.999")), Measured::Value(1.0));
        // All bad at 99%: 1 / 0.01 = 100, the fastest possible.
        assert_eq!(burn_rate(&tally_of(0, 10), objective("0.99")), Measured::Value(100.0));
        assert_eq!(burn_rate(&tally_of(0, 0), objective("0.99")), Measured::NoData);
    }

    #[test]
    fn time_to_exhaustion_extrapolates_the_recent_burn() {
        let now = ts("2024-03-10T00:00:00Z");
        let budget = |remaining: f64| {
            Measured::Value(ErrorBudget {
                unit: crate::slo::budget::BudgetUnit::Events,
                allowed: 100.0,
                spent: (1.0 - remaining) * 100.0,
                consumed: 1.0 - remaining,
                remaining,
            })
        };
        let hour = Period::hours(1);
        // Half the 30-day budget left, burning at 6×: 0.5 × 720h / 6 = 60h.
        assert_eq!(
            time_to_exhaustion(budget(0.5), Measured::Value(6.0), hour, Period::days(30), None, now),
            Exhaustion::At {
                at: ts("2024-03-12T12:00:00Z"),
                after: SignedDuration::from_hours(60),
                rate: 6.0,
                over: hour
            }
        );
        assert_eq!(
            time_to_exhaustion(budget(0.5), Measured::Value(0.0), hour, Period::days(30), None, now),
            Exhaustion::NotBurning { over: hour }
        );
        assert_eq!(
            time_to_exhaustion(budget(-0.2), Measured::Value(6.0), hour, Period::days(30), None, now),
            Exhaustion::AlreadyExhausted
        );
        assert_eq!(
            time_to_exhaustion(budget(0.5), Measured::NoData, hour, Period::days(30), None, now),
            Exhaustion::NoData { over: hour }
        );
        assert_eq!(
            time_to_exhaustion(Measured::NoData, Measured::Value(6.0), hour, Period::days(30), None, now),
            Exhaustion::NoData { over: hour }
        );
        // Too slow to ever matter: past the year 9999.
        assert_eq!(
            time_to_exhaustion(budget(1.0), Measured::Value(1e-12), hour, Period::days(30), None, now),
            Exhaustion::NotBurning { over: hour }
        );
    }

    #[test]
    fn a_calendar_budget_that_outlasts_its_window_says_so_and_gives_no_later_date() {
        // The case: 2026-12-06, a December budget half left, burning at 0.2× over
        // the last 6 hours: 0.5 × 720h / 0.2 = 1800h, on 2027-02-19, after December ends.
        let now = ts("2026-12-06T09:00:00Z");
        let december_ends = ts("2027-01-01T00:00:00Z");
        let budget = Measured::Value(ErrorBudget {
            unit: crate::slo::budget::BudgetUnit::Events,
            allowed: 100.0,
            spent: 50.0,
            consumed: 0.5,
            remaining: 0.5,
        });
        let six = Period::hours(6);
        let e = time_to_exhaustion(budget, Measured::Value(0.2), six, Period::days(30), Some(december_ends), now);
        assert_eq!(e, Exhaustion::OutlastsWindow { window_end: december_ends, rate: 0.2, over: six });
        // Without a window end (rolling), the straight line is given as before.
        let rolling = time_to_exhaustion(budget, Measured::Value(0.2), six, Period::days(30), None, now);
        assert!(matches!(rolling, Exhaustion::At { at, .. } if at == ts("2027-02-19T09:00:00Z")), "{rolling:?}");
        // Burning at 30×: 0.5 × 720h / 30 = 12h, inside the window: a date.
        let fast = time_to_exhaustion(budget, Measured::Value(30.0), six, Period::days(30), Some(december_ends), now);
        assert!(matches!(fast, Exhaustion::At { at, .. } if at == ts("2026-12-06T21:00:00Z")), "{fast:?}");
        // Too slow to represent at all is still within nothing: it outlasts the window.
        let crawl = time_to_exhaustion(budget, Measured::Value(1e-12), six, Period::days(30), Some(december_ends), now);
        assert!(matches!(crawl, Exhaustion::OutlastsWindow { .. }), "{crawl:?}");
    }

    proptest! {
        /// Whatever the burn, a calendar window's forecast never names an instant at or
        /// after the window's end.
        #[test]
        fn no_exhaustion_date_past_the_window(remaining in 0.001f64..1.0, rate in 0.0001f64..1000.0, days_left in 0i64..92) {
            let now = ts("2026-12-06T09:00:00Z");
            let end = now + SignedDuration::from_hours(24 * days_left + 1);
            let budget = Measured::Value(ErrorBudget {
                unit: crate::slo::budget::BudgetUnit::Minutes,
                allowed: 10.0,
                spent: (1.0 - remaining) * 10.0,
                consumed: 1.0 - remaining,
                remaining,
            });
            match time_to_exhaustion(budget, Measured::Value(rate), Period::hours(6), Period::days(30), Some(end), now) {
                Exhaustion::At { at, .. } => prop_assert!(at < end),
                Exhaustion::OutlastsWindow { window_end, .. } => prop_assert_eq!(window_end, end),
                other => prop_assert!(false, "{other:?}"),
            }
        }
    }

    proptest! {
        /// A stream failing exactly at the objective burns at exactly 1.
        #[test]
        fn an_exact_objective_stream_burns_at_one(n in 1u32..1_000_000, k in 1u64..10_000) {
            // Objective n / 10^6: exactly (10^6 − n) × k bad events out of 10^6 × k.
            let o = Objective::parse(&format!("0.{n:06}")).unwrap();
            let total = 1_000_000 * k;
            let bad = (1_000_000 - u64::from(n)) * k;
            prop_assert_eq!(burn_rate(&tally_of(total - bad, total), o), Measured::Value(1.0));
        }
    }
}
