//! An SLO as the rest of Baton sees it: what is promised for which service, over which
//! window, counted how, read from where, and which alert tiers watch it.
//!
//! `config` builds these from OpenSLO v1 documents in `slos/`; the store keeps them like
//! every other definition; the engine evaluates them with the maths of this module.

use super::alert_policy::SloAlerting;
use super::budget::{BudgetingMethod, Tally};
use super::lifecycle::{effective_objective, Lifecycle, ObjectivePart};
use super::objective::Objective;
use super::tier::{alert_tiers, AlertTier, TierError, TierSpec};
use super::window::{SloWindow, Window};
use crate::{Link, ServiceId, SloId};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SloDef {
    pub id: SloId,
    pub service: ServiceId,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub objective: Objective,
    pub window: SloWindow,
    pub method: BudgetingMethod,
    pub indicator: Indicator,
    /// The alert tiers watching this SLO, as written (scaled by [`SloDef::alert_tiers`]).
    pub tiers: Vec<TierSpec>,
    /// A tier window with fewer events than this cannot fire (0: no minimum).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))] // always written; `default` is for reading
    pub min_events: u64,
    /// Phase, aspiration and the objective's history (`baton.dev/` annotations). Left out
    /// of the stored JSON when it is the default, so older definitions read the same.
    #[serde(default, skip_serializing_if = "Lifecycle::is_default")]
    pub lifecycle: Lifecycle,
    /// Who raises its alerts and which notification targets hear of them.
    #[serde(default, skip_serializing_if = "SloAlerting::is_default")]
    pub alerting: SloAlerting,
}

impl SloDef {
    /// The SLO with its notification targets' channels redacted (`Channel::redacted`).
    pub fn redacted(&self) -> SloDef {
        let mut shown = self.clone();
        for t in &mut shown.alerting.targets {
            t.channel = t.channel.redacted();
        }
        shown
    }

    /// Aspirational SLOs are reported but never page, and never decide the viability
    /// verdict or a gate: callers that judge a service skip them.
    pub fn is_aspirational(&self) -> bool {
        self.lifecycle.aspirational
    }

    /// The objective in force at `t` (see [`Lifecycle::objective_at`]).
    pub fn objective_at(&self, t: jiff::Timestamp) -> Objective {
        self.lifecycle.objective_at(t, self.objective)
    }

    /// `window` cut at each change of objective inside it, each part with its objective.
    pub fn objective_parts(&self, window: Window) -> Vec<(Window, Objective)> {
        self.lifecycle.parts(window, self.objective)
    }

    /// The objective `window` is judged against, and its parts, each tallied by `tally_of`
    /// against the objective in force in it (see the `lifecycle` module for why).
    pub fn objective_over(
        &self,
        window: Window,
        mut tally_of: impl FnMut(Window) -> Tally,
    ) -> (Objective, Vec<ObjectivePart>) {
        let parts: Vec<ObjectivePart> = self
            .objective_parts(window)
            .into_iter()
            .map(|(w, objective)| ObjectivePart::new(w, objective, tally_of(w)))
            .collect();
        let last = parts.last().map_or(self.objective, |p| p.objective);
        (effective_objective(&parts, last), parts)
    }

    /// The tiers scaled to this SLO's window (its nominal length for calendar windows).
    pub fn alert_tiers(&self) -> Result<Vec<AlertTier>, TierError> {
        alert_tiers(&self.tiers, self.window.nominal_length())
    }
}

/// Where an SLO's per-minute good and total counts come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Indicator {
    /// Samples (good and total events per minute) are posted to Baton and kept in its
    /// own store. OpenSLO: a `ratioMetric` whose metric sources have `type: Baton`.
    BuiltIn,
    /// Two PromQL expressions over counters; a minute's counts are their increase over
    /// that minute. OpenSLO: a `ratioMetric` with `counter: true`.
    PrometheusRatio {
        source: PromSource,
        /// The counter of good events; of bad events when `counts_bad` is set.
        good: String,
        /// The counter of all events.
        total: String,
        /// Set for an OpenSLO `bad`/`total` SLI: `good` then counts bad events, and a
        /// minute's good count is `total − bad` (see [`Indicator::good_count`]).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        counts_bad: bool,
    },
    /// A PromQL expression with one value per minute; a minute is good when the value
    /// meets the bound (`value op bound`), so it is only judged with `Timeslices`
    /// budgeting. OpenSLO: a `thresholdMetric`, with `op` and `value` on the objective.
    PrometheusThreshold { source: PromSource, query: String, op: ThresholdOp, value: f64 },
    /// A composite SLO (OpenSLO objectives that each have their own indicator and a
    /// `compositeWeight`): its minutes are its parts' minutes combined (see
    /// [`super::composite`]).
    Composite { parts: Vec<CompositePart> },
    /// A source Baton does not read: an OpenSLO metric source of another type (Datadog,
    /// CloudWatch, `Any`), a DataSource not defined in `slos/`, a precomputed ratio, a
    /// window Baton cannot evaluate. Accepted, so files written for other tools load, and
    /// reported as no data for `reason`: never as met, never paging.
    Unread { reason: String },
}

/// One objective of a composite SLO: what it reads, its weight and its own objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompositePart {
    /// The objective's `displayName`, or its place (`objective 2`).
    pub name: String,
    /// `compositeWeight`: above 0, 1 when not given.
    pub weight: f64,
    pub objective: Objective,
    /// Never itself a composite; `no_recursion` keeps the OpenAPI schema from walking the
    /// type's own definition forever.
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub indicator: Indicator,
}

