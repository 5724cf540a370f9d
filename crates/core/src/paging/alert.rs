//! One alert's life: opened by a trigger, repeats deduplicated, acknowledged, resolved.
//! Escalation (who is paged when) is in [`super::escalate`].
//!
//! An alert is identified by (service, dedup key, `opened_at`). How the caller dispatches
//! an [`Incoming`] event for a service and key:
//! - trigger, no alert open: [`Alert::open`], then [`Alert::escalate`] at once (step 0 is
//!   due at `opened_at`);
//! - trigger, alert open: [`Alert::trigger_again`], which counts the repeat and notifies no
//!   one; if it answers [`Dedup::Reopen`] (the alert is resolved) the caller opens a new
//!   alert, a new incarnation with its own `opened_at` and so its own page keys;
//! - acknowledge or resolve: [`Alert::acknowledge`] / [`Alert::resolve`] by
//!   [`Actor::Source`]; with no open alert the event is dropped, as PagerDuty does.

use super::escalate::Page;
use super::intake::{Action, Incoming};
use super::policy::{EscalationPolicy, PolicyId};
use super::route::Route;
use super::severity::Severity;
use crate::{Link, PersonId, ServiceId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AlertStatus))]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Triggered,
    Acknowledged,
    Resolved,
}

/// Who acknowledged or resolved an alert: a person (API, CLI, a signed link), or the
/// system that sent it (Alertmanager's "resolved", PagerDuty's acknowledge event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Actor {
    Person(PersonId),
    Source,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Person(p) => write!(f, "{p}"),
            Actor::Source => f.write_str("the alert's source"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stamp {
    pub by: Actor,
    pub at: Timestamp,
}

/// Where the escalation stands: `step` (0-based) of `round` (0-based) runs at `next_at`;
/// `None` once acknowledged, resolved or exhausted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EscalationState {
    pub step: usize,
    pub round: u32,
    pub next_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    Opened,
    SeverityRaised,
    Rerouted,
    Paged,
    /// A step found nobody to page and was passed over at once.
    EmptyStep,
    /// A whole round found nobody: waiting a round's delays before trying again.
    NobodyToPage,
    Exhausted,
    /// Every page of a step failed to be delivered: the next step runs at once.
    Undelivered,
    /// No policy can take the alert (its own is gone and no fallback exists): it pages
    /// nobody until the definitions give it one.
    Stranded,
    Acknowledged,
    Resolved,
    /// Someone answered before people's later notifications (by their own rules) were due.
    FollowUpsDropped,
    /// A responder's note: what they found, tried or decided.
    Note,
    /// A responder ran the next step now rather than wait for its delay.
    EscalatedByHand,
    /// A responder handed the alert to someone, who was paged at once.
    Reassigned,
}

/// One line of an alert's history, shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertEvent {
    pub at: Timestamp,
    pub kind: EventKind,
    pub what: String,
    pub by: Option<Actor>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    pub service: ServiceId,
    pub dedup_key: String,
    pub summary: String,
    /// The highest severity the alert has had while open.
    pub severity: Severity,
    pub source: Option<String>,
    /// What the source sent besides the summary; `null` when it sent nothing.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: serde_json::Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub runbook_url: Option<Link>,
    /// No runbook came with the alert: the responder leaves a "runbook to write" item.
    pub runbook_missing: bool,
    pub status: Status,
    pub opened_at: Timestamp,
    pub last_triggered_at: Timestamp,
    /// Triggers deduplicated into this alert after the one that opened it.
    #[serde(default)]
    pub repeats: u32,
    pub acknowledged: Option<Stamp>,
    pub resolved: Option<Stamp>,
    pub policy: PolicyId,
    pub route_reason: String,
    pub escalation: EscalationState,
    pub group_key: Option<String>,
    pub history: Vec<AlertEvent>,
    /// Why no policy can take the alert, while that is so (see [`Alert::strand`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stranded: Option<String>,
    /// Later notifications of the people paged, by their own rules (an email at once, a
    /// push after 5 minutes): due while the alert is triggered, dropped when anyone
    /// acknowledges or resolves it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_ups: Vec<FollowUp>,
}

/// One later notification of a paged person by one of their methods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUp {
    pub person: PersonId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub method: crate::id::MethodId,
    pub at: Timestamp,
    /// The page it follows (its step, round and key).
    pub step: usize,
    pub round: u32,
    pub page_key: String,
}

