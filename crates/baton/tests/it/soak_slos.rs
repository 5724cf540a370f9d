//! The soak test's result as the SLO engine sees it: the same verdict as the transition
//! period's, computed over the recorded soak window, kept as evidence with the soak and
//! with the move to production.

use crate::support::{spawn_app_with_slo_engine, unmet_codes, TestApp};
use serde_json::{json, Value};

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
/// minute, all good except, when `incident` is `(day, from, minutes)`, 100 slow ones a
/// minute (90% fast, under the latency SLO's 95% slice threshold) for `minutes` minutes
/// from minute `from` of day `day`.
async fn soak_traffic(app: &TestApp, days: i64, incident: Option<(i64, i64, i64)>) {
    let owner = app.token("noor.castellano").await;
    for day in 0..days {
        app.days_later(1);
        let now = app.now();
        let samples = |slow: &dyn Fn(i64) -> bool| {
            let s: Vec<Value> = (1..=1440)
                .rev()
                .map(|m| {
                    let bad = if slow(1440 - m) { 100 } else { 0 };
                    json!({"at": now.checked_sub(jiff::SignedDuration::from_mins(m)).unwrap(), "good": 1000 - bad, "total": 1000})
                })
                .collect();
            json!({ "samples": s })
        };
        let slow =
            |minute: i64| matches!(incident, Some((d, from, n)) if d == day && (from..from + n).contains(&minute));
        assert_eq!(
            app.post("/api/v1/slos/streamhub-availability/samples", Some(&owner), samples(&|_| false)).await.0,
            200
        );
        assert_eq!(
            app.post("/api/v1/slos/streamhub-publish-latency/samples", Some(&owner), samples(&slow)).await.0,
            200
        );
    }
}

/// The audit record of the soak: what the SLOs said over its window.
async fn recorded(app: &TestApp, action: &str) -> Value {
    let (_, history) = app.get(&format!("{SVC}/history")).await;
    let soak = history.as_array().unwrap().iter().find(|r| r["action"] == action).expect("recorded").clone();
    let details: Value = serde_json::from_str(soak["details"].as_str().unwrap()).unwrap();
    json!({ "reason": soak["reason"], "details": details })
}

async fn recorded_soak_verdict(app: &TestApp) -> Value {
    recorded(app, "service.record-soak").await["details"]["soak_slos"].clone()
}

fn soak_body(start: jiff::Timestamp, end: jiff::Timestamp) -> Value {
    json!({"started_at": start, "ended_at": end, "link": "https://ci.example.com/s"})
}

#[tokio::test]
async fn a_soak_with_every_slo_met_on_every_day_is_met_by_the_slos_too() {
    let app = onboarding().await;
    let start = app.now();
    soak_traffic(&app, 8, None).await;
    let sre = app.token("beatriz.nakamura").await;
    let (status, body) = app.post(&format!("{SVC}/soak"), Some(&sre), soak_body(start, app.now())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["record"]["soak"]["result"], "passed", "{body}");

    let verdict = recorded_soak_verdict(&app).await;
    assert_eq!(verdict["verdict"], "met", "{verdict}");
    let evidence = verdict["evidence"].as_str().unwrap();
    assert!(evidence.contains("streamhub-availability: 100%") && evidence.contains("over 8 days"), "{evidence}");
    assert_eq!(body["record"]["soak"]["verdict"], verdict, "the verdict stored with the soak is the audited one");
    let id = baton_core::ServiceId::parse("streamhub").unwrap();
    let now = app.baton.soak_slos(&id).await.unwrap().expect("a soak is recorded");
    assert_eq!(serde_json::to_value(&now).unwrap(), verdict, "the same computation over the same window");
    // The pipeline reads it: only the checklist and the gate stand before production.
    let (status, body) = app.post(&format!("{SVC}/production"), Some(&sre), json!({})).await;
    assert_eq!(status, 409);
    assert!(!unmet_codes(&body).contains(&"soak".to_owned()), "{body}");
}

