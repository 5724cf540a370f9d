//! Scenarios checked by hand, and the properties of the schedule.

use super::*;
use crate::{Period, PersonId};
use jiff::civil::{date, time, Date, Time};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

fn p(s: &str) -> PersonId {
    PersonId::parse(s).unwrap()
}
fn people(names: &[&str]) -> Vec<PersonId> {
    names.iter().map(|n| p(n)).collect()
}
fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn spec(zone: &str, handoff: Time, start: Date, members: &[&str]) -> RotationSpec {
    RotationSpec {
        id: RotationId::parse("addon-sre").unwrap(),
        time_zone: zone.to_owned(),
        handoff,
        cadence: Cadence::Daily,
        calendar: WorkingCalendar::default(),
        non_working: NonWorkingDay::Extend,
        start,
        roster: Roster::new(people(members)),
        seed: 42,
        overrides: Vec::new(),
        regions: Vec::new(),
    }
}

fn who(r: &Rotation, t: &str) -> String {
    r.on_call_at(ts(t)).unwrap().person.to_string()
}

/// Ireland's St Patrick's Day holiday fell on Monday 2024-03-18.
fn dublin_march() -> RotationSpec {
    let mut s = spec("Europe/Dublin", time(9, 0, 0, 0), date(2024, 3, 11), &["ana", "bo", "cy"]);
    s.calendar = WorkingCalendar::new(Weekdays::MON_FRI, [date(2024, 3, 18)]);
    s
}

#[test]
fn a_daily_rotation_of_three_across_a_week_with_a_holiday() {
    let r = Rotation::new(dublin_march()).unwrap();
    assert_eq!(r.first_shift_change(), ts("2024-03-11T09:00:00Z"));
    assert_eq!(who(&r, "2024-03-11T09:00:00Z"), "ana");
    assert_eq!(who(&r, "2024-03-12T08:59:59Z"), "ana");
    assert_eq!(who(&r, "2024-03-12T09:00:00Z"), "bo");
    assert_eq!(who(&r, "2024-03-13T12:00:00Z"), "cy");
    // The list is exhausted: cycle 1 is the reshuffle, and it does not start with cy.
    let cycle1 = r.reshuffle(Layer::Primary, 0, 1).unwrap();
    assert_eq!(cycle1.shuffled_by, Some(p("cy")));
    assert_ne!(cycle1.order[0], p("cy"));
    let shifts = r.shifts(ts("2024-03-11T09:00:00Z"), ts("2024-03-20T09:00:00Z"));
    let got: Vec<(String, Timestamp, Timestamp)> =
        shifts.iter().map(|s| (s.person.to_string(), s.start, s.end)).collect();
    let o = |i: usize| cycle1.order[i].to_string();
    assert_eq!(
        got,
        vec![
            ("ana".into(), ts("2024-03-11T09:00:00Z"), ts("2024-03-12T09:00:00Z")),
            ("bo".into(), ts("2024-03-12T09:00:00Z"), ts("2024-03-13T09:00:00Z")),
            ("cy".into(), ts("2024-03-13T09:00:00Z"), ts("2024-03-14T09:00:00Z")),
            (o(0), ts("2024-03-14T09:00:00Z"), ts("2024-03-15T09:00:00Z")),
            // Friday's shift runs over the weekend and the holiday Monday to Tuesday.
            (o(1), ts("2024-03-15T09:00:00Z"), ts("2024-03-19T09:00:00Z")),
            (o(2), ts("2024-03-19T09:00:00Z"), ts("2024-03-20T09:00:00Z")),
        ]
    );
    // Asking on the holiday says whose shift extends and from when.
    let now = r.on_call_at(ts("2024-03-18T12:00:00Z")).unwrap();
    assert_eq!(now.person.to_string(), o(1));
    assert_eq!(now.why, Why::Extended { from: date(2024, 3, 15), era: 0, cycle: 1, position: 1 });
    let fri = r.on_call_at(ts("2024-03-15T12:00:00Z")).unwrap();
    assert_eq!(fri.why, Why::Turn { era: 0, cycle: 1, position: 1 });
    // The next handover after Saturday noon is Tuesday's.
    assert_eq!(r.next(ts("2024-03-16T12:00:00Z")).unwrap().start, ts("2024-03-19T09:00:00Z"));
}

#[test]
fn the_reshuffle_is_deterministic_and_previewable() {
    let a = Rotation::new(dublin_march()).unwrap();
    let b = Rotation::new(dublin_march()).unwrap();
    let far = ts("2030-06-03T12:00:00Z");
    assert_eq!(a.on_call_at(far), b.on_call_at(far));
    let mut other = dublin_march();
    other.seed = 7;
    let c = Rotation::new(other).unwrap();
    let orders = |r: &Rotation| (1..20).map(|k| r.reshuffle(Layer::Primary, 0, k).unwrap().order).collect::<Vec<_>>();
    assert_ne!(orders(&a), orders(&c), "another seed, another future");
    // The record says who shuffled (the last of the cycle before), the seed and the order.
    for cycle in 1..50 {
        let prev = a.reshuffle(Layer::Primary, 0, cycle - 1).unwrap();
        let this = a.reshuffle(Layer::Primary, 0, cycle).unwrap();
        assert_eq!(this.shuffled_by.as_ref(), prev.order.last());
        assert_ne!(this.order.first(), prev.order.last(), "cycle {cycle}");
    }
}

