//! SLO maths benchmarks: one SLO over 28 days of per-minute buckets (the window tally and
//! the four default alert tiers), the same for 1,000 SLOs, and 10,000 SLOs' alert tiers
//! for one new minute, re-tallied and from running sums (`Rolling`). Figures and targets
//! are in BENCHMARKS.md.
//!
//! Run with `cargo bench -p baton-core --bench slo`. The 1,000- and 10,000-SLO cases hold
//! about 1.3 GB of buckets each (one at a time), every SLO its own series, so the scan
//! reads memory the way an engine holding that many series would, not a cached copy.

use std::cell::OnceCell;
use std::hint::black_box;
use std::time::Duration;

use baton_core::slo::{
    alert_tiers, default_tier_specs, evaluate_tier, start_of_minute, tally, AlertTier, Bucket, BudgetingMethod,
    ErrorBudget, Measured, Objective, Rolling, Series, SliceThreshold, SloWindow, Tally, TierVerdict, WindowBurn,
};
use baton_core::{Period, Timestamp};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use jiff::SignedDuration;

const MINUTES_28D: usize = 28 * 24 * 60;
/// The longest default tier window, 3 days, plus nothing: all a tier evaluation reads.
const MINUTES_3D: usize = 3 * 24 * 60;
/// Alert tiers need at least this many events in a window to fire (the engine's guard).
const MIN_EVENTS: u64 = 10;

/// The instant of the evaluation: the minute that has just completed is the one before it.
fn now() -> Timestamp {
    "2025-03-01T12:00:00Z".parse().unwrap()
}

/// SplitMix64: reproducible traffic without a dependency.
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

/// One SLO as the engine holds it: its definition's figures, its tiers scaled to its
/// window once, and its buckets, checked into a [`Series`] once.
struct Slo {
    method: BudgetingMethod,
    objective: Objective,
    window: SloWindow,
    tiers: Vec<AlertTier>,
    buckets: Vec<Bucket>,
}

impl Slo {
    /// SLO number `i`: mostly occurrences, some timeslices and ratio timeslices, four
    /// objectives, and `minutes` of buckets ending at the last complete minute before `now()`.
    fn new(i: usize, minutes: usize) -> Slo {
        let method = match i % 10 {
            0..=6 => BudgetingMethod::Occurrences,
            7 | 8 => BudgetingMethod::Timeslices { threshold: SliceThreshold::parse("0.95").unwrap() },
            _ => BudgetingMethod::RatioTimeslices,
        };
        let objective = Objective::parse(["0.99", "0.995", "0.999", "0.9995"][i % 4]).unwrap();
        let length = Period::days(28);
        Slo {
            method,
            objective,
            window: SloWindow::Rolling { length },
            tiers: alert_tiers(&default_tier_specs(), length).unwrap(),
            buckets: traffic(i as u64, minutes),
        }
    }

    fn series(&self) -> Series<'_> {
        Series::new(&self.buckets).unwrap()
    }
}

/// `minutes` per-minute buckets ending just before `now()`: a daily cycle between 20 and
/// about 1,100 requests a minute (scaled per SLO), 1% of minutes with no traffic, one
/// failed request in one minute in ten and, one minute in 2,000, an incident minute with
/// a quarter of the requests failing.
fn traffic(seed: u64, minutes: usize) -> Vec<Bucket> {
    let mut rng = SplitMix(seed);
    let scale = 1 + seed % 5;
    let first = now().checked_sub(SignedDuration::from_mins(minutes as i64)).unwrap();
    (0..minutes)
        .map(|m| {
            let minute = first.checked_add(SignedDuration::from_mins(m as i64)).unwrap();
            let r = rng.next();
            let hour = (m / 60 + 12) % 24;
            let base = if (8..20).contains(&hour) { 200 } else { 20 };
            let total = if r.is_multiple_of(100) { 0 } else { scale * (base + (r >> 8) % 20) };
            let bad = if (r >> 16).is_multiple_of(2000) {
                total / 4
            } else {
                u64::from((r >> 32).is_multiple_of(10)).min(total)
            };
            Bucket::new(minute, total - bad, total).unwrap()
        })
        .collect()
}

/// What one evaluation produces: the SLO window's tally and budget, and the tiers' verdicts.
struct Report {
    window: Tally,
    budget: Measured<ErrorBudget>,
    tiers: Vec<TierVerdict>,
}

/// The SLO window's tally and error budget, and the four tiers' long and short windows.
fn evaluate(slo: &Slo, series: Series<'_>, now: Timestamp) -> Report {
    let window = tally(slo.method, series, slo.window.bounds(now).unwrap(), &[]);
    let budget = window.error_budget(slo.objective);
    Report { window, budget, tiers: evaluate_tiers(slo, series, now) }
}

/// The alert tiers alone: two tallies each, ending at the start of the current minute.
fn evaluate_tiers(slo: &Slo, series: Series<'_>, now: Timestamp) -> Vec<TierVerdict> {
    let end = start_of_minute(now);
    slo.tiers
        .iter()
        .map(|tier| {
            let (long, short) = tier.windows(end).unwrap();
            let long = WindowBurn::of(&tally(slo.method, series, long, &[]), slo.objective);
            let short = WindowBurn::of(&tally(slo.method, series, short, &[]), slo.objective);
            evaluate_tier(tier, long, short, MIN_EVENTS, None)
        })
        .collect()
}

