-- The raw statement of PUT /api/tasks/{id}: the UPDATE of every editable
-- field (through tasks_guard), no session check, no JSON, one statement.
\set n random(1, :ntasks)
UPDATE aido.tasks t SET title = 'Prepare the slides for Monday',
       description = 'Ten slides at most: numbers from finance, the roadmap, open questions.',
       completed = false, priority = 'high', tags = ARRAY['work', 'slides'],
       due_date = '2026-03-02T09:00:00+01:00', recurring = false, recurring_pattern = NULL
  FROM bench.task_ids b
 WHERE b.n = :n AND t.id = b.task_id AND t.user_id = b.user_id
RETURNING t.*;