#[test]
fn a_weekend_layer_covers_each_run_of_days_off_as_one_shift() {
    let mut s = dublin_march();
    s.non_working = NonWorkingDay::WeekendLayer(Roster::new(people(&["wendy", "walt"])));
    let r = Rotation::new(s).unwrap();
    let fri = r.on_call_at(ts("2024-03-15T12:00:00Z")).unwrap();
    assert_eq!(fri.shift.end, ts("2024-03-16T09:00:00Z"), "Friday's shift ends Saturday morning");
    let sat = r.on_call_at(ts("2024-03-16T12:00:00Z")).unwrap();
    assert_eq!(sat.person, p("wendy"));
    assert_eq!(sat.shift.layer, Layer::Weekend);
    assert_eq!((sat.shift.start, sat.shift.end), (ts("2024-03-16T09:00:00Z"), ts("2024-03-19T09:00:00Z")));
    assert_eq!(sat.why, Why::WeekendLayer { era: 0, cycle: 0, position: 0 });
    assert_eq!(who(&r, "2024-03-18T20:00:00Z"), "wendy", "the holiday Monday joins the weekend");
    assert_eq!(who(&r, "2024-03-23T12:00:00Z"), "walt");
    // Weekend days use up nobody's turn on the main list: Monday 11 to Friday 15 is 5 turns.
    assert_eq!(who(&r, "2024-03-19T12:00:00Z"), r.reshuffle(Layer::Primary, 0, 1).unwrap().order[2].to_string());
}

#[test]
fn dublin_dst_with_a_0900_handoff() {
    let r = Rotation::new(spec("Europe/Dublin", time(9, 0, 0, 0), date(2024, 3, 25), &["ana", "bo"])).unwrap();
    // Friday 29 March 09:00 GMT to Monday 1 April 09:00 IST: 71 hours.
    let fri = r.on_call_at(ts("2024-03-30T12:00:00Z")).unwrap().shift;
    assert_eq!((fri.start, fri.end), (ts("2024-03-29T09:00:00Z"), ts("2024-04-01T08:00:00Z")));
    assert_eq!(fri.duration(), SignedDuration::from_hours(71));
    // Fall back: Friday 25 October 09:00 IST to Monday 28 October 09:00 GMT: 73 hours.
    let fri = r.on_call_at(ts("2024-10-26T12:00:00Z")).unwrap().shift;
    assert_eq!(fri.duration(), SignedDuration::from_hours(73));
}

fn every_day(mut s: RotationSpec) -> RotationSpec {
    s.calendar = WorkingCalendar::new(Weekdays::ALL, []);
    s
}

#[test]
fn a_handoff_time_missing_on_the_spring_forward_day_moves_forward_by_the_gap() {
    // Dublin skips 01:00-02:00 on 2024-03-31: a 01:30 shift change happens at 02:30 IST.
    let r =
        Rotation::new(every_day(spec("Europe/Dublin", time(1, 30, 0, 0), date(2024, 3, 29), &["ana", "bo"]))).unwrap();
    let sat = r.on_call_at(ts("2024-03-30T12:00:00Z")).unwrap().shift;
    assert_eq!((sat.start, sat.end), (ts("2024-03-30T01:30:00Z"), ts("2024-03-31T01:30:00Z")));
    let sun = r.on_call_at(ts("2024-03-31T12:00:00Z")).unwrap().shift;
    assert_eq!((sun.start, sun.end), (ts("2024-03-31T01:30:00Z"), ts("2024-04-01T00:30:00Z")));
    let adjusted = r.dst_adjustments(date(2024, 1, 1), date(2025, 1, 1));
    assert_eq!(adjusted.len(), 2, "{adjusted:?}");
    assert_eq!(adjusted[0].kind, ShiftChangeKind::Gap { gap_seconds: 3600 });
    assert_eq!(adjusted[1].kind, ShiftChangeKind::Fold);
    // 02:30 exists in Dublin on that day; in New York it does not.
    let r =
        Rotation::new(every_day(spec("Europe/Dublin", time(2, 30, 0, 0), date(2024, 3, 29), &["ana", "bo"]))).unwrap();
    assert!(r.dst_adjustments(date(2024, 3, 1), date(2024, 4, 1)).is_empty());
    let r = Rotation::new(every_day(spec("America/New_York", time(2, 30, 0, 0), date(2024, 3, 8), &["ana", "bo"])))
        .unwrap();
    let sat = r.on_call_at(ts("2024-03-09T12:00:00Z")).unwrap().shift;
    assert_eq!((sat.start, sat.end), (ts("2024-03-09T07:30:00Z"), ts("2024-03-10T07:30:00Z")), "03:30 EDT");
    let sun = r.on_call_at(ts("2024-03-10T12:00:00Z")).unwrap().shift;
    assert_eq!(sun.duration(), SignedDuration::from_hours(23));
}

#[test]
fn sao_paulo_dst_at_midnight() {
    // 2018-11-04 00:00 -03 jumped to 01:00 -02; 2019-02-17 00:00 -02 fell back to 23:00 -03.
    let r = Rotation::new(every_day(spec("America/Sao_Paulo", time(9, 0, 0, 0), date(2018, 11, 1), &["ana", "bo"])))
        .unwrap();
    let sat = r.on_call_at(ts("2018-11-03T15:00:00Z")).unwrap().shift;
    assert_eq!((sat.start, sat.end), (ts("2018-11-03T12:00:00Z"), ts("2018-11-04T11:00:00Z")));
    let r = Rotation::new(every_day(spec("America/Sao_Paulo", time(0, 30, 0, 0), date(2018, 11, 1), &["ana", "bo"])))
        .unwrap();
    let sat = r.on_call_at(ts("2018-11-03T15:00:00Z")).unwrap().shift;
    assert_eq!((sat.start, sat.end), (ts("2018-11-03T03:30:00Z"), ts("2018-11-04T03:30:00Z")), "00:30 became 01:30");
    let r = Rotation::new(every_day(spec("America/Sao_Paulo", time(23, 30, 0, 0), date(2019, 2, 14), &["ana", "bo"])))
        .unwrap();
    let fold = r.on_call_at(ts("2019-02-17T12:00:00Z")).unwrap().shift;
    assert_eq!(fold.start, ts("2019-02-17T01:30:00Z"), "the first 23:30, at -02");
    assert_eq!(fold.duration(), SignedDuration::from_hours(25));
}

