//! Records and the outbox on SQLite.

use crate::rows::{db, from_us, us};
use crate::{append, SqliteStore};
use baton_core::audit::AuditEntry;
use baton_core::Timestamp;
use baton_store::sql::{self, not_inserted, Param, OUTBOX_COLUMNS, RECORD_SELECT};
use baton_store::{
    AlertWrite, Claim, Commit, DeliveryStatus, Notification, NotificationQuery, OutboxStats, RecordWrite, Settle,
    StoreError, StoredRecord,
};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{Connection, Row, Sqlite, SqlitePool};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use std::time::Duration;

pub(crate) fn record_row(r: &SqliteRow) -> Result<StoredRecord, StoreError> {
    Ok(StoredRecord {
        kind: r.try_get("kind").map_err(db)?,
        id: r.try_get("id").map_err(db)?,
        version: r.try_get("version").map_err(db)?,
        body: r.try_get("body").map_err(db)?,
        due_at: r.try_get::<Option<i64>, _>("due_at_us").map_err(db)?.map(from_us).transpose()?,
        updated_at: from_us(r.try_get("updated_at_us").map_err(db)?)?,
        due_failures: r.try_get("due_failures").map_err(db)?,
        due_error: r.try_get("due_error").map_err(db)?,
    })
}

pub(crate) fn notification_row(r: &SqliteRow) -> Result<Notification, StoreError> {
    let status: String = r.try_get("status").map_err(db)?;
    let instant = |column: &str| r.try_get::<Option<i64>, _>(column).map_err(db)?.map(from_us).transpose();
    Ok(Notification {
        id: r.try_get("id").map_err(db)?,
        key: r.try_get("key").map_err(db)?,
        subject: r.try_get("subject").map_err(db)?,
        channel: r.try_get("channel").map_err(db)?,
        payload: r.try_get("payload").map_err(db)?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("outbox status `{status}`")))?,
        attempts: r.try_get("attempts").map_err(db)?,
        next_attempt_at: from_us(r.try_get("next_attempt_us").map_err(db)?)?,
        last_error: r.try_get("last_error").map_err(db)?,
        created_at: from_us(r.try_get("created_us").map_err(db)?)?,
        settled_at: instant("settled_us")?,
        requeued_at: instant("requeued_us")?,
    })
}

