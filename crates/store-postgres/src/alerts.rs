//! Alerts on PostgreSQL: reads, and moving one's due time earlier. They are written by `commit`
//! (`records.rs`), with the records of the same decision.

use crate::rows::{from_us, pg, us};
use crate::PgStore;
use baton_core::Timestamp;
use baton_store::sql::{self, ALERT_SELECT};
use baton_store::{AlertListQuery, StoreError, StoredAlert};
use sqlx::postgres::PgRow;
use sqlx::Row;

fn alert_row(r: &PgRow) -> Result<StoredAlert, StoreError> {
    Ok(StoredAlert {
        id: r.try_get("id").map_err(pg)?,
        version: r.try_get("version").map_err(pg)?,
        service: r.try_get("service").map_err(pg)?,
        open: r.try_get("open").map_err(pg)?,
        sort_at: from_us(r.try_get("sort_at_us").map_err(pg)?)?,
        body: r.try_get("body").map_err(pg)?,
        due_at: r.try_get::<Option<i64>, _>("due_at_us").map_err(pg)?.map(from_us).transpose()?,
        updated_at: from_us(r.try_get("updated_at_us").map_err(pg)?)?,
        due_failures: r.try_get("due_failures").map_err(pg)?,
        due_error: r.try_get("due_error").map_err(pg)?,
    })
}

impl PgStore {
    pub(crate) async fn read_alert(&self, id: &str) -> Result<Option<StoredAlert>, StoreError> {
        let row = sqlx::query(sql::ALERT_BY_ID).bind(id).fetch_optional(&self.pool).await.map_err(pg)?;
        row.as_ref().map(alert_row).transpose()
    }

    pub(crate) async fn read_alerts_by_id(&self, ids: &[String]) -> Result<Vec<StoredAlert>, StoreError> {
        let rows = sqlx::query(&format!("{ALERT_SELECT} WHERE id = ANY($1) ORDER BY id"))
            .bind(ids)
            .fetch_all(&self.pool)
            .await
            .map_err(pg)?;
        rows.iter().map(alert_row).collect()
    }

    pub(crate) async fn read_alert_page(&self, q: &AlertListQuery) -> Result<Vec<StoredAlert>, StoreError> {
        let limit = sql::positive_limit(q.limit)?;
        // No cursor: from above every instant a timestamp can hold.
        let (sort_at, id) = q.after.as_ref().map_or((i64::MAX, ""), |c| (us(c.sort_at), c.id.as_str()));
        let mut query = sqlx::query(sql::list_alerts(q.service.is_some(), q.open_only));
        if let Some(service) = &q.service {
            query = query.bind(service);
        }
        let rows = query.bind(sort_at).bind(id).bind(limit).fetch_all(&self.pool).await.map_err(pg)?;
        rows.iter().map(alert_row).collect()
    }

    pub(crate) async fn read_due_alerts(&self, now: Timestamp, limit: i64) -> Result<Vec<StoredAlert>, StoreError> {
        let rows = sqlx::query(sql::DUE_ALERTS)
            .bind(us(now))
            .bind(sql::positive_limit(limit)?)
            .fetch_all(&self.pool)
            .await
            .map_err(pg)?;
        rows.iter().map(alert_row).collect()
    }

    pub(crate) async fn hasten(&self, id: &str, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query(sql::HASTEN_ALERT).bind(us(at)).bind(id).execute(&self.pool).await.map_err(pg)?;
        Ok(())
    }
}
