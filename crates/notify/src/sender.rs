//! The sender: claims due outbox messages, delivers each, and settles every attempt in the
//! store. Several senders (threads, replicas) may share one store: a claim is a lease, so
//! a message is held by one sender at a time, and one whose sender died is claimed again
//! after the lease, with the same idempotency key.
//!
//! Each destination is kept within its channel's limits (`limits`): a message over them
//! waits for its turn while its lease allows, or is postponed (`Settle::Postpone`), which
//! is no attempt.
//!
//! An email channel is sent over SMTP, through the one mail server the sender is given
//! ([`SmtpConfig`]), as the message `email` renders (its `Message-ID` derived from the
//! idempotency key, so every attempt sends the same message). A 5xx reply is a dead letter
//! at once (`550` mailbox unavailable will not change), a 4xx or no connection is retried
//! like a webhook's 503; errors and logs name the mail server's `host:port` and the
//! recipient's domain at most, never the password (a secret, read at each send).

use crate::email::email;
use crate::limits::{destination, Busy, Gates, Limits};
use crate::outbound::{refusal, GuardedResolver, Outbound, Refused};
use crate::render::{render, Request};
use crate::retry::{settle, Attempt, RetryPolicy, Tried};
use crate::secrets::Secrets;
use baton_core::notice::Notice;
use baton_core::paging::{Channel, SecretError, SecretName};
use baton_core::{Clock, Timestamp};
use baton_store::{Notification, SenderQueue, Settle, Store, StoreError};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use thiserror::Error;
use tokio::sync::{mpsc, Notify, Semaphore};
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
    /// The most messages taken (from the queue and the store) at once: by one
    /// [`Sender::step`], which delivers them together, or by one take of [`Sender::run`].
    pub batch: usize,
    /// Messages [`Sender::run`] holds at once: being delivered, or waiting for their
    /// destination's limits (a destination may hold at most a quarter of them waiting).
    /// Each destination's own limit is its channel's `in_flight`.
    pub in_flight: usize,
    /// How long [`Sender::run`] waits for a wake-up after a step that found nothing, before
    /// looking again (for retries coming due, and messages queued by another replica).
    pub idle: Duration,
    /// The backoff; its `give_up_after` is replaced by each message's channel's `retry_for`.
    pub retry: RetryPolicy,
    /// The non-public destinations it may reach; none by default (see [`Outbound`]).
    pub outbound: Outbound,
    /// Where the secrets channels name are read.
    pub secrets: Secrets,
    /// The mail server email channels go through; without one, emails are retried (and
    /// end as dead letters) saying none is configured.
    pub smtp: Option<SmtpConfig>,
}

/// The mail server emails are sent through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// `smtp://host:port` (plain, for loopback), `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtps://host:465` (TLS), with the login's user if any
    /// (`smtp://baton@host:587?tls=required`), never its password.
    pub url: String,
    /// The sender: `Baton <baton@example.org>`.
    pub from: String,
    /// The login's password, read through [`SenderConfig::secrets`] at each send.
    pub password: Option<SecretName>,
}

