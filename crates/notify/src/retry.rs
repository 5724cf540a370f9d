//! How one delivery attempt ends, and when the next one is made. Pure: the sender passes
//! what the receiver answered (or why it did not), the message's place in its retries and
//! the current instant; the jitter comes from a hash of the message and attempt, not from
//! a random source, so every schedule can be checked exactly.
//!
//! - 2xx: delivered.
//! - 429, 5xx, and no answer at all (refused, timed out, reset): try again after a capped
//!   exponential backoff with jitter, or after the receiver's `Retry-After` on 429 and 503.
//! - Any other answer (other 4xx, and 3xx: redirects are not followed, since the body
//!   may carry a secret routing key to wherever the redirect points): dead at once, as
//!   repeating the same request cannot change the answer.
//! - Email ([`Attempt::Deferred`], [`Attempt::Rejected`]): a mail server's 4xx (a
//!   transient failure) is tried again after the backoff; its 5xx (550 mailbox
//!   unavailable) is dead at once, as RFC 5321 means it.
//! - A next try that would fall past the retry window (counted from
//!   [`Notification::retrying_since`](baton_store::Notification::retrying_since)): dead,
//!   with that attempt's error. Not a count of attempts: a receiver down for two minutes
//!   used to turn every page into a dead letter after 8 quick ones.
//!
//! A stored error is the status and its reason only (`503 Service Unavailable`), never the
//! receiver's body: an internal service's answer must not leak through Baton's API.

use baton_core::Timestamp;
use baton_store::Settle;
use std::time::Duration;

/// How long to wait between tries, and for how long to keep trying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; it doubles after each further one.
    pub base: Duration,
    /// The longest wait, for the backoff and for a receiver's `Retry-After` alike.
    pub max_delay: Duration,
    /// How long after a message's `retrying_since` it may still be tried; the sender
    /// takes it from the message's channel (`retry_for`).
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    /// 1, 2, 4, … s up to 5 min, for 24 h: a receiver's restart costs seconds, and one
    /// down all night still gets its pages in the morning.
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(1),
            max_delay: Duration::from_secs(300),
            give_up_after: Duration::from_secs(24 * 3600),
        }
    }
}

/// The jitter takes up to this share (in thousandths) off a backoff, so messages that
/// failed together (a receiver's outage) do not all come back at the same instant.
const JITTER_PERMILLE: u64 = 250;

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1 for the first) of message `id`:
    /// `base·2^(attempt-1)`, at most `max_delay`, less a jitter of up to a quarter of it
    /// that depends only on `id` and `attempt`. Whole milliseconds, as the store keeps
    /// instants to the microsecond.
    pub fn backoff(&self, id: i64, attempt: u32) -> Duration {
        let factor = 2u32.checked_pow(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
        let full = self.base.checked_mul(factor).unwrap_or(Duration::MAX).min(self.max_delay);
        let full_ms = u64::try_from(full.as_millis()).unwrap_or(u64::MAX);
        let permille = mix(id, attempt) % (JITTER_PERMILLE + 1);
        Duration::from_millis(full_ms - full_ms / 1000 * permille)
    }
}

/// SplitMix64's finaliser over the message id and attempt: well spread, and the same on
/// every replica, so a retry's time does not depend on who made the attempt.
fn mix(id: i64, attempt: u32) -> u64 {
    let mut z = (id as u64) ^ (u64::from(attempt) << 48) ^ 0x9e37_79b9_7f4a_7c15;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// What one attempt got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered with `status`. Its body is not kept (see the module docs).
    Answered {
        status: u16,
        /// The `Retry-After` header, as sent.
        retry_after: Option<String>,
    },
    /// No answer: the connection was refused, timed out or broke. The reason names the
    /// host at most, never the URL (Slack and PagerDuty URLs are secrets).
    NoAnswer { reason: String },
    /// Not sent: a secret the channel names could not be read. Retried like no answer,
    /// so that setting the variable or writing the file lets the page through.
    Unsent { reason: String },
    /// Not sent: the destination is one the sender may not reach (see `outbound`). A
    /// setting must change, so it is not retried.
    Refused { reason: String },
    /// The receiver refused the message for good: a mail server's permanent (5xx) reply,
    /// or an email that cannot be made (no valid recipient). Not retried.
    Rejected { reason: String },
    /// The receiver answered that it cannot take the message now: a mail server's
    /// transient (4xx) reply. Retried with the backoff.
    Deferred { reason: String },
}

