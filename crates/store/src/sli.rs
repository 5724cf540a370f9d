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

/// How a backend reads `sli_sums` between boundaries, so that a boundary in the middle of
/// an hour costs at most half an hour of minute rows, not the whole hour.
///
/// Each boundary `b` is anchored at its nearest whole hour `a` (ties go down). With
/// `P(x)` the sum of every minute before `x`, `P(b) = P(a) + d(b)`, where `d(b)` is the sum
/// of the minutes in `[a, b)` when `a <= b`, and minus the sum of those in `[b, a)` when
/// `b < a`. A segment `[b0, b1)` is `P(b1) - P(b0)`: the rollups of the hours in
/// `[a0, a1)` (anchors never descend as boundaries ascend) plus `d(b1) - d(b0)`. That is
/// exact because a rollup is always the sum of its hour's minutes (see [`touched_hours`]).
///
/// A report cuts a 28-day window at every day (all at the same minute of the hour) and
/// at each alert window's start: read whole, those partial hours were most of its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumsPlan {
    /// Per segment, the hours `[from_us, to_us)` to read from the rollups (empty when
    /// `from_us == to_us`).
    pub hours: Vec<(i64, i64)>,
    /// Per boundary, the minutes `[from_us, to_us)` between it and its anchor.
    pub minutes: Vec<(i64, i64)>,
    /// Per boundary, whether its minutes are taken away (the boundary is before its anchor).
    before_anchor: Vec<bool>,
}

/// A row of a backend's `sli_sums` query: `(kind, index, good, total, minutes with data,
/// buckets)`, the kind being [`PLAN_HOURS`] or [`PLAN_MINUTES`].
pub type SumsRow = (i64, i64, i64, i64, i64, i64);

/// A bucket of some SLO as stored: `(slo_id, minute_us, good, total)`.
pub type SloBucketRow = (String, i64, i64, i64);

/// Which of a plan's ranges a row of a backend's `sli_sums` query sums.
pub const PLAN_HOURS: i64 = 0;
pub const PLAN_MINUTES: i64 = 1;

impl SumsPlan {
    /// The plan for `boundaries` (each rounded up to the microsecond like [`window_us`]).
    /// Fails if they do not ascend.
    pub fn new(boundaries: &[Timestamp]) -> Result<Self, StoreError> {
        if let Some(p) = boundaries.windows(2).find(|p| p[0] >= p[1]) {
            return Err(StoreError::Database(
                format!("SLI sums boundaries must ascend: {} then {}", p[0], p[1]).into(),
            ));
        }
        let mut plan = Self { hours: Vec::new(), minutes: Vec::new(), before_anchor: Vec::new() };
        let mut anchors = Vec::with_capacity(boundaries.len());
        for b in boundaries {
            let b = ceil_us(*b);
            let floor = b - b.rem_euclid(HOUR_US);
            let (anchor, range) =
                if b - floor <= HOUR_US / 2 { (floor, (floor, b)) } else { (floor + HOUR_US, (b, floor + HOUR_US)) };
            anchors.push(anchor);
            plan.minutes.push(range);
            plan.before_anchor.push(b < anchor);
        }
        plan.hours = anchors.windows(2).map(|a| (a[0], a[1])).collect();
        Ok(plan)
    }

    pub fn segments(&self) -> usize {
        self.hours.len()
    }

