//! Leave: people record time off (or their team's lead does for them); every rotation of
//! their teams reads it. Turns during leave recorded in good time pass to others and are
//! owed back (`baton_core::oncall::leave`); shifts already published when the leave was
//! recorded stay with their holder, and Baton asks the least-loaded free member to cover
//! each one, in the same commit, as a cover request that needs their consent.
//!
//! Records: `oncall-leave` `<person>/<id>`, a [`LeaveRecord`]; cancelled ones are kept.
//! Recording or cancelling leave moves the override guard of every rotation of the
//! person's teams, so cached schedules are rebuilt and a concurrent override or swap on
//! them conflicts instead of being checked against the schedule before the leave.

use super::swaps::swap_write;
use super::{change, StoredOverrides};
use crate::decision::{audit, Subject};
use crate::{random_key, AppError, Baton};
use baton_core::oncall::{
    suggest_cover, FairnessWeights, Leave, LeaveRecord, NewLeave, NewSwap, Rotation, RotationId, Swap,
};
use baton_core::org::RotationDef;
use baton_core::{Org, PersonId, Timestamp};
use baton_store::{from_json, Commit, RecordWrite};
use jiff::tz::TimeZone;
use jiff::SignedDuration;
use serde::Serialize;

pub const LEAVE_KIND: &str = "oncall-leave";

/// A turn the leave passed to someone else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MovedTurn {
    pub rotation: RotationId,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Who holds it now (and is owed a turn back).
    pub to: PersonId,
}

/// A shift during the leave nobody was asked to cover, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UncoveredTurn {
    pub rotation: RotationId,
    pub start: Timestamp,
    pub end: Timestamp,
    pub why: String,
}

/// What recording leave did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaveOutcome {
    pub leave: LeaveRecord,
    /// Turns passed to others, owed back later.
    pub moved: Vec<MovedTurn>,
    /// Shifts already published: the people asked to cover them (each must accept).
    pub cover_requests: Vec<Swap>,
    /// Shifts nobody could be asked to cover; the team's lead can make an override.
    pub uncovered: Vec<UncoveredTurn>,
}

fn leave_write(record: &LeaveRecord, expected_version: i64) -> Result<RecordWrite, AppError> {
    crate::decision::record_write(
        LEAVE_KIND,
        format!("{}/{}", record.person, record.id),
        expected_version,
        record,
        None,
    )
}

/// The leave that bears on rotation `def`: planned in the definitions and recorded, of
/// the members of its team.
pub(crate) fn rotation_leave<'a>(
    org: &Org,
    def: &RotationDef,
    recorded: impl IntoIterator<Item = &'a LeaveRecord>,
) -> Vec<Leave> {
    let rotation_tz = TimeZone::get(&def.spec.time_zone).unwrap_or(TimeZone::UTC);
    let members = org.teams.get(&def.team).map(|t| t.members.as_slice()).unwrap_or_default();
    let mut out = Vec::new();
    for person in members {
        let Some(p) = org.people.get(person) else { continue };
        let tz = p.time_zone().unwrap_or_else(|| rotation_tz.clone());
        out.extend(p.leave.iter().map(|l| l.leave(person, &tz)));
    }
    out.extend(recorded.into_iter().filter(|r| r.applies() && members.contains(&r.person)).map(LeaveRecord::as_leave));
    out
}

impl Baton {
    /// Every leave record, with its version. Every schedule answer reads these, paging
    /// included, so one record that cannot be read (the store edited by hand) must not
    /// stop them all: it is left out and logged as an error naming it, each time.
    pub(crate) async fn stored_leave(&self) -> Result<Vec<(LeaveRecord, i64)>, AppError> {
        let mut out = Vec::new();
        for r in self.store.records(LEAVE_KIND, "").await? {
            match from_json(&format!("{LEAVE_KIND} {}", r.id), &r.body) {
                Ok(record) => out.push((record, r.version)),
                Err(e) => {
                    tracing::error!(kind = LEAVE_KIND, id = r.id, error = %e, "leave record left out: it cannot be read")
                }
            }
        }
        Ok(out)
    }