impl Default for SenderConfig {
    fn default() -> Self {
        SenderConfig {
            worker: worker_id(),
            lease: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
            batch: 256,
            in_flight: 1024,
            idle: Duration::from_millis(250),
            retry: RetryPolicy::default(),
            outbound: Outbound::default(),
            secrets: Secrets::default(),
            smtp: None,
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
    /// The mail server's settings, what is wrong with them (never the password).
    #[error("the mail server (SMTP) settings: {0}")]
    Smtp(String),
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
    /// Not attempted: its destination was at its limits. Pending again, not counted as an attempt.
    pub postponed: usize,
}

/// Called after a settlement is recorded, for each message whose attempt failed
/// ([`Settle::Retry`] or [`Settle::Dead`]), with the message as it was taken and how it
/// was settled. It runs on the sender's task: it must return quickly.
pub type OnFailed = Arc<dyn Fn(&Notification, &Settle) + Send + Sync>;

/// Delivers the outbox. Cheap to share: wrap it in an `Arc` for [`run`](Sender::run).
pub struct Sender {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
    config: SenderConfig,
    queue: Arc<SenderQueue>,
    /// When this sender last claimed from the store.
    claimed_at: Mutex<Option<Instant>>,
    gates: Gates,
    on_failed: Mutex<Option<OnFailed>>,
    smtp: Option<Smtp>,
}

/// The mail server, ready to send through.
struct Smtp {
    /// The transport, built with the login for each send (the password is read then).
    transport: AsyncSmtpTransportBuilder,
    /// `host:port`: what errors and logs name.
    server: String,
    /// The login's user, from the URL.
    user: Option<String>,
    password: Option<SecretName>,
    from: Mailbox,
}

impl Smtp {
    fn new(config: &SmtpConfig, timeout: Duration) -> Result<Smtp, SenderError> {
        let bad = |what: String| SenderError::Smtp(what);
        // The URL's own error never holds the URL, which could hold a password.
        let url = reqwest::Url::parse(&config.url).map_err(|e| bad(format!("the URL does not parse: {e}")))?;
        if url.password().is_some() {
            return Err(bad("the URL holds a password: write the password as a secret: --smtp-password-secret".into()));
        }
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| bad("the URL names no host".into()))?;
        let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        let port = url.port().unwrap_or(match (url.scheme(), tls.as_deref()) {
            ("smtps", _) => 465,
            ("smtp", Some(_)) => 587,
            _ => 25,
        });
        let server = format!("{host}:{port}");
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.url)
            .map_err(|e| bad(format!("{e} (smtp://host:port, smtp://host:port?tls=required or smtps://host:port)")))?
            .timeout(Some(timeout));
        let user = Some(percent_decoded(url.username())).filter(|u| !u.is_empty());
        if config.password.is_some() && user.is_none() {
            return Err(bad("a password needs the login's user in the URL (smtp://user@host:port)".into()));
        }
        let from = config.from.parse::<Mailbox>().map_err(|_| {
            bad(format!("the sender {:?} is not an email address (Baton <baton@example.org>)", config.from))
        })?;
        Ok(Smtp { transport, server, user, password: config.password.clone(), from })
    }

    /// The login, its password read now; the error says why it could not be.
    fn credentials(&self, secrets: &Secrets) -> Result<Option<Credentials>, String> {
        let (Some(user), Some(name)) = (&self.user, &self.password) else { return Ok(None) };
        let password = match secrets.read(name) {
            Ok(Some(p)) => p.trim_end_matches(['\r', '\n']).to_owned(),
            Ok(None) => return Err(format!("the mail server's password: {}", SecretError::Missing(name.clone()))),
            Err(e) => return Err(format!("the mail server's password: {}", SecretError::Unreadable(name.clone(), e))),
        };
        Ok(Some(Credentials::new(user.clone(), password)))
    }
}

