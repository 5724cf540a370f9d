//! The shared store for replicated deployments: PostgreSQL.
//!
//! What every SQL backend does alike (each statement, each row read by column name) is
//! `baton_store::sql_backend`; this crate is what PostgreSQL does its own way: connecting
//! (a schema per store for tests), locking, isolation levels, commits that need not wait
//! for the disk, and statements over arrays (`batches.rs`, `sli.rs`).
//!
//! Several Baton replicas may write to one database at once, so this module owns how
//! their writes are ordered. Every write transaction starts by locking the single
//! `audit_head` row (`SELECT ... FOR UPDATE` in `begin_write`): the audit log is one hash
//! chain, so its appends must be strictly ordered anyway, and taking that lock first
//! serializes every writer before it reads anything it will decide on. Writes run at
//! READ COMMITTED on purpose: once the lock is granted, each later statement sees what
//! the previous holder committed, so version checks fail cleanly as `Conflict` instead of
//! as serialization errors (which REPEATABLE READ would raise on the locked row).
//! Multi-statement reads that must agree with each other use a REPEATABLE READ snapshot.
//!
//! SLI bucket writes (`put_buckets`) are the exception: they write no audit record, so
//! they do not take the head lock and do not wait for (or delay) audited writers. Each
//! call is one `INSERT ... SELECT FROM UNNEST(arrays) ON CONFLICT DO UPDATE` statement,
//! hence one transaction whatever the batch size. Two replicas writing the same minute
//! both succeed and the later commit's counts stay, which is what replacing means; rows
//! go in ascending minute order, so overlapping batches lock in the same order.
#![forbid(unsafe_code)]

mod batches;
mod sli;

