//! How one delivery attempt ends, and when the next one is made. Pure: the sender passes
//! what the receiver answered (or why it did not) and the current instant.
//!
//! - 2xx: delivered.
//! - 429, 5xx, and no answer at all (refused, timed out, reset): try again after an
//!   exponential backoff, or after the receiver's `Retry-After` on 429 and 503.
//! - Any other answer (other 4xx, and 3xx: redirects are not followed, since the body
//!   may carry a secret routing key to wherever the redirect points): dead at once, as
//!   repeating the same request cannot change the answer.
//! - The last allowed attempt failing: dead, with that attempt's error.

use baton_core::Timestamp;
use baton_store::Settle;
use std::time::Duration;

/// How many times a message is tried, and how long to wait between tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; the last failing makes the message dead.
    pub max_attempts: u32,
    /// The wait after the first failed attempt; it doubles after each further one.
    pub base: Duration,
    /// The longest wait, for the backoff and for a receiver's `Retry-After` alike.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 8 attempts over about two minutes (1, 2, 4, … 64 s): long enough to ride out a
    /// receiver's restart, short enough that a page is not silently hours late.
    fn default() -> Self {
        RetryPolicy { max_attempts: 8, base: Duration::from_secs(1), max_delay: Duration::from_secs(300) }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1 for the first): `base·2^(attempt-1)`,
    /// at most `max_delay`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.checked_pow(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
        self.base.checked_mul(factor).unwrap_or(Duration::MAX).min(self.max_delay)
    }
}

/// What one attempt got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered with `status`.
    Answered {
        status: u16,
        /// The `Retry-After` header, as sent.
        retry_after: Option<String>,
        /// The start of the answer's body (at most [`BODY_EXCERPT`] bytes are kept).
        body: Vec<u8>,
    },
    /// No answer: the connection was refused, timed out or broke. The reason names the
    /// host at most, never the URL (Slack and PagerDuty URLs are secrets).
    NoAnswer { reason: String },
}

/// How much of a refusing receiver's body goes into the error.
pub const BODY_EXCERPT: usize = 200;

/// How attempt number `attempt` (1 for the first) of a message ends, decided at `now`.
pub fn settle(policy: &RetryPolicy, attempt: u32, outcome: &Attempt, now: Timestamp) -> Settle {
    let (error, retry_at) = match outcome {
        Attempt::Answered { status: 200..=299, .. } => return Settle::Delivered,
        Attempt::Answered { status, retry_after, body } => {
            let error = status_error(*status, body);
            let retryable = *status == 429 || (500..=599).contains(status);
            if !retryable {
                return Settle::Dead { error };
            }
            let asked = match status {
                429 | 503 => retry_after.as_deref().and_then(|v| retry_after_delay(v, now)),
                _ => None,
            };
            let delay = asked.map_or_else(|| policy.backoff(attempt), |d| d.min(policy.max_delay));
            (error, later(now, delay))
        }
        Attempt::NoAnswer { reason } => (reason.clone(), later(now, policy.backoff(attempt))),
    };
    if attempt >= policy.max_attempts {
        Settle::Dead { error: format!("gave up after attempt {attempt} of {}: {error}", policy.max_attempts) }
    } else {
        Settle::Retry { at: retry_at, error }
    }
}

