//! What a notification says, whatever carries it (a webhook, Slack, PagerDuty). Pages,
//! handover reminders and SLO news are all notices; the outbox holds one per channel and
//! the sender renders it for that channel.

use crate::paging::Severity;
use crate::PersonId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum NoticeKind {
    /// Somebody must act now (an alert's escalation step).
    Page,
    /// An alert that was paged is acknowledged or resolved: stop paging.
    PageUpdate,
    /// Somebody should act, not urgently (an unacknowledged handover, an SLO step to take).
    Reminder,
    /// For information only.
    Info,
}

/// What the receiving system should do with the alert a notice is about (PagerDuty's
/// `event_action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum AlertAction {
    Trigger,
    Acknowledge,
    Resolve,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeLink {
    pub label: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    pub kind: NoticeKind,
    /// What it is about: `alert/streamhub/<key>`, `handover/<rotation>/<shift>`, `slo/<id>`.
    pub subject: String,
    pub title: String,
    pub text: String,
    /// The people it is for (empty: the channel's audience as a whole).
    #[serde(default)]
    pub to: Vec<PersonId>,
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Acknowledge and resolve links, the runbook, the dashboard page.
    #[serde(default)]
    pub links: Vec<NoticeLink>,
    /// For notices about an alert: its dedup key and what to do with it, so a PagerDuty
    /// last mile opens, acknowledges and resolves one incident per Baton alert.
    #[serde(default)]
    pub alert: Option<(String, AlertAction)>,
}
