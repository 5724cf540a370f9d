//! SLI sources other than Baton's own store. For now one: Prometheus (or anything that
//! speaks its HTTP API, like Thanos or Mimir). Also the JUnit test reports that gate
//! checks are posted as (`junit`).
//!
//! This crate moves data in and out of `baton-core`; it decides nothing. It reads the good
//! and total event counts of an SLO into core's per-minute [`Bucket`](baton_core::slo::Bucket)s,
//! so the same maths runs whatever the source, and it writes the Prometheus rule file that
//! lets Prometheus itself alert on the same burn rates core computes.
#![forbid(unsafe_code)]

pub mod junit;
pub mod prometheus;
mod yaml;

pub use prometheus::{
    bad_minutes_record, error_ratio_record, minute_end_ranges, rules_for_slo, slo_rule_group, AlertingRule,
    EventTotals, InstantSample, NoRules, PrometheusClient, PrometheusError, PrometheusRatio, PrometheusThreshold,
    RangeSeries, RecordingRule, Rule, RuleFile, RuleGroup, RuleSli, SloRules, BURN_ALERT, GOOD_MINUTE, GOOD_MINUTE_PPB,
};