/// What a repeated trigger did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dedup {
    /// Counted; summary and details updated; nobody notified.
    Repeat { repeats: u32 },
    /// Counted, and the severity went up: the caller routes again (an SRE-owned service's
    /// warning became critical, so a ticket becomes a page) and calls [`Alert::reroute`].
    SeverityRaised { from: Severity, to: Severity },
    /// The alert is resolved: nothing changed; the caller opens a new alert.
    Reopen,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    #[error("only a trigger opens or repeats an alert, not a {action:?}; with no open alert it is dropped")]
    NotATrigger { action: Action },
    #[error("already acknowledged by {} at {}", .0.by, .0.at)]
    AlreadyAcknowledged(Stamp),
    #[error("already resolved by {} at {}", .0.by, .0.at)]
    AlreadyResolved(Stamp),
    #[error("the alert escalates by policy `{expected}`, not `{given}`")]
    WrongPolicy { expected: PolicyId, given: PolicyId },
    #[error("a note needs text, at most {MAX_NOTE} characters")]
    BadNote,
    #[error("nothing is left to escalate: {0}")]
    NothingToEscalate(String),
    #[error("{0} would be handing the alert to themselves")]
    ReassignToSelf(PersonId),
}

/// The longest note on an alert, in characters.
pub const MAX_NOTE: usize = 2000;

impl Alert {
    /// A new alert from a trigger, routed to `route`'s policy; step 0 is due at once.
    pub fn open(service: ServiceId, incoming: Incoming, route: Route, now: Timestamp) -> Result<Alert, AlertError> {
        if incoming.action != Action::Trigger {
            return Err(AlertError::NotATrigger { action: incoming.action });
        }
        let runbook_missing = incoming.runbook_url.is_none();
        let mut what = format!("opened ({}): {}", incoming.severity, route.reason);
        if runbook_missing {
            what.push_str("; no runbook_url came with it: a runbook to write");
        }
        Ok(Alert {
            service,
            dedup_key: incoming.dedup_key,
            summary: incoming.summary,
            severity: incoming.severity,
            source: incoming.source,
            details: incoming.details,
            runbook_url: incoming.runbook_url,
            runbook_missing,
            status: Status::Triggered,
            opened_at: now,
            last_triggered_at: now,
            repeats: 0,
            acknowledged: None,
            resolved: None,
            policy: route.policy,
            route_reason: route.reason,
            escalation: EscalationState { step: 0, round: 0, next_at: Some(now) },
            group_key: incoming.group_key,
            history: vec![AlertEvent { at: now, kind: EventKind::Opened, what, by: None }],
            stranded: None,
            follow_ups: Vec::new(),
        })
    }

    pub fn is_open(&self) -> bool {
        self.status != Status::Resolved
    }

