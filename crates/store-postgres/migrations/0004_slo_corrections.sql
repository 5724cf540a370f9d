-- SLO corrections: declared maintenance windows and incidents whose minutes do not count
-- against an SLO's error budget. `body` is the correction as JSON text (its start, end,
-- recurrence, until, reason and author), exactly the bytes its audit record's details
-- hold. Corrections are written with an audit record and never changed.
CREATE TABLE slo_corrections (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slo_id        TEXT NOT NULL,
    created_at_us BIGINT NOT NULL,
    body          TEXT NOT NULL
);
CREATE INDEX slo_corrections_by_slo ON slo_corrections (slo_id, id);
