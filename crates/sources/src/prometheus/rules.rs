//! The Prometheus rule file for an SLO with a Prometheus ratio SLI: recording rules for
//! its error ratio over every alert window, and one multi-window, multi-burn-rate alert
//! per tier, so that Prometheus (and Alertmanager) page on exactly the tiers core derives.
//!
//! For each window `w` of the tiers (long and short), a recording rule
//! `baton:slo_errors_per_request:ratio_rate<w>{slo, service}` holds
//!
//! ```text
//! (sum(increase(TOTAL[w])) - (sum(increase(GOOD[w])) or vector(0))) / (sum(increase(TOTAL[w])) > 0)
//! ```
//!
//! - bad over total events, counted with `increase` rather than `rate`: the same counts
//!   [`PrometheusRatio::window_totals`](super::PrometheusRatio::window_totals) reads, and
//!   on minute-aligned samples the very integers core divides (a ratio of rates divides
//!   each side by the range first, and rounds twice);
//! - `or vector(0)`: a good-events selector that matches nothing (no success yet) means
//!   every event was bad, not that the ratio is unknown;
//! - `> 0`: a window without events records nothing, as core calls it no data, instead
//!   of NaN.
//!
//! Each tier's alert fires while both its windows burn faster than the threshold:
//!
//! ```text
//! (baton:…:ratio_rate1h{…} / 0.001 > 14.4) and (baton:…:ratio_rate5m{…} / 0.001 > 14.4)
//! ```
//!
//! written as burn rate > threshold, not the usual error ratio > threshold × (1 −
//! objective), because that is how core's `evaluate_tier` compares: the same two
//! floating-point operations on the same numbers, so Prometheus and core cannot disagree
//! at the boundary, and the alert's value is the long window's burn rate. There is no
//! `for:` (core has none; the short window already stops the alert soon after the
//! burning does) and no minimum-event guard, so compare with `evaluate_tier(.., 0, ..)`.
//!
//! An **aspirational** SLO (`baton.dev/aspirational: "true"`) gets the recording rules,
//! so its burn can be graphed, but no alerting rule at all: it must never page, and an
//! alert labelled to route as a ticket would still depend on every Alertmanager routing it
//! so. Baton's own report still shows its tiers.
//!
//! The YAML is written by hand, every value double-quoted (see `crate::yaml`).

use super::sli::PrometheusRatio;
use crate::yaml::quoted;
use baton_core::slo::{AlertTier, Objective};
use baton_core::{Period, ServiceId, SloId};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The alert every tier raises; tiers differ by their `severity`, `long_window` and
/// `short_window` labels.
pub const BURN_ALERT: &str = "BatonErrorBudgetBurn";

/// The recording rule holding the error ratio over `window`: `…ratio_rate5m`.
pub fn error_ratio_record(window: Period) -> String {
    format!("baton:slo_errors_per_request:ratio_rate{window}")
}

