//! What every backend does the same way when it stores SLI buckets: turning a batch into
//! rows (one per minute, in the stored integer form), windows into stored bounds, and rows
//! back into buckets.
//!
//! A bucket row is `(slo_id, minute_us, good, total)`: `minute_us` is the minute's first
//! instant in microseconds since the epoch, like every other stored instant (so it is a
//! multiple of 60,000,000), and the counts are signed 64-bit integers, the widest integer
//! both SQLite and PostgreSQL hold.

use crate::StoreError;
use baton_core::slo::{Bucket, SliSums, Window};
use baton_core::{SloId, Timestamp};

/// An hour in microseconds: the span of one row of `sli_rollups`.
pub const HOUR_US: i64 = 3_600_000_000;

/// A batch of buckets as columns, ready to bind: one row per minute, ascending.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BucketRows {
    pub minute_us: Vec<i64>,
    pub good: Vec<i64>,
    pub total: Vec<i64>,
}

impl BucketRows {
    pub fn len(&self) -> usize {
        self.minute_us.len()
    }
    pub fn is_empty(&self) -> bool {
        self.minute_us.is_empty()
    }
}

/// The rows `put_buckets` writes for `buckets`: one per minute, in ascending order. When a
/// batch holds a minute more than once the last one wins, exactly as if the buckets had
/// been written one after the other (and because PostgreSQL refuses to upsert one key
/// twice in one statement). Fails, before anything is written, if a count does not fit
/// the stored 64-bit signed integer.
pub fn bucket_rows(slo: &SloId, buckets: &[Bucket]) -> Result<BucketRows, StoreError> {
    let sorted;
    let buckets = if buckets.windows(2).all(|p| p[0].minute() < p[1].minute()) {
        buckets
    } else {
        let mut v = buckets.to_vec();
        // Stable, so buckets of the same minute keep their order and the last one is kept.
        v.sort_by_key(Bucket::minute);
        let mut last_per_minute: Vec<Bucket> = Vec::with_capacity(v.len());
        for b in v {
            match last_per_minute.last_mut() {
                Some(prev) if prev.minute() == b.minute() => *prev = b,
                _ => last_per_minute.push(b),
            }
        }
        sorted = last_per_minute;
        &sorted[..]
    };
    let mut rows = BucketRows {
        minute_us: Vec::with_capacity(buckets.len()),
        good: Vec::with_capacity(buckets.len()),
        total: Vec::with_capacity(buckets.len()),
    };
    for b in buckets {
        let count = |n: u64| {
            i64::try_from(n).map_err(|_| {
                StoreError::Database(
                    format!(
                        "the bucket of SLO `{slo}` at {} counts {n} events, more than a bucket can store ({}); nothing was written",
                        b.minute(),
                        i64::MAX
                    )
                    .into(),
                )
            })
        };
        rows.minute_us.push(b.minute().as_microsecond());
        rows.good.push(count(b.good())?);
        rows.total.push(count(b.total())?);
    }
    Ok(rows)
}

/// `window` as stored bounds: the buckets in it are those with
/// `start_us <= minute_us < end_us`. Both bounds round up to the next whole microsecond,
/// which selects exactly the minutes `start <= minute < end` even for bounds with
/// nanoseconds, because every stored minute is a whole number of microseconds.
pub fn window_us(window: Window) -> (i64, i64) {
    (ceil_us(window.start()), ceil_us(window.end()))
}

fn ceil_us(t: Timestamp) -> i64 {
    let ns = t.as_nanosecond();
    let us = ns.div_euclid(1_000) + i128::from(ns.rem_euclid(1_000) != 0);
    i64::try_from(us).expect("an instant within ±9999 years is within i64 microseconds")
}

/// The hours (`hour_us`, the first microsecond of each) whose rollups a write of `rows`
/// changes, as runs of consecutive hours `[from_us, to_us)`: the backends re-sum each
/// run from the stored minutes, in the write's transaction, so a rollup is always the
/// sum of its hour's minutes however often they were replaced.
pub fn touched_hours(rows: &BucketRows) -> Vec<(i64, i64)> {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for &m in &rows.minute_us {
        let hour = m - m.rem_euclid(HOUR_US);
        match runs.last_mut() {
            Some((_, to)) if hour <= *to => *to = (*to).max(hour + HOUR_US),
            _ => runs.push((hour, hour + HOUR_US)),
        }
    }
    runs
}