fn one_slo(c: &mut Criterion) {
    let mut group = c.benchmark_group("slo/one");
    group.throughput(Throughput::Elements(MINUTES_28D as u64));
    for (name, i) in [("occurrences", 0), ("timeslices", 7), ("ratio-timeslices", 9)] {
        let slo = Slo::new(i, MINUTES_28D);
        let series = slo.series();
        let report = evaluate(&slo, series, now());
        assert_eq!(report.window.minutes_with_data + report.window.corrected_minutes, series_with_data(&slo));
        assert!(report.budget.value().is_some() && report.tiers.len() == 4);
        group.bench_function(format!("28d window + 4 tiers, {name}"), |b| {
            b.iter(|| evaluate(&slo, series, black_box(now())))
        });
    }
    // Where the time goes: the 28-day tally alone, the tiers alone, and checking the order
    // of a slice read from the store (done once per read, not per window).
    let slo = Slo::new(0, MINUTES_28D);
    let series = slo.series();
    let window = slo.window.bounds(now()).unwrap();
    group.bench_function("28d window tally alone, occurrences", |b| {
        b.iter(|| tally(slo.method, series, black_box(window), &[]))
    });
    group.bench_function("4 tiers alone, occurrences", |b| b.iter(|| evaluate_tiers(&slo, series, black_box(now()))));
    group.bench_function("Series::new (order check)", |b| b.iter(|| Series::new(black_box(&slo.buckets)).unwrap()));
    group.finish();
}

fn series_with_data(slo: &Slo) -> u64 {
    slo.buckets.iter().filter(|b| b.has_data()).count() as u64
}

fn thousand_slos(c: &mut Criterion) {
    const SLOS: usize = 1000;
    // Built on first use, so that filtering the other benchmarks in does not build 1.3 GB.
    let slos = OnceCell::new();
    let series = OnceCell::new();
    let mut group = c.benchmark_group("slo/1000");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Elements((SLOS * MINUTES_28D) as u64));
    group.bench_function("28d window + 4 tiers, 1,000 SLOs", |b| {
        let slos = slos.get_or_init(|| (0..SLOS).map(|i| Slo::new(i, MINUTES_28D)).collect::<Vec<_>>());
        let series = series.get_or_init(|| slos.iter().map(Slo::series).collect::<Vec<_>>());
        b.iter(|| {
            let now = black_box(now());
            slos.iter().zip(series).map(|(slo, s)| evaluate(slo, *s, now).tiers.len()).sum::<usize>()
        })
    });
    group.finish();
}

fn ten_thousand_slos_one_minute(c: &mut Criterion) {
    const SLOS: usize = 10_000;
    let slos = OnceCell::new();
    let series = OnceCell::new();
    let mut group = c.benchmark_group("slo/10000");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(SLOS as u64));
    group.bench_function("4 tiers re-tallied, 10,000 SLOs, one new minute", |b| {
        // Each series ends with the minute that has just completed: `now()` is its end.
        let slos = slos.get_or_init(|| (0..SLOS).map(|i| Slo::new(i, MINUTES_3D)).collect::<Vec<_>>());
        let series = series.get_or_init(|| slos.iter().map(Slo::series).collect::<Vec<_>>());
        b.iter(|| {
            let now = black_box(now());
            slos.iter().zip(series).map(|(slo, s)| evaluate_tiers(slo, *s, now).len()).sum::<usize>()
        })
    });
    group.finish();
}

/// The same 10,000 SLOs with running sums (`Rolling`): each iteration pushes the next
/// minute of every SLO and evaluates its four tiers. The rings are filled from the same
/// 3 days of buckets outside the timing, and checked against the re-tally once.
fn ten_thousand_slos_incremental(c: &mut Criterion) {
    const SLOS: usize = 10_000;
    // Criterion calls the routine more than once (warm-up, then sampling): the rings and
    // the next minute to push live across calls.
    let state = std::cell::RefCell::new(None::<(Vec<Rolling>, Timestamp)>);
    let mut group = c.benchmark_group("slo/10000-incremental");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(SLOS as u64));
    group.bench_function("push one minute + 4 tiers from running sums, 10,000 SLOs", |b| {
        let mut state = state.borrow_mut();
        let (rollings, minute) = state.get_or_insert_with(|| {
            let rollings = (0..SLOS)
                .map(|i| {
                    let slo = Slo::new(i, MINUTES_3D);
                    let mut r = Rolling::new(slo.method, slo.objective, &slo.tiers, MIN_EVENTS).unwrap();
                    slo.buckets.iter().for_each(|b| {
                        r.push(*b);
                    });
                    // The same verdicts as re-tallying, before anything is timed.
                    if i % 1000 == 0 {
                        assert_eq!(r.tiers(now()).unwrap(), evaluate_tiers(&slo, slo.series(), now()));
                    }
                    r
                })
                .collect();
            (rollings, now())
        });
        // Every iteration is the next minute: the sums slide on, as they would live.
        b.iter(|| {
            let completed = *minute;
            *minute = minute.checked_add(SignedDuration::from_mins(1)).unwrap();
            let mut fired = 0;
            for (i, r) in rollings.iter_mut().enumerate() {
                let total = 100 + (i as u64 & 63);
                r.push(Bucket::new(completed, total - u64::from(i % 7 == 0), total).unwrap());
                fired += r.tiers(black_box(*minute)).unwrap().iter().filter(|v| v.fires()).count();
            }
            fired
        })
    });
    group.finish();
}

criterion_group!(benches, one_slo, thousand_slos, ten_thousand_slos_one_minute, ten_thousand_slos_incremental);
criterion_main!(benches);
