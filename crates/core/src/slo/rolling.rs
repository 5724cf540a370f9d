//! Incremental evaluation of an SLO's alert tiers: running sums per window, moved on one
//! minute at a time, instead of re-tallying every window whenever a minute completes.
//!
//! [`Rolling`] keeps a ring of the SLO's last `N` minutes (`N` the longest window it
//! tracks) and, for each distinct window length, the sums [`tally`](super::tally) would
//! give over that window: events, good units and minutes with data. A new minute adds
//! itself to every window and takes out, from each, the minute that slides out of it: two
//! integer updates per window instead of a scan. Good units are integers under every
//! method (good events, good minutes, or per-minute ratios in parts per billion), so
//! taking a minute out is exact and the sums never drift from a fresh tally; the tests
//! check exactly that after arbitrary sequences of minutes.
//!
//! A minute never pushed is no data, exactly as a minute with no bucket is to `tally`.

use super::bucket::Bucket;
use super::budget::{BudgetUnit, BudgetingMethod, Tally};
use super::burn::WindowBurn;
use super::correction::{active_correction, is_corrected, Correction};
use super::objective::Objective;
use super::ratio::{self, SCALE};
use super::tier::{evaluate_tier, AlertTier, TierVerdict};
use super::window::{minute_of, start_of_minute};
use crate::period::Period;
use jiff::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RollingError {
    #[error("a window of {length} is shorter than a minute: running sums count whole minutes, so use 1m or more")]
    UnderAMinute { length: Period },
    #[error(
        "the running sums are at {at} and cannot go back to {now}: re-tally that instant from the buckets instead"
    )]
    InThePast { now: Timestamp, at: Timestamp },
}

/// What `tally` would count over one window, kept as running sums.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowSums {
    /// Events in minutes with data.
    pub events: u64,
    /// Good events (occurrences), good minutes (timeslices) or the sum of per-minute
    /// ratios in parts per billion (ratio timeslices).
    pub good_units: u64,
    pub minutes_with_data: u64,
}

impl WindowSums {
    /// The window as a [`Tally`] under `method`, for the figures that read one (burn
    /// rates, attainment). Days with data are not tracked: alert windows do not need them.
    pub(crate) fn tally(self, method: BudgetingMethod) -> Tally {
        let (good, total) = match method {
            BudgetingMethod::Occurrences => (self.good_units as f64, self.events),
            BudgetingMethod::Timeslices { .. } => (self.good_units as f64, self.minutes_with_data),
            BudgetingMethod::RatioTimeslices => {
                (ratio::exact_div(self.good_units.into(), SCALE.into()), self.minutes_with_data)
            }
        };
        Tally {
            unit: method.unit(),
            good,
            total,
            events: self.events,
            minutes_with_data: self.minutes_with_data,
            corrected_minutes: 0,
            days_with_data: 0,
        }
    }

    /// The burn rate of the window, as `WindowBurn::of` a fresh tally would give it.
    pub fn burn(self, method: BudgetingMethod, objective: Objective) -> WindowBurn {
        WindowBurn::of(&self.tally(method), objective)
    }