#[test]
fn a_membership_change_mid_cycle_does_not_rewrite_earlier_shifts() {
    let mut s = spec("Europe/Dublin", time(9, 0, 0, 0), date(2024, 3, 4), &["ana", "bo", "cy", "dee"]);
    let before = Rotation::new(s.clone()).unwrap();
    s.roster
        .changes
        .push(MembershipChange { effective: ts("2024-03-06T12:00:00Z"), members: people(&["eve", "ana", "bo"]) });
    let after = Rotation::new(s).unwrap();
    let range = (ts("2024-03-04T09:00:00Z"), ts("2024-03-12T09:00:00Z"));
    let names = |r: &Rotation| r.shifts(range.0, range.1).iter().map(|s| s.person.to_string()).collect::<Vec<_>>();
    // Wednesday's shift had started at 12:00: cy keeps it; Thursday starts the new list.
    assert_eq!(names(&after), ["ana", "bo", "cy", "eve", "ana", "bo"]);
    assert_eq!(names(&before)[..3], names(&after)[..3]);
    assert_eq!(after.on_call_at(ts("2024-03-07T10:00:00Z")).unwrap().why, Why::Turn { era: 1, cycle: 0, position: 0 });
}

#[test]
fn an_override_covers_part_of_a_shift() {
    let mut s = dublin_march();
    let tue = Rotation::new(s.clone()).unwrap().on_call_at(ts("2024-03-12T12:00:00Z")).unwrap().shift;
    assert_eq!(tue.person, p("bo"));
    s.overrides.push(Override {
        covering: p("eve"),
        covered: Some(p("bo")),
        start: ts("2024-03-12T13:00:00Z"),
        end: ts("2024-03-12T17:00:00Z"),
        kind: OverrideKind::Cover,
    });
    // Covering cy during bo's time changes nothing.
    s.overrides.push(Override {
        covering: p("eve"),
        covered: Some(p("cy")),
        start: ts("2024-03-12T18:00:00Z"),
        end: ts("2024-03-12T19:00:00Z"),
        kind: OverrideKind::Cover,
    });
    let r = Rotation::new(s).unwrap();
    let day: Vec<(String, Layer, Timestamp, Timestamp)> = r
        .shifts(ts("2024-03-12T09:00:00Z"), ts("2024-03-13T09:00:00Z"))
        .into_iter()
        .map(|s| (s.person.to_string(), s.layer, s.start, s.end))
        .collect();
    assert_eq!(
        day,
        vec![
            ("bo".into(), Layer::Primary, ts("2024-03-12T09:00:00Z"), ts("2024-03-12T13:00:00Z")),
            ("eve".into(), Layer::Override, ts("2024-03-12T13:00:00Z"), ts("2024-03-12T17:00:00Z")),
            ("bo".into(), Layer::Primary, ts("2024-03-12T17:00:00Z"), ts("2024-03-13T09:00:00Z")),
        ]
    );
    let now = r.on_call_at(ts("2024-03-12T14:00:00Z")).unwrap();
    assert_eq!(now.person, p("eve"));
    assert_eq!(now.why, Why::Override { covered: p("bo"), kind: OverrideKind::Cover });
    assert_eq!(r.next(ts("2024-03-12T10:00:00Z")).unwrap().person, p("eve"));
}

#[test]
fn a_swap_trades_two_shifts() {
    let mut s = dublin_march();
    let base = Rotation::new(s.clone()).unwrap();
    let mon = base.on_call_at(ts("2024-03-11T12:00:00Z")).unwrap().shift;
    let wed = base.on_call_at(ts("2024-03-13T12:00:00Z")).unwrap().shift;
    s.overrides.extend(Override::swap(&mon, &wed));
    let r = Rotation::new(s).unwrap();
    assert_eq!(who(&r, "2024-03-11T12:00:00Z"), "cy");
    assert_eq!(who(&r, "2024-03-13T12:00:00Z"), "ana");
    let why = r.on_call_at(ts("2024-03-13T12:00:00Z")).unwrap().why;
    assert_eq!(why, Why::Override { covered: p("cy"), kind: OverrideKind::Swap });
}

#[test]
fn fairness_weights_weekend_and_holiday_hours() {
    let r = Rotation::new(dublin_march()).unwrap();
    let friday_person = r.on_call_at(ts("2024-03-15T12:00:00Z")).unwrap().person;
    let weights = FairnessWeights { working: 1.0, weekend: 1.5, holiday: 2.0 };
    let l = r.fairness(ts("2024-03-15T09:00:00Z"), ts("2024-03-19T09:00:00Z"), &weights);
    let t = &l.people[&friday_person];
    assert_eq!((t.shifts, t.turns), (1, 1));
    assert_eq!(t.hours(), 96.0);
    // Friday 15h x1, Saturday and Sunday 48h x1.5, holiday Monday 24h x2, Tuesday 9h x1.
    assert_eq!(t.weighted_hours, 15.0 + 72.0 + 48.0 + 9.0);
    assert_eq!((t.weekend_hours, t.holiday_hours), (48.0, 24.0), "pay needs the hours by kind of day");
    assert_eq!(l.people.len(), 1);
}

#[test]
fn fairness_credits_the_person_covering() {
    let mut s = dublin_march();
    s.overrides.push(Override {
        covering: p("eve"),
        covered: None,
        start: ts("2024-03-11T09:00:00Z"),
        end: ts("2024-03-11T21:00:00Z"),
        kind: OverrideKind::Cover,
    });
    let r = Rotation::new(s).unwrap();
    let l = r.fairness(ts("2024-03-11T09:00:00Z"), ts("2024-03-12T09:00:00Z"), &FairnessWeights::default());
    assert_eq!((l.people[&p("eve")].overrides, l.people[&p("eve")].hours()), (1, 12.0));
    assert_eq!(l.people[&p("ana")].hours(), 12.0);
}

