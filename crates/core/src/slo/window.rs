//! Windows of time: the half-open interval every computation runs over, and the SLO's
//! own window (rolling, or a calendar week, month or quarter in a time zone) that says
//! which interval that is at a given instant.

use crate::period::Period;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("a window cannot end at {end}, before it starts at {start}")]
    EndsBeforeStart { start: Timestamp, end: Timestamp },
    #[error("no window around {at} can be computed: it would reach past the years 9999 or -9999")]
    OutOfRange { at: Timestamp },
}

/// The instants `start <= t < end`. Half-open so that consecutive windows share no
/// minute: splitting a window in two and adding the halves gives the whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Window {
    start: Timestamp,
    end: Timestamp,
}

impl Window {
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Self, WindowError> {
        if end < start {
            return Err(WindowError::EndsBeforeStart { start, end });
        }
        Ok(Self { start, end })
    }
    /// `[end − length, end)`: the alert windows ("the last hour") and rolling SLO windows.
    pub fn ending_at(end: Timestamp, length: Period) -> Result<Self, WindowError> {
        let start = end.checked_sub(length.duration()).map_err(|_| WindowError::OutOfRange { at: end })?;
        Ok(Self { start, end })
    }
    pub fn start(self) -> Timestamp {
        self.start
    }
    pub fn end(self) -> Timestamp {
        self.end
    }
    pub fn duration(self) -> SignedDuration {
        self.end.duration_since(self.start)
    }
    pub fn contains(self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {})", self.start, self.end)
    }
}

/// The start of the minute `t` falls in: the key of the bucket that counts `t`.
pub fn start_of_minute(t: Timestamp) -> Timestamp {
    Timestamp::from_second(minute_of(t) * 60)
        .expect("flooring to a minute stays within the range of the instant it started from")
}

/// The minute `t` is in, counted from the epoch (floored, also before 1970). In whole
/// seconds rather than `i128` nanoseconds: the per-minute replays call it for every minute.
pub(crate) fn minute_of(t: Timestamp) -> i64 {
    // `as_second` truncates towards zero; a negative fraction means the floor is one less.
    let floor = t.as_second() - i64::from(t.subsec_nanosecond() < 0);
    floor.div_euclid(60)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CalendarUnit {
    /// Monday 00:00 to the next Monday 00:00 (ISO 8601 weeks).
    Week,
    Month,
    /// January, April, July and October start a quarter.
    Quarter,
}

/// The window an SLO is judged over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SloWindow {
    /// The last `length`, ending at the current minute: always full, always moving.
    Rolling { length: Period },
    /// The calendar week, month or quarter containing now, in `time_zone`: it starts
    /// empty and fills up, and its length follows the calendar (and DST) in that zone.
    Calendar {
        unit: CalendarUnit,
        #[serde(with = "jiff::fmt::serde::tz::required")]
        #[cfg_attr(feature = "openapi", schema(value_type = String, example = "Europe/Dublin"))]
        time_zone: TimeZone,
    },
}

impl SloWindow {
    /// The whole window in force at `now`. Rolling windows end at the start of the
    /// current minute, because that minute's bucket is still filling: counting it would
    /// make the latest figure jump as the minute completes.
    pub fn bounds(&self, now: Timestamp) -> Result<Window, WindowError> {
        match self {
            SloWindow::Rolling { length } => Window::ending_at(start_of_minute(now), *length),
            SloWindow::Calendar { unit, time_zone } => calendar_bounds(*unit, time_zone, now),
        }
    }

    /// The part of `bounds(now)` that has happened, up to the start of the current minute.
    /// Equal to `bounds` for rolling windows; the elapsed part of a calendar window.
    pub fn elapsed(&self, now: Timestamp) -> Result<Window, WindowError> {
        let whole = self.bounds(now)?;
        let end = start_of_minute(now).clamp(whole.start, whole.end);
        Ok(Window { start: whole.start, end })
    }

    /// The length `W` alert thresholds are scaled by. Calendar windows use a fixed
    /// nominal length (7, 30 and 90 days) so that thresholds do not change from one
    /// month to the next; 30 days is also the window the SRE Workbook's numbers assume.
    pub fn nominal_length(&self) -> Period {
        match self {
            SloWindow::Rolling { length } => *length,
            SloWindow::Calendar { unit: CalendarUnit::Week, .. } => Period::days(7),
            SloWindow::Calendar { unit: CalendarUnit::Month, .. } => Period::days(30),
            SloWindow::Calendar { unit: CalendarUnit::Quarter, .. } => Period::days(90),
        }
    }
}