    /// `rotation` (as defined) with the leave of its team's members applied.
    pub(crate) async fn rotation_with_leave(&self, org: &Org, rotation: &Rotation) -> Result<Rotation, AppError> {
        let stored = self.stored_leave().await?;
        let leave = rotation_leave(org, &org.rotations[rotation.id()], stored.iter().map(|(r, _)| r));
        Ok(if leave.is_empty() { rotation.clone() } else { rotation.with_leave(leave) })
    }

    /// Leave of `person` (every person when `None`), soonest first, cancelled included.
    pub async fn leave(&self, person: Option<&PersonId>) -> Result<Vec<LeaveRecord>, AppError> {
        if let Some(p) = person {
            let org = self.org().await?;
            if !org.people.contains_key(p) {
                return Err(AppError::NotFound(format!("no person `{p}` is defined")));
            }
        }
        let mut out: Vec<LeaveRecord> = self
            .stored_leave()
            .await?
            .into_iter()
            .map(|(r, _)| r)
            .filter(|r| person.is_none_or(|p| &r.person == p))
            .collect();
        out.sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
        Ok(out)
    }

    /// Leave bounds as people write them: RFC 3339 instants, or dates (`from`'s start
    /// and `to`'s end, inclusive, in the person's time zone, UTC without one).
    pub async fn leave_bounds(
        &self,
        person: &PersonId,
        from: &str,
        to: &str,
    ) -> Result<(Timestamp, Timestamp), AppError> {
        let org = self.org().await?;
        let p = org.people.get(person).ok_or_else(|| AppError::NotFound(format!("no person `{person}` is defined")))?;
        let tz = p.time_zone().unwrap_or(TimeZone::UTC);
        let bound = |field: &str, text: &str, inclusive_end: bool| -> Result<Timestamp, AppError> {
            if let Ok(t) = text.parse::<Timestamp>() {
                return Ok(t);
            }
            let invalid = || AppError::Invalid {
                field: field.into(),
                message: format!(
                    "`{text}` is neither a date (2026-12-21) nor an RFC 3339 instant (2026-12-21T00:00:00Z)"
                ),
            };
            let date: jiff::civil::Date = text.parse().map_err(|_| invalid())?;
            let day = if inclusive_end { date.tomorrow().map_err(|_| invalid())? } else { date };
            day.to_zoned(tz.clone()).map(|z| z.timestamp()).map_err(|_| invalid())
        };
        Ok((bound("from", from, false)?, bound("to", to, true)?))
    }

    /// `actor` records leave for `person`: stored with its audit record, the guards of
    /// their rotations moved, and a cover request for each published shift it collides
    /// with, all in one commit.
    pub async fn record_leave(
        &self,
        actor: &PersonId,
        person: &PersonId,
        new: NewLeave,
    ) -> Result<LeaveOutcome, AppError> {
        let (org, rotations) = self.org.get_with_rotations(&*self.store).await?;
        let now = self.now();
        let record =
            LeaveRecord::record(&org, random_key()[..12].to_owned(), actor, person, new, now).map_err(change)?;
        let mut commit = Commit {
            records: vec![leave_write(&record, 0)?],
            audit: vec![audit(actor, "oncall.leave.record", Subject::Person(person), &record)?],
            ..Default::default()
        };
        let mut outcome = LeaveOutcome {
            leave: record.clone(),
            moved: Vec::new(),
            cover_requests: Vec::new(),
            uncovered: Vec::new(),
        };
        let recorded: Vec<LeaveRecord> = self.stored_leave().await?.into_iter().map(|(r, _)| r).collect();
        for (id, def) in org.rotations.iter().filter(|(_, d)| org.is_member(person, &d.team)) {
            let stored = self.stored_overrides(id).await?;
            commit.records.push(stored.guard_write(id)?);
            let mut leave = rotation_leave(&org, def, &recorded);
            let before = stored.layered(&rotations[id].with_leave(leave.clone()))?;
            leave.push(record.as_leave());
            let after = stored.layered(&rotations[id].with_leave(leave))?;
            for s in before.shifts(record.start, record.end).iter().filter(|s| &s.person == person) {
                let now_held = after.on_call_at(s.start).map(|o| o.person);
                if let Some(to) = now_held.filter(|p| p != person) {
                    outcome.moved.push(MovedTurn { rotation: id.clone(), start: s.start, end: s.end, to });
                }
            }
            let pending = self.swaps(id).await?;
            for shift in after.uncovered_leave(record.start, record.end).into_iter().filter(|u| &u.person == person) {
                let uncovered =
                    |why: String| UncoveredTurn { rotation: id.clone(), start: shift.start, end: shift.end, why };
                if shift.start <= now {
                    outcome.uncovered.push(uncovered(
                        "the shift is under way: the team's lead can make an override from now".to_owned(),
                    ));
                    continue;
                }
                match self.ask_cover(&org, def, &after, &stored, &pending, &record, shift.start, now) {
                    Ok(swap) => {
                        commit.records.push(swap_write(&swap, 0)?);
                        let step = self.swap_step(&org, &swap, 0, actor.as_str(), "oncall.swap.request", now).await?;
                        commit.audit.extend(step.audit);
                        commit.notifications.extend(step.notifications);
                        outcome.cover_requests.push(swap);
                    }
                    Err(why) => outcome.uncovered.push(uncovered(why)),
                }
            }
        }
        self.store.commit(&commit, now).await?;
        Ok(outcome)
    }