#[test]
fn bad_input_is_named() {
    let mut s = spec("Europe/Atlantis", time(9, 0, 0, 0), date(2024, 3, 4), &[]);
    s.roster.changes.push(MembershipChange { effective: ts("2024-05-01T00:00:00Z"), members: people(&["ana", "ana"]) });
    let o = |start: &str, end: &str| Override {
        covering: p("bo"),
        covered: None,
        start: ts(start),
        end: ts(end),
        kind: OverrideKind::Cover,
    };
    s.overrides =
        vec![o("2024-03-05T00:00:00Z", "2024-03-06T00:00:00Z"), o("2024-03-05T12:00:00Z", "2024-03-07T00:00:00Z")];
    let errors = Rotation::new(s).unwrap_err();
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 4, "{text:#?}");
    assert!(text[0].contains("`Europe/Atlantis` is not an IANA time zone"), "{}", text[0]);
    assert!(text[1].contains("main member list at the start is empty"), "{}", text[1]);
    assert!(text[2].contains("ana is on the main member list from 2024-05-01T00:00:00Z twice"), "{}", text[2]);
    assert!(text[3].contains("overrides 0") && text[3].contains("overlap"), "{}", text[3]);
}

#[test]
fn weekly_and_shift_length_cadences() {
    let mut s = spec("Europe/Dublin", time(9, 0, 0, 0), date(2024, 3, 25), &["ana", "bo", "cy"]);
    s.cadence = Cadence::Weekly;
    let r = Rotation::new(s.clone()).unwrap();
    let w = r.on_call_at(ts("2024-03-28T12:00:00Z")).unwrap().shift;
    // Across the spring change: 09:00 GMT Monday to 09:00 IST the next Monday.
    assert_eq!((w.start, w.end), (ts("2024-03-25T09:00:00Z"), ts("2024-04-01T08:00:00Z")));
    assert_eq!(who(&r, "2024-04-02T12:00:00Z"), "bo");
    s.cadence = Cadence::Every(Period::hours(12));
    let r = Rotation::new(s).unwrap();
    assert_eq!(who(&r, "2024-03-25T20:59:59Z"), "ana");
    assert_eq!(who(&r, "2024-03-25T21:00:00Z"), "bo");
    assert_eq!(who(&r, "2024-03-26T09:00:00Z"), "cy");
    assert!(r.on_call_at(ts("2024-03-25T08:59:59Z")).is_none(), "nobody before the first shift change");
}

#[test]
fn a_feed_per_rotation_and_per_person() {
    let r = Rotation::new(dublin_march()).unwrap();
    let shifts = r.shifts(ts("2024-03-11T09:00:00Z"), ts("2024-03-25T09:00:00Z"));
    let stamp = ts("2024-03-01T00:00:00Z");
    let all = to_ical("addon-sre on call", r.time_zone(), shifts.iter().map(|s| (r.id(), s)), stamp);
    assert_eq!(all.matches("BEGIN:VEVENT").count(), shifts.len());
    let ana = to_ical("ana", r.time_zone(), shifts.iter().filter(|s| s.person == p("ana")).map(|s| (r.id(), s)), stamp);
    assert_eq!(ana.matches("BEGIN:VEVENT").count(), shifts.iter().filter(|s| s.person == p("ana")).count());
    assert!(ana.contains("DTSTART:20240311T090000Z\r\n"));
}

// ---- properties ----

const ZONES: [&str; 9] = [
    "Europe/Dublin",
    "America/Sao_Paulo",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
    "Pacific/Chatham",
    "America/St_Johns",
    "Europe/London",
];

fn arb_cadence() -> impl Strategy<Value = (Cadence, bool)> {
    prop_oneof![
        3 => Just((Cadence::Daily, false)),
        2 => Just((Cadence::Daily, true)),
        1 => Just((Cadence::Weekly, false)),
        1 => (1i64..4).prop_map(|d| (Cadence::Every(Period::days(d)), false)),
        1 => (1i64..30).prop_map(|h| (Cadence::Every(Period::hours(h)), false)),
    ]
}

