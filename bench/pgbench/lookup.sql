-- Baseline: only the id lookup that the aido_* workloads do first.  Its
-- cost is subtracted in the report to get what the aido call itself costs
-- (pgbench -r also times each statement separately).
\set n random(1, :ntasks)
SELECT user_id, task_id, session_id FROM bench.task_ids WHERE n = :n \gset
