//! Corrections: declared windows (planned maintenance, an upstream outage, a load test)
//! whose minutes do not count against the error budget, and during which alert tiers are
//! muted.
//!
//! Recurrence is deliberately simple: a daily or weekly correction repeats its first
//! occurrence every 24 hours or every 7 × 24 hours of absolute time, not of local clock
//! time. A nightly job at 02:00 Europe/Dublin therefore shifts by an hour in local time
//! across a DST change; declare a window that covers both, or one correction per season.

use super::window::Window;
use crate::id::PersonId;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

const MINUTE_NS: i128 = 60_000_000_000;
const DAY_NS: i128 = 24 * 60 * MINUTE_NS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Recurrence {
    #[default]
    Once,
    Daily,
    Weekly,
}

impl Recurrence {
    fn interval_ns(self) -> Option<i128> {
        match self {
            Recurrence::Once => None,
            Recurrence::Daily => Some(DAY_NS),
            Recurrence::Weekly => Some(7 * DAY_NS),
        }
    }
}

impl fmt::Display for Recurrence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Recurrence::Once => "one-off",
            Recurrence::Daily => "daily",
            Recurrence::Weekly => "weekly",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionError {
    #[error("a correction must end after it starts, but this one runs from {start} to {end}")]
    EndNotAfterStart { start: Timestamp, end: Timestamp },
    #[error("a {recurrence} correction must be shorter than the time between its occurrences, but this one lasts {duration:#}: declare it as one-off instead")]
    LongerThanRecurrence { recurrence: Recurrence, duration: SignedDuration },
    #[error("a correction needs a reason: say why these minutes should not count against the error budget")]
    NoReason,
    #[error("`until` ({until}) must come after the first occurrence starts ({start})")]
    UntilNotAfterStart { start: Timestamp, until: Timestamp },
    #[error("`until` applies only to daily or weekly corrections; a one-off correction ends at its `end`")]
    UntilOnOneOff,
    #[error("a cancellation needs a reason: say why these minutes should count against the error budget again")]
    NoCancelReason,
    #[error("the correction was already cancelled at {at} by {by}")]
    AlreadyCancelled { at: Timestamp, by: PersonId },
    #[error("the correction has no occurrence left to cancel: its last one ended at {end}, and cancelling cannot change the past")]
    Over { end: Timestamp },
}

/// Who cancelled a correction, when and why.
///
/// A cancelled correction stops correcting **from the instant it was cancelled**: no
/// occurrence starts from then on, and the one in force then ends then. Minutes before it
/// keep their correction, so a report of any past instant reads the same after the cancel
/// as before it (history does not change), and alert tiers are no longer muted by it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = CorrectionCancellation))]
pub struct Cancellation {
    pub at: Timestamp,
    pub by: PersonId,
    pub reason: String,
}

/// What a correction is written as. `start`..`end` is the (first) occurrence; a daily or
/// weekly one repeats it while occurrences start before `until` (forever without it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionSpec {
    pub start: Timestamp,
    pub end: Timestamp,
    #[serde(default)]
    pub recurrence: Recurrence,
    #[serde(default)]
    pub until: Option<Timestamp>,
    pub reason: String,
    pub author: PersonId,
}

/// A checked [`CorrectionSpec`], and its [`Cancellation`] if it has one. Serialized as its
/// spec alone: a correction is stored once and never changed, and its cancellation is a
/// record of its own that readers lay over it ([`Correction::with_cancellation`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CorrectionSpec", into = "CorrectionSpec")]
pub struct Correction {
    spec: CorrectionSpec,
    cancelled: Option<Cancellation>,
}