#[tokio::test]
async fn a_week_with_a_known_incident_is_not_met_naming_the_slo_and_the_minutes_that_failed_it() {
    let app = onboarding().await;
    let id = baton_core::ServiceId::parse("streamhub").unwrap();
    assert!(app.baton.soak_slos(&id).await.unwrap().is_none(), "no soak recorded yet");
    let start = app.now();
    // 200 slow minutes on day 3 from 19:00 UTC (minute 600 of a day starting at 09:00):
    // 200 of 11,520 minutes bad, over the 1% (115.2 minutes) the latency SLO allows.
    soak_traffic(&app, 8, Some((3, 600, 200))).await;
    let sre = app.token("beatriz.nakamura").await;
    let (status, body) = app.post(&format!("{SVC}/soak"), Some(&sre), soak_body(start, app.now())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["record"]["soak"]["result"], "failed", "{body}");

    let verdict = recorded_soak_verdict(&app).await;
    assert_eq!(verdict["verdict"], "not-met", "{verdict}");
    let reason = verdict["reason"].as_str().unwrap();
    assert!(reason.contains("streamhub-publish-latency") && !reason.contains("streamhub-availability"), "{reason}");
    assert!(reason.contains("200 failed minutes (2026-03-05 19:00 to 22:20 UTC)"), "{reason}");
    let failed = verdict["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{verdict}");
    assert_eq!(failed[0]["slo"], "streamhub-publish-latency");
    assert_eq!(failed[0]["failed_minutes"], 200);
    assert_eq!(
        failed[0]["spans"],
        json!([{"start": "2026-03-05T19:00:00Z", "end": "2026-03-05T22:20:00Z", "minutes": 200}])
    );

    // The pipeline reads the verdict: production is refused on it, naming the SLO.
    let (status, body) = app.post(&format!("{SVC}/production"), Some(&sre), json!({})).await;
    assert_eq!(status, 409);
    let soak = body["error"]["unmet"].as_array().unwrap().iter().find(|u| u["code"] == "soak").expect("soak unmet");
    assert!(
        soak["message"].as_str().unwrap().contains("failed")
            && soak["message"].as_str().unwrap().contains("streamhub-publish-latency"),
        "{soak}"
    );
    // The service as the app reads it carries the result (what gates' `soak_test` read).
    let view = app.baton.service(&id).await.unwrap();
    assert_eq!(view.record.soak.unwrap().result, baton_core::pipeline::SoakResult::Failed);
}

#[tokio::test]
async fn a_soak_without_samples_has_no_data_never_a_pass() {
    let app = onboarding().await;
    let start = app.now();
    app.days_later(8);
    let sre = app.token("beatriz.nakamura").await;
    let (status, body) = app.post(&format!("{SVC}/soak"), Some(&sre), soak_body(start, app.now())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["record"]["soak"]["result"], "no-data", "{body}");
    let verdict = recorded_soak_verdict(&app).await;
    assert_eq!(verdict["verdict"], "no-data", "{verdict}");
    assert!(verdict["reason"].as_str().unwrap().contains("no data in the window"), "{verdict}");
    let (_, body) = app.post(&format!("{SVC}/production"), Some(&sre), json!({})).await;
    let soak = body["error"]["unmet"].as_array().unwrap().iter().find(|u| u["code"] == "soak").expect("soak unmet");
    assert!(soak["message"].as_str().unwrap().contains("no SLO verdict"), "{soak}");
}

#[tokio::test]
async fn an_sre_overrides_the_verdict_with_a_reason_recorded_as_an_override() {
    let app = onboarding().await;
    let start = app.now();
    soak_traffic(&app, 8, Some((3, 600, 200))).await;
    let why = "the slow minutes were a load test's synthetic publishes (STREAMHUB-31)";
    let mut body = soak_body(start, app.now());
    body["override"] = json!({"result": "passed", "reason": why});
    // The owners record soak tests, but do not overrule their own SLOs.
    let (status, _) = app.post(&format!("{SVC}/soak"), Some(&app.token("noor.castellano").await), body.clone()).await;
    assert_eq!(status, 403);
    let (status, answer) = app.post(&format!("{SVC}/soak"), Some(&app.token("beatriz.nakamura").await), body).await;
    assert_eq!(status, 200, "{answer}");
    let soak = &answer["record"]["soak"];
    assert_eq!((soak["result"].clone(), soak["override"]["reason"].clone()), (json!("passed"), json!(why)));
    assert_eq!(soak["verdict"]["verdict"], "not-met", "the SLOs' verdict is kept beside the override");
    let audit = recorded(&app, "service.override-soak").await;
    assert_eq!(audit["reason"], why);
    assert_eq!(audit["details"]["soak_slos"]["verdict"], "not-met");
    assert_eq!(audit["details"]["overridden"], true);
}

#[tokio::test]
async fn an_old_client_sending_its_own_result_gets_a_422_saying_what_to_send() {
    let app = onboarding().await;
    let start = app.now();
    app.days_later(8);
    let mut body = soak_body(start, app.now());
    body["result"] = json!("passed");
    let (status, answer) = app.post(&format!("{SVC}/soak"), Some(&app.token("beatriz.nakamura").await), body).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (422, Some("result")), "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("judges the service's SLOs") && message.contains("override"), "{message}");
}
