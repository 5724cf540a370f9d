//! Multi-row writes on SQLite: new records, alerts and outbox messages, and settlements,
//! each a `VALUES` list of a few fixed sizes (PostgreSQL unnests arrays instead).

use crate::relaxed::Relaxed;
use crate::{Rows, SqliteStore, Tx};
use async_trait::async_trait;
use baton_core::Timestamp;
use baton_store::driver::{database_error as db, query};
use baton_store::statement::us;
use baton_store::{sql, AlertWrite, Claim, Deferral, NewNotification, RecordWrite, Settle, SqlBatches, StoreError};
use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Row};
use std::sync::OnceLock;

/// Ids per `IN (...)` list of a read by ids: well under SQLite's limit on bound parameters.
pub(crate) const IN_LIST: usize = 500;

/// `n` anonymous placeholders, for an `IN` list. Anonymous on purpose: see `sli.rs`.
pub(crate) fn marks(n: usize) -> String {
    vec!["?"; n].join(",")
}

/// Rows per full multi-row write of records or outbox messages. As for SLI buckets (see
/// `sli.rs`): every statement is a round trip to sqlx's SQLite worker thread, which costs
/// more than SQLite's own work for a row. The rest goes in one statement of its exact
/// size: each size is prepared once per connection (the writer's statement cache holds
/// them all, see `lib.rs`), and splitting the rest into powers of two took up to six more
/// round trips per table and commit, on the one connection intake waits for.
const WRITE_CHUNK: usize = 64;

const _: () = assert!(8 * WRITE_CHUNK <= 32_766);

/// The sizes, in order, of the statements that write `n` rows.
fn chunk_sizes(n: usize) -> impl Iterator<Item = usize> {
    let full = std::iter::repeat_n(WRITE_CHUNK, n / WRITE_CHUNK);
    full.chain(Some(n % WRITE_CHUNK).filter(|rest| *rest > 0))
}

static INSERT_RECORDS: OnceLock<Vec<String>> = OnceLock::new();
static INSERT_ALERTS: OnceLock<Vec<String>> = OnceLock::new();
static INSERT_OUTBOX: OnceLock<Vec<String>> = OnceLock::new();
static SETTLE_OUTBOX: OnceLock<Vec<String>> = OnceLock::new();

/// Settles `rows` messages still held by the worker bound last (see `sql::SETTLE`, which
/// settles one the same way); `RETURNING` names the ones settled. One statement for
/// many, as for inserts: one statement a message cost more in round trips to the SQLite
/// thread than in SQLite.
fn settle_outbox_sql(rows: usize) -> String {
    let values = vec!["(?, ?, ?, ?, ?, ?)"; rows].join(", ");
    format!(
        "WITH u (id, status, next, error, settled, added) AS (VALUES {values}) \
         UPDATE outbox SET status = u.status, attempts = attempts + u.added, \
           next_attempt_us = COALESCE(u.next, next_attempt_us), \
           last_error = CASE WHEN u.added = 0 THEN last_error ELSE u.error END, settled_us = u.settled, \
           claimed_by = NULL, claim_until_us = NULL \
         FROM u WHERE outbox.id = u.id AND outbox.claimed_by = ? AND outbox.status = 'pending' RETURNING outbox.id AS id"
    )
}

/// The statement for `rows` rows (a size [`chunk_sizes`] yields), made once by `sql`.
fn statement(all: &'static OnceLock<Vec<String>>, rows: usize, sql: fn(usize) -> String) -> &'static str {
    let all = all.get_or_init(|| (1..=WRITE_CHUNK).map(sql).collect());
    debug_assert!((1..=WRITE_CHUNK).contains(&rows), "{rows} is not a chunk size");
    &all[rows - 1]
}

/// Inserts new records, skipping any that exist; `RETURNING` names the ones inserted.
fn insert_records_sql(rows: usize) -> String {
    let values = vec!["(?, ?, 1, ?, ?, ?)"; rows].join(", ");
    format!(
        "INSERT INTO records (kind, id, version, body, due_at_us, updated_at_us) VALUES {values} \
         ON CONFLICT (kind, id) DO NOTHING RETURNING kind, id"
    )
}

/// Inserts new alerts, skipping any that exist; `RETURNING` names the ones inserted.
fn insert_alerts_sql(rows: usize) -> String {
    let values = vec!["(?, 1, ?, ?, ?, ?, ?, ?)"; rows].join(", ");
    format!(
        "INSERT INTO alerts (id, version, service, open, sort_at_us, body, due_at_us, updated_at_us) VALUES {values} \
         ON CONFLICT (id) DO NOTHING RETURNING id"
    )
}

/// Queues messages (claimed as they are written, or not: the claim's columns may be NULL);
/// a key queued already is left as it is, and `RETURNING` names the ones queued.
fn insert_outbox_sql(rows: usize) -> String {
    let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; rows].join(", ");
    format!(
        "INSERT INTO outbox (key, subject, channel, payload, next_attempt_us, created_us, claimed_by, claim_until_us) \
         VALUES {values} ON CONFLICT (key) DO NOTHING RETURNING id, key"
    )
}

