-- Definitions applied from the definition repo, one row per definition.
CREATE TABLE definitions (
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);

-- Counters: the definitions revision (bumped by every apply).
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('definitions_revision', 0);

-- Where each service stands in the pipeline; `version` guards concurrent writers.
CREATE TABLE service_records (
    service_id    TEXT PRIMARY KEY,
    version       INTEGER NOT NULL,
    stage         TEXT NOT NULL,
    body          TEXT NOT NULL,
    updated_at_us INTEGER NOT NULL
);

-- The hash-chained audit log. Append-only: the triggers below refuse edits and deletes.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at_us     INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    reason    TEXT,
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- The last record written: catches deletion of the newest records.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- API tokens: only the SHA-256 of the secret is stored.
CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    person_id     TEXT NOT NULL,
    name          TEXT NOT NULL,
    hash          TEXT NOT NULL UNIQUE,
    created_at_us INTEGER NOT NULL,
    expires_at_us INTEGER,
    revoked_at_us INTEGER
);
