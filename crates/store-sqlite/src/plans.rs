//! The query plans SQLite picks for the statements whose speed rests on an index.

use crate::SqliteStore;
use baton_store::sql;
use sqlx::Row;

/// How SQLite runs `text` with these parameters bound, one line a step.
async fn plan_of(store: &SqliteStore, text: &str, params: &[&str]) -> String {
    let text = format!("EXPLAIN QUERY PLAN {text}");
    let mut query = sqlx::query(&text);
    for p in params {
        query = query.bind(*p);
    }
    let rows = query.fetch_all(&store.pool).await.unwrap();
    rows.iter().map(|r| r.get::<String, _>(3)).collect::<Vec<_>>().join("\n")
}

/// A list reads its rows off one index from the cursor on, in order (no sort), and
/// the outbox figures come from indexes, but for one row: the oldest pending message.
#[tokio::test]
async fn every_list_and_the_outbox_figures_are_read_from_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect(&format!("sqlite://{}/baton.db", dir.path().display())).await.unwrap();
    for (service, open, index) in [
        (false, false, "alerts_order"),
        (false, true, "alerts_open"),
        (true, false, "alerts_service"),
        // A service's open alerts: few, so the open ones are walked and filtered.
        (true, true, "alerts_open"),
    ] {
        let params: &[&str] = if service { &["checkout", "1", "a", "10"] } else { &["1", "a", "10"] };
        let plan = plan_of(&store, sql::list_alerts(service, open), params).await;
        assert!(plan.starts_with(&format!("SEARCH alerts USING INDEX {index} (")), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
    let plan = plan_of(&store, sql::DUE_ALERTS, &["1", "10"]).await;
    assert!(plan.starts_with("SEARCH alerts USING INDEX alerts_due (") && !plan.contains("TEMP B-TREE"), "{plan}");
    let plan = plan_of(&store, sql::OUTBOX_STATS, &[]).await;
    assert!(plan.contains("SCAN outbox USING COVERING INDEX outbox_pending"), "{plan}");
    assert!(plan.contains("SEARCH outbox USING INTEGER PRIMARY KEY (rowid=?)"), "{plan}");
    assert!(plan.contains("SCAN outbox USING COVERING INDEX outbox_dead"), "{plan}");
    let q = baton_store::NotificationQuery { key_prefix: Some("17/".into()), limit: 5, ..Default::default() };
    let st = sql::list_notifications(&q);
    let plan = plan_of(&store, &st.sql, &["17/", "170", "3", "5"]).await;
    assert!(plan.contains("USING INDEX sqlite_autoindex_outbox_1 (key>? AND key<?)"), "{plan}");
}
