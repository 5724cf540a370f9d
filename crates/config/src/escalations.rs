//! Escalation policies of `escalations/`, one per document, checked against the teams,
//! people and rotations and turned into [`EscalationPolicy`]s.
//!
//! A policy may page another team's rotation or people (a shared platform rotation as a
//! second step, say): only the policy's own `team` must be the one routing looks up. Once
//! a repo defines any policy, `validate` also warns about teams that alerts would be routed
//! to but that have none (see `baton_core::paging::route`); a repo without `escalations/`
//! has not taken up paging yet and gets no such warnings.

use crate::diagnostic::{Diagnostic, Place};
use crate::docs::{TeamDoc, S};
use crate::document::Document;
use crate::rotations::RotationDocs;
use crate::validate::known;
use baton_core::oncall::RotationId;
use baton_core::org::TeamKind;
use baton_core::paging::{
    Channel, Delivery, EscalationPolicy, EscalationStep, PolicyId, Purpose, Secret, SecretName, SecretValue, Target,
};
use baton_core::{Link, Org, Period, PersonId, TeamId};
use marked_yaml::Spanned;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EscalationDoc {
    pub id: S,
    pub name: String,
    /// The team whose alerts this policy takes.
    pub team: S,
    /// `page` or `ticket`.
    pub purpose: S,
    pub steps: Spanned<Vec<Spanned<StepDoc>>>,
    /// Rounds after the first; 0 if left out.
    pub repeat: Option<S>,
    #[serde(default)]
    pub channels: Vec<Spanned<ChannelDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepDoc {
    pub targets: Spanned<Vec<Spanned<TargetDoc>>>,
    /// How long to wait for an acknowledgement before the next step: `10m`, `1h`.
    pub delay: S,
}

/// `rotation: ID`, `person: ID` or `team: ID`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TargetDoc {
    pub rotation: Option<S>,
    pub person: Option<S>,
    pub team: Option<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChannelDoc {
    /// `webhook`, `slack` or `pagerduty`.
    #[serde(rename = "type")]
    pub kind: S,
    /// The URL inline; or `url_env: BATON_SECRET_…` / `url_file: NAME`, read when a
    /// message is sent, so that the secret in a Slack URL stays out of the repo.
    pub url: Option<S>,
    pub url_env: Option<S>,
    pub url_file: Option<S>,
    /// PagerDuty's integration key, given one of the same three ways.
    pub routing_key: Option<S>,
    pub routing_key_env: Option<S>,
    pub routing_key_file: Option<S>,
    /// How long a message is retried before it is a dead letter: `24h` if left out.
    pub retry_for: Option<S>,
    /// Requests in flight at once toward this channel's destination: 8 if left out.
    pub in_flight: Option<S>,
    /// Requests started per minute toward the destination: no limit if left out, 120
    /// for pagerduty (PagerDuty's limit per routing key).
    pub rate_per_minute: Option<S>,
}

/// The documents of `escalations/` that parsed.
#[derive(Default)]
pub(crate) struct EscalationDocs {
    pub policies: Vec<(Document, EscalationDoc)>,
}

/// What the other directories define, by the ids written there (so a team or rotation
/// with a mistake of its own is not also reported as missing here).
struct Known<'a> {
    teams: BTreeMap<TeamId, Place>,
    rotations: BTreeSet<&'a str>,
    people: BTreeSet<PersonId>,
}