pub(crate) fn stale_record(kind: &str, id: &str) -> StoreError {
    StoreError::Conflict(format!("{kind} `{id}` was changed by someone else; read it again and retry"))
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

/// Settles `rows` messages still held by the worker bound last (see [`SETTLE`], which
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
         FROM u WHERE outbox.id = u.id AND outbox.claimed_by = ? AND outbox.status = 'pending' RETURNING outbox.id"
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

impl SqliteStore {
    /// Writes `commit`; with `claim`, its messages are claimed as they are written and
    /// answered (those queued, not those whose key was queued already).
    pub(crate) async fn commit_all(
        &self,
        commit: &Commit,
        at: Timestamp,
        claim: Option<&Claim>,
    ) -> Result<(Vec<i64>, Vec<Notification>), StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        // New records go in multi-row inserts (a group-committed intake batch holds
        // hundreds); updates, each checked against its own version, one by one after them.
        let inserts: Vec<&RecordWrite> = commit.records.iter().filter(|w| w.expected_version == 0).collect();
        let mut rest = inserts.as_slice();
        for size in chunk_sizes(rest.len()) {
            let (chunk, tail) = rest.split_at(size);
            rest = tail;
            let mut query = sqlx::query(statement(&INSERT_RECORDS, size, insert_records_sql));
            for w in chunk {
                query = query.bind(&w.kind).bind(&w.id).bind(&w.body).bind(w.due_at.map(us)).bind(us(at));
            }
            let written = query.fetch_all(&mut *tx).await.map_err(db)?;
            if written.len() != size {
                let written: Vec<String> =
                    written.iter().map(|r| format!("{}\0{}", r.get::<&str, _>(0), r.get::<&str, _>(1))).collect();
                let keys: Vec<String> = chunk.iter().map(|w| format!("{}\0{}", w.kind, w.id)).collect();
                let taken = not_inserted(keys.iter().map(String::as_str), &written).expect("a write not inserted");
                let (kind, id) = taken.split_once('\0').expect("kind and id");
                return Err(stale_record(kind, id));
            }
        }
        for w in commit.records.iter().filter(|w| w.expected_version != 0) {
            let written = sqlx::query(sql::UPDATE_RECORD)
                .bind(&w.body)
                .bind(w.due_at.map(us))
                .bind(us(at))
                .bind(&w.kind)
                .bind(&w.id)
                .bind(w.expected_version)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            if written.rows_affected() != 1 {
                return Err(stale_record(&w.kind, &w.id));
            }
        }
        // Alerts as records: new ones in multi-row inserts, updates one by one.
        let inserts: Vec<&AlertWrite> = commit.alerts.iter().filter(|w| w.expected_version == 0).collect();
        let mut rest = inserts.as_slice();
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
            let written: Vec<String> = query.fetch_all(&mut *tx).await.map_err(db)?.iter().map(|r| r.get(0)).collect();
            if let Some(taken) = not_inserted(chunk.iter().map(|w| w.id.as_str()), &written) {
                return Err(stale_record("alert", taken));
            }
        }
        for w in commit.alerts.iter().filter(|w| w.expected_version != 0) {
            let written = sqlx::query(sql::UPDATE_ALERT)
                .bind(&w.service)
                .bind(w.open)
                .bind(us(w.sort_at))
                .bind(&w.body)
                .bind(w.due_at.map(us))
                .bind(us(at))
                .bind(&w.id)
                .bind(w.expected_version)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            if written.rows_affected() != 1 {
                return Err(stale_record("alert", &w.id));
            }
        }
        for entry in &commit.audit {
            append(&mut tx, &mut head, at, entry.clone()).await?;
        }
        let mut queued = Vec::new();
        let mut rest = commit.notifications.as_slice();
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
                query.execute(&mut *tx).await.map_err(db)?;
                continue;
            }
            let ids: HashMap<String, i64> =
                query.fetch_all(&mut *tx).await.map_err(db)?.iter().map(|r| (r.get(1), r.get(0))).collect();
            queued.extend(chunk.iter().filter_map(|n| Some(n.queued(*ids.get(&n.key)?, at))));
        }
        tx.commit().await.map_err(db)?;
        let versions =
            commit.records.iter().map(|w| w.expected_version).chain(commit.alerts.iter().map(|w| w.expected_version));
        Ok((versions.map(|v| v + 1).collect(), queued))
    }

    pub(crate) async fn read_record(&self, kind: &str, id: &str) -> Result<Option<StoredRecord>, StoreError> {
        sqlx::query(&format!("{RECORD_SELECT} WHERE kind = ? AND id = ?"))
            .bind(kind)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .as_ref()
            .map(record_row)
            .transpose()
    }

    pub(crate) async fn read_records_by_id(&self, kind: &str, ids: &[String]) -> Result<Vec<StoredRecord>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        // Well under SQLite's limit on bound parameters.
        for chunk in ids.chunks(500) {
            let text = format!("{RECORD_SELECT} WHERE kind = ? AND id IN ({})", vec!["?"; chunk.len()].join(","));
            let mut query = sqlx::query(&text).bind(kind);
            for id in chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.pool).await.map_err(db)? {
                out.push(record_row(&row)?);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out.dedup_by(|a, b| a.id == b.id);
        Ok(out)
    }

    pub(crate) async fn read_records(&self, kind: &str, prefix: &str) -> Result<Vec<StoredRecord>, StoreError> {
        // A range on the primary key, not LIKE: ids may hold `%` and `_`.
        let rows =
            sqlx::query(&format!("{RECORD_SELECT} WHERE kind = ? AND id >= ? AND substr(id, 1, ?) = ? ORDER BY id"))
                .bind(kind)
                .bind(prefix)
                .bind(prefix.chars().count() as i64)
                .bind(prefix)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        rows.iter().map(record_row).collect()
    }

    pub(crate) async fn read_due(&self, now: Timestamp, limit: i64) -> Result<Vec<StoredRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{RECORD_SELECT} WHERE due_at_us IS NOT NULL AND due_at_us <= ? ORDER BY due_at_us, kind, id LIMIT ?"
        ))
        .bind(us(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(record_row).collect()
    }

    pub(crate) async fn claim(
        &self,
        worker: &str,
        now: Timestamp,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError> {
        let until = us(now).saturating_add(i64::try_from(lease.as_micros()).unwrap_or(i64::MAX));
        // One statement, so atomic on its own: SQLite has one writer at a time. It returns
        // the messages too, read by the writer's warm connection (a pooled connection's
        // cache is dropped by every commit, so reading them there meant reading from disk).
        let mut writer = Relaxed::acquire(&self.writer).await?;
        let rows = sqlx::query(&format!(
            "UPDATE outbox SET claimed_by = ?, claim_until_us = ? WHERE id IN (\
               SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_us <= ? \
               AND (claim_until_us IS NULL OR claim_until_us <= ?) ORDER BY id LIMIT ?) \
             RETURNING {OUTBOX_COLUMNS}"
        ))
        .bind(worker)
        .bind(until)
        .bind(us(now))
        .bind(us(now))
        .bind(limit)
        .fetch_all(writer.connection())
        .await
        .map_err(db)?;
        writer.release().await?;
        let mut claimed = rows.iter().map(notification_row).collect::<Result<Vec<_>, _>>()?;
        // RETURNING gives no order; oldest first.
        claimed.sort_by_key(|n| n.id);
        Ok(claimed)
    }

    pub(crate) async fn settle(
        &self,
        id: i64,
        worker: &str,
        outcome: &Settle,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let done = settle_query(id, worker, outcome, at).execute(&self.writer).await.map_err(db)?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM outbox WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        Err(match exists {
            Some(_) => StoreError::Conflict(format!("notification {id} is no longer held by {worker}")),
            None => StoreError::NotFound(format!("notification {id}")),
        })
    }

    /// Every outcome in one transaction, for a sender's batch, without an `fsync` of its own
    /// (see [`Relaxed`]).
    pub(crate) async fn settle_many(
        &self,
        worker: &str,
        outcomes: &[(i64, Settle)],
        at: Timestamp,
    ) -> Result<Vec<bool>, StoreError> {
        let mut writer = Relaxed::acquire(&self.writer).await?;
        // Its first statement writes, so it takes the write lock before reading anything.
        let mut tx = writer.connection().begin().await.map_err(db)?;
        let mut settled = HashSet::with_capacity(outcomes.len());
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
            settled.extend(rows.iter().map(|r| r.get::<i64, _>(0)));
        }
        tx.commit().await.map_err(db)?;
        writer.release().await?;
        Ok(outcomes.iter().map(|(id, _)| settled.contains(id)).collect())
    }

    /// Every deferral in one transaction on the writer, without an `fsync` of its own
    /// (see [`Relaxed`]): a deferral lost to a power cut is a record tried again sooner.
    pub(crate) async fn defer_many(&self, deferrals: &[baton_store::Deferral]) -> Result<Vec<bool>, StoreError> {
        let mut writer = Relaxed::acquire(&self.writer).await?;
        let mut tx = writer.connection().begin().await.map_err(db)?;
        let mut out = Vec::with_capacity(deferrals.len());
        for d in deferrals {
            let query = match &d.kind {
                None => sqlx::query(sql::DEFER_ALERT).bind(us(d.next_at)).bind(&d.error).bind(&d.id).bind(d.version),
                Some(kind) => sqlx::query(sql::DEFER_RECORD)
                    .bind(us(d.next_at))
                    .bind(&d.error)
                    .bind(kind)
                    .bind(&d.id)
                    .bind(d.version),
            };
            out.push(query.execute(&mut *tx).await.map_err(db)?.rows_affected() == 1);
        }
        tx.commit().await.map_err(db)?;
        writer.release().await?;
        Ok(out)
    }

    pub(crate) async fn read_notification(&self, id: i64) -> Result<Option<Notification>, StoreError> {
        let row = sqlx::query(sql::NOTIFICATION_BY_ID).bind(id).fetch_optional(&self.pool).await.map_err(db)?;
        row.as_ref().map(notification_row).transpose()
    }

    pub(crate) async fn requeue(&self, id: i64, audit: AuditEntry, at: Timestamp) -> Result<Notification, StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        let row = sqlx::query(sql::REQUEUE).bind(us(at)).bind(id).fetch_optional(&mut *tx).await.map_err(db)?;
        let Some(row) = row else {
            let status: Option<String> =
                sqlx::query_scalar(sql::OUTBOX_STATUS).bind(id).fetch_optional(&mut *tx).await.map_err(db)?;
            return Err(match status {
                Some(status) => StoreError::Conflict(format!("notification {id} is {status}, not dead")),
                None => StoreError::NotFound(format!("notification {id}")),
            });
        };
        let requeued = notification_row(&row)?;
        append(&mut tx, &mut head, at, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(requeued)
    }

    pub(crate) async fn stats(&self) -> Result<OutboxStats, StoreError> {
        let row = sqlx::query(sql::OUTBOX_STATS).fetch_one(&self.pool).await.map_err(db)?;
        Ok(OutboxStats {
            pending: row.try_get("pending").map_err(db)?,
            dead: row.try_get("dead").map_err(db)?,
            oldest_pending: row.try_get::<Option<i64>, _>("oldest_pending_us").map_err(db)?.map(from_us).transpose()?,
        })
    }

    pub(crate) async fn list_notifications(&self, q: &NotificationQuery) -> Result<Vec<Notification>, StoreError> {
        let (text, params) = sql::list_notifications(q);
        let mut query = sqlx::query(&text);
        for p in params {
            query = match p {
                Param::Text(v) => query.bind(v),
                Param::Int(v) => query.bind(v),
            };
        }
        let rows = query.fetch_all(&self.pool).await.map_err(db)?;
        rows.iter().map(notification_row).collect()
    }
}