/// What the rules of one SLO are made from. Plain parameters, so that any definition of
/// an SLO can produce them.
#[derive(Debug, Clone, Copy)]
pub struct RatioSloRules<'a> {
    pub slo: &'a SloId,
    pub service: &'a ServiceId,
    pub sli: &'a PrometheusRatio,
    pub objective: Objective,
    /// The SLO window's (nominal) length, for the descriptions; the tiers were scaled to it.
    pub slo_window: Period,
    /// From `baton_core::slo::alert_tiers`.
    pub tiers: &'a [AlertTier],
    /// Recording rules only: an aspirational SLO never pages (see the module doc).
    pub aspirational: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleFile {
    pub groups: Vec<RuleGroup>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleGroup {
    pub name: String,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    Recording(RecordingRule),
    Alerting(AlertingRule),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordingRule {
    pub record: String,
    pub expr: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertingRule {
    pub alert: String,
    pub expr: String,
    pub labels: BTreeMap<String, String>,
    /// Go templates, as Prometheus expands them.
    pub annotations: BTreeMap<String, String>,
}

/// The rules of one SLO, in one group. Recording rules come first: a group evaluates its
/// rules in order at one timestamp, so each alert reads the ratios recorded that instant.
pub fn slo_rule_group(input: &RatioSloRules<'_>) -> RuleGroup {
    let slo_labels =
        BTreeMap::from([("slo".to_owned(), input.slo.to_string()), ("service".to_owned(), input.service.to_string())]);
    let mut windows: Vec<Period> = input.tiers.iter().flat_map(|t| [t.long_window, t.short_window]).collect();
    windows.sort();
    windows.dedup();

    let mut rules: Vec<Rule> = windows
        .iter()
        .map(|w| {
            let total = input.sli.total_increase(&w.to_string());
            let good = input.sli.good_increase(&w.to_string());
            Rule::Recording(RecordingRule {
                record: error_ratio_record(*w),
                expr: format!("({total} - ({good} or vector(0))) / ({total} > 0)"),
                labels: slo_labels.clone(),
            })
        })
        .collect();

    // The recorded series carry both labels: SLO ids need only be unique per service.
    let selector = format!("{{slo=\"{}\",service=\"{}\"}}", input.slo, input.service);
    let error_rate = input.objective.error_rate();
    for tier in input.tiers.iter().filter(|_| !input.aspirational) {
        let burning = |w: Period| format!("{}{selector} / {error_rate} > {}", error_ratio_record(w), tier.threshold);
        let mut labels = slo_labels.clone();
        labels.insert("severity".into(), tier.severity.to_string());
        labels.insert("long_window".into(), tier.long_window.to_string());
        labels.insert("short_window".into(), tier.short_window.to_string());
        rules.push(Rule::Alerting(AlertingRule {
            alert: BURN_ALERT.to_owned(),
            expr: format!("({}) and ({})", burning(tier.long_window), burning(tier.short_window)),
            labels,
            annotations: annotations(input, tier),
        }));
    }
    RuleGroup { name: format!("baton/{}/{}", input.service, input.slo), rules }
}

/// The `summary` and `description` of a tier's alert. `$value` is the long window's burn
/// rate (the left side of the `and`).
pub fn annotations(input: &RatioSloRules<'_>, tier: &AlertTier) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "summary".to_owned(),
            format!("{} ({}) is burning its error budget: {}", input.slo, input.service, tier.name()),
        ),
        (
            "description".to_owned(),
            format!(
                "Over the last {long}, SLO {slo} of {service} failed {{{{ printf \"%.2f\" $value }}}} times as many \
                 events as its {objective} objective allows, and over the last {short} too: above the {threshold}× \
                 threshold of this tier. At this pace {share} of the {window} error budget is spent within {long}.",
                long = tier.long_window,
                short = tier.short_window,
                slo = input.slo,
                service = input.service,
                objective = input.objective.percent(),
                threshold = shown(tier.threshold),
                share = tier.share,
                window = input.slo_window,
            ),
        ),
    ])
}

