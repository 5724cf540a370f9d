//! The Prometheus rule file of an SLO whose SLI Prometheus holds: recording rules for its
//! burn over every alert window, and one multi-window, multi-burn-rate alert per tier, so
//! that Prometheus (and Alertmanager) page on exactly the tiers core derives, judged as
//! Baton's own report judges them.
//!
//! # Occurrences: bad events over all events
//!
//! For each window `w` of the tiers (long and short), a recording rule
//! `baton:slo_errors_per_request:ratio_rate<w>{slo, service}` holds
//!
//! ```text
//! (sum(increase(TOTAL[w])) - (sum(increase(GOOD[w])) or vector(0))) / (sum(increase(TOTAL[w])) > 0)
//! ```
//!
//! (`(sum(increase(BAD[w])) or vector(0)) / (…TOTAL… > 0)` for a `bad`/`total` SLI):
//!
//! - counted with `increase` rather than `rate`: the same counts
//!   [`PrometheusRatio::window_totals`](super::PrometheusRatio::window_totals) reads, and
//!   on minute-aligned samples the very integers core divides (a ratio of rates divides
//!   each side by the range first, and rounds twice);
//! - `or vector(0)`: a good-events selector that matches nothing (no success yet) means
//!   every event was bad, not that the ratio is unknown;
//! - `> 0`: a window without events records nothing, as core calls it no data, instead
//!   of NaN.
//!
//! # Timeslices, RatioTimeslices and threshold SLIs: bad minutes over minutes
//!
//! Core judges these minute by minute, so the burn rate is the share of bad **minutes** in
//! the window, never the share of bad events (which can differ wildly: one failed request
//! in a quiet minute makes a bad minute). A recording rule evaluated every minute (the
//! group's `interval: 1m`) judges the minute that just ended, exactly as the report does:
//!
//! - threshold SLI: `baton:slo_good_minute:bool` = `(QUERY) OP bool VALUE` (the query's
//!   value at the minute's end, see [`super::threshold`]; NaN is bad in both);
//! - Timeslices ratio: `baton:slo_good_minute:bool` =
//!   `GOOD1m / (TOTAL1m > 0) >= bool TARGET`, `X1m` being `sum(increase(X[1m]))`;
//! - RatioTimeslices: `baton:slo_good_minute:ppb` = `round(1e9 * GOOD1m / (TOTAL1m > 0))`,
//!   the minute's ratio in parts per billion, rounded half up as core's `tally` does.
//!
//! A minute with no events (no value) records nothing: no data, as in core. Then, for each
//! window `w`, `baton:slo_bad_minutes:ratio_rate<w>` is
//! `(count_over_time(M[r]) - sum_over_time(M[r])) / count_over_time(M[r])` (the sum divided
//! by 1e9 for ppb), `r = w − 1s`: the range holds the `w / 1m` minutes ending now and not
//! the one recorded exactly `w` ago, whether Prometheus' ranges are closed (2.x) or
//! left-open (3.x). On integer sums these are the operations core does on the same
//! integers, so both agree to the bit. The judgement of a minute against `TARGET` is a
//! float comparison of `good / total` here and an integer one in core; they can differ
//! only for minutes of more than about ten million events.
//!
//! # Alerts
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
//! burning does), no minimum-event guard and no muting by corrections (those live in
//! Baton), so compare with `evaluate_tier(.., 0, None)`.
//!
//! An **aspirational** SLO (`baton.dev/aspirational: "true"`) gets the recording rules,
//! so its burn can be graphed, but no alerting rule at all: it must never page, and an
//! alert labelled to route as a ticket would still depend on every Alertmanager routing it
//! so. Baton's own report still shows its tiers.
//!
//! The YAML is written by hand, every value double-quoted (see `crate::yaml`).

