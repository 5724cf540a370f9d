//! `baton import pyrra`: Pyrra `ServiceLevelObjective`s (`pyrra.dev/v1alpha1`) as OpenSLO v1
//! documents for `slos/`, one file `slos/<name>.yaml` per objective.
//!
//! # The service
//!
//! Pyrra has no services: an objective lives in a Kubernetes namespace. Its Baton service
//! is that namespace (`monitoring`, `parca`), or, without one, the objective's own name; a
//! `services/` stub is made for it when the repo lacks it, owned by the team the
//! `pyrra.dev/team` label names when the repo has that team, else by `--owner`. The SLO id
//! is `<service>-<name>` (just the name when it already starts with the service).
//!
//! # The SLI
//!
//! - `ratio`: `errors.metric` → `bad`, `total.metric` → `total`; Pyrra's metrics are
//!   already series selectors of counters, which is what Baton reads.
//! - `latency`: `success.metric` (one `_bucket{le="..."}` series of a classic histogram)
//!   → `good`, `total.metric` (its `_count`) → `total`. Selectors are carried as written:
//!   Prometheus 3 writes `le` as a float (`le="5.0"`), which Pyrra can migrate and Baton
//!   does not.
//! - `latencyNative` (a native histogram read with `histogram_fraction`) and
//!   `bool_gauge` (the share of samples of a 0/1 gauge that are 1) are not counters Baton
//!   can add up per minute. A `thresholdMetric` judged minute by minute would count bad
//!   minutes where Pyrra counts bad requests or bad samples across every series: not the
//!   same objective, so those are left out with a warning saying so.
//! - `grouping`: Pyrra judges each group (each `handler`, each `target`) on its own;
//!   Baton judges one SLO over all its series together. The SLO is imported, and a warning
//!   says the grouping was not carried over.
//!
//! # Windows
//!
//! Pyrra's alert windows scale with `window / 28d`, with fixed factors: 14× over 1h, 7×
//! over 6h (page, Pyrra's `critical`), 2× over 1d, 1× over 4d (ticket, `warning`) for 28d,
//! each long window rounded to the minute. Each becomes an alert policy of that burn-rate
//! threshold over that long window. Pyrra's short windows are 5m, 30m, 2h and 6h (for
//! 28d); Baton's short window is always a twelfth of the long one, so 5m, 30m, 2h and
//! **8h** (and for other windows the twelfth, in whole minutes). Pyrra's `for:` durations
//! and its `absent` alerts are not carried over (Baton has no `for:`; it reports missing
//! data itself). `alerting.disabled: true` or `alerting.burnrates: false` → no tiers.

use super::sloth::{percent_to_ratio, period, prom_duration_ms, Ratio, SloOut, Tier, Writer};
use super::{documents, Imported, Input, Options};
use crate::docs::S;
use crate::document::Document;
use baton_core::Period;
use marked_yaml::Spanned;
use promql_parser::parser::{self, Expr};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SloDoc {
    metadata: MetaDoc,
    spec: SpecDoc,
}

