//! SLOs through the API: samples in (bad items refused one by one, retries idempotent),
//! reports out with figures that can be checked by hand, and the handover decided by
//! Baton's own SLO engine from those samples.

use crate::support::{spawn_app, spawn_app_with_slo_engine, unmet_codes, TestApp};
use serde_json::{json, Value};

/// Per-minute samples for `minutes` minutes ending a minute before now: 1,000 requests a
/// minute, `bad` of them failing.
fn minutes(app: &TestApp, minutes: i64, bad: i64) -> Vec<Value> {
    let now = app.now();
    (1..=minutes)
        .rev()
        .map(|m| json!({"at": now.checked_sub(jiff::SignedDuration::from_mins(m)).unwrap(), "good": 1000 - bad, "total": 1000}))
        .collect()
}

#[tokio::test]
async fn samples_are_taken_item_by_item_and_a_retried_batch_counts_once() {
    let app = spawn_app().await;
    let owner = app.token("noor.castellano").await;
    let path = "/api/v1/slos/streamhub-availability/samples";
    let now = app.now();
    let ago = |m| now.checked_sub(jiff::SignedDuration::from_mins(m)).unwrap();
    let batch = json!({"samples": [
        {"at": ago(3), "good": 990, "total": 1000},
        {"at": ago(2), "good": 11, "total": 10},
        {"at": ago(2), "good": -1, "total": 10},
        {"at": now.checked_add(jiff::SignedDuration::from_mins(5)).unwrap(), "good": 1, "total": 1},
        {"at": ago(1), "good": 1000, "total": 1000},
    ]});
    let (status, body) = app.post(path, Some(&owner), batch.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["accepted"].as_i64(), body["buckets"].as_i64()), (Some(2), Some(2)));
    let rejected: Vec<_> = body["rejected"].as_array().unwrap().iter().map(|r| r["index"].as_i64().unwrap()).collect();
    assert_eq!(rejected, vec![1, 2, 3]);
    assert!(body["rejected"][0]["reason"].as_str().unwrap().contains("more than total"), "{body}");

    let (_, first) = app.get("/api/v1/slos/streamhub-availability/report").await;
    assert_eq!(app.post(path, Some(&owner), batch).await.0, 200);
    let (_, again) = app.get("/api/v1/slos/streamhub-availability/report").await;
    assert_eq!(first["tally"], again["tally"], "a retried batch does not count twice");
    // 1,990 good of 2,000: attainment 99.5%; allowed bad 0.1% of 2,000 = 2, spent 10.
    assert_eq!(first["attainment"]["value"].as_f64(), Some(0.995), "{}", first["attainment"]);
    assert_eq!(first["budget"]["value"]["remaining"].as_f64(), Some(1.0 - 10.0 / 2.0));

    // Counts that would overflow a minute are refused item by item with the reason, not
    // answered "try again": the first of the two is kept.
    let huge = i64::MAX / 2 + 1;
    let batch = json!({"samples": [
        {"at": ago(4), "good": huge, "total": huge},
        {"at": ago(4), "good": huge, "total": huge},
    ]});
    let (status, body) = app.post(path, Some(&owner), batch).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["accepted"].as_i64(), body["rejected"][0]["index"].as_i64()), (Some(1), Some(1)), "{body}");
    assert!(body["rejected"][0]["reason"].as_str().unwrap().contains("more events than a minute can store"), "{body}");

    let outsider = app.token("leila.fontaine").await;
    assert_eq!(app.post(path, Some(&outsider), json!({"samples": []})).await.0, 403);
    let (status, body) = app
        .post(
            "/api/v1/slos/lumen-metrics-query-latency/samples",
            Some(&app.token("oskar.mbeki").await),
            json!({"samples": []}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("slo")),
        "Prometheus SLIs take no samples: {body}"
    );
    assert_eq!(app.get("/api/v1/slos/no-such-slo/report").await.0, 404);
}

#[tokio::test]
async fn a_quiet_slo_reports_no_data_never_a_hundred_percent() {
    let app = spawn_app().await;
    let (status, report) = app.get("/api/v1/slos/keyring-secret-reads/report").await;
    assert_eq!(status, 200);
    assert_eq!(report["attainment"]["status"], "no-data", "{}", report["attainment"]);
    let (_, prom) = app.get("/api/v1/slos/lumen-metrics-query-latency/report").await;
    assert_eq!(prom["data"]["status"], "unavailable");
    assert!(prom["data"]["reason"].as_str().unwrap().contains("127.0.0.1:9090"), "says which source: {}", prom["data"]);
}

