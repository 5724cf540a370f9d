//! A rotation as `rotations/` defines it ([`RotationSpec`]) and checked ([`Rotation`]):
//! the time zone is resolved, every member list is non-empty and has no one twice,
//! membership changes are in order, overrides do not overlap.

use crate::id::IdError;
use crate::{Period, PersonId, TeamId};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

use super::calendar::WorkingCalendar;
use super::leave::LeavePlan;
use super::overrides::{validate_overrides, Override, OverrideError};
use super::regions::{self, Region, RegionSpec};
use super::schedule::{Grid, Layer, Orders};
use std::sync::Arc;

/// A rotation's id: the same rule as every other id (lowercase slug, 1 to 63 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RotationId(String);

impl RotationId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        // Same slug rule as the ids of `crate::id`.
        TeamId::parse(s).map(|_| Self(s.to_owned())).map_err(|_| IdError { kind: "rotation", value: s.to_owned() })
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl fmt::Display for RotationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::str::FromStr for RotationId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Self::parse(s)
    }
}
impl TryFrom<String> for RotationId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}
impl From<RotationId> for String {
    fn from(id: RotationId) -> String {
        id.0
    }
}

/// How often the on-call engineer changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cadence {
    /// Every working day of the calendar, at the shift change time. Non-working days follow
    /// the rotation's [`NonWorkingDay`] policy; a day off uses up nobody's turn.
    Daily,
    /// Every seven days at the shift change time, on the weekday of the start date.
    Weekly,
    /// Shifts of any length. Whole days hand off at the local shift change time (so a `2d`
    /// shift stays at 09:00 across DST); other lengths are exact durations from the first
    /// shift change. The calendar only weights these shifts, it does not move them.
    Every(Period),
}

/// Who is on call on a non-working day of a daily rotation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NonWorkingDay {
    /// The last working day's shift runs until the next working day's shift change.
    #[default]
    Extend,
    /// A second list covers each run of consecutive non-working days (a weekend, or a
    /// weekend with its bank holiday) as one shift, rotating and reshuffled like the main one.
    WeekendLayer(Roster),
}

/// An ordered member list and the changes to it, each effective from a stated instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub members: Vec<PersonId>,
    #[serde(default)]
    pub changes: Vec<MembershipChange>,
}

impl Roster {
    pub fn new(members: Vec<PersonId>) -> Self {
        Roster { members, changes: Vec::new() }
    }
}