/// Kubernetes metadata: the rest of it (uid, annotations, ...) is not read.
#[derive(Deserialize)]
struct MetaDoc {
    name: S,
    namespace: Option<S>,
    labels: Option<BTreeMap<String, S>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SpecDoc {
    description: Option<String>,
    target: S,
    window: S,
    indicator: Spanned<IndicatorDoc>,
    alerting: Option<Spanned<AlertingDoc>>,
    #[allow(dead_code)]
    partial_response_strategy: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorDoc {
    ratio: Option<Spanned<RatioDoc>>,
    latency: Option<Spanned<LatencyDoc>>,
    #[serde(rename = "latencyNative", alias = "latency_native")]
    latency_native: Option<Spanned<NativeDoc>>,
    #[serde(alias = "boolGauge")]
    bool_gauge: Option<Spanned<BoolGaugeDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetricDoc {
    metric: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RatioDoc {
    errors: Spanned<MetricDoc>,
    total: Spanned<MetricDoc>,
    grouping: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LatencyDoc {
    success: Spanned<MetricDoc>,
    total: Spanned<MetricDoc>,
    grouping: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeDoc {
    latency: S,
    total: Spanned<MetricDoc>,
    /// The SLO is left out whatever its grouping.
    #[allow(dead_code)]
    grouping: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BoolGaugeDoc {
    metric: S,
    /// The SLO is left out whatever its grouping.
    #[allow(dead_code)]
    grouping: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertingDoc {
    disabled: Option<Spanned<bool>>,
    burnrates: Option<Spanned<bool>>,
    #[allow(dead_code)]
    absent: Option<Spanned<bool>>,
    name: Option<S>,
}

const API_VERSION: &str = "pyrra.dev/v1alpha1";

const NOTE: &str = "Baton's short alert window is a twelfth of the long one (8h for Pyrra's 4d window of 28d, where\nPyrra uses 6h); Pyrra's `for:` durations and absent-metric alerts are not carried over.";

/// Pyrra's windows for 28d, as divisors of the SLO window, with their factors.
const WINDOWS: [(&str, i64, &str); 4] =
    [("page", 28 * 24, "14"), ("page", 28 * 4, "7"), ("ticket", 28, "2"), ("ticket", 7, "1")];

/// Pyrra's alert tiers for an SLO window of `window_ms`: each long window rounded to the
/// minute as Go's `Duration.Round` does (halves away from zero).
pub(crate) fn tiers(window_ms: u64) -> Vec<Tier> {
    WINDOWS
        .iter()
        .map(|(severity, divisor, factor)| {
            let ms = window_ms / *divisor as u64;
            let minutes = (ms + 30_000) / 60_000;
            Tier { severity, threshold: (*factor).to_owned(), lookback: Period::minutes(minutes as i64) }
        })
        .collect()
}

pub(crate) fn import(inputs: &[Input], options: &Options, out: &mut Imported) {
    let mut writer = Writer::new(options);
    for doc in documents(inputs, out) {
        match (doc.scalar("apiVersion"), doc.kind()) {
            (Some(api), Some(kind)) if api.as_str() == API_VERSION && kind.as_str() == "ServiceLevelObjective" => {
                objective(&doc, &mut writer, out)
            }
            (Some(api), _) if api.as_str() != API_VERSION => {
                let msg = format!(
                    "apiVersion `{}` is not Pyrra's: Baton imports `{API_VERSION}` ServiceLevelObjectives",
                    api.as_str()
                );
                out.diagnostics.push(doc.at(&api).error(msg));
            }
            (_, Some(kind)) => {
                let msg =
                    format!("kind `{}` is not imported: Baton imports Pyrra's ServiceLevelObjectives", kind.as_str());
                out.diagnostics.push(doc.at(&kind).error(msg));
            }
            _ => out.diagnostics.push(doc.start().error(format!(
                "not a Pyrra objective: one starts with `apiVersion: {API_VERSION}` and `kind: ServiceLevelObjective`"
            ))),
        }
    }
    writer.finish("pyrra", NOTE, out);
}

/// A Pyrra metric as the series selector Baton reads, or why it is not one.
fn selector(m: &S) -> Result<String, String> {
    match parser::parse(m.as_str()) {
        Ok(Expr::VectorSelector(vs)) if vs.offset.is_none() && vs.at.is_none() => Ok(m.as_str().trim().to_owned()),
        Ok(_) => Err(format!("`{}` is not a plain series selector of a counter, which Baton reads", m.as_str())),
        Err(e) => Err(format!("`{}` does not parse as PromQL: {e}", m.as_str())),
    }
}

fn objective(doc: &Document, writer: &mut Writer, out: &mut Imported) {
    let d = match doc.parse::<SloDoc>() {
        Ok(d) => d,
        Err(e) => {
            out.diagnostics.push(e);
            return;
        }
    };
    let name = d.metadata.name.as_str();
    let at = doc.at(&d.metadata.name);
    let left_out =
        |place: &crate::diagnostic::Place, why: String| place.warning(format!("SLO `{name}` left out: {why}"));
    let spec = &d.spec;
    let ind = &spec.indicator;
    let kinds = [ind.ratio.is_some(), ind.latency.is_some(), ind.latency_native.is_some(), ind.bool_gauge.is_some()];
    if kinds.iter().filter(|k| **k).count() != 1 {
        let msg = "its indicator must be exactly one of ratio, latency, latencyNative or bool_gauge".to_owned();
        out.diagnostics.push(left_out(&doc.at(ind), msg));
        return;
    }
    let (ratio, grouping) = if let Some(r) = &ind.ratio {
        let ratio = selector(&r.errors.metric)
            .and_then(|bad| Ok(Ratio { numerator: bad, counts_bad: true, total: selector(&r.total.metric)? }));
        (ratio, r.grouping.as_ref())
    } else if let Some(l) = &ind.latency {
        let ratio = selector(&l.success.metric).and_then(|good| {
            let has_le = parser::parse(&good).ok().is_some_and(|e| match e {
                Expr::VectorSelector(vs) => vs.matchers.matchers.iter().any(|m| m.name == "le" && m.op.to_string() == "="),
                _ => false,
            });
            if !has_le {
                return Err(format!("the success metric `{good}` has no `le=\"...\"` matcher: it must be the one histogram bucket of the fast requests"));
            }
            Ok(Ratio { numerator: good, counts_bad: false, total: selector(&l.total.metric)? })
        });
        (ratio, l.grouping.as_ref())
    } else if let Some(n) = &ind.latency_native {
        let msg = format!("its SLI reads the native histogram `{}` with histogram_fraction (requests faster than {}): Baton's ratio SLIs are counter selectors added up per minute, and a native histogram has no counter series of the fast requests; a thresholdMetric would judge minutes, not requests, which is another objective", n.total.metric.as_str(), n.latency.as_str());
        out.diagnostics.push(left_out(&doc.at(n), msg));
        return;
    } else {
        let g = ind.bool_gauge.as_ref().expect("one kind");
        let msg = format!("its SLI is the share of samples of the 0/1 gauge `{}` that are 1 (across all its series): Baton's ratio SLIs are counters added up per minute, and a thresholdMetric judges one value per minute, so bad samples of some series would count as whole bad minutes: not the same objective. A thresholdMetric such as `min({})` with `op: gte`, `value: 1` and Timeslices budgeting is the nearest, if bad minutes are what you mean", g.metric.as_str(), g.metric.as_str());
        out.diagnostics.push(left_out(&doc.at(g), msg));
        return;
    };
    let ratio = match ratio {
        Ok(r) => r,
        Err(why) => {
            out.diagnostics.push(left_out(&doc.at(ind), why));
            return;
        }
    };
    let Some(target) = percent_to_ratio(spec.target.as_str()) else {
        let msg = format!(
            "target `{}` is not a percentage strictly between 0 and 100 with at most 7 decimals, like \"99.5\"",
            spec.target.as_str()
        );
        out.diagnostics.push(left_out(&doc.at(&spec.target), msg));
        return;
    };
    let window_ms = prom_duration_ms(spec.window.as_str());
    let (Some(window), Some(window_ms)) = (period(spec.window.as_str()), window_ms) else {
        let msg = format!("window `{}` is not a duration of whole minutes, like 28d or 2w", spec.window.as_str());
        out.diagnostics.push(left_out(&doc.at(&spec.window), msg));
        return;
    };
    let mut tiers = tiers(window_ms);
    if let Some(short) = tiers.iter().find(|t| t.lookback.as_seconds() < 12 * 60) {
        let msg = format!("Pyrra's shortest long window for a {window} objective is {}, and Baton's short window (a twelfth of the long one) would be under a minute: use a window of at least 6d", short.lookback);
        out.diagnostics.push(left_out(&doc.at(&spec.window), msg));
        return;
    }
    if let Some(a) = &spec.alerting {
        let off = a.disabled.as_ref().is_some_and(|d| **d) || a.burnrates.as_ref().is_some_and(|b| !**b);
        if off {
            tiers.clear();
        }
        if let Some(n) = &a.name {
            let msg = format!(
                "SLO `{name}`: the alert name `{}` is not carried over: Baton names its own alerts",
                n.as_str()
            );
            out.diagnostics.push(doc.at(n).warning(msg));
        }
    }
    if let Some(g) = grouping.filter(|g| !g.is_empty()) {
        let msg = format!("SLO `{name}`: grouping by {} is not carried over: Pyrra judges each group on its own, Baton judges the SLO over all its series together", g.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", "));
        out.diagnostics.push(doc.at(g).warning(msg));
    }
    let namespace = d.metadata.namespace.as_ref().map(|n| n.as_str().to_owned());
    let service = namespace.clone().unwrap_or_else(|| name.to_owned());
    let id = if name == service || name.starts_with(&format!("{service}-")) {
        name.to_owned()
    } else {
        format!("{service}-{name}")
    };
    let labels = d.metadata.labels.as_ref();
    let owner = labels.and_then(|l| l.get("pyrra.dev/team")).map(|t| t.as_str().to_owned());
    let description = namespace.map(|n| format!("The Kubernetes namespace `{n}` of the imported Pyrra objectives."));
    let slo = SloOut {
        id,
        display_name: None,
        description: spec.description.clone(),
        labels: labels.into_iter().flatten().map(|(k, v)| (k.clone(), v.as_str().to_owned())).collect(),
        service,
        ratio,
        window,
        target,
        tiers,
    };
    let mut file = PathBuf::from(format!("slos/{name}.yaml"));
    if writer.holds(&file) || name == super::PROMETHEUS {
        file = PathBuf::from(format!("slos/{}.yaml", slo.id));
    }
    writer.add(file, &doc.file, slo, owner.as_deref(), description.as_deref(), &at, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_scale_with_the_objective_window() {
        let show = |w: &str| {
            tiers(prom_duration_ms(w).unwrap())
                .iter()
                .map(|t| format!("{} {}x{}", t.severity, t.threshold, t.lookback))
                .collect::<Vec<_>>()
                .join(", ")
        };
        assert_eq!(show("4w"), "page 14x1h, page 7x6h, ticket 2x1d, ticket 1x4d");
        assert_eq!(show("2w"), "page 14x30m, page 7x3h, ticket 2x12h, ticket 1x2d");
        assert_eq!(show("7d"), "page 14x15m, page 7x90m, ticket 2x6h, ticket 1x1d");
        assert_eq!(show("30d"), "page 14x64m, page 7x386m, ticket 2x1543m, ticket 1x6171m");
    }
}