pub(crate) fn check(
    docs: &EscalationDocs,
    teams: &[(Document, TeamDoc)],
    rotations: &RotationDocs,
    org: &mut Org,
    diags: &mut Vec<Diagnostic>,
) {
    let defined = Known {
        teams: teams.iter().filter_map(|(d, t)| Some((TeamId::parse(t.id.as_str()).ok()?, d.at(&t.id)))).collect(),
        rotations: rotations.rotations.iter().map(|(_, r)| r.id.as_str()).collect(),
        people: org.people.keys().cloned().chain(org.teams.values().flat_map(|t| t.members.clone())).collect(),
    };
    let mut places: BTreeMap<PolicyId, Place> = BTreeMap::new();
    let mut covered: BTreeSet<(TeamId, Purpose)> = BTreeSet::new();
    for (doc, p) in &docs.policies {
        let Ok(id) = PolicyId::parse(p.id.as_str()).map_err(|e| diags.push(doc.at(&p.id).error(e.to_string()))) else {
            continue;
        };
        if let Some(first) = places.get(&id) {
            diags.push(doc.at(&p.id).error(format!("escalation policy `{id}` is already defined at {first}")));
            continue;
        }
        places.insert(id.clone(), doc.at(&p.id));
        if let Some(policy) = policy(doc, p, id, &defined, diags, &mut covered) {
            org.escalations.insert(policy.id.clone(), policy);
        }
    }
    if !docs.policies.is_empty() {
        warn_uncovered(org, &defined, &covered, diags);
    }
    warn_unreached(docs, teams, org, diags);
}

/// People a policy pages who have no way to be reached of their own (no email in teams/,
/// no method in contacts/): warned once, at their first listing in teams/. And steps of a
/// policy without channels whose people all are such: the step would be passed over.
fn warn_unreached(docs: &EscalationDocs, teams: &[(Document, TeamDoc)], org: &Org, diags: &mut Vec<Diagnostic>) {
    let reachable =
        |p: &PersonId| org.people.get(p).is_some_and(|p| p.email.is_some() || !p.contact.methods.is_empty());
    let mut paged: BTreeSet<&PersonId> = BTreeSet::new();
    for (doc, p) in &docs.policies {
        let Some(policy) = PolicyId::parse(p.id.as_str()).ok().and_then(|id| org.escalations.get(&id)) else {
            continue;
        };
        for (i, (step, step_doc)) in policy.steps.iter().zip(p.steps.iter()).enumerate() {
            let people: Vec<&PersonId> = step
                .targets
                .iter()
                .flat_map(|t| match t {
                    Target::Person(p) => vec![p],
                    Target::Team(t) => org.teams.get(t).map(|t| t.members.iter().collect()).unwrap_or_default(),
                    Target::Rotation(r) => org
                        .rotations
                        .get(r)
                        .and_then(|r| org.teams.get(&r.team))
                        .map(|t| t.members.iter().collect())
                        .unwrap_or_default(),
                })
                .collect();
            paged.extend(people.iter().copied());
            if !policy.channels.is_empty() || people.iter().any(|p| reachable(p)) {
                continue;
            }
            let who = if people.is_empty() {
                "it names nobody".to_owned()
            } else {
                let names: Vec<&str> = people.iter().map(|p| p.as_str()).collect();
                format!("none of {} has an email in teams/ or a method in contacts/", names.join(", "))
            };
            diags.push(doc.at(step_doc).warning(format!(
                "step {} of `{}` would reach nobody: the policy has no channels and {who}; it would be passed over at once",
                i + 1,
                policy.id
            )));
        }
    }
    let mut warned: BTreeSet<&PersonId> = BTreeSet::new();
    for (doc, team) in teams {
        for member in &team.members {
            let Some(id) = paged.iter().copied().find(|p| p.as_str() == member.id.as_str()) else { continue };
            if reachable(id) || !warned.insert(id) {
                continue;
            }
            diags.push(doc.at(&member.id).warning(format!(
                "{id} is paged but has no way to be reached of their own (no `email` here, no method in \
                 contacts/): only their policies' channels reach them"
            )));
        }
    }
}

