//! `baton serve` killed with SIGKILL in the middle of a burst of alerts, and started again
//! on the same SQLite file and port. A 2xx means committed: every alert that got one must
//! be in the store after the restart and be notified at least once, and an alert the
//! receiver hears about twice (a message delivered by the killed process but not yet
//! marked delivered) must carry the same `Idempotency-Key` both times.
//!
//! The receiver answers each page after 20 ms and the kill comes while it holds some
//! unanswered, so there always are such messages: the restarted server sends them again
//! once the dead sender's lease (30 s) has run out.

use crate::paging_support::{
    baton_cli, baton_serve, generic_alert, generic_integration, org_copy, pages_by_alert, Receiver,
};
use baton_store::{DeliveryStatus, NotificationQuery, Store};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ALERTS: usize = 10_000;
const CONCURRENCY: usize = 32;
/// The server is killed once this many alerts were accepted.
const KILL_AFTER: usize = 3_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_accepted_alert_survives_a_sigkill_and_is_notified() {
    let started = Instant::now();
    let receiver = Receiver::start_slow(Duration::from_millis(20)).await;
    let org = org_copy(&receiver.base, &[]);
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    let (server, url) = baton_serve("baton-1", &db, Some(org.path()), "127.0.0.1:0", dir.path()).await;
    let key = generic_integration(&db);
    let intake = format!("{url}/api/v1/intake/{key}/generic");

    // The load generator: each task takes the next alert and sends it until it gets a 2xx,
    // pausing briefly after a failure (as Alertmanager retries an unanswered webhook).
    let next = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (next, accepted, failures, client, intake) =
            (next.clone(), accepted.clone(), failures.clone(), client.clone(), intake.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= ALERTS {
                    return;
                }
                let body = generic_alert(&format!("crash-{i:05}"), "critical");
                loop {
                    match client.post(&intake).json(&body).send().await {
                        Ok(r) if r.status().is_success() => break,
                        Ok(r) if r.status().is_client_error() => panic!("alert {i} refused: {}", r.status()),
                        _ => {
                            failures.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                }
                accepted.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }

    // Part-way, while pages are being delivered, SIGKILL; then the same binary on the same
    // file and port.
    let server = Arc::new(Mutex::new(server));
    while accepted.load(Ordering::SeqCst) < KILL_AFTER || receiver.in_flight() == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.lock().unwrap().kill();
    let killed_at = accepted.load(Ordering::SeqCst);
    let kill_time = started.elapsed();
    let listen = url.trim_start_matches("http://").to_owned();
    let (restarted, _) = baton_serve("baton-2", &db, Some(org.path()), &listen, dir.path()).await;
    let restart_time = started.elapsed();
    for task in tasks {
        task.await.unwrap();
    }
    let sent_time = started.elapsed();
    let logs = || format!("{}\n{}", server.lock().unwrap().log(), restarted.log());

    // Every alert is notified; the ones the killed sender held wait out its lease (30 s).
    receiver
        .wait_until(
            Duration::from_secs(90),
            &format!("a page for each of the {ALERTS} alerts"),
            |seen| pages_by_alert(seen).len() == ALERTS,
            logs,
        )
        .await;
    let notified_time = started.elapsed();
    // The ones the killed sender had in flight were seen already: they go again after its
    // lease, and the outbox is settled once they have.
    let store = baton_store_sqlite::SqliteStore::connect(&db).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let query = NotificationQuery { status: Some(DeliveryStatus::Delivered), limit: 0, ..Default::default() };
        let delivered = Store::notifications(&store, &query).await.unwrap().len();
        if delivered == ALERTS {
            break;
        }
        assert!(Instant::now() < deadline, "{delivered} of {ALERTS} pages marked delivered\n{}", logs());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let settled_time = started.elapsed();
    let pages = pages_by_alert(&receiver.seen());
    let repeated: Vec<_> = pages.iter().filter(|(_, (_, n))| *n > 1).collect();
    for (alert, (keys, n)) in &pages {
        assert_eq!(keys.len(), 1, "{alert} was paged {n} times under different keys: {keys:?}");
    }
    assert!(!repeated.is_empty(), "the pages the killed server had in flight are sent again");

    // Every accepted alert is in the store, once, as the CLI reads it.
    let listed = baton_cli(&[
        "alert",
        "list",
        "--all",
        "--service",
        "streamhub",
        "--limit",
        "1000",
        "--output",
        "json",
        "--db",
        &db,
    ]);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let mut ids: Vec<&str> = listed["alerts"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    ids.retain(|id| id.starts_with("streamhub/crash-"));
    assert_eq!(ids.len(), ALERTS.min(1000), "a page of the CLI's list holds at most 1000");
    assert!(listed["next"].is_string(), "and says where the next page starts");
    let mut stored = Vec::new();
    loop {
        let after = stored
            .last()
            .map(|a: &baton_store::StoredAlert| baton_store::AlertCursor { sort_at: a.sort_at, id: a.id.clone() });
        let q = baton_store::AlertListQuery { service: Some("streamhub".into()), open_only: true, after, limit: 5000 };
        let page = Store::list_alerts(&store, &q).await.unwrap();
        if page.is_empty() {
            break;
        }
        stored.extend(page);
    }
    stored.retain(|a| a.id.starts_with("streamhub/crash-"));
    stored.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(stored.len(), ALERTS, "every accepted alert is stored");
    let mut retried_after_commit = 0;
    for (i, record) in stored.iter().enumerate() {
        assert_eq!(record.id, format!("streamhub/crash-{i:05}"));
        let alert: serde_json::Value = serde_json::from_str(&record.body).unwrap();
        assert_eq!(
            (alert["policy"].as_str(), alert["status"].as_str()),
            (Some("streamhub-dev-page"), Some("triggered"))
        );
        // A request committed just before the kill, whose answer never came, was sent again.
        retried_after_commit += usize::from(alert["repeats"].as_u64().unwrap() > 0);
    }
    println!(
        "{ALERTS} alerts, {CONCURRENCY} connections: killed after {killed_at} accepted at {kill_time:?}, \
         serving again at {restart_time:?}, all accepted at {sent_time:?} ({} failed attempts retried), all \
         notified at {notified_time:?}, all marked delivered at {settled_time:?}; {retried_after_commit} alerts were committed before their request \
         failed and deduplicated when sent again; {} alerts paged more than once (same key)",
        failures.load(Ordering::SeqCst),
        repeated.len()
    );
}
