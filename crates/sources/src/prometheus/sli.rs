//! Reading a ratio SLI's events from Prometheus: per-minute [`Bucket`]s for core's maths,
//! and the totals of a whole window straight from Prometheus, as an independent check of
//! the sum of those buckets.
//!
//! # How the selectors are wrapped
//!
//! An SLI is two PromQL **series selectors of counters**, `GOOD` and `TOTAL`: a metric
//! name and/or label matchers, like `http_requests_total{job="checkout",code!~"5.."}`.
//! Baton appends the range and wraps them itself:
//!
//! - buckets: `sum(increase(GOOD[1m]))` and `sum(increase(TOTAL[1m]))`, range-queried
//!   with a step of 60 s at the **end** of each minute: the point at `T` is the bucket of
//!   the minute `[T − 1m, T)`;
//! - window totals: `sum(increase(GOOD[W]))` and `sum(increase(TOTAL[W]))`, instant
//!   queries at the window's end, `W` its length (`3d`, `28d`).
//!
//! `sum` adds up every series the selector matches (instances, status codes), because an
//! SLO counts events, not series. Anything that is not a selector (`sum(rate(x[5m]))`)
//! comes back from Prometheus as [`PrometheusError::Rejected`] with its own message,
//! to be reported against the SLO. A minute with a total but no good series counts no
//! good events: a selector of successes matches nothing until the first success, and a
//! minute with no success at all must count as all bad. A minute with no total is no data.
//!
//! # Exact counts and extrapolation
//!
//! Prometheus extrapolates `increase()`: it subtracts the first sample inside
//! `[T − range, T]` from the last (adding back counter resets), then stretches the result
//! towards the range's edges when those samples do not sit on them (a counter whose first
//! sample is 0 is not stretched back past that zero). Hence:
//!
//! - Counters sampled exactly on the minute, as backfilled data is, give exact integers:
//!   the samples at `T − 1m` and `T` are both in the range, and there is nothing to stretch.
//! - Scraped counters at an offset give an estimate per minute, usually not an integer
//!   (three 15 s intervals stretched to 60 s). Baton rounds each minute to the nearest
//!   integer and then clamps good ≤ total: the two are extrapolated separately, so a minute
//!   with every request good can come back with good a hair above total. A minute is then
//!   off by at most half an event of rounding plus the extrapolation error, which evens
//!   out for steady traffic; sums over a window come close to, but are not, the counters'
//!   exact difference. [`PrometheusRatio::window_totals`] extrapolates only at the window's
//!   two edges, and is the figure to check such sums against.
//! - `increase()` needs two samples inside each minute: scrape every 30 s or faster. With
//!   a 1 m scrape interval off the minute, each `[1m]` range holds one sample and the
//!   minute has no data. (Prometheus 3 made ranges left-open, so there even on-the-minute
//!   samples a minute apart leave one sample per range.)

use super::client::{PrometheusClient, PrometheusError, RangeSeries};
use baton_core::slo::{start_of_minute, Bucket, Window};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;

/// A ratio SLI whose events Prometheus counts: the selector of the good-events counter and
/// that of the total-events counter (see the [module docs](self) for how they are used).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrometheusRatio {
    pub good: String,
    pub total: String,
}

/// The events of a whole window, as Prometheus counts them in one `increase()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventTotals {
    pub good: u64,
    pub total: u64,
}

pub(crate) const MINUTE: SignedDuration = SignedDuration::from_secs(60);

impl PrometheusRatio {
    pub fn new(good: impl Into<String>, total: impl Into<String>) -> Self {
        Self { good: good.into(), total: total.into() }
    }

    /// `sum(increase(GOOD[range]))`, `range` a PromQL duration like `5m`.
    pub fn good_increase(&self, range: &str) -> String {
        increase(&self.good, range)
    }

    /// `sum(increase(TOTAL[range]))`.
    pub fn total_increase(&self, range: &str) -> String {
        increase(&self.total, range)
    }

