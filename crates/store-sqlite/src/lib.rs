//! The embedded default store: one SQLite file in WAL mode.
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

mod alerts;
mod records;
mod rows;
mod sli;

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
use rows::{db, us};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};
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
            std::fs::create_dir_all(dir).map_err(db)?;
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
        // per size and kind of write (see `records.rs`), about 260.
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

    /// Starts a write transaction holding SQLite's write lock, and reads the audit head.
    pub(crate) async fn begin_write(&self) -> Result<(Transaction<'static, Sqlite>, Option<ChainHead>), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let row = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let seq: i64 = row.get(0);
        let head = (seq > 0).then(|| ChainHead { seq, hash: row.get(1) });
        Ok((tx, head))
    }
}

/// Seals `entry` after `head`, inserts it, and moves `head` on. Callers commit.
pub(crate) async fn append(
    tx: &mut Transaction<'static, Sqlite>,
    head: &mut Option<ChainHead>,
    at: Timestamp,
    entry: AuditEntry,
) -> Result<(), StoreError> {
    let r = seal(head.as_ref(), at, entry);
    sqlx::query("INSERT INTO audit_log (seq, at_us, actor, action, subject, reason, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
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
        .map_err(db)?;
    sqlx::query("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")
        .bind(r.seq)
        .bind(&r.hash)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    *head = Some(ChainHead { seq: r.seq, hash: r.hash });
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ready(&self) -> Result<(), StoreError> {
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        rows::check_migrations(applied, MIGRATOR.iter().count())
    }

    async fn definitions(&self) -> Result<Versioned<Vec<Definition>>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let version: i64 = sqlx::query_scalar("SELECT value FROM counters WHERE name = 'definitions_revision'")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM definitions ORDER BY kind, id")
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        let value = bodies.iter().map(|b| from_json("definition", b)).collect::<Result<_, _>>()?;
        Ok(Versioned { version, value })
    }

    async fn definitions_revision(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT value FROM counters WHERE name = 'definitions_revision'")
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    async fn revisions(&self, kind: &str, id: &str) -> Result<(i64, i64), StoreError> {
        sqlx::query_as(
            "SELECT (SELECT value FROM counters WHERE name = 'definitions_revision'), \
                    COALESCE((SELECT version FROM records WHERE kind = ? AND id = ?), 0)",
        )
        .bind(kind)
        .bind(id)
        .fetch_one(&self.pool)
        .await
        .map_err(db)
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
        .map_err(db)?;
        if revision != expected_revision + 1 {
            return Err(StoreError::Conflict(format!(
                "the definitions changed while this apply was prepared (now at revision {}, expected {expected_revision}); run it again",
                revision - 1
            )));
        }
        for change in changes {
            let d = &change.definition;
            match change.kind {
                ChangeKind::Added | ChangeKind::Changed => {
                    sqlx::query("INSERT INTO definitions (kind, id, body) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body")
                        .bind(d.kind())
                        .bind(d.id())
                        .bind(to_json(d)?)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                }
                ChangeKind::Removed => {
                    sqlx::query("DELETE FROM definitions WHERE kind = ? AND id = ?")
                        .bind(d.kind())
                        .bind(d.id())
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                }
            }
            append(&mut tx, &mut head, at, definition_audit(change, actor)?).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(revision)
    }

    async fn service_record(&self, id: &ServiceId) -> Result<Option<Versioned<ServiceRecord>>, StoreError> {
        let row = sqlx::query("SELECT version, body FROM service_records WHERE service_id = ?")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| Ok(Versioned { version: r.get(0), value: from_json("service record", r.get::<&str, _>(1))? }))
            .transpose()
    }

    async fn service_records(&self) -> Result<Vec<(ServiceId, Versioned<ServiceRecord>)>, StoreError> {
        let rows = sqlx::query("SELECT service_id, version, body FROM service_records ORDER BY service_id")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
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
            sqlx::query("INSERT INTO service_records (service_id, version, stage, body, updated_at_us) VALUES (?, 1, ?, ?, ?) ON CONFLICT (service_id) DO NOTHING")
                .bind(id.as_str())
                .bind(record.stage.as_str())
                .bind(&body)
                .bind(us(at))
                .execute(&mut *tx)
                .await
        } else {
            sqlx::query("UPDATE service_records SET version = version + 1, stage = ?, body = ?, updated_at_us = ? WHERE service_id = ? AND version = ?")
                .bind(record.stage.as_str())
                .bind(&body)
                .bind(us(at))
                .bind(id.as_str())
                .bind(expected_version)
                .execute(&mut *tx)
                .await
        }
        .map_err(db)?;
        if written.rows_affected() == 0 {
            return Err(rows::stale(id));
        }
        append(&mut tx, &mut head, at, audit).await?;
        tx.commit().await.map_err(db)?;
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
            "SELECT seq, at_us, actor, action, subject, reason, details, prev_hash, hash FROM audit_log \
             WHERE seq {cmp} ? AND (? IS NULL OR subject = ?) ORDER BY seq {order} LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(&q.subject)
            .bind(&q.subject)
            .bind(q.limit.clamp(1, 10_000))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(rows::audit_row).collect()
    }

    async fn audit_head(&self) -> Result<Option<ChainHead>, StoreError> {
        let row =
            sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&self.pool).await.map_err(db)?;
        let seq: i64 = row.get(0);
        Ok((seq > 0).then(|| ChainHead { seq, hash: row.get(1) }))
    }

    async fn create_token(&self, token: &NewToken, audit: AuditEntry) -> Result<(), StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        sqlx::query("INSERT INTO api_tokens (id, person_id, name, hash, created_at_us, expires_at_us) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(&token.id)
            .bind(token.person.as_str())
            .bind(&token.name)
            .bind(&token.hash)
            .bind(us(token.created_at))
            .bind(token.expires_at.map(us))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        append(&mut tx, &mut head, token.created_at, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<Token>, StoreError> {
        let row = sqlx::query(&format!("{} WHERE hash = ?", rows::TOKEN_SELECT))
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(rows::token_row).transpose()
    }

    async fn tokens(&self) -> Result<Vec<Token>, StoreError> {
        let rows = sqlx::query(&format!("{} ORDER BY created_at_us", rows::TOKEN_SELECT))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(rows::token_row).collect()
    }

    async fn revoke_token(&self, id: &str, audit: AuditEntry, at: Timestamp) -> Result<(), StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        let done = sqlx::query("UPDATE api_tokens SET revoked_at_us = COALESCE(revoked_at_us, ?) WHERE id = ?")
            .bind(us(at))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("token `{id}`")));
        }
        append(&mut tx, &mut head, at, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn create_session(&self, session: &NewSession, audit: AuditEntry) -> Result<(), StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at_us <= ?")
            .bind(us(session.created_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO sessions (hash, person_id, csrf, created_at_us, expires_at_us) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&session.hash)
        .bind(session.person.as_str())
        .bind(&session.csrf)
        .bind(us(session.created_at))
        .bind(us(session.expires_at))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append(&mut tx, &mut head, session.created_at, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn session_by_hash(&self, hash: &str) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query("SELECT person_id, csrf, created_at_us, expires_at_us FROM sessions WHERE hash = ?")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(rows::session_row).transpose()
    }

    async fn end_session(&self, hash: &str, audit: AuditEntry, at: Timestamp) -> Result<(), StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE hash = ?").bind(hash).execute(&mut *tx).await.map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("session".into()));
        }
        append(&mut tx, &mut head, at, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn put_buckets(&self, slo: &SloId, buckets: &[Bucket]) -> Result<u64, StoreError> {
        let rows = bucket_rows(slo, buckets)?;
        if rows.is_empty() {
            return Ok(0);
        }
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
        for (from_us, to_us) in touched_hours(&rows) {
            sqlx::query(sli::RESUM_ROLLUPS)
                .bind(slo.as_str())
                .bind(from_us)
                .bind(to_us)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(written)
    }

    async fn buckets(&self, slo: &SloId, window: Window) -> Result<Vec<Bucket>, StoreError> {
        let (start_us, end_us) = window_us(window);
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT minute_us, good, total FROM sli_buckets WHERE slo_id = ? AND minute_us >= ? AND minute_us < ? ORDER BY minute_us",
        )
        .bind(slo.as_str())
        .bind(start_us)
        .bind(end_us)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter().map(|(minute_us, good, total)| bucket_from_row(minute_us, good, total)).collect()
    }

    async fn sli_sums(&self, slo: &SloId, boundaries: &[Timestamp]) -> Result<Vec<SliSums>, StoreError> {
        let plan = SumsPlan::new(boundaries)?;
        if plan.segments() == 0 {
            return Ok(vec![]);
        }
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(sli::SUMS)
            .bind(slo.as_str())
            .bind(sli::ranges_json(&plan.hours))
            .bind(sli::ranges_json(&plan.minutes))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        plan.combine(&sli::sums_rows(rows)?)
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
            "INSERT INTO slo_corrections (slo_id, created_at_us, body) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(slo.as_str())
        .bind(us(at))
        .bind(to_json(correction)?)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        append(&mut tx, &mut head, at, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(StoredCorrection {
            id,
            slo: slo.clone(),
            created_at: rows::from_us(us(at))?,
            correction: correction.clone(),
        })
    }

    async fn corrections(&self, slo: &SloId) -> Result<Vec<StoredCorrection>, StoreError> {
        let rows = sqlx::query_as(&format!("{CORRECTION_SELECT} WHERE slo_id = ? ORDER BY id"))
            .bind(slo.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        StoredCorrection::from_rows(rows)
    }

    async fn all_corrections(&self) -> Result<Vec<StoredCorrection>, StoreError> {
        let rows =
            sqlx::query_as(&format!("{CORRECTION_SELECT} ORDER BY id")).fetch_all(&self.pool).await.map_err(db)?;
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