    /// The sums of each segment from the rows of a backend's query: `(PLAN_HOURS, segment,
    /// good, total, minutes with data, buckets)` for the rollups of a segment's hours and
    /// `(PLAN_MINUTES, boundary, ...)` for a boundary's minutes, ranges without rows left
    /// out (they are zero). `Corrupt` if a row is not one such a query gives, or the sums
    /// do not add up (rollups that are not the sums of their minutes).
    pub fn combine(&self, rows: &[SumsRow]) -> Result<Vec<SliSums>, StoreError> {
        let mut hours = vec![[0i64; 4]; self.hours.len()];
        let mut minutes = vec![[0i64; 4]; self.minutes.len()];
        for &(kind, i, good, total, with_data, buckets) in rows {
            let corrupt =
                || StoreError::Corrupt(format!("SLI sums row {kind}/{i}: {good}/{total}, {with_data} of {buckets}"));
            let table = match kind {
                PLAN_HOURS => &mut hours,
                PLAN_MINUTES => &mut minutes,
                _ => return Err(corrupt()),
            };
            *usize::try_from(i).ok().and_then(|i| table.get_mut(i)).ok_or_else(corrupt)? =
                [good, total, with_data, buckets];
        }
        let signed = |j: usize| {
            let sign = if self.before_anchor[j] { -1 } else { 1 };
            minutes[j].map(|v| sign * v)
        };
        (0..self.hours.len())
            .map(|i| {
                let (lo, hi) = (signed(i), signed(i + 1));
                let v: [i64; 4] = std::array::from_fn(|k| hours[i][k] + hi[k] - lo[k]);
                let corrupt = || StoreError::Corrupt(format!("SLI sums of segment {i} do not add up: {v:?}"));
                let count = |n: i64| u64::try_from(n).map_err(|_| corrupt());
                let sums = SliSums {
                    good: count(v[0])?,
                    total: count(v[1])?,
                    minutes_with_data: count(v[2])?,
                    buckets: count(v[3])?,
                };
                if sums.good > sums.total || sums.minutes_with_data > sums.buckets {
                    return Err(corrupt());
                }
                Ok(sums)
            })
            .collect()
    }
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
    fn a_plan_reads_the_nearer_side_of_each_boundary_and_adds_up() {
        let b = [ts("2024-03-01T09:45:00Z"), ts("2024-03-01T12:10:00Z"), ts("2024-03-01T12:40:00Z")];
        let u = |s| ts(s).as_microsecond();
        let plan = SumsPlan::new(&b).unwrap();
        assert_eq!(plan.segments(), 2);
        // 09:45 is nearer 10:00 (read forwards to it), 12:10 nearer 12:00, 12:40 nearer 13:00.
        assert_eq!(
            plan.minutes,
            [
                (u("2024-03-01T09:45:00Z"), u("2024-03-01T10:00:00Z")),
                (u("2024-03-01T12:00:00Z"), u("2024-03-01T12:10:00Z")),
                (u("2024-03-01T12:40:00Z"), u("2024-03-01T13:00:00Z")),
            ]
        );
        assert_eq!(
            plan.hours,
            [
                (u("2024-03-01T10:00:00Z"), u("2024-03-01T12:00:00Z")),
                (u("2024-03-01T12:00:00Z"), u("2024-03-01T13:00:00Z"))
            ]
        );
        // Every minute from 09:00 to 13:59 with 1 event, good when even: segment 0 is
        // 09:45–12:10 (145 minutes), segment 1 is 12:10–12:40 (30 minutes).
        let minutes_in = |lo: i64, hi: i64| (lo..hi).step_by(60_000_000).collect::<Vec<i64>>();
        let sum = |ms: Vec<i64>| {
            let good = ms.iter().filter(|m| (*m / 60_000_000) % 2 == 0).count() as i64;
            let n = ms.len() as i64;
            (good, n, n, n)
        };
        let mut rows = Vec::new();
        for (i, &(lo, hi)) in plan.hours.iter().enumerate() {
            let (g, t, w, n) = sum(minutes_in(lo, hi));
            rows.push((PLAN_HOURS, i as i64, g, t, w, n));
        }
        for (i, &(lo, hi)) in plan.minutes.iter().enumerate() {
            let (g, t, w, n) = sum(minutes_in(lo, hi));
            rows.push((PLAN_MINUTES, i as i64, g, t, w, n));
        }
        let expected: Vec<SliSums> = b
            .windows(2)
            .map(|p| {
                let (g, t, w, n) = sum(minutes_in(p[0].as_microsecond(), p[1].as_microsecond()));
                SliSums { good: g as u64, total: t as u64, minutes_with_data: w as u64, buckets: n as u64 }
            })
            .collect();
        assert_eq!(plan.combine(&rows).unwrap(), expected);
        assert_eq!((expected[0].buckets, expected[1].buckets), (145, 30));
        // Rollups missing what their minutes say do not add up.
        let short: Vec<_> = rows.iter().filter(|r| r.0 == PLAN_MINUTES).copied().collect();
        assert!(matches!(plan.combine(&short), Err(StoreError::Corrupt(_))));
        assert!(matches!(plan.combine(&[(2, 0, 1, 1, 1, 1)]), Err(StoreError::Corrupt(_))));
        assert!(SumsPlan::new(&[b[1], b[0]]).is_err());
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
