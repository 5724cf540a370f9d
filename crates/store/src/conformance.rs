//! Stories every backend must pass, run by each backend's tests through
//! [`conformance_tests!`](crate::conformance_tests) with a fresh, empty store per story.

use crate::{AuditQuery, NewSession, NewToken, Store, StoreError};
use baton_core::audit::{AuditEntry, Verifier};
use baton_core::definition::diff;
use baton_core::org::{Person, ServiceDef, ServiceLinks};
use baton_core::pipeline::{ServiceRecord, Stage};
use baton_core::{Definition, Org, PersonId, ServiceId, TeamId, Timestamp};
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
    let session = |hash: &str, created: &str, expires: &str| NewSession {
        hash: hash.repeat(64),
        person: PersonId::parse("ana").unwrap(),
        csrf: format!("csrf-{hash}"),
        created_at: t(created),
        expires_at: t(expires),
    };
    let old = session("a", "2026-01-01T00:00:00Z", "2026-01-01T12:00:00Z");
    store.create_session(&old, entry("session/ana", "session.start")).await.unwrap();
    let found = store.session_by_hash(&old.hash).await.unwrap().unwrap();
    assert_eq!((found.person.as_str(), found.csrf.as_str(), found.expires_at), ("ana", "csrf-a", old.expires_at));

    let new = session("b", "2026-01-02T00:00:00Z", "2026-01-02T12:00:00Z");
    store.create_session(&new, entry("session/ana", "session.start")).await.unwrap();
    assert!(store.session_by_hash(&old.hash).await.unwrap().is_none(), "expired sessions are forgotten");

    store.end_session(&new.hash, entry("session/ana", "session.end"), t("2026-01-02T01:00:00Z")).await.unwrap();
    assert!(store.session_by_hash(&new.hash).await.unwrap().is_none());
    let err =
        store.end_session(&new.hash, entry("session/ana", "session.end"), t("2026-01-02T01:00:00Z")).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)));
    assert_eq!(verify_chain(&*store).await, 3);
}
