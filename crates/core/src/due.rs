//! When the engine tries again a due record (an escalation, a reminder, an expiry) whose
//! handler failed: soon at first, since most failures pass (a conflict, a store hiccup),
//! then backing off so a record that keeps failing costs one attempt and one log line
//! every few minutes instead of one a second, and never stands before healthy work.

use jiff::SignedDuration;

/// The longest wait between two attempts at a failing record.
pub const MAX_DUE_RETRY: SignedDuration = SignedDuration::from_secs(300);

/// The wait after the `failures`-th consecutive failure (1 for the first): 1 s, doubling,
/// at most [`MAX_DUE_RETRY`].
pub fn due_retry_delay(failures: i64) -> SignedDuration {
    let doublings = failures.saturating_sub(1).clamp(0, 16) as u32;
    SignedDuration::from_secs(1i64 << doublings).min(MAX_DUE_RETRY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_record_backs_off_to_five_minutes_and_stays_there() {
        let secs: Vec<i64> = (1..=11).map(|n| due_retry_delay(n).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(due_retry_delay(0).as_secs(), 1, "a first failure however it is counted");
        assert_eq!(due_retry_delay(i64::MAX), MAX_DUE_RETRY, "no overflow");
    }
}