use super::sli::{promql_duration, PrometheusRatio};
use super::threshold::PrometheusThreshold;
use crate::yaml::quoted;
use baton_core::slo::{AlertTier, BudgetUnit, BudgetingMethod, Indicator, Objective, SloDef, ThresholdOp, TierError};
use baton_core::{Period, ServiceId, SloId};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The alert every tier raises; tiers differ by their `severity`, `long_window` and
/// `short_window` labels. Defined in core, where Alertmanager's webhook is read.
pub use baton_core::slo::BURN_ALERT;

/// The recording rule holding the share of bad events over `window`: `…ratio_rate5m`.
pub fn error_ratio_record(window: Period) -> String {
    format!("baton:slo_errors_per_request:ratio_rate{window}")
}

/// The recording rule holding the share of bad minutes over `window`.
pub fn bad_minutes_record(window: Period) -> String {
    format!("baton:slo_bad_minutes:ratio_rate{window}")
}

/// The recording rule judging each minute as it ends: 1 good, 0 bad (Timeslices and
/// threshold SLIs).
pub const GOOD_MINUTE: &str = "baton:slo_good_minute:bool";
/// The recording rule holding each minute's good/total ratio in parts per billion
/// (RatioTimeslices).
pub const GOOD_MINUTE_PPB: &str = "baton:slo_good_minute:ppb";

/// The SLI the rules are written for.
#[derive(Debug, Clone, Copy)]
pub enum RuleSli<'a> {
    /// Two counters; `counts_bad` when the first counts bad events (OpenSLO `bad`/`total`).
    Ratio { sli: &'a PrometheusRatio, counts_bad: bool },
    /// One value per minute against a bound.
    Threshold(&'a PrometheusThreshold),
}

/// What the rules of one SLO are made from. Plain parameters, so that any definition of
/// an SLO can produce them.
#[derive(Debug, Clone, Copy)]
pub struct SloRules<'a> {
    pub slo: &'a SloId,
    pub service: &'a ServiceId,
    pub sli: RuleSli<'a>,
    /// How the report counts; a threshold SLI is judged by the minute whatever it says.
    pub method: BudgetingMethod,
    pub objective: Objective,
    /// The SLO window's (nominal) length, for the descriptions; the tiers were scaled to it.
    pub slo_window: Period,
    /// From `baton_core::slo::alert_tiers`.
    pub tiers: &'a [AlertTier],
    /// Recording rules only: an aspirational SLO never pages (see the module doc).
    pub aspirational: bool,
}

/// How the rules judge the SLI: as core's `tally` does under the SLO's method.
enum Judgement<'a> {
    Events {
        sli: &'a PrometheusRatio,
        counts_bad: bool,
    },
    /// The per-minute recording's expression; `ppb` when it records ratios in ppb.
    Minutes {
        minute: String,
        ppb: bool,
    },
}

impl SloRules<'_> {
    fn judgement(&self) -> Judgement<'_> {
        let (sli, counts_bad) = match self.sli {
            RuleSli::Threshold(t) => {
                return Judgement::Minutes { minute: threshold_minute(t), ppb: false };
            }
            RuleSli::Ratio { sli, counts_bad } => (sli, counts_bad),
        };
        let total = sli.total_increase("1m");
        let good = if counts_bad {
            format!("({total} - ({} or vector(0)))", sli.good_increase("1m"))
        } else {
            format!("({} or vector(0))", sli.good_increase("1m"))
        };
        match self.method {
            BudgetingMethod::Occurrences => Judgement::Events { sli, counts_bad },
            BudgetingMethod::Timeslices { threshold } => Judgement::Minutes {
                minute: format!("{good} / ({total} > 0) >= bool {}", threshold.as_f64()),
                ppb: false,
            },
            BudgetingMethod::RatioTimeslices => {
                Judgement::Minutes { minute: format!("round(1e9 * {good} / ({total} > 0))"), ppb: true }
            }
        }
    }

    fn unit(&self) -> BudgetUnit {
        match self.judgement() {
            Judgement::Events { .. } => BudgetUnit::Events,
            Judgement::Minutes { .. } => BudgetUnit::Minutes,
        }
    }

    /// The recording rule of the share of bad units over `window`.
    pub fn burn_record(&self, window: Period) -> String {
        match self.unit() {
            BudgetUnit::Events => error_ratio_record(window),
            BudgetUnit::Minutes => bad_minutes_record(window),
        }
    }
}