fn policy(
    doc: &Document,
    p: &EscalationDoc,
    id: PolicyId,
    defined: &Known,
    diags: &mut Vec<Diagnostic>,
    covered: &mut BTreeSet<(TeamId, Purpose)>,
) -> Option<EscalationPolicy> {
    let before = diags.len();
    let team = match TeamId::parse(p.team.as_str()) {
        Ok(t) if defined.teams.contains_key(&t) => Some(t),
        Ok(t) => {
            let msg = format!("team `{t}` is not a defined team ({})", known(defined.teams.keys().map(TeamId::as_str)));
            diags.push(doc.at(&p.team).error(msg));
            None
        }
        Err(e) => {
            diags.push(doc.at(&p.team).error(e.to_string()));
            None
        }
    };
    let purpose = match p.purpose.as_str() {
        "page" => Some(Purpose::Page),
        "ticket" => Some(Purpose::Ticket),
        other => {
            diags.push(doc.at(&p.purpose).error(format!(
                "unknown purpose `{other}`: use page (wakes people: critical alerts, and every alert before handover) or ticket (a queue for the rest)"
            )));
            None
        }
    };
    if let (Some(team), Some(purpose)) = (&team, purpose) {
        covered.insert((team.clone(), purpose));
    }
    let repeat = match &p.repeat {
        None => 0,
        Some(r) => r.as_str().parse::<u32>().unwrap_or_else(|_| {
            diags.push(doc.at(r).error(format!(
                "`repeat` is `{}`: write how many times the steps run again after the last one, a whole number like 0 or 2",
                r.as_str()
            )));
            0
        }),
    };
    if p.steps.is_empty() {
        let what = purpose.map_or_else(|| "an escalation".to_owned(), |p| format!("a {p}"));
        diags.push(
            doc.at(&p.steps)
                .error(format!("{what} policy needs at least one step: with none, nobody is ever notified")),
        );
    }
    let steps: Vec<EscalationStep> =
        p.steps.iter().enumerate().filter_map(|(i, s)| step(doc, i, s, defined, diags)).collect();
    let channels: Vec<Channel> = p.channels.iter().filter_map(|c| channel(doc, c, diags)).collect();
    if diags.len() > before {
        return None;
    }
    Some(EscalationPolicy { id, name: p.name.clone(), team: team?, purpose: purpose?, steps, repeat, channels })
}

fn step(
    doc: &Document,
    index: usize,
    s: &Spanned<StepDoc>,
    defined: &Known,
    diags: &mut Vec<Diagnostic>,
) -> Option<EscalationStep> {
    let before = diags.len();
    let delay =
        Period::parse(s.delay.as_str()).map_err(|e| diags.push(doc.at(&s.delay).error(format!("`delay`: {e}")))).ok();
    if s.targets.is_empty() {
        diags.push(doc.at(&s.targets).error(format!(
            "step {} has no targets: name whom it pages, like `- rotation: ID`, `- person: ID` or `- team: ID`",
            index + 1
        )));
    }
    let targets: Vec<Target> = s.targets.iter().filter_map(|t| target(doc, t, defined, diags)).collect();
    if diags.len() > before {
        return None;
    }
    Some(EscalationStep { targets, delay: delay? })
}

fn target(doc: &Document, t: &Spanned<TargetDoc>, defined: &Known, diags: &mut Vec<Diagnostic>) -> Option<Target> {
    match (&t.rotation, &t.person, &t.team) {
        (Some(r), None, None) => {
            let id = RotationId::parse(r.as_str()).map_err(|e| diags.push(doc.at(r).error(e.to_string()))).ok()?;
            if defined.rotations.contains(id.as_str()) {
                return Some(Target::Rotation(id));
            }
            let msg =
                format!("rotation `{id}` is not defined in rotations/ ({})", known(defined.rotations.iter().copied()));
            diags.push(doc.at(r).error(msg));
            None
        }
        (None, Some(p), None) => {
            let id = PersonId::parse(p.as_str()).map_err(|e| diags.push(doc.at(p).error(e.to_string()))).ok()?;
            if defined.people.contains(&id) {
                return Some(Target::Person(id));
            }
            diags.push(doc.at(p).error(format!("person `{id}` is not a member of any team")));
            None
        }
        (None, None, Some(team)) => {
            let id = TeamId::parse(team.as_str()).map_err(|e| diags.push(doc.at(team).error(e.to_string()))).ok()?;
            if defined.teams.contains_key(&id) {
                return Some(Target::Team(id));
            }
            let msg =
                format!("team `{id}` is not a defined team ({})", known(defined.teams.keys().map(TeamId::as_str)));
            diags.push(doc.at(team).error(msg));
            None
        }
        _ => {
            diags.push(doc.at(t).error("a target is exactly one of `rotation: ID`, `person: ID` or `team: ID`"));
            None
        }
    }
}

