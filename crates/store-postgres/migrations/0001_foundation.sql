-- The same shape as the SQLite store's first migration, in PostgreSQL types.
-- Instants are BIGINT microseconds since the epoch (what the audit hash covers), and JSON
-- bodies and audit details are TEXT, not jsonb: jsonb would reorder keys and drop
-- whitespace, and the audit hash covers the exact stored text.

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
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('definitions_revision', 0);

-- Where each service stands in the pipeline; `version` guards concurrent writers.
CREATE TABLE service_records (
    service_id    TEXT PRIMARY KEY,
    version       BIGINT NOT NULL,
    stage         TEXT NOT NULL,
    body          TEXT NOT NULL,
    updated_at_us BIGINT NOT NULL
);

-- The hash-chained audit log. Append-only: the triggers below refuse edits and deletes.
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at_us     BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    reason    TEXT,
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);

CREATE FUNCTION audit_log_refuse_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP;
END;
$$;

-- Statement-level, so even an UPDATE or DELETE that matches no row is refused, and
-- TRUNCATE (which fires no row triggers) is covered too.
CREATE TRIGGER audit_log_no_edit BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_edit();

-- The last record written: catches deletion of the newest records, and its row lock
-- serializes every write transaction (see the crate docs).
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- API tokens: only the SHA-256 of the secret is stored.
CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    person_id     TEXT NOT NULL,
    name          TEXT NOT NULL,
    hash          TEXT NOT NULL UNIQUE,
    created_at_us BIGINT NOT NULL,
    expires_at_us BIGINT,
    revoked_at_us BIGINT
);
