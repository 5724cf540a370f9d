//! SLOs that page, with the real `baton serve` and a real receiver on loopback: samples
//! that make the fast page tier fire open one critical alert on the SLO's service, routed
//! by its stage and delivered; good samples resolve it; an aspirational SLO burning the
//! same way opens nothing; a correction over the bad minutes keeps it quiet. The engine
//! judges every SLO each minute; here every second (`BATON_SLO_ALERTING_EVERY_MS`), the
//! same code path, so the test does not wait for minute boundaries.

use crate::paging_support::{baton_cli, baton_serve_with, org_copy, Proc, Receiver};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const EVERY_SECOND: &[(&str, &str)] = &[("BATON_SLO_ALERTING_EVERY_MS", "1000")];

/// Per-minute samples for `minutes` minutes ending at the start of the current minute:
/// 1,000 requests a minute, `bad` of them failed in the last `bad_minutes`.
fn samples(minutes: i64, bad_minutes: i64, bad: u64) -> Value {
    samples_ending(0, minutes, bad_minutes, bad)
}

/// As [`samples`], ending `ago` minutes before the start of the current minute.
fn samples_ending(ago: i64, minutes: i64, bad_minutes: i64, bad: u64) -> Value {
    let now = jiff::Timestamp::now().as_second();
    let end = now - now.rem_euclid(60) - ago * 60;
    let samples: Vec<Value> = (0..minutes)
        .map(|i| {
            let at = jiff::Timestamp::from_second(end - (minutes - i) * 60).unwrap();
            let failed = if i >= minutes - bad_minutes { bad } else { 0 };
            json!({"at": at.to_string(), "good": 1000 - failed, "total": 1000})
        })
        .collect();
    json!({ "samples": samples })
}

async fn post(url: &str, token: &str, body: &Value) -> Value {
    let r = reqwest::Client::new().post(url).bearer_auth(token).json(body).send().await.unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "POST {url}: {status} {body}");
    body
}

async fn alerts(url: &str) -> Vec<Value> {
    let all: Value = reqwest::get(format!("{url}/api/v1/alerts?open=false")).await.unwrap().json().await.unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .filter(|a| a["dedup_key"].as_str().unwrap_or("").starts_with("slo/"))
        .cloned()
        .collect()
}

/// How many times the engine has judged every SLO so far (its histogram's count).
async fn evaluations(url: &str) -> u64 {
    let text = reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("baton_slo_alerting_seconds_count "))
        .map_or(0, |n| n.trim().parse().unwrap())
}

