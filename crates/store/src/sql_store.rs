//! The one [`Store`] every [`SqlBackend`] is: each promise of the trait kept by one piece
//! of code, on the statements of `sql`, rows read by column name (`columns`).

use crate::columns::{self, Columns};
use crate::sli::{bucket_from_row, bucket_rows, window_us, SumsPlan};
use crate::sql::{self, not_inserted};
use crate::sql_backend::SqlBackend;
use crate::statement::{us, Statement};
use crate::{
    definition_audit, from_json, to_json, AlertListQuery, AlertWrite, AuditQuery, Claim, Commit, Deferral, NewSession,
    NewToken, Notification, NotificationQuery, OutboxStats, RecordWrite, Session, Settle, Store, StoreError,
    StoredAlert, StoredCorrection, StoredRecord, Token, Versioned,
};
use async_trait::async_trait;
use baton_core::audit::{seal, AuditEntry, AuditRecord, ChainHead};
use baton_core::pipeline::ServiceRecord;
use baton_core::slo::{Bucket, Correction, SliSums, Window};
use baton_core::{Change, ChangeKind, Definition, ServiceId, SloId, Timestamp};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Seals `entry` after `head`, appends it, and moves `head` on. Callers commit.
async fn append<B: SqlBackend>(
    b: &B,
    tx: &mut B::Tx,
    head: &mut Option<ChainHead>,
    at: Timestamp,
    entry: AuditEntry,
) -> Result<(), StoreError> {
    let r = seal(head.as_ref(), at, entry);
    let st = Statement::new(sql::APPEND_AUDIT)
        .int(r.seq)
        .instant(r.at)
        .text(&r.entry.actor)
        .text(&r.entry.action)
        .text(&r.entry.subject)
        .opt_text(r.entry.reason.as_deref())
        .text(&r.entry.details)
        .text(&r.prev_hash)
        .text(&r.hash);
    b.execute(tx, st).await?;
    b.execute(tx, Statement::new(sql::MOVE_AUDIT_HEAD).int(r.seq).text(&r.hash)).await?;
    *head = Some(ChainHead { seq: r.seq, hash: r.hash });
    Ok(())
}

/// Runs `st` and appends `audit` in one transaction; refused with `unchanged()` (and
/// nothing written) when `st` changes no row.
async fn audited_write<B: SqlBackend>(
    b: &B,
    st: Statement<'_>,
    unchanged: impl FnOnce() -> StoreError + Send,
    audit: AuditEntry,
    at: Timestamp,
) -> Result<(), StoreError> {
    let (mut tx, mut head) = b.begin_write().await?;
    if b.execute(&mut tx, st).await? == 0 {
        return Err(unchanged());
    }
    append(b, &mut tx, &mut head, at, audit).await?;
    b.commit_tx(tx).await
}

fn one<R>(rows: Vec<R>) -> Option<R> {
    rows.into_iter().next()
}

fn stale_record(kind: &str, id: &str) -> StoreError {
    StoreError::Conflict(format!("{kind} `{id}` was changed by someone else; read it again and retry"))
}

fn all<R, T>(rows: &[R], f: impl Fn(&R) -> Result<T, StoreError>) -> Result<Vec<T>, StoreError> {
    rows.iter().map(f).collect()
}

