//! OpenSLO v1 as the spec and other tools write it: lists of documents, Service documents,
//! composite SLOs, sources Baton does not read; errors in the spec's words, one per
//! mistake, never a knock-on error elsewhere.

use crate::support::{messages, repo};
use baton_config::load;
use baton_core::slo::{Indicator, Objective};
use baton_core::{ServiceId, SloId};

const OWNERS: &str =
    "id: ledger-dev\nname: Ledger developers\nkind: service-owner\nmembers:\n  - id: olu\n    name: Olu Brandt\n";
const ARCHITECTS: &str =
    "id: sre-architects\nname: SRE Architects\nkind: architects\nmembers:\n  - id: ada\n    name: Ada Quill\n";
const PIPELINE: &str = "kind: PipelinePolicy\narchitects_team: sre-architects\n";

fn base<'a>(more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut files = vec![
        ("teams/ledger-dev.yaml", OWNERS),
        ("teams/architects.yaml", ARCHITECTS),
        ("policies/pipeline.yaml", PIPELINE),
    ];
    files.extend_from_slice(more);
    files
}

/// `files` on top of [`base`], loaded: the organisation (a panic listing the diagnostics if
/// there is none) and every diagnostic, written out.
fn accepted(files: &[(&str, &str)]) -> (baton_core::Org, Vec<String>) {
    let dir = repo(&base(files));
    let loaded = load(dir.path());
    let msgs: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    (loaded.org.unwrap_or_else(|| panic!("{msgs:#?}")), msgs)
}

const LEDGER: &str = "id: ledger\nname: Ledger\nowner_team: ledger-dev\n";

const PROM: &str = "apiVersion: openslo/v1\nkind: DataSource\nmetadata:\n  name: prom\nspec:\n  type: Prometheus\n  connectionDetails:\n    - url: http://127.0.0.1:9090\n";

#[test]
fn a_list_of_documents_with_a_service_that_says_its_owner_loads_whole() {
    // As the SDK writes files: one YAML list. The Service defines `ledger` (no services/
    // file), and connectionDetails is the spec's list form.
    let file = r#"- apiVersion: openslo/v1
  kind: Service
  metadata:
    name: ledger
    displayName: Ledger
    annotations:
      baton.dev/owner: ledger-dev
  spec:
    description: Double-entry bookkeeping.
- apiVersion: openslo/v1
  kind: SLO
  metadata:
    name: ledger-availability
  spec:
    service: ledger
    indicator:
      metadata: {name: ledger-requests}
      spec:
        ratioMetric:
          counter: true
          good: {metricSource: {metricSourceRef: prom, type: Prometheus, spec: {query: 'requests_total{code!~"5.."}'}}}
          total: {metricSource: {metricSourceRef: prom, type: Prometheus, spec: {query: requests_total}}}
    budgetingMethod: Occurrences
    objectives:
      - displayName: Good
        op: gt
        target: 0.999
"#;
    let (org, msgs) = accepted(&[("slos/ledger.yaml", file), ("slos/prom.yaml", PROM)]);
    let ledger = &org.services[&ServiceId::parse("ledger").unwrap()];
    assert_eq!((ledger.name.as_str(), ledger.owner_team.as_str()), ("Ledger", "ledger-dev"));
    assert_eq!(ledger.description.as_deref(), Some("Double-entry bookkeeping."));
    let slo = &org.slos[&SloId::parse("ledger-availability").unwrap()];
    assert!(
        matches!(&slo.indicator, Indicator::PrometheusRatio { source, .. } if source.url.as_str().starts_with("http://127.0.0.1:9090")),
        "{:?}",
        slo.indicator
    );
    // `op` on a ratio objective means nothing; said, not refused.
    assert_eq!(msgs, ["slos/ledger.yaml:26:13: warning: `op` compares a thresholdMetric's value: this SLO's SLI is a ratioMetric, so it is not used"]);
}

