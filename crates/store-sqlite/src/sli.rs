//! Writing SLI buckets fast: multi-row upserts of a few fixed sizes.
//!
//! One `INSERT ... VALUES (..), (..), ...` per chunk instead of one statement per bucket:
//! every statement is a round trip to sqlx's SQLite worker thread, which costs far more
//! than SQLite's own work for one row. Each row binds four anonymous `?` parameters (the
//! SLO id too), so a chunk of `n` rows uses `4n` variables, well under SQLite's limit of
//! 32,766. Anonymous on purpose: sqlx asks SQLite for every parameter's name, which for
//! numbered (`?NNN`) parameters is a linear search, so binding the SLO id once as `?1`
//! made each statement quadratic in its rows (ten times slower at 1,024 rows).
//!
//! Statements come in fixed sizes only, [`CHUNK`] and the powers of two below it: a
//! batch is cut into full chunks and the rest into its binary digits (1,500 rows: 1,024 +
//! 256 + 128 + 64 + 16 + 8 + 4). So at most 11 distinct statements exist, each prepared
//! once per connection and then reused from sqlx's statement cache, whatever the batch
//! sizes callers send.

use baton_store::columns::Columns;
use baton_store::sli::SumsRow;
use baton_store::StoreError;
use std::sync::OnceLock;

/// Rows per full statement. Measured with `examples/ingest_bench.rs`; see BENCHMARKS.md.
pub(crate) const CHUNK: usize = 1024;

const _: () = assert!(CHUNK.is_power_of_two() && 4 * CHUNK <= 32_766);

/// The sizes, in order, of the statements that write `n` rows.
pub(crate) fn chunks(n: usize) -> impl Iterator<Item = usize> {
    let full = std::iter::repeat_n(CHUNK, n / CHUNK);
    let rest = n % CHUNK;
    full.chain((0..CHUNK.trailing_zeros()).rev().map(|bit| 1 << bit).filter(move |size| rest & size != 0))
}

/// The upsert of `rows` buckets (a size [`chunks`] yields).
pub(crate) fn upsert(rows: usize) -> &'static str {
    static SQL: OnceLock<Vec<String>> = OnceLock::new();
    let all = SQL.get_or_init(|| (0..=CHUNK.trailing_zeros()).map(|bit| upsert_sql(1 << bit)).collect());
    debug_assert!(rows.is_power_of_two() && rows <= CHUNK, "{rows} is not a chunk size");
    &all[rows.trailing_zeros() as usize]
}

fn upsert_sql(rows: usize) -> String {
    let mut sql = String::with_capacity(160 + rows * 14);
    sql.push_str("INSERT INTO sli_buckets (slo_id, minute_us, good, total) VALUES (?, ?, ?, ?)");
    for _ in 1..rows {
        sql.push_str(", (?, ?, ?, ?)");
    }
    sql.push_str(" ON CONFLICT (slo_id, minute_us) DO UPDATE SET good = excluded.good, total = excluded.total");
    sql
}

/// Re-sums the rollups of SLO `?` over the hours `[?, ?)` from its minute rows (every
/// hour in the range has rows: they were just written, and minutes are never deleted).
/// The floor to the hour is written out because `%` keeps a negative instant's sign.
pub(crate) const RESUM_ROLLUPS: &str =
    "INSERT INTO sli_rollups (slo_id, hour_us, good, total, minutes_with_data, minutes) \
     SELECT slo_id, minute_us - ((minute_us % 3600000000) + 3600000000) % 3600000000, \
            SUM(good), SUM(total), SUM(total > 0), COUNT(*) \
     FROM sli_buckets WHERE slo_id = ? AND minute_us >= ? AND minute_us < ? GROUP BY 1, 2 \
     ON CONFLICT (slo_id, hour_us) DO UPDATE SET good = excluded.good, total = excluded.total, \
        minutes_with_data = excluded.minutes_with_data, minutes = excluded.minutes";

/// The sums of SLO `?1` over the ranges of a [`SumsPlan`](baton_store::sli::SumsPlan):
/// `?2` its hours and `?3` its minutes, each a JSON array of `[from_us, to_us]`; one row
/// out per range, `(kind, index, [good, total, minutes with data, buckets])`, the sums a
/// JSON array (`null` sums for a range without rows). One correlated subquery per range
/// is a range scan of its table's primary key and needs no sorter, where a join grouped
/// by range sorted every row read (about 30% slower; left to itself, SQLite 3.46 even
/// scanned every row of the SLO once per range: 240 ms for 3 days of one SLO).
pub(crate) const SUMS: &str = "\
     SELECT 0 AS kind, CAST(key AS INTEGER) AS i, (SELECT json_array(SUM(good), SUM(total), SUM(minutes_with_data), \
       SUM(minutes)) FROM sli_rollups WHERE slo_id = ?1 AND hour_us >= value ->> 0 AND hour_us < value ->> 1) AS sums \
       FROM json_each(?2) \
     UNION ALL \
     SELECT 1, CAST(key AS INTEGER), (SELECT json_array(SUM(good), SUM(total), SUM(total > 0), COUNT(*)) \
       FROM sli_buckets WHERE slo_id = ?1 AND minute_us >= value ->> 0 AND minute_us < value ->> 1) FROM json_each(?3)";

/// The rows of [`SUMS`] as [`SumsPlan::combine`](baton_store::sli::SumsPlan::combine)
/// takes them; `Corrupt` if the sums are not the array [`SUMS`] makes.
pub(crate) fn sums_rows(rows: &[impl Columns]) -> Result<Vec<SumsRow>, StoreError> {
    rows.iter()
        .map(|r| {
            let (kind, i, sums) = (r.int("kind")?, r.int("i")?, r.text("sums")?);
            let [good, total, with_data, buckets]: [Option<i64>; 4] = serde_json::from_str(&sums)
                .map_err(|e| StoreError::Corrupt(format!("SLI sums row {kind}/{i}: `{sums}`: {e}")))?;
            let n = |v: Option<i64>| v.unwrap_or(0);
            Ok((kind, i, n(good), n(total), n(with_data), n(buckets)))
        })
        .collect()
}

/// `ranges` as the JSON array [`SUMS`] reads (empty ranges kept: the index is the position).
pub(crate) fn ranges_json(ranges: &[(i64, i64)]) -> String {
    let parts: Vec<String> = ranges.iter().map(|(lo, hi)| format!("[{lo},{hi}]")).collect();
    format!("[{}]", parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_cut_into_fixed_sizes_that_add_up() {
        for n in [0, 1, 2, 3, 1023, 1024, 1025, 1500, 10_000, 100_000] {
            let sizes: Vec<_> = chunks(n).collect();
            assert_eq!(sizes.iter().sum::<usize>(), n, "{n}: {sizes:?}");
            assert!(sizes.iter().all(|s| s.is_power_of_two() && *s <= CHUNK), "{n}: {sizes:?}");
            assert!(sizes.windows(2).all(|p| p[0] >= p[1]), "{n}: {sizes:?}");
        }
        assert_eq!(chunks(1500).collect::<Vec<_>>(), [1024, 256, 128, 64, 16, 8, 4]);
    }

    #[test]
    fn statements_have_four_parameters_per_row() {
        assert_eq!(
            upsert(2),
            "INSERT INTO sli_buckets (slo_id, minute_us, good, total) VALUES (?, ?, ?, ?), (?, ?, ?, ?) \
             ON CONFLICT (slo_id, minute_us) DO UPDATE SET good = excluded.good, total = excluded.total"
        );
        assert_eq!(upsert(CHUNK).matches('?').count(), 4 * CHUNK);
    }
}
