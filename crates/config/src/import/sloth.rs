//! `baton import sloth`: Sloth's `prometheus/v1` specs, the OpenSLO `v1alpha` SLOs Sloth
//! also reads, and Sloth's `AlertWindows`, as OpenSLO v1 documents for `slos/`.
//!
//! # What is carried over
//!
//! Each SLO of a spec becomes an SLO `<service>-<slo name>` (Sloth's own `sloth_id`) of the
//! spec's service, in `slos/<service>.yaml`, with an inline ratio SLI read from the
//! DataSource `prometheus` (`slos/prometheus.yaml`):
//!
//! - `events.error_query` / `total_query` of the shape `sum(rate(SELECTOR[{{.window}}]))`
//!   (or `increase`, or without the `sum`) become `bad` / `total` with `SELECTOR` as the
//!   query: Baton takes the selectors of counters and wraps them itself as
//!   `sum(increase(SELECTOR[1m]))`. An error query `TOTAL - GOOD` of two such sums, `TOTAL`
//!   being the total query's selector, becomes `good: GOOD`. The shape is read with a real
//!   PromQL parser after putting a duration in place of `{{.window}}`; `sum by (...)`,
//!   arithmetic, several metrics, subqueries or other functions are not sums of counters
//!   Baton can add up per minute, and such an SLO is left out with a warning saying so.
//! - `raw.error_ratio_query` (a precomputed ratio: ratios do not add up) and `sli.plugin`
//!   (Go code) cannot be carried over; neither can an SLO that runs SLO plugins
//!   (`plugins` on the SLO or `slo_plugins` on the spec): they rewrite Sloth's rules in Go
//!   code Baton does not run, so what the SLO would alert on is unknown. Left out, warned.
//! - `objective` (a percentage) becomes the ratio `target`, computed on the decimal text.
//! - The spec's and the SLO's `labels` become the SLO's `metadata.labels`.
//! - Sloth's alerts: each of its four windows becomes an inline alert policy of the same
//!   burn-rate threshold over the same long window; `page_alert.disable` /
//!   `ticket_alert.disable` leave out that severity's two. The alert name, labels and
//!   annotations are not carried over (Baton names and labels its own alerts); a warning
//!   says so.
//!
//! # Windows
//!
//! Sloth's default SLO period is 30d with the windows of the SRE workbook: page 14.4× over
//! 1h (short window 5m) and 6× over 6h (30m), ticket 3× over 1d (2h) and 1× over 3d (6h).
//! Baton's short window is always a twelfth of the long one, which is exactly these four.
//!
//! An `AlertWindows` document (`sloth.slok.dev/v1`, what Sloth reads from
//! `--slo-period-windows-path`) among the inputs sets the period and windows for every SLO
//! of the same import, as `sloth generate --default-slo-period=<its sloPeriod>` with those
//! windows would: each `errorBudgetPercent` P over `longWindow` L becomes the threshold
//! `P/100 × period / L` (rounded to 9 decimals, which Baton's budget share, kept to a
//! billionth, reads back as exactly P%). A `shortWindow` other than a twelfth of its long
//! window is warned about (Baton's is always a twelfth). One `AlertWindows` per import:
//! Sloth picks windows by period, and an import has one period.
//!
//! # OpenSLO v1alpha
//!
//! As Sloth reads them: each objective with `ratioMetrics` becomes an SLO named
//! `<service>-<metadata.name>-<index>` (Sloth's id) with `good` and `total` converted as
//! above, over its `timeWindows`. Sloth makes no alerts for OpenSLO files, so neither does
//! the import (`alertPolicies: []`).
//!
//! # What differs by design
//!
//! Sloth's SLI over the whole period (`slo:sli_error:ratio_rate30d`) is the **mean of its
//! 5-minute error ratios**, every 5 minutes weighing the same however many requests they
//! saw; Baton's is **event-weighted**: all bad events over all events of the window. With
//! steady traffic they agree; a bad quiet night weighs more in Sloth's report than in
//! Baton's. The burn-rate alerts compare ratios of rates over each window in both, so those
//! agree. The header of every file written says so too.

use super::{documents, prometheus_source, service_stub, Imported, Input, Options, PROMETHEUS};
use crate::diagnostic::Place;
use crate::docs::S;
use crate::document::Document;
use crate::yaml_out::{self, Yaml};
use baton_core::slo::Objective;
use baton_core::{Period, ServiceId, SloId};
use marked_yaml::Spanned;
use promql_parser::parser::{self, Expr, VectorSelector};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