    // Wrapping, so that adding and later subtracting the same minute is exact even if a
    // sum passes u64::MAX on the way (the final sums are what `tally` counts).
    fn add(&mut self, m: WindowSums) {
        self.events = self.events.wrapping_add(m.events);
        self.good_units = self.good_units.wrapping_add(m.good_units);
        self.minutes_with_data = self.minutes_with_data.wrapping_add(m.minutes_with_data);
    }
    fn sub(&mut self, m: WindowSums) {
        self.events = self.events.wrapping_sub(m.events);
        self.good_units = self.good_units.wrapping_sub(m.good_units);
        self.minutes_with_data = self.minutes_with_data.wrapping_sub(m.minutes_with_data);
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    good: u64,
    total: u64,
}

impl Counts {
    fn of(b: &Bucket) -> Self {
        Self { good: b.good(), total: b.total() }
    }
}

fn minute_start(m: i64) -> Timestamp {
    Timestamp::from_second(m * 60).expect("was a timestamp")
}

#[derive(Debug, Clone)]
struct RunningWindow {
    length: Period,
    minutes: i64,
    sums: WindowSums,
}

/// One SLO's alert windows as running sums over a ring of its recent minutes.
#[derive(Debug, Clone)]
pub struct Rolling {
    method: BudgetingMethod,
    objective: Objective,
    min_events: u64,
    tiers: Vec<AlertTier>,
    /// Per tier, the indexes of its long and short windows in `windows`.
    tier_windows: Vec<(usize, usize)>,
    /// Distinct lengths, ascending.
    windows: Vec<RunningWindow>,
    /// Minute `m` (minutes since the epoch) lives at `m mod ring.len()` while it is one of
    /// the last `ring.len()` minutes before `end`; older slots are reused.
    ring: Vec<Counts>,
    /// The minute (since the epoch) every window ends before; `None` until the first push.
    end: Option<i64>,
    corrections: Vec<Correction>,
}

/// What one minute of `good` out of `total` events adds to any window counted by
/// `method`: nothing when it has no traffic or a correction covers it.
pub(crate) fn minute_sums(
    method: BudgetingMethod,
    corrections: &[Correction],
    minute: Timestamp,
    good: u64,
    total: u64,
) -> WindowSums {
    if total == 0 || (!corrections.is_empty() && is_corrected(corrections, minute)) {
        return WindowSums::default();
    }
    counted(method, good, total)
}

/// A minute with `total > 0` events and no correction, as a window counts it.
fn counted(method: BudgetingMethod, good: u64, total: u64) -> WindowSums {
    let good_units = match method {
        BudgetingMethod::Occurrences => good,
        BudgetingMethod::Timeslices { threshold } => u64::from(threshold.is_met_by(good, total)),
        BudgetingMethod::RatioTimeslices => ratio::ratio_ppb(good, total),
    };
    WindowSums { events: total, good_units, minutes_with_data: 1 }
}

fn minute_index(t: Timestamp) -> i64 {
    minute_of(t)
}

fn minutes_of(length: Period) -> Result<i64, RollingError> {
    // A window of `length` ending on a minute holds the buckets of its last whole minutes.
    match length.as_seconds() / 60 {
        0 => Err(RollingError::UnderAMinute { length }),
        m => Ok(m),
    }
}

impl Rolling {
    /// Running sums for `tiers`' long and short windows of an SLO counted by `method`,
    /// with `min_events` as the tiers' minimum-events guard.
    pub fn new(
        method: BudgetingMethod,
        objective: Objective,
        tiers: &[AlertTier],
        min_events: u64,
    ) -> Result<Self, RollingError> {
        let mut rolling = Self {
            method,
            objective,
            min_events,
            tiers: tiers.to_vec(),
            tier_windows: Vec::with_capacity(tiers.len()),
            windows: Vec::new(),
            ring: Vec::new(),
            end: None,
            corrections: Vec::new(),
        };
        for t in tiers {
            let long = rolling.track(t.long_window)?;
            let short = rolling.track(t.short_window)?;
            rolling.tier_windows.push((long, short));
        }
        Ok(rolling)
    }

    /// Also keeps the sums of a window of `length` (e.g. the one "time to exhaustion"
    /// reads). Before the first push only: the ring cannot grow minutes it never kept.
    pub fn with_window(mut self, length: Period) -> Result<Self, RollingError> {
        self.track(length)?;
        Ok(self)
    }

    /// The index of the window of `length`, added if new.
    fn track(&mut self, length: Period) -> Result<usize, RollingError> {
        let minutes = minutes_of(length)?;
        if let Some(i) = self.windows.iter().position(|w| w.minutes == minutes) {
            return Ok(i);
        }
        debug_assert!(self.end.is_none(), "windows are added before the first minute");
        self.windows.push(RunningWindow { length, minutes, sums: WindowSums::default() });
        let longest = self.windows.iter().map(|w| w.minutes).max().unwrap_or(1);
        self.ring = vec![Counts::default(); longest as usize];
        Ok(self.windows.len() - 1)
    }

