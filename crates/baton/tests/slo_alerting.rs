//! SLOs that page, with the real `baton serve` and a real receiver on loopback: samples
//! that make the fast page tier fire open one critical alert on the SLO's service, routed
//! by its stage and delivered; good samples resolve it; an aspirational SLO burning the
//! same way opens nothing; a correction over the bad minutes keeps it quiet. The engine
//! judges every SLO each minute; here every second (`BATON_SLO_ALERTING_EVERY_MS`), the
//! same code path, so the test does not wait for minute boundaries.

mod paging_support;

use paging_support::{baton_cli, baton_serve_with, org_copy, Proc, Receiver};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const EVERY_SECOND: &[(&str, &str)] = &[("BATON_SLO_ALERTING_EVERY_MS", "1000")];

/// Per-minute samples for `minutes` minutes ending at the start of the current minute:
/// 1,000 requests a minute, `bad` of them failed in the last `bad_minutes`.
fn samples(minutes: i64, bad_minutes: i64, bad: u64) -> Value {
    let now = jiff::Timestamp::now().as_second();
    let end = now - now.rem_euclid(60);
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
