//! Records and the outbox on PostgreSQL.
//!
//! A commit with audit records takes the audit head lock like every audited write; one
//! without (alert intake) does not, so intake on several replicas is not serialized by
//! the chain. Either way each record is written by a version-checked statement, so a
//! concurrent writer of the same record makes one of them fail with `Conflict`. Senders
//! claim with `FOR UPDATE SKIP LOCKED`, so replicas never wait on each other's messages.

use crate::rows::{from_us, pg, us};
use crate::{append, PgStore};
use baton_core::audit::AuditEntry;
use baton_core::Timestamp;
use baton_store::sql::{self, not_inserted, Param, OUTBOX_COLUMNS, RECORD_SELECT};
use baton_store::{
    AlertWrite, Claim, Commit, DeliveryStatus, Notification, NotificationQuery, OutboxStats, RecordWrite, Settle,
    StoreError, StoredRecord,
};
use sqlx::postgres::PgRow;
use sqlx::Row;
use std::collections::HashMap;
use std::time::Duration;

pub(crate) fn record_row(r: &PgRow) -> Result<StoredRecord, StoreError> {
    Ok(StoredRecord {
        kind: r.try_get("kind").map_err(pg)?,
        id: r.try_get("id").map_err(pg)?,
        version: r.try_get("version").map_err(pg)?,
        body: r.try_get("body").map_err(pg)?,
        due_at: r.try_get::<Option<i64>, _>("due_at_us").map_err(pg)?.map(from_us).transpose()?,
        updated_at: from_us(r.try_get("updated_at_us").map_err(pg)?)?,
        due_failures: r.try_get("due_failures").map_err(pg)?,
        due_error: r.try_get("due_error").map_err(pg)?,
    })
}

pub(crate) fn notification_row(r: &PgRow) -> Result<Notification, StoreError> {
    let status: String = r.try_get("status").map_err(pg)?;
    let instant = |column: &str| r.try_get::<Option<i64>, _>(column).map_err(pg)?.map(from_us).transpose();
    Ok(Notification {
        id: r.try_get("id").map_err(pg)?,
        key: r.try_get("key").map_err(pg)?,
        subject: r.try_get("subject").map_err(pg)?,
        channel: r.try_get("channel").map_err(pg)?,
        payload: r.try_get("payload").map_err(pg)?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("outbox status `{status}`")))?,
        attempts: r.try_get("attempts").map_err(pg)?,
        next_attempt_at: from_us(r.try_get("next_attempt_us").map_err(pg)?)?,
        last_error: r.try_get("last_error").map_err(pg)?,
        created_at: from_us(r.try_get("created_us").map_err(pg)?)?,
        settled_at: instant("settled_us")?,
        requeued_at: instant("requeued_us")?,
    })
}

pub(crate) fn stale_record(kind: &str, id: &str) -> StoreError {
    StoreError::Conflict(format!("{kind} `{id}` was changed by someone else; read it again and retry"))
}

impl PgStore {
    /// A transaction for a claim or a settlement, whose commit does not wait for the WAL
    /// flush (`synchronous_commit = off`): lost to a crash of the server, such a write
    /// costs a message sent again under its same idempotency key, which at-least-once
    /// delivery allows. It is still atomic, and any later durable commit flushes it too.
    /// Without it, each of a sender's batches waited for two flushes.
    async fn relaxed(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(pg)?;
        sqlx::query("SET LOCAL synchronous_commit = off").execute(&mut *tx).await.map_err(pg)?;
        Ok(tx)
    }