#[tokio::test]
async fn the_handover_waits_for_the_slo_engine_to_see_four_good_weeks() {
    let app = spawn_app_with_slo_engine().await;
    let owner = app.token("noor.castellano").await;
    let sre = app.token("beatriz.nakamura").await;
    let svc = "/api/v1/services/streamhub";
    assert_eq!(app.post(&format!("{svc}/propose"), Some(&owner), json!({})).await.0, 200);
    assert_eq!(
        app.post(
            &format!("{svc}/accept"),
            Some(&app.token("helga.marchetti").await),
            json!({"priority": "p1", "reason": "r"})
        )
        .await
        .0,
        200
    );
    let assign = json!({"sre_team": "addon-sre", "scope": "all"});
    assert_eq!(app.post(&format!("{svc}/assign"), Some(&app.token("aoife.delacroix").await), assign).await.0, 200);
    for item in app.org.checklist.clone() {
        let who = match &item.required_by {
            None => sre.clone(),
            Some(team) => app.token(app.org.teams[team].members[0].as_str()).await,
        };
        let path = format!("{svc}/checklist/{}/complete", item.id);
        assert_eq!(app.post(&path, Some(&who), json!({"evidence": "https://git.example.com/mr/1"})).await.0, 200);
    }
    let start = app.now();
    app.days_later(8);
    // No SLI data was sent during the soak: the SLOs say "no data", which is no pass, so
    // the SRE team vouches for it with a reason (an override, audited as such).
    let why = "SLIs were wired after the soak; the load test report shows it held (STREAMHUB-7)";
    let soak = json!({"started_at": start, "ended_at": app.now(), "link": "https://ci.example.com/s",
        "override": {"result": "passed", "reason": why}});
    assert_eq!(app.post(&format!("{svc}/soak"), Some(&sre), soak).await.0, 200);
    crate::support::pass_promote_to_prod(&app, "streamhub").await;
    assert_eq!(app.post(&format!("{svc}/production"), Some(&owner), json!({})).await.0, 200);

    // Four weeks and a day in production, in daily batches: availability at 99.95% and
    // every latency minute good, except one bad week for latency in the middle.
    for day in 0..29 {
        app.days_later(1);
        let bad_latency = if (10..12).contains(&day) { 100 } else { 0 };
        let avail = json!({"samples": minutes(&app, 1440, 0).into_iter().enumerate().map(|(i, mut s)| {
            if i % 2 == 0 { s["good"] = json!(999); } s }).collect::<Vec<_>>()});
        assert_eq!(app.post("/api/v1/slos/streamhub-availability/samples", Some(&owner), avail).await.0, 200);
        let latency = json!({"samples": minutes(&app, 1440, bad_latency)});
        assert_eq!(app.post("/api/v1/slos/streamhub-publish-latency/samples", Some(&owner), latency).await.0, 200);
    }
    let review = json!({"slos_met": true, "evidence": "https://docs.example.com/review"});
    assert_eq!(app.post(&format!("{svc}/review"), Some(&sre), review).await.0, 200);
    // Two days of 10% slow requests: 2,880 bad minutes of 40,320, far over the 1% allowed.
    let (status, body) = app.post(&format!("{svc}/handover"), Some(&sre), json!({"reason": "ready"})).await;
    assert_eq!((status, unmet_codes(&body)), (409, vec!["slo".to_owned()]), "{body}");
    let message = body["error"]["unmet"][0]["message"].as_str().unwrap();
    assert!(message.contains("streamhub-publish-latency"), "names the SLO that failed: {message}");

    // Two more weeks of good latency push the bad days out of the 28-day window.
    for _ in 0..14 {
        app.days_later(1);
        let avail = json!({"samples": minutes(&app, 1440, 0)});
        assert_eq!(app.post("/api/v1/slos/streamhub-availability/samples", Some(&owner), avail).await.0, 200);
        let latency = json!({"samples": minutes(&app, 1440, 0)});
        assert_eq!(app.post("/api/v1/slos/streamhub-publish-latency/samples", Some(&owner), latency).await.0, 200);
    }
    let review = json!({"slos_met": true, "evidence": "https://docs.example.com/review-2"});
    assert_eq!(app.post(&format!("{svc}/review"), Some(&sre), review).await.0, 200);
    let (status, body) = app.post(&format!("{svc}/handover"), Some(&sre), json!({"reason": "SLOs met"})).await;
    assert_eq!((status, body["stage"].as_str()), (200, Some("sre-owned")), "{body}");
    let (_, history) = app.get(&format!("{svc}/history?limit=1")).await;
    let details: Value = serde_json::from_str(history[0]["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["viability"]["verdict"], "met");
    assert!(details["viability"]["evidence"].as_str().unwrap().contains("streamhub-availability"), "{details}");
}
