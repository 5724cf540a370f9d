-- Hourly rollups of the SLI buckets: per SLO and hour, the sums of that hour's minute
-- rows. `put_buckets` re-sums every hour it writes to from `sli_buckets`, in the same
-- transaction, so a rollup is always exactly the sum of its minutes, however often they
-- were replaced. `sli_sums` reads whole hours from here and only the partial hours at a
-- segment's ends from `sli_buckets`: a 28-day report adds 672 rows, not 40,320.
--
-- Only counts are rolled up. Timeslices judge each minute against the SLO's threshold,
-- which is part of the definition, not of the data; those SLOs are tallied from minutes.
--
-- `hour_us` is the hour's first instant in microseconds since the epoch.
-- `minutes_with_data` counts minute rows with events, `minutes` all minute rows.
CREATE TABLE sli_rollups (
    slo_id            TEXT NOT NULL,
    hour_us           INTEGER NOT NULL,
    good              INTEGER NOT NULL,
    total             INTEGER NOT NULL,
    minutes_with_data INTEGER NOT NULL,
    minutes           INTEGER NOT NULL,
    PRIMARY KEY (slo_id, hour_us),
    CHECK (hour_us % 3600000000 = 0),
    CHECK (0 <= good AND good <= total),
    CHECK (0 <= minutes_with_data AND minutes_with_data <= minutes AND minutes <= 60)
) WITHOUT ROWID;

-- The buckets already stored. The floor to the hour is written out because `%` keeps the
-- sign of a negative (pre-1970) instant.
INSERT INTO sli_rollups (slo_id, hour_us, good, total, minutes_with_data, minutes)
SELECT slo_id,
       minute_us - ((minute_us % 3600000000) + 3600000000) % 3600000000,
       SUM(good), SUM(total), SUM(total > 0), COUNT(*)
FROM sli_buckets
WHERE true
GROUP BY 1, 2;