    /// The instant every window ends at (the start of the minute after the newest one
    /// counted), once a minute was pushed or the sums were moved to an instant.
    pub fn end(&self) -> Option<Timestamp> {
        self.end.map(|m| Timestamp::from_second(m * 60).expect("was a timestamp"))
    }

    /// What minute `m`, holding `c`, adds to a window.
    fn contribution(&self, m: i64, c: Counts) -> WindowSums {
        if c.total == 0 {
            return WindowSums::default();
        }
        if self.corrections.is_empty() {
            return counted(self.method, c.good, c.total);
        }
        let minute = Timestamp::from_second(m * 60).expect("was a timestamp");
        minute_sums(self.method, &self.corrections, minute, c.good, c.total)
    }

    fn slot(&self, m: i64) -> usize {
        m.rem_euclid(self.ring.len() as i64) as usize
    }

    /// Moves every window on to end at `to` (floored to its minute); the minutes passed
    /// over without a push are no data. Never moves back. The ring must hold the longest
    /// window (it does unless [`keep_recent`](Self::keep_recent) shrank it; then use
    /// [`advance_with`](Self::advance_with)).
    pub fn advance(&mut self, to: Timestamp) {
        self.advance_with(to, |_| None);
    }

    /// [`advance`](Self::advance) for sums whose ring keeps only recent minutes: a minute
    /// older than the ring that leaves a window is taken from `older` (`None`: no data),
    /// the minutes [`leaving`](Self::leaving) names.
    pub fn advance_with(&mut self, to: Timestamp, older: impl Fn(Timestamp) -> Option<Bucket>) {
        let to = minute_index(to);
        let Some(end) = self.end else {
            self.end = Some(to);
            return;
        };
        if to <= end {
            return;
        }
        let n = self.ring.len() as i64;
        if to - end >= self.longest() {
            // Every kept minute slides out of every window.
            self.ring.fill(Counts::default());
            self.windows.iter_mut().for_each(|w| w.sums = WindowSums::default());
        } else {
            for m in end..to {
                for i in 0..self.windows.len() {
                    let length = self.windows[i].minutes;
                    let out = m - length;
                    // At step m the ring holds minutes [m − n, m).
                    let counts = if length <= n {
                        self.ring[self.slot(out)]
                    } else {
                        older(minute_start(out)).map_or_else(Counts::default, |b| Counts::of(&b))
                    };
                    let gone = self.contribution(out, counts);
                    self.windows[i].sums.sub(gone);
                }
                // The slot held minute m − n, which just left the ring.
                let s = self.slot(m);
                self.ring[s] = Counts::default();
            }
        }
        self.end = Some(to);
    }

    /// The minutes older than the ring that leave a window when the sums move on to `to`:
    /// what [`advance_with`](Self::advance_with) asks `older` for. None while the ring
    /// holds the longest window, or before the first minute.
    pub fn leaving(&self, to: Timestamp) -> Vec<Timestamp> {
        let (to, n) = (minute_index(to), self.ring.len() as i64);
        let Some(end) = self.end.filter(|&end| to > end && to - end < self.longest()) else {
            return vec![];
        };
        let mut out: Vec<i64> =
            (end..to).flat_map(|m| self.windows.iter().filter(|w| w.minutes > n).map(move |w| m - w.minutes)).collect();
        out.sort_unstable();
        out.dedup();
        out.into_iter().map(minute_start).collect()
    }

    /// Keeps only the last `minutes` minutes (at least one) in the ring, so that an SLO's
    /// sums cost a few words, not one per minute of its longest window: the engine keeps
    /// the sums of thousands of SLOs and reads the minutes leaving their long windows from
    /// the store ([`leaving`](Self::leaving), [`advance_with`](Self::advance_with)). A
    /// minute older than the ring can no longer be replaced by [`push`](Self::push).
    pub fn keep_recent(&mut self, minutes: usize) {
        let k = minutes.max(1);
        if k >= self.ring.len() {
            return;
        }
        let mut ring = vec![Counts::default(); k];
        if let Some(end) = self.end {
            for m in end - k as i64..end {
                ring[m.rem_euclid(k as i64) as usize] = self.ring[self.slot(m)];
            }
        }
        self.ring = ring;
    }

