//! Escalation: who an alert pages, step by step, until someone acknowledges.
//!
//! The engine calls [`Alert::escalate`] whenever `escalation.next_at <= now` (and right
//! after [`Alert::open`], when step 0 is due). A step pages every person its targets
//! resolve to and then waits its delay, counted from `now`, so a late engine still gives
//! each step its full time. A step that resolves to nobody (an empty team, a rotation not
//! started yet) is passed over at once, reported, and recorded. After the last step the
//! list starts again while `round < repeat`; then the escalation is exhausted. A round in
//! which every step is empty waits the round's delays before trying again, rather than
//! spinning through the remaining rounds in one instant.

#[cfg(test)]
use super::alert::FollowUp;
use super::alert::{Alert, AlertError, AlertEvent, EventKind, Status};
use super::policy::{EscalationPolicy, Target};
use crate::{Period, PersonId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One notification to one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page {
    pub person: PersonId,
    /// 0-based step and round of the policy.
    pub step: usize,
    pub round: u32,
    /// The same for the same (service, dedup key, alert opened_at, policy, round, step,
    /// person), so a decision made again yields the key the outbox already holds.
    pub idempotency_key: String,
}

/// A step that found nobody to page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmptyStep {
    pub step: usize,
    pub round: u32,
    /// e.g. "step 2: nobody on call for rotation platform-sre-daytime; moved on".
    pub message: String,
}

/// What one call to [`Alert::escalate`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Escalation {
    pub pages: Vec<Page>,
    pub empty_steps: Vec<EmptyStep>,
    /// The escalation ran out of steps and rounds with nobody acknowledging.
    pub exhausted: bool,
}

impl Alert {
    /// Runs the step that is due at `now` under `policy` (the alert's own policy).
    /// `resolve_target` names the people a target means at `now`: a rotation's current
    /// on-call, a person, every member of a team. `reachable` says whether a person can be
    /// reached at all (the policy's channels, or a method of their own): a step whose
    /// people nobody can reach moves on at once rather than waiting out its delay.
    /// Nothing happens unless the alert is triggered (not acknowledged or resolved) and its
    /// next step is due.
    pub fn escalate(
        &mut self,
        policy: &EscalationPolicy,
        now: Timestamp,
        resolve_target: impl Fn(&Target) -> Vec<PersonId>,
        reachable: impl Fn(&PersonId) -> bool,
    ) -> Result<Escalation, AlertError> {
        if policy.id != self.policy {
            return Err(AlertError::WrongPolicy { expected: self.policy.clone(), given: policy.id.clone() });
        }
        let mut out = Escalation::default();
        let due = self.escalation.next_at.is_some_and(|at| at <= now);
        if self.status != Status::Triggered || !due {
            return Ok(out);
        }
        let steps = &policy.steps;
        // Steps looked at in this call: once every step has been, none has anyone to page.
        let mut visited = 0;
        loop {
            if self.escalation.step >= steps.len() {
                if self.escalation.round >= policy.repeat || steps.is_empty() {
                    let rounds = self.escalation.round + 1;
                    let what = format!(
                        "escalation exhausted: nobody acknowledged after {rounds} round{} of {} step{}",
                        plural(rounds as usize),
                        steps.len(),
                        plural(steps.len())
                    );
                    self.record(now, EventKind::Exhausted, what);
                    self.escalation.next_at = None;
                    out.exhausted = true;
                    return Ok(out);
                }
                self.escalation.round += 1;
                self.escalation.step = 0;
            }
            if visited == steps.len() {
                let wait = steps.iter().map(|s| s.delay.as_seconds()).sum::<i64>();
                let wait = Period::parse(&format!("{wait}s")).expect("a sum of positive periods");
                self.escalation.next_at = Some(wait.after(now));
                let what = format!("nobody to page in any step: round {} starts in {wait}", self.escalation.round + 1);
                self.record(now, EventKind::NobodyToPage, what);
                return Ok(out);
            }
            visited += 1;
            let (index, round) = (self.escalation.step, self.escalation.round);
            let step = &steps[index];
            let mut people: Vec<PersonId> = Vec::new();
            for target in &step.targets {
                for person in resolve_target(target) {
                    if !people.contains(&person) {
                        people.push(person);
                    }
                }
            }
            self.escalation.step += 1;
            let (people, unreachable): (Vec<PersonId>, Vec<PersonId>) = people.into_iter().partition(|p| reachable(p));
            let unreachable_names = unreachable.iter().map(PersonId::as_str).collect::<Vec<_>>().join(", ");
            if people.is_empty() {
                let targets = step.targets.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
                let who = if !unreachable.is_empty() {
                    format!("nobody reachable ({unreachable_names}: no channel and no notification method on)")
                } else if targets.is_empty() {
                    "no targets".to_owned()
                } else {
                    format!("nobody on call for {targets}")
                };
                let message = format!("{}: {who}; moved on", step_name(index, round));
                self.record(now, EventKind::EmptyStep, message.clone());
                out.empty_steps.push(EmptyStep { step: index, round, message });
                continue;
            }
            let names = people.iter().map(PersonId::as_str).collect::<Vec<_>>().join(", ");
            let mut what = format!("{}: paged {names}; next in {}", step_name(index, round), step.delay);
            if !unreachable.is_empty() {
                what.push_str(&format!(
                    " ({unreachable_names} not reachable: no channel and no notification method on)"
                ));
            }
            self.record(now, EventKind::Paged, what);
            for person in people {
                let idempotency_key = self.page_key(index, round, &person);
                out.pages.push(Page { person, step: index, round, idempotency_key });
            }
            self.escalation.next_at = Some(step.delay.after(now));
            return Ok(out);
        }
    }

