//! On-call reads: who is on call for a rotation now or at any instant, who is next, the
//! schedule over a range, and who holds the pager for a service. The arithmetic is
//! `baton_core::oncall`'s; the checked [`Rotation`]s are built once per definitions
//! revision, together with the org (see `org_cache`), and every answer layers the
//! rotation's stored overrides and swaps on them (see `oncall_changes`).

pub(crate) mod changes;
pub(crate) mod log;
pub(crate) mod shift_note;

use crate::{AppError, Baton};
use baton_core::oncall::{describe_turn, Cadence, Layer, NonWorkingDay, Reason, Rotation, RotationId, Shift, Why};
use baton_core::org::RotationDef;
use baton_core::{Org, PersonId, ServiceId, TeamId, Timestamp};
use jiff::civil::Date;
use jiff::SignedDuration;
use serde::Serialize;

/// The longest range a schedule may cover.
pub const MAX_SCHEDULE_DAYS: i64 = 366;

/// How far ahead of now Baton answers schedule questions. Each cycle's order depends on
/// every cycle before it (the balanced reshuffle), so an instant centuries ahead would
/// cost a walk of every cycle until it, and hold the rotation's orders while it runs.
pub const MAX_YEARS_AHEAD: i64 = 10;

/// A person as the on-call answers name them: enough to reach them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnCallPerson {
    pub id: PersonId,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub chat: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub timezone: Option<String>,
}

/// A holiday of one of the rotation's calendars.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HolidayView {
    pub date: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub name: Option<String>,
    pub calendar: String,
}

/// Who is on call for a rotation at an instant, the stretch they hold, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnCallView {
    pub rotation: RotationId,
    pub rotation_name: String,
    pub team: TeamId,
    pub at: Timestamp,
    pub person: OnCallPerson,
    /// The stretch of time (after overrides) this person holds, containing `at`.
    pub start: Timestamp,
    pub end: Timestamp,
    pub layer: Layer,
    /// The follow-the-sun region whose hours these are, if the rotation has regions.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub region: Option<String>,
    /// The rule that put them there: `turn`, `extended` (a non-working day covered by the
    /// last working day's shift), `weekend-layer`, `override`, `covers-leave` or `repays`.
    pub why: Why,
    /// The same, in a sentence.
    pub because: String,
    /// The holiday `at` falls on, in the rotation's time zone, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub holiday: Option<HolidayView>,
}

/// One shift of a schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShiftView {
    pub person: OnCallPerson,
    pub start: Timestamp,
    pub end: Timestamp,
    pub layer: Layer,
    pub reason: Reason,
    /// The follow-the-sun region whose hours these are, if the rotation has regions.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub region: Option<String>,
}

/// A rotation as defined, with who is on call now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotationView {
    pub id: RotationId,
    pub name: String,
    pub team: TeamId,
    pub time_zone: String,
    /// Local shift change time, `HH:MM`.
    pub handoff: String,
    /// `daily`, `weekly` or `every <period>`.
    pub cadence: String,
    /// `extend` or `weekend-layer`.
    pub non_working_day: String,
    pub start: Date,
    pub first_shift_change: Timestamp,
    pub members: Vec<PersonId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weekend_members: Vec<PersonId>,
    /// Ids of the holiday calendars it follows.
    pub calendars: Vec<String>,
    /// Follow-the-sun: each region's part of the day, `kolkata 08:00–17:00 Asia/Kolkata`;
    /// empty for a rotation without regions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    pub duties: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub handover_reminder_after: Option<baton_core::Period>,
    /// Who is on call now; none before the first shift change.
    pub on_call: Option<OnCallPerson>,
}

/// Who holds the pager for a service: its assigned SRE team's rotations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceOnCall {
    pub service: ServiceId,
    /// None until an SRE team is assigned.
    pub sre_team: Option<TeamId>,
    pub at: Timestamp,
    pub on_call: Vec<OnCallView>,
}

fn person(org: &Org, id: &PersonId) -> OnCallPerson {
    match org.people.get(id) {
        Some(p) => OnCallPerson {
            id: id.clone(),
            name: p.name.clone(),
            email: p.email.clone(),
            chat: p.chat.clone(),
            timezone: p.timezone.clone(),
        },
        None => OnCallPerson { id: id.clone(), name: id.to_string(), email: None, chat: None, timezone: None },
    }
}

