//! Reading a threshold SLI from Prometheus: one PromQL expression with one value per
//! minute, each minute good when the value meets the objective's bound (`value op bound`,
//! decided by core's [`ThresholdOp::meets`]).
//!
//! The query is evaluated at the **end** of each minute, like a ratio SLI's `increase`:
//! the value at `T` judges the minute `[T − 1m, T)`. That is what a query over the last
//! minute means (`histogram_quantile(0.99, sum by (le) (rate(x[1m])))` at `T` is the p99 of
//! `[T − 1m, T]`), and it is the instant the rule file's per-minute recording judges, so
//! Baton's report and Prometheus' alerts judge the same minute by the same value. A minute
//! without a value is no data; a NaN (a quantile of no requests) meets no bound, so it is
//! a bad minute in both.

use super::client::{PrometheusClient, PrometheusError};
use super::sli::{minute_closed_at, minute_end_ranges, MINUTE};
use baton_core::slo::{Bucket, ThresholdOp, Window};
use jiff::Timestamp;

/// A threshold SLI whose values Prometheus computes: the query as written, and the bound
/// each minute's value is compared with.
#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusThreshold {
    pub query: String,
    pub op: ThresholdOp,
    pub value: f64,
}

impl PrometheusThreshold {
    pub fn new(query: impl Into<String>, op: ThresholdOp, value: f64) -> Self {
        Self { query: query.into(), op, value }
    }

    /// The bucket of `minute` (its start) judged by `value`, the query's value at its end:
    /// one minute with data, good or not. Public so that tests judge generated data exactly
    /// as a read does.
    pub fn bucket(&self, minute: Timestamp, value: f64) -> Result<Bucket, baton_core::slo::BucketError> {
        Bucket::new(minute, u64::from(self.op.meets(value, self.value)), 1)
    }

    /// One bucket per minute that starts inside `window` and for which the query has a
    /// value, in minute order. Long windows are read in several range queries, as a
    /// ratio's are ([`minute_end_ranges`]).
    pub async fn read_buckets(
        &self,
        prometheus: &PrometheusClient,
        window: Window,
    ) -> Result<Vec<Bucket>, PrometheusError> {
        let query = self.query.trim();
        let mut buckets = Vec::new();
        for (start, end) in minute_end_ranges(prometheus, window)? {
            let series = prometheus.range(query, start, end, MINUTE).await?;
            let points = match series.as_slice() {
                [] => continue,
                [one] => &one.points,
                more => return Err(PrometheusError::NotOneSeries { query: query.to_owned(), series: more.len() }),
            };
            for (at, value) in points {
                let minute = minute_closed_at(prometheus, *at)?;
                let bucket =
                    self.bucket(minute, *value).map_err(|e| super::sli::malformed(prometheus, e.to_string()))?;
                buckets.push(bucket);
            }
        }
        Ok(buckets)
    }
}
