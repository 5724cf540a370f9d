//! Working days: a set of weekdays plus holiday dates (the merged holiday calendars of
//! `calendars/`). Counting working days between two dates is O(1) per week pattern plus a
//! binary search in the holidays, so "whose turn is it on day D" never walks the days.

use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Days of the week as a bit set, bit 0 = Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Weekdays(u8);

impl Weekdays {
    /// Monday to Friday.
    pub const MON_FRI: Weekdays = Weekdays(0b001_1111);
    pub const ALL: Weekdays = Weekdays(0b111_1111);
    pub const NONE: Weekdays = Weekdays(0);

    pub fn from_days(days: impl IntoIterator<Item = Weekday>) -> Self {
        Weekdays(days.into_iter().fold(0, |acc, d| acc | bit(d)))
    }
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & bit(day) != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn len(self) -> i64 {
        i64::from(self.0.count_ones())
    }
}

fn bit(day: Weekday) -> u8 {
    1 << (day.to_monday_zero_offset() as u8)
}

/// A named set of holiday dates, as `calendars/` defines them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayCalendar {
    pub name: String,
    pub dates: BTreeSet<Date>,
}

/// Which days a rotation hands over on: its weekdays minus the holidays of its calendars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "CalendarSpec", into = "CalendarSpec")]
pub struct WorkingCalendar {
    weekdays: Weekdays,
    /// Every holiday, sorted (kept so the calendar round-trips and for weighting).
    holidays: Vec<Date>,
    /// Holidays falling on a working weekday, sorted: the ones that remove a working day.
    effective: Vec<Date>,
    /// Corrections to the count of non-working runs that holidays make, sorted by date,
    /// with running sums (see `run_starts_between`).
    run_events: Vec<(Date, i64)>,
}

#[derive(Serialize, Deserialize)]
struct CalendarSpec {
    weekdays: Weekdays,
    holidays: Vec<Date>,
}
impl From<CalendarSpec> for WorkingCalendar {
    fn from(s: CalendarSpec) -> Self {
        WorkingCalendar::new(s.weekdays, s.holidays)
    }
}
impl From<WorkingCalendar> for CalendarSpec {
    fn from(c: WorkingCalendar) -> Self {
        CalendarSpec { weekdays: c.weekdays, holidays: c.holidays }
    }
}

impl Default for WorkingCalendar {
    fn default() -> Self {
        WorkingCalendar::new(Weekdays::MON_FRI, [])
    }
}

impl WorkingCalendar {
    pub fn new(weekdays: Weekdays, holidays: impl IntoIterator<Item = Date>) -> Self {
        let holidays: Vec<Date> = holidays.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
        let effective: Vec<Date> = holidays.iter().copied().filter(|d| weekdays.contains(d.weekday())).collect();
        let mut cal = WorkingCalendar { weekdays, holidays, effective, run_events: Vec::new() };
        cal.run_events = cal.compute_run_events();
        cal
    }

    /// Weekdays plus the union of several holiday calendars.
    pub fn with_calendars<'a>(weekdays: Weekdays, calendars: impl IntoIterator<Item = &'a HolidayCalendar>) -> Self {
        Self::new(weekdays, calendars.into_iter().flat_map(|c| c.dates.iter().copied()))
    }

    pub fn weekdays(&self) -> Weekdays {
        self.weekdays
    }
    pub fn holidays(&self) -> &[Date] {
        &self.holidays
    }

    pub fn is_holiday(&self, date: Date) -> bool {
        self.holidays.binary_search(&date).is_ok()
    }

    pub fn is_working_day(&self, date: Date) -> bool {
        self.weekdays.contains(date.weekday()) && self.effective.binary_search(&date).is_err()
    }

    /// Working days in `[from, to)`; negative when `to < from`.
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let base = pattern_count(from, to, |d| self.weekdays.contains(d));
        let holidays = count_in(&self.effective, from, to);
        base - holidays as i64
    }

    /// The first working day on or after `date`, if one exists within ten years.
    pub fn working_day_on_or_after(&self, date: Date) -> Option<Date> {
        let mut d = date;
        for _ in 0..3660 {
            if self.is_working_day(d) {
                return Some(d);
            }
            d = d.tomorrow().ok()?;
        }
        None
    }

    /// The last working day on or before `date`, if one exists within ten years.
    pub fn working_day_on_or_before(&self, date: Date) -> Option<Date> {
        let mut d = date;
        for _ in 0..3660 {
            if self.is_working_day(d) {
                return Some(d);
            }
            d = d.yesterday().ok()?;
        }
        None
    }

    /// Starts of non-working runs (a non-working day after a working one: Saturday of a
    /// plain weekend, or a holiday Friday before it) in `[from, to)`, for `from <= to`.
    pub fn run_starts_between(&self, from: Date, to: Date) -> i64 {
        // On the weekday pattern alone a run starts on d when d is off and d-1 is on.
        let base =
            pattern_count(from, to, |d| !self.weekdays.contains(d) && self.weekdays.contains(previous_weekday(d)));
        let lo = self.run_events.partition_point(|(d, _)| *d < from);
        let hi = self.run_events.partition_point(|(d, _)| *d < to);
        let sum = |i: usize| if i == 0 { 0 } else { self.run_events[i - 1].1 };
        base + sum(hi) - sum(lo)
    }

    /// A holiday h on a working weekday starts a run when h-1 is a working day, and stops
    /// h+1 from starting one when h+1 is off by the weekday pattern. Stored as (date, running sum).
    fn compute_run_events(&self) -> Vec<(Date, i64)> {
        let mut events: Vec<(Date, i64)> = Vec::new();
        for &h in &self.effective {
            if let Ok(prev) = h.yesterday() {
                if self.is_working_day(prev) {
                    events.push((h, 1));
                }
            }
            if let Ok(next) = h.tomorrow() {
                if !self.weekdays.contains(next.weekday()) {
                    events.push((next, -1));
                }
            }
        }
        events.sort_by_key(|(d, _)| *d);
        let mut total = 0;
        for e in &mut events {
            total += e.1;
            e.1 = total;
        }
        events
    }
}