/// `(QUERY) OP bool VALUE`: 1 when the value meets the bound, 0 when not (NaN included).
fn threshold_minute(t: &PrometheusThreshold) -> String {
    let op = match t.op {
        ThresholdOp::Lt => "<",
        ThresholdOp::Lte => "<=",
        ThresholdOp::Gt => ">",
        ThresholdOp::Gte => ">=",
    };
    format!("({}) {op} bool {}", t.query.trim(), t.value)
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleFile {
    pub groups: Vec<RuleGroup>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleGroup {
    pub name: String,
    /// How often Prometheus evaluates the group; its global default when `None`.
    pub interval: Option<Period>,
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
/// rules in order at one timestamp, so each reads what the ones before recorded that instant.
pub fn slo_rule_group(input: &SloRules<'_>) -> RuleGroup {
    let slo_labels =
        BTreeMap::from([("slo".to_owned(), input.slo.to_string()), ("service".to_owned(), input.service.to_string())]);
    // The recorded series carry both labels: SLO ids need only be unique per service.
    let selector = format!("{{slo=\"{}\",service=\"{}\"}}", input.slo, input.service);
    let mut windows: Vec<Period> = input.tiers.iter().flat_map(|t| [t.long_window, t.short_window]).collect();
    windows.sort();
    windows.dedup();

    let recording =
        |record: String, expr: String| Rule::Recording(RecordingRule { record, expr, labels: slo_labels.clone() });
    let (mut rules, interval) = match input.judgement() {
        Judgement::Events { sli, counts_bad } => {
            let rules = windows
                .iter()
                .map(|w| {
                    let total = sli.total_increase(&w.to_string());
                    let numerator = sli.good_increase(&w.to_string());
                    let expr = if counts_bad {
                        format!("({numerator} or vector(0)) / ({total} > 0)")
                    } else {
                        format!("({total} - ({numerator} or vector(0))) / ({total} > 0)")
                    };
                    recording(error_ratio_record(*w), expr)
                })
                .collect::<Vec<_>>();
            (rules, None)
        }
        Judgement::Minutes { minute, ppb } => {
            let record = if ppb { GOOD_MINUTE_PPB } else { GOOD_MINUTE };
            let mut rules = vec![recording(record.to_owned(), minute)];
            for w in &windows {
                let range = promql_duration(w.duration() - jiff::SignedDuration::from_secs(1));
                let count = format!("count_over_time({record}{selector}[{range}])");
                let sum = format!("sum_over_time({record}{selector}[{range}])");
                let good = if ppb { format!("{sum} / 1e9") } else { sum };
                rules.push(recording(bad_minutes_record(*w), format!("({count} - {good}) / {count}")));
            }
            // Every minute is judged as it ends: the group must run every minute.
            (rules, Some(Period::minutes(1)))
        }
    };

    let error_rate = input.objective.error_rate();
    for tier in input.tiers.iter().filter(|_| !input.aspirational) {
        let burning = |w: Period| format!("{}{selector} / {error_rate} > {}", input.burn_record(w), tier.threshold);
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
    RuleGroup { name: format!("baton/{}/{}", input.service, input.slo), interval, rules }
}

/// The `summary` and `description` of a tier's alert. `$value` is the long window's burn
/// rate (the left side of the `and`).
pub fn annotations(input: &SloRules<'_>, tier: &AlertTier) -> BTreeMap<String, String> {
    let what = match input.unit() {
        BudgetUnit::Events => "failed {{ printf \"%.2f\" $value }} times as many events",
        BudgetUnit::Minutes => "had {{ printf \"%.2f\" $value }} times as many bad minutes",
    };
    BTreeMap::from([
        (
            "summary".to_owned(),
            format!("{} ({}) is burning its error budget: {}", input.slo, input.service, tier.name()),
        ),
        (
            "description".to_owned(),
            format!(
                "Over the last {long}, SLO {slo} of {service} {what} as its {objective} objective allows, and over \
                 the last {short} too: above the {threshold}× threshold of this tier. At this pace {share} of the \
                 {window} error budget is spent within {long}.",
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

/// Why an SLO gets no rule file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoRules {
    /// Samples posted to Baton: Prometheus has none of them.
    #[error("its SLI is built in (samples posted to Baton), so Baton evaluates it itself and Prometheus has no data to alert on")]
    BuiltIn,
    /// A composite: Baton combines its parts' minutes itself.
    #[error("it is a composite SLO: Baton combines its objectives' minutes itself, which a recording rule cannot")]
    Composite,
    /// A source Baton does not read.
    #[error("Baton does not read its SLI: {0}")]
    Unread(String),
    #[error("its alert tiers do not fit its window: {0}")]
    Tiers(#[from] TierError),
}

/// The rule group of a defined SLO, or why it has none.
pub fn rules_for_slo(slo: &SloDef) -> Result<RuleGroup, NoRules> {
    let (ratio, threshold);
    let sli = match &slo.indicator {
        Indicator::BuiltIn => return Err(NoRules::BuiltIn),
        Indicator::Composite { .. } => return Err(NoRules::Composite),
        Indicator::Unread { reason } => return Err(NoRules::Unread(reason.clone())),
        Indicator::PrometheusRatio { good, total, counts_bad, .. } => {
            ratio = PrometheusRatio::new(good.clone(), total.clone());
            RuleSli::Ratio { sli: &ratio, counts_bad: *counts_bad }
        }
        Indicator::PrometheusThreshold { query, op, value, .. } => {
            threshold = PrometheusThreshold::new(query.clone(), *op, *value);
            RuleSli::Threshold(&threshold)
        }
    };
    let tiers = slo.alert_tiers()?;
    Ok(slo_rule_group(&SloRules {
        slo: &slo.id,
        service: &slo.service,
        sli,
        method: slo.method,
        // The objective in force now (the last of its history), as the report's tiers use.
        objective: slo.objective,
        slo_window: slo.window.nominal_length(),
        tiers: &tiers,
        aspirational: slo.is_aspirational(),
    }))
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
             # Burn is the share of bad events (Occurrences) or of bad minutes (time slices,\n\
             # thresholds), judged as Baton's report judges it; alerts compare burn rates.\n\
             groups:\n",
        );
        if self.groups.is_empty() {
            y.truncate(y.len() - 1);
            y.push_str(" []\n");
        }
        for g in &self.groups {
            let _ = writeln!(y, "  - name: {}", quoted(&g.name));
            if let Some(interval) = g.interval {
                let _ = writeln!(y, "    interval: {}", quoted(&interval.to_string()));
            }
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
        slo_rule_group(&SloRules {
            slo: &slo,
            service: &service,
            sli: RuleSli::Ratio { sli: &sli, counts_bad: false },
            method: BudgetingMethod::Occurrences,
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

    fn minute_rules(sli: RuleSli<'_>, method: BudgetingMethod) -> RuleGroup {
        let slo = SloId::parse("lumen-latency").unwrap();
        let service = ServiceId::parse("lumen").unwrap();
        let tiers = alert_tiers(&default_tier_specs()[..1], Period::days(28)).unwrap();
        slo_rule_group(&SloRules {
            slo: &slo,
            service: &service,
            sli,
            method,
            objective: Objective::parse("0.99").unwrap(),
            slo_window: Period::days(28),
            tiers: &tiers,
            aspirational: false,
        })
    }

    fn exprs(g: &RuleGroup) -> Vec<(String, String)> {
        g.rules
            .iter()
            .map(|r| match r {
                Rule::Recording(r) => (r.record.clone(), r.expr.clone()),
                Rule::Alerting(a) => (a.alert.clone(), a.expr.clone()),
            })
            .collect()
    }

    #[test]
    fn a_threshold_sli_is_judged_by_the_minute_and_burns_bad_minutes() {
        let sli = PrometheusThreshold::new("max(latency_seconds)", ThresholdOp::Lte, 2.5);
        let g = minute_rules(RuleSli::Threshold(&sli), BudgetingMethod::Occurrences);
        assert_eq!(g.interval, Some(Period::minutes(1)), "every minute is judged as it ends");
        let m = r#"baton:slo_good_minute:bool{slo="lumen-latency",service="lumen"}"#;
        assert_eq!(
            exprs(&g),
            [
                (GOOD_MINUTE.to_owned(), "(max(latency_seconds)) <= bool 2.5".to_owned()),
                (
                    "baton:slo_bad_minutes:ratio_rate5m".to_owned(),
                    format!("(count_over_time({m}[299s]) - sum_over_time({m}[299s])) / count_over_time({m}[299s])")
                ),
                (
                    "baton:slo_bad_minutes:ratio_rate1h".to_owned(),
                    format!("(count_over_time({m}[3599s]) - sum_over_time({m}[3599s])) / count_over_time({m}[3599s])")
                ),
                (
                    BURN_ALERT.to_owned(),
                    r#"(baton:slo_bad_minutes:ratio_rate1h{slo="lumen-latency",service="lumen"} / 0.01 > 13.44) and (baton:slo_bad_minutes:ratio_rate5m{slo="lumen-latency",service="lumen"} / 0.01 > 13.44)"#.to_owned()
                ),
            ]
        );
        let Rule::Alerting(a) = &g.rules[3] else { panic!() };
        assert!(a.annotations["description"].contains("times as many bad minutes"), "{:?}", a.annotations);
    }

    #[test]
    fn time_slices_of_a_ratio_judge_each_minute_as_core_does() {
        let sli = PrometheusRatio::new("ok_total", "requests_total");
        let slices = BudgetingMethod::Timeslices { threshold: baton_core::slo::SliceThreshold::parse("0.95").unwrap() };
        let g = minute_rules(RuleSli::Ratio { sli: &sli, counts_bad: false }, slices);
        assert_eq!(
            exprs(&g)[0].1,
            "(sum(increase(ok_total[1m])) or vector(0)) / (sum(increase(requests_total[1m])) > 0) >= bool 0.95"
        );
        let g = minute_rules(RuleSli::Ratio { sli: &sli, counts_bad: true }, BudgetingMethod::RatioTimeslices);
        assert_eq!(
            exprs(&g)[0],
            (
                GOOD_MINUTE_PPB.to_owned(),
                "round(1e9 * (sum(increase(requests_total[1m])) - (sum(increase(ok_total[1m])) or vector(0))) / (sum(increase(requests_total[1m])) > 0))".to_owned()
            )
        );
        assert!(exprs(&g)[1].1.contains("sum_over_time(baton:slo_good_minute:ppb{"), "{:?}", exprs(&g)[1]);
        assert!(exprs(&g)[1].1.contains("[299s]) / 1e9) / count_over_time("), "{:?}", exprs(&g)[1]);
    }

    #[test]
    fn a_bad_over_total_sli_records_bad_events_over_all() {
        let sli = PrometheusRatio::new("errors_total", "requests_total");
        let g = minute_rules(RuleSli::Ratio { sli: &sli, counts_bad: true }, BudgetingMethod::Occurrences);
        assert_eq!(g.interval, None);
        assert_eq!(
            exprs(&g)[0].1,
            "(sum(increase(errors_total[5m])) or vector(0)) / (sum(increase(requests_total[5m])) > 0)"
        );
    }

    #[test]
    fn thresholds_are_shown_to_two_decimals() {
        assert_eq!(shown(14.4), "14.4");
        assert_eq!(shown(6.0), "6");
        assert_eq!(shown(14.0 / 15.0), "0.93");
    }
}