/// From the first shift change at or after `effective`, the list is `members`, in this order
/// (cycle 0 as written, shuffled after). Shifts already started are not rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipChange {
    pub effective: Timestamp,
    pub members: Vec<PersonId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationSpec {
    pub id: RotationId,
    /// IANA time zone name of the shift change time and the calendar.
    pub time_zone: String,
    /// Local time of day of the shift change.
    pub handoff: Time,
    pub cadence: Cadence,
    #[serde(default)]
    pub calendar: WorkingCalendar,
    #[serde(default)]
    pub non_working: NonWorkingDay,
    /// The first shift is this date's shift change (for daily rotations: the first working
    /// day on or after it).
    pub start: Date,
    pub roster: Roster,
    /// Seed of the reshuffles: the schedule is a function of the spec, so it can be previewed.
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub overrides: Vec<Override>,
    /// Follow-the-sun: regional layers sharing each day (see `regions`); empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<RegionSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RotationError {
    #[error("rotation {rotation}: time zone `{name}` is not an IANA time zone name: use a name like Europe/Dublin or America/Sao_Paulo")]
    UnknownTimeZone { rotation: RotationId, name: String },
    #[error("rotation {rotation}: the {layer} member list {when} is empty: name at least one person")]
    EmptyMembers { rotation: RotationId, layer: &'static str, when: String },
    #[error("rotation {rotation}: {person} is on the {layer} member list {when} twice: name each person once")]
    DuplicateMember { rotation: RotationId, layer: &'static str, when: String, person: PersonId },
    #[error("rotation {rotation}: the {layer} membership changes are not in time order ({later} comes after {earlier}): list them oldest first")]
    ChangesOutOfOrder { rotation: RotationId, layer: &'static str, earlier: Timestamp, later: Timestamp },
    #[error("rotation {rotation}: the calendar has no working day within ten years of {start}: add working weekdays or remove holidays")]
    NoWorkingDay { rotation: RotationId, start: Date },
    #[error("rotation {rotation}: a weekend layer only applies to the daily cadence: remove it or use `daily`")]
    WeekendLayerNeedsDaily { rotation: RotationId },
    #[error("rotation {rotation}: {source}")]
    Override { rotation: RotationId, source: OverrideError },
    #[error("rotation {rotation}: {message}")]
    /// About the follow-the-sun regions; `region` names the one at fault, if one is.
    Regions { rotation: RotationId, region: Option<String>, message: String },
}

/// Layer salts for the shuffle, so the weekend list shuffles independently of the main one.
pub(crate) const PRIMARY_SALT: u64 = 1;
pub(crate) const WEEKEND_SALT: u64 = 2;

/// One stretch of a roster: from global slot `first_slot` of its layer (the first one
/// starting at or after `from`), these members.
#[derive(Debug, Clone)]
pub(crate) struct Era {
    pub first_slot: i64,
    pub from: Timestamp,
    pub members: Vec<PersonId>,
}

#[derive(Debug, Clone)]
pub(crate) struct LayerRoster {
    pub layer: Layer,
    pub salt: u64,
    pub eras: Vec<Era>,
}

/// A checked rotation, ready to answer schedule questions.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub(crate) spec: RotationSpec,
    pub(crate) grid: Grid,
    pub(crate) primary: LayerRoster,
    pub(crate) weekend: Option<LayerRoster>,
    /// Sorted by start, non-overlapping.
    pub(crate) overrides: Vec<Override>,
    /// The balanced reshuffle's orders computed so far (see `schedule::Orders`).
    pub(crate) orders: Orders,
    /// Leave and the turns it moved (see `leave`).
    pub(crate) leave: Arc<LeavePlan>,
    /// Follow-the-sun regions, each with its own rotation; empty otherwise.
    pub(crate) regions: Vec<Region>,
}

impl Rotation {
    /// Checks `spec`, reporting every problem found.
    pub fn new(spec: RotationSpec) -> Result<Self, Vec<RotationError>> {
        let rotation = spec.id.clone();
        let mut errors = Vec::new();
        let tz = match TimeZone::get(&spec.time_zone) {
            Ok(tz) => Some(tz),
            Err(_) => {
                errors
                    .push(RotationError::UnknownTimeZone { rotation: rotation.clone(), name: spec.time_zone.clone() });
                None
            }
        };
        check_roster(&rotation, "main", &spec.roster, &mut errors);
        if let NonWorkingDay::WeekendLayer(weekend) = &spec.non_working {
            check_roster(&rotation, "weekend", weekend, &mut errors);
            if spec.cadence != Cadence::Daily {
                errors.push(RotationError::WeekendLayerNeedsDaily { rotation: rotation.clone() });
            }
        }
        if spec.cadence == Cadence::Daily && spec.calendar.working_day_on_or_after(spec.start).is_none() {
            errors.push(RotationError::NoWorkingDay { rotation: rotation.clone(), start: spec.start });
        }
        let overrides = match validate_overrides(&spec.overrides) {
            Ok(sorted) => sorted,
            Err(errs) => {
                errors.extend(
                    errs.into_iter().map(|source| RotationError::Override { rotation: rotation.clone(), source }),
                );
                Vec::new()
            }
        };
        let regions = regions::build(&spec, &mut errors);
        let Some(tz) = tz.filter(|_| errors.is_empty()) else {
            return Err(errors);
        };
        let grid = Grid::new(&spec, tz);
        let primary = layer_roster(&grid, Layer::Primary, PRIMARY_SALT, &spec.roster);
        let weekend = match &spec.non_working {
            NonWorkingDay::WeekendLayer(r) => Some(layer_roster(&grid, Layer::Weekend, WEEKEND_SALT, r)),
            NonWorkingDay::Extend => None,
        };
        Ok(Rotation {
            spec,
            grid,
            primary,
            weekend,
            overrides,
            orders: Orders::default(),
            leave: Arc::default(),
            regions,
        })
    }

    pub fn spec(&self) -> &RotationSpec {
        &self.spec
    }
    pub fn id(&self) -> &RotationId {
        &self.spec.id
    }
    pub fn time_zone(&self) -> &TimeZone {
        &self.grid.tz
    }
    pub fn calendar(&self) -> &WorkingCalendar {
        &self.spec.calendar
    }
    /// Overrides, sorted by start.
    pub fn overrides(&self) -> &[Override] {
        &self.overrides
    }
}

fn check_roster(rotation: &RotationId, layer: &'static str, roster: &Roster, errors: &mut Vec<RotationError>) {
    let lists = std::iter::once(("at the start".to_owned(), &roster.members))
        .chain(roster.changes.iter().map(|c| (format!("from {}", c.effective), &c.members)));
    for (when, members) in lists {
        if members.is_empty() {
            errors.push(RotationError::EmptyMembers { rotation: rotation.clone(), layer, when: when.clone() });
        }
        let mut seen = BTreeSet::new();
        for person in members {
            if !seen.insert(person) {
                errors.push(RotationError::DuplicateMember {
                    rotation: rotation.clone(),
                    layer,
                    when: when.clone(),
                    person: person.clone(),
                });
            }
        }
    }
    for pair in roster.changes.windows(2) {
        if pair[1].effective <= pair[0].effective {
            errors.push(RotationError::ChangesOutOfOrder {
                rotation: rotation.clone(),
                layer,
                earlier: pair[0].effective,
                later: pair[1].effective,
            });
        }
    }
}

fn layer_roster(grid: &Grid, layer: Layer, salt: u64, roster: &Roster) -> LayerRoster {
    let mut eras = vec![Era { first_slot: 0, from: Timestamp::MIN, members: roster.members.clone() }];
    for change in &roster.changes {
        let first_slot = grid.first_slot_at_or_after(layer, change.effective);
        // Two changes landing on the same shift change: the later one wins.
        while eras.last().is_some_and(|e| e.first_slot >= first_slot) && eras.len() > 1 {
            eras.pop();
        }
        if first_slot <= 0 {
            eras.clear();
            eras.push(Era { first_slot: 0, from: Timestamp::MIN, members: change.members.clone() });
        } else {
            eras.push(Era { first_slot, from: change.effective, members: change.members.clone() });
        }
    }
    LayerRoster { layer, salt, eras }
}