pub(crate) fn channel(doc: &Document, c: &Spanned<ChannelDoc>, diags: &mut Vec<Diagnostic>) -> Option<Channel> {
    let kind = c.kind.as_str();
    let before = diags.len();
    let url = secret::<Link>(doc, "url", [&c.url, &c.url_env, &c.url_file], diags);
    let routing_key =
        secret::<String>(doc, "routing_key", [&c.routing_key, &c.routing_key_env, &c.routing_key_file], diags);
    if kind != "pagerduty" {
        if let Some(k) = [&c.routing_key, &c.routing_key_env, &c.routing_key_file].into_iter().flatten().next() {
            diags.push(doc.at(k).error("`routing_key` belongs to pagerduty channels only"));
        }
    }
    let delivery = delivery(doc, c, diags);
    let channel = match kind {
        "webhook" | "slack" => {
            let Some(url) = url else {
                diags.push(doc.at(c).error(format!(
                    "a {kind} channel needs `url` (or `url_env`, `url_file`): where Baton POSTs the notification"
                )));
                return None;
            };
            let delivery = delivery?;
            if kind == "webhook" {
                Channel::Webhook { url: url?, delivery }
            } else {
                Channel::Slack { url: url?, delivery, mention: None }
            }
        }
        "pagerduty" => {
            let url = url.unwrap_or_else(|| Some(baton_core::paging::pagerduty_url()));
            let Some(routing_key) = routing_key else {
                diags.push(doc.at(c).error(
                    "a pagerduty channel needs `routing_key` (or `routing_key_env`, `routing_key_file`): the integration key of the PagerDuty service to notify",
                ));
                return None;
            };
            Channel::PagerDuty { url: url?, routing_key: routing_key?, delivery: delivery? }
        }
        other => {
            diags.push(
                doc.at(&c.kind).error(format!("unknown channel type `{other}`: use webhook, slack or pagerduty")),
            );
            return None;
        }
    };
    if diags.len() > before {
        return None;
    }
    for field in channel.inline_secrets() {
        let written = if field == "url" { &c.url } else { &c.routing_key };
        let at = written.as_ref().map_or_else(|| doc.at(c), |w| doc.at(w));
        diags.push(at.warning(format!(
            "`{field}` is a secret written into the definition repo (the store shows it redacted, but everyone who can read the repo has it): name it instead with `{field}_env: BATON_SECRET_...` or `{field}_file: NAME` (read from serve --secrets-dir when a message is sent)"
        )));
    }
    Some(channel)
}

/// A secret written one of three ways — inline, `_env`, `_file` — as [`Secret`]: `None`
/// when none is written, `Some(None)` when what is written is wrong (each is reported).
fn secret<T: SecretValue>(
    doc: &Document,
    field: &str,
    [inline, env, file]: [&Option<S>; 3],
    diags: &mut Vec<Diagnostic>,
) -> Option<Option<Secret<T>>> {
    let written: Vec<&S> = [inline, env, file].into_iter().flatten().collect();
    if written.len() > 1 {
        diags.push(doc.at(written[1]).error(format!(
            "`{field}` is given more than one way: write one of `{field}`, `{field}_env` or `{field}_file`"
        )));
        return Some(None);
    }
    let mut at = |w: &S, e: String| diags.push(doc.at(w).error(format!("`{field}`: {e}")));
    Some(if let Some(v) = inline {
        match T::from_secret(v.as_str().trim()) {
            Some(value) => Some(Secret::Inline(value)),
            None => {
                at(v, format!("`{}` is not {}", v.as_str(), T::WHAT));
                None
            }
        }
    } else if let Some(v) = env {
        SecretName::env(v.as_str()).map(Secret::Named).map_err(|e| at(v, e)).ok()
    } else {
        let v = file.as_ref()?;
        SecretName::file(v.as_str()).map(Secret::Named).map_err(|e| at(v, e)).ok()
    })
}

