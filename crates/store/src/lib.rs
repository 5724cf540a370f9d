//! Storage: the one trait every backend implements, and what it promises.
//!
//! Promises every backend keeps (and the conformance suite checks):
//! - every state change and its audit record commit in one transaction, or neither does;
//! - the audit log is append-only and hash-chained (`baton_core::audit`);
//! - a service record is written only if nobody changed it since it was read
//!   (`expected_version`), so two replicas cannot both move a service;
//! - a failed `apply_definitions` leaves the store exactly as it was;
//! - SLI buckets are stored once per (SLO, minute): writing a minute again replaces its
//!   counts, so a retried batch leaves the same data. They are measurements, not state
//!   changes, so they carry no audit record;
//! - `sli_sums` always equals summing the stored minutes: the hourly rollups behind it
//!   are re-summed from the minutes in the same transaction that writes them;
//! - SLO corrections are written with their audit record, like every state change;
//! - a `Commit` writes its records (each only from the version it was read at), its audit
//!   records and its notifications in one transaction, or nothing;
//! - an outbox message is held by at most one sender at a time (a lease), and a key
//!   already queued is never queued twice;
//! - alerts live in a table of their own: listing them reads only the rows a page
//!   returns (indexes on open alerts, on service, and on the list order);
//! - due work that fails is deferred with its failure count and reason
//!   (`defer_record`, `defer_alert`) without changing its version, so a record that
//!   keeps failing moves out of the way of healthy ones and its next write clears it.
#![forbid(unsafe_code)]

pub mod alerts;
pub mod columns;
#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "sql")]
pub mod driver;
mod error;
#[cfg(feature = "conformance")]
pub mod ingest_bench;
mod json;
pub mod outbox;
pub mod records;
pub mod sli;
pub mod sql;
pub mod sql_backend;
mod sql_store;
pub mod statement;
mod token;

pub use alerts::{AlertCursor, AlertListQuery, AlertWrite, StoredAlert};
pub use error::StoreError;
pub use json::{from_json, to_json};
pub use outbox::{
    Claim, DeliveryStatus, NewNotification, Notification, NotificationQuery, OutboxStats, SenderQueue, Settle,
};
pub use records::{Commit, RecordWrite, StoredRecord};
pub use sql_backend::{SqlBackend, SqlBatches, SqlConnection};
pub use statement::{Statement, Value};
pub use token::{NewSession, NewToken, Session, Token};

use async_trait::async_trait;
use baton_core::audit::{AuditEntry, AuditRecord, ChainHead};
use baton_core::pipeline::ServiceRecord;
use baton_core::slo::{Bucket, Correction, Series, SliSums, Window};
use baton_core::{Change, Definition, ServiceId, SloId, Timestamp};

/// A value with the version it was stored at; version 0 means "never stored".
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub version: i64,
    pub value: T,
}

/// A correction of an SLO as stored: its id (ascending in the order they were declared),
/// the SLO it corrects and when it was declared.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCorrection {
    pub id: i64,
    pub slo: SloId,
    pub created_at: Timestamp,
    pub correction: Correction,
}

/// Due work the engine could not handle, to be tried again at `next_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct Deferral {
    /// The record's kind; `None` for an alert.
    pub kind: Option<String>,
    pub id: String,
    pub version: i64,
    pub next_at: Timestamp,
    pub error: String,
}

