//! Rows into domain values, by column name: both SQL backends read every row through
//! [`Columns`], so a statement may select its columns in any order and a row is read
//! the same way whichever backend returned it.

use crate::statement::us;
use crate::{
    from_json, DeliveryStatus, Notification, Session, StoreError, StoredAlert, StoredCorrection, StoredRecord, Token,
    Versioned,
};
use baton_core::audit::{AuditEntry, AuditRecord, ChainHead};
use baton_core::pipeline::ServiceRecord;
use baton_core::{PersonId, ServiceId, SloId, Timestamp};

/// A row's columns by name, as a backend's driver decodes them. A column missing or of
/// another type is a `Database` error; a value no backend writes is `Corrupt`.
pub trait Columns {
    fn int(&self, column: &str) -> Result<i64, StoreError>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError>;
    fn text(&self, column: &str) -> Result<String, StoreError>;
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    fn flag(&self, column: &str) -> Result<bool, StoreError>;

    /// An instant stored as microseconds since the epoch.
    fn instant(&self, column: &str) -> Result<Timestamp, StoreError> {
        from_us(self.int(column)?)
    }

    fn opt_instant(&self, column: &str) -> Result<Option<Timestamp>, StoreError> {
        self.opt_int(column)?.map(from_us).transpose()
    }
}

/// The instant `v` microseconds after the epoch; `Corrupt` past what a timestamp holds.
pub fn from_us(v: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(v).map_err(|e| StoreError::Corrupt(format!("timestamp {v}: {e}")))
}

/// `at` as it reads back from the store (microsecond precision).
pub fn stored_instant(at: Timestamp) -> Result<Timestamp, StoreError> {
    from_us(us(at))
}

pub fn record(r: &impl Columns) -> Result<StoredRecord, StoreError> {
    Ok(StoredRecord {
        kind: r.text("kind")?,
        id: r.text("id")?,
        version: r.int("version")?,
        body: r.text("body")?,
        due_at: r.opt_instant("due_at_us")?,
        updated_at: r.instant("updated_at_us")?,
        due_failures: r.int("due_failures")?,
        due_error: r.opt_text("due_error")?,
    })
}

pub fn alert(r: &impl Columns) -> Result<StoredAlert, StoreError> {
    Ok(StoredAlert {
        id: r.text("id")?,
        version: r.int("version")?,
        service: r.text("service")?,
        open: r.flag("open")?,
        sort_at: r.instant("sort_at_us")?,
        body: r.text("body")?,
        due_at: r.opt_instant("due_at_us")?,
        updated_at: r.instant("updated_at_us")?,
        due_failures: r.int("due_failures")?,
        due_error: r.opt_text("due_error")?,
    })
}

pub fn notification(r: &impl Columns) -> Result<Notification, StoreError> {
    let status = r.text("status")?;
    Ok(Notification {
        id: r.int("id")?,
        key: r.text("key")?,
        subject: r.text("subject")?,
        channel: r.text("channel")?,
        payload: r.text("payload")?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("outbox status `{status}`")))?,
        attempts: r.int("attempts")?,
        next_attempt_at: r.instant("next_attempt_us")?,
        last_error: r.opt_text("last_error")?,
        created_at: r.instant("created_us")?,
        settled_at: r.opt_instant("settled_us")?,
        requeued_at: r.opt_instant("requeued_us")?,
    })
}

pub fn service(r: &impl Columns) -> Result<(ServiceId, Versioned<ServiceRecord>), StoreError> {
    let id = ServiceId::parse(&r.text("service_id")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let value = from_json("service record", &r.text("body")?)?;
    Ok((id, Versioned { version: r.int("version")?, value }))
}

pub fn audit(r: &impl Columns) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        seq: r.int("seq")?,
        at: r.instant("at_us")?,
        entry: AuditEntry {
            actor: r.text("actor")?,
            action: r.text("action")?,
            subject: r.text("subject")?,
            reason: r.opt_text("reason")?,
            details: r.text("details")?,
        },
        prev_hash: r.text("prev_hash")?,
        hash: r.text("hash")?,
    })
}

/// The audit head row (`seq`, `hash`); `None` while the log is empty (seq 0).
pub fn chain_head(r: &impl Columns) -> Result<Option<ChainHead>, StoreError> {
    let seq = r.int("seq")?;
    Ok(if seq > 0 { Some(ChainHead { seq, hash: r.text("hash")? }) } else { None })
}

fn person(r: &impl Columns) -> Result<PersonId, StoreError> {
    PersonId::parse(&r.text("person_id")?).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub fn token(r: &impl Columns) -> Result<Token, StoreError> {
    Ok(Token {
        id: r.text("id")?,
        person: person(r)?,
        name: r.text("name")?,
        created_at: r.instant("created_at_us")?,
        expires_at: r.opt_instant("expires_at_us")?,
        revoked_at: r.opt_instant("revoked_at_us")?,
    })
}

pub fn session(r: &impl Columns) -> Result<Session, StoreError> {
    Ok(Session {
        person: person(r)?,
        csrf: r.text("csrf")?,
        created_at: r.instant("created_at_us")?,
        expires_at: r.instant("expires_at_us")?,
        token_expires_at: r.opt_instant("token_expires_at_us")?,
    })
}

pub fn correction(r: &impl Columns) -> Result<StoredCorrection, StoreError> {
    let id = r.int("id")?;
    let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("correction {id}: {e}"));
    Ok(StoredCorrection {
        id,
        slo: SloId::parse(&r.text("slo_id")?).map_err(|e| corrupt(&e))?,
        created_at: Timestamp::from_microsecond(r.int("created_at_us")?).map_err(|e| corrupt(&e))?,
        correction: from_json("correction", &r.text("body")?)?,
    })
}
