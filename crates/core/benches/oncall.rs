//! On-call schedule benchmarks: a year of shifts for 1,000 rotations, and `on_call_at` at
//! random instants of that year. Figures and targets are in BENCHMARKS.md.
//!
//! Run with `cargo bench -p baton-core --bench oncall`.

use std::hint::black_box;
use std::time::Duration;

use baton_core::oncall::{
    on_call_at, shifts, Cadence, Leave, MembershipChange, NonWorkingDay, Override, OverrideKind, RegionSpec, Roster,
    Rotation, RotationId, RotationSpec, Weekdays, WorkingCalendar,
};
use baton_core::{PersonId, Timestamp};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use jiff::civil::{date, time, Date};
use jiff::{SignedDuration, ToSpan};

const ROTATIONS: usize = 1000;
const QUERIES: usize = 10_000;

/// Zones with DST both ways, half-hour and 45-minute offsets, and none.
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

/// The year the schedule is computed for.
fn year() -> (Timestamp, Timestamp) {
    ("2025-01-01T00:00:00Z".parse().unwrap(), "2026-01-01T00:00:00Z".parse().unwrap())
}

fn person(name: &str) -> PersonId {
    PersonId::parse(name).unwrap()
}

fn members(prefix: &str, n: usize) -> Vec<PersonId> {
    (0..n).map(|k| person(&format!("{prefix}{k}"))).collect()
}

/// Fixed-date holidays, 2024 to 2026, plus one calendar's own day (a national holiday
/// that moves the count differently per calendar): about ten a year, some on weekends.
fn holidays(calendar: usize) -> Vec<Date> {
    let own = [(3, 17), (9, 7), (7, 4), (1, 26)][calendar % 4];
    (2024..=2026)
        .flat_map(|y| {
            [(1, 1), (5, 1), (6, 2), (8, 4), (10, 27), (12, 24), (12, 25), (12, 26), (12, 31), own]
                .into_iter()
                .map(move |(m, d)| date(y, m, d))
        })
        .collect()
}

/// The 1,000 rotations: by `i % 4`, two daily rotations whose last working day's shift
/// extends over days off, a daily one with a weekend layer, and a weekly one; daily ones
/// on a holiday calendar; nine zones, four shift change times, 3 to 10 members, and every
/// tenth with a membership change or a few overrides in the year.
fn rotations() -> Vec<Rotation> {
    (0..ROTATIONS).map(rotation).collect()
}

fn rotation(i: usize) -> Rotation {
    let n = 3 + i % 8;
    let handoff = [time(9, 0, 0, 0), time(10, 0, 0, 0), time(8, 30, 0, 0), time(17, 0, 0, 0)][i / 4 % 4];
    let mut spec = RotationSpec {
        id: RotationId::parse(&format!("rotation-{i}")).unwrap(),
        time_zone: ZONES[i % ZONES.len()].to_owned(),
        handoff,
        cadence: Cadence::Daily,
        calendar: WorkingCalendar::new(Weekdays::MON_FRI, holidays(i / 4)),
        non_working: NonWorkingDay::Extend,
        start: date(2024, 1, 1).checked_add(((i % 90) as i64).days()).unwrap(),
        roster: Roster::new(members("p", n)),
        seed: i as u64,
        overrides: Vec::new(),
        regions: Vec::new(),
    };
    match i % 4 {
        2 => spec.non_working = NonWorkingDay::WeekendLayer(Roster::new(members("w", 2 + i % 3))),
        3 => {
            spec.cadence = Cadence::Weekly;
            spec.calendar = WorkingCalendar::default();
        }
        _ => {}
    }
    if i % 10 == 1 {
        spec.roster.changes.push(MembershipChange {
            effective: "2025-06-02T00:00:00Z".parse().unwrap(),
            members: members("q", n + 1),
        });
    }
    if i % 10 == 5 {
        spec.overrides = ["2025-02-10", "2025-05-05", "2025-08-18", "2025-11-24"]
            .iter()
            .map(|d| {
                let start: Timestamp = format!("{d}T12:00:00Z").parse().unwrap();
                Override {
                    covering: person("cover"),
                    covered: None,
                    start,
                    end: start.checked_add(SignedDuration::from_hours(30)).unwrap(),
                    kind: OverrideKind::Cover,
                }
            })
            .collect();
    }
    let rotation = Rotation::new(spec).unwrap();
    if i % 10 != 7 {
        return rotation;
    }
    // Every tenth: three people take two weeks' leave in the year (turns passed and repaid).
    let leave = [(0, "2025-03-03"), (1, "2025-07-14"), (2, "2025-10-20")].map(|(m, d)| {
        let start: Timestamp = format!("{d}T00:00:00Z").parse().unwrap();
        Leave {
            person: person(&format!("p{m}")),
            start,
            end: start.checked_add(SignedDuration::from_hours(24 * 14)).unwrap(),
            recorded: None,
        }
    });
    rotation.with_leave(leave)
}

