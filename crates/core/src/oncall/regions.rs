//! Follow-the-sun: a rotation whose day is shared by regional layers, each with its own
//! time zone, local working hours and member list, so a team in Kolkata, Dublin and
//! São Paulo covers 24 hours without anyone on call at night.
//!
//! Each region's part of a day starts at the local start of its hours (`from`) and runs
//! until the next region's start, whichever region and day that is: the regions' starts,
//! sorted, cut time into spans, so there is never a gap or a double, and who is on call at
//! an instant stays one answer (the region whose start last passed). That a span ends
//! within its region's hours (`to`) is checked when the rotation is built, for every day
//! of its first [`CHECKED_DAYS`] — a year and more, so every DST change of every zone is
//! met — and a definition where it would not is refused, naming the region and the date.
//!
//! Within a region, the person is chosen like any rotation's: a daily or weekly turn
//! among its members starting at its `from` time, balanced and reshuffled the same way
//! (an inner [`Rotation`] per region); leave applies per region. Overrides apply to the
//! whole rotation, on top.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::calendar::add_days;
use super::rotation::{NonWorkingDay, Roster, Rotation, RotationError, RotationId, RotationSpec};
use super::schedule::{OnCall, Shift};
use super::shift_change::shift_change_at;
use crate::PersonId;

/// The days after the start checked for spans outside their region's hours.
pub const CHECKED_DAYS: i64 = 400;

/// One region of a follow-the-sun rotation, as defined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionSpec {
    /// A short name (`kolkata`), shown with each shift.
    pub name: String,
    /// IANA time zone name of the region's hours.
    pub time_zone: String,
    /// Local start of the region's hours: its part of each day starts then.
    pub from: Time,
    /// Local end of the region's hours: its part must end by then.
    pub to: Time,
    pub members: Vec<PersonId>,
}

/// A checked region: its zone and the rotation among its members.
#[derive(Debug, Clone)]
pub(crate) struct Region {
    pub name: String,
    pub tz: TimeZone,
    pub from: Time,
    pub to: Time,
    pub inner: Rotation,
}

impl Region {
    fn start_on(&self, d: Date) -> Timestamp {
        shift_change_at(d, self.from, &self.tz)
    }

    /// The region's latest start at or before `t`.
    fn last_start(&self, t: Timestamp) -> Timestamp {
        let mut d = self.tz.to_datetime(t).date();
        while self.start_on(d) > t {
            d = add_days(d, -1);
        }
        self.start_on(d)
    }

    /// The region's first start after `t`.
    fn next_start(&self, t: Timestamp) -> Timestamp {
        let mut d = add_days(self.tz.to_datetime(t).date(), -1);
        while self.start_on(d) <= t {
            d = add_days(d, 1);
        }
        self.start_on(d)
    }
}

/// Checks the regions of `spec` and builds each one's rotation.
pub(crate) fn build(spec: &RotationSpec, errors: &mut Vec<RotationError>) -> Vec<Region> {
    let rotation = &spec.id;
    let mut out: Vec<Region> = Vec::new();
    if spec.regions.is_empty() {
        return out;
    }
    if spec.regions.len() < 2 {
        errors.push(RotationError::Regions {
            rotation: rotation.clone(),
            region: None,
            message: "follow-the-sun needs two regions at least: one region's hours cannot cover the day".into(),
        });
    }
    if matches!(spec.non_working, NonWorkingDay::WeekendLayer(_)) {
        errors.push(RotationError::Regions {
            rotation: rotation.clone(),
            region: None,
            message:
                "a weekend layer does not combine with follow-the-sun regions: each region covers its hours every day"
                    .into(),
        });
    }
    for (i, r) in spec.regions.iter().enumerate() {
        if spec.regions[..i].iter().any(|o| o.name == r.name) {
            errors.push(RotationError::Regions {
                rotation: rotation.clone(),
                region: Some(r.name.clone()),
                message: format!("region `{}` is named twice: name each region once", r.name),
            });
        }
        if r.from >= r.to {
            errors.push(RotationError::Regions {
                rotation: rotation.clone(),
                region: Some(r.name.clone()),
                message: format!(
                    "region `{}`: hours {}–{} end before they start: give the local start, then a later end",
                    r.name,
                    hm(r.from),
                    hm(r.to)
                ),
            });
        }
        let inner_spec = RotationSpec {
            id: rotation.clone(),
            time_zone: r.time_zone.clone(),
            handoff: r.from,
            cadence: spec.cadence,
            calendar: spec.calendar.clone(),
            non_working: NonWorkingDay::Extend,
            start: spec.start,
            roster: Roster::new(r.members.clone()),
            // Each region reshuffles on its own draw.
            seed: spec.seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            overrides: Vec::new(),
            regions: Vec::new(),
        };
        match Rotation::new(inner_spec) {
            Ok(inner) => {
                out.push(Region { name: r.name.clone(), tz: inner.grid.tz.clone(), from: r.from, to: r.to, inner })
            }
            Err(errs) => errors.extend(errs.into_iter().map(|e| in_region(&r.name, e))),
        }
    }
    if errors.is_empty() {
        check_hours(rotation, spec.start, &out, errors);
    }
    out
}