impl Correction {
    pub fn new(spec: CorrectionSpec) -> Result<Self, CorrectionError> {
        let CorrectionSpec { start, end, recurrence, until, ref reason, .. } = spec;
        if end <= start {
            return Err(CorrectionError::EndNotAfterStart { start, end });
        }
        // An occurrence as long as the interval would never end; longer ones would
        // overlap the next, which the minute lookup below relies on never happening.
        let duration = end.duration_since(start);
        if recurrence.interval_ns().is_some_and(|i| duration.as_nanos() >= i) {
            return Err(CorrectionError::LongerThanRecurrence { recurrence, duration });
        }
        if reason.trim().is_empty() {
            return Err(CorrectionError::NoReason);
        }
        match (recurrence, until) {
            (Recurrence::Once, Some(_)) => return Err(CorrectionError::UntilOnOneOff),
            (_, Some(until)) if until <= start => return Err(CorrectionError::UntilNotAfterStart { start, until }),
            _ => {}
        }
        Ok(Self { spec, cancelled: None })
    }
    pub fn spec(&self) -> &CorrectionSpec {
        &self.spec
    }
    pub fn cancellation(&self) -> Option<&Cancellation> {
        self.cancelled.as_ref()
    }

    /// The correction cut at its stored cancellation (see [`Cancellation`]).
    pub fn with_cancellation(mut self, cancellation: Cancellation) -> Self {
        self.cancelled = Some(cancellation);
        self
    }

    /// Cancels the correction as `cancellation` says: refused without a reason, when it
    /// was cancelled already, or when no occurrence ends after the cancellation (nothing
    /// would change).
    pub fn cancel(self, cancellation: Cancellation) -> Result<Self, CorrectionError> {
        if let Some(c) = &self.cancelled {
            return Err(CorrectionError::AlreadyCancelled { at: c.at, by: c.by.clone() });
        }
        if cancellation.reason.trim().is_empty() {
            return Err(CorrectionError::NoCancelReason);
        }
        if let Some(end) = self.last_end().filter(|end| *end <= cancellation.at.as_nanosecond()) {
            let end = Timestamp::from_nanosecond(end).unwrap_or(self.spec.end);
            return Err(CorrectionError::Over { end });
        }
        Ok(self.with_cancellation(cancellation))
    }

    /// When the last occurrence ends, `None` for a series repeating forever.
    fn last_end(&self) -> Option<i128> {
        let n = match (self.spec.recurrence.interval_ns(), self.spec.until) {
            (None, _) => 0,
            (Some(_), None) => return None,
            (Some(interval), Some(until)) => (until.as_nanosecond() - 1 - self.start_ns()).div_euclid(interval),
        };
        self.occurrence(n).map(|(_, end)| end)
    }
    pub fn reason(&self) -> &str {
        &self.spec.reason
    }
    pub fn author(&self) -> &PersonId {
        &self.spec.author
    }

    /// The occurrence in force at `at`, if any.
    pub fn occurrence_at(&self, at: Timestamp) -> Option<Window> {
        let t = at.as_nanosecond();
        let n = match self.spec.recurrence.interval_ns() {
            None => 0,
            Some(interval) => (t - self.start_ns()).div_euclid(interval),
        };
        let (start, end) = self.occurrence(n)?;
        if start <= t && t < end {
            Window::new(Timestamp::from_nanosecond(start).ok()?, Timestamp::from_nanosecond(end).ok()?).ok()
        } else {
            None
        }
    }

    /// Whether any part of the minute `[minute, minute + 60s)` is corrected. A minute
    /// touched at all is excluded whole: its bucket counts events from the corrected
    /// seconds too, and they cannot be told apart.
    pub fn overlaps_minute(&self, minute: Timestamp) -> bool {
        let (m, m_end) = (minute.as_nanosecond(), minute.as_nanosecond() + MINUTE_NS);
        let overlaps = |n| self.occurrence(n).is_some_and(|(s, e)| s < m_end && e > m);
        match self.spec.recurrence.interval_ns() {
            None => overlaps(0),
            Some(interval) => {
                // The last occurrence starting before the minute ends, and the one before
                // it (which may still be running when that one starts a moment later).
                let n = (m_end - 1 - self.start_ns()).div_euclid(interval);
                overlaps(n) || overlaps(n - 1)
            }
        }
    }

