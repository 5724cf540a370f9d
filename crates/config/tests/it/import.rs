//! `baton import sloth` and `baton import pyrra` over the real files of the shared corpus
//! (`/work/shared/corpus`, next to the workspace): what each imports, what it leaves out
//! or refuses and why, and that what it writes loads into the example organisation.

use baton_config::import::{import, Imported, Input, Options, Source};
use baton_core::slo::{Indicator, SloDef};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn corpus(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus").join(dir)
}

fn example_org() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/org")
}

/// Imports corpus files (names under `dir`), owned by `streamhub-dev` when nothing says.
fn run(source: Source, dir: &str, names: &[&str]) -> Imported {
    let inputs: Vec<Input> = names
        .iter()
        .map(|n| {
            let path = corpus(dir).join(n);
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            Input { path: PathBuf::from(n), text }
        })
        .collect();
    let (services, teams) = baton_config::import::defined(&example_org());
    let options = Options {
        owner: Some("streamhub-dev".into()),
        prometheus_url: "http://127.0.0.1:9090".into(),
        services,
        teams,
    };
    import(source, &inputs, &options)
}

fn sloth(names: &[&str]) -> Imported {
    run(Source::Sloth, "sloth", names)
}

fn pyrra(names: &[&str]) -> Imported {
    run(Source::Pyrra, "pyrra", names)
}

/// The diagnostics as people read them.
fn messages(i: &Imported) -> Vec<String> {
    i.diagnostics.iter().map(|d| d.to_string()).collect()
}

fn paths(i: &Imported) -> Vec<String> {
    let mut p: Vec<String> = i.files.iter().map(|(p, _)| p.display().to_string()).collect();
    p.sort();
    p
}

fn file<'a>(i: &'a Imported, path: &str) -> &'a str {
    &i.files.iter().find(|(p, _)| p == Path::new(path)).unwrap_or_else(|| panic!("no {path} in {:?}", paths(i))).1
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

/// The imported files written into a copy of the example organisation, loaded: the SLOs
/// they add, after checking they load without errors or new warnings.
fn loaded(i: &Imported) -> BTreeMap<String, SloDef> {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&example_org(), dir.path());
    let before = baton_config::load(dir.path()).org.unwrap();
    for (rel, text) in &i.files {
        let p = dir.path().join(rel);
        assert!(!p.exists(), "{} would overwrite the example's", rel.display());
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let after = baton_config::load(dir.path());
    let problems: Vec<String> = after
        .diagnostics
        .iter()
        .map(|d| d.to_string())
        .filter(|d| !d.starts_with("policies/raci-chart.yaml"))
        .collect();
    let org = after.org.unwrap_or_else(|| panic!("the imported files do not load: {problems:#?}"));
    assert!(problems.iter().all(|p| p.contains("can never fire")), "{problems:#?}");
    org.slos
        .into_iter()
        .filter(|(id, _)| !before.slos.contains_key(id))
        .map(|(id, slo)| (id.to_string(), slo))
        .collect()
}

/// An SLO's tiers as `severity threshold×long/short`.
fn tiers(slo: &SloDef) -> Vec<String> {
    slo.alert_tiers()
        .unwrap()
        .iter()
        .map(|t| format!("{} {}x{}/{}", t.severity, (t.threshold * 1e6).round() / 1e6, t.long_window, t.short_window))
        .collect()
}

fn ratio(slo: &SloDef) -> (String, bool, String) {
    match &slo.indicator {
        Indicator::PrometheusRatio { good, total, counts_bad, .. } => (good.clone(), *counts_bad, total.clone()),
        other => panic!("{other:?}"),
    }
}

const PAGE_TICKET_30D: [&str; 4] = ["page 14.4x1h/5m", "page 6x6h/30m", "ticket 3x1d/2h", "ticket 1x3d/6h"];

fn sloth_file(name: &str) -> String {
    format!("slok_sloth__examples__{name}")
}

