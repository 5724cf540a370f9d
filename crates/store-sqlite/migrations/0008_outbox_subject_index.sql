-- Listing the outbox by subject matches a prefix with substr(), which this index cannot
-- serve, so it only cost writes: alert subjects (`alert/<service>/<dedup key>`) arrive in
-- no order, and every new message dirtied a page of it of its own: about a third of the
-- pages each group commit of alert intake wrote (BENCHMARKS.md, "Paging").
DROP INDEX outbox_subject;
