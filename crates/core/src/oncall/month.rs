//! A month of a schedule as a wall calendar shows it: the reader's own days (in their time
//! zone, so a day is 23 or 25 hours across a DST change), whole Monday-first weeks, and for
//! each day the shifts that touch it.

use crate::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::ToSpan;

/// One day of the grid: `[start, end)` in the reader's zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDay {
    pub date: Date,
    pub start: Timestamp,
    pub end: Timestamp,
    /// False for the days of the months before and after that fill the first and last week.
    pub in_month: bool,
}

/// A month asked for as `YYYY-MM`: its first day.
pub fn parse_month(s: &str) -> Result<Date, String> {
    let bad = || format!("`{s}` is not a month: write it as YYYY-MM, e.g. 2026-12");
    let (y, m) = s.split_once('-').ok_or_else(bad)?;
    let (y, m): (i16, i8) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if y.to_string().len() != 4 {
        return Err(bad());
    }
    Date::new(y, m, 1).map_err(|_| bad())
}

/// The first day of the month containing `t` in `tz`.
pub fn month_of(t: Timestamp, tz: &TimeZone) -> Date {
    t.to_zoned(tz.clone()).date().first_of_month()
}

/// The first days of the months before and after `first`'s.
pub fn neighbours(first: Date) -> (Option<Date>, Option<Date>) {
    let first = first.first_of_month();
    (first.checked_sub(1.month()).ok(), first.checked_add(1.month()).ok())
}

/// The start of `date` in `tz` (midnight, or the first instant after it when a DST gap
/// swallows midnight).
fn start_of(date: Date, tz: &TimeZone) -> Option<Timestamp> {
    date.to_zoned(tz.clone()).and_then(|z| z.start_of_day()).ok().map(|z| z.timestamp())
}

/// The days of `first`'s month in `tz`, padded to whole weeks from Monday to Sunday. Empty
/// only at the ends of the representable calendar.
pub fn month_grid(first: Date, tz: &TimeZone) -> Vec<CalendarDay> {
    let first = first.first_of_month();
    let lead = i64::from(first.weekday().to_monday_zero_offset());
    let last = first.last_of_month();
    let trail = i64::from(Weekday::Sunday.to_monday_zero_offset() - last.weekday().to_monday_zero_offset());
    let (Ok(from), Ok(to)) = (first.checked_sub(lead.days()), last.checked_add(trail.days())) else {
        return Vec::new();
    };
    let mut days = Vec::new();
    let mut date = from;
    while date <= to {
        let Ok(next) = date.tomorrow() else { break };
        let (Some(start), Some(end)) = (start_of(date, tz), start_of(next, tz)) else { break };
        days.push(CalendarDay { date, start, end, in_month: date.month() == first.month() });
        date = next;
    }
    days
}

/// The items of `items` (each with its `[start, end)`) that overlap `day`, in their order.
pub fn on_day<'a, T>(day: &CalendarDay, items: &'a [T], span: impl Fn(&T) -> (Timestamp, Timestamp)) -> Vec<&'a T> {
    items
        .iter()
        .filter(|i| {
            let (s, e) = span(i);
            s < day.end && e > day.start
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn months_are_written_as_year_and_month() {
        assert_eq!(parse_month("2026-12"), Ok(date(2026, 12, 1)));
        assert_eq!(parse_month("2027-01"), Ok(date(2027, 1, 1)));
        for bad in ["2026-13", "2026", "26-12", "december", "2026-12-01", ""] {
            let e = parse_month(bad).unwrap_err();
            assert!(e.contains(&format!("`{bad}`")) && e.contains("YYYY-MM"), "{e}");
        }
    }

    #[test]
    fn the_grid_is_whole_monday_first_weeks() {
        // December 2026 starts on a Tuesday and ends on a Thursday.
        let grid = month_grid(date(2026, 12, 1), &TimeZone::UTC);
        assert_eq!(grid.len(), 35);
        assert_eq!(grid[0].date, date(2026, 11, 30));
        assert!(!grid[0].in_month && grid[1].in_month);
        assert_eq!(grid.last().unwrap().date, date(2027, 1, 3));
        assert_eq!(grid.iter().filter(|d| d.in_month).count(), 31);
        for w in grid.windows(2) {
            assert_eq!(w[0].end, w[1].start, "days tile time");
        }
        // February 2027 starts on a Monday and ends on a Sunday: four weeks exactly.
        assert_eq!(month_grid(date(2027, 2, 1), &TimeZone::UTC).len(), 28);
    }

    #[test]
    fn days_are_the_readers_and_last_23_or_25_hours_across_dst() {
        let tz = TimeZone::get("America/Sao_Paulo").unwrap();
        let grid = month_grid(date(2026, 12, 1), &tz);
        assert_eq!(grid[1].start, ts("2026-12-01T03:00:00Z"));
        let dublin = TimeZone::get("Europe/Dublin").unwrap();
        let march = month_grid(date(2027, 3, 1), &dublin);
        let change = march.iter().find(|d| d.date == date(2027, 3, 28)).unwrap();
        assert_eq!(change.end.duration_since(change.start).as_hours(), 23);
        let october = month_grid(date(2027, 10, 1), &dublin);
        let back = october.iter().find(|d| d.date == date(2027, 10, 31)).unwrap();
        assert_eq!(back.end.duration_since(back.start).as_hours(), 25);
    }

    #[test]
    fn a_shift_shows_on_every_day_it_touches_and_not_on_the_day_it_ends_at_midnight() {
        let grid = month_grid(date(2026, 12, 1), &TimeZone::UTC);
        let shifts = [
            (ts("2026-12-07T09:00:00Z"), ts("2026-12-09T09:00:00Z")),
            (ts("2026-12-09T09:00:00Z"), ts("2026-12-10T00:00:00Z")),
        ];
        let days: Vec<(Date, usize)> =
            grid.iter().map(|d| (d.date, on_day(d, &shifts, |s| *s).len())).filter(|(_, n)| *n > 0).collect();
        assert_eq!(days, vec![(date(2026, 12, 7), 1), (date(2026, 12, 8), 1), (date(2026, 12, 9), 2)]);
    }

    #[test]
    fn neighbours_cross_years() {
        assert_eq!(neighbours(date(2026, 12, 1)), (Some(date(2026, 11, 1)), Some(date(2027, 1, 1))));
        assert_eq!(month_of(ts("2026-12-31T23:30:00Z"), &TimeZone::get("Asia/Kolkata").unwrap()), date(2027, 1, 1));
    }
}