/// A threshold for people: `14.4`, `0.93`.
fn shown(r: f64) -> String {
    let s = format!("{r:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl RuleFile {
    pub fn new(groups: Vec<RuleGroup>) -> Self {
        Self { groups }
    }

    /// The rule file, as `promtool check rules` and Prometheus' `rule_files` read it.
    pub fn to_yaml(&self) -> String {
        let mut y = String::from(
            "# Generated by Baton from its SLO definitions: regenerate it rather than edit it.\n\
             # Error ratios are bad/total events from increase(); alerts compare burn rates.\n\
             groups:\n",
        );
        if self.groups.is_empty() {
            y.truncate(y.len() - 1);
            y.push_str(" []\n");
        }
        for g in &self.groups {
            let _ = writeln!(y, "  - name: {}", quoted(&g.name));
            let _ = writeln!(y, "    rules:");
            for rule in &g.rules {
                match rule {
                    Rule::Recording(r) => {
                        let _ = writeln!(y, "      - record: {}", quoted(&r.record));
                        let _ = writeln!(y, "        expr: {}", quoted(&r.expr));
                        map(&mut y, "labels", &r.labels);
                    }
                    Rule::Alerting(a) => {
                        let _ = writeln!(y, "      - alert: {}", quoted(&a.alert));
                        let _ = writeln!(y, "        expr: {}", quoted(&a.expr));
                        map(&mut y, "labels", &a.labels);
                        map(&mut y, "annotations", &a.annotations);
                    }
                }
            }
        }
        y
    }
}

fn map(y: &mut String, key: &str, entries: &BTreeMap<String, String>) {
    if entries.is_empty() {
        return;
    }
    let _ = writeln!(y, "        {key}:");
    for (k, v) in entries {
        let _ = writeln!(y, "          {}: {}", quoted(k), quoted(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_core::slo::{alert_tiers, default_tier_specs};

    fn rules_for(good: &str, total: &str) -> RuleGroup {
        rules_with(good, total, false)
    }

    fn rules_with(good: &str, total: &str, aspirational: bool) -> RuleGroup {
        let slo = SloId::parse("checkout-availability").unwrap();
        let service = ServiceId::parse("checkout").unwrap();
        let sli = PrometheusRatio::new(good, total);
        let tiers = alert_tiers(&default_tier_specs(), Period::days(28)).unwrap();
        slo_rule_group(&RatioSloRules {
            slo: &slo,
            service: &service,
            sli: &sli,
            objective: Objective::parse("0.999").unwrap(),
            slo_window: Period::days(28),
            tiers: &tiers,
            aspirational,
        })
    }

    #[test]
    fn an_aspirational_slo_is_recorded_but_never_alerts() {
        let g = rules_with("good_total", "requests_total", true);
        assert_eq!(g.rules.len(), 7, "the seven windows are recorded");
        assert!(g.rules.iter().all(|r| matches!(r, Rule::Recording(_))), "no alerting rule: it can never page");
    }

    #[test]
    fn one_recording_rule_per_window_then_one_alert_per_tier() {
        let g = rules_for(r#"http_requests_total{code!~"5.."}"#, "http_requests_total");
        assert_eq!(g.name, "baton/checkout/checkout-availability");
        let names: Vec<String> = g
            .rules
            .iter()
            .map(|r| match r {
                Rule::Recording(r) => r.record.clone(),
                Rule::Alerting(a) => format!("{} {}", a.alert, a.labels["long_window"]),
            })
            .collect();
        assert_eq!(
            names,
            [
                "baton:slo_errors_per_request:ratio_rate5m",
                "baton:slo_errors_per_request:ratio_rate30m",
                "baton:slo_errors_per_request:ratio_rate1h",
                "baton:slo_errors_per_request:ratio_rate2h",
                "baton:slo_errors_per_request:ratio_rate6h",
                "baton:slo_errors_per_request:ratio_rate1d",
                "baton:slo_errors_per_request:ratio_rate3d",
                "BatonErrorBudgetBurn 1h",
                "BatonErrorBudgetBurn 6h",
                "BatonErrorBudgetBurn 1d",
                "BatonErrorBudgetBurn 3d",
            ]
        );
        let Rule::Recording(r) = &g.rules[0] else { panic!() };
        assert_eq!(
            r.expr,
            r#"(sum(increase(http_requests_total[5m])) - (sum(increase(http_requests_total{code!~"5.."}[5m])) or vector(0))) / (sum(increase(http_requests_total[5m])) > 0)"#
        );
        let Rule::Alerting(a) = &g.rules[7] else { panic!() };
        assert_eq!(
            a.expr,
            r#"(baton:slo_errors_per_request:ratio_rate1h{slo="checkout-availability",service="checkout"} / 0.001 > 13.44) and (baton:slo_errors_per_request:ratio_rate5m{slo="checkout-availability",service="checkout"} / 0.001 > 13.44)"#
        );
        assert_eq!(a.labels["severity"], "page");
        assert_eq!(a.labels["short_window"], "5m");
        assert!(a.annotations["description"].contains("above the 13.44× threshold"), "{:?}", a.annotations);
        assert!(a.annotations["description"].contains("2% of the 28d error budget is spent within 1h"));
    }

    #[test]
    fn the_yaml_reads_back_as_the_rules() {
        let g = rules_for("weird{a=\"x\\\\y\", b='q'}\n", "t");
        let yaml = RuleFile::new(vec![g.clone()]).to_yaml();
        let doc = marked_yaml::parse_yaml(0, &yaml).unwrap();
        let groups = doc.as_mapping().unwrap().get_sequence("groups").unwrap();
        let group = groups.get_mapping(0).unwrap();
        assert_eq!(group.get_scalar("name").unwrap().as_str(), g.name);
        let rules = group.get_sequence("rules").unwrap();
        assert_eq!(rules.len(), g.rules.len());
        for (i, rule) in g.rules.iter().enumerate() {
            let read = rules.get_mapping(i).unwrap();
            let (expr, labels) = match rule {
                Rule::Recording(r) => (&r.expr, &r.labels),
                Rule::Alerting(a) => {
                    let ann = read.get_mapping("annotations").unwrap();
                    for (k, v) in &a.annotations {
                        assert_eq!(ann.get_scalar(k).unwrap().as_str(), v);
                    }
                    (&a.expr, &a.labels)
                }
            };
            assert_eq!(read.get_scalar("expr").unwrap().as_str(), expr);
            for (k, v) in labels {
                assert_eq!(read.get_mapping("labels").unwrap().get_scalar(k).unwrap().as_str(), v);
            }
        }
    }

    #[test]
    fn thresholds_are_shown_to_two_decimals() {
        assert_eq!(shown(14.4), "14.4");
        assert_eq!(shown(6.0), "6");
        assert_eq!(shown(14.0 / 15.0), "0.93");
    }
}
