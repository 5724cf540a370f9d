//! The shared store for replicated deployments: PostgreSQL.
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

mod alerts;
mod records;
mod rows;

use async_trait::async_trait;
use baton_core::audit::{seal, AuditEntry, AuditRecord, ChainHead};
use baton_core::pipeline::ServiceRecord;
use baton_core::slo::{Bucket, Correction, SliSums, Window};
use baton_core::{Change, ChangeKind, Definition, ServiceId, SloId, Timestamp};
use baton_store::sli::{bucket_from_row, bucket_rows, touched_hours, window_us, SumsPlan};
use baton_store::{
    definition_audit, from_json, to_json, AlertListQuery, AuditQuery, Claim, Commit, NewSession, NewToken,
    Notification, NotificationQuery, OutboxStats, Session, Settle, Store, StoreError, StoredAlert, StoredCorrection,
    StoredRecord, Token, Versioned, CORRECTION_SELECT,
};
use rows::{db, pg, us};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool, Postgres, Row, Transaction};
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

    /// Starts a write transaction holding the audit head's row lock, and reads the head.
    pub(crate) async fn begin_write(&self) -> Result<(Transaction<'static, Postgres>, Option<ChainHead>), StoreError> {
        // Explicit, so a server whose default isolation is stricter still behaves as the
        // module docs describe.
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED").await.map_err(pg)?;
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
            .fetch_one(&mut *tx)
            .await
            .map_err(pg)?;
        let seq: i64 = row.get(0);
        let head = (seq > 0).then(|| ChainHead { seq, hash: row.get(1) });
        Ok((tx, head))
    }
}

fn options(url: &str) -> Result<PgConnectOptions, StoreError> {
    let options = PgConnectOptions::from_str(url).map_err(db)?;
    // Like SQLite's busy timeout: a writer stuck behind a wedged transaction gives up
    // with an error instead of holding its caller (and a pool slot) forever.
    Ok(options.options([("lock_timeout", "10s")]))
}

