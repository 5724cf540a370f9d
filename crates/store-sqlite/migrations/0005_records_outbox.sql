-- Records: versioned JSON documents under (kind, id) for state that is neither a
-- definition nor a pipeline record (overrides, swaps, handovers, the on-call log, alerts,
-- integrations, approvals, waivers). `due_at_us` is when the engine should look at the
-- record again (an escalation, a reminder, an expiry); NULL when never.
CREATE TABLE records (
    kind          TEXT NOT NULL,
    id            TEXT NOT NULL,
    version       INTEGER NOT NULL,
    body          TEXT NOT NULL,
    due_at_us     INTEGER,
    updated_at_us INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX records_due ON records (due_at_us) WHERE due_at_us IS NOT NULL;

-- The notification outbox, written in the same transaction as the decision that caused
-- each message. `key` is the idempotency key sent with every attempt. A sender holds a
-- message while `claim_until_us` is in the future.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT NOT NULL UNIQUE,
    subject         TEXT NOT NULL,
    channel         TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_us INTEGER NOT NULL,
    last_error      TEXT,
    created_us      INTEGER NOT NULL,
    settled_us      INTEGER,
    claimed_by      TEXT,
    claim_until_us  INTEGER
);
CREATE INDEX outbox_pending ON outbox (next_attempt_us, id) WHERE status = 'pending';
CREATE INDEX outbox_subject ON outbox (subject, id);