    /// When the engine must look at it next: its next step, or a person's later
    /// notification, whichever comes first; `None` once nothing is waiting.
    pub fn due_at(&self) -> Option<Timestamp> {
        let follow_up = self.follow_ups.iter().map(|f| f.at).min().filter(|_| self.status == Status::Triggered);
        match (self.escalation.next_at, follow_up) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Takes the later notifications due at `now` (none unless the alert is triggered).
    pub fn take_due_follow_ups(&mut self, now: Timestamp) -> Vec<FollowUp> {
        if self.status != Status::Triggered {
            return Vec::new();
        }
        let (due, later) = std::mem::take(&mut self.follow_ups).into_iter().partition(|f| f.at <= now);
        self.follow_ups = later;
        due
    }

    /// A follow-up that fell due could not be sent (`why`: its method was turned off or
    /// removed since): said in the history, so it is not lost silently.
    pub fn follow_up_skipped(&mut self, follow_up: &FollowUp, why: &str, now: Timestamp) {
        let what = format!("{} by {} not sent: {why}", follow_up.person, follow_up.method);
        self.history.push(AlertEvent { at: now, kind: EventKind::FollowUpsDropped, what, by: None });
    }

    /// Someone answered: the later notifications of everyone paged are dropped, and the
    /// history says which.
    fn drop_follow_ups(&mut self, now: Timestamp, because: &str) {
        if self.follow_ups.is_empty() {
            return;
        }
        let dropped = std::mem::take(&mut self.follow_ups);
        let which: Vec<String> = dropped.iter().map(|f| format!("{} by {}", f.person, f.method)).collect();
        let what = format!(
            "{because}: {} later notification{} not sent ({})",
            dropped.len(),
            if dropped.len() == 1 { "" } else { "s" },
            which.join(", ")
        );
        self.history.push(AlertEvent { at: now, kind: EventKind::FollowUpsDropped, what, by: None });
    }

    /// Open, and its policy is not in `org` (removed or renamed) or nothing could take it
    /// last time: it must be routed again before it escalates (see `route_or_fallback`).
    pub fn needs_route(&self, org: &crate::Org) -> bool {
        self.is_open() && (self.stranded.is_some() || !org.escalations.contains_key(&self.policy))
    }

    /// A trigger for the same key while this alert exists. Repeats are counted, not kept
    /// in the history (a flapping source would grow it without bound). The severity only
    /// goes up while the alert is open.
    pub fn trigger_again(&mut self, incoming: Incoming, now: Timestamp) -> Result<Dedup, AlertError> {
        if incoming.action != Action::Trigger {
            return Err(AlertError::NotATrigger { action: incoming.action });
        }
        if self.status == Status::Resolved {
            return Ok(Dedup::Reopen);
        }
        self.repeats = self.repeats.saturating_add(1);
        self.last_triggered_at = now;
        if !incoming.summary.is_empty() {
            self.summary = incoming.summary;
        }
        if !incoming.details.is_null() {
            self.details = incoming.details;
        }
        self.source = incoming.source.or(self.source.take());
        self.group_key = incoming.group_key.or(self.group_key.take());
        if incoming.runbook_url.is_some() {
            self.runbook_url = incoming.runbook_url;
            self.runbook_missing = false;
        }
        if incoming.severity < self.severity {
            let from = std::mem::replace(&mut self.severity, incoming.severity);
            let what = format!("severity raised from {from} to {}", self.severity);
            self.history.push(AlertEvent { at: now, kind: EventKind::SeverityRaised, what, by: None });
            return Ok(Dedup::SeverityRaised { from, to: self.severity });
        }
        Ok(Dedup::Repeat { repeats: self.repeats })
    }

    /// Moves the alert to another policy (after [`Dedup::SeverityRaised`], say). An open,
    /// unacknowledged alert starts the new policy from its first step at once. Answers
    /// whether the policy changed.
    pub fn reroute(&mut self, route: Route, now: Timestamp) -> bool {
        if route.policy == self.policy && self.stranded.is_none() {
            self.route_reason = route.reason;
            return false;
        }
        let what = match self.stranded.take() {
            Some(_) => format!("no longer stranded: routed to {}: {}", route.policy, route.reason),
            None => format!("rerouted from {} to {}: {}", self.policy, route.policy, route.reason),
        };
        self.history.push(AlertEvent { at: now, kind: EventKind::Rerouted, what, by: None });
        self.policy = route.policy;
        self.route_reason = route.reason;
        if self.status == Status::Triggered {
            self.escalation = EscalationState { step: 0, round: 0, next_at: Some(now) };
        }
        true
    }

    /// Its policy is gone and nothing can take it (`why`): flagged, paging nobody, until a
    /// change of definitions gives it a route (the caller retries then). Recorded once.
    pub fn strand(&mut self, why: String, now: Timestamp) {
        self.escalation.next_at = None;
        if self.stranded.as_deref() == Some(why.as_str()) {
            return;
        }
        let what = format!("stranded, paging nobody: policy {} is gone and {why}", self.policy);
        self.history.push(AlertEvent { at: now, kind: EventKind::Stranded, what, by: None });
        self.stranded = Some(why);
    }

    /// Someone has it: escalation stops. An alert acknowledged or resolved already is an
    /// error the caller may treat as success when retrying a request.
    pub fn acknowledge(&mut self, by: Actor, now: Timestamp) -> Result<(), AlertError> {
        match self.status {
            Status::Resolved => return Err(AlertError::AlreadyResolved(self.resolved.clone().expect("set"))),
            Status::Acknowledged => {
                return Err(AlertError::AlreadyAcknowledged(self.acknowledged.clone().expect("set")))
            }
            Status::Triggered => {}
        }
        self.status = Status::Acknowledged;
        self.escalation.next_at = None;
        self.acknowledged = Some(Stamp { by: by.clone(), at: now });
        let what = format!("acknowledged by {by}");
        self.history.push(AlertEvent { at: now, kind: EventKind::Acknowledged, what, by: Some(by) });
        self.drop_follow_ups(now, "acknowledged");
        Ok(())
    }

    /// A responder's note, kept in the alert's history (on any alert, resolved ones too:
    /// what was learnt belongs with it).
    pub fn add_note(&mut self, by: PersonId, text: &str, now: Timestamp) -> Result<(), AlertError> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_NOTE {
            return Err(AlertError::BadNote);
        }
        let by = Actor::Person(by);
        let what = format!("note by {by}: {text}");
        self.history.push(AlertEvent { at: now, kind: EventKind::Note, what, by: Some(by) });
        Ok(())
    }