/// `%XX` sequences decoded (a URL's user part); anything that is not UTF-8 after is kept as is.
fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
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
            .dns_resolver(Arc::new(GuardedResolver(config.outbound)))
            .build()
            .map_err(SenderError::Client)?;
        let smtp = config.smtp.as_ref().map(|smtp| Smtp::new(smtp, config.timeout)).transpose()?;
        let config =
            SenderConfig { batch: config.batch.max(1), in_flight: config.in_flight.clamp(1, MAX_IN_FLIGHT), ..config };
        let queue = Arc::new(SenderQueue::new(config.worker.clone(), config.lease));
        let claimed_at = Mutex::new(None);
        let (gates, on_failed) = (Gates::default(), Mutex::new(None));
        Ok(Sender {
            inner: Arc::new(Inner { store, client, clock, config, queue, claimed_at, gates, on_failed, smtp }),
        })
    }

    /// Has `callback` told of every failed attempt once its settlement is recorded (see
    /// [`OnFailed`]), in place of any earlier one.
    pub fn on_failed(&self, callback: OnFailed) {
        *self.inner.on_failed.lock().expect("on_failed lock") = Some(callback);
    }

    pub fn worker(&self) -> &str {
        &self.inner.config.worker
    }

    /// Where this process's intake hands it the pages it queued, claimed for it already
    /// (`Baton::queue_for_sender`): they go out without a claim in the store.
    pub fn queue(&self) -> Arc<SenderQueue> {
        self.inner.queue.clone()
    }

    /// Takes up to `batch` messages (see [`Inner::take`]), delivers them concurrently, and
    /// settles every attempt in one store call (one commit for the batch, not one per
    /// message, which capped delivery at a few hundred a second and held up the intake's
    /// own commits). A message whose channel or payload does not parse is dead at once.
    /// The error is the store's, claiming or settling; when settling fails, the batch
    /// stays claimed and is sent again after the lease, with the same idempotency keys.
    pub async fn step(&self) -> Result<SendReport, StoreError> {
        let inner = &self.inner;
        let claimed = inner.take(inner.config.batch, true).await?;
        if claimed.is_empty() {
            return Ok(SendReport::default());
        }
        let mut tasks = JoinSet::new();
        for held in claimed {
            let inner = inner.clone();
            tasks.spawn(async move { inner.attempt(held).await });
        }
        let mut attempts = Vec::with_capacity(tasks.len());
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(attempt) => attempts.push(attempt),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => {}
            }
        }
        inner.settle(&attempts).await
    }

    /// Delivers until `shutdown` completes, as a pipeline rather than step by step: it
    /// takes messages while it holds fewer than `in_flight`, delivers each as soon as its
    /// destination's limits allow, and settles what has ended in one store call at a time
    /// (while one settlement waits for the store, the next gathers everything that ends
    /// meanwhile). Step by step, each batch waited for its slowest delivery and then for
    /// its settlement before the next began, and delivery fell seconds behind an intake of
    /// 10,000 alerts/s (BENCHMARKS.md, "Paging").
    ///
    /// When nothing is due it waits for `wake` (the intake calls `notify_one` after
    /// committing a message, so it goes out at once) or `idle`, whichever comes first. On
    /// shutdown it takes nothing more, and returns once every delivery under way has been
    /// settled, so nothing it sent is sent again after the lease (a message still waiting
    /// for its destination waits until its own deadline, then is postponed). Store errors are logged;
    /// a failed claim is retried, and a failed settlement leaves its messages to be sent
    /// again, under the same keys, after their lease.
    pub async fn run(self: Arc<Self>, wake: Arc<Notify>, shutdown: impl Future<Output = ()>) {
        let inner = &self.inner;
        let (ended, mut to_settle) = mpsc::unbounded_channel::<Attempted>();
        let settler = tokio::spawn({
            let inner = inner.clone();
            async move {
                let mut last = tokio::time::Instant::now();
                while let Some(first) = to_settle.recv().await {
                    // Settle at most every SETTLE_EVERY, so a busy sender writes a few large
                    // settlements a second rather than one between every two intake commits.
                    tokio::time::sleep_until(last + SETTLE_EVERY).await;
                    last = tokio::time::Instant::now();
                    let mut attempts = vec![first];
                    while attempts.len() < SETTLE_AT_MOST {
                        match to_settle.try_recv() {
                            Ok(attempt) => attempts.push(attempt),
                            Err(_) => break,
                        }
                    }
                    if let Err(e) = inner.settle(&attempts).await {
                        tracing::warn!(error = %e, messages = attempts.len(),
                            "could not record delivery attempts; the messages go out again after their lease");
                    }
                }
            }
        });
        let in_flight = Arc::new(Semaphore::new(inner.config.in_flight));
        tokio::pin!(shutdown);
        loop {
            // Wait for room, then take as much as there is room for.
            let room = tokio::select! {
                biased;
                () = &mut shutdown => break,
                room = in_flight.clone().acquire_owned() => room.expect("the semaphore is never closed"),
            };
            let free = in_flight.available_permits() + 1;
            let pause = match inner.take(free.min(inner.config.batch), false).await {
                Ok(taken) if !taken.is_empty() => {
                    let mut rooms =
                        std::iter::once(room).chain(std::iter::from_fn(|| in_flight.clone().try_acquire_owned().ok()));
                    for held in taken {
                        let room = rooms.next().expect("taken no more than there is room for");
                        let (inner, ended) = (inner.clone(), ended.clone());
                        tokio::spawn(async move {
                            let _ = ended.send(inner.attempt(held).await);
                            drop(room);
                        });
                    }
                    continue;
                }
                Ok(_) => inner.config.idle,
                Err(e) => {
                    tracing::warn!(error = %e, "the notification sender could not reach the store; trying again");
                    inner.config.idle.max(Duration::from_secs(1))
                }
            };
            drop(room);
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                () = wake.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
        // Every delivery under way ends (each holds its room until its outcome is queued),
        // then the settler records the last of them and stops.
        let all = u32::try_from(inner.config.in_flight).expect("in_flight is at most MAX_IN_FLIGHT");
        let _ = in_flight.acquire_many(all).await;
        drop(ended);
        if let Err(e) = settler.await {
            if e.is_panic() {
                std::panic::resume_unwind(e.into_panic());
            }
        }
    }
}

