//! The fairness ledger of a rotation over a range, overrides and swaps included: per
//! person, shifts and hours, split by kind of day and weighted. Teams pay on-call from it,
//! so it is also given as CSV.

use crate::{AppError, Baton};
use baton_core::oncall::{FairnessWeights, NonWorkingDay, RotationId, Tally};
use baton_core::{PersonId, Timestamp};
use jiff::{SignedDuration, ToSpan};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The longest range one ledger covers.
pub const MAX_FAIRNESS_DAYS: i64 = 366;

/// One person's line of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FairnessRow {
    pub person: PersonId,
    pub name: String,
    /// Shifts starting in the range, of every kind.
    pub shifts: u32,
    /// Of those, their own turns on the main list.
    pub turns: u32,
    /// Of those, weekend-layer turns.
    pub weekend_turns: u32,
    /// Of those, overrides and halves of swaps they worked.
    pub overrides: u32,
    /// On-call hours within the range.
    pub hours: f64,
    /// Of the hours, those on weekends and other non-working days that are not holidays.
    pub weekend_hours: f64,
    /// Of the hours, those on holidays.
    pub holiday_hours: f64,
    /// Hours, each multiplied by its day's weight.
    pub weighted_hours: f64,
    /// Of the shifts, turns moved by leave: taken for someone away, or worked to repay one.
    pub leave_turns: u32,
    /// Turns they owe others for leave, from the shifts in the range (negative: turns
    /// others owe them). Zero once every moved turn is repaid.
    pub turns_owed: i32,
}

/// A rotation's ledger over `[from, to)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FairnessReport {
    pub rotation: RotationId,
    pub from: Timestamp,
    pub to: Timestamp,
    pub weights: FairnessWeights,
    /// Everyone with time in the range and every member of the rotation, by id.
    pub people: Vec<FairnessRow>,
    /// The largest weighted load over the smallest, among the people with time in the
    /// range (1.0 is even); `null` with fewer than two such people.
    #[cfg_attr(feature = "openapi", schema(nullable = true))]
    pub spread: Option<f64>,
}

/// One CSV field, quoted as RFC 4180 asks when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

impl FairnessReport {
    pub const CSV_HEADER: [&'static str; 12] = [
        "person",
        "name",
        "shifts",
        "turns",
        "weekend_turns",
        "overrides",
        "hours",
        "weekend_hours",
        "holiday_hours",
        "weighted_hours",
        "leave_turns",
        "turns_owed",
    ];

    /// The ledger's cells, hours to two decimals.
    pub fn rows(&self) -> Vec<Vec<String>> {
        let h = |x: f64| format!("{x:.2}");
        self.people
            .iter()
            .map(|r| {
                vec![
                    r.person.to_string(),
                    r.name.clone(),
                    r.shifts.to_string(),
                    r.turns.to_string(),
                    r.weekend_turns.to_string(),
                    r.overrides.to_string(),
                    h(r.hours),
                    h(r.weekend_hours),
                    h(r.holiday_hours),
                    h(r.weighted_hours),
                    r.leave_turns.to_string(),
                    r.turns_owed.to_string(),
                ]
            })
            .collect()
    }

    /// RFC 4180: a header row, then one record per person, each ending in CRLF.
    pub fn csv(&self) -> String {
        let mut out = String::new();
        let header = Self::CSV_HEADER.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>();
        for row in std::iter::once(header).chain(self.rows()) {
            let _ = write!(out, "{}\r\n", row.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        }
        out
    }
}

impl Baton {
    /// The fairness ledger of `rotation` over `[from, to)`, at most [`MAX_FAIRNESS_DAYS`].
    pub async fn fairness(
        &self,
        rotation: &RotationId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<FairnessReport, AppError> {
        if to <= from {
            return Err(AppError::Invalid { field: "to".into(), message: format!("{to} is not after from ({from})") });
        }
        self.within_horizon("to", Some(to))?;
        if to.duration_since(from) > SignedDuration::from_hours(24 * MAX_FAIRNESS_DAYS) {
            return Err(AppError::Invalid {
                field: "to".into(),
                message: format!(
                    "a ledger covers at most {MAX_FAIRNESS_DAYS} days; {from} to {to} is longer: ask for one year at a time"
                ),
            });
        }
        let (org, r) = self.effective_rotation(rotation).await?;
        let weights = FairnessWeights::default();
        let mut tallies: BTreeMap<PersonId, Tally> = r.fairness(from, to, &weights).people;
        let spec = r.spec();
        let weekend = match &spec.non_working {
            NonWorkingDay::WeekendLayer(roster) => Some(roster),
            NonWorkingDay::Extend => None,
        };
        for roster in std::iter::once(&spec.roster).chain(weekend) {
            let lists = std::iter::once(&roster.members).chain(roster.changes.iter().map(|c| &c.members));
            for person in lists.flatten() {
                tallies.entry(person.clone()).or_default();
            }
        }
        let people: Vec<FairnessRow> = tallies
            .into_iter()
            .map(|(person, t)| FairnessRow {
                name: org.people.get(&person).map_or_else(|| person.to_string(), |p| p.name.clone()),
                person,
                shifts: t.shifts,
                turns: t.turns,
                weekend_turns: t.weekend_turns,
                overrides: t.overrides,
                hours: t.hours(),
                weekend_hours: t.weekend_hours,
                holiday_hours: t.holiday_hours,
                weighted_hours: t.weighted_hours,
                leave_turns: t.leave_turns,
                turns_owed: t.turns_owed,
            })
            .collect();
        let loads: Vec<f64> = people.iter().map(|p| p.weighted_hours).filter(|w| *w > 0.0).collect();
        let spread = (loads.len() >= 2).then(|| {
            let (lo, hi) = loads.iter().fold((f64::MAX, 0f64), |(lo, hi), w| (lo.min(*w), hi.max(*w)));
            hi / lo
        });
        Ok(FairnessReport { rotation: rotation.clone(), from, to, weights, people, spread })
    }

    /// The ledger as the API and CLI ask for it: `from` and `to` as RFC 3339 instants or
    /// dates (their start in the rotation's time zone). `from` is the start of the current
    /// calendar month by default, `to` one calendar month after `from`.
    pub async fn fairness_query(
        &self,
        rotation: &RotationId,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<FairnessReport, AppError> {
        let (_, rotations) = self.defined_rotation(rotation).await?;
        let tz = rotations[rotation].time_zone().clone();
        let local_day = |t: Timestamp| t.to_zoned(tz.clone()).date();
        let start_of = |field: &str, d: jiff::civil::Date| {
            d.to_zoned(tz.clone())
                .map(|z| z.timestamp())
                .map_err(|e| AppError::Invalid { field: field.into(), message: e.to_string() })
        };
        let from = match from {
            Some(f) => self.rotation_instant(rotation, "from", f).await?,
            None => start_of("from", local_day(self.now()).first_of_month())?,
        };
        let to = match to {
            Some(t) => self.rotation_instant(rotation, "to", t).await?,
            None => {
                let next = local_day(from)
                    .checked_add(1.month())
                    .map_err(|e| AppError::Invalid { field: "from".into(), message: e.to_string() })?;
                start_of("to", next)?
            }
        };
        self.fairness(rotation, from, to).await
    }
}
