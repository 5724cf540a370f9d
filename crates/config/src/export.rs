//! `baton export openslo`: the applied SLOs written back as plain OpenSLO v1, so that
//! Baton is never a dead end. What Baton adds to OpenSLO is kept in its `baton.dev/`
//! annotations; reading the export back (`slos/` of a definition repo) gives the same
//! SLOs, which the round-trip test checks by applying it ("no changes").
//!
//! Each SLO is one document with its SLI, alert policies, conditions and notification
//! targets inline, after the DataSources they read. Baton's default tiers are left
//! implicit (no `alertPolicies`), as they are read.

use crate::slos::{ALERTS, ASPIRATIONAL, MIN_EVENTS, OBJECTIVE_HISTORY, PHASE};
use crate::yaml_out::{self, Yaml};
use baton_core::paging::{Channel, Delivery, Secret, SecretName};
use baton_core::slo::{
    default_tier_specs, BudgetingMethod, CalendarUnit, Indicator, Objective, PromSource, RaisedBy, Severity, SloDef,
    SloWindow, TierSpec,
};
use baton_core::{Org, Period};
use std::collections::BTreeMap;

const API: &str = "openslo/v1";

/// Every SLO of `org` as one OpenSLO v1 file.
pub fn openslo(org: &Org) -> String {
    let mut sources: BTreeMap<String, PromSource> = BTreeMap::new();
    for slo in org.slos.values() {
        collect_sources(&slo.indicator, &mut sources);
    }
    let mut docs: Vec<Yaml> = sources.values().map(data_source).collect();
    docs.extend(org.slos.values().map(slo));
    yaml_out::file("The applied SLOs, exported by `baton export openslo` (OpenSLO v1).", &docs)
}

fn collect_sources(indicator: &Indicator, into: &mut BTreeMap<String, PromSource>) {
    match indicator {
        Indicator::Composite { parts } => parts.iter().for_each(|p| collect_sources(&p.indicator, into)),
        other => {
            if let Some(s) = other.prometheus() {
                into.insert(s.name.clone(), s.clone());
            }
        }
    }
}

fn top(kind: &str, metadata: Yaml, spec: Yaml) -> Yaml {
    Yaml::map([
        ("apiVersion", Some(Yaml::str(API))),
        ("kind", Some(Yaml::str(kind))),
        ("metadata", Some(metadata)),
        ("spec", Some(spec)),
    ])
}

fn name(n: &str) -> Yaml {
    Yaml::map([("name", Some(Yaml::str(n)))])
}

fn data_source(s: &PromSource) -> Yaml {
    let spec = Yaml::map([
        ("type", Some(Yaml::str("Prometheus"))),
        ("connectionDetails", Some(Yaml::map([("url", Some(Yaml::str(s.url.as_str())))]))),
    ]);
    top("DataSource", name(&s.name), spec)
}

fn slo(d: &SloDef) -> Yaml {
    let mut annotations = Vec::new();
    if d.min_events > 0 {
        annotations.push((MIN_EVENTS, d.min_events.to_string()));
    }
    if let Some(phase) = d.lifecycle.phase {
        annotations.push((PHASE, phase.to_string()));
    }
    if d.lifecycle.aspirational {
        annotations.push((ASPIRATIONAL, "true".to_owned()));
    }
    if !d.lifecycle.history.is_empty() {
        let entries: Vec<String> =
            d.lifecycle.history.iter().map(|c| format!("{}={}", c.from, c.objective.ratio_text())).collect();
        annotations.push((OBJECTIVE_HISTORY, entries.join(",")));
    }
    if d.alerting.raised_by == RaisedBy::Rules {
        annotations.push((ALERTS, "rules".to_owned()));
    }
    let annotations =
        (!annotations.is_empty()).then(|| Yaml::map(annotations.into_iter().map(|(k, v)| (k, Some(Yaml::str(v))))));
    let metadata = Yaml::map([
        ("name", Some(Yaml::str(d.id.as_str()))),
        ("displayName", d.display_name.clone().map(Yaml::str)),
        ("annotations", annotations),
    ]);
    let (indicator, objectives) = match &d.indicator {
        Indicator::Composite { parts } => {
            let objectives =
                parts.iter().map(|p| objective(d, p.objective, Some(&p.name), &p.indicator, Some(p.weight))).collect();
            (None, objectives)
        }
        other => (Some(inline_sli(d, other)), vec![objective(d, d.objective, None, other, None)]),
    };
    let spec = Yaml::map([
        ("description", d.description.clone().map(Yaml::str)),
        ("service", Some(Yaml::str(d.service.as_str()))),
        ("indicator", indicator),
        ("timeWindow", Some(Yaml::List(vec![window(&d.window)]))),
        ("budgetingMethod", Some(Yaml::str(method(d.method)))),
        ("objectives", Some(Yaml::List(objectives))),
        ("alertPolicies", alert_policies(d)),
    ]);
    top("SLO", metadata, spec)
}

