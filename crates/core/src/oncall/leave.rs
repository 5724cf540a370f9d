//! Leave: time off, and what it does to the schedule.
//!
//! Nobody is scheduled during leave recorded in good time: a turn that overlaps the
//! person's leave passes to the next person in the order who is free and would not then
//! hold two shifts in a row, and is *owed back*: the absent person takes the first turn of
//! that person's that begins after they are back (the schedule shows it as a repayment).
//! Leave recorded less than [`LEAVE_NOTICE_DAYS`] before a shift does not move that shift:
//! people plan around the published schedule, so the shift stays with its holder until
//! someone agrees to cover it (a cover request, [`super::Swap`] without a second shift;
//! [`suggest_cover`] names whom to ask). Leave written in the definitions
//! (`leave/<person>.yaml`) is planned and always moves turns.
//!
//! The substitutions are computed once per rotation and leave list
//! ([`super::Rotation::with_leave`]) by walking only the slots from each leave's start
//! until every turn it moved is repaid; they are not part of the balanced reshuffle's load
//! (like covers and swaps, see ARCHITECTURE.md), so the orders never move under leave.

use crate::pipeline::Signed;
use crate::{Org, PersonId};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::changes::{invalid, name as person_name, reason as reason_text, ChangeError};
use super::fairness::Ledger;
use super::schedule::{Layer, Shift};

/// Leave recorded at least this many days before a shift moves that turn; later, the
/// shift needs someone to agree to cover it.
pub const LEAVE_NOTICE_DAYS: i64 = 14;
/// The longest stretch of leave one record holds (a long absence is a change of membership).
pub const MAX_LEAVE_DAYS: i64 = 120;

fn notice() -> SignedDuration {
    SignedDuration::from_hours(24 * LEAVE_NOTICE_DAYS)
}

/// A stretch of time off, as the schedule sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leave {
    pub person: PersonId,
    pub start: Timestamp,
    pub end: Timestamp,
    /// When it was recorded; `None` for leave planned in the definitions.
    #[serde(default)]
    pub recorded: Option<Timestamp>,
}

impl Leave {
    pub fn overlaps(&self, start: Timestamp, end: Timestamp) -> bool {
        self.start < end && start < self.end
    }

    /// Whether this leave moves a turn starting at `slot_start`: it was recorded with
    /// [`LEAVE_NOTICE_DAYS`] to spare (or planned in the definitions).
    pub fn moves_turn_at(&self, slot_start: Timestamp) -> bool {
        self.recorded.is_none_or(|r| r.checked_add(notice()).is_ok_and(|by| by <= slot_start))
    }
}

/// Leave written in the definitions: whole local days, `from` to `to` inclusive, in the
/// person's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedLeave {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub from: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub to: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl PlannedLeave {
    /// The leave from the start of `from` to the end of `to`, local to `tz`.
    pub fn leave(&self, person: &PersonId, tz: &TimeZone) -> Leave {
        let start_of = |d: Date| d.to_zoned(tz.clone()).map_or(Timestamp::MIN, |z| z.timestamp());
        let end = self.to.tomorrow().map_or(Timestamp::MAX, start_of);
        Leave { person: person.clone(), start: start_of(self.from), end, recorded: None }
    }
}

/// Leave as a person records it through the API or CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaveRecord {
    pub id: String,
    pub person: PersonId,
    pub start: Timestamp,
    pub end: Timestamp,
    pub reason: String,
    pub created: Signed,
    /// Withdrawn before it began (or, under way, ended early: `end` is then when).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled: Option<Signed>,
}

/// Leave as someone asks to record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLeave {
    pub start: Timestamp,
    pub end: Timestamp,
    pub reason: String,
}

/// The person themselves, or the lead of a team they are in, records and cancels leave.
fn check_may_record(org: &Org, by: &PersonId, person: &PersonId) -> Result<(), ChangeError> {
    if by == person || org.teams_of(person).any(|t| t.lead.as_ref() == Some(by)) {
        return Ok(());
    }
    Err(ChangeError::Forbidden(format!(
        "only {} or the lead of one of their teams may record or cancel their leave; {} is neither",
        person_name(org, person),
        person_name(org, by)
    )))
}

