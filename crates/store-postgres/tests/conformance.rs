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
    let pool = store.pool().clone();
    let edits = ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log", "TRUNCATE audit_log"];
    baton_store::conformance::the_audit_log_refuses_edits_in_place(Arc::new(store), pool, &edits).await;
}

#[tokio::test]
async fn schema_names_are_checked_before_use() {
    for bad in ["", "Public", "a;b", "x\"y", "spa ce"] {
        let err = PgStore::connect_in_schema(&url(), bad).await.err().expect("refused");
        assert!(err.to_string().contains("[a-z0-9_]+"), "{bad}: {err}");
    }
}

/// The versions and names of a backend's migrations from 0010 on (see ARCHITECTURE.md,
/// "Migrations are numbered alike from 0010 on").
fn migrations_from_0010(backend: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(backend).join("migrations");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.split('_').next().and_then(|v| v.parse::<u32>().ok()).is_some_and(|v| v >= 10))
        .collect();
    names.sort();
    names
}

#[test]
fn new_migrations_are_numbered_alike_in_both_backends() {
    let (postgres, sqlite) = (migrations_from_0010("store-postgres"), migrations_from_0010("store-sqlite"));
    assert_eq!(postgres, sqlite, "a migration from 0010 on has the same version and name in both backends");
}