/// Writes `commit`; with `claim`, its messages are claimed as they are written and
/// answered (those queued, not those whose key was queued already).
async fn commit_all<B: SqlBackend>(
    b: &B,
    commit: &Commit,
    at: Timestamp,
    claim: Option<&Claim>,
) -> Result<(Vec<i64>, Vec<Notification>), StoreError> {
    let (mut tx, mut head) = b.begin_commit(!commit.audit.is_empty()).await?;
    // New records go in multi-row inserts (a group-committed intake batch holds
    // hundreds); updates, each checked against its own version, one by one after them.
    let inserts: Vec<&RecordWrite> = commit.records.iter().filter(|w| w.expected_version == 0).collect();
    if !inserts.is_empty() {
        let written = b.insert_records(&mut tx, &inserts, at).await?;
        // Names are read only when one is missing: every row inserted once means all were.
        if written.len() != inserts.len() {
            let written: Vec<String> = all(&written, |r| Ok(format!("{}\0{}", r.text("kind")?, r.text("id")?)))?;
            let keys: Vec<String> = inserts.iter().map(|w| format!("{}\0{}", w.kind, w.id)).collect();
            let taken = not_inserted(keys.iter().map(String::as_str), &written).expect("a write not inserted");
            let (kind, id) = taken.split_once('\0').expect("kind and id");
            return Err(stale_record(kind, id));
        }
    }
    for w in commit.records.iter().filter(|w| w.expected_version != 0) {
        let st = Statement::new(sql::UPDATE_RECORD)
            .text(&w.body)
            .opt_instant(w.due_at)
            .instant(at)
            .text(&w.kind)
            .text(&w.id)
            .int(w.expected_version);
        if b.execute(&mut tx, st).await? != 1 {
            return Err(stale_record(&w.kind, &w.id));
        }
    }
    // Alerts as records: new ones in multi-row inserts, updates one by one.
    let inserts: Vec<&AlertWrite> = commit.alerts.iter().filter(|w| w.expected_version == 0).collect();
    if !inserts.is_empty() {
        let written = b.insert_alerts(&mut tx, &inserts, at).await?;
        if written.len() != inserts.len() {
            let written: Vec<String> = all(&written, |r| r.text("id"))?;
            let taken = not_inserted(inserts.iter().map(|w| w.id.as_str()), &written);
            return Err(stale_record("alert", taken.expect("an alert not inserted")));
        }
    }
    for w in commit.alerts.iter().filter(|w| w.expected_version != 0) {
        let st = Statement::new(sql::UPDATE_ALERT)
            .text(&w.service)
            .flag(w.open)
            .instant(w.sort_at)
            .text(&w.body)
            .opt_instant(w.due_at)
            .instant(at)
            .text(&w.id)
            .int(w.expected_version);
        if b.execute(&mut tx, st).await? != 1 {
            return Err(stale_record("alert", &w.id));
        }
    }
    for entry in &commit.audit {
        append(b, &mut tx, &mut head, at, entry.clone()).await?;
    }
    let mut queued = Vec::new();
    if !commit.notifications.is_empty() {
        let rows = b.queue(&mut tx, &commit.notifications, at, claim).await?;
        if claim.is_some() {
            let ids: HashMap<String, i64> =
                rows.iter().map(|r| Ok((r.text("key")?, r.int("id")?))).collect::<Result<_, StoreError>>()?;
            queued.extend(commit.notifications.iter().filter_map(|n| Some(n.queued(*ids.get(&n.key)?, at))));
        }
    }
    b.commit_tx(tx).await?;
    let versions =
        commit.records.iter().map(|w| w.expected_version).chain(commit.alerts.iter().map(|w| w.expected_version));
    Ok((versions.map(|v| v + 1).collect(), queued))
}

