//! Stories every backend must pass, run by each backend's tests through
//! [`conformance_tests!`](crate::conformance_tests) with a fresh, empty store per story.

use crate::{
    AlertCursor, AlertListQuery, AlertWrite, AuditQuery, Commit, DeliveryStatus, NewNotification, NewSession, NewToken,
    NotificationQuery, OutboxStats, RecordWrite, Settle, Store, StoreError, StoredAlert,
};
use baton_core::audit::{AuditEntry, Verifier};
use baton_core::definition::diff;
use baton_core::org::{Person, ServiceDef, ServiceLinks};
use baton_core::pipeline::{ServiceRecord, Stage};
use baton_core::slo::{Bucket, Correction, CorrectionSpec, Recurrence, Series, SliSums, Window};
use baton_core::{Definition, Org, PersonId, ServiceId, SloId, TeamId, Timestamp};
use std::sync::Arc;

/// Generates one `#[tokio::test]` per story; `$make` is an async fn returning a fresh store.
#[macro_export]
macro_rules! conformance_tests {
    ($make:path) => {
        $crate::conformance_tests!(@each $make,
            an_empty_store_is_ready_and_empty,
            apply_stores_definitions_and_audits_each_change,
            a_stale_apply_changes_nothing,
            service_records_are_written_only_from_the_version_read,
            racing_writers_cannot_both_win,
            the_audit_chain_verifies_and_pages,
            timestamps_keep_microseconds,
            tokens_are_found_by_hash_and_revoked,
            sessions_start_end_and_expired_ones_are_forgotten,
            sli_buckets_are_read_back_by_window,
            buckets_of_many_slos_are_read_over_chosen_minutes,
            writing_a_minute_again_replaces_it,
            a_batch_of_100_000_buckets_round_trips,
            an_empty_batch_is_fine_and_a_refused_one_writes_nothing,
            bucket_writers_and_audited_writers_run_side_by_side,
            corrections_are_stored_with_their_audit_record,
            sli_sums_equal_the_minutes_after_overwrites,
            sli_sums_hold_before_1970_and_across_sparse_writes,
            a_commit_writes_records_audit_and_notifications_together,
            a_stale_commit_writes_nothing,
            racing_commits_on_one_record_cannot_both_win,
            records_are_listed_by_prefix_and_found_when_due,
            a_notification_key_is_queued_once,
            outbox_claims_are_leases_and_attempts_are_settled,
            racing_senders_never_hold_the_same_message,
            records_and_settles_are_batched_in_one_call,
            messages_claimed_as_they_are_queued_are_handed_over_not_claimed_again,
            alerts_are_written_with_their_commit_and_checked_like_records,
            alerts_are_listed_newest_first_a_page_at_a_time,
            due_alerts_come_soonest_first,
            deferred_due_work_keeps_its_version_and_the_next_write_clears_it,
            hastening_an_alert_only_moves_it_earlier,
            a_postponement_counts_no_attempt,
            a_dead_letter_is_sent_again_with_its_audit_record,
            outbox_stats_count_pending_and_dead_messages,
            a_key_prefix_finds_exactly_the_keys_that_start_with_it,
        );
    };
    (@each $make:path, $($story:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $story() {
                $crate::conformance::$story($make().await).await;
            }
        )*
    };
}

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn person(id: &str, name: &str) -> Definition {
    Definition::Person(Person {
        id: PersonId::parse(id).unwrap(),
        name: name.into(),
        email: None,
        timezone: None,
        chat: None,
        leave: Vec::new(),
        contact: Default::default(),
    })
}

fn service(id: &str) -> Definition {
    Definition::Service(ServiceDef {
        id: ServiceId::parse(id).unwrap(),
        name: format!("Service {id}"),
        description: Some("<b>escaped later</b> ünïcode".into()),
        owner_team: TeamId::parse("owners").unwrap(),
        links: ServiceLinks::default(),
        internal_only: false,
        transition_window: None,
        personas: Default::default(),
        system: None,
        lifecycle: None,
    })
}

fn entry(subject: &str, action: &str) -> AuditEntry {
    AuditEntry {
        actor: "ana".into(),
        action: action.into(),
        subject: subject.into(),
        reason: Some("because".into()),
        details: r#"{"b":1,"a":[2,3]}"#.into(),
    }
}

async fn verify_chain(store: &dyn Store) -> u64 {
    let mut v = Verifier::default();
    let mut after = 0;
    loop {
        let page = store.audit(&AuditQuery { after_seq: after, limit: 50, ..Default::default() }).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        for r in &page {
            v.push(r).unwrap();
        }
    }
    v.finish(store.audit_head().await.unwrap().as_ref()).expect("chain verifies")
}

/// The audit log cannot be edited in place, even by SQL that bypasses the store: each of
/// `edits`, run straight on the backend's `pool`, fails as append-only, and the chain is
/// as it was. Called by each SQL backend's own test, which alone holds its pool.
#[cfg(feature = "sql")]
pub async fn the_audit_log_refuses_edits_in_place<DB>(store: Arc<dyn Store>, pool: sqlx::Pool<DB>, edits: &[&str])
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    let id = ServiceId::parse("ledger").unwrap();
    let at = t("2026-01-01T00:00:00Z");
    store.save_service_record(&id, 0, &ServiceRecord::default(), entry("service/ledger", "x"), at).await.unwrap();
    for sql in edits {
        let Err(err) = sqlx::query::<DB>(sql).execute(&pool).await.map(drop) else { panic!("{sql} was run") };
        let err = err.to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(store.audit_head().await.unwrap().map(|h| h.seq), Some(1));
    assert_eq!(verify_chain(store.as_ref()).await, 1);
}

pub async fn an_empty_store_is_ready_and_empty(store: Arc<dyn Store>) {
    store.ready().await.unwrap();
    let defs = store.definitions().await.unwrap();
    assert_eq!((defs.version, defs.value.len()), (0, 0));
    assert_eq!(store.audit_head().await.unwrap(), None);
    assert!(store.service_records().await.unwrap().is_empty());
    assert!(store.service_record(&ServiceId::parse("none").unwrap()).await.unwrap().is_none());
}

pub async fn apply_stores_definitions_and_audits_each_change(store: Arc<dyn Store>) {
    let first = vec![person("ana", "Ana"), person("bo", "Bo"), service("ledger")];
    let changes = diff(&[], &first);
    let rev = store.apply_definitions(0, &changes, "ana", t("2026-01-01T00:00:00Z")).await.unwrap();
    assert_eq!(rev, 1);
    let stored = store.definitions().await.unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(Org::from_definitions(stored.value.clone()), Org::from_definitions(first.clone()));

    let second = vec![person("ana", "Ana Lima"), service("ledger")];
    let changes = diff(&stored.value, &second);
    assert_eq!(changes.len(), 2, "one changed, one removed");
    store.apply_definitions(1, &changes, "bo", t("2026-01-02T00:00:00Z")).await.unwrap();
    assert_eq!(store.definitions_revision().await.unwrap(), 2);
    let now = Org::from_definitions(store.definitions().await.unwrap().value);
    assert_eq!(now.people.len(), 1);
    assert_eq!(now.people.values().next().unwrap().name, "Ana Lima");

    let log = store.audit(&AuditQuery { limit: 100, ..Default::default() }).await.unwrap();
    let actions: Vec<_> = log.iter().map(|r| (r.entry.action.as_str(), r.entry.subject.as_str())).collect();
    assert_eq!(
        actions,
        vec![
            ("definition.added", "person/ana"),
            ("definition.added", "person/bo"),
            ("definition.added", "service/ledger"),
            ("definition.changed", "person/ana"),
            ("definition.removed", "person/bo"),
        ]
    );
    assert_eq!(verify_chain(&*store).await, 5);
}

pub async fn a_stale_apply_changes_nothing(store: Arc<dyn Store>) {
    let defs = vec![person("ana", "Ana")];
    store.apply_definitions(0, &diff(&[], &defs), "ana", t("2026-01-01T00:00:00Z")).await.unwrap();
    let before = store.definitions().await.unwrap();
    let head = store.audit_head().await.unwrap();
    let other = vec![person("cy", "Cy")];
    let err = store.apply_definitions(0, &diff(&[], &other), "cy", t("2026-01-01T00:00:00Z")).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.definitions().await.unwrap(), before);
    assert_eq!(store.audit_head().await.unwrap(), head, "no audit record for a change that did not happen");
}

pub async fn service_records_are_written_only_from_the_version_read(store: Arc<dyn Store>) {
    let id = ServiceId::parse("ledger").unwrap();
    let mut record = ServiceRecord::default();
    let at = t("2026-02-01T10:00:00Z");
    let v1 = store.save_service_record(&id, 0, &record, entry("service/ledger", "service.propose"), at).await.unwrap();
    assert_eq!(v1, 1);
    let err =
        store.save_service_record(&id, 0, &record, entry("service/ledger", "service.propose"), at).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "a second first write conflicts: {err:?}");
    record.stage = Stage::Proposed;
    let v2 = store.save_service_record(&id, 1, &record, entry("service/ledger", "service.accept"), at).await.unwrap();
    assert_eq!(v2, 2);
    let err =
        store.save_service_record(&id, 1, &record, entry("service/ledger", "service.accept"), at).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let stored = store.service_record(&id).await.unwrap().unwrap();
    assert_eq!((stored.version, stored.value.stage), (2, Stage::Proposed));
    assert_eq!(store.service_records().await.unwrap().len(), 1);
    assert_eq!(verify_chain(&*store).await, 2, "refused writes leave no audit record");
}

