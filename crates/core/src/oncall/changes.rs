//! Overrides and swaps as people make them while a rotation runs (stored as records and
//! layered on the rotation of the definitions with [`Rotation::with_overrides`]): who may
//! make them, what makes one acceptable, and a swap's consent. A swap is requested by the
//! person holding the first shift, and only the person holding the second may accept it;
//! accepting applies it (its two overrides are written with the acceptance). Each refusal
//! names the field at fault or who may act.
//!
//! Only the future changes: an override may not end in the past (one that has begun is
//! moved to start now, so who was on call stays as it was), and a swap moves only shifts
//! that have not started.

use crate::pipeline::Signed;
use crate::{Org, PersonId, Timestamp};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use super::overrides::{Override, OverrideKind};
use super::rotation::{Rotation, RotationId};
use super::schedule::Shift;
use crate::org::RotationDef;

/// The longest reason kept with an override or a swap.
pub const MAX_CHANGE_REASON: usize = 500;
/// The longest override a member of the team may make: two weeks covers a holiday; longer
/// absences are a change of membership, which the definitions record.
pub const MAX_OVERRIDE_DAYS: i64 = 14;
/// The longest override the team's lead may make (a long leave, a secondment).
pub const MAX_LEAD_OVERRIDE_DAYS: i64 = 90;

/// Why an override or a swap was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// The input is wrong; `field` names the JSON field at fault.
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    /// The caller may not do this; the message says who may.
    #[error("{0}")]
    Forbidden(String),
    /// What is asked no longer fits the state of things (a swap already decided, an
    /// override already started); the message says what happened.
    #[error("{0}")]
    Conflict(String),
    /// What the request names does not exist.
    #[error("{0}")]
    NotFound(String),
}

pub(super) fn invalid(field: &'static str, message: impl Into<String>) -> ChangeError {
    ChangeError::Invalid { field, message: message.into() }
}

pub(super) fn name(org: &Org, person: &PersonId) -> String {
    match org.people.get(person) {
        Some(p) => format!("{} ({person})", p.name),
        None => person.to_string(),
    }
}

/// Whether `person` leads the rotation's team.
fn is_lead(org: &Org, def: &RotationDef, person: &PersonId) -> bool {
    org.teams.get(&def.team).and_then(|t| t.lead.as_ref()) == Some(person)
}

/// Members of the rotation's team, and its lead, may change its schedule (`what`).
pub fn check_may_change(org: &Org, def: &RotationDef, person: &PersonId, what: &str) -> Result<(), ChangeError> {
    let lead = org.teams.get(&def.team).and_then(|t| t.lead.as_ref());
    if org.is_member(person, &def.team) || lead == Some(person) {
        return Ok(());
    }
    Err(ChangeError::Forbidden(format!(
        "only members of team `{}` (or its lead) may {what} on rotation `{}`; {} is not one",
        def.team,
        def.id(),
        name(org, person)
    )))
}

fn check_member(org: &Org, def: &RotationDef, field: &'static str, person: &PersonId) -> Result<(), ChangeError> {
    if !org.people.contains_key(person) {
        return Err(invalid(field, format!("no person `{person}` is defined")));
    }
    if !org.is_member(person, &def.team) {
        return Err(invalid(
            field,
            format!(
                "{} is not a member of team `{}`, which holds rotation `{}`: name one of its members",
                name(org, person),
                def.team,
                def.id()
            ),
        ));
    }
    Ok(())
}

pub(super) fn reason(field: &'static str, text: &str) -> Result<String, ChangeError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(field, "is empty: say why, e.g. \"sick leave\" or \"dentist\""));
    }
    let n = text.chars().count();
    if n > MAX_CHANGE_REASON {
        return Err(invalid(field, format!("is {n} characters long; at most {MAX_CHANGE_REASON} are kept")));
    }
    Ok(text.to_owned())
}

/// An override as stored: who covers whom over which time, who made it and why, and
/// whether it was cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverrideRecord {
    pub id: String,
    pub rotation: RotationId,
    /// Who is on call instead.
    pub covering: PersonId,
    /// Whose time is covered; without it, whoever is scheduled in the range.
    #[serde(default)]
    pub covered: Option<PersonId>,
    pub start: Timestamp,
    pub end: Timestamp,
    pub kind: OverrideKind,
    pub reason: String,
    pub created: Signed,
    /// The swap this override is half of.
    #[serde(default)]
    pub swap: Option<String>,
    #[serde(default)]
    pub cancelled: Option<Signed>,
    /// Ended while under way by the team's lead: `end` is when; who was on call before
    /// that stays as it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_early: Option<Signed>,
}

