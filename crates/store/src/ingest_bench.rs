//! How fast SLI buckets go into a fresh store through `Store::put_buckets`: the runs both
//! backends' `ingest_bench` examples time, so their figures compare shape for shape.
//!
//! Each run times, with the buckets generated beforehand:
//! - backfill: 144 SLOs × 10,000 minutes = 1,440,000 buckets, one call of 10,000 per SLO;
//! - the same calls again, which replace every minute with the same counts (idempotent);
//! - one day each: 1,000 SLOs × 1,440 minutes = 1,440,000 buckets, one call per SLO, into
//!   a second fresh store;
//! - live: the next minute of those 1,000 SLOs, one call of one bucket per SLO (so one
//!   commit per bucket).
//!
//! After each write it checks, through `sli_sums`, that the store holds exactly what was
//! written (the rollups included).

use crate::Store;
use baton_core::slo::Bucket;
use baton_core::{SloId, Timestamp};
use std::future::Future;
use std::time::{Duration, Instant};

const START: &str = "2026-01-01T00:00:00Z";

type Batches = Vec<(SloId, Vec<Bucket>)>;

/// `minutes` buckets per SLO, from `first_minute` on, with varied counts.
fn generate(slos: usize, minutes: i64, first_minute: i64) -> Batches {
    let start = START.parse::<Timestamp>().unwrap().as_second();
    (0..slos)
        .map(|s| {
            let id = SloId::parse(&format!("service-{s:04}-availability")).unwrap();
            let buckets = (first_minute..first_minute + minutes)
                .map(|m| {
                    let total = (m as u64 * 7_919 + s as u64 * 104_729) % 5_000;
                    let minute = Timestamp::from_second(start + 60 * m).unwrap();
                    Bucket::new(minute, total - total % 97, total).unwrap()
                })
                .collect();
            (id, buckets)
        })
        .collect()
}

async fn put_all(store: &dyn Store, data: &Batches) -> (Duration, u64) {
    let started = Instant::now();
    let mut written = 0;
    for (slo, buckets) in data {
        written += store.put_buckets(slo, buckets).await.unwrap();
    }
    (started.elapsed(), written)
}

/// (buckets, sum of good, sum of total) the store holds for the SLOs of `data`.
async fn contents(store: &dyn Store, data: &Batches) -> (u64, u64, u64) {
    let from = START.parse::<Timestamp>().unwrap();
    let to = from + jiff::SignedDuration::from_hours(24 * 30);
    let mut sums = (0, 0, 0);
    for (slo, _) in data {
        let s = store.sli_sums(slo, &[from, to]).await.unwrap()[0];
        sums = (sums.0 + s.buckets, sums.1 + s.good, sums.2 + s.total);
    }
    sums
}

fn expected(data: &[&Batches]) -> (u64, u64, u64) {
    let all = data.iter().flat_map(|d| d.iter()).flat_map(|(_, b)| b);
    all.fold((0, 0, 0), |(n, g, t), b| (n + 1, g + b.good(), t + b.total()))
}

fn report(what: &str, buckets: u64, calls: usize, elapsed: Duration) {
    let secs = elapsed.as_secs_f64();
    println!(
        "{what:<42} {buckets:>9} buckets {calls:>5} calls {:>9.1} ms {:>12.0} buckets/s {:>8.0} calls/s",
        secs * 1e3,
        buckets as f64 / secs,
        calls as f64 / secs
    );
}

/// The number after `--runs` on the command line, 3 without one.
pub fn runs_from_args() -> usize {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--runs") {
        Some(i) => args.get(i + 1).and_then(|n| n.parse().ok()).expect("--runs takes a number"),
        None => 3,
    }
}

/// Times `runs` runs, each on stores from `fresh` (with whatever must outlive the store,
/// such as its directory), and calls `after_backfill` with that and the buckets written.
pub async fn run<G, S, F, Fut>(runs: usize, mut fresh: F, after_backfill: impl Fn(&G, u64))
where
    S: Store,
    F: FnMut() -> Fut,
    Fut: Future<Output = (G, S)>,
{
    let backfill = generate(144, 10_000, 0);
    let days = generate(1_000, 1_440, 0);
    let live = generate(1_000, 1, 1_440);
    for run in 1..=runs {
        println!("run {run} of {runs}");
        let (guard, store) = fresh().await;
        let (elapsed, written) = put_all(&store, &backfill).await;
        assert_eq!(contents(&store, &backfill).await, expected(&[&backfill]));
        report("backfill, 10,000 per call", written, backfill.len(), elapsed);
        after_backfill(&guard, written);
        let (elapsed, written) = put_all(&store, &backfill).await;
        assert_eq!(contents(&store, &backfill).await, expected(&[&backfill]), "a repeated batch changes nothing");
        report("same batches again (replace, idempotent)", written, backfill.len(), elapsed);
        drop((store, guard));

        let (_guard, store) = fresh().await;
        let (elapsed, written) = put_all(&store, &days).await;
        assert_eq!(contents(&store, &days).await, expected(&[&days]));
        report("one day per SLO, 1,440 per call", written, days.len(), elapsed);
        let (elapsed, written) = put_all(&store, &live).await;
        assert_eq!(contents(&store, &days).await, expected(&[&days, &live]));
        report("live: next minute, 1 per call", written, live.len(), elapsed);
    }
}
