//! Attainment and error budget: what a window of buckets amounts to under an SLO's
//! budgeting method, and how much of the budget that leaves.
//!
//! The figures are sums of counts over the window, never averages of per-minute ratios
//! (except for `RatioTimeslices`, which is defined as one): a quiet minute with one failed
//! request must not weigh as much as a busy minute with a thousand.

use super::bucket::Series;
use super::correction::{is_corrected, Correction};
use super::measured::Measured;
use super::objective::Objective;
use super::ratio::{self, SCALE};
use super::window::Window;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a slice threshold: write a ratio above 0 and at most 1 with at most 9 decimals, like 0.95")]
pub struct SliceThresholdError(pub String);

/// The good/total ratio at or above which a one-minute slice counts as good, in (0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct SliceThreshold {
    ppb: u32,
}

impl SliceThreshold {
    pub fn parse(s: &str) -> Result<Self, SliceThresholdError> {
        match ratio::parse_ppb(s) {
            Some(ppb) if ppb > 0 => Ok(Self { ppb: ppb as u32 }),
            _ => Err(SliceThresholdError(s.to_owned())),
        }
    }
    pub fn as_f64(self) -> f64 {
        ratio::exact_div(self.ppb.into(), SCALE.into())
    }
    /// `good / total >= threshold`, in integers: no rounding decides a slice.
    pub fn is_met_by(self, good: u64, total: u64) -> bool {
        u128::from(good) * u128::from(SCALE) >= u128::from(self.ppb) * u128::from(total)
    }
}
impl fmt::Display for SliceThreshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&ratio::format_ppb(self.ppb.into()))
    }
}
impl TryFrom<f64> for SliceThreshold {
    type Error = SliceThresholdError;
    fn try_from(v: f64) -> Result<Self, SliceThresholdError> {
        Self::parse(&v.to_string())
    }
}
impl From<SliceThreshold> for f64 {
    fn from(t: SliceThreshold) -> f64 {
        t.as_f64()
    }
}

/// A number on the wire (`into = "f64"`), with the bounds `parse` applies.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for SliceThreshold {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Number)
            .description(Some("The good/total ratio at or above which a minute counts as good: above 0, at most 1."))
            .exclusive_minimum(Some(0.0))
            .maximum(Some(1.0))
            .examples([0.95])
            .into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for SliceThreshold {}

/// How an SLO counts (OpenSLO's `budgetingMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum BudgetingMethod {
    /// Good events over all events in the window.
    Occurrences,
    /// Good minutes over minutes with data; a minute is good when its own good/total
    /// ratio reaches `threshold`.
    Timeslices { threshold: SliceThreshold },
    /// The mean of the per-minute good/total ratios over minutes with data.
    RatioTimeslices,
}

impl BudgetingMethod {
    pub fn unit(self) -> BudgetUnit {
        match self {
            BudgetingMethod::Occurrences => BudgetUnit::Events,
            BudgetingMethod::Timeslices { .. } | BudgetingMethod::RatioTimeslices => BudgetUnit::Minutes,
        }
    }
}

/// What a budget is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BudgetUnit {
    Events,
    Minutes,
}

impl fmt::Display for BudgetUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BudgetUnit::Events => "events",
            BudgetUnit::Minutes => "minutes",
        })
    }
}

/// The counts of one window under one budgeting method, after corrections.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tally {
    pub unit: BudgetUnit,
    /// Good units: good events, good minutes, or for `RatioTimeslices` the sum of the
    /// per-minute ratios (so a fraction), each rounded to parts per billion. Written as
    /// an integer whenever it is one (always, for events and minutes).
    #[serde(serialize_with = "whole_as_integer")]
    pub good: f64,
    /// All units: events, or minutes with data.
    pub total: u64,
    /// Events counted, whatever the method: the minimum-events guard of alert tiers
    /// reads this, because a ratio over three requests is not evidence.
    pub events: u64,
    /// Minutes with at least one event, not corrected.
    pub minutes_with_data: u64,
    /// Buckets left out because a correction covered their minute.
    pub corrected_minutes: u64,
    /// Days (24-hour periods counted from the window's start) with at least one minute
    /// of data: what "28 days of data" is measured in.
    pub days_with_data: u32,
}

