//! How much data there is, counted over the span of the question asked.
//!
//! Three verdicts ask "is there enough data?": a gate's `slis_demonstrated` (the last
//! `min_days` days), the transition's viability (the trailing transition window) and a
//! report (its SLO window). Each counts over its *own* span, never over another's: a
//! gate asking for 28 days of a calendar-month SLO must not read the month's elapsed
//! days, or it could only hold from the 28th to the month's end.
//!
//! A day is a 24-hour period counted back from the end of the span (the current minute),
//! so the gate's last 28 days and a 28-day viability window ending at the same minute are
//! the same 28 periods, and `tally`'s `days_with_data` over that window counts them too.

use super::window::Window;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

const DAY: SignedDuration = SignedDuration::from_hours(24);

/// The 24-hour periods before `end`, most recent first: `[end − 24h, end)`, then the one
/// before it, `days` of them. Empty when they would reach before the representable range.
pub fn trailing_days(end: Timestamp, days: u32) -> Vec<Window> {
    let mut out = Vec::with_capacity(days as usize);
    let mut to = end;
    for _ in 0..days {
        let Ok(from) = to.checked_sub(DAY) else { break };
        out.push(Window::new(from, to).expect("a day starts before it ends"));
        to = from;
    }
    out
}

/// Which of the days before an instant had data, most recent first. Anything older than
/// the days held counts as no data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataDays {
    /// `days[0]` is the last 24 hours, `days[1]` the 24 before, and so on.
    days: Vec<bool>,
}

impl DataDays {
    /// From each day's answer, most recent first.
    pub fn new(days: Vec<bool>) -> Self {
        Self { days }
    }

    /// Asks `has_data` about each of the `days` days before `end` ([`trailing_days`]).
    pub fn of(end: Timestamp, days: u32, mut has_data: impl FnMut(Window) -> bool) -> Self {
        Self { days: trailing_days(end, days).into_iter().map(&mut has_data).collect() }
    }

    /// Data on each of the last `days` days and none before: a service whose data started
    /// flowing `days` days ago (for tests and examples).
    pub fn recent(days: u32) -> Self {
        Self { days: vec![true; days as usize] }
    }

    /// How many of the last `span` days had data.
    pub fn within(&self, span: u32) -> u32 {
        self.days.iter().take(span as usize).filter(|d| **d).count() as u32
    }

    /// How many more days until every one of the last `span` days has data, if data keeps
    /// flowing: the most recent day without data leaves the span after `span − i` days.
    /// `Some(0)` when they all have data already; `None` when the last day had none (data
    /// is not flowing, so time alone will not fix it).
    pub fn days_until_full(&self, span: u32) -> Option<u32> {
        if span == 0 {
            return Some(0);
        }
        if !self.days.first().copied().unwrap_or(false) {
            return None;
        }
        let held = self.days.iter().take(span as usize).position(|d| !d);
        let first_missing = held.unwrap_or(self.days.len()).min(span as usize) as u32;
        Some(span - first_missing)
    }
}

/// How much of a window had data: "x of y minutes had data". A report's figures are
/// computed over the minutes with data only, so this is what says how much they stand on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coverage {
    /// Minutes with at least one event, not corrected.
    pub minutes_with_data: u64,
    /// Minutes a correction left out.
    pub corrected_minutes: u64,
    /// Every whole minute of the window.
    pub window_minutes: u64,
}

impl Coverage {
    pub fn new(window: Window, minutes_with_data: u64, corrected_minutes: u64) -> Self {
        let window_minutes = (window.duration().as_secs() / 60).max(0) as u64;
        Self { minutes_with_data, corrected_minutes, window_minutes }
    }

    pub fn has_data(&self) -> bool {
        self.minutes_with_data > 0
    }

    /// The share of the window's minutes that had data, in [0, 1]; `None` for an empty
    /// window.
    pub fn share(&self) -> Option<f64> {
        (self.window_minutes > 0).then(|| (self.minutes_with_data as f64 / self.window_minutes as f64).min(1.0))
    }
}

impl std::fmt::Display for Coverage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} of {} minutes had data", self.minutes_with_data, self.window_minutes)?;
        if self.corrected_minutes > 0 {
            write!(f, " ({} corrected)", self.corrected_minutes)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn trailing_days_end_at_the_instant_most_recent_first() {
        let d = trailing_days(ts("2026-12-06T09:00:00Z"), 2);
        assert_eq!(d[0], Window::new(ts("2026-12-05T09:00:00Z"), ts("2026-12-06T09:00:00Z")).unwrap());
        assert_eq!(d[1], Window::new(ts("2026-12-04T09:00:00Z"), ts("2026-12-05T09:00:00Z")).unwrap());
    }

    #[test]
    fn days_are_counted_over_the_span_asked_for() {
        // Data yesterday and the day before, then a gap, then two more days.
        let d = DataDays::new(vec![true, true, false, true, true]);
        assert_eq!((d.within(2), d.within(3), d.within(5), d.within(28)), (2, 2, 4, 4));
        // The gap two days back leaves a 5-day span after 5 − 2 = 3 more days of data.
        assert_eq!(d.days_until_full(5), Some(3));
        assert_eq!(d.days_until_full(2), Some(0));
        assert_eq!(DataDays::recent(6).days_until_full(28), Some(22));
        // Nothing yesterday: nothing is flowing, time alone will not help.
        assert_eq!(DataDays::new(vec![false, true]).days_until_full(2), None);
        assert_eq!(DataDays::default().days_until_full(28), None);
    }

    #[test]
    fn coverage_says_how_many_minutes_had_data() {
        let w = Window::new(ts("2026-12-01T00:00:00Z"), ts("2026-12-01T03:00:00Z")).unwrap();
        let c = Coverage::new(w, 175, 0);
        assert_eq!(c.to_string(), "175 of 180 minutes had data");
        assert!(c.has_data());
        let none = Coverage::new(w, 0, 5);
        assert_eq!(none.to_string(), "0 of 180 minutes had data (5 corrected)");
        assert_eq!(none.share(), Some(0.0));
        assert!(!none.has_data());
    }
}