    fn record(&mut self, at: Timestamp, kind: EventKind, what: String) {
        self.history.push(AlertEvent { at, kind, what, by: None });
    }

    /// The alert's opening instant (16 hex digits of microseconds), the policy, round and
    /// step ([`Alert::step_key_prefix`]), and SHA-256 over the length-prefixed fields (so
    /// no two field lists share a key; 128 bits of it kept). Starting with the instant,
    /// keys of newer alerts sort after older ones, so the outbox's unique index on them
    /// takes appends rather than inserts all over it; and a step's pages share a prefix,
    /// so its deliveries are found by a range on that index.
    fn page_key(&self, step: usize, round: u32, person: &PersonId) -> String {
        let mut h = Sha256::new();
        let micros = self.opened_at.as_microsecond().to_string();
        let (step_s, round_s) = (step.to_string(), round.to_string());
        for field in
            [self.service.as_str(), &self.dedup_key, &micros, self.policy.as_str(), &round_s, &step_s, person.as_str()]
        {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        format!("{}{}", self.step_key_prefix(step, round), hex::encode(&h.finalize()[..16]))
    }

    /// What the keys of every page of `step` in `round` (under the current policy) start
    /// with; with [`Alert::key_prefix`] in front, so an incarnation's keys share that.
    pub fn step_key_prefix(&self, step: usize, round: u32) -> String {
        let policy = Sha256::digest(self.policy.as_str().as_bytes());
        format!("{}{}-r{round}s{step}-", self.key_prefix(), hex::encode(&policy[..4]))
    }

    /// What the keys of every message about this incarnation start with (its pages and
    /// the updates that stop them).
    pub fn key_prefix(&self) -> String {
        // Two's complement keeps instants after 1970 in order, which is all that matters.
        format!("{:016x}-", self.opened_at.as_microsecond() as u64)
    }

    /// The step (and round) that paged last, if this round has run one.
    pub fn last_step(&self) -> Option<(usize, u32)> {
        let e = &self.escalation;
        (e.step > 0).then(|| (e.step - 1, e.round))
    }

    /// Every page of the last step failed to be delivered (`why`: the errors): the next
    /// step runs now rather than after the delay, since waiting on a page nobody received
    /// only makes the incident longer. Nothing happens unless the alert is still triggered
    /// and waiting; answers whether it moved on.
    pub fn step_undelivered(&mut self, why: &str, now: Timestamp) -> bool {
        let waiting = self.escalation.next_at.is_some_and(|at| at > now);
        let Some((step, round)) = self.last_step().filter(|_| self.status == Status::Triggered && waiting) else {
            return false;
        };
        let what = format!("{}: no page was delivered ({why}); the next step runs now", step_name(step, round));
        self.record(now, EventKind::Undelivered, what);
        self.escalation.next_at = Some(now);
        true
    }
}

/// How one message of a step stands: attempted so far, and whether it got through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryState {
    pub attempts: i64,
    pub delivered: bool,
}

/// A step is undelivered when it sent something, nothing of it got through, and every
/// message was tried at least once (one still waiting for its first try may yet arrive).
/// A page to one person goes to each of the policy's channels: one channel is enough.
pub fn undelivered(messages: &[DeliveryState]) -> bool {
    !messages.is_empty() && messages.iter().all(|m| !m.delivered && m.attempts > 0)
}

