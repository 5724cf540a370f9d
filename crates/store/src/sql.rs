//! Statements both SQL backends run as they are: SQLite reads `$1` placeholders as
//! PostgreSQL does, so where the dialects agree a statement is written once, here, and
//! run by the shared code in `sql_backend`. What each backend writes its own way
//! (multi-row inserts and settlements: `VALUES` lists on SQLite, `UNNEST` of arrays on
//! PostgreSQL; SLI buckets and their sums; claims, which lock on PostgreSQL) stays in
//! the backend. Every statement names the columns it reads, which are read by name.

use crate::outbox::{NotificationQuery, Settle};
use crate::statement::{Statement, Value};
use crate::Deferral;
use crate::StoreError;
use baton_core::Timestamp;

macro_rules! record_columns {
    () => {
        "kind, id, version, body, due_at_us, updated_at_us, due_failures, due_error"
    };
}

macro_rules! alert_columns {
    () => {
        "id, version, service, open, sort_at_us, body, due_at_us, updated_at_us, due_failures, due_error"
    };
}

macro_rules! outbox_columns {
    () => {
        "id, key, subject, channel, payload, status, attempts, next_attempt_us, last_error, created_us, \
         settled_us, requeued_us"
    };
}

/// Every column of a record, for a backend's own `WHERE`.
pub const RECORD_SELECT: &str = concat!("SELECT ", record_columns!(), " FROM records");

/// Every column of an outbox message, for a backend's own `WHERE`.
pub const OUTBOX_SELECT: &str = concat!("SELECT ", outbox_columns!(), " FROM outbox");

/// Every column of an alert, for a backend's own `WHERE`.
pub const ALERT_SELECT: &str = concat!("SELECT ", alert_columns!(), " FROM alerts");

/// How many migrations the database says it applied.
pub const MIGRATIONS_APPLIED: &str = "SELECT COUNT(*) AS applied FROM _sqlx_migrations WHERE success";

pub const AUDIT_HEAD: &str = "SELECT seq, hash FROM audit_head WHERE id = 1";

/// Appends one sealed audit record (`$1` seq … `$9` hash).
pub const APPEND_AUDIT: &str = "INSERT INTO audit_log (seq, at_us, actor, action, subject, reason, details, \
     prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// Moves the audit head to seq `$1`, hash `$2`.
pub const MOVE_AUDIT_HEAD: &str = "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1";

macro_rules! audit_select {
    ($cmp:literal, $order:literal) => {
        concat!(
            "SELECT seq, at_us, actor, action, subject, reason, details, prev_hash, hash FROM audit_log \
             WHERE seq ",
            $cmp,
            " $1 AND ($2 IS NULL OR subject = $2) ORDER BY seq ",
            $order,
            " LIMIT $3"
        )
    };
}

/// Audit records after seq `$1` (oldest first) or before it (newest first), of subject
/// `$2` unless NULL, at most `$3`.
pub fn audit(newest_first: bool) -> &'static str {
    if newest_first {
        audit_select!("<", "DESC")
    } else {
        audit_select!(">", "ASC")
    }
}

pub const DEFINITIONS_REVISION: &str = "SELECT value FROM counters WHERE name = 'definitions_revision'";

/// The definitions revision and the version of record `$1`/`$2` (0 when none), in one read.
pub const REVISIONS: &str = "SELECT (SELECT value FROM counters WHERE name = 'definitions_revision') AS revision, \
     COALESCE((SELECT version FROM records WHERE kind = $1 AND id = $2), 0) AS version";

pub const DEFINITION_BODIES: &str = "SELECT body FROM definitions ORDER BY kind, id";

/// Moves the definitions revision on, answering the new one (`value`).
pub const BUMP_DEFINITIONS_REVISION: &str =
    "UPDATE counters SET value = value + 1 WHERE name = 'definitions_revision' RETURNING value";

pub const PUT_DEFINITION: &str = "INSERT INTO definitions (kind, id, body) VALUES ($1, $2, $3) \
     ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body";

pub const DELETE_DEFINITION: &str = "DELETE FROM definitions WHERE kind = $1 AND id = $2";

pub const SERVICE_RECORD: &str = "SELECT service_id, version, body FROM service_records WHERE service_id = $1";

pub const SERVICE_RECORDS: &str = "SELECT service_id, version, body FROM service_records ORDER BY service_id";

