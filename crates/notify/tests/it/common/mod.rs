//! What the delivery tests share: a real HTTP receiver on loopback that records every
//! request and answers as scripted, a clock the test moves, a store, and the messages.
#![allow(dead_code)] // each test file uses part of it

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use baton_core::notice::{AlertAction, Notice, NoticeKind, NoticeLink};
use baton_core::paging::{Channel, Delivery, Severity};
use baton_core::{Clock, Link, PersonId, Timestamp};
use baton_notify::{Sender, SenderConfig};
use baton_store::{Commit, DeliveryStatus, NewNotification, Notification, NotificationQuery, Store};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the receiver answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    Status(u16),
    /// A status with a body (a refusal's reason).
    WithBody(u16, &'static str),
    /// A status with `Retry-After: <value>`.
    RetryAfter(u16, &'static str),
    /// Never answers (a receiver that hangs, so the sender is caught mid-request).
    Hang,
    /// Answers 200 after this long (a receiver under load).
    Slow(Duration),
}

/// One request as the receiver got it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: serde_json::Value,
}

impl Seen {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
    }
}

#[derive(Default)]
struct Recorder {
    script: Mutex<VecDeque<Reply>>,
    /// Every request, and when it arrived.
    seen: Mutex<Vec<(Seen, std::time::Instant)>>,
    /// Requests being answered now, and the most there ever were.
    busy: Mutex<(usize, usize)>,
}

pub struct Receiver {
    pub base: String,
    recorder: Arc<Recorder>,
}

impl Receiver {
    /// Starts a receiver on 127.0.0.1 that answers the scripted replies in order, then 200.
    pub async fn start(script: Vec<Reply>) -> Receiver {
        Receiver::start_on(0, script).await
    }

    /// Starts a receiver on `port` of 127.0.0.1 (0: any free port).
    pub async fn start_on(port: u16, script: Vec<Reply>) -> Receiver {
        let recorder = Arc::new(Recorder { script: Mutex::new(script.into()), ..Recorder::default() });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(record).with_state(recorder.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { base, recorder }
    }

    pub fn url(&self, path: &str) -> Link {
        Link::parse(&format!("{}{path}", self.base)).unwrap()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.recorder.seen.lock().unwrap().iter().map(|(s, _)| s.clone()).collect()
    }

    /// When each request arrived, in order.
    pub fn arrivals(&self) -> Vec<std::time::Instant> {
        self.recorder.seen.lock().unwrap().iter().map(|(_, at)| *at).collect()
    }

    /// The most requests it was answering at once.
    pub fn most_at_once(&self) -> usize {
        self.recorder.busy.lock().unwrap().1
    }

    /// Waits (up to 5 s) until `n` requests have arrived.
    pub async fn wait_for(&self, n: usize) {
        for _ in 0..500 {
            if self.recorder.seen.lock().unwrap().len() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the receiver got {} requests, not {n}", self.seen().len());
    }
}

async fn record(
    State(recorder): State<Arc<Recorder>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    let seen = Seen { method, path: uri.path().to_owned(), headers, body };
    recorder.seen.lock().unwrap().push((seen, std::time::Instant::now()));
    let reply = recorder.script.lock().unwrap().pop_front().unwrap_or(Reply::Status(200));
    let status = |s: u16| StatusCode::from_u16(s).unwrap();
    match reply {
        Reply::Status(s) => status(s).into_response(),
        Reply::WithBody(s, body) => (status(s), body).into_response(),
        Reply::RetryAfter(s, after) => (status(s), [("retry-after", after)]).into_response(),
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            status(200).into_response()
        }
        Reply::Slow(after) => {
            {
                let mut busy = recorder.busy.lock().unwrap();
                busy.0 += 1;
                busy.1 = busy.1.max(busy.0);
            }
            tokio::time::sleep(after).await;
            recorder.busy.lock().unwrap().0 -= 1;
            status(200).into_response()
        }
    }
}

/// The time as it passes, for tests of [`Sender::run`], which waits in real time.
pub struct RealClock;

impl Clock for RealClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Runs `sender` until the returned stop is sent; the handle ends once it has stopped.
pub fn run(sender: Sender) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(Arc::new(sender).run(Arc::new(tokio::sync::Notify::new()), async move {
        let _ = stopped.await;
    }));
    (stop, running)
}

