//! The embedded default store: one SQLite file in WAL mode.
//!
//! What every SQL backend does alike (each statement, each row read by column name) is
//! `baton_store::sql_backend`; this crate is what SQLite does its own way: connecting,
//! the connections each kind of write goes through, the write lock, `synchronous` per
//! write, and multi-row statements (`batches.rs`, `sli.rs`).
//!
//! SQLite has one writer at a time. Every write transaction starts by writing the audit
//! head (`begin_write`), so it takes the write lock before it reads anything and never
//! fails half-way with a stale snapshot; readers are never blocked (WAL).
//!
//! SLI bucket writes (`put_buckets`) keep the same rule without touching the audit head,
//! which they do not need: their transaction is `BEGIN IMMEDIATE`, which takes the write
//! lock at `BEGIN` (waiting up to the busy timeout for another writer), before any
//! statement runs, so it cannot fail later on a stale snapshot either. They write in
//! multi-row upserts of fixed sizes (see `sli.rs`), with the same `synchronous = FULL`
//! as everything else: a batch that returned is on disk.
//!
//! Every other write (audited changes, records and the outbox, a sender's claims and
//! settlements) goes through one connection too (`writer`): SQLite takes one writer at a
//! time anyway, so waiting for the connection costs no concurrency, while waiting for
//! the lock instead means SQLite's busy handler, which sleeps in steps of milliseconds.
//! And a connection's page cache is dropped whenever another connection has committed,
//! so with writes spread over the pool every commit re-read the b-tree pages it touched
//! (group-committed alert intake spent more time in `pread` than in SQLite itself).
//!
//! Bucket writes also have a connection of their own (`ingest`), so that one page cache
//! stays warm across batches. Through the shared pool, consecutive batches ran on
//! different connections, and re-writing existing minutes re-read the b-tree pages of
//! nearly every row from the file (3 `pread`s per bucket under strace; 3× slower, see
//! BENCHMARKS.md). SQLite has one writer at a time anyway, so this costs no concurrency.
#![forbid(unsafe_code)]

mod batches;
#[cfg(test)]
mod plans;
mod relaxed;
mod sli;

use async_trait::async_trait;
use baton_core::audit::ChainHead;
use baton_core::{SloId, Timestamp};
use baton_store::columns;
use baton_store::columns::Columns as _;
use baton_store::driver::{database_error as db, query};
use baton_store::sli::{touched_hours, BucketRows, SloBucketRow, SumsPlan, SumsRow};
use baton_store::{Deferral, SqlBackend, SqlConnection, Statement, StoreError};
use relaxed::Relaxed;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Prepared statements the writer connection keeps.
const WRITER_STATEMENTS: usize = 512;

/// WAL pages (4 KiB) after which a commit checkpoints: 64 MiB.
const WAL_CHECKPOINT_PAGES: u64 = 16_384;

pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    /// The one connection every other write goes through (opened on first use).
    pub(crate) writer: SqlitePool,
    /// The one connection `put_buckets` writes through (opened on first use).
    ingest: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://PATH` or a bare path)
    /// and applies any migrations it lacks.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(Box::new(e)))?;
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(db)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit survives power loss, so "accepted" really means durable.
            .synchronous(SqliteSynchronous::Full)
            // Checkpoint every 64 MiB of WAL rather than SQLite's 4 MiB: a checkpoint writes
            // each page once however many commits changed it, and runs inside the commit
            // that crosses the mark, so under alert intake the default wrote index pages
            // to the file several times over (BENCHMARKS.md, "Paging"). The file is cut
            // back to the same size when the WAL starts over.
            .pragma("wal_autocheckpoint", WAL_CHECKPOINT_PAGES.to_string())
            .pragma("journal_size_limit", (WAL_CHECKPOINT_PAGES * 4096).to_string())
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options.clone()).await.map_err(db)?;
        MIGRATOR.run(&pool).await.map_err(|e| StoreError::Migrations(e.to_string()))?;
        // The writer is never pinged before use (it would cost a round trip per write on the
        // connection intake waits for), and keeps every multi-row statement prepared: one
        // per size and kind of write (see `batches.rs`), about 260.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_lazy_with(options.clone().statement_cache_capacity(WRITER_STATEMENTS));
        let ingest = SqlitePoolOptions::new().max_connections(1).connect_lazy_with(options);
        Ok(Self { pool, writer, ingest })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

pub(crate) type Tx = Transaction<'static, Sqlite>;

/// What a statement answers.
pub(crate) type Rows = Result<Vec<SqliteRow>, StoreError>;

// Reads on the pool; a single write on the writer, like every write (see above).
baton_store::sqlx_connection!(SqliteStore, Sqlite, read: pool, write: writer, error: db, migrator: MIGRATOR);

#[async_trait]
impl SqlBackend for SqliteStore {
    const NAME: &'static str = "sqlite";

