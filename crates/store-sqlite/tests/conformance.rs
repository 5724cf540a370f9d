//! The shared store stories, against a fresh SQLite file per test.

use baton_store::Store;
use baton_store_sqlite::SqliteStore;
use std::sync::Arc;

async fn fresh_sqlite() -> SqliteStore {
    // The directory is leaked on purpose: it must outlive the store, which the stories own.
    let dir = tempfile::tempdir().unwrap().keep();
    SqliteStore::connect(&format!("sqlite://{}/baton.db", dir.display())).await.unwrap()
}

async fn fresh() -> Arc<dyn Store> {
    Arc::new(fresh_sqlite().await)
}

baton_store::conformance_tests!(fresh);

#[tokio::test]
async fn the_audit_log_refuses_edits_in_place() {
    let store = fresh_sqlite().await;
    let pool = store.pool().clone();
    let edits = ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"];
    baton_store::conformance::the_audit_log_refuses_edits_in_place(Arc::new(store), pool, &edits).await;
}