/// Which audit records to read, oldest first unless `newest_first`.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub subject: Option<String>,
    pub after_seq: i64,
    pub limit: i64,
    pub newest_first: bool,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Reachable, and every migration this build knows has been applied.
    async fn ready(&self) -> Result<(), StoreError>;

    /// Every stored definition and the revision they are at (bumped by each apply).
    async fn definitions(&self) -> Result<Versioned<Vec<Definition>>, StoreError>;

    /// Cheap: lets replicas notice another replica's apply without reloading everything.
    async fn definitions_revision(&self) -> Result<i64, StoreError>;

    /// The definitions revision and the version of record `kind`/`id` (0 when there is
    /// none), read together in one query: what a cache of something built from both checks
    /// on every use (who is on call: the rotation and its override guard).
    async fn revisions(&self, kind: &str, id: &str) -> Result<(i64, i64), StoreError>;

    /// Applies `changes` and one audit record per change (by `actor`, at `at`) in one
    /// transaction; fails with `Conflict` if the revision is no longer `expected_revision`.
    async fn apply_definitions(
        &self,
        expected_revision: i64,
        changes: &[Change],
        actor: &str,
        at: Timestamp,
    ) -> Result<i64, StoreError>;

    async fn service_record(&self, id: &ServiceId) -> Result<Option<Versioned<ServiceRecord>>, StoreError>;

    async fn service_records(&self) -> Result<Vec<(ServiceId, Versioned<ServiceRecord>)>, StoreError>;

    /// Writes `record` if the stored version is still `expected_version` (0: none stored),
    /// together with `audit`; returns the new version.
    async fn save_service_record(
        &self,
        id: &ServiceId,
        expected_version: i64,
        record: &ServiceRecord,
        audit: AuditEntry,
        at: Timestamp,
    ) -> Result<i64, StoreError>;

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError>;

    /// The last record the log says it wrote; `None` for an empty log.
    async fn audit_head(&self) -> Result<Option<ChainHead>, StoreError>;

    async fn create_token(&self, token: &NewToken, audit: AuditEntry) -> Result<(), StoreError>;

    /// The token whose secret hashes to `hash`, if it exists (revoked or not).
    async fn token_by_hash(&self, hash: &str) -> Result<Option<Token>, StoreError>;

    async fn tokens(&self) -> Result<Vec<Token>, StoreError>;

    async fn revoke_token(&self, id: &str, audit: AuditEntry, at: Timestamp) -> Result<(), StoreError>;

    /// Starts a browser session (and forgets sessions that expired before it started).
    async fn create_session(&self, session: &NewSession, audit: AuditEntry) -> Result<(), StoreError>;

    /// The session whose cookie secret hashes to `hash`, expired or not.
    async fn session_by_hash(&self, hash: &str) -> Result<Option<Session>, StoreError>;

    /// Ends a session (sign-out); `NotFound` if there is none.
    async fn end_session(&self, hash: &str, audit: AuditEntry, at: Timestamp) -> Result<(), StoreError>;

    /// Stores `slo`'s SLI buckets, one row per minute, all in one transaction. Upserts: a
    /// minute already stored gets the new counts (they replace, never add), so a retried
    /// or repeated batch leaves exactly the same data; within one batch the last bucket
    /// given for a minute wins. Returns how many minutes were written (inserted or
    /// replaced); an empty batch writes nothing and returns 0. A count above `i64::MAX`
    /// fails the whole batch before anything is written.
    ///
    /// SLI samples are not audited: they are measurements, and the audit log records
    /// decisions. The SLO need not be defined (yet) for its samples to be kept.
    async fn put_buckets(&self, slo: &SloId, buckets: &[Bucket]) -> Result<u64, StoreError>;

    /// `slo`'s buckets whose minute is in `window` (`start <= minute < end`), ascending by
    /// minute. Minutes never written are absent, not zero.
    async fn buckets(&self, slo: &SloId, window: Window) -> Result<Vec<Bucket>, StoreError>;

    /// The buckets of each of `slos` in each of `windows` (`start <= minute < end`), in
    /// any order; minutes never written are absent. The SLO alerting engine's one read a
    /// minute: the minutes entering and leaving every SLO's alert windows. Each window
    /// costs the backends one index seek per SLO, so the engine asks for runs of minutes.
    async fn buckets_in(&self, slos: &[SloId], windows: &[Window]) -> Result<Vec<(SloId, Bucket)>, StoreError> {
        let mut out = Vec::new();
        for slo in slos {
            for &w in windows {
                out.extend(self.buckets(slo, w).await?.into_iter().map(|b| (slo.clone(), b)));
            }
        }
        Ok(out)
    }

    /// The sums of `slo`'s buckets in each segment between consecutive `boundaries`
    /// (ascending): one [`SliSums`] per `[boundaries[i], boundaries[i + 1])`, exactly what
    /// summing [`buckets`](Store::buckets) over it gives, whatever was written and
    /// rewritten. The backends answer from hourly rollups that `put_buckets` re-sums in
    /// its own transaction, reading minutes only for a segment's partial hours, so a
    /// 28-day segment costs hundreds of rows inside the database, not 40,320, and one
    /// row per segment out of it. This default sums the minutes themselves.
    async fn sli_sums(&self, slo: &SloId, boundaries: &[Timestamp]) -> Result<Vec<SliSums>, StoreError> {
        let (Some(first), Some(last)) = (boundaries.first(), boundaries.last()) else {
            return Ok(vec![]);
        };
        let span = Window::new(*first, *last).map_err(|e| StoreError::Database(e.to_string().into()))?;
        let buckets = self.buckets(slo, span).await?;
        let series = Series::new(&buckets).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sli::SumsPlan::new(boundaries)?;
        Ok(boundaries
            .windows(2)
            .map(|p| SliSums::of(series.within(Window::new(p[0], p[1]).expect("ascending"))))
            .collect())
    }

    /// Stores a correction of `slo` (declared at `at`) and its audit record in one
    /// transaction; returns the correction's id. Corrections are never changed.
    async fn add_correction(
        &self,
        slo: &SloId,
        correction: &Correction,
        audit: AuditEntry,
        at: Timestamp,
    ) -> Result<StoredCorrection, StoreError>;

    /// `slo`'s corrections, in the order they were declared.
    async fn corrections(&self, slo: &SloId) -> Result<Vec<StoredCorrection>, StoreError>;

    /// Every SLO's corrections, in the order they were declared: one read for a report of
    /// many SLOs instead of one per SLO.
    async fn all_corrections(&self) -> Result<Vec<StoredCorrection>, StoreError>;

    /// Writes everything `commit` holds in one transaction: each record only if its
    /// stored version is still `expected_version` (else `Conflict`, nothing written), the
    /// audit records (chained in order, at `at`), and the notifications whose key is not
    /// queued yet. Alerts are checked and written like records, in the same transaction.
    /// Returns each record's new version, in order, then each alert's, in order.
    async fn commit(&self, commit: &Commit, at: Timestamp) -> Result<Vec<i64>, StoreError>;

    /// [`commit`](Store::commit), writing the messages it queues claimed by `claim` (for
    /// the sender of the process that decided them, see [`SenderQueue`]), and answering those
    /// messages as stored, in order. One whose key was queued already is not answered:
    /// it is not new, and whoever queued it first delivers it.
    async fn commit_claiming(
        &self,
        commit: &Commit,
        at: Timestamp,
        claim: &Claim,
    ) -> Result<(Vec<i64>, Vec<Notification>), StoreError>;

    async fn record(&self, kind: &str, id: &str) -> Result<Option<StoredRecord>, StoreError>;

    /// The records of `kind` with these ids, those that exist, by id: a batch's reads in
    /// one round trip (the group-committed intake reads every alert of a commit at once).
    async fn records_by_id(&self, kind: &str, ids: &[String]) -> Result<Vec<StoredRecord>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(self.record(kind, id).await?);
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out.dedup_by(|a, b| a.id == b.id);
        Ok(out)
    }

    /// Records of `kind` whose id starts with `id_prefix`, by id.
    async fn records(&self, kind: &str, id_prefix: &str) -> Result<Vec<StoredRecord>, StoreError>;

    /// Records whose `due_at` is at or before `now`, soonest first, at most `limit`.
    async fn due_records(&self, now: Timestamp, limit: i64) -> Result<Vec<StoredRecord>, StoreError>;

    /// The engine could not handle record `kind`/`id` (at `version`): it is due again at
    /// `next_at`, its failure count goes up by one and `error` is kept, all without a new
    /// version (the handler's next write, from this version, still succeeds and clears
    /// them). `false` when the record is gone or at another version (someone wrote it).
    async fn defer_record(
        &self,
        kind: &str,
        id: &str,
        version: i64,
        next_at: Timestamp,
        error: &str,
    ) -> Result<bool, StoreError> {
        let d = Deferral { kind: Some(kind.into()), id: id.into(), version, next_at, error: error.into() };
        Ok(self.defer_due(&[d]).await?.first().copied().unwrap_or(false))
    }

    /// Several deferrals (see [`defer_record`](Store::defer_record) and
    /// [`defer_alert`](Store::defer_alert)) in one transaction where the backend has them:
    /// a step in which hundreds of records fail costs one commit, not one each, so it ends
    /// in time for the healthy work that falls due meanwhile. Answers, in order, whether
    /// each was deferred.
    async fn defer_due(&self, deferrals: &[Deferral]) -> Result<Vec<bool>, StoreError>;

    /// The alert stored under `id` (`<service>/<dedup key>`, or `…#<µs>` for an earlier
    /// incarnation).
    async fn alert(&self, id: &str) -> Result<Option<StoredAlert>, StoreError>;

    /// The alerts with these ids, those that exist, by id (one round trip for a batch).
    async fn alerts_by_id(&self, ids: &[String]) -> Result<Vec<StoredAlert>, StoreError>;

    /// A page of alerts (see [`AlertListQuery`]): newest first by `(sort_at, id)`,
    /// reading no more rows than it returns. A `limit` below 1 is refused (an error, not
    /// an empty page that would read as the end of the list).
    async fn list_alerts(&self, query: &AlertListQuery) -> Result<Vec<StoredAlert>, StoreError>;

    /// Alerts whose `due_at` is at or before `now`, soonest first (then by id), at most
    /// `limit`, which must be above 0 as for [`list_alerts`](Store::list_alerts).
    async fn due_alerts(&self, now: Timestamp, limit: i64) -> Result<Vec<StoredAlert>, StoreError>;

    /// As [`defer_record`](Store::defer_record), for an alert.
    async fn defer_alert(&self, id: &str, version: i64, next_at: Timestamp, error: &str) -> Result<bool, StoreError> {
        let d = Deferral { kind: None, id: id.into(), version, next_at, error: error.into() };
        Ok(self.defer_due(&[d]).await?.first().copied().unwrap_or(false))
    }

    /// Makes alert `id` due at `at` if it is due later than that (it has a `due_at`):
    /// a page of its current step failed, and the engine should look at it now. No new
    /// version; nothing happens to an alert that is not due at all, or not stored.
    async fn hasten_alert(&self, id: &str, at: Timestamp) -> Result<(), StoreError>;

    /// Claims up to `limit` pending messages due at `now` that nobody holds, for `worker`,
    /// until `now + lease`; oldest first.
    async fn claim_notifications(
        &self,
        worker: &str,
        now: Timestamp,
        lease: std::time::Duration,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError>;

    /// Records how `worker`'s attempt at message `id` ended. `Conflict` if `worker` no
    /// longer holds it (its lease ran out and another sender claimed it).
    async fn settle_notification(
        &self,
        id: i64,
        worker: &str,
        outcome: &Settle,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Records several of `worker`'s attempts, in one transaction where the backend has
    /// them, so a sender's whole batch costs one commit (one `fsync`) rather than one
    /// each. Answers, in order, whether each was recorded: `false` where `worker` no
    /// longer held the message (what [`settle_notification`](Store::settle_notification)
    /// reports as `Conflict` or `NotFound`).
    async fn settle_notifications(
        &self,
        worker: &str,
        outcomes: &[(i64, Settle)],
        at: Timestamp,
    ) -> Result<Vec<bool>, StoreError> {
        let mut held = Vec::with_capacity(outcomes.len());
        for (id, outcome) in outcomes {
            match self.settle_notification(*id, worker, outcome, at).await {
                Ok(()) => held.push(true),
                Err(StoreError::Conflict(_) | StoreError::NotFound(_)) => held.push(false),
                Err(e) => return Err(e),
            }
        }
        Ok(held)
    }

    async fn notifications(&self, query: &NotificationQuery) -> Result<Vec<Notification>, StoreError>;

    async fn notification(&self, id: i64) -> Result<Option<Notification>, StoreError>;

    /// Sends a dead letter again: message `id` becomes pending, due at `at`, with
    /// `requeued_at = at` (its retries are counted from then) and its attempts kept, and
    /// `audit` is written in the same transaction. `NotFound` for no such message,
    /// `Conflict` for one that is not dead (pending or delivered).
    async fn requeue_notification(&self, id: i64, audit: AuditEntry, at: Timestamp)
        -> Result<Notification, StoreError>;

    /// What `/metrics` shows of the outbox: pending and dead messages, counted from
    /// indexes, and when the first queued pending message was queued (or re-sent), read
    /// as one row.
    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError>;
}

/// The audit entry for one definition change made by `apply`.
pub fn definition_audit(change: &Change, actor: &str) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        actor: actor.to_owned(),
        action: format!(
            "definition.{}",
            serde_json::to_value(change.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
        ),
        subject: change.definition.key(),
        reason: None,
        // Anyone may read the audit log: secrets in a definition stay in the store only.
        details: to_json(&change.definition.redacted())?,
    })
}
