//! The shared store stories, against a fresh schema per test in the PostgreSQL database
//! named by `BATON_TEST_PG_URL` (default: the local test server).

use baton_store::Store;
use baton_store_postgres::PgStore;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

fn url() -> String {
    std::env::var("BATON_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Unique across the tests of this run (counter) and across runs, even concurrent ones
/// (pid and clock), so no story ever sees another's rows. Schemas are left behind for
/// inspection; the test database is disposable.
fn schema() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
    format!("baton_test_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

async fn fresh_pg() -> PgStore {
    PgStore::connect_in_schema(&url(), &schema()).await.unwrap()
}

async fn fresh() -> Arc<dyn Store> {
    Arc::new(fresh_pg().await)
}

baton_store::conformance_tests!(fresh);

#[tokio::test]
async fn the_audit_log_refuses_edits_in_place() {
    let store = fresh_pg().await;
    let id = baton_core::ServiceId::parse("ledger").unwrap();
    let entry = baton_core::audit::AuditEntry {
        actor: "ana".into(),
        action: "x".into(),
        subject: "service/ledger".into(),
        reason: None,
        details: "{}".into(),
    };
    store
        .save_service_record(&id, 0, &Default::default(), entry, "2026-01-01T00:00:00Z".parse().unwrap())
        .await
        .unwrap();
    let err = sqlx::query("UPDATE audit_log SET actor = 'mallory'").execute(store.pool()).await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query("DELETE FROM audit_log").execute(store.pool()).await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query("TRUNCATE audit_log").execute(store.pool()).await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert_eq!(store.audit_head().await.unwrap().map(|h| h.seq), Some(1));
}

#[tokio::test]
async fn schema_names_are_checked_before_use() {
    for bad in ["", "Public", "a;b", "x\"y", "spa ce"] {
        let err = PgStore::connect_in_schema(&url(), bad).await.err().expect("refused");
        assert!(err.to_string().contains("[a-z0-9_]+"), "{bad}: {err}");
    }
}
