//! What people ask the pipeline to do. Each command is also the body of its API call.

use crate::{ItemId, Link, TeamId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{SoakOverride, SoakResult};

/// Proposes the service for SRE onboarding. Links left out are taken from the service's
/// definition; all three must be known from one or the other.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Propose {
    pub epic: Option<Link>,
    pub questionnaire: Option<Link>,
    pub service_definition: Option<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Accept {
    pub priority: String,
    pub reason: String,
}

/// A reason, and nothing else: rejecting, retiring, handing over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Reasoned {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Assign {
    pub sre_team: TeamId,
    pub scope: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompleteItem {
    pub evidence: Link,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WaiveItem {
    pub reason: String,
    pub expires_at: Timestamp,
}

/// Records a soak test that has ended. Its result is not asked for: Baton judges the
/// service's SLOs over `[started_at, ended_at)`. An SRE who knows better may override that
/// verdict, with a reason (`override`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordSoak {
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    pub link: Link,
    /// Sets the SLOs' verdict aside: `{"result": "passed"|"failed", "reason": "…"}`.
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub overridden: Option<SoakOverride>,
    /// No longer accepted: clients from before soak tests were judged by the SLOs sent
    /// their own result here. It is refused (422, field `result`) with what to send now,
    /// rather than silently taken or dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, deprecated))]
    pub result: Option<SoakResult>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnterProduction {
    pub link: Option<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordReview {
    pub slos_met: bool,
    pub evidence: Link,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Deploy {
    pub version: Option<String>,
}

/// Environments an owner may deploy to by themselves, at any stage.
pub const SELF_SERVICE_ENVIRONMENTS: [&str; 2] = ["integration", "stage"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Command {
    Propose(Propose),
    Accept(Accept),
    Reject(Reasoned),
    Assign(Assign),
    CompleteItem {
        item: ItemId,
        #[serde(flatten)]
        body: CompleteItem,
    },
    WaiveItem {
        item: ItemId,
        #[serde(flatten)]
        body: WaiveItem,
    },
    RecordSoak(RecordSoak),
    EnterProduction(EnterProduction),
    RecordReview(RecordReview),
    HandOver(Reasoned),
    Retire(Reasoned),
    Deploy {
        environment: String,
        #[serde(flatten)]
        body: Deploy,
    },
}

impl Command {
    /// The audit action name, `service.<verb>`.
    pub fn action(&self) -> &'static str {
        match self {
            Command::Propose(_) => "service.propose",
            Command::Accept(_) => "service.accept",
            Command::Reject(_) => "service.reject",
            Command::Assign(_) => "service.assign",
            Command::CompleteItem { .. } => "service.complete-item",
            Command::WaiveItem { .. } => "service.waive-item",
            // An override is a decision of its own, so it is told apart in the audit log.
            Command::RecordSoak(s) if s.overridden.is_some() => "service.override-soak",
            Command::RecordSoak(_) => "service.record-soak",
            Command::EnterProduction(_) => "service.enter-production",
            Command::RecordReview(_) => "service.record-review",
            Command::HandOver(_) => "service.hand-over",
            Command::Retire(_) => "service.retire",
            Command::Deploy { .. } => "service.deploy",
        }
    }

    /// The free-text reason carried into the audit record.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Command::Accept(a) => Some(&a.reason),
            Command::Reject(r) | Command::HandOver(r) | Command::Retire(r) => Some(&r.reason),
            Command::Assign(a) => Some(&a.scope),
            Command::WaiveItem { body, .. } => Some(&body.reason),
            Command::RecordReview(r) => r.notes.as_deref(),
            Command::RecordSoak(s) => s.overridden.as_ref().map(|o| o.reason.as_str()),
            _ => None,
        }
    }
}
