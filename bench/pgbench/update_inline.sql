-- PATCH /api/tasks/{id} {"completed": true|false}, one statement a
-- transaction (see get_inline.sql).
\set n random(1, :ntasks)
\set done random(0, 1)
SELECT aido_task_update(user_id, task_id,
		CASE :done::integer WHEN 1 THEN '{"completed": true}' ELSE '{"completed": false}' END::jsonb,
		session_id)
  FROM bench.task_ids WHERE n = :n;