/// The most deliveries [`Sender::run`] keeps under way, whatever the configuration says.
const MAX_IN_FLIGHT: usize = 1 << 20;

/// Attempts settled in one store call at most.
const SETTLE_AT_MOST: usize = 4096;
/// How often [`Sender::run`] settles at most. On SQLite every settlement takes the one
/// write connection between two intake commits, so settling whatever had ended each time
/// it was free nearly halved intake under load (BENCHMARKS.md, "Paging"). A message's
/// outcome is recorded this much later at worst; its lease is far longer.
const SETTLE_EVERY: Duration = Duration::from_millis(100);

/// How long before its lease runs out a delivery must end, for its settlement (written at
/// most every [`SETTLE_EVERY`], then committed) to be recorded while the lease holds.
const SETTLE_MARGIN: Duration = Duration::from_secs(1);

/// A message taken, and until when this sender holds it at least.
struct Held {
    message: Notification,
    until: Timestamp,
}

/// One attempt at a message, to be settled with the rest of its batch.
struct Attempted {
    message: Notification,
    outcome: Settle,
}

impl Inner {
    /// Up to `limit` messages to deliver: what was handed over first (see
    /// [`Sender::queue`]), then due messages claimed from the store (retries coming due,
    /// pages queued elsewhere than the intake, a dead replica's messages). With `eager` or
    /// while nothing is handed over it claims every time; otherwise at most every `idle`:
    /// a claim takes SQLite's one write connection, and claiming whenever the queue was
    /// empty (most of the times the sender looked) kept the intake waiting for it.
    ///
    /// A message handed over was claimed when it was queued, so it is held at least until
    /// its creation plus the lease; one claimed here, until now plus the lease.
    async fn take(&self, limit: usize, eager: bool) -> Result<Vec<Held>, StoreError> {
        let now = self.clock.now();
        let lease = jiff::SignedDuration::try_from(self.config.lease).unwrap_or(jiff::SignedDuration::MAX);
        let held = |message: Notification, from: Timestamp| Held {
            until: from.saturating_add(lease).unwrap_or(Timestamp::MAX),
            message,
        };
        let mut taken: Vec<Held> = self
            .queue
            .take(now, self.config.timeout, limit)
            .into_iter()
            .map(|m| held(m.clone(), m.created_at))
            .collect();
        if taken.len() < limit && self.claim_due(eager || !self.queue.in_use()) {
            let limit = i64::try_from(limit - taken.len()).unwrap_or(i64::MAX);
            let claimed = self.store.claim_notifications(&self.config.worker, now, self.config.lease, limit).await?;
            taken.extend(claimed.into_iter().map(|m| held(m, now)));
        }
        Ok(taken)
    }