    /// Running sums that start from sums counted elsewhere: each tracked window's sums
    /// ending at `end` (floored to its minute) as `sums` gives them, and the ring holding
    /// `recent`, the buckets of the last `keep` minutes before `end` (older ones are left
    /// out). For an SLO with no correction (a correction changes what each minute adds);
    /// the engine seeds an SLO counted by occurrences from the store's sums this way.
    pub fn seed(&mut self, end: Timestamp, sums: impl Fn(Period) -> WindowSums, recent: &[Bucket], keep: usize) {
        debug_assert!(self.corrections.is_empty(), "seeded sums carry no correction");
        let end = minute_index(end);
        self.end = Some(end);
        for w in &mut self.windows {
            w.sums = sums(w.length);
        }
        let k = keep.max(1).min(self.longest() as usize);
        self.ring = vec![Counts::default(); k];
        for b in recent {
            let m = minute_index(b.minute());
            if m < end && m >= end - k as i64 {
                let s = self.slot(m);
                self.ring[s] = Counts::of(b);
            }
        }
    }

    fn longest(&self) -> i64 {
        self.windows.iter().map(|w| w.minutes).max().unwrap_or(1)
    }

    /// Counts `bucket`'s minute. A minute after the newest one moves every window on to
    /// end just after it; a minute already counted (a late or corrected bucket) replaces
    /// what was counted for it, in every window that holds it, as the store replaces it.
    /// A minute older than the ring changes nothing; returns whether it was counted. On a
    /// ring shortened by [`keep_recent`](Self::keep_recent) only minutes before the end are
    /// counted: move the sums on with [`advance_with`](Self::advance_with) first.
    pub fn push(&mut self, bucket: Bucket) -> bool {
        let m = minute_index(bucket.minute());
        let short = (self.ring.len() as i64) < self.longest();
        if short && self.end.is_none_or(|end| m >= end) {
            return false;
        }
        let end = match self.end {
            Some(end) if m < end => end,
            _ => {
                self.advance(Timestamp::from_second((m + 1) * 60).expect("a minute after a bucket's"));
                m + 1
            }
        };
        if m < end - self.ring.len() as i64 {
            return false;
        }
        let s = self.slot(m);
        let old = self.contribution(m, self.ring[s]);
        let new_counts = Counts::of(&bucket);
        let new = self.contribution(m, new_counts);
        for w in self.windows.iter_mut().filter(|w| m >= end - w.minutes) {
            w.sums.sub(old);
            w.sums.add(new);
        }
        self.ring[s] = new_counts;
        true
    }

    /// Replaces the SLO's corrections: their minutes count in no window, and a tier is
    /// muted while one is in force. Re-sums every window from the ring (as a re-tally of
    /// the kept minutes would), so it is for when corrections change, not per minute, and
    /// not for a ring shortened by [`keep_recent`](Self::keep_recent) (count afresh instead).
    pub fn set_corrections(&mut self, corrections: Vec<Correction>) {
        debug_assert!(self.end.is_none() || self.ring.len() as i64 >= self.longest(), "the ring holds every window");
        self.corrections = corrections;
        let Some(end) = self.end else { return };
        for i in 0..self.windows.len() {
            let mut sums = WindowSums::default();
            for m in end - self.windows[i].minutes..end {
                sums.add(self.contribution(m, self.ring[self.slot(m)]));
            }
            self.windows[i].sums = sums;
        }
    }

    /// The sums of the window of `length` ending at [`end`](Self::end), if it is tracked.
    pub fn sums(&self, length: Period) -> Option<WindowSums> {
        let minutes = minutes_of(length).ok()?;
        let w = self.windows.iter().find(|w| w.minutes == minutes)?;
        Some(if self.end.is_some() { w.sums } else { WindowSums::default() })
    }