async fn two_more_evaluations(url: &str, server: &Proc) {
    let seen = evaluations(url).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while evaluations(url).await < seen + 2 {
        assert!(Instant::now() < deadline, "the SLO alerting engine stopped judging:\n{}", server.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burning_slo_pages_its_owner_resolves_when_good_and_aspirational_or_corrected_ones_do_not() {
    let receiver = Receiver::start().await;
    let org = org_copy(&receiver.base, &[]);
    // The latency SLO burns too, but is aspirational: it never pages.
    let slos = org.path().join("slos/streamhub.yaml");
    let text = std::fs::read_to_string(&slos).unwrap();
    let marked = text.replacen(
        "  name: streamhub-publish-latency\n",
        "  name: streamhub-publish-latency\n  annotations:\n    baton.dev/aspirational: \"true\"\n",
        1,
    );
    assert_ne!(marked, text, "the latency SLO is in streamhub.yaml");
    std::fs::write(&slos, marked).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    let (server, url) = baton_serve_with("baton", &db, Some(org.path()), "127.0.0.1:0", dir.path(), EVERY_SECOND).await;
    let noor = baton_cli(&["token", "create", "noor.castellano", "--db", &db]).trim().to_owned();
    let availability = format!("{url}/api/v1/slos/streamhub-availability/samples");
    let latency = format!("{url}/api/v1/slos/streamhub-publish-latency/samples");

    // Three good days, then 20 minutes at 5% errors: 16.7× the budget's pace over the last
    // hour (the fast page tier's threshold is 13.4×), 2.8× over six hours (the slow one's
    // is 5.6×), too little for the ticket tiers.
    post(&availability, &noor, &samples(3 * 1440 + 20, 20, 50)).await;
    post(&latency, &noor, &samples(3 * 1440 + 20, 20, 1000)).await;
    receiver
        .wait_until(
            Duration::from_secs(30),
            "the SLO's page",
            |seen| seen.iter().any(|s| s.kind() == "page" && s.dedup_key() == "slo/streamhub-availability/page"),
            || server.log(),
        )
        .await;
    two_more_evaluations(&url, &server).await;
    let opened = alerts(&url).await;
    assert_eq!(opened.len(), 1, "one alert for the SLO, none for the aspirational one: {opened:#?}");
    let alert = &opened[0];
    assert_eq!(alert["severity"], "critical");
    assert_eq!(alert["service"], "streamhub");
    assert_eq!(alert["policy"], "streamhub-dev-page", "before handover the owner team holds the pager");
    let summary = alert["summary"].as_str().unwrap();
    assert!(summary.contains("page 1h/5m fires"), "{summary}");
    assert!(summary.contains("budget left"), "{summary}");
    let page = receiver.of_kind("page").into_iter().find(|s| s.dedup_key() == "slo/streamhub-availability/page");
    let page = page.unwrap();
    assert_eq!(page.to(), "noor.castellano");
    let links = page.body["links"].to_string();
    assert!(links.contains("/services/streamhub#slo-streamhub-availability"), "the page links the SLO: {links}");

    // The bad minutes turn out good (the samples are replaced): the alert resolves.
    post(&availability, &noor, &samples(20, 0, 0)).await;
    receiver
        .wait_until(
            Duration::from_secs(30),
            "the resolution",
            |seen| seen.iter().any(|s| s.kind() == "page-update" && s.action() == "resolve"),
            || server.log(),
        )
        .await;
    let resolved = alerts(&url).await;
    assert_eq!(resolved.len(), 1, "{resolved:#?}");
    assert_eq!(resolved[0]["status"], "resolved");

    // Bad again, but a correction covers those minutes (a planned failover, say): quiet.
    let now = jiff::Timestamp::now().as_second();
    let end = now - now.rem_euclid(60);
    let correction = json!({
        "start": jiff::Timestamp::from_second(end - 25 * 60).unwrap().to_string(),
        "end": jiff::Timestamp::from_second(end + 10 * 60).unwrap().to_string(),
        "reason": "planned broker failover",
    });
    post(&format!("{url}/api/v1/slos/streamhub-availability/corrections"), &noor, &correction).await;
    post(&availability, &noor, &samples(20, 20, 50)).await;
    two_more_evaluations(&url, &server).await;
    let after = alerts(&url).await;
    assert_eq!(after.len(), 1, "no new alert while a correction covers the bad minutes: {after:#?}");
    assert_eq!(after[0]["status"], "resolved");
}

/// An SLO's own alert policy as OpenSLO writes it: `alertWhenNoData`, `alertWhenResolved`
/// and a notification target delivered as a channel; and an SLO whose alerts are left to
/// the generated Prometheus rules, whose Alertmanager alerts are keyed as the engine's.
const POLICY_AND_TARGET: &str = "apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata:
  name: streamhub-chat
  annotations:
    baton.dev/url: RECEIVER/hooks/slo-target
spec:
  target: webhook
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: streamhub-fast-burn
spec:
  alertWhenNoData: true
  alertWhenResolved: true
  conditions:
    - kind: AlertCondition
      spec:
        severity: page
        condition: {kind: burnrate, op: gt, threshold: 14.4, lookbackWindow: 1h}
  notificationTargets:
    - targetRef: streamhub-chat
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: streamhub-checkout
spec:
  service: streamhub
  indicatorRef: streamhub-publish-requests
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
  alertPolicies: [{alertPolicyRef: streamhub-fast-burn}]
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: streamhub-by-rules
  annotations: {baton.dev/alerts: rules}
spec:
  service: streamhub
  indicatorRef: streamhub-publish-requests
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
";

fn burn_alert(slo: &str, status: &str) -> Value {
    json!({"version": "4", "groupKey": "g", "status": status, "receiver": "baton", "alerts": [{
        "status": status,
        "labels": {"alertname": "BatonErrorBudgetBurn", "slo": slo, "service": "streamhub", "severity": "page",
                   "long_window": "1h", "short_window": "5m"},
        "annotations": {"summary": format!("{slo} burns its error budget")},
    }]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_slo_policy_tells_its_target_alerts_on_silence_and_rule_alerts_are_one_per_slo() {
    let receiver = Receiver::start().await;
    let org = org_copy(&receiver.base, &[]);
    std::fs::write(org.path().join("slos/checkout.yaml"), POLICY_AND_TARGET.replace("RECEIVER", &receiver.base))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    let (server, url) = baton_serve_with("baton", &db, Some(org.path()), "127.0.0.1:0", dir.path(), EVERY_SECOND).await;
    let noor = baton_cli(&["token", "create", "noor.castellano", "--db", &db]).trim().to_owned();
    let checkout = format!("{url}/api/v1/slos/streamhub-checkout/samples");
    let to_target = |seen: &[crate::paging_support::Seen]| -> Vec<(String, String)> {
        seen.iter()
            .filter(|s| s.path == "/hooks/slo-target")
            .map(|s| (s.dedup_key().to_owned(), s.action().to_owned()))
            .collect()
    };

    // Three good days that stopped 70 minutes ago: the 1h tier's window is silent.
    post(&checkout, &noor, &samples_ending(70, 3 * 1440, 0, 0)).await;
    receiver
        .wait_until(
            Duration::from_secs(30),
            "the no-data alert at the target",
            |seen| !to_target(seen).is_empty(),
            || server.log(),
        )
        .await;
    let silent = alerts(&url).await;
    assert_eq!(silent.len(), 1, "{silent:#?}");
    assert_eq!(silent[0]["dedup_key"], "slo/streamhub-checkout/no-data");
    assert_eq!(silent[0]["severity"], "critical", "the page policy asked for it");
    assert!(silent[0]["summary"].as_str().unwrap().contains("no events in the last 1h"), "{}", silent[0]["summary"]);
    let paged = receiver.of_kind("page");
    assert!(
        paged.iter().any(|s| s.dedup_key() == "slo/streamhub-checkout/no-data" && s.to() == "noor.castellano"),
        "the escalation policy pages as for any alert: {paged:#?}"
    );

    // Data returns, 20 minutes at 5% errors: the no-data alert resolves and the page
    // tier fires; the target hears of both, then of the page's resolution once the
    // minutes turn out good.
    post(&checkout, &noor, &samples(20, 20, 50)).await;
    let wanted = |seen: &[crate::paging_support::Seen]| to_target(seen).iter().any(|(k, _)| k.ends_with("/page"));
    receiver.wait_until(Duration::from_secs(30), "the page at the target", wanted, || server.log()).await;
    post(&checkout, &noor, &samples(20, 0, 0)).await;
    let resolved = |seen: &[crate::paging_support::Seen]| {
        to_target(seen).iter().any(|(k, a)| k.ends_with("/page") && a == "resolve")
    };
    receiver
        .wait_until(Duration::from_secs(30), "the page's resolution at the target", resolved, || server.log())
        .await;
    two_more_evaluations(&url, &server).await;
    let key = |k: &str, a: &str| (format!("slo/streamhub-checkout/{k}"), a.to_owned());
    // The sender delivers concurrently, so in any order.
    let mut told = to_target(&receiver.seen());
    told.sort();
    assert_eq!(
        told,
        [key("no-data", "resolve"), key("no-data", "trigger"), key("page", "resolve"), key("page", "trigger")],
        "each opening and resolution once, nothing for the minutes in between"
    );

    // Reports are public: the target is shown, its address is not.
    let report =
        reqwest::get(format!("{url}/api/v1/slos/streamhub-checkout/report")).await.unwrap().text().await.unwrap();
    assert!(report.contains("streamhub-chat") && report.contains("/redacted"), "{report}");
    assert!(!report.contains("/hooks/slo-target"), "the target's URL is not public: {report}");

    // Alertmanager, running the generated rules: the SLO left to the rules opens one alert
    // under the engine's key; a burn alert of an SLO the engine pages for is ignored.
    let (status, created) = {
        let r = reqwest::Client::new()
            .post(format!("{url}/api/v1/integrations"))
            .bearer_auth(&noor)
            .json(&json!({"service": "streamhub", "name": "am", "format": "alertmanager"}))
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 201, "{created}");
    let webhook = format!("{url}{}", created["url"].as_str().unwrap());
    let send = |body: Value| {
        let webhook = webhook.clone();
        async move {
            let r = reqwest::Client::new().post(&webhook).json(&body).send().await.unwrap();
            assert!(r.status().is_success(), "{}", r.status());
            let answer: Value = r.json().await.unwrap();
            answer["alerts"][0]["outcome"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(send(burn_alert("streamhub-by-rules", "firing")).await, "opened");
    assert_eq!(send(burn_alert("streamhub-by-rules", "firing")).await, "deduplicated");
    assert_eq!(send(burn_alert("streamhub-checkout", "firing")).await, "ignored");
    two_more_evaluations(&url, &server).await;
    let open: Vec<Value> = alerts(&url).await.into_iter().filter(|a| a["status"] != "resolved").collect();
    let keys: Vec<&str> = open.iter().map(|a| a["dedup_key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["slo/streamhub-by-rules/page"], "the engine leaves the rules' alert open: {open:#?}");
    assert_eq!(send(burn_alert("streamhub-by-rules", "resolved")).await, "resolved");
}
