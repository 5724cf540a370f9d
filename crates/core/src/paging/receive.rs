//! What an incoming event does to the alert stored under its key: the dispatch
//! [`super::alert`]'s module docs describe, as one decision.

use super::alert::{Actor, Alert, AlertError, Dedup, Status};
use super::intake::{Action, Incoming};
use super::route::{NoRoute, Route};
use crate::ServiceId;
use jiff::Timestamp;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new alert (or a new incarnation of a resolved one).
    Opened,
    /// A repeat of an open alert: counted, nobody notified.
    Repeated,
    /// A repeat with a higher severity that moved the alert to another policy.
    Rerouted,
    Acknowledged,
    Resolved,
    /// Nothing to do: an acknowledge or resolve with no open alert (PagerDuty drops those
    /// too), or one the alert has had already.
    Ignored,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Opened => "opened",
            Outcome::Repeated => "deduplicated",
            Outcome::Rerouted => "rerouted",
            Outcome::Acknowledged => "acknowledged",
            Outcome::Resolved => "resolved",
            Outcome::Ignored => "ignored",
        }
    }
}

/// The decision: the alert to keep under the key (None: unchanged), the earlier
/// incarnation it replaces (to keep in the history), and what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub current: Option<Alert>,
    pub archived: Option<Alert>,
    pub outcome: Outcome,
}

/// Applies `incoming` for `service` to `existing` (the alert stored under its key, if
/// any). `route` is where a new alert, or a raised severity, would go; it is only needed
/// for a trigger, and with none a trigger is refused (so the source hears about it
/// rather than the alert going nowhere).
pub fn receive(
    existing: Option<Alert>,
    service: &ServiceId,
    incoming: Incoming,
    route: impl FnOnce(&Incoming) -> Result<Route, NoRoute>,
    now: Timestamp,
) -> Result<Received, NoRoute> {
    let unchanged = |outcome| Ok(Received { current: None, archived: None, outcome });
    match (incoming.action, existing) {
        (Action::Trigger, Some(mut alert)) if alert.status != Status::Resolved => {
            let route = route(&incoming);
            match alert.trigger_again(incoming, now).expect("a trigger") {
                Dedup::SeverityRaised { .. } => {
                    let moved = alert.reroute(route?, now);
                    let outcome = if moved { Outcome::Rerouted } else { Outcome::Repeated };
                    Ok(Received { current: Some(alert), archived: None, outcome })
                }
                Dedup::Repeat { .. } | Dedup::Reopen => {
                    Ok(Received { current: Some(alert), archived: None, outcome: Outcome::Repeated })
                }
            }
        }
        (Action::Trigger, previous) => {
            let route = route(&incoming)?;
            let alert = Alert::open(service.clone(), incoming, route, now).expect("a trigger");
            Ok(Received { current: Some(alert), archived: previous, outcome: Outcome::Opened })
        }
        (_, None) => unchanged(Outcome::Ignored),
        (action, Some(mut alert)) => {
            let (done, outcome) = if action == Action::Acknowledge {
                (alert.acknowledge(Actor::Source, now), Outcome::Acknowledged)
            } else {
                (alert.resolve(Actor::Source, now), Outcome::Resolved)
            };
            match done {
                Ok(()) => Ok(Received { current: Some(alert), archived: None, outcome }),
                Err(AlertError::AlreadyAcknowledged(_) | AlertError::AlreadyResolved(_)) => unchanged(Outcome::Ignored),
                Err(e) => unreachable!("acknowledge and resolve fail only as already done: {e}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paging::tests::{incoming, route_to, t};
    use crate::paging::Severity;

    fn streamhub() -> ServiceId {
        ServiceId::parse("streamhub").unwrap()
    }

    fn event(action: Action, severity: Severity) -> Incoming {
        Incoming { action, ..incoming("lag", severity) }
    }

    fn ok(_: &Incoming) -> Result<Route, NoRoute> {
        Ok(route_to("p"))
    }

    #[test]
    fn a_trigger_opens_then_repeats_and_a_resolve_closes_it() {
        let opened = receive(None, &streamhub(), event(Action::Trigger, Severity::Warning), ok, t(0)).unwrap();
        assert_eq!(opened.outcome, Outcome::Opened);
        let alert = opened.current.unwrap();
        let again = receive(Some(alert.clone()), &streamhub(), event(Action::Trigger, Severity::Warning), ok, t(60));
        let again = again.unwrap();
        assert_eq!((again.outcome, again.current.as_ref().unwrap().repeats), (Outcome::Repeated, 1));
        let resolved = receive(again.current, &streamhub(), event(Action::Resolve, Severity::Warning), ok, t(120));
        let resolved = resolved.unwrap();
        assert_eq!(resolved.outcome, Outcome::Resolved);
        let closed = resolved.current.unwrap();
        assert_eq!(closed.status, Status::Resolved);

        let twice = receive(Some(closed.clone()), &streamhub(), event(Action::Resolve, Severity::Info), ok, t(130));
        assert_eq!(twice.unwrap(), Received { current: None, archived: None, outcome: Outcome::Ignored });
        let reopened =
            receive(Some(closed.clone()), &streamhub(), event(Action::Trigger, Severity::Warning), ok, t(200));
        let reopened = reopened.unwrap();
        assert_eq!(reopened.outcome, Outcome::Opened);
        assert_eq!(reopened.current.unwrap().opened_at, t(200), "a new incarnation");
        assert_eq!(reopened.archived, Some(closed), "the old one is kept");
    }

    #[test]
    fn an_ack_without_an_alert_is_dropped_and_a_trigger_without_a_route_is_refused() {
        let ack = receive(None, &streamhub(), event(Action::Acknowledge, Severity::Info), ok, t(0)).unwrap();
        assert_eq!(ack.outcome, Outcome::Ignored);
        let nowhere = |_: &Incoming| Err(NoRoute::UnknownService(streamhub()));
        let refused = receive(None, &streamhub(), event(Action::Trigger, Severity::Critical), nowhere, t(0));
        assert_eq!(refused.unwrap_err(), NoRoute::UnknownService(streamhub()));
    }

    #[test]
    fn a_raised_severity_reroutes() {
        let opened = receive(None, &streamhub(), event(Action::Trigger, Severity::Warning), ok, t(0)).unwrap();
        let to_page = |_: &Incoming| Ok(route_to("page"));
        let raised =
            receive(opened.current, &streamhub(), event(Action::Trigger, Severity::Critical), to_page, t(60)).unwrap();
        assert_eq!(raised.outcome, Outcome::Rerouted);
        assert_eq!(raised.current.unwrap().policy.as_str(), "page");
    }
}
