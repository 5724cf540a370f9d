//! Production gates as people use them: the verdict of each gate for a service (read from
//! the store and the organisation, judged by `core::gate::evaluate`), and the acts that
//! change it, each recorded with its audit entry in one commit: votes and their
//! withdrawal, check results (JSON or a JUnit report), waivers, capacity and velocity
//! numbers proposed and agreed, installs, passing a gate, and asking the people whose
//! approval it still needs for their votes (`ask`).
//!
//! Who may do what (ARCHITECTURE.md, Decisions): a vote is given for a team the gate asks
//! approval from, by a member of it; only its voter withdraws it. Waivers are approved by
//! the service's assigned SRE team or the architects. Check results and installs come
//! from the owner team or the SRE team; capacity and velocity are proposed by the owner
//! team and agreed by the assigned SRE team ("SRE will agree on capacity and velocity
//! numbers"). The owner team passes a gate, which succeeds only while its verdict passes.
//!
//! Records (`Store::commit`), each under the service's id so one prefix reads them all:
//! `gate-vote` `{service}/{gate}/{vote}`, `gate-waiver` `{service}/{gate}/{waiver}` (due at
//! its expiry, when the owner team is told), `gate-check` `{service}/{name}` (the latest
//! results of one check), `gate-capacity` `{service}`, `gate-install` `{service}/{install}`.
//! A gate passed is part of the service's pipeline record (`ServiceRecord::gates`): the
//! `enter-production` step reads it there.

mod acts;
mod ask;
mod capacity;
mod checks;
mod read;
mod waivers;

pub use ask::VotesAsked;

use baton_core::gate::{Approval, Assurance, CapacityAgreement, GateVerdict, Vote, Waiver};
use baton_core::pipeline::GatePass;
use baton_core::{GateId, Link, PersonId, ServiceId, TeamId, Timestamp};
use serde::{Deserialize, Serialize};

pub const VOTE_KIND: &str = "gate-vote";
pub const WAIVER_KIND: &str = "gate-waiver";
pub const CHECK_KIND: &str = "gate-check";
pub const CAPACITY_KIND: &str = "gate-capacity";
pub const INSTALL_KIND: &str = "gate-install";

/// How many results of one check are kept; the latest decides, the audit log has them all.
pub const MAX_CHECK_RESULTS: usize = 20;

/// A vote as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateVote {
    /// Names the vote in `.../votes/{vote}/withdraw`.
    #[cfg_attr(feature = "openapi", schema(example = "5f0c2a9e41d3"))]
    pub id: String,
    pub gate: GateId,
    pub service: ServiceId,
    #[serde(flatten)]
    pub approval: Approval,
}

/// A waiver as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateWaiver {
    pub id: String,
    pub gate: GateId,
    pub service: ServiceId,
    #[serde(flatten)]
    pub waiver: Waiver,
    /// Whether it is in force now (given, and not yet expired).
    #[serde(default)]
    pub active: bool,
    /// Set once the owner team has been told it expired.
    #[serde(default)]
    pub expiry_noticed: bool,
}

/// The capacity and velocity numbers of a service, as proposed and (once) agreed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Capacity {
    #[serde(flatten)]
    pub agreement: CapacityAgreement,
    pub proposed_by: PersonId,
    pub proposed_at: Timestamp,
}

/// One install of the service: a customer's (external) or an internal consumer's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Install {
    pub id: String,
    pub service: ServiceId,
    pub customer: String,
    pub cluster: String,
    pub external: bool,
    pub by: PersonId,
    pub at: Timestamp,
}

/// A +1 or −1 on a gate.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VoteIn {
    /// The team the vote is given for. May be left out when the voter belongs to exactly
    /// one team the gate asks approval from.
    #[serde(default)]
    pub team: Option<TeamId>,
    /// `plus` (+1, LGTM) or `minus` (−1: blocks until withdrawn).
    pub vote: Vote,
    pub comment: String,
    /// The merge request or ticket the vote is given on.
    pub evidence: Link,
}

/// A requirement set aside until `expires_at`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WaiverIn {
    /// The requirement's id, as the verdict lists it (e.g. `check:e2e`, `approval:platform-pm`).
    #[cfg_attr(feature = "openapi", schema(example = "check:e2e"))]
    pub requirement: String,
    pub reason: String,
    pub expires_at: Timestamp,
    /// The team the approver waives for: the service's SRE team or the architects. May be
    /// left out when the approver belongs to one of them.
    #[serde(default)]
    pub approver_team: Option<TeamId>,
}

/// A check result posted as JSON (a JUnit report is posted as `application/xml`).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckIn {
    /// The check's name as gates name it, e.g. `e2e`.
    #[cfg_attr(feature = "openapi", schema(example = "e2e"))]
    pub name: String,
    pub passed: bool,
    /// What the run found, e.g. "212 tests, 0 failures, 0 errors".
    pub summary: String,
    #[serde(default)]
    pub evidence: Option<Link>,
}

/// A check result as posted: JSON, or a JUnit XML report to parse.
#[derive(Debug, Clone)]
pub enum CheckReport {
    Json(CheckIn),
    Junit { name: String, xml: String, evidence: Option<Link> },
}

/// Capacity (installs in all) and velocity (new installs a week) for a customer release.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CapacityIn {
    pub max_installs: u32,
    pub max_installs_per_week: u32,
}

/// An install request.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InstallIn {
    pub customer: String,
    pub cluster: String,
    /// A customer outside the organisation: needs `customer-release` passed, and counts
    /// against the agreed capacity and velocity. Internal consumers do not.
    pub external: bool,
}

/// One gate for one service: its verdict now, and what it was judged on.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateView {
    pub gate: GateId,
    pub name: String,
    pub description: Option<String>,
    pub verdict: GateVerdict,
    /// The last time a person passed the gate, if one did.
    pub passed: Option<GatePass>,
    /// The teams this gate asks approval from for this service: what a vote may name.
    pub approval_teams: Vec<TeamId>,
    /// Every vote, withdrawn ones included, oldest first.
    pub votes: Vec<GateVote>,
    /// Every waiver, expired ones included, oldest first.
    pub waivers: Vec<GateWaiver>,
}

/// Installs so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstallCounts {
    /// Customers' installs: what capacity counts.
    pub external: u32,
    /// Customers' installs in the last seven days: what velocity counts.
    pub external_last_week: u32,
    pub internal: u32,
}

/// Every gate of the organisation for one service, with its assurance and capacity.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceGates {
    pub service: ServiceId,
    pub assurance: Assurance,
    /// The version gate approvals are given on: the last one deployed to integration or stage.
    pub version: Option<String>,
    pub capacity: Option<Capacity>,
    pub installs: InstallCounts,
    pub gates: Vec<GateView>,
}