impl fmt::Display for SloWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SloWindow::Rolling { length } => write!(f, "rolling {length}"),
            SloWindow::Calendar { unit, time_zone } => {
                let unit = match unit {
                    CalendarUnit::Week => "week",
                    CalendarUnit::Month => "month",
                    CalendarUnit::Quarter => "quarter",
                };
                write!(f, "calendar {unit} in {}", time_zone.iana_name().unwrap_or("a fixed offset"))
            }
        }
    }
}

/// The calendar week, month or quarter containing `at`, from its first day's first
/// instant to the next one's, in `tz`. The arithmetic is on civil dates, so a month is
/// always a whole month in that zone: 743 hours for a March with a DST change.
pub fn calendar_bounds(unit: CalendarUnit, tz: &TimeZone, at: Timestamp) -> Result<Window, WindowError> {
    let out = |_| WindowError::OutOfRange { at };
    let today = at.to_zoned(tz.clone()).date();
    let first = match unit {
        CalendarUnit::Week => {
            today.checked_sub(i64::from(today.weekday().to_monday_zero_offset()).days()).map_err(out)?
        }
        CalendarUnit::Month => today.first_of_month(),
        CalendarUnit::Quarter => Date::new(today.year(), (today.month() - 1) / 3 * 3 + 1, 1).map_err(out)?,
    };
    let next = match unit {
        CalendarUnit::Week => first.checked_add(1.week()),
        CalendarUnit::Month => first.checked_add(1.month()),
        CalendarUnit::Quarter => first.checked_add(3.months()),
    }
    .map_err(out)?;
    // `Date::to_zoned` resolves a midnight that does not exist (a DST gap at 00:00) to
    // the later side, which is the first instant of that day.
    let start = first.to_zoned(tz.clone()).map_err(out)?.timestamp();
    let end = next.to_zoned(tz.clone()).map_err(out)?.timestamp();
    Ok(Window { start, end })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }
    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }
    fn hours(w: Window) -> f64 {
        w.duration().as_secs_f64() / 3600.0
    }

    #[test]
    fn a_rolling_window_ends_at_the_start_of_the_current_minute() {
        let w = SloWindow::Rolling { length: Period::days(28) };
        let b = w.bounds(ts("2024-03-10T12:34:56Z")).unwrap();
        assert_eq!(b, Window::new(ts("2024-02-11T12:34:00Z"), ts("2024-03-10T12:34:00Z")).unwrap());
        assert_eq!(w.elapsed(ts("2024-03-10T12:34:56Z")).unwrap(), b);
        assert_eq!(w.nominal_length(), Period::days(28));
    }

    #[test]
    fn dublin_march_loses_an_hour_and_october_gains_one() {
        let month = SloWindow::Calendar { unit: CalendarUnit::Month, time_zone: tz("Europe/Dublin") };
        // Clocks go forward on 31 March 2024 at 01:00 GMT: 31 × 24 − 1 = 743 hours, and
        // April starts at 00:00 IST = 23:00 UTC the day before.
        let march = month.bounds(ts("2024-03-15T12:00:00Z")).unwrap();
        assert_eq!(march, Window::new(ts("2024-03-01T00:00:00Z"), ts("2024-03-31T23:00:00Z")).unwrap());
        assert_eq!(hours(march), 743.0);
        // Clocks go back on 27 October 2024 at 02:00 IST: 31 × 24 + 1 = 745 hours.
        let october = month.bounds(ts("2024-10-27T01:30:00Z")).unwrap();
        assert_eq!(october, Window::new(ts("2024-09-30T23:00:00Z"), ts("2024-11-01T00:00:00Z")).unwrap());
        assert_eq!(hours(october), 745.0);
        // 23:30 UTC on 31 March is already 00:30 on 1 April in Dublin.
        assert_eq!(month.bounds(ts("2024-03-31T23:30:00Z")).unwrap().start(), ts("2024-03-31T23:00:00Z"));
    }

    #[test]
    fn february_2028_is_a_leap_month() {
        let b = calendar_bounds(CalendarUnit::Month, &tz("Europe/Dublin"), ts("2028-02-29T18:00:00Z")).unwrap();
        // 29 days × 24 = 696 hours, all in GMT.
        assert_eq!(b, Window::new(ts("2028-02-01T00:00:00Z"), ts("2028-03-01T00:00:00Z")).unwrap());
        assert_eq!(hours(b), 696.0);
    }

    #[test]
    fn weeks_start_on_monday_and_quarters_in_january_april_july_october() {
        // Wednesday 6 March 2024 → Monday 4 March to Monday 11 March.
        let week = calendar_bounds(CalendarUnit::Week, &TimeZone::UTC, ts("2024-03-06T10:00:00Z")).unwrap();
        assert_eq!(week, Window::new(ts("2024-03-04T00:00:00Z"), ts("2024-03-11T00:00:00Z")).unwrap());
        // A Monday at 00:00 is the first instant of its own week.
        let monday = calendar_bounds(CalendarUnit::Week, &TimeZone::UTC, ts("2024-03-11T00:00:00Z")).unwrap();
        assert_eq!(monday.start(), ts("2024-03-11T00:00:00Z"));
        // 15 May 2024 in New York (EDT, −4) → 1 April to 1 July, both at 04:00 UTC.
        let q = calendar_bounds(CalendarUnit::Quarter, &tz("America/New_York"), ts("2024-05-15T00:00:00Z")).unwrap();
        assert_eq!(q, Window::new(ts("2024-04-01T04:00:00Z"), ts("2024-07-01T04:00:00Z")).unwrap());
    }

    #[test]
    fn the_elapsed_part_of_a_calendar_window_ends_now() {
        let month = SloWindow::Calendar { unit: CalendarUnit::Month, time_zone: TimeZone::UTC };
        let e = month.elapsed(ts("2024-03-03T00:10:30Z")).unwrap();
        assert_eq!(e, Window::new(ts("2024-03-01T00:00:00Z"), ts("2024-03-03T00:10:00Z")).unwrap());
        assert_eq!(month.nominal_length(), Period::days(30));
        assert_eq!(month.to_string(), "calendar month in UTC");
    }

    #[test]
    fn windows_refuse_to_end_before_they_start() {
        assert!(Window::new(ts("2024-03-02T00:00:00Z"), ts("2024-03-01T00:00:00Z")).is_err());
        assert!(Window::new(ts("2024-03-01T00:00:00Z"), ts("2024-03-01T00:00:00Z")).unwrap().is_empty());
    }

    #[test]
    fn minutes_floor_before_1970_too() {
        assert_eq!(start_of_minute(ts("1969-12-31T23:59:30Z")), ts("1969-12-31T23:59:00Z"));
        assert_eq!(start_of_minute(ts("2024-01-01T00:00:59.999Z")), ts("2024-01-01T00:00:00Z"));
    }

    fn zones() -> impl Strategy<Value = TimeZone> {
        prop::sample::select(vec![
            "Europe/Dublin",
            "America/New_York",
            "Australia/Lord_Howe",
            "Asia/Kathmandu",
            "America/Santiago",
            "UTC",
        ])
        .prop_map(tz)
    }

    /// 2000-01-01 to 2040-01-01, which covers DST rule changes and leap years.
    fn instants() -> impl Strategy<Value = Timestamp> {
        (946_684_800i64..2_208_988_800).prop_map(|s| Timestamp::from_second(s).unwrap())
    }

    fn day_starts(tz: &TimeZone, t: Timestamp) -> bool {
        let z = t.to_zoned(tz.clone());
        z.start_of_day().unwrap().timestamp() == t
    }

    proptest! {
        #[test]
        fn a_calendar_month_contains_the_instant_and_is_that_whole_month(tz in zones(), at in instants()) {
            let b = calendar_bounds(CalendarUnit::Month, &tz, at).unwrap();
            prop_assert!(b.contains(at));
            let local = at.to_zoned(tz.clone()).date();
            let start = b.start().to_zoned(tz.clone());
            let end = b.end().to_zoned(tz.clone());
            prop_assert_eq!(start.date(), local.first_of_month());
            prop_assert_eq!(end.date(), local.first_of_month().checked_add(1.month()).unwrap());
            prop_assert!(day_starts(&tz, b.start()) && day_starts(&tz, b.end()));
            // Whole days, give or take one DST change (at most an hour here).
            let nominal = f64::from(local.days_in_month()) * 24.0;
            prop_assert!((hours(b) - nominal).abs() <= 1.0, "{} hours vs {nominal}", hours(b));
        }

        #[test]
        fn calendar_weeks_and_quarters_contain_the_instant(tz in zones(), at in instants()) {
            let week = calendar_bounds(CalendarUnit::Week, &tz, at).unwrap();
            prop_assert!(week.contains(at));
            prop_assert_eq!(week.start().to_zoned(tz.clone()).weekday(), jiff::civil::Weekday::Monday);
            prop_assert!((hours(week) - 168.0).abs() <= 1.0);
            let quarter = calendar_bounds(CalendarUnit::Quarter, &tz, at).unwrap();
            prop_assert!(quarter.contains(at));
            let first = quarter.start().to_zoned(tz.clone()).date();
            prop_assert!(first.day() == 1 && [1, 4, 7, 10].contains(&first.month()));
        }

        #[test]
        fn consecutive_months_meet_without_a_gap(tz in zones(), at in instants()) {
            let this = calendar_bounds(CalendarUnit::Month, &tz, at).unwrap();
            let next = calendar_bounds(CalendarUnit::Month, &tz, this.end()).unwrap();
            prop_assert_eq!(next.start(), this.end());
        }
    }
}
