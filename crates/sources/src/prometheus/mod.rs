//! Prometheus as an SLI source: the HTTP API client ([`client`]), reading an SLO's good
//! and total events as per-minute buckets and window totals ([`sli`]), and the rule file
//! that has Prometheus record the SLO's error ratios and page on its burn rates ([`rules`]).
//!
//! A ratio SLI here is a ratio of two **counters**, each given as a PromQL series selector
//! (`http_requests_total{job="checkout",code!~"5.."}`), never as a rate: Baton wraps them
//! itself, as `sum(increase(SELECTOR[RANGE]))`, so that what it reads are event counts.
//! A threshold SLI is one expression with a value per minute ([`threshold`]).

pub mod client;
pub mod rules;
pub mod sli;
pub mod threshold;

pub use client::{InstantSample, PrometheusClient, PrometheusError, RangeSeries};
pub use rules::{
    bad_minutes_record, error_ratio_record, rules_for_slo, slo_rule_group, AlertingRule, NoRules, RecordingRule, Rule,
    RuleFile, RuleGroup, RuleSli, SloRules, BURN_ALERT, GOOD_MINUTE, GOOD_MINUTE_PPB,
};
pub use sli::{minute_end_ranges, EventTotals, PrometheusRatio};
pub use threshold::PrometheusThreshold;
