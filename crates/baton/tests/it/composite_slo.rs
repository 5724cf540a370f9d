//! A composite SLO (OpenSLO `compositeWeight`) read from a real Prometheus: its
//! attainment and budget are computed and reported like any SLO's, from its parts'
//! minutes weighed as written.

use crate::prom_support::{PrometheusServer, Traffic};
use crate::support::{copy_dir, examples_dir};
use std::process::Command;

fn baton(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_baton")).args(args).env("BATON_LOG", "warn").output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[tokio::test]
async fn a_composite_slo_is_reported_from_its_parts_minutes_weighed_as_written() {
    let start: jiff::Timestamp = "2024-03-04T00:00:00Z".parse().unwrap();
    let traffic = Traffic::generate(start, 3);
    let prometheus = PrometheusServer::start(Some(&traffic)).await;
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    copy_dir(&examples_dir(), &org);
    // Checkout's requests weigh three times as much as the other job's, which fail every
    // time: the composite is (3 × checkout's ratio + 1 × 0) / 4 in each minute.
    let slo = format!(
        r#"apiVersion: openslo/v1
kind: DataSource
metadata:
  name: shop-prometheus
spec:
  type: Prometheus
  connectionDetails:
    url: {url}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: streamhub-journey
spec:
  service: streamhub
  timeWindow:
    - duration: 3d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Checkout
      target: 0.99
      compositeWeight: 3
      indicator:
        metadata: {{name: checkout}}
        spec:
          ratioMetric:
            good: {{metricSource: {{metricSourceRef: shop-prometheus, spec: {{query: 'http_requests_total{{job="checkout",code!~"5.."}}'}}}}}}
            total: {{metricSource: {{metricSourceRef: shop-prometheus, spec: {{query: 'http_requests_total{{job="checkout"}}'}}}}}}
    - displayName: Other
      target: 0.95
      indicator:
        metadata: {{name: other}}
        spec:
          ratioMetric:
            good: {{metricSource: {{metricSourceRef: shop-prometheus, spec: {{query: 'http_requests_total{{job="other",code!~"5.."}}'}}}}}}
            total: {{metricSource: {{metricSourceRef: shop-prometheus, spec: {{query: 'http_requests_total{{job="other"}}'}}}}}}
"#,
        url = prometheus.url
    );
    std::fs::write(org.join("slos/journey.yaml"), slo).unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    let (ok, out) = baton(&["apply", org.to_str().unwrap(), "--db", &db]);
    assert!(ok, "{out}");
    let at = (start + jiff::SignedDuration::from_hours(72)).to_string();
    let (ok, out) = baton(&["slo", "report", "--service", "streamhub", "--at", &at, "--output", "json", "--db", &db]);
    assert!(ok, "{out}\n{}", prometheus.log());
    let reports: serde_json::Value = serde_json::from_str(&out).unwrap();
    let report = reports.as_array().unwrap().iter().find(|r| r["slo"]["id"] == "streamhub-journey").unwrap();
    // What the composite should be, from the generated traffic itself.
    let mut good = 0u64;
    for m in 0..traffic.minutes() {
        let total = traffic.good[m] + traffic.bad[m];
        let checkout = (total > 0).then(|| traffic.good[m] as f64 / total as f64);
        let other = 0.0; // every request of the other job fails
        let c = match checkout {
            Some(a) => (3.0 * a + other) / 4.0,
            None => other,
        };
        good += (c * 1e6).round() as u64;
    }
    let minutes = traffic.minutes() as u64;
    assert_eq!(report["data"]["status"], "ok", "{report:#}");
    assert_eq!(report["tally"]["total"], minutes * 1_000_000, "{report:#}");
    assert_eq!(report["tally"]["good"], good, "{report:#}");
    // The objective is the weighted mean of the objectives: (3 × 0.99 + 0.95) / 4.
    assert_eq!(report["slo"]["objective"], 0.98);
    // Its attainment is about three quarters, far below 98%: the budget is spent.
    let attainment = report["attainment"]["value"].as_f64().unwrap();
    assert!((attainment - good as f64 / (minutes * 1_000_000) as f64).abs() < 1e-9, "{report:#}");
    assert_eq!(report["met"]["value"], false, "{report:#}");

    // Prometheus gone: the composite is unreadable, said with the part that failed, never met.
    drop(prometheus);
    let (ok, out) = baton(&["slo", "report", "--service", "streamhub", "--at", &at, "--db", &db]);
    assert!(ok, "{out}");
    assert!(out.contains("* streamhub-journey: no data: objective `Checkout`: Prometheus `shop-prometheus`"), "{out}");
}
