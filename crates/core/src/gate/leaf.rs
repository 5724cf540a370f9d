//! Judging each leaf that is not an approval on its own: what holds, what is missing,
//! who can act, and when it will hold with nothing but time. Also the wording shared
//! by every verdict (dates, ages, labels).

use super::definition::{Requirement, ServiceRole};
use super::inputs::GateInputs;
use crate::org::TeamKind;
use crate::pipeline::Stage;
use crate::{Period, TeamId, Viability};
use jiff::{SignedDuration, Timestamp};

/// A leaf's verdict before waivers.
pub(super) struct Plain {
    pub(super) met: bool,
    pub(super) reason: String,
    pub(super) who: Vec<String>,
    pub(super) eta: Option<Timestamp>,
    pub(super) expires_at: Option<Timestamp>,
}

/// The UTC date of `t`, like 2026-03-05.
pub(super) fn date(t: Timestamp) -> String {
    jiff::tz::Offset::UTC.to_datetime(t).date().to_string()
}

/// "3d 4h", "5h 10m", "12m": how long ago, as people say it.
pub(super) fn age(d: SignedDuration) -> String {
    let mins = d.as_secs().max(0) / 60;
    let (days, hours, minutes) = (mins / 1440, mins / 60 % 24, mins % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes}m"),
        (0, h) => format!("{h}h {minutes}m"),
        (d, h) => format!("{d}d {h}h"),
    }
}

pub(super) fn sre_leads(inputs: &GateInputs) -> Vec<String> {
    let org = inputs.org;
    org.teams
        .values()
        .filter(|t| t.kind == TeamKind::Sre)
        .filter_map(|t| t.lead.as_ref())
        .map(|p| p.to_string())
        .collect()
}

pub(super) fn owner_and_sre(inputs: &GateInputs) -> Vec<String> {
    let mut who = vec![inputs.service.owner_team.to_string()];
    who.extend(inputs.support.sre_team.as_ref().map(TeamId::to_string));
    who
}

/// The assigned SRE team, or the SRE leads who would assign one.
pub(super) fn sre_or_leads(inputs: &GateInputs) -> Vec<String> {
    match &inputs.support.sre_team {
        Some(t) => vec![t.to_string()],
        None => sre_leads(inputs),
    }
}

/// Position in the pipeline; ended services are at none.
pub(super) fn rank(s: Stage) -> Option<u8> {
    match s {
        Stage::Draft => Some(0),
        Stage::Proposed => Some(1),
        Stage::Accepted => Some(2),
        Stage::Onboarding => Some(3),
        Stage::Transition => Some(4),
        Stage::SreOwned => Some(5),
        Stage::Rejected | Stage::Retired => None,
    }
}

pub(super) fn label(r: &Requirement, inputs: &GateInputs) -> String {
    match r {
        Requirement::Approval { team, .. } => {
            let name = inputs.org.teams.get(team).map_or(team.as_str(), |t| t.name.as_str());
            format!("approval from {name}")
        }
        Requirement::RoleApproval { role: ServiceRole::Owner, .. } => {
            let team = &inputs.service.owner_team;
            let name = inputs.org.teams.get(team).map_or(team.as_str(), |t| t.name.as_str());
            format!("sign-off from the owners, {name}")
        }
        Requirement::RoleApproval { role: ServiceRole::Sre, .. } => match &inputs.support.sre_team {
            Some(team) => {
                let name = inputs.org.teams.get(team).map_or(team.as_str(), |t| t.name.as_str());
                format!("approval from the assigned SRE team, {name}")
            }
            None => "approval from the assigned SRE team".into(),
        },
        Requirement::Check { name, max_age } => format!("check `{name}` passed within {max_age}"),
        Requirement::SloViability => "SLOs met over the transition window".into(),
        Requirement::SoakTest => "a soak test passed by the SLOs over its window".into(),
        Requirement::SlisDemonstrated { min_days } => {
            format!("SLI data on each of the last {min_days} days for every SLO")
        }
        Requirement::SupportCover { min_members } => {
            format!("support cover: an SRE rotation of at least {min_members} and an escalation policy")
        }
        Requirement::ServiceDefinition => "a service definition".into(),
        Requirement::CapacityAgreed => "capacity and velocity agreed".into(),
        Requirement::StageAtLeast(s) => format!("stage {s} or later"),
        Requirement::AllOf(_) | Requirement::AnyOf(_) => unreachable!("only leaves are labelled"),
    }
}

