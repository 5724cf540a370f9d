//! The notification outbox: messages written in the same transaction as the decision
//! that caused them, then delivered at least once by a sender that claims them.
//!
//! A claim is a lease: the claimer has `lease` to settle the message, after which another
//! sender (another replica) may claim it again. Two replicas never hold the same message
//! at once, and a sender that dies mid-delivery leaves it to be claimed again — with the
//! same idempotency `key`, which the receiver can use to drop the repeat.

use baton_core::Timestamp;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// A message to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    /// Idempotency key: unique in the outbox, sent with every delivery attempt.
    pub key: String,
    /// What it is about (`alert/streamhub/…`, `handover/platform-sre/…`), for listing.
    pub subject: String,
    /// Where it goes, JSON (a `baton_core` channel).
    pub channel: String,
    /// What it says, JSON.
    pub payload: String,
    /// Not to be sent before this instant.
    pub not_before: Timestamp,
}

impl NewNotification {
    /// The message as stored under `id`, queued at `at` and not yet attempted.
    pub fn queued(&self, id: i64, at: Timestamp) -> Notification {
        Notification {
            id,
            key: self.key.clone(),
            subject: self.subject.clone(),
            channel: self.channel.clone(),
            payload: self.payload.clone(),
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: self.not_before,
            last_error: None,
            created_at: at,
            settled_at: None,
            requeued_at: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    /// Given up: the last attempt failed, or the receiver refused it for good.
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "dead" => Some(DeliveryStatus::Dead),
            _ => None,
        }
    }
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: i64,
    pub key: String,
    pub subject: String,
    pub channel: String,
    pub payload: String,
    pub status: DeliveryStatus,
    /// Attempts settled so far.
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub settled_at: Option<Timestamp>,
    /// When a person last sent it again as a dead letter: its retries count from then.
    pub requeued_at: Option<Timestamp>,
}

impl Notification {
    /// Where its retries are counted from: its creation, or its last re-send.
    pub fn retrying_since(&self) -> Timestamp {
        self.requeued_at.unwrap_or(self.created_at)
    }
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Settle {
    Delivered,
    /// Try again at `at`.
    Retry {
        at: Timestamp,
        error: String,
    },
    Dead {
        error: String,
    },
    /// Not attempted: its destination is at its limit (requests in flight, or rate).
    /// Pending again from `at`, released by this sender, attempts not counted.
    Postpone {
        at: Timestamp,
    },
}

impl Settle {
    /// The columns a settled attempt writes, as both backends store them: status, next
    /// attempt (µs, kept as it was when `None`), last error (kept as it was when `None`
    /// for a postponement), settled at (µs), and attempts to add (0 for a postponement).
    pub fn columns(&self, at: Timestamp) -> SettleColumns {
        match self {
            Settle::Delivered => ("delivered", None, None, Some(at.as_microsecond()), 1),
            Settle::Retry { at: next, error } => ("pending", Some(next.as_microsecond()), Some(error.clone()), None, 1),
            Settle::Dead { error } => ("dead", None, Some(error.clone()), Some(at.as_microsecond()), 1),
            Settle::Postpone { at: next } => ("pending", Some(next.as_microsecond()), None, None, 0),
        }
    }
}

/// Status, next attempt, last error, settled at, attempts added: see [`Settle::columns`].
pub type SettleColumns = (&'static str, Option<i64>, Option<String>, Option<i64>, i64);

/// Which messages to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct NotificationQuery {
    pub status: Option<DeliveryStatus>,
    pub subject_prefix: Option<String>,
    /// Only messages whose key starts with this: a range on the key's unique index, so
    /// an alert's deliveries (their keys start with its opening instant) are found
    /// without reading the outbox.
    pub key_prefix: Option<String>,
    /// Only messages about exactly this subject.
    pub subject: Option<String>,
    pub limit: i64,
}

/// The outbox as `/metrics` shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxStats {
    pub pending: i64,
    pub dead: i64,
    /// When the first queued of the pending messages (least id) was queued, or re-sent if
    /// it was: a re-sent old message counts from its re-send.
    pub oldest_pending: Option<Timestamp>,
}

/// A claim written with the messages themselves (see `Store::commit_claiming`).
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub worker: String,
    pub until: Timestamp,
}

/// Messages a process queued already claimed for its own sender, waiting for it in memory:
/// the sender delivers them without claiming them in the store first. On SQLite that is
/// two writes fewer per message on the one write connection the intake needs (a claim
/// and the sender's wait behind intake commits to make it), and the page leaves as soon
/// as its alert is committed. What is left here when the process dies is claimed from the
/// store again once its lease has run out, with the same idempotency key.
#[derive(Debug)]
pub struct SenderQueue {
    worker: String,
    lease: Duration,
    queue: Mutex<VecDeque<(Timestamp, Notification)>>,
    /// Whether anything was ever handed over.
    used: AtomicBool,
}

impl SenderQueue {
    /// A queue to the sender named `worker`, whose messages are claimed for `lease`.
    pub fn new(worker: impl Into<String>, lease: Duration) -> Self {
        SenderQueue { worker: worker.into(), lease, queue: Mutex::default(), used: AtomicBool::new(false) }
    }

    /// The claim to queue messages under at `now`.
    pub fn claim(&self, now: Timestamp) -> Claim {
        let lease = jiff::SignedDuration::try_from(self.lease).unwrap_or(jiff::SignedDuration::MAX);
        Claim { worker: self.worker.clone(), until: now.saturating_add(lease).unwrap_or(Timestamp::MAX) }
    }

    /// Hands over `messages`, queued under `claim`.
    pub fn push(&self, claim: &Claim, messages: Vec<Notification>) {
        self.used.store(true, Ordering::Relaxed);
        let mut queue = self.queue.lock().expect("queue lock");
        queue.extend(messages.into_iter().map(|m| (claim.until, m)));
    }

    /// Up to `limit` messages, oldest first, whose claim lasts at least `margin` past
    /// `now`. One whose claim would run out sooner is dropped: another sender could take
    /// it over mid-delivery, so it is left to be claimed from the store after its lease.
    pub fn take(&self, now: Timestamp, margin: Duration, limit: usize) -> Vec<Notification> {
        let margin = jiff::SignedDuration::try_from(margin).unwrap_or(jiff::SignedDuration::MAX);
        let fresh_after = now.saturating_add(margin).unwrap_or(Timestamp::MAX);
        let mut queue = self.queue.lock().expect("queue lock");
        let mut out = Vec::with_capacity(limit.min(queue.len()));
        while out.len() < limit {
            let Some((until, message)) = queue.pop_front() else { break };
            if until > fresh_after {
                out.push(message);
            }
        }
        out
    }

    /// Whether anything was ever handed over: a sender nobody hands to claims every
    /// message from the store.
    pub fn in_use(&self) -> bool {
        self.used.load(Ordering::Relaxed)
    }

    pub fn is_empty(&self) -> bool {
        self.queue.lock().expect("queue lock").is_empty()
    }
}
