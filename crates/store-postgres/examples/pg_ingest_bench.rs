//! How fast SLI buckets go into PostgreSQL through `Store::put_buckets`: the same runs
//! as the SQLite store's `ingest_bench` (both are `baton_store::ingest_bench`), each
//! store in a fresh schema.
//!
//! ```sh
//! cargo run --release -p baton-store-postgres --example pg_ingest_bench [-- --runs N]
//! ```
//!
//! The database is `BATON_TEST_PG_URL` (default: the local test server). Schemas named
//! `baton_bench_*` are left behind; the test database is disposable.

use baton_store::ingest_bench;
use baton_store_postgres::PgStore;
use std::time::{SystemTime, UNIX_EPOCH};

async fn fresh() -> ((), PgStore) {
    let url = std::env::var("BATON_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let schema = format!("baton_bench_{}_{nanos}", std::process::id());
    ((), PgStore::connect_in_schema(&url, &schema).await.unwrap())
}

#[tokio::main]
async fn main() {
    ingest_bench::run(ingest_bench::runs_from_args(), fresh, |_, _| {}).await;
}