/// Counts `series` over `window` under `method`, leaving out every minute a correction
/// touches. Minutes without a bucket, and buckets with no events, are no data: they count
/// neither for nor against the SLO.
pub fn tally(method: BudgetingMethod, series: Series<'_>, window: Window, corrections: &[Correction]) -> Tally {
    let mut t = Tally {
        unit: method.unit(),
        good: 0.0,
        total: 0,
        events: 0,
        minutes_with_data: 0,
        corrected_minutes: 0,
        days_with_data: 0,
    };
    // Good units sum in integers so that large counts add up exactly: good events, good
    // minutes, or per-minute ratios in parts per billion. Fixed point, not floats, so a
    // sum kept by adding and subtracting minutes (`Rolling`) is always this very sum.
    let mut good_units: u64 = 0;
    let mut last_day = None;
    for b in series.within(window) {
        if is_corrected(corrections, b.minute()) {
            t.corrected_minutes += 1;
            continue;
        }
        if !b.has_data() {
            continue;
        }
        t.events += b.total();
        t.minutes_with_data += 1;
        let day = b.minute().duration_since(window.start()).as_secs().div_euclid(86_400);
        if last_day != Some(day) {
            t.days_with_data += 1;
            last_day = Some(day);
        }
        match method {
            BudgetingMethod::Occurrences => good_units += b.good(),
            BudgetingMethod::Timeslices { threshold } => {
                if threshold.is_met_by(b.good(), b.total()) {
                    good_units += 1;
                }
            }
            BudgetingMethod::RatioTimeslices => good_units += ratio::ratio_ppb(b.good(), b.total()),
        }
    }
    match method {
        BudgetingMethod::Occurrences => {
            t.good = good_units as f64;
            t.total = t.events;
        }
        BudgetingMethod::Timeslices { .. } => {
            t.good = good_units as f64;
            t.total = t.minutes_with_data;
        }
        BudgetingMethod::RatioTimeslices => {
            t.good = ratio::exact_div(good_units.into(), SCALE.into());
            t.total = t.minutes_with_data;
        }
    }
    t
}

/// Counts are integers in every answer: a whole `f64` (good events, good or bad minutes)
/// is written as one, `12` rather than `12.0`; only true fractions (sums of per-minute
/// ratios) are written as decimals.
fn whole_as_integer<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    // Below 2^53 every integer is exact in an f64, and every count here is far below it.
    if v.fract() == 0.0 && (0.0..9_007_199_254_740_992.0).contains(v) {
        s.serialize_u64(*v as u64)
    } else {
        s.serialize_f64(*v)
    }
}

impl Tally {
    pub fn bad(&self) -> f64 {
        // A sum of per-minute ratios can round a hair above the minute count.
        (self.total as f64 - self.good).max(0.0)
    }

    /// Good units over all units, in [0, 1].
    pub fn attainment(&self) -> Measured<f64> {
        self.ratio(self.good)
    }

    /// Bad units over all units: `1 − attainment`, computed from the bad count directly so
    /// an exact count gives an exact ratio.
    pub fn error_ratio(&self) -> Measured<f64> {
        self.ratio(self.bad())
    }

    /// Whether the attainment reaches the objective.
    pub fn meets(&self, objective: Objective) -> Measured<bool> {
        self.attainment().map(|a| a >= objective.as_f64())
    }

    pub fn error_budget(&self, objective: Objective) -> Measured<ErrorBudget> {
        if self.total == 0 {
            return Measured::NoData;
        }
        // allowed = (1 − objective) × total, from integers: ppb × total / 10^9.
        let allowed = ratio::exact_div(u128::from(objective.budget_ppb()) * u128::from(self.total), SCALE.into());
        let spent = self.bad();
        // `allowed` is positive: total > 0 and the objective is below 1.
        let consumed = spent / allowed;
        Measured::Value(ErrorBudget { unit: self.unit, allowed, spent, consumed, remaining: 1.0 - consumed })
    }