use async_trait::async_trait;
use baton_core::audit::ChainHead;
use baton_core::{SloId, Timestamp};
use baton_store::driver::{database_error, query};
use baton_store::sli::{BucketRows, SloBucketRow, SumsPlan, SumsRow};
use baton_store::{columns, sql, Deferral, SqlBackend, SqlConnection, Statement, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{Connection, PgConnection, PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub struct PgStore {
    pub(crate) pool: PgPool,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://...`) and applies any migrations it lacks.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::open(options(url)?).await
    }

    /// Like [`connect`](Self::connect), but keeps every table in `schema` (created if
    /// missing), so several stores can share one database without seeing each other;
    /// the tests use one schema each.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        // The name is spliced into SQL and into the connection's startup options, where it
        // cannot be bound as a parameter; this alphabet needs no quoting in either.
        if schema.is_empty() || !schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(StoreError::Database(format!("schema name `{schema}` must match [a-z0-9_]+").into()));
        }
        let options = options(url)?;
        let mut conn = PgConnection::connect_with(&options).await.map_err(pg)?;
        sqlx::query(&format!(r#"CREATE SCHEMA IF NOT EXISTS "{schema}""#)).execute(&mut conn).await.map_err(pg)?;
        conn.close().await.map_err(pg)?;
        // Set at connection start, so no pooled connection can ever run a query elsewhere
        // (an `after_connect` SET could be undone by a rolled-back transaction).
        Self::open(options.options([("search_path", schema)])).await
    }

    async fn open(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(pg)?;
        MIGRATOR.run(&pool).await.map_err(|e| StoreError::Migrations(e.to_string()))?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A transaction for a claim, a settlement or a deferral, whose commit does not wait
    /// for the WAL flush (`synchronous_commit = off`): lost to a crash of the server, such
    /// a write costs a message sent again under its same idempotency key (or a record
    /// tried again sooner), which at-least-once delivery allows. It is still atomic, and
    /// any later durable commit flushes it too. Without it, each of a sender's batches
    /// waited for two flushes.
    pub(crate) async fn relaxed(&self) -> Result<Tx, StoreError> {
        let mut tx = self.pool.begin().await.map_err(pg)?;
        sqlx::query("SET LOCAL synchronous_commit = off").execute(&mut *tx).await.map_err(pg)?;
        Ok(tx)
    }
}

fn options(url: &str) -> Result<PgConnectOptions, StoreError> {
    let options = PgConnectOptions::from_str(url).map_err(database_error)?;
    // Like SQLite's busy timeout: a writer stuck behind a wedged transaction gives up
    // with an error instead of holding its caller (and a pool slot) forever.
    Ok(options.options([("lock_timeout", "10s")]))
}

/// SQLSTATEs that mean "another writer got there first", not "the database is broken":
/// unique_violation, serialization_failure and deadlock_detected. The head lock makes
/// them rare, but a writer that bypasses it (or a future query that locks in another
/// order) must still surface as a retryable `Conflict`, as the trait promises.
const LOST_RACE: [&str; 3] = ["23505", "40001", "40P01"];

pub(crate) fn pg(e: sqlx::Error) -> StoreError {
    match e.as_database_error().and_then(|d| d.code()) {
        Some(code) if LOST_RACE.contains(&code.as_ref()) => {
            StoreError::Conflict(format!("another writer changed this first ({e}); read it again and retry"))
        }
        _ => database_error(e),
    }
}

pub(crate) type Tx = Transaction<'static, Postgres>;

/// What a statement answers.
pub(crate) type Rows = Result<Vec<PgRow>, StoreError>;

// Every replica writes through its pool; `pg` maps lost races to `Conflict`.
baton_store::sqlx_connection!(PgStore, Postgres, read: pool, write: pool, error: pg, migrator: MIGRATOR);

#[async_trait]
impl SqlBackend for PgStore {
    const NAME: &'static str = "postgres";

    /// Locks the audit head's row first, so writers on every replica are ordered.
    async fn begin_write(&self) -> Result<(Tx, Option<ChainHead>), StoreError> {
        // Explicit, so a server whose default isolation is stricter still behaves as the
        // module docs describe.
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED").await.map_err(pg)?;
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
            .fetch_one(&mut *tx)
            .await
            .map_err(pg)?;
        Ok((tx, columns::chain_head(&head)?))
    }

    /// A commit with audit records takes the audit head lock like every audited write; one
    /// without (alert intake) does not, so intake on several replicas is not serialized by
    /// the chain. Either way each record is written by a version-checked statement, so a
    /// concurrent writer of the same record makes one of them fail with `Conflict`.
    async fn begin_commit(&self, audited: bool) -> Result<(Tx, Option<ChainHead>), StoreError> {
        if audited {
            return self.begin_write().await;
        }
        Ok((self.pool.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED").await.map_err(pg)?, None))
    }

    async fn begin_snapshot(&self) -> Result<Tx, StoreError> {
        self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await.map_err(pg)
    }

    async fn fetch_records_by_id(&self, kind: &str, ids: &[String]) -> Rows {
        let sql = format!("{} WHERE kind = $1 AND id = ANY($2)", sql::RECORD_SELECT);
        sqlx::query(&sql).bind(kind).bind(ids).fetch_all(&self.pool).await.map_err(pg)
    }

    async fn fetch_alerts_by_id(&self, ids: &[String]) -> Rows {
        let sql = format!("{} WHERE id = ANY($1)", sql::ALERT_SELECT);
        sqlx::query(&sql).bind(ids).fetch_all(&self.pool).await.map_err(pg)
    }

    /// Skipping locked rows, so replicas never wait on each other's messages; committed
    /// without waiting for the disk (see [`PgStore::relaxed`]).
    async fn claim(&self, worker: &str, now: Timestamp, until_us: i64, limit: i64) -> Rows {
        let mut tx = self.relaxed().await?;
        let st = Statement::new(sql::CLAIM_SKIP_LOCKED).text(worker).int(until_us).instant(now).int(limit);
        let rows = query(&st).fetch_all(&mut *tx).await.map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(rows)
    }

    /// In one transaction, committed without waiting for the disk (as claims and
    /// settlements are): a deferral lost to a crash is a record tried again sooner.
    async fn defer_batch(&self, deferrals: &[Deferral]) -> Result<Vec<bool>, StoreError> {
        let mut tx = self.relaxed().await?;
        let mut deferred = Vec::with_capacity(deferrals.len());
        for d in deferrals {
            deferred.push(self.execute(&mut tx, sql::deferral(d)).await? == 1);
        }
        tx.commit().await.map_err(pg)?;
        Ok(deferred)
    }

    async fn put_bucket_rows(&self, slo: &SloId, rows: &BucketRows) -> Result<u64, StoreError> {
        sli::put(self, slo, rows).await
    }

    async fn sum_plan(&self, slo: &SloId, plan: &SumsPlan) -> Result<Vec<SumsRow>, StoreError> {
        sli::sums(self, slo, plan).await
    }

    async fn fetch_buckets_in(
        &self,
        slos: &[String],
        from_us: i64,
        to_us: i64,
    ) -> Result<Vec<SloBucketRow>, StoreError> {
        let sql = "SELECT slo_id, minute_us, good, total FROM sli_buckets \
                   WHERE slo_id = ANY($1) AND minute_us >= $2 AND minute_us < $3";
        sqlx::query_as(sql).bind(slos).bind(from_us).bind(to_us).fetch_all(&self.pool).await.map_err(pg)
    }
}
