//! How fast SLI buckets go into a fresh SQLite store through `Store::put_buckets` (the
//! runs are `baton_store::ingest_bench`'s, shared with PostgreSQL's `pg_ingest_bench`).
//!
//! ```sh
//! cargo run --release -p baton-store-sqlite --example ingest_bench [-- --runs N]
//! ```
//!
//! Each store is a fresh file in a temporary directory (WAL, `synchronous = FULL`, as in
//! production); after the backfill it prints the size of the database file and its WAL.

use baton_store::ingest_bench;
use baton_store_sqlite::SqliteStore;

async fn fresh() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect(&format!("sqlite://{}/baton.db", dir.path().display())).await.unwrap();
    (dir, store)
}

fn file_size(dir: &tempfile::TempDir, written: u64) {
    let bytes: u64 = ["baton.db", "baton.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.path().join(f)).ok())
        .map(|m| m.len())
        .sum();
    println!("  file and WAL: {:.1} MB, {:.1} bytes per bucket", bytes as f64 / 1e6, bytes as f64 / written as f64);
}

#[tokio::main]
async fn main() {
    ingest_bench::run(ingest_bench::runs_from_args(), fresh, file_size).await;
}
