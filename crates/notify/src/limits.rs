//! Per-destination limits: how many requests may be in flight toward one receiver at
//! once, and how many may start per minute. A sender once kept up to 1,024 requests in
//! flight toward one small receiver, which timed out under them and was sent repeats.
//!
//! A destination is what a receiver is known by: a webhook's or Slack's URL without its
//! query, PagerDuty's routing key (its limit is per key, whatever URL carries it). Each
//! has its own gate, so one slow or down destination holds up only its own messages.
//!
//! A message over a limit waits in memory, in arrival order, while its lease still lets
//! a delivery end within it; otherwise it is given back to the outbox (postponed) until
//! a slot is expected, which counts as no attempt.

use baton_core::paging::Channel;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// A destination's limits, as its channel gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub in_flight: usize,
    /// The spacing between two starts; `None`: no rate limit.
    pub interval: Option<Duration>,
}

impl Limits {
    pub fn of(channel: &Channel) -> Limits {
        Limits {
            in_flight: usize::try_from(channel.in_flight()).unwrap_or(usize::MAX),
            interval: channel.rate_per_minute().map(|r| Duration::from_secs(60) / r),
        }
    }
}

/// Who a channel's requests go to, for its limits: the URL without query or fragment
/// (a Slack webhook's secret is its path, so two channels to one URL are one receiver),
/// or PagerDuty's routing key; a named secret by its name (two channels naming one
/// secret are one receiver); an email by its recipient's domain (`smtp:example.com`), as
/// that domain's mail servers are the receivers that throttle.
pub(crate) fn destination(channel: &Channel) -> String {
    match channel {
        Channel::Email { to, .. } => {
            format!("smtp:{}", crate::email::recipient_domain(to).unwrap_or_else(|| "-".into()))
        }
        Channel::PagerDuty { routing_key, .. } => format!("pagerduty:{}", routing_key.identity()),
        Channel::Webhook { url, .. } | Channel::Slack { url, .. } => {
            let url = url.identity();
            let end = url.find(['?', '#']).unwrap_or(url.len());
            url[..end].to_owned()
        }
    }
}

/// Every destination's gate, made on first use.
#[derive(Default)]
pub(crate) struct Gates {
    gates: Mutex<HashMap<String, Arc<Gate>>>,
}

impl Gates {
    /// The gate of `destination` with `limits`. A destination whose channel's settings
    /// changed (a new definition applied) gets a new gate for what arrives from now on;
    /// the deliveries under way finish under the old one.
    pub fn gate(&self, destination: &str, limits: Limits, waiting_at_most: usize) -> Arc<Gate> {
        let mut gates = self.gates.lock().expect("gates lock");
        match gates.get(destination) {
            Some(gate) if gate.limits == limits => gate.clone(),
            _ => {
                let gate = Arc::new(Gate::new(limits, waiting_at_most));
                gates.insert(destination.to_owned(), gate.clone());
                gate
            }
        }
    }
}

/// One destination's limits in force.
pub(crate) struct Gate {
    limits: Limits,
    /// Its requests in flight; a tokio semaphore serves waiters in arrival order.
    slots: Arc<Semaphore>,
    /// Messages waiting for a slot. Each holds one of the sender's rooms, so they are
    /// capped: beyond this many, a message is postponed at once rather than starving the
    /// other destinations of rooms.
    waiting: AtomicUsize,
    waiting_at_most: usize,
    /// When the next request may start, by the rate.
    next_start: Mutex<Option<Instant>>,
}

/// Why a message could not start before its deadline, and when a slot is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Busy {
    pub retry_in: Duration,
}

