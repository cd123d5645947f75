-- The raw statement of PATCH /api/tasks/{id} {"completed": true|false}:
-- the UPDATE (through tasks_guard), no session check, no JSON, one
-- statement.
\set n random(1, :ntasks)
\set done random(0, 1)
UPDATE aido.tasks t SET completed = (:done = 1)
  FROM bench.task_ids b
 WHERE b.n = :n AND t.id = b.task_id AND t.user_id = b.user_id
RETURNING t.*;
