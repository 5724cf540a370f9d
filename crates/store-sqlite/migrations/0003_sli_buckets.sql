-- SLI samples: the good and total events of one SLO in one minute, [minute, minute + 60 s).
-- `minute_us` is the minute's first instant in microseconds since the epoch, like every
-- other stored instant, so it is a multiple of 60,000,000. Rows are measurements, not
-- state changes: they carry no audit record, and a minute written again replaces its
-- counts (`put_buckets` upserts on the primary key).
--
-- WITHOUT ROWID: the primary key is the table's storage order and its only b-tree, so a
-- window of one SLO is one contiguous range scan and no second (rowid) tree is written.
CREATE TABLE sli_buckets (
    slo_id    TEXT NOT NULL,
    minute_us INTEGER NOT NULL,
    good      INTEGER NOT NULL,
    total     INTEGER NOT NULL,
    PRIMARY KEY (slo_id, minute_us),
    CHECK (minute_us % 60000000 = 0),
    CHECK (0 <= good AND good <= total)
) WITHOUT ROWID;
