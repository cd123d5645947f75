-- The raw statement of a toggle: the UPDATE (through tasks_guard), no
-- session check, no JSON, one statement.
\set n random(1, :ntasks)
UPDATE aido.tasks t SET completed = NOT t.completed
  FROM bench.task_ids b
 WHERE b.n = :n AND t.id = b.task_id AND t.user_id = b.user_id
RETURNING t.*;
