//! SLOs as OpenSLO v1 documents in `slos/`: a good file loads into the SLOs Baton tracks,
//! and every mistake is reported at its file, line and column.

use baton_config::load;
use baton_core::slo::{
    default_tier_specs, BudgetShare, BudgetingMethod, CalendarUnit, Indicator, Objective, PromSource, RaisedBy,
    Severity, SliceThreshold, SloWindow, ThresholdOp, TierSpec,
};
use baton_core::{Link, Period, SloId};
use jiff::tz::TimeZone;

const OWNERS: &str =
    "id: ledger-dev\nname: Ledger developers\nkind: service-owner\nmembers:\n  - id: olu\n    name: Olu Brandt\n";
const ARCHITECTS: &str =
    "id: sre-architects\nname: SRE Architects\nkind: architects\nmembers:\n  - id: ada\n    name: Ada Quill\n";
const PIPELINE: &str = "kind: PipelinePolicy\narchitects_team: sre-architects\n";
const LEDGER: &str = "id: ledger\nname: Ledger\nowner_team: ledger-dev\n";
const WALLET: &str = "id: wallet\nname: Wallet\nowner_team: ledger-dev\n";

fn repo(slos: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![
        ("teams/ledger-dev.yaml", OWNERS),
        ("teams/architects.yaml", ARCHITECTS),
        ("policies/pipeline.yaml", PIPELINE),
        ("services/ledger.yaml", LEDGER),
        ("services/wallet.yaml", WALLET),
    ];
    files.extend_from_slice(slos);
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn messages(dir: &tempfile::TempDir) -> Vec<String> {
    load(dir.path()).diagnostics.iter().map(|d| d.to_string()).collect()
}

const GOOD: &str = r#"# Ledger's SLOs, with everything they refer to in one file.
apiVersion: openslo/v1
kind: DataSource
metadata:
  name: ledger-prometheus
spec:
  type: Prometheus
  connectionDetails:
    url: http://prometheus.example.com:9090
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: ledger-errors
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        metricSourceRef: ledger-prometheus
        spec:
          query: ledger_requests_total{code=~"5.."}
    total:
      metricSource:
        metricSourceRef: ledger-prometheus
        type: Prometheus
        spec:
          query: ledger_requests_total
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: ledger-availability
  displayName: Ledger availability
  labels:
    team: ledger
    tags: [money, tier-1]
  annotations:
    baton.dev/min-events: "50"
    dashboards.example.com/url: https://dash.example.com/ledger
spec:
  description: Ledger answers 99.9% of requests without a server error.
  service: ledger
  indicatorRef: ledger-errors
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: No server errors
      targetPercent: 99.9
  alertPolicies:
    - alertPolicyRef: ledger-fast-burn
    - kind: AlertPolicy
      metadata:
        name: ledger-slow-burn
      spec:
        alertWhenBreaching: true
        conditions:
          - conditionRef: slow-burn
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: ledger-fast-burn
spec:
  conditions:
    - kind: AlertCondition
      metadata:
        name: fast-burn
      spec:
        severity: page
        condition:
          kind: burnrate
          op: gt
          threshold: 14.4
          lookbackWindow: 1h
          alertAfter: 5m
---
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: slow-burn
spec:
  severity: ticket
  condition:
    op: gt
    threshold: 1
    lookbackWindow: 3d
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: ledger-latency
spec:
  service: ledger
  indicator:
    metadata:
      name: ledger-p99
    spec:
      thresholdMetric:
        metricSource:
          metricSourceRef: ledger-prometheus
          spec:
            query: histogram_quantile(0.99, sum by (le) (rate(ledger_seconds_bucket[1m])))
  timeWindow:
    - duration: 1Q
      isRolling: false
      calendar:
        startTime: 2024-04-01 00:00:00
        timeZone: America/Sao_Paulo
  budgetingMethod: Timeslices
  objectives:
    - op: lt
      value: 0.3
      target: 0.99
      timeSliceWindow: 1m
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: wallet-checkout
spec:
  service: wallet
  indicator:
    spec:
      ratioMetric:
        good:
          metricSource:
            type: baton
        total:
          metricSource:
            type: Baton
  timeWindow:
    - duration: 1M
      calendar:
        timeZone: Europe/Lisbon
  budgetingMethod: Timeslices
  objectives:
    - target: 0.99
      timeSliceTarget: 0.9
      timeSliceWindow: 1m
"#;

fn id(s: &str) -> SloId {
    SloId::parse(s).unwrap()
}

#[test]
fn a_multi_document_file_loads_into_the_slos_baton_tracks() {
    let dir = repo(&[("slos/ledger.yaml", GOOD)]);
    let loaded = load(dir.path());
    assert!(loaded.diagnostics.is_empty(), "{:#?}", messages(&dir));
    let org = loaded.org.unwrap();
    assert_eq!(
        org.slos.keys().map(SloId::as_str).collect::<Vec<_>>(),
        ["ledger-availability", "ledger-latency", "wallet-checkout"]
    );
    let prometheus = PromSource {
        name: "ledger-prometheus".into(),
        url: Link::parse("http://prometheus.example.com:9090").unwrap(),
    };

    let a = &org.slos[&id("ledger-availability")];
    assert_eq!(a.service.as_str(), "ledger");
    assert_eq!(a.display_name.as_deref(), Some("Ledger availability"));
    assert_eq!(a.description.as_deref(), Some("Ledger answers 99.9% of requests without a server error."));
    assert_eq!(a.objective, Objective::parse("0.999").unwrap(), "targetPercent 99.9 is exactly 0.999");
    assert_eq!(a.window, SloWindow::Rolling { length: Period::days(30) });
    assert_eq!(a.method, BudgetingMethod::Occurrences);
    assert_eq!(
        a.indicator,
        Indicator::PrometheusRatio {
            source: prometheus.clone(),
            good: r#"ledger_requests_total{code=~"5.."}"#.into(),
            total: "ledger_requests_total".into(),
            counts_bad: true,
        }
    );
    // Burn rates over a 30-day window: 14.4 in 1h is 2% of the budget, 1 in 3d is 10%.
    assert_eq!(
        a.tiers,
        [
            TierSpec {
                share: BudgetShare::parse("0.02").unwrap(),
                long_window: Period::hours(1),
                severity: Severity::Page,
                alert_when_no_data: false,
            },
            TierSpec {
                share: BudgetShare::parse("0.1").unwrap(),
                long_window: Period::days(3),
                severity: Severity::Ticket,
                alert_when_no_data: false,
            },
        ]
    );
    let thresholds: Vec<f64> = a.alert_tiers().unwrap().iter().map(|t| t.threshold).collect();
    assert_eq!(thresholds, [14.4, 1.0]);
    assert_eq!(a.min_events, 50);

    let l = &org.slos[&id("ledger-latency")];
    assert_eq!(
        l.indicator,
        Indicator::PrometheusThreshold {
            source: prometheus,
            query: "histogram_quantile(0.99, sum by (le) (rate(ledger_seconds_bucket[1m])))".into(),
            op: ThresholdOp::Lt,
            value: 0.3,
        }
    );
    assert_eq!(l.method, BudgetingMethod::Timeslices { threshold: SliceThreshold::parse("1").unwrap() });
    assert_eq!(
        l.window,
        SloWindow::Calendar { unit: CalendarUnit::Quarter, time_zone: TimeZone::get("America/Sao_Paulo").unwrap() }
    );
    assert_eq!(l.tiers, default_tier_specs(), "no alertPolicies: the default tiers");
    assert_eq!((l.display_name.as_deref(), l.min_events), (None, 0));

    let w = &org.slos[&id("wallet-checkout")];
    assert_eq!(w.service.as_str(), "wallet");
    assert_eq!(w.indicator, Indicator::BuiltIn, "type Baton, in any case");
    assert_eq!(w.method, BudgetingMethod::Timeslices { threshold: SliceThreshold::parse("0.9").unwrap() });
    assert_eq!(
        w.window,
        SloWindow::Calendar { unit: CalendarUnit::Month, time_zone: TimeZone::get("Europe/Lisbon").unwrap() }
    );
    assert_eq!(w.objective.to_string(), "0.99");
}

/// An SLO document around `spec` (indented by two spaces), on lines 6 and after.
fn slo(name: &str, spec: &str) -> String {
    format!("apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: {name}\nspec:\n{spec}")
}

const BUILT_IN: &str = "  indicator:\n    spec:\n      ratioMetric:\n        good: {metricSource: {type: Baton}}\n        total: {metricSource: {type: Baton}}\n";

fn assert_reported(msgs: &[String], expected: &str) {
    assert!(msgs.iter().any(|m| m.starts_with(expected)), "expected `{expected}` in {msgs:#?}");
}

#[test]
fn every_mistake_is_reported_at_its_place() {
    let rolling = "  timeWindow:\n    - duration: 28d\n      isRolling: true\n";
    let files = [
        (
            "slos/unknown-key.yaml",
            slo("typo", &format!("  service: ledger\n{BUILT_IN}  budgetMethod: Occurrences\n  objectives:\n    - target: 0.99\n")),
        ),
        (
            "slos/objective.yaml",
            slo("too-high", &format!("  service: ledger\n{BUILT_IN}{rolling}  budgetingMethod: Occurrences\n  objectives:\n    - target: 1.5\n")),
        ),
        (
            "slos/two-objectives.yaml",
            slo(
                "two",
                &format!("  service: ledger\n{BUILT_IN}{rolling}  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n    - target: 0.999\n"),
            ),
        ),
        (
            "slos/slice-window.yaml",
            slo(
                "five-minutes",
                &format!("  service: ledger\n{BUILT_IN}{rolling}  budgetingMethod: Timeslices\n  objectives:\n    - target: 0.99\n      timeSliceTarget: 0.95\n      timeSliceWindow: 5m\n"),
            ),
        ),
        (
            "slos/threshold-occurrences.yaml",
            slo(
                "threshold-occurrences",
                "  service: ledger\n  indicator:\n    spec:\n      thresholdMetric:\n        metricSource:\n          metricSourceRef: prom\n          spec:\n            query: up\n  budgetingMethod: Occurrences\n  objectives:\n    - op: gte\n      value: 1\n      target: 0.99\n",
            ),
        ),
        (
            "slos/prom.yaml",
            "apiVersion: openslo/v1\nkind: DataSource\nmetadata:\n  name: prom\nspec:\n  type: Prometheus\n  connectionDetails:\n    url: http://127.0.0.1:9090\n".to_owned(),
        ),
        (
            "slos/unknown-service.yaml",
            slo("orphan", &format!("  service: ledgr\n{BUILT_IN}  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n")),
        ),
        (
            "slos/unknown-sli.yaml",
            slo("no-sli", "  service: ledger\n  indicatorRef: ledger-requests\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n"),
        ),
        (
            "slos/unknown-source.yaml",
            "apiVersion: openslo/v1\nkind: SLI\nmetadata:\n  name: elsewhere\nspec:\n  ratioMetric:\n    counter: true\n    good:\n      metricSource:\n        metricSourceRef: thanos\n        spec: {query: sum(good)}\n    total:\n      metricSource:\n        metricSourceRef: prom\n        spec: {query: sum(total)}\n".to_owned(),
        ),
        (
            "slos/no-zone.yaml",
            slo(
                "no-zone",
                &format!("  service: ledger\n{BUILT_IN}  timeWindow:\n    - duration: 1M\n      isRolling: false\n      calendar:\n        startTime: 2024-01-01 00:00:00\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n"),
            ),
        ),
        (
            "slos/bad-zone.yaml",
            slo(
                "bad-zone",
                &format!("  service: ledger\n{BUILT_IN}  timeWindow:\n    - duration: 1w\n      calendar: {{timeZone: Mars/Olympus}}\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n"),
            ),
        ),
        (
            "slos/short-window.yaml",
            slo(
                "short-window",
                &format!("  service: ledger\n{BUILT_IN}  timeWindow:\n    - duration: 2d\n      isRolling: true\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n"),
            ),
        ),
        (
            "slos/short-for-policy.yaml",
            slo(
                "short-for-policy",
                &format!("  service: ledger\n{BUILT_IN}  timeWindow:\n    - duration: 7d\n      isRolling: true\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n  alertPolicies:\n    - alertPolicyRef: weekly\n"),
            ),
        ),
        (
            "slos/weekly.yaml",
            "apiVersion: openslo/v1\nkind: AlertPolicy\nmetadata:\n  name: weekly\nspec:\n  conditions:\n    - conditionRef: two-weeks\n---\napiVersion: openslo/v1\nkind: AlertCondition\nmetadata:\n  name: two-weeks\nspec:\n  severity: ticket\n  condition: {op: gt, threshold: 1, lookbackWindow: 14d}\n".to_owned(),
        ),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let dir = repo(&files);
    let loaded = load(dir.path());
    assert!(loaded.org.is_none());
    let msgs = messages(&dir);
    // Lines: the SLO's spec starts on line 6; BUILT_IN takes lines 7 to 11.
    assert_reported(
        &msgs,
        "slos/unknown-key.yaml:12:3: unknown key `budgetMethod`, expected one of `description`, `service`",
    );
    assert_reported(
        &msgs,
        "slos/objective.yaml:17:15: `1.5` is not an objective: write a ratio strictly between 0 and 1",
    );
    assert_reported(&msgs, "slos/two-objectives.yaml:18:7: warning: Baton tracks the first objective of an SLO: `objective 2` is not tracked");
    assert_reported(&msgs, "slos/slice-window.yaml:19:24: warning: Baton's time slices are its one-minute SLI buckets, not timeSliceWindow `5m`: the SLO reports no data and never pages");
    assert_reported(&msgs, "slos/threshold-occurrences.yaml:14:20: a thresholdMetric SLI is judged minute by minute: use `budgetingMethod: Timeslices`");
    assert_reported(
        &msgs,
        "slos/unknown-service.yaml:6:12: service `ledgr` is not a defined service (defined: ledger, wallet)",
    );
    assert_reported(&msgs, "slos/unknown-sli.yaml:7:17: indicatorRef `ledger-requests` is not an SLI defined in slos/ (defined: elsewhere)");
    assert_reported(
        &msgs,
        "slos/unknown-source.yaml:10:26: warning: DataSource `thanos` is not defined in slos/ (defined: prom): its SLO reports no data until it is",
    );
    assert_reported(
        &msgs,
        "slos/no-zone.yaml:16:9: a calendar window needs `timeZone`: the IANA zone its days start in",
    );
    assert_reported(&msgs, "slos/bad-zone.yaml:14:28: unknown time zone `Mars/Olympus`: use an IANA name");
    assert_reported(&msgs, "slos/short-window.yaml:13:17: the ticket 3d tier looks back 3d, longer than the SLO window of 2d: use a long window of at most 2d, or drop the tier (one of the default tiers: list `alertPolicies` to choose others)");
    assert_reported(
        &msgs,
        "slos/short-for-policy.yaml:19:7: the ticket 14d tier looks back 14d, longer than the SLO window of 7d",
    );
    assert_eq!(
        msgs.iter().filter(|m| m.contains("short-window.yaml")).count(),
        1,
        "only the 3d tier is too long: {msgs:#?}"
    );
    assert!(!msgs.iter().any(|m| m.contains("not read yet")), "slos/ is read now: {msgs:#?}");
}

#[test]
fn tiers_that_can_never_fire_and_unused_notification_targets_are_warnings() {
    let low = slo(
        "low",
        &format!("  service: ledger\n{BUILT_IN}  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.9\n"),
    );
    let target = "apiVersion: openslo/v1\nkind: AlertNotificationTarget\nmetadata:\n  name: ledger-mail\nspec:\n  target: email\n";
    let dir = repo(&[("slos/low.yaml", &low), ("slos/targets.yaml", target)]);
    let loaded = load(dir.path());
    let msgs = messages(&dir);
    // No timeWindow: rolling 28d, where the 1h page tier's threshold is 13.44 and 90% can
    // burn at most 10× (every event bad).
    assert_reported(&msgs, "slos/low.yaml:14:15: warning: the page 1h/5m tier can never fire: its burn-rate threshold 13.44× is not below 10×");
    assert_reported(&msgs, "slos/targets.yaml:6:11: warning: target `email` is not delivered: Baton delivers `webhook`, `slack` and `pagerduty` targets");
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    let org = loaded.org.expect("warnings do not stop loading");
    assert_eq!(org.slos[&id("low")].window, SloWindow::Rolling { length: Period::days(28) });
}

/// An alert policy's extras as OpenSLO writes them: `alertWhenNoData` on its tier,
/// `alertWhenResolved` and its notification targets (named or inline) delivered as
/// channels, and `baton.dev/alerts` choosing who raises the alerts.
#[test]
fn alert_policies_notify_their_targets_watch_for_silence_and_may_leave_alerts_to_the_rules() {
    let spec = format!(
        "  service: ledger\n{BUILT_IN}  budgetingMethod: Occurrences\n  objectives: [{{target: 0.999}}]\n  alertPolicies:\n    - alertPolicyRef: fast-burn\n    - kind: AlertPolicy\n      spec:\n        conditions:\n          - kind: AlertCondition\n            spec:\n              severity: ticket\n              condition: {{kind: burnrate, op: gt, threshold: 1, lookbackWindow: 3d}}\n        notificationTargets:\n          - kind: AlertNotificationTarget\n            metadata:\n              name: ledger-tickets\n              annotations: {{baton.dev/url: \"http://127.0.0.1:9/tickets\"}}\n            spec: {{target: webhook}}\n"
    );
    let policy = "apiVersion: openslo/v1\nkind: AlertPolicy\nmetadata:\n  name: fast-burn\nspec:\n  alertWhenNoData: true\n  alertWhenResolved: true\n  conditions:\n    - kind: AlertCondition\n      spec:\n        severity: page\n        condition: {kind: burnrate, op: gt, threshold: 14.4, lookbackWindow: 1h}\n  notificationTargets:\n    - targetRef: ledger-chat\n";
    let target = "apiVersion: openslo/v1\nkind: AlertNotificationTarget\nmetadata:\n  name: ledger-chat\n  annotations:\n    baton.dev/url: http://127.0.0.1:9/slack\n    baton.dev/retry-for: 2h\nspec:\n  target: slack\n";
    let rules = slo(
        "by-rules",
        &format!("  service: ledger\n{BUILT_IN}  budgetingMethod: Occurrences\n  objectives: [{{target: 0.99}}]\n"),
    )
    .replace("  name: by-rules\n", "  name: by-rules\n  annotations: {baton.dev/alerts: rules}\n");
    let dir = repo(&[
        ("slos/ledger.yaml", &slo("ledger-availability", &spec)),
        ("slos/policies.yaml", policy),
        ("slos/targets.yaml", target),
        ("slos/rules.yaml", &rules),
    ]);
    let loaded = load(dir.path());
    let msgs = messages(&dir);
    assert!(msgs.is_empty(), "{msgs:#?}");
    let org = loaded.org.expect("valid");
    let slo = &org.slos[&id("ledger-availability")];
    let no_data: Vec<bool> = slo.tiers.iter().map(|t| t.alert_when_no_data).collect();
    assert_eq!(no_data, [true, false], "the page policy asks, the ticket policy does not");
    let targets: Vec<_> = slo
        .alerting
        .targets
        .iter()
        .map(|t| (t.name.as_str(), t.severity, t.when_resolved, t.channel.retry_for()))
        .collect();
    assert_eq!(
        targets,
        [
            ("ledger-chat", Severity::Page, true, Period::hours(2)),
            ("ledger-tickets", Severity::Ticket, false, Period::hours(24)),
        ]
    );
    assert_eq!(slo.alerting.raised_by, RaisedBy::Engine);
    assert_eq!(org.slos[&id("by-rules")].alerting.raised_by, RaisedBy::Rules);
}

#[test]
fn a_target_without_an_address_is_a_warning_and_a_bad_one_an_error_at_its_place() {
    let with = |annotations: &str| {
        format!("apiVersion: openslo/v1\nkind: AlertNotificationTarget\nmetadata:\n  name: ledger-chat\n{annotations}spec:\n  target: slack\n")
    };
    let dir = repo(&[("slos/targets.yaml", &with(""))]);
    assert_reported(&messages(&dir), "slos/targets.yaml:4:9: warning: the slack target `ledger-chat` has no address: annotate it with `baton.dev/url`");
    let dir = repo(&[(
        "slos/targets.yaml",
        &with("  annotations:\n    baton.dev/url: not a url\n    baton.dev/in-flight: \"0\"\n"),
    )]);
    let msgs = messages(&dir);
    assert_reported(&msgs, "slos/targets.yaml:6:20: `url`:");
    assert_reported(&msgs, "slos/targets.yaml:7:26: `in_flight` is `0`");
    let rules = slo(
        "x",
        &format!("  service: ledger\n{BUILT_IN}  budgetingMethod: Occurrences\n  objectives: [{{target: 0.99}}]\n"),
    )
    .replace("  name: x\n", "  name: x\n  annotations: {baton.dev/alerts: prometheus}\n");
    let dir = repo(&[("slos/x.yaml", &rules)]);
    assert_reported(&messages(&dir), "slos/x.yaml:5:35: `baton.dev/alerts` is `prometheus`: write \"engine\"");
}

#[test]
fn what_baton_does_not_support_is_refused_or_warned_with_the_reason() {
    let files = [
        ("slos/alpha.yaml", "apiVersion: openslo/v1alpha\nkind: SLO\nmetadata:\n  name: old\n".to_owned()),
        ("slos/service.yaml", "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: ledger\nspec: {}\n".to_owned()),
        (
            "slos/raw.yaml",
            "apiVersion: openslo/v1\nkind: SLI\nmetadata:\n  name: raw\nspec:\n  ratioMetric:\n    rawType: success\n    raw:\n      metricSource: {type: Baton}\n".to_owned(),
        ),
        (
            "slos/nested-typo.yaml",
            slo("nested", "  service: ledger\n  indicator:\n    spec:\n      ratioMetric:\n        goood: {metricSource: {type: Baton}}\n  budgetingMethod: Occurrences\n  objectives: [{target: 0.99}]\n"),
        ),
        (
            "slos/slices.yaml",
            slo("slices", &format!("  service: ledger\n{BUILT_IN}  budgetingMethod: Timeslices\n  objectives:\n    - target: 0.99\n      targetPercent: 99\n")),
        ),
        (
            "slos/month.yaml",
            slo("month", &format!("  service: ledger\n{BUILT_IN}  timeWindow:\n    - duration: 1M\n      isRolling: true\n  budgetingMethod: Occurrences\n  objectives: [{{target: 0.99}}]\n")),
        ),
        (
            "slos/start.yaml",
            slo("start", &format!("  service: ledger\n{BUILT_IN}  timeWindow:\n    - duration: 1M\n      calendar:\n        startTime: 2024-01-21 12:30:00\n        timeZone: UTC\n  budgetingMethod: Occurrences\n  objectives: [{{target: 0.99}}]\n")),
        ),
        (
            "slos/policy.yaml",
            "apiVersion: openslo/v1\nkind: AlertPolicy\nmetadata:\n  name: odd\nspec:\n  conditions:\n    - spec:\n        severity: sev1\n        condition:\n          op: lte\n          threshold: 2\n          lookbackWindow: 1h\n          alertAfter: 10m\n".to_owned(),
        ),
        (
            "slos/annotation.yaml",
            slo("annotated", &format!("  service: ledger\n{BUILT_IN}  budgetingMethod: Occurrences\n  objectives: [{{target: 0.99}}]\n"))
                .replace("  name: annotated\n", "  name: annotated\n  annotations:\n    baton.dev/min-events: many\n"),
        ),
        (
            "slos/duplicate.yaml",
            slo("annotated", &format!("  service: ledger\n{BUILT_IN}  budgetingMethod: Occurrences\n  objectives: [{{target: 0.99}}]\n")),
        ),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let dir = repo(&files);
    let msgs = messages(&dir);
    assert_reported(
        &msgs,
        "slos/alpha.yaml:1:13: apiVersion `openslo/v1alpha` is not supported: Baton reads OpenSLO openslo/v1",
    );
    // A Service naming a service of services/ is simply accepted.
    assert!(!msgs.iter().any(|m| m.starts_with("slos/service.yaml")), "{msgs:#?}");
    // Valid OpenSLO that Baton cannot evaluate loads, with a warning saying what it will do.
    assert_reported(
        &msgs,
        "slos/raw.yaml:9:7: warning: Baton does not read precomputed ratios (`raw`): its SLO reports no data",
    );
    assert_reported(
        &msgs,
        "slos/nested-typo.yaml:10:9: unknown key `goood`, expected one of `counter`, `good`, `bad`, `total`",
    );
    assert_reported(&msgs, "slos/slices.yaml:15:22: give `target` or `targetPercent`, not both");
    assert_reported(&msgs, "slos/slices.yaml:14:7: Timeslices budgeting needs `timeSliceTarget`");
    assert_reported(&msgs, "slos/month.yaml:13:17: `1M`: months, quarters and years are calendar windows");
    assert_reported(&msgs, "slos/start.yaml:15:20: warning: startTime `2024-01-21 12:30:00` is not where Baton's windows start: Baton's months start on the 1st at 00:00");
    assert_reported(&msgs, "slos/policy.yaml:8:19: warning: severity `sev1` is not one of Baton's, page (wake someone) and ticket (working hours): it is treated as ticket");
    assert_reported(&msgs, "slos/policy.yaml:10:15: warning: op `lte` alerts while the budget burns slowly: Baton's tiers fire when the burn rate is above the threshold, so this condition raises nothing");
    assert_reported(&msgs, "slos/policy.yaml:13:23: warning: alertAfter `10m` is not waited for: instead, Baton checks that a short window of a twelfth of the lookback window (5m) burns as fast too");
    assert_reported(
        &msgs,
        "slos/annotation.yaml:6:27: `baton.dev/min-events` is the fewest events a tier window needs before it may fire",
    );
    assert_reported(&msgs, "slos/duplicate.yaml:4:9: SLO `annotated` is already defined at slos/annotation.yaml:4:9");
}

/// The PromQL of a definition is parsed at `validate`: what Baton would wrap into
/// something Prometheus refuses is an error at the query's line and column.
#[test]
fn promql_baton_cannot_use_is_an_error_at_the_querys_line_and_column() {
    let source = "apiVersion: openslo/v1\nkind: DataSource\nmetadata:\n  name: prom\nspec:\n  type: Prometheus\n  connectionDetails:\n    url: http://127.0.0.1:9090\n";
    let ratio = |good: &str| {
        format!(
            "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: ledger-availability\nspec:\n  service: ledger\n  indicator:\n    spec:\n      ratioMetric:\n        good:\n          metricSource:\n            metricSourceRef: prom\n            spec:\n              query: {good}\n        total:\n          metricSource:\n            metricSourceRef: prom\n            spec:\n              query: requests_total\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.999\n"
        )
    };
    let threshold = |query: &str| {
        format!(
            "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: ledger-latency\nspec:\n  service: ledger\n  indicator:\n    spec:\n      thresholdMetric:\n        metricSource:\n          metricSourceRef: prom\n          spec:\n            query: {query}\n  budgetingMethod: Timeslices\n  objectives:\n    - op: lte\n      value: 0.3\n      target: 0.99\n"
        )
    };
    let cases = [
        (
            ratio("sum(rate(ok_total[1m]))"),
            "slos/slo.yaml:14:22: `sum(rate(ok_total[1m]))` is an aggregation (`sum`): a ratio's good, bad and total are series selectors of counters",
        ),
        (ratio("rate(ok_total[1m])"), "slos/slo.yaml:14:22: `rate(ok_total[1m])` is a function call (`rate`)"),
        (ratio("ok_total offset 5m"), "slos/slo.yaml:14:22: `ok_total offset 5m` has an `offset` or `@` modifier"),
        (ratio("'ok_total{code=\"200\"'"), "slos/slo.yaml:14:22: the PromQL `ok_total{code=\"200\"` does not parse: "),
        (threshold("latency_seconds[5m]"), "slos/slo.yaml:13:20: `latency_seconds[5m]` gives a matrix: a thresholdMetric query gives one value per minute"),
        (threshold("'max(latency_seconds'"), "slos/slo.yaml:13:20: the PromQL `max(latency_seconds` does not parse: "),
    ];
    for (slo, expected) in cases {
        let dir = repo(&[("slos/prom.yaml", source), ("slos/slo.yaml", &slo)]);
        let msgs = messages(&dir);
        assert!(msgs.iter().any(|m| m.starts_with(expected)), "expected {expected}\n got {msgs:#?}");
        println!("{}", msgs.iter().find(|m| m.starts_with(expected)).unwrap());
    }
    // What Baton can use loads: a selector for counters, an instant expression for thresholds.
    let dir = repo(&[("slos/prom.yaml", source), ("slos/slo.yaml", &ratio("ok_total{code!~\"5..\"}"))]);
    assert!(messages(&dir).is_empty(), "{:#?}", messages(&dir));
    let p99 = threshold("histogram_quantile(0.99, sum by (le) (rate(latency_seconds_bucket[1m])))");
    let dir = repo(&[("slos/prom.yaml", source), ("slos/slo.yaml", &p99)]);
    assert!(messages(&dir).is_empty(), "{:#?}", messages(&dir));
}