    /// Whether any occurrence overlaps `window`: what a report lists as in force over it.
    pub fn overlaps(&self, window: Window) -> bool {
        let (w_start, w_end) = (window.start().as_nanosecond(), window.end().as_nanosecond());
        let latest = match self.spec.recurrence.interval_ns() {
            None => 0,
            Some(interval) => {
                // The last occurrence starting before the window ends; if `until` cut the
                // series short, the last one it allows. Occurrences end in order, so that
                // one overlaps if any does.
                let mut n = (w_end - 1 - self.start_ns()).div_euclid(interval);
                for last in [self.spec.until, self.cancelled.as_ref().map(|c| c.at)].into_iter().flatten() {
                    n = n.min((last.as_nanosecond() - 1 - self.start_ns()).div_euclid(interval));
                }
                n
            }
        };
        self.occurrence(latest).is_some_and(|(s, e)| s < w_end && e > w_start)
    }

    fn start_ns(&self) -> i128 {
        self.spec.start.as_nanosecond()
    }

    /// The `n`th occurrence as nanoseconds `[start, end)`, if there is one.
    fn occurrence(&self, n: i128) -> Option<(i128, i128)> {
        let duration = self.spec.end.as_nanosecond() - self.start_ns();
        let start = match self.spec.recurrence.interval_ns() {
            None if n == 0 => self.start_ns(),
            Some(interval) if n >= 0 => self.start_ns() + n * interval,
            _ => return None,
        };
        if self.spec.until.is_some_and(|u| start >= u.as_nanosecond()) {
            return None;
        }
        match &self.cancelled {
            // Cancelled: nothing from then on; the occurrence in force then ends then.
            Some(c) if start >= c.at.as_nanosecond() => None,
            Some(c) => Some((start, (start + duration).min(c.at.as_nanosecond()))),
            None => Some((start, start + duration)),
        }
    }
}

impl TryFrom<CorrectionSpec> for Correction {
    type Error = CorrectionError;
    fn try_from(spec: CorrectionSpec) -> Result<Self, CorrectionError> {
        Self::new(spec)
    }
}
impl From<Correction> for CorrectionSpec {
    fn from(c: Correction) -> CorrectionSpec {
        c.spec
    }
}

/// The first correction in force at `at`, with the occurrence that is: alert tiers are
/// muted until it ends.
pub fn active_correction(corrections: &[Correction], at: Timestamp) -> Option<(&Correction, Window)> {
    corrections.iter().find_map(|c| c.occurrence_at(at).map(|w| (c, w)))
}