/// Seals `entry` after `head`, inserts it, and moves `head` on. Callers commit.
pub(crate) async fn append(
    tx: &mut Transaction<'static, Postgres>,
    head: &mut Option<ChainHead>,
    at: Timestamp,
    entry: AuditEntry,
) -> Result<(), StoreError> {
    let r = seal(head.as_ref(), at, entry);
    sqlx::query("INSERT INTO audit_log (seq, at_us, actor, action, subject, reason, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(r.seq)
        .bind(us(r.at))
        .bind(&r.entry.actor)
        .bind(&r.entry.action)
        .bind(&r.entry.subject)
        .bind(&r.entry.reason)
        .bind(&r.entry.details)
        .bind(&r.prev_hash)
        .bind(&r.hash)
        .execute(&mut **tx)
        .await
        .map_err(pg)?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(r.seq)
        .bind(&r.hash)
        .execute(&mut **tx)
        .await
        .map_err(pg)?;
    *head = Some(ChainHead { seq: r.seq, hash: r.hash });
    Ok(())
}

/// Re-sums the rollups of SLO `$1` over the hours `[$2, $3)` from its minute rows (every
/// hour in the range has rows: they were just written, and minutes are never deleted).
/// The floor to the hour is written out because `%` keeps a negative instant's sign.
const RESUM_ROLLUPS: &str = "INSERT INTO sli_rollups (slo_id, hour_us, good, total, minutes_with_data, minutes) \
     SELECT slo_id, minute_us - ((minute_us % 3600000000) + 3600000000) % 3600000000, \
            SUM(good)::bigint, SUM(total)::bigint, COUNT(*) FILTER (WHERE total > 0), COUNT(*) \
     FROM sli_buckets WHERE slo_id = $1 AND minute_us >= $2 AND minute_us < $3 GROUP BY 1, 2 \
     ON CONFLICT (slo_id, hour_us) DO UPDATE SET good = excluded.good, total = excluded.total, \
        minutes_with_data = excluded.minutes_with_data, minutes = excluded.minutes \
     WHERE (sli_rollups.good, sli_rollups.total, sli_rollups.minutes_with_data, sli_rollups.minutes) \
        IS DISTINCT FROM (excluded.good, excluded.total, excluded.minutes_with_data, excluded.minutes)";

/// The sums of SLO `$1` over the ranges of a [`SumsPlan`]: its hours (`$2`, `$3`: from
/// and to) from the rollups and its minutes (`$4`, `$5`) from the minute rows; one row out
/// per range with any data, `(kind, index from 0, good, total, minutes with data, buckets)`.
const SUMS: &str = "SELECT 0::bigint, (h.i - 1)::bigint, SUM(r.good)::bigint, SUM(r.total)::bigint, \
            SUM(r.minutes_with_data)::bigint, SUM(r.minutes)::bigint \
       FROM UNNEST($2::bigint[], $3::bigint[]) WITH ORDINALITY AS h (lo, hi, i) \
       JOIN sli_rollups r ON r.slo_id = $1 AND r.hour_us >= h.lo AND r.hour_us < h.hi GROUP BY h.i \
     UNION ALL \
     SELECT 1::bigint, (m.i - 1)::bigint, SUM(b.good)::bigint, SUM(b.total)::bigint, \
            SUM((b.total > 0)::int)::bigint, COUNT(*)::bigint \
       FROM UNNEST($4::bigint[], $5::bigint[]) WITH ORDINALITY AS m (lo, hi, i) \
       JOIN sli_buckets b ON b.slo_id = $1 AND b.minute_us >= m.lo AND b.minute_us < m.hi GROUP BY m.i";

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ready(&self) -> Result<(), StoreError> {
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await
            .map_err(pg)?;
        rows::check_migrations(applied, MIGRATOR.iter().count())
    }

    async fn definitions(&self) -> Result<Versioned<Vec<Definition>>, StoreError> {
        // One snapshot for both reads, so the revision describes exactly these bodies even
        // if another replica applies in between.
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await.map_err(pg)?;
        let version: i64 = sqlx::query_scalar("SELECT value FROM counters WHERE name = 'definitions_revision'")
            .fetch_one(&mut *tx)
            .await
            .map_err(pg)?;
        let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM definitions ORDER BY kind, id")
            .fetch_all(&mut *tx)
            .await
            .map_err(pg)?;
        let value = bodies.iter().map(|b| from_json("definition", b)).collect::<Result<_, _>>()?;
        Ok(Versioned { version, value })
    }

    async fn definitions_revision(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT value FROM counters WHERE name = 'definitions_revision'")
            .fetch_one(&self.pool)
            .await
            .map_err(pg)
    }

    async fn revisions(&self, kind: &str, id: &str) -> Result<(i64, i64), StoreError> {
        sqlx::query_as(
            "SELECT (SELECT value FROM counters WHERE name = 'definitions_revision'), \
                    COALESCE((SELECT version FROM records WHERE kind = $1 AND id = $2), 0)",
        )
        .bind(kind)
        .bind(id)
        .fetch_one(&self.pool)
        .await
        .map_err(pg)
    }

    async fn apply_definitions(
        &self,
        expected_revision: i64,
        changes: &[Change],
        actor: &str,
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        let revision: i64 = sqlx::query_scalar(
            "UPDATE counters SET value = value + 1 WHERE name = 'definitions_revision' RETURNING value",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(pg)?;
        if revision != expected_revision + 1 {
            // Returning drops `tx`, which rolls the bump back.
            return Err(StoreError::Conflict(format!(
                "the definitions changed while this apply was prepared (now at revision {}, expected {expected_revision}); run it again",
                revision - 1
            )));
        }
        for change in changes {
            let d = &change.definition;
            match change.kind {
                ChangeKind::Added | ChangeKind::Changed => {
                    sqlx::query("INSERT INTO definitions (kind, id, body) VALUES ($1, $2, $3) ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body")
                        .bind(d.kind())
                        .bind(d.id())
                        .bind(to_json(d)?)
                        .execute(&mut *tx)
                        .await
                        .map_err(pg)?;
                }
                ChangeKind::Removed => {
                    sqlx::query("DELETE FROM definitions WHERE kind = $1 AND id = $2")
                        .bind(d.kind())
                        .bind(d.id())
                        .execute(&mut *tx)
                        .await
                        .map_err(pg)?;
                }
            }
            append(&mut tx, &mut head, at, definition_audit(change, actor)?).await?;
        }
        tx.commit().await.map_err(pg)?;
        Ok(revision)
    }

    async fn service_record(&self, id: &ServiceId) -> Result<Option<Versioned<ServiceRecord>>, StoreError> {
        let row = sqlx::query("SELECT version, body FROM service_records WHERE service_id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(pg)?;
        row.map(|r| Ok(Versioned { version: r.get(0), value: from_json("service record", r.get::<&str, _>(1))? }))
            .transpose()
    }

    async fn service_records(&self) -> Result<Vec<(ServiceId, Versioned<ServiceRecord>)>, StoreError> {
        let rows = sqlx::query("SELECT service_id, version, body FROM service_records ORDER BY service_id")
            .fetch_all(&self.pool)
            .await
            .map_err(pg)?;
        rows.iter().map(rows::service_row).collect()
    }

    async fn save_service_record(
        &self,
        id: &ServiceId,
        expected_version: i64,
        record: &ServiceRecord,
        audit: AuditEntry,
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        let body = to_json(record)?;
        let written = if expected_version == 0 {
            sqlx::query("INSERT INTO service_records (service_id, version, stage, body, updated_at_us) VALUES ($1, 1, $2, $3, $4) ON CONFLICT (service_id) DO NOTHING")
                .bind(id.as_str())
                .bind(record.stage.as_str())
                .bind(&body)
                .bind(us(at))
                .execute(&mut *tx)
                .await
        } else {
            sqlx::query("UPDATE service_records SET version = version + 1, stage = $1, body = $2, updated_at_us = $3 WHERE service_id = $4 AND version = $5")
                .bind(record.stage.as_str())
                .bind(&body)
                .bind(us(at))
                .bind(id.as_str())
                .bind(expected_version)
                .execute(&mut *tx)
                .await
        }
        .map_err(pg)?;
        if written.rows_affected() == 0 {
            return Err(rows::stale(id));
        }
        append(&mut tx, &mut head, at, audit).await?;
        tx.commit().await.map_err(pg)?;
        Ok(expected_version + 1)
    }

    async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
        let order = if q.newest_first { "DESC" } else { "ASC" };
        let (cmp, after) = match (q.newest_first, q.after_seq) {
            (true, 0) => ("<", i64::MAX),
            (true, n) => ("<", n),
            (false, n) => (">", n),
        };
        let sql = format!(
            "{} WHERE seq {cmp} $1 AND ($2::text IS NULL OR subject = $2) ORDER BY seq {order} LIMIT $3",
            rows::AUDIT_SELECT
        );
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(&q.subject)
            .bind(q.limit.clamp(1, 10_000))
            .fetch_all(&self.pool)
            .await
            .map_err(pg)?;
        rows.iter().map(rows::audit_row).collect()
    }

    async fn audit_head(&self) -> Result<Option<ChainHead>, StoreError> {
        let row =
            sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&self.pool).await.map_err(pg)?;
        let seq: i64 = row.get(0);
        Ok((seq > 0).then(|| ChainHead { seq, hash: row.get(1) }))
    }

    async fn create_token(&self, token: &NewToken, audit: AuditEntry) -> Result<(), StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        sqlx::query("INSERT INTO api_tokens (id, person_id, name, hash, created_at_us, expires_at_us) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&token.id)
            .bind(token.person.as_str())
            .bind(&token.name)
            .bind(&token.hash)
            .bind(us(token.created_at))
            .bind(token.expires_at.map(us))
            .execute(&mut *tx)
            .await
            .map_err(pg)?;
        append(&mut tx, &mut head, token.created_at, audit).await?;
        tx.commit().await.map_err(pg)
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<Token>, StoreError> {
        let row = sqlx::query(&format!("{} WHERE hash = $1", rows::TOKEN_SELECT))
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(pg)?;
        row.as_ref().map(rows::token_row).transpose()
    }

    async fn tokens(&self) -> Result<Vec<Token>, StoreError> {
        let rows = sqlx::query(&format!("{} ORDER BY created_at_us, id", rows::TOKEN_SELECT))
            .fetch_all(&self.pool)
            .await
            .map_err(pg)?;
        rows.iter().map(rows::token_row).collect()
    }

    async fn revoke_token(&self, id: &str, audit: AuditEntry, at: Timestamp) -> Result<(), StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        let done = sqlx::query("UPDATE api_tokens SET revoked_at_us = COALESCE(revoked_at_us, $1) WHERE id = $2")
            .bind(us(at))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(pg)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("token `{id}`")));
        }
        append(&mut tx, &mut head, at, audit).await?;
        tx.commit().await.map_err(pg)
    }

    async fn create_session(&self, session: &NewSession, audit: AuditEntry) -> Result<(), StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at_us <= $1")
            .bind(us(session.created_at))
            .execute(&mut *tx)
            .await
            .map_err(pg)?;
        sqlx::query(
            "INSERT INTO sessions (hash, person_id, csrf, created_at_us, expires_at_us) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&session.hash)
        .bind(session.person.as_str())
        .bind(&session.csrf)
        .bind(us(session.created_at))
        .bind(us(session.expires_at))
        .execute(&mut *tx)
        .await
        .map_err(pg)?;
        append(&mut tx, &mut head, session.created_at, audit).await?;
        tx.commit().await.map_err(pg)
    }

    async fn session_by_hash(&self, hash: &str) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query("SELECT person_id, csrf, created_at_us, expires_at_us FROM sessions WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(pg)?;
        row.as_ref().map(rows::session_row).transpose()
    }

    async fn end_session(&self, hash: &str, audit: AuditEntry, at: Timestamp) -> Result<(), StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        let done =
            sqlx::query("DELETE FROM sessions WHERE hash = $1").bind(hash).execute(&mut *tx).await.map_err(pg)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("session".into()));
        }
        append(&mut tx, &mut head, at, audit).await?;
        tx.commit().await.map_err(pg)
    }

    async fn put_buckets(&self, slo: &SloId, buckets: &[Bucket]) -> Result<u64, StoreError> {
        let rows = bucket_rows(slo, buckets)?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await.map_err(pg)?;
        // One writer per SLO at a time: each re-sums its hours from what is committed, so
        // two batches into one hour must not each miss the other's minutes.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(format!("sli_rollups/{slo}"))
            .execute(&mut *tx)
            .await
            .map_err(pg)?;
        // Three array parameters whatever the batch size: no bind limit, one statement.
        let done = sqlx::query(
            "INSERT INTO sli_buckets (slo_id, minute_us, good, total) \
             SELECT $1::text, u.minute_us, u.good, u.total FROM UNNEST($2::bigint[], $3::bigint[], $4::bigint[]) AS u (minute_us, good, total) \
             ON CONFLICT (slo_id, minute_us) DO UPDATE SET good = excluded.good, total = excluded.total \
             WHERE (sli_buckets.good, sli_buckets.total) IS DISTINCT FROM (excluded.good, excluded.total)",
        )
        .bind(slo.as_str())
        .bind(&rows.minute_us)
        .bind(&rows.good)
        .bind(&rows.total)
        .execute(&mut *tx)
        .await
        .map_err(pg)?;
        for (from_us, to_us) in touched_hours(&rows) {
            sqlx::query(RESUM_ROLLUPS)
                .bind(slo.as_str())
                .bind(from_us)
                .bind(to_us)
                .execute(&mut *tx)
                .await
                .map_err(pg)?;
        }
        tx.commit().await.map_err(pg)?;
        // A minute whose counts are already stored is skipped (no dead tuple, no WAL), so a
        // retried batch is cheap; it still counts as written, as on SQLite.
        debug_assert!(done.rows_affected() <= rows.len() as u64);
        Ok(rows.len() as u64)
    }

    async fn buckets(&self, slo: &SloId, window: Window) -> Result<Vec<Bucket>, StoreError> {
        let (start_us, end_us) = window_us(window);
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT minute_us, good, total FROM sli_buckets WHERE slo_id = $1 AND minute_us >= $2 AND minute_us < $3 ORDER BY minute_us",
        )
        .bind(slo.as_str())
        .bind(start_us)
        .bind(end_us)
        .fetch_all(&self.pool)
        .await
        .map_err(pg)?;
        rows.into_iter().map(|(minute_us, good, total)| bucket_from_row(minute_us, good, total)).collect()
    }

    async fn sli_sums(&self, slo: &SloId, boundaries: &[Timestamp]) -> Result<Vec<SliSums>, StoreError> {
        let plan = SumsPlan::new(boundaries)?;
        if plan.segments() == 0 {
            return Ok(vec![]);
        }
        let column = |ranges: &[(i64, i64)], f: fn(&(i64, i64)) -> i64| ranges.iter().map(f).collect::<Vec<i64>>();
        let rows: Vec<baton_store::sli::SumsRow> = sqlx::query_as(SUMS)
            .bind(slo.as_str())
            .bind(column(&plan.hours, |r| r.0))
            .bind(column(&plan.hours, |r| r.1))
            .bind(column(&plan.minutes, |r| r.0))
            .bind(column(&plan.minutes, |r| r.1))
            .fetch_all(&self.pool)
            .await
            .map_err(pg)?;
        plan.combine(&rows)
    }

    async fn add_correction(
        &self,
        slo: &SloId,
        correction: &Correction,
        audit: AuditEntry,
        at: Timestamp,
    ) -> Result<StoredCorrection, StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO slo_corrections (slo_id, created_at_us, body) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(slo.as_str())
        .bind(us(at))
        .bind(to_json(correction)?)
        .fetch_one(&mut *tx)
        .await
        .map_err(pg)?;
        append(&mut tx, &mut head, at, audit).await?;
        tx.commit().await.map_err(pg)?;
        Ok(StoredCorrection {
            id,
            slo: slo.clone(),
            created_at: rows::from_us(us(at))?,
            correction: correction.clone(),
        })
    }

    async fn corrections(&self, slo: &SloId) -> Result<Vec<StoredCorrection>, StoreError> {
        let rows = sqlx::query_as(&format!("{CORRECTION_SELECT} WHERE slo_id = $1 ORDER BY id"))
            .bind(slo.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(pg)?;
        StoredCorrection::from_rows(rows)
    }

    async fn all_corrections(&self) -> Result<Vec<StoredCorrection>, StoreError> {
        let rows =
            sqlx::query_as(&format!("{CORRECTION_SELECT} ORDER BY id")).fetch_all(&self.pool).await.map_err(pg)?;
        StoredCorrection::from_rows(rows)
    }
    async fn commit(&self, commit: &Commit, at: Timestamp) -> Result<Vec<i64>, StoreError> {
        Ok(self.commit_all(commit, at, None).await?.0)
    }

    async fn commit_claiming(
        &self,
        commit: &Commit,
        at: Timestamp,
        claim: &Claim,
    ) -> Result<(Vec<i64>, Vec<Notification>), StoreError> {
        self.commit_all(commit, at, Some(claim)).await
    }

    async fn record(&self, kind: &str, id: &str) -> Result<Option<StoredRecord>, StoreError> {
        self.read_record(kind, id).await
    }

    async fn records_by_id(&self, kind: &str, ids: &[String]) -> Result<Vec<StoredRecord>, StoreError> {
        self.read_records_by_id(kind, ids).await
    }

    async fn records(&self, kind: &str, id_prefix: &str) -> Result<Vec<StoredRecord>, StoreError> {
        self.read_records(kind, id_prefix).await
    }

    async fn due_records(&self, now: Timestamp, limit: i64) -> Result<Vec<StoredRecord>, StoreError> {
        self.read_due(now, limit).await
    }

    async fn claim_notifications(
        &self,
        worker: &str,
        now: Timestamp,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError> {
        self.claim(worker, now, lease, limit).await
    }

    async fn settle_notification(
        &self,
        id: i64,
        worker: &str,
        outcome: &Settle,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.settle(id, worker, outcome, at).await
    }

    async fn settle_notifications(
        &self,
        worker: &str,
        outcomes: &[(i64, Settle)],
        at: Timestamp,
    ) -> Result<Vec<bool>, StoreError> {
        self.settle_many(worker, outcomes, at).await
    }

    async fn notifications(&self, query: &NotificationQuery) -> Result<Vec<Notification>, StoreError> {
        self.list_notifications(query).await
    }

    async fn alert(&self, id: &str) -> Result<Option<StoredAlert>, StoreError> {
        self.read_alert(id).await
    }

    async fn alerts_by_id(&self, ids: &[String]) -> Result<Vec<StoredAlert>, StoreError> {
        self.read_alerts_by_id(ids).await
    }

    async fn list_alerts(&self, query: &AlertListQuery) -> Result<Vec<StoredAlert>, StoreError> {
        self.read_alert_page(query).await
    }

    async fn due_alerts(&self, now: Timestamp, limit: i64) -> Result<Vec<StoredAlert>, StoreError> {
        self.read_due_alerts(now, limit).await
    }

    async fn defer_due(&self, deferrals: &[baton_store::Deferral]) -> Result<Vec<bool>, StoreError> {
        self.defer_many(deferrals).await
    }

    async fn hasten_alert(&self, id: &str, at: Timestamp) -> Result<(), StoreError> {
        self.hasten(id, at).await
    }

    async fn notification(&self, id: i64) -> Result<Option<Notification>, StoreError> {
        self.read_notification(id).await
    }

    async fn requeue_notification(
        &self,
        id: i64,
        audit: AuditEntry,
        at: Timestamp,
    ) -> Result<Notification, StoreError> {
        self.requeue(id, audit, at).await
    }

    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        self.stats().await
    }
}
