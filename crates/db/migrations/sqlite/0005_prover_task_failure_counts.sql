-- `/metrics` counts live prover tasks per type and failure type on every scrape
-- (`rollproof_db::stats::prover_task_failure_counts`). No index held `failure_type`, so each
-- scrape read the whole prover_task heap, which grows by a row per attempt and holds each
-- task's metadata inline. With `failure_type` as the last column of the type/status index the
-- count is an index-only scan. The timeout scan (`task_type, proving_status, assigned_at`) and
-- the status counts read the same index as before. A closed attempt changes `proving_status`,
-- so it already wrote a new entry here and this costs no extra write.
-- Measured on 300,000 prover tasks (566 MB heap), vacuumed: 44 ms instead of 114 ms, reading
-- the index instead of the heap.
DROP INDEX IF EXISTS prover_task_type_status_assigned_at_index;
CREATE INDEX prover_task_type_status_assigned_at_index
    ON prover_task (task_type, proving_status, assigned_at, failure_type) WHERE deleted_at IS NULL;
