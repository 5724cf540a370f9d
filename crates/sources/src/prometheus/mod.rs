//! Prometheus as an SLI source: the HTTP API client ([`client`]), reading an SLO's good
//! and total events as per-minute buckets and window totals ([`sli`]), and the rule file
//! that has Prometheus record the SLO's error ratios and page on its burn rates ([`rules`]).
//!
//! An SLI here is a ratio of two **counters**, each given as a PromQL series selector
//! (`http_requests_total{job="checkout",code!~"5.."}`), never as a rate: Baton wraps them
//! itself, as `sum(increase(SELECTOR[RANGE]))`, so that what it reads are event counts.

pub mod client;
pub mod rules;
pub mod sli;

pub use client::{InstantSample, PrometheusClient, PrometheusError, RangeSeries};
pub use rules::{
    error_ratio_record, slo_rule_group, AlertingRule, RatioSloRules, RecordingRule, Rule, RuleFile, RuleGroup,
    BURN_ALERT,
};
pub use sli::{EventTotals, PrometheusRatio};
