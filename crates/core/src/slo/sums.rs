//! Occurrences tallies from sums over stretches of time instead of from every minute.
//!
//! Under `Occurrences` a window's tally is a sum of counts, so it can be added up from the
//! sums of the stretches ("segments") it is made of, whatever summed them: the store keeps
//! hourly rollups, so a 28-day window costs a few dozen sums rather than 40,320 minutes.
//! Only "days with data" needs more than sums, and it needs only that no segment crosses
//! a day of the window: [`split_points`] cuts at every window's days too. The result is
//! exactly what [`tally`](super::tally) over the minutes gives; the tests check that.
//!
//! Timeslices and ratio timeslices judge every minute against the SLO's own threshold (or
//! take its ratio), which sums of counts cannot recover: they are tallied from minutes.

use super::bucket::{Bucket, Series};
use super::budget::{BudgetUnit, Tally};
use super::window::Window;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

const DAY: SignedDuration = SignedDuration::from_hours(24);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SumsError {
    #[error("segment boundaries must ascend, but {at} comes after {previous}")]
    NotAscending { previous: Timestamp, at: Timestamp },
    #[error("{boundaries} boundaries make {} segments, but {sums} sums were given", boundaries.saturating_sub(1))]
    Mismatch { boundaries: usize, sums: usize },
    #[error("the sums are not cut at {at}, which the window {window} needs: include it in the split points")]
    NotSplitAt { at: Timestamp, window: Window },
}

/// The counts of a stretch of minutes: what `tally` reads under `Occurrences`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SliSums {
    pub good: u64,
    pub total: u64,
    /// Minutes with at least one event.
    pub minutes_with_data: u64,
    /// Buckets stored, with or without events.
    pub buckets: u64,
}

impl SliSums {
    pub fn of(buckets: &[Bucket]) -> Self {
        buckets.iter().fold(Self::default(), |s, b| Self {
            good: s.good + b.good(),
            total: s.total + b.total(),
            minutes_with_data: s.minutes_with_data + u64::from(b.has_data()),
            buckets: s.buckets + 1,
        })
    }
}

impl std::ops::Add for SliSums {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self {
            good: self.good + o.good,
            total: self.total + o.total,
            minutes_with_data: self.minutes_with_data + o.minutes_with_data,
            buckets: self.buckets + o.buckets,
        }
    }
}

/// The instants to cut an SLI at so that each of `windows` is whole segments and no
/// segment crosses one of its days (counted from its start): every start and end, and
/// every start + n × 24h inside the window. Ascending, without repeats.
pub fn split_points(windows: &[Window]) -> Vec<Timestamp> {
    let mut points = Vec::new();
    for w in windows {
        points.push(w.start());
        points.push(w.end());
        let mut day = w.start();
        while let Some(next) = day.checked_add(DAY).ok().filter(|d| *d < w.end()) {
            points.push(next);
            day = next;
        }
    }
    points.sort();
    points.dedup();
    points
}

/// An SLI as sums over consecutive segments: `sums[i]` counts the buckets whose minute is
/// in `[boundaries[i], boundaries[i + 1])`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentedSli {
    boundaries: Vec<Timestamp>,
    sums: Vec<SliSums>,
}

impl SegmentedSli {
    pub fn new(boundaries: Vec<Timestamp>, sums: Vec<SliSums>) -> Result<Self, SumsError> {
        if let Some(p) = boundaries.windows(2).find(|p| p[0] >= p[1]) {
            return Err(SumsError::NotAscending { previous: p[0], at: p[1] });
        }
        if sums.len() + 1 != boundaries.len().max(1) {
            return Err(SumsError::Mismatch { boundaries: boundaries.len(), sums: sums.len() });
        }
        Ok(Self { boundaries, sums })
    }

    /// The sums of `series` between `boundaries`, counted minute by minute: the reference
    /// a store's sums must equal.
    pub fn from_series(series: Series<'_>, boundaries: Vec<Timestamp>) -> Result<Self, SumsError> {
        if let Some(p) = boundaries.windows(2).find(|p| p[0] >= p[1]) {
            return Err(SumsError::NotAscending { previous: p[0], at: p[1] });
        }
        let sums = boundaries
            .windows(2)
            .map(|p| SliSums::of(series.within(Window::new(p[0], p[1]).expect("ascending"))))
            .collect();
        Self::new(boundaries, sums)
    }

    pub fn boundaries(&self) -> &[Timestamp] {
        &self.boundaries
    }

    /// Every segment's sums together.
    pub fn whole(&self) -> SliSums {
        self.sums.iter().fold(SliSums::default(), |a, s| a + *s)
    }

    fn index(&self, at: Timestamp, window: Window) -> Result<usize, SumsError> {
        self.boundaries.binary_search(&at).map_err(|_| SumsError::NotSplitAt { at, window })
    }