pub(super) fn plain(r: &Requirement, inputs: &GateInputs) -> Plain {
    match r {
        Requirement::Check { name, max_age } => check_result(name, *max_age, inputs),
        Requirement::SloViability => match inputs.slo_viability {
            Some(Viability::Met { evidence }) => met(evidence.clone()),
            Some(Viability::NotMet { reason } | Viability::Unknown { reason }) => {
                unmet(reason.clone(), owner_and_sre(inputs))
            }
            None => unmet("the SLO verdict could not be read".into(), owner_and_sre(inputs)),
        },
        Requirement::SoakTest => soak_test(inputs),
        Requirement::SlisDemonstrated { min_days } => slis_demonstrated(*min_days, inputs),
        Requirement::SupportCover { min_members } => support_cover(*min_members, inputs),
        Requirement::ServiceDefinition => match &inputs.service.links.service_definition {
            Some(link) => met(format!("service definition: {link}")),
            None => unmet(
                format!(
                    "no service definition is linked: add links.service_definition to service {}",
                    inputs.service.id
                ),
                owner(inputs),
            ),
        },
        Requirement::CapacityAgreed => capacity_agreed(inputs),
        Requirement::StageAtLeast(needed) => stage_at_least(*needed, inputs),
        Requirement::Approval { .. }
        | Requirement::RoleApproval { .. }
        | Requirement::AllOf(_)
        | Requirement::AnyOf(_) => {
            unreachable!("approvals and groups are judged elsewhere")
        }
    }
}

fn met(reason: String) -> Plain {
    Plain { met: true, reason, who: vec![], eta: None, expires_at: None }
}

fn unmet(reason: String, who: Vec<String>) -> Plain {
    Plain { met: false, reason, who, eta: None, expires_at: None }
}

fn owner(inputs: &GateInputs) -> Vec<String> {
    vec![inputs.service.owner_team.to_string()]
}

/// The latest `name` result: passed, and younger than `max_age`.
fn check_result(name: &str, max_age: Period, inputs: &GateInputs) -> Plain {
    let now = inputs.now;
    let latest = inputs.checks.iter().filter(|c| c.name == name && c.at <= now).max_by_key(|c| c.at);
    let Some(c) = latest else {
        return unmet(format!("no `{name}` result has been posted"), owner(inputs));
    };
    let ago = age(now.duration_since(c.at));
    let link = c.evidence.as_ref().map(|l| format!(" ({l})")).unwrap_or_default();
    let until = max_age.after(c.at);
    if !c.passed {
        unmet(
            format!("the latest `{name}` result ({}, {ago} ago) failed: {}{link}", date(c.at), c.summary),
            owner(inputs),
        )
    } else if until <= now {
        let msg = format!("the latest `{name}` result passed but is {ago} old; a result counts for {max_age}");
        unmet(msg, owner(inputs))
    } else {
        Plain { expires_at: Some(until), ..met(format!("`{name}` passed {ago} ago: {}{link}", c.summary)) }
    }
}

/// The recorded soak test, as the SLOs judged it over its window (or as overridden).
fn soak_test(inputs: &GateInputs) -> Plain {
    use crate::pipeline::SoakResult;
    let Some(s) = inputs.soak else {
        return unmet("no soak test has been recorded".into(), owner_and_sre(inputs));
    };
    let span = format!("{} to {}", date(s.started_at), date(s.ended_at));
    let why = match (&s.overridden, &s.verdict) {
        (Some(o), _) => format!("overridden by {}: {}", s.signed.by, o.reason),
        (None, Some(v)) => v.text().to_owned(),
        (None, None) => format!("recorded by {} before soak tests were judged by the SLOs", s.signed.by),
    };
    match s.result {
        SoakResult::Passed => met(format!("soak test {span} passed: {why}")),
        SoakResult::Failed => unmet(format!("soak test {span} failed: {why}"), owner_and_sre(inputs)),
        SoakResult::NoData => unmet(format!("soak test {span} has no data: {why}"), owner_and_sre(inputs)),
    }
}