fn previous_weekday(d: Weekday) -> Weekday {
    d.previous()
}

fn count_in(sorted: &[Date], from: Date, to: Date) -> usize {
    sorted.partition_point(|d| *d < to) - sorted.partition_point(|d| *d < from)
}

/// Days d in `[from, to)` whose weekday satisfies `pred`: whole weeks by multiplication,
/// then at most six more days.
fn pattern_count(from: Date, to: Date, pred: impl Fn(Weekday) -> bool) -> i64 {
    let days = days_between(from, to);
    if days <= 0 {
        return 0;
    }
    let per_week = WEEK.iter().filter(|d| pred(**d)).count() as i64;
    let mut count = days / 7 * per_week;
    let mut wd = from.weekday();
    for _ in 0..days % 7 {
        if pred(wd) {
            count += 1;
        }
        wd = wd.next();
    }
    count
}

const WEEK: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// Calendar days from `from` to `to` (negative when `to` is earlier).
pub(crate) fn days_between(from: Date, to: Date) -> i64 {
    epoch_day(to) - epoch_day(from)
}

/// Days since 1970-01-01 (proleptic Gregorian), by the civil-from-days inverse.
pub(crate) fn epoch_day(d: Date) -> i64 {
    let (y, m, day) = (i64::from(d.year()), i64::from(d.month()), i64::from(d.day()));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `d` plus `n` days; saturates at jiff's date range. Plain day arithmetic (no `Span`):
/// it runs once per shift change when shifts are generated.
pub(crate) fn add_days(d: Date, n: i64) -> Date {
    from_epoch_day(epoch_day(d).saturating_add(n))
}

/// The inverse of [`epoch_day`].
pub(crate) fn from_epoch_day(z: i64) -> Date {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    match i16::try_from(year) {
        Ok(y) => Date::new(y, month as i8, day as i8).unwrap_or(if z < 719_468 { Date::MIN } else { Date::MAX }),
        Err(_) if year < 0 => Date::MIN,
        Err(_) => Date::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn a_holiday_is_not_a_working_day() {
        let cal = WorkingCalendar::new(Weekdays::MON_FRI, [date(2024, 12, 25)]);
        assert!(!cal.is_working_day(date(2024, 12, 25)));
        assert!(cal.is_working_day(date(2024, 12, 24)));
        assert!(!cal.is_working_day(date(2024, 12, 28)), "a Saturday");
        // Mon 23 .. Mon 30: Mon, Tue, Thu, Fri.
        assert_eq!(cal.working_days_between(date(2024, 12, 23), date(2024, 12, 30)), 4);
    }

    #[test]
    fn epoch_day_matches_jiff() {
        assert_eq!(epoch_day(date(1970, 1, 1)), 0);
        assert_eq!(epoch_day(date(2000, 3, 1)), 11_017);
        assert_eq!(days_between(date(2024, 2, 28), date(2024, 3, 1)), 2);
        let mut d = date(1899, 12, 25);
        for n in 0..200_000 {
            assert_eq!(from_epoch_day(epoch_day(d)), d);
            assert_eq!(add_days(date(1899, 12, 25), n), d);
            d = d.tomorrow().unwrap();
        }
        assert_eq!(add_days(date(2024, 1, 1), -1), date(2023, 12, 31));
    }

    fn arb_date() -> impl Strategy<Value = Date> {
        (0i64..2000).prop_map(|n| add_days(date(2023, 1, 1), n))
    }

    proptest! {
        #[test]
        fn counts_match_walking_the_days(
            bits in 1u8..128,
            holidays in prop::collection::vec(arb_date(), 0..40),
            a in arb_date(),
            len in 0i64..400,
        ) {
            let cal = WorkingCalendar::new(Weekdays(bits), holidays);
            let b = add_days(a, len);
            let mut working = 0;
            let mut runs = 0;
            let mut d = a;
            while d < b {
                if cal.is_working_day(d) { working += 1; }
                if !cal.is_working_day(d) && cal.is_working_day(d.yesterday().unwrap()) { runs += 1; }
                d = d.tomorrow().unwrap();
            }
            prop_assert_eq!(cal.working_days_between(a, b), working);
            prop_assert_eq!(cal.run_starts_between(a, b), runs);
        }
    }
}
