//! The SLOs of `slos/`: OpenSLO v1 documents, checked against each other and against the
//! services, and turned into [`SloDef`]s.
//!
//! Documents refer to each other by `metadata.name` across every file of `slos/`: an SLO
//! to an SLI (`indicatorRef`) and to alert policies (`alertPolicyRef`), a metric source to
//! a DataSource (`metricSourceRef`), a policy to alert conditions (`conditionRef`) and
//! notification targets (`targetRef`). Each referenced document is checked once, where it
//! is written; an SLO using a broken one is left out without repeating its errors.

use crate::diagnostic::{Diagnostic, Place};
use crate::docs::S;
use crate::document::Document;
use crate::escalations::{self, ChannelDoc};
use crate::openslo::*;
use crate::promql::{problem, QueryUse};
use crate::validate::known;
use baton_core::paging::Channel;
use baton_core::slo::{
    default_tier_specs, tier_warnings, AlertTier, BudgetShare, BudgetingMethod, CalendarUnit, Indicator, Lifecycle,
    Objective, ObjectiveChange, Phase, PromSource, RaisedBy, Severity, SliceThreshold, SloAlerting, SloDef, SloTarget,
    SloWindow, ThresholdOp, TierError, TierSpec,
};
use baton_core::{Link, Org, Period, ServiceId, SloId};
use marked_yaml::Spanned;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// The annotation that sets an SLO's minimum number of events per tier window.
pub(crate) const MIN_EVENTS: &str = "baton.dev/min-events";
/// The SLO's lifecycle phase: research, implementation or iteration.
pub(crate) const PHASE: &str = "baton.dev/phase";
/// `"true"`: the SLO is tracked and reported, never pages, never decides a verdict.
pub(crate) const ASPIRATIONAL: &str = "baton.dev/aspirational";
/// The dated history of the objective: `2026-01-01=0.99,2026-03-01=0.995`.
pub(crate) const OBJECTIVE_HISTORY: &str = "baton.dev/objective-history";
/// Who raises the SLO's alerts: `engine` (Baton's SLO alerting engine, the default) or
/// `rules` (the generated Prometheus rules, through Alertmanager).
pub(crate) const ALERTS: &str = "baton.dev/alerts";
const ANNOTATIONS: [&str; 5] = [MIN_EVENTS, PHASE, ASPIRATIONAL, OBJECTIVE_HISTORY, ALERTS];
/// A notification target's address and delivery settings, as its annotations (OpenSLO
/// leaves a target's details to the tool): the same keys as an escalation policy's
/// channel, under `baton.dev/`.
const TARGET_ANNOTATIONS: [(&str, &str); 9] = [
    ("baton.dev/url", "url"),
    ("baton.dev/url-env", "url_env"),
    ("baton.dev/url-file", "url_file"),
    ("baton.dev/routing-key", "routing_key"),
    ("baton.dev/routing-key-env", "routing_key_env"),
    ("baton.dev/routing-key-file", "routing_key_file"),
    ("baton.dev/retry-for", "retry_for"),
    ("baton.dev/in-flight", "in_flight"),
    ("baton.dev/rate-per-minute", "rate_per_minute"),
];

/// What Baton reads from an SLO's `baton.dev/` annotations.
#[derive(Default)]
struct Annotations {
    min_events: u64,
    lifecycle: Lifecycle,
    raised_by: RaisedBy,
    /// Where the objective's history was written, to point at when it disagrees with the objective.
    history_at: Option<Place>,
}

/// The window an SLO without `timeWindow` is judged over: the default transition window.
const DEFAULT_WINDOW: Period = Period::days(28);

/// Every document of `slos/` that parsed, by kind.
#[derive(Default)]
pub(crate) struct SloDocs {
    slos: Vec<(Document, TopDoc<SloSpecDoc>)>,
    slis: Vec<(Document, TopDoc<SliSpecDoc>)>,
    sources: Vec<(Document, TopDoc<DataSourceSpecDoc>)>,
    policies: Vec<(Document, TopDoc<AlertPolicySpecDoc>)>,
    conditions: Vec<(Document, TopDoc<AlertConditionSpecDoc>)>,
    targets: Vec<(Document, TopDoc<TargetSpecDoc>)>,
}

fn keep<T: DeserializeOwned>(doc: Document, diags: &mut Vec<Diagnostic>, into: &mut Vec<(Document, TopDoc<T>)>) {
    match doc.parse::<TopDoc<T>>() {
        Ok(t) => into.push((doc, t)),
        Err(d) => diags.push(d),
    }
}

impl SloDocs {
    pub fn add(&mut self, doc: Document, diags: &mut Vec<Diagnostic>) {
        let Some(kind) = doc.kind() else {
            let msg = format!("missing key `kind`: an OpenSLO document says what it is, one of {}", KINDS.join(", "));
            diags.push(doc.start().error(msg));
            return;
        };
        // The version first: a document of another version fails in ways that would only
        // mislead (keys that version has and v1 does not).
        match doc.scalar("apiVersion") {
            None => {
                diags.push(doc.start().error(format!("missing key `apiVersion`: write `apiVersion: {API_VERSION}`")));
                return;
            }
            Some(v) if v.as_str() != API_VERSION => {
                let msg = format!("apiVersion `{}` is not supported: Baton reads OpenSLO {API_VERSION}", v.as_str());
                diags.push(doc.at(&v).error(msg));
                return;
            }
            Some(_) => {}
        }
        match kind.as_str() {
            "SLO" => keep(doc, diags, &mut self.slos),
            "SLI" => keep(doc, diags, &mut self.slis),
            "DataSource" => keep(doc, diags, &mut self.sources),
            "AlertPolicy" => keep(doc, diags, &mut self.policies),
            "AlertCondition" => keep(doc, diags, &mut self.conditions),
            "AlertNotificationTarget" => keep(doc, diags, &mut self.targets),
            "Service" => diags.push(doc.at(&kind).error(
                "OpenSLO Service documents are not read: services are defined in services/, and an SLO's `spec.service` names one of them",
            )),
            other => {
                let msg = format!("unknown kind `{other}`; slos/ holds OpenSLO {}", KINDS.join(", "));
                diags.push(doc.at(&kind).error(msg));
            }
        }
    }
}

/// A named document after its checks: `None` when it had errors (already reported).
struct Named<T> {
    value: Option<T>,
    place: Place,
}

type Registry<T> = BTreeMap<String, Named<T>>;

fn names<T>(reg: &Registry<T>) -> String {
    known(reg.keys().map(String::as_str))
}

/// A checked SLI: the indicator, except that a threshold's bound is on the objective.
#[derive(Clone)]
enum Sli {
    Ratio(Indicator),
    Threshold { source: PromSource, query: String },
}