fn hm(t: Time) -> String {
    t.strftime("%H:%M").to_string()
}

/// An inner rotation's error, said of its region.
fn in_region(region: &str, e: RotationError) -> RotationError {
    match e {
        RotationError::UnknownTimeZone { rotation, name } => RotationError::Regions {
            rotation,
            region: Some(region.to_owned()),
            message: format!(
                "region `{region}`: time zone `{name}` is not an IANA time zone name: use a name like Asia/Kolkata"
            ),
        },
        other => other,
    }
}

/// Every region's span ends within its hours, and no two regions start at one instant,
/// on each of the first [`CHECKED_DAYS`] days.
fn check_hours(rotation: &RotationId, start: Date, regions: &[Region], errors: &mut Vec<RotationError>) {
    for day in 0..CHECKED_DAYS {
        let d = add_days(start, day);
        for r in regions {
            let s = r.start_on(d);
            if let Some(other) = regions.iter().find(|o| o.name != r.name && o.last_start(s) == s) {
                errors.push(RotationError::Regions {
                    rotation: rotation.clone(),
                    region: Some(r.name.clone()),
                    message: format!(
                        "regions `{}` and `{}` both start at {s} (on {d}): give them different starts",
                        r.name, other.name
                    ),
                });
                return;
            }
            let end = regions.iter().map(|o| o.next_start(s)).min().expect("two regions at least");
            let limit = shift_change_at(d, r.to, &r.tz);
            if end > limit {
                let next = regions.iter().find(|o| o.next_start(s) == end).expect("the minimum");
                let local_end = end.to_zoned(r.tz.clone());
                errors.push(RotationError::Regions {
                    rotation: rotation.clone(),
                    region: Some(r.name.clone()),
                    message: format!(
                        "region `{}`'s hours end at {}, but on {d} `{}` takes over only at {} {}: widen `{}`'s \
                         hours or start `{}` earlier",
                        r.name,
                        hm(r.to),
                        next.name,
                        local_end.strftime("%Y-%m-%d %H:%M"),
                        r.tz.iana_name().unwrap_or("local time"),
                        r.name,
                        next.name
                    ),
                });
                return;
            }
        }
    }
}

/// The region span containing `t`: the region whose start last passed, and from its start
/// until the next start of any region.
pub(crate) fn span_at(regions: &[Region], t: Timestamp) -> (usize, Timestamp, Timestamp) {
    let (i, start) = regions
        .iter()
        .enumerate()
        .map(|(i, r)| (i, r.last_start(t)))
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .expect("two regions at least");
    let end = regions.iter().map(|r| r.next_start(t)).min().expect("two regions at least");
    (i, start, end)
}

impl Rotation {
    /// The regions' names, in the order defined (none unless follow-the-sun).
    pub fn region_names(&self) -> Vec<&str> {
        self.regions.iter().map(|r| r.name.as_str()).collect()
    }

    /// The first instant every region has begun: nobody is on call before it.
    pub(crate) fn regions_start(&self) -> Timestamp {
        self.regions.iter().map(|r| r.inner.first_shift_change()).max().expect("two regions at least")
    }

    /// The base shift of the region span containing `t` (`t` at or after the start).
    pub(crate) fn region_shift(&self, t: Timestamp) -> Option<(Shift, OnCall)> {
        let (i, start, end) = span_at(&self.regions, t);
        let region = &self.regions[i];
        let start = start.max(self.regions_start());
        let inner = region.inner.on_call_at(start.max(region.inner.first_shift_change()))?;
        let shift = Shift {
            person: inner.person.clone(),
            start,
            end,
            layer: inner.shift.layer,
            reason: inner.shift.reason.clone(),
            region: Some(region.name.clone()),
        };
        Some((shift, inner))
    }
}