/// Waits (up to `within`) until `n` messages are delivered.
pub async fn wait_delivered(store: &dyn Store, n: usize, within: Duration) {
    let start = std::time::Instant::now();
    while count(store, DeliveryStatus::Delivered).await < n {
        assert!(
            start.elapsed() < within,
            "{} of {n} delivered after {within:?}",
            count(store, DeliveryStatus::Delivered).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A port on 127.0.0.1 nobody listens on, with a Slack-like secret in the path.
pub async fn unreachable_url() -> Link {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    Link::parse(&format!("http://127.0.0.1:{port}/services/T0/B0/secret")).unwrap()
}

/// A clock the test moves by hand, so retries come due without sleeping.
pub struct TestClock(Mutex<Timestamp>);

impl TestClock {
    pub fn at(s: &str) -> Arc<TestClock> {
        Arc::new(TestClock(Mutex::new(s.parse().unwrap())))
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap();
        *now = now.checked_add(jiff::SignedDuration::try_from(by).unwrap()).unwrap();
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

/// A fresh SQLite store; the directory lives as long as the returned guard.
pub async fn sqlite() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store =
        baton_store_sqlite::SqliteStore::connect(&format!("sqlite://{}/baton.db", dir.path().display())).await.unwrap();
    (Arc::new(store), dir)
}

pub fn sender(store: Arc<dyn Store>, clock: Arc<TestClock>, worker: &str) -> Sender {
    let config =
        SenderConfig { worker: worker.into(), outbound: baton_notify::Outbound::LOOPBACK, ..SenderConfig::default() };
    Sender::new(store, clock, config).unwrap()
}

/// A page for marta.oyelaran about a streamhub alert.
pub fn page() -> Notice {
    Notice {
        kind: NoticeKind::Page,
        subject: "alert/streamhub/7f3a".into(),
        title: "streamhub: HighErrorRate".into(),
        text: "5xx ratio above 2% for 10 minutes".into(),
        to: vec![PersonId::parse("marta.oyelaran").unwrap()],
        severity: Some(Severity::Critical),
        links: vec![NoticeLink { label: "Acknowledge".into(), url: "https://baton.example/alerts/7f3a/ack".into() }],
        alert: Some(("streamhub/7f3a".into(), AlertAction::Trigger)),
    }
}

/// Queues `notice` for `channel` under `key`, due at `at`, the way a decision does.
pub async fn queue(store: &dyn Store, key: &str, notice: &Notice, channel: &Channel, at: Timestamp) {
    let message = NewNotification {
        key: key.into(),
        subject: notice.subject.clone(),
        channel: serde_json::to_string(channel).unwrap(),
        payload: serde_json::to_string(notice).unwrap(),
        not_before: at,
    };
    store.commit(&Commit { notifications: vec![message], ..Commit::default() }, at).await.unwrap();
}

pub async fn message(store: &dyn Store, key: &str) -> Notification {
    let all = store.notifications(&NotificationQuery { limit: 1000, ..NotificationQuery::default() }).await.unwrap();
    all.into_iter().find(|n| n.key == key).unwrap_or_else(|| panic!("{key} is not in the outbox"))
}

pub async fn count(store: &dyn Store, status: DeliveryStatus) -> usize {
    let query = NotificationQuery { status: Some(status), limit: 10_000, ..NotificationQuery::default() };
    store.notifications(&query).await.unwrap().len()
}

/// Two senders, each over its own store connection (as two replicas are), step
/// concurrently over 200 messages: the receiver must get each key exactly once.
pub async fn two_senders_deliver_each_message_once(first: Arc<dyn Store>, second: Arc<dyn Store>) {
    let receiver = Receiver::start(vec![]).await;
    let clock = TestClock::at("2026-03-02T09:00:00Z");
    let channel = Channel::Webhook { url: receiver.url("/hook").into(), delivery: Delivery::default() };
    let at = clock.now();
    let notifications = (0..200)
        .map(|i| NewNotification {
            key: format!("page/streamhub/{i:03}"),
            subject: "alert/streamhub/x".into(),
            channel: serde_json::to_string(&channel).unwrap(),
            payload: serde_json::to_string(&page()).unwrap(),
            not_before: at,
        })
        .collect();
    first.commit(&Commit { notifications, ..Commit::default() }, at).await.unwrap();

    let mut tasks = Vec::new();
    for (worker, store) in [("replica-a", first.clone()), ("replica-b", second)] {
        let config = SenderConfig {
            worker: worker.into(),
            batch: 16,
            outbound: baton_notify::Outbound::LOOPBACK,
            ..SenderConfig::default()
        };
        let sender = Sender::new(store, clock.clone(), config).unwrap();
        tasks.push(tokio::spawn(async move {
            let mut delivered = 0;
            loop {
                let report = sender.step().await.unwrap();
                assert_eq!((report.retried, report.dead, report.lost), (0, 0, 0), "{report:?}");
                if report.claimed == 0 {
                    break delivered;
                }
                delivered += report.delivered;
            }
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    let mut keys: Vec<String> = receiver.seen().iter().map(|s| s.header("idempotency-key").to_owned()).collect();
    assert_eq!(keys.len(), 200, "one request per message");
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 200, "no key was sent twice");
    assert_eq!(total, 200);
    assert_eq!(count(&*first, DeliveryStatus::Delivered).await, 200);
}
