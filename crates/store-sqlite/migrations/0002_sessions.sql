-- Browser sessions: only the SHA-256 of the cookie's secret is stored.
CREATE TABLE sessions (
    hash          TEXT PRIMARY KEY,
    person_id     TEXT NOT NULL,
    csrf          TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    expires_at_us INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at_us);