pub async fn racing_writers_cannot_both_win(store: Arc<dyn Store>) {
    let id = ServiceId::parse("ledger").unwrap();
    let at = t("2026-02-01T10:00:00Z");
    store.save_service_record(&id, 0, &ServiceRecord::default(), entry("service/ledger", "x"), at).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            let stage = if i % 2 == 0 { Stage::Proposed } else { Stage::Retired };
            let r = ServiceRecord { stage, ..Default::default() };
            store.save_service_record(&id, 1, &r, entry("service/ledger", "race"), at).await
        }));
    }
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(v) => {
                assert_eq!(v, 2);
                wins += 1;
            }
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("a racing writer failed with {e:?} instead of a conflict"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(verify_chain(&*store).await, 2);
}

pub async fn the_audit_chain_verifies_and_pages(store: Arc<dyn Store>) {
    let at = t("2026-03-01T00:00:00Z");
    for i in 0..120 {
        let id = ServiceId::parse(&format!("s{}", i % 3)).unwrap();
        let version = store.service_record(&id).await.unwrap().map_or(0, |v| v.version);
        store
            .save_service_record(&id, version, &ServiceRecord::default(), entry(&format!("service/{id}"), "tick"), at)
            .await
            .unwrap();
    }
    assert_eq!(verify_chain(&*store).await, 120);
    let head = store.audit_head().await.unwrap().unwrap();
    assert_eq!(head.seq, 120);
    let mine = store
        .audit(&AuditQuery { subject: Some("service/s1".into()), limit: 5, newest_first: true, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(mine.len(), 5);
    assert!(mine.iter().all(|r| r.entry.subject == "service/s1"));
    assert!(mine[0].seq > mine[4].seq, "newest first");
    assert_eq!(mine[0].seq, 119);
}

pub async fn timestamps_keep_microseconds(store: Arc<dyn Store>) {
    let at = t("2028-02-29T23:59:59.123456Z");
    let id = ServiceId::parse("leap").unwrap();
    let record = ServiceRecord { stage: Stage::Proposed, ..Default::default() };
    store.save_service_record(&id, 0, &record, entry("service/leap", "x"), at).await.unwrap();
    let log = store.audit(&AuditQuery { limit: 1, ..Default::default() }).await.unwrap();
    assert_eq!(log[0].at, at);
    assert_eq!(log[0].entry.details, r#"{"b":1,"a":[2,3]}"#, "details are kept byte for byte");
}

pub async fn tokens_are_found_by_hash_and_revoked(store: Arc<dyn Store>) {
    let token = NewToken {
        id: "tok1".into(),
        person: PersonId::parse("ana").unwrap(),
        name: "laptop".into(),
        hash: "a".repeat(64),
        created_at: t("2026-01-01T00:00:00Z"),
        expires_at: Some(t("2027-01-01T00:00:00Z")),
    };
    store.create_token(&token, entry("token/tok1", "token.create")).await.unwrap();
    let found = store.token_by_hash(&token.hash).await.unwrap().unwrap();
    assert_eq!((found.id.as_str(), found.person.as_str(), found.revoked_at), ("tok1", "ana", None));
    assert_eq!(found.expires_at, token.expires_at);
    assert!(store.token_by_hash(&"b".repeat(64)).await.unwrap().is_none());
    let at = t("2026-06-01T00:00:00Z");
    store.revoke_token("tok1", entry("token/tok1", "token.revoke"), at).await.unwrap();
    assert_eq!(store.token_by_hash(&token.hash).await.unwrap().unwrap().revoked_at, Some(at));
    let err = store.revoke_token("nope", entry("token/nope", "token.revoke"), at).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)));
    assert_eq!(store.tokens().await.unwrap().len(), 1);
    assert_eq!(verify_chain(&*store).await, 2);
}

pub async fn sessions_start_end_and_expired_ones_are_forgotten(store: Arc<dyn Store>) {
    let token = NewToken {
        id: "tok-laptop".into(),
        person: PersonId::parse("ana").unwrap(),
        name: "laptop".into(),
        hash: "f".repeat(64),
        created_at: t("2025-12-01T00:00:00Z"),
        expires_at: Some(t("2026-06-01T00:00:00Z")),
    };
    store.create_token(&token, entry("token/tok-laptop", "token.create")).await.unwrap();
    let session = |hash: &str, created: &str, expires: &str| NewSession {
        hash: hash.repeat(64),
        person: PersonId::parse("ana").unwrap(),
        csrf: format!("csrf-{hash}"),
        created_at: t(created),
        expires_at: t(expires),
        token_id: token.id.clone(),
    };
    let old = session("a", "2026-01-01T00:00:00Z", "2026-01-01T12:00:00Z");
    store.create_session(&old, entry("session/ana", "session.start")).await.unwrap();
    let found = store.session_by_hash(&old.hash).await.unwrap().unwrap();
    assert_eq!((found.person.as_str(), found.csrf.as_str(), found.expires_at), ("ana", "csrf-a", old.expires_at));
    assert_eq!(found.token_expires_at, token.expires_at, "read with its token's expiry");

    let new = session("b", "2026-01-02T00:00:00Z", "2026-01-02T12:00:00Z");
    store.create_session(&new, entry("session/ana", "session.start")).await.unwrap();
    assert!(store.session_by_hash(&old.hash).await.unwrap().is_none(), "expired sessions are forgotten");

    store.end_session(&new.hash, entry("session/ana", "session.end"), t("2026-01-02T01:00:00Z")).await.unwrap();
    assert!(store.session_by_hash(&new.hash).await.unwrap().is_none());
    let err =
        store.end_session(&new.hash, entry("session/ana", "session.end"), t("2026-01-02T01:00:00Z")).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)));

    // A session ends with its token: once the token is revoked the session is not found.
    let third = session("c", "2026-01-03T00:00:00Z", "2026-01-03T12:00:00Z");
    store.create_session(&third, entry("session/ana", "session.start")).await.unwrap();
    assert!(store.session_by_hash(&third.hash).await.unwrap().is_some());
    store.revoke_token(&token.id, entry("token/tok-laptop", "token.revoke"), t("2026-01-03T01:00:00Z")).await.unwrap();
    assert!(store.session_by_hash(&third.hash).await.unwrap().is_none(), "its token was revoked");
    assert_eq!(verify_chain(&*store).await, 6);
}

fn slo(id: &str) -> SloId {
    SloId::parse(id).unwrap()
}

/// The minute `m` minutes after 2026-03-01T10:00:00Z.
fn minute(m: i64) -> Timestamp {
    Timestamp::from_second(t("2026-03-01T10:00:00Z").as_second() + 60 * m).unwrap()
}

fn bucket(m: i64, good: u64, total: u64) -> Bucket {
    Bucket::new(minute(m), good, total).unwrap()
}

fn window(start: Timestamp, end: Timestamp) -> Window {
    Window::new(start, end).unwrap()
}

fn all_time() -> Window {
    window(Timestamp::MIN, Timestamp::MAX)
}

pub async fn sli_buckets_are_read_back_by_window(store: Arc<dyn Store>) {
    let (mine, other) = (slo("checkout-availability"), slo("checkout-latency"));
    // Written newest first: reads come back in ascending minute order all the same.
    let batch: Vec<_> = (0..10).rev().map(|m| bucket(m, 90 + m as u64, 100)).collect();
    assert_eq!(store.put_buckets(&mine, &batch).await.unwrap(), 10);
    let theirs: Vec<_> = (0..10).map(|m| bucket(m, 1, 2)).collect();
    assert_eq!(store.put_buckets(&other, &theirs).await.unwrap(), 10);
    let ascending: Vec<_> = batch.iter().rev().copied().collect();

    assert_eq!(store.buckets(&mine, window(minute(0), minute(10))).await.unwrap(), ascending);
    // [10:02, 10:05): the start's minute is in, the end's is out.
    assert_eq!(store.buckets(&mine, window(minute(2), minute(5))).await.unwrap(), ascending[2..5]);
    // Bounds inside a minute: 10:02 starts before 10:02:30, so it is out; 10:05 starts
    // before 10:05:00.0000001, so it is in.
    let w = window(t("2026-03-01T10:02:30Z"), t("2026-03-01T10:05:00.0000001Z"));
    assert_eq!(store.buckets(&mine, w).await.unwrap(), ascending[3..6]);
    assert!(store.buckets(&mine, window(minute(4), minute(4))).await.unwrap().is_empty(), "an empty window");
    assert!(store.buckets(&mine, window(minute(10), minute(20))).await.unwrap().is_empty());
    assert!(store.buckets(&slo("unknown"), all_time()).await.unwrap().is_empty());
    assert_eq!(store.buckets(&other, all_time()).await.unwrap(), theirs, "each SLO reads its own buckets");

    // A minute without traffic, one before 1970 and the largest storable count come back as written.
    let max = u64::try_from(i64::MAX).unwrap();
    let edges = [
        Bucket::new(t("1969-12-31T23:59:00Z"), 0, 0).unwrap(),
        Bucket::new(t("2026-03-02T00:00:00Z"), max - 1, max).unwrap(),
    ];
    assert_eq!(store.put_buckets(&mine, &edges).await.unwrap(), 2);
    let w = window(t("1969-12-31T00:00:00Z"), t("1970-01-01T00:00:00Z"));
    assert_eq!(store.buckets(&mine, w).await.unwrap(), edges[..1]);
    assert_eq!(store.buckets(&mine, window(minute(10), t("2026-03-03T00:00:00Z"))).await.unwrap(), edges[1..]);
    assert_eq!(store.buckets(&mine, all_time()).await.unwrap().len(), 12);
    assert_eq!(store.audit_head().await.unwrap(), None, "SLI samples are not audited");
}