fn method(m: BudgetingMethod) -> &'static str {
    match m {
        BudgetingMethod::Occurrences => "Occurrences",
        BudgetingMethod::Timeslices { .. } => "Timeslices",
        BudgetingMethod::RatioTimeslices => "RatioTimeslices",
    }
}

fn window(w: &SloWindow) -> Yaml {
    match w {
        SloWindow::Rolling { length } => {
            Yaml::map([("duration", Some(Yaml::str(length.to_string()))), ("isRolling", Some(Yaml::raw("true")))])
        }
        SloWindow::Calendar { unit, time_zone } => {
            let duration = match unit {
                CalendarUnit::Week => "1w",
                CalendarUnit::Month => "1M",
                CalendarUnit::Quarter => "1Q",
            };
            let zone = time_zone.iana_name().unwrap_or("UTC");
            Yaml::map([
                ("duration", Some(Yaml::str(duration))),
                ("isRolling", Some(Yaml::raw("false"))),
                ("calendar", Some(Yaml::map([("timeZone", Some(Yaml::str(zone)))]))),
            ])
        }
    }
}

fn objective(d: &SloDef, target: Objective, part: Option<&str>, ind: &Indicator, weight: Option<f64>) -> Yaml {
    let (op, value) = match ind {
        Indicator::PrometheusThreshold { op, value, .. } => {
            (Some(Yaml::str(format!("{op:?}").to_lowercase())), Some(Yaml::raw(value)))
        }
        _ => (None, None),
    };
    let slice_target = match d.method {
        BudgetingMethod::Timeslices { threshold } => Some(Yaml::raw(threshold)),
        _ => None,
    };
    let slice_window = (!matches!(d.method, BudgetingMethod::Occurrences)).then(|| Yaml::str("1m"));
    Yaml::map([
        ("displayName", part.map(Yaml::str)),
        ("op", op),
        ("value", value),
        ("target", Some(Yaml::raw(target.ratio_text()))),
        ("timeSliceTarget", slice_target),
        ("timeSliceWindow", slice_window),
        ("indicator", part.map(|_| inline_sli(d, ind))),
        ("compositeWeight", weight.map(Yaml::raw)),
    ])
}

fn metric(source: Option<&PromSource>, query: Option<&str>, kind: &str) -> Yaml {
    let spec = query.map(|q| Yaml::map([("query", Some(Yaml::str(q)))]));
    Yaml::map([(
        "metricSource",
        Some(Yaml::map([
            ("metricSourceRef", source.map(|s| Yaml::str(&s.name))),
            ("type", Some(Yaml::str(kind))),
            ("spec", spec),
        ])),
    )])
}

fn inline_sli(d: &SloDef, ind: &Indicator) -> Yaml {
    let (description, spec) = match ind {
        Indicator::BuiltIn => {
            let baton = || Some(metric(None, None, "Baton"));
            (None, Yaml::map([("ratioMetric", Some(Yaml::map([("good", baton()), ("total", baton())])))]))
        }
        Indicator::PrometheusRatio { source, good, total, counts_bad } => {
            let numerator = if *counts_bad { "bad" } else { "good" };
            let ratio = Yaml::map([
                ("counter", Some(Yaml::raw("true"))),
                (numerator, Some(metric(Some(source), Some(good), "Prometheus"))),
                ("total", Some(metric(Some(source), Some(total), "Prometheus"))),
            ]);
            (None, Yaml::map([("ratioMetric", Some(ratio))]))
        }
        Indicator::PrometheusThreshold { source, query, .. } => {
            (None, Yaml::map([("thresholdMetric", Some(metric(Some(source), Some(query), "Prometheus")))]))
        }
        // Not read by Baton (a composite's parts never are composites): what the source
        // was is not kept, so the export says why rather than inventing one.
        Indicator::Unread { .. } | Indicator::Composite { .. } => {
            let why = match ind {
                Indicator::Unread { reason } => reason.as_str(),
                _ => "a composite inside a composite",
            };
            let any = || Some(metric(None, None, "Any"));
            let ratio = Yaml::map([("good", any()), ("total", any())]);
            (Some(format!("Not read by Baton: {why}")), Yaml::map([("ratioMetric", Some(ratio))]))
        }
    };
    let mut spec = spec;
    if let (Some(desc), Yaml::Map(entries)) = (description, &mut spec) {
        entries.insert(0, ("description".to_owned(), Yaml::str(desc)));
    }
    Yaml::map([("metadata", Some(name(&format!("{}-sli", d.id)))), ("spec", Some(spec))])
}

fn alert_policies(d: &SloDef) -> Option<Yaml> {
    if d.tiers == default_tier_specs() && d.alerting.targets.is_empty() {
        return None;
    }
    let window = d.window.nominal_length();
    let policies = d.tiers.iter().map(|t| policy(d, t, window)).collect();
    Some(Yaml::List(policies))
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Page => "page",
        Severity::Ticket => "ticket",
    }
}

