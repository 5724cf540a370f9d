//! The notification outbox: messages written in the same transaction as the decision
//! that caused them, then delivered at least once by a sender that claims them.
//!
//! A claim is a lease: the claimer has `lease` to settle the message, after which another
//! sender (another replica) may claim it again. Two replicas never hold the same message
//! at once, and a sender that dies mid-delivery leaves it to be claimed again — with the
//! same idempotency `key`, which the receiver can use to drop the repeat.

use baton_core::Timestamp;

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
}

/// Which messages to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct NotificationQuery {
    pub status: Option<DeliveryStatus>,
    pub subject_prefix: Option<String>,
    pub limit: i64,
}