/// Stores service `$1`'s first record (stage `$2`, body `$3`, at `$4`), unless one exists.
pub const INSERT_SERVICE_RECORD: &str = "INSERT INTO service_records (service_id, version, stage, body, \
     updated_at_us) VALUES ($1, 1, $2, $3, $4) ON CONFLICT (service_id) DO NOTHING";

/// Rewrites service `$4`'s record from version `$5`.
pub const UPDATE_SERVICE_RECORD: &str = "UPDATE service_records SET version = version + 1, stage = $1, body = $2, \
     updated_at_us = $3 WHERE service_id = $4 AND version = $5";

macro_rules! token_select {
    ($rest:literal) => {
        concat!("SELECT id, person_id, name, created_at_us, expires_at_us, revoked_at_us FROM api_tokens ", $rest)
    };
}

pub const INSERT_TOKEN: &str = "INSERT INTO api_tokens (id, person_id, name, hash, created_at_us, expires_at_us) \
     VALUES ($1, $2, $3, $4, $5, $6)";

pub const TOKEN_BY_HASH: &str = token_select!("WHERE hash = $1");

/// Every token, oldest first (ties by id, so the order is the same on every read).
pub const TOKENS: &str = token_select!("ORDER BY created_at_us, id");

/// Revokes token `$2` at `$1`, keeping an earlier revocation's instant.
pub const REVOKE_TOKEN: &str = "UPDATE api_tokens SET revoked_at_us = COALESCE(revoked_at_us, $1) WHERE id = $2";

pub const FORGET_EXPIRED_SESSIONS: &str = "DELETE FROM sessions WHERE expires_at_us <= $1";

pub const INSERT_SESSION: &str =
    "INSERT INTO sessions (hash, person_id, csrf, created_at_us, expires_at_us, token_id) \
     VALUES ($1, $2, $3, $4, $5, $6)";

/// A session with its token's expiry; none once the token is revoked (or gone, or the
/// session is from before sessions had a token).
pub const SESSION_BY_HASH: &str = "SELECT s.person_id, s.csrf, s.created_at_us, s.expires_at_us, \
     t.expires_at_us AS token_expires_at_us \
     FROM sessions s JOIN api_tokens t ON t.id = s.token_id WHERE s.hash = $1 AND t.revoked_at_us IS NULL";

pub const END_SESSION: &str = "DELETE FROM sessions WHERE hash = $1";

/// SLO `$1`'s buckets with `$2 <= minute_us < $3`, ascending.
pub const BUCKETS: &str = "SELECT minute_us, good, total FROM sli_buckets \
     WHERE slo_id = $1 AND minute_us >= $2 AND minute_us < $3 ORDER BY minute_us";

pub const INSERT_CORRECTION: &str =
    "INSERT INTO slo_corrections (slo_id, created_at_us, body) VALUES ($1, $2, $3) RETURNING id";

pub const CORRECTIONS_OF: &str =
    "SELECT id, slo_id, created_at_us, body FROM slo_corrections WHERE slo_id = $1 ORDER BY id";

pub const ALL_CORRECTIONS: &str = "SELECT id, slo_id, created_at_us, body FROM slo_corrections ORDER BY id";

pub const RECORD_BY_ID: &str = concat!("SELECT ", record_columns!(), " FROM records WHERE kind = $1 AND id = $2");

/// Records of kind `$1` whose id starts with `$2` (`$3` characters long), by id: a range
/// on the primary key, not LIKE, since ids may hold `%` and `_`.
pub const RECORDS_BY_PREFIX: &str = concat!(
    "SELECT ",
    record_columns!(),
    " FROM records WHERE kind = $1 AND id >= $2 AND substr(id, 1, CAST($3 AS INTEGER)) = $2 ORDER BY id"
);

/// Records due at `$1`, soonest first, at most `$2`.
pub const DUE_RECORDS: &str = concat!(
    "SELECT ",
    record_columns!(),
    " FROM records WHERE due_at_us IS NOT NULL AND due_at_us <= $1 ORDER BY due_at_us, kind, id LIMIT $2"
);

macro_rules! claim {
    ($lock:literal) => {
        concat!(
            "UPDATE outbox SET claimed_by = $1, claim_until_us = $2 WHERE id IN (\
             SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_us <= $3 \
             AND (claim_until_us IS NULL OR claim_until_us <= $3) ORDER BY id LIMIT $4",
            $lock,
            ") RETURNING ",
            outbox_columns!()
        )
    };
}