/// Which try of which message an attempt was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tried {
    /// The message's id: the jitter's seed.
    pub id: i64,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// Where its retry window starts: its creation, or a person's re-send.
    pub since: Timestamp,
}

/// How attempt `tried` of a message ends, decided at `now`.
pub fn settle(policy: &RetryPolicy, tried: Tried, outcome: &Attempt, now: Timestamp) -> Settle {
    let (error, delay) = match outcome {
        Attempt::Answered { status: 200..=299, .. } => return Settle::Delivered,
        Attempt::Answered { status, retry_after } => {
            let error = status_error(*status);
            let retryable = *status == 429 || (500..=599).contains(status);
            if !retryable {
                return Settle::Dead { error };
            }
            let asked = match status {
                429 | 503 => retry_after.as_deref().and_then(|v| retry_after_delay(v, now)),
                _ => None,
            };
            // Never sooner than `base`: a `Retry-After: 0` answered every time would have
            // the sender hammer a struggling receiver in a loop.
            let delay = asked.map_or_else(
                || policy.backoff(tried.id, tried.attempt),
                |d| d.clamp(policy.base.min(policy.max_delay), policy.max_delay),
            );
            (error, delay)
        }
        Attempt::NoAnswer { reason } | Attempt::Unsent { reason } | Attempt::Deferred { reason } => {
            (reason.clone(), policy.backoff(tried.id, tried.attempt))
        }
        Attempt::Refused { reason } | Attempt::Rejected { reason } => return Settle::Dead { error: reason.clone() },
    };
    let at = later(now, delay);
    if at > later(tried.since, policy.give_up_after) {
        let window = jiff::SignedDuration::try_from(policy.give_up_after).unwrap_or(jiff::SignedDuration::MAX);
        Settle::Dead { error: format!("gave up after attempt {} ({window:#} of retries): {error}", tried.attempt) }
    } else {
        Settle::Retry { at, error }
    }
}

/// `503 Service Unavailable`: the status and its canonical reason, nothing the receiver wrote.
fn status_error(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("");
    format!("{status} {reason}").trim_end().to_owned()
}

/// A `Retry-After` value: delay-seconds, or an HTTP date (RFC 9110 §10.2.3). A date in
/// the past means now; anything unreadable is ignored (the backoff applies).
fn retry_after_delay(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    Some(now.duration_until(at).try_into().unwrap_or(Duration::ZERO))
}