    /// A cover request for the shift of `rotation` starting at `start`, made on behalf of
    /// the person on leave, asking the member [`suggest_cover`] names; or why none can be.
    #[allow(clippy::too_many_arguments)]
    fn ask_cover(
        &self,
        org: &Org,
        def: &RotationDef,
        rotation: &Rotation,
        stored: &StoredOverrides,
        pending: &[Swap],
        record: &LeaveRecord,
        start: Timestamp,
        now: Timestamp,
    ) -> Result<Swap, String> {
        let shift = rotation.on_call_at(start).map(|o| o.shift).ok_or("no shift starts then")?;
        let second = SignedDuration::from_secs(1);
        let before = start.checked_sub(second).ok().and_then(|t| rotation.on_call_at(t)).map(|o| o.person);
        let after = rotation.on_call_at(shift.end).map(|o| o.person);
        let neighbours: Vec<&PersonId> = before.iter().chain(after.iter()).collect();
        let year_ago = now.checked_sub(SignedDuration::from_hours(24 * 365)).unwrap_or(now);
        let ledger = rotation.fairness(year_ago, now, &FairnessWeights::default());
        let members = rotation.cover_candidates(&shift);
        let Some(with) = suggest_cover(&shift, &members, rotation.leave(), &neighbours, &ledger) else {
            return Err("every other member is away or holds the shift before or after it: \
                        the team's lead can make an override"
                .to_owned());
        };
        let new = NewSwap {
            with,
            my_shift_start: start,
            their_shift_start: None,
            reason: Some(format!("on leave: {}", record.reason)),
            leave: Some(record.id.clone()),
        };
        let id = random_key()[..12].to_owned();
        Swap::request(org, def, rotation, &stored.active(), pending, id, &record.person, new, now)
            .map_err(|e| format!("no cover request could be made: {e}"))
    }

    /// `actor` cancels leave (before it starts; under way, it ends now). Cover requests
    /// still waiting for an answer are withdrawn with it.
    pub async fn cancel_leave(&self, actor: &PersonId, person: &PersonId, id: &str) -> Result<LeaveRecord, AppError> {
        let org = self.org().await?;
        let stored = self.stored_leave().await?;
        let Some((mut record, version)) = stored.into_iter().find(|(r, _)| &r.person == person && r.id == id) else {
            return Err(AppError::NotFound(format!("{person} has no leave `{id}`")));
        };
        let now = self.now();
        record.cancel(&org, actor, now).map_err(change)?;
        let mut commit = Commit {
            records: vec![leave_write(&record, version)?],
            audit: vec![audit(actor, "oncall.leave.cancel", Subject::Person(person), &record)?],
            ..Default::default()
        };
        for (rotation, _) in org.rotations.iter().filter(|(_, d)| org.is_member(person, &d.team)) {
            commit.records.push(self.stored_overrides(rotation).await?.guard_write(rotation)?);
            for (mut swap, version) in self.stored_swaps(rotation).await? {
                if swap.leave.as_deref() == Some(id) && swap.withdraw_with_leave(actor, now) {
                    let step = self.swap_step(&org, &swap, version, actor.as_str(), "oncall.swap.cancel", now).await?;
                    commit.records.extend(step.records);
                    commit.audit.extend(step.audit);
                    commit.notifications.extend(step.notifications);
                }
            }
        }
        self.store.commit(&commit, now).await?;
        Ok(record)
    }
}
