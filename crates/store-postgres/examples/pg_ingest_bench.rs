//! How fast SLI buckets go into PostgreSQL through `Store::put_buckets`: the same shapes
//! as the SQLite store's `ingest_bench`, each run in a fresh schema.
//!
//! ```sh
//! cargo run --release -p baton-store-postgres --example pg_ingest_bench [-- --runs N]
//! ```
//!
//! The database is `BATON_TEST_PG_URL` (default: the local test server). Schemas named
//! `baton_bench_*` are left behind; the test database is disposable.

use baton_core::slo::Bucket;
use baton_core::{SloId, Timestamp};
use baton_store::Store;
use baton_store_postgres::PgStore;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const START: &str = "2026-01-01T00:00:00Z";

/// `minutes` buckets per SLO, from `first_minute` on, with varied counts.
fn generate(slos: usize, minutes: i64, first_minute: i64) -> Vec<(SloId, Vec<Bucket>)> {
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

async fn put_all(store: &PgStore, data: &[(SloId, Vec<Bucket>)]) -> (Duration, u64) {
    let started = Instant::now();
    let mut written = 0;
    for (slo, buckets) in data {
        written += store.put_buckets(slo, buckets).await.unwrap();
    }
    (started.elapsed(), written)
}

/// (rows, sum of good, sum of total) in the table.
async fn contents(store: &PgStore) -> (i64, i64, i64) {
    sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(good), 0)::bigint, COALESCE(SUM(total), 0)::bigint FROM sli_buckets")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

fn expected(data: &[&[(SloId, Vec<Bucket>)]]) -> (i64, i64, i64) {
    let all = data.iter().flat_map(|d| d.iter()).flat_map(|(_, b)| b);
    all.fold((0, 0, 0), |(n, g, t), b| (n + 1, g + b.good() as i64, t + b.total() as i64))
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

async fn fresh() -> PgStore {
    let url = std::env::var("BATON_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    PgStore::connect_in_schema(&url, &format!("baton_bench_{}_{nanos}", std::process::id())).await.unwrap()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs = match args.iter().position(|a| a == "--runs") {
        Some(i) => args.get(i + 1).and_then(|n| n.parse().ok()).expect("--runs takes a number"),
        None => 3,
    };
    let backfill = generate(144, 10_000, 0);
    let days = generate(1_000, 1_440, 0);
    let live = generate(1_000, 1, 1_440);

    for run in 1..=runs {
        println!("run {run} of {runs}");
        let store = fresh().await;
        let (elapsed, written) = put_all(&store, &backfill).await;
        assert_eq!(contents(&store).await, expected(&[&backfill]));
        report("backfill, 10,000 per call", written, backfill.len(), elapsed);
        let (elapsed, written) = put_all(&store, &backfill).await;
        assert_eq!(contents(&store).await, expected(&[&backfill]), "a repeated batch changes nothing");
        report("same batches again (replace, idempotent)", written, backfill.len(), elapsed);

        let store = fresh().await;
        let (elapsed, written) = put_all(&store, &days).await;
        assert_eq!(contents(&store).await, expected(&[&days]));
        report("one day per SLO, 1,440 per call", written, days.len(), elapsed);
        let (elapsed, written) = put_all(&store, &live).await;
        assert_eq!(contents(&store).await, expected(&[&days, &live]));
        report("live: next minute, 1 per call", written, live.len(), elapsed);
    }
}