// ---------------------------------------------------------------------------------------
// What Sloth writes.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecDoc {
    #[allow(dead_code)]
    version: S,
    service: S,
    labels: Option<BTreeMap<String, S>>,
    slo_plugins: Option<Spanned<PluginsDoc>>,
    slos: Spanned<Vec<Spanned<SlothSloDoc>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PluginsDoc {
    #[allow(dead_code)]
    override_previous: Option<IgnoredAny>,
    chain: Option<Vec<PluginRefDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PluginRefDoc {
    id: S,
    #[allow(dead_code)]
    priority: Option<IgnoredAny>,
    #[allow(dead_code)]
    config: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SlothSloDoc {
    name: S,
    objective: S,
    description: Option<String>,
    labels: Option<BTreeMap<String, S>>,
    sli: Spanned<SliDoc>,
    alerting: Option<Spanned<AlertingDoc>>,
    plugins: Option<Spanned<PluginsDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SliDoc {
    raw: Option<Spanned<RawDoc>>,
    events: Option<Spanned<EventsDoc>>,
    plugin: Option<Spanned<SliPluginDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDoc {
    #[allow(dead_code)]
    error_ratio_query: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsDoc {
    error_query: S,
    total_query: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SliPluginDoc {
    id: S,
    #[allow(dead_code)]
    options: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertingDoc {
    name: Option<S>,
    labels: Option<BTreeMap<String, S>>,
    annotations: Option<BTreeMap<String, S>>,
    page_alert: Option<Spanned<AlertDoc>>,
    ticket_alert: Option<Spanned<AlertDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertDoc {
    disable: Option<Spanned<bool>>,
    labels: Option<BTreeMap<String, S>>,
    annotations: Option<BTreeMap<String, S>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WindowsDoc {
    #[allow(dead_code)]
    api_version: S,
    #[allow(dead_code)]
    kind: S,
    #[allow(dead_code)]
    metadata: Option<IgnoredAny>,
    spec: WindowsSpecDoc,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WindowsSpecDoc {
    slo_period: S,
    page: WindowPairDoc,
    ticket: WindowPairDoc,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowPairDoc {
    quick: Spanned<WindowDoc>,
    slow: Spanned<WindowDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WindowDoc {
    error_budget_percent: S,
    short_window: S,
    long_window: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AlphaDoc {
    #[allow(dead_code)]
    api_version: S,
    #[allow(dead_code)]
    kind: S,
    metadata: AlphaMetaDoc,
    spec: AlphaSpecDoc,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AlphaMetaDoc {
    name: S,
    display_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AlphaSpecDoc {
    description: Option<String>,
    service: S,
    budgeting_method: Option<S>,
    objectives: Spanned<Vec<Spanned<AlphaObjectiveDoc>>>,
    time_windows: Option<Spanned<Vec<Spanned<AlphaWindowDoc>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AlphaObjectiveDoc {
    display_name: Option<String>,
    #[allow(dead_code)]
    op: Option<IgnoredAny>,
    #[allow(dead_code)]
    value: Option<IgnoredAny>,
    target: Option<S>,
    time_slice_target: Option<S>,
    ratio_metrics: Option<Spanned<AlphaRatioDoc>>,
    threshold_metric: Option<Spanned<IgnoredAny>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlphaRatioDoc {
    good: Option<Spanned<AlphaMetricDoc>>,
    bad: Option<Spanned<AlphaMetricDoc>>,
    total: Spanned<AlphaMetricDoc>,
    incremental: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AlphaMetricDoc {
    #[allow(dead_code)]
    source: Option<S>,
    #[allow(dead_code)]
    query_type: Option<S>,
    query: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AlphaWindowDoc {
    count: S,
    unit: S,
    is_rolling: Option<Spanned<bool>>,
    #[allow(dead_code)]
    calendar: Option<IgnoredAny>,
}

// ---------------------------------------------------------------------------------------
// What Baton is given: shared with the Pyrra importer.

/// A ratio SLI of Prometheus counters: selectors of good (or bad) events and of all.
pub(super) struct Ratio {
    pub numerator: String,
    pub counts_bad: bool,
    pub total: String,
}

/// One alert tier: a burn-rate threshold over a lookback window.
#[derive(Clone)]
pub(super) struct Tier {
    pub severity: &'static str,
    /// Exact decimal text, at most 9 decimals.
    pub threshold: String,
    pub lookback: Period,
}

/// An SLO as it will be written.
pub(super) struct SloOut {
    pub id: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub service: String,
    pub ratio: Ratio,
    pub window: Period,
    /// The ratio objective's text, like `0.999`.
    pub target: String,
    pub tiers: Vec<Tier>,
}

impl SloOut {
    fn yaml(&self) -> Yaml {
        let metric = |query: &str| {
            Yaml::map([(
                "metricSource",
                Some(Yaml::map([
                    ("metricSourceRef", Some(Yaml::str(PROMETHEUS))),
                    ("type", Some(Yaml::str("Prometheus"))),
                    ("spec", Some(Yaml::map([("query", Some(Yaml::str(query)))]))),
                ])),
            )])
        };
        let numerator = if self.ratio.counts_bad { "bad" } else { "good" };
        let ratio =
            Yaml::map([(numerator, Some(metric(&self.ratio.numerator))), ("total", Some(metric(&self.ratio.total)))]);
        let policies = self
            .tiers
            .iter()
            .map(|t| {
                let name = format!("{}-{}", t.severity, t.lookback);
                let condition = Yaml::map([
                    ("kind", Some(Yaml::str("AlertCondition"))),
                    ("metadata", Some(Yaml::map([("name", Some(Yaml::str(&name)))]))),
                    (
                        "spec",
                        Some(Yaml::map([
                            ("severity", Some(Yaml::str(t.severity))),
                            (
                                "condition",
                                Some(Yaml::map([
                                    ("kind", Some(Yaml::str("burnrate"))),
                                    ("op", Some(Yaml::str("gt"))),
                                    ("threshold", Some(Yaml::raw(&t.threshold))),
                                    ("lookbackWindow", Some(Yaml::str(t.lookback.to_string()))),
                                ])),
                            ),
                        ])),
                    ),
                ]);
                Yaml::map([
                    ("kind", Some(Yaml::str("AlertPolicy"))),
                    ("metadata", Some(Yaml::map([("name", Some(Yaml::str(&name)))]))),
                    ("spec", Some(Yaml::map([("conditions", Some(Yaml::List(vec![condition])))]))),
                ])
            })
            .collect();
        let labels = (!self.labels.is_empty())
            .then(|| Yaml::map(self.labels.iter().map(|(k, v)| (k.as_str(), Some(Yaml::str(v))))));
        Yaml::map([
            ("apiVersion", Some(Yaml::str("openslo/v1"))),
            ("kind", Some(Yaml::str("SLO"))),
            (
                "metadata",
                Some(Yaml::map([
                    ("name", Some(Yaml::str(&self.id))),
                    ("displayName", self.display_name.as_deref().map(Yaml::str)),
                    ("labels", labels),
                ])),
            ),
            (
                "spec",
                Some(Yaml::map([
                    ("description", self.description.as_deref().filter(|d| !d.trim().is_empty()).map(Yaml::str)),
                    ("service", Some(Yaml::str(&self.service))),
                    (
                        "indicator",
                        Some(Yaml::map([
                            ("metadata", Some(Yaml::map([("name", Some(Yaml::str(&self.id)))]))),
                            ("spec", Some(Yaml::map([("ratioMetric", Some(ratio))]))),
                        ])),
                    ),
                    (
                        "timeWindow",
                        Some(Yaml::List(vec![Yaml::map([
                            ("duration", Some(Yaml::str(self.window.to_string()))),
                            ("isRolling", Some(Yaml::raw("true"))),
                        ])])),
                    ),
                    ("budgetingMethod", Some(Yaml::str("Occurrences"))),
                    ("objectives", Some(Yaml::List(vec![Yaml::map([("target", Some(Yaml::raw(&self.target)))])]))),
                    ("alertPolicies", Some(Yaml::List(policies))),
                ])),
            ),
        ])
    }
}

/// The files an import makes, gathered as SLOs are added and written whole at the end.
pub(super) struct Writer<'a> {
    options: &'a Options,
    /// `slos/<name>.yaml` → the inputs it comes from and its documents.
    files: BTreeMap<PathBuf, (BTreeSet<String>, Vec<Yaml>)>,
    stubs: BTreeSet<String>,
    no_stub: BTreeSet<String>,
    slo_ids: BTreeMap<String, Place>,
}

impl<'a> Writer<'a> {
    pub fn new(options: &'a Options) -> Self {
        Writer {
            options,
            files: BTreeMap::new(),
            stubs: BTreeSet::new(),
            no_stub: BTreeSet::new(),
            slo_ids: BTreeMap::new(),
        }
    }

    /// Whether `file` already holds an SLO of another input or service.
    pub fn holds(&self, file: &Path) -> bool {
        self.files.contains_key(file)
    }

    /// Adds `slo` to `file` (a path under `slos/`), with a service stub when the repo
    /// lacks its service (owned by `owner_hint` when that names a team of the repo, else
    /// by `--owner`). Returns false, with the reason said, when it is left out.
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        file: PathBuf,
        from: &Path,
        slo: SloOut,
        owner_hint: Option<&str>,
        stub_description: Option<&str>,
        at: &Place,
        out: &mut Imported,
    ) -> bool {
        if let Err(e) = ServiceId::parse(&slo.service) {
            out.diagnostics.push(at.warning(format!("SLO left out: {e}")));
            return false;
        }
        if let Err(e) = SloId::parse(&slo.id) {
            out.diagnostics.push(at.warning(format!("SLO left out: its Baton id `{}` is not valid: {e}", slo.id)));
            return false;
        }
        if let Some(first) = self.slo_ids.get(&slo.id) {
            let msg = format!("SLO left out: `{}` is already imported from {first}; SLO ids are unique", slo.id);
            out.diagnostics.push(at.warning(msg));
            return false;
        }
        if self.no_stub.contains(&slo.service) {
            return false;
        }
        if !self.options.services.contains(&slo.service) && !self.stubs.contains(&slo.service) {
            let owner = owner_hint.filter(|o| self.options.teams.contains(*o)).or(self.options.owner.as_deref());
            match service_stub(&slo.service, None, stub_description, owner, at, out) {
                Some(stub) => {
                    out.files.push(stub);
                    self.stubs.insert(slo.service.clone());
                }
                None => {
                    self.no_stub.insert(slo.service.clone());
                    return false;
                }
            }
        }
        self.slo_ids.insert(slo.id.clone(), at.clone());
        let entry = self.files.entry(file).or_default();
        entry.0.insert(from.display().to_string());
        entry.1.push(slo.yaml());
        true
    }

    /// Writes the SLO files (and the DataSource they read) into `out`; `note` is added to
    /// each file's header.
    pub fn finish(self, tool: &str, note: &str, out: &mut Imported) {
        if self.files.is_empty() {
            return;
        }
        out.files.push(prometheus_source(self.options));
        for (path, (from, docs)) in self.files {
            let from: Vec<String> = from.into_iter().collect();
            let header = format!("Imported by `baton import {tool}` from {}.\n{note}", from.join(", "));
            out.files.push((path, yaml_out::file(&header, &docs)));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Numbers and durations, as exact text.

/// `99.9` → `0.999`: a percentage strictly between 0 and 100 as ratio text, trailing
/// zeros trimmed, and only if it is an objective.
pub(super) fn percent_to_ratio(s: &str) -> Option<String> {
    let ratio = crate::slos::percent_to_ratio(s.trim())?;
    let ratio = ratio.trim_end_matches('0').trim_end_matches('.').to_owned();
    Objective::parse(&ratio).ok().map(|_| ratio)
}

/// A non-negative decimal as `(digits, decimals)`: `12.5` → (125, 1).
fn decimal(s: &str) -> Option<(u128, u32)> {
    let (int, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || int.len() + frac.len() > 20 {
        return None;
    }
    Some((format!("{int}{frac}").parse().ok()?, frac.len() as u32))
}

/// `num / den` as decimal text rounded half up to 9 decimals, trailing zeros trimmed.
fn ratio_text(num: u128, den: u128) -> String {
    let scaled = (num * 1_000_000_000 * 2 + den) / (den * 2);
    let (int, frac) = (scaled / 1_000_000_000, scaled % 1_000_000_000);
    let text = format!("{int}.{frac:09}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A Prometheus duration (`30d`, `1h30m`, `4w`, `500ms`) in milliseconds.
pub(super) fn prom_duration_ms(s: &str) -> Option<u64> {
    const UNITS: [(&str, u64); 8] = [
        ("ms", 1),
        ("s", 1_000),
        ("m", 60_000),
        ("h", 3_600_000),
        ("d", 86_400_000),
        ("w", 604_800_000),
        ("y", 31_536_000_000),
        ("", 0),
    ];
    let s = s.trim();
    let mut rest = s;
    let mut total: u64 = 0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if n_len == 0 {
            return None;
        }
        let n: u64 = rest[..n_len].parse().ok()?;
        rest = &rest[n_len..];
        let (unit, factor) = UNITS[..7].iter().find(|(u, _)| rest.starts_with(u))?;
        rest = &rest[unit.len()..];
        total = total.checked_add(n.checked_mul(*factor)?)?;
    }
    Some(total)
}

/// A Prometheus duration of whole minutes as a Baton period.
pub(super) fn period(s: &str) -> Option<Period> {
    let ms = prom_duration_ms(s)?;
    (ms > 0 && ms % 60_000 == 0).then(|| Period::minutes((ms / 60_000) as i64))
}

// ---------------------------------------------------------------------------------------
// Queries.

/// What `{{.window}}` is replaced with to parse a Sloth query: a duration no one writes,
/// so a range of exactly this is the window and nothing else.
const WINDOW_SECONDS: u64 = 4242;

/// Why a query is not a counter Baton reads, as the end of a sentence.
const COUNTERS: &str = "Baton reads a ratio's counters as plain series selectors and adds up their increase per minute itself (sum(increase(SELECTOR[1m]))), so only `sum(rate(SELECTOR[{{.window}}]))` (or `increase`, or without `sum`) carries over";

fn unparen(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => unparen(&p.expr),
        other => other,
    }
}

/// The selector of `sum(rate(SEL[window]))`, `sum(increase(..))`, `rate(..)` or
/// `increase(..)`, `window` being the range the query must use.
fn counter_of(e: &Expr, window: Option<Duration>) -> Option<&VectorSelector> {
    let e = unparen(e);
    let inner = match e {
        Expr::Aggregate(a) => {
            let whole = a
                .modifier
                .as_ref()
                .is_none_or(|m| matches!(m, promql_parser::parser::LabelModifier::Include(l) if l.labels.is_empty()));
            if a.op.to_string() != "sum" || a.param.is_some() || !whole {
                return None;
            }
            unparen(&a.expr)
        }
        other => other,
    };
    let Expr::Call(c) = inner else { return None };
    if !matches!(c.func.name, "rate" | "increase") || c.args.args.len() != 1 {
        return None;
    }
    let Expr::MatrixSelector(m) = unparen(&c.args.args[0]) else { return None };
    let vs = &m.vs;
    let range_ok = window.is_none_or(|w| m.range == w);
    (range_ok && vs.offset.is_none() && vs.at.is_none()).then_some(vs)
}

/// A parsed selector as text Baton reads back as the same selector.
fn selector_text(vs: &VectorSelector) -> String {
    let plain = VectorSelector { name: vs.name.clone(), matchers: vs.matchers.clone(), offset: None, at: None };
    let text = plain.to_string();
    // promql-parser keeps the name both as `name` and as a `__name__` matcher.
    match &vs.name {
        Some(name) => {
            let dup = format!("__name__=\"{name}\"");
            let inner = text.trim_start_matches(name.as_str());
            let inner = inner.trim_start_matches('{').trim_end_matches('}');
            let kept: Vec<&str> = split_matchers(inner).into_iter().filter(|m| m.trim() != dup).collect();
            if kept.is_empty() {
                name.clone()
            } else {
                format!("{name}{{{}}}", kept.join(","))
            }
        }
        None => text,
    }
}

/// Splits matcher text at the commas outside quotes.
fn split_matchers(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out.into_iter().filter(|m| !m.trim().is_empty()).collect()
}

/// Parses a Sloth query with its `{{.window}}` as a duration.
fn parse_windowed(query: &str) -> Result<Expr, String> {
    let text = query
        .replace("{{.window}}", &format!("{WINDOW_SECONDS}s"))
        .replace("{{ .window }}", &format!("{WINDOW_SECONDS}s"));
    parser::parse(&text).map_err(|e| format!("`{}` does not parse as PromQL: {e}", query.trim()))
}

/// A Sloth events query as the selector of its counter, or why it is not one.
fn sloth_counter(query: &str, what: &str) -> Result<String, String> {
    let expr = parse_windowed(query)?;
    let window = Some(Duration::from_secs(WINDOW_SECONDS));
    counter_of(&expr, window)
        .map(selector_text)
        .ok_or_else(|| format!("the {what} `{}` cannot be carried over: {COUNTERS}", one_line(query)))
}

/// The SLI of a Sloth `events` pair: `bad` from the error query, or `good` when the error
/// query is `TOTAL - GOOD` over the total query's own selector.
fn sloth_ratio(error_query: &str, total_query: &str) -> Result<Ratio, String> {
    let total = sloth_counter(total_query, "total_query")?;
    let window = Some(Duration::from_secs(WINDOW_SECONDS));
    let expr = parse_windowed(error_query)?;
    if let Some(vs) = counter_of(&expr, window) {
        return Ok(Ratio { numerator: selector_text(vs), counts_bad: true, total });
    }
    if let Expr::Binary(b) = unparen(&expr) {
        let sub = b.op.to_string() == "-" && b.modifier.is_none();
        if let (true, Some(all), Some(good)) = (sub, counter_of(&b.lhs, window), counter_of(&b.rhs, window)) {
            if selector_text(all) == total {
                return Ok(Ratio { numerator: selector_text(good), counts_bad: false, total });
            }
        }
    }
    Err(format!(
        "the error_query `{}` cannot be carried over: {COUNTERS} (or `TOTAL - GOOD` of two such sums over the total query's selector)",
        one_line(error_query)
    ))
}

fn one_line(q: &str) -> String {
    q.split_whitespace().collect::<Vec<_>>().join(" ").replace("( ", "(").replace(" )", ")")
}

// ---------------------------------------------------------------------------------------
// The import.

/// The SLO period and tiers the SLOs of an import get.
struct Windows {
    period: Period,
    page: [Tier; 2],
    ticket: [Tier; 2],
    /// Where they come from, for messages.
    from: String,
    place: Place,
}

fn default_windows() -> Windows {
    let tier = |severity, threshold: &str, lookback| Tier { severity, threshold: threshold.to_owned(), lookback };
    Windows {
        period: Period::days(30),
        page: [tier("page", "14.4", Period::hours(1)), tier("page", "6", Period::hours(6))],
        ticket: [tier("ticket", "3", Period::days(1)), tier("ticket", "1", Period::days(3))],
        from: "Sloth's default 30d windows".to_owned(),
        place: Place { file: PathBuf::new(), line: 1, column: 1 },
    }
}

const NOTE: &str = "Sloth's SLI over the whole period is a mean of 5-minute error ratios; Baton's is event-weighted\n(all bad events over all events), so the two differ when traffic varies. Burn-rate alerts\ncompare rates over each window in both.";

pub(crate) fn import(inputs: &[Input], options: &Options, out: &mut Imported) {
    let docs = documents(inputs, out);
    let mut specs = Vec::new();
    let mut windows: Option<Windows> = None;
    let mut windows_broken = false;
    for doc in docs {
        match (doc.scalar("version"), doc.scalar("apiVersion"), doc.kind()) {
            (Some(v), _, _) if v.as_str() == "prometheus/v1" => specs.push(doc),
            (Some(v), _, _) => {
                let msg = format!("Sloth spec version `{}` is not supported: Baton imports `prometheus/v1` specs, OpenSLO `v1alpha` SLOs and `AlertWindows`", v.as_str());
                out.diagnostics.push(doc.at(&v).error(msg));
            }
            (None, Some(api), Some(kind)) if api.as_str() == "openslo/v1alpha" && kind.as_str() == "SLO" => specs.push(doc),
            (None, Some(api), Some(kind)) if api.as_str() == "sloth.slok.dev/v1" && kind.as_str() == "AlertWindows" => {
                match (&windows, alert_windows(&doc, out)) {
                    (None, Some(w)) => windows = Some(w),
                    (Some(first), Some(_)) => {
                        let msg = format!("one AlertWindows per import: Sloth picks the windows of the SLO period, and this import already uses {}; import the SLOs of each period separately", first.from);
                        out.diagnostics.push(doc.start().error(msg));
                    }
                    (_, None) => windows_broken = true,
                }
            }
            (None, Some(api), Some(kind)) if api.as_str() == "sloth.slok.dev/v1" => {
                let msg = format!("kind `{}` is not imported: Baton imports Sloth's `prometheus/v1` specs (the files `sloth generate` reads), OpenSLO `v1alpha` SLOs and `AlertWindows`", kind.as_str());
                out.diagnostics.push(doc.at(&kind).error(msg));
            }
            (None, Some(api), _) => {
                let msg = format!("apiVersion `{}` is not a Sloth file: Baton imports Sloth's `prometheus/v1` specs (`version: prometheus/v1`), OpenSLO `v1alpha` SLOs and `sloth.slok.dev/v1` AlertWindows", api.as_str());
                out.diagnostics.push(doc.at(&api).error(msg));
            }
            (None, None, _) => out.diagnostics.push(doc.start().error(
                "not a Sloth spec: a spec starts with `version: prometheus/v1` (or is an OpenSLO `v1alpha` SLO or an AlertWindows)",
            )),
        }
    }
    if windows_broken {
        // The SLOs would get windows other than the ones asked for: none is imported.
        if !specs.is_empty() {
            out.diagnostics.push(super::file_place(&specs[0].file).error(
                "no SLO is imported while the AlertWindows given with them cannot be read: they would get other windows",
            ));
        }
        return;
    }
    if let (Some(w), true) = (&windows, specs.is_empty()) {
        out.diagnostics.push(w.place.warning("these windows are for the SLOs imported with them, and none were given: import this file together with the Sloth specs, like `baton import sloth windows.yaml specs/`"));
    }
    let windows = windows.unwrap_or_else(default_windows);
    let mut writer = Writer::new(options);
    for doc in &specs {
        if doc.scalar("version").is_some() {
            spec(doc, &windows, &mut writer, out);
        } else {
            alpha(doc, &windows, &mut writer, out);
        }
    }
    writer.finish("sloth", NOTE, out);
}

/// An `AlertWindows` document as the period and tiers it gives, or `None` with errors.
fn alert_windows(doc: &Document, out: &mut Imported) -> Option<Windows> {
    let d = match doc.parse::<WindowsDoc>() {
        Ok(d) => d,
        Err(e) => {
            out.diagnostics.push(e);
            return None;
        }
    };
    let spec = &d.spec;
    let Some(period) = period(spec.slo_period.as_str()) else {
        let msg = format!("sloPeriod `{}` is not a duration of whole minutes, like 30d", spec.slo_period.as_str());
        out.diagnostics.push(doc.at(&spec.slo_period).error(msg));
        return None;
    };
    let mut ok = true;
    let mut tier = |severity: &'static str, w: &Spanned<WindowDoc>| -> Option<Tier> {
        let long = period_of(doc, &w.long_window, out)?;
        let short = period_of(doc, &w.short_window, out)?;
        let percent =
            decimal(w.error_budget_percent.as_str()).filter(|(n, scale)| *n > 0 && *n <= 100 * 10u128.pow(*scale));
        let Some((p, scale)) = percent else {
            let msg = format!(
                "errorBudgetPercent `{}` is not a percentage above 0 and at most 100",
                w.error_budget_percent.as_str()
            );
            out.diagnostics.push(doc.at(&w.error_budget_percent).error(msg));
            return None;
        };
        if long > period || long.as_seconds() < 12 * 60 {
            let msg = format!("longWindow `{long}` must be at least 12m (Baton's short window is a twelfth of it, at least a minute) and at most the {period} period");
            out.diagnostics.push(doc.at(&w.long_window).error(msg));
            return None;
        }
        let baton_short = Period::minutes(long.as_seconds() / 12 / 60);
        if short != baton_short {
            let msg = format!("shortWindow {short} is not carried over: Baton's short window is always a twelfth of the long one, here {baton_short}");
            out.diagnostics.push(doc.at(&w.short_window).warning(msg));
        }
        // P% of the period's budget within L is a burn rate of P/100 × period / L.
        let num = p * period.as_seconds() as u128;
        let den = 100 * 10u128.pow(scale) * long.as_seconds() as u128;
        Some(Tier { severity, threshold: ratio_text(num, den), lookback: long })
    };
    let tiers = [
        tier("page", &spec.page.quick),
        tier("page", &spec.page.slow),
        tier("ticket", &spec.ticket.quick),
        tier("ticket", &spec.ticket.slow),
    ];
    ok &= tiers.iter().all(Option::is_some);
    if !ok {
        return None;
    }
    let [a, b, c, e] = tiers.map(Option::unwrap);
    Some(Windows {
        period,
        page: [a, b],
        ticket: [c, e],
        from: format!("the {period} AlertWindows of {}", doc.start()),
        place: doc.start(),
    })
}

fn period_of(doc: &Document, s: &S, out: &mut Imported) -> Option<Period> {
    let p = period(s.as_str());
    if p.is_none() {
        let msg = format!("`{}` is not a duration of whole minutes, like 5m or 1h", s.as_str());
        out.diagnostics.push(doc.at(s).error(msg));
    }
    p
}

fn labels_of(maps: [Option<&BTreeMap<String, S>>; 2]) -> BTreeMap<String, String> {
    maps.into_iter().flatten().flatten().map(|(k, v)| (k.clone(), v.as_str().to_owned())).collect()
}

/// The plugins of a chain, for messages: `a, b`.
fn plugin_ids(p: &PluginsDoc) -> String {
    let ids: BTreeSet<&str> = p.chain.iter().flatten().map(|r| r.id.as_str()).collect();
    ids.into_iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
}

/// A `prometheus/v1` spec.
fn spec(doc: &Document, windows: &Windows, writer: &mut Writer, out: &mut Imported) {
    let d = match doc.parse::<SpecDoc>() {
        Ok(d) => d,
        Err(e) => {
            out.diagnostics.push(e);
            return;
        }
    };
    let service = d.service.as_str();
    let owner = d.labels.as_ref().and_then(|l| l.get("owner")).map(|o| o.as_str().to_owned());
    let file = PathBuf::from(format!("slos/{service}.yaml"));
    for s in d.slos.iter() {
        let at = doc.at(&s.name);
        let left_out = |why: String| at.warning(format!("SLO `{}` left out: {why}", s.name.as_str()));
        if let Some(p) = &d.slo_plugins {
            out.diagnostics.push(left_out(format!("the spec runs the Sloth SLO plugins {} ({}), Go code that rewrites the rules Sloth makes and that Baton does not run, so what this SLO would measure and alert on is not known", plugin_ids(p), doc.at(p))));
            continue;
        }
        if let Some(p) = &s.plugins {
            out.diagnostics.push(left_out(format!("it runs the Sloth SLO plugins {} ({}), Go code that rewrites the rules Sloth makes and that Baton does not run, so what it would measure and alert on is not known", plugin_ids(p), doc.at(p))));
            continue;
        }
        let sli = &s.sli;
        let ratio = match (&sli.events, &sli.raw, &sli.plugin) {
            (Some(e), None, None) => sloth_ratio(e.error_query.as_str(), e.total_query.as_str()),
            (None, Some(_), None) => Err("its SLI is a `raw` error_ratio_query, a precomputed ratio: Baton adds up good (or bad) and total events per minute, and ratios do not add up; give `events` with error_query and total_query counters".to_owned()),
            (None, None, Some(p)) => Err(format!("its SLI is computed by the Sloth SLI plugin `{}`, Go code Baton does not run; write its queries as `events` (error_query and total_query) to import it", p.id.as_str())),
            _ => Err("its `sli` must have exactly one of `events`, `raw` or `plugin`".to_owned()),
        };
        let ratio = match ratio {
            Ok(r) => r,
            Err(why) => {
                out.diagnostics.push(left_out(why));
                continue;
            }
        };
        let Some(target) = percent_to_ratio(s.objective.as_str()) else {
            let msg = format!(
                "objective `{}` is not a percentage strictly between 0 and 100 with at most 7 decimals, like 99.9",
                s.objective.as_str()
            );
            out.diagnostics.push(doc.at(&s.objective).warning(format!("SLO `{}` left out: {msg}", s.name.as_str())));
            continue;
        };
        let mut tiers = Vec::new();
        let disabled = |a: &Option<Spanned<AlertDoc>>| a.as_ref().and_then(|a| a.disable.as_ref()).is_some_and(|d| **d);
        let alerting = s.alerting.as_ref();
        if !alerting.is_some_and(|a| disabled(&a.page_alert)) {
            tiers.extend(windows.page.iter().cloned());
        }
        if !alerting.is_some_and(|a| disabled(&a.ticket_alert)) {
            tiers.extend(windows.ticket.iter().cloned());
        }
        if let Some(a) = alerting {
            if let Some(what) = alert_extras(a) {
                let msg = format!("SLO `{}`: Sloth's alert {what} are not carried over: Baton names and labels its own alerts (severity page or ticket, with the SLO and service); route them by those", s.name.as_str());
                out.diagnostics.push(doc.at(a).warning(msg));
            }
        }
        let slo = SloOut {
            id: format!("{service}-{}", s.name.as_str()),
            display_name: None,
            description: s.description.clone(),
            labels: labels_of([d.labels.as_ref(), s.labels.as_ref()]),
            service: service.to_owned(),
            ratio,
            window: windows.period,
            target,
            tiers,
        };
        writer.add(file.clone(), &doc.file, slo, owner.as_deref(), None, &at, out);
    }
}

/// What of Sloth's alerting is not carried over, as a phrase: `name `X`, labels (a, b)`.
fn alert_extras(a: &AlertingDoc) -> Option<String> {
    let mut labels = BTreeSet::new();
    let mut annotations = BTreeSet::new();
    let alerts = [a.page_alert.as_ref(), a.ticket_alert.as_ref()];
    for l in [a.labels.as_ref()].into_iter().chain(alerts.iter().map(|x| x.and_then(|x| x.labels.as_ref()))).flatten() {
        labels.extend(l.keys().cloned());
    }
    for l in [a.annotations.as_ref()]
        .into_iter()
        .chain(alerts.iter().map(|x| x.and_then(|x| x.annotations.as_ref())))
        .flatten()
    {
        annotations.extend(l.keys().cloned());
    }
    let mut parts = Vec::new();
    if let Some(n) = &a.name {
        parts.push(format!("name `{}`", n.as_str()));
    }
    let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
    if !labels.is_empty() {
        parts.push(format!("labels ({})", list(&labels)));
    }
    if !annotations.is_empty() {
        parts.push(format!("annotations ({})", list(&annotations)));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// An OpenSLO `v1alpha` SLO, as Sloth reads it.
fn alpha(doc: &Document, windows: &Windows, writer: &mut Writer, out: &mut Imported) {
    let d = match doc.parse::<AlphaDoc>() {
        Ok(d) => d,
        Err(e) => {
            out.diagnostics.push(e);
            return;
        }
    };
    let spec = &d.spec;
    let name = d.metadata.name.as_str();
    let service = spec.service.as_str();
    let at_name = doc.at(&d.metadata.name);
    let left_out = |at: &Place, why: String| at.warning(format!("SLO `{name}` left out: {why}"));
    if let Some(m) = spec.budgeting_method.as_ref().filter(|m| m.as_str() != "Occurrences") {
        let msg = format!(
            "budgetingMethod `{}`: Sloth reads OpenSLO SLOs as Occurrences (bad events over all events) only",
            m.as_str()
        );
        out.diagnostics.push(left_out(&doc.at(m), msg));
        return;
    }
    let window = match spec.time_windows.as_ref().map(|w| &w[..]) {
        None => windows.period,
        Some([w]) => {
            let factor = match w.unit.as_str().to_ascii_lowercase().as_str() {
                "second" => Some(1),
                "minute" => Some(60),
                "hour" => Some(3_600),
                "day" => Some(86_400),
                "week" => Some(604_800),
                _ => None,
            };
            let secs = w.count.as_str().parse::<i64>().ok().zip(factor).map(|(n, f)| n * f);
            let rolling = w.is_rolling.as_ref().is_none_or(|r| **r);
            match secs.filter(|s| *s > 0 && s % 60 == 0 && rolling) {
                Some(s) => Period::minutes(s / 60),
                None => {
                    let msg = format!("its time window of {} {} is not a rolling window of whole minutes (Baton imports Second, Minute, Hour, Day and Week counts)", w.count.as_str(), w.unit.as_str());
                    out.diagnostics.push(left_out(&doc.at(&w.unit), msg));
                    return;
                }
            }
        }
        Some(_) => {
            let tw = spec.time_windows.as_ref().expect("matched");
            out.diagnostics.push(left_out(&doc.at(tw), "it has several time windows; an SLO has one".to_owned()));
            return;
        }
    };
    let file = PathBuf::from(format!("slos/{service}.yaml"));
    for (i, o) in spec.objectives.iter().enumerate() {
        let at = doc.at(o);
        let id = format!("{service}-{name}-{i}");
        let left = |why: String| at.warning(format!("SLO `{id}` (objective {i} of `{name}`) left out: {why}"));
        if o.threshold_metric.is_some() || o.time_slice_target.is_some() {
            out.diagnostics
                .push(left("Sloth reads only `ratioMetrics` objectives (bad events over all events)".to_owned()));
            continue;
        }
        let Some(r) = &o.ratio_metrics else {
            out.diagnostics.push(left("it has no `ratioMetrics`, the only objectives Sloth reads".to_owned()));
            continue;
        };
        if let Some(inc) = r.incremental.as_ref().filter(|i| !***i) {
            out.diagnostics.push(doc.at(inc).warning(format!(
                "SLO `{id}` left out: `incremental: false` metrics are not counters, which Baton's ratios read"
            )));
            continue;
        }
        let converted = match (&r.good, &r.bad) {
            (Some(g), None) => sloth_counter(g.query.as_str(), "good query").map(|s| (s, false)),
            (None, Some(b)) => sloth_counter(b.query.as_str(), "bad query").map(|s| (s, true)),
            _ => Err("`ratioMetrics` needs `good` (or `bad`) and `total`".to_owned()),
        };
        let total = sloth_counter(r.total.query.as_str(), "total query");
        let ratio = match (converted, total) {
            (Ok((numerator, counts_bad)), Ok(total)) => Ratio { numerator, counts_bad, total },
            (Err(why), _) | (_, Err(why)) => {
                out.diagnostics.push(left(why));
                continue;
            }
        };
        let target = o.target.as_ref().and_then(|t| Objective::parse(t.as_str()).ok().map(|_| t.as_str().to_owned()));
        let Some(target) = target else {
            out.diagnostics.push(left(
                "its `target` is not a ratio strictly between 0 and 1 with at most 9 decimals, like 0.999".to_owned(),
            ));
            continue;
        };
        let slo = SloOut {
            id,
            display_name: o.display_name.clone().or_else(|| d.metadata.display_name.clone()),
            description: spec.description.clone(),
            labels: BTreeMap::new(),
            service: service.to_owned(),
            ratio,
            window,
            target,
            // Sloth raises no alerts for OpenSLO SLOs.
            tiers: Vec::new(),
        };
        writer.add(file.clone(), &doc.file, slo, None, None, if i == 0 { &at_name } else { &at }, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_read_from_sums_of_rates_over_the_window() {
        let q = |s: &str| sloth_counter(s, "q");
        assert_eq!(
            q(r#"sum(rate(http_requests_total{job="a",code=~"(5..|429)"}[{{.window}}]))"#).unwrap(),
            r#"http_requests_total{code=~"(5..|429)",job="a"}"#
        );
        assert_eq!(q("sum(increase(x[{{.window}}]))").unwrap(), "x");
        assert_eq!(q("rate(x{a=\"b\"}[{{ .window }}])").unwrap(), "x{a=\"b\"}");
        assert_eq!(q("(sum(\n  rate(x[{{.window}}])\n))").unwrap(), "x");
        assert_eq!(q("sum by () (rate(x[{{.window}}]))").unwrap(), "x");
        for bad in [
            "sum by (code) (rate(x[{{.window}}]))",
            "sum(rate(x[5m]))",
            "sum(rate(x[{{.window}}] offset 1h))",
            "sum(irate(x[{{.window}}]))",
            "max(rate(x[{{.window}}]))",
            "vector(1)[{{.window}}]",
            "sum(rate(x[{{.window}}])) or on() vector(0)",
        ] {
            let e = q(bad).unwrap_err();
            assert!(e.contains("cannot be carried over") || e.contains("does not parse"), "{bad}: {e}");
        }
    }

    #[test]
    fn total_minus_good_is_good_over_total() {
        let r = sloth_ratio(
            "(sum(rate(d_count{v!=\"W\"}[{{.window}}])) - sum(rate(d_bucket{le=\"0.4\",v!=\"W\"}[{{.window}}])))",
            "sum(rate(d_count{v!=\"W\"}[{{.window}}]))",
        )
        .unwrap();
        assert_eq!(
            (r.numerator.as_str(), r.counts_bad, r.total.as_str()),
            ("d_bucket{le=\"0.4\",v!=\"W\"}", false, "d_count{v!=\"W\"}")
        );
        assert!(
            sloth_ratio("sum(rate(a[{{.window}}])) - sum(rate(b[{{.window}}]))", "sum(rate(c[{{.window}}]))").is_err()
        );
    }

    #[test]
    fn numbers_stay_exact() {
        assert_eq!(percent_to_ratio("99.9").as_deref(), Some("0.999"));
        assert_eq!(percent_to_ratio("95").as_deref(), Some("0.95"));
        assert_eq!(percent_to_ratio("99.0").as_deref(), Some("0.99"));
        assert_eq!(percent_to_ratio("5").as_deref(), Some("0.05"));
        assert_eq!(percent_to_ratio("100"), None);
        assert_eq!(percent_to_ratio("0"), None);
        assert_eq!(ratio_text(8 * 7 * 24, 100), "13.44");
        assert_eq!(ratio_text(42 * 7, 100 * 3), "0.98");
        assert_eq!(ratio_text(10 * 7, 100 * 3), "0.233333333");
        assert_eq!(prom_duration_ms("1h30m"), Some(5_400_000));
        assert_eq!(period("4w").map(|p| p.to_string()).as_deref(), Some("28d"));
        assert_eq!(period("90s"), None);
    }
}