    /// The `Occurrences` tally of `window`, no corrections: exactly `tally` over the
    /// minutes these sums were made from. The window's start, end and days must be
    /// boundaries ([`split_points`]).
    pub fn tally(&self, window: Window) -> Result<Tally, SumsError> {
        let mut t = Tally {
            unit: BudgetUnit::Events,
            good: 0.0,
            total: 0,
            events: 0,
            minutes_with_data: 0,
            corrected_minutes: 0,
            days_with_data: 0,
        };
        if window.is_empty() {
            return Ok(t);
        }
        let (from, to) = (self.index(window.start(), window)?, self.index(window.end(), window)?);
        let mut good: u64 = 0;
        let mut last_day = None;
        for i in from..to {
            let (start, end) = (self.boundaries[i], self.boundaries[i + 1]);
            let day = start.duration_since(window.start()).as_secs().div_euclid(86_400);
            // The segment's last instant must be in the same day, or its minutes could be
            // in two days and the count of days with data would be a guess.
            let next_day = window.start().checked_add(DAY * (day as i32 + 1)).ok();
            if let Some(boundary) = next_day.filter(|b| end > *b) {
                return Err(SumsError::NotSplitAt { at: boundary, window });
            }
            let s = self.sums[i];
            good += s.good;
            t.events += s.total;
            t.minutes_with_data += s.minutes_with_data;
            if s.minutes_with_data > 0 && last_day != Some(day) {
                t.days_with_data += 1;
                last_day = Some(day);
            }
        }
        t.good = good as f64;
        t.total = t.events;
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::budget::{tally, BudgetingMethod};
    use proptest::prelude::*;

    fn t0() -> Timestamp {
        "2026-02-01T00:00:00Z".parse().unwrap()
    }
    fn minute(m: i64) -> Timestamp {
        t0() + SignedDuration::from_mins(m)
    }
    fn window(from: i64, to: i64) -> Window {
        Window::new(minute(from), minute(to)).unwrap()
    }

    #[test]
    fn a_window_adds_up_its_segments_and_counts_its_days() {
        // Day 0 of the window (from 00:30) has data at 00:40; day 1 has none; day 2 at
        // 00:35 the next day but one, so 2 days with data of 3.
        let b = [
            Bucket::new(minute(40), 9, 10).unwrap(),
            Bucket::new(minute(1440 + 100), 0, 0).unwrap(),
            Bucket::new(minute(2 * 1440 + 35), 5, 5).unwrap(),
        ];
        let w = window(30, 3 * 1440 + 30);
        let sli = SegmentedSli::from_series(Series::new(&b).unwrap(), split_points(&[w])).unwrap();
        let t = sli.tally(w).unwrap();
        assert_eq!((t.good, t.total, t.minutes_with_data, t.days_with_data), (14.0, 15, 2, 2));
        assert_eq!(sli.whole().buckets, 3, "the zero-traffic bucket is stored, but no data");
        assert_eq!(t, tally(BudgetingMethod::Occurrences, Series::new(&b).unwrap(), w, &[]));
    }

    #[test]
    fn a_window_the_sums_are_not_cut_for_is_refused() {
        let sli = SegmentedSli::new(vec![minute(0), minute(3 * 1440)], vec![SliSums::default()]).unwrap();
        // The whole is fine only if it needs no day cut: three days do.
        let err = sli.tally(window(0, 3 * 1440)).unwrap_err();
        assert_eq!(err, SumsError::NotSplitAt { at: minute(1440), window: window(0, 3 * 1440) });
        assert!(matches!(sli.tally(window(5, 3 * 1440)), Err(SumsError::NotSplitAt { .. })));
        assert!(SegmentedSli::new(vec![minute(1), minute(0)], vec![SliSums::default()]).is_err());
        assert!(SegmentedSli::new(vec![minute(0), minute(1)], vec![]).is_err());
    }

    proptest! {
        /// Whatever the minutes and windows, a tally from segment sums is the tally from
        /// the minutes.
        #[test]
        fn sums_tally_exactly_as_the_minutes_do(
            minutes in prop::collection::btree_map(0i64..6_000, (0u64..100, 0u64..100), 0..300),
            windows in prop::collection::vec((0i64..6_000, 0i64..6_000), 1..6),
        ) {
            let buckets: Vec<Bucket> = minutes
                .iter()
                .map(|(&m, &(a, b))| Bucket::new(minute(m), a.min(b), a.max(b)).unwrap())
                .collect();
            let series = Series::new(&buckets).unwrap();
            let windows: Vec<Window> = windows.iter().map(|&(a, b)| window(a.min(b), a.max(b))).collect();
            let sli = SegmentedSli::from_series(series, split_points(&windows)).unwrap();
            for w in windows {
                prop_assert_eq!(sli.tally(w).unwrap(), tally(BudgetingMethod::Occurrences, series, w, &[]));
            }
        }
    }
}