/// One segment of a `sli_sums` read in stored bounds: minutes in `[lo_us, hi_us)`, of
/// which the whole hours `[hour_lo_us, hour_hi_us)` are read from the rollups and the
/// rest (`[lo_us, hour_lo_us)` and `[hour_hi_us, hi_us)`) from the minute rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentBounds {
    pub lo_us: i64,
    pub hour_lo_us: i64,
    pub hour_hi_us: i64,
    pub hi_us: i64,
}

/// The stored bounds of each segment between consecutive `boundaries` (`[b[i], b[i + 1])`,
/// rounded up to the microsecond like [`window_us`]). A segment with no whole hour in it
/// is read from minutes alone (`hour_lo_us == hour_hi_us == hi_us`). Fails if the
/// boundaries do not ascend.
pub fn segment_bounds(boundaries: &[Timestamp]) -> Result<Vec<SegmentBounds>, StoreError> {
    boundaries
        .windows(2)
        .map(|p| {
            let w = Window::new(p[0], p[1]).map_err(|e| StoreError::Database(e.to_string().into()))?;
            let (lo_us, hi_us) = window_us(w);
            let hour_lo_us = lo_us + (HOUR_US - lo_us.rem_euclid(HOUR_US)) % HOUR_US;
            let hour_hi_us = hi_us - hi_us.rem_euclid(HOUR_US);
            Ok(if hour_lo_us < hour_hi_us {
                SegmentBounds { lo_us, hour_lo_us, hour_hi_us, hi_us }
            } else {
                SegmentBounds { lo_us, hour_lo_us: hi_us, hour_hi_us: hi_us, hi_us }
            })
        })
        .collect()
}

/// The sums of `segments` segments from the rows a backend's `sli_sums` query returns:
/// `(segment index, good, total, minutes with data, buckets)`, segments without rows
/// left out (they are zero). `Corrupt` if a row is not one such a query gives.
pub fn sums_from_rows(segments: usize, rows: &[(i64, i64, i64, i64, i64)]) -> Result<Vec<SliSums>, StoreError> {
    let mut sums = vec![SliSums::default(); segments];
    for &(i, good, total, with_data, buckets) in rows {
        let corrupt = || {
            StoreError::Corrupt(format!(
                "SLI sums of segment {i}: {good}/{total}, {with_data} minutes with data of {buckets}"
            ))
        };
        let slot = usize::try_from(i).ok().and_then(|i| sums.get_mut(i)).ok_or_else(corrupt)?;
        let count = |n: i64| u64::try_from(n).map_err(|_| corrupt());
        *slot = SliSums {
            good: count(good)?,
            total: count(total)?,
            minutes_with_data: count(with_data)?,
            buckets: count(buckets)?,
        };
        if slot.good > slot.total || slot.minutes_with_data > slot.buckets {
            return Err(corrupt());
        }
    }
    Ok(sums)
}

