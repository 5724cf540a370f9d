//! Delivery of the notification outbox: every message a decision queued (pages, page
//! updates, handover reminders) is POSTed to its channel — Baton's own JSON webhook, a
//! Slack incoming webhook, or PagerDuty's Events API v2 — at least once, with an
//! idempotency key that is the same on every attempt.
//!
//! - [`render`] turns a [`Notice`](baton_core::notice::Notice) into the request for one
//!   [`Channel`](baton_core::paging::Channel); its module documents the webhook body.
//! - [`retry`] decides how an attempt ends: delivered, retried with exponential backoff
//!   (429, 5xx, no answer), or a dead letter (any other 4xx, or the last attempt failing).
//! - [`Sender`] claims messages from the [`Store`](baton_store::Store), delivers and
//!   settles them; [`Sender::run`] loops until shutdown, woken by the intake.
//!
//! Slack and PagerDuty URLs and routing keys are secrets: logs and stored errors name the
//! receiver's host only.
#![forbid(unsafe_code)]

pub mod render;
pub mod retry;
mod sender;

pub use render::{render, Request};
pub use retry::{settle, Attempt, RetryPolicy};
pub use sender::{worker_id, SendReport, Sender, SenderConfig, SenderError};
