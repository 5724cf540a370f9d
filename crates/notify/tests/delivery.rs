//! Delivering the outbox to a real HTTP receiver on loopback, from a real SQLite store,
//! stepping a hand-moved clock through retries.

mod common;

use baton_core::notice::{AlertAction, NoticeKind};
use baton_core::paging::Channel;
use baton_core::Clock;
use baton_notify::{SendReport, Sender, SenderConfig};
use baton_store::DeliveryStatus;
use common::*;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const T0: &str = "2026-03-02T09:00:00Z";

fn report(claimed: usize, delivered: usize, retried: usize, dead: usize) -> SendReport {
    SendReport { claimed, delivered, retried, dead, lost: 0 }
}

#[tokio::test]
async fn a_webhook_gets_the_documented_body_once_with_its_idempotency_key() {
    let receiver = Receiver::start(vec![]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let channel = Channel::Webhook { url: receiver.url("/baton/hook") };
    queue(&*store, "page/streamhub/7f3a/0/0/marta.oyelaran@a1", &page(), &channel, clock.now()).await;
    let sender = sender(store.clone(), clock.clone(), "w1");

    assert_eq!(sender.step().await.unwrap(), report(1, 1, 0, 0));
    assert_eq!(sender.step().await.unwrap(), report(0, 0, 0, 0), "a delivered message is not sent again");

    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    let got = &seen[0];
    assert_eq!((got.method.as_str(), got.path.as_str()), ("POST", "/baton/hook"));
    assert_eq!(got.header("idempotency-key"), "page/streamhub/7f3a/0/0/marta.oyelaran@a1");
    assert_eq!(got.header("content-type"), "application/json");
    assert!(got.header("user-agent").starts_with("baton/"), "{}", got.header("user-agent"));
    assert_eq!(
        got.body,
        json!({
            "idempotency_key": "page/streamhub/7f3a/0/0/marta.oyelaran@a1",
            "kind": "page",
            "subject": "alert/streamhub/7f3a",
            "title": "streamhub: HighErrorRate",
            "text": "5xx ratio above 2% for 10 minutes",
            "to": ["marta.oyelaran"],
            "severity": "critical",
            "links": [{"label": "Acknowledge", "url": "https://baton.example/alerts/7f3a/ack"}],
            "alert": {"dedup_key": "streamhub/7f3a", "action": "trigger"},
        })
    );
    let stored = message(&*store, "page/streamhub/7f3a/0/0/marta.oyelaran@a1").await;
    assert_eq!((stored.status, stored.attempts, stored.settled_at), (DeliveryStatus::Delivered, 1, Some(clock.now())));
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_and_the_same_key() {
    let receiver =
        Receiver::start(vec![Reply::Status(503), Reply::WithBody(502, "upstream down"), Reply::Status(200)]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    queue(&*store, "k-503", &page(), &Channel::Webhook { url: receiver.url("/") }, clock.now()).await;
    let sender = sender(store.clone(), clock.clone(), "w1");

    assert_eq!(sender.step().await.unwrap(), report(1, 0, 1, 0));
    let after_first = message(&*store, "k-503").await;
    assert_eq!(after_first.next_attempt_at, "2026-03-02T09:00:01Z".parse().unwrap(), "1 s after the first failure");
    assert_eq!(after_first.last_error.as_deref(), Some("503 Service Unavailable"));
    assert_eq!(sender.step().await.unwrap(), report(0, 0, 0, 0), "not before its retry is due");

    clock.advance(Duration::from_secs(1));
    assert_eq!(sender.step().await.unwrap(), report(1, 0, 1, 0));
    let after_second = message(&*store, "k-503").await;
    assert_eq!(after_second.next_attempt_at, "2026-03-02T09:00:03Z".parse().unwrap(), "then 2 s");
    assert_eq!(after_second.last_error.as_deref(), Some("502 Bad Gateway: upstream down"));

    clock.advance(Duration::from_secs(2));
    assert_eq!(sender.step().await.unwrap(), report(1, 1, 0, 0));
    let keys: Vec<String> = receiver.seen().iter().map(|s| s.header("idempotency-key").to_owned()).collect();
    assert_eq!(keys, ["k-503", "k-503", "k-503"]);
    let stored = message(&*store, "k-503").await;
    assert_eq!((stored.status, stored.attempts), (DeliveryStatus::Delivered, 3));
}

#[tokio::test]
async fn a_refusal_is_a_dead_letter_at_once() {
    let receiver = Receiver::start(vec![Reply::WithBody(400, "invalid_payload")]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    queue(&*store, "k-400", &page(), &Channel::Slack { url: receiver.url("/services/T0/B0/secret") }, clock.now())
        .await;
    let sender = sender(store.clone(), clock.clone(), "w1");

    assert_eq!(sender.step().await.unwrap(), report(1, 0, 0, 1));
    clock.advance(Duration::from_secs(3600));
    assert_eq!(sender.step().await.unwrap(), report(0, 0, 0, 0), "never retried");
    assert_eq!(receiver.seen().len(), 1);
    let dead = store
        .notifications(&baton_store::NotificationQuery {
            status: Some(DeliveryStatus::Dead),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].key.as_str(), dead[0].attempts), ("k-400", 1));
    assert_eq!(dead[0].last_error.as_deref(), Some("400 Bad Request: invalid_payload"));
}

#[tokio::test]
async fn retry_after_on_429_decides_when_to_try_again() {
    let receiver = Receiver::start(vec![Reply::RetryAfter(429, "7")]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    queue(&*store, "k-429", &page(), &Channel::Webhook { url: receiver.url("/") }, clock.now()).await;
    let sender = sender(store.clone(), clock.clone(), "w1");

    assert_eq!(sender.step().await.unwrap(), report(1, 0, 1, 0));
    assert_eq!(message(&*store, "k-429").await.next_attempt_at, "2026-03-02T09:00:07Z".parse().unwrap());
    clock.advance(Duration::from_secs(6));
    assert_eq!(sender.step().await.unwrap(), report(0, 0, 0, 0), "the receiver asked for 7 s, not the 1 s backoff");
    clock.advance(Duration::from_secs(1));
    assert_eq!(sender.step().await.unwrap(), report(1, 1, 0, 0));
}

#[tokio::test]
async fn an_unreachable_receiver_is_retried_then_a_visible_dead_letter() {
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let url = unreachable_url().await;
    let host = url.as_str().trim_start_matches("http://").trim_end_matches("/services/T0/B0/secret").to_owned();
    queue(&*store, "k-down", &page(), &Channel::Webhook { url }, clock.now()).await;
    let sender = sender(store.clone(), clock.clone(), "w1");

    let mut waits = Vec::new();
    for _ in 1..8 {
        let before = clock.now();
        assert_eq!(sender.step().await.unwrap(), report(1, 0, 1, 0));
        let stored = message(&*store, "k-down").await;
        assert_eq!(stored.status, DeliveryStatus::Pending);
        waits.push(before.duration_until(stored.next_attempt_at).as_secs());
        clock.advance(Duration::from_secs(300));
    }
    assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64], "exponential backoff");
    assert_eq!(sender.step().await.unwrap(), report(1, 0, 0, 1), "the 8th attempt is the last");
    clock.advance(Duration::from_secs(3600));
    assert_eq!(sender.step().await.unwrap(), report(0, 0, 0, 0));

    let dead = store
        .notifications(&baton_store::NotificationQuery {
            status: Some(DeliveryStatus::Dead),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((dead.len(), dead[0].attempts), (1, 8));
    let error = dead[0].last_error.clone().unwrap();
    assert!(error.starts_with(&format!("gave up after attempt 8 of 8: could not connect to {host}")), "{error}");
    assert!(!error.contains("secret"), "the stored error names the host, not the URL: {error}");
}

#[tokio::test]
async fn slack_and_pagerduty_get_their_own_formats() {
    let receiver = Receiver::start(vec![]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let notice = page();
    let slack = Channel::Slack { url: receiver.url("/services/T0/B0/secret") };
    let pd = Channel::PagerDuty { url: receiver.url("/v2/enqueue"), routing_key: "R0UT1NGKEY".into() };
    queue(&*store, "k-slack", &notice, &slack, clock.now()).await;
    queue(&*store, "k-pd", &notice, &pd, clock.now()).await;
    let sender = sender(store.clone(), clock.clone(), "w1");
    assert_eq!(sender.step().await.unwrap(), report(2, 2, 0, 0));

    let seen = receiver.seen();
    let slack = seen.iter().find(|s| s.path == "/services/T0/B0/secret").expect("Slack got its message");
    assert_eq!(slack.header("idempotency-key"), "k-slack");
    assert_eq!(slack.body["text"], "[CRITICAL] streamhub: HighErrorRate");
    assert_eq!(slack.body["blocks"][0]["type"], "section");
    assert_eq!(slack.body["blocks"][0]["text"]["type"], "mrkdwn");
    assert!(slack.body["blocks"][0]["text"]["text"]
        .as_str()
        .unwrap()
        .ends_with("<https://baton.example/alerts/7f3a/ack|Acknowledge>"));

    let pd = seen.iter().find(|s| s.path == "/v2/enqueue").expect("PagerDuty got its event");
    assert_eq!(pd.header("idempotency-key"), "k-pd");
    assert_eq!(pd.body["routing_key"], "R0UT1NGKEY");
    assert_eq!(pd.body["event_action"], "trigger");
    assert_eq!(pd.body["dedup_key"], "streamhub/7f3a");
    assert_eq!(pd.body["payload"]["summary"], "streamhub: HighErrorRate");
    assert_eq!(pd.body["payload"]["severity"], "critical");
    assert_eq!(pd.body["payload"]["source"], "baton");
    assert_eq!(pd.body["links"][0], json!({"href": "https://baton.example/alerts/7f3a/ack", "text": "Acknowledge"}));

    let acked = baton_core::notice::Notice {
        kind: NoticeKind::PageUpdate,
        alert: Some(("streamhub/7f3a".into(), AlertAction::Acknowledge)),
        ..notice
    };
    queue(
        &*store,
        "k-pd-ack",
        &acked,
        &Channel::PagerDuty { url: receiver.url("/v2/enqueue"), routing_key: "R0UT1NGKEY".into() },
        clock.now(),
    )
    .await;
    assert_eq!(sender.step().await.unwrap(), report(1, 1, 0, 0));
    assert_eq!(
        receiver.seen()[2].body,
        json!({"routing_key": "R0UT1NGKEY", "event_action": "acknowledge", "dedup_key": "streamhub/7f3a"}),
        "the acknowledgement names the same incident"
    );
}

#[tokio::test]
async fn a_message_that_does_not_parse_is_dead_with_the_reason() {
    let receiver = Receiver::start(vec![]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let bad = baton_store::NewNotification {
        key: "k-bad".into(),
        subject: "alert/streamhub/x".into(),
        channel: r#"{"type":"carrier-pigeon","url":"http://127.0.0.1:9/"}"#.into(),
        payload: "{}".into(),
        not_before: clock.now(),
    };
    store.commit(&baton_store::Commit { notifications: vec![bad], ..Default::default() }, clock.now()).await.unwrap();
    let sender = sender(store.clone(), clock.clone(), "w1");
    assert_eq!(sender.step().await.unwrap(), report(1, 0, 0, 1));
    let stored = message(&*store, "k-bad").await;
    assert_eq!(stored.status, DeliveryStatus::Dead);
    assert!(stored.last_error.unwrap().starts_with("the channel does not parse: unknown variant `carrier-pigeon`"));
    assert!(receiver.seen().is_empty());
}

#[tokio::test]
async fn a_message_held_by_a_sender_that_died_is_delivered_by_another_with_the_same_key() {
    let receiver = Receiver::start(vec![Reply::Hang]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    queue(&*store, "k-orphan", &page(), &Channel::Webhook { url: receiver.url("/") }, clock.now()).await;

    // The first sender claims the message and is killed while its request is in flight.
    let doomed = sender(store.clone(), clock.clone(), "replica-a");
    let in_flight = tokio::spawn(async move { doomed.step().await });
    receiver.wait_for(1).await;
    in_flight.abort();
    assert!(in_flight.await.unwrap_err().is_cancelled());

    let survivor = sender(store.clone(), clock.clone(), "replica-b");
    assert_eq!(survivor.step().await.unwrap(), report(0, 0, 0, 0), "the dead sender's lease still holds");
    clock.advance(Duration::from_secs(30));
    assert_eq!(survivor.step().await.unwrap(), report(1, 1, 0, 0), "taken over once the lease ran out");

    let keys: Vec<String> = receiver.seen().iter().map(|s| s.header("idempotency-key").to_owned()).collect();
    assert_eq!(keys, ["k-orphan", "k-orphan"], "the repeat carries the same key, for the receiver to drop");
    let stored = message(&*store, "k-orphan").await;
    assert_eq!((stored.status, stored.attempts), (DeliveryStatus::Delivered, 1));
}

#[tokio::test]
async fn a_woken_sender_delivers_at_once_and_stops_on_shutdown() {
    let receiver = Receiver::start(vec![]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    // An idle poll far longer than the test: only the wake-up can explain a prompt delivery.
    let config = SenderConfig { worker: "w1".into(), idle: Duration::from_secs(60), ..SenderConfig::default() };
    let sender = Arc::new(Sender::new(store.clone(), clock.clone(), config).unwrap());
    let wake = Arc::new(tokio::sync::Notify::new());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(sender.run(wake.clone(), async move {
        let _ = stopped.await;
    }));
    tokio::time::sleep(Duration::from_millis(200)).await; // it found nothing and waits

    queue(&*store, "k-now", &page(), &Channel::Webhook { url: receiver.url("/") }, clock.now()).await;
    let queued = std::time::Instant::now();
    wake.notify_one();
    receiver.wait_for(1).await;
    assert!(queued.elapsed() < Duration::from_secs(1), "took {:?}", queued.elapsed());

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), running).await.expect("run returns on shutdown").unwrap();
    assert_eq!(message(&*store, "k-now").await.status, DeliveryStatus::Delivered);
}

#[tokio::test]
async fn pages_handed_over_go_out_without_a_claim_and_are_settled_before_run_returns() {
    let receiver = Receiver::start(vec![]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let config = SenderConfig { worker: "w1".into(), idle: Duration::from_secs(60), ..SenderConfig::default() };
    let sender = Arc::new(Sender::new(store.clone(), clock.clone(), config).unwrap());
    let handoff = sender.handoff();
    let wake = Arc::new(tokio::sync::Notify::new());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(sender.run(wake.clone(), async move {
        let _ = stopped.await;
    }));
    tokio::time::sleep(Duration::from_millis(200)).await; // it found nothing and waits

    // Queued as the intake queues a page: claimed for w1 in the same commit, then handed over.
    let channel = Channel::Webhook { url: receiver.url("/") };
    let handed = baton_store::NewNotification {
        key: "k-handed".into(),
        subject: page().subject,
        channel: serde_json::to_string(&channel).unwrap(),
        payload: serde_json::to_string(&page()).unwrap(),
        not_before: clock.now(),
    };
    let claim = handoff.claim(clock.now());
    let commit = baton_store::Commit { notifications: vec![handed], ..Default::default() };
    let (_, queued) = store.commit_claiming(&commit, clock.now(), &claim).await.unwrap();
    // Held by w1 from the start: no other sender can claim it meanwhile.
    assert!(store.claim_notifications("w2", clock.now(), Duration::from_secs(30), 10).await.unwrap().is_empty());
    handoff.push(&claim, queued);
    wake.notify_one();
    receiver.wait_for(1).await;
    assert_eq!(receiver.seen()[0].header("idempotency-key"), "k-handed");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), running).await.expect("run returns on shutdown").unwrap();
    let stored = message(&*store, "k-handed").await;
    assert_eq!((stored.status, stored.attempts), (DeliveryStatus::Delivered, 1), "settled before run returned");
    assert_eq!(receiver.seen().len(), 1, "sent once");
}

#[tokio::test]
async fn a_lease_no_longer_than_the_timeout_is_refused() {
    let (store, _dir) = sqlite().await;
    let config =
        SenderConfig { lease: Duration::from_secs(10), timeout: Duration::from_secs(10), ..SenderConfig::default() };
    let err = Sender::new(store, TestClock::at(T0), config).err().expect("refused");
    assert!(err.to_string().contains("must be longer than the request timeout"), "{err}");
}

#[tokio::test]
async fn two_senders_on_one_sqlite_file_deliver_each_message_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/baton.db", dir.path().display());
    let first = baton_store_sqlite::SqliteStore::connect(&url).await.unwrap();
    let second = baton_store_sqlite::SqliteStore::connect(&url).await.unwrap();
    two_senders_deliver_each_message_once(Arc::new(first), Arc::new(second)).await;
}
