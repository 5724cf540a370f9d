//! A gate as `policies/` defines it: which services it applies to and the tree of
//! requirements (all-of, any-of, leaves) that must hold for a service to pass it.

use crate::org::ServiceDef;
use crate::pipeline::Stage;
use crate::{GateId, Period, TeamId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gate {
    pub id: GateId,
    pub name: String,
    pub description: Option<String>,
    pub applies_to: AppliesTo,
    pub requirement: Requirement,
}

/// Which services a gate is for. Internal-only services are never sold, so a gate about
/// customers does not apply to them (and they cannot pass it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum AppliesTo {
    #[default]
    All,
    CustomerFacing,
    InternalOnly,
}

impl AppliesTo {
    pub const ALL: [&'static str; 3] = ["all", "customer-facing", "internal-only"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "all" => Some(Self::All),
            "customer-facing" => Some(Self::CustomerFacing),
            "internal-only" => Some(Self::InternalOnly),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL[self as usize]
    }

    pub fn includes(self, service: &ServiceDef) -> bool {
        match self {
            Self::All => true,
            Self::CustomerFacing => !service.internal_only,
            Self::InternalOnly => service.internal_only,
        }
    }
}

/// A team defined by its relation to the service being judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceRole {
    /// The service's owner team.
    Owner,
    /// The SRE team assigned to the service.
    Sre,
}

impl ServiceRole {
    pub const ALL: [&'static str; 2] = ["owner", "sre"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(Self::Owner),
            "sre" => Some(Self::Sre),
            _ => None,
        }
    }

    /// As written in `policies/`; also the suffix of the leaf id (`approval:owner`). Should
    /// a team be called `owner` or `sre`, `config` refuses a gate that lists both its
    /// approval and the role's, as it refuses any leaf id listed twice.
    pub fn as_str(self) -> &'static str {
        Self::ALL[self as usize]
    }
}

/// What must hold. `AllOf` and `AnyOf` combine; every other variant is a leaf with a
/// stable id ([`Requirement::id`]) that waivers and verdicts name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Requirement {
    AllOf(Vec<Requirement>),
    AnyOf(Vec<Requirement>),
    /// An explicit +1 from a member of `team`, with a comment and an evidence link.
    Approval {
        team: TeamId,
        /// Whether a person already counted for another approval requirement may count
        /// here too. Off by default: one person in two teams is one voice, not two.
        #[serde(default)]
        allow_shared_approver: bool,
        /// How long a +1 counts after it was given.
        #[serde(default)]
        expires_after: Option<Period>,
        /// Whether a +1 counts only for the version of the service it was given on.
        #[serde(default)]
        invalidated_by_version_change: bool,
    },
    /// An explicit +1 from a member of the team that has `role` for the service being
    /// judged: its owners ("the dev team has signed off") or its assigned SRE team. A
    /// gate applies to every service, and these teams differ from service to service.
    RoleApproval {
        role: ServiceRole,
        #[serde(default)]
        allow_shared_approver: bool,
        #[serde(default)]
        expires_after: Option<Period>,
        #[serde(default)]
        invalidated_by_version_change: bool,
    },
    /// The latest result posted for `name` passed and is younger than `max_age`.
    Check {
        name: String,
        max_age: Period,
    },
    /// The SLO engine's verdict over the transition window is "met".
    SloViability,
    /// The soak test's result is passed: the service's SLOs met over its window, or an
    /// SRE's recorded override.
    SoakTest,
    /// Every SLO of the service has at least `min_days` full days of data.
    SlisDemonstrated {
        min_days: u32,
    },
    /// A rotation of the assigned SRE team has at least `min_members`, and an escalation
    /// policy covers the service.
    SupportCover {
        min_members: u32,
    },
    /// The service links its service definition.
    ServiceDefinition,
    /// Capacity and velocity numbers are set and approved.
    CapacityAgreed,
    /// The service has reached `stage` (or a later stage of the pipeline).
    StageAtLeast(Stage),
}

impl Requirement {
    /// The kinds as written in `policies/`, for messages naming what would be accepted.
    pub const KINDS: [&'static str; 11] = [
        "all_of",
        "any_of",
        "approval",
        "check",
        "slo_viability",
        "soak_test",
        "slis_demonstrated",
        "support_cover",
        "service_definition",
        "capacity_agreed",
        "stage_at_least",
    ];

    /// A leaf's stable id, e.g. `approval:customer-support`, `check:e2e`, `slo-viability`.
    /// `None` for `AllOf` and `AnyOf`, which are not waived or approved on their own.
    pub fn id(&self) -> Option<String> {
        Some(match self {
            Requirement::AllOf(_) | Requirement::AnyOf(_) => return None,
            Requirement::Approval { team, .. } => format!("approval:{team}"),
            Requirement::RoleApproval { role, .. } => format!("approval:{}", role.as_str()),
            Requirement::Check { name, .. } => format!("check:{name}"),
            Requirement::SloViability => "slo-viability".into(),
            Requirement::SoakTest => "soak-test".into(),
            Requirement::SlisDemonstrated { .. } => "slis-demonstrated".into(),
            Requirement::SupportCover { .. } => "support-cover".into(),
            Requirement::ServiceDefinition => "service-definition".into(),
            Requirement::CapacityAgreed => "capacity-agreed".into(),
            Requirement::StageAtLeast(_) => "stage-at-least".into(),
        })
    }

    /// The leaves under this requirement (itself, if it is one), in the order written.
    pub fn leaves(&self) -> Vec<&Requirement> {
        let mut out = Vec::new();
        self.collect_leaves(&mut out);
        out
    }

    fn collect_leaves<'a>(&'a self, out: &mut Vec<&'a Requirement>) {
        match self {
            Requirement::AllOf(children) | Requirement::AnyOf(children) => {
                children.iter().for_each(|c| c.collect_leaves(out));
            }
            leaf => out.push(leaf),
        }
    }
}

impl Gate {
    pub fn leaves(&self) -> Vec<&Requirement> {
        self.requirement.leaves()
    }

    /// The ids a waiver may name on this gate, in the order written.
    pub fn requirement_ids(&self) -> Vec<String> {
        self.leaves().into_iter().filter_map(Requirement::id).collect()
    }

    /// Ids that more than one leaf has. A waiver or an approval could not say which leaf
    /// it is for, so `config` refuses such gates; `evaluate` treats them as separate leaves.
    pub fn duplicate_leaf_ids(&self) -> Vec<String> {
        let ids = self.requirement_ids();
        let mut dups: Vec<String> =
            ids.iter().enumerate().filter(|(i, id)| ids[..*i].contains(id)).map(|(_, id)| id.clone()).collect();
        dups.dedup();
        dups
    }
}