    /// The tiers' verdicts at `now`, their windows ending at the start of `now`'s minute:
    /// what `evaluate_tier` over fresh tallies of those windows gives. Moves the sums on
    /// to `now` first; an instant before the sums' end cannot be answered from them.
    pub fn tiers(&mut self, now: Timestamp) -> Result<Vec<TierVerdict>, RollingError> {
        self.advance(now);
        let end = self.end().expect("advance sets the end");
        if end > start_of_minute(now) {
            return Err(RollingError::InThePast { now, at: end });
        }
        let active = active_correction(&self.corrections, now);
        Ok(self
            .tiers
            .iter()
            .zip(&self.tier_windows)
            .map(|(tier, &(long, short))| {
                let burn = |i: usize| self.windows[i].sums.burn(self.method, self.objective);
                evaluate_tier(tier, burn(long), burn(short), self.min_events, active)
            })
            .collect())
    }

    /// Judges the tiers against `objective` from now on: the sums are counts, so only the
    /// burn rates read from them change (an SLO whose objective changed, see `lifecycle`).
    pub fn set_objective(&mut self, objective: Objective) {
        self.objective = objective;
    }

    /// What the sums are counted in.
    pub fn unit(&self) -> BudgetUnit {
        self.method.unit()
    }

    /// The window lengths tracked, shortest first.
    pub fn lengths(&self) -> Vec<Period> {
        let mut v: Vec<_> = self.windows.iter().map(|w| (w.minutes, w.length)).collect();
        v.sort_by_key(|(m, _)| *m);
        v.into_iter().map(|(_, l)| l).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::bucket::Series;
    use crate::slo::budget::{tally, SliceThreshold};
    use crate::slo::correction::{CorrectionSpec, Recurrence};
    use crate::slo::tier::{alert_tiers, default_tier_specs, BudgetShare, Severity, TierSpec, TierState};
    use crate::slo::window::Window;
    use jiff::SignedDuration;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn t0() -> Timestamp {
        "2025-03-01T00:00:00Z".parse().unwrap()
    }
    fn minute(m: i64) -> Timestamp {
        t0() + SignedDuration::from_mins(m)
    }
    fn objective() -> Objective {
        Objective::parse("0.99").unwrap()
    }
    /// Small tiers, so short sequences slide through them: page 1h/5m, ticket 2h/10m.
    fn small_tiers() -> Vec<AlertTier> {
        let spec = |share: &str, long: &str, severity| TierSpec {
            share: BudgetShare::parse(share).unwrap(),
            long_window: Period::parse(long).unwrap(),
            severity,
            alert_when_no_data: false,
        };
        alert_tiers(&[spec("0.02", "1h", Severity::Page), spec("0.05", "2h", Severity::Ticket)], Period::days(1))
            .unwrap()
    }

    /// The reference: what re-tallying `window` over the buckets kept gives.
    fn fresh(method: BudgetingMethod, minutes: &BTreeMap<i64, Bucket>, window: Window) -> Tally {
        let buckets: Vec<Bucket> = minutes.values().copied().collect();
        tally(method, Series::new(&buckets).unwrap(), window, &[])
    }

    #[test]
    fn a_new_minute_enters_every_window_and_the_oldest_leaves() {
        let mut r = Rolling::new(BudgetingMethod::Occurrences, objective(), &small_tiers(), 0).unwrap();
        // Minute 0 fails completely, then 60 good minutes of 10 events.
        r.push(Bucket::new(minute(0), 0, 10).unwrap());
        for m in 1..=60 {
            r.push(Bucket::new(minute(m), 10, 10).unwrap());
        }
        // The 1h window ending at minute 61 is minutes 1..=60: 600 good of 600; minute 0
        // is still in the 2h window: 600 of 610.
        let hour = r.sums(Period::hours(1)).unwrap();
        assert_eq!(hour, WindowSums { events: 600, good_units: 600, minutes_with_data: 60 });
        let two = r.sums(Period::hours(2)).unwrap();
        assert_eq!((two.events, two.good_units, two.minutes_with_data), (610, 600, 61));
        assert_eq!(r.end(), Some(minute(61)));
        assert_eq!(r.lengths().len(), 4, "1h, 5m, 2h, 10m");
    }

    #[test]
    fn minutes_never_pushed_are_no_data() {
        let mut r = Rolling::new(BudgetingMethod::Occurrences, objective(), &small_tiers(), 0).unwrap();
        r.push(Bucket::new(minute(0), 5, 10).unwrap());
        // Ten minutes later nothing arrived: the 5m windows have no data, not 100%.
        let verdicts = r.tiers(minute(10)).unwrap();
        assert_eq!(verdicts[0].state, TierState::NoData { window: Period::parse("5m").unwrap() });
        assert_eq!(verdicts[0].long.events, 10);
        assert!(verdicts[0].short.rate.is_no_data());
        // Three hours on, everything has slid out.
        r.advance(minute(180));
        assert_eq!(r.sums(Period::hours(2)).unwrap(), WindowSums::default());
    }

    #[test]
    fn a_late_bucket_replaces_what_was_counted_for_its_minute() {
        let mut r = Rolling::new(BudgetingMethod::Occurrences, objective(), &small_tiers(), 0).unwrap();
        for m in 0..20 {
            r.push(Bucket::new(minute(m), 10, 10).unwrap());
        }
        // Minute 17 is re-sent with failures; minute 2 is outside the 5m and 10m windows.
        assert!(r.push(Bucket::new(minute(17), 4, 10).unwrap()));
        assert!(r.push(Bucket::new(minute(2), 0, 0).unwrap()));
        assert_eq!(r.sums(Period::parse("5m").unwrap()).unwrap().good_units, 44);
        assert_eq!(
            r.sums(Period::hours(1)).unwrap(),
            WindowSums { events: 190, good_units: 184, minutes_with_data: 19 }
        );
        // Older than the 2h ring: nothing to count it in.
        r.advance(minute(200));
        assert!(!r.push(Bucket::new(minute(2), 1, 1).unwrap()));
        assert_eq!(r.end(), Some(minute(200)));
    }

    #[test]
    fn the_sums_cannot_answer_for_an_earlier_instant() {
        let mut r = Rolling::new(BudgetingMethod::Occurrences, objective(), &small_tiers(), 0).unwrap();
        r.push(Bucket::new(minute(30), 1, 1).unwrap());
        assert_eq!(r.tiers(minute(10)).unwrap_err(), RollingError::InThePast { now: minute(10), at: minute(31) });
        assert!(r.tiers(minute(31) + SignedDuration::from_secs(59)).is_ok());
        let tiny = TierSpec { long_window: Period::parse("30s").unwrap(), ..default_tier_specs()[0] };
        let err = Rolling::new(BudgetingMethod::Occurrences, objective(), &[], 0)
            .unwrap()
            .with_window(tiny.long_window)
            .unwrap_err();
        assert!(err.to_string().contains("shorter than a minute"), "{err}");
    }

    #[test]
    fn the_default_tiers_at_28_days_fire_as_a_re_tally_does() {
        let tiers = alert_tiers(&default_tier_specs(), Period::days(28)).unwrap();
        let o = Objective::parse("0.999").unwrap();
        let mut r = Rolling::new(BudgetingMethod::Occurrences, o, &tiers, 10).unwrap();
        let mut kept = BTreeMap::new();
        // Three days of 100 requests a minute, the last 10 minutes with 20 failing.
        for m in 0..3 * 1440 {
            let bad = if m >= 3 * 1440 - 10 { 20 } else { 0 };
            let b = Bucket::new(minute(m), 100 - bad, 100).unwrap();
            r.push(b);
            kept.insert(m, b);
        }
        let now = minute(3 * 1440);
        let verdicts = r.tiers(now).unwrap();
        // 200 bad of 6,000 in the last hour = 3.33%, at 99.9% a burn of 33.3 > 13.44.
        assert!(verdicts[0].fires(), "{}", verdicts[0]);
        for (v, tier) in verdicts.iter().zip(&tiers) {
            let (long, short) = tier.windows(now).unwrap();
            let burn = |w: Window| {
                let b: Vec<_> = kept.values().copied().collect();
                WindowBurn::of(&tally(BudgetingMethod::Occurrences, Series::new(&b).unwrap(), w, &[]), o)
            };
            assert_eq!(*v, evaluate_tier(tier, burn(long), burn(short), 10, None));
        }
    }

    #[test]
    fn corrected_minutes_count_nowhere_and_mute_the_tiers() {
        let mut r = Rolling::new(BudgetingMethod::Occurrences, objective(), &small_tiers(), 0).unwrap();
        for m in 0..60 {
            r.push(Bucket::new(minute(m), if (40..50).contains(&m) { 0 } else { 10 }, 10).unwrap());
        }
        let maintenance = Correction::new(CorrectionSpec {
            start: minute(40),
            end: minute(50),
            recurrence: Recurrence::Once,
            until: None,
            reason: "failover drill".into(),
            author: crate::PersonId::parse("marta.oyelaran").unwrap(),
        })
        .unwrap();
        r.set_corrections(vec![maintenance.clone()]);
        assert_eq!(
            r.sums(Period::hours(1)).unwrap(),
            WindowSums { events: 500, good_units: 500, minutes_with_data: 50 }
        );
        r.push(Bucket::new(minute(45), 0, 10).unwrap());
        assert_eq!(r.sums(Period::hours(1)).unwrap().events, 500, "a corrected minute stays out when re-sent");
        // Withdrawn, the failed minutes count again.
        r.set_corrections(vec![]);
        assert_eq!(
            r.sums(Period::hours(1)).unwrap(),
            WindowSums { events: 600, good_units: 500, minutes_with_data: 60 }
        );
        // While one is in force, every tier is muted.
        let spec = CorrectionSpec { start: minute(55), end: minute(70), ..maintenance.spec().clone() };
        r.set_corrections(vec![Correction::new(spec).unwrap()]);
        let verdicts = r.tiers(minute(61)).unwrap();
        assert!(verdicts
            .iter()
            .all(|v| matches!(&v.state, TierState::Muted { reason, .. } if reason == "failover drill")));
    }

    fn methods() -> impl Strategy<Value = BudgetingMethod> {
        prop_oneof![
            Just(BudgetingMethod::Occurrences),
            (1u32..=1_000).prop_map(|t| BudgetingMethod::Timeslices {
                threshold: SliceThreshold::parse(&format!("{}", f64::from(t) / 1000.0)).unwrap()
            }),
            Just(BudgetingMethod::RatioTimeslices),
        ]
    }

    /// A step: a new minute `gap` minutes after the newest (0: the next one), or a
    /// late bucket `back` minutes before the end.
    #[derive(Debug, Clone)]
    enum Step {
        Next { gap: i64, good: u64, total: u64 },
        Late { back: i64, good: u64, total: u64 },
        Advance { minutes: i64 },
    }

    fn steps() -> impl Strategy<Value = Vec<Step>> {
        let counts = (0u64..50, 0u64..50).prop_map(|(a, b)| (a.min(b), a.max(b)));
        let step = prop_oneof![
            6 => ((0i64..3), counts.clone()).prop_map(|(g, (good, total))| Step::Next { gap: g, good, total }),
            1 => ((0i64..40), counts.clone()).prop_map(|(back, (good, total))| Step::Late { back, good, total }),
            1 => (0i64..200).prop_map(|minutes| Step::Advance { minutes }),
            1 => ((3i64..150), counts).prop_map(|(g, (good, total))| Step::Next { gap: g, good, total }),
        ];
        prop::collection::vec(step, 1..400)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// After any sequence of minutes, gaps, late buckets and idle stretches, every
        /// window's sums and every tier's verdict are what re-tallying the buckets gives.
        #[test]
        fn running_sums_always_equal_a_fresh_tally(method in methods(), steps in steps(), min_events in 0u64..30) {
            let tiers = small_tiers();
            let mut r = Rolling::new(method, objective(), &tiers, min_events).unwrap();
            let mut kept: BTreeMap<i64, Bucket> = BTreeMap::new();
            let mut end = 0i64;
            r.advance(minute(end));
            for step in steps {
                match step {
                    Step::Next { gap, good, total } => {
                        let m = end + gap;
                        let b = Bucket::new(minute(m), good, total).unwrap();
                        r.push(b);
                        kept.insert(m, b);
                        end = m + 1;
                    }
                    Step::Late { back, good, total } => {
                        let m = end - 1 - back;
                        let b = Bucket::new(minute(m), good, total).unwrap();
                        let counted = r.push(b);
                        prop_assert_eq!(counted, back < 120, "kept for the longest window, 2h");
                        kept.insert(m, b);
                    }
                    Step::Advance { minutes } => {
                        end += minutes;
                        r.advance(minute(end));
                    }
                }
                prop_assert_eq!(r.end(), Some(minute(end)));
                for length in r.lengths() {
                    let t = fresh(method, &kept, Window::ending_at(minute(end), length).unwrap());
                    let s = r.sums(length).unwrap();
                    prop_assert_eq!((s.events, s.minutes_with_data), (t.events, t.minutes_with_data));
                    prop_assert_eq!(s.burn(method, objective()), WindowBurn::of(&t, objective()));
                    let st = s.tally(method);
                    prop_assert_eq!((st.good, st.total), (t.good, t.total), "{}", length);
                }
            }
            let verdicts = r.tiers(minute(end)).unwrap();
            for (v, tier) in verdicts.iter().zip(&tiers) {
                let (long, short) = tier.windows(minute(end)).unwrap();
                let burn = |w: Window| WindowBurn::of(&fresh(method, &kept, w), objective());
                prop_assert_eq!(v, &evaluate_tier(tier, burn(long), burn(short), min_events, None));
            }
        }

        /// The same with a ring of only `keep` recent minutes, as the engine keeps it: the
        /// minutes leaving longer windows come from the store (here, the buckets kept),
        /// and a late bucket older than the ring re-seeds the sums from the store's counts.
        #[test]
        fn a_short_ring_fed_from_the_store_equals_a_fresh_tally(method in methods(), steps in steps(), keep in 1usize..8) {
            let tiers = small_tiers();
            let mut r = Rolling::new(method, objective(), &tiers, 0).unwrap();
            let mut kept: BTreeMap<i64, Bucket> = BTreeMap::new();
            let store_sums = |kept: &BTreeMap<i64, Bucket>, end: i64, length: Period| {
                let mut sums = WindowSums::default();
                for b in kept.range(end - length.as_seconds() / 60..end).map(|(_, b)| b) {
                    sums.add(minute_sums(method, &[], b.minute(), b.good(), b.total()));
                }
                sums
            };
            let mut end = 0i64;
            r.seed(minute(end), |_| WindowSums::default(), &[], keep);
            for step in steps {
                let lookup = |kept: &BTreeMap<i64, Bucket>| {
                    let kept = kept.clone();
                    move |t: Timestamp| kept.get(&(minute_index(t) - minute_index(t0()))).copied()
                };
                match step {
                    Step::Next { gap, good, total } => {
                        let m = end + gap;
                        let b = Bucket::new(minute(m), good, total).unwrap();
                        for t in r.leaving(minute(m + 1)) {
                            prop_assert!(t < minute(m + 1 - keep as i64), "only minutes older than the ring are asked for");
                        }
                        r.advance_with(minute(m + 1), lookup(&kept));
                        prop_assert!(r.push(b));
                        kept.insert(m, b);
                        end = m + 1;
                    }
                    Step::Late { back, good, total } => {
                        let m = end - 1 - back;
                        let b = Bucket::new(minute(m), good, total).unwrap();
                        kept.insert(m, b);
                        if !r.push(b) {
                            prop_assert!(back >= keep as i64);
                            let recent: Vec<Bucket> = kept.range(end - keep as i64..end).map(|(_, b)| *b).collect();
                            r.seed(minute(end), |length| store_sums(&kept, end, length), &recent, keep);
                        }
                    }
                    Step::Advance { minutes } => {
                        end += minutes;
                        r.advance_with(minute(end), lookup(&kept));
                    }
                }
                for length in r.lengths() {
                    prop_assert_eq!(r.sums(length).unwrap(), store_sums(&kept, end, length), "{}", length);
                }
            }
        }
    }
}
