//! The organisation as the definition repo describes it: people, teams, services and the
//! policies the pipeline follows. Built by `config` from YAML, stored by `store`, read here.

use crate::oncall::{RotationId, RotationSpec};
use crate::slo::SloDef;
use crate::{ItemId, Link, Period, PersonId, ServiceId, SloId, TeamId};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: PersonId,
    pub name: String,
    pub email: Option<String>,
    /// IANA time zone name, checked by `config`.
    pub timezone: Option<String>,
    pub chat: Option<String>,
    /// Leave planned in the definitions (`leave/<person>.yaml`), whole days in their zone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leave: Vec<crate::oncall::PlannedLeave>,
    /// Contact methods and rules the definitions give (`contacts/<person>.yaml`).
    #[serde(default, skip_serializing_if = "crate::contact::ContactDefaults::is_empty")]
    pub contact: crate::contact::ContactDefaults,
}

impl Person {
    /// Their time zone, when the definitions give one (times shown to them are in it).
    pub fn time_zone(&self) -> Option<jiff::tz::TimeZone> {
        self.timezone.as_deref().and_then(|name| crate::local_time::zone(name).ok())
    }
}

/// What a team is for; decides which pipeline steps its members may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum TeamKind {
    /// Runs services it has taken over; its lead may be assigned services.
    Sre,
    /// Evaluates proposals, accepts or rejects them and sets their priority.
    Architects,
    /// Builds and owns services; proposes them for onboarding.
    ServiceOwner,
    /// Has a say in gates and additional requirements (support, business, specs).
    Stakeholder,
}

impl TeamKind {
    pub const ALL: [&'static str; 4] = ["sre", "architects", "service-owner", "stakeholder"];
}

/// The three areas of the production gates (gating-for-production).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    ServiceSupport,
    PmBusiness,
    SpecTechnical,
}

impl Area {
    pub const ALL: [&'static str; 3] = ["service-support", "pm-business", "spec-technical"];
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub kind: TeamKind,
    pub area: Option<Area>,
    pub lead: Option<PersonId>,
    pub members: Vec<PersonId>,
    pub chat: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceLinks {
    pub epic: Option<Link>,
    pub questionnaire: Option<Link>,
    pub service_definition: Option<Link>,
    pub sops: Option<Link>,
    pub repository: Option<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceDef {
    pub id: ServiceId,
    pub name: String,
    pub description: Option<String>,
    pub owner_team: TeamId,
    pub links: ServiceLinks,
    /// Internal-only services may follow a separate policy set (SLO governance issue).
    pub internal_only: bool,
    /// Overrides the pipeline policy's transition window for this service.
    pub transition_window: Option<Period>,
    /// Who plays each SLO persona on this service; personas left out follow their
    /// default rule (`raci::resolve`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub personas: BTreeMap<crate::PersonaId, Vec<crate::raci::Assignee>>,
    /// The system it is part of and its lifecycle (`production`, `experimental`), as a
    /// service catalog such as Backstage records them: shown, not acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<String>,
}

/// How the onboarding pipeline runs in this organisation (`policies/`, kind `PipelinePolicy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelinePolicy {
    /// Members of this team accept or reject proposals and set priorities.
    pub architects_team: TeamId,
    /// Allowed priority ratings, most urgent first.
    pub priorities: Vec<String>,
    /// How long a service must run in production before the pager can be handed over.
    pub transition_window: Period,
    /// The shortest soak test that counts.
    pub soak_min: Period,
}

/// One line of the acceptance checklist or of another team's additional requirements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChecklistItem {
    pub id: ItemId,
    pub title: String,
    pub description: Option<String>,
    /// `None`: an acceptance-criteria item, attested by the assigned SRE team.
    /// `Some(team)`: an additional requirement of that team, attested by its members.
    pub required_by: Option<TeamId>,
    /// Where the item stands in the checklist as the policy files list it.
    #[serde(default)]
    pub position: u32,
}

/// One holiday of a holiday calendar (`calendars/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub date: Date,
    #[serde(default)]
    pub name: Option<String>,
}

/// A holiday calendar of `calendars/`. It is not a definition of its own: each rotation
/// that names it carries a copy ([`RotationDef::calendars`]), and its dates are merged
/// into the rotation's working calendar, so a rotation is complete on its own and a
/// changed calendar shows up in `apply` as a change to every rotation that uses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayCalendarDef {
    pub id: String,
    pub name: String,
    pub holidays: Vec<Holiday>,
}

