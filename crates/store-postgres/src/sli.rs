//! SLI buckets on PostgreSQL: one statement over arrays per batch, whatever its size.

use crate::{pg, PgStore};
use baton_core::SloId;
use baton_store::columns::Columns;
use baton_store::sli::{touched_hours, BucketRows, SumsPlan, SumsRow};
use baton_store::StoreError;

/// Re-sums the rollups of SLO `$1` over the hours `[$2, $3)` from its minute rows (every
/// hour in the range has rows: they were just written, and minutes are never deleted).
/// The floor to the hour is written out because `%` keeps a negative instant's sign.
const RESUM_ROLLUPS: &str = "INSERT INTO sli_rollups (slo_id, hour_us, good, total, minutes_with_data, minutes) \
     SELECT slo_id, minute_us - ((minute_us % 3600000000) + 3600000000) % 3600000000, \
            SUM(good)::bigint, SUM(total)::bigint, COUNT(*) FILTER (WHERE total > 0), COUNT(*) \
     FROM sli_buckets WHERE slo_id = $1 AND minute_us >= $2 AND minute_us < $3 GROUP BY 1, 2 \
     ON CONFLICT (slo_id, hour_us) DO UPDATE SET good = excluded.good, total = excluded.total, \
        minutes_with_data = excluded.minutes_with_data, minutes = excluded.minutes \
     WHERE (sli_rollups.good, sli_rollups.total, sli_rollups.minutes_with_data, sli_rollups.minutes) \
        IS DISTINCT FROM (excluded.good, excluded.total, excluded.minutes_with_data, excluded.minutes)";

/// The sums of SLO `$1` over the ranges of a [`SumsPlan`]: its hours (`$2`, `$3`: from
/// and to) from the rollups and its minutes (`$4`, `$5`) from the minute rows; one row out
/// per range with any data: `kind`, `i` (the index from 0), `good`, `total`, `with_data`
/// (minutes with data) and `buckets`.
const SUMS: &str = "SELECT 0::bigint AS kind, (h.i - 1)::bigint AS i, SUM(r.good)::bigint AS good, \
            SUM(r.total)::bigint AS total, SUM(r.minutes_with_data)::bigint AS with_data, \
            SUM(r.minutes)::bigint AS buckets \
       FROM UNNEST($2::bigint[], $3::bigint[]) WITH ORDINALITY AS h (lo, hi, i) \
       JOIN sli_rollups r ON r.slo_id = $1 AND r.hour_us >= h.lo AND r.hour_us < h.hi GROUP BY h.i \
     UNION ALL \
     SELECT 1::bigint, (m.i - 1)::bigint, SUM(b.good)::bigint, SUM(b.total)::bigint, \
            SUM((b.total > 0)::int)::bigint, COUNT(*)::bigint \
       FROM UNNEST($4::bigint[], $5::bigint[]) WITH ORDINALITY AS m (lo, hi, i) \
       JOIN sli_buckets b ON b.slo_id = $1 AND b.minute_us >= m.lo AND b.minute_us < m.hi GROUP BY m.i";

/// Upserts `rows` and re-sums the hours they touch, in one transaction.
pub(crate) async fn put(store: &PgStore, slo: &SloId, rows: &BucketRows) -> Result<u64, StoreError> {
    let mut tx = store.pool.begin().await.map_err(pg)?;
    // One writer per SLO at a time: each re-sums its hours from what is committed, so
    // two batches into one hour must not each miss the other's minutes.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(format!("sli_rollups/{slo}"))
        .execute(&mut *tx)
        .await
        .map_err(pg)?;
    // Three array parameters whatever the batch size: no bind limit, one statement.
    let done = sqlx::query(
        "INSERT INTO sli_buckets (slo_id, minute_us, good, total) \
         SELECT $1::text, u.minute_us, u.good, u.total FROM UNNEST($2::bigint[], $3::bigint[], $4::bigint[]) AS u (minute_us, good, total) \
         ON CONFLICT (slo_id, minute_us) DO UPDATE SET good = excluded.good, total = excluded.total \
         WHERE (sli_buckets.good, sli_buckets.total) IS DISTINCT FROM (excluded.good, excluded.total)",
    )
    .bind(slo.as_str())
    .bind(&rows.minute_us)
    .bind(&rows.good)
    .bind(&rows.total)
    .execute(&mut *tx)
    .await
    .map_err(pg)?;
    for (from_us, to_us) in touched_hours(rows) {
        sqlx::query(RESUM_ROLLUPS).bind(slo.as_str()).bind(from_us).bind(to_us).execute(&mut *tx).await.map_err(pg)?;
    }
    tx.commit().await.map_err(pg)?;
    // A minute whose counts are already stored is skipped (no dead tuple, no WAL), so a
    // retried batch is cheap; it still counts as written, as on SQLite.
    debug_assert!(done.rows_affected() <= rows.len() as u64);
    Ok(rows.len() as u64)
}

/// The rows of `plan`'s sums (see [`SUMS`]).
pub(crate) async fn sums(store: &PgStore, slo: &SloId, plan: &SumsPlan) -> Result<Vec<SumsRow>, StoreError> {
    let column = |ranges: &[(i64, i64)], f: fn(&(i64, i64)) -> i64| ranges.iter().map(f).collect::<Vec<i64>>();
    let rows = sqlx::query(SUMS)
        .bind(slo.as_str())
        .bind(column(&plan.hours, |r| r.0))
        .bind(column(&plan.hours, |r| r.1))
        .bind(column(&plan.minutes, |r| r.0))
        .bind(column(&plan.minutes, |r| r.1))
        .fetch_all(&store.pool)
        .await
        .map_err(pg)?;
    rows.iter()
        .map(|r| {
            Ok((r.int("kind")?, r.int("i")?, r.int("good")?, r.int("total")?, r.int("with_data")?, r.int("buckets")?))
        })
        .collect()
}