impl LeaveRecord {
    /// Checks leave `by` asks to record for `person` at `now`.
    pub fn record(
        org: &Org,
        id: String,
        by: &PersonId,
        person: &PersonId,
        new: NewLeave,
        now: Timestamp,
    ) -> Result<LeaveRecord, ChangeError> {
        if !org.people.contains_key(person) {
            return Err(ChangeError::NotFound(format!("no person `{person}` is defined")));
        }
        check_may_record(org, by, person)?;
        if new.end <= new.start {
            return Err(invalid(
                "end",
                format!("{} is not after start ({}): give an end later than the start", new.end, new.start),
            ));
        }
        if new.end <= now {
            return Err(invalid("end", format!("{} is in the past (now is {now}): leave is recorded ahead", new.end)));
        }
        // Who was on call is history: leave that has begun counts from now.
        let start = new.start.max(now);
        if new.end.duration_since(start) > SignedDuration::from_hours(24 * MAX_LEAVE_DAYS) {
            return Err(invalid(
                "end",
                format!(
                    "{start} to {} is longer than {MAX_LEAVE_DAYS} days: split it, or change the rotation's \
                     membership in its definition",
                    new.end
                ),
            ));
        }
        let reason = reason_text("reason", &new.reason)?;
        Ok(LeaveRecord {
            id,
            person: person.clone(),
            start,
            end: new.end,
            reason,
            created: Signed { by: by.clone(), at: now },
            cancelled: None,
        })
    }

    /// The leave the schedule applies.
    pub fn as_leave(&self) -> Leave {
        Leave { person: self.person.clone(), start: self.start, end: self.end, recorded: Some(self.created.at) }
    }

    /// Withdraws leave that has not begun; leave under way ends at `now` (who was on
    /// call until then stays history).
    pub fn cancel(&mut self, org: &Org, by: &PersonId, now: Timestamp) -> Result<(), ChangeError> {
        check_may_record(org, by, &self.person)?;
        if let Some(c) = &self.cancelled {
            return Err(ChangeError::Conflict(format!("leave {} was cancelled by {} at {}", self.id, c.by, c.at)));
        }
        if self.end <= now {
            return Err(ChangeError::Conflict(format!("leave {} ended at {}: it is history", self.id, self.end)));
        }
        if self.start <= now {
            self.end = now;
        }
        self.cancelled = Some(Signed { by: by.clone(), at: now });
        Ok(())
    }

    /// Whether the schedule still applies it: not cancelled, or ended early (then its
    /// past part still happened).
    pub fn applies(&self) -> bool {
        self.cancelled.as_ref().is_none_or(|c| self.start < c.at)
    }
}

/// What the schedule did about leave in one slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Substitute {
    /// `holder` takes the turn of `away`, who is on leave; `away` owes it.
    CoversLeave { away: PersonId },
    /// `holder` repays a turn `owed_to` took for them.
    Repays { owed_to: PersonId },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Substitution {
    pub layer: Layer,
    pub start: Timestamp,
    pub holder: PersonId,
    pub what: Substitute,
}

/// The leave of a rotation and the substitutions it makes, sorted by slot start.
#[derive(Debug, Clone, Default)]
pub(crate) struct LeavePlan {
    pub leaves: Vec<Leave>,
    pub subs: Vec<Substitution>,
}

impl LeavePlan {
    pub fn at(&self, layer: Layer, start: Timestamp) -> Option<&Substitution> {
        let i = self.subs.partition_point(|s| s.start < start);
        self.subs[i..].iter().take_while(|s| s.start == start).find(|s| s.layer == layer)
    }

    /// Whether `person` is on any leave overlapping `[start, end)`.
    pub fn away(&self, person: &PersonId, start: Timestamp, end: Timestamp) -> bool {
        self.leaves.iter().any(|l| &l.person == person && l.overlaps(start, end))
    }
}

/// A turn owed: `debtor` was away and `creditor` took their turn; repaid from `back`.
#[derive(Debug, Clone)]
pub(crate) struct Debt {
    pub debtor: PersonId,
    pub creditor: PersonId,
    pub back: Timestamp,
}

/// A shift whose holder is on leave during it: leave recorded too late to move the turn,
/// waiting for someone to agree to cover it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UncoveredShift {
    pub person: PersonId,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Whom to ask to cover `shift`: of `candidates` (the rotation's current members), the
/// one with the least weighted load in `ledger` who is not its holder, is not away during
/// it and holds neither the shift before nor the one after it (`neighbours`); ties by id.
pub fn suggest_cover(
    shift: &Shift,
    candidates: &[PersonId],
    leaves: &[Leave],
    neighbours: &[&PersonId],
    ledger: &Ledger,
) -> Option<PersonId> {
    let load = |p: &PersonId| ledger.people.get(p).map_or(0.0, |t| t.weighted_hours);
    candidates
        .iter()
        .filter(|p| **p != shift.person && !neighbours.contains(p))
        .filter(|p| !leaves.iter().any(|l| &l.person == *p && l.overlaps(shift.start, shift.end)))
        .min_by(|a, b| load(a).total_cmp(&load(b)).then_with(|| a.cmp(b)))
        .cloned()
}
