//! The fairness ledger: per person, the shifts actually worked (overrides included, so the
//! person covering gets the time and the person covered does not) and their hours, weighted
//! by the kind of local day each hour falls on.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::calendar::{add_days, WorkingCalendar};
use super::rotation::Rotation;
use super::schedule::{Layer, Reason, Shift};
use crate::PersonId;

/// Weight of an hour by its local day: a holiday counts as a holiday even on a weekend.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FairnessWeights {
    pub working: f64,
    pub weekend: f64,
    pub holiday: f64,
}

impl Default for FairnessWeights {
    fn default() -> Self {
        FairnessWeights { working: 1.0, weekend: 1.5, holiday: 2.0 }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// Shifts starting in the window, of any layer.
    pub shifts: u32,
    /// Of those, the person's own turns on the main list (working-day shifts of a daily rotation).
    pub turns: u32,
    /// Of those, weekend-layer turns.
    pub weekend_turns: u32,
    /// Of those, overrides and swaps worked.
    pub overrides: u32,
    /// On-call time within the window, in seconds.
    pub seconds: i64,
    /// Hours within the window, each multiplied by its day's weight.
    pub weighted_hours: f64,
    /// Of the hours, those on weekends and other non-working days that are not holidays.
    #[serde(default)]
    pub weekend_hours: f64,
    /// Of the hours, those on holidays of the rotation's calendars (whatever the weekday).
    #[serde(default)]
    pub holiday_hours: f64,
    /// Of the shifts, turns moved by leave: taken for someone away, or worked to repay one.
    #[serde(default)]
    pub leave_turns: u32,
    /// Turns this person owes others for leave (negative: turns others owe them), from the
    /// shifts starting in the window.
    #[serde(default)]
    pub turns_owed: i32,
}

impl Tally {
    pub fn hours(&self) -> f64 {
        self.seconds as f64 / 3600.0
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    pub people: BTreeMap<PersonId, Tally>,
}

/// The ledger of `shifts` over `[from, to)`: time is clipped to the window, a shift is
/// counted in the window its start falls in (so adjacent windows add up).
pub fn ledger(
    shifts: &[Shift],
    calendar: &WorkingCalendar,
    tz: &TimeZone,
    weights: &FairnessWeights,
    from: Timestamp,
    to: Timestamp,
) -> Ledger {
    let mut people: BTreeMap<PersonId, Tally> = BTreeMap::new();
    for shift in shifts {
        let (s, e) = (shift.start.max(from), shift.end.min(to));
        let starts_inside = from <= shift.start && shift.start < to;
        if s >= e && !starts_inside {
            continue;
        }
        let tally = people.entry(shift.person.clone()).or_default();
        if starts_inside {
            tally.shifts += 1;
            match (&shift.reason, shift.layer) {
                (Reason::Override { .. }, _) | (_, Layer::Override) => tally.overrides += 1,
                (_, Layer::Weekend) => tally.weekend_turns += 1,
                _ => tally.turns += 1,
            }
            // Turns moved by leave: the one away owes a turn, the one covering is owed it,
            // until the repayment (zero-sum over the rotation).
            // Either way the holder's balance goes down one and the other's up one.
            let other = match &shift.reason {
                Reason::CoversLeave { away, .. } => Some(away),
                Reason::Repays { owed_to, .. } => Some(owed_to),
                _ => None,
            };
            if let Some(other) = other {
                tally.leave_turns += 1;
                tally.turns_owed -= 1;
                people.entry(other.clone()).or_default().turns_owed += 1;
            }
        }
        let tally = people.get_mut(&shift.person).expect("entered above");
        if s < e {
            tally.seconds += e.duration_since(s).as_secs();
            let hours = hours_by_day(s, e, calendar, tz);
            tally.weighted_hours +=
                hours.working * weights.working + hours.weekend * weights.weekend + hours.holiday * weights.holiday;
            tally.weekend_hours += hours.weekend;
            tally.holiday_hours += hours.holiday;
        }
    }
    Ledger { people }
}

/// Hours of one stretch of time, by the kind of local day they fall on.
#[derive(Debug, Default)]
struct DayHours {
    working: f64,
    weekend: f64,
    holiday: f64,
}

/// Hours of `[s, e)` split at local midnights, each part counted by its date.
fn hours_by_day(s: Timestamp, e: Timestamp, cal: &WorkingCalendar, tz: &TimeZone) -> DayHours {
    let mut total = DayHours::default();
    let mut cursor = s;
    let mut day = tz.to_datetime(s).date();
    while cursor < e {
        let next_day = add_days(day, 1);
        let midnight = midnight(next_day, tz).min(e);
        if midnight > cursor {
            let hours = cursor_hours(cursor, midnight);
            // A holiday counts as a holiday even on a weekend.
            if cal.is_holiday(day) {
                total.holiday += hours;
            } else if cal.is_working_day(day) {
                total.working += hours;
            } else {
                total.weekend += hours;
            }
            cursor = midnight;
        }
        day = next_day;
    }
    total
}

fn cursor_hours(a: Timestamp, b: Timestamp) -> f64 {
    b.duration_since(a).as_secs_f64() / 3600.0
}

fn midnight(d: Date, tz: &TimeZone) -> Timestamp {
    tz.to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight())).compatible().unwrap_or(Timestamp::MAX)
}

impl Rotation {
    /// The ledger of this rotation's shifts over `[from, to)`.
    pub fn fairness(&self, from: Timestamp, to: Timestamp, weights: &FairnessWeights) -> Ledger {
        ledger(&self.shifts(from, to), self.calendar(), self.time_zone(), weights, from, to)
    }
}