impl OverrideRecord {
    /// The override the schedule applies.
    pub fn as_override(&self) -> Override {
        Override {
            covering: self.covering.clone(),
            covered: self.covered.clone(),
            start: self.start,
            end: self.end,
            kind: self.kind,
        }
    }

    /// In force: not cancelled.
    pub fn is_active(&self) -> bool {
        self.cancelled.is_none()
    }

    fn describe(&self) -> String {
        let whom = self.covered.as_ref().map_or_else(|| "whoever is scheduled".to_owned(), |c| c.to_string());
        format!("override {} ({} covering {whom}, {} to {})", self.id, self.covering, self.start, self.end)
    }

    /// Cancels an override that has not started, by a member of the rotation's team; the
    /// team's lead may also end one under way (from `now`: who was on call until then
    /// stays history) and cancel a swap's half.
    pub fn cancel(&mut self, org: &Org, def: &RotationDef, by: &PersonId, now: Timestamp) -> Result<(), ChangeError> {
        check_may_change(org, def, by, "cancel overrides")?;
        if let Some(c) = &self.cancelled {
            return Err(ChangeError::Conflict(format!("override {} was cancelled by {} at {}", self.id, c.by, c.at)));
        }
        if self.end <= now {
            return Err(ChangeError::Conflict(format!("override {} ended at {}: it is history", self.id, self.end)));
        }
        let lead = is_lead(org, def, by);
        if let Some(swap) = self.swap.as_ref().filter(|_| !lead) {
            return Err(ChangeError::Conflict(format!(
                "override {} is half of swap {swap}, which both people agreed to; ask for another swap to undo it, \
                 or the team's lead to end it",
                self.id
            )));
        }
        let signed = Some(Signed { by: by.clone(), at: now });
        if self.start > now {
            self.cancelled = signed;
        } else if lead {
            self.end = now;
            self.ended_early = signed;
        } else {
            return Err(ChangeError::Conflict(format!(
                "override {} started at {}; only an override that has not started can be cancelled, \
                 or the team's lead may end it",
                self.id, self.start
            )));
        }
        Ok(())
    }
}

/// An override as a person asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOverride {
    pub covering: PersonId,
    pub covered: Option<PersonId>,
    pub start: Timestamp,
    pub end: Timestamp,
    pub reason: String,
}

/// An override lasts at most [`MAX_OVERRIDE_DAYS`] ([`MAX_LEAD_OVERRIDE_DAYS`] when the
/// team's lead makes it): one person cannot take a rotation over for good.
fn check_length(
    org: &Org,
    def: &RotationDef,
    by: &PersonId,
    start: Timestamp,
    end: Timestamp,
) -> Result<(), ChangeError> {
    let days = |d: i64| SignedDuration::from_hours(24 * d);
    let longest = if is_lead(org, def, by) { MAX_LEAD_OVERRIDE_DAYS } else { MAX_OVERRIDE_DAYS };
    if end.duration_since(start) > days(longest) {
        return Err(invalid(
            "end",
            format!(
                "{start} to {end} is longer than {longest} days, the longest override {} may make \
                 (members {MAX_OVERRIDE_DAYS} days, the team's lead {MAX_LEAD_OVERRIDE_DAYS}): split it, or change the \
                 rotation's membership in its definition",
                name(org, by)
            ),
        ));
    }
    Ok(())
}

/// The active override among `active` that `[start, end)` overlaps, if any.
fn overlapping(active: &[OverrideRecord], start: Timestamp, end: Timestamp) -> Option<&OverrideRecord> {
    active.iter().filter(|o| o.is_active()).find(|o| o.start < end && start < o.end)
}

