//! The sender: claims due outbox messages, delivers each, and settles every attempt in the
//! store. Several senders (threads, replicas) may share one store: a claim is a lease, so
//! a message is held by one sender at a time, and one whose sender died is claimed again
//! after the lease, with the same idempotency key.

use crate::render::{render, Request};
use crate::retry::{settle, Attempt, RetryPolicy, BODY_EXCERPT};
use baton_core::notice::Notice;
use baton_core::paging::Channel;
use baton_core::Clock;
use baton_store::{Notification, Settle, Store, StoreError};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// How a sender works. `Default` gives the production values.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// Names this sender in the outbox's leases; unique per process ([`worker_id`]).
    pub worker: String,
    /// How long a claimed message is this sender's. Longer than `timeout`, so a message
    /// is never taken over while its request may still be in flight.
    pub lease: Duration,
    /// The longest one request may take, connecting and reading the answer included.
    pub timeout: Duration,
    /// The most messages claimed (and delivered concurrently) by one step. A step costs
    /// two commits (the claim and the settling) whatever its size, and on SQLite those
    /// queue behind the intake's commits: 64 a step fell seconds behind an intake of
    /// 3,500 alerts/s, 256 kept up (BENCHMARKS.md, "Paging").
    pub batch: usize,
    /// How long [`Sender::run`] waits for a wake-up after a step that found nothing, before
    /// looking again (for retries coming due, and messages queued by another replica).
    pub idle: Duration,
    pub retry: RetryPolicy,
}

impl Default for SenderConfig {
    fn default() -> Self {
        SenderConfig {
            worker: worker_id(),
            lease: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
            batch: 256,
            idle: Duration::from_millis(250),
            retry: RetryPolicy::default(),
        }
    }
}

/// `<hostname>-<pid>-<random>`: unique per process, and readable in the outbox table when
/// someone asks which replica held a message.
pub fn worker_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "baton".into());
    format!("{host}-{}-{:08x}", std::process::id(), rand::random::<u32>())
}

#[derive(Debug, Error)]
pub enum SenderError {
    #[error(
        "the outbox lease ({lease:?}) must be longer than the request timeout ({timeout:?}), or another sender \
         could take a message over while it is still being delivered and send it twice"
    )]
    LeaseTooShort { lease: Duration, timeout: Duration },
    #[error("could not set up the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// What one [`Sender::step`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    pub claimed: usize,
    pub delivered: usize,
    /// Failed, to be tried again.
    pub retried: usize,
    /// Failed for good: now a dead letter.
    pub dead: usize,
    /// Attempted, but the lease had run out and another sender holds the message now, so
    /// this attempt's outcome was not recorded.
    pub lost: usize,
}

/// Delivers the outbox. Cheap to share: wrap it in an `Arc` for [`run`](Sender::run).
pub struct Sender {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
    config: SenderConfig,
}

impl Sender {
    /// A sender over `store`, reading the time from `clock` (claims, retry times).
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: SenderConfig) -> Result<Sender, SenderError> {
        if config.lease <= config.timeout {
            return Err(SenderError::LeaseTooShort { lease: config.lease, timeout: config.timeout });
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            // A redirect would re-send the body, which may hold a routing key, wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(SenderError::Client)?;
        let config = SenderConfig { batch: config.batch.max(1), ..config };
        Ok(Sender { inner: Arc::new(Inner { store, client, clock, config }) })
    }

    pub fn worker(&self) -> &str {
        &self.inner.config.worker
    }

    /// Claims up to `batch` due messages, delivers them concurrently, and settles every
    /// attempt in one store call (one commit for the batch, not one per message: with
    /// `synchronous = FULL` a commit costs an `fsync`, and per-message commits capped
    /// delivery at a few hundred a second and held up the intake's own commits). A message
    /// whose channel or payload does not parse is dead at once. The error is the store's,
    /// claiming or settling; when settling fails, the batch stays claimed and is sent
    /// again after the lease, with the same idempotency keys.
    pub async fn step(&self) -> Result<SendReport, StoreError> {
        let inner = &self.inner;
        let now = inner.clock.now();
        let batch = i64::try_from(inner.config.batch).unwrap_or(i64::MAX);
        let claimed = inner.store.claim_notifications(&inner.config.worker, now, inner.config.lease, batch).await?;
        let mut report = SendReport { claimed: claimed.len(), ..SendReport::default() };
        if claimed.is_empty() {
            return Ok(report);
        }
        let mut tasks = JoinSet::new();
        for message in claimed {
            let inner = inner.clone();
            tasks.spawn(async move { inner.attempt(message).await });
        }
        let mut attempts = Vec::with_capacity(report.claimed);
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(attempt) => attempts.push(attempt),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => {}
            }
        }
        let outcomes: Vec<(i64, Settle)> = attempts.iter().map(|a| (a.id, a.outcome.clone())).collect();
        let held = inner.store.settle_notifications(&inner.config.worker, &outcomes, inner.clock.now()).await?;
        for (attempt, held) in attempts.iter().zip(held) {
            let key = attempt.key.as_str();
            if !held {
                tracing::warn!(key, "the lease ran out before the attempt ended; another sender holds the message now");
                report.lost += 1;
                continue;
            }
            match attempt.outcome {
                Settle::Delivered => report.delivered += 1,
                Settle::Retry { .. } => report.retried += 1,
                Settle::Dead { .. } => report.dead += 1,
            }
        }
        Ok(report)
    }

    /// Delivers until `shutdown` completes: steps while there is work, and after a step
    /// that found nothing waits for `wake` (the intake calls `notify_one` after committing
    /// a message, so it goes out at once) or `idle`, whichever comes first. A step under
    /// way is finished before returning, so nothing it sent is left unsettled (and sent
    /// again after the lease). Store errors are logged and retried.
    pub async fn run(self: Arc<Self>, wake: Arc<Notify>, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let idle = self.inner.config.idle;
        loop {
            let pause = match self.step().await {
                Ok(report) if report.claimed > 0 => None,
                Ok(_) => Some(idle),
                Err(e) => {
                    tracing::warn!(error = %e, "the notification sender could not reach the store; trying again");
                    Some(idle.max(Duration::from_secs(1)))
                }
            };
            match pause {
                None => tokio::select! {
                    biased;
                    () = &mut shutdown => return,
                    () = std::future::ready(()) => {}
                },
                Some(pause) => tokio::select! {
                    biased;
                    () = &mut shutdown => return,
                    () = wake.notified() => {}
                    () = tokio::time::sleep(pause) => {}
                },
            }
        }
    }
}