#[test]
fn a_service_nobody_owns_is_refused_with_what_to_do() {
    let file = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: ledger\nspec: {}\n";
    let msgs = messages(repo(&base(&[("slos/service.yaml", file)])).path());
    assert_eq!(msgs, ["slos/service.yaml:4:9: service `ledger` is not defined in services/, and this Service does not say which team owns it: annotate it `baton.dev/owner: TEAM`, or add services/ledger.yaml (`baton import openslo --owner TEAM` writes one)"]);
}

#[test]
fn one_broken_document_causes_no_second_error_and_names_no_rust_type() {
    let file = r#"apiVersion: openslo/v1
kind: SLI
metadata:
  name: ledger-requests
spec:
  ratioMetric:
    good: {metricSource: {type: Baton}}
    totl: {metricSource: {type: Baton}}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: ledger-availability
spec:
  service: ledger
  indicatorRef: ledger-requests
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
  alertPolicies:
    - fast-burn
"#;
    let service = LEDGER;
    let msgs = messages(repo(&base(&[("services/ledger.yaml", service), ("slos/ledger.yaml", file)])).path());
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    assert!(
        msgs[0]
            .starts_with("slos/ledger.yaml:8:5: unknown key `totl`, expected one of `counter`, `good`, `bad`, `total`"),
        "{msgs:#?}"
    );
    // The SLI failed where it is written; the SLO using it gets no "not defined" error.
    assert!(!msgs.iter().any(|m| m.contains("is not an SLI defined")), "{msgs:#?}");
    // A short form the spec does not have: the message says what is accepted, in its words.
    assert_eq!(msgs[1], "slos/ledger.yaml:20:7: `spec.alertPolicies[0]`: invalid type: string \"fast-burn\", expected an alert policy: `alertPolicyRef: NAME`, or a policy inline with `kind: AlertPolicy`, `metadata` and `spec`");
}