/// Checks `new`, made by `by` at `now`, against the rotation (`rotation` is its schedule
/// with the `active` overrides already layered on) and returns the record to store.
#[allow(clippy::too_many_arguments)]
pub fn check_override(
    org: &Org,
    def: &RotationDef,
    rotation: &Rotation,
    active: &[OverrideRecord],
    id: String,
    by: &PersonId,
    new: NewOverride,
    now: Timestamp,
) -> Result<OverrideRecord, ChangeError> {
    check_may_change(org, def, by, "make overrides")?;
    if new.end <= new.start {
        return Err(invalid(
            "end",
            format!("{} is not after start ({}): give an end later than the start", new.end, new.start),
        ));
    }
    if new.end <= now {
        return Err(invalid(
            "end",
            format!("{} is in the past (now is {now}): an override changes only the future", new.end),
        ));
    }
    // Who was on call is history: an override that has begun covers from now on.
    let start = new.start.max(now);
    check_length(org, def, by, start, new.end)?;
    check_member(org, def, "covering", &new.covering)?;
    if let Some(covered) = &new.covered {
        if covered == &new.covering {
            return Err(invalid("covered", format!("{covered} would cover themselves: name someone else to cover")));
        }
        check_member(org, def, "covered", covered)?;
        let holds =
            rotation.shifts(start, new.end).iter().any(|s| &s.person == covered && s.start < new.end && start < s.end);
        if !holds {
            return Err(invalid(
                "covered",
                format!(
                    "{} is not on call for rotation `{}` between {start} and {}: there is nothing to cover",
                    name(org, covered),
                    def.id(),
                    new.end
                ),
            ));
        }
    }
    let reason = reason("reason", &new.reason)?;
    if let Some(other) = overlapping(active, start, new.end) {
        return Err(invalid(
            "start",
            format!(
                "{start} to {} overlaps {}: overrides of one rotation may not overlap; cancel that one first or choose another time",
                new.end,
                other.describe()
            ),
        ));
    }
    Ok(OverrideRecord {
        id,
        rotation: def.id().clone(),
        covering: new.covering,
        covered: new.covered,
        start,
        end: new.end,
        kind: OverrideKind::Cover,
        reason,
        created: Signed { by: by.clone(), at: now },
        swap: None,
        cancelled: None,
        ended_early: None,
    })
}

/// Where a swap stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum SwapState {
    /// Waiting for the other person's answer.
    Requested,
    /// Accepted by the other person, and so applied: its two overrides are in force.
    Applied,
    /// The other person said no.
    Declined,
    /// The requester withdrew it.
    Cancelled,
    /// Nobody answered before the first of its shifts began.
    Expired,
}

/// One shift of a swap, as it was when the swap was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SwapShift {
    /// Who holds it before the swap.
    pub person: PersonId,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// A swap of two future shifts between two members of the rotation's team, or, without
/// `with_shift`, a *cover request*: the requester asks `with` to take their shift (for
/// leave recorded after the shift was published, Baton asks on their behalf). Either
/// needs the answer of the person asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Swap {
    pub id: String,
    pub rotation: RotationId,
    /// Who asked, holding `requester_shift`.
    pub requester: PersonId,
    /// Who is asked, holding `with_shift`; only they may accept.
    pub with: PersonId,
    pub requester_shift: SwapShift,
    /// The shift the requester takes in return; `null` for a cover request.
    #[cfg_attr(feature = "openapi", schema(nullable = true))]
    pub with_shift: Option<SwapShift>,
    #[serde(default)]
    pub reason: Option<String>,
    /// The leave a cover request is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave: Option<String>,
    pub state: SwapState,
    pub requested_at: Timestamp,
    /// Who accepted, declined or cancelled it, and when; for an expired swap, when it expired.
    #[serde(default)]
    pub decided_by: Option<PersonId>,
    #[serde(default)]
    pub decided_at: Option<Timestamp>,
    /// The ids of the two overrides that apply it.
    #[serde(default)]
    pub overrides: Vec<String>,
}

/// A swap as the requester asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSwap {
    pub with: PersonId,
    pub my_shift_start: Timestamp,
    /// `None`: ask `with` to cover `my_shift_start` (a cover request).
    pub their_shift_start: Option<Timestamp>,
    pub reason: Option<String>,
    /// The leave a cover request is for.
    pub leave: Option<String>,
}

/// The shift of `rotation` starting at `start`, which must be `person`'s and in the future.
fn held_shift(
    org: &Org,
    rotation: &Rotation,
    field: &'static str,
    person: &PersonId,
    start: Timestamp,
    now: Timestamp,
) -> Result<Shift, ChangeError> {
    // A shift starting this very instant has begun: its person holds the pager.
    if start <= now {
        return Err(invalid(
            field,
            format!("the shift starting at {start} has started (now is {now}): a swap moves only shifts that have not"),
        ));
    }
    let next_second = start.checked_add(SignedDuration::from_secs(1)).unwrap_or(start);
    let shifts = rotation.shifts(start, next_second);
    match shifts.into_iter().find(|s| s.start == start) {
        Some(s) if &s.person == person => Ok(s),
        Some(s) => Err(invalid(
            field,
            format!("the shift starting at {start} is held by {}, not by {}", name(org, &s.person), name(org, person)),
        )),
        None => {
            let around = rotation.on_call_at(start).map(|o| o.shift);
            let hint = around.map_or(String::new(), |s| {
                format!(": {start} falls in the shift of {} from {} to {}", name(org, &s.person), s.start, s.end)
            });
            Err(invalid(field, format!("no shift of rotation `{}` starts at {start}{hint}", rotation.id())))
        }
    }
}

