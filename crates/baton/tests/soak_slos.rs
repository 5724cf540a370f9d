//! The soak test's result as the SLO engine sees it: the same verdict as the transition
//! period's, computed over the recorded soak window, kept as evidence with the soak and
//! with the move to production.

mod support;

use serde_json::{json, Value};
use support::{spawn_app_with_slo_engine, TestApp};

const SVC: &str = "/api/v1/services/streamhub";

/// StreamHub proposed, accepted and assigned to `addon-sre`: onboarding, where a soak
/// test is recorded.
async fn onboarding() -> TestApp {
    let app = spawn_app_with_slo_engine().await;
    let owner = app.token("noor.castellano").await;
    assert_eq!(app.post(&format!("{SVC}/propose"), Some(&owner), json!({})).await.0, 200);
    let accept = json!({"priority": "p1", "reason": "r"});
    assert_eq!(app.post(&format!("{SVC}/accept"), Some(&app.token("helga.marchetti").await), accept).await.0, 200);
    let assign = json!({"sre_team": "addon-sre", "scope": "all"});
    assert_eq!(app.post(&format!("{SVC}/assign"), Some(&app.token("aoife.delacroix").await), assign).await.0, 200);
    app
}

/// `days` days of samples for both StreamHub SLOs, a day at a time: 1,000 requests a
/// minute, all good except `slow_latency` slow ones a minute on day `slow_day`.
async fn soak_traffic(app: &TestApp, days: i64, slow_day: Option<i64>, slow_latency: i64) {
    let owner = app.token("noor.castellano").await;
    for day in 0..days {
        app.days_later(1);
        let now = app.now();
        let samples = |bad: i64| {
            let s: Vec<Value> = (1..=1440)
                .rev()
                .map(|m| json!({"at": now.checked_sub(jiff::SignedDuration::from_mins(m)).unwrap(), "good": 1000 - bad, "total": 1000}))
                .collect();
            json!({ "samples": s })
        };
        let bad = if slow_day == Some(day) { slow_latency } else { 0 };
        assert_eq!(app.post("/api/v1/slos/streamhub-availability/samples", Some(&owner), samples(0)).await.0, 200);
        assert_eq!(app.post("/api/v1/slos/streamhub-publish-latency/samples", Some(&owner), samples(bad)).await.0, 200);
    }
}

/// The soak's audit record: what the SLOs said over its window.
async fn recorded_soak_verdict(app: &TestApp) -> Value {
    let (_, history) = app.get(&format!("{SVC}/history")).await;
    let soak = history.as_array().unwrap().iter().find(|r| r["action"] == "service.record-soak").expect("recorded");
    let details: Value = serde_json::from_str(soak["details"].as_str().unwrap()).unwrap();
    details["soak_slos"].clone()
}

#[tokio::test]
async fn a_soak_with_every_slo_met_on_every_day_is_met_by_the_slos_too() {
    let app = onboarding().await;
    let start = app.now();
    soak_traffic(&app, 8, None, 0).await;
    let soak =
        json!({"started_at": start, "ended_at": app.now(), "result": "passed", "link": "https://ci.example.com/s"});
    let sre = app.token("beatriz.nakamura").await;
    assert_eq!(app.post(&format!("{SVC}/soak"), Some(&sre), soak).await.0, 200);

    let verdict = recorded_soak_verdict(&app).await;
    assert_eq!(verdict["verdict"], "met", "{verdict}");
    let evidence = verdict["evidence"].as_str().unwrap();
    assert!(evidence.contains("streamhub-availability: 100%") && evidence.contains("over 8 days"), "{evidence}");
    let id = baton_core::ServiceId::parse("streamhub").unwrap();
    let now = app.baton.soak_slos(&id).await.unwrap().expect("a soak is recorded");
    assert_eq!(serde_json::to_value(&now).unwrap(), verdict, "the same computation over the same window");
}

#[tokio::test]
async fn a_soak_whose_latency_slo_failed_is_not_met_and_names_it() {
    let app = onboarding().await;
    let id = baton_core::ServiceId::parse("streamhub").unwrap();
    assert!(app.baton.soak_slos(&id).await.unwrap().is_none(), "no soak recorded yet");
    let start = app.now();
    // One day of 10% slow requests: 1,440 bad minutes of 11,520, far over the budget.
    soak_traffic(&app, 8, Some(3), 100).await;
    let soak =
        json!({"started_at": start, "ended_at": app.now(), "result": "passed", "link": "https://ci.example.com/s"});
    assert_eq!(app.post(&format!("{SVC}/soak"), Some(&app.token("beatriz.nakamura").await), soak).await.0, 200);

    let verdict = recorded_soak_verdict(&app).await;
    assert_eq!(verdict["verdict"], "not-met", "{verdict}");
    let reason = verdict["reason"].as_str().unwrap();
    assert!(reason.contains("streamhub-publish-latency") && !reason.contains("streamhub-availability"), "{reason}");
}
