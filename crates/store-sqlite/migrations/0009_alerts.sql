-- Alerts get a table of their own (they were records of kind 'alert'), with the columns
-- their lists filter and sort by, so a page of alerts reads the rows it returns and not
-- every alert ever stored. A rowid table with a unique id, as records are since 0007:
-- new alerts are appended instead of placed at their random ids among the rows.
CREATE TABLE alerts (
    id            TEXT NOT NULL UNIQUE,
    version       INTEGER NOT NULL,
    service       TEXT NOT NULL,
    open          INTEGER NOT NULL CHECK (open IN (0, 1)),
    sort_at_us    INTEGER NOT NULL,
    body          TEXT NOT NULL,
    due_at_us     INTEGER,
    updated_at_us INTEGER NOT NULL,
    due_failures  INTEGER NOT NULL DEFAULT 0,
    due_error     TEXT
);
-- The lists walk these backwards from the cursor, newest first by (sort_at_us, id): all
-- alerts, the open ones, a service's. A service's open alerts walk `alerts_open` and
-- skip other services' rows: open alerts are few by nature (they resolve), while an
-- index of their own was written at every step of every alert's life (opened, each
-- trigger moving it, resolved) and cost intake throughput for a short list.
-- `alerts_open` is used by queries that say `open` as written here.
CREATE INDEX alerts_order ON alerts (sort_at_us, id);
CREATE INDEX alerts_open ON alerts (sort_at_us, id) WHERE open;
CREATE INDEX alerts_service ON alerts (service, sort_at_us, id);
CREATE INDEX alerts_due ON alerts (due_at_us, id) WHERE due_at_us IS NOT NULL;

-- Existing alerts move over. Their list order is their last write (`updated_at_us`),
-- which is at or after their last trigger: the trigger instant is RFC 3339 text in the
-- body, and the next write of each alert stores the exact one. The service falls back to
-- the id's first part (`<service>/<dedup key>`) for a body without one.
INSERT INTO alerts (id, version, service, open, sort_at_us, body, due_at_us, updated_at_us)
    SELECT id, version,
           COALESCE(json_extract(body, '$.service'), substr(id, 1, instr(id, '/') - 1)),
           json_extract(body, '$.status') IS NOT 'resolved',
           updated_at_us, body, due_at_us, updated_at_us
    FROM records WHERE kind = 'alert' ORDER BY updated_at_us;
DELETE FROM records WHERE kind = 'alert';

-- Due work that fails is deferred with its count and reason (Store::defer_record); the
-- next write of the record clears them.
ALTER TABLE records ADD COLUMN due_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN due_error TEXT;

-- A dead letter can be sent again; its retries count from then.
ALTER TABLE outbox ADD COLUMN requeued_us INTEGER;
-- `outbox_pending` keeps its shape, (next_attempt_us, id) of pending messages: every
-- queued page writes it, so it holds no more than the sender's claims need.
-- `outbox_stats` counts it and takes the oldest pending message as the one of least id,
-- read as one row.
-- Dead letters, counted for /metrics and listed newest first. Only a message that dies
-- (or is sent again) touches it.
CREATE INDEX outbox_dead ON outbox (id) WHERE status = 'dead';
