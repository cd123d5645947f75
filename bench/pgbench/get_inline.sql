-- GET /api/tasks/{id}, one statement a transaction: the id lookup of
-- get.sql inlined into the call, so that pgbench makes one round trip
-- per call, as the gateway does (bench/run's stricter ceiling).
\set n random(1, :ntasks)
SELECT aido_task_get(user_id, task_id, session_id) FROM bench.task_ids WHERE n = :n;
