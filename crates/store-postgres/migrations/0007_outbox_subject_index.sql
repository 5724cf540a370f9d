-- Listing the outbox by subject matches a prefix with left(), which this index cannot
-- serve, so it only cost writes: alert subjects arrive in no order, and every new message
-- dirtied a page of it of its own (BENCHMARKS.md, "Paging").
DROP INDEX outbox_subject;
