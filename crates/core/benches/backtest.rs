//! Backtest benchmarks: the alerting engine replayed minute by minute over 28 days for
//! one SLO (target < 100 ms) and for 1,000 SLOs one after the other (target < 10 s), as
//! `baton slo backtest` and the dashboard run it. Figures are in BENCHMARKS.md.
//!
//! Run with `cargo bench -p baton-core --bench backtest`. Each replay reads 31 days of
//! buckets (the 28-day range and the 3-day lookback of the longest default tier). The
//! 1,000 SLOs cycle through 16 distinct series (each with its own incidents) under four
//! objectives and three budgeting methods: a backtest holds one SLO's minutes at a time,
//! so what is measured is the replay, not memory bandwidth over a gigabyte of buckets.

use std::hint::black_box;
use std::time::Duration;

use baton_core::slo::{
    backtest, backtest_history, backtest_range, default_tier_specs, Bucket, BudgetingMethod, Indicator, Objective,
    Series, SliceThreshold, SloDef, SloWindow,
};
use baton_core::{Period, ServiceId, SloId, Timestamp};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use jiff::SignedDuration;

const MINUTES_31D: i64 = 31 * 24 * 60;
const SERIES: usize = 16;

fn to() -> Timestamp {
    "2025-03-01T00:00:00Z".parse().unwrap()
}
fn from() -> Timestamp {
    to().checked_sub(SignedDuration::from_hours(28 * 24)).unwrap()
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

/// 31 days of minutes ending at `to()`: a daily cycle of 20 to about 1,100 requests a
/// minute, 1% of minutes without traffic, background errors of 0.1%, and every 5 days
/// an incident of 2 to 8 hours failing 0.5% to 3% of requests (some page, some ticket).
fn traffic(seed: u64) -> Vec<Bucket> {
    let mut rng = SplitMix(seed);
    let scale = 1 + seed % 5;
    let first = to().checked_sub(SignedDuration::from_mins(MINUTES_31D)).unwrap();
    (0..MINUTES_31D)
        .map(|m| {
            let minute = first.checked_add(SignedDuration::from_mins(m)).unwrap();
            let r = rng.next();
            let hour = (m / 60 + 12) % 24;
            let base = if (8..20).contains(&hour) { 200 } else { 20 };
            let total = if r.is_multiple_of(100) { 0 } else { scale * (base + (r >> 8) % 20) };
            let day5 = (m + seed as i64 * 97) % (5 * 1440);
            let incident_len = 120 + (seed as i64 % 4) * 120;
            let per_mille = if day5 < incident_len { 5 + (seed % 6) * 5 } else { 1 };
            let bad =
                (total * per_mille).div_ceil(1000).min(total) * u64::from(per_mille > 1 || (r >> 32).is_multiple_of(3));
            Bucket::new(minute, total - bad, total).unwrap()
        })
        .collect()
}

fn slo(i: usize) -> SloDef {
    SloDef {
        id: SloId::parse(&format!("slo-{i}")).unwrap(),
        service: ServiceId::parse("bench").unwrap(),
        display_name: None,
        description: None,
        objective: Objective::parse(["0.99", "0.995", "0.999", "0.9995"][i % 4]).unwrap(),
        window: SloWindow::Rolling { length: Period::days(28) },
        method: match i % 10 {
            0..=6 => BudgetingMethod::Occurrences,
            7 | 8 => BudgetingMethod::Timeslices { threshold: SliceThreshold::parse("0.95").unwrap() },
            _ => BudgetingMethod::RatioTimeslices,
        },
        indicator: Indicator::BuiltIn,
        tiers: default_tier_specs().to_vec(),
        min_events: 10,
        lifecycle: Default::default(),
        alerting: Default::default(),
    }
}

fn one_slo(c: &mut Criterion) {
    let range = backtest_range(from(), to()).unwrap();
    let buckets = traffic(3);
    let def = slo(2);
    assert_eq!(backtest_history(&def, range).start(), buckets[0].minute(), "the bench reads the whole lookback");
    let series = Series::new(&buckets).unwrap();
    let b = backtest(&def, series, &[], range).unwrap();
    assert!(b.pages().count() > 0 && b.minutes == 28 * 1440, "the bench's history pages: {}", b.summary());
    let mut group = c.benchmark_group("backtest/one-slo-28d");
    group.throughput(Throughput::Elements(b.minutes));
    group.bench_function("occurrences", |bench| {
        bench.iter(|| backtest(black_box(&def), black_box(series), &[], range).unwrap())
    });
    group.finish();
}

fn thousand_slos(c: &mut Criterion) {
    let range = backtest_range(from(), to()).unwrap();
    let histories: Vec<Vec<Bucket>> = (0..SERIES as u64).map(traffic).collect();
    let slos: Vec<SloDef> = (0..1000).map(slo).collect();
    let alerts: usize = slos
        .iter()
        .enumerate()
        .map(|(i, d)| backtest(d, Series::new(&histories[i % SERIES]).unwrap(), &[], range).unwrap().alerts.len())
        .sum();
    assert!(alerts > 1000, "the SLOs page and ticket: {alerts} alerts");
    let mut group = c.benchmark_group("backtest/1000-slos-28d");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(40));
    group.bench_function("one-after-another", |bench| {
        bench.iter(|| {
            for (i, d) in slos.iter().enumerate() {
                black_box(backtest(d, Series::new(&histories[i % SERIES]).unwrap(), &[], range).unwrap());
            }
        })
    });
    // As `baton slo backtest DIR` runs them: on every core, each SLO on its own.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    group.bench_function("on-every-core", |bench| {
        bench.iter(|| {
            let next = std::sync::atomic::AtomicUsize::new(0);
            std::thread::scope(|scope| {
                for _ in 0..cores {
                    scope.spawn(|| loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(d) = slos.get(i) else { break };
                        black_box(backtest(d, Series::new(&histories[i % SERIES]).unwrap(), &[], range).unwrap());
                    });
                }
            });
        })
    });
    group.finish();
}

criterion_group!(benches, one_slo, thousand_slos);
criterion_main!(benches);
