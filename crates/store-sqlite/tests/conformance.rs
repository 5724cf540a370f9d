//! The shared store stories, against a fresh SQLite file per test.

use baton_store::Store;
use baton_store_sqlite::SqliteStore;
use std::sync::Arc;

async fn fresh() -> Arc<dyn Store> {
    // The directory is leaked on purpose: it must outlive the store, which the stories own.
    let dir = tempfile::tempdir().unwrap().keep();
    Arc::new(SqliteStore::connect(&format!("sqlite://{}/baton.db", dir.display())).await.unwrap())
}

baton_store::conformance_tests!(fresh);

#[tokio::test]
async fn the_audit_log_refuses_edits_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect(&format!("sqlite://{}/b.db", dir.path().display())).await.unwrap();
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
}