prop_compose! {
    fn arb_rotation()(
        zone in prop::sample::select(ZONES.to_vec()),
        hour in 0i8..24,
        minute in prop::sample::select(vec![0i8, 15, 30, 45]),
        (cadence, layer) in arb_cadence(),
        weekdays in 1u8..128,
        start_offset in 0i64..(365 * 12),
        holiday_offsets in prop::collection::vec(0i64..400, 0..25),
        n in 1usize..7,
        weekend_n in 1usize..4,
        seed: u64,
    ) -> RotationSpec {
        let start = calendar::add_days(date(2012, 1, 1), start_offset);
        let names: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
        let mut s = spec(zone, time(hour, minute, 0, 0), start, &names.iter().map(String::as_str).collect::<Vec<_>>());
        s.cadence = cadence;
        s.seed = seed;
        s.calendar = WorkingCalendar::new(
            Weekdays::from_days((0..7).filter(|i| weekdays & (1 << i) != 0).map(|i| jiff::civil::Weekday::from_monday_zero_offset(i).unwrap())),
            holiday_offsets.iter().map(|d| calendar::add_days(start, *d - 30)),
        );
        if layer {
            s.non_working = NonWorkingDay::WeekendLayer(Roster::new((0..weekend_n).map(|i| p(&format!("w{i}"))).collect()));
        }
        s
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn exactly_one_person_is_on_call_at_every_instant(
        s in arb_rotation(),
        from_offset in -2i64..300,
        span_hours in 72i64..(24 * 45),
        probes in prop::collection::vec(0f64..1.0, 1..12),
    ) {
        let r = Rotation::new(s).unwrap();
        let first = r.first_shift_change();
        let from = first.saturating_add(SignedDuration::from_hours(from_offset * 24 + 7)).unwrap();
        let to = from.saturating_add(SignedDuration::from_hours(span_hours)).unwrap();
        let shifts = r.shifts(from, to);
        prop_assert!(!shifts.is_empty());
        prop_assert!(shifts[0].start <= from.max(first) && shifts[0].end > from.max(first));
        prop_assert!(shifts.last().unwrap().end >= to);
        for w in shifts.windows(2) {
            prop_assert_eq!(w[0].end, w[1].start, "no gap, no overlap");
        }
        for s in &shifts {
            prop_assert!(s.start < s.end);
            let at_start = r.on_call_at(s.start).unwrap();
            prop_assert_eq!(&at_start.shift, s);
            let last = s.end.checked_sub(SignedDuration::from_nanos(1)).unwrap();
            prop_assert_eq!(&r.on_call_at(last).unwrap().shift, s);
        }
        let lo = from.max(first);
        let len = to.duration_since(lo).as_secs_f64();
        for q in probes {
            let t = lo.checked_add(SignedDuration::from_secs_f64(len * q)).unwrap();
            let now = r.on_call_at(t).unwrap();
            let containing: Vec<_> = shifts.iter().filter(|s| s.contains(t)).collect();
            prop_assert_eq!(containing.len(), 1);
            prop_assert_eq!(&now.shift, containing[0]);
            prop_assert_eq!(&now.person, &containing[0].person);
        }
        prop_assert!(r.on_call_at(first.checked_sub(SignedDuration::from_nanos(1)).unwrap()).is_none());
    }

    #[test]
    fn every_member_gets_a_fair_share_over_two_years(s in arb_rotation()) {
        let r = Rotation::new(s).unwrap();
        let from = r.first_shift_change();
        let to = from.saturating_add(SignedDuration::from_hours(24 * 730)).unwrap();
        let ledger = r.fairness(from, to, &FairnessWeights::default());
        let spec = r.spec();
        let counts: Vec<u32> = spec.roster.members.iter().map(|m| ledger.people.get(m).map_or(0, |t| t.turns)).collect();
        let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        prop_assert!(hi - lo <= 1, "{:?}", counts);
        if let NonWorkingDay::WeekendLayer(w) = &spec.non_working {
            let counts: Vec<u32> = w.members.iter().map(|m| ledger.people.get(m).map_or(0, |t| t.weekend_turns)).collect();
            let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
            prop_assert!(hi - lo <= 1, "weekend {:?}", counts);
        }
    }

    #[test]
    fn nobody_works_two_turns_in_a_row(s in arb_rotation()) {
        prop_assume!(s.roster.members.len() >= 2);
        let r = Rotation::new(s).unwrap();
        let from = r.first_shift_change();
        let to = from.saturating_add(SignedDuration::from_hours(24 * 200)).unwrap();
        let main: Vec<_> = r.shifts(from, to).into_iter().filter(|s| s.layer == Layer::Primary).collect();
        for w in main.windows(2) {
            prop_assert_ne!(&w[0].person, &w[1].person);
        }
    }

    #[test]
    fn a_membership_change_leaves_the_past_alone(
        s in arb_rotation(),
        after_hours in 0i64..(24 * 60),
        members in prop::collection::vec(0usize..9, 1..6),
    ) {
        let before = Rotation::new(s.clone()).unwrap();
        let effective = before.first_shift_change().saturating_add(SignedDuration::from_hours(after_hours)).unwrap();
        let mut changed = s;
        let mut list: Vec<PersonId> = Vec::new();
        for m in members { let id = p(&format!("n{m}")); if !list.contains(&id) { list.push(id); } }
        changed.roster.changes.push(MembershipChange { effective, members: list.clone() });
        let after = Rotation::new(changed).unwrap();
        let end = effective.saturating_add(SignedDuration::from_hours(24 * 20)).unwrap();
        let (old, new) = (before.shifts(before.first_shift_change(), end), after.shifts(after.first_shift_change(), end));
        for (a, b) in old.iter().zip(&new) {
            if a.start >= effective { break; }
            prop_assert_eq!(a, b, "a shift started before the change is unchanged");
        }
        // From the first main-list shift change at or after the change, only new members are on the main list.
        for s in new.iter().filter(|s| s.start >= effective && s.layer == Layer::Primary) {
            prop_assert!(list.contains(&s.person), "{} after the change", s.person);
        }
    }
}

/// Not a benchmark (criterion lives elsewhere): a rough check that the API is fast enough.
/// Run with `cargo test -p baton-core --release -- --ignored oncall::tests::timing --nocapture`.
#[test]
#[ignore]
fn timing_one_year_for_a_thousand_rotations_and_point_queries() {
    let rotations: Vec<Rotation> = (0..1000)
        .map(|i| {
            let mut s = dublin_march();
            s.time_zone = ZONES[i % ZONES.len()].to_owned();
            s.seed = i as u64;
            s.roster = Roster::new((0..(3 + i % 8)).map(|k| p(&format!("p{k}"))).collect());
            if i % 3 == 0 {
                s.non_working = NonWorkingDay::WeekendLayer(Roster::new(people(&["w1", "w2", "w3"])));
            }
            Rotation::new(s).unwrap()
        })
        .collect();
    let (from, to) = (ts("2025-01-01T00:00:00Z"), ts("2026-01-01T00:00:00Z"));
    let started = std::time::Instant::now();
    let total: usize = rotations.iter().map(|r| r.shifts(from, to).len()).sum();
    let year = started.elapsed();
    let started = std::time::Instant::now();
    let queries = 100_000;
    let mut found = 0;
    for i in 0..queries {
        let t = from.checked_add(SignedDuration::from_secs(i as i64 * 313)).unwrap();
        found += usize::from(rotations[i % 1000].on_call_at(t).is_some());
    }
    let per_query = started.elapsed() / queries as u32;
    println!(
        "{total} shifts for 1,000 rotations over a year in {year:?}; on_call_at {per_query:?} per query ({found})"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    /// The balanced reshuffle's bound: at the end of every cycle, the most loaded member
    /// has carried at most two of the heaviest shifts more than the least loaded (one for
    /// the greedy choice, one for the swap that keeps a cycle from starting with the
    /// person who ended the last), so over a year the ratio of the loads goes to 1. Two
    /// members have one order only that never works anyone twice in a row, alternation,
    /// which a calendar of uneven days (Monday and Friday only, say) cannot balance.
    #[test]
    fn a_year_of_balanced_reshuffles_keeps_the_loads_within_two_heavy_shifts(mut s in arb_rotation()) {
        prop_assume!(s.roster.members.len() >= 3);
        // One list: a weekend layer balances its own list the same way.
        s.non_working = NonWorkingDay::Extend;
        let members = s.roster.members.len() as u64;
        let r = Rotation::new(s).unwrap();
        let from = r.first_shift_change();
        let year = from.saturating_add(SignedDuration::from_hours(24 * 366)).unwrap();
        let shifts = r.shifts(from, year);
        // Whole cycles only: the loads are compared where every member has had a turn.
        let cycle_of = |s: &Shift| match s.reason { Reason::Turn { cycle, .. } => cycle, _ => unreachable!("no overrides") };
        let complete = shifts.iter().map(cycle_of).max().unwrap_or(0);
        prop_assume!(complete >= 2);
        let whole: Vec<Shift> = shifts.into_iter().filter(|s| cycle_of(s) < complete).collect();
        let end = whole.last().unwrap().end;
        let weights = FairnessWeights::default();
        let year_ledger = ledger(&whole, r.calendar(), r.time_zone(), &weights, from, end);
        let loads: Vec<f64> = r.spec().roster.members.iter().map(|m| year_ledger.people[m].weighted_hours).collect();
        let heaviest = whole
            .iter()
            .map(|s| ledger(std::slice::from_ref(s), r.calendar(), r.time_zone(), &weights, s.start, s.end).people[&s.person].weighted_hours)
            .fold(0f64, f64::max);
        let (lo, hi) = loads.iter().fold((f64::MAX, 0f64), |(lo, hi), l| (lo.min(*l), hi.max(*l)));
        // The balance counts every day as 24 hours; the ledger counts the hour a DST change
        // adds or removes: two a year per member, at the holiday weight at most.
        let dst = 2.0 * 2.0 * (complete as f64 * members as f64 / 365.0).max(1.0);
        prop_assert!(hi - lo <= 2.0 * heaviest + dst, "loads {loads:?}: spread {} over two heaviest shifts {}", hi - lo, 2.0 * heaviest);
    }
}

fn leave(who: &str, start: &str, end: &str, recorded: Option<&str>) -> Leave {
    Leave { person: p(who), start: ts(start), end: ts(end), recorded: recorded.map(ts) }
}

#[test]
fn a_turn_during_leave_passes_on_and_is_owed_back() {
    // ana, bo, cy, dee on Dublin working days from Monday 2024-03-04; cycle 0 is the list
    // as written, so bo holds Tuesday 5 March.
    let r =
        Rotation::new(spec("Europe/Dublin", time(9, 0, 0, 0), date(2024, 3, 4), &["ana", "bo", "cy", "dee"])).unwrap();
    assert_eq!(who(&r, "2024-03-05T12:00:00Z"), "bo");
    let away = leave("bo", "2024-03-05T00:00:00Z", "2024-03-06T00:00:00Z", Some("2024-01-10T10:00:00Z"));
    let with = r.with_leave([away]);
    // Not ana (she had Monday) nor cy (he has Wednesday): dee, the next who is then not
    // on call twice in a row.
    let tue = with.on_call_at(ts("2024-03-05T12:00:00Z")).unwrap();
    assert_eq!(tue.person, p("dee"));
    assert_eq!(tue.why, Why::CoversLeave { away: p("bo"), era: 0, cycle: 0, position: 1 });
    // bo works dee's next turn instead, and from then on the schedule is as it was.
    let shifts = with.shifts(ts("2024-03-06T09:00:00Z"), ts("2024-03-20T09:00:00Z"));
    let repaid: Vec<&Shift> = shifts.iter().filter(|s| matches!(s.reason, Reason::Repays { .. })).collect();
    assert_eq!(repaid.len(), 1, "{shifts:#?}");
    assert_eq!(repaid[0].person, p("bo"));
    assert!(matches!(&repaid[0].reason, Reason::Repays { owed_to, .. } if *owed_to == p("dee")));
    assert_eq!(r.on_call_at(repaid[0].start).unwrap().person, p("dee"), "it was dee's turn");
    let after = repaid[0].end;
    let later = ts("2024-04-30T09:00:00Z");
    assert_eq!(with.shifts(after, later), r.shifts(after, later));
    // The ledger shows the debt while it is open, and that it was repaid.
    let weights = FairnessWeights::default();
    let open = with.fairness(ts("2024-03-04T09:00:00Z"), repaid[0].start, &weights);
    assert_eq!(open.people[&p("bo")].turns_owed, 1);
    assert_eq!(open.people[&p("dee")].turns_owed, -1);
    let settled = with.fairness(ts("2024-03-04T09:00:00Z"), later, &weights);
    assert!(settled.people.values().all(|t| t.turns_owed == 0), "{settled:?}");
    assert_eq!(settled.people[&p("bo")].leave_turns, 1);
}

#[test]
fn leave_recorded_late_leaves_the_published_shift_uncovered() {
    let r =
        Rotation::new(spec("Europe/Dublin", time(9, 0, 0, 0), date(2024, 3, 4), &["ana", "bo", "cy", "dee"])).unwrap();
    // Recorded on 1 March for 5 March: within the notice, so bo keeps the shift until
    // someone agrees to cover it.
    let late = leave("bo", "2024-03-05T00:00:00Z", "2024-03-06T00:00:00Z", Some("2024-03-01T10:00:00Z"));
    let with = r.with_leave([late]);
    assert_eq!(who(&with, "2024-03-05T12:00:00Z"), "bo");
    let uncovered = with.uncovered_leave(ts("2024-03-04T09:00:00Z"), ts("2024-03-08T09:00:00Z"));
    assert_eq!(
        uncovered,
        vec![UncoveredShift { person: p("bo"), start: ts("2024-03-05T09:00:00Z"), end: ts("2024-03-06T09:00:00Z") }]
    );
    // The suggestion: the least loaded of the others who is neither ana (before) nor cy
    // (after), nor away.
    let tue = with.on_call_at(ts("2024-03-05T12:00:00Z")).unwrap().shift;
    let ledger = with.fairness(ts("2024-03-04T09:00:00Z"), ts("2024-03-05T09:00:00Z"), &FairnessWeights::default());
    let members = people(&["ana", "bo", "cy", "dee"]);
    assert_eq!(suggest_cover(&tue, &members, with.leave(), &[&p("ana"), &p("cy")], &ledger), Some(p("dee")));
    let dee_away = leave("dee", "2024-03-05T00:00:00Z", "2024-03-07T00:00:00Z", None);
    assert_eq!(suggest_cover(&tue, &members, &[dee_away], &[&p("ana"), &p("cy")], &ledger), None);
}

#[test]
fn leave_on_a_weekend_moves_the_weekend_layers_turn() {
    let mut s = spec("Europe/Dublin", time(9, 0, 0, 0), date(2024, 3, 4), &["ana", "bo", "cy"]);
    s.calendar = WorkingCalendar::new(Weekdays::MON_FRI, []);
    s.non_working = NonWorkingDay::WeekendLayer(Roster::new(people(&["wen", "xia", "yan"])));
    let r = Rotation::new(s).unwrap();
    assert_eq!(who(&r, "2024-03-09T12:00:00Z"), "wen");
    let with = r.with_leave([leave("wen", "2024-03-08T18:00:00Z", "2024-03-11T18:00:00Z", None)]);
    let sat = with.on_call_at(ts("2024-03-09T12:00:00Z")).unwrap();
    assert_ne!(sat.person, p("wen"));
    assert!(matches!(sat.why, Why::CoversLeave { ref away, .. } if *away == p("wen")));
    // The weekday list is untouched.
    let week = (ts("2024-03-04T09:00:00Z"), ts("2024-03-30T09:00:00Z"));
    let weekdays = |r: &Rotation| -> Vec<Shift> {
        r.shifts(week.0, week.1).into_iter().filter(|s| s.layer == Layer::Primary).collect()
    };
    assert_eq!(weekdays(&with), weekdays(&r));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Leave of at most one cycle's worth of turns, one person away at a time: nobody is
    /// on call during their leave, time stays tiled, and every turn owed is repaid by the
    /// person away, to the person who took it, within the two cycles after they are back
    /// (the k-th turn owed to the same person for the same leave: within 2k cycles).
    #[test]
    fn nobody_is_on_call_during_leave_and_owed_turns_are_repaid_within_two_cycles(
        mut s in arb_rotation(),
        picks in prop::collection::vec((0usize..7, 0usize..1000, 0usize..7, 0f64..1.0), 1..6),
    ) {
        // Three people at least, so that someone can always cover (added, not assumed:
        // rejecting small rosters would abort long runs).
        for i in s.roster.members.len()..3 {
            s.roster.members.push(p(&format!("p{i}")));
        }
        s.non_working = NonWorkingDay::Extend;
        let m = s.roster.members.len();
        let members = s.roster.members.clone();
        let r = Rotation::new(s).unwrap();
        let from = r.first_shift_change();
        let to = from.saturating_add(SignedDuration::from_hours(24 * 500)).unwrap();
        let base = r.shifts(from, to);
        let mut leaves = Vec::new();
        let mut at = 0usize;
        for (who, skip, len, frac) in picks {
            let i = at + skip % (3 * m);
            let k = 1 + len % m;
            if i + k + 3 * m >= base.len() {
                break;
            }
            let first = &base[i];
            let start = first.start.checked_add(SignedDuration::from_secs_f64(first.duration().as_secs_f64() * frac * 0.9)).unwrap();
            leaves.push(Leave { person: members[who % m].clone(), start, end: base[i + k].start, recorded: None });
            at = i + k + 3 * m;
        }
        prop_assume!(!leaves.is_empty());
        let with = r.with_leave(leaves.clone());
        let shifts = with.shifts(from, to);
        for w in shifts.windows(2) {
            prop_assert_eq!(w[0].end, w[1].start, "no gap, no overlap");
        }
        for l in &leaves {
            for s in shifts.iter().filter(|s| s.person == l.person) {
                prop_assert!(!l.overlaps(s.start, s.end), "{} on call {}..{} during leave {}..{}", s.person, s.start, s.end, l.start, l.end);
            }
        }
        // (debtor, creditor, index of the first shift after the debtor is back)
        let mut open: Vec<(PersonId, PersonId, usize)> = Vec::new();
        let mut repaid: Vec<(PersonId, PersonId, usize)> = Vec::new();
        for (n, s) in shifts.iter().enumerate() {
            match &s.reason {
                Reason::CoversLeave { away, .. } => {
                    let back = leaves.iter().filter(|l| &l.person == away && l.overlaps(s.start, s.end)).map(|l| l.end).max().unwrap();
                    let back_at = shifts.iter().position(|x| x.start >= back).unwrap();
                    open.push((away.clone(), s.person.clone(), back_at));
                }
                Reason::Repays { owed_to, .. } => {
                    let i = open.iter().position(|(d, c, _)| *d == s.person && c == owed_to);
                    prop_assert!(i.is_some(), "a repayment nobody owed: {s:?}");
                    let (debtor, creditor, back_at) = open.remove(i.unwrap());
                    // The k-th turn repaid to the same person for the same leave waits for
                    // the creditor's k-th turn after the debtor is back: within 2k cycles.
                    let debt = (debtor, creditor, back_at);
                    let k = 1 + repaid.iter().filter(|d| **d == debt).count();
                    prop_assert!(n >= back_at && n - back_at < 2 * m * k,
                        "{} repaid {} {} turns after coming back (turn {k} owed, {m} members)", debt.0, debt.1, n - back_at);
                    repaid.push(debt);
                }
                _ => {}
            }
        }
        prop_assert!(open.is_empty(), "turns never repaid: {open:?}");
    }
}

/// Sydney, Dublin and New York: three zones whose DST changes fall on six different
/// dates of 2026, in both directions.
fn follow_the_sun(dublin_to: Time) -> RotationSpec {
    let mut s = spec("UTC", time(0, 0, 0, 0), date(2026, 1, 5), &["ana", "bo", "cy", "dee", "eli", "fay"]);
    s.calendar = WorkingCalendar::new(Weekdays::ALL, []);
    let region = |name: &str, zone: &str, to: Time, members: &[&str]| RegionSpec {
        name: name.to_owned(),
        time_zone: zone.to_owned(),
        from: time(8, 0, 0, 0),
        to,
        members: people(members),
    };
    s.regions = vec![
        region("sydney", "Australia/Sydney", time(19, 0, 0, 0), &["ana", "bo"]),
        region("dublin", "Europe/Dublin", dublin_to, &["cy", "dee"]),
        region("new-york", "America/New_York", time(18, 0, 0, 0), &["eli", "fay"]),
    ];
    s
}

#[test]
fn follow_the_sun_across_the_dst_changes_of_three_zones_has_no_gap_no_double_and_no_night() {
    let r = Rotation::new(follow_the_sun(time(15, 0, 0, 0))).unwrap();
    let zone = |name: &str| jiff::tz::TimeZone::get(name).unwrap();
    let zones = [
        ("sydney", zone("Australia/Sydney")),
        ("dublin", zone("Europe/Dublin")),
        ("new-york", zone("America/New_York")),
    ];
    let (from, to) = (r.first_shift_change(), ts("2027-01-05T00:00:00Z"));
    let shifts = r.shifts(from, to);
    assert_eq!(shifts[0].start, from);
    for w in shifts.windows(2) {
        assert_eq!(w[0].end, w[1].start, "no gap, no overlap: {:?} then {:?}", w[0], w[1]);
    }
    let mut per_region = std::collections::BTreeMap::new();
    for s in &shifts {
        let region = s.region.as_deref().expect("every shift is a region's");
        *per_region.entry(region).or_insert(0) += 1;
        let tz = &zones.iter().find(|(n, _)| *n == region).unwrap().1;
        let (start, end) = (s.start.to_zoned(tz.clone()), s.end.to_zoned(tz.clone()));
        let to = match region {
            "sydney" => time(19, 0, 0, 0),
            "dublin" => time(15, 0, 0, 0),
            _ => time(18, 0, 0, 0),
        };
        assert_eq!(start.time(), time(8, 0, 0, 0), "{region} starts at 08:00 local: {s:?}");
        assert!(end.date() == start.date() && end.time() <= to, "{region} ends within its hours: {start} to {end}");
        // Who is on call at any instant of it is this one answer, of its region's list.
        for t in [s.start, s.end.checked_sub(SignedDuration::from_secs(1)).unwrap()] {
            assert_eq!(r.on_call_at(t).unwrap().shift, *s);
        }
        let members = match region {
            "sydney" => ["ana", "bo"],
            "dublin" => ["cy", "dee"],
            _ => ["eli", "fay"],
        };
        assert!(members.contains(&s.person.as_str()), "{s:?}");
    }
    // One span per region per day: 365 days of 2026 from 5 January, and the next four.
    let days = per_region["dublin"];
    assert!((364..=366).contains(&days), "{per_region:?}");
    assert!(per_region.values().all(|n| (*n as i64 - days as i64).abs() <= 1), "{per_region:?}");
    // Around each DST change (Sydney 5 April and 4 October, New York 8 March and 1
    // November, Dublin 29 March and 25 October), every minute has exactly one holder.
    for change in [
        "2026-03-08T07:00:00Z",
        "2026-03-29T01:00:00Z",
        "2026-04-04T16:00:00Z",
        "2026-10-03T16:00:00Z",
        "2026-10-25T01:00:00Z",
        "2026-11-01T06:00:00Z",
    ] {
        let c = ts(change);
        for m in (-36 * 60..36 * 60).step_by(7) {
            let t = c.checked_add(SignedDuration::from_mins(m)).unwrap();
            let holding: Vec<_> = shifts.iter().filter(|s| s.contains(t)).collect();
            assert_eq!(holding.len(), 1, "at {t}");
        }
    }
}

#[test]
fn follow_the_sun_hours_that_leave_a_region_on_call_after_hours_are_refused() {
    // Dublin until 12:00 only: New York takes over at 13:00 Dublin time in winter.
    let errors = Rotation::new(follow_the_sun(time(12, 0, 0, 0))).unwrap_err();
    let text = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
    assert!(
        text.contains("region `dublin`'s hours end at 12:00, but on 2026-01-05 `new-york` takes over only at 2026-01-05 13:00 Europe/Dublin"),
        "{text}"
    );
    let mut one = follow_the_sun(time(15, 0, 0, 0));
    one.regions.truncate(1);
    assert!(Rotation::new(one).unwrap_err()[0].to_string().contains("two regions at least"));
}

#[test]
fn leave_in_a_region_passes_the_turn_within_the_region() {
    let r = Rotation::new(follow_the_sun(time(15, 0, 0, 0))).unwrap();
    // Sydney's span starting 2026-02-02 08:00 AEDT is 2026-02-01T21:00Z.
    let t = ts("2026-02-01T23:00:00Z");
    let holder = r.on_call_at(t).unwrap().person;
    let other = if holder == p("ana") { p("bo") } else { p("ana") };
    let away = Leave {
        person: holder.clone(),
        start: ts("2026-02-01T00:00:00Z"),
        end: ts("2026-02-03T00:00:00Z"),
        recorded: None,
    };
    let with = r.with_leave([away]);
    let now = with.on_call_at(t).unwrap();
    assert_eq!(now.person, other);
    assert_eq!(now.shift.region.as_deref(), Some("sydney"));
    assert!(matches!(now.why, Why::CoversLeave { ref away, .. } if *away == holder));
}

#[test]
fn cover_for_a_follow_the_sun_shift_comes_from_its_own_region() {
    let r = Rotation::new(follow_the_sun(time(15, 0, 0, 0))).unwrap();
    let sydney = r.on_call_at(ts("2026-02-01T23:00:00Z")).unwrap().shift;
    assert_eq!(sydney.region.as_deref(), Some("sydney"));
    assert_eq!(r.cover_candidates(&sydney), people(&["ana", "bo"]));
}