/// Every SLO of the service has data on each of the last `min_days` days.
fn slis_demonstrated(min_days: u32, inputs: &GateInputs) -> Plain {
    if inputs.sli_days.is_empty() {
        return unmet("the service has no SLOs: define them in slos/".into(), owner(inputs));
    }
    // Counted over the last `min_days` days, whatever the SLO's own window: a
    // calendar-month SLO has 28 days of data on the 1st if data has flowed for 28.
    let count = |d: &crate::slo::DataDays| d.within(min_days);
    let short: Vec<_> = inputs.sli_days.iter().filter(|(_, d)| count(d) < min_days).collect();
    if short.is_empty() {
        let n = inputs.sli_days.len();
        return met(format!("all {n} SLOs have data on each of the last {min_days} days"));
    }
    let reason = short.iter().map(|(slo, d)| format!("{slo} has {} of {min_days} days of data", count(d))).join("; ");
    // Days accrue on their own while data flows; with none in the last day, nothing
    // will. The SLO whose gap is most recent decides when.
    let waits: Option<Vec<u32>> = short.iter().map(|(_, d)| d.days_until_full(min_days)).collect();
    let eta = waits.and_then(|w| w.into_iter().max()).map(|d| Period::days(i64::from(d)).after(inputs.now));
    Plain { eta, ..unmet(reason, owner(inputs)) }
}

/// An SRE team is assigned, with a rotation of at least `min_members`, and an escalation
/// policy covers the service.
fn support_cover(min_members: u32, inputs: &GateInputs) -> Plain {
    let s = inputs.support;
    let mut missing = Vec::new();
    let mut held = Vec::new();
    match &s.sre_team {
        None => missing.push("no SRE team is assigned".to_owned()),
        Some(team) => match s.rotations.iter().max_by_key(|r| r.members) {
            None => missing.push(format!("SRE team {team} has no on-call rotation")),
            Some(r) if r.members < min_members => missing.push(format!(
                "the largest rotation of {team}, {}, has {} members; {min_members} needed",
                r.rotation, r.members
            )),
            Some(r) => held.push(format!("rotation {} of {team} has {} members", r.rotation, r.members)),
        },
    }
    match &s.escalation_policy {
        None => missing.push("no escalation policy covers the service".to_owned()),
        Some(p) => held.push(format!("escalation policy {p} covers the service")),
    }
    if missing.is_empty() {
        met(held.join("; "))
    } else {
        unmet(missing.join("; "), sre_or_leads(inputs))
    }
}

/// Capacity and velocity numbers are recorded and agreed.
fn capacity_agreed(inputs: &GateInputs) -> Plain {
    match inputs.capacity {
        None => unmet("no capacity and velocity numbers are recorded".into(), sre_or_leads(inputs)),
        Some(a) => {
            let numbers = format!("at most {} installs, {} new per week", a.max_installs, a.max_installs_per_week);
            match &a.approved_by {
                Some(p) => met(format!("{numbers}, agreed by {p} on {}", date(a.at))),
                None => unmet(format!("{numbers} proposed but not agreed"), sre_or_leads(inputs)),
            }
        }
    }
}

/// The service is in `needed` or a later stage of the pipeline.
fn stage_at_least(needed: Stage, inputs: &GateInputs) -> Plain {
    let stage = inputs.stage;
    match (rank(stage), rank(needed)) {
        (Some(have), Some(want)) if have >= want => met(format!("the service is in {stage}")),
        (None, _) => unmet(format!("the service is {stage}"), vec![]),
        _ => unmet(format!("the service is in {stage}; {needed} or later is needed"), owner_and_sre(inputs)),
    }
}

pub(super) trait JoinExt {
    fn join(self, sep: &str) -> String;
}
impl<I: Iterator<Item = String>> JoinExt for I {
    fn join(self, sep: &str) -> String {
        self.collect::<Vec<_>>().join(sep)
    }
}