/// One attempt at a message, to be settled with the rest of its batch.
struct Attempted {
    id: i64,
    key: String,
    outcome: Settle,
}

impl Inner {
    async fn attempt(&self, message: Notification) -> Attempted {
        let attempt = u32::try_from(message.attempts).unwrap_or(u32::MAX - 1).saturating_add(1);
        let (outcome, host) = match parse(&message) {
            Err(error) => (Settle::Dead { error }, String::from("-")),
            Ok((channel, notice)) => {
                let request = render(&notice, &channel, &message.key);
                let host = host(&request);
                let got = self.post(&request, &host).await;
                (settle(&self.config.retry, attempt, &got, self.clock.now()), host)
            }
        };
        let key = message.key.as_str();
        match &outcome {
            Settle::Delivered => tracing::debug!(key, host, attempt, "notification delivered"),
            Settle::Retry { at, error } => tracing::info!(key, host, attempt, %at, error, "notification to be retried"),
            Settle::Dead { error } => tracing::warn!(key, host, attempt, error, "notification is a dead letter"),
        }
        Attempted { id: message.id, key: message.key, outcome }
    }

    async fn post(&self, request: &Request, host: &str) -> Attempt {
        let mut builder = self.client.post(request.url.as_str()).json(&request.body);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let mut response = match builder.send().await {
            Ok(r) => r,
            Err(e) => return self.no_answer(&e, host),
        };
        let status = response.status();
        let retry_after =
            response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        // Only a refusal's body is read, and only its start: it explains the refusal.
        let mut body = Vec::new();
        if !status.is_success() {
            while body.len() < BODY_EXCERPT {
                match response.chunk().await {
                    Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                    Ok(None) | Err(_) => break,
                }
            }
            body.truncate(BODY_EXCERPT);
        }
        Attempt::Answered { status: status.as_u16(), retry_after, body }
    }

    /// Why there was no answer, naming the host only: a reqwest error's text holds the
    /// whole URL, and Slack's and PagerDuty's URLs are secrets.
    fn no_answer(&self, e: &reqwest::Error, host: &str) -> Attempt {
        let what = if e.is_timeout() {
            format!("no answer from {host} within {:?}", self.config.timeout)
        } else if e.is_connect() {
            format!("could not connect to {host}")
        } else {
            format!("the request to {host} failed")
        };
        let mut cause: &dyn std::error::Error = e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        let reason = if std::ptr::addr_eq(cause, e) { what } else { format!("{what}: {cause}") };
        Attempt::NoAnswer { reason }
    }
}

fn parse(message: &Notification) -> Result<(Channel, Notice), String> {
    let channel = serde_json::from_str(&message.channel).map_err(|e| format!("the channel does not parse: {e}"))?;
    let notice = serde_json::from_str(&message.payload).map_err(|e| format!("the payload does not parse: {e}"))?;
    Ok((channel, notice))
}

/// `host[:port]` of the request's URL: what logs and errors may name.
fn host(request: &Request) -> String {
    match reqwest::Url::parse(request.url.as_str()) {
        Ok(url) => match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => "-".into(),
        },
        Err(_) => "-".into(),
    }
}