    fn ratio(&self, part: f64) -> Measured<f64> {
        if self.total == 0 {
            return Measured::NoData;
        }
        // A sum of per-minute ratios can drift a hair outside [0, total].
        Measured::Value((part / self.total as f64).clamp(0.0, 1.0))
    }
}

/// The error budget of a window: how many bad units the objective allows over it, and
/// how much of that has gone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBudget {
    pub unit: BudgetUnit,
    /// `(1 − objective) × total` units.
    pub allowed: f64,
    /// Bad units so far: an integer for events and minutes (written as one).
    #[serde(serialize_with = "whole_as_integer")]
    pub spent: f64,
    /// `spent / allowed`; above 1 when overspent.
    pub consumed: f64,
    /// `1 − consumed`; negative when overspent, so "how far over" is not lost.
    pub remaining: f64,
}

impl ErrorBudget {
    /// Bad units still allowed; negative when overspent.
    pub fn remaining_units(&self) -> f64 {
        self.allowed - self.spent
    }
    pub fn is_exhausted(&self) -> bool {
        self.remaining <= 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::PersonId;
    use crate::slo::bucket::Bucket;
    use crate::slo::correction::{CorrectionSpec, Recurrence};
    use jiff::{SignedDuration, Timestamp};
    use proptest::prelude::*;

    fn t0() -> Timestamp {
        "2024-03-01T00:00:00Z".parse().unwrap()
    }
    fn minute(m: i64) -> Timestamp {
        t0() + SignedDuration::from_mins(m)
    }
    /// Buckets from `(good, total)` pairs, one per minute from t0.
    fn buckets(counts: &[(u64, u64)]) -> Vec<Bucket> {
        counts.iter().enumerate().map(|(m, &(g, t))| Bucket::new(minute(m as i64), g, t).unwrap()).collect()
    }
    fn minutes(from: i64, to: i64) -> Window {
        Window::new(minute(from), minute(to)).unwrap()
    }
    fn count(method: BudgetingMethod, counts: &[(u64, u64)]) -> Tally {
        let b = buckets(counts);
        tally(method, Series::new(&b).unwrap(), minutes(0, counts.len() as i64), &[])
    }
    fn three_nines() -> Objective {
        Objective::parse("0.999").unwrap()
    }
    fn slices(threshold: &str) -> BudgetingMethod {
        BudgetingMethod::Timeslices { threshold: SliceThreshold::parse(threshold).unwrap() }
    }

    // A quiet minute with one failure and a busy one with a thousand requests.
    const QUIET_AND_BUSY: [(u64, u64); 2] = [(0, 1), (1000, 1000)];

    #[test]
    fn occurrences_count_events_not_minutes() {
        let t = count(BudgetingMethod::Occurrences, &QUIET_AND_BUSY);
        // good = 0 + 1000 = 1000, total = 1 + 1000 = 1001: 1000/1001.
        assert_eq!((t.good, t.total, t.events), (1000.0, 1001, 1001));
        assert_eq!(t.attainment(), Measured::Value(1000.0 / 1001.0));
        assert_eq!(t.unit, BudgetUnit::Events);
    }

    #[test]
    fn timeslices_count_minutes_that_reach_the_threshold() {
        // Ratios 0/1 = 0 and 1000/1000 = 1: one good slice of two, 1/2.
        let t = count(slices("0.95"), &QUIET_AND_BUSY);
        assert_eq!((t.good, t.total, t.events), (1.0, 2, 1001));
        assert_eq!(t.attainment(), Measured::Value(0.5));
        // A slice at exactly the threshold is good: 95/100 ≥ 0.95; 94/100 is not.
        let t = count(slices("0.95"), &[(95, 100), (94, 100), (0, 0)]);
        // The (0, 0) minute has no data: 1 good slice of 2 with data.
        assert_eq!((t.good, t.total, t.minutes_with_data), (1.0, 2, 2));
        assert_eq!(t.unit, BudgetUnit::Minutes);
    }

    #[test]
    fn ratio_timeslices_average_the_minutes() {
        // (0/1 + 1000/1000) / 2 = 0.5; and (1/4 + 3/4 + 1/2) / 3 = 1.5 / 3 = 0.5.
        assert_eq!(count(BudgetingMethod::RatioTimeslices, &QUIET_AND_BUSY).attainment(), Measured::Value(0.5));
        let t = count(BudgetingMethod::RatioTimeslices, &[(1, 4), (3, 4), (1, 2)]);
        assert_eq!((t.good, t.total), (1.5, 3));
        assert_eq!(t.attainment(), Measured::Value(0.5));
    }

    #[test]
    fn zero_traffic_is_no_data_never_100_percent_nor_nan() {
        for method in [BudgetingMethod::Occurrences, slices("0.9"), BudgetingMethod::RatioTimeslices] {
            for counts in [&[][..], &[(0, 0), (0, 0)][..]] {
                let t = count(method, counts);
                assert_eq!(t.attainment(), Measured::NoData);
                assert_eq!(t.error_ratio(), Measured::NoData);
                assert_eq!(t.meets(three_nines()), Measured::NoData);
                assert_eq!(t.error_budget(three_nines()), Measured::NoData);
            }
        }
    }

    #[test]
    fn the_error_budget_of_occurrences_is_in_events() {
        // 100_000 events at 99.9%: allowed = 0.001 × 100_000 = 100 bad events.
        // 25 bad: consumed = 25 / 100 = 0.25, remaining = 0.75, 75 events left.
        let t = count(BudgetingMethod::Occurrences, &[(49_990, 50_000), (49_985, 50_000)]);
        let b = t.error_budget(three_nines()).value().unwrap();
        assert_eq!((b.allowed, b.spent, b.consumed, b.remaining), (100.0, 25.0, 0.25, 0.75));
        assert_eq!(b.remaining_units(), 75.0);
        assert_eq!(b.unit, BudgetUnit::Events);
        assert!(!b.is_exhausted());
        assert_eq!(t.meets(three_nines()), Measured::Value(true));
    }

    #[test]
    fn an_overspent_budget_goes_negative() {
        // 10_000 events at 99.9%: allowed = 10; 30 bad: consumed = 3, remaining = −2.
        let t = count(BudgetingMethod::Occurrences, &[(9_970, 10_000)]);
        let b = t.error_budget(three_nines()).value().unwrap();
        assert_eq!((b.allowed, b.consumed, b.remaining, b.remaining_units()), (10.0, 3.0, -2.0, -20.0));
        assert!(b.is_exhausted());
        assert_eq!(t.meets(three_nines()), Measured::Value(false));
    }

    #[test]
    fn the_error_budget_of_timeslices_is_in_minutes() {
        // 30 days of minutes = 43_200 slices at 99.9%: allowed = 43.2 bad minutes.
        // 12 bad minutes: consumed = 12 / 43.2 = 0.2777…, remaining = 0.7222….
        let mut counts = vec![(10, 10); 43_200];
        for c in counts.iter_mut().take(12) {
            *c = (5, 10);
        }
        let t = count(slices("0.9"), &counts);
        let b = t.error_budget(three_nines()).value().unwrap();
        assert_eq!((b.unit, b.allowed, b.spent), (BudgetUnit::Minutes, 43.2, 12.0));
        assert!((b.consumed - 12.0 / 43.2).abs() < 1e-12);
        assert_eq!(t.days_with_data, 30);
    }

    #[test]
    fn counts_are_written_as_integers_and_ratio_sums_as_fractions() {
        let t = count(BudgetingMethod::Occurrences, &QUIET_AND_BUSY);
        let json = serde_json::to_value(t).unwrap();
        assert_eq!((json["good"].clone(), json["total"].clone()), (serde_json::json!(1000), serde_json::json!(1001)));
        assert!(json["good"].is_u64(), "{json}");
        let b = serde_json::to_value(t.error_budget(three_nines()).value().unwrap()).unwrap();
        assert!(b["spent"].is_u64() && b["allowed"].is_f64(), "{b}");
        // (1/4 + 3/4 + 1/3): a fraction stays one.
        let r = count(BudgetingMethod::RatioTimeslices, &[(1, 4), (3, 4), (1, 3)]);
        assert!(serde_json::to_value(r).unwrap()["good"].is_f64());
        // And a stored tally still loads.
        let back: Tally = serde_json::from_value(json).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn corrected_minutes_are_left_out() {
        // Minute 1 is a full outage (0/100) during maintenance 00:01–00:02.
        let b = buckets(&[(100, 100), (0, 100), (100, 100)]);
        let maintenance = crate::slo::correction::Correction::new(CorrectionSpec {
            start: minute(1),
            end: minute(2),
            recurrence: Recurrence::Once,
            until: None,
            reason: "failover test".into(),
            author: PersonId::parse("ana").unwrap(),
        })
        .unwrap();
        let t = tally(BudgetingMethod::Occurrences, Series::new(&b).unwrap(), minutes(0, 3), &[maintenance]);
        // Without it 200/300; with it 200/200.
        assert_eq!((t.good, t.total, t.corrected_minutes), (200.0, 200, 1));
        assert_eq!(t.attainment(), Measured::Value(1.0));
    }

    #[test]
    fn only_the_window_counts() {
        let b = buckets(&[(0, 10), (10, 10), (10, 10), (0, 10)]);
        let t = tally(BudgetingMethod::Occurrences, Series::new(&b).unwrap(), minutes(1, 3), &[]);
        assert_eq!((t.good, t.total), (20.0, 20));
    }

    fn counts() -> impl Strategy<Value = Vec<(u64, u64)>> {
        prop::collection::vec((0u64..1_000, 0u64..1_000).prop_map(|(a, b)| (a.min(b), a.max(b))), 0..200)
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
    fn objectives() -> impl Strategy<Value = Objective> {
        (1u32..1_000).prop_map(|n| Objective::parse(&format!("0.{n:03}")).unwrap())
    }

    proptest! {
        #[test]
        fn attainment_is_a_ratio_whenever_there_is_data(method in methods(), c in counts()) {
            let t = count(method, &c);
            match t.attainment() {
                Measured::Value(a) => prop_assert!((0.0..=1.0).contains(&a)),
                Measured::NoData => prop_assert!(c.iter().all(|&(_, total)| total == 0)),
            }
        }

        #[test]
        fn remaining_budget_is_one_minus_consumed(method in methods(), c in counts(), o in objectives()) {
            if let Measured::Value(b) = count(method, &c).error_budget(o) {
                prop_assert_eq!(b.remaining, 1.0 - b.consumed);
                prop_assert!(b.consumed >= 0.0);
                prop_assert!((b.spent - b.consumed * b.allowed).abs() <= 1e-9 * b.allowed.max(1.0));
            }
        }

        #[test]
        fn occurrences_over_two_halves_add_up_to_the_whole(c in counts(), split in 0usize..200) {
            let b = buckets(&c);
            let s = Series::new(&b).unwrap();
            let split = split.min(c.len()) as i64;
            let end = c.len() as i64;
            let whole = tally(BudgetingMethod::Occurrences, s, minutes(0, end), &[]);
            let first = tally(BudgetingMethod::Occurrences, s, minutes(0, split), &[]);
            let second = tally(BudgetingMethod::Occurrences, s, minutes(split, end), &[]);
            prop_assert_eq!(first.good + second.good, whole.good);
            prop_assert_eq!(first.total + second.total, whole.total);
            let summed = Tally { good: first.good + second.good, total: first.total + second.total, ..whole };
            prop_assert_eq!(summed.attainment(), whole.attainment());
        }
    }
}
