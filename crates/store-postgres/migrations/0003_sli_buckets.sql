-- SLI samples: the good and total events of one SLO in one minute, [minute, minute + 60 s).
-- The same shape as the SQLite store's 0003. `minute_us` is the minute's first instant in
-- microseconds since the epoch, like every other stored instant, so it is a multiple of
-- 60,000,000. Rows are measurements, not state changes: they carry no audit record, and
-- a minute written again replaces its counts (`put_buckets` upserts on the primary key).
-- The primary key's index serves the one read, a window of one SLO in minute order.
CREATE TABLE sli_buckets (
    slo_id    TEXT NOT NULL,
    minute_us BIGINT NOT NULL,
    good      BIGINT NOT NULL,
    total     BIGINT NOT NULL,
    PRIMARY KEY (slo_id, minute_us),
    CHECK (minute_us % 60000000 = 0),
    CHECK (0 <= good AND good <= total)
);