/// Where a metric comes from; a query with the place it is written, for its problems.
enum Src {
    Baton,
    Prom { source: PromSource, query: String, at: Place },
}

/// A checked alert policy: its condition and what it asks beyond it.
#[derive(Clone)]
struct Policy {
    condition: Condition,
    no_data: bool,
    when_resolved: bool,
    /// The targets Baton can deliver to, by name.
    targets: Vec<(String, Channel)>,
}

/// A checked notification target: its channel, or `None` when Baton cannot deliver to it
/// (warned where it is written).
type TargetChannel = Option<Channel>;

/// A checked burn-rate condition. Its budget share depends on the SLO window, so it is
/// turned into a [`TierSpec`] per SLO.
#[derive(Clone)]
struct Condition {
    severity: Severity,
    /// The burn-rate threshold as an exact fraction `numerator / denominator`.
    threshold: (u128, u128),
    threshold_text: String,
    lookback: Period,
}

struct Checker<'a> {
    diags: &'a mut Vec<Diagnostic>,
    errors: usize,
}

impl Checker<'_> {
    fn error(&mut self, place: Place, message: impl Into<String>) {
        self.errors += 1;
        self.diags.push(place.error(message));
    }

    fn warning(&mut self, place: Place, message: impl Into<String>) {
        self.diags.push(place.warning(message));
    }

    /// Checks the names of `docs` are unique, then checks each with `check`.
    fn register<D, T>(
        &mut self,
        docs: &[(Document, TopDoc<D>)],
        what: &str,
        mut check: impl FnMut(&mut Self, &Document, &TopDoc<D>) -> Option<T>,
    ) -> Registry<T> {
        let mut reg: Registry<T> = BTreeMap::new();
        for (doc, d) in docs {
            let name = &d.metadata.name;
            let place = doc.at(name);
            if let Some(first) = reg.get(name.as_str()) {
                let msg = format!("{what} `{}` is already defined at {}", name.as_str(), first.place);
                self.error(place, msg);
                continue;
            }
            let value = check(self, doc, d);
            reg.insert(name.as_str().to_owned(), Named { value, place });
        }
        reg
    }

    /// `apiVersion` and `kind` of an inline object, when given, must be what it is.
    fn inline_header(&mut self, doc: &Document, api: &Option<S>, kind: &Option<S>, expected: &str) {
        if let Some(v) = api.as_ref().filter(|v| v.as_str() != API_VERSION) {
            let msg = format!("apiVersion `{}` is not supported: Baton reads OpenSLO {API_VERSION}", v.as_str());
            self.error(doc.at(v), msg);
        }
        if let Some(k) = kind.as_ref().filter(|k| k.as_str() != expected) {
            self.error(doc.at(k), format!("kind `{}` cannot be written here: this is an {expected}", k.as_str()));
        }
    }

    fn data_source(&mut self, doc: &Document, d: &TopDoc<DataSourceSpecDoc>) -> Option<PromSource> {
        let spec = &d.spec;
        if !spec.kind.eq_ignore_ascii_case("prometheus") {
            let msg = format!(
                "DataSource type `{}` is not supported: Baton reads Prometheus (`type: Prometheus`); for samples posted to Baton itself, give the metric source `type: Baton` and no DataSource",
                spec.kind.as_str()
            );
            self.error(doc.at(&spec.kind), msg);
            return None;
        }
        let url = spec.connection_details.as_ref().and_then(|c| c.url.as_ref());
        let Some(url) = url else {
            let place = spec.connection_details.as_ref().map_or_else(|| doc.at(&spec.kind), |c| doc.at(c));
            self.error(
                place,
                "a Prometheus DataSource needs `connectionDetails.url`: its base URL, like http://127.0.0.1:9090",
            );
            return None;
        };
        match Link::parse(url.as_str()) {
            Ok(url) => Some(PromSource { name: d.metadata.name.as_str().to_owned(), url }),
            Err(e) => {
                self.error(doc.at(url), e.to_string());
                None
            }
        }
    }

    fn metric_source(&mut self, doc: &Document, m: &MetricDoc, sources: &Registry<PromSource>) -> Option<Src> {
        let ms = &m.metric_source;
        let kind = ms.kind.as_ref();
        let query = ms.spec.as_ref().and_then(|s| s.query.as_ref());
        if kind.is_some_and(|k| k.eq_ignore_ascii_case("baton")) {
            if let Some(r) = &ms.metric_source_ref {
                self.error(
                    doc.at(r),
                    "a metric source of type Baton takes no `metricSourceRef`: its samples are posted to Baton itself",
                );
                return None;
            }
            if let Some(q) = query {
                self.error(doc.at(q), "a metric source of type Baton takes no query: its samples (good and total events per minute) are posted to Baton");
                return None;
            }
            return Some(Src::Baton);
        }
        let Some(r) = &ms.metric_source_ref else {
            let msg = match kind {
                Some(k) if k.eq_ignore_ascii_case("prometheus") => {
                    "a Prometheus metric source names its server with `metricSourceRef`: the name of a DataSource of type Prometheus in slos/".to_owned()
                }
                Some(k) => format!(
                    "metric source type `{}` is not supported: use `type: Baton` for samples posted to Baton, or `metricSourceRef` naming a DataSource of type Prometheus",
                    k.as_str()
                ),
                None => "a metric source needs `type: Baton` (samples posted to Baton) or `metricSourceRef` (the name of a DataSource of type Prometheus)".to_owned(),
            };
            self.error(kind.map_or_else(|| doc.at(ms), |k| doc.at(k)), msg);
            return None;
        };
        let Some(named) = sources.get(r.as_str()) else {
            let msg =
                format!("metricSourceRef `{}` is not a DataSource defined in slos/ ({})", r.as_str(), names(sources));
            self.error(doc.at(r), msg);
            return None;
        };
        let source = named.value.clone()?;
        if let Some(k) = kind.filter(|k| !k.eq_ignore_ascii_case("prometheus")) {
            let msg = format!(
                "type `{}` does not match DataSource `{}`, which is of type Prometheus",
                k.as_str(),
                r.as_str()
            );
            self.error(doc.at(k), msg);
            return None;
        }
        match query.filter(|q| !q.trim().is_empty()) {
            Some(q) => Some(Src::Prom { source, query: q.as_str().to_owned(), at: doc.at(q) }),
            None => {
                let place = ms.spec.as_ref().map_or_else(|| doc.at(ms), |s| doc.at(s));
                self.error(place, "a Prometheus metric source needs `spec.query`: the PromQL to run");
                None
            }
        }
    }

    /// Reports what makes `query` unusable as `what` at its place (see `promql`).
    fn promql(&mut self, at: Place, query: &str, what: QueryUse) -> Option<()> {
        match problem(query, what) {
            Some(message) => {
                self.error(at, message);
                None
            }
            None => Some(()),
        }
    }

    fn sli(&mut self, doc: &Document, spec: &SliSpecDoc, at: Place, sources: &Registry<PromSource>) -> Option<Sli> {
        match (&spec.ratio_metric, &spec.threshold_metric) {
            (Some(_), Some(t)) => {
                self.error(doc.at(t), "an SLI has `ratioMetric` or `thresholdMetric`, not both");
                None
            }
            (None, None) => {
                self.error(at, "an SLI needs `ratioMetric` (good or bad events over all events) or `thresholdMetric` (a value per minute, compared with the objective's `op` and `value`)");
                None
            }
            (None, Some(t)) => match self.metric_source(doc, t, sources)? {
                Src::Baton => {
                    self.error(doc.at(&t.metric_source), "a thresholdMetric is a Prometheus query: SLIs of type Baton are ratioMetrics, posted as good and total events per minute");
                    None
                }
                Src::Prom { source, query, at } => {
                    self.promql(at, &query, QueryUse::Threshold)?;
                    Some(Sli::Threshold { source, query })
                }
            },
            (Some(r), None) => self.ratio(doc, r, sources),
        }
    }

    fn ratio(&mut self, doc: &Document, r: &Spanned<RatioDoc>, sources: &Registry<PromSource>) -> Option<Sli> {
        if let Some(raw) = &r.raw {
            self.error(doc.at(raw), "precomputed ratios (`raw`) are not supported: Baton adds up events per minute, and ratios do not add up; give `good` (or `bad`) and `total` counters");
            return None;
        }
        if let Some(t) = &r.raw_type {
            self.error(
                doc.at(t),
                "`rawType` goes with `raw`, which Baton does not support: give `good` (or `bad`) and `total`",
            );
            return None;
        }
        let (numerator, counts_bad) = match (&r.good, &r.bad) {
            (Some(_), Some(b)) => {
                self.error(doc.at(b), "give `good` or `bad`, not both: the other follows from `total`");
                return None;
            }
            (None, None) => {
                self.error(doc.at(r), "a ratioMetric needs `good` (or `bad`) and `total`");
                return None;
            }
            (Some(g), None) => (g, false),
            (None, Some(b)) => (b, true),
        };
        let Some(total) = &r.total else {
            self.error(doc.at(r), "a ratioMetric needs `total`: the count of all events");
            return None;
        };
        let num = self.metric_source(doc, numerator, sources);
        let all = self.metric_source(doc, total, sources);
        match (num?, all?) {
            (Src::Baton, Src::Baton) if counts_bad => {
                self.error(
                    doc.at(numerator),
                    "SLIs of type Baton are posted as good and total events: write `good`, not `bad`",
                );
                None
            }
            (Src::Baton, Src::Baton) => Some(Sli::Ratio(Indicator::BuiltIn)),
            (
                Src::Prom { source, query: good, at: good_at },
                Src::Prom { source: other, query: total, at: total_at },
            ) if source == other => {
                let good_ok = self.promql(good_at, &good, QueryUse::Counter);
                let total_ok = self.promql(total_at, &total, QueryUse::Counter);
                good_ok.and(total_ok)?;
                if let Some(c) = r.counter.as_ref().filter(|c| !***c) {
                    self.error(doc.at(c), "Baton reads Prometheus ratios from counters, taking each minute's increase: write `counter: true` (or leave it out)");
                    return None;
                }
                Some(Sli::Ratio(Indicator::PrometheusRatio { source, good, total, counts_bad }))
            }
            _ => {
                self.error(doc.at(total), "the numerator and `total` must come from the same source: both `type: Baton`, or both the same Prometheus DataSource");
                None
            }
        }
    }

    fn condition(&mut self, doc: &Document, spec: &AlertConditionSpecDoc) -> Option<Condition> {
        let before = self.errors;
        let severity = match spec.severity.as_str() {
            "page" => Some(Severity::Page),
            "ticket" => Some(Severity::Ticket),
            other => {
                let msg = format!(
                    "severity `{other}` is not one of Baton's: use page (wake someone) or ticket (working hours)"
                );
                self.error(doc.at(&spec.severity), msg);
                None
            }
        };
        let c = &spec.condition;
        if let Some(k) = c.kind.as_ref().filter(|k| k.as_str() != "burnrate") {
            let msg = format!(
                "condition kind `{}` is not supported: Baton's alert tiers are burn-rate conditions (`kind: burnrate`)",
                k.as_str()
            );
            self.error(doc.at(k), msg);
        }
        if c.op.as_str() != "gt" {
            let msg = format!(
                "op `{}` is not supported: a tier fires when the burn rate is above its threshold, so write `op: gt`",
                c.op.as_str()
            );
            self.error(doc.at(&c.op), msg);
        }
        let threshold = decimal(c.threshold.as_str());
        if threshold.is_none() {
            let msg = format!(
                "`{}` is not a burn-rate threshold: write a number above 0 with at most 9 decimals, like 14.4",
                c.threshold.as_str()
            );
            self.error(doc.at(&c.threshold), msg);
        }
        let lookback = Period::parse(c.lookback_window.as_str())
            .map_err(|e| self.error(doc.at(&c.lookback_window), e.to_string()))
            .ok();
        if let (Some(after), Some(lookback)) = (&c.alert_after, lookback) {
            let short_minutes = lookback.as_seconds() / 12 / 60;
            let fits = Period::parse(after.as_str()).is_ok_and(|a| a.as_seconds() == short_minutes * 60);
            if !fits {
                let hint = if short_minutes > 0 {
                    format!("write `alertAfter: {short_minutes}m` or leave it out")
                } else {
                    "leave it out".to_owned()
                };
                let msg = format!(
                    "alertAfter `{}` is not supported: instead of waiting, Baton checks that a short window of a twelfth of the lookback window burns as fast too; {hint}",
                    after.as_str()
                );
                self.error(doc.at(after), msg);
            }
        }
        if self.errors > before {
            return None;
        }
        Some(Condition {
            severity: severity?,
            threshold: threshold?,
            threshold_text: c.threshold.as_str().to_owned(),
            lookback: lookback?,
        })
    }

    fn policy(
        &mut self,
        doc: &Document,
        spec: &AlertPolicySpecDoc,
        conditions: &Registry<Condition>,
        targets: &Registry<TargetChannel>,
    ) -> Option<Policy> {
        let before = self.errors;
        if let Some(b) = spec.alert_when_breaching.as_ref().filter(|b| !***b) {
            self.error(doc.at(b), "a policy with `alertWhenBreaching: false` never alerts: Baton's tiers alert when breaching; remove the policy, or the key");
        }
        let delivered = self.policy_targets(doc, spec, targets);
        let list = &spec.conditions;
        if list.len() > 1 {
            self.error(
                doc.at(&list[1]),
                "an AlertPolicy has one condition (OpenSLO v1): split it into several policies",
            );
        }
        let Some(item) = list.first() else {
            self.error(doc.at(list), "an AlertPolicy needs one condition");
            return None;
        };
        let condition = self.policy_condition(doc, item, conditions);
        if self.errors > before {
            return None;
        }
        Some(Policy {
            condition: condition?,
            no_data: spec.alert_when_no_data.as_ref().is_some_and(|f| **f),
            when_resolved: spec.alert_when_resolved.as_ref().is_some_and(|f| **f),
            targets: delivered,
        })
    }

    /// The policy's notification targets Baton delivers to, named, by reference or inline.
    fn policy_targets(
        &mut self,
        doc: &Document,
        spec: &AlertPolicySpecDoc,
        targets: &Registry<TargetChannel>,
    ) -> Vec<(String, Channel)> {
        let mut delivered = Vec::new();
        for t in spec.notification_targets.iter().flatten() {
            match (&t.target_ref, &t.spec) {
                (Some(r), None) => match targets.get(r.as_str()) {
                    Some(named) => {
                        if let Some(Some(channel)) = &named.value {
                            delivered.push((r.as_str().to_owned(), channel.clone()));
                        }
                    }
                    None => {
                        let msg = format!(
                            "targetRef `{}` is not an AlertNotificationTarget defined in slos/ ({})",
                            r.as_str(),
                            names(targets)
                        );
                        self.error(doc.at(r), msg);
                    }
                },
                (None, Some(target)) => {
                    self.inline_header(doc, &t.api_version, &t.kind, "AlertNotificationTarget");
                    let Some(meta) = &t.metadata else {
                        self.error(
                            doc.at(t),
                            "an inline notification target needs `metadata.name`: Baton names its messages by it",
                        );
                        continue;
                    };
                    if let Some(Some(channel)) = self.target(doc, meta, target) {
                        delivered.push((meta.name.as_str().to_owned(), channel));
                    }
                }
                (Some(r), Some(_)) => self.error(doc.at(r), "give `targetRef` or a target inline, not both"),
                (None, None) => self.error(
                    doc.at(t),
                    "a notification target is `targetRef: NAME` or a target inline with `spec.target`",
                ),
            }
        }
        delivered
    }

    /// The policy's one condition, by reference or inline.
    fn policy_condition(
        &mut self,
        doc: &Document,
        item: &Spanned<ConditionItemDoc>,
        conditions: &Registry<Condition>,
    ) -> Option<Condition> {
        match (&item.condition_ref, &item.spec) {
            (Some(r), None) => match conditions.get(r.as_str()) {
                Some(named) => named.value.clone(),
                None => {
                    let msg = format!(
                        "conditionRef `{}` is not an AlertCondition defined in slos/ ({})",
                        r.as_str(),
                        names(conditions)
                    );
                    self.error(doc.at(r), msg);
                    None
                }
            },
            (None, Some(s)) => {
                self.inline_header(doc, &item.api_version, &item.kind, "AlertCondition");
                self.condition(doc, s)
            }
            (Some(r), Some(_)) => {
                self.error(doc.at(r), "give `conditionRef` or a condition inline, not both");
                None
            }
            (None, None) => {
                self.error(doc.at(item), "a condition is `conditionRef: NAME` or a condition inline with `spec.severity` and `spec.condition`");
                None
            }
        }
    }

    /// An `AlertNotificationTarget`: `spec.target` is the channel type, and its address
    /// and delivery settings are `baton.dev/` annotations (see [`TARGET_ANNOTATIONS`]),
    /// checked as an escalation policy's channel is. A target of another kind, or without
    /// an address, is accepted with a warning (files from other tools name targets Baton
    /// cannot reach) and `Some(None)`: it is not told, and validate says so.
    fn target(&mut self, doc: &Document, meta: &MetadataDoc, spec: &TargetSpecDoc) -> Option<TargetChannel> {
        let kind = spec.target.as_str();
        if !["webhook", "slack", "pagerduty"].contains(&kind) {
            let msg = format!("target `{kind}` is not delivered: Baton delivers `webhook`, `slack` and `pagerduty` targets (with `baton.dev/url` or `baton.dev/routing-key` annotations); this target is ignored");
            self.warning(doc.at(&spec.target), msg);
            return Some(None);
        }
        let annotations = meta.annotations.clone().unwrap_or_default();
        let get = |field: &str| {
            TARGET_ANNOTATIONS.iter().find(|(_, f)| *f == field).and_then(|(key, _)| annotations.get(*key).cloned())
        };
        if TARGET_ANNOTATIONS[..6].iter().all(|(_, field)| get(field).is_none()) {
            let needs = if kind == "pagerduty" { "`baton.dev/routing-key`" } else { "`baton.dev/url`" };
            let msg = format!("the {kind} target `{}` has no address: annotate it with {needs} for Baton to deliver to it; this target is ignored", meta.name.as_str());
            self.warning(doc.at(&meta.name), msg);
            return Some(None);
        }
        let channel = ChannelDoc {
            kind: spec.target.clone(),
            url: get("url"),
            url_env: get("url_env"),
            url_file: get("url_file"),
            routing_key: get("routing_key"),
            routing_key_env: get("routing_key_env"),
            routing_key_file: get("routing_key_file"),
            retry_for: get("retry_for"),
            in_flight: get("in_flight"),
            rate_per_minute: get("rate_per_minute"),
        };
        let before = self.diags.len();
        let checked = escalations::channel(doc, &Spanned::new(*meta.name.span(), channel), self.diags);
        self.errors += self.diags[before..].iter().filter(|d| d.is_error()).count();
        checked.map(Some)
    }
}