    /// On the writer; its first statement writes the audit head, so it takes SQLite's
    /// write lock before it reads anything.
    async fn begin_write(&self) -> Result<(Tx, Option<ChainHead>), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let head = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        Ok((tx, columns::chain_head(&head)?))
    }

    async fn begin_snapshot(&self) -> Result<Tx, StoreError> {
        self.pool.begin().await.map_err(db)
    }

    async fn fetch_records_by_id(&self, kind: &str, ids: &[String]) -> Rows {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(batches::IN_LIST) {
            let sql = format!(
                "{} WHERE kind = ? AND id IN ({})",
                baton_store::sql::RECORD_SELECT,
                batches::marks(chunk.len())
            );
            let st = chunk.iter().fold(Statement::new(sql).text(kind), |st, id| st.text(id));
            out.extend(self.read(st).await?);
        }
        Ok(out)
    }

    async fn fetch_alerts_by_id(&self, ids: &[String]) -> Rows {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(batches::IN_LIST) {
            let sql = format!("{} WHERE id IN ({})", baton_store::sql::ALERT_SELECT, batches::marks(chunk.len()));
            out.extend(self.read(chunk.iter().fold(Statement::new(sql), |st, id| st.text(id))).await?);
        }
        Ok(out)
    }

    /// On the writer's warm connection, without an `fsync` (see [`Relaxed`]): a pooled
    /// connection's cache is dropped by every commit, so reading the claimed messages
    /// there meant reading them from disk.
    async fn claim(&self, worker: &str, now: Timestamp, until_us: i64, limit: i64) -> Rows {
        let mut writer = Relaxed::acquire(&self.writer).await?;
        let st = Statement::new(baton_store::sql::CLAIM).text(worker).int(until_us).instant(now).int(limit);
        let rows = query(&st).fetch_all(writer.connection()).await.map_err(db)?;
        writer.release().await?;
        Ok(rows)
    }

    /// In one transaction on the writer, without an `fsync` of its own (see [`Relaxed`]):
    /// a deferral lost to a power cut is a record tried again sooner.
    async fn defer_batch(&self, deferrals: &[Deferral]) -> Result<Vec<bool>, StoreError> {
        let mut writer = Relaxed::acquire(&self.writer).await?;
        let deferred = batches::defer(writer.connection(), deferrals).await?;
        writer.release().await?;
        Ok(deferred)
    }

    async fn put_bucket_rows(&self, slo: &SloId, rows: &BucketRows) -> Result<u64, StoreError> {
        // No audit record, so no `begin_write`: BEGIN IMMEDIATE takes the write lock first.
        let mut tx = self.ingest.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        let mut written = 0;
        let mut from = 0;
        for size in sli::chunks(rows.len()) {
            let mut q = sqlx::query(sli::upsert(size));
            for i in from..from + size {
                q = q.bind(slo.as_str()).bind(rows.minute_us[i]).bind(rows.good[i]).bind(rows.total[i]);
            }
            written += q.execute(&mut *tx).await.map_err(db)?.rows_affected();
            from += size;
        }
        for (from_us, to_us) in touched_hours(rows) {
            let st = Statement::new(sli::RESUM_ROLLUPS).text(slo.as_str()).int(from_us).int(to_us);
            query(&st).execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(written)
    }

    async fn sum_plan(&self, slo: &SloId, plan: &SumsPlan) -> Result<Vec<SumsRow>, StoreError> {
        let st = Statement::new(sli::SUMS)
            .text(slo.as_str())
            .text(sli::ranges_json(&plan.hours))
            .text(sli::ranges_json(&plan.minutes));
        sli::sums_rows(&self.read(st).await?)
    }

    /// By chunks of SLOs, each an `IN` list: SQLite seeks the primary key once per SLO.
    /// Each chunk's buckets come back as one JSON array, not a row each: sqlx hands rows
    /// over from its SQLite thread one at a time, which cost about 10 µs a bucket (0.6 s
    /// a minute for 10,000 SLOs; BENCHMARKS.md). Every placeholder is anonymous: sqlx
    /// misbinds `?` placed after `$n` ones (rows went missing in the conformance story).
    async fn fetch_buckets_in(
        &self,
        slos: &[String],
        from_us: i64,
        to_us: i64,
    ) -> Result<Vec<SloBucketRow>, StoreError> {
        let mut out = Vec::new();
        for chunk in slos.chunks(batches::IN_LIST) {
            let sql = format!(
                "SELECT json_group_array(json_array(slo_id, minute_us, good, total)) AS buckets FROM sli_buckets \
                 WHERE slo_id IN ({}) AND minute_us >= ? AND minute_us < ?",
                batches::marks(chunk.len())
            );
            let st = chunk.iter().fold(Statement::new(sql), |st, id| st.text(id));
            for row in self.read(st.int(from_us).int(to_us)).await? {
                let json = row.text("buckets")?;
                let buckets: Vec<SloBucketRow> =
                    serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("SLI buckets: {e}")))?;
                out.extend(buckets);
            }
        }
        Ok(out)
    }
}
