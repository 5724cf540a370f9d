//! Delivery of the notification outbox: every message a decision queued (pages, page
//! updates, handover reminders) is POSTed to its channel — Baton's own JSON webhook, a
//! Slack incoming webhook, or PagerDuty's Events API v2 — or emailed over SMTP, at least
//! once, with an idempotency key that is the same on every attempt.
//!
//! - [`render`] turns a [`Notice`](baton_core::notice::Notice) into the request for one
//!   [`Channel`](baton_core::paging::Channel); its module documents the webhook body.
//! - [`email`] turns one into the email for one address, its `Message-ID` derived from the
//!   idempotency key; the sender sends it through the mail server of [`SmtpConfig`]. A
//!   mail server's 5xx is a dead letter at once, its 4xx retried.
//! - [`retry`] decides how an attempt ends: delivered, retried with capped exponential
//!   backoff and jitter (429, 5xx, no answer) for the channel's `retry_for` (24 h by
//!   default), or a dead letter (any other 4xx or 3xx, or a next try past that window).
//! - `limits` keeps each destination (a URL, a PagerDuty routing key) within its channel's
//!   requests in flight and rate; a message over them waits, or is postponed.
//! - [`Sender`] claims messages from the [`Store`](baton_store::Store), delivers and
//!   settles them; [`Sender::run`] loops until shutdown, woken by the intake. It counts
//!   every settled attempt in `baton_deliveries_total{outcome}` (delivered, retry, dead,
//!   postponed, lost) and tells [`Sender::on_failed`]'s callback of each failed one.
//!
//! Slack and PagerDuty URLs and routing keys are secrets: logs and stored errors name the
//! receiver's host only. A channel may name them instead of holding them ([`Secrets`]
//! reads them at each send); one that cannot be read fails the attempt, retried.
#![forbid(unsafe_code)]

pub mod email;
mod limits;
pub mod outbound;
pub mod render;
pub mod retry;
mod secrets;
mod sender;

pub use email::{email, EmailError};
pub use outbound::Outbound;
pub use render::{render, Request};
pub use retry::{settle, Attempt, RetryPolicy, Tried};
pub use secrets::Secrets;
pub use sender::{worker_id, OnFailed, SendReport, Sender, SenderConfig, SenderError, SmtpConfig};