/// The update that settles message `id` if `worker` still holds it (one row affected).
fn settle_query<'q>(
    id: i64,
    worker: &'q str,
    outcome: &Settle,
    at: Timestamp,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    let (status, next, error, settled, added) = outcome.columns(at);
    sqlx::query(sql::SETTLE).bind(status).bind(added).bind(next).bind(error).bind(settled).bind(id).bind(worker)
}

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
struct Relaxed(Option<PoolConnection<Sqlite>>);

impl Relaxed {
    async fn acquire(pool: &SqlitePool) -> Result<Relaxed, StoreError> {
        let mut relaxed = Relaxed(Some(pool.acquire().await.map_err(db)?));
        sqlx::query("PRAGMA synchronous = NORMAL").execute(relaxed.connection()).await.map_err(db)?;
        Ok(relaxed)
    }

    fn connection(&mut self) -> &mut SqliteConnection {
        self.0.as_mut().expect("a relaxed connection is held until released")
    }

    async fn release(mut self) -> Result<(), StoreError> {
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
        store.claim("w1", now, Duration::from_secs(30), 10).await.unwrap();
        store.settle_many("w1", &[(1, Settle::Delivered)], now).await.unwrap();
        assert_eq!(synchronous(&store).await, FULL, "released at FULL");
        // Work that fails or is cancelled half-way never gives the connection back relaxed.
        let mut relaxed = Relaxed::acquire(&store.writer).await.unwrap();
        let relaxed_now: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(relaxed.connection()).await.unwrap();
        assert_eq!(relaxed_now, 1, "NORMAL while held");
        drop(relaxed);
        assert_eq!(synchronous(&store).await, FULL, "a new connection, at FULL");
    }
}
