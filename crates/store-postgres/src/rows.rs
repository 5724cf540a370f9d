//! Turning rows into domain values, and PostgreSQL errors into store errors.

use baton_core::audit::{AuditEntry, AuditRecord};
use baton_core::pipeline::ServiceRecord;
use baton_core::{PersonId, ServiceId, Timestamp};
use baton_store::{from_json, Session, StoreError, Token, Versioned};
use sqlx::postgres::PgRow;
use sqlx::Row;

pub(crate) fn db(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Database(Box::new(e))
}

/// SQLSTATEs that mean "another writer got there first", not "the database is broken":
/// unique_violation, serialization_failure and deadlock_detected. The head lock makes
/// them rare, but a writer that bypasses it (or a future query that locks in another
/// order) must still surface as a retryable `Conflict`, as the trait promises.
const LOST_RACE: [&str; 3] = ["23505", "40001", "40P01"];

pub(crate) fn pg(e: sqlx::Error) -> StoreError {
    match e.as_database_error().and_then(|d| d.code()) {
        Some(code) if LOST_RACE.contains(&code.as_ref()) => {
            StoreError::Conflict(format!("another writer changed this first ({e}); read it again and retry"))
        }
        _ => db(e),
    }
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
    if usize::try_from(applied).is_ok_and(|a| a == known) {
        Ok(())
    } else {
        Err(StoreError::Migrations(format!("{applied} applied, this build has {known}")))
    }
}

pub(crate) fn service_row(r: &PgRow) -> Result<(ServiceId, Versioned<ServiceRecord>), StoreError> {
    let id: String = r.get(0);
    let id = ServiceId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let value = from_json("service record", r.get::<&str, _>(2))?;
    Ok((id, Versioned { version: r.get(1), value }))
}

pub(crate) const AUDIT_SELECT: &str =
    "SELECT seq, at_us, actor, action, subject, reason, details, prev_hash, hash FROM audit_log";

pub(crate) fn audit_row(r: &PgRow) -> Result<AuditRecord, StoreError> {
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

pub(crate) fn token_row(r: &PgRow) -> Result<Token, StoreError> {
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

pub(crate) fn session_row(r: &PgRow) -> Result<Session, StoreError> {
    let person: String = r.get(0);
    Ok(Session {
        person: PersonId::parse(&person).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        csrf: r.get(1),
        created_at: from_us(r.get(2))?,
        expires_at: from_us(r.get(3))?,
    })
}