#[test]
fn sloth_getting_started_is_a_bad_over_total_slo_with_sloths_four_windows() {
    let i = sloth(&[&sloth_file("getting-started.yml")]);
    assert_eq!(paths(&i), ["services/myservice.yaml", "slos/myservice.yaml", "slos/prometheus.yaml"]);
    assert!(!i.has_errors());
    assert_eq!(
        messages(&i),
        ["slok_sloth__examples__getting-started.yml:17:7: warning: SLO `requests-availability`: Sloth's alert name `MyServiceHighErrorRate`, labels (category, routing_key, severity, slack_channel), annotations (summary) are not carried over: Baton names and labels its own alerts (severity page or ticket, with the SLO and service); route them by those"]
    );
    let text = file(&i, "slos/myservice.yaml");
    assert!(text.starts_with("# Imported by `baton import sloth` from slok_sloth__examples__getting-started.yml.\n# Sloth's SLI over the whole period is a mean of 5-minute error ratios"), "{text}");
    assert!(text.contains("    - target: 0.999\n"), "{text}");
    assert!(file(&i, "services/myservice.yaml").contains("owner_team: streamhub-dev"));
    let slos = loaded(&i);
    let slo = &slos["myservice-requests-availability"];
    assert_eq!(slo.service.as_str(), "myservice");
    assert_eq!(slo.objective.to_string(), baton_core::slo::Objective::parse("0.999").unwrap().to_string());
    assert_eq!(slo.window.nominal_length().to_string(), "30d");
    assert_eq!(
        ratio(slo),
        (
            r#"http_request_duration_seconds_count{code=~"(5..|429)",job="myservice"}"#.to_owned(),
            true,
            r#"http_request_duration_seconds_count{job="myservice"}"#.to_owned()
        )
    );
    assert_eq!(tiers(slo), PAGE_TICKET_30D);
}

