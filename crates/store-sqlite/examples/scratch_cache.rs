// Temporary experiment; deleted before hand-off.
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let max: u32 = args[1].parse().unwrap();
    let pragma_cache: Option<String> = args.get(2).cloned();
    let dir = tempfile::tempdir().unwrap();
    let mut options = SqliteConnectOptions::from_str(&format!("sqlite://{}/t.db", dir.path().display()))
        .unwrap()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true);
    if let Some(c) = pragma_cache {
        options = options.pragma("cache_size", c);
    }
    let pool = SqlitePoolOptions::new().max_connections(max).connect_with(options).await.unwrap();
    sqlx::query(include_str!("../migrations/0003_sli_buckets.sql")).execute(&pool).await.unwrap();
    let n = 1024;
    let mut sql = String::from("INSERT INTO sli_buckets (slo_id, minute_us, good, total) VALUES (?, ?, ?, ?)");
    for _ in 1..n {
        sql.push_str(", (?, ?, ?, ?)");
    }
    sql.push_str(" ON CONFLICT (slo_id, minute_us) DO UPDATE SET good = excluded.good, total = excluded.total");
    for phase in 0..3 {
        let t = Instant::now();
        for s in 0..144 {
            let sid = format!("service-{s:04}-availability");
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
            for c in 0..9 {
                let mut q = sqlx::query(&sql);
                for m in c * n..(c + 1) * n {
                    q = q.bind(sid.as_str()).bind(m as i64 * 60_000_000).bind(0i64).bind(5i64);
                }
                q.execute(&mut *tx).await.unwrap();
            }
            tx.commit().await.unwrap();
        }
        println!("phase {phase}: {:?}", t.elapsed());
    }
}