#[test]
fn a_composite_slo_weighs_its_objectives_each_with_its_own_indicator() {
    let file = r#"apiVersion: openslo/v1
kind: SLI
metadata:
  name: ledger-latency
spec:
  thresholdMetric:
    metricSource: {metricSourceRef: prom, spec: {query: 'histogram_quantile(0.99, sum by (le) (rate(latency_bucket[1m])))'}}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: ledger-journey
spec:
  service: ledger
  budgetingMethod: Occurrences
  objectives:
    - displayName: Writes succeed
      target: 0.99
      compositeWeight: 3
      indicator:
        metadata: {name: writes}
        spec:
          ratioMetric:
            good: {metricSource: {metricSourceRef: prom, spec: {query: 'writes_total{code!~"5.."}'}}}
            total: {metricSource: {metricSourceRef: prom, spec: {query: writes_total}}}
    - displayName: Fast enough
      target: 0.95
      op: lte
      value: 0.3
      indicatorRef: ledger-latency
"#;
    let service = LEDGER;
    let dir = repo(&base(&[("services/ledger.yaml", service), ("slos/ledger.yaml", file), ("slos/prom.yaml", PROM)]));
    let loaded = load(dir.path());
    let org = loaded.org.unwrap_or_else(|| panic!("{:#?}", loaded.diagnostics));
    let slo = &org.slos[&SloId::parse("ledger-journey").unwrap()];
    // (3 × 0.99 + 1 × 0.95) / 4
    assert_eq!(slo.objective, Objective::parse("0.98").unwrap());
    let Indicator::Composite { parts } = &slo.indicator else { panic!("{:?}", slo.indicator) };
    assert_eq!(parts.len(), 2);
    assert_eq!((parts[0].name.as_str(), parts[0].weight), ("Writes succeed", 3.0));
    assert!(matches!(parts[0].indicator, Indicator::PrometheusRatio { .. }));
    assert_eq!((parts[1].name.as_str(), parts[1].weight), ("Fast enough", 1.0));
    assert!(matches!(parts[1].indicator, Indicator::PrometheusThreshold { value, .. } if value == 0.3));

    // An objective without its own indicator, a weight of 0, and Baton-posted samples in a
    // composite: each refused where it is written.
    let bad = file
        .replace("      compositeWeight: 3\n", "      compositeWeight: 0\n")
        .replace("      indicatorRef: ledger-latency\n", "");
    let dir = repo(&base(&[("services/ledger.yaml", service), ("slos/ledger.yaml", &bad), ("slos/prom.yaml", PROM)]));
    let msgs = messages(dir.path());
    assert!(
        msgs.iter().any(|m| m.starts_with("slos/ledger.yaml:19:24: compositeWeight `0` is not a number above 0")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter().any(|m| m.starts_with(
            "slos/ledger.yaml:26:7: in a composite SLO every objective has its own `indicator` or `indicatorRef`"
        )),
        "{msgs:#?}"
    );
}

#[test]
fn sources_baton_does_not_read_load_with_a_warning_and_read_as_nothing() {
    let file = r#"apiVersion: openslo/v1
kind: DataSource
metadata:
  name: cloudwatch
spec:
  type: CloudWatch
  connectionDetails:
    accessKeyID: accessKey
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: ledger-availability
spec:
  service: ledger
  indicator:
    metadata: {name: ledger-requests}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {metricSourceRef: cloudwatch, spec: {dimensions: [a]}}}
        total: {metricSource: {metricSourceRef: cloudwatch, spec: {dimensions: [a]}}}
  timeWindow:
    - duration: 1d
      isRolling: false
      calendar: {timeZone: Europe/Dublin}
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
"#;
    let (org, msgs) = accepted(&[("services/ledger.yaml", LEDGER), ("slos/ledger.yaml", file)]);
    assert!(
        msgs.iter().any(|m| m.starts_with("slos/ledger.yaml:6:9: warning: Baton does not read CloudWatch DataSources")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("slos/ledger.yaml:24:17: warning: Baton does not evaluate calendar windows of 1d")),
        "{msgs:#?}"
    );
    let slo = &org.slos[&SloId::parse("ledger-availability").unwrap()];
    // The window is the reason given: the SLI would not be read either way.
    assert_eq!(slo.indicator.unread(), Some("Baton does not evaluate calendar windows of 1d, only 1w, 1M and 1Q"));
}

/// Valid OpenSLO with time slices other than Baton's minute: read as written, with a
/// warning at its place, and reported as no data rather than judged on other slices.
#[test]
fn a_time_slice_window_other_than_a_minute_loads_unread() {
    let file = r#"apiVersion: openslo/v1
kind: SLO
metadata:
  name: ledger-latency
spec:
  service: ledger
  indicator:
    metadata: {name: ledger-requests}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, metricSourceRef: prom, spec: {query: good}}}
        total: {metricSource: {type: Prometheus, metricSourceRef: prom, spec: {query: total}}}
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Timeslices
  objectives:
    - target: 0.99
      timeSliceTarget: 0.95
      timeSliceWindow: 5m
---
apiVersion: openslo/v1
kind: DataSource
metadata:
  name: prom
spec:
  type: Prometheus
  connectionDetails: {url: "http://127.0.0.1:9090"}
"#;
    let (org, msgs) = accepted(&[("services/ledger.yaml", LEDGER), ("slos/ledger.yaml", file)]);
    assert!(
        msgs.iter().any(|m| m.starts_with("slos/ledger.yaml:21:24: warning: Baton's time slices are its one-minute SLI buckets, not timeSliceWindow `5m`")),
        "{msgs:#?}"
    );
    let slo = &org.slos[&SloId::parse("ledger-latency").unwrap()];
    assert_eq!(
        slo.indicator.unread(),
        Some("Baton's time slices are its one-minute SLI buckets, not timeSliceWindow `5m`")
    );
}