fn swap_shift(s: &Shift) -> SwapShift {
    SwapShift { person: s.person.clone(), start: s.start, end: s.end }
}

impl Swap {
    /// Checks a swap `by` asks for at `now` (`rotation` is the schedule with the `active`
    /// overrides layered on; `pending` are the rotation's other swaps).
    #[allow(clippy::too_many_arguments)]
    pub fn request(
        org: &Org,
        def: &RotationDef,
        rotation: &Rotation,
        active: &[OverrideRecord],
        pending: &[Swap],
        id: String,
        by: &PersonId,
        new: NewSwap,
        now: Timestamp,
    ) -> Result<Swap, ChangeError> {
        check_may_change(org, def, by, "ask for swaps")?;
        if &new.with == by {
            return Err(invalid("with", "is the requester: a swap is between two people"));
        }
        check_member(org, def, "with", &new.with)?;
        let mine = held_shift(org, rotation, "my_shift_start", by, new.my_shift_start, now)?;
        let theirs = new
            .their_shift_start
            .map(|start| held_shift(org, rotation, "their_shift_start", &new.with, start, now))
            .transpose()?;
        let both = std::iter::once(("my_shift_start", &mine)).chain(theirs.as_ref().map(|t| ("their_shift_start", t)));
        for (field, s) in both {
            if let Some(other) = overlapping(active, s.start, s.end) {
                return Err(invalid(
                    field,
                    format!("the shift from {} to {} has {} in it", s.start, s.end, other.describe()),
                ));
            }
            let taken = pending
                .iter()
                .filter(|p| p.state == SwapState::Requested)
                .find(|p| p.shifts().any(|x| x.start == s.start && x.person == s.person));
            if let Some(p) = taken {
                return Err(invalid(
                    field,
                    format!(
                        "the shift starting at {} is already in swap {} ({} asked {}), waiting for an answer",
                        s.start, p.id, p.requester, p.with
                    ),
                ));
            }
        }
        let reason = new.reason.as_deref().map(|r| reason("reason", r)).transpose()?;
        Ok(Swap {
            id,
            rotation: def.id().clone(),
            requester: by.clone(),
            with: new.with,
            requester_shift: swap_shift(&mine),
            with_shift: theirs.as_ref().map(swap_shift),
            reason,
            leave: new.leave,
            state: SwapState::Requested,
            requested_at: now,
            decided_by: None,
            decided_at: None,
            overrides: Vec::new(),
        })
    }

    /// When the engine should look at it again: when its first shift starts, if nobody
    /// answered by then.
    pub fn due_at(&self) -> Option<Timestamp> {
        (self.state == SwapState::Requested).then(|| self.shifts().map(|s| s.start).min().expect("one at least"))
    }

    /// Whether it asks for cover rather than a swap.
    pub fn is_cover(&self) -> bool {
        self.with_shift.is_none()
    }

    /// The requester's shift, and the other's when it is a swap.
    pub fn shifts(&self) -> impl Iterator<Item = &SwapShift> + Clone {
        std::iter::once(&self.requester_shift).chain(self.with_shift.as_ref())
    }

    fn check_requested(&self) -> Result<(), ChangeError> {
        if self.state == SwapState::Requested {
            return Ok(());
        }
        let by = self.decided_by.as_ref().map_or(String::new(), |p| format!(" by {p}"));
        let at = self.decided_at.map_or(String::new(), |t| format!(" at {t}"));
        let state = match self.state {
            SwapState::Applied => "accepted and applied",
            SwapState::Declined => "declined",
            SwapState::Cancelled => "cancelled",
            SwapState::Expired => "expired unanswered",
            SwapState::Requested => unreachable!(),
        };
        Err(ChangeError::Conflict(format!("swap {} was {state}{by}{at}; it can no longer change", self.id)))
    }

    fn check_with(&self, org: &Org, by: &PersonId, what: &str) -> Result<(), ChangeError> {
        if by == &self.with {
            return Ok(());
        }
        Err(ChangeError::Forbidden(format!(
            "only {}, whom {} asked to swap with, may {what} swap {}",
            name(org, &self.with),
            name(org, &self.requester),
            self.id
        )))
    }

    fn decide(&mut self, state: SwapState, by: Option<&PersonId>, now: Timestamp) {
        self.state = state;
        self.decided_by = by.cloned();
        self.decided_at = Some(now);
    }

