-- PATCH /api/tasks/{id} {"completed": true|false}, chosen at random, on a
-- random task of a random user (the guard trigger runs on every update).
\set n random(1, :ntasks)
\set done random(0, 1)
SELECT user_id, task_id, session_id,
       CASE :done::integer WHEN 1 THEN '{"completed": true}' ELSE '{"completed": false}' END AS patch
  FROM bench.task_ids WHERE n = :n \gset
SELECT aido_task_update(:user_id, :task_id, :patch, :session_id);
