//! Composite SLOs: one SLO over several indicators, each with a weight (OpenSLO's
//! `compositeWeight`).
//!
//! A composite minute is the weighted mean of its parts' good ratios that minute, over
//! the parts with events in it; a minute where no part has events has no data. So that the
//! rest of the SLO maths (attainment, budget, burn rates, tiers) applies unchanged, each
//! composite minute is a bucket of [`COMPOSITE_EVENTS`] events of which that share is
//! good: every minute with data weighs the same, whatever each part's traffic. The
//! objective is the weighted mean of the parts' objectives.

use super::bucket::{Bucket, BucketError};
use super::objective::{Objective, ObjectiveError};
use std::collections::BTreeMap;

/// The events a composite minute counts: a million, so a part's ratio keeps six digits.
pub const COMPOSITE_EVENTS: u64 = 1_000_000;

/// The composite's minutes from each part's weight and minutes.
pub fn combine(parts: &[(f64, Vec<Bucket>)]) -> Result<Vec<Bucket>, BucketError> {
    let mut minutes: BTreeMap<jiff::Timestamp, (f64, f64)> = BTreeMap::new();
    for (weight, buckets) in parts {
        for b in buckets.iter().filter(|b| b.total() > 0) {
            let (sum, weights) = minutes.entry(b.minute()).or_default();
            *sum += weight * b.good() as f64 / b.total() as f64;
            *weights += weight;
        }
    }
    minutes
        .into_iter()
        .map(|(minute, (sum, weights))| {
            let good = ((sum / weights) * COMPOSITE_EVENTS as f64).round() as u64;
            Bucket::new(minute, good.min(COMPOSITE_EVENTS), COMPOSITE_EVENTS)
        })
        .collect()
}

/// The weighted mean of the parts' objectives, to the precision objectives are written in.
pub fn composite_objective(parts: &[(f64, Objective)]) -> Result<Objective, ObjectiveError> {
    let weights: f64 = parts.iter().map(|(w, _)| w).sum();
    let mean = parts.iter().map(|(w, o)| w * o.as_f64()).sum::<f64>() / weights;
    let text = format!("{mean:.7}");
    Objective::parse(text.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minute(m: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_800_000_000 + m * 60).unwrap()
    }

    #[test]
    fn a_minute_is_the_weighted_mean_of_its_parts_ratios() {
        let api = vec![Bucket::new(minute(0), 990, 1000).unwrap(), Bucket::new(minute(1), 1000, 1000).unwrap()];
        // A quiet part weighs as much as a busy one: weights, not traffic, decide.
        let ui = vec![Bucket::new(minute(0), 1, 2).unwrap()];
        let c = combine(&[(3.0, api), (1.0, ui)]).unwrap();
        assert_eq!(c.len(), 2);
        // (3 × 0.99 + 1 × 0.5) / 4 = 0.8675
        assert_eq!((c[0].good(), c[0].total()), (867_500, COMPOSITE_EVENTS));
        // Only the api part has events in minute 1.
        assert_eq!(c[1].good(), COMPOSITE_EVENTS);
    }

    #[test]
    fn minutes_without_events_are_not_data() {
        let empty = vec![Bucket::new(minute(0), 0, 0).unwrap()];
        assert!(combine(&[(1.0, empty)]).unwrap().is_empty());
    }

    #[test]
    fn the_objective_is_the_weighted_mean() {
        let o = |s| Objective::parse(s).unwrap();
        assert_eq!(composite_objective(&[(1.0, o("0.99")), (1.0, o("0.999"))]).unwrap(), o("0.9945"));
        assert_eq!(composite_objective(&[(3.0, o("0.99")), (1.0, o("0.95"))]).unwrap(), o("0.98"));
    }
}
