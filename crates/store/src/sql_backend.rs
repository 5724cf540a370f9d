//! What a SQL backend provides so that it is a [`Store`](crate::Store): the store itself
//! is written once (`sql_store`), each statement once (`sql`), each row read by column
//! name (`columns`). A backend implements three traits: [`SqlConnection`], how it runs a
//! [`Statement`] (for sqlx backends, the macro [`sqlx_connection!`](crate::sqlx_connection));
//! [`SqlBatches`], its multi-row writes; and [`SqlBackend`], how it begins transactions
//! (its locking) and the few other things the dialects really do differently (claims,
//! SLI buckets and their sums, reads by many ids, deferrals). Every type that implements
//! [`SqlBackend`] is a [`Store`](crate::Store).

use crate::columns::Columns;
use crate::sli::{BucketRows, SloBucketRow, SumsPlan, SumsRow};
use crate::statement::Statement;
use crate::{AlertWrite, Claim, Deferral, NewNotification, RecordWrite, Settle, StoreError};
use async_trait::async_trait;
use baton_core::audit::ChainHead;
use baton_core::{SloId, Timestamp};

/// How a backend runs a [`Statement`]: on its own, or in a transaction. What sqlx
/// backends write alike is one macro, [`sqlx_connection!`](crate::sqlx_connection).
#[async_trait]
pub trait SqlConnection: Send + Sync + 'static {
    type Row: Columns + Send + Sync;
    /// A transaction, rolled back when dropped uncommitted.
    type Tx: Send;

    /// How many migrations this build carries.
    fn migrations(&self) -> usize;

    /// Runs `st` on a reading connection, answering its rows.
    async fn read(&self, st: Statement<'_>) -> Result<Vec<Self::Row>, StoreError>;

    /// Runs write `st` on its own, atomic by itself; answers how many rows it changed.
    async fn write(&self, st: Statement<'_>) -> Result<u64, StoreError>;

    async fn fetch(&self, tx: &mut Self::Tx, st: Statement<'_>) -> Result<Vec<Self::Row>, StoreError>;

    /// Runs `st` in `tx`, answering how many rows it changed.
    async fn execute(&self, tx: &mut Self::Tx, st: Statement<'_>) -> Result<u64, StoreError>;

    async fn commit_tx(&self, tx: Self::Tx) -> Result<(), StoreError>;
}

/// The writes of many rows in one statement, which the dialects write their own way
/// (`VALUES` lists of a few fixed sizes on SQLite, arrays unnested on PostgreSQL): a
/// group-committed intake batch holds hundreds of records, alerts and messages.
#[async_trait]
pub trait SqlBatches: SqlConnection {
    /// Inserts new records (version 1, updated at `at`), skipping any that exist; answers
    /// a row (`kind`, `id`) for each one inserted.
    async fn insert_records(
        &self,
        tx: &mut Self::Tx,
        writes: &[&RecordWrite],
        at: Timestamp,
    ) -> Result<Vec<Self::Row>, StoreError>;

    /// Inserts new alerts as [`insert_records`](Self::insert_records); rows of `id`.
    async fn insert_alerts(
        &self,
        tx: &mut Self::Tx,
        writes: &[&AlertWrite],
        at: Timestamp,
    ) -> Result<Vec<Self::Row>, StoreError>;

    /// Queues `messages` in their order, a key queued already left as it is; with
    /// `claim`, held by it and answered as rows (`id`, `key`) of those queued.
    async fn queue(
        &self,
        tx: &mut Self::Tx,
        messages: &[NewNotification],
        at: Timestamp,
        claim: Option<&Claim>,
    ) -> Result<Vec<Self::Row>, StoreError>;

    /// Settles every outcome still held by `worker` in one transaction, answering the ids settled.
    async fn settle_batch(
        &self,
        worker: &str,
        outcomes: &[(i64, Settle)],
        at: Timestamp,
    ) -> Result<Vec<i64>, StoreError>;
}

/// What a SQL backend does its own way; [`Store`](crate::Store) comes with it.
#[async_trait]
pub trait SqlBackend: SqlBatches {
    /// `sqlite` or `postgres`.
    const NAME: &'static str;

    /// Begins a write transaction that holds the audit chain (so writers are ordered
    /// before they read anything they decide on), answering the chain's head.
    async fn begin_write(&self) -> Result<(Self::Tx, Option<ChainHead>), StoreError>;

    /// Begins the transaction of a [`Commit`](crate::Commit); `audited` when it appends to the chain.
    /// A backend whose writers need not be ordered by the chain may skip its lock when not.
    async fn begin_commit(&self, audited: bool) -> Result<(Self::Tx, Option<ChainHead>), StoreError> {
        let _ = audited;
        self.begin_write().await
    }

    /// Begins a read-only transaction whose reads agree with each other.
    async fn begin_snapshot(&self) -> Result<Self::Tx, StoreError>;

    /// The rows of the records of `kind` with these ids, in any order.
    async fn fetch_records_by_id(&self, kind: &str, ids: &[String]) -> Result<Vec<Self::Row>, StoreError>;

    /// The rows of the alerts with these ids, in any order.
    async fn fetch_alerts_by_id(&self, ids: &[String]) -> Result<Vec<Self::Row>, StoreError>;

    /// Runs [`sql::CLAIM`](crate::sql::CLAIM) (or its locking form) for `worker`, held until `until_us`.
    async fn claim(
        &self,
        worker: &str,
        now: Timestamp,
        until_us: i64,
        limit: i64,
    ) -> Result<Vec<Self::Row>, StoreError>;

    /// Every deferral ([`sql::deferral`](crate::sql::deferral)) in one transaction; whether each was deferred.
    async fn defer_batch(&self, deferrals: &[Deferral]) -> Result<Vec<bool>, StoreError>;

    /// Upserts `rows` of `slo` (not empty) and re-sums the rollups of the hours they touch,
    /// in one transaction; answers how many minutes were written.
    async fn put_bucket_rows(&self, slo: &SloId, rows: &BucketRows) -> Result<u64, StoreError>;

    /// The rows of `plan`'s sums for `slo` (see [`SumsPlan::combine`]).
    async fn sum_plan(&self, slo: &SloId, plan: &SumsPlan) -> Result<Vec<SumsRow>, StoreError>;

    /// The buckets (`slo_id`, `minute_us`, `good`, `total`) of each of `slos` with
    /// `from_us <= minute_us < to_us`, in any order.
    async fn fetch_buckets_in(
        &self,
        slos: &[String],
        from_us: i64,
        to_us: i64,
    ) -> Result<Vec<SloBucketRow>, StoreError>;
}