/// The bucket a stored row describes; `Corrupt` if the row is not one `put_buckets` wrote.
pub fn bucket_from_row(minute_us: i64, good: i64, total: i64) -> Result<Bucket, StoreError> {
    let corrupt = |why: String| StoreError::Corrupt(format!("SLI bucket at minute_us {minute_us}: {why}"));
    let minute = Timestamp::from_microsecond(minute_us).map_err(|e| corrupt(e.to_string()))?;
    let good = u64::try_from(good).map_err(|_| corrupt(format!("negative good count {good}")))?;
    let total = u64::try_from(total).map_err(|_| corrupt(format!("negative total count {total}")))?;
    Bucket::new(minute, good, total).map_err(|e| corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }
    fn bucket(minute: &str, good: u64, total: u64) -> Bucket {
        Bucket::new(ts(minute), good, total).unwrap()
    }
    fn slo() -> SloId {
        SloId::parse("checkout-availability").unwrap()
    }

    #[test]
    fn rows_are_one_per_minute_ascending_and_the_last_bucket_of_a_minute_wins() {
        let batch = [
            bucket("2024-03-01T10:02:00Z", 1, 2),
            bucket("2024-03-01T10:00:00Z", 3, 4),
            bucket("2024-03-01T10:02:00Z", 5, 6),
            bucket("2024-03-01T10:01:00Z", 7, 8),
            bucket("2024-03-01T10:02:00Z", 9, 10),
        ];
        let rows = bucket_rows(&slo(), &batch).unwrap();
        let m = |s| ts(s).as_microsecond();
        assert_eq!(rows.minute_us, [m("2024-03-01T10:00:00Z"), m("2024-03-01T10:01:00Z"), m("2024-03-01T10:02:00Z")]);
        assert_eq!((rows.good, rows.total), (vec![3, 7, 9], vec![4, 8, 10]));
        assert!(bucket_rows(&slo(), &[]).unwrap().is_empty());
    }

    #[test]
    fn counts_beyond_i64_are_refused_with_the_slo_and_minute() {
        let big = u64::try_from(i64::MAX).unwrap();
        assert_eq!(bucket_rows(&slo(), &[bucket("2024-03-01T10:00:00Z", big, big)]).unwrap().total, [i64::MAX]);
        let err = bucket_rows(&slo(), &[bucket("2024-03-01T10:00:00Z", 0, big + 1)]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("checkout-availability") && msg.contains("2024-03-01T10:00:00Z"), "{msg}");
    }

    #[test]
    fn window_bounds_round_up_to_the_microsecond() {
        let w = Window::new(ts("2024-03-01T10:00:00Z"), ts("2024-03-01T10:05:00.0000001Z")).unwrap();
        let (start, end) = window_us(w);
        assert_eq!(start, ts("2024-03-01T10:00:00Z").as_microsecond());
        // 100 ns past 10:05 still contains the 10:05 bucket: minute_us < end_us.
        assert_eq!(end, ts("2024-03-01T10:05:00Z").as_microsecond() + 1);
        let before_1970 = Window::new(ts("1969-12-31T23:59:59.9999995Z"), ts("1970-01-01T00:00:00Z")).unwrap();
        assert_eq!(window_us(before_1970), (0, 0));
    }

    #[test]
    fn a_write_touches_the_hours_of_its_minutes_in_runs() {
        let rows = bucket_rows(
            &slo(),
            &[
                bucket("2024-03-01T10:59:00Z", 1, 1),
                bucket("2024-03-01T11:00:00Z", 1, 1),
                bucket("2024-03-01T11:30:00Z", 1, 1),
                bucket("2024-03-01T14:05:00Z", 1, 1),
            ],
        )
        .unwrap();
        let h = |s| ts(s).as_microsecond();
        assert_eq!(
            touched_hours(&rows),
            [
                (h("2024-03-01T10:00:00Z"), h("2024-03-01T12:00:00Z")),
                (h("2024-03-01T14:00:00Z"), h("2024-03-01T15:00:00Z"))
            ]
        );
    }

    #[test]
    fn segments_read_whole_hours_from_rollups_and_the_rest_from_minutes() {
        let b = [ts("2024-03-01T09:45:00Z"), ts("2024-03-01T12:10:00Z"), ts("2024-03-01T12:40:00Z")];
        let u = |s| ts(s).as_microsecond();
        assert_eq!(
            segment_bounds(&b).unwrap(),
            [
                SegmentBounds {
                    lo_us: u("2024-03-01T09:45:00Z"),
                    hour_lo_us: u("2024-03-01T10:00:00Z"),
                    hour_hi_us: u("2024-03-01T12:00:00Z"),
                    hi_us: u("2024-03-01T12:10:00Z"),
                },
                // No whole hour inside: minutes only.
                SegmentBounds {
                    lo_us: u("2024-03-01T12:10:00Z"),
                    hour_lo_us: u("2024-03-01T12:40:00Z"),
                    hour_hi_us: u("2024-03-01T12:40:00Z"),
                    hi_us: u("2024-03-01T12:40:00Z"),
                },
            ]
        );
        assert!(segment_bounds(&[b[1], b[0]]).is_err());
        assert_eq!(
            sums_from_rows(3, &[(1, 5, 7, 2, 3)]).unwrap(),
            [SliSums::default(), SliSums { good: 5, total: 7, minutes_with_data: 2, buckets: 3 }, SliSums::default()]
        );
        assert!(matches!(sums_from_rows(1, &[(1, 5, 7, 2, 3)]), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn rows_that_are_not_buckets_are_corrupt() {
        let minute = ts("2024-03-01T10:00:00Z").as_microsecond();
        assert_eq!(bucket_from_row(minute, 1, 2).unwrap(), bucket("2024-03-01T10:00:00Z", 1, 2));
        for (m, g, t) in [(minute + 1, 1, 2), (minute, 3, 2), (minute, -1, 2), (minute, 0, -1)] {
            assert!(matches!(bucket_from_row(m, g, t), Err(StoreError::Corrupt(_))), "{m} {g} {t}");
        }
    }
}