fn cadence_text(c: &Cadence) -> String {
    match c {
        Cadence::Daily => "daily".into(),
        Cadence::Weekly => "weekly".into(),
        Cadence::Every(p) => format!("every {p}"),
    }
}

fn holiday_at(def: &RotationDef, rotation: &Rotation, at: Timestamp) -> Option<HolidayView> {
    let date = at.to_zoned(rotation.time_zone().clone()).date();
    def.holiday_on(date).map(|(cal, h)| HolidayView { date, name: h.name.clone(), calendar: cal.id.clone() })
}

/// The sentence for `why`.
fn because(org: &Org, why: &Why, holiday: Option<&HolidayView>) -> String {
    let turn = |era: u64, cycle: u64, position: u64| {
        let order = if cycle == 0 { "the list as written" } else { "balanced on the load so far" };
        format!("{} ({order})", describe_turn(era, cycle, position))
    };
    let name = |p: &PersonId| org.people.get(p).map_or(p.to_string(), |p| p.name.clone());
    match why {
        Why::Turn { era, cycle, position } => format!("their {}", turn(*era, *cycle, *position)),
        Why::Extended { from, era, cycle, position } => {
            let day = match holiday {
                Some(h) => format!("the holiday {}", h.name.clone().unwrap_or_else(|| h.date.to_string())),
                None => "a non-working day".into(),
            };
            format!(
                "{day}: the shift of {} {from} ({}) extends until the next working day's shift change",
                from.strftime("%A"),
                turn(*era, *cycle, *position)
            )
        }
        Why::WeekendLayer { era, cycle, position } => {
            format!("the weekend layer covers the non-working days: {}", turn(*era, *cycle, *position))
        }
        Why::Override { covered, kind } => format!("covers {} ({kind:?})", name(covered)).to_lowercase(),
        Why::CoversLeave { away, era, cycle, position } => {
            format!("{} is on leave: their {} passed on, and is owed back", name(away), turn(*era, *cycle, *position))
        }
        Why::Repays { owed_to, era, cycle, position } => format!(
            "repays {} the turn they took during leave: {}'s {}",
            name(owed_to),
            name(owed_to),
            turn(*era, *cycle, *position)
        ),
    }
}

impl Baton {
    fn oncall_view(org: &Org, rotation: &Rotation, at: Timestamp) -> Result<OnCallView, AppError> {
        let id = rotation.id();
        let def = &org.rotations[id];
        let now = rotation.on_call_at(at).ok_or_else(|| {
            AppError::NotFound(format!(
                "nobody is on call for rotation `{id}` at {at}: its first shift change is at {}",
                rotation.first_shift_change()
            ))
        })?;
        let holiday = holiday_at(def, rotation, at);
        Ok(OnCallView {
            rotation: id.clone(),
            rotation_name: def.name.clone(),
            team: def.team.clone(),
            at,
            person: person(org, &now.person),
            start: now.shift.start,
            end: now.shift.end,
            layer: now.shift.layer,
            because: match &now.shift.region {
                Some(region) => format!("{region}'s hours: {}", because(org, &now.why, holiday.as_ref())),
                None => because(org, &now.why, holiday.as_ref()),
            },
            region: now.shift.region.clone(),
            why: now.why,
            holiday,
        })
    }

    /// Every rotation, in id order, with who is on call now.
    pub async fn rotations(&self) -> Result<Vec<RotationView>, AppError> {
        let (org, rotations) = self.effective_rotations().await?;
        let now = self.now();
        let mut out = Vec::new();
        for (id, rotation) in rotations.iter() {
            let def = &org.rotations[id];
            let spec = rotation.spec();
            let (non_working_day, weekend_members) = match &spec.non_working {
                NonWorkingDay::Extend => ("extend", Vec::new()),
                NonWorkingDay::WeekendLayer(r) => ("weekend-layer", r.members.clone()),
            };
            out.push(RotationView {
                id: id.clone(),
                name: def.name.clone(),
                team: def.team.clone(),
                time_zone: spec.time_zone.clone(),
                handoff: spec.handoff.strftime("%H:%M").to_string(),
                cadence: cadence_text(&spec.cadence),
                non_working_day: non_working_day.into(),
                start: spec.start,
                first_shift_change: rotation.first_shift_change(),
                members: spec.roster.members.clone(),
                weekend_members,
                calendars: def.calendars.iter().map(|c| c.id.clone()).collect(),
                regions: spec
                    .regions
                    .iter()
                    .map(|r| {
                        format!("{} {}–{} {}", r.name, r.from.strftime("%H:%M"), r.to.strftime("%H:%M"), r.time_zone)
                    })
                    .collect(),
                duties: def.duties.clone(),
                handover_reminder_after: def.handover_reminder_after,
                on_call: rotation.on_call_at(now).map(|o| person(&org, &o.person)),
            });
        }
        Ok(out)
    }

