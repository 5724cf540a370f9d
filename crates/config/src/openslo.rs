//! The OpenSLO v1 documents of `slos/`, as written in YAML.
//!
//! Only what Baton acts on is accepted: every other key is refused with the list of keys
//! allowed, like the rest of the definition repo. Values that later checks must point at
//! are `Spanned`.

use crate::docs::S;
use marked_yaml::Spanned;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The only `apiVersion` this version of Baton reads.
pub(crate) const API_VERSION: &str = "openslo/v1";

/// The kinds a document in `slos/` may be.
pub(crate) const KINDS: [&str; 7] =
    ["SLO", "SLI", "DataSource", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "Service"];

/// A whole document: `apiVersion`, `kind`, `metadata` and the kind's `spec`.
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "an OpenSLO document: apiVersion, kind, metadata and spec"
)]
pub(crate) struct TopDoc<T> {
    /// Checked before the document is parsed (`Document::scalar`).
    #[allow(dead_code)]
    pub api_version: S,
    #[allow(dead_code)]
    pub kind: S,
    pub metadata: MetadataDoc,
    pub spec: T,
}

/// An object written inline in another (an SLO's `indicator`, a policy's condition):
/// `apiVersion` and `kind` may be left out, and are checked when given.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object written inline: its metadata and spec")]
pub(crate) struct InlineDoc<T> {
    pub api_version: Option<S>,
    pub kind: Option<S>,
    /// Names an inline object for people; nothing refers to it.
    #[allow(dead_code)]
    pub metadata: Option<MetadataDoc>,
    pub spec: T,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "metadata: a name, and optionally displayName, labels and annotations"
)]
pub(crate) struct MetadataDoc {
    pub name: S,
    pub display_name: Option<String>,
    /// Accepted for people and other tools; Baton does not read labels.
    #[allow(dead_code)]
    pub labels: Option<BTreeMap<String, LabelValue>>,
    /// `baton.dev/...` annotations are Baton's own; others are accepted and ignored.
    pub annotations: Option<BTreeMap<String, S>>,
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a label value: a string or a list of strings")]
pub(crate) enum LabelValue {
    #[allow(dead_code)]
    One(String),
    #[allow(dead_code)]
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an SLO's spec")]
pub(crate) struct SloSpecDoc {
    pub description: Option<String>,
    pub service: S,
    pub indicator: Option<Spanned<InlineDoc<SliSpecDoc>>>,
    pub indicator_ref: Option<S>,
    pub time_window: Option<Spanned<Vec<Spanned<TimeWindowDoc>>>>,
    pub budgeting_method: S,
    pub objectives: Spanned<Vec<Spanned<ObjectiveDoc>>>,
    pub alert_policies: Option<Vec<Spanned<AlertPolicyItemDoc>>>,
}

/// An OpenSLO `Service`: declares a service by name. Baton's services are defined in
/// `services/`; a Service document names one of them, or, with the `baton.dev/owner`
/// annotation, defines it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a Service's spec: an optional description")]
pub(crate) struct ServiceSpecDoc {
    pub description: Option<String>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a time window: duration, and isRolling or calendar"
)]
pub(crate) struct TimeWindowDoc {
    pub duration: S,
    pub is_rolling: Option<Spanned<bool>>,
    pub calendar: Option<Spanned<CalendarDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct CalendarDoc {
    pub start_time: Option<S>,
    pub time_zone: Option<S>,
}

/// Numbers are read as their text, so `0.999` is exactly 0.999 and not the float
/// nearest to it.
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "an objective: target or targetPercent, and what the budgeting method needs"
)]
pub(crate) struct ObjectiveDoc {
    pub display_name: Option<String>,
    pub op: Option<S>,
    pub value: Option<Spanned<f64>>,
    pub target: Option<S>,
    pub target_percent: Option<S>,
    pub time_slice_target: Option<S>,
    pub time_slice_window: Option<S>,
    /// A composite SLO's objectives each have their own indicator, and a weight.
    pub indicator: Option<Spanned<InlineDoc<SliSpecDoc>>>,
    pub indicator_ref: Option<S>,
    pub composite_weight: Option<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an SLI's spec: ratioMetric or thresholdMetric")]
pub(crate) struct SliSpecDoc {
    #[allow(dead_code)]
    pub description: Option<String>,
    pub threshold_metric: Option<Spanned<MetricDoc>>,
    pub ratio_metric: Option<Spanned<RatioDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a ratioMetric: good (or bad) and total, or raw")]
pub(crate) struct RatioDoc {
    pub counter: Option<Spanned<bool>>,
    pub good: Option<Spanned<MetricDoc>>,
    pub bad: Option<Spanned<MetricDoc>>,
    pub total: Option<Spanned<MetricDoc>>,
    /// Refused with the reason: precomputed ratios cannot be added up into counts.
    pub raw: Option<Spanned<MetricDoc>>,
    pub raw_type: Option<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a metric: its metricSource")]
pub(crate) struct MetricDoc {
    pub metric_source: Spanned<MetricSourceDoc>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a metricSource: metricSourceRef and/or type, and its spec"
)]
pub(crate) struct MetricSourceDoc {
    pub metric_source_ref: Option<S>,
    #[serde(rename = "type")]
    pub kind: Option<S>,
    pub spec: Option<Spanned<QueryDoc>>,
}

/// A metric source's `spec`: the spec lets each source type choose its keys, so only
/// `query` is read (for Prometheus) and the rest is accepted as written.
#[derive(Deserialize)]
#[serde(expecting = "a metric source's spec: a mapping, like `query: ...` for Prometheus")]
pub(crate) struct QueryDoc {
    pub query: Option<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "a DataSource's spec: type and connectionDetails")]
pub(crate) struct DataSourceSpecDoc {
    #[allow(dead_code)]
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: S,
    /// A mapping, or a list of one-key mappings (the spec's examples write both), with
    /// keys of the source type's choosing: Baton reads Prometheus's `url` by walking the
    /// document (`Document::connection_url`), so any shape is accepted here.
    #[allow(dead_code)]
    pub connection_details: Option<serde::de::IgnoredAny>,
}

/// One entry of an SLO's `alertPolicies`: a reference by name, or a policy inline.
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "an alert policy: `alertPolicyRef: NAME`, or a policy inline with `kind: AlertPolicy`, `metadata` and `spec`"
)]
pub(crate) struct AlertPolicyItemDoc {
    pub alert_policy_ref: Option<S>,
    pub api_version: Option<S>,
    pub kind: Option<S>,
    /// Names an inline object for people; nothing refers to it.
    #[allow(dead_code)]
    pub metadata: Option<MetadataDoc>,
    pub spec: Option<AlertPolicySpecDoc>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "an AlertPolicy's spec: conditions and notificationTargets"
)]
pub(crate) struct AlertPolicySpecDoc {
    #[allow(dead_code)]
    pub description: Option<String>,
    pub alert_when_no_data: Option<Spanned<bool>>,
    pub alert_when_resolved: Option<Spanned<bool>>,
    pub alert_when_breaching: Option<Spanned<bool>>,
    pub conditions: Spanned<Vec<Spanned<ConditionItemDoc>>>,
    pub notification_targets: Option<Vec<Spanned<TargetItemDoc>>>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a condition: `conditionRef: NAME`, or a condition inline with `kind: AlertCondition`, `metadata` and `spec`"
)]
pub(crate) struct ConditionItemDoc {
    pub condition_ref: Option<S>,
    pub api_version: Option<S>,
    pub kind: Option<S>,
    /// Names an inline object for people; nothing refers to it.
    #[allow(dead_code)]
    pub metadata: Option<MetadataDoc>,
    pub spec: Option<AlertConditionSpecDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an AlertCondition's spec: severity and condition")]
pub(crate) struct AlertConditionSpecDoc {
    #[allow(dead_code)]
    pub description: Option<String>,
    pub severity: S,
    pub condition: Spanned<ConditionDoc>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a condition: kind, op, threshold, lookbackWindow and alertAfter"
)]
pub(crate) struct ConditionDoc {
    pub kind: Option<S>,
    /// The spec's examples leave it out; a burn-rate condition compares with `gt`.
    pub op: Option<S>,
    pub threshold: S,
    pub lookback_window: S,
    pub alert_after: Option<S>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a notification target: `targetRef: NAME`, or a target inline with `kind: AlertNotificationTarget`, `metadata` and `spec`"
)]
pub(crate) struct TargetItemDoc {
    pub target_ref: Option<S>,
    pub api_version: Option<S>,
    pub kind: Option<S>,
    /// Names an inline object for people; nothing refers to it.
    #[allow(dead_code)]
    pub metadata: Option<MetadataDoc>,
    pub spec: Option<TargetSpecDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an AlertNotificationTarget's spec: target and an optional description")]
pub(crate) struct TargetSpecDoc {
    /// The channel type: `webhook`, `slack` or `pagerduty` for Baton to deliver.
    pub target: S,
    #[allow(dead_code)]
    pub description: Option<String>,
}