    /// `by` (who must be the person asked) accepts: the shifts must still be as they
    /// were asked for and not started. Returns the override records that apply it, with
    /// ids `<swap>-1` and `<swap>-2` (a cover request has the first only).
    pub fn accept(
        &mut self,
        org: &Org,
        rotation: &Rotation,
        active: &[OverrideRecord],
        by: &PersonId,
        now: Timestamp,
    ) -> Result<Vec<OverrideRecord>, ChangeError> {
        self.check_with(org, by, "accept")?;
        self.check_requested()?;
        let still = |field: &'static str, s: &SwapShift| -> Result<Shift, ChangeError> {
            let held = held_shift(org, rotation, field, &s.person, s.start, now).map_err(|e| {
                ChangeError::Conflict(format!("swap {} can no longer be applied: {}", self.id, e_message(&e)))
            })?;
            if held.end != s.end {
                return Err(ChangeError::Conflict(format!(
                    "swap {} can no longer be applied: the shift from {} now ends at {}, not {}",
                    self.id, s.start, held.end, s.end
                )));
            }
            Ok(held)
        };
        let mine = still("my_shift_start", &self.requester_shift)?;
        let theirs = self.with_shift.as_ref().map(|w| still("their_shift_start", w)).transpose()?;
        for s in std::iter::once(&mine).chain(theirs.as_ref()) {
            if let Some(other) = overlapping(active, s.start, s.end) {
                return Err(ChangeError::Conflict(format!(
                    "swap {} can no longer be applied: the shift from {} to {} now has {} in it",
                    self.id,
                    s.start,
                    s.end,
                    other.describe()
                )));
            }
        }
        let signed = Signed { by: by.clone(), at: now };
        let overrides = match &theirs {
            Some(theirs) => Override::swap(&mine, theirs).to_vec(),
            None => vec![Override::cover(by.clone(), &mine)],
        };
        let what = if self.is_cover() { "cover request" } else { "swap" };
        let record = |n: usize, o: Override| OverrideRecord {
            id: format!("{}-{n}", self.id),
            rotation: self.rotation.clone(),
            covering: o.covering,
            covered: o.covered,
            start: o.start,
            end: o.end,
            kind: o.kind,
            reason: format!("{what} {}", self.id),
            created: signed.clone(),
            swap: Some(self.id.clone()),
            cancelled: None,
            ended_early: None,
        };
        let records: Vec<OverrideRecord> = overrides.into_iter().enumerate().map(|(i, o)| record(i + 1, o)).collect();
        self.overrides = records.iter().map(|r| r.id.clone()).collect();
        self.decide(SwapState::Applied, Some(by), now);
        Ok(records)
    }

    /// The person asked says no.
    pub fn decline(&mut self, org: &Org, by: &PersonId, now: Timestamp) -> Result<(), ChangeError> {
        self.check_with(org, by, "decline")?;
        self.check_requested()?;
        self.decide(SwapState::Declined, Some(by), now);
        Ok(())
    }

    /// The requester withdraws it before an answer.
    pub fn cancel(&mut self, org: &Org, by: &PersonId, now: Timestamp) -> Result<(), ChangeError> {
        if by != &self.requester {
            return Err(ChangeError::Forbidden(format!(
                "only {}, who asked for swap {}, may cancel it",
                name(org, &self.requester),
                self.id
            )));
        }
        self.check_requested()?;
        self.decide(SwapState::Cancelled, Some(by), now);
        Ok(())
    }

    /// The leave a cover request was for is cancelled: the request is withdrawn with it.
    /// `false` if it was already answered.
    pub fn withdraw_with_leave(&mut self, by: &PersonId, now: Timestamp) -> bool {
        if self.state != SwapState::Requested || self.leave.is_none() {
            return false;
        }
        self.decide(SwapState::Cancelled, Some(by), now);
        true
    }

    /// Unanswered when its first shift begins: it expires. `false` if it is not due.
    pub fn expire(&mut self, now: Timestamp) -> bool {
        if self.due_at().is_some_and(|due| due <= now) {
            self.decide(SwapState::Expired, None, now);
            true
        } else {
            false
        }
    }
}

