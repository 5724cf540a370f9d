//! Paging when things go wrong, with the real `baton serve` and a real receiver on
//! loopback: a receiver that is down, a dead letter sent again, hundreds of due records
//! that keep failing, a policy removed while its alert is open, and Alertmanager's real
//! payloads. Delivery retries are shortened through settings (`BATON_DELIVERY_RETRY_*`),
//! never skipped: the same code path runs as in production, faster.

use crate::paging_support::{
    baton_cli, baton_serve_with, free_port, generic_alert, generic_integration, org_copy, Proc, Receiver,
};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Retries from 200 ms, doubling, at most 1 s apart: with the old policy (8 attempts)
/// these settings gave a message up after about 5 s.
const FAST_RETRIES: &[(&str, &str)] =
    &[("BATON_DELIVERY_RETRY_BASE_MS", "200"), ("BATON_DELIVERY_RETRY_MAX_MS", "1000")];

async fn get(url: &str) -> Value {
    let r = reqwest::get(url).await.unwrap();
    assert!(r.status().is_success(), "GET {url}: {}", r.status());
    r.json().await.unwrap()
}

async fn post(url: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut request = reqwest::Client::new().post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Polls `probe` every 100 ms until it answers `Some`, up to `timeout`.
async fn eventually<T>(timeout: Duration, what: &str, server: &Proc, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "waited {timeout:?} for {what}\n{}", server.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn token(db: &str, person: &str) -> String {
    baton_cli(&["token", "create", person, "--db", db]).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_to_a_receiver_that_is_down_wait_for_it_and_none_is_lost() {
    // The policy's channel points at a port nothing listens on: every attempt is refused.
    let port = free_port();
    let org = org_copy(&format!("http://127.0.0.1:{port}"), &[]);
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    let (server, url) = baton_serve_with("baton", &db, Some(org.path()), "127.0.0.1:0", dir.path(), FAST_RETRIES).await;
    let key = generic_integration(&db);
    for i in 0..20 {
        let (status, body) = post(
            &format!("{url}/api/v1/intake/{key}/generic"),
            None,
            &generic_alert(&format!("down-{i:02}"), "critical"),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }

    // Down for 20 s: four times as long as these settings used to keep a page.
    let down = Instant::now();
    let alert = eventually(Duration::from_secs(30), "the first page tried several times", &server, async || {
        let a = get(&format!("{url}/api/v1/alerts/streamhub/down-00")).await;
        let first = a["deliveries"].as_array()?.iter().find(|d| d["to"][0] == "noor.castellano")?.clone();
        (first["attempts"].as_i64() >= Some(4)).then_some(a)
    })
    .await;
    let deliveries = alert["deliveries"].as_array().unwrap();
    let page = deliveries.iter().find(|d| d["to"][0] == "noor.castellano").unwrap();
    assert_eq!(page["status"], "pending", "{page}");
    assert_eq!(page["channel"], "webhook");
    // Nobody received step 1, so step 2 (the whole team) was paged at once, not in 15 minutes.
    let history = alert["history"].as_array().unwrap();
    assert!(history.iter().any(|e| e["kind"] == "undelivered"), "{alert}");
    assert!(deliveries.iter().any(|d| d["to"][0] == "yuki.brandvold"), "{alert}");
    let error = page["last_error"].as_str().unwrap();
    assert!(error.contains("127.0.0.1"), "the error names the host it could not reach: {error}");
    assert!(page["next_attempt_at"].is_string(), "{page}");
    tokio::time::sleep(Duration::from_secs(20).saturating_sub(down.elapsed())).await;
    let dead = get(&format!("{url}/api/v1/notifications?status=dead")).await;
    assert_eq!(dead, serde_json::json!([]), "nothing was given up while the receiver was down");
    let metrics = reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("baton_outbox_oldest_pending_seconds"), "{metrics}");
    assert!(metrics.contains("baton_deliveries_total{outcome=\"retry\"}"), "{metrics}");

    // Back: every page arrives, once per alert and person.
    let receiver = Receiver::start_on(port).await;
    receiver
        .wait_until(
            Duration::from_secs(20),
            "every alert's page once the receiver is back",
            |seen| {
                let mut keys: Vec<&str> = seen.iter().filter(|s| s.kind() == "page").map(|s| s.dedup_key()).collect();
                keys.sort_unstable();
                keys.dedup();
                // Every alert paged, and the one looked at below to its first person too:
                // the retries of one alert's pages are not all due at the same instant.
                let noors = seen
                    .iter()
                    .any(|s| s.kind() == "page" && s.dedup_key() == "down-00" && s.to() == "noor.castellano");
                keys.len() == 20 && noors
            },
            || server.log(),
        )
        .await;
    let page = receiver.of_kind("page").into_iter().find(|s| s.dedup_key() == "down-00" && s.to() == "noor.castellano");
    let page = page.unwrap();
    let link = page.body["links"][0]["url"].as_str().unwrap_or_default();
    assert_eq!(link, format!("{url}/alerts/streamhub/down-00"), "every page links back to its alert in Baton");
    let alert = eventually(Duration::from_secs(10), "every delivery of one alert settled", &server, async || {
        let a = get(&format!("{url}/api/v1/alerts/streamhub/down-00")).await;
        a["deliveries"].as_array()?.iter().all(|d| d["status"] == "delivered").then_some(a)
    })
    .await;
    assert!(alert["deliveries"].as_array().unwrap().len() >= 2, "{alert}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_sent_again_through_the_api_is_delivered() {
    // A receiver that refuses every page (a 4xx is final: repeating the same request
    // cannot change the answer), so the page is a dead letter at once.
    let receiver = Receiver::start().await;
    receiver.set_status(410);
    let org = org_copy(&receiver.base, &[]);
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    let (server, url) = baton_serve_with("baton", &db, Some(org.path()), "127.0.0.1:0", dir.path(), FAST_RETRIES).await;
    let key = generic_integration(&db);
    let (status, _) =
        post(&format!("{url}/api/v1/intake/{key}/generic"), None, &generic_alert("lost", "critical")).await;
    assert_eq!(status, 200);
    let delivery = eventually(Duration::from_secs(20), "the page to be given up", &server, async || {
        let a = get(&format!("{url}/api/v1/alerts/streamhub/lost")).await;
        let deliveries = a["deliveries"].as_array().cloned().unwrap_or_default();
        deliveries.into_iter().find(|d| d["to"][0] == "noor.castellano" && d["status"] == "dead")
    })
    .await;
    assert_eq!(delivery["last_error"], "410 Gone", "the status and its reason, nothing the receiver wrote");
    let id = delivery["id"].as_i64().unwrap();
    let metrics = reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("baton_deliveries_total{outcome=\"dead\"}"), "{metrics}");

    receiver.set_status(200);
    let resend = format!("{url}/api/v1/notifications/{id}/resend");
    let (status, body) = post(&resend, None, &Value::Null).await;
    assert_eq!(status, 401, "re-sending needs a token: {body}");
    let (status, body) = post(&resend, Some(&token(&db, "helga.marchetti")), &Value::Null).await;
    assert_eq!(status, 403, "an architect does not respond to streamhub's alerts: {body}");
    let (status, body) = post(&resend, Some(&token(&db, "noor.castellano")), &Value::Null).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "pending");
    receiver
        .wait_until(
            Duration::from_secs(10),
            "the re-sent page",
            |seen| {
                seen.iter()
                    .filter(|s| s.kind() == "page" && s.dedup_key() == "lost" && s.to() == "noor.castellano")
                    .count()
                    == 2
            },
            || server.log(),
        )
        .await;
    let (status, body) = post(&resend, Some(&token(&db, "noor.castellano")), &Value::Null).await;
    assert_eq!(status, 409, "only a dead letter is re-sent: {body}");
    let audit = baton_cli(&["audit", "log", "--subject", "alert/streamhub/lost", "--db", &db]);
    assert!(audit.contains("notification.resend") && audit.contains("noor.castellano"), "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_failing_due_records_do_not_delay_a_healthy_escalation() {
    use baton_store::{AlertWrite, Commit, RecordWrite, Store};
    let receiver = Receiver::start().await;
    // Noor first, then after 3 s the whole team.
    let org = org_copy(&receiver.base, &[("streamhub-dev.yaml", "delay: 15m", "delay: 3s")]);
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    let (server, url) = baton_serve_with("baton", &db, Some(org.path()), "127.0.0.1:0", dir.path(), &[]).await;
    let key = generic_integration(&db);

    // 500 alerts whose stored body no build can read, and 500 due records of a kind no
    // handler knows, all due now, written beside the running server.
    let store = baton_store_sqlite::SqliteStore::connect(&db).await.unwrap();
    let now = baton_core::Timestamp::now();
    let mut poison = Commit::default();
    for i in 0..500 {
        poison.alerts.push(AlertWrite {
            id: format!("streamhub/poison-{i:03}"),
            expected_version: 0,
            service: "streamhub".into(),
            open: true,
            sort_at: now,
            body: "{\"not\": \"an alert\"}".into(),
            due_at: Some(now),
        });
        poison.records.push(RecordWrite {
            kind: "from-a-newer-baton".into(),
            id: format!("r{i:03}"),
            expected_version: 0,
            body: "{}".into(),
            due_at: Some(now),
        });
    }
    store.commit(&poison, now).await.unwrap();

    let (status, body) =
        post(&format!("{url}/api/v1/intake/{key}/generic"), None, &generic_alert("healthy", "critical")).await;
    assert_eq!(status, 200, "{body}");
    receiver
        .wait_until(
            Duration::from_secs(15),
            "step 2 of the healthy alert",
            |seen| seen.iter().any(|s| s.kind() == "page" && s.dedup_key() == "healthy" && s.to() != "noor.castellano"),
            || server.log(),
        )
        .await;
    let pages: Vec<_> = receiver.of_kind("page").into_iter().filter(|s| s.dedup_key() == "healthy").collect();
    let first = pages.iter().find(|s| s.to() == "noor.castellano").unwrap().at;
    let second = pages.iter().find(|s| s.to() != "noor.castellano").unwrap().at;
    let late = (second - first).saturating_sub(Duration::from_secs(3));
    assert!(late < Duration::from_secs(2), "step 2 came {late:?} after it was due");

    // The failing ones back off, are counted and show where a person looks.
    let poisoned = store.alert("streamhub/poison-000").await.unwrap().unwrap();
    assert!(poisoned.due_failures >= 1, "{poisoned:?}");
    assert!(poisoned.due_at.unwrap() > now, "deferred, not due every second");
    let unknown = store.record("from-a-newer-baton", "r000").await.unwrap().unwrap();
    assert!(unknown.due_error.as_deref().unwrap_or_default().contains("no handler"), "{unknown:?}");
    let metrics = reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("baton_engine_failures_total{kind=\"alert\"}"), "{metrics}");
    let tries = server.log_text().matches("poison-000").count();
    assert!(tries <= 6, "one log line per backoff, not per second: {tries} lines for one record");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_alert_whose_policy_is_removed_is_routed_again_or_flagged_stranded() {
    let receiver = Receiver::start().await;
    let org = org_copy(&receiver.base, &[]);
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    let (server, url) = baton_serve_with("baton", &db, Some(org.path()), "127.0.0.1:0", dir.path(), &[]).await;
    let key = generic_integration(&db);
    let intake = format!("{url}/api/v1/intake/{key}/generic");
    assert_eq!(post(&intake, None, &generic_alert("orphan", "critical")).await.0, 200);
    receiver
        .wait_until(
            Duration::from_secs(10),
            "the first page",
            |seen| seen.iter().any(|s| s.kind() == "page"),
            || server.log(),
        )
        .await;

    // The policy is renamed: the dry run says where the alert would go, the apply takes it there.
    let policy = org.path().join("escalations/streamhub-dev.yaml");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(&policy, text.replace("id: streamhub-dev-page", "id: streamhub-dev-pager")).unwrap();
    let dir_arg = org.path().to_str().unwrap();
    let dry = baton_cli(&["apply", dir_arg, "--dry-run", "--db", &db]);
    assert!(dry.contains("alert streamhub/orphan (policy streamhub-dev-page): routed to streamhub-dev-pager"), "{dry}");
    baton_cli(&["apply", dir_arg, "--db", &db]);
    let alert = get(&format!("{url}/api/v1/alerts/streamhub/orphan")).await;
    assert_eq!(alert["policy"], "streamhub-dev-pager", "{alert}");
    let rerouted = alert["history"].as_array().unwrap().iter().find(|e| e["kind"] == "rerouted").unwrap();
    assert!(
        rerouted["what"].as_str().unwrap().contains("policy streamhub-dev-page is no longer defined"),
        "{rerouted}"
    );
    receiver
        .wait_until(
            Duration::from_secs(10),
            "the rerouted alert's first step, paged again under its new policy",
            |seen| seen.iter().filter(|s| s.kind() == "page" && s.dedup_key() == "orphan").count() == 2,
            || server.log(),
        )
        .await;
    // A repeat of the alert and other alerts in the same moment are all accepted.
    let mut sends = Vec::new();
    for i in 0..12 {
        let key = if i == 0 { "orphan".to_owned() } else { format!("bystander-{i}") };
        let body = generic_alert(&key, "critical");
        let intake = intake.clone();
        sends.push(tokio::spawn(async move { post(&intake, None, &body).await.0 }));
    }
    for send in sends {
        assert_eq!(send.await.unwrap(), 200);
    }

    // No policy at all for the owner team: stranded, flagged, paging nobody; a policy
    // given back takes it again.
    std::fs::remove_file(&policy).unwrap();
    let dry = baton_cli(&["apply", dir_arg, "--dry-run", "--db", &db]);
    assert!(dry.contains("alert streamhub/orphan (policy streamhub-dev-pager): stranded, paging nobody"), "{dry}");
    std::fs::write(&policy, text.replace("id: streamhub-dev-page", "id: streamhub-dev-pager")).unwrap();
    let with_policy = std::fs::read_to_string(&policy).unwrap();
    std::fs::remove_file(&policy).unwrap();
    // The intake refuses new alerts it cannot route; the ones it holds stay and are flagged.
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_baton")).args(["apply", dir_arg, "--db", &db]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("stranded, paging nobody"), "{stdout}");
    let alert = get(&format!("{url}/api/v1/alerts/streamhub/orphan")).await;
    assert!(alert["stranded"].as_str().is_some_and(|s| s.contains("no page escalation policy")), "{alert}");
    let page = reqwest::get(format!("{url}/alerts/streamhub/orphan")).await.unwrap().text().await.unwrap();
    assert!(page.contains("Stranded: this alert pages nobody"), "the alert's page says so");
    std::fs::write(&policy, with_policy).unwrap();
    baton_cli(&["apply", dir_arg, "--db", &db]);
    let alert = get(&format!("{url}/api/v1/alerts/streamhub/orphan")).await;
    assert!(alert["stranded"].is_null(), "{alert}");
    assert_eq!(alert["history"].as_array().unwrap().last().unwrap()["kind"], "paged", "{alert}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_alertmanager_payloads_without_fingerprints_are_accepted_and_repeats_deduplicate() {
    let receiver = Receiver::start().await;
    let org = org_copy(&receiver.base, &[]);
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    let (server, url) = baton_serve_with("baton", &db, Some(org.path()), "127.0.0.1:0", dir.path(), &[]).await;
    let key = baton_cli(&[
        "integration",
        "create",
        "streamhub",
        "alertmanager",
        "--format",
        "alertmanager",
        "--as",
        "noor.castellano",
        "--db",
        &db,
    ]);
    let intake = format!("{url}/api/v1/intake/{}/alertmanager", key.trim());
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/alertmanager-webhook");
    let mut files: Vec<_> = std::fs::read_dir(&corpus).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 6, "the six fixtures of {}", corpus.display());
    for file in &files {
        let body: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        let sent = body["alerts"].as_array().unwrap().len();
        let (status, first) = post(&intake, None, &body).await;
        assert_eq!(status, 200, "{}: {first}", file.display());
        let outcomes: Vec<&str> =
            first["alerts"].as_array().unwrap().iter().map(|a| a["outcome"].as_str().unwrap()).collect();
        assert_eq!(outcomes.len(), sent, "{}", file.display());
        let (status, again) = post(&intake, None, &body).await;
        assert_eq!(status, 200, "{}: {again}", file.display());
        for (a, b) in first["alerts"].as_array().unwrap().iter().zip(again["alerts"].as_array().unwrap()) {
            assert_eq!(a["alert"], b["alert"], "a repeat is the same alert");
            if a["outcome"] == "opened" {
                assert_eq!(b["outcome"], "deduplicated", "{}: {b}", file.display());
            }
        }
    }
    // Every page names its alert's Alertmanager `alertname`.
    let mut names = std::collections::BTreeSet::new();
    for file in &files {
        let body: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        for alert in body["alerts"].as_array().unwrap() {
            names.extend(alert["labels"]["alertname"].as_str().map(str::to_owned));
        }
    }
    receiver.wait_until(Duration::from_secs(10), "the pages", |seen| seen.len() >= 20, || server.log()).await;
    for page in receiver.of_kind("page") {
        let title = page.body["title"].as_str().unwrap_or_default();
        assert!(names.iter().any(|n| title.contains(n.as_str())), "{title} names no alertname of {names:?}");
    }
}
