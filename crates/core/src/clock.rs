//! The one source of "now". Core never reads a clock; callers pass `Clock::now()` in.

use jiff::Timestamp;

/// Where the current instant comes from: the system clock in production, a manual clock
/// in tests (so transition windows and waiver expiries are tested without sleeping).
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}