    /// Records how `attempts` ended, in one store call, and reports it.
    async fn settle(&self, attempts: &[Attempted]) -> Result<SendReport, StoreError> {
        let mut report = SendReport { claimed: attempts.len(), ..SendReport::default() };
        if attempts.is_empty() {
            return Ok(report);
        }
        let outcomes: Vec<(i64, Settle)> = attempts.iter().map(|a| (a.message.id, a.outcome.clone())).collect();
        let held = self.store.settle_notifications(&self.config.worker, &outcomes, self.clock.now()).await?;
        let on_failed = self.on_failed.lock().expect("on_failed lock").clone();
        for (attempt, held) in attempts.iter().zip(held) {
            let key = attempt.message.key.as_str();
            let outcome = if !held {
                tracing::warn!(key, "the lease ran out before the attempt ended; another sender holds the message now");
                report.lost += 1;
                "lost"
            } else {
                match attempt.outcome {
                    Settle::Delivered => {
                        report.delivered += 1;
                        "delivered"
                    }
                    Settle::Retry { .. } => {
                        report.retried += 1;
                        "retry"
                    }
                    Settle::Dead { .. } => {
                        report.dead += 1;
                        "dead"
                    }
                    Settle::Postpone { .. } => {
                        report.postponed += 1;
                        "postponed"
                    }
                }
            };
            metrics::counter!("baton_deliveries_total", "outcome" => outcome).increment(1);
            if let (true, Some(callback), Settle::Retry { .. } | Settle::Dead { .. }) =
                (held, &on_failed, &attempt.outcome)
            {
                callback(&attempt.message, &attempt.outcome);
            }
        }
        Ok(report)
    }

    /// Whether to claim from the store now: when `eager`, or the last claim was at least
    /// `idle` ago.
    fn claim_due(&self, eager: bool) -> bool {
        let mut claimed_at = self.claimed_at.lock().expect("claim time lock");
        let due = eager || claimed_at.is_none_or(|at| at.elapsed() >= self.config.idle);
        if due {
            *claimed_at = Some(Instant::now());
        }
        due
    }

    async fn attempt(&self, held: Held) -> Attempted {
        let Held { message, until } = held;
        let attempt = u32::try_from(message.attempts).unwrap_or(u32::MAX - 1).saturating_add(1);
        let (outcome, host) = match parse(&message) {
            Err(error) => (Settle::Dead { error }, String::from("-")),
            Ok((channel, notice)) => match &channel {
                Channel::Email { to, .. } => {
                    // The recipient's domain, not the address.
                    let host = destination(&channel);
                    (self.email(&message, attempt, until, &channel, to, &notice).await, host)
                }
                _ => match channel.resolve(|name| self.config.secrets.read(name)) {
                    Ok(to) => {
                        let request = render(&notice, &channel, &to, &message.key);
                        let host = host(&request);
                        (self.deliver(&message, attempt, until, &channel, self.post(&request, &host)).await, host)
                    }
                    Err(e) => {
                        let got = Attempt::Unsent { reason: format!("the channel's secret: {e}") };
                        (self.settle_one(&message, attempt, &channel, &got), String::from("-"))
                    }
                },
            },
        };
        let key = message.key.as_str();
        match &outcome {
            Settle::Delivered => tracing::debug!(key, host, attempt, "notification delivered"),
            Settle::Retry { at, error } => tracing::info!(key, host, attempt, %at, error, "notification to be retried"),
            Settle::Dead { error } => tracing::warn!(key, host, attempt, error, "notification is a dead letter"),
            Settle::Postpone { at } => tracing::debug!(key, host, %at, "destination at its limits; postponed"),
        }
        Attempted { message, outcome }
    }

    /// Renders `notice` as an email to the channel's address and sends it through the mail
    /// server, within the destination's limits as [`deliver`](Inner::deliver) does.
    async fn email(
        &self,
        message: &Notification,
        attempt: u32,
        until: Timestamp,
        channel: &Channel,
        to: &str,
        notice: &Notice,
    ) -> Settle {
        let Some(smtp) = &self.smtp else {
            let got = Attempt::Unsent { reason: "no mail server is configured (serve --smtp-url)".into() };
            return self.settle_one(message, attempt, channel, &got);
        };
        let email = match email(notice, &smtp.from, to, &message.key) {
            Ok(email) => email,
            Err(e) => return self.settle_one(message, attempt, channel, &Attempt::Rejected { reason: e.to_string() }),
        };
        let credentials = match smtp.credentials(&self.config.secrets) {
            Ok(credentials) => credentials,
            Err(reason) => return self.settle_one(message, attempt, channel, &Attempt::Unsent { reason }),
        };
        self.deliver(message, attempt, until, channel, self.send_email(smtp, email, to, credentials)).await
    }

