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
//! - SLO corrections are written with their audit record, like every state change.
#![forbid(unsafe_code)]

#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
mod json;
pub mod sli;
mod token;

pub use error::StoreError;
pub use json::{from_json, to_json};
pub use token::{NewSession, NewToken, Session, Token};

use async_trait::async_trait;
use baton_core::audit::{AuditEntry, AuditRecord, ChainHead};
use baton_core::pipeline::ServiceRecord;
use baton_core::slo::{Bucket, Correction, Window};
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
        details: to_json(&change.definition)?,
    })
}
