//! What a gate is judged on: plain data the caller reads from the store (votes, check
//! results, waivers, SLO figures, rotations, the capacity agreement) and the instant.
//!
//! Nothing here is filtered in advance: evaluation itself ignores what was withdrawn,
//! has expired, or lies after `now`, so the same inputs judged at another instant give
//! that instant's verdict.

use crate::org::{Org, ServiceDef};
use crate::pipeline::Stage;
use crate::{Link, PersonId, SloId, TeamId, Viability};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A +1 or −1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Vote {
    Plus,
    Minus,
}

/// One person's vote on a gate for one service, given for one team they belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    pub person: PersonId,
    /// The team the vote is given for; it counts only for that team's approval requirement.
    pub team: TeamId,
    pub vote: Vote,
    pub comment: String,
    /// The merge request or ticket the vote was given on.
    pub evidence: Link,
    /// The service's version when the vote was given.
    #[serde(default)]
    pub version: Option<String>,
    pub at: Timestamp,
    /// Set when the voter takes the vote back; a −1 blocks until then.
    #[serde(default)]
    pub withdrawn_at: Option<Timestamp>,
}

impl Approval {
    /// Whether the vote stands at `now`: already given and not yet withdrawn.
    pub fn stands_at(&self, now: Timestamp) -> bool {
        self.at <= now && self.withdrawn_at.is_none_or(|w| w > now)
    }
}

/// An external result posted to Baton, e.g. an end-to-end test run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckResult {
    pub name: String,
    pub passed: bool,
    /// What the run found, e.g. "212 tests, 0 failures, 0 errors".
    pub summary: String,
    pub at: Timestamp,
    #[serde(default)]
    pub evidence: Option<Link>,
}

/// A requirement set aside for one service and gate until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Waiver {
    /// The leaf's id, e.g. `check:e2e` (see `Requirement::id`).
    pub requirement: String,
    pub reason: String,
    pub approved_by: PersonId,
    /// The team the approver waives for; the waiver counts only while they are a member.
    pub approver_team: TeamId,
    pub expires_at: Timestamp,
    pub at: Timestamp,
}

impl Waiver {
    pub fn active_at(&self, now: Timestamp) -> bool {
        self.at <= now && now < self.expires_at
    }
}

/// The numbers SRE agreed for a customer release: how many installs in all, and how many
/// new ones a week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapacityAgreement {
    pub max_installs: u32,
    pub max_installs_per_week: u32,
    /// `None` while the numbers are proposed but not yet agreed.
    #[serde(default)]
    pub approved_by: Option<PersonId>,
    pub at: Timestamp,
}

/// One on-call rotation of the service's SRE team, by its number of members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationSize {
    pub rotation: String,
    pub members: u32,
}

/// Who would answer for the service: its SRE team's rotations and the escalation policy
/// its alerts route to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportFacts {
    /// The SRE team assigned to the service, if one is.
    pub sre_team: Option<TeamId>,
    /// The rotations of that team.
    pub rotations: Vec<RotationSize>,
    /// The escalation policy covering the service, by id, if one does. An id rather than
    /// a yes/no so the verdict can name it.
    pub escalation_policy: Option<String>,
}

/// Everything one gate is evaluated on, for one service at one instant.
#[derive(Debug, Clone, Copy)]
pub struct GateInputs<'a> {
    pub org: &'a Org,
    pub service: &'a ServiceDef,
    pub stage: Stage,
    /// The service's current version, if it reports one.
    pub version: Option<&'a str>,
    /// Every vote on this gate for this service, withdrawn ones included.
    pub approvals: &'a [Approval],
    /// Every check result posted for this service; the latest per name counts.
    pub checks: &'a [CheckResult],
    /// Every waiver given on this gate for this service, expired ones included.
    pub waivers: &'a [Waiver],
    /// The SLO engine's verdict over the transition window, if it could be read.
    pub slo_viability: Option<&'a Viability>,
    /// The service's recorded soak test, with the SLOs' verdict over its window.
    pub soak: Option<&'a crate::pipeline::SoakTest>,
    /// For each SLO of the service, which of the days before `now` had data: each
    /// `slis_demonstrated` counts over its own `min_days`, never over the SLO's window.
    pub sli_days: &'a BTreeMap<SloId, crate::slo::DataDays>,
    pub support: &'a SupportFacts,
    pub capacity: Option<&'a CapacityAgreement>,
    pub now: Timestamp,
}
