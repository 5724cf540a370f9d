//! The shape of each kind of definition document, as written in YAML.
//!
//! Fields that later checks must point at are `Spanned`; unknown keys are refused with
//! the list of keys that are allowed.

use marked_yaml::Spanned;
use serde::Deserialize;

pub(crate) type S = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TeamDoc {
    pub id: S,
    pub name: String,
    pub kind: S,
    pub area: Option<S>,
    pub lead: Option<S>,
    pub chat: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub members: Vec<MemberDoc>,
}

/// A team member. The person's details are given once, where they are first listed;
/// other teams may name them by `id` alone.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MemberDoc {
    pub id: S,
    pub name: Option<String>,
    pub email: Option<String>,
    pub timezone: Option<S>,
    pub chat: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceDoc {
    pub id: S,
    pub name: String,
    pub description: Option<String>,
    pub owner_team: S,
    pub links: Option<LinksDoc>,
    pub internal_only: Option<bool>,
    pub transition_window: Option<S>,
    /// The system it is part of and its lifecycle, as a service catalog records them.
    pub system: Option<String>,
    pub lifecycle: Option<String>,
    /// Who plays each SLO persona on this service; read by walking the tree (`raci`).
    #[allow(dead_code)]
    pub personas: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinksDoc {
    pub epic: Option<S>,
    pub questionnaire: Option<S>,
    pub service_definition: Option<S>,
    pub sops: Option<S>,
    pub repository: Option<S>,
}

/// The kinds a file in `policies/` may be, by its `kind:` key.
pub(crate) const POLICY_KINDS: [&str; 7] = [
    "PipelinePolicy",
    "AcceptanceChecklist",
    "AdditionalRequirements",
    "ErrorBudgetPolicy",
    "Gate",
    "Personas",
    "RaciChart",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PipelinePolicyDoc {
    #[allow(dead_code)]
    pub kind: String,
    pub architects_team: S,
    pub priorities: Option<Spanned<Vec<String>>>,
    pub transition_window: Option<S>,
    pub soak_min: Option<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChecklistDoc {
    #[allow(dead_code)]
    pub kind: String,
    /// Only for `AdditionalRequirements`: the team whose requirements these are.
    pub team: Option<S>,
    pub items: Vec<ItemDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ItemDoc {
    pub id: S,
    pub title: String,
    pub description: Option<String>,
}

/// What each error-budget state asks of people: a planning signal, not a hard stop.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ErrorBudgetPolicyDoc {
    #[allow(dead_code)]
    pub kind: String,
    /// The share of the budget left below which an SLO is at risk (0.25 if left out).
    pub at_risk_below: Option<S>,
    pub states: Option<BudgetStatesDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BudgetStatesDoc {
    pub healthy: Option<BudgetStateDoc>,
    #[serde(rename = "at-risk")]
    pub at_risk: Option<BudgetStateDoc>,
    pub exhausted: Option<BudgetStateDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BudgetStateDoc {
    #[serde(default)]
    pub actions: Vec<S>,
    #[serde(default)]
    pub notify: Vec<S>,
}

/// A rotation of `rotations/`, one per document.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RotationDoc {
    pub id: S,
    pub name: String,
    pub team: S,
    pub time_zone: S,
    /// Local time of the shift change, `HH:MM` (a follow-the-sun rotation's regions give
    /// their own).
    pub handoff: Option<S>,
    pub cadence: Spanned<CadenceDoc>,
    /// Weekdays that hand over (`mon`..`sun`); Monday to Friday if left out.
    pub working_days: Option<Spanned<Vec<S>>>,
    #[serde(default)]
    pub calendars: Vec<S>,
    /// `extend` (the default) or `weekend-layer` (with `weekend_members`).
    pub non_working_day: Option<S>,
    pub weekend_members: Option<Spanned<Vec<S>>>,
    pub members: Spanned<Vec<S>>,
    /// The date of the first shift, `YYYY-MM-DD`.
    pub start: S,
    pub seed: Option<u64>,
    #[serde(default)]
    pub membership_changes: Vec<MembershipChangeDoc>,
    #[serde(default)]
    pub duties: Vec<String>,
    pub handover_reminder_after: Option<S>,
    /// Regions sharing each day, each with its zone, hours and members.
    pub follow_the_sun: Option<Spanned<Vec<RegionDoc>>>,
}

/// A follow-the-sun region: `{region: kolkata, time_zone: Asia/Kolkata, hours: "08:00-17:00",
/// members: [...]}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegionDoc {
    pub region: S,
    pub time_zone: S,
    /// Local working hours, `HH:MM-HH:MM`: the region's part of each day starts at the first.
    pub hours: S,
    pub members: Spanned<Vec<S>>,
}

/// `daily`, `weekly`, or `every: 12h`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum CadenceDoc {
    Name(String),
    Every { every: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MembershipChangeDoc {
    /// An RFC 3339 instant, or a date (its start in the rotation's time zone).
    pub effective: S,
    pub members: Spanned<Vec<S>>,
}

/// A holiday calendar of `calendars/`, one per document.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CalendarDoc {
    pub id: S,
    pub name: String,
    #[serde(default)]
    pub holidays: Vec<Spanned<HolidayDoc>>,
}

/// `- 2026-03-17` or `- {date: 2026-03-17, name: Saint Patrick's Day}`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum HolidayDoc {
    Date(String),
    Named { date: String, name: Option<String> },
}