/// Claims for worker `$1` until `$2` up to `$4` pending messages due at `$3` that nobody
/// holds, oldest first. One statement, so atomic on SQLite, which has one writer at a time.
pub const CLAIM: &str = claim!("");

/// [`CLAIM`] for concurrent writers: a message another replica is claiming right now is
/// skipped (it is simply not ours), never waited for.
pub const CLAIM_SKIP_LOCKED: &str = claim!(" FOR UPDATE SKIP LOCKED");

/// Whether message `$1` exists: why a settlement found nothing to settle.
pub const OUTBOX_ID: &str = "SELECT id FROM outbox WHERE id = $1";

/// Rewrites record `$4`/`$5` from version `$6`: a write from the version read clears the
/// record's due-work failures, since what failed was decided on what it replaces.
pub const UPDATE_RECORD: &str = "UPDATE records SET version = $6 + 1, body = $1, due_at_us = $2, updated_at_us = $3, \
     due_failures = 0, due_error = NULL WHERE kind = $4 AND id = $5 AND version = $6";

/// Rewrites alert `$7` from version `$8`, clearing its due-work failures as for records.
pub const UPDATE_ALERT: &str = "UPDATE alerts SET version = version + 1, service = $1, open = $2, sort_at_us = $3, \
     body = $4, due_at_us = $5, updated_at_us = $6, due_failures = 0, due_error = NULL WHERE id = $7 AND version = $8";

/// Defers record `$3`/`$4` at version `$5` to `$1`, keeping the error `$2`.
pub const DEFER_RECORD: &str = "UPDATE records SET due_at_us = $1, due_failures = due_failures + 1, due_error = $2 \
     WHERE kind = $3 AND id = $4 AND version = $5";

/// Defers alert `$3` at version `$4` to `$1`, keeping the error `$2`.
pub const DEFER_ALERT: &str = "UPDATE alerts SET due_at_us = $1, due_failures = due_failures + 1, due_error = $2 \
     WHERE id = $3 AND version = $4";

/// Moves alert `$2`'s due time back to `$1`, only if it is due later (NULL compares false).
pub const HASTEN_ALERT: &str = "UPDATE alerts SET due_at_us = $1 WHERE id = $2 AND due_at_us > $1";

pub const ALERT_BY_ID: &str = concat!("SELECT ", alert_columns!(), " FROM alerts WHERE id = $1");

/// Alerts due at `$1`, soonest first, at most `$2`: the partial index on `(due_at_us, id)`
/// gives them in this order.
pub const DUE_ALERTS: &str = concat!(
    "SELECT ",
    alert_columns!(),
    " FROM alerts WHERE due_at_us IS NOT NULL AND due_at_us <= $1 ORDER BY due_at_us, id LIMIT $2"
);

// The four lists: each filter its own text, because a partial index (`WHERE open`) is only
// used when the query states its condition as written, and `($1 IS NULL OR service = $1)`
// would make the planner read every alert. Each walks one index backwards from the cursor:
// `(sort_at_us, id) < (cursor)` is a range on the index, so a page reads what it returns.
const LIST_ALERTS: &str = concat!(
    "SELECT ",
    alert_columns!(),
    " FROM alerts WHERE (sort_at_us, id) < ($1, $2) ORDER BY sort_at_us DESC, id DESC LIMIT $3"
);
const LIST_OPEN_ALERTS: &str = concat!(
    "SELECT ",
    alert_columns!(),
    " FROM alerts WHERE open AND (sort_at_us, id) < ($1, $2) ORDER BY sort_at_us DESC, id DESC LIMIT $3"
);
const LIST_SERVICE_ALERTS: &str = concat!(
    "SELECT ",
    alert_columns!(),
    " FROM alerts WHERE service = $1 AND (sort_at_us, id) < ($2, $3) ORDER BY sort_at_us DESC, id DESC LIMIT $4"
);
/// A service's open alerts: `alerts_open` walked from the cursor, other services' rows
/// skipped (open alerts are few; migrations: SQLite 0009, PostgreSQL 0008). `service || ''`
/// keeps `alerts_service` out, which would walk the service's resolved alerts too.
const LIST_SERVICE_OPEN_ALERTS: &str = concat!(
    "SELECT ",
    alert_columns!(),
    " FROM alerts WHERE open AND (sort_at_us, id) < ($2, $3) AND service || '' = $1 \
     ORDER BY sort_at_us DESC, id DESC LIMIT $4"
);