    /// Who is on call for `rotation` at `at` (now by default), and why.
    pub async fn who(&self, rotation: &RotationId, at: Option<Timestamp>) -> Result<OnCallView, AppError> {
        self.within_horizon("at", at)?;
        let (org, r) = self.effective_rotation(rotation).await?;
        Self::oncall_view(&org, &r, at.unwrap_or_else(|| self.now()))
    }

    /// The next shift after the one holding `at` (now by default): who takes over, when, why.
    pub async fn next(&self, rotation: &RotationId, at: Option<Timestamp>) -> Result<OnCallView, AppError> {
        self.within_horizon("at", at)?;
        let (org, r) = self.effective_rotation(rotation).await?;
        let r = &r;
        let at = at.unwrap_or_else(|| self.now());
        let shift =
            r.next(at).ok_or_else(|| AppError::NotFound(format!("rotation `{rotation}` has no shift after {at}")))?;
        Self::oncall_view(&org, r, shift.start)
    }

    /// Every shift of `rotation` overlapping `[from, to)`, at most [`MAX_SCHEDULE_DAYS`] long.
    pub async fn schedule(
        &self,
        rotation: &RotationId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ShiftView>, AppError> {
        if to <= from {
            return Err(AppError::Invalid { field: "to".into(), message: format!("{to} is not after from ({from})") });
        }
        self.within_horizon("to", Some(to))?;
        if to.duration_since(from) > SignedDuration::from_hours(24 * MAX_SCHEDULE_DAYS) {
            return Err(AppError::Invalid {
                field: "to".into(),
                message: format!("a schedule covers at most {MAX_SCHEDULE_DAYS} days; {from} to {to} is longer"),
            });
        }
        let (org, r) = self.effective_rotation(rotation).await?;
        Ok(r.shifts(from, to).into_iter().map(|s: Shift| shift_view(&org, s)).collect())
    }

    /// The schedule as the API and CLI ask for it: `from` and `to` as RFC 3339 instants or
    /// dates (see [`Baton::rotation_instant`]); `from` today in the rotation's time zone by
    /// default, `to` `days` (7 by default) after `from`.
    pub async fn schedule_query(
        &self,
        rotation: &RotationId,
        from: Option<&str>,
        to: Option<&str>,
        days: Option<i64>,
    ) -> Result<Vec<ShiftView>, AppError> {
        let from = match from {
            Some(f) => self.rotation_instant(rotation, "from", f).await?,
            None => self.rotation_today(rotation).await?,
        };
        let to = match (to, days) {
            (Some(t), _) => self.rotation_instant(rotation, "to", t).await?,
            (None, Some(d)) if !(1..=MAX_SCHEDULE_DAYS).contains(&d) => {
                return Err(AppError::Invalid {
                    field: "days".into(),
                    message: format!("{d} is not from 1 to {MAX_SCHEDULE_DAYS}"),
                })
            }
            (None, d) => from
                .checked_add(SignedDuration::from_hours(24 * d.unwrap_or(7)))
                .map_err(|e| AppError::Invalid { field: "from".into(), message: e.to_string() })?,
        };
        self.schedule(rotation, from, to).await
    }

    /// `text` as an instant for `rotation`: RFC 3339, or a date meaning its first instant
    /// in the rotation's time zone. `field` names the input in the error.
    pub async fn rotation_instant(
        &self,
        rotation: &RotationId,
        field: &str,
        text: &str,
    ) -> Result<Timestamp, AppError> {
        if let Ok(t) = text.parse::<Timestamp>() {
            return Ok(t);
        }
        let (_, rotations) = self.defined_rotation(rotation).await?;
        let invalid = || AppError::Invalid {
            field: field.into(),
            message: format!("`{text}` is neither an RFC 3339 instant (2026-03-02T09:00:00Z) nor a date (2026-03-02)"),
        };
        let date: Date = text.parse().map_err(|_| invalid())?;
        date.to_zoned(rotations[rotation].time_zone().clone()).map(|z| z.timestamp()).map_err(|_| invalid())
    }

    /// Refuses an instant more than [`MAX_YEARS_AHEAD`] years from now, naming `field`.
    pub(crate) fn within_horizon(&self, field: &str, at: Option<Timestamp>) -> Result<(), AppError> {
        let limit = self.now().saturating_add(SignedDuration::from_hours(24 * 366 * MAX_YEARS_AHEAD));
        match at {
            Some(t) if limit.is_ok_and(|l| t > l) => Err(AppError::Invalid {
                field: field.into(),
                message: format!("{t} is too far ahead: Baton answers up to {MAX_YEARS_AHEAD} years from now"),
            }),
            _ => Ok(()),
        }
    }

    /// `text` as the moment to ask "who is on call" about: an RFC 3339 instant, or a date
    /// meaning the rotation's shift change that day (so `2026-12-12` asks about the shift
    /// of that day, not the night before it). `field` names the input in the error.
    pub async fn rotation_moment(&self, rotation: &RotationId, field: &str, text: &str) -> Result<Timestamp, AppError> {
        if let Ok(t) = text.parse::<Timestamp>() {
            return Ok(t);
        }
        let (_, rotations) = self.defined_rotation(rotation).await?;
        let date: Date = text.parse().map_err(|_| AppError::Invalid {
            field: field.into(),
            message: format!(
                "`{text}` is neither an RFC 3339 instant (2026-03-02T09:00:00Z) nor a date (2026-03-02, meaning that day's shift change)"
            ),
        })?;
        let r = &rotations[rotation];
        Ok(baton_core::oncall::shift_change(date, r.spec().handoff, r.time_zone()).at)
    }

    /// The rotation's time zone: the CLI shows the rotation's times in it unless told
    /// otherwise (`--tz`).
    pub async fn rotation_time_zone(&self, rotation: &RotationId) -> Result<jiff::tz::TimeZone, AppError> {
        let (_, rotations) = self.defined_rotation(rotation).await?;
        Ok(rotations[rotation].time_zone().clone())
    }

    /// The start of today in the rotation's time zone.
    pub async fn rotation_today(&self, rotation: &RotationId) -> Result<Timestamp, AppError> {
        let (_, rotations) = self.defined_rotation(rotation).await?;
        let tz = rotations[rotation].time_zone().clone();
        let today = self.now().to_zoned(tz.clone()).date();
        today
            .to_zoned(tz)
            .map(|z| z.timestamp())
            .map_err(|e| AppError::Invalid { field: "from".into(), message: e.to_string() })
    }

    /// Who is on call for `service` at `at` (now by default): one answer per rotation of its
    /// assigned SRE team, none before an SRE team is assigned.
    pub async fn oncall_for_service(
        &self,
        service: &ServiceId,
        at: Option<Timestamp>,
    ) -> Result<ServiceOnCall, AppError> {
        let (org, rotations) = self.effective_rotations().await?;
        crate::service_def(&org, service)?;
        let record = self.store.service_record(service).await?;
        let sre_team = record.and_then(|r| r.value.sre_team().cloned());
        let at = at.unwrap_or_else(|| self.now());
        let mut on_call = Vec::new();
        if let Some(team) = &sre_team {
            for (id, r) in rotations.iter() {
                if &org.rotations[id].team == team {
                    if let Ok(view) = Self::oncall_view(&org, r, at) {
                        on_call.push(view);
                    }
                }
            }
        }
        Ok(ServiceOnCall { service: service.clone(), sre_team, at, on_call })
    }
}

fn shift_view(org: &Org, s: Shift) -> ShiftView {
    ShiftView {
        person: person(org, &s.person),
        start: s.start,
        end: s.end,
        layer: s.layer,
        reason: s.reason,
        region: s.region,
    }
}