fn later(now: Timestamp, delay: Duration) -> Timestamp {
    jiff::SignedDuration::try_from(delay).ok().and_then(|d| now.checked_add(d).ok()).unwrap_or(Timestamp::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn answered(status: u16, retry_after: Option<&str>) -> Attempt {
        Attempt::Answered { status, retry_after: retry_after.map(str::to_owned) }
    }

    const NOW: &str = "2026-03-02T09:00:00Z";

    fn first(id: i64) -> Tried {
        Tried { id, attempt: 1, since: t(NOW) }
    }

    fn refused() -> Attempt {
        Attempt::NoAnswer { reason: "could not connect to 127.0.0.1:9: connection refused".into() }
    }

    #[test]
    fn the_backoff_doubles_up_to_its_cap_less_at_most_a_quarter_of_jitter() {
        let p = RetryPolicy::default();
        let full = [1u64, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300];
        for id in 0..200 {
            for (attempt, full) in (1..).zip(full) {
                let got = p.backoff(id, attempt);
                let full = Duration::from_secs(full);
                assert!(got <= full && got >= full * 3 / 4, "message {id}, attempt {attempt}: {got:?}");
                assert_eq!(got, p.backoff(id, attempt), "the same every time");
            }
        }
        let spread: std::collections::BTreeSet<Duration> = (0..200).map(|id| p.backoff(id, 10)).collect();
        assert!(spread.len() > 100, "messages failing together come back spread out: {}", spread.len());
        assert!(p.backoff(7, 200) <= Duration::from_secs(300), "no overflow however many attempts");
    }

    #[test]
    fn a_receiver_down_for_good_is_tried_for_24_hours_then_given_up() {
        let p = RetryPolicy::default();
        let since = t(NOW);
        let (mut now, mut attempt) = (since, 1);
        let error = loop {
            match settle(&p, Tried { id: 42, attempt, since }, &refused(), now) {
                Settle::Retry { at, .. } => {
                    assert!(at > now);
                    (now, attempt) = (at, attempt + 1);
                }
                Settle::Dead { error } => break error,
                other => panic!("{other:?}"),
            }
        };
        let day = jiff::SignedDuration::from_hours(24);
        assert!(now <= since + day, "the last attempt is within the day: {now}");
        assert!(now + jiff::SignedDuration::from_mins(5) > since + day, "and within one backoff of its end: {now}");
        // 9 tries in the first ~4 min, then one every 3¾ to 5 min.
        assert!((9 + 24 * 60 / 5..=9 + 24 * 60 * 4 / 15).contains(&attempt), "{attempt} attempts");
        assert_eq!(attempt, 334, "exact, as the jitter is a hash");
        assert_eq!(error, format!("gave up after attempt {attempt} (24h of retries): could not connect to 127.0.0.1:9: connection refused"));
    }

    #[test]
    fn a_message_is_given_up_only_once_its_next_try_falls_past_the_window() {
        let p = RetryPolicy { give_up_after: Duration::from_secs(60), ..RetryPolicy::default() };
        let since = t(NOW);
        let delay = p.backoff(5, 3);
        let at = |now: Timestamp| Tried { id: 5, attempt: 3, since: now };
        // The next try lands exactly at the window's end: still tried.
        let now = later(since, Duration::from_secs(60) - delay);
        assert_eq!(
            settle(&p, Tried { since, ..at(now) }, &answered(503, None), now),
            Settle::Retry { at: later(since, Duration::from_secs(60)), error: "503 Service Unavailable".into() }
        );
        // A millisecond later, it would land past it: dead.
        let now = later(now, Duration::from_millis(1));
        assert_eq!(
            settle(&p, Tried { since, ..at(now) }, &answered(503, None), now),
            Settle::Dead { error: "gave up after attempt 3 (1m of retries): 503 Service Unavailable".into() }
        );
        assert_eq!(settle(&p, Tried { since, ..at(now) }, &answered(200, None), now), Settle::Delivered);
    }

    #[test]
    fn success_server_errors_and_refusals_are_told_apart() {
        let p = RetryPolicy::default();
        assert_eq!(settle(&p, first(1), &answered(202, None), t(NOW)), Settle::Delivered);
        let third = Tried { attempt: 3, ..first(1) };
        assert_eq!(
            settle(&p, third, &answered(502, None), t(NOW)),
            Settle::Retry { at: later(t(NOW), p.backoff(1, 3)), error: "502 Bad Gateway".into() }
        );
        assert_eq!(
            settle(&p, first(1), &answered(400, None), t(NOW)),
            Settle::Dead { error: "400 Bad Request".into() },
            "a 4xx is not retried"
        );
        assert!(matches!(settle(&p, first(1), &answered(404, None), t(NOW)), Settle::Dead { .. }));
        assert!(matches!(settle(&p, first(1), &answered(301, None), t(NOW)), Settle::Dead { .. }), "no redirects");
        assert_eq!(
            settle(&p, first(1), &answered(599, None), t(NOW)),
            Settle::Retry { at: later(t(NOW), p.backoff(1, 1)), error: "599".into() },
            "a status without a canonical reason is the number alone"
        );
    }

    #[test]
    fn the_error_is_the_status_and_its_reason_never_what_the_receiver_wrote() {
        // `Attempt` has no room for the body: what an internal service answers stays there.
        for status in [400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504] {
            let error = match settle(&RetryPolicy::default(), first(9), &answered(status, None), t(NOW)) {
                Settle::Retry { error, .. } | Settle::Dead { error } => error,
                other => panic!("{other:?}"),
            };
            let reason = reqwest::StatusCode::from_u16(status).unwrap().canonical_reason().unwrap();
            assert_eq!(error, format!("{status} {reason}"));
        }
    }

    #[test]
    fn a_mail_servers_5xx_is_dead_at_once_and_its_4xx_retried() {
        let p = RetryPolicy::default();
        let rejected = Attempt::Rejected { reason: "the mail server refused it: 550 5.1.1 mailbox unavailable".into() };
        assert_eq!(
            settle(&p, first(4), &rejected, t(NOW)),
            Settle::Dead { error: "the mail server refused it: 550 5.1.1 mailbox unavailable".into() },
            "not retried, however early in its window"
        );
        let deferred = Attempt::Deferred { reason: "the mail server answered 451 4.3.0 try later".into() };
        assert_eq!(
            settle(&p, Tried { attempt: 2, ..first(4) }, &deferred, t(NOW)),
            Settle::Retry {
                at: later(t(NOW), p.backoff(4, 2)),
                error: "the mail server answered 451 4.3.0 try later".into()
            }
        );
        let short = RetryPolicy { give_up_after: Duration::from_secs(60), ..p };
        let late = Tried { since: t("2026-03-02T08:59:30Z"), attempt: 8, ..first(4) };
        assert_eq!(
            settle(&short, late, &deferred, t(NOW)),
            Settle::Dead {
                error: "gave up after attempt 8 (1m of retries): the mail server answered 451 4.3.0 try later".into()
            },
            "within its channel's window only"
        );
    }

    #[test]
    fn retry_after_is_honoured_on_429_and_503_within_the_cap() {
        let p = RetryPolicy::default();
        let at = |s: Settle| match s {
            Settle::Retry { at, .. } => at,
            other => panic!("{other:?}"),
        };
        assert_eq!(at(settle(&p, first(1), &answered(429, Some("7")), t(NOW))), t("2026-03-02T09:00:07Z"));
        assert_eq!(
            at(settle(&p, first(1), &answered(503, Some("Mon, 02 Mar 2026 09:00:30 GMT")), t(NOW))),
            t("2026-03-02T09:00:30Z")
        );
        assert_eq!(
            at(settle(&p, first(1), &answered(429, Some("86400")), t(NOW))),
            t("2026-03-02T09:05:00Z"),
            "capped"
        );
        assert_eq!(
            at(settle(&p, first(1), &answered(503, Some("Fri, 01 Jan 2100 00:00:00 GMT")), t(NOW))),
            t("2026-03-02T09:05:00Z"),
            "a far date is capped too"
        );
        assert_eq!(
            at(settle(&p, first(1), &answered(429, Some("0")), t(NOW))),
            t("2026-03-02T09:00:01Z"),
            "not sooner than base"
        );
        assert_eq!(
            at(settle(&p, first(1), &answered(503, Some("Mon, 02 Mar 2026 08:00:00 GMT")), t(NOW))),
            t("2026-03-02T09:00:01Z"),
            "a date in the past is not sooner than base"
        );
        let backoff = later(t(NOW), p.backoff(1, 1));
        assert_eq!(at(settle(&p, first(1), &answered(429, Some("soon")), t(NOW))), backoff);
        assert_eq!(at(settle(&p, first(1), &answered(429, Some("-5")), t(NOW))), backoff);
        assert_eq!(at(settle(&p, first(1), &answered(500, Some("60")), t(NOW))), backoff, "not on 500");
    }

    #[test]
    fn no_retry_after_value_loses_a_page_early_in_its_window() {
        let p = RetryPolicy::default();
        for value in
            ["0", "1", "300", "301", "86400", "18446744073709551615", "garbage", "", "Sun, 06 Nov 1994 08:49:37 GMT"]
        {
            let outcome = settle(&p, first(3), &answered(429, Some(value)), t(NOW));
            assert!(matches!(outcome, Settle::Retry { .. }), "Retry-After: {value:?} gave {outcome:?}");
        }
    }
}