/// The list statement for these filters. With `service`, it is bound first (`$1`); then
/// the cursor (`sort_at_us`, `id`) and the limit.
pub fn list_alerts(service: bool, open_only: bool) -> &'static str {
    match (service, open_only) {
        (false, false) => LIST_ALERTS,
        (false, true) => LIST_OPEN_ALERTS,
        (true, false) => LIST_SERVICE_ALERTS,
        (true, true) => LIST_SERVICE_OPEN_ALERTS,
    }
}

/// Settles message `$6` if worker `$7` still holds it: status `$1`, `$2` attempts added,
/// next attempt `$3` (kept when NULL), last error `$4` (kept for a postponement, which
/// adds no attempt and has nothing to say), settled at `$5`. See [`Settle::columns`](crate::Settle::columns).
pub const SETTLE: &str = "UPDATE outbox SET status = $1, attempts = attempts + $2, \
     next_attempt_us = COALESCE($3, next_attempt_us), last_error = CASE WHEN $2 = 0 THEN last_error ELSE $4 END, \
     settled_us = $5, claimed_by = NULL, claim_until_us = NULL WHERE id = $6 AND claimed_by = $7 AND status = 'pending'";

pub const NOTIFICATION_BY_ID: &str = concat!("SELECT ", outbox_columns!(), " FROM outbox WHERE id = $1");

/// Makes dead message `$2` pending again from `$1` (see `Store::requeue_notification`).
pub const REQUEUE: &str = concat!(
    "UPDATE outbox SET status = 'pending', next_attempt_us = $1, requeued_us = $1, settled_us = NULL, \
     claimed_by = NULL, claim_until_us = NULL WHERE id = $2 AND status = 'dead' RETURNING ",
    outbox_columns!()
);

/// The status of message `$1`: why a re-send found nothing to do.
pub const OUTBOX_STATUS: &str = "SELECT status FROM outbox WHERE id = $1";

/// `pending`, `dead` and `oldest_pending_us`. The pending count comes from the partial
/// pending index, the dead count from the partial index on dead messages. The oldest
/// pending message is the one of least id (found in the pending index, which holds the
/// id) read as one row: the first queued of those still pending, so a re-sent old message
/// counts from its re-send. (`id + 0` keeps PostgreSQL from looking for the least id
/// along the primary key, past every message ever settled.)
pub const OUTBOX_STATS: &str = "SELECT (SELECT COUNT(*) FROM outbox WHERE status = 'pending') AS pending, \
     (SELECT COUNT(*) FROM outbox WHERE status = 'dead') AS dead, \
     (SELECT COALESCE(requeued_us, created_us) FROM outbox \
       WHERE id = (SELECT MIN(id + 0) FROM outbox WHERE status = 'pending')) AS oldest_pending_us";

/// The listing `q` asks for, newest first, with its values bound. Only the filters given
/// are written, so each is something the planner can use: the key prefix is a range on
/// the key's unique index (with the prefix checked again, so the answer is exact whatever
/// the column's collation); the subject prefix is matched with `substr` (no index serves
/// it: the subject index cost every intake write a random page, see SQLite's migration
/// 0008), the subject exactly.
pub fn list_notifications(q: &NotificationQuery) -> Statement<'_> {
    let mut st = Statement::new(OUTBOX_SELECT);
    let mut conditions = Vec::new();
    if let Some(status) = q.status {
        let n = st.push(text(status.as_str()));
        conditions.push(format!("status = ${n}"));
    }
    if let Some(prefix) = q.key_prefix.as_deref().filter(|p| !p.is_empty()) {
        let from = st.push(text(prefix));
        conditions.push(format!("key >= ${from}"));
        if let Some(end) = prefix_end(prefix) {
            let to = st.push(Value::Text(Some(end.into())));
            conditions.push(format!("key < ${to}"));
        }
        let len = st.push(Value::Int(Some(prefix.chars().count() as i64)));
        conditions.push(format!("substr(key, 1, CAST(${len} AS INTEGER)) = ${from}"));
    }
    if let Some(prefix) = q.subject_prefix.as_deref().filter(|p| !p.is_empty()) {
        let p = st.push(text(prefix));
        let len = st.push(Value::Int(Some(prefix.chars().count() as i64)));
        conditions.push(format!("substr(subject, 1, CAST(${len} AS INTEGER)) = ${p}"));
    }
    if let Some(subject) = &q.subject {
        let n = st.push(text(subject));
        conditions.push(format!("subject = ${n}"));
    }
    let limit = st.push(Value::Int(Some(if q.limit > 0 { q.limit } else { i64::MAX })));
    let mut sql = String::from(OUTBOX_SELECT);
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${limit}"));
    st.sql = sql.into();
    st
}