/// Whether a bucket's minute is removed from budget computations.
pub(crate) fn is_corrected(corrections: &[Correction], minute: Timestamp) -> bool {
    corrections.iter().any(|c| c.overlaps_minute(minute))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    pub(crate) fn correction(start: &str, end: &str, recurrence: Recurrence, until: Option<&str>) -> Correction {
        Correction::new(CorrectionSpec {
            start: ts(start),
            end: ts(end),
            recurrence,
            until: until.map(ts),
            reason: "database maintenance".into(),
            author: PersonId::parse("ana").unwrap(),
        })
        .unwrap()
    }

    fn cancellation(at: &str) -> Cancellation {
        Cancellation { at: ts(at), by: PersonId::parse("bo").unwrap(), reason: "maintenance moved".into() }
    }

    #[test]
    fn a_cancelled_correction_stops_at_its_cancellation_and_keeps_its_past() {
        let nightly = correction("2024-03-01T02:00:00Z", "2024-03-01T03:00:00Z", Recurrence::Daily, None);
        // Cancelled at 02:30 on the 3rd: the 1st and 2nd stay whole, the 3rd ends at 02:30.
        let cancelled = nightly.clone().cancel(cancellation("2024-03-03T02:30:00Z")).unwrap();
        for minute in ["2024-03-01T02:10:00Z", "2024-03-02T02:59:00Z", "2024-03-03T02:29:00Z"] {
            assert!(cancelled.overlaps_minute(ts(minute)), "{minute} keeps its correction");
        }
        for minute in ["2024-03-03T02:30:00Z", "2024-03-04T02:10:00Z"] {
            assert!(!cancelled.overlaps_minute(ts(minute)) && nightly.overlaps_minute(ts(minute)), "{minute}");
        }
        assert!(cancelled.occurrence_at(ts("2024-03-03T02:30:00Z")).is_none(), "no longer mutes");
        let w = |a: &str, b: &str| Window::new(ts(a), ts(b)).unwrap();
        assert!(cancelled.overlaps(w("2024-03-03T00:00:00Z", "2024-03-03T02:01:00Z")));
        assert!(!cancelled.overlaps(w("2024-03-03T02:30:00Z", "2024-03-10T00:00:00Z")));
        assert_eq!(cancelled.cancellation().unwrap().by.as_str(), "bo");
    }

    #[test]
    fn a_cancellation_needs_a_reason_and_something_left_to_cancel() {
        let once = correction("2024-03-01T02:00:00Z", "2024-03-01T03:00:00Z", Recurrence::Once, None);
        let no_reason = Cancellation { reason: " ".into(), ..cancellation("2024-03-01T01:00:00Z") };
        assert_eq!(once.clone().cancel(no_reason), Err(CorrectionError::NoCancelReason));
        let err = once.clone().cancel(cancellation("2024-03-01T03:00:00Z")).unwrap_err();
        assert_eq!(err, CorrectionError::Over { end: ts("2024-03-01T03:00:00Z") });
        // Cancelled before it starts, it corrects nothing at all.
        let early = once.cancel(cancellation("2024-03-01T01:00:00Z")).unwrap();
        assert!(!early.overlaps_minute(ts("2024-03-01T02:00:00Z")));
        let again = early.cancel(cancellation("2024-03-01T01:30:00Z")).unwrap_err();
        assert!(again.to_string().contains("already cancelled at 2024-03-01T01:00:00Z by bo"), "{again}");
    }

    #[test]
    fn a_one_off_correction_covers_every_minute_it_touches() {
        let c = correction("2024-03-01T10:00:30Z", "2024-03-01T10:05:00Z", Recurrence::Once, None);
        // 10:00 is touched by its last 30 seconds, so it goes whole; 10:05 starts as the
        // correction ends, so it stays.
        assert!(!c.overlaps_minute(ts("2024-03-01T09:59:00Z")));
        assert!(c.overlaps_minute(ts("2024-03-01T10:00:00Z")));
        assert!(c.overlaps_minute(ts("2024-03-01T10:04:00Z")));
        assert!(!c.overlaps_minute(ts("2024-03-01T10:05:00Z")));
        assert_eq!(
            c.occurrence_at(ts("2024-03-01T10:03:00Z")),
            Some(Window::new(ts("2024-03-01T10:00:30Z"), ts("2024-03-01T10:05:00Z")).unwrap())
        );
        assert_eq!(c.occurrence_at(ts("2024-03-01T10:05:00Z")), None);
    }

    #[test]
    fn a_daily_correction_repeats_every_24_hours_until_its_end() {
        let c =
            correction("2024-03-01T02:00:00Z", "2024-03-01T02:30:00Z", Recurrence::Daily, Some("2024-03-04T00:00:00Z"));
        assert!(c.overlaps_minute(ts("2024-03-03T02:29:00Z")));
        assert!(!c.overlaps_minute(ts("2024-03-03T02:30:00Z")));
        assert!(!c.overlaps_minute(ts("2024-02-29T02:10:00Z")), "nothing before the first occurrence");
        assert!(!c.overlaps_minute(ts("2024-03-04T02:10:00Z")), "nothing from `until` on");
        let (active, until) = active_correction(std::slice::from_ref(&c), ts("2024-03-02T02:15:00Z")).unwrap();
        assert_eq!(active.reason(), "database maintenance");
        assert_eq!(until.end(), ts("2024-03-02T02:30:00Z"));
    }

    #[test]
    fn a_correction_overlaps_the_windows_one_of_its_occurrences_touches() {
        let w = |a: &str, b: &str| Window::new(ts(a), ts(b)).unwrap();
        let once = correction("2024-03-01T10:00:00Z", "2024-03-01T11:00:00Z", Recurrence::Once, None);
        assert!(once.overlaps(w("2024-03-01T00:00:00Z", "2024-03-02T00:00:00Z")));
        assert!(once.overlaps(w("2024-03-01T10:59:00Z", "2024-03-01T12:00:00Z")));
        assert!(!once.overlaps(w("2024-03-01T11:00:00Z", "2024-03-01T12:00:00Z")));
        assert!(!once.overlaps(w("2024-03-01T09:00:00Z", "2024-03-01T10:00:00Z")));
        let daily =
            correction("2024-03-01T02:00:00Z", "2024-03-01T02:30:00Z", Recurrence::Daily, Some("2024-03-04T00:00:00Z"));
        assert!(daily.overlaps(w("2024-03-03T02:20:00Z", "2024-03-03T03:00:00Z")));
        assert!(!daily.overlaps(w("2024-03-03T03:00:00Z", "2024-03-04T01:00:00Z")), "between occurrences");
        assert!(daily.overlaps(w("2024-03-03T00:00:00Z", "2024-04-01T00:00:00Z")), "the last one before `until`");
        assert!(!daily.overlaps(w("2024-03-04T00:00:00Z", "2024-04-01T00:00:00Z")), "none from `until` on");
        assert!(!daily.overlaps(w("2024-02-01T00:00:00Z", "2024-03-01T02:00:00Z")), "none before the first");
    }

    #[test]
    fn a_weekly_correction_spanning_midnight_covers_both_days() {
        // Sunday 23:30 to Monday 00:30, every week.
        let c = correction("2024-03-03T23:30:00Z", "2024-03-04T00:30:00Z", Recurrence::Weekly, None);
        assert!(c.overlaps_minute(ts("2024-03-10T23:45:00Z")));
        assert!(c.overlaps_minute(ts("2024-03-11T00:15:00Z")));
        assert!(!c.overlaps_minute(ts("2024-03-11T00:30:00Z")));
        assert!(!c.overlaps_minute(ts("2024-03-06T00:15:00Z")));
    }

    #[test]
    fn corrections_refuse_what_cannot_be_meant() {
        let spec = |start: &str, end: &str, recurrence, until: Option<&str>, reason: &str| CorrectionSpec {
            start: ts(start),
            end: ts(end),
            recurrence,
            until: until.map(ts),
            reason: reason.into(),
            author: PersonId::parse("ana").unwrap(),
        };
        let t0 = "2024-03-01T10:00:00Z";
        let t1 = "2024-03-01T11:00:00Z";
        let day = "2024-03-02T10:00:00Z";
        assert!(matches!(
            Correction::new(spec(t1, t0, Recurrence::Once, None, "x")),
            Err(CorrectionError::EndNotAfterStart { .. })
        ));
        let err = Correction::new(spec(t0, day, Recurrence::Daily, None, "x")).unwrap_err();
        assert!(err.to_string().contains("lasts 24h"), "{err}");
        assert!(Correction::new(spec(t0, day, Recurrence::Weekly, None, "x")).is_ok());
        assert_eq!(Correction::new(spec(t0, t1, Recurrence::Once, None, "  ")), Err(CorrectionError::NoReason));
        assert_eq!(
            Correction::new(spec(t0, t1, Recurrence::Once, Some(day), "x")),
            Err(CorrectionError::UntilOnOneOff)
        );
        assert!(matches!(
            Correction::new(spec(t0, t1, Recurrence::Daily, Some(t0), "x")),
            Err(CorrectionError::UntilNotAfterStart { .. })
        ));
    }

    proptest! {
        /// The O(1) lookup agrees with walking every occurrence.
        #[test]
        fn minute_lookup_matches_a_walk_of_the_occurrences(
            start_min in 0i64..20_000,
            len_min in 1i64..1_439,
            weekly in any::<bool>(),
            minute in 0i64..40_000,
        ) {
            let base = ts("2024-03-01T00:00:00Z");
            let at = |m: i64| base + SignedDuration::from_mins(m);
            let recurrence = if weekly { Recurrence::Weekly } else { Recurrence::Daily };
            let c = Correction::new(CorrectionSpec {
                start: at(start_min),
                end: at(start_min + len_min),
                recurrence,
                until: None,
                reason: "r".into(),
                author: PersonId::parse("ana").unwrap(),
            }).unwrap();
            let interval = if weekly { 7 * 1440 } else { 1440 };
            let walked = (0..40).any(|n| {
                let s = start_min + n * interval;
                s < minute + 1 && s + len_min > minute
            });
            prop_assert_eq!(c.overlaps_minute(at(minute)), walked);
        }
    }
}