/// A follow-the-sun rotation: Kolkata, Dublin and São Paulo, two people each, weekly.
fn follow_the_sun() -> Rotation {
    let region = |name: &str, zone: &str, from: (i8, i8), to: (i8, i8), prefix: &str| RegionSpec {
        name: name.to_owned(),
        time_zone: zone.to_owned(),
        from: time(from.0, from.1, 0, 0),
        to: time(to.0, to.1, 0, 0),
        members: members(prefix, 2),
    };
    Rotation::new(RotationSpec {
        id: RotationId::parse("sun").unwrap(),
        time_zone: "Europe/Dublin".into(),
        handoff: time(8, 0, 0, 0),
        cadence: Cadence::Weekly,
        calendar: WorkingCalendar::new(Weekdays::ALL, []),
        non_working: NonWorkingDay::Extend,
        start: date(2024, 1, 1),
        roster: Roster::new([members("k", 2), members("d", 2), members("s", 2)].concat()),
        seed: 7,
        overrides: Vec::new(),
        regions: vec![
            region("kolkata", "Asia/Kolkata", (8, 0), (17, 0), "k"),
            region("dublin", "Europe/Dublin", (10, 0), (19, 30), "d"),
            region("sao-paulo", "America/Sao_Paulo", (15, 0), (23, 30), "s"),
        ],
    })
    .unwrap()
}

/// SplitMix64: reproducible "random" queries without a dependency.
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `QUERIES` (rotation, instant) pairs, the instants uniform over the year to the second.
fn queries() -> Vec<(usize, Timestamp)> {
    let (from, to) = year();
    let seconds = to.duration_since(from).as_secs() as u64;
    let mut rng = SplitMix(2025);
    (0..QUERIES)
        .map(|_| {
            let r = (rng.next() % ROTATIONS as u64) as usize;
            let t = from.checked_add(SignedDuration::from_secs((rng.next() % seconds) as i64)).unwrap();
            (r, t)
        })
        .collect()
}

fn year_of_shifts(c: &mut Criterion) {
    let rotations = rotations();
    let (from, to) = year();
    let total: usize = rotations.iter().map(|r| shifts(r, from, to).len()).sum();
    eprintln!("one year for {ROTATIONS} rotations: {total} shifts");

    let mut group = c.benchmark_group("oncall/year");
    group.sample_size(30).measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(ROTATIONS as u64));
    group.bench_function("shifts, 1,000 rotations", |b| {
        b.iter(|| rotations.iter().map(|r| shifts(r, black_box(from), black_box(to)).len()).sum::<usize>())
    });
    // Freshly checked rotations: no balanced-reshuffle checkpoints kept yet, so each walks
    // its cycles from its start (2024) to the year asked (2025) first.
    group.bench_function("shifts, 1,000 rotations, cold", |b| {
        b.iter_batched(
            || (0..ROTATIONS).map(rotation).collect::<Vec<_>>(),
            |fresh| fresh.iter().map(|r| shifts(r, black_box(from), black_box(to)).len()).sum::<usize>(),
            BatchSize::LargeInput,
        )
    });
    group.finish();

    // One rotation of each kind, to see which costs what.
    let mut group = c.benchmark_group("oncall/year/one");
    for (name, i) in
        [("daily, extend", 0), ("daily, weekend layer", 2), ("weekly", 3), ("daily, overrides", 5), ("daily, leave", 7)]
    {
        let r = &rotations[i];
        group.bench_function(name, |b| b.iter(|| shifts(r, black_box(from), black_box(to))));
    }
    let sun = follow_the_sun();
    group.bench_function("follow-the-sun, three regions", |b| b.iter(|| shifts(&sun, black_box(from), black_box(to))));
    group.finish();

    // Checking the specs: not a target, but what a reload of 1,000 rotations costs.
    let mut group = c.benchmark_group("oncall/new");
    group.sample_size(20);
    group.bench_function("Rotation::new, 1,000 rotations", |b| {
        b.iter_batched(
            || (0..ROTATIONS).map(|i| rotation(i).spec().clone()).collect::<Vec<_>>(),
            |specs| specs.into_iter().map(|s| Rotation::new(s).unwrap()).collect::<Vec<_>>(),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn point_queries(c: &mut Criterion) {
    let rotations = rotations();
    let queries = queries();
    let mut group = c.benchmark_group("oncall/on_call_at");
    group.bench_function("random instant, random rotation", |b| {
        let mut k = 0;
        b.iter(|| {
            let (r, t) = queries[k % QUERIES];
            k += 1;
            on_call_at(&rotations[r], black_box(t))
        })
    });
    group.finish();
}

criterion_group!(benches, year_of_shifts, point_queries);
criterion_main!(benches);