/// An on-call rotation as `rotations/` defines it: the schedule core computes with
/// (`spec`, its holiday calendars already merged into `spec.calendar`) and what people
/// need around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationDef {
    pub spec: RotationSpec,
    pub name: String,
    /// Every member (of both layers, at every membership change) is a member of this team.
    pub team: TeamId,
    /// The holiday calendars named by the rotation, in the order written.
    #[serde(default)]
    pub calendars: Vec<HolidayCalendarDef>,
    /// What the person on call does (kept for the on-call log).
    #[serde(default)]
    pub duties: Vec<String>,
    #[serde(default)]
    pub handover_reminder_after: Option<Period>,
}

impl RotationDef {
    pub fn id(&self) -> &RotationId {
        &self.spec.id
    }

    /// The rotation's time zone, in which its times are shown to people (`config` checks the
    /// name; one this build's tz database lacks reads as UTC, and its `Rotation` is refused).
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        crate::local_time::zone(&self.spec.time_zone).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// The holiday on `date`, if any calendar of the rotation has one: (calendar, holiday).
    pub fn holiday_on(&self, date: Date) -> Option<(&HolidayCalendarDef, &Holiday)> {
        self.calendars.iter().find_map(|c| c.holidays.iter().find(|h| h.date == date).map(|h| (c, h)))
    }
}

/// The whole organisation, as last applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Org {
    pub people: BTreeMap<PersonId, Person>,
    pub teams: BTreeMap<TeamId, Team>,
    pub services: BTreeMap<ServiceId, ServiceDef>,
    pub pipeline: Option<PipelinePolicy>,
    pub checklist: Vec<ChecklistItem>,
    /// The SLOs of `slos/`, by id.
    pub slos: BTreeMap<SloId, SloDef>,
    /// What each error-budget state asks of people (`kind: ErrorBudgetPolicy`), if defined.
    pub budget_policy: Option<crate::slo::ErrorBudgetPolicy>,
    /// The on-call rotations of `rotations/`, by id.
    pub rotations: BTreeMap<RotationId, RotationDef>,
    /// The escalation policies of `escalations/`, by id (see `paging::route`).
    pub escalations: BTreeMap<crate::paging::PolicyId, crate::paging::EscalationPolicy>,
    /// The production gates of `policies/` (`kind: Gate`), by id.
    pub gates: BTreeMap<crate::GateId, crate::gate::Gate>,
    /// The SLO personas of `policies/` (`kind: Personas`); built-in ones when `None`.
    pub personas: Option<crate::raci::Personas>,
    /// The SLO RACI chart of `policies/` (`kind: RaciChart`); the seed's when `None`.
    pub raci: Option<crate::raci::RaciChart>,
}

impl Org {
    /// The time zone of rotation `id`, in which messages about it show its times; UTC for a
    /// rotation no longer defined.
    pub fn rotation_time_zone(&self, id: &RotationId) -> jiff::tz::TimeZone {
        self.rotations.get(id).map_or(jiff::tz::TimeZone::UTC, RotationDef::time_zone)
    }

    pub fn is_member(&self, person: &PersonId, team: &TeamId) -> bool {
        self.teams.get(team).is_some_and(|t| t.members.contains(person))
    }

    pub fn teams_of<'a>(&'a self, person: &'a PersonId) -> impl Iterator<Item = &'a Team> + 'a {
        self.teams.values().filter(move |t| t.members.contains(person))
    }

    /// The SRE lead role: the lead of any SRE team. Leads assign services to SRE teams.
    pub fn is_sre_lead(&self, person: &PersonId) -> bool {
        self.teams.values().any(|t| t.kind == TeamKind::Sre && t.lead.as_ref() == Some(person))
    }

    pub fn is_architect(&self, person: &PersonId) -> bool {
        self.pipeline.as_ref().is_some_and(|p| self.is_member(person, &p.architects_team))
    }

    pub fn checklist_item(&self, id: &ItemId) -> Option<&ChecklistItem> {
        self.checklist.iter().find(|i| &i.id == id)
    }

    /// The pipeline policy, or the defaults the seeds describe when none is defined.
    pub fn pipeline_policy(&self) -> PipelinePolicy {
        self.pipeline.clone().unwrap_or_else(PipelinePolicy::defaults)
    }
}

impl PipelinePolicy {
    /// Defaults from the onboarding documents: a 4-week rolling transition window.
    pub fn defaults() -> Self {
        Self {
            architects_team: TeamId::parse("sre-architects").expect("valid id"),
            priorities: vec!["p1".into(), "p2".into(), "p3".into(), "p4".into()],
            transition_window: Period::days(28),
            soak_min: Period::days(7),
        }
    }
}