    /// Sends `email` through the mail server, within the timeout; what it got, naming the
    /// server's `host:port` and at most the code and first line of its reply.
    async fn send_email(
        &self,
        smtp: &Smtp,
        email: lettre::Message,
        to: &str,
        credentials: Option<Credentials>,
    ) -> Attempt {
        let mut transport = smtp.transport.clone();
        if let Some(credentials) = credentials {
            transport = transport.credentials(credentials);
        }
        let transport: AsyncSmtpTransport<Tokio1Executor> = transport.build();
        let server = &smtp.server;
        let e = match tokio::time::timeout(self.config.timeout, transport.send(email)).await {
            // 250: SMTP's positive completion, a 2xx as HTTP's.
            Ok(Ok(_)) => return Attempt::Answered { status: 250, retry_after: None },
            Ok(Err(e)) => e,
            Err(_) => {
                return Attempt::NoAnswer {
                    reason: format!("no answer from the mail server {server} within {:?}", self.config.timeout),
                }
            }
        };
        smtp_failure(&e, server, to, self.config.timeout)
    }

    /// Waits for the destination's limits to let the request go (as long as the lease
    /// leaves room for it to end), makes it (`send`, which starts only then), and decides
    /// how the attempt ends.
    async fn deliver(
        &self,
        message: &Notification,
        attempt: u32,
        until: Timestamp,
        channel: &Channel,
        send: impl Future<Output = Attempt>,
    ) -> Settle {
        let now = self.clock.now();
        let room = now.duration_until(until).try_into().unwrap_or(Duration::ZERO);
        let wait = room.saturating_sub(self.config.timeout + SETTLE_MARGIN);
        let waiting_at_most = (self.config.in_flight / 4).max(1);
        let gate = self.gates.gate(&destination(channel), Limits::of(channel), waiting_at_most);
        let slot = match gate.admit(tokio::time::Instant::now() + wait, self.config.timeout).await {
            Ok(slot) => slot,
            Err(Busy { retry_in }) => {
                let retry_in = jiff::SignedDuration::try_from(retry_in).unwrap_or(jiff::SignedDuration::MAX);
                return Settle::Postpone { at: self.clock.now().saturating_add(retry_in).unwrap_or(Timestamp::MAX) };
            }
        };
        let got = send.await;
        drop(slot);
        self.settle_one(message, attempt, channel, &got)
    }

    /// How `attempt` of `message` ends, within its channel's `retry_for`.
    fn settle_one(&self, message: &Notification, attempt: u32, channel: &Channel, got: &Attempt) -> Settle {
        let retry_for = Duration::from_secs(channel.retry_for().as_seconds().unsigned_abs());
        let policy = RetryPolicy { give_up_after: retry_for, ..self.config.retry };
        let tried = Tried { id: message.id, attempt, since: message.retrying_since() };
        settle(&policy, tried, got, self.clock.now())
    }

    async fn post(&self, request: &Request, host: &str) -> Attempt {
        // A name is checked by the resolver; an IP literal never reaches it.
        if let Some(refused) = self.literal_refused(request) {
            return Attempt::Refused { reason: refused.to_string() };
        }
        let mut builder = self.client.post(request.url.as_str()).json(&request.body);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let response = match builder.send().await {
            Ok(r) => r,
            Err(e) => return self.no_answer(&e, host),
        };
        // The body is not read: it is not kept (see `retry`), and the connection is
        // closed or reused without it.
        let retry_after =
            response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Attempt::Answered { status: response.status().as_u16(), retry_after }
    }

    /// Why there was no answer, naming the host only: a reqwest error's text holds the
    /// whole URL, and Slack's and PagerDuty's URLs are secrets.
    fn no_answer(&self, e: &reqwest::Error, host: &str) -> Attempt {
        if let Some(refused) = refusal(e) {
            return Attempt::Refused { reason: refused.to_string() };
        }
        let what = if e.is_timeout() {
            format!("no answer from {host} within {:?}", self.config.timeout)
        } else if e.is_connect() {
            format!("could not connect to {host}")
        } else {
            format!("the request to {host} failed")
        };
        no_answer_because(what, e)
    }
}

