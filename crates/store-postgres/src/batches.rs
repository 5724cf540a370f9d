//! Multi-row writes on PostgreSQL: new records, alerts and outbox messages, and
//! settlements, each one statement over arrays (unnested), not one round trip a row: a
//! group-committed intake batch holds hundreds of each.

use crate::{pg, PgStore, Rows, Tx};
use async_trait::async_trait;
use baton_core::Timestamp;
use baton_store::statement::us;
use baton_store::{AlertWrite, Claim, NewNotification, RecordWrite, Settle, SqlBatches, StoreError};

#[async_trait]
impl SqlBatches for PgStore {
    /// Inserts new records, skipping any that exist; answers the rows (`kind`, `id`) inserted.
    async fn insert_records(&self, tx: &mut Tx, writes: &[&RecordWrite], at: Timestamp) -> Rows {
        let kinds: Vec<&str> = writes.iter().map(|w| w.kind.as_str()).collect();
        let ids: Vec<&str> = writes.iter().map(|w| w.id.as_str()).collect();
        let bodies: Vec<&str> = writes.iter().map(|w| w.body.as_str()).collect();
        let due: Vec<Option<i64>> = writes.iter().map(|w| w.due_at.map(us)).collect();
        sqlx::query(
            "INSERT INTO records (kind, id, version, body, due_at_us, updated_at_us) \
             SELECT k, i, 1, b, d, $5 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(k, i, b, d) \
             ON CONFLICT (kind, id) DO NOTHING RETURNING kind, id",
        )
        .bind(&kinds)
        .bind(&ids)
        .bind(&bodies)
        .bind(&due)
        .bind(us(at))
        .fetch_all(&mut **tx)
        .await
        .map_err(pg)
    }

    /// Inserts new alerts, skipping any that exist; answers the rows (`id`) inserted.
    async fn insert_alerts(&self, tx: &mut Tx, writes: &[&AlertWrite], at: Timestamp) -> Rows {
        let ids: Vec<&str> = writes.iter().map(|w| w.id.as_str()).collect();
        let services: Vec<&str> = writes.iter().map(|w| w.service.as_str()).collect();
        let open: Vec<bool> = writes.iter().map(|w| w.open).collect();
        let sort_at: Vec<i64> = writes.iter().map(|w| us(w.sort_at)).collect();
        let bodies: Vec<&str> = writes.iter().map(|w| w.body.as_str()).collect();
        let due: Vec<Option<i64>> = writes.iter().map(|w| w.due_at.map(us)).collect();
        sqlx::query(
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
        .fetch_all(&mut **tx)
        .await
        .map_err(pg)
    }

    /// Queues `n` in their order, a key queued already left as it is; answers the rows
    /// (`id`, `key`) queued.
    async fn queue(&self, tx: &mut Tx, n: &[NewNotification], at: Timestamp, claim: Option<&Claim>) -> Rows {
        let keys: Vec<&str> = n.iter().map(|n| n.key.as_str()).collect();
        let subjects: Vec<&str> = n.iter().map(|n| n.subject.as_str()).collect();
        let channels: Vec<&str> = n.iter().map(|n| n.channel.as_str()).collect();
        let payloads: Vec<&str> = n.iter().map(|n| n.payload.as_str()).collect();
        let not_before: Vec<i64> = n.iter().map(|n| us(n.not_before)).collect();
        // WITH ORDINALITY keeps the given order, so the outbox ids (the send order) follow it.
        // Without a claim, $7 and $8 are NULL: nobody holds the messages.
        sqlx::query(
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
        .fetch_all(&mut **tx)
        .await
        .map_err(pg)
    }

    /// In one statement (as `sql::SETTLE` settles one), so one commit for a sender's batch,
    /// not waited for on disk (see [`PgStore::relaxed`]).
    async fn settle_batch(
        &self,
        worker: &str,
        outcomes: &[(i64, Settle)],
        at: Timestamp,
    ) -> Result<Vec<i64>, StoreError> {
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
        let settled = sqlx::query_scalar(
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
        Ok(settled)
    }
}