#[async_trait]
impl<B: SqlBackend> Store for B {
    fn backend(&self) -> &'static str {
        B::NAME
    }

    async fn ready(&self) -> Result<(), StoreError> {
        let rows = self.read(Statement::new(sql::MIGRATIONS_APPLIED)).await?;
        let applied = one(rows).map(|r| r.int("applied")).transpose()?.unwrap_or(0);
        let known = self.migrations();
        if usize::try_from(applied).is_ok_and(|a| a == known) {
            Ok(())
        } else {
            Err(StoreError::Migrations(format!("{applied} applied, this build has {known}")))
        }
    }

    async fn definitions(&self) -> Result<Versioned<Vec<Definition>>, StoreError> {
        // One snapshot for both reads, so the revision describes exactly these bodies even
        // if another replica applies in between.
        let mut tx = self.begin_snapshot().await?;
        let revision = self.fetch(&mut tx, Statement::new(sql::DEFINITIONS_REVISION)).await?;
        let version = one(revision).ok_or_else(|| StoreError::Corrupt("no definitions revision".into()))?;
        let bodies = self.fetch(&mut tx, Statement::new(sql::DEFINITION_BODIES)).await?;
        let value = all(&bodies, |r| from_json("definition", &r.text("body")?))?;
        Ok(Versioned { version: version.int("value")?, value })
    }

    async fn definitions_revision(&self) -> Result<i64, StoreError> {
        let rows = self.read(Statement::new(sql::DEFINITIONS_REVISION)).await?;
        one(rows).ok_or_else(|| StoreError::Corrupt("no definitions revision".into()))?.int("value")
    }

    async fn revisions(&self, kind: &str, id: &str) -> Result<(i64, i64), StoreError> {
        let rows = self.read(Statement::new(sql::REVISIONS).text(kind).text(id)).await?;
        let row = one(rows).ok_or_else(|| StoreError::Corrupt("no definitions revision".into()))?;
        Ok((row.int("revision")?, row.int("version")?))
    }

    async fn apply_definitions(
        &self,
        expected_revision: i64,
        changes: &[Change],
        actor: &str,
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        let bumped = self.fetch(&mut tx, Statement::new(sql::BUMP_DEFINITIONS_REVISION)).await?;
        let revision =
            one(bumped).ok_or_else(|| StoreError::Corrupt("no definitions revision".into()))?.int("value")?;
        if revision != expected_revision + 1 {
            // Returning drops `tx`, which rolls the bump back.
            return Err(StoreError::Conflict(format!(
                "the definitions changed while this apply was prepared (now at revision {}, expected {expected_revision}); run it again",
                revision - 1
            )));
        }
        for change in changes {
            let d = &change.definition;
            let st = match change.kind {
                ChangeKind::Added | ChangeKind::Changed => {
                    Statement::new(sql::PUT_DEFINITION).text(d.kind()).text(d.id()).text(to_json(d)?)
                }
                ChangeKind::Removed => Statement::new(sql::DELETE_DEFINITION).text(d.kind()).text(d.id()),
            };
            self.execute(&mut tx, st).await?;
            append(self, &mut tx, &mut head, at, definition_audit(change, actor)?).await?;
        }
        self.commit_tx(tx).await?;
        Ok(revision)
    }

    async fn service_record(&self, id: &ServiceId) -> Result<Option<Versioned<ServiceRecord>>, StoreError> {
        let rows = self.read(Statement::new(sql::SERVICE_RECORD).text(id.as_str())).await?;
        Ok(one(rows).as_ref().map(columns::service).transpose()?.map(|(_, record)| record))
    }

    async fn service_records(&self) -> Result<Vec<(ServiceId, Versioned<ServiceRecord>)>, StoreError> {
        all(&self.read(Statement::new(sql::SERVICE_RECORDS)).await?, columns::service)
    }

    async fn save_service_record(
        &self,
        id: &ServiceId,
        expected_version: i64,
        record: &ServiceRecord,
        audit: AuditEntry,
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        let body = to_json(record)?;
        let st = if expected_version == 0 {
            Statement::new(sql::INSERT_SERVICE_RECORD)
                .text(id.as_str())
                .text(record.stage.as_str())
                .text(&body)
                .instant(at)
        } else {
            Statement::new(sql::UPDATE_SERVICE_RECORD)
                .text(record.stage.as_str())
                .text(&body)
                .instant(at)
                .text(id.as_str())
                .int(expected_version)
        };
        let stale =
            || StoreError::Conflict(format!("service `{id}` was changed by someone else; read it again and retry"));
        audited_write(self, st, stale, audit, at).await?;
        Ok(expected_version + 1)
    }

    async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
        let after = match (q.newest_first, q.after_seq) {
            (true, 0) => i64::MAX,
            (_, n) => n,
        };
        let st = Statement::new(sql::audit(q.newest_first))
            .int(after)
            .opt_text(q.subject.as_deref())
            .int(q.limit.clamp(1, 10_000));
        all(&self.read(st).await?, columns::audit)
    }

    async fn audit_head(&self) -> Result<Option<ChainHead>, StoreError> {
        let rows = self.read(Statement::new(sql::AUDIT_HEAD)).await?;
        one(rows).ok_or_else(|| StoreError::Corrupt("no audit head".into())).and_then(|r| columns::chain_head(&r))
    }

    async fn create_token(&self, token: &NewToken, audit: AuditEntry) -> Result<(), StoreError> {
        let st = Statement::new(sql::INSERT_TOKEN)
            .text(&token.id)
            .text(token.person.as_str())
            .text(&token.name)
            .text(&token.hash)
            .instant(token.created_at)
            .opt_instant(token.expires_at);
        let unwritten = || StoreError::Database("the token was not stored".into());
        audited_write(self, st, unwritten, audit, token.created_at).await
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<Token>, StoreError> {
        one(self.read(Statement::new(sql::TOKEN_BY_HASH).text(hash)).await?).as_ref().map(columns::token).transpose()
    }

    async fn tokens(&self) -> Result<Vec<Token>, StoreError> {
        all(&self.read(Statement::new(sql::TOKENS)).await?, columns::token)
    }

    async fn revoke_token(&self, id: &str, audit: AuditEntry, at: Timestamp) -> Result<(), StoreError> {
        let st = Statement::new(sql::REVOKE_TOKEN).instant(at).text(id);
        audited_write(self, st, || StoreError::NotFound(format!("token `{id}`")), audit, at).await
    }

    async fn create_session(&self, session: &NewSession, audit: AuditEntry) -> Result<(), StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        self.execute(&mut tx, Statement::new(sql::FORGET_EXPIRED_SESSIONS).instant(session.created_at)).await?;
        let st = Statement::new(sql::INSERT_SESSION)
            .text(&session.hash)
            .text(session.person.as_str())
            .text(&session.csrf)
            .instant(session.created_at)
            .instant(session.expires_at)
            .text(&session.token_id);
        self.execute(&mut tx, st).await?;
        append(self, &mut tx, &mut head, session.created_at, audit).await?;
        self.commit_tx(tx).await
    }

    async fn session_by_hash(&self, hash: &str) -> Result<Option<Session>, StoreError> {
        let rows = self.read(Statement::new(sql::SESSION_BY_HASH).text(hash)).await?;
        one(rows).as_ref().map(columns::session).transpose()
    }

    async fn end_session(&self, hash: &str, audit: AuditEntry, at: Timestamp) -> Result<(), StoreError> {
        let st = Statement::new(sql::END_SESSION).text(hash);
        audited_write(self, st, || StoreError::NotFound("session".into()), audit, at).await
    }

    async fn put_buckets(&self, slo: &SloId, buckets: &[Bucket]) -> Result<u64, StoreError> {
        let rows = bucket_rows(slo, buckets)?;
        if rows.is_empty() {
            return Ok(0);
        }
        self.put_bucket_rows(slo, &rows).await
    }

    async fn buckets(&self, slo: &SloId, window: Window) -> Result<Vec<Bucket>, StoreError> {
        let (start_us, end_us) = window_us(window);
        let rows = self.read(Statement::new(sql::BUCKETS).text(slo.as_str()).int(start_us).int(end_us)).await?;
        all(&rows, |r| bucket_from_row(r.int("minute_us")?, r.int("good")?, r.int("total")?))
    }

    async fn buckets_in(&self, slos: &[SloId], windows: &[Window]) -> Result<Vec<(SloId, Bucket)>, StoreError> {
        let ids: Vec<String> = slos.iter().map(|s| s.as_str().to_owned()).collect();
        let mut out = Vec::new();
        for &w in windows.iter().filter(|_| !ids.is_empty()) {
            let (from_us, to_us) = window_us(w);
            for (slo, minute_us, good, total) in self.fetch_buckets_in(&ids, from_us, to_us).await? {
                let id = SloId::parse(&slo).map_err(|e| StoreError::Corrupt(format!("SLI bucket of `{slo}`: {e}")))?;
                out.push((id, bucket_from_row(minute_us, good, total)?));
            }
        }
        Ok(out)
    }

    async fn sli_sums(&self, slo: &SloId, boundaries: &[Timestamp]) -> Result<Vec<SliSums>, StoreError> {
        let plan = SumsPlan::new(boundaries)?;
        if plan.segments() == 0 {
            return Ok(vec![]);
        }
        plan.combine(&self.sum_plan(slo, &plan).await?)
    }

    async fn add_correction(
        &self,
        slo: &SloId,
        correction: &Correction,
        audit: AuditEntry,
        at: Timestamp,
    ) -> Result<StoredCorrection, StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        let st = Statement::new(sql::INSERT_CORRECTION).text(slo.as_str()).instant(at).text(to_json(correction)?);
        let inserted = self.fetch(&mut tx, st).await?;
        let id =
            one(inserted).ok_or_else(|| StoreError::Database("the correction was not stored".into()))?.int("id")?;
        append(self, &mut tx, &mut head, at, audit).await?;
        self.commit_tx(tx).await?;
        Ok(StoredCorrection {
            id,
            slo: slo.clone(),
            created_at: columns::stored_instant(at)?,
            correction: correction.clone(),
        })
    }

    async fn corrections(&self, slo: &SloId) -> Result<Vec<StoredCorrection>, StoreError> {
        all(&self.read(Statement::new(sql::CORRECTIONS_OF).text(slo.as_str())).await?, columns::correction)
    }

    async fn all_corrections(&self) -> Result<Vec<StoredCorrection>, StoreError> {
        all(&self.read(Statement::new(sql::ALL_CORRECTIONS)).await?, columns::correction)
    }

    async fn commit(&self, commit: &Commit, at: Timestamp) -> Result<Vec<i64>, StoreError> {
        Ok(commit_all(self, commit, at, None).await?.0)
    }

    async fn commit_claiming(
        &self,
        commit: &Commit,
        at: Timestamp,
        claim: &Claim,
    ) -> Result<(Vec<i64>, Vec<Notification>), StoreError> {
        commit_all(self, commit, at, Some(claim)).await
    }

    async fn record(&self, kind: &str, id: &str) -> Result<Option<StoredRecord>, StoreError> {
        let rows = self.read(Statement::new(sql::RECORD_BY_ID).text(kind).text(id)).await?;
        one(rows).as_ref().map(columns::record).transpose()
    }

    async fn records_by_id(&self, kind: &str, ids: &[String]) -> Result<Vec<StoredRecord>, StoreError> {
        let mut out = all(&self.fetch_records_by_id(kind, ids).await?, columns::record)?;
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out.dedup_by(|a, b| a.id == b.id);
        Ok(out)
    }

    async fn records(&self, kind: &str, id_prefix: &str) -> Result<Vec<StoredRecord>, StoreError> {
        let len = id_prefix.chars().count() as i64;
        let st = Statement::new(sql::RECORDS_BY_PREFIX).text(kind).text(id_prefix).int(len);
        all(&self.read(st).await?, columns::record)
    }

    async fn due_records(&self, now: Timestamp, limit: i64) -> Result<Vec<StoredRecord>, StoreError> {
        all(&self.read(Statement::new(sql::DUE_RECORDS).instant(now).int(limit)).await?, columns::record)
    }

    async fn defer_due(&self, deferrals: &[Deferral]) -> Result<Vec<bool>, StoreError> {
        self.defer_batch(deferrals).await
    }

    async fn alert(&self, id: &str) -> Result<Option<StoredAlert>, StoreError> {
        one(self.read(Statement::new(sql::ALERT_BY_ID).text(id)).await?).as_ref().map(columns::alert).transpose()
    }

    async fn alerts_by_id(&self, ids: &[String]) -> Result<Vec<StoredAlert>, StoreError> {
        let mut out = all(&self.fetch_alerts_by_id(ids).await?, columns::alert)?;
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out.dedup_by(|a, b| a.id == b.id);
        Ok(out)
    }

    async fn list_alerts(&self, q: &AlertListQuery) -> Result<Vec<StoredAlert>, StoreError> {
        let limit = sql::positive_limit(q.limit)?;
        let mut st = Statement::new(sql::list_alerts(q.service.is_some(), q.open_only));
        if let Some(service) = &q.service {
            st = st.text(service);
        }
        // No cursor: from above every instant a timestamp can hold.
        let (sort_at, id) = q.after.as_ref().map_or((i64::MAX, ""), |c| (us(c.sort_at), c.id.as_str()));
        all(&self.read(st.int(sort_at).text(id).int(limit)).await?, columns::alert)
    }

    async fn due_alerts(&self, now: Timestamp, limit: i64) -> Result<Vec<StoredAlert>, StoreError> {
        let st = Statement::new(sql::DUE_ALERTS).instant(now).int(sql::positive_limit(limit)?);
        all(&self.read(st).await?, columns::alert)
    }

    async fn hasten_alert(&self, id: &str, at: Timestamp) -> Result<(), StoreError> {
        self.write(Statement::new(sql::HASTEN_ALERT).instant(at).text(id)).await?;
        Ok(())
    }

    async fn claim_notifications(
        &self,
        worker: &str,
        now: Timestamp,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError> {
        let until = us(now).saturating_add(i64::try_from(lease.as_micros()).unwrap_or(i64::MAX));
        let mut claimed = all(&self.claim(worker, now, until, limit).await?, columns::notification)?;
        // RETURNING gives no order; oldest first.
        claimed.sort_by_key(|n| n.id);
        Ok(claimed)
    }

    async fn settle_notification(
        &self,
        id: i64,
        worker: &str,
        outcome: &Settle,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        if self.write(sql::settle(id, worker, outcome, at)).await? == 1 {
            return Ok(());
        }
        Err(match one(self.read(Statement::new(sql::OUTBOX_ID).int(id)).await?) {
            Some(_) => StoreError::Conflict(format!("notification {id} is no longer held by {worker}")),
            None => StoreError::NotFound(format!("notification {id}")),
        })
    }

    async fn settle_notifications(
        &self,
        worker: &str,
        outcomes: &[(i64, Settle)],
        at: Timestamp,
    ) -> Result<Vec<bool>, StoreError> {
        let settled: HashSet<i64> = self.settle_batch(worker, outcomes, at).await?.into_iter().collect();
        Ok(outcomes.iter().map(|(id, _)| settled.contains(id)).collect())
    }

    async fn notifications(&self, query: &NotificationQuery) -> Result<Vec<Notification>, StoreError> {
        all(&self.read(sql::list_notifications(query)).await?, columns::notification)
    }

    async fn notification(&self, id: i64) -> Result<Option<Notification>, StoreError> {
        let rows = self.read(Statement::new(sql::NOTIFICATION_BY_ID).int(id)).await?;
        one(rows).as_ref().map(columns::notification).transpose()
    }

    async fn requeue_notification(
        &self,
        id: i64,
        audit: AuditEntry,
        at: Timestamp,
    ) -> Result<Notification, StoreError> {
        let (mut tx, mut head) = self.begin_write().await?;
        let Some(row) = one(self.fetch(&mut tx, Statement::new(sql::REQUEUE).instant(at).int(id)).await?) else {
            let status = one(self.fetch(&mut tx, Statement::new(sql::OUTBOX_STATUS).int(id)).await?);
            return Err(match status {
                Some(row) => StoreError::Conflict(format!("notification {id} is {}, not dead", row.text("status")?)),
                None => StoreError::NotFound(format!("notification {id}")),
            });
        };
        let requeued = columns::notification(&row)?;
        append(self, &mut tx, &mut head, at, audit).await?;
        self.commit_tx(tx).await?;
        Ok(requeued)
    }

    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        let row = one(self.read(Statement::new(sql::OUTBOX_STATS)).await?)
            .ok_or_else(|| StoreError::Corrupt("no outbox figures".into()))?;
        Ok(OutboxStats {
            pending: row.int("pending")?,
            dead: row.int("dead")?,
            oldest_pending: row.opt_instant("oldest_pending_us")?,
        })
    }
}