    /// Writes `commit`; with `claim`, its messages are claimed as they are written and
    /// answered (those queued, not those whose key was queued already).
    pub(crate) async fn commit_all(
        &self,
        commit: &Commit,
        at: Timestamp,
        claim: Option<&Claim>,
    ) -> Result<(Vec<i64>, Vec<Notification>), StoreError> {
        let (mut tx, mut head) = if commit.audit.is_empty() {
            (self.pool.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED").await.map_err(pg)?, None)
        } else {
            self.begin_write().await?
        };
        // New records and the messages go in one statement each (arrays unnested), not one
        // round trip a row: a group-committed intake batch holds hundreds of each. Updates,
        // each checked against its own version, go one by one after the inserts.
        let inserts: Vec<&RecordWrite> = commit.records.iter().filter(|w| w.expected_version == 0).collect();
        if !inserts.is_empty() {
            let kinds: Vec<&str> = inserts.iter().map(|w| w.kind.as_str()).collect();
            let ids: Vec<&str> = inserts.iter().map(|w| w.id.as_str()).collect();
            let bodies: Vec<&str> = inserts.iter().map(|w| w.body.as_str()).collect();
            let due: Vec<Option<i64>> = inserts.iter().map(|w| w.due_at.map(us)).collect();
            let written: Vec<(String, String)> = sqlx::query_as(
                "INSERT INTO records (kind, id, version, body, due_at_us, updated_at_us) \
                 SELECT k, i, 1, b, d, $5 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(k, i, b, d) \
                 ON CONFLICT (kind, id) DO NOTHING RETURNING kind, id",
            )
            .bind(&kinds)
            .bind(&ids)
            .bind(&bodies)
            .bind(&due)
            .bind(us(at))
            .fetch_all(&mut *tx)
            .await
            .map_err(pg)?;
            let written: Vec<String> = written.into_iter().map(|(k, i)| format!("{k}\0{i}")).collect();
            let keys: Vec<String> = inserts.iter().map(|w| format!("{}\0{}", w.kind, w.id)).collect();
            if let Some(taken) = not_inserted(keys.iter().map(String::as_str), &written) {
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
                .map_err(pg)?;
            if written.rows_affected() != 1 {
                return Err(stale_record(&w.kind, &w.id));
            }
        }
        // Alerts as records: new ones in one statement, updates one by one.
        let inserts: Vec<&AlertWrite> = commit.alerts.iter().filter(|w| w.expected_version == 0).collect();
        if !inserts.is_empty() {
            let ids: Vec<&str> = inserts.iter().map(|w| w.id.as_str()).collect();
            let services: Vec<&str> = inserts.iter().map(|w| w.service.as_str()).collect();
            let open: Vec<bool> = inserts.iter().map(|w| w.open).collect();
            let sort_at: Vec<i64> = inserts.iter().map(|w| us(w.sort_at)).collect();
            let bodies: Vec<&str> = inserts.iter().map(|w| w.body.as_str()).collect();
            let due: Vec<Option<i64>> = inserts.iter().map(|w| w.due_at.map(us)).collect();
            let written: Vec<String> = sqlx::query_scalar(
                "INSERT INTO alerts (id, version, service, open, sort_at_us, body, due_at_us, updated_at_us) \
                 SELECT i, 1, s, o, sa, b, d, $7 \
                 FROM UNNEST($1::text[], $2::text[], $3::boolean[], $4::bigint[], $5::text[], $6::bigint[]) \
                   AS u(i, s, o, sa, b, d) \
                 ON CONFLICT (id) DO NOTHING RETURNING id",
            )
            .bind(&ids)
            .bind(&services)
            .bind(&open)
            .bind(&sort_at)
            .bind(&bodies)
            .bind(&due)
            .bind(us(at))
            .fetch_all(&mut *tx)
            .await
            .map_err(pg)?;
            if let Some(taken) = not_inserted(ids.iter().copied(), &written) {
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
                .map_err(pg)?;
            if written.rows_affected() != 1 {
                return Err(stale_record("alert", &w.id));
            }
        }
        for entry in &commit.audit {
            append(&mut tx, &mut head, at, entry.clone()).await?;
        }
        let mut queued = Vec::new();
        if !commit.notifications.is_empty() {
            let n = &commit.notifications;
            let keys: Vec<&str> = n.iter().map(|n| n.key.as_str()).collect();
            let subjects: Vec<&str> = n.iter().map(|n| n.subject.as_str()).collect();
            let channels: Vec<&str> = n.iter().map(|n| n.channel.as_str()).collect();
            let payloads: Vec<&str> = n.iter().map(|n| n.payload.as_str()).collect();
            let not_before: Vec<i64> = n.iter().map(|n| us(n.not_before)).collect();
            // WITH ORDINALITY keeps the given order, so the outbox ids (the send order) follow it.
            // Without a claim, $7 and $8 are NULL: nobody holds the messages.
            let written: Vec<(i64, String)> = sqlx::query_as(
                "INSERT INTO outbox (key, subject, channel, payload, next_attempt_us, created_us, claimed_by, claim_until_us) \
                 SELECT k, s, c, p, nb, $6, $7, $8 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) \
                 WITH ORDINALITY AS u(k, s, c, p, nb, o) ORDER BY o ON CONFLICT (key) DO NOTHING RETURNING id, key",
            )
            .bind(&keys)
            .bind(&subjects)
            .bind(&channels)
            .bind(&payloads)
            .bind(&not_before)
            .bind(us(at))
            .bind(claim.map(|c| c.worker.as_str()))
            .bind(claim.map(|c| us(c.until)))
            .fetch_all(&mut *tx)
            .await
            .map_err(pg)?;
            if claim.is_some() {
                let ids: HashMap<String, i64> = written.into_iter().map(|(id, key)| (key, id)).collect();
                queued.extend(n.iter().filter_map(|n| Some(n.queued(*ids.get(&n.key)?, at))));
            }
        }
        let versions =
            commit.records.iter().map(|w| w.expected_version).chain(commit.alerts.iter().map(|w| w.expected_version));
        let versions = versions.map(|v| v + 1).collect();
        tx.commit().await.map_err(pg)?;
        Ok((versions, queued))
    }

    pub(crate) async fn read_record(&self, kind: &str, id: &str) -> Result<Option<StoredRecord>, StoreError> {
        sqlx::query(&format!("{RECORD_SELECT} WHERE kind = $1 AND id = $2"))
            .bind(kind)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(pg)?
            .as_ref()
            .map(record_row)
            .transpose()
    }

    pub(crate) async fn read_records_by_id(&self, kind: &str, ids: &[String]) -> Result<Vec<StoredRecord>, StoreError> {
        let rows = sqlx::query(&format!("{RECORD_SELECT} WHERE kind = $1 AND id = ANY($2) ORDER BY id"))
            .bind(kind)
            .bind(ids)
            .fetch_all(&self.pool)
            .await
            .map_err(pg)?;
        rows.iter().map(record_row).collect()
    }

    pub(crate) async fn read_records(&self, kind: &str, prefix: &str) -> Result<Vec<StoredRecord>, StoreError> {
        // A range on the primary key, not LIKE: ids may hold `%` and `_`.
        let rows = sqlx::query(&format!(
            "{RECORD_SELECT} WHERE kind = $1 AND id >= $2 AND left(id, $3::int) = $4 ORDER BY id"
        ))
        .bind(kind)
        .bind(prefix)
        .bind(i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX))
        .bind(prefix)
        .fetch_all(&self.pool)
        .await
        .map_err(pg)?;
        rows.iter().map(record_row).collect()
    }

    pub(crate) async fn read_due(&self, now: Timestamp, limit: i64) -> Result<Vec<StoredRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{RECORD_SELECT} WHERE due_at_us IS NOT NULL AND due_at_us <= $1 ORDER BY due_at_us, kind, id LIMIT $2"
        ))
        .bind(us(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(pg)?;
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
        let mut tx = self.relaxed().await?;
        // SKIP LOCKED: a message another replica is claiming right now is simply not ours.
        let rows = sqlx::query(&format!(
            "UPDATE outbox SET claimed_by = $1, claim_until_us = $2 WHERE id IN (\
               SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_us <= $3 \
               AND (claim_until_us IS NULL OR claim_until_us <= $4) ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED) \
             RETURNING {OUTBOX_COLUMNS}"
        ))
        .bind(worker)
        .bind(until)
        .bind(us(now))
        .bind(us(now))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
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
        let (status, next, error, settled, added) = outcome.columns(at);
        let done = sqlx::query(sql::SETTLE)
            .bind(status)
            .bind(added)
            .bind(next)
            .bind(error)
            .bind(settled)
            .bind(id)
            .bind(worker)
            .execute(&self.pool)
            .await
            .map_err(pg)?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(pg)?;
        Err(match exists {
            Some(_) => StoreError::Conflict(format!("notification {id} is no longer held by {worker}")),
            None => StoreError::NotFound(format!("notification {id}")),
        })
    }

    /// Every outcome in one statement, so one commit for a sender's batch (not waited
    /// for on disk, see [`PgStore::relaxed`]).
    pub(crate) async fn settle_many(
        &self,
        worker: &str,
        outcomes: &[(i64, Settle)],
        at: Timestamp,
    ) -> Result<Vec<bool>, StoreError> {
        let (mut ids, mut statuses, mut nexts, mut errors, mut settled, mut added) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for (id, outcome) in outcomes {
            let (status, next, error, at, add) = outcome.columns(at);
            ids.push(*id);
            statuses.push(status);
            nexts.push(next);
            errors.push(error);
            settled.push(at);
            added.push(add);
        }
        let mut tx = self.relaxed().await?;
        // As `sql::SETTLE`, for many.
        let done: Vec<i64> = sqlx::query_scalar(
            "UPDATE outbox o SET status = u.status, attempts = o.attempts + u.added, \
             next_attempt_us = COALESCE(u.next, o.next_attempt_us), \
             last_error = CASE WHEN u.added = 0 THEN o.last_error ELSE u.error END, settled_us = u.settled, \
             claimed_by = NULL, claim_until_us = NULL \
             FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $7::bigint[]) \
               AS u(id, status, next, error, settled, added) \
             WHERE o.id = u.id AND o.claimed_by = $6 AND o.status = 'pending' RETURNING o.id",
        )
        .bind(&ids)
        .bind(&statuses)
        .bind(&nexts)
        .bind(&errors)
        .bind(&settled)
        .bind(worker)
        .bind(&added)
        .fetch_all(&mut *tx)
        .await
        .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(ids.iter().map(|id| done.contains(id)).collect())
    }

    /// Every deferral in one transaction, committed without waiting for the disk (as
    /// claims and settlements are): a deferral lost to a crash is a record tried sooner.
    pub(crate) async fn defer_many(&self, deferrals: &[baton_store::Deferral]) -> Result<Vec<bool>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(pg)?;
        sqlx::query("SET LOCAL synchronous_commit = off").execute(&mut *tx).await.map_err(pg)?;
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
            out.push(query.execute(&mut *tx).await.map_err(pg)?.rows_affected() == 1);
        }
        tx.commit().await.map_err(pg)?;
        Ok(out)
    }

    pub(crate) async fn read_notification(&self, id: i64) -> Result<Option<Notification>, StoreError> {
        let row = sqlx::query(sql::NOTIFICATION_BY_ID).bind(id).fetch_optional(&self.pool).await.map_err(pg)?;
        row.as_ref().map(notification_row).transpose()
    }

    pub(crate) async fn requeue(&self, id: i64, audit: AuditEntry, at: Timestamp) -> Result<Notification, StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        let row = sqlx::query(sql::REQUEUE).bind(us(at)).bind(id).fetch_optional(&mut *tx).await.map_err(pg)?;
        let Some(row) = row else {
            let status: Option<String> =
                sqlx::query_scalar(sql::OUTBOX_STATUS).bind(id).fetch_optional(&mut *tx).await.map_err(pg)?;
            return Err(match status {
                Some(status) => StoreError::Conflict(format!("notification {id} is {status}, not dead")),
                None => StoreError::NotFound(format!("notification {id}")),
            });
        };
        let requeued = notification_row(&row)?;
        append(&mut tx, &mut head, at, audit).await?;
        tx.commit().await.map_err(pg)?;
        Ok(requeued)
    }

    pub(crate) async fn stats(&self) -> Result<OutboxStats, StoreError> {
        let row = sqlx::query(sql::OUTBOX_STATS).fetch_one(&self.pool).await.map_err(pg)?;
        Ok(OutboxStats {
            pending: row.try_get("pending").map_err(pg)?,
            dead: row.try_get("dead").map_err(pg)?,
            oldest_pending: row.try_get::<Option<i64>, _>("oldest_pending_us").map_err(pg)?.map(from_us).transpose()?,
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
        let rows = query.fetch_all(&self.pool).await.map_err(pg)?;
        rows.iter().map(notification_row).collect()
    }
}
