-- GET /api/tasks?limit=50 as the gateway now sends it: aido_task_list_json,
-- one statement a transaction (see get_inline.sql).
\set n random(1, :nusers)
SELECT aido_task_list_json(user_id, :params, session_id) FROM bench.user_ids WHERE n = :n;
