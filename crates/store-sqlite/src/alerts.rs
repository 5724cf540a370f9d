//! Alerts on SQLite: reads, and moving one's due time earlier. They are written by `commit`
//! (`records.rs`), with the records of the same decision.

use crate::rows::{db, from_us, us};
use crate::SqliteStore;
use baton_core::Timestamp;
use baton_store::sql::{self, ALERT_SELECT};
use baton_store::{AlertListQuery, StoreError, StoredAlert};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

fn alert_row(r: &SqliteRow) -> Result<StoredAlert, StoreError> {
    Ok(StoredAlert {
        id: r.try_get("id").map_err(db)?,
        version: r.try_get("version").map_err(db)?,
        service: r.try_get("service").map_err(db)?,
        open: r.try_get("open").map_err(db)?,
        sort_at: from_us(r.try_get("sort_at_us").map_err(db)?)?,
        body: r.try_get("body").map_err(db)?,
        due_at: r.try_get::<Option<i64>, _>("due_at_us").map_err(db)?.map(from_us).transpose()?,
        updated_at: from_us(r.try_get("updated_at_us").map_err(db)?)?,
        due_failures: r.try_get("due_failures").map_err(db)?,
        due_error: r.try_get("due_error").map_err(db)?,
    })
}

impl SqliteStore {
    pub(crate) async fn read_alert(&self, id: &str) -> Result<Option<StoredAlert>, StoreError> {
        let row = sqlx::query(sql::ALERT_BY_ID).bind(id).fetch_optional(&self.pool).await.map_err(db)?;
        row.as_ref().map(alert_row).transpose()
    }

    pub(crate) async fn read_alerts_by_id(&self, ids: &[String]) -> Result<Vec<StoredAlert>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        // Well under SQLite's limit on bound parameters.
        for chunk in ids.chunks(500) {
            let text = format!("{ALERT_SELECT} WHERE id IN ({})", vec!["?"; chunk.len()].join(","));
            let mut query = sqlx::query(&text);
            for id in chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.pool).await.map_err(db)? {
                out.push(alert_row(&row)?);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out.dedup_by(|a, b| a.id == b.id);
        Ok(out)
    }

    pub(crate) async fn read_alert_page(&self, q: &AlertListQuery) -> Result<Vec<StoredAlert>, StoreError> {
        let limit = sql::positive_limit(q.limit)?;
        // No cursor: from above every instant a timestamp can hold.
        let (sort_at, id) = q.after.as_ref().map_or((i64::MAX, ""), |c| (us(c.sort_at), c.id.as_str()));
        let mut query = sqlx::query(sql::list_alerts(q.service.is_some(), q.open_only));
        if let Some(service) = &q.service {
            query = query.bind(service);
        }
        let rows = query.bind(sort_at).bind(id).bind(limit).fetch_all(&self.pool).await.map_err(db)?;
        rows.iter().map(alert_row).collect()
    }

    pub(crate) async fn read_due_alerts(&self, now: Timestamp, limit: i64) -> Result<Vec<StoredAlert>, StoreError> {
        let rows = sqlx::query(sql::DUE_ALERTS)
            .bind(us(now))
            .bind(sql::positive_limit(limit)?)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(alert_row).collect()
    }

    pub(crate) async fn hasten(&self, id: &str, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query(sql::HASTEN_ALERT).bind(us(at)).bind(id).execute(&self.writer).await.map_err(db)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let (text, _) = sql::list_notifications(&q);
        let plan = plan_of(&store, &text, &["17/", "170", "3", "5"]).await;
        assert!(plan.contains("USING INDEX sqlite_autoindex_outbox_1 (key>? AND key<?)"), "{plan}");
    }
}
