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
use baton_core::org::ServiceDef;
use baton_core::paging::Channel;
use baton_core::slo::{
    composite_objective, default_tier_specs, tier_warnings, AlertTier, BudgetShare, BudgetingMethod, CalendarUnit,
    CompositePart, Indicator, Lifecycle, Objective, ObjectiveChange, Phase, PromSource, RaisedBy, Severity,
    SliceThreshold, SloAlerting, SloDef, SloTarget, SloWindow, ThresholdOp, TierError, TierSpec,
};
use baton_core::{Link, Org, Period, ServiceId, SloId, TeamId};
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
/// On an OpenSLO `Service`: the team that owns the service it defines.
pub(crate) const OWNER: &str = "baton.dev/owner";
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
    services: Vec<(Document, TopDoc<ServiceSpecDoc>)>,
    /// The kind, name and place of documents that did not parse: references to them are
    /// not reported again (their own error says what is wrong).
    failed: Vec<(String, String, Place)>,
}

impl SloDocs {
    fn keep<T: DeserializeOwned>(
        doc: Document,
        kind: &str,
        diags: &mut Vec<Diagnostic>,
        failed: &mut Vec<(String, String, Place)>,
        into: &mut Vec<(Document, TopDoc<T>)>,
    ) {
        match doc.parse::<TopDoc<T>>() {
            Ok(t) => into.push((doc, t)),
            Err(d) => {
                diags.push(d);
                if let Some(name) = doc.node_at(&["metadata", "name"]).and_then(|n| n.as_scalar()) {
                    failed.push((kind.to_owned(), name.as_str().to_owned(), doc.place(name.span())));
                }
            }
        }
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
        let failed = &mut self.failed;
        match kind.as_str() {
            k @ "SLO" => Self::keep(doc, k, diags, failed, &mut self.slos),
            k @ "SLI" => Self::keep(doc, k, diags, failed, &mut self.slis),
            k @ "DataSource" => Self::keep(doc, k, diags, failed, &mut self.sources),
            k @ "AlertPolicy" => Self::keep(doc, k, diags, failed, &mut self.policies),
            k @ "AlertCondition" => Self::keep(doc, k, diags, failed, &mut self.conditions),
            k @ "AlertNotificationTarget" => Self::keep(doc, k, diags, failed, &mut self.targets),
            k @ "Service" => Self::keep(doc, k, diags, failed, &mut self.services),
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
    Threshold {
        source: PromSource,
        query: String,
    },
    /// Accepted, but Baton reads nothing for it (warned where it is written).
    Unread(String),
}

/// Where a metric comes from; a query with the place it is written, for its problems.
enum Src {
    Baton,
    Prom { source: PromSource, query: String, at: Place },
    Unread(String),
}

/// A checked DataSource: a Prometheus server, or another source Baton does not read.
#[derive(Clone)]
enum Source {
    Prom(PromSource),
    Unread(String),
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
        docs: &SloDocs,
        of: impl Fn(&SloDocs) -> &[(Document, TopDoc<D>)],
        what: &str,
        mut check: impl FnMut(&mut Self, &Document, &TopDoc<D>) -> Option<T>,
    ) -> Registry<T> {
        let mut reg = self.register_checked(of(docs), what, &mut check);
        for (kind, name, place) in &docs.failed {
            if kind == what {
                reg.entry(name.clone()).or_insert(Named { value: None, place: place.clone() });
            }
        }
        reg
    }

    fn register_checked<D, T>(
        &mut self,
        docs: &[(Document, TopDoc<D>)],
        what: &str,
        check: &mut impl FnMut(&mut Self, &Document, &TopDoc<D>) -> Option<T>,
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

    /// A DataSource: a Prometheus server Baton reads, or (with a warning) a source it
    /// does not, whose SLIs then report no data saying so.
    fn data_source(&mut self, doc: &Document, d: &TopDoc<DataSourceSpecDoc>) -> Option<Source> {
        let spec = &d.spec;
        let name = d.metadata.name.as_str();
        if !spec.kind.eq_ignore_ascii_case("prometheus") {
            let msg = format!(
                "Baton does not read {} DataSources: the SLIs of `{name}` report no data until they read Prometheus (a DataSource of `type: Prometheus`) or samples posted to Baton (`type: Baton`)",
                spec.kind.as_str()
            );
            self.warning(doc.at(&spec.kind), msg);
            return Some(Source::Unread(format!("Baton does not read {}", spec.kind.as_str())));
        }
        let Some(url) = doc.connection_url() else {
            self.error(
                doc.at(&spec.kind),
                "a Prometheus DataSource needs `connectionDetails.url`: its base URL, like http://127.0.0.1:9090",
            );
            return None;
        };
        match Link::parse(url.as_str()) {
            Ok(url) => Some(Source::Prom(PromSource { name: name.to_owned(), url })),
            Err(e) => {
                self.error(doc.at(&url), e.to_string());
                None
            }
        }
    }

    fn metric_source(&mut self, doc: &Document, m: &MetricDoc, sources: &Registry<Source>) -> Option<Src> {
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
            // The spec lets a metric source name its type and leave the server to the
            // tool; Baton cannot guess which server, so the SLI reports no data, saying why.
            let (reason, hint) = match kind {
                Some(k) if k.eq_ignore_ascii_case("prometheus") => (
                    "no Prometheus server is named".to_owned(),
                    "give it `metricSourceRef`: the name of a DataSource of type Prometheus in slos/",
                ),
                Some(k) => (
                    format!("Baton does not read {}", k.as_str()),
                    "use `type: Baton` for samples posted to Baton, or `metricSourceRef` naming a DataSource of type Prometheus",
                ),
                None => {
                    self.error(doc.at(ms), "a metric source needs `type: Baton` (samples posted to Baton) or `metricSourceRef` (the name of a DataSource of type Prometheus)");
                    return None;
                }
            };
            let at = kind.map_or_else(|| doc.at(ms), |k| doc.at(k));
            self.warning(at, format!("{reason}: its SLO reports no data; {hint}"));
            return Some(Src::Unread(reason));
        };
        let Some(named) = sources.get(r.as_str()) else {
            // A DataSource is connection settings, which files from other tools often keep
            // elsewhere: the SLO loads and reports no data, saying which is missing.
            let reason = format!("DataSource `{}` is not defined in slos/", r.as_str());
            let msg = format!("{reason} ({}): its SLO reports no data until it is", names(sources));
            self.warning(doc.at(r), msg);
            return Some(Src::Unread(reason));
        };
        let source = match named.value.clone()? {
            Source::Prom(p) => p,
            Source::Unread(reason) => return Some(Src::Unread(reason)),
        };
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

    fn sli(&mut self, doc: &Document, spec: &SliSpecDoc, at: Place, sources: &Registry<Source>) -> Option<Sli> {
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
                Src::Unread(reason) => Some(Sli::Unread(reason)),
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

    fn ratio(&mut self, doc: &Document, r: &Spanned<RatioDoc>, sources: &Registry<Source>) -> Option<Sli> {
        if let Some(raw) = &r.raw {
            let reason = "Baton does not read precomputed ratios (`raw`)";
            self.warning(doc.at(raw), format!("{reason}: its SLO reports no data, because Baton adds up events per minute and ratios do not add up; give `good` (or `bad`) and `total` counters"));
            return Some(Sli::Unread(reason.to_owned()));
        }
        if let Some(t) = &r.raw_type {
            self.error(doc.at(t), "`rawType` goes with `raw`: give `raw` too, or `good` (or `bad`) and `total`");
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
            (Src::Unread(reason), _) | (_, Src::Unread(reason)) => Some(Sli::Unread(reason)),
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

    /// An alert condition. What the spec allows but Baton cannot act on (another kind of
    /// condition, alerting when the burn rate is *below* a threshold) is accepted with a
    /// warning, and the condition raises nothing: `Some(None)`.
    fn condition(&mut self, doc: &Document, spec: &AlertConditionSpecDoc) -> Option<Option<Condition>> {
        let before = self.errors;
        let severity = match spec.severity.as_str() {
            "page" => Severity::Page,
            "ticket" => Severity::Ticket,
            other => {
                let msg = format!("severity `{other}` is not one of Baton's, page (wake someone) and ticket (working hours): it is treated as ticket");
                self.warning(doc.at(&spec.severity), msg);
                Severity::Ticket
            }
        };
        let c = &spec.condition;
        let mut raises = true;
        if let Some(k) = c.kind.as_ref().filter(|k| k.as_str() != "burnrate") {
            let msg = format!("condition kind `{}` is not read: Baton's alert tiers are burn-rate conditions (`kind: burnrate`), so this condition raises nothing", k.as_str());
            self.warning(doc.at(k), msg);
            raises = false;
        }
        match c.op.as_ref().map(|op| op.as_str()) {
            None | Some("gt" | "gte") => {}
            Some(op @ ("lt" | "lte")) => {
                let msg = format!("op `{op}` alerts while the budget burns slowly: Baton's tiers fire when the burn rate is above the threshold, so this condition raises nothing (write `op: gt`)");
                self.warning(doc.at(c.op.as_ref().expect("matched")), msg);
                raises = false;
            }
            Some(other) => {
                let msg = format!("op `{other}` is not one of lt, lte, gt, gte");
                self.error(doc.at(c.op.as_ref().expect("matched")), msg);
            }
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
            let fits = Period::parse(after.as_str())
                .is_ok_and(|a| a.as_seconds() == short_minutes * 60 || a.as_seconds() == 0);
            if !fits {
                let msg = format!(
                    "alertAfter `{}` is not waited for: instead, Baton checks that a short window of a twelfth of the lookback window ({short_minutes}m) burns as fast too, so the alert comes soon and stops soon",
                    after.as_str()
                );
                self.warning(doc.at(after), msg);
            }
        }
        if self.errors > before {
            return None;
        }
        Some(raises.then_some(Condition {
            severity,
            threshold: threshold?,
            threshold_text: c.threshold.as_str().to_owned(),
            lookback: lookback?,
        }))
    }

    fn policy(
        &mut self,
        doc: &Document,
        spec: &AlertPolicySpecDoc,
        conditions: &Registry<Option<Condition>>,
        targets: &Registry<TargetChannel>,
    ) -> Option<Option<Policy>> {
        let before = self.errors;
        let mut raises = true;
        if let Some(b) = spec.alert_when_breaching.as_ref().filter(|b| !***b) {
            self.warning(doc.at(b), "a policy with `alertWhenBreaching: false` raises nothing in Baton, whose tiers alert when breaching: it is not used");
            raises = false;
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
        let Some(condition) = condition?.filter(|_| raises) else { return Some(None) };
        Some(Some(Policy {
            condition,
            no_data: spec.alert_when_no_data.as_ref().is_some_and(|f| **f),
            when_resolved: spec.alert_when_resolved.as_ref().is_some_and(|f| **f),
            targets: delivered,
        }))
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
        conditions: &Registry<Option<Condition>>,
    ) -> Option<Option<Condition>> {
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
pub(crate) fn percent_to_ratio(s: &str) -> Option<String> {
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
    c.services(docs, org);
    let sources = c.register(docs, |d| &d.sources, "DataSource", |c, doc, d| c.data_source(doc, d));
    let slis =
        c.register(docs, |d| &d.slis, "SLI", |c, doc, d| c.sli(doc, &d.spec, doc.at(&d.metadata.name), &sources));
    let targets =
        c.register(docs, |d| &d.targets, "AlertNotificationTarget", |c, doc, d| c.target(doc, &d.metadata, &d.spec));
    let conditions = c.register(docs, |d| &d.conditions, "AlertCondition", |c, doc, d| c.condition(doc, &d.spec));
    let policies =
        c.register(docs, |d| &d.policies, "AlertPolicy", |c, doc, d| c.policy(doc, &d.spec, &conditions, &targets));
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
    sources: &'a Registry<Source>,
    slis: &'a Registry<Sli>,
    policies: &'a Registry<Option<Policy>>,
    conditions: &'a Registry<Option<Condition>>,
    targets: &'a Registry<TargetChannel>,
}

impl Checker<'_> {
    fn slo(&mut self, org: &Org, doc: &Document, id: SloId, d: &TopDoc<SloSpecDoc>, refs: &Refs) -> Option<SloDef> {
        let before = self.errors;
        let spec = &d.spec;
        let service = self.service(org, doc, &spec.service);
        let annotations = self.annotations(doc, &d.metadata);
        let objectives = &spec.objectives;
        let Some(o) = objectives.first() else {
            self.error(doc.at(objectives), "an SLO needs an objective, with `target` or `targetPercent`");
            return None;
        };
        let composite = objectives.iter().any(|o| o.indicator.is_some() || o.indicator_ref.is_some());
        let (objective, sli, indicator) = if composite {
            match self.composite(doc, spec, refs) {
                Some((objective, indicator)) => (Some(objective), None, Some(indicator)),
                None => (None, None, None),
            }
        } else {
            let sli = self.slo_sli(doc, spec, refs);
            self.more_objectives(doc, objectives, sli.as_ref());
            let objective = self.objective(doc, o);
            let indicator = self.indicator(doc, o, sli.clone());
            (objective, sli, indicator)
        };
        if let Some(objective) = objective {
            self.history_agrees(objective, &annotations);
        }
        let window = self.window(doc, &spec.time_window);
        let method = self.method(doc, &spec.budgeting_method, o, sli.as_ref());
        // A window or time slice Baton cannot evaluate leaves the SLO unread, saying why
        // (warned where it is written).
        let indicator = match (&window, &method) {
            (Some((_, _, Some(reason))), _) | (_, Some((_, Some(reason)))) => {
                Some(Indicator::Unread { reason: reason.clone() })
            }
            _ => indicator,
        };
        let method = method.map(|(m, _)| m);
        let window = window.map(|(w, place, _)| (w, place));
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
            (None, Some(r)) => self.sli_ref(doc, r, refs),
        }
    }

    fn sli_ref(&mut self, doc: &Document, r: &S, refs: &Refs) -> Option<Sli> {
        match refs.slis.get(r.as_str()) {
            Some(named) => named.value.clone(),
            None => {
                let msg =
                    format!("indicatorRef `{}` is not an SLI defined in slos/ ({})", r.as_str(), names(refs.slis));
                self.error(doc.at(r), msg);
                None
            }
        }
    }

    /// The OpenSLO `Service` documents: each names a service of `services/`, or, with
    /// `baton.dev/owner`, defines one owned by that team (a file from another tool then
    /// needs no services/ file written by hand).
    fn services(&mut self, docs: &SloDocs, org: &mut Org) {
        for (doc, d) in &docs.services {
            let name = &d.metadata.name;
            let Ok(id) = ServiceId::parse(name.as_str()).map_err(|e| self.error(doc.at(name), e.to_string())) else {
                continue;
            };
            let owner = d.metadata.annotations.as_ref().and_then(|a| a.get(OWNER));
            if org.services.contains_key(&id) {
                if let Some(o) = owner.filter(|o| org.services[&id].owner_team.as_str() != o.as_str()) {
                    let msg = format!("service `{id}` is owned by `{}` (services/): `{OWNER}` says `{}`; remove the annotation or make them agree", org.services[&id].owner_team, o.as_str());
                    self.error(doc.at(o), msg);
                }
                continue;
            }
            let Some(owner) = owner else {
                let msg = format!("service `{id}` is not defined in services/, and this Service does not say which team owns it: annotate it `{OWNER}: TEAM`, or add services/{id}.yaml (`baton import openslo --owner TEAM` writes one)");
                self.error(doc.at(name), msg);
                continue;
            };
            let Ok(team) = TeamId::parse(owner.as_str()) else {
                self.error(doc.at(owner), format!("`{}` is not a team id", owner.as_str()));
                continue;
            };
            if !org.teams.contains_key(&team) {
                let msg =
                    format!("team `{team}` is not a defined team ({})", known(org.teams.keys().map(TeamId::as_str)));
                self.error(doc.at(owner), msg);
                continue;
            }
            let def = ServiceDef {
                id: id.clone(),
                name: d.metadata.display_name.clone().unwrap_or_else(|| id.to_string()),
                description: d.spec.description.clone(),
                owner_team: team,
                links: Default::default(),
                internal_only: false,
                transition_window: None,
                personas: Default::default(),
                system: None,
                lifecycle: None,
            };
            org.services.insert(id, def);
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
                        self.warning(place, format!("`{key}` compares a thresholdMetric's value: this SLO's SLI is a ratioMetric, so it is not used"));
                    }
                }
                Some(indicator)
            }
            Some(Sli::Threshold { source, query }) => {
                self.bound(doc, o).map(|(op, value)| Indicator::PrometheusThreshold { source, query, op, value })
            }
            Some(Sli::Unread(reason)) => Some(Indicator::Unread { reason }),
            None => None,
        }
    }

    /// Objectives after the first of an SLO that is not a composite: the spec allows
    /// several thresholds over one ratio SLI, Baton tracks one per SLO.
    fn more_objectives(&mut self, doc: &Document, objectives: &[Spanned<ObjectiveDoc>], sli: Option<&Sli>) {
        for (i, o) in objectives.iter().enumerate().skip(1) {
            if matches!(sli, Some(Sli::Threshold { .. })) {
                self.error(
                    doc.at(o),
                    "an SLO of a thresholdMetric SLI has one objective (OpenSLO v1): split it into several SLOs",
                );
                return;
            }
            let name = o.display_name.clone().unwrap_or_else(|| format!("objective {}", i + 1));
            let msg = format!("Baton tracks the first objective of an SLO: `{name}` is not tracked; write it as an SLO of its own to track it too");
            self.warning(doc.at(o), msg);
        }
    }

    /// A composite SLO: every objective has its own indicator and an optional
    /// `compositeWeight`; the SLO's objective is their weighted mean (see
    /// `baton_core::slo::composite`).
    fn composite(&mut self, doc: &Document, spec: &SloSpecDoc, refs: &Refs) -> Option<(Objective, Indicator)> {
        let before = self.errors;
        if let Some(r) = &spec.indicator_ref {
            self.error(
                doc.at(r),
                "a composite SLO's objectives each name their indicator: remove the SLO's own `indicatorRef`",
            );
        }
        if let Some(i) = &spec.indicator {
            self.error(
                doc.at(i),
                "a composite SLO's objectives each name their indicator: remove the SLO's own `indicator`",
            );
        }
        let mut parts = Vec::new();
        let mut unread = None;
        for (i, o) in spec.objectives.iter().enumerate() {
            let name = o.display_name.clone().unwrap_or_else(|| format!("objective {}", i + 1));
            let weight = match &o.composite_weight {
                None => Some(1.0),
                Some(w) => match w.as_str().parse::<f64>() {
                    Ok(v) if v.is_finite() && v > 0.0 => Some(v),
                    _ => {
                        let msg = format!("compositeWeight `{}` is not a number above 0", w.as_str());
                        self.error(doc.at(w), msg);
                        None
                    }
                },
            };
            let sli = match (&o.indicator, &o.indicator_ref) {
                (Some(_), Some(r)) => {
                    self.error(doc.at(r), "give `indicator` or `indicatorRef`, not both");
                    None
                }
                (None, None) => {
                    self.error(
                        doc.at(o),
                        "in a composite SLO every objective has its own `indicator` or `indicatorRef`",
                    );
                    None
                }
                (Some(ind), None) => {
                    self.inline_header(doc, &ind.api_version, &ind.kind, "SLI");
                    self.sli(doc, &ind.spec, doc.at(ind), refs.sources)
                }
                (None, Some(r)) => self.sli_ref(doc, r, refs),
            };
            if let Some(Sli::Ratio(Indicator::BuiltIn)) = &sli {
                self.error(doc.at(o), "an objective of a composite SLO reads Prometheus: samples posted to Baton belong to one SLO, so make this objective an SLO of its own");
                continue;
            }
            let objective = self.objective(doc, o);
            let indicator = match sli {
                Some(Sli::Unread(reason)) => {
                    unread.get_or_insert(format!("objective `{name}`: {reason}"));
                    None
                }
                other => self.indicator(doc, o, other),
            };
            if let (Some(weight), Some(objective), Some(indicator)) = (weight, objective, indicator) {
                parts.push(CompositePart { name, weight, objective, indicator });
            }
        }
        if self.errors > before {
            return None;
        }
        let weighted: Vec<(f64, Objective)> = parts.iter().map(|p| (p.weight, p.objective)).collect();
        let objective = match composite_objective(&weighted) {
            Ok(o) => o,
            Err(e) => {
                self.error(doc.at(&spec.objectives), e.to_string());
                return None;
            }
        };
        let indicator = match unread {
            Some(reason) => Indicator::Unread { reason },
            None => Indicator::Composite { parts },
        };
        Some((objective, indicator))
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
    ) -> Option<(SloWindow, Place, Option<String>)> {
        let Some(list) = tw else {
            return Some((SloWindow::Rolling { length: DEFAULT_WINDOW }, doc.start(), None));
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
            return Some((SloWindow::Rolling { length }, place, None));
        };
        if let Some(r) = w.is_rolling.as_ref().filter(|_| rolling == Some(true)) {
            self.error(doc.at(r), "a window with `calendar` is calendar-aligned: write `isRolling: false`, or drop `calendar` for a rolling window");
            return None;
        }
        let unit = match w.duration.as_str() {
            "1w" => CalendarUnit::Week,
            "1M" => CalendarUnit::Month,
            "1Q" => CalendarUnit::Quarter,
            other => {
                // Valid OpenSLO, but not a window Baton evaluates: the SLO loads and
                // reports no data, saying why, rather than being judged over another window.
                let reason = format!("Baton does not evaluate calendar windows of {other}, only 1w, 1M and 1Q");
                self.warning(place.clone(), format!("{reason}: this SLO reports no data; use 1w (a week from Monday), 1M (a month) or 1Q (a quarter from January, April, July or October)"));
                return Some((SloWindow::Rolling { length: DEFAULT_WINDOW }, place, Some(reason)));
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
        if let Some(start) = &cal.start_time {
            self.start_time(doc, start, unit);
        }
        Some((SloWindow::Calendar { unit, time_zone: zone? }, place, None))
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
                "startTime `{}` is not where Baton's windows start: Baton's {what} at 00:00 in the time zone, so the windows are those and this startTime is not used",
                start.as_str()
            );
            self.warning(doc.at(start), msg);
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
    ) -> Option<(BudgetingMethod, Option<String>)> {
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
        let mut unread = None;
        let threshold_sli = matches!(sli, Some(Sli::Threshold { .. }));
        if threshold_sli && m != M::Timeslices {
            self.error(doc.at(name), "a thresholdMetric SLI is judged minute by minute: use `budgetingMethod: Timeslices` (a minute is good when the query's value meets the objective's `op` and `value`)");
        }
        if let Some(w) = &o.time_slice_window {
            if m == M::Occurrences {
                self.error(doc.at(w), "`timeSliceWindow` goes with Timeslices and RatioTimeslices budgeting; Occurrences counts events, not minutes: remove it");
            } else if !matches!(w.as_str(), "1m" | "1") {
                // Valid OpenSLO that Baton cannot evaluate: read as written, reported as no
                // data (like a source it does not read), never judged on other slices.
                let reason =
                    format!("Baton's time slices are its one-minute SLI buckets, not timeSliceWindow `{}`", w.as_str());
                let msg = format!("{reason}: the SLO reports no data and never pages (write `timeSliceWindow: 1m` to have it evaluated)");
                self.warning(doc.at(w), msg);
                unread = Some(reason);
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
        let method = match m {
            M::Occurrences => BudgetingMethod::Occurrences,
            M::Timeslices => BudgetingMethod::Timeslices { threshold: slice? },
            M::RatioTimeslices => BudgetingMethod::RatioTimeslices,
        };
        Some((method, unread))
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
            let Some(Some(p)) = self.alert_policy(doc, item, refs) else { continue };
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
    fn alert_policy(
        &mut self,
        doc: &Document,
        item: &Spanned<AlertPolicyItemDoc>,
        refs: &Refs,
    ) -> Option<Option<Policy>> {
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