/// Leave to make one request: the slot is freed when it is dropped.
pub(crate) struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl Gate {
    fn new(limits: Limits, waiting_at_most: usize) -> Gate {
        Gate {
            limits,
            slots: Arc::new(Semaphore::new(limits.in_flight.clamp(1, Semaphore::MAX_PERMITS))),
            waiting: AtomicUsize::new(0),
            waiting_at_most,
            next_start: Mutex::new(None),
        }
    }

    /// Waits for a slot and the rate's next start, as long as both come by `deadline`.
    /// When they cannot, says when to try again: the rate's next start, or, for a full
    /// destination, `busy_for` (every request under way ends within the sender's timeout,
    /// so a slot is expected by then).
    pub async fn admit(&self, deadline: Instant, busy_for: Duration) -> Result<Slot, Busy> {
        let now = Instant::now();
        if let Some(start) = self.earliest_start(now) {
            if start > deadline {
                return Err(Busy { retry_in: start - now });
            }
        }
        let permit = match self.slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::Relaxed) >= self.waiting_at_most {
                    self.waiting.fetch_sub(1, Ordering::Relaxed);
                    return Err(Busy { retry_in: busy_for });
                }
                let waited = tokio::time::timeout_at(deadline, self.slots.clone().acquire_owned()).await;
                self.waiting.fetch_sub(1, Ordering::Relaxed);
                match waited {
                    Ok(permit) => permit.expect("a gate's semaphore is never closed"),
                    Err(_) => return Err(Busy { retry_in: busy_for }),
                }
            }
        };
        // The rate is reserved with a slot in hand, so a start is never reserved and then
        // left unused while waiting for a slot.
        if let Some(interval) = self.limits.interval {
            let start = {
                let mut next = self.next_start.lock().expect("rate lock");
                let now = Instant::now();
                let start = next.map_or(now, |n| n.max(now));
                if start > deadline {
                    return Err(Busy { retry_in: start - now });
                }
                *next = Some(start + interval);
                start
            };
            tokio::time::sleep_until(start).await;
        }
        Ok(Slot { _permit: permit })
    }

    /// When the rate lets the next request start, if it limits at all.
    fn earliest_start(&self, now: Instant) -> Option<Instant> {
        self.limits.interval?;
        let next = *self.next_start.lock().expect("rate lock");
        Some(next.map_or(now, |n| n.max(now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_core::paging::Delivery;
    use baton_core::paging::Secret;
    use baton_core::Link;

    fn link(s: &str) -> Link {
        Link::parse(s).unwrap()
    }

    #[test]
    fn a_destination_is_the_url_without_its_query_or_the_routing_key() {
        let slack = |url: &str| Channel::Slack { url: link(url).into(), delivery: Delivery::default(), mention: None };
        assert_eq!(
            destination(&slack("https://hooks.slack.example/T/B/secret?x=1#top")),
            "https://hooks.slack.example/T/B/secret"
        );
        assert_ne!(
            destination(&slack("https://hooks.slack.example/T/B/one")),
            destination(&slack("https://hooks.slack.example/T/B/two"))
        );
        let pd = |url: &str, key: &str| Channel::PagerDuty {
            url: link(url).into(),
            routing_key: Secret::Inline(key.into()),
            delivery: Delivery::default(),
        };
        assert_eq!(
            destination(&pd("https://events.pagerduty.com/v2/enqueue", "R1")),
            destination(&pd("https://events.eu.pagerduty.com/v2/enqueue", "R1")),
            "PagerDuty limits by routing key"
        );
        assert_ne!(
            destination(&pd("https://events.pagerduty.com/v2/enqueue", "R1")),
            destination(&pd("https://events.pagerduty.com/v2/enqueue", "R2"))
        );
    }

    #[test]
    fn an_emails_destination_is_its_recipients_domain() {
        let email = |to: &str| Channel::Email { to: to.into(), delivery: Delivery::default() };
        assert_eq!(destination(&email("marta@Example.com")), "smtp:example.com");
        assert_eq!(destination(&email("marta@example.com")), destination(&email("tomas@example.com")));
        assert_ne!(destination(&email("marta@example.com")), destination(&email("marta@example.org")));
    }

    #[test]
    fn limits_come_from_the_channel_with_pagerdutys_rate_by_default() {
        let pd = Channel::PagerDuty {
            url: link("https://e.example/").into(),
            routing_key: Secret::Inline("R".into()),
            delivery: Delivery::default(),
        };
        assert_eq!(Limits::of(&pd), Limits { in_flight: 8, interval: Some(Duration::from_millis(500)) });
        let tuned = Delivery { in_flight: Some(2), rate_per_minute: Some(6), ..Delivery::default() };
        let webhook = Channel::Webhook { url: link("https://e.example/").into(), delivery: tuned };
        assert_eq!(Limits::of(&webhook), Limits { in_flight: 2, interval: Some(Duration::from_secs(10)) });
    }

    const NO_RATE: Limits = Limits { in_flight: 2, interval: None };
    const SOON: Duration = Duration::from_millis(50);

    #[tokio::test(start_paused = true)]
    async fn no_more_than_the_limit_are_in_flight_and_the_next_waits_for_a_slot() {
        let gate = Arc::new(Gate::new(NO_RATE, 10));
        let deadline = Instant::now() + Duration::from_secs(20);
        let a = gate.admit(deadline, SOON).await.unwrap();
        let _b = gate.admit(deadline, SOON).await.unwrap();
        let third = tokio::spawn({
            let gate = gate.clone();
            async move { gate.admit(deadline, SOON).await.map(|_| Instant::now()) }
        });
        tokio::time::sleep(Duration::from_secs(3)).await;
        let freed = Instant::now();
        drop(a);
        assert_eq!(third.await.unwrap().unwrap(), freed, "it starts the moment a slot is freed");
    }

    #[tokio::test(start_paused = true)]
    async fn a_message_that_cannot_start_before_its_deadline_is_postponed_not_dropped() {
        let gate = Gate::new(NO_RATE, 10);
        let deadline = Instant::now() + Duration::from_secs(5);
        let (_a, _b) = (gate.admit(deadline, SOON).await.unwrap(), gate.admit(deadline, SOON).await.unwrap());
        let start = Instant::now();
        assert_eq!(gate.admit(deadline, SOON).await.err(), Some(Busy { retry_in: SOON }));
        assert_eq!(Instant::now() - start, Duration::from_secs(5), "it waited until its deadline");
    }

    #[tokio::test(start_paused = true)]
    async fn beyond_the_waiting_cap_a_message_is_postponed_at_once() {
        let gate = Arc::new(Gate::new(Limits { in_flight: 1, interval: None }, 1));
        let deadline = Instant::now() + Duration::from_secs(5);
        let _a = gate.admit(deadline, SOON).await.unwrap();
        let waiter = tokio::spawn({
            let gate = gate.clone();
            async move { gate.admit(deadline, SOON).await.is_ok() }
        });
        tokio::task::yield_now().await;
        let start = Instant::now();
        assert_eq!(gate.admit(deadline, SOON).await.err(), Some(Busy { retry_in: SOON }));
        assert_eq!(Instant::now(), start, "no wait");
        assert!(!waiter.await.unwrap(), "the one waiting ran out of time itself");
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_spaces_starts_and_postpones_to_the_next_free_start() {
        let gate = Gate::new(Limits { in_flight: 100, interval: Some(Duration::from_secs(1)) }, 100);
        let t0 = Instant::now();
        let deadline = t0 + Duration::from_millis(2500);
        let mut starts = Vec::new();
        let mut slots = Vec::new();
        for _ in 0..3 {
            slots.push(gate.admit(deadline, SOON).await.unwrap());
            starts.push(Instant::now() - t0);
        }
        assert_eq!(starts, [Duration::ZERO, Duration::from_secs(1), Duration::from_secs(2)]);
        assert_eq!(
            gate.admit(deadline, SOON).await.err(),
            Some(Busy { retry_in: Duration::from_secs(1) }),
            "the 4th would start at 3 s, past its deadline: postponed to then, at once"
        );
    }
}
