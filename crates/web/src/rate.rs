//! Rate limits per caller, so one client cannot take the server from everyone else (128
//! concurrent anonymous reads once took alert intake from 3 ms to 9 s). A caller is its
//! token, else its browser session, else its address. Each may make `per_second` requests
//! a second with bursts of `burst`, and hold at most `in_flight` at once; beyond that the
//! answer is 429 with `Retry-After`. Alert intake (the `intake` routes, authenticated by
//! its integration key), the iCal feeds and the health and metrics endpoints are not
//! counted: intake has a budget of its own (the writer's batches) and reads never eat it.

use crate::error::ApiError;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A caller's budget; `serve --rate-limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
    pub in_flight: usize,
}

impl Default for RateLimit {
    /// 50 a second with bursts of 200, 32 at once: a dashboard page is one request, a
    /// script polling every second is far below it, and a flood is cut off.
    fn default() -> Self {
        RateLimit { per_second: NonZeroU32::new(50).unwrap(), burst: NonZeroU32::new(200).unwrap(), in_flight: 32 }
    }
}

/// What `serve --rate-limit` takes: `N/s` (bursts of 4N, 32 at once) or `off` (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSetting(pub Option<RateLimit>);

impl std::str::FromStr for RateLimitSetting {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        RateLimit::parse(text).map(RateLimitSetting)
    }
}

impl RateLimit {
    /// `N/s` (bursts of 4N, 32 at once) or `off`.
    pub fn parse(text: &str) -> Result<Option<RateLimit>, String> {
        let text = text.trim();
        if text == "off" {
            return Ok(None);
        }
        let n =
            text.strip_suffix("/s").and_then(|n| n.trim().parse::<u32>().ok()).and_then(NonZeroU32::new).ok_or_else(
                || format!("`{text}` is not a rate: write requests a second per caller, like 50/s, or off"),
            )?;
        let burst = n.saturating_mul(NonZeroU32::new(4).unwrap());
        Ok(Some(RateLimit { per_second: n, burst, in_flight: RateLimit::default().in_flight }))
    }
}

/// The limiter: one GCRA bucket and one in-flight count per caller.
pub struct Limiter {
    limit: RateLimit,
    rate: DefaultKeyedRateLimiter<String>,
    in_flight: Mutex<HashMap<String, usize>>,
    seen: AtomicU64,
}

impl Limiter {
    pub fn new(limit: RateLimit) -> Arc<Self> {
        let quota = Quota::per_second(limit.per_second).allow_burst(limit.burst);
        Arc::new(Limiter {
            limit,
            rate: DefaultKeyedRateLimiter::keyed(quota),
            in_flight: Mutex::default(),
            seen: AtomicU64::new(0),
        })
    }

    fn enter(self: &Arc<Self>, key: &str) -> Option<InFlight> {
        let mut counts = self.in_flight.lock().expect("not poisoned");
        let n = counts.entry(key.to_owned()).or_default();
        if *n >= self.limit.in_flight {
            return None;
        }
        *n += 1;
        Some(InFlight { limiter: self.clone(), key: key.to_owned() })
    }
}

/// A request under way; counted until dropped (answered or abandoned).
struct InFlight {
    limiter: Arc<Limiter>,
    key: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut counts = self.limiter.in_flight.lock().expect("not poisoned");
        if let Some(n) = counts.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

fn exempt(path: &str) -> bool {
    path.split('/').take(4).eq(["", "api", "v1", "intake"])
        || path.starts_with("/feeds/")
        || matches!(path, "/v2/enqueue" | "/healthz" | "/readyz" | "/metrics")
}

/// Who is asking: a hash of the token or session (never the secret itself), else the
/// address the connection came from.
fn caller(request: &Request) -> String {
    let hashed = |kind: &str, secret: &str| format!("{kind}:{}", hex(&Sha256::digest(secret.as_bytes())[..8]));
    let headers = request.headers();
    if let Some(token) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return hashed("token", token);
    }
    if let Some(session) = crate::ui::session::cookie_value(headers) {
        return hashed("session", &session);
    }
    match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(addr)) => format!("addr:{}", addr.ip()),
        None => "addr:unknown".to_owned(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn too_many(wait: Duration, why: &str) -> Response {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    let message = format!("{why}; try again in {seconds} s");
    let mut response = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// The middleware.
pub async fn limit(State(limiter): State<Arc<Limiter>>, request: Request, next: Next) -> Response {
    if exempt(request.uri().path()) {
        return next.run(request).await;
    }
    // Callers not seen for a while are forgotten, so the table does not grow without end.
    if limiter.seen.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
        limiter.rate.retain_recent();
    }
    let key = caller(&request);
    if let Err(not_until) = limiter.rate.check_key(&key) {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let rate = limiter.limit.per_second;
        return too_many(wait, &format!("more than {rate} requests a second from this caller"));
    }
    let Some(_in_flight) = limiter.enter(&key) else {
        let most = limiter.limit.in_flight;
        return too_many(Duration::from_secs(1), &format!("more than {most} requests at once from this caller"));
    };
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_is_written_per_second_or_off() {
        let r = RateLimit::parse("20/s").unwrap().unwrap();
        assert_eq!((r.per_second.get(), r.burst.get()), (20, 80));
        assert_eq!(RateLimit::parse("off").unwrap(), None);
        assert!(RateLimit::parse("20").unwrap_err().contains("like 50/s"));
        assert!(RateLimit::parse("0/s").is_err());
    }
}