/// No answer, `what` happened, with the kind of the first IO error in `e`'s chain: only
/// its kind, as other causes' text may hold a URL or more than the host.
fn no_answer_because(what: String, e: &(dyn std::error::Error + 'static)) -> Attempt {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return Attempt::NoAnswer { reason: format!("{what}: {}", io.kind()) };
        }
        cause = c.source();
    }
    Attempt::NoAnswer { reason: what }
}

impl Inner {
    /// The refusal of a URL whose host is an IP address the sender may not reach.
    fn literal_refused(&self, request: &Request) -> Option<Refused> {
        // The URL parser writes an IP host in its one canonical form (`0x7f000001` is
        // `127.0.0.1`, an IPv6 one in brackets).
        let url = reqwest::Url::parse(request.url.as_str()).ok()?;
        let host = url.host_str()?;
        let addr: IpAddr = host.trim_start_matches('[').trim_end_matches(']').parse().ok()?;
        self.config.outbound.check(host, addr).err()
    }
}

/// What a mail server's refusal or a failed connection means for the message. A reply's
/// code and the first line of its text are kept (at most [`SMTP_TEXT_MAX`] characters,
/// the recipient's address in it reduced to its domain); another error, its IO error's
/// kind only (its text may hold more than the host).
fn smtp_failure(e: &lettre::transport::smtp::Error, server: &str, to: &str, timeout: Duration) -> Attempt {
    use std::error::Error as _;
    if let Some(code) = e.status() {
        let text: String = e
            .source()
            .map(|s| s.to_string())
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(SMTP_TEXT_MAX)
            .collect();
        let reply = format!("{code} {}", without_address(&text, to)).trim_end().to_owned();
        let code = code.to_string();
        // A refused login (530, 534, 535, 538: RFC 4954) is the mail server's setting or
        // the password secret, not this message: retried, so fixing it lets the page through.
        if ["530", "534", "535", "538"].contains(&code.as_str()) {
            return Attempt::Deferred { reason: format!("the mail server {server} refused the login: {reply}") };
        }
        return if e.is_permanent() {
            Attempt::Rejected { reason: format!("the mail server refused it: {reply}") }
        } else {
            Attempt::Deferred { reason: format!("the mail server answered {reply}") }
        };
    }
    let what = if e.is_timeout() {
        format!("no answer from the mail server {server} within {timeout:?}")
    } else if e.is_tls() {
        format!("TLS with the mail server {server} failed")
    } else if e.is_response() {
        format!("the mail server {server} answered what could not be read")
    } else {
        format!("could not connect to the mail server {server}")
    };
    no_answer_because(what, e)
}

/// `text` with the address `to` (in any case) written `…@domain`: errors and logs name the
/// recipient's domain at most.
fn without_address(text: &str, to: &str) -> String {
    let Some((_, domain)) = to.rsplit_once('@') else { return text.to_owned() };
    if to.is_empty() {
        return text.to_owned();
    }
    let (lower, needle) = (text.to_ascii_lowercase(), to.to_ascii_lowercase());
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find(&needle) {
        out.push_str(&text[at..at + found]);
        out.push_str(&format!("…@{}", domain.to_ascii_lowercase()));
        at += found + needle.len();
    }
    out.push_str(&text[at..]);
    out
}

/// The most characters of a mail server's reply text kept in an error.
const SMTP_TEXT_MAX: usize = 200;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_servers_reply_names_the_recipients_domain_only() {
        assert_eq!(
            without_address("5.1.1 <Marta@Example.com>: Recipient address rejected", "marta@example.com"),
            "5.1.1 <…@example.com>: Recipient address rejected"
        );
        assert_eq!(without_address("5.1.1 mailbox unavailable", "marta@example.com"), "5.1.1 mailbox unavailable");
    }

    #[test]
    fn the_smtp_urls_user_is_percent_decoded() {
        assert_eq!(percent_decoded("baton%40example.org"), "baton@example.org");
        assert_eq!(percent_decoded("a%2"), "a%2");
        assert_eq!(percent_decoded("plain"), "plain");
    }
}