    /// Runs the next step of the escalation now instead of after its delay: for a
    /// triggered alert whose escalation is still going.
    pub fn escalate_now(&mut self, by: PersonId, now: Timestamp) -> Result<(), AlertError> {
        match self.status {
            Status::Resolved => return Err(AlertError::AlreadyResolved(self.resolved.clone().expect("set"))),
            Status::Acknowledged => {
                return Err(AlertError::AlreadyAcknowledged(self.acknowledged.clone().expect("set")))
            }
            Status::Triggered => {}
        }
        if self.escalation.next_at.is_none() {
            let why = self.stranded.clone().unwrap_or_else(|| "every step has run".to_owned());
            return Err(AlertError::NothingToEscalate(why));
        }
        self.escalation.next_at = Some(now);
        let by = Actor::Person(by);
        let what = format!("escalated by {by}: the next step runs now");
        self.history.push(AlertEvent { at: now, kind: EventKind::EscalatedByHand, what, by: Some(by) });
        Ok(())
    }

    /// Hands the alert to `to` by `by`: the returned page is sent at once, as a step's
    /// would be (the policy's channels and `to`'s own rules), under its own key. An
    /// acknowledged alert is triggered again, since it is now `to`'s to acknowledge, and
    /// `policy`'s escalation resumes if nobody does: after the delay of the step that paged
    /// last (the first step's before any has). A triggered alert keeps escalating as it was.
    pub fn reassign(
        &mut self,
        policy: &EscalationPolicy,
        to: PersonId,
        by: PersonId,
        now: Timestamp,
    ) -> Result<Page, AlertError> {
        if policy.id != self.policy {
            return Err(AlertError::WrongPolicy { expected: self.policy.clone(), given: policy.id.clone() });
        }
        if self.status == Status::Resolved {
            return Err(AlertError::AlreadyResolved(self.resolved.clone().expect("set")));
        }
        if to == by {
            return Err(AlertError::ReassignToSelf(by));
        }
        let mut what = format!("reassigned to {to} by {by}: paged now");
        if self.status == Status::Acknowledged {
            self.status = Status::Triggered;
            self.acknowledged = None;
            let last = self.escalation.step.saturating_sub(1);
            what.push_str("; triggered again until they acknowledge");
            self.escalation.next_at = match (&self.stranded, policy.steps.get(last)) {
                (None, Some(step)) => {
                    what.push_str(&format!("; the escalation resumes in {} if nobody does", step.delay));
                    Some(step.delay.after(now))
                }
                _ => None,
            };
        }
        let micros = now.as_microsecond().to_string();
        let mut h = Sha256::new();
        for field in [micros.as_str(), to.as_str(), by.as_str()] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        let key = format!("{}reassign-{}", self.key_prefix(), hex::encode(&h.finalize()[..16]));
        let (step, round) = (self.escalation.step, self.escalation.round);
        self.history.push(AlertEvent { at: now, kind: EventKind::Reassigned, what, by: Some(Actor::Person(by)) });
        Ok(Page { person: to, step, round, idempotency_key: key })
    }