    /// One bucket per minute that starts inside `window` and for which Prometheus has a
    /// total, in minute order, ready for `Series::new`. Pass windows on whole minutes (as
    /// core's are): a minute that starts inside the window is read whole. Long windows are
    /// read in several range queries of at most
    /// [`max_points_per_query`](PrometheusClient::max_points_per_query) minutes each.
    pub async fn read_buckets(
        &self,
        prometheus: &PrometheusClient,
        window: Window,
    ) -> Result<Vec<Bucket>, PrometheusError> {
        let (good_q, total_q) = (self.good_increase("1m"), self.total_increase("1m"));
        let mut buckets = Vec::new();
        for (start, end) in minute_end_ranges(prometheus, window)? {
            let (good, total) = tokio::try_join!(
                prometheus.range(&good_q, start, end, MINUTE),
                prometheus.range(&total_q, start, end, MINUTE),
            )?;
            let good: BTreeMap<Timestamp, f64> = single_series(prometheus, &good_q, good)?.into_iter().collect();
            for (at, total) in single_series(prometheus, &total_q, total)? {
                let minute = minute_closed_at(prometheus, at)?;
                let total = count(&total_q, at, total)?;
                let good = good.get(&at).map(|g| count(&good_q, at, *g)).transpose()?.unwrap_or(0);
                let bucket =
                    Bucket::new(minute, good.min(total), total).map_err(|e| malformed(prometheus, format!("{e}")))?;
                buckets.push(bucket);
            }
        }
        Ok(buckets)
    }

    /// The good and total events of `window` in one `increase()` each, evaluated at its
    /// end. With samples on whole minutes and a zero sample where a counter starts, this
    /// is exact, and equal to the sum of [`read_buckets`](Self::read_buckets) over the
    /// same window; on scraped data it extrapolates only at the two edges.
    pub async fn window_totals(
        &self,
        prometheus: &PrometheusClient,
        window: Window,
    ) -> Result<EventTotals, PrometheusError> {
        if window.is_empty() {
            return Ok(EventTotals::default());
        }
        let range = promql_duration(window.duration());
        let (good_q, total_q) = (self.good_increase(&range), self.total_increase(&range));
        let (good, total) =
            tokio::try_join!(prometheus.instant(&good_q, window.end()), prometheus.instant(&total_q, window.end()),)?;
        let one = |query: &str, samples: Vec<super::client::InstantSample>| match samples.as_slice() {
            [] => Ok(0),
            [s] => count(query, s.at, s.value),
            more => Err(malformed(prometheus, format!("`{query}` gave {} series; `sum` gives one", more.len()))),
        };
        let total = one(&total_q, total)?;
        let good = one(&good_q, good)?;
        Ok(EventTotals { good: good.min(total), total })
    }
}

/// The range queries that evaluate a query at the **end** of every minute starting inside
/// `window` (the point at `T` is the minute `[T − 1m, T)`), as `(start, end)` pairs at a
/// 60 s step: in order, joining without gap or overlap, none holding more than the client's
/// [`max_points_per_query`](PrometheusClient::max_points_per_query) points. Every SLI kind
/// reads its minutes through this, so a window of any length works against Prometheus'
/// limit of 11,000 points per series and query (28 days are 40,320 minutes).
pub fn minute_end_ranges(
    prometheus: &PrometheusClient,
    window: Window,
) -> Result<Vec<(Timestamp, Timestamp)>, PrometheusError> {
    let first = ceil_minute(window.start());
    let minutes = minutes_from(first, window.end());
    let mut ranges = Vec::new();
    let mut done = 0;
    while done < minutes {
        let n = (minutes - done).min(prometheus.max_points_per_query() as i64);
        // Evaluated at each minute's end: the first point closes minute `done`.
        ranges.push((after_minutes(prometheus, first, done + 1)?, after_minutes(prometheus, first, done + n)?));
        done += n;
    }
    Ok(ranges)
}

/// The minute a point of a [`minute_end_ranges`] query closes: the one ending at `at`.
pub(crate) fn minute_closed_at(prometheus: &PrometheusClient, at: Timestamp) -> Result<Timestamp, PrometheusError> {
    let minute = at.checked_sub(MINUTE).map_err(|e| malformed(prometheus, format!("{at}: {e}")))?;
    if start_of_minute(minute) != minute {
        return Err(malformed(prometheus, format!("a point at {at}, off the 60 s steps asked for")));
    }
    Ok(minute)
}

/// `sum(increase(SELECTOR[range]))`: the events a counter selector counted over `range`,
/// over all the series it matches.
pub fn increase(selector: &str, range: &str) -> String {
    format!("sum(increase({}[{range}]))", selector.trim())
}

/// A length as a PromQL duration, in the largest unit that divides it: `3d`, `90m`, `1500ms`.
pub fn promql_duration(d: SignedDuration) -> String {
    let ms = d.as_millis();
    for (unit, per) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if ms != 0 && ms % per == 0 {
            return format!("{}{unit}", ms / per);
        }
    }
    format!("{ms}ms")
}