fn text(v: &str) -> Value<'_> {
    Value::Text(Some(v.into()))
}

/// The least string above every string that starts with `prefix`, in code point order
/// (which is byte order for UTF-8, SQLite's and the C collation's order): the prefix with
/// its last character moved on by one. `None` when there is none (every character is the
/// last one Unicode has), so every string from `prefix` on qualifies.
pub fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The surrogates are not characters; the next one after them is U+E000.
        let next = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The limit of an alert list or of due alerts, which must be positive: a page of at most
/// zero alerts is a caller's mistake, answered as an error rather than with an empty page
/// that would look like the end of the list (or, bound as it is, with no limit at all).
pub fn positive_limit(limit: i64) -> Result<i64, StoreError> {
    if limit > 0 {
        Ok(limit)
    } else {
        Err(StoreError::Database(format!("an alert query needs a limit above 0, not {limit}").into()))
    }
}

/// The first of `wanted` (in order) that a multi-row insert did not write: not among
/// `written`, or there already (its id came twice in one commit). `None` if all were.
pub fn not_inserted<'a>(wanted: impl IntoIterator<Item = &'a str>, written: &[String]) -> Option<&'a str> {
    let mut left: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for w in written {
        *left.entry(w.as_str()).or_default() += 1;
    }
    wanted.into_iter().find(|id| match left.get_mut(id) {
        Some(n) if *n > 0 => {
            *n -= 1;
            false
        }
        _ => true,
    })
}

/// The deferral `d` (of a record, or of an alert when it has no kind) as a statement.
pub fn deferral(d: &Deferral) -> Statement<'_> {
    let st = match &d.kind {
        Some(kind) => Statement::new(DEFER_RECORD).instant(d.next_at).text(&d.error).text(kind.as_str()),
        None => Statement::new(DEFER_ALERT).instant(d.next_at).text(&d.error),
    };
    st.text(&d.id).int(d.version)
}

/// Settling message `id` if `worker` still holds it (one row affected), see [`SETTLE`].
pub fn settle<'a>(id: i64, worker: &'a str, outcome: &Settle, at: Timestamp) -> Statement<'a> {
    let (status, next, error, settled, added) = outcome.columns(at);
    Statement::new(SETTLE).text(status).int(added).opt_int(next).opt_text(error).opt_int(settled).int(id).text(worker)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DeliveryStatus;

    #[test]
    fn a_prefix_ends_at_its_last_character_moved_on() {
        assert_eq!(prefix_end("abc").as_deref(), Some("abd"));
        assert_eq!(prefix_end("a/").as_deref(), Some("a0"));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
    }

    #[test]
    fn the_listing_writes_only_the_filters_given() {
        let q = NotificationQuery { limit: 5, ..Default::default() };
        let st = list_notifications(&q);
        assert!(st.sql.ends_with("FROM outbox ORDER BY id DESC LIMIT $1"), "{}", st.sql);
        assert_eq!(st.params, [Value::Int(Some(5))]);
        let q = NotificationQuery {
            status: Some(DeliveryStatus::Dead),
            key_prefix: Some("17/".into()),
            subject: Some("alert/a".into()),
            ..Default::default()
        };
        let st = list_notifications(&q);
        assert!(st.sql.contains("WHERE status = $1 AND key >= $2 AND key < $3 AND substr(key, 1, CAST($4 AS INTEGER)) = $2 AND subject = $5 ORDER BY id DESC LIMIT $6"), "{}", st.sql);
        assert_eq!(st.params[2], Value::Text(Some("170".into())));
        assert_eq!(st.params[5], Value::Int(Some(i64::MAX)));
    }

    #[test]
    fn a_commit_names_the_write_that_was_not_inserted() {
        let written = vec!["a".to_owned(), "c".to_owned()];
        assert_eq!(not_inserted(["a", "b", "c"], &written), Some("b"));
        assert_eq!(not_inserted(["a", "c", "a"], &written), Some("a"), "twice in one commit");
        assert_eq!(not_inserted(["c", "a"], &written), None);
    }
}