pub async fn buckets_of_many_slos_are_read_over_chosen_minutes(store: Arc<dyn Store>) {
    // More SLOs than one `IN` list holds, each with minutes 0..10 (SLO i: good i).
    let slos: Vec<SloId> = (0..1_200).map(|i| slo(&format!("engine-{i}"))).collect();
    for (i, s) in slos.iter().enumerate() {
        let batch: Vec<_> = (0..10).map(|m| bucket(m, i as u64, 2_000)).collect();
        store.put_buckets(s, &batch).await.unwrap();
    }
    let wanted = [window(minute(2), minute(3)), window(minute(6), minute(8)), window(minute(30), minute(40))];
    let mut got = store.buckets_in(&slos, &wanted).await.unwrap();
    got.sort_by_key(|(s, b)| (s.as_str().to_owned(), b.minute()));
    let mut expected: Vec<(SloId, Bucket)> =
        slos.iter().enumerate().flat_map(|(i, s)| [2, 6, 7].map(|m| (s.clone(), bucket(m, i as u64, 2_000)))).collect();
    expected.sort_by_key(|(s, b)| (s.as_str().to_owned(), b.minute()));
    assert_eq!(got.len(), 3_600, "minutes 2, 6 and 7 were written, for every SLO; 30 to 39 were not");
    assert_eq!(got, expected);
    assert!(store.buckets_in(&slos[..3], &[]).await.unwrap().is_empty());
    assert!(store.buckets_in(&[], &wanted).await.unwrap().is_empty());
    assert!(store.buckets_in(&[slo("unknown")], &wanted).await.unwrap().is_empty());
}

pub async fn writing_a_minute_again_replaces_it(store: Arc<dyn Store>) {
    let s = slo("checkout-availability");
    let w = window(minute(0), minute(5));
    let batch: Vec<_> = (0..5).map(|m| bucket(m, 9, 10)).collect();
    assert_eq!(store.put_buckets(&s, &batch).await.unwrap(), 5);
    assert_eq!(store.put_buckets(&s, &batch).await.unwrap(), 5, "a repeated batch writes the same minutes");
    assert_eq!(store.buckets(&s, w).await.unwrap(), batch, "and leaves identical data: counts replace, never add");

    // A later batch replaces the minutes it names and leaves the others alone.
    assert_eq!(store.put_buckets(&s, &[bucket(2, 0, 3)]).await.unwrap(), 1);
    let mut expected = batch.clone();
    expected[2] = bucket(2, 0, 3);
    assert_eq!(store.buckets(&s, w).await.unwrap(), expected);

    // Within one batch, the last bucket given for a minute wins.
    assert_eq!(store.put_buckets(&s, &[bucket(3, 1, 1), bucket(4, 2, 2), bucket(3, 5, 7)]).await.unwrap(), 2);
    expected[3] = bucket(3, 5, 7);
    expected[4] = bucket(4, 2, 2);
    assert_eq!(store.buckets(&s, w).await.unwrap(), expected);
    assert_eq!(store.audit_head().await.unwrap(), None, "SLI samples are not audited");
}

pub async fn a_batch_of_100_000_buckets_round_trips(store: Arc<dyn Store>) {
    let s = slo("checkout-availability");
    let batch: Vec<_> = (0..100_000i64)
        .map(|m| {
            // Varied counts, some minutes without traffic.
            let total = (m as u64 * 7_919) % 10_000;
            bucket(m, total - total % 13, total)
        })
        .collect();
    assert_eq!(store.put_buckets(&s, &batch).await.unwrap(), 100_000);
    let back = store.buckets(&s, window(minute(0), minute(100_000))).await.unwrap();
    assert_eq!(back.len(), batch.len());
    let first_difference = back.iter().zip(&batch).position(|(a, b)| a != b);
    assert_eq!(first_difference, None, "every bucket reads back as written");
    assert_eq!(store.buckets(&s, window(minute(40_000), minute(40_060))).await.unwrap(), batch[40_000..40_060]);
    // Written again, the same batch changes nothing.
    assert_eq!(store.put_buckets(&s, &batch).await.unwrap(), 100_000);
    assert!(store.buckets(&s, all_time()).await.unwrap() == batch);
}

pub async fn an_empty_batch_is_fine_and_a_refused_one_writes_nothing(store: Arc<dyn Store>) {
    let s = slo("checkout-availability");
    assert_eq!(store.put_buckets(&s, &[]).await.unwrap(), 0);
    assert!(store.buckets(&s, all_time()).await.unwrap().is_empty());

    let kept = [bucket(0, 1, 1)];
    store.put_buckets(&s, &kept).await.unwrap();
    let too_many = u64::try_from(i64::MAX).unwrap() + 1;
    let refused = [bucket(0, 0, 5), bucket(1, 1, 1), bucket(2, too_many, too_many)];
    let err = store.put_buckets(&s, &refused).await.unwrap_err();
    assert!(err.to_string().contains(&too_many.to_string()), "{err}");
    assert_eq!(store.buckets(&s, all_time()).await.unwrap(), kept, "a refused batch writes none of its minutes");
}

pub async fn bucket_writers_and_audited_writers_run_side_by_side(store: Arc<dyn Store>) {
    let at = t("2026-03-01T10:00:00Z");
    let mut tasks = Vec::new();
    for i in 0..6u64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..5 {
                let batch: Vec<_> = (0..2_000).map(|m| bucket(m, round + i, round + i + 1)).collect();
                store.put_buckets(&slo(&format!("slo-{i}")), &batch).await?;
            }
            Ok::<_, StoreError>(())
        }));
    }
    for i in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let id = ServiceId::parse(&format!("svc-{i}")).unwrap();
            for version in 0..5 {
                let audit = entry(&format!("service/{id}"), "tick");
                store.save_service_record(&id, version, &ServiceRecord::default(), audit, at).await?;
            }
            Ok(())
        }));
    }
    for task in tasks {
        if let Err(e) = task.await.unwrap() {
            panic!("a writer failed while others wrote: {e:?}");
        }
    }
    for i in 0..6 {
        let stored = store.buckets(&slo(&format!("slo-{i}")), all_time()).await.unwrap();
        assert_eq!(stored.len(), 2_000);
        assert!(stored.iter().all(|b| (b.good(), b.total()) == (4 + i, 5 + i)), "the last round's counts");
    }
    assert_eq!(verify_chain(&*store).await, 30, "only the service records were audited");
}

/// What `sli_sums` must give: the stored minutes, summed per segment.
async fn summed_minutes(store: &dyn Store, slo: &SloId, boundaries: &[Timestamp]) -> Vec<SliSums> {
    let all = store.buckets(slo, all_time()).await.unwrap();
    boundaries.windows(2).map(|p| SliSums::of(Series::new(&all).unwrap().within(window(p[0], p[1])))).collect()
}

pub async fn sli_sums_equal_the_minutes_after_overwrites(store: Arc<dyn Store>) {
    let (a, b) = (slo("checkout-availability"), slo("search-latency"));
    // Five and a half hours from 09:30, then rewrites across three of those hours: other
    // counts, minutes with no traffic, a minute twice in one batch, out of order.
    let first: Vec<_> = (-30..300).map(|m| bucket(m, 90 + (m.unsigned_abs() % 10), 100)).collect();
    store.put_buckets(&a, &first).await.unwrap();
    store.put_buckets(&b, &first).await.unwrap();
    let mut rewrite: Vec<_> = (50..130u64)
        .rev()
        .map(|m| {
            let total = (m % 5) * 2;
            bucket(m as i64, total.min(m % 3), total)
        })
        .collect();
    rewrite.push(bucket(55, 7, 7));
    rewrite.push(bucket(55, 1, 9));
    store.put_buckets(&a, &rewrite).await.unwrap();
    store.put_buckets(&a, &[bucket(299, 0, 1000)]).await.unwrap();
    let splits = [
        vec![minute(-30), minute(300)],
        vec![minute(0), minute(60), minute(120), minute(180)],
        vec![minute(-17), minute(7), minute(65), minute(66), minute(241), minute(400)],
        (0..45).map(|k| minute(-31 + 7 * k)).collect(),
    ];
    for boundaries in &splits {
        let sums = store.sli_sums(&a, boundaries).await.unwrap();
        assert_eq!(sums, summed_minutes(&*store, &a, boundaries).await, "split at {boundaries:?}");
    }
    let whole = store.sli_sums(&a, &splits[0]).await.unwrap()[0];
    assert_eq!((whole.buckets, whole.total), (330, summed_minutes(&*store, &a, &splits[0]).await[0].total));
    assert!(whole.minutes_with_data < 330, "rewritten minutes without traffic are no data");
    // The other SLO kept its first counts.
    let other = store.sli_sums(&b, &splits[0]).await.unwrap();
    assert_eq!(other, [SliSums::of(&first)]);
    assert!(store.sli_sums(&a, &[]).await.unwrap().is_empty());
    assert!(store.sli_sums(&a, &[minute(0)]).await.unwrap().is_empty());
}

pub async fn sli_sums_hold_before_1970_and_across_sparse_writes(store: Arc<dyn Store>) {
    let s = slo("checkout-availability");
    let at = |m: i64| Bucket::new(Timestamp::from_second(60 * m).unwrap(), 1, 2).unwrap();
    // 1969-12-31T22:30 to 1970-01-01T01:30: negative instants round down to their hour.
    store.put_buckets(&s, &(-90..90).map(at).collect::<Vec<_>>()).await.unwrap();
    // One batch, two minutes a day apart: both hours, and nothing between, are re-summed.
    store
        .put_buckets(&s, &[Bucket::new(Timestamp::from_second(-600).unwrap(), 2, 2).unwrap(), at(1440)])
        .await
        .unwrap();
    let m = |m: i64| Timestamp::from_second(60 * m).unwrap();
    for boundaries in [vec![m(-120), m(0), m(60), m(2000)], vec![m(-95), m(-61), m(-1), m(1), m(89), m(1441)]] {
        let sums = store.sli_sums(&s, &boundaries).await.unwrap();
        assert_eq!(sums, summed_minutes(&*store, &s, &boundaries).await, "split at {boundaries:?}");
    }
    let sums = store.sli_sums(&s, &[m(-60), m(0)]).await.unwrap();
    assert_eq!(sums, [SliSums { good: 61, total: 120, minutes_with_data: 60, buckets: 60 }]);
}