/// The shortest and longest `retry_for`: under a minute, a receiver's restart turns pages
/// into dead letters; past a week, a page is history, and a person can still re-send the
/// dead letter.
const RETRY_FOR: (i64, i64) = (60, 7 * 86_400);
/// The most `in_flight` a channel may ask for: the sender's own default cap on all
/// deliveries at once.
const MAX_IN_FLIGHT: u32 = 1024;
/// The most `rate_per_minute` a channel may ask for: 100 a second.
const MAX_RATE_PER_MINUTE: u32 = 6000;

/// The channel's delivery settings; `None` once any of them is wrong (each is reported).
fn delivery(doc: &Document, c: &ChannelDoc, diags: &mut Vec<Diagnostic>) -> Option<Delivery> {
    let before = diags.len();
    let retry_for = c.retry_for.as_ref().and_then(|r| {
        let period = Period::parse(r.as_str()).ok().filter(|p| (RETRY_FOR.0..=RETRY_FOR.1).contains(&p.as_seconds()));
        if period.is_none() {
            diags.push(doc.at(r).error(format!(
                "`retry_for` is `{}`: write how long a message is retried before it is a dead letter, \
                 from 1m to 7d, like 24h (the default) or 2d",
                r.as_str()
            )));
        }
        period
    });
    let mut count = |field: &str, value: &Option<S>, max: u32, what: &str| {
        let v = value.as_ref()?;
        let n = v.as_str().parse::<u32>().ok().filter(|n| (1..=max).contains(n));
        if n.is_none() {
            diags.push(
                doc.at(v).error(format!("`{field}` is `{}`: write {what}, a whole number from 1 to {max}", v.as_str())),
            );
        }
        n
    };
    let in_flight = count(
        "in_flight",
        &c.in_flight,
        MAX_IN_FLIGHT,
        "how many requests may be in flight at once toward this channel (8 if left out)",
    );
    let rate_per_minute = count(
        "rate_per_minute",
        &c.rate_per_minute,
        MAX_RATE_PER_MINUTE,
        "how many requests may start per minute toward this channel (120 for pagerduty, no limit otherwise, if left out)",
    );
    (diags.len() == before).then_some(Delivery { retry_for, in_flight, rate_per_minute })
}

/// Teams alerts would be routed to that have no policy for it.
fn warn_uncovered(org: &Org, defined: &Known, covered: &BTreeSet<(TeamId, Purpose)>, diags: &mut Vec<Diagnostic>) {
    let has = |team: &TeamId, purpose| covered.contains(&(team.clone(), purpose));
    let place = |team: &TeamId| defined.teams.get(team).cloned().expect("org teams come from team documents");
    for team in org.teams.values().filter(|t| t.kind == TeamKind::Sre) {
        if !has(&team.id, Purpose::Page) {
            diags.push(place(&team.id).warning(format!(
                "SRE team `{}` has no page escalation policy: critical alerts of the services it holds the pager for would page nobody; add one in escalations/",
                team.id
            )));
        }
        if !has(&team.id, Purpose::Ticket) {
            diags.push(place(&team.id).warning(format!(
                "SRE team `{}` has no ticket escalation policy: non-critical alerts of the services it holds the pager for would reach nobody; add one in escalations/",
                team.id
            )));
        }
    }
    let mut owned: BTreeMap<&TeamId, Vec<&str>> = BTreeMap::new();
    for s in org.services.values() {
        owned.entry(&s.owner_team).or_default().push(s.id.as_str());
    }
    for (team, services) in owned {
        if !has(team, Purpose::Page) {
            diags.push(place(team).warning(format!(
                "team `{team}` owns {} but has no page escalation policy: their alerts before handover would page nobody; add one in escalations/",
                services.join(", ")
            )));
        }
    }
}