/// `14.4` → (144, 10): a positive decimal with at most 9 decimals, as an exact fraction.
fn decimal(s: &str) -> Option<(u128, u128)> {
    let (int, frac) = match s.split_once('.') {
        Some((int, frac)) => (int, frac),
        None => (s, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || frac.len() > 9 || int.len() + frac.len() > 18 {
        return None;
    }
    if s.ends_with('.') {
        return None;
    }
    let num: u128 = format!("{int}{frac}").parse().ok()?;
    Some((num, 10u128.pow(frac.len() as u32))).filter(|(n, _)| *n > 0)
}

/// `99.95` → `0.9995`: a percentage strictly below 100 as the ratio text objectives parse.
fn percent_to_ratio(s: &str) -> Option<String> {
    let (int, frac) = match s.split_once('.') {
        Some((int, frac)) if !frac.is_empty() => (int, frac),
        Some(_) => return None,
        None => (s, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) {
        return None;
    }
    let whole: u32 = int.parse().ok().filter(|w| *w < 100)?;
    Some(format!("0.{whole:02}{frac}"))
}

/// The budget share that makes a tier over `lookback` fire above the burn rate
/// `threshold` in an SLO window of `window`: `threshold × lookback / window`, to the
/// nearest billionth (so the threshold Baton derives back may differ from the one written
/// past its eighth significant digit).
fn share_ppb(threshold: (u128, u128), lookback: Period, window: Period) -> u128 {
    let (num, den) = threshold;
    let l = lookback.as_seconds() as u128;
    let w = window.as_seconds() as u128;
    (2 * num * l * 1_000_000_000 + den * w) / (2 * den * w)
}

fn share_text(ppb: u128) -> String {
    if ppb >= 1_000_000_000 {
        "1".to_owned()
    } else {
        format!("0.{ppb:09}")
    }
}

/// Checks every document of `slos/` and adds the SLOs to `org` (whose services must be
/// known already).
pub(crate) fn check(docs: &SloDocs, org: &mut Org, diags: &mut Vec<Diagnostic>) {
    let mut c = Checker { diags, errors: 0 };
    let sources = c.register(&docs.sources, "DataSource", |c, doc, d| c.data_source(doc, d));
    let slis = c.register(&docs.slis, "SLI", |c, doc, d| c.sli(doc, &d.spec, doc.at(&d.metadata.name), &sources));
    let targets = c.register(&docs.targets, "AlertNotificationTarget", |c, doc, d| c.target(doc, &d.metadata, &d.spec));
    let conditions = c.register(&docs.conditions, "AlertCondition", |c, doc, d| c.condition(doc, &d.spec));
    let policies = c.register(&docs.policies, "AlertPolicy", |c, doc, d| c.policy(doc, &d.spec, &conditions, &targets));
    let refs = Refs { sources: &sources, slis: &slis, policies: &policies, conditions: &conditions, targets: &targets };
    let mut places: BTreeMap<SloId, Place> = BTreeMap::new();
    for (doc, d) in &docs.slos {
        let name = &d.metadata.name;
        let Ok(id) = SloId::parse(name.as_str()).map_err(|e| c.error(doc.at(name), e.to_string())) else { continue };
        if let Some(first) = places.get(&id) {
            c.error(doc.at(name), format!("SLO `{id}` is already defined at {first}"));
            continue;
        }
        places.insert(id.clone(), doc.at(name));
        if let Some(slo) = c.slo(org, doc, id, d, &refs) {
            org.slos.insert(slo.id.clone(), slo);
        }
    }
}

struct Refs<'a> {
    sources: &'a Registry<PromSource>,
    slis: &'a Registry<Sli>,
    policies: &'a Registry<Policy>,
    conditions: &'a Registry<Condition>,
    targets: &'a Registry<TargetChannel>,
}

impl Checker<'_> {
    fn slo(&mut self, org: &Org, doc: &Document, id: SloId, d: &TopDoc<SloSpecDoc>, refs: &Refs) -> Option<SloDef> {
        let before = self.errors;
        let spec = &d.spec;
        let service = self.service(org, doc, &spec.service);
        let annotations = self.annotations(doc, &d.metadata);
        let sli = self.slo_sli(doc, spec, refs);
        let window = self.window(doc, &spec.time_window);
        let objectives = &spec.objectives;
        if objectives.len() > 1 {
            self.error(doc.at(&objectives[1]), "one objective per SLO document: split it into several SLOs");
        }
        let Some(o) = objectives.first() else {
            self.error(doc.at(objectives), "an SLO needs one objective, with `target` or `targetPercent`");
            return None;
        };
        let objective = self.objective(doc, o);
        if let Some(objective) = objective {
            self.history_agrees(objective, &annotations);
        }
        let method = self.method(doc, &spec.budgeting_method, o, sli.as_ref());
        let indicator = self.indicator(doc, o, sli);
        let tiers = match (&window, objective) {
            (Some((window, window_place)), Some(objective)) => {
                self.tiers(doc, spec, window, window_place.clone(), objective, o, refs)
            }
            _ => None,
        };
        if self.errors > before {
            return None;
        }
        Some(SloDef {
            id,
            service: service?,
            display_name: d.metadata.display_name.clone(),
            description: spec.description.clone(),
            objective: objective?,
            window: window?.0,
            method: method?,
            indicator: indicator?,
            tiers: tiers.as_ref()?.0.clone(),
            min_events: annotations.min_events,
            lifecycle: annotations.lifecycle,
            alerting: SloAlerting { raised_by: annotations.raised_by, targets: tiers?.1 },
        })
    }

    /// The SLO's indicator, inline or by reference to an SLI of slos/.
    fn slo_sli(&mut self, doc: &Document, spec: &SloSpecDoc, refs: &Refs) -> Option<Sli> {
        match (&spec.indicator, &spec.indicator_ref) {
            (Some(_), Some(r)) => {
                self.error(doc.at(r), "give `indicator` or `indicatorRef`, not both");
                None
            }
            (None, None) => {
                self.error(doc.start(), "an SLO needs `spec.indicator` (an SLI inline) or `spec.indicatorRef` (the name of an SLI in slos/)");
                None
            }
            (Some(i), None) => {
                self.inline_header(doc, &i.api_version, &i.kind, "SLI");
                self.sli(doc, &i.spec, doc.at(i), refs.sources)
            }
            (None, Some(r)) => match refs.slis.get(r.as_str()) {
                Some(named) => named.value.clone(),
                None => {
                    let msg =
                        format!("indicatorRef `{}` is not an SLI defined in slos/ ({})", r.as_str(), names(refs.slis));
                    self.error(doc.at(r), msg);
                    None
                }
            },
        }
    }

    /// Checks that the objective history's last entry is the objective in force.
    fn history_agrees(&mut self, objective: Objective, annotations: &Annotations) {
        if let (Some(last), Some(place)) = (annotations.lifecycle.history.last(), &annotations.history_at) {
            if last.objective != objective {
                let msg = format!(
                    "`{OBJECTIVE_HISTORY}` ends with {} from {}, but the objective is {objective}: the last entry is the objective in force, so they must agree",
                    last.objective, last.from
                );
                self.error(place.clone(), msg);
            }
        }
    }

    /// What the SLO measures: a ratio SLI as it is (it takes no `op` or `value`), or a
    /// threshold SLI with the objective's bound.
    fn indicator(&mut self, doc: &Document, o: &Spanned<ObjectiveDoc>, sli: Option<Sli>) -> Option<Indicator> {
        match sli {
            Some(Sli::Ratio(indicator)) => {
                for (key, place) in
                    [("op", o.op.as_ref().map(|v| doc.at(v))), ("value", o.value.as_ref().map(|v| doc.at(v)))]
                {
                    if let Some(place) = place {
                        self.error(place, format!("`{key}` compares a thresholdMetric's value: this SLO's SLI is a ratioMetric, so remove it"));
                    }
                }
                Some(indicator)
            }
            Some(Sli::Threshold { source, query }) => {
                self.bound(doc, o).map(|(op, value)| Indicator::PrometheusThreshold { source, query, op, value })
            }
            None => None,
        }
    }

    fn service(&mut self, org: &Org, doc: &Document, s: &S) -> Option<ServiceId> {
        let id = ServiceId::parse(s.as_str()).map_err(|e| self.error(doc.at(s), e.to_string())).ok()?;
        if org.services.contains_key(&id) {
            return Some(id);
        }
        let msg =
            format!("service `{id}` is not a defined service ({})", known(org.services.keys().map(ServiceId::as_str)));
        self.error(doc.at(s), msg);
        None
    }

    fn annotations(&mut self, doc: &Document, m: &MetadataDoc) -> Annotations {
        let mut out = Annotations::default();
        for (key, value) in m.annotations.iter().flatten() {
            match key.as_str() {
                MIN_EVENTS => match value.as_str().parse::<u64>() {
                    Ok(n) => out.min_events = n,
                    Err(_) => {
                        let msg = format!("`{MIN_EVENTS}` is the fewest events a tier window needs before it may fire: write a whole number like \"100\", not `{}`", value.as_str());
                        self.error(doc.at(value), msg);
                    }
                },
                PHASE => match Phase::parse(value.as_str()) {
                    Some(p) => out.lifecycle.phase = Some(p),
                    None => {
                        let msg = format!(
                            "`{PHASE}` is `{}`: the SLO lifecycle has the phases {}",
                            value.as_str(),
                            Phase::ALL.join(", ")
                        );
                        self.error(doc.at(value), msg);
                    }
                },
                ASPIRATIONAL => match value.as_str() {
                    "true" => out.lifecycle.aspirational = true,
                    "false" => {}
                    other => {
                        let msg = format!("`{ASPIRATIONAL}` is `{other}`: write \"true\" (reported, never pages, never decides a verdict) or \"false\"");
                        self.error(doc.at(value), msg);
                    }
                },
                ALERTS => match value.as_str() {
                    "engine" => out.raised_by = RaisedBy::Engine,
                    "rules" => out.raised_by = RaisedBy::Rules,
                    other => {
                        let msg = format!("`{ALERTS}` is `{other}`: write \"engine\" (Baton's SLO alerting engine raises the alerts, the default) or \"rules\" (the generated Prometheus rules raise them through Alertmanager)");
                        self.error(doc.at(value), msg);
                    }
                },
                OBJECTIVE_HISTORY => {
                    if let Some(history) = self.history(doc, value) {
                        out.lifecycle.history = history;
                        out.history_at = Some(doc.at(value));
                    }
                }
                other if other.starts_with("baton.dev/") => {
                    let msg = format!(
                        "unknown annotation `{other}`: Baton reads {}",
                        ANNOTATIONS.map(|a| format!("`{a}`")).join(", ")
                    );
                    self.error(doc.at(value), msg);
                }
                _ => {}
            }
        }
        out
    }

    /// `baton.dev/objective-history`: `DATE=TARGET` entries separated by commas, oldest
    /// first. A date is an RFC 3339 instant or `YYYY-MM-DD` (its midnight UTC).
    fn history(&mut self, doc: &Document, value: &S) -> Option<Vec<ObjectiveChange>> {
        const SHAPE: &str =
            "write `DATE=TARGET` entries separated by commas, oldest first, like \"2026-01-01=0.99,2026-03-01=0.995\"";
        let mut history: Vec<ObjectiveChange> = Vec::new();
        let mut ok = true;
        for entry in value.as_str().split(',').map(str::trim) {
            let Some((date, target)) = entry.split_once('=') else {
                self.error(doc.at(value), format!("`{OBJECTIVE_HISTORY}` entry `{entry}` has no `=`: {SHAPE}"));
                ok = false;
                continue;
            };
            let (date, target) = (date.trim(), target.trim());
            let from = date.parse::<jiff::Timestamp>().ok().or_else(|| {
                let day = date.parse::<jiff::civil::Date>().ok()?;
                day.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp())
            });
            let Some(from) = from else {
                let msg = format!("`{OBJECTIVE_HISTORY}`: `{date}` is not a date: write YYYY-MM-DD (midnight UTC) or an RFC 3339 instant");
                self.error(doc.at(value), msg);
                ok = false;
                continue;
            };
            let objective = match Objective::parse(target) {
                Ok(o) => o,
                Err(e) => {
                    self.error(doc.at(value), format!("`{OBJECTIVE_HISTORY}` from {date}: {e}"));
                    ok = false;
                    continue;
                }
            };
            if let Some(last) = history.last().filter(|l| l.from >= from) {
                let msg =
                    format!("`{OBJECTIVE_HISTORY}`: {date} is not after the entry before it ({}): {SHAPE}", last.from);
                self.error(doc.at(value), msg);
                ok = false;
                continue;
            }
            history.push(ObjectiveChange { from, objective });
        }
        ok.then_some(history)
    }

    /// The SLO window, and the place of its duration for problems the window causes.
    fn window(
        &mut self,
        doc: &Document,
        tw: &Option<Spanned<Vec<Spanned<TimeWindowDoc>>>>,
    ) -> Option<(SloWindow, Place)> {
        let Some(list) = tw else {
            return Some((SloWindow::Rolling { length: DEFAULT_WINDOW }, doc.start()));
        };
        if list.len() != 1 {
            self.error(doc.at(list), "`timeWindow` holds exactly one window (OpenSLO v1)");
            return None;
        }
        let w = &list[0];
        let place = doc.at(&w.duration);
        let rolling = w.is_rolling.as_ref().map(|r| **r);
        let Some(cal) = &w.calendar else {
            if let Some(r) = w.is_rolling.as_ref().filter(|r| !***r) {
                self.error(doc.at(r), "a window with `isRolling: false` is calendar-aligned and needs `calendar` with its `timeZone`; for a rolling window write `isRolling: true`");
                return None;
            }
            let d = w.duration.as_str();
            let length = match Period::parse(d) {
                Ok(p) if p.as_seconds() % 60 == 0 => p,
                Ok(_) => {
                    self.error(place, format!("`{d}`: a rolling window is whole minutes long, like 28d"));
                    return None;
                }
                Err(_) if d.ends_with(['M', 'Q', 'Y']) => {
                    self.error(place, format!("`{d}`: months, quarters and years are calendar windows; write `isRolling: false` with `calendar: {{timeZone: ...}}` and a duration of 1M or 1Q, or a rolling window in m, h, d or w like 28d"));
                    return None;
                }
                Err(e) => {
                    self.error(place, e.to_string());
                    return None;
                }
            };
            return Some((SloWindow::Rolling { length }, place));
        };
        if let Some(r) = w.is_rolling.as_ref().filter(|_| rolling == Some(true)) {
            self.error(doc.at(r), "a window with `calendar` is calendar-aligned: write `isRolling: false`, or drop `calendar` for a rolling window");
            return None;
        }
        let unit = match w.duration.as_str() {
            "1w" => Some(CalendarUnit::Week),
            "1M" => Some(CalendarUnit::Month),
            "1Q" => Some(CalendarUnit::Quarter),
            other => {
                self.error(place.clone(), format!("calendar window `{other}` is not supported: use 1w (a week from Monday), 1M (a month) or 1Q (a quarter from January, April, July or October)"));
                None
            }
        };
        let zone = match &cal.time_zone {
            None => {
                self.error(
                    doc.at(cal),
                    "a calendar window needs `timeZone`: the IANA zone its days start in, like Europe/Dublin",
                );
                None
            }
            Some(tz) => match jiff::tz::TimeZone::get(tz.as_str()) {
                Ok(zone) => Some(zone),
                Err(_) => {
                    let msg = format!(
                        "unknown time zone `{}`: use an IANA name such as Europe/Dublin or America/Sao_Paulo",
                        tz.as_str()
                    );
                    self.error(doc.at(tz), msg);
                    None
                }
            },
        };
        if let (Some(start), Some(unit)) = (&cal.start_time, unit) {
            self.start_time(doc, start, unit);
        }
        Some((SloWindow::Calendar { unit: unit?, time_zone: zone? }, place))
    }

    /// Baton's calendar windows start where the calendar does; a `startTime` may say so,
    /// but cannot move them.
    fn start_time(&mut self, doc: &Document, start: &S, unit: CalendarUnit) {
        use jiff::civil::{DateTime, Time, Weekday};
        let Ok(t) = start.as_str().parse::<DateTime>() else {
            let msg =
                format!("`{}` is not a start time: write a date and time like 2024-01-01 00:00:00", start.as_str());
            self.error(doc.at(start), msg);
            return;
        };
        let (aligned, what) = match unit {
            CalendarUnit::Week => (t.weekday() == Weekday::Monday, "weeks start on a Monday"),
            CalendarUnit::Month => (t.day() == 1, "months start on the 1st"),
            CalendarUnit::Quarter => {
                (t.day() == 1 && (t.month() - 1) % 3 == 0, "quarters start on 1 January, April, July or October")
            }
        };
        if !aligned || t.time() != Time::midnight() {
            let msg = format!(
                "startTime `{}` is not where a calendar window starts: Baton's {what} at 00:00 in the time zone; give such an instant, or leave startTime out",
                start.as_str()
            );
            self.error(doc.at(start), msg);
        }
    }

    fn objective(&mut self, doc: &Document, o: &Spanned<ObjectiveDoc>) -> Option<Objective> {
        match (&o.target, &o.target_percent) {
            (Some(_), Some(p)) => {
                self.error(doc.at(p), "give `target` or `targetPercent`, not both");
                None
            }
            (None, None) => {
                self.error(
                    doc.at(o),
                    "an objective needs `target` (a ratio like 0.999) or `targetPercent` (like 99.9)",
                );
                None
            }
            (Some(t), None) => Objective::parse(t.as_str()).map_err(|e| self.error(doc.at(t), e.to_string())).ok(),
            (None, Some(p)) => {
                let parsed = percent_to_ratio(p.as_str()).and_then(|r| Objective::parse(&r).ok());
                if parsed.is_none() {
                    let msg = format!("`{}` is not a targetPercent: write a percentage strictly between 0 and 100 with at most 7 decimals, like 99.9", p.as_str());
                    self.error(doc.at(p), msg);
                }
                parsed
            }
        }
    }

    fn method(
        &mut self,
        doc: &Document,
        name: &S,
        o: &Spanned<ObjectiveDoc>,
        sli: Option<&Sli>,
    ) -> Option<BudgetingMethod> {
        #[derive(PartialEq)]
        enum M {
            Occurrences,
            Timeslices,
            RatioTimeslices,
        }
        let m = match name.as_str() {
            n if n.eq_ignore_ascii_case("occurrences") => M::Occurrences,
            n if n.eq_ignore_ascii_case("timeslices") => M::Timeslices,
            n if n.eq_ignore_ascii_case("ratiotimeslices") => M::RatioTimeslices,
            other => {
                let msg = format!("budgetingMethod `{other}` is not one of Occurrences, Timeslices, RatioTimeslices");
                self.error(doc.at(name), msg);
                return None;
            }
        };
        let before = self.errors;
        let threshold_sli = matches!(sli, Some(Sli::Threshold { .. }));
        if threshold_sli && m != M::Timeslices {
            self.error(doc.at(name), "a thresholdMetric SLI is judged minute by minute: use `budgetingMethod: Timeslices` (a minute is good when the query's value meets the objective's `op` and `value`)");
        }
        if let Some(w) = &o.time_slice_window {
            if m == M::Occurrences {
                self.error(doc.at(w), "`timeSliceWindow` goes with Timeslices and RatioTimeslices budgeting; Occurrences counts events, not minutes: remove it");
            } else if !matches!(w.as_str(), "1m" | "1") {
                let msg = format!("timeSliceWindow `{}` is not supported: Baton's time slices are its one-minute SLI buckets, so write `timeSliceWindow: 1m`", w.as_str());
                self.error(doc.at(w), msg);
            }
        }
        let slice = match (&o.time_slice_target, &m) {
            (Some(t), M::Timeslices) => {
                SliceThreshold::parse(t.as_str()).map_err(|e| self.error(doc.at(t), e.to_string())).ok()
            }
            (Some(t), _) => {
                self.error(doc.at(t), "`timeSliceTarget` goes with Timeslices budgeting only: remove it");
                None
            }
            // A threshold SLI's minute is good or not as a whole: the query's one value
            // meets the bound or does not.
            (None, M::Timeslices) if threshold_sli => SliceThreshold::parse("1").ok(),
            (None, M::Timeslices) => {
                self.error(doc.at(o), "Timeslices budgeting needs `timeSliceTarget`: the share of good events at or above which a minute is good, like 0.95");
                None
            }
            (None, _) => None,
        };
        if self.errors > before {
            return None;
        }
        match m {
            M::Occurrences => Some(BudgetingMethod::Occurrences),
            M::Timeslices => Some(BudgetingMethod::Timeslices { threshold: slice? }),
            M::RatioTimeslices => Some(BudgetingMethod::RatioTimeslices),
        }
    }

    /// The objective's `op` and `value`, which a threshold SLI is compared with.
    fn bound(&mut self, doc: &Document, o: &Spanned<ObjectiveDoc>) -> Option<(ThresholdOp, f64)> {
        let (Some(op), Some(value)) = (&o.op, &o.value) else {
            self.error(doc.at(o), "the objective of a thresholdMetric SLI needs `op` (lt, lte, gt or gte) and `value`: a minute is good when the query's value, op, value holds");
            return None;
        };
        let parsed = ThresholdOp::parse(op.as_str());
        if parsed.is_none() {
            let msg = format!("op `{}` is not one of {}", op.as_str(), ThresholdOp::ALL.join(", "));
            self.error(doc.at(op), msg);
        }
        if !value.is_finite() {
            self.error(doc.at(value), "`value` must be a finite number");
            return None;
        }
        Some((parsed?, **value))
    }

    /// The alert tiers: the policies' conditions, or Baton's default tiers.
    #[allow(clippy::too_many_arguments)]
    fn tiers(
        &mut self,
        doc: &Document,
        spec: &SloSpecDoc,
        window: &SloWindow,
        window_place: Place,
        objective: Objective,
        o: &Spanned<ObjectiveDoc>,
        refs: &Refs,
    ) -> Option<(Vec<TierSpec>, Vec<SloTarget>)> {
        let w = window.nominal_length();
        let Some(items) = &spec.alert_policies else {
            return self.default_tiers(doc, w, window_place, objective, o);
        };
        let before = self.errors;
        let mut out = Vec::new();
        let mut targets = Vec::new();
        for item in items {
            let place = doc.at(item);
            let Some(p) = self.alert_policy(doc, item, refs) else { continue };
            let Some(t) = self.policy_tier(&p, w, &place) else { continue };
            let c = p.condition;
            for (name, channel) in p.targets {
                let known = targets.iter().any(|t: &SloTarget| t.name == name && t.severity == c.severity);
                if !known {
                    targets.push(SloTarget { name, severity: c.severity, when_resolved: p.when_resolved, channel });
                }
            }
            match AlertTier::derive(t, w) {
                Ok(tier) => {
                    self.can_fire(tier, objective, &place);
                    out.push(t);
                }
                Err(e) => self.error(place, e.to_string()),
            }
        }
        (self.errors == before).then_some((out, targets))
    }

    /// Baton's default tiers, for an SLO that lists no `alertPolicies`: they notify no targets.
    fn default_tiers(
        &mut self,
        doc: &Document,
        w: Period,
        window_place: Place,
        objective: Objective,
        o: &Spanned<ObjectiveDoc>,
    ) -> Option<(Vec<TierSpec>, Vec<SloTarget>)> {
        let before = self.errors;
        let mut out = Vec::new();
        let target = o.target.as_ref().or(o.target_percent.as_ref()).map_or_else(|| doc.at(o), |t| doc.at(t));
        for t in default_tier_specs() {
            match AlertTier::derive(t, w) {
                Ok(tier) => {
                    self.can_fire(tier, objective, &target);
                    out.push(t);
                }
                Err(e) => self.error(
                    window_place.clone(),
                    format!("{e} (one of the default tiers: list `alertPolicies` to choose others)"),
                ),
            }
        }
        (self.errors == before).then_some((out, Vec::new()))
    }

    /// One of the SLO's alert policies, by reference or inline.
    fn alert_policy(&mut self, doc: &Document, item: &Spanned<AlertPolicyItemDoc>, refs: &Refs) -> Option<Policy> {
        match (&item.alert_policy_ref, &item.spec) {
            (Some(r), None) => match refs.policies.get(r.as_str()) {
                Some(named) => named.value.clone(),
                None => {
                    let msg = format!(
                        "alertPolicyRef `{}` is not an AlertPolicy defined in slos/ ({})",
                        r.as_str(),
                        names(refs.policies)
                    );
                    self.error(doc.at(r), msg);
                    None
                }
            },
            (None, Some(s)) => {
                self.inline_header(doc, &item.api_version, &item.kind, "AlertPolicy");
                self.policy(doc, s, refs.conditions, refs.targets)
            }
            (Some(r), Some(_)) => {
                self.error(doc.at(r), "give `alertPolicyRef` or a policy inline, not both");
                None
            }
            (None, None) => {
                self.error(
                    doc.at(item),
                    "an alert policy is `alertPolicyRef: NAME` or a policy inline with `spec.conditions`",
                );
                None
            }
        }
    }

    /// The tier a policy's condition makes in an SLO window of `w`: its burn-rate threshold
    /// over its lookback window as a share of the window's error budget.
    fn policy_tier(&mut self, p: &Policy, w: Period, place: &Place) -> Option<TierSpec> {
        let c = &p.condition;
        if c.lookback > w {
            let tier = format!("{} {}", c.severity, c.lookback);
            let e = TierError::LongerThanSloWindow { tier, long_window: c.lookback, slo_window: w };
            self.error(place.clone(), e.to_string());
            return None;
        }
        let ppb = share_ppb(c.threshold, c.lookback, w);
        if ppb == 0 || ppb > 1_000_000_000 {
            let most = w.as_seconds() as f64 / c.lookback.as_seconds() as f64;
            let msg = format!(
                "a burn rate above {}× over {} is not a share of the {w} window's error budget between a billionth and all of it: use a threshold above 0 and at most {}",
                c.threshold_text,
                c.lookback,
                format!("{most:.2}").trim_end_matches('0').trim_end_matches('.')
            );
            self.error(place.clone(), msg);
            return None;
        }
        let share = BudgetShare::parse(&share_text(ppb)).expect("a share in (0, 1] with 9 decimals");
        Some(TierSpec { share, long_window: c.lookback, severity: c.severity, alert_when_no_data: p.no_data })
    }

    fn can_fire(&mut self, tier: AlertTier, objective: Objective, place: &Place) {
        for w in tier_warnings(&[tier], objective) {
            self.warning(place.clone(), w.to_string());
        }
    }
}