/// `503 Service Unavailable: <the body's first 200 bytes>`.
fn status_error(status: u16, body: &[u8]) -> String {
    let reason = reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("");
    let mut error = format!("{status} {reason}").trim_end().to_owned();
    let excerpt = String::from_utf8_lossy(&body[..body.len().min(BODY_EXCERPT)]);
    let excerpt = excerpt.trim();
    if !excerpt.is_empty() {
        error.push_str(": ");
        error.push_str(excerpt);
    }
    error
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

    fn answered(status: u16, retry_after: Option<&str>, body: &str) -> Attempt {
        Attempt::Answered { status, retry_after: retry_after.map(str::to_owned), body: body.as_bytes().to_vec() }
    }

    const NOW: &str = "2026-03-02T09:00:00Z";

    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        let p = RetryPolicy::default();
        let secs: Vec<u64> = (1..=10).map(|a| p.backoff(a).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]);
        assert_eq!(p.backoff(200), Duration::from_secs(300), "no overflow however many attempts");
    }

    #[test]
    fn success_server_errors_and_refusals_are_told_apart() {
        let p = RetryPolicy::default();
        assert_eq!(settle(&p, 1, &answered(202, None, ""), t(NOW)), Settle::Delivered);
        assert_eq!(
            settle(&p, 3, &answered(502, None, "upstream down\n"), t(NOW)),
            Settle::Retry { at: t("2026-03-02T09:00:04Z"), error: "502 Bad Gateway: upstream down".into() }
        );
        assert_eq!(
            settle(&p, 1, &answered(400, None, r#"{"status":"invalid event"}"#), t(NOW)),
            Settle::Dead { error: r#"400 Bad Request: {"status":"invalid event"}"#.into() },
            "a 4xx is not retried"
        );
        assert!(matches!(settle(&p, 1, &answered(404, None, "no_service"), t(NOW)), Settle::Dead { .. }));
        assert!(matches!(settle(&p, 1, &answered(301, None, ""), t(NOW)), Settle::Dead { .. }), "no redirects");
        let reason = "could not connect to 127.0.0.1: connection refused";
        assert_eq!(
            settle(&p, 2, &Attempt::NoAnswer { reason: reason.into() }, t(NOW)),
            Settle::Retry { at: t("2026-03-02T09:00:02Z"), error: reason.into() }
        );
    }

    #[test]
    fn the_error_keeps_only_the_start_of_a_long_body() {
        let body = "x".repeat(5000);
        let Settle::Dead { error } = settle(&RetryPolicy::default(), 1, &answered(422, None, &body), t(NOW)) else {
            panic!("a 422 is final")
        };
        assert_eq!(error, format!("422 Unprocessable Entity: {}", "x".repeat(BODY_EXCERPT)));
    }

    #[test]
    fn retry_after_is_honoured_on_429_and_503_within_the_cap() {
        let p = RetryPolicy::default();
        let at = |s: Settle| match s {
            Settle::Retry { at, .. } => at,
            other => panic!("{other:?}"),
        };
        assert_eq!(at(settle(&p, 1, &answered(429, Some("7"), ""), t(NOW))), t("2026-03-02T09:00:07Z"));
        assert_eq!(
            at(settle(&p, 1, &answered(503, Some("Mon, 02 Mar 2026 09:00:30 GMT"), ""), t(NOW))),
            t("2026-03-02T09:00:30Z")
        );
        assert_eq!(at(settle(&p, 1, &answered(429, Some("86400"), ""), t(NOW))), t("2026-03-02T09:05:00Z"), "capped");
        assert_eq!(at(settle(&p, 1, &answered(429, Some("soon"), ""), t(NOW))), t("2026-03-02T09:00:01Z"));
        assert_eq!(at(settle(&p, 1, &answered(500, Some("60"), ""), t(NOW))), t("2026-03-02T09:00:01Z"), "not on 500");
    }

    #[test]
    fn the_last_attempt_failing_is_a_dead_letter() {
        let p = RetryPolicy { max_attempts: 3, ..RetryPolicy::default() };
        assert!(matches!(settle(&p, 2, &answered(503, None, ""), t(NOW)), Settle::Retry { .. }));
        assert_eq!(
            settle(&p, 3, &answered(503, None, ""), t(NOW)),
            Settle::Dead { error: "gave up after attempt 3 of 3: 503 Service Unavailable".into() }
        );
        assert_eq!(settle(&p, 3, &answered(200, None, ""), t(NOW)), Settle::Delivered);
    }
}