fn step_name(step: usize, round: u32) -> String {
    if round == 0 {
        format!("step {}", step + 1)
    } else {
        format!("step {} (round {})", step + 1, round + 1)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paging::alert::Actor;
    use crate::paging::policy::Purpose;
    use crate::paging::severity::Severity;
    use crate::paging::tests::{incoming, policy, resolver, route_to, t};
    use crate::ServiceId;

    fn alert_for(policy: &EscalationPolicy) -> Alert {
        let service = ServiceId::parse("streamhub").unwrap();
        Alert::open(service, incoming("lag", Severity::Critical), route_to(policy.id.as_str()), t(0)).unwrap()
    }

    fn paged(e: &Escalation) -> Vec<&str> {
        e.pages.iter().map(|p| p.person.as_str()).collect()
    }

    #[test]
    fn steps_page_in_turn_and_repeat_then_exhaust() {
        // Every step waits 10 minutes (the helper's delay).
        let policy = policy("p", "platform-sre", Purpose::Page, &[&["marta.oyelaran"], &["jonas.achterberg"]], 1);
        let mut alert = alert_for(&policy);
        let r = resolver();
        assert_eq!(paged(&alert.escalate(&policy, t(0), &r, |_| true).unwrap()), ["marta.oyelaran"]);
        assert!(alert.escalate(&policy, t(599), &r, |_| true).unwrap().pages.is_empty(), "not due yet");
        assert_eq!(paged(&alert.escalate(&policy, t(600), &r, |_| true).unwrap()), ["jonas.achterberg"]);
        let second_round = alert.escalate(&policy, t(1200), &r, |_| true).unwrap();
        assert_eq!(paged(&second_round), ["marta.oyelaran"]);
        assert_eq!(second_round.pages[0].round, 1);
        assert_eq!(paged(&alert.escalate(&policy, t(1800), &r, |_| true).unwrap()), ["jonas.achterberg"]);
        let last = alert.escalate(&policy, t(2400), &r, |_| true).unwrap();
        assert!(last.exhausted && last.pages.is_empty());
        assert_eq!(alert.escalation.next_at, None);
        assert_eq!(
            alert.history.last().unwrap().what,
            "escalation exhausted: nobody acknowledged after 2 rounds of 2 steps"
        );
    }

    #[test]
    fn an_empty_step_falls_through_at_once_and_is_reported() {
        let policy = policy("p", "platform-sre", Purpose::Page, &[&["nobody-team"], &["marta.oyelaran"]], 0);
        let mut alert = alert_for(&policy);
        let e = alert.escalate(&policy, t(0), resolver(), |_| true).unwrap();
        assert_eq!(paged(&e), ["marta.oyelaran"], "no waiting out the empty step's delay");
        assert_eq!(e.pages[0].step, 1);
        assert_eq!(e.empty_steps[0].message, "step 1: nobody on call for team nobody-team; moved on");
        let kinds: Vec<_> = alert.history.iter().map(|h| h.kind).collect();
        assert_eq!(kinds, [EventKind::Opened, EventKind::EmptyStep, EventKind::Paged]);
    }

    #[test]
    fn a_step_whose_people_nobody_can_reach_moves_on_at_once() {
        let policy = policy("p", "platform-sre", Purpose::Page, &[&["marta.oyelaran"], &["platform-sre"]], 0);
        let mut alert = alert_for(&policy);
        let reachable = |p: &PersonId| p.as_str() != "marta.oyelaran";
        let e = alert.escalate(&policy, t(0), resolver(), reachable).unwrap();
        assert_eq!(paged(&e), ["jonas.achterberg", "dmitri.osei"], "step 2 at once, marta left out");
        assert_eq!(
            e.empty_steps[0].message,
            "step 1: nobody reachable (marta.oyelaran: no channel and no notification method on); moved on"
        );
        assert_eq!(alert.escalation.next_at, Some(t(600)), "step 2 waits its delay");
    }

    #[test]
    fn later_notifications_fall_due_with_the_alert_and_stop_when_anyone_answers() {
        let policy = policy("p", "platform-sre", Purpose::Page, &[&["marta.oyelaran"]], 0);
        let mut alert = alert_for(&policy);
        let e = alert.escalate(&policy, t(0), resolver(), |_| true).unwrap();
        let follow = |at| FollowUp {
            person: e.pages[0].person.clone(),
            method: crate::id::MethodId::parse("phone").unwrap(),
            at: t(at),
            step: 0,
            round: 0,
            page_key: e.pages[0].idempotency_key.clone(),
        };
        alert.follow_ups = vec![follow(300), follow(900)];
        assert_eq!(alert.due_at(), Some(t(300)), "before the next step (600)");
        assert!(alert.take_due_follow_ups(t(299)).is_empty());
        assert_eq!(alert.take_due_follow_ups(t(300)), [follow(300)]);
        assert_eq!(alert.due_at(), Some(t(600)));
        alert.acknowledge(Actor::Person(e.pages[0].person.clone()), t(400)).unwrap();
        assert!(alert.follow_ups.is_empty() && alert.due_at().is_none());
        let last = alert.history.last().unwrap();
        assert_eq!(last.kind, EventKind::FollowUpsDropped);
        assert_eq!(last.what, "acknowledged: 1 later notification not sent (marta.oyelaran by phone)");
    }

    #[test]
    fn a_round_with_nobody_at_all_waits_before_trying_again() {
        let policy = policy("p", "platform-sre", Purpose::Page, &[&["nobody-team"], &["nobody-team"]], 1);
        let mut alert = alert_for(&policy);
        let e = alert.escalate(&policy, t(0), resolver(), |_| true).unwrap();
        assert_eq!((e.pages.len(), e.empty_steps.len(), e.exhausted), (0, 2, false));
        assert_eq!(alert.escalation.next_at, Some(t(1200)));
        assert_eq!(alert.history.last().unwrap().what, "nobody to page in any step: round 2 starts in 20m");
        let e = alert.escalate(&policy, t(1200), resolver(), |_| true).unwrap();
        assert!(e.exhausted);
    }

    #[test]
    fn page_keys_repeat_for_the_same_decision_and_differ_otherwise() {
        let policy = policy("p", "platform-sre", Purpose::Page, &[&["marta.oyelaran", "platform-sre"]], 0);
        let mut first = alert_for(&policy);
        let mut retry = first.clone();
        let a = first.escalate(&policy, t(0), resolver(), |_| true).unwrap();
        let b = retry.escalate(&policy, t(5), resolver(), |_| true).unwrap();
        assert_eq!(a.pages, b.pages, "a retried decision makes the same pages and keys");
        let people = paged(&a);
        assert_eq!(people, ["marta.oyelaran", "jonas.achterberg", "dmitri.osei"], "marta once, though twice a target");
        let mut keys: Vec<_> = a.pages.iter().map(|p| &p.idempotency_key).collect();
        keys.dedup();
        assert_eq!(keys.len(), 3);
        let mut later = alert_for(&policy);
        later.opened_at = t(3600);
        let c = later.escalate(&policy, t(3600), resolver(), |_| true).unwrap();
        assert_ne!(c.pages[0].idempotency_key, a.pages[0].idempotency_key, "a new incarnation pages anew");
        assert!(c.pages[0].idempotency_key > a.pages[0].idempotency_key, "keys of later alerts sort after");
    }

    #[test]
    fn acknowledged_alerts_and_other_policies_page_nobody() {
        let policy = policy("p", "platform-sre", Purpose::Page, &[&["marta.oyelaran"]], 3);
        let mut alert = alert_for(&policy);
        alert.acknowledge(Actor::Source, t(0)).unwrap();
        assert_eq!(alert.escalate(&policy, t(0), resolver(), |_| true).unwrap(), Escalation::default());
        let other = crate::paging::tests::policy("q", "platform-sre", Purpose::Page, &[&["marta.oyelaran"]], 0);
        assert!(matches!(alert.escalate(&other, t(0), resolver(), |_| true), Err(AlertError::WrongPolicy { .. })));
    }

    #[test]
    fn a_step_nobody_received_moves_on_at_once_and_only_then() {
        let p = policy("p", "platform-sre", Purpose::Page, &[&["marta.oyelaran"], &["jonas.achterberg"]], 0);
        let mut alert = Alert::open(
            ServiceId::parse("streamhub").unwrap(),
            incoming("lag", Severity::Critical),
            route_to("p"),
            t(0),
        )
        .unwrap();
        let first = alert.escalate(&p, t(0), resolver(), |_| true).unwrap();
        assert_eq!(alert.last_step(), Some((0, 0)));
        assert!(first.pages[0].idempotency_key.starts_with(&alert.step_key_prefix(0, 0)));
        assert!(alert.step_key_prefix(0, 0).starts_with(&alert.key_prefix()));
        assert_ne!(alert.step_key_prefix(0, 0), alert.step_key_prefix(1, 0));

        let tried = |attempts, delivered| DeliveryState { attempts, delivered };
        assert!(!undelivered(&[]), "nothing sent is not a failure");
        assert!(!undelivered(&[tried(2, false), tried(0, false)]), "one not tried yet may arrive");
        assert!(!undelivered(&[tried(2, false), tried(1, true)]), "one channel got through");
        assert!(undelivered(&[tried(2, false), tried(1, false)]));

        assert!(alert.step_undelivered("503 Service Unavailable", t(30)));
        assert_eq!(alert.escalation.next_at, Some(t(30)), "due now, not at 10 minutes");
        assert_eq!(alert.history.last().unwrap().kind, EventKind::Undelivered);
        let second = alert.escalate(&p, t(30), resolver(), |_| true).unwrap();
        assert_eq!(second.pages[0].person.as_str(), "jonas.achterberg");
        alert.acknowledge(Actor::Source, t(40)).unwrap();
        assert!(!alert.step_undelivered("503", t(50)), "an acknowledged alert does not move");
    }
}
