//! On-call scheduling, pure and IO-free: rotations on working days (or weekly, or any shift
//! length) with a shift change time in an IANA time zone, holiday calendars, membership changes
//! that take effect at a stated instant, the balanced reshuffle when the list is exhausted,
//! overrides and swaps, the fairness ledger, the handover digest and iCalendar feeds.
//!
//! A [`Rotation`] is checked once from its [`RotationSpec`]; after that it answers
//! [`Rotation::on_call_at`] (who, the shift they hold, and which rule put them there) by
//! arithmetic on the instant and the cycle orders it keeps, without generating earlier
//! shifts, and
//! [`Rotation::shifts`] over any range. At every instant from the first shift change exactly
//! one person is on call: shifts tile time, across DST changes and holidays.
//!
//! Decisions, each documented where it is made:
//! - DST: a shift change time in a spring-forward gap moves forward by the gap; in a fold it
//!   is the first occurrence ([`shift_change`]).
//! - Non-working days use up nobody's turn: either the last working day's shift extends
//!   over them, or a weekend layer covers each run of them as one shift ([`NonWorkingDay`]).
//! - Reshuffle: cycle 0 is the list as written; each later cycle gives its heaviest shifts
//!   to whoever has carried the least so far, ties by a seeded shuffle, never starting with
//!   the person who ended the previous cycle (`balance`, [`shuffle`]).
//! - Membership changes start at the first shift change at or after their instant, with the new
//!   list in its written order; earlier shifts are unchanged.

mod balance;
mod calendar;
mod changes;
mod digest;
mod fairness;
mod feed;
mod ical;
mod leave;
pub mod month;
mod overrides;
mod regions;
mod rotation;
mod schedule;
pub mod shift_change;
pub mod shuffle;

#[cfg(test)]
mod tests;

pub use calendar::{HolidayCalendar, Weekdays, WorkingCalendar};
pub use changes::{
    check_may_change, check_override, ChangeError, NewOverride, NewSwap, OverrideRecord, Swap, SwapShift, SwapState,
    MAX_CHANGE_REASON, MAX_LEAD_OVERRIDE_DAYS, MAX_OVERRIDE_DAYS,
};
pub use digest::{digest, team_serves, DigestAlert, DigestBudget, DigestIncident, DigestInputs, Ending, ShiftDigest};
pub use fairness::{ledger, FairnessWeights, Ledger, Tally};
pub use feed::{CalendarFeed, FEED_FUTURE_DAYS, FEED_PAST_DAYS};
pub use ical::{escape_text, to_ical};
pub use leave::{
    suggest_cover, Leave, LeaveRecord, NewLeave, PlannedLeave, UncoveredShift, LEAVE_NOTICE_DAYS, MAX_LEAVE_DAYS,
};
pub use overrides::{validate_overrides, Override, OverrideError, OverrideKind};
pub use regions::{RegionSpec, CHECKED_DAYS};
pub use rotation::{
    Cadence, MembershipChange, NonWorkingDay, Roster, Rotation, RotationError, RotationId, RotationSpec,
};
pub use schedule::{describe_turn, next, on_call_at, shifts, Layer, OnCall, Reason, Shift, Why};
pub use shift_change::{shift_change, ShiftChange, ShiftChangeKind};
pub use shuffle::Reshuffle;

// The on-call work of a shift: duties, the log, runbooks to write, the handover.
mod duties;
mod log;
mod runbook;
mod shift_note;
mod work;

pub use duties::{DutyDone, ShiftDuties};
pub use log::{LogEntry, LogKind, NewLogEntry, MAX_LOG_LINKS, MAX_LOG_TEXT};
pub use runbook::{RunbookTodo, TodoResolution};
pub use shift_note::{note_to_write, reminder_delay, Held, NewShiftNote, ShiftNote, DEFAULT_SHIFT_NOTE_REMINDER};
pub use work::{check_on_call, check_team_member, WorkError};
