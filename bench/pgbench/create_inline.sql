-- POST /api/tasks, one statement a transaction (see get_inline.sql).
\set n random(1, :nusers)
SELECT aido_task_create(user_id, :body, session_id) FROM bench.user_ids WHERE n = :n;
