//! Paging, pure: escalation policies ([`policy`]), whose pager an alert is ([`route`]),
//! the other systems' alert payloads ([`intake`]), and an alert's life ([`alert`]) with
//! its escalation ([`escalate`]). Storing alerts, the engine that calls `escalate` on
//! schedule and the delivery of [`Page`]s to a policy's [`Channel`]s live elsewhere.

pub mod ack_link;
pub mod alert;
pub mod escalate;
pub mod intake;
pub mod integration;
pub mod policy;
pub mod receive;
pub mod responders;
pub mod route;
pub mod secret;
pub mod severity;

#[cfg(test)]
pub(crate) mod tests;

pub use ack_link::{AckLink, LinkError, ACK_LINK_LIFETIME};
pub use alert::{Actor, Alert, AlertError, AlertEvent, Dedup, EscalationState, EventKind, FollowUp, Stamp, Status};
pub use escalate::{undelivered, DeliveryState, EmptyStep, Escalation, Page};
pub use intake::{Action, FieldError, Incoming, IntakeError};
pub use integration::{Format, Integration};
pub use policy::{
    pagerduty_url, Channel, Delivery, Destination, EscalationPolicy, EscalationStep, PolicyId, Purpose, Target,
    DEFAULT_IN_FLIGHT, DEFAULT_RETRY_FOR, PAGERDUTY_EVENTS_URL, PAGERDUTY_RATE_PER_MINUTE,
};
pub use receive::{receive, Outcome, Received};
pub use responders::{may_resend_any, may_respond, responders};
pub use route::{first_policy, route, route_or_fallback, NoRoute, Route};
pub use secret::{Secret, SecretError, SecretName, SecretValue, SECRET_ENV_PREFIX};
pub use severity::Severity;