    /// Over: escalation stops, and a later trigger for the key opens a new alert.
    pub fn resolve(&mut self, by: Actor, now: Timestamp) -> Result<(), AlertError> {
        if self.status == Status::Resolved {
            return Err(AlertError::AlreadyResolved(self.resolved.clone().expect("set")));
        }
        self.status = Status::Resolved;
        self.escalation.next_at = None;
        self.resolved = Some(Stamp { by: by.clone(), at: now });
        let what = format!("resolved by {by}");
        self.history.push(AlertEvent { at: now, kind: EventKind::Resolved, what, by: Some(by) });
        self.drop_follow_ups(now, "resolved");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paging::tests::{incoming, route_to, t};

    fn opened() -> Alert {
        Alert::open(ServiceId::parse("streamhub").unwrap(), incoming("lag", Severity::Warning), route_to("p"), t(0))
            .unwrap()
    }

    #[test]
    fn an_alert_opens_due_at_once_and_flags_a_missing_runbook() {
        let alert = opened();
        assert_eq!(alert.status, Status::Triggered);
        assert_eq!(alert.escalation, EscalationState { step: 0, round: 0, next_at: Some(t(0)) });
        assert!(alert.runbook_missing);
        assert!(alert.history[0].what.contains("a runbook to write"), "{}", alert.history[0].what);

        let mut with_runbook = incoming("lag", Severity::Warning);
        with_runbook.runbook_url = Some(Link::parse("https://runbooks.example.com/lag").unwrap());
        let alert = Alert::open(ServiceId::parse("streamhub").unwrap(), with_runbook, route_to("p"), t(0)).unwrap();
        assert!(!alert.runbook_missing);

        let mut resolve = incoming("lag", Severity::Warning);
        resolve.action = Action::Resolve;
        let refused = Alert::open(ServiceId::parse("streamhub").unwrap(), resolve, route_to("p"), t(0));
        assert_eq!(refused.unwrap_err(), AlertError::NotATrigger { action: Action::Resolve });
    }

    #[test]
    fn repeats_are_counted_without_notifying_and_a_resolved_alert_reopens_anew() {
        let mut alert = opened();
        let mut again = incoming("lag", Severity::Info);
        again.summary = "lag still rising".into();
        assert_eq!(alert.trigger_again(again, t(60)).unwrap(), Dedup::Repeat { repeats: 1 });
        assert_eq!(alert.summary, "lag still rising");
        assert_eq!(alert.severity, Severity::Warning, "severity never drops while open");
        assert_eq!(alert.history.len(), 1, "repeats are not history");
        assert_eq!(alert.escalation.next_at, Some(t(0)), "the schedule is unchanged");

        let raised = alert.trigger_again(incoming("lag", Severity::Critical), t(120)).unwrap();
        assert_eq!(raised, Dedup::SeverityRaised { from: Severity::Warning, to: Severity::Critical });
        assert!(alert.reroute(route_to("q"), t(120)));
        assert_eq!(alert.policy.as_str(), "q");
        assert_eq!(alert.escalation, EscalationState { step: 0, round: 0, next_at: Some(t(120)) });

        alert.resolve(Actor::Source, t(180)).unwrap();
        assert_eq!(alert.trigger_again(incoming("lag", Severity::Critical), t(240)).unwrap(), Dedup::Reopen);
        assert_eq!(alert.repeats, 2, "a reopening trigger belongs to the new alert");
    }

    #[test]
    fn a_note_is_history_and_escalating_now_makes_the_next_step_due_at_once() {
        let marta = PersonId::parse("marta.oyelaran").unwrap();
        let mut alert = opened();
        alert.escalation.next_at = Some(t(900));
        alert.escalate_now(marta.clone(), t(60)).unwrap();
        assert_eq!(alert.escalation.next_at, Some(t(60)), "due now, not at 15 minutes");
        assert_eq!(alert.history.last().unwrap().what, "escalated by marta.oyelaran: the next step runs now");
        alert.add_note(marta.clone(), "  broker-2 disk at 91%; compaction started  ", t(70)).unwrap();
        let note = alert.history.last().unwrap();
        assert_eq!(
            (note.kind, note.what.as_str()),
            (EventKind::Note, "note by marta.oyelaran: broker-2 disk at 91%; compaction started")
        );
        assert_eq!(alert.add_note(marta.clone(), "   ", t(71)), Err(AlertError::BadNote));
        assert_eq!(alert.add_note(marta.clone(), &"x".repeat(MAX_NOTE + 1), t(71)), Err(AlertError::BadNote));
        // Nothing left to run: every step has, or someone has it.
        alert.escalation.next_at = None;
        assert!(matches!(alert.escalate_now(marta.clone(), t(80)), Err(AlertError::NothingToEscalate(_))));
        alert.escalation.next_at = Some(t(900));
        alert.acknowledge(Actor::Person(marta.clone()), t(90)).unwrap();
        assert!(matches!(alert.escalate_now(marta.clone(), t(95)), Err(AlertError::AlreadyAcknowledged(_))));
        // A resolved alert still takes notes: what was learnt belongs with it.
        alert.resolve(Actor::Source, t(100)).unwrap();
        alert.add_note(marta, "root cause: retention set to 30d by mistake", t(200)).unwrap();
    }

    #[test]
    fn reassigning_pages_the_person_at_once_and_an_acknowledged_alert_is_theirs_to_acknowledge() {
        use crate::paging::policy::Purpose;
        use crate::paging::tests::policy;
        let (marta, jonas) = (PersonId::parse("marta.oyelaran").unwrap(), PersonId::parse("jonas.achterberg").unwrap());
        let p = policy("p", "platform-sre", Purpose::Page, &[&["marta.oyelaran"], &["platform-sre"]], 0);
        let mut alert = opened();
        alert.escalate(&p, t(0), |_| vec![marta.clone()], |_| true).unwrap();
        assert_eq!(alert.escalation.next_at, Some(t(600)));
        // Triggered: the page goes now, and the escalation keeps its time.
        let page = alert.reassign(&p, jonas.clone(), marta.clone(), t(60)).unwrap();
        assert_eq!((page.person.as_str(), page.step, page.round), ("jonas.achterberg", 1, 0));
        assert!(page.idempotency_key.starts_with(&alert.key_prefix()), "the incarnation's deliveries include it");
        assert!(!page.idempotency_key.starts_with(&alert.step_key_prefix(0, 0)), "not a step's page");
        assert_eq!(alert.escalation.next_at, Some(t(600)));
        let event = alert.history.last().unwrap();
        assert_eq!(
            (event.kind, event.what.as_str()),
            (EventKind::Reassigned, "reassigned to jonas.achterberg by marta.oyelaran: paged now")
        );
        // Acknowledged: triggered again, escalation back after the last step's delay.
        alert.acknowledge(Actor::Person(jonas.clone()), t(120)).unwrap();
        let again = alert.reassign(&p, marta.clone(), jonas.clone(), t(300)).unwrap();
        assert_ne!(again.idempotency_key, page.idempotency_key);
        assert_eq!((alert.status, alert.acknowledged.as_ref()), (Status::Triggered, None));
        assert_eq!(alert.escalation.next_at, Some(t(900)), "10 minutes, the delay of the step that paged");
        assert_eq!(
            alert.history.last().unwrap().what,
            "reassigned to marta.oyelaran by jonas.achterberg: paged now; triggered again until they acknowledge; \
             the escalation resumes in 10m if nobody does"
        );
        // Refused: to oneself, under another policy, once resolved.
        assert_eq!(
            alert.reassign(&p, marta.clone(), marta.clone(), t(310)),
            Err(AlertError::ReassignToSelf(marta.clone()))
        );
        let other = policy("q", "platform-sre", Purpose::Page, &[&["marta.oyelaran"]], 0);
        assert!(matches!(
            alert.reassign(&other, jonas.clone(), marta.clone(), t(310)),
            Err(AlertError::WrongPolicy { .. })
        ));
        alert.resolve(Actor::Source, t(400)).unwrap();
        assert!(matches!(alert.reassign(&p, jonas, marta, t(410)), Err(AlertError::AlreadyResolved(_))));
    }

    #[test]
    fn acknowledge_and_resolve_stop_escalation_and_refuse_twice() {
        let marta = Actor::Person(PersonId::parse("marta.oyelaran").unwrap());
        let mut alert = opened();
        alert.acknowledge(marta.clone(), t(30)).unwrap();
        assert_eq!((alert.status, alert.escalation.next_at), (Status::Acknowledged, None));
        let again = alert.acknowledge(Actor::Source, t(40)).unwrap_err();
        assert_eq!(again.to_string(), "already acknowledged by marta.oyelaran at 1970-01-01T00:00:30Z");
        alert.resolve(Actor::Source, t(50)).unwrap();
        assert_eq!(alert.status, Status::Resolved);
        assert!(matches!(alert.acknowledge(marta.clone(), t(60)), Err(AlertError::AlreadyResolved(_))));
        let twice = alert.resolve(marta, t(60)).unwrap_err();
        assert_eq!(twice.to_string(), "already resolved by the alert's source at 1970-01-01T00:00:50Z");
        let kinds: Vec<_> = alert.history.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventKind::Opened, EventKind::Acknowledged, EventKind::Resolved]);
    }

    #[test]
    fn a_stranded_alert_pages_nobody_until_a_route_takes_it() {
        let mut alert = opened();
        alert.strand("team `platform-sre` has no page policy".into(), t(10));
        alert.strand("team `platform-sre` has no page policy".into(), t(20));
        assert_eq!(alert.escalation.next_at, None);
        assert_eq!(alert.history.iter().filter(|e| e.kind == EventKind::Stranded).count(), 1, "recorded once");
        assert!(alert.reroute(route_to("p"), t(30)), "the same policy id, but it takes the alert again");
        assert_eq!(alert.stranded, None);
        assert_eq!(alert.escalation.next_at, Some(t(30)));
        assert!(alert.history.last().unwrap().what.starts_with("no longer stranded"));
    }
}