#[test]
fn sloth_kubernetes_latency_error_query_total_minus_bucket_becomes_the_bucket_as_good() {
    let i = sloth(&[&sloth_file("kubernetes-apiserver.yml")]);
    assert_eq!(paths(&i), ["services/k8s-apiserver.yaml", "slos/k8s-apiserver.yaml", "slos/prometheus.yaml"]);
    assert_eq!(messages(&i).len(), 2, "the two alert warnings: {:#?}", messages(&i));
    let slos = loaded(&i);
    assert_eq!(
        slos.keys().collect::<Vec<_>>(),
        ["k8s-apiserver-requests-availability", "k8s-apiserver-requests-latency"]
    );
    let latency = &slos["k8s-apiserver-requests-latency"];
    assert_eq!(
        ratio(latency),
        (
            r#"apiserver_request_duration_seconds_bucket{le="0.4",verb!="WATCH"}"#.to_owned(),
            false,
            r#"apiserver_request_duration_seconds_count{verb!="WATCH"}"#.to_owned()
        )
    );
    assert_eq!(tiers(latency), PAGE_TICKET_30D);
    assert_eq!(ratio(&slos["k8s-apiserver-requests-availability"]).0, r#"apiserver_request_total{code=~"(5..|429)"}"#);
}

#[test]
fn sloth_multifile_makes_one_file_per_service() {
    let i = sloth(&[&sloth_file("multifile.yml")]);
    assert_eq!(
        paths(&i),
        [
            "services/myservice.yaml",
            "services/myservice2.yaml",
            "slos/myservice.yaml",
            "slos/myservice2.yaml",
            "slos/prometheus.yaml"
        ]
    );
    let slos = loaded(&i);
    assert_eq!(
        slos["myservice2-requests-availability"].objective,
        baton_core::slo::Objective::parse("0.9999").unwrap()
    );
}

#[test]
fn sloth_disabled_alerts_leave_no_tiers() {
    let i = sloth(&[&sloth_file("no-alerts.yml")]);
    assert_eq!(messages(&i), Vec::<String>::new());
    assert!(file(&i, "slos/myapp.yaml").contains("alertPolicies: []"));
    let slos = loaded(&i);
    assert_eq!(tiers(&slos["myapp-http-availability"]), Vec::<String>::new());
}

#[test]
fn sloths_openslo_v1alpha_files_give_one_slo_per_objective_without_alerts() {
    let i = sloth(&[&sloth_file("openslo-getting-started.yml"), &sloth_file("openslo-kubernetes-apiserver.yml")]);
    assert_eq!(messages(&i), Vec::<String>::new());
    let slos = loaded(&i);
    assert_eq!(
        slos.keys().collect::<Vec<_>>(),
        [
            "k8s-apiserver-requests-availability-openslo-0",
            "k8s-apiserver-requests-latency-openslo-0",
            "k8s-apiserver-requests-latency-openslo-1",
            "my-service-sloth-slo-my-service-0",
        ]
    );
    let good = &slos["my-service-sloth-slo-my-service-0"];
    assert_eq!(ratio(good).0, r#"http_request_duration_seconds_count{code!~"(5..|429)",job="myservice"}"#);
    assert!(!ratio(good).1, "counts good events");
    assert_eq!(tiers(good), Vec::<String>::new());
    let fast = &slos["k8s-apiserver-requests-latency-openslo-1"];
    assert_eq!(ratio(fast).0, r#"apiserver_request_duration_seconds_bucket{le="5",verb!="WATCH"}"#);
    assert_eq!(fast.objective, baton_core::slo::Objective::parse("0.999").unwrap());
}

#[test]
fn sloth_specs_with_plugins_raw_ratios_or_queries_baton_cannot_add_up_are_left_out() {
    for (name, expected) in [
        ("contrib-slo-plugins.yml", vec![
            "contrib-slo-plugins.yml:9:11: warning: SLO `requests-availability-contrib-plugin-info-labels-v1` left out: it runs the Sloth SLO plugins `sloth.dev/contrib/info_labels/v1`",
            "contrib-slo-plugins.yml:40:11: warning: SLO `requests-availability-contrib-plugin-rule-intervals-v1` left out: it runs the Sloth SLO plugins `sloth.dev/contrib/rule_intervals/v1`",
        ]),
        ("plugin-getting-started.yml", vec![
            "plugin-getting-started.yml:9:11: warning: SLO `requests-availability` left out: its SLI is computed by the Sloth SLI plugin `getting_started_availability`, Go code Baton does not run",
        ]),
        ("slo-plugin-getting-started.yml", vec![
            "slo-plugin-getting-started.yml:18:11: warning: SLO `requests-availability` left out: the spec runs the Sloth SLO plugins `sloth.dev/core/debug/v1`",
        ]),
        ("victoria-metrics.yml", vec![
            "victoria-metrics.yml:17:9: warning: SLO `grpc-latency-percentile-90` left out: the spec runs the Sloth SLO plugins `sloth.dev/contrib/validate_victoria_metrics/v1`",
            "victoria-metrics.yml:34:9: warning: SLO `grpc-latency-percentile-99` left out: the spec runs the Sloth SLO plugins",
        ]),
        ("raw-home-wifi.yml", vec![
            "raw-home-wifi.yml:22:11: warning: SLO `wifi-client-satisfaction` left out: its SLI is a `raw` error_ratio_query, a precomputed ratio: Baton adds up good (or bad) and total events per minute, and ratios do not add up",
        ]),
        ("home-wifi.yml", vec![
            "home-wifi.yml:29:11: warning: SLO `good-wifi-client-satisfaction` left out: the total_query `sum_over_time((count(unifipoller_client_satisfaction_ratio))[{{.window}}:])` cannot be carried over: Baton reads a ratio's counters as plain series selectors",
            "home-wifi.yml:45:11: warning: SLO `risk-wifi-client-satisfaction` left out: the total_query",
        ]),
    ] {
        let i = sloth(&[&sloth_file(name)]);
        assert!(i.files.is_empty(), "{name}: {:?}", paths(&i));
        assert!(!i.has_errors(), "{name}");
        let msgs = messages(&i);
        assert_eq!(msgs.len(), expected.len(), "{name}: {msgs:#?}");
        for (m, e) in msgs.iter().zip(&expected) {
            assert!(m.starts_with(&format!("slok_sloth__examples__{e}")), "{name}:\n{m}\nexpected to start with\n{e}");
        }
    }
}

#[test]
fn sloth_alert_windows_set_the_period_and_tiers_of_the_slos_imported_with_them() {
    let i = sloth(&[&sloth_file("windows__7d.yaml"), &sloth_file("getting-started.yml")]);
    assert!(!i.has_errors(), "{:#?}", messages(&i));
    let slos = loaded(&i);
    let slo = &slos["myservice-requests-availability"];
    assert_eq!(slo.window.nominal_length().to_string(), "7d");
    // 8% of 7d within 1h is 13.44x; 12.5% within 6h 3.5x; 20% within 1d 1.4x; 42% within 3d 0.98x.
    assert_eq!(tiers(slo), ["page 13.44x1h/5m", "page 3.5x6h/30m", "ticket 1.4x1d/2h", "ticket 0.98x3d/6h"]);

    let i = sloth(&[&sloth_file("windows__custom-30d.yaml"), &sloth_file("getting-started.yml")]);
    let slos = loaded(&i);
    let slo = &slos["myservice-requests-availability"];
    assert_eq!(tiers(slo), ["page 14.4x30m/2m", "page 4.8x3h/15m", "ticket 3x12h/1h", "ticket 1x36h/3h"]);

    // Alone, they have nothing to apply to; two in one import are one too many.
    let alone = sloth(&[&sloth_file("windows__7d.yaml")]);
    assert!(alone.files.is_empty());
    assert_eq!(
        messages(&alone),
        ["slok_sloth__examples__windows__7d.yaml:1:1: warning: these windows are for the SLOs imported with them, and none were given: import this file together with the Sloth specs, like `baton import sloth windows.yaml specs/`"]
    );
    let two = sloth(&[
        &sloth_file("windows__7d.yaml"),
        &sloth_file("windows__custom-30d.yaml"),
        &sloth_file("getting-started.yml"),
    ]);
    assert!(two.has_errors());
    assert!(messages(&two)[0].starts_with("slok_sloth__examples__windows__custom-30d.yaml:1:1: one AlertWindows per import: Sloth picks the windows of the SLO period, and this import already uses the 7d AlertWindows of slok_sloth__examples__windows__7d.yaml:1:1"), "{:#?}", messages(&two));
}

#[test]
fn unreadable_documents_are_errors_and_the_rest_is_still_imported() {
    let inputs = [
        Input {
            path: "bad.yml".into(),
            text: "version: prometheus/v1\nservice: x\nslos:\n  - name: a\n    objective: 99\n    slii: {}\n".into(),
        },
        Input { path: "other.yml".into(), text: "apiVersion: v1\nkind: ConfigMap\n".into() },
        Input { path: "broken.yml".into(), text: "version: [\n".into() },
        Input {
            path: "good.yml".into(),
            text: std::fs::read_to_string(corpus("sloth").join(sloth_file("getting-started.yml"))).unwrap(),
        },
    ];
    let options =
        Options { owner: Some("streamhub-dev".into()), prometheus_url: "http://p:9090".into(), ..Options::default() };
    let i = import(Source::Sloth, &inputs, &options);
    let msgs = messages(&i);
    assert!(msgs.iter().any(|m| m.starts_with("bad.yml:6:5: unknown key `slii`")), "{msgs:#?}");
    assert!(msgs.iter().any(|m| m.starts_with("other.yml:1:13: apiVersion `v1` is not a Sloth file")), "{msgs:#?}");
    assert!(msgs.iter().any(|m| m.starts_with("broken.yml:") && m.contains("malformed YAML")), "{msgs:#?}");
    assert!(i.has_errors());
    assert_eq!(paths(&i), ["services/myservice.yaml", "slos/myservice.yaml", "slos/prometheus.yaml"]);

    // Without an owner no stub can be made, and its SLOs are not written.
    let options = Options { prometheus_url: "http://p:9090".into(), ..Options::default() };
    let i = import(Source::Sloth, &inputs[3..], &options);
    assert!(i.files.is_empty());
    assert!(
        messages(&i)[0].contains("service `myservice` is not defined in the repo, and nothing says which team owns it")
    );
}

fn pyrra_file(name: &str) -> String {
    format!("pyrra-dev_pyrra__examples__{name}")
}

/// Pyrra's tiers for a window: factors 14, 7, 2, 1 over window/672, /112, /28, /7, with
/// Baton's short windows (a twelfth of the long).
fn pyrra_tiers(window: &str) -> Vec<String> {
    match window {
        "28d" => vec!["page 14x1h/5m", "page 7x6h/30m", "ticket 2x1d/2h", "ticket 1x4d/8h"],
        "14d" => vec!["page 14x30m/2m", "page 7x3h/15m", "ticket 2x12h/1h", "ticket 1x2d/4h"],
        "7d" => vec!["page 14x15m/1m", "page 7x90m/7m", "ticket 2x6h/30m", "ticket 1x1d/2h"],
        other => panic!("{other}"),
    }
    .into_iter()
    .map(String::from)
    .collect()
}

#[test]
fn pyrra_ratio_and_latency_objectives_are_imported_with_pyrras_windows() {
    // (file, SLO id, service, window, target, bad?, numerator, total)
    let cases = [
        (
            "caddy-response-latency.yaml",
            "caddy-response-latency",
            "caddy-response-latency",
            "28d",
            "0.9",
            false,
            r#"caddy_http_response_duration_seconds_bucket{job="caddy",handler="subroute",code!~"5..",le="0.05"}"#,
            r#"caddy_http_response_duration_seconds_count{job="caddy",handler="subroute",code!~"5.."}"#,
        ),
        (
            "kubernetes__manifests__slos__slo-apiserver-read-cluster-latency.yaml",
            "monitoring-apiserver-read-cluster-latency",
            "monitoring",
            "14d",
            "0.99",
            false,
            r#"apiserver_request_sli_duration_seconds_bucket{component="apiserver",scope=~"cluster|",verb=~"LIST|GET",le="5.0"}"#,
            r#"apiserver_request_sli_duration_seconds_count{component="apiserver",scope=~"cluster|",verb=~"LIST|GET"}"#,
        ),
        (
            "kubernetes__manifests__slos__slo-coredns-response-errors.yaml",
            "monitoring-coredns-response-errors",
            "monitoring",
            "14d",
            "0.9999",
            true,
            r#"coredns_dns_responses_total{job="kube-dns",rcode="SERVFAIL"}"#,
            r#"coredns_dns_responses_total{job="kube-dns"}"#,
        ),
        (
            "kubernetes__manifests__slos__slo-kubelet-request-errors.yaml",
            "monitoring-kubelet-request-errors",
            "monitoring",
            "14d",
            "0.99",
            true,
            r#"rest_client_requests_total{job="kubelet",code=~"5.."}"#,
            r#"rest_client_requests_total{job="kubelet"}"#,
        ),
        (
            "mimir__example-slo.yaml",
            "default-apiserver-read-cluster-latency",
            "default",
            "14d",
            "0.99",
            false,
            r#"apiserver_request_sli_duration_seconds_bucket{component="apiserver",scope=~"cluster|",verb=~"LIST|GET",le="5"}"#,
            r#"apiserver_request_sli_duration_seconds_count{component="apiserver",scope=~"cluster|",verb=~"LIST|GET"}"#,
        ),
        (
            "parca-grpc-queryrange-errors.yaml",
            "parca-grpc-queryrange-errors",
            "parca",
            "14d",
            "0.99",
            true,
            r#"grpc_server_handled_total{grpc_service="parca.query.v1alpha1.QueryService",grpc_method="QueryRange",grpc_code=~"Aborted|Unavailable|Internal|Unknown|Unimplemented|DataLoss"}"#,
            r#"grpc_server_handled_total{grpc_service="parca.query.v1alpha1.QueryService",grpc_method="QueryRange"}"#,
        ),
        (
            "prometheus-operator.yaml",
            "monitoring-prometheus-operator-http",
            "monitoring",
            "7d",
            "0.95",
            true,
            r#"prometheus_operator_kubernetes_client_http_requests_total{status_code=~"5.."}"#,
            "prometheus_operator_kubernetes_client_http_requests_total",
        ),
        (
            "pyrra-filesystem-errors.yaml",
            "monitoring-pyrra-filesystem-errors",
            "monitoring",
            "7d",
            "0.99",
            true,
            "pyrra_filesystem_reconciles_errors_total",
            "pyrra_filesystem_reconciles_total",
        ),
        (
            "pyrra-kubernetes-errors.yaml",
            "monitoring-pyrra-kubernetes-errors",
            "monitoring",
            "7d",
            "0.99",
            true,
            r#"controller_runtime_reconcile_total{controller="servicelevelobjective",result="error"}"#,
            r#"controller_runtime_reconcile_total{controller="servicelevelobjective"}"#,
        ),
        (
            "thanos-grpc.yaml",
            "monitoring-thanos-store",
            "monitoring",
            "7d",
            "0.995",
            true,
            r#"grpc_server_handled_total{grpc_service="thanos.Store",grpc_method="Series",namespace="monitoring",job="thanos-store",grpc_code=~"Aborted|Unavailable|Internal|Unknown|Unimplemented|DataLoss"}"#,
            r#"grpc_server_handled_total{grpc_service="thanos.Store",grpc_method="Series",namespace="monitoring",job="thanos-store"}"#,
        ),
        (
            "thanos-http.yaml",
            "monitoring-thanos-query",
            "monitoring",
            "28d",
            "0.99",
            true,
            r#"http_requests_total{job="thanos-query",handler=~"query|query_range",code=~"5.."}"#,
            r#"http_requests_total{job="thanos-query",handler=~"query|query_range"}"#,
        ),
    ];
    for (name, id, service, window, target, bad, numerator, total) in cases {
        let i = pyrra(&[&pyrra_file(name)]);
        assert_eq!(messages(&i), Vec::<String>::new(), "{name}");
        let stem = name.rsplit("__").next().unwrap();
        let slo_file = format!(
            "slos/{}.yaml",
            i.files
                .iter()
                .find(|(p, _)| p.starts_with("slos/") && !p.ends_with("prometheus.yaml"))
                .map(|(p, _)| p.file_stem().unwrap().to_string_lossy().into_owned())
                .unwrap()
        );
        assert!(
            file(&i, &slo_file).starts_with(&format!("# Imported by `baton import pyrra` from {}.", pyrra_file(name))),
            "{stem}"
        );
        let slos = loaded(&i);
        assert_eq!(slos.keys().collect::<Vec<_>>(), [id], "{name}");
        let slo = &slos[id];
        assert_eq!(slo.service.as_str(), service, "{name}");
        assert_eq!(slo.window.nominal_length().to_string(), window, "{name}");
        assert_eq!(slo.objective, baton_core::slo::Objective::parse(target).unwrap(), "{name}");
        assert_eq!(ratio(slo), (numerator.to_owned(), bad, total.to_owned()), "{name}");
        assert_eq!(tiers(slo), pyrra_tiers(window), "{name}");
    }
}

#[test]
fn pyrra_nginx_holds_two_objectives_written_one_file_each() {
    let i = pyrra(&[&pyrra_file("nginx.yaml")]);
    assert_eq!(messages(&i), Vec::<String>::new());
    assert_eq!(
        paths(&i),
        [
            "services/monitoring.yaml",
            "slos/nginx-api-errors.yaml",
            "slos/nginx-api-latency.yaml",
            "slos/prometheus.yaml"
        ]
    );
    assert!(file(&i, "services/monitoring.yaml")
        .contains("description: \"The Kubernetes namespace `monitoring` of the imported Pyrra objectives.\""));
    let slos = loaded(&i);
    assert_eq!(slos.keys().collect::<Vec<_>>(), ["monitoring-nginx-api-errors", "monitoring-nginx-api-latency"]);
    assert_eq!(tiers(&slos["monitoring-nginx-api-latency"]), pyrra_tiers("28d"));
}

#[test]
fn pyrra_grouping_is_warned_about_and_the_slo_imported_over_all_series() {
    let i = pyrra(&[&pyrra_file("prometheus-http.yaml"), &pyrra_file("pyrra-connect-errors.yaml")]);
    assert_eq!(
        messages(&i),
        [
            "pyrra-dev_pyrra__examples__prometheus-http.yaml:18:9: warning: SLO `prometheus-api-query`: grouping by `handler` is not carried over: Pyrra judges each group on its own, Baton judges the SLO over all its series together",
            "pyrra-dev_pyrra__examples__pyrra-connect-errors.yaml:20:9: warning: SLO `pyrra-connect-errors`: grouping by `service`, `method` is not carried over: Pyrra judges each group on its own, Baton judges the SLO over all its series together",
        ]
    );
    let slos = loaded(&i);
    // Without a namespace, the objective is its own service.
    assert_eq!(slos["prometheus-api-query"].service.as_str(), "prometheus-api-query");
    assert_eq!(tiers(&slos["monitoring-pyrra-connect-errors"]), pyrra_tiers("14d"));
}

#[test]
fn pyrra_native_histograms_and_bool_gauges_are_left_out_with_the_reason() {
    let i = pyrra(&[&pyrra_file("pyrra-connect-latency.yaml"), &pyrra_file("prometheus-probe-success.yaml")]);
    assert!(i.files.is_empty(), "{:?}", paths(&i));
    assert!(!i.has_errors());
    let msgs = messages(&i);
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    assert!(msgs[0].starts_with("pyrra-dev_pyrra__examples__prometheus-probe-success.yaml:13:7: warning: SLO `prometheus-blackbox-probe-success` left out: its SLI is the share of samples of the 0/1 gauge `probe_success` that are 1"), "{}", msgs[0]);
    assert!(msgs[1].starts_with("pyrra-dev_pyrra__examples__pyrra-connect-latency.yaml:15:7: warning: SLO `pyrra-connect-latency` left out: its SLI reads the native histogram `connect_server_requests_duration_seconds{job=\"pyrra\",code=\"ok\"}` with histogram_fraction"), "{}", msgs[1]);
}

#[test]
fn every_corpus_file_is_covered() {
    let covered = [
        "contrib-slo-plugins.yml",
        "getting-started.yml",
        "home-wifi.yml",
        "kubernetes-apiserver.yml",
        "multifile.yml",
        "no-alerts.yml",
        "openslo-getting-started.yml",
        "openslo-kubernetes-apiserver.yml",
        "plugin-getting-started.yml",
        "raw-home-wifi.yml",
        "slo-plugin-getting-started.yml",
        "victoria-metrics.yml",
        "windows__7d.yaml",
        "windows__custom-30d.yaml",
        "caddy-response-latency.yaml",
        "kubernetes__manifests__slos__slo-apiserver-read-cluster-latency.yaml",
        "kubernetes__manifests__slos__slo-coredns-response-errors.yaml",
        "kubernetes__manifests__slos__slo-kubelet-request-errors.yaml",
        "mimir__example-slo.yaml",
        "nginx.yaml",
        "parca-grpc-queryrange-errors.yaml",
        "prometheus-http.yaml",
        "prometheus-operator.yaml",
        "prometheus-probe-success.yaml",
        "pyrra-connect-errors.yaml",
        "pyrra-connect-latency.yaml",
        "pyrra-filesystem-errors.yaml",
        "pyrra-kubernetes-errors.yaml",
        "thanos-grpc.yaml",
        "thanos-http.yaml",
    ];
    for dir in ["sloth", "pyrra"] {
        for entry in std::fs::read_dir(corpus(dir)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name.contains("___gen__") {
                continue;
            }
            let short =
                name.trim_start_matches("slok_sloth__examples__").trim_start_matches("pyrra-dev_pyrra__examples__");
            assert!(covered.contains(&short), "{name} has no test");
        }
    }
}
