//! What has happened to one service on its way through the pipeline.
//!
//! Stored as JSON; every field added later must default, so records written by an older
//! Baton still load (`#[serde(default)]`).

use crate::slo::SoakVerdict;
use crate::{GateId, ItemId, Link, PersonId, TeamId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Defined in the repo, not yet proposed for SRE onboarding.
    Draft,
    /// Kickoff: waiting for the architects' decision.
    Proposed,
    /// Kickoff: accepted with a priority, waiting for an SRE team.
    Accepted,
    /// SRE team assigned: working the checklist and the soak test.
    Onboarding,
    /// In production, proving its SLOs before the pager moves.
    Transition,
    /// The SRE team holds the pager.
    SreOwned,
    Rejected,
    Retired,
}

impl Stage {
    pub const ALL: [Stage; 8] = [
        Stage::Draft,
        Stage::Proposed,
        Stage::Accepted,
        Stage::Onboarding,
        Stage::Transition,
        Stage::SreOwned,
        Stage::Rejected,
        Stage::Retired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Draft => "draft",
            Stage::Proposed => "proposed",
            Stage::Accepted => "accepted",
            Stage::Onboarding => "onboarding",
            Stage::Transition => "transition",
            Stage::SreOwned => "sre-owned",
            Stage::Rejected => "rejected",
            Stage::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The phase of the process documents this stage belongs to.
    pub fn phase(self) -> &'static str {
        match self {
            Stage::Draft | Stage::Proposed | Stage::Accepted => "kickoff",
            Stage::Onboarding => "onboarding",
            Stage::Transition => "transition",
            Stage::SreOwned => "sre-owned",
            Stage::Rejected | Stage::Retired => "ended",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Stage::Rejected | Stage::Retired)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who did something and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signed {
    pub by: PersonId,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proposal {
    pub epic: Link,
    pub questionnaire: Link,
    pub service_definition: Link,
    #[serde(flatten)]
    pub signed: Signed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KickoffDecision {
    /// Set when accepted; rejections carry none.
    pub priority: Option<String>,
    pub reason: String,
    #[serde(flatten)]
    pub signed: Signed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    pub sre_team: TeamId,
    pub scope: String,
    #[serde(flatten)]
    pub signed: Signed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ItemState {
    Done {
        evidence: Link,
        #[serde(flatten)]
        signed: Signed,
    },
    Waived {
        reason: String,
        expires_at: Timestamp,
        /// The approver of the waiver.
        #[serde(flatten)]
        signed: Signed,
    },
}

/// The result of a soak test that the pipeline reads: what the service's SLOs said over
/// its window, or an SRE's override of that with a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum SoakResult {
    Passed,
    Failed,
    /// The SLOs had nothing (or too little) to judge by: never a pass.
    NoData,
}

impl SoakResult {
    pub fn as_str(self) -> &'static str {
        match self {
            SoakResult::Passed => "passed",
            SoakResult::Failed => "failed",
            SoakResult::NoData => "no-data",
        }
    }

    /// What the SLOs' verdict amounts to.
    pub fn of(verdict: &SoakVerdict) -> Self {
        match verdict {
            SoakVerdict::Met { .. } => SoakResult::Passed,
            SoakVerdict::NotMet { .. } => SoakResult::Failed,
            SoakVerdict::NoData { .. } => SoakResult::NoData,
        }
    }
}

/// An SRE setting the SLOs' verdict on a soak test aside: the result they vouch for and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SoakOverride {
    /// `passed` or `failed`.
    pub result: SoakResult,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SoakTest {
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    /// The result that counts: the SLOs' verdict (`verdict`), or the override when there
    /// is one. Records from before Baton judged soak tests carry the recorder's word here
    /// and no verdict.
    pub result: SoakResult,
    /// What the service's SLOs said over `[started_at, ended_at)`, with its evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<SoakVerdict>,
    /// Set when the recorder overrode the SLOs' verdict (recorded as such in the audit log).
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    pub overridden: Option<SoakOverride>,
    pub link: Link,
    #[serde(flatten)]
    pub signed: Signed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Production {
    pub since: Timestamp,
    pub link: Option<Link>,
    pub by: PersonId,
}

/// An SRE's review of the service's SLOs and SOPs (runbooks) during the transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    /// The reviewer's judgement that the SLOs were met over the window.
    pub slos_met: bool,
    pub evidence: Link,
    pub notes: Option<String>,
    #[serde(flatten)]
    pub signed: Signed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deployment {
    pub version: Option<String>,
    #[serde(flatten)]
    pub signed: Signed,
}

/// A production gate passed: a person (of the owner team) asked for it while the gate's
/// verdict passed. The verdict itself is kept in the audit record of the pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GatePass {
    /// The service's version when the gate was passed, if it reports one.
    pub version: Option<String>,
    #[serde(flatten)]
    pub signed: Signed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageChange {
    pub from: Stage,
    pub to: Stage,
    pub reason: Option<String>,
    #[serde(flatten)]
    pub signed: Signed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ServiceRecord {
    pub stage: Stage,
    pub proposal: Option<Proposal>,
    pub decision: Option<KickoffDecision>,
    pub assignment: Option<Assignment>,
    pub items: BTreeMap<ItemId, ItemState>,
    pub soak: Option<SoakTest>,
    pub production: Option<Production>,
    pub review: Option<Review>,
    pub handover: Option<Signed>,
    pub retirement: Option<KickoffDecision>,
    /// Self-service environments (integration, stage) and when they were last deployed.
    pub environments: BTreeMap<String, Deployment>,
    pub history: Vec<StageChange>,
    /// The production gates passed, by gate (the latest pass of each).
    pub gates: BTreeMap<GateId, GatePass>,
}

impl Default for ServiceRecord {
    fn default() -> Self {
        Self {
            stage: Stage::Draft,
            proposal: None,
            decision: None,
            assignment: None,
            items: BTreeMap::new(),
            soak: None,
            production: None,
            review: None,
            handover: None,
            retirement: None,
            environments: BTreeMap::new(),
            history: Vec::new(),
            gates: BTreeMap::new(),
        }
    }
}

impl ServiceRecord {
    pub fn priority(&self) -> Option<&str> {
        self.decision.as_ref().and_then(|d| d.priority.as_deref())
    }
    pub fn sre_team(&self) -> Option<&TeamId> {
        self.assignment.as_ref().map(|a| &a.sre_team)
    }

    /// The version most recently deployed to a self-service environment: what would be
    /// promoted, and what gate approvals are given on. `None` when no deployment named one.
    pub fn current_version(&self) -> Option<&str> {
        self.environments
            .values()
            .filter(|d| d.version.is_some())
            .max_by_key(|d| d.signed.at)
            .and_then(|d| d.version.as_deref())
    }

    pub fn passed_gate(&self, gate: &str) -> Option<&GatePass> {
        self.gates.iter().find(|(id, _)| id.as_str() == gate).map(|(_, p)| p)
    }
}
