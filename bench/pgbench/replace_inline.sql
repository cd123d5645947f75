-- PUT /api/tasks/{id} with the benchmark's task, one statement a
-- transaction (see get_inline.sql).
\set n random(1, :ntasks)
SELECT aido_task_replace(user_id, task_id, :body, session_id) FROM bench.task_ids WHERE n = :n;