#[async_trait]
impl SqlBatches for SqliteStore {
    /// New records in statements of [`chunk_sizes`].
    async fn insert_records(&self, tx: &mut Tx, writes: &[&RecordWrite], at: Timestamp) -> Rows {
        let mut written = Vec::with_capacity(writes.len());
        let mut rest = writes;
        for size in chunk_sizes(rest.len()) {
            let (chunk, tail) = rest.split_at(size);
            rest = tail;
            let mut query = sqlx::query(statement(&INSERT_RECORDS, size, insert_records_sql));
            for w in chunk {
                query = query.bind(&w.kind).bind(&w.id).bind(&w.body).bind(w.due_at.map(us)).bind(us(at));
            }
            written.extend(query.fetch_all(&mut **tx).await.map_err(db)?);
        }
        Ok(written)
    }

    /// New alerts in statements of [`chunk_sizes`].
    async fn insert_alerts(&self, tx: &mut Tx, writes: &[&AlertWrite], at: Timestamp) -> Rows {
        let mut written = Vec::with_capacity(writes.len());
        let mut rest = writes;
        for size in chunk_sizes(rest.len()) {
            let (chunk, tail) = rest.split_at(size);
            rest = tail;
            let mut query = sqlx::query(statement(&INSERT_ALERTS, size, insert_alerts_sql));
            for w in chunk {
                query = query
                    .bind(&w.id)
                    .bind(&w.service)
                    .bind(w.open)
                    .bind(us(w.sort_at))
                    .bind(&w.body)
                    .bind(w.due_at.map(us))
                    .bind(us(at));
            }
            written.extend(query.fetch_all(&mut **tx).await.map_err(db)?);
        }
        Ok(written)
    }

    /// Messages in statements of [`chunk_sizes`]; without a claim nothing is answered
    /// (nobody reads the rows).
    async fn queue(&self, tx: &mut Tx, messages: &[NewNotification], at: Timestamp, claim: Option<&Claim>) -> Rows {
        let mut queued = Vec::new();
        let mut rest = messages;
        for size in chunk_sizes(rest.len()) {
            let (chunk, tail) = rest.split_at(size);
            rest = tail;
            // Without a claim the last two are NULL: nobody holds the messages.
            let mut query = sqlx::query(statement(&INSERT_OUTBOX, size, insert_outbox_sql));
            for n in chunk {
                query = query
                    .bind(&n.key)
                    .bind(&n.subject)
                    .bind(&n.channel)
                    .bind(&n.payload)
                    .bind(us(n.not_before))
                    .bind(us(at))
                    .bind(claim.map(|c| c.worker.as_str()))
                    .bind(claim.map(|c| us(c.until)));
            }
            if claim.is_none() {
                query.execute(&mut **tx).await.map_err(db)?;
            } else {
                queued.extend(query.fetch_all(&mut **tx).await.map_err(db)?);
            }
        }
        Ok(queued)
    }

    /// In one transaction on the writer, without an `fsync` of its own (see [`Relaxed`]).
    async fn settle_batch(
        &self,
        worker: &str,
        outcomes: &[(i64, Settle)],
        at: Timestamp,
    ) -> Result<Vec<i64>, StoreError> {
        let mut writer = Relaxed::acquire(&self.writer).await?;
        // Its first statement writes, so it takes the write lock before reading anything.
        let mut tx = writer.connection().begin().await.map_err(db)?;
        let mut settled = Vec::with_capacity(outcomes.len());
        let mut rest = outcomes;
        for size in chunk_sizes(rest.len()) {
            let (chunk, tail) = rest.split_at(size);
            rest = tail;
            let mut query = sqlx::query(statement(&SETTLE_OUTBOX, size, settle_outbox_sql));
            for (id, outcome) in chunk {
                let (status, next, error, settled_at, added) = outcome.columns(at);
                query = query.bind(id).bind(status).bind(next).bind(error).bind(settled_at).bind(added);
            }
            let rows = query.bind(worker).fetch_all(&mut *tx).await.map_err(db)?;
            settled.extend(rows.iter().map(|r| r.get::<i64, _>("id")));
        }
        tx.commit().await.map_err(db)?;
        writer.release().await?;
        Ok(settled)
    }
}

/// Every deferral in one transaction on `conn`; whether each was deferred.
pub(crate) async fn defer(conn: &mut SqliteConnection, deferrals: &[Deferral]) -> Result<Vec<bool>, StoreError> {
    let mut tx = conn.begin().await.map_err(db)?;
    let mut deferred = Vec::with_capacity(deferrals.len());
    for d in deferrals {
        deferred.push(query(&sql::deferral(d)).execute(&mut *tx).await.map_err(db)?.rows_affected() == 1);
    }
    tx.commit().await.map_err(db)?;
    Ok(deferred)
}
