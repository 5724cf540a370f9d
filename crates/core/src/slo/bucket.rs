//! The SLI data the maths runs on: one bucket of good and total events per minute, and a
//! series of them in minute order.

use super::window::{start_of_minute, Window};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BucketError {
    #[error("the bucket at {minute} has {good} good events out of {total}: good events are some of the total, so good must not exceed total")]
    GoodExceedsTotal { minute: Timestamp, good: u64, total: u64 },
    #[error("the bucket at {minute} does not start on a whole minute: a bucket counts one minute from second 0, like {}", start_of_minute(*minute))]
    NotOnMinute { minute: Timestamp },
    #[error("the bucket at {minute} comes after the one at {previous}: a series holds at most one bucket per minute, in ascending order")]
    OutOfOrder { previous: Timestamp, minute: Timestamp },
}

/// The events of one minute, `[minute, minute + 60s)`. A bucket with `total == 0` is a
/// minute with no traffic: it says nothing about the service, and counts as no data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawBucket", into = "RawBucket")]
pub struct Bucket {
    minute: Timestamp,
    good: u64,
    total: u64,
}

#[derive(Serialize, Deserialize)]
struct RawBucket {
    minute: Timestamp,
    good: u64,
    total: u64,
}

impl Bucket {
    pub fn new(minute: Timestamp, good: u64, total: u64) -> Result<Self, BucketError> {
        if start_of_minute(minute) != minute {
            return Err(BucketError::NotOnMinute { minute });
        }
        if good > total {
            return Err(BucketError::GoodExceedsTotal { minute, good, total });
        }
        Ok(Self { minute, good, total })
    }
    pub fn minute(&self) -> Timestamp {
        self.minute
    }
    pub fn good(&self) -> u64 {
        self.good
    }
    pub fn total(&self) -> u64 {
        self.total
    }
    pub fn bad(&self) -> u64 {
        self.total - self.good
    }
    pub fn has_data(&self) -> bool {
        self.total > 0
    }
}

impl TryFrom<RawBucket> for Bucket {
    type Error = BucketError;
    fn try_from(r: RawBucket) -> Result<Self, BucketError> {
        Self::new(r.minute, r.good, r.total)
    }
}
impl From<Bucket> for RawBucket {
    fn from(b: Bucket) -> RawBucket {
        RawBucket { minute: b.minute, good: b.good, total: b.total }
    }
}

/// Buckets known to be in strictly ascending minute order, so a window is found by binary
/// search and no minute is counted twice. Borrowed, so the engine can check a slice read
/// from the store or from Prometheus once and evaluate many windows over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series<'a> {
    buckets: &'a [Bucket],
}

impl<'a> Series<'a> {
    pub fn new(buckets: &'a [Bucket]) -> Result<Self, BucketError> {
        if let Some(pair) = buckets.windows(2).find(|p| p[0].minute >= p[1].minute) {
            return Err(BucketError::OutOfOrder { previous: pair[0].minute, minute: pair[1].minute });
        }
        Ok(Self { buckets })
    }
    pub fn buckets(&self) -> &'a [Bucket] {
        self.buckets
    }
    /// The buckets whose minute starts inside `window`.
    pub fn within(&self, window: Window) -> &'a [Bucket] {
        let from = self.buckets.partition_point(|b| b.minute < window.start());
        let to = self.buckets.partition_point(|b| b.minute < window.end());
        &self.buckets[from..to.max(from)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn good_events_cannot_exceed_the_total() {
        let err = Bucket::new(ts("2024-03-01T10:00:00Z"), 11, 10).unwrap_err();
        assert_eq!(err, BucketError::GoodExceedsTotal { minute: ts("2024-03-01T10:00:00Z"), good: 11, total: 10 });
        assert!(err.to_string().contains("11 good events out of 10"));
        assert!(Bucket::new(ts("2024-03-01T10:00:00Z"), 10, 10).is_ok());
        assert!(Bucket::new(ts("2024-03-01T10:00:00Z"), 0, 0).is_ok());
    }

    #[test]
    fn buckets_start_on_a_whole_minute() {
        let err = Bucket::new(ts("2024-03-01T10:00:30Z"), 1, 1).unwrap_err();
        assert!(err.to_string().contains("like 2024-03-01T10:00:00Z"), "{err}");
    }

    #[test]
    fn a_series_is_in_strictly_ascending_minutes() {
        let a = Bucket::new(ts("2024-03-01T10:00:00Z"), 1, 1).unwrap();
        let b = Bucket::new(ts("2024-03-01T10:01:00Z"), 1, 1).unwrap();
        assert!(Series::new(&[a, b]).is_ok());
        assert_eq!(
            Series::new(&[b, a]).unwrap_err(),
            BucketError::OutOfOrder { previous: b.minute(), minute: a.minute() }
        );
        assert!(matches!(Series::new(&[a, a]), Err(BucketError::OutOfOrder { .. })));
    }

    #[test]
    fn a_window_selects_the_minutes_that_start_inside_it() {
        let buckets: Vec<_> = (0..10)
            .map(|m| Bucket::new(ts("2024-03-01T10:00:00Z") + jiff::SignedDuration::from_mins(m), 1, 1).unwrap())
            .collect();
        let s = Series::new(&buckets).unwrap();
        let w = Window::new(ts("2024-03-01T10:02:00Z"), ts("2024-03-01T10:05:00Z")).unwrap();
        let inside: Vec<_> = s.within(w).iter().map(|b| b.minute()).collect();
        assert_eq!(inside, [ts("2024-03-01T10:02:00Z"), ts("2024-03-01T10:03:00Z"), ts("2024-03-01T10:04:00Z")]);
        let empty = Window::new(ts("2024-03-01T11:00:00Z"), ts("2024-03-01T11:00:00Z")).unwrap();
        assert!(s.within(empty).is_empty());
    }
}