/// A tier as a policy: "`share` of the budget within `long_window`" is a burn rate above
/// `share × window / long_window` over `long_window`, written with 9 decimals, which
/// reads back as the same share to the billionth.
fn policy(d: &SloDef, t: &TierSpec, window: Period) -> Yaml {
    let threshold = burn_threshold(t.share.as_ppb(), window, t.long_window);
    let name = format!("{}-{}-{}", d.id, severity(t.severity), t.long_window);
    let targets: Vec<_> = d.alerting.targets.iter().filter(|x| x.severity == t.severity).collect();
    let condition = Yaml::map([
        ("kind", Some(Yaml::str("AlertCondition"))),
        ("metadata", Some(self::name(&format!("{name}-burn")))),
        (
            "spec",
            Some(Yaml::map([
                ("severity", Some(Yaml::str(severity(t.severity)))),
                (
                    "condition",
                    Some(Yaml::map([
                        ("kind", Some(Yaml::str("burnrate"))),
                        ("op", Some(Yaml::str("gt"))),
                        ("threshold", Some(Yaml::raw(threshold))),
                        ("lookbackWindow", Some(Yaml::str(t.long_window.to_string()))),
                    ])),
                ),
            ])),
        ),
    ]);
    let notification_targets: Vec<Yaml> = targets
        .iter()
        .filter_map(|x| {
            let (kind, annotations) = channel(&x.channel)?;
            let metadata = Yaml::map([
                ("name", Some(Yaml::str(&x.name))),
                ("annotations", Some(Yaml::map(annotations.into_iter().map(|(k, v)| (k, Some(Yaml::str(v))))))),
            ]);
            Some(Yaml::map([
                ("kind", Some(Yaml::str("AlertNotificationTarget"))),
                ("metadata", Some(metadata)),
                ("spec", Some(Yaml::map([("target", Some(Yaml::str(kind)))]))),
            ]))
        })
        .collect();
    let spec = Yaml::map([
        ("alertWhenNoData", t.alert_when_no_data.then(|| Yaml::raw("true"))),
        ("alertWhenResolved", targets.iter().any(|x| x.when_resolved).then(|| Yaml::raw("true"))),
        ("alertWhenBreaching", Some(Yaml::raw("true"))),
        ("conditions", Some(Yaml::List(vec![condition]))),
        ("notificationTargets", (!notification_targets.is_empty()).then_some(Yaml::List(notification_targets))),
    ]);
    Yaml::map([("kind", Some(Yaml::str("AlertPolicy"))), ("metadata", Some(self::name(&name))), ("spec", Some(spec))])
}

/// `ppb / 10⁹ × window / long` to 9 decimals, trailing zeros trimmed.
fn burn_threshold(ppb: u32, window: Period, long: Period) -> String {
    let num = u128::from(ppb) * window.as_seconds() as u128;
    let den = long.as_seconds() as u128;
    let nano = (2 * num + den) / (2 * den); // threshold × 10⁹, rounded
    let text = format!("{}.{:09}", nano / 1_000_000_000, nano % 1_000_000_000);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A notification target's channel type and `baton.dev/` annotations.
fn channel(c: &Channel) -> Option<(&'static str, Vec<(&'static str, String)>)> {
    let mut a = Vec::new();
    let (kind, url, delivery) = match c {
        Channel::Webhook { url, delivery } => ("webhook", Some(url), delivery),
        Channel::Slack { url, delivery, .. } => ("slack", Some(url), delivery),
        Channel::PagerDuty { url, routing_key, delivery } => {
            secret(
                &mut a,
                routing_key,
                ["baton.dev/routing-key", "baton.dev/routing-key-env", "baton.dev/routing-key-file"],
            );
            let custom = *url != baton_core::paging::pagerduty_url();
            ("pagerduty", custom.then_some(url), delivery)
        }
        Channel::Email { .. } => return None,
    };
    if let Some(url) = url {
        secret(&mut a, url, ["baton.dev/url", "baton.dev/url-env", "baton.dev/url-file"]);
    }
    delivery_annotations(&mut a, delivery);
    Some((kind, a))
}

fn secret<T: std::fmt::Display>(a: &mut Vec<(&'static str, String)>, s: &Secret<T>, keys: [&'static str; 3]) {
    match s {
        Secret::Inline(v) => a.push((keys[0], v.to_string())),
        Secret::Named(SecretName::Env(n)) => a.push((keys[1], n.clone())),
        Secret::Named(SecretName::File(n)) => a.push((keys[2], n.clone())),
    }
}

fn delivery_annotations(a: &mut Vec<(&'static str, String)>, d: &Delivery) {
    if let Some(r) = d.retry_for {
        a.push(("baton.dev/retry-for", r.to_string()));
    }
    if let Some(n) = d.in_flight {
        a.push(("baton.dev/in-flight", n.to_string()));
    }
    if let Some(n) = d.rate_per_minute {
        a.push(("baton.dev/rate-per-minute", n.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burn_threshold_reads_back_as_its_share() {
        assert_eq!(burn_threshold(20_000_000, Period::days(28), Period::hours(1)), "13.44");
        assert_eq!(burn_threshold(100_000_000, Period::days(28), Period::days(3)), "0.933333333");
        assert_eq!(burn_threshold(1_000_000_000, Period::days(28), Period::days(28)), "1");
    }
}