/// `increase()` of counters is a count: round the extrapolated figure to the nearest event
/// (see the module docs). NaN or ±Inf means the selector is not of a counter.
fn count(query: &str, at: Timestamp, value: f64) -> Result<u64, PrometheusError> {
    if !value.is_finite() {
        return Err(PrometheusError::NotACount { query: query.to_owned(), at, value: value.to_string() });
    }
    // `as` saturates; `increase()` is never below zero, so `max` only removes a `-0`.
    Ok(value.max(0.0).round() as u64)
}

fn single_series(
    prometheus: &PrometheusClient,
    query: &str,
    series: Vec<RangeSeries>,
) -> Result<Vec<(Timestamp, f64)>, PrometheusError> {
    let n = series.len();
    let mut series = series.into_iter();
    match (series.next(), n) {
        (None, _) => Ok(Vec::new()),
        (Some(s), 1) => Ok(s.points),
        _ => Err(malformed(prometheus, format!("`{query}` gave {n} series; `sum` gives one"))),
    }
}

pub(crate) fn malformed(prometheus: &PrometheusClient, reason: String) -> PrometheusError {
    PrometheusError::Malformed { url: prometheus.base_url().to_string(), reason }
}

fn ceil_minute(t: Timestamp) -> Timestamp {
    let floor = start_of_minute(t);
    if floor == t {
        t
    } else {
        floor.checked_add(MINUTE).unwrap_or(floor)
    }
}

/// How many minutes start in `[first, end)`, `first` on a whole minute.
fn minutes_from(first: Timestamp, end: Timestamp) -> i64 {
    if end <= first {
        return 0;
    }
    const MINUTE_NS: i128 = 60_000_000_000;
    let ns = end.duration_since(first).as_nanos();
    ((ns + MINUTE_NS - 1) / MINUTE_NS) as i64
}

fn after_minutes(prometheus: &PrometheusClient, t: Timestamp, n: i64) -> Result<Timestamp, PrometheusError> {
    t.checked_add(SignedDuration::from_mins(n))
        .map_err(|e| malformed(prometheus, format!("{n} minutes after {t}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn selectors_are_wrapped_in_a_summed_increase() {
        let sli = PrometheusRatio::new(
            r#"http_requests_total{job="checkout",code!~"5.."}"#,
            " http_requests_total{job=\"checkout\"}\n",
        );
        assert_eq!(sli.good_increase("1m"), r#"sum(increase(http_requests_total{job="checkout",code!~"5.."}[1m]))"#);
        assert_eq!(sli.total_increase("3d"), r#"sum(increase(http_requests_total{job="checkout"}[3d]))"#);
    }

    #[test]
    fn durations_use_the_largest_exact_unit() {
        assert_eq!(promql_duration(SignedDuration::from_hours(72)), "3d");
        assert_eq!(promql_duration(SignedDuration::from_mins(90)), "90m");
        assert_eq!(promql_duration(SignedDuration::from_hours(25)), "25h");
        assert_eq!(promql_duration(SignedDuration::from_millis(1_500)), "1500ms");
        assert_eq!(promql_duration(SignedDuration::from_secs(61)), "61s");
    }

    #[test]
    fn extrapolated_figures_round_to_the_nearest_event() {
        assert_eq!(count("q", ts("2024-03-04T00:00:00Z"), 41.49).unwrap(), 41);
        assert_eq!(count("q", ts("2024-03-04T00:00:00Z"), 41.5).unwrap(), 42);
        assert_eq!(count("q", ts("2024-03-04T00:00:00Z"), -0.0).unwrap(), 0);
        let err = count("q", ts("2024-03-04T00:00:00Z"), f64::NAN).unwrap_err();
        assert!(err.to_string().contains("gave NaN at 2024-03-04T00:00:00Z, which is not a count"), "{err}");
    }

    #[test]
    fn the_minutes_of_a_window_are_those_starting_inside_it() {
        let first = ceil_minute(ts("2024-03-04T00:00:30Z"));
        assert_eq!(first, ts("2024-03-04T00:01:00Z"));
        assert_eq!(minutes_from(first, ts("2024-03-04T00:04:00Z")), 3);
        assert_eq!(minutes_from(first, ts("2024-03-04T00:04:01Z")), 4);
        assert_eq!(minutes_from(first, first), 0);
        assert_eq!(ceil_minute(ts("2024-03-04T00:02:00Z")), ts("2024-03-04T00:02:00Z"));
    }
}