fn correction(start: &str, end: &str, recurrence: Recurrence, reason: &str) -> Correction {
    Correction::new(CorrectionSpec {
        start: t(start),
        end: t(end),
        recurrence,
        until: None,
        reason: reason.into(),
        author: PersonId::parse("ana").unwrap(),
    })
    .unwrap()
}

pub async fn corrections_are_stored_with_their_audit_record(store: Arc<dyn Store>) {
    let (a, b) = (slo("checkout-availability"), slo("search-latency"));
    assert!(store.corrections(&a).await.unwrap().is_empty());
    let at = t("2026-03-01T10:00:00.123456Z");
    let first = correction("2026-03-01T02:00:00Z", "2026-03-01T02:30:00.5Z", Recurrence::Daily, "nightly ünïcode job");
    let second = correction("2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z", Recurrence::Once, "upstream outage");
    let audit = |c: &Correction| AuditEntry {
        actor: "ana".into(),
        action: "slo.correct".into(),
        subject: format!("slo/{}", a),
        reason: Some(c.reason().to_owned()),
        details: crate::to_json(c).unwrap(),
    };
    let s1 = store.add_correction(&a, &first, audit(&first), at).await.unwrap();
    let other = store.add_correction(&b, &second, entry("slo/search-latency", "slo.correct"), at).await.unwrap();
    let s2 = store.add_correction(&a, &second, audit(&second), at).await.unwrap();
    assert!(s1.id < other.id && other.id < s2.id, "ids ascend in the order of declaration");
    let listed = store.corrections(&a).await.unwrap();
    assert_eq!(listed, vec![s1.clone(), s2], "only this SLO's, oldest first, exactly as given");
    assert_eq!((listed[0].created_at, &listed[0].correction), (at, &first));
    assert_eq!(store.corrections(&b).await.unwrap().len(), 1);
    let all: Vec<(i64, String)> =
        store.all_corrections().await.unwrap().into_iter().map(|c| (c.id, c.slo.to_string())).collect();
    let expected = [(s1.id, a.to_string()), (other.id, b.to_string()), (listed[1].id, a.to_string())];
    assert_eq!(all, expected, "every SLO's, in the order declared");
    let records = store
        .audit(&AuditQuery { subject: Some("slo/checkout-availability".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].entry.reason.as_deref(), Some("nightly ünïcode job"));
    assert_eq!(verify_chain(&*store).await, 3);
}

fn write(kind: &str, id: &str, expected_version: i64, body: &str, due_at: Option<&str>) -> RecordWrite {
    RecordWrite { kind: kind.into(), id: id.into(), expected_version, body: body.into(), due_at: due_at.map(t) }
}

fn note(key: &str, subject: &str, not_before: &str) -> NewNotification {
    NewNotification {
        key: key.into(),
        subject: subject.into(),
        channel: r#"{"webhook":{"url":"http://127.0.0.1:9/"}}"#.into(),
        payload: format!(r#"{{"text":"{key}"}}"#),
        not_before: t(not_before),
    }
}

pub async fn a_commit_writes_records_audit_and_notifications_together(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00.000001Z");
    let commit = Commit {
        records: vec![
            write(
                "handover",
                "platform-sre/2026-03-02",
                0,
                r#"{"note":"disk on node-3 at 80%"}"#,
                Some("2026-03-02T10:00:00Z"),
            ),
            write("oncall-log", "platform-sre/0001", 0, r#"{"entry":"answered a question"}"#, None),
        ],
        alerts: Vec::new(),
        audit: vec![entry("rotation/platform-sre", "handover.write")],
        notifications: vec![note("handover/platform-sre/2026-03-02", "handover/platform-sre", "2026-03-02T09:00:00Z")],
    };
    assert_eq!(store.commit(&commit, at).await.unwrap(), vec![1, 1]);
    let got = store.record("handover", "platform-sre/2026-03-02").await.unwrap().unwrap();
    assert_eq!((got.version, got.body.as_str()), (1, r#"{"note":"disk on node-3 at 80%"}"#));
    assert_eq!((got.due_at, got.updated_at), (Some(t("2026-03-02T10:00:00Z")), at));
    assert!(store.record("handover", "nobody").await.unwrap().is_none());
    let listed = store.notifications(&NotificationQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].status, listed[0].attempts, listed[0].created_at), (DeliveryStatus::Pending, 0, at));
    assert_eq!(verify_chain(&*store).await, 1);

    let acked = Commit {
        records: vec![write("handover", "platform-sre/2026-03-02", 1, r#"{"acked":true}"#, None)],
        ..Default::default()
    };
    assert_eq!(store.revisions("handover", "platform-sre/2026-03-02").await.unwrap(), (0, 1));
    assert_eq!(store.commit(&acked, at).await.unwrap(), vec![2]);
    let got = store.record("handover", "platform-sre/2026-03-02").await.unwrap().unwrap();
    assert_eq!((got.version, got.due_at), (2, None), "a rewrite replaces the body and the due time");
    // The definitions revision and a record's version, read together; 0 for no record.
    assert_eq!(store.revisions("handover", "platform-sre/2026-03-02").await.unwrap(), (0, 2));
    assert_eq!(store.revisions("handover", "nobody").await.unwrap(), (0, 0));
    assert_eq!(verify_chain(&*store).await, 1, "a commit without audit records appends none");
}

pub async fn a_stale_commit_writes_nothing(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00Z");
    store
        .commit(&Commit { records: vec![write("swap", "s1", 0, "{}", None)], ..Default::default() }, at)
        .await
        .unwrap();
    let stale = Commit {
        records: vec![write("swap", "s2", 0, "{}", None), write("swap", "s1", 0, r#"{"again":1}"#, None)],
        alerts: Vec::new(),
        audit: vec![entry("swap/s1", "swap.request")],
        notifications: vec![note("k1", "swap/s1", "2026-03-02T09:00:00Z")],
    };
    assert!(matches!(store.commit(&stale, at).await, Err(StoreError::Conflict(_))), "s1 exists already");
    let wrong_version = Commit { records: vec![write("swap", "s1", 7, "{}", None)], ..Default::default() };
    assert!(matches!(store.commit(&wrong_version, at).await, Err(StoreError::Conflict(_))));
    let missing = Commit { records: vec![write("swap", "never", 1, "{}", None)], ..Default::default() };
    assert!(matches!(store.commit(&missing, at).await, Err(StoreError::Conflict(_))));
    assert!(store.record("swap", "s2").await.unwrap().is_none(), "the earlier write of the failed commit is gone");
    assert_eq!(store.record("swap", "s1").await.unwrap().unwrap().body, "{}");
    assert!(store.notifications(&NotificationQuery { limit: 10, ..Default::default() }).await.unwrap().is_empty());
    assert_eq!(verify_chain(&*store).await, 0);
}

pub async fn racing_commits_on_one_record_cannot_both_win(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00Z");
    store
        .commit(&Commit { records: vec![write("alert", "a", 0, "{}", None)], ..Default::default() }, at)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let c = Commit {
                records: vec![write("alert", "a", 1, &format!(r#"{{"by":{i}}}"#), None)],
                alerts: Vec::new(),
                audit: if i % 2 == 0 { vec![entry("alert/a", "alert.ack")] } else { Vec::new() },
                notifications: vec![note(&format!("k{i}"), "alert/a", "2026-03-02T09:00:00Z")],
            };
            store.commit(&c, at).await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(v) => {
                assert_eq!(v, vec![2]);
                won += 1;
            }
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("a racing commit failed with {e:?} instead of a conflict"),
        }
    }
    assert_eq!(won, 1);
    let queued = store.notifications(&NotificationQuery { limit: 100, ..Default::default() }).await.unwrap();
    assert_eq!(queued.len(), 1, "only the winner's notification is queued");
}

pub async fn records_are_listed_by_prefix_and_found_when_due(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00Z");
    let records = vec![
        write("alert", "streamhub/b", 0, "{}", Some("2026-03-02T09:05:00Z")),
        write("alert", "streamhub/a", 0, "{}", Some("2026-03-02T09:01:00Z")),
        write("alert", "streamhub_x/c", 0, "{}", None),
        write("alert", "stream%/d", 0, "{}", Some("2026-03-02T09:30:00Z")),
        write("waiver", "streamhub/a", 0, "{}", Some("2026-03-02T09:00:00Z")),
    ];
    store.commit(&Commit { records, ..Default::default() }, at).await.unwrap();
    let ids = |v: Vec<crate::StoredRecord>| v.into_iter().map(|r| format!("{}:{}", r.kind, r.id)).collect::<Vec<_>>();
    assert_eq!(ids(store.records("alert", "streamhub/").await.unwrap()), ["alert:streamhub/a", "alert:streamhub/b"]);
    assert_eq!(ids(store.records("alert", "stream%").await.unwrap()), ["alert:stream%/d"], "no LIKE wildcards");
    assert_eq!(store.records("alert", "").await.unwrap().len(), 4);
    assert_eq!(
        ids(store.due_records(t("2026-03-02T09:05:00Z"), 10).await.unwrap()),
        ["waiver:streamhub/a", "alert:streamhub/a", "alert:streamhub/b"],
        "due ones, soonest first, the due instant included"
    );
    assert_eq!(store.due_records(t("2026-03-02T09:05:00Z"), 1).await.unwrap().len(), 1);
    assert!(store.due_records(t("2026-03-02T08:59:59Z"), 10).await.unwrap().is_empty());
}

pub async fn a_notification_key_is_queued_once(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00Z");
    let c = Commit {
        notifications: vec![note("page/a/0/0/marta", "alert/a", "2026-03-02T09:00:00Z")],
        ..Default::default()
    };
    store.commit(&c, at).await.unwrap();
    store.commit(&c, at).await.unwrap();
    let listed = store.notifications(&NotificationQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(listed.len(), 1, "a repeated decision does not queue its message twice");
}

pub async fn outbox_claims_are_leases_and_attempts_are_settled(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00Z");
    let c = Commit {
        notifications: vec![
            note("n1", "alert/streamhub/x", "2026-03-02T09:00:00Z"),
            note("n2", "handover/platform-sre", "2026-03-02T09:00:00Z"),
            note("later", "alert/streamhub/y", "2026-03-02T10:00:00Z"),
        ],
        ..Default::default()
    };
    store.commit(&c, at).await.unwrap();
    let lease = std::time::Duration::from_secs(30);
    let mine = store.claim_notifications("w1", at, lease, 10).await.unwrap();
    assert_eq!(mine.iter().map(|n| n.key.as_str()).collect::<Vec<_>>(), ["n1", "n2"], "not one due later");
    assert!(store.claim_notifications("w2", t("2026-03-02T09:00:29Z"), lease, 10).await.unwrap().is_empty());
    // w1 went quiet: its lease runs out and w2 takes n2 over.
    let taken = store.claim_notifications("w2", t("2026-03-02T09:00:30Z"), lease, 1).await.unwrap();
    assert_eq!(taken.len(), 1);
    let (n1, n2) = (mine[0].id, mine[1].id);
    assert_eq!(taken[0].id, n1);
    assert!(matches!(
        store.settle_notification(n1, "w1", &Settle::Delivered, t("2026-03-02T09:00:31Z")).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.settle_notification(999_999, "w1", &Settle::Delivered, at).await,
        Err(StoreError::NotFound(_))
    ));
    let retry = Settle::Retry { at: t("2026-03-02T09:01:00Z"), error: "503 Service Unavailable".into() };
    store.settle_notification(n1, "w2", &retry, t("2026-03-02T09:00:31Z")).await.unwrap();
    store.settle_notification(n2, "w1", &Settle::Delivered, t("2026-03-02T09:00:32Z")).await.unwrap();
    assert!(store.claim_notifications("w1", t("2026-03-02T09:00:59Z"), lease, 10).await.unwrap().is_empty());
    let again = store.claim_notifications("w1", t("2026-03-02T09:01:00Z"), lease, 10).await.unwrap();
    assert_eq!(again.iter().map(|n| n.id).collect::<Vec<_>>(), [n1]);
    assert_eq!((again[0].attempts, again[0].last_error.as_deref()), (1, Some("503 Service Unavailable")));
    let dead = Settle::Dead { error: "400 Bad Request: unknown channel".into() };
    store.settle_notification(n1, "w1", &dead, t("2026-03-02T09:01:01Z")).await.unwrap();

    let q = |status, prefix: &str| NotificationQuery {
        status,
        subject_prefix: Some(prefix.into()),
        limit: 10,
        ..Default::default()
    };
    let dead = store.notifications(&q(Some(DeliveryStatus::Dead), "")).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].attempts, dead[0].settled_at), (2, Some(t("2026-03-02T09:01:01Z"))));
    let delivered = store.notifications(&q(Some(DeliveryStatus::Delivered), "")).await.unwrap();
    assert_eq!(delivered.iter().map(|n| n.key.as_str()).collect::<Vec<_>>(), ["n2"]);
    let alerts = store.notifications(&q(None, "alert/streamhub/")).await.unwrap();
    assert_eq!(alerts.iter().map(|n| n.key.as_str()).collect::<Vec<_>>(), ["later", "n1"], "newest first");
    assert!(
        matches!(store.settle_notification(n2, "w1", &Settle::Delivered, at).await, Err(StoreError::Conflict(_))),
        "a settled message cannot be settled again"
    );
}

pub async fn racing_senders_never_hold_the_same_message(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00Z");
    let notifications = (0..200).map(|i| note(&format!("n{i:03}"), "alert/x", "2026-03-02T09:00:00Z")).collect();
    store.commit(&Commit { notifications, ..Default::default() }, at).await.unwrap();
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let worker = format!("w{w}");
            let mut held = Vec::new();
            loop {
                let got = store.claim_notifications(&worker, at, std::time::Duration::from_secs(60), 7).await.unwrap();
                if got.is_empty() {
                    break held;
                }
                for n in got {
                    store.settle_notification(n.id, &worker, &Settle::Delivered, at).await.unwrap();
                    held.push(n.id);
                }
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort_unstable();
    let before = all.len();
    all.dedup();
    assert_eq!((before, all.len()), (200, 200), "every message sent once, by one sender");
}

pub async fn records_and_settles_are_batched_in_one_call(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00Z");
    // More than one chunk of bound parameters (SQLite reads 500 ids a query).
    let mut records: Vec<RecordWrite> =
        (0..600).map(|i| write("alert", &format!("streamhub/{i:03}"), 0, &format!(r#"{{"n":{i}}}"#), None)).collect();
    records.push(write("waiver", "streamhub/001", 0, "{}", None));
    store.commit(&Commit { records, ..Default::default() }, at).await.unwrap();
    let ask: Vec<String> = ["streamhub/599", "streamhub/001", "streamhub/nope", "streamhub/001", "streamhub/%"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let got = store.records_by_id("alert", &ask).await.unwrap();
    let got: Vec<(&str, &str)> = got.iter().map(|r| (r.id.as_str(), r.body.as_str())).collect();
    assert_eq!(got, [("streamhub/001", r#"{"n":1}"#), ("streamhub/599", r#"{"n":599}"#)], "existing ones, by id, once");
    let all: Vec<String> = (0..600).rev().map(|i| format!("streamhub/{i:03}")).collect();
    assert_eq!(store.records_by_id("alert", &all).await.unwrap().len(), 600);
    // A large commit is all or nothing too, and names the record that was taken.
    let mut records: Vec<RecordWrite> =
        (600..750).map(|i| write("alert", &format!("streamhub/{i:03}"), 0, "{}", None)).collect();
    records.insert(97, write("alert", "streamhub/042", 0, "{}", None));
    let notifications = (0..150).map(|i| note(&format!("big{i}"), "alert/x", "2026-03-02T09:00:00Z")).collect();
    let big = Commit { records, notifications, ..Default::default() };
    match store.commit(&big, at).await {
        Err(StoreError::Conflict(e)) => assert!(e.contains("streamhub/042"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(store.record("alert", "streamhub/600").await.unwrap().is_none());
    assert!(store.notifications(&NotificationQuery { limit: 10, ..Default::default() }).await.unwrap().is_empty());
    let mut ok = big.clone();
    ok.records.remove(97);
    ok.notifications.extend(ok.notifications.clone());
    assert_eq!(store.commit(&ok, at).await.unwrap(), vec![1; 150]);
    assert_eq!(store.records_by_id("alert", &["streamhub/749".to_owned()]).await.unwrap().len(), 1);
    let queued = store.notifications(&NotificationQuery { limit: 1000, ..Default::default() }).await.unwrap();
    assert_eq!(queued.len(), 150, "each key once");
    assert!(store.records_by_id("alert", &[]).await.unwrap().is_empty());

    let lease = std::time::Duration::from_secs(30);
    let earlier = store.claim_notifications("w0", at, lease, 1000).await.unwrap();
    let delivered: Vec<(i64, Settle)> = earlier.iter().map(|n| (n.id, Settle::Delivered)).collect();
    assert!(store.settle_notifications("w0", &delivered, at).await.unwrap().iter().all(|held| *held));
    let notifications = ["s1", "s2", "s3"].iter().map(|k| note(k, "alert/x", "2026-03-02T09:00:00Z")).collect();
    store.commit(&Commit { notifications, ..Default::default() }, at).await.unwrap();
    let mine = store.claim_notifications("w1", at, lease, 10).await.unwrap();
    let (s1, s2, s3) = (mine[0].id, mine[1].id, mine[2].id);
    // w1's lease on s3 ran out and w2 took it over.
    store.settle_notification(s3, "w1", &Settle::Retry { at, error: "timeout".into() }, at).await.unwrap();
    assert_eq!(store.claim_notifications("w2", at, lease, 10).await.unwrap()[0].id, s3);
    let retry = Settle::Retry { at: t("2026-03-02T09:01:00Z"), error: "503 Service Unavailable".into() };
    let outcomes = [(s1, Settle::Delivered), (s2, retry), (s3, Settle::Delivered), (999_999, Settle::Delivered)];
    let held = store.settle_notifications("w1", &outcomes, t("2026-03-02T09:00:05Z")).await.unwrap();
    assert_eq!(held, [true, true, false, false], "only what w1 still held is recorded");
    let listed = store.notifications(&NotificationQuery { limit: 1000, ..Default::default() }).await.unwrap();
    let by_key = |k: &str| listed.iter().find(|n| n.key == k).unwrap().clone();
    assert_eq!(
        (by_key("s1").status, by_key("s1").settled_at),
        (DeliveryStatus::Delivered, Some(t("2026-03-02T09:00:05Z")))
    );
    let s2 = by_key("s2");
    assert_eq!((s2.status, s2.attempts, s2.next_attempt_at), (DeliveryStatus::Pending, 1, t("2026-03-02T09:01:00Z")));
    assert_eq!(s2.last_error.as_deref(), Some("503 Service Unavailable"));
    assert_eq!((by_key("s3").status, by_key("s3").attempts), (DeliveryStatus::Pending, 1), "still w2's");
    assert!(store.settle_notifications("w1", &[], at).await.unwrap().is_empty());
}

pub async fn messages_claimed_as_they_are_queued_are_handed_over_not_claimed_again(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00Z");
    let lease = std::time::Duration::from_secs(30);
    store
        .commit(
            &Commit { notifications: vec![note("old", "alert/x", "2026-03-02T09:00:00Z")], ..Default::default() },
            at,
        )
        .await
        .unwrap();
    let queue = crate::SenderQueue::new("w1", lease);
    let claim = queue.claim(at);
    assert_eq!(claim.until, t("2026-03-02T09:00:30Z"));
    let mut records: Vec<RecordWrite> = (0..70).map(|i| write("alert", &format!("a/{i:02}"), 0, "{}", None)).collect();
    records.push(write("integration", "a.x", 0, "{}", None));
    // 70 new messages (more than one multi-row insert) and one queued already.
    let mut notifications: Vec<_> =
        (0..70).map(|i| note(&format!("n{i:02}"), "alert/a", "2026-03-02T09:00:00Z")).collect();
    notifications.insert(3, note("old", "alert/x", "2026-03-02T09:00:00Z"));
    let commit = Commit { records, notifications, ..Default::default() };
    let (versions, queued) = store.commit_claiming(&commit, at, &claim).await.unwrap();
    assert_eq!(versions, vec![1; 71]);
    let keys: Vec<&str> = queued.iter().map(|n| n.key.as_str()).collect();
    let expected: Vec<String> = (0..70).map(|i| format!("n{i:02}")).collect();
    assert_eq!(keys, expected, "the new ones, in order; not the one queued before");
    assert!(queued.iter().all(|n| n.status == DeliveryStatus::Pending && n.attempts == 0 && n.created_at == at));
    let listed = store.notifications(&NotificationQuery { limit: 1000, ..Default::default() }).await.unwrap();
    let stored_id = |key: &str| listed.iter().find(|n| n.key == key).unwrap().id;
    assert!(queued.iter().all(|n| n.id == stored_id(&n.key)), "each answered with its stored id");

    // Another sender cannot claim them while the claim lasts; only the message queued before.
    let other = store.claim_notifications("w2", t("2026-03-02T09:00:29Z"), lease, 100).await.unwrap();
    assert_eq!(other.iter().map(|n| n.key.as_str()).collect::<Vec<_>>(), ["old"]);
    // w1 settles what it was handed without claiming it.
    queue.push(&claim, queued);
    let mine = queue.take(t("2026-03-02T09:00:01Z"), std::time::Duration::from_secs(10), 60);
    assert_eq!(mine.len(), 60);
    let outcomes: Vec<(i64, Settle)> = mine.iter().map(|n| (n.id, Settle::Delivered)).collect();
    let held = store.settle_notifications("w1", &outcomes, t("2026-03-02T09:00:02Z")).await.unwrap();
    assert!(held.iter().all(|h| *h));
    // What is still in memory when its claim is about to run out is not handed over: after
    // the lease, the store gives it to whichever sender claims first.
    assert!(queue.take(t("2026-03-02T09:00:21Z"), std::time::Duration::from_secs(10), 60).is_empty());
    assert!(queue.is_empty());
    let after = store.claim_notifications("w2", t("2026-03-02T09:00:30Z"), lease, 100).await.unwrap();
    assert_eq!(after.iter().map(|n| n.key.as_str()).collect::<Vec<_>>(), expected[60..].to_vec());
    let delivered = store
        .notifications(&NotificationQuery {
            status: Some(DeliveryStatus::Delivered),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(delivered.len(), 60);
}

fn alert_write(id: &str, expected_version: i64, open: bool, sort_at: Timestamp, due_at: Option<&str>) -> AlertWrite {
    AlertWrite {
        id: id.into(),
        expected_version,
        service: id.split('/').next().unwrap().into(),
        open,
        sort_at,
        body: format!(r#"{{"id":"{id}","v":{}}}"#, expected_version + 1),
        due_at: due_at.map(t),
    }
}

fn alert_ids(alerts: &[StoredAlert]) -> Vec<&str> {
    alerts.iter().map(|a| a.id.as_str()).collect()
}

pub async fn alerts_are_written_with_their_commit_and_checked_like_records(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00.000001Z");
    let opened = t("2026-03-02T08:59:59.5Z");
    let first = Commit {
        records: vec![write("integration", "checkout.am", 0, "{}", None)],
        alerts: vec![
            alert_write("checkout/disk", 0, true, opened, Some("2026-03-02T09:05:00Z")),
            alert_write("checkout/cpu", 0, false, opened, None),
        ],
        audit: vec![entry("alert/checkout/disk", "alert.open")],
        notifications: vec![note("p1", "alert/checkout/disk", "2026-03-02T09:00:00Z")],
    };
    assert_eq!(store.commit(&first, at).await.unwrap(), vec![1, 1, 1], "records', then alerts' versions");
    let disk = store.alert("checkout/disk").await.unwrap().unwrap();
    let expected = StoredAlert {
        id: "checkout/disk".into(),
        version: 1,
        service: "checkout".into(),
        open: true,
        sort_at: opened,
        body: r#"{"id":"checkout/disk","v":1}"#.into(),
        due_at: Some(t("2026-03-02T09:05:00Z")),
        updated_at: at,
        due_failures: 0,
        due_error: None,
    };
    assert_eq!(disk, expected);
    assert!(store.alert("checkout/nope").await.unwrap().is_none());
    let ask: Vec<String> = ["checkout/disk", "checkout/nope", "checkout/cpu", "checkout/disk", "checkout/%"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(alert_ids(&store.alerts_by_id(&ask).await.unwrap()), ["checkout/cpu", "checkout/disk"], "by id, once");
    assert!(store.alerts_by_id(&[]).await.unwrap().is_empty());
    assert!(store.record("alert", "checkout/disk").await.unwrap().is_none(), "not a record");

    // Any alert that fails its check fails the whole commit: records, audit and outbox too.
    let audited = verify_chain(&*store).await;
    let refused = [
        alert_write("checkout/cpu", 0, true, at, None),
        alert_write("checkout/disk", 7, true, at, None),
        alert_write("checkout/never", 1, true, at, None),
    ];
    for (i, refused) in refused.into_iter().enumerate() {
        let stale = Commit {
            records: vec![
                write("integration", "checkout.am", 1, r#"{"x":1}"#, None),
                write("swap", "s1", 0, "{}", None),
            ],
            alerts: vec![alert_write(&format!("checkout/new{i}"), 0, true, at, None), refused],
            audit: vec![entry("alert/checkout/cpu", "alert.ack")],
            notifications: vec![note(&format!("refused{i}"), "alert/checkout/cpu", "2026-03-02T09:00:00Z")],
        };
        match store.commit(&stale, at).await {
            Err(StoreError::Conflict(e)) => assert!(e.contains("checkout/"), "{e}"),
            other => panic!("{other:?}"),
        }
    }
    // Twice in one commit is one write too many.
    let twice = Commit {
        alerts: vec![
            alert_write("checkout/twice", 0, true, at, None),
            alert_write("checkout/twice", 0, true, at, None),
        ],
        ..Default::default()
    };
    assert!(matches!(store.commit(&twice, at).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.record("integration", "checkout.am").await.unwrap().unwrap().version, 1);
    assert!(store.record("swap", "s1").await.unwrap().is_none());
    assert!(store.alert("checkout/new0").await.unwrap().is_none());
    assert!(store.alert("checkout/twice").await.unwrap().is_none());
    assert_eq!(store.alert("checkout/disk").await.unwrap().unwrap(), expected);
    let queued = store.notifications(&NotificationQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(queued.iter().map(|n| n.key.as_str()).collect::<Vec<_>>(), ["p1"]);
    assert_eq!(verify_chain(&*store).await, audited);

    // Resolved: a new version, a new body, closed, not due.
    let later = t("2026-03-02T09:10:00Z");
    let resolved = Commit {
        records: vec![write("integration", "checkout.am", 1, "{}", None)],
        alerts: vec![
            alert_write("checkout/disk", 1, false, later, None),
            alert_write("checkout/new", 0, true, later, None),
        ],
        ..Default::default()
    };
    assert_eq!(store.commit(&resolved, later).await.unwrap(), vec![2, 2, 1]);
    let disk = store.alert("checkout/disk").await.unwrap().unwrap();
    assert_eq!((disk.version, disk.open, disk.sort_at, disk.due_at, disk.updated_at), (2, false, later, None, later));
    assert_eq!(disk.body, r#"{"id":"checkout/disk","v":2}"#);
}

async fn every_page(store: &dyn Store, service: Option<&str>, open_only: bool, limit: i64) -> Vec<StoredAlert> {
    let mut all: Vec<StoredAlert> = Vec::new();
    loop {
        let after = all.last().map(|a| AlertCursor { sort_at: a.sort_at, id: a.id.clone() });
        let query = AlertListQuery { service: service.map(str::to_owned), open_only, after, limit };
        let page = store.list_alerts(&query).await.unwrap();
        assert!(page.len() as i64 <= limit);
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}

pub async fn alerts_are_listed_newest_first_a_page_at_a_time(store: Arc<dyn Store>) {
    let base = t("2026-03-02T00:00:00Z").as_microsecond();
    // Three alerts an instant, so a page often ends between two of one instant; every
    // fifth is closed; two services, interleaved.
    let alerts: Vec<AlertWrite> = (0..250)
        .map(|i| {
            let service = if i % 2 == 0 { "checkout" } else { "ledger" };
            let sort_at = Timestamp::from_microsecond(base + (i / 3) * 1_000_000).unwrap();
            alert_write(&format!("{service}/k{i:03}"), 0, i % 5 != 0, sort_at, None)
        })
        .collect();
    let mut expected = alerts.clone();
    expected.sort_by(|a, b| (b.sort_at, &b.id).cmp(&(a.sort_at, &a.id)));
    let versions = store.commit(&Commit { alerts, ..Default::default() }, t("2026-03-02T09:00:00Z")).await.unwrap();
    assert_eq!(versions, vec![1; 250]);
    let ids = |filter: &dyn Fn(&AlertWrite) -> bool| -> Vec<String> {
        expected.iter().filter(|a| filter(a)).map(|a| a.id.clone()).collect()
    };
    let got = |listed: Vec<StoredAlert>| -> Vec<String> { listed.into_iter().map(|a| a.id).collect() };

    let open = got(every_page(&*store, None, true, 7).await);
    assert_eq!(open.len(), 200);
    assert_eq!(open, ids(&|a| a.open), "every open alert once, newest first");
    assert_eq!(got(every_page(&*store, None, false, 50).await), ids(&|_| true));
    assert_eq!(got(every_page(&*store, Some("ledger"), false, 9).await), ids(&|a| a.service == "ledger"));
    assert_eq!(got(every_page(&*store, Some("checkout"), true, 1).await), ids(&|a| a.service == "checkout" && a.open));
    assert!(every_page(&*store, Some("nobody"), true, 10).await.is_empty());
    // A page starts strictly after its cursor, even among alerts of the same instant.
    let all = every_page(&*store, None, false, 100).await;
    let tie = all.windows(2).find(|w| w[0].sort_at == w[1].sort_at).expect("two alerts of one instant");
    let after = AlertCursor { sort_at: tie[0].sort_at, id: tie[0].id.clone() };
    let next = store.list_alerts(&AlertListQuery { after: Some(after), limit: 1, ..Default::default() }).await.unwrap();
    assert_eq!(next, tie[1..]);
    for limit in [0, -1] {
        let refused = store.list_alerts(&AlertListQuery { limit, ..Default::default() }).await;
        assert!(refused.is_err(), "a limit of {limit} is a mistake, not an empty page");
    }
}

pub async fn due_alerts_come_soonest_first(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00Z");
    let alerts = vec![
        alert_write("a/late", 0, true, at, Some("2026-03-02T09:30:00Z")),
        alert_write("a/b", 0, true, at, Some("2026-03-02T09:05:00Z")),
        alert_write("a/a", 0, true, at, Some("2026-03-02T09:05:00Z")),
        alert_write("a/first", 0, true, at, Some("2026-03-02T09:01:00Z")),
        alert_write("a/never", 0, false, at, None),
    ];
    store.commit(&Commit { alerts, ..Default::default() }, at).await.unwrap();
    let now = t("2026-03-02T09:05:00Z");
    assert_eq!(alert_ids(&store.due_alerts(now, 10).await.unwrap()), ["a/first", "a/a", "a/b"], "the instant included");
    assert_eq!(alert_ids(&store.due_alerts(now, 2).await.unwrap()), ["a/first", "a/a"]);
    assert!(store.due_alerts(t("2026-03-02T09:00:59Z"), 10).await.unwrap().is_empty());
    assert!(store.due_alerts(now, 0).await.is_err());
}

pub async fn deferred_due_work_keeps_its_version_and_the_next_write_clears_it(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00Z");
    let due = "2026-03-02T09:01:00Z";
    let c = Commit {
        records: vec![write("waiver", "w1", 0, "{}", Some(due))],
        alerts: vec![alert_write("a/x", 0, true, at, Some(due))],
        ..Default::default()
    };
    store.commit(&c, at).await.unwrap();
    let (first, second) = (t("2026-03-02T09:06:00Z"), t("2026-03-02T09:16:00Z"));
    assert!(store.defer_record("waiver", "w1", 1, first, "handler: boom").await.unwrap());
    assert!(store.defer_alert("a/x", 1, first, "page: 503").await.unwrap());
    let r = store.record("waiver", "w1").await.unwrap().unwrap();
    assert_eq!(
        (r.version, r.due_at, r.due_failures, r.due_error.as_deref(), r.updated_at),
        (1, Some(first), 1, Some("handler: boom"), at),
        "no new version"
    );
    let a = store.alert("a/x").await.unwrap().unwrap();
    assert_eq!((a.version, a.due_at, a.due_failures, a.due_error.as_deref()), (1, Some(first), 1, Some("page: 503")));
    // No longer due before its new time: healthy work goes first.
    let before = t("2026-03-02T09:05:59Z");
    assert!(store.due_records(before, 10).await.unwrap().is_empty());
    assert!(store.due_alerts(before, 10).await.unwrap().is_empty());
    assert_eq!(store.due_records(first, 10).await.unwrap().len(), 1);
    assert_eq!(alert_ids(&store.due_alerts(first, 10).await.unwrap()), ["a/x"]);

    assert!(store.defer_record("waiver", "w1", 1, second, "handler: bang").await.unwrap());
    assert!(store.defer_alert("a/x", 1, second, "page: timeout").await.unwrap());
    let r = store.record("waiver", "w1").await.unwrap().unwrap();
    assert_eq!(
        (r.version, r.due_at, r.due_failures, r.due_error.as_deref()),
        (1, Some(second), 2, Some("handler: bang"))
    );
    let a = store.alert("a/x").await.unwrap().unwrap();
    assert_eq!(
        (a.version, a.due_at, a.due_failures, a.due_error.as_deref()),
        (1, Some(second), 2, Some("page: timeout"))
    );
    // Many at once, in one call: each answered, each as if deferred alone.
    let third = t("2026-03-02T09:18:00Z");
    let many = |kind: Option<&str>, id: &str, version: i64| crate::Deferral {
        kind: kind.map(str::to_owned),
        id: id.into(),
        version,
        next_at: third,
        error: "in a batch".into(),
    };
    let batch = [many(Some("waiver"), "w1", 1), many(None, "a/x", 1), many(None, "a/x", 7), many(Some("x"), "y", 1)];
    assert_eq!(store.defer_due(&batch).await.unwrap(), [true, true, false, false]);
    let r = store.record("waiver", "w1").await.unwrap().unwrap();
    assert_eq!((r.version, r.due_at, r.due_failures, r.due_error.as_deref()), (1, Some(third), 3, Some("in a batch")));
    let a = store.alert("a/x").await.unwrap().unwrap();
    assert_eq!((a.version, a.due_at, a.due_failures), (1, Some(third), 3));
    assert!(store.defer_due(&[]).await.unwrap().is_empty());
    assert!(store.defer_record("waiver", "w1", 1, second, "handler: bang").await.unwrap());
    assert!(store.defer_alert("a/x", 1, second, "page: timeout").await.unwrap());

    // Someone else's version, or nothing at all: not deferred.
    assert!(!store.defer_record("waiver", "w1", 2, second, "x").await.unwrap());
    assert!(!store.defer_record("waiver", "nope", 1, second, "x").await.unwrap());
    assert!(!store.defer_alert("a/x", 2, second, "x").await.unwrap());
    assert!(!store.defer_alert("a/nope", 1, second, "x").await.unwrap());
    assert_eq!(store.record("waiver", "w1").await.unwrap().unwrap().due_failures, 4);

    // The handler's next write, from the version it read, succeeds and clears them.
    let next = Commit {
        records: vec![write("waiver", "w1", 1, r#"{"done":1}"#, None)],
        alerts: vec![alert_write("a/x", 1, true, at, Some("2026-03-02T09:20:00Z"))],
        ..Default::default()
    };
    assert_eq!(store.commit(&next, second).await.unwrap(), vec![2, 2]);
    let r = store.record("waiver", "w1").await.unwrap().unwrap();
    assert_eq!((r.version, r.due_at, r.due_failures, r.due_error), (2, None, 0, None));
    let a = store.alert("a/x").await.unwrap().unwrap();
    assert_eq!((a.version, a.due_at, a.due_failures, a.due_error), (2, Some(t("2026-03-02T09:20:00Z")), 0, None));
}

pub async fn hastening_an_alert_only_moves_it_earlier(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00Z");
    let alerts = vec![
        alert_write("a/due", 0, true, at, Some("2026-03-02T09:10:00Z")),
        alert_write("a/idle", 0, false, at, None),
    ];
    store.commit(&Commit { alerts, ..Default::default() }, at).await.unwrap();
    store.hasten_alert("a/due", t("2026-03-02T09:01:00Z")).await.unwrap();
    assert_eq!(store.alert("a/due").await.unwrap().unwrap().due_at, Some(t("2026-03-02T09:01:00Z")));
    store.hasten_alert("a/due", t("2026-03-02T09:05:00Z")).await.unwrap();
    let due = store.alert("a/due").await.unwrap().unwrap();
    assert_eq!((due.due_at, due.version), (Some(t("2026-03-02T09:01:00Z")), 1), "never later, no new version");
    store.hasten_alert("a/idle", at).await.unwrap();
    assert_eq!(store.alert("a/idle").await.unwrap().unwrap().due_at, None, "an alert not due stays so");
    store.hasten_alert("a/nope", at).await.unwrap();
    assert!(store.alert("a/nope").await.unwrap().is_none());
}

pub async fn a_postponement_counts_no_attempt(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00Z");
    let notifications =
        vec![note("n1", "alert/a", "2026-03-02T09:00:00Z"), note("n2", "alert/a", "2026-03-02T09:00:00Z")];
    store.commit(&Commit { notifications, ..Default::default() }, at).await.unwrap();
    let lease = std::time::Duration::from_secs(30);
    let mine = store.claim_notifications("w1", at, lease, 10).await.unwrap();
    let (n1, n2) = (mine[0].id, mine[1].id);
    let retry = Settle::Retry { at: t("2026-03-02T09:00:10Z"), error: "503 Service Unavailable".into() };
    store.settle_notification(n1, "w1", &retry, at).await.unwrap();
    let again = store.claim_notifications("w1", t("2026-03-02T09:00:10Z"), lease, 10).await.unwrap();
    assert_eq!(again.iter().map(|n| n.id).collect::<Vec<_>>(), [n1]);
    let later = t("2026-03-02T09:00:20Z");
    store.settle_notification(n1, "w1", &Settle::Postpone { at: later }, at).await.unwrap();
    let held = store.settle_notifications("w1", &[(n2, Settle::Postpone { at: later })], at).await.unwrap();
    assert_eq!(held, [true]);
    let n1 = store.notification(n1).await.unwrap().unwrap();
    assert_eq!(
        (n1.status, n1.attempts, n1.next_attempt_at, n1.last_error.as_deref(), n1.settled_at),
        (DeliveryStatus::Pending, 1, later, Some("503 Service Unavailable"), None),
        "not an attempt: counted once, the retry's error kept"
    );
    let n2 = store.notification(n2).await.unwrap().unwrap();
    assert_eq!((n2.attempts, n2.next_attempt_at, n2.last_error), (0, later, None));
    // Released: any sender takes them from then on, not before.
    assert!(store.claim_notifications("w2", t("2026-03-02T09:00:19Z"), lease, 10).await.unwrap().is_empty());
    assert_eq!(store.claim_notifications("w2", later, lease, 10).await.unwrap().len(), 2);
    assert!(store.notification(999_999).await.unwrap().is_none());
}

/// Queues `keys` at `at`, claims them as `w` and settles each as `outcome` says.
async fn queue_and_settle(store: &dyn Store, at: &str, outcomes: &[(&str, Settle)]) -> Vec<i64> {
    let at = t(at);
    let notifications = outcomes.iter().map(|(k, _)| note(k, &format!("alert/{k}"), "2000-01-01T00:00:00Z")).collect();
    store.commit(&Commit { notifications, ..Default::default() }, at).await.unwrap();
    let claimed = store.claim_notifications("w", at, std::time::Duration::from_secs(30), 100).await.unwrap();
    let ids: Vec<i64> = outcomes.iter().map(|(k, _)| claimed.iter().find(|n| n.key == *k).unwrap().id).collect();
    let settle: Vec<(i64, Settle)> = ids.iter().zip(outcomes).map(|(id, (_, s))| (*id, s.clone())).collect();
    assert!(store.settle_notifications("w", &settle, at).await.unwrap().iter().all(|h| *h));
    ids
}

pub async fn a_dead_letter_is_sent_again_with_its_audit_record(store: Arc<dyn Store>) {
    let dead = Settle::Dead { error: "400 Bad Request".into() };
    let retry = Settle::Retry { at: t("2026-03-02T10:00:00Z"), error: "503".into() };
    let ids = queue_and_settle(
        &*store,
        "2026-03-02T09:00:00Z",
        &[("dead", dead), ("delivered", Settle::Delivered), ("pending", retry)],
    )
    .await;
    let (dead, delivered, pending) = (ids[0], ids[1], ids[2]);
    let at = t("2026-03-02T09:30:00.000001Z");
    let resend = |subject: &str| AuditEntry {
        actor: "ana".into(),
        action: "notification.requeue".into(),
        subject: subject.into(),
        reason: Some("the webhook is fixed".into()),
        details: "{}".into(),
    };
    let again = store.requeue_notification(dead, resend("notification/dead"), at).await.unwrap();
    assert_eq!(
        (again.status, again.attempts, again.next_attempt_at, again.requeued_at, again.settled_at),
        (DeliveryStatus::Pending, 1, at, Some(at), None),
        "pending from now, its attempts kept"
    );
    assert_eq!(again.retrying_since(), at);
    assert_eq!(store.notification(dead).await.unwrap().unwrap(), again);
    let log = store
        .audit(&AuditQuery { subject: Some("notification/dead".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].at, log[0].entry.action.as_str()), (at, "notification.requeue"));
    assert_eq!(verify_chain(&*store).await, 1);
    // Nobody holds it: any sender claims it now.
    let claimed = store.claim_notifications("w2", at, std::time::Duration::from_secs(30), 10).await.unwrap();
    assert_eq!(claimed.iter().map(|n| n.id).collect::<Vec<_>>(), [dead]);
    assert_eq!(claimed[0].requeued_at, Some(at));

    // Only a dead letter is sent again; a refused re-send writes no audit record.
    for id in [dead, pending, delivered] {
        let refused = store.requeue_notification(id, resend("notification/x"), at).await;
        assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    }
    let refused = store.requeue_notification(999_999, resend("notification/x"), at).await;
    assert!(matches!(refused, Err(StoreError::NotFound(_))), "{refused:?}");
    assert_eq!(verify_chain(&*store).await, 1);
    assert_eq!(store.notification(delivered).await.unwrap().unwrap().status, DeliveryStatus::Delivered);
}

pub async fn outbox_stats_count_pending_and_dead_messages(store: Arc<dyn Store>) {
    assert_eq!(store.outbox_stats().await.unwrap(), OutboxStats::default());
    let dead = || Settle::Dead { error: "400".into() };
    let later = || Settle::Retry { at: t("2026-03-03T00:00:00Z"), error: "503".into() };
    let first = queue_and_settle(
        &*store,
        "2026-03-02T09:00:00Z",
        &[("d1", dead()), ("p1", later()), ("ok", Settle::Delivered)],
    )
    .await;
    let ids = queue_and_settle(&*store, "2026-03-02T09:10:00Z", &[("d2", dead()), ("p2", later())]).await;
    let fresh = Commit { notifications: vec![note("p3", "alert/p3", "2026-03-02T09:20:00Z")], ..Default::default() };
    store.commit(&fresh, t("2026-03-02T09:20:00Z")).await.unwrap();
    let stats = store.outbox_stats().await.unwrap();
    assert_eq!(stats, OutboxStats { pending: 3, dead: 2, oldest_pending: Some(t("2026-03-02T09:00:00Z")) });
    // The oldest is the first queued of the pending messages: a dead letter queued after
    // it and sent again leaves it the oldest.
    store
        .requeue_notification(ids[0], entry("notification/d2", "notification.requeue"), t("2026-03-02T09:30:00Z"))
        .await
        .unwrap();
    let stats = store.outbox_stats().await.unwrap();
    assert_eq!(stats, OutboxStats { pending: 4, dead: 1, oldest_pending: Some(t("2026-03-02T09:00:00Z")) });
    // A re-sent dead letter queued before it counts from its re-send, not its creation.
    let requeued = t("2026-03-02T09:40:00Z");
    store.requeue_notification(first[0], entry("notification/d1", "notification.requeue"), requeued).await.unwrap();
    let stats = store.outbox_stats().await.unwrap();
    assert_eq!(stats, OutboxStats { pending: 5, dead: 0, oldest_pending: Some(requeued) });
}

pub async fn a_key_prefix_finds_exactly_the_keys_that_start_with_it(store: Arc<dyn Store>) {
    let at = t("2026-03-02T09:00:00Z");
    // `1700/` ends at `17000` ('0' follows '/'): keys sharing only `1700`, the bound
    // itself and keys just past it or just before the prefix are all out.
    let keys = [
        ("1700", "alert/a"),
        ("1700.", "alert/a"),
        ("1700/", "alert/a"),
        ("1700/a", "alert/a"),
        ("1700/b/%_", "alert/b"),
        ("1700/é", "alert/a"),
        ("1700/\u{10FFFF}", "alert/b"),
        ("17000", "alert/a"),
        ("17000/a", "alert/a"),
        ("170", "alert/a"),
        ("2700/a", "alert/a"),
    ];
    let notifications = keys.iter().map(|(k, s)| note(k, s, "2026-03-02T09:00:00Z")).collect();
    store.commit(&Commit { notifications, ..Default::default() }, at).await.unwrap();
    let list = |key_prefix: &str, subject: Option<&str>| {
        let store = store.clone();
        let q = NotificationQuery {
            key_prefix: Some(key_prefix.into()),
            subject: subject.map(str::to_owned),
            limit: 100,
            ..Default::default()
        };
        async move { store.notifications(&q).await.unwrap().into_iter().map(|n| n.key).collect::<Vec<_>>() }
    };
    assert_eq!(
        list("1700/", None).await,
        ["1700/\u{10FFFF}", "1700/é", "1700/b/%_", "1700/a", "1700/"],
        "newest first"
    );
    assert_eq!(list("1700/", Some("alert/b")).await, ["1700/\u{10FFFF}", "1700/b/%_"]);
    assert_eq!(list("1700/b/%", None).await, ["1700/b/%_"], "no LIKE wildcards");
    assert_eq!(list("1700/\u{10FFFF}", None).await, ["1700/\u{10FFFF}"], "a prefix ending in the last character");
    assert_eq!(list("17000", None).await, ["17000/a", "17000"]);
    assert!(list("1699", None).await.is_empty());
    let exact = NotificationQuery { subject: Some("alert/b".into()), limit: 100, ..Default::default() };
    let exact: Vec<String> = store.notifications(&exact).await.unwrap().into_iter().map(|n| n.key).collect();
    assert_eq!(exact, ["1700/\u{10FFFF}", "1700/b/%_"], "the subject exactly");
    let prefixed = NotificationQuery { subject_prefix: Some("alert/".into()), limit: 3, ..Default::default() };
    assert_eq!(store.notifications(&prefixed).await.unwrap().len(), 3);
}
