//! The shift change of a date: the instant one person hands the pager to the next, at the
//! rotation's local `handoff` time on that date in the rotation's time zone.
//!
//! **DST rule.** A shift change time that does not exist on a spring-forward day (it falls in
//! the gap) is moved forward by the length of the gap: 02:30 in New York on the second
//! Sunday of March hands off at 03:30 EDT, the instant 02:30 EST would have been. A
//! shift change time that happens twice on a fall-back day (the fold) hands off at its first
//! occurrence. This is jiff's `Disambiguation::Compatible`, the rule RFC 5545 gives for
//! DTSTART in a gap, so the iCalendar feed and the schedule agree. Shifts on either side
//! of a transition are an hour shorter or longer; nobody is ever on call twice or never.

use jiff::civil::{Date, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// How a date's shift change time was placed on the time line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ShiftChangeKind {
    /// The local time exists once.
    Exact,
    /// The local time fell in a DST gap; the shift change moved forward by `gap_seconds`.
    Gap { gap_seconds: i64 },
    /// The local time happened twice; the shift change is the first occurrence.
    Fold,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftChange {
    pub date: Date,
    pub at: Timestamp,
    pub kind: ShiftChangeKind,
}

/// The shift change of `date` at local `time` in `tz`, with the DST rule of this module.
pub fn shift_change(date: Date, time: Time, tz: &TimeZone) -> ShiftChange {
    let dt = date.to_datetime(time);
    let amb = tz.to_ambiguous_timestamp(dt);
    let kind = match amb.offset() {
        AmbiguousOffset::Unambiguous { .. } => ShiftChangeKind::Exact,
        AmbiguousOffset::Gap { before, after } => {
            ShiftChangeKind::Gap { gap_seconds: i64::from(after.seconds() - before.seconds()) }
        }
        AmbiguousOffset::Fold { .. } => ShiftChangeKind::Fold,
    };
    // Compatible only fails outside jiff's supported range, which rotations never reach.
    let at = amb.compatible().unwrap_or(Timestamp::MAX);
    ShiftChange { date, at, kind }
}

/// Just the instant of [`shift_change`].
pub fn shift_change_at(date: Date, time: Time, tz: &TimeZone) -> Timestamp {
    tz.to_ambiguous_timestamp(date.to_datetime(time)).compatible().unwrap_or(Timestamp::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    #[test]
    fn a_handoff_in_the_spring_gap_moves_forward_by_the_gap() {
        // New York springs forward at 02:00 on 2024-03-10: 02:30 does not exist.
        let h = shift_change(date(2024, 3, 10), time(2, 30, 0, 0), &tz("America/New_York"));
        assert_eq!(h.kind, ShiftChangeKind::Gap { gap_seconds: 3600 });
        assert_eq!(h.at, "2024-03-10T07:30:00Z".parse::<Timestamp>().unwrap(), "03:30 EDT");
    }

    #[test]
    fn dublin_skips_01_00_to_02_00_so_02_30_exists_and_01_30_moves() {
        let dublin = tz("Europe/Dublin");
        let h = shift_change(date(2024, 3, 31), time(2, 30, 0, 0), &dublin);
        assert_eq!(h.kind, ShiftChangeKind::Exact);
        assert_eq!(h.at, "2024-03-31T01:30:00Z".parse::<Timestamp>().unwrap());
        let h = shift_change(date(2024, 3, 31), time(1, 30, 0, 0), &dublin);
        assert_eq!(h.kind, ShiftChangeKind::Gap { gap_seconds: 3600 });
        assert_eq!(h.at, "2024-03-31T01:30:00Z".parse::<Timestamp>().unwrap(), "02:30 IST");
        // Fall back at 02:00 IST on 2024-10-27: 01:30 happens twice, the first is IST.
        let h = shift_change(date(2024, 10, 27), time(1, 30, 0, 0), &dublin);
        assert_eq!(h.kind, ShiftChangeKind::Fold);
        assert_eq!(h.at, "2024-10-27T00:30:00Z".parse::<Timestamp>().unwrap());
    }

    #[test]
    fn sao_paulo_sprang_forward_at_midnight() {
        // 2018-11-04 00:00 -03 became 01:00 -02; Brazil dropped DST in 2019.
        let sp = tz("America/Sao_Paulo");
        let h = shift_change(date(2018, 11, 4), time(0, 30, 0, 0), &sp);
        assert_eq!(h.kind, ShiftChangeKind::Gap { gap_seconds: 3600 });
        assert_eq!(h.at, "2018-11-04T03:30:00Z".parse::<Timestamp>().unwrap(), "01:30 -02");
        let h = shift_change(date(2018, 11, 4), time(9, 0, 0, 0), &sp);
        assert_eq!(h.at, "2018-11-04T11:00:00Z".parse::<Timestamp>().unwrap());
    }
}