impl Indicator {
    /// The Prometheus data source the indicator reads, if any.
    pub fn prometheus(&self) -> Option<&PromSource> {
        match self {
            Indicator::BuiltIn | Indicator::Unread { .. } => None,
            Indicator::PrometheusRatio { source, .. } | Indicator::PrometheusThreshold { source, .. } => Some(source),
            Indicator::Composite { parts } => parts.iter().find_map(|p| p.indicator.prometheus()),
        }
    }

    /// Why Baton reads nothing for this indicator, if it does not.
    pub fn unread(&self) -> Option<&str> {
        match self {
            Indicator::Unread { reason } => Some(reason),
            _ => None,
        }
    }

    /// A minute's good count from what the numerator query returned and the total, for
    /// ratio indicators: the numerator itself, or `total − bad` for `bad`/`total` SLIs
    /// (saturating, so a bad count ahead of its total never yields more good than total).
    pub fn good_count(&self, numerator: u64, total: u64) -> u64 {
        match self {
            Indicator::PrometheusRatio { counts_bad: true, .. } => total.saturating_sub(numerator),
            _ => numerator.min(total),
        }
    }

    /// Whether the indicator only makes sense judged minute by minute.
    pub fn needs_timeslices(&self) -> bool {
        matches!(self, Indicator::PrometheusThreshold { .. })
    }
}

/// A Prometheus server, from an OpenSLO `DataSource` of `type: Prometheus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromSource {
    /// The DataSource's `metadata.name`.
    pub name: String,
    /// `spec.connectionDetails.url`: the server's base URL, like `http://127.0.0.1:9090`.
    pub url: Link,
}

/// How a threshold SLI's value is compared with its bound: `value op bound`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ThresholdOp {
    Lt,
    Lte,
    Gt,
    Gte,
}

impl ThresholdOp {
    pub const ALL: [&'static str; 4] = ["lt", "lte", "gt", "gte"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "lt" => Some(ThresholdOp::Lt),
            "lte" => Some(ThresholdOp::Lte),
            "gt" => Some(ThresholdOp::Gt),
            "gte" => Some(ThresholdOp::Gte),
            _ => None,
        }
    }

    /// Whether `value` meets `bound`. NaN meets nothing: a minute without a number is not
    /// good.
    pub fn meets(self, value: f64, bound: f64) -> bool {
        match self {
            ThresholdOp::Lt => value < bound,
            ThresholdOp::Lte => value <= bound,
            ThresholdOp::Gt => value > bound,
            ThresholdOp::Gte => value >= bound,
        }
    }
}

impl fmt::Display for ThresholdOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ThresholdOp::Lt => "<",
            ThresholdOp::Lte => "<=",
            ThresholdOp::Gt => ">",
            ThresholdOp::Gte => ">=",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::default_tier_specs;
    use crate::Period;

    fn slo(indicator: Indicator) -> SloDef {
        SloDef {
            id: SloId::parse("api-availability").unwrap(),
            service: ServiceId::parse("api").unwrap(),
            display_name: None,
            description: None,
            objective: Objective::parse("0.999").unwrap(),
            window: SloWindow::Rolling { length: Period::days(28) },
            method: BudgetingMethod::Occurrences,
            indicator,
            tiers: default_tier_specs().to_vec(),
            min_events: 0,
            lifecycle: Default::default(),
            alerting: Default::default(),
        }
    }

    #[test]
    fn thresholds_compare_value_to_bound_and_nan_meets_nothing() {
        assert!(ThresholdOp::Lt.meets(0.2, 0.3) && !ThresholdOp::Lt.meets(0.3, 0.3));
        assert!(ThresholdOp::Lte.meets(0.3, 0.3) && ThresholdOp::Gte.meets(0.3, 0.3));
        assert!(ThresholdOp::Gt.meets(5.0, 1.0) && !ThresholdOp::Gt.meets(1.0, 1.0));
        for op in ThresholdOp::ALL.map(|s| ThresholdOp::parse(s).unwrap()) {
            assert!(!op.meets(f64::NAN, 1.0), "{op}");
        }
    }

    #[test]
    fn bad_over_total_counts_good_as_total_minus_bad() {
        let source = PromSource { name: "prom".into(), url: Link::parse("http://127.0.0.1:9090").unwrap() };
        let ratio = |counts_bad| Indicator::PrometheusRatio {
            source: source.clone(),
            good: "sum(x)".into(),
            total: "sum(y)".into(),
            counts_bad,
        };
        assert_eq!(ratio(false).good_count(990, 1000), 990);
        assert_eq!(ratio(true).good_count(10, 1000), 990);
        assert_eq!(ratio(true).good_count(1001, 1000), 0);
        assert_eq!(Indicator::BuiltIn.good_count(7, 5), 5);
        assert_eq!(ratio(true).prometheus(), Some(&source));
        assert!(!ratio(true).needs_timeslices());
    }

    #[test]
    fn tiers_scale_to_the_slo_window() {
        let tiers = slo(Indicator::BuiltIn).alert_tiers().unwrap();
        assert_eq!(tiers.iter().map(|t| t.threshold).collect::<Vec<_>>(), [13.44, 5.6, 2.8, 14.0 / 15.0]);
        let short = SloDef { window: SloWindow::Rolling { length: Period::days(2) }, ..slo(Indicator::BuiltIn) };
        assert!(matches!(short.alert_tiers(), Err(TierError::LongerThanSloWindow { .. })));
    }
}