fn e_message(e: &ChangeError) -> String {
    match e {
        ChangeError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oncall::{Cadence, NonWorkingDay, Roster, RotationSpec, WorkingCalendar};
    use crate::org::{Person, Team, TeamKind};
    use crate::TeamId;
    use jiff::civil::{date, time};

    fn p(s: &str) -> PersonId {
        PersonId::parse(s).unwrap()
    }
    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// platform-sre: marta (lead, not on the list), jonas, dmitri, lucia; a daily rotation
    /// of the last three from Monday 2026-03-02, handed over at 09:00 UTC.
    #[test]
    fn overrides_are_bounded_and_the_lead_ends_one_under_way() {
        let (org, def, r) = world();
        let member = p("dmitri.osei");
        let lead = p("marta.oyelaran");
        let make = |by: &PersonId, end: &str| {
            check_override(&org, &def, &r, &[], "o1".into(), by, cover("lucia.hartmann", NOW, end), ts(NOW))
        };
        // Now to 2099 locked the rotation; a member now gets 14 days, the lead 90.
        assert_eq!(field(make(&member, "2099-01-01T00:00:00Z").unwrap_err()), "end");
        assert!(make(&member, "2026-03-16T00:00:00Z").is_ok(), "14 days");
        assert_eq!(field(make(&member, "2026-03-17T00:00:00Z").unwrap_err()), "end");
        assert!(make(&lead, "2026-05-01T00:00:00Z").is_ok(), "the lead: up to 90 days");
        assert_eq!(field(make(&lead, "2026-06-30T00:00:00Z").unwrap_err()), "end");

        // Under way: the member may not cancel it, the lead ends it now, its past kept.
        let mut o = make(&member, "2026-03-10T00:00:00Z").unwrap();
        let later = ts("2026-03-05T12:00:00Z");
        let refused = o.clone().cancel(&org, &def, &member, later).unwrap_err();
        assert!(matches!(&refused, ChangeError::Conflict(m) if m.contains("lead")), "{refused}");
        o.cancel(&org, &def, &lead, later).unwrap();
        assert_eq!((o.start, o.end), (ts(NOW), later), "it covered until the lead ended it");
        assert!(o.is_active() && o.ended_early.as_ref().is_some_and(|s| s.by == lead));
        let ended = o.cancel(&org, &def, &lead, later).unwrap_err();
        assert!(matches!(&ended, ChangeError::Conflict(m) if m.contains("history")), "{ended}");
    }

    fn world() -> (Org, RotationDef, Rotation) {
        let mut org = Org::default();
        let members = ["jonas.achterberg", "dmitri.osei", "lucia.hartmann"];
        for id in members.iter().chain(&["marta.oyelaran", "noor.castellano"]) {
            let person = Person {
                id: p(id),
                name: id.to_string(),
                email: None,
                timezone: None,
                chat: None,
                leave: Vec::new(),
                contact: Default::default(),
            };
            org.people.insert(p(id), person);
        }
        let team = TeamId::parse("platform-sre").unwrap();
        org.teams.insert(
            team.clone(),
            Team {
                id: team.clone(),
                name: "Platform SRE".into(),
                kind: TeamKind::Sre,
                area: None,
                lead: Some(p("marta.oyelaran")),
                members: members.iter().map(|m| p(m)).collect(),
                chat: None,
                email: None,
            },
        );
        let spec = RotationSpec {
            id: RotationId::parse("platform-sre").unwrap(),
            time_zone: "UTC".into(),
            handoff: time(9, 0, 0, 0),
            cadence: Cadence::Daily,
            calendar: WorkingCalendar::default(),
            non_working: NonWorkingDay::Extend,
            start: date(2026, 3, 2),
            roster: Roster::new(members.iter().map(|m| p(m)).collect()),
            seed: 7,
            overrides: Vec::new(),
            regions: Vec::new(),
        };
        let def = RotationDef {
            spec: spec.clone(),
            name: "Platform SRE".into(),
            team,
            calendars: Vec::new(),
            duties: Vec::new(),
            handover_reminder_after: None,
        };
        (org, def, Rotation::new(spec).unwrap())
    }

    fn cover(covering: &str, start: &str, end: &str) -> NewOverride {
        NewOverride { covering: p(covering), covered: None, start: ts(start), end: ts(end), reason: "sick".into() }
    }

    const NOW: &str = "2026-03-02T10:00:00Z";

    fn field(e: ChangeError) -> &'static str {
        match e {
            ChangeError::Invalid { field, .. } => field,
            other => panic!("not an invalid input: {other:?}"),
        }
    }

    #[test]
    fn an_override_that_overlaps_another_is_refused_naming_it() {
        let (org, def, r) = world();
        let by = p("jonas.achterberg");
        let first = check_override(
            &org,
            &def,
            &r,
            &[],
            "o1".into(),
            &by,
            cover("lucia.hartmann", "2026-03-03T09:00:00Z", "2026-03-03T17:00:00Z"),
            ts(NOW),
        )
        .unwrap();
        let overlapping = cover("dmitri.osei", "2026-03-03T16:00:00Z", "2026-03-03T20:00:00Z");
        let err = check_override(&org, &def, &r, std::slice::from_ref(&first), "o2".into(), &by, overlapping, ts(NOW))
            .unwrap_err();
        assert!(err.to_string().contains("overlaps override o1 (lucia.hartmann"), "{err}");
        let touching = cover("dmitri.osei", "2026-03-03T17:00:00Z", "2026-03-03T20:00:00Z");
        assert!(
            check_override(&org, &def, &r, std::slice::from_ref(&first), "o3".into(), &by, touching, ts(NOW)).is_ok()
        );
        let mut cancelled = first;
        cancelled.cancel(&org, &def, &by, ts(NOW)).unwrap();
        let again = cover("dmitri.osei", "2026-03-03T16:00:00Z", "2026-03-03T20:00:00Z");
        assert!(
            check_override(&org, &def, &r, &[cancelled], "o4".into(), &by, again, ts(NOW)).is_ok(),
            "a cancelled one is no obstacle"
        );
    }

    #[test]
    fn bad_overrides_name_their_field_and_outsiders_are_told_who_may() {
        let (org, def, r) = world();
        let by = p("jonas.achterberg");
        let check = |new: NewOverride, by: &PersonId| check_override(&org, &def, &r, &[], "o".into(), by, new, ts(NOW));
        assert_eq!(
            field(check(cover("noor.castellano", "2026-03-03T09:00:00Z", "2026-03-03T17:00:00Z"), &by).unwrap_err()),
            "covering"
        );
        assert_eq!(
            field(check(cover("dmitri.osei", "2026-03-03T09:00:00Z", "2026-03-03T09:00:00Z"), &by).unwrap_err()),
            "end"
        );
        assert_eq!(
            field(check(cover("dmitri.osei", "2026-03-01T09:00:00Z", "2026-03-02T09:00:00Z"), &by).unwrap_err()),
            "end"
        );
        let mut me = cover("dmitri.osei", "2026-03-03T09:00:00Z", "2026-03-03T17:00:00Z");
        me.covered = Some(p("dmitri.osei"));
        assert_eq!(field(check(me.clone(), &by).unwrap_err()), "covered");
        me.covered = Some(p("jonas.achterberg")); // Tuesday is dmitri's
        assert_eq!(field(check(me, &by).unwrap_err()), "covered");
        let mut blank = cover("dmitri.osei", "2026-03-03T09:00:00Z", "2026-03-03T17:00:00Z");
        blank.reason = "  ".into();
        assert_eq!(field(check(blank, &by).unwrap_err()), "reason");
        let err = check(cover("dmitri.osei", "2026-03-03T09:00:00Z", "2026-03-03T17:00:00Z"), &p("noor.castellano"))
            .unwrap_err();
        assert!(
            matches!(&err, ChangeError::Forbidden(m) if m.contains("only members of team `platform-sre`")),
            "{err}"
        );
        // The lead may, though not on the list; an override that has begun starts now.
        let begun =
            check(cover("dmitri.osei", "2026-03-02T09:00:00Z", "2026-03-02T17:00:00Z"), &p("marta.oyelaran")).unwrap();
        assert_eq!(begun.start, ts(NOW), "the past is not rewritten");
    }

    #[test]
    fn only_a_future_cover_override_can_be_cancelled() {
        let (org, def, r) = world();
        let by = p("dmitri.osei");
        let mut o = check_override(
            &org,
            &def,
            &r,
            &[],
            "o1".into(),
            &by,
            cover("lucia.hartmann", "2026-03-03T09:00:00Z", "2026-03-03T17:00:00Z"),
            ts(NOW),
        )
        .unwrap();
        let started = ts("2026-03-03T09:00:00Z");
        assert!(matches!(o.clone().cancel(&org, &def, &by, started), Err(ChangeError::Conflict(_))));
        assert!(matches!(o.clone().cancel(&org, &def, &p("noor.castellano"), ts(NOW)), Err(ChangeError::Forbidden(_))));
        o.cancel(&org, &def, &by, ts(NOW)).unwrap();
        assert!(matches!(o.cancel(&org, &def, &by, ts(NOW)), Err(ChangeError::Conflict(_))), "twice");
    }

    fn ask(with: &str, mine: &str, theirs: &str) -> NewSwap {
        NewSwap {
            with: p(with),
            my_shift_start: ts(mine),
            their_shift_start: Some(ts(theirs)),
            reason: None,
            leave: None,
        }
    }

    #[test]
    fn a_swap_needs_the_other_persons_consent_and_then_trades_the_shifts() {
        let (org, def, r) = world();
        // Tuesday is dmitri's, Wednesday lucia's.
        let (tue, wed) = ("2026-03-03T09:00:00Z", "2026-03-04T09:00:00Z");
        let (dmitri, lucia) = (p("dmitri.osei"), p("lucia.hartmann"));
        let mut swap =
            Swap::request(&org, &def, &r, &[], &[], "s1".into(), &dmitri, ask("lucia.hartmann", tue, wed), ts(NOW))
                .unwrap();
        assert_eq!(swap.state, SwapState::Requested);
        assert_eq!(swap.due_at(), Some(ts(tue)), "unanswered, it expires when the first shift starts");
        let err = swap.accept(&org, &r, &[], &dmitri, ts(NOW)).unwrap_err();
        assert!(matches!(&err, ChangeError::Forbidden(m) if m.contains("only lucia.hartmann")), "{err}");
        let applied = swap.accept(&org, &r, &[], &lucia, ts(NOW)).unwrap();
        assert_eq!((swap.state, swap.due_at()), (SwapState::Applied, None));
        let layered = r.with_overrides(applied.iter().map(OverrideRecord::as_override)).unwrap();
        assert_eq!(layered.on_call_at(ts("2026-03-03T12:00:00Z")).unwrap().person, lucia);
        assert_eq!(layered.on_call_at(ts("2026-03-04T12:00:00Z")).unwrap().person, dmitri);
        assert!(matches!(swap.decline(&org, &lucia, ts(NOW)), Err(ChangeError::Conflict(_))), "decided already");
        let mut half = applied[0].clone();
        assert!(matches!(half.cancel(&org, &def, &dmitri, ts(NOW)), Err(ChangeError::Conflict(_))));
    }

    #[test]
    fn a_swap_of_a_past_shift_or_of_someone_elses_is_refused_by_field() {
        let (org, def, r) = world();
        let dmitri = p("dmitri.osei");
        let request = |new: NewSwap| Swap::request(&org, &def, &r, &[], &[], "s".into(), &dmitri, new, ts(NOW));
        let past = ask("lucia.hartmann", "2026-03-02T09:00:00Z", "2026-03-04T09:00:00Z");
        assert_eq!(field(request(past).unwrap_err()), "my_shift_start");
        let not_mine = ask("lucia.hartmann", "2026-03-04T09:00:00Z", "2026-03-04T09:00:00Z");
        assert_eq!(field(request(not_mine).unwrap_err()), "my_shift_start");
        let not_theirs = ask("lucia.hartmann", "2026-03-04T09:00:00Z", "2026-03-03T09:00:00Z");
        assert_eq!(field(request(not_theirs).unwrap_err()), "my_shift_start");
        let not_theirs = ask("lucia.hartmann", "2026-03-03T09:00:00Z", "2026-03-03T09:00:00Z");
        let err = request(not_theirs).unwrap_err();
        assert!(err.to_string().contains("held by dmitri.osei (dmitri.osei), not by lucia.hartmann"), "{err}");
        assert_eq!(field(err), "their_shift_start");
        let mid_shift = ask("lucia.hartmann", "2026-03-03T12:00:00Z", "2026-03-04T09:00:00Z");
        assert!(request(mid_shift).unwrap_err().to_string().contains("falls in the shift of dmitri.osei"));
        assert_eq!(
            field(request(ask("noor.castellano", "2026-03-03T09:00:00Z", "2026-03-04T09:00:00Z")).unwrap_err()),
            "with"
        );
        assert_eq!(
            field(request(ask("dmitri.osei", "2026-03-03T09:00:00Z", "2026-03-04T09:00:00Z")).unwrap_err()),
            "with"
        );
    }

    #[test]
    fn an_unanswered_swap_expires_when_its_first_shift_starts() {
        let (org, def, r) = world();
        let ask = ask("lucia.hartmann", "2026-03-03T09:00:00Z", "2026-03-04T09:00:00Z");
        let mut swap = Swap::request(&org, &def, &r, &[], &[], "s1".into(), &p("dmitri.osei"), ask, ts(NOW)).unwrap();
        assert!(!swap.expire(ts("2026-03-03T08:59:59Z")));
        assert!(swap.expire(ts("2026-03-03T09:00:00Z")));
        assert_eq!((swap.state, swap.decided_by.clone()), (SwapState::Expired, None));
        let err = swap.accept(&org, &r, &[], &p("lucia.hartmann"), ts("2026-03-03T09:00:01Z")).unwrap_err();
        assert!(err.to_string().contains("expired"), "{err}");
    }
}
