//! Statements both backends run as they are: SQLite reads `$1` placeholders as PostgreSQL
//! does, so where the dialects agree a statement is written once, here. What each
//! backend writes its own way (multi-row inserts and settlements: `VALUES` lists on
//! SQLite, `UNNEST` of arrays on PostgreSQL; claims, which lock on PostgreSQL) stays
//! in the backend.

use crate::outbox::NotificationQuery;
use crate::StoreError;

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

/// Every column of an outbox message, for a backend's own `RETURNING`.
pub const OUTBOX_COLUMNS: &str = outbox_columns!();

/// Every column of an outbox message, for a backend's own `WHERE`.
pub const OUTBOX_SELECT: &str = concat!("SELECT ", outbox_columns!(), " FROM outbox");

/// Every column of an alert, for a backend's own `WHERE`.
pub const ALERT_SELECT: &str = concat!("SELECT ", alert_columns!(), " FROM alerts");

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

/// A value bound to a statement built at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Text(String),
    Int(i64),
}

/// The listing `q` asks for, newest first, and what to bind to it in order. Only the
/// filters given are written, so each is something the planner can use: the key prefix
/// is a range on the key's unique index (with the prefix checked again, so the answer is
/// exact whatever the column's collation); the subject prefix is matched with `substr`
/// (no index serves it: the subject index cost every intake write a random page, see
/// SQLite's migration 0008), the subject exactly.
pub fn list_notifications(q: &NotificationQuery) -> (String, Vec<Param>) {
    let mut list = Filters { conditions: Vec::new(), params: Vec::new() };
    if let Some(status) = q.status {
        let n = list.bind(Param::Text(status.as_str().into()));
        list.conditions.push(format!("status = ${n}"));
    }
    if let Some(prefix) = q.key_prefix.as_deref().filter(|p| !p.is_empty()) {
        let from = list.bind(Param::Text(prefix.into()));
        list.conditions.push(format!("key >= ${from}"));
        if let Some(end) = prefix_end(prefix) {
            let to = list.bind(Param::Text(end));
            list.conditions.push(format!("key < ${to}"));
        }
        let len = list.bind(Param::Int(prefix.chars().count() as i64));
        list.conditions.push(format!("substr(key, 1, CAST(${len} AS INTEGER)) = ${from}"));
    }
    if let Some(prefix) = q.subject_prefix.as_deref().filter(|p| !p.is_empty()) {
        let p = list.bind(Param::Text(prefix.into()));
        let len = list.bind(Param::Int(prefix.chars().count() as i64));
        list.conditions.push(format!("substr(subject, 1, CAST(${len} AS INTEGER)) = ${p}"));
    }
    if let Some(subject) = &q.subject {
        let n = list.bind(Param::Text(subject.clone()));
        list.conditions.push(format!("subject = ${n}"));
    }
    let limit = list.bind(Param::Int(if q.limit > 0 { q.limit } else { i64::MAX }));
    let mut sql = String::from(OUTBOX_SELECT);
    if !list.conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&list.conditions.join(" AND "));
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${limit}"));
    (sql, list.params)
}

struct Filters {
    conditions: Vec<String>,
    params: Vec<Param>,
}

impl Filters {
    /// Adds `p`, answering its placeholder number.
    fn bind(&mut self, p: Param) -> usize {
        self.params.push(p);
        self.params.len()
    }
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
        let (sql, params) = list_notifications(&NotificationQuery { limit: 5, ..Default::default() });
        assert!(sql.ends_with("FROM outbox ORDER BY id DESC LIMIT $1"), "{sql}");
        assert_eq!(params, [Param::Int(5)]);
        let q = NotificationQuery {
            status: Some(DeliveryStatus::Dead),
            key_prefix: Some("17/".into()),
            subject: Some("alert/a".into()),
            ..Default::default()
        };
        let (sql, params) = list_notifications(&q);
        assert!(sql.contains("WHERE status = $1 AND key >= $2 AND key < $3 AND substr(key, 1, CAST($4 AS INTEGER)) = $2 AND subject = $5 ORDER BY id DESC LIMIT $6"), "{sql}");
        assert_eq!(params[2], Param::Text("170".into()));
        assert_eq!(params[5], Param::Int(i64::MAX));
    }

    #[test]
    fn a_commit_names_the_write_that_was_not_inserted() {
        let written = vec!["a".to_owned(), "c".to_owned()];
        assert_eq!(not_inserted(["a", "b", "c"], &written), Some("b"));
        assert_eq!(not_inserted(["a", "c", "a"], &written), Some("a"), "twice in one commit");
        assert_eq!(not_inserted(["c", "a"], &written), None);
    }
}
