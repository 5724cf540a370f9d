//! Delivering the outbox to a real HTTP receiver on loopback, from a real SQLite store,
//! stepping a hand-moved clock through retries.

use crate::common::*;
use baton_core::notice::{AlertAction, NoticeKind};
use baton_core::paging::{Channel, Delivery, Secret, SecretName};
use baton_core::Clock;
use baton_notify::{RetryPolicy, SendReport, Sender, SenderConfig};
use baton_store::{DeliveryStatus, Notification, Settle};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const T0: &str = "2026-03-02T09:00:00Z";

fn report(claimed: usize, delivered: usize, retried: usize, dead: usize) -> SendReport {
    SendReport { claimed, delivered, retried, dead, lost: 0, postponed: 0 }
}

#[tokio::test]
async fn a_webhook_gets_the_documented_body_once_with_its_idempotency_key() {
    let receiver = Receiver::start(vec![]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let channel = Channel::Webhook { url: receiver.url("/baton/hook").into(), delivery: Delivery::default() };
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
    queue(
        &*store,
        "k-503",
        &page(),
        &Channel::Webhook { url: receiver.url("/").into(), delivery: Delivery::default() },
        clock.now(),
    )
    .await;
    let sender = sender(store.clone(), clock.clone(), "w1");
    let failed = Arc::new(std::sync::Mutex::new(Vec::new()));
    sender.on_failed(Arc::new({
        let failed = failed.clone();
        move |message: &Notification, outcome: &Settle| {
            failed.lock().unwrap().push((message.key.clone(), outcome.clone()))
        }
    }));
    let id = message(&*store, "k-503").await.id;
    let backoff = |attempt| jiff::SignedDuration::try_from(RetryPolicy::default().backoff(id, attempt)).unwrap();

    assert_eq!(sender.step().await.unwrap(), report(1, 0, 1, 0));
    let after_first = message(&*store, "k-503").await;
    let first_wait = backoff(1);
    assert_eq!(after_first.next_attempt_at, clock.now() + first_wait, "about 1 s after the first failure");
    assert!(first_wait <= jiff::SignedDuration::from_secs(1) && first_wait >= jiff::SignedDuration::from_millis(750));
    assert_eq!(after_first.last_error.as_deref(), Some("503 Service Unavailable"));
    assert_eq!(
        failed.lock().unwrap().clone(),
        [(
            "k-503".to_owned(),
            Settle::Retry { at: after_first.next_attempt_at, error: "503 Service Unavailable".into() }
        )],
        "the app is told of the failed attempt once it is recorded"
    );
    assert_eq!(sender.step().await.unwrap(), report(0, 0, 0, 0), "not before its retry is due");

    clock.advance(Duration::from_secs(1));
    assert_eq!(sender.step().await.unwrap(), report(1, 0, 1, 0));
    let after_second = message(&*store, "k-503").await;
    assert_eq!(after_second.next_attempt_at, clock.now() + backoff(2), "then about 2 s");
    assert_eq!(after_second.last_error.as_deref(), Some("502 Bad Gateway"), "the receiver's body is not kept");

    clock.advance(Duration::from_secs(2));
    assert_eq!(sender.step().await.unwrap(), report(1, 1, 0, 0));
    let keys: Vec<String> = receiver.seen().iter().map(|s| s.header("idempotency-key").to_owned()).collect();
    assert_eq!(keys, ["k-503", "k-503", "k-503"]);
    let stored = message(&*store, "k-503").await;
    assert_eq!((stored.status, stored.attempts), (DeliveryStatus::Delivered, 3));
    assert_eq!(failed.lock().unwrap().len(), 2, "a delivery is no failure");
}

#[tokio::test]
async fn a_refusal_is_a_dead_letter_at_once() {
    let receiver = Receiver::start(vec![Reply::WithBody(400, "invalid_payload")]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    queue(
        &*store,
        "k-400",
        &page(),
        &Channel::Slack {
            url: receiver.url("/services/T0/B0/secret").into(),
            delivery: Delivery::default(),
            mention: None,
        },
        clock.now(),
    )
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
    assert_eq!(dead[0].last_error.as_deref(), Some("400 Bad Request"), "what the receiver wrote stays there");
}

#[tokio::test]
async fn retry_after_on_429_decides_when_to_try_again() {
    let receiver = Receiver::start(vec![Reply::RetryAfter(429, "7")]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    queue(
        &*store,
        "k-429",
        &page(),
        &Channel::Webhook { url: receiver.url("/").into(), delivery: Delivery::default() },
        clock.now(),
    )
    .await;
    let sender = sender(store.clone(), clock.clone(), "w1");

    assert_eq!(sender.step().await.unwrap(), report(1, 0, 1, 0));
    assert_eq!(message(&*store, "k-429").await.next_attempt_at, "2026-03-02T09:00:07Z".parse().unwrap());
    clock.advance(Duration::from_secs(6));
    assert_eq!(sender.step().await.unwrap(), report(0, 0, 0, 0), "the receiver asked for 7 s, not the 1 s backoff");
    clock.advance(Duration::from_secs(1));
    assert_eq!(sender.step().await.unwrap(), report(1, 1, 0, 0));
}

#[tokio::test]
async fn an_unreachable_receiver_is_retried_for_its_channels_window_then_a_visible_dead_letter() {
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let url = unreachable_url().await;
    let host = url.as_str().trim_start_matches("http://").trim_end_matches("/services/T0/B0/secret").to_owned();
    let ten_minutes = Delivery { retry_for: Some(baton_core::Period::parse("10m").unwrap()), ..Delivery::default() };
    queue(&*store, "k-down", &page(), &Channel::Webhook { url: url.into(), delivery: ten_minutes }, clock.now()).await;
    let sender = sender(store.clone(), clock.clone(), "w1");
    let id = message(&*store, "k-down").await.id;

    let (mut waits, mut attempts) = (Vec::new(), 0);
    let window_end = clock.now() + jiff::SignedDuration::from_mins(10);
    loop {
        attempts += 1;
        let before = clock.now();
        let got = sender.step().await.unwrap();
        let stored = message(&*store, "k-down").await;
        if stored.status == DeliveryStatus::Dead {
            assert_eq!(got, report(1, 0, 0, 1));
            let next = before + jiff::SignedDuration::try_from(RetryPolicy::default().backoff(id, attempts)).unwrap();
            assert!(next > window_end, "given up only as its next try would fall past the window");
            break;
        }
        assert_eq!(got, report(1, 0, 1, 0));
        assert_eq!(stored.status, DeliveryStatus::Pending);
        assert!(stored.next_attempt_at <= window_end);
        waits.push(before.duration_until(stored.next_attempt_at).as_millis());
        clock.advance(before.duration_until(stored.next_attempt_at).unsigned_abs());
    }
    let full = [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000];
    assert!(waits.len() >= 5, "{waits:?}");
    for (wait, full) in waits.iter().zip(full) {
        assert!((full * 3 / 4..=full).contains(wait), "exponential backoff with jitter: {waits:?}");
    }
    clock.advance(Duration::from_secs(3600));
    assert_eq!(sender.step().await.unwrap(), report(0, 0, 0, 0));

    let dead = message(&*store, "k-down").await;
    assert_eq!(dead.attempts, i64::from(attempts));
    let error = dead.last_error.clone().unwrap();
    let expected = format!("gave up after attempt {attempts} (10m of retries): could not connect to {host}");
    assert!(error.starts_with(&expected), "{error}");
    assert!(!error.contains("secret"), "the stored error names the host, not the URL: {error}");
}

#[tokio::test]
async fn slack_and_pagerduty_get_their_own_formats() {
    let receiver = Receiver::start(vec![]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let notice = page();
    let slack = Channel::Slack {
        url: receiver.url("/services/T0/B0/secret").into(),
        delivery: Delivery::default(),
        mention: None,
    };
    let pd = Channel::PagerDuty {
        url: receiver.url("/v2/enqueue").into(),
        routing_key: Secret::Inline("R0UT1NGKEY".into()),
        delivery: Delivery::default(),
    };
    queue(&*store, "k-slack", &notice, &slack, clock.now()).await;
    queue(&*store, "k-pd", &notice, &pd, clock.now()).await;
    let sender = sender(store.clone(), clock.clone(), "w1");
    assert_eq!(sender.step().await.unwrap(), report(2, 2, 0, 0));

    let seen = receiver.seen();
    let slack = seen.iter().find(|s| s.path == "/services/T0/B0/secret").expect("Slack got its message");
    assert_eq!(slack.header("idempotency-key"), "k-slack");
    assert_eq!(slack.body["text"], "CRITICAL streamhub: HighErrorRate");
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
        &Channel::PagerDuty {
            url: receiver.url("/v2/enqueue").into(),
            routing_key: Secret::Inline("R0UT1NGKEY".into()),
            delivery: Delivery::default(),
        },
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
    queue(
        &*store,
        "k-orphan",
        &page(),
        &Channel::Webhook { url: receiver.url("/").into(), delivery: Delivery::default() },
        clock.now(),
    )
    .await;

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
    let config = SenderConfig {
        worker: "w1".into(),
        idle: Duration::from_secs(60),
        outbound: baton_notify::Outbound::LOOPBACK,
        ..SenderConfig::default()
    };
    let sender = Arc::new(Sender::new(store.clone(), clock.clone(), config).unwrap());
    let wake = Arc::new(tokio::sync::Notify::new());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(sender.run(wake.clone(), async move {
        let _ = stopped.await;
    }));
    tokio::time::sleep(Duration::from_millis(200)).await; // it found nothing and waits

    queue(
        &*store,
        "k-now",
        &page(),
        &Channel::Webhook { url: receiver.url("/").into(), delivery: Delivery::default() },
        clock.now(),
    )
    .await;
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
    let config = SenderConfig {
        worker: "w1".into(),
        idle: Duration::from_secs(60),
        outbound: baton_notify::Outbound::LOOPBACK,
        ..SenderConfig::default()
    };
    let sender = Arc::new(Sender::new(store.clone(), clock.clone(), config).unwrap());
    let queue = sender.queue();
    let wake = Arc::new(tokio::sync::Notify::new());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(sender.run(wake.clone(), async move {
        let _ = stopped.await;
    }));
    tokio::time::sleep(Duration::from_millis(200)).await; // it found nothing and waits

    // Queued as the intake queues a page: claimed for w1 in the same commit, then handed over.
    let channel = Channel::Webhook { url: receiver.url("/").into(), delivery: Delivery::default() };
    let handed = baton_store::NewNotification {
        key: "k-handed".into(),
        subject: page().subject,
        channel: serde_json::to_string(&channel).unwrap(),
        payload: serde_json::to_string(&page()).unwrap(),
        not_before: clock.now(),
    };
    let claim = queue.claim(clock.now());
    let commit = baton_store::Commit { notifications: vec![handed], ..Default::default() };
    let (_, queued) = store.commit_claiming(&commit, clock.now(), &claim).await.unwrap();
    // Held by w1 from the start: no other sender can claim it meanwhile.
    assert!(store.claim_notifications("w2", clock.now(), Duration::from_secs(30), 10).await.unwrap().is_empty());
    queue.push(&claim, queued);
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
    let config = SenderConfig {
        lease: Duration::from_secs(10),
        timeout: Duration::from_secs(10),
        outbound: baton_notify::Outbound::LOOPBACK,
        ..SenderConfig::default()
    };
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

/// A sender for [`Sender::run`] in real time, with short backoffs so retries come due
/// within the test.
fn quick_sender(store: Arc<dyn baton_store::Store>, config: SenderConfig) -> Sender {
    let retry = RetryPolicy {
        base: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        ..RetryPolicy::default()
    };
    let config = SenderConfig { idle: Duration::from_millis(20), retry, ..config };
    Sender::new(store, Arc::new(RealClock), config).unwrap()
}

async fn queue_many(store: &dyn baton_store::Store, prefix: &str, n: usize, channel: &Channel) {
    for i in 0..n {
        queue(store, &format!("{prefix}-{i:02}"), &page(), channel, baton_core::Timestamp::now()).await;
    }
}

async fn stop(stop: tokio::sync::oneshot::Sender<()>, running: tokio::task::JoinHandle<()>) {
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(20), running).await.expect("run returns on shutdown").unwrap();
}

#[tokio::test]
async fn a_receiver_that_refuses_connections_for_a_while_gets_every_message_once_it_is_back() {
    let (store, _dir) = sqlite().await;
    let url = unreachable_url().await;
    let port = reqwest::Url::parse(url.as_str()).unwrap().port().unwrap();
    queue_many(&*store, "k-back", 20, &Channel::Webhook { url: url.into(), delivery: Delivery::default() }).await;
    let (halt, running) = run(quick_sender(
        store.clone(),
        SenderConfig { worker: "w1".into(), outbound: baton_notify::Outbound::LOOPBACK, ..SenderConfig::default() },
    ));

    tokio::time::sleep(Duration::from_millis(800)).await; // refused, and refused again
    assert_eq!(count(&*store, DeliveryStatus::Delivered).await, 0);
    let failed = message(&*store, "k-back-00").await;
    assert!(failed.attempts >= 2, "retried while it was down: {failed:?}");
    assert!(failed.last_error.unwrap().starts_with("could not connect to 127.0.0.1:"));

    let receiver = Receiver::start_on(port, vec![]).await;
    wait_delivered(&*store, 20, Duration::from_secs(10)).await;
    stop(halt, running).await;
    assert_eq!(count(&*store, DeliveryStatus::Dead).await, 0, "none was given up");
    let mut keys: Vec<String> = receiver.seen().iter().map(|s| s.header("idempotency-key").to_owned()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 20, "every message arrived");
}

#[tokio::test]
async fn a_hanging_receiver_does_not_hold_up_messages_to_a_healthy_one() {
    let (store, _dir) = sqlite().await;
    let hanging = Receiver::start(vec![Reply::Hang; 40]).await;
    let healthy = Receiver::start(vec![]).await;
    // The hanging receiver's messages are queued first, and outnumber its in-flight limit.
    let stuck = Channel::Webhook { url: hanging.url("/").into(), delivery: Delivery::default() };
    queue_many(&*store, "k-stuck", 20, &stuck).await;
    queue_many(
        &*store,
        "k-fine",
        10,
        &Channel::Webhook { url: healthy.url("/").into(), delivery: Delivery::default() },
    )
    .await;
    let config = SenderConfig {
        worker: "w1".into(),
        timeout: Duration::from_secs(2),
        lease: Duration::from_secs(5),
        outbound: baton_notify::Outbound::LOOPBACK,
        ..SenderConfig::default()
    };
    let started = std::time::Instant::now();
    let (halt, running) = run(quick_sender(store.clone(), config));

    healthy.wait_for(10).await;
    assert!(started.elapsed() < Duration::from_secs(1), "the healthy receiver waited {:?}", started.elapsed());
    wait_delivered(&*store, 10, Duration::from_secs(2)).await;
    assert_eq!(hanging.seen().len(), 8, "the hanging one gets its in-flight limit, and the rest wait");
    stop(halt, running).await;
}

#[tokio::test]
async fn no_more_than_a_channels_in_flight_requests_reach_one_receiver_at_once() {
    let (store, _dir) = sqlite().await;
    let receiver = Receiver::start(vec![Reply::Slow(Duration::from_millis(100)); 30]).await;
    let three = Delivery { in_flight: Some(3), ..Delivery::default() };
    queue_many(&*store, "k-slow", 30, &Channel::Webhook { url: receiver.url("/hook").into(), delivery: three }).await;
    let (halt, running) = run(quick_sender(
        store.clone(),
        SenderConfig { worker: "w1".into(), outbound: baton_notify::Outbound::LOOPBACK, ..SenderConfig::default() },
    ));

    wait_delivered(&*store, 30, Duration::from_secs(10)).await;
    stop(halt, running).await;
    assert_eq!(receiver.most_at_once(), 3, "three at once, never more");
    assert_eq!(receiver.seen().len(), 30, "each message once: none timed out and was repeated");
}

#[tokio::test]
async fn a_rate_limit_queues_messages_rather_than_dropping_them() {
    let (store, _dir) = sqlite().await;
    let receiver = Receiver::start(vec![]).await;
    let ten_a_second = Delivery { rate_per_minute: Some(600), ..Delivery::default() };
    queue_many(
        &*store,
        "k-rate",
        8,
        &Channel::Slack { url: receiver.url("/services/T/B/x").into(), delivery: ten_a_second, mention: None },
    )
    .await;
    let (halt, running) = run(quick_sender(
        store.clone(),
        SenderConfig { worker: "w1".into(), outbound: baton_notify::Outbound::LOOPBACK, ..SenderConfig::default() },
    ));

    wait_delivered(&*store, 8, Duration::from_secs(10)).await;
    stop(halt, running).await;
    let arrivals = receiver.arrivals();
    assert_eq!(arrivals.len(), 8);
    for pair in arrivals.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(90), "one every 100 ms: {gap:?}");
    }
    assert_eq!(count(&*store, DeliveryStatus::Dead).await, 0);
}

#[tokio::test]
async fn a_message_that_cannot_start_within_its_lease_is_postponed_without_an_attempt() {
    let receiver = Receiver::start(vec![]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let one_a_second = Delivery { rate_per_minute: Some(60), ..Delivery::default() };
    let channel = Channel::Webhook { url: receiver.url("/").into(), delivery: one_a_second };
    for key in ["k-a", "k-b", "k-c"] {
        queue(&*store, key, &page(), &channel, clock.now()).await;
    }
    // A lease of 3 s with a 1 s timeout leaves 1 s to wait for a turn (less 1 s to settle).
    let config = SenderConfig {
        worker: "w1".into(),
        lease: Duration::from_secs(3),
        timeout: Duration::from_secs(1),
        outbound: baton_notify::Outbound::LOOPBACK,
        ..SenderConfig::default()
    };
    let sender = Sender::new(store.clone(), clock.clone(), config).unwrap();

    let first = sender.step().await.unwrap();
    assert_eq!(first, SendReport { claimed: 3, delivered: 2, postponed: 1, ..SendReport::default() });
    assert_eq!(receiver.seen().len(), 2, "the third was not sent");
    let postponed = message(&*store, "k-c").await;
    assert_eq!(postponed.status, DeliveryStatus::Pending);
    assert!(postponed.next_attempt_at > clock.now(), "pending again from when a start is expected");
    assert_eq!(postponed.last_error, None, "a postponement is no failure");

    clock.advance(Duration::from_secs(2));
    assert_eq!(sender.step().await.unwrap(), report(1, 1, 0, 0));
    assert_eq!(message(&*store, "k-c").await.status, DeliveryStatus::Delivered);
}

#[tokio::test]
async fn loopback_private_and_metadata_destinations_are_refused_unless_allowed() {
    let receiver = Receiver::start(vec![]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let port = reqwest::Url::parse(receiver.url("/").as_str()).unwrap().port().unwrap();
    // The same receiver, spelt as people tried to slip past a check on the text: an IP
    // literal, a hex literal, IPv6 loopback, and a name that resolves to loopback.
    let urls = [
        format!("http://127.0.0.1:{port}/a"),
        format!("http://0x7f000001:{port}/b"),
        format!("http://[::1]:{port}/c"),
        format!("http://localhost:{port}/d"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
    ];
    for (i, url) in urls.iter().enumerate() {
        let channel =
            Channel::Webhook { url: baton_core::Link::parse(url).unwrap().into(), delivery: Delivery::default() };
        queue(&*store, &format!("k-{i}"), &page(), &channel, clock.now()).await;
    }
    let strict = SenderConfig { worker: "w1".into(), ..SenderConfig::default() };
    let strict_sender = Sender::new(store.clone(), clock.clone(), strict).unwrap();
    strict_sender.step().await.unwrap();

    assert!(receiver.seen().is_empty(), "nothing reached this machine: {:?}", receiver.seen().len());
    for (i, url) in urls.iter().enumerate() {
        let m = message(&*store, &format!("k-{i}")).await;
        assert_eq!(m.status, DeliveryStatus::Dead, "{url}: a setting must change, so it is not retried");
        let error = m.last_error.unwrap();
        assert!(error.starts_with("refused: "), "{url}: {error}");
        let kind = if i == 4 { "link-local" } else { "loopback" };
        assert!(error.contains(&format!("a {kind} address")), "{url}: {error}");
        assert!(!error.contains("/a") && !error.contains("meta-data"), "no path in the reason: {error}");
    }

    // Allowed by setting (`--allow-outbound loopback`), the same destination is delivered.
    let channel = Channel::Webhook { url: receiver.url("/allowed").into(), delivery: Delivery::default() };
    queue(&*store, "k-allowed", &page(), &channel, clock.now()).await;
    sender(store.clone(), clock.clone(), "w2").step().await.unwrap();
    assert_eq!(message(&*store, "k-allowed").await.status, DeliveryStatus::Delivered);
    assert_eq!(receiver.seen().len(), 1);
}

#[tokio::test]
async fn named_secrets_are_read_at_send_time_and_never_stored() {
    let var = "BATON_SECRET_NOTIFY_TEST_PD";
    if std::env::var(var).is_err() {
        // A process's environment is set before it starts (changing it in a threaded test
        // is unsound): this test runs again in a child process that has the variable.
        let name = "delivery::named_secrets_are_read_at_send_time_and_never_stored";
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name, "--nocapture", "--test-threads", "1"])
            .env(var, "R0UT1NGFROMENV")
            .output()
            .unwrap();
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success() && said.contains("1 passed"), "{said}");
        return;
    }
    let receiver = Receiver::start(vec![]).await;
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let secrets = tempfile::tempdir().unwrap();
    // The Slack URL is in a file the operator mounts; PagerDuty keys are in the environment.
    let slack = Channel::Slack {
        url: Secret::Named(SecretName::File("slack/platform-sre".into())),
        delivery: Delivery::default(),
        mention: None,
    };
    let pd = |var: &str| Channel::PagerDuty {
        url: receiver.url("/v2/enqueue").into(),
        routing_key: Secret::Named(SecretName::Env(var.into())),
        delivery: Delivery::default(),
    };
    queue(&*store, "k-slack", &page(), &slack, clock.now()).await;
    queue(&*store, "k-pd", &page(), &pd(var), clock.now()).await;
    queue(&*store, "k-pd-unset", &page(), &pd("BATON_SECRET_NOTIFY_TEST_NEVER_SET"), clock.now()).await;
    let config = SenderConfig {
        outbound: baton_notify::Outbound::LOOPBACK,
        secrets: baton_notify::Secrets { dir: Some(secrets.path().to_owned()) },
        ..SenderConfig::default()
    };
    let sender = Sender::new(store.clone(), clock.clone(), config).unwrap();

    // The key in the environment is used; the missing ones fail saying which secret, and are retried.
    assert_eq!(sender.step().await.unwrap(), report(3, 1, 2, 0));
    let pd_got = receiver.seen();
    assert_eq!((pd_got.len(), &pd_got[0].body["routing_key"]), (1, &json!("R0UT1NGFROMENV")));
    assert_eq!(
        message(&*store, "k-slack").await.last_error.as_deref(),
        Some("the channel's secret: secrets file slack/platform-sre does not exist")
    );
    assert_eq!(
        message(&*store, "k-pd-unset").await.last_error.as_deref(),
        Some("the channel's secret: environment variable BATON_SECRET_NOTIFY_TEST_NEVER_SET is not set")
    );

    // The operator writes the file; the next attempt goes to the URL it holds.
    let slack_url = receiver.url("/services/T0/B0/S3CRET");
    std::fs::create_dir_all(secrets.path().join("slack")).unwrap();
    std::fs::write(secrets.path().join("slack/platform-sre"), format!("{slack_url}\n")).unwrap();
    clock.advance(Duration::from_secs(5));
    assert_eq!(sender.step().await.unwrap(), report(2, 1, 1, 0));
    assert!(receiver.seen().iter().any(|s| s.path == "/services/T0/B0/S3CRET"), "Slack got its message");

    // The outbox holds the names, never the values.
    for key in ["k-slack", "k-pd"] {
        let stored = message(&*store, key).await;
        assert!(!stored.channel.contains("S3CRET") && !stored.channel.contains("R0UT1NG"), "{}", stored.channel);
    }
}
