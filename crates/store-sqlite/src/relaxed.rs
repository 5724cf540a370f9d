//! The writer at `synchronous = NORMAL` for the writes a power cut may lose.

use baton_store::driver::database_error as db;
use baton_store::StoreError;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteConnection;
use sqlx::{Sqlite, SqlitePool};

/// The writer connection at `synchronous = NORMAL`, for a claim or a settlement: writes
/// whose loss to a power cut costs a message sent again under its same idempotency key,
/// which at-least-once delivery allows (a process crash loses nothing: the WAL is written
/// before the commit returns, only not synced). Their commits skip the `fsync`, and the
/// next durable commit syncs them along with its own; each of the sender's two `fsync`s a
/// batch otherwise held up every intake commit behind it on this one connection.
///
/// [`release`](Relaxed::release) sets the connection back to `FULL` before it returns to
/// the pool. If the work fails or is cancelled before that, the connection is closed
/// instead, so a durable write never runs on a connection left at `NORMAL`.
pub(crate) struct Relaxed(Option<PoolConnection<Sqlite>>);

impl Relaxed {
    pub(crate) async fn acquire(pool: &SqlitePool) -> Result<Relaxed, StoreError> {
        let mut relaxed = Relaxed(Some(pool.acquire().await.map_err(db)?));
        sqlx::query("PRAGMA synchronous = NORMAL").execute(relaxed.connection()).await.map_err(db)?;
        Ok(relaxed)
    }

    pub(crate) fn connection(&mut self) -> &mut SqliteConnection {
        self.0.as_mut().expect("a relaxed connection is held until released")
    }

    pub(crate) async fn release(mut self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA synchronous = FULL").execute(self.connection()).await.map_err(db)?;
        self.0.take();
        Ok(())
    }
}

impl Drop for Relaxed {
    fn drop(&mut self) {
        if let Some(connection) = self.0.as_mut() {
            connection.close_on_drop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use baton_core::Timestamp;
    use baton_store::{Settle, Store};
    use std::time::Duration;

    async fn synchronous(store: &SqliteStore) -> i64 {
        sqlx::query_scalar("PRAGMA synchronous").fetch_one(&store.writer).await.unwrap()
    }

    /// Claims and settlements skip the `fsync`; nothing else on the writer may.
    #[tokio::test]
    async fn the_writer_is_back_at_full_after_relaxed_work_however_it_ended() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::connect(&format!("sqlite://{}/baton.db", dir.path().display())).await.unwrap();
        const FULL: i64 = 2;
        assert_eq!(synchronous(&store).await, FULL);
        let now = Timestamp::UNIX_EPOCH;
        store.claim_notifications("w1", now, Duration::from_secs(30), 10).await.unwrap();
        store.settle_notifications("w1", &[(1, Settle::Delivered)], now).await.unwrap();
        assert_eq!(synchronous(&store).await, FULL, "released at FULL");
        // Work that fails or is cancelled half-way never gives the connection back relaxed.
        let mut relaxed = Relaxed::acquire(&store.writer).await.unwrap();
        let relaxed_now: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(relaxed.connection()).await.unwrap();
        assert_eq!(relaxed_now, 1, "NORMAL while held");
        drop(relaxed);
        assert_eq!(synchronous(&store).await, FULL, "a new connection, at FULL");
    }
}
