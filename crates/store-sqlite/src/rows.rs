//! Turning rows into domain values.

use baton_core::audit::{AuditEntry, AuditRecord};
use baton_core::pipeline::ServiceRecord;
use baton_core::{PersonId, ServiceId, Timestamp};
use baton_store::{from_json, Session, StoreError, Token, Versioned};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

pub(crate) fn db(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Database(Box::new(e))
}

/// Instants are stored as microseconds since the epoch: exact, and the audit hash covers
/// exactly that precision.
pub(crate) fn us(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub(crate) fn from_us(v: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(v).map_err(|e| StoreError::Corrupt(format!("timestamp {v}: {e}")))
}

pub(crate) fn stale(id: &ServiceId) -> StoreError {
    StoreError::Conflict(format!("service `{id}` was changed by someone else; read it again and retry"))
}

pub(crate) fn check_migrations(applied: i64, known: usize) -> Result<(), StoreError> {
    if applied as usize == known {
        Ok(())
    } else {
        Err(StoreError::Migrations(format!("{applied} applied, this build has {known}")))
    }
}

pub(crate) fn service_row(r: &SqliteRow) -> Result<(ServiceId, Versioned<ServiceRecord>), StoreError> {
    let id: String = r.get(0);
    let id = ServiceId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let value = from_json("service record", r.get::<&str, _>(2))?;
    Ok((id, Versioned { version: r.get(1), value }))
}

pub(crate) fn audit_row(r: &SqliteRow) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        seq: r.get(0),
        at: from_us(r.get(1))?,
        entry: AuditEntry { actor: r.get(2), action: r.get(3), subject: r.get(4), reason: r.get(5), details: r.get(6) },
        prev_hash: r.get(7),
        hash: r.get(8),
    })
}

pub(crate) const TOKEN_SELECT: &str =
    "SELECT id, person_id, name, created_at_us, expires_at_us, revoked_at_us FROM api_tokens";

pub(crate) fn token_row(r: &SqliteRow) -> Result<Token, StoreError> {
    let person: String = r.get(1);
    Ok(Token {
        id: r.get(0),
        person: PersonId::parse(&person).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        name: r.get(2),
        created_at: from_us(r.get(3))?,
        expires_at: r.get::<Option<i64>, _>(4).map(from_us).transpose()?,
        revoked_at: r.get::<Option<i64>, _>(5).map(from_us).transpose()?,
    })
}

pub(crate) fn session_row(r: &SqliteRow) -> Result<Session, StoreError> {
    let person: String = r.get(0);
    Ok(Session {
        person: PersonId::parse(&person).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        csrf: r.get(1),
        created_at: from_us(r.get(2))?,
        expires_at: from_us(r.get(3))?,
    })
}
