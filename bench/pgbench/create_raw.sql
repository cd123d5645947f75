-- The raw statement of POST /api/tasks: the INSERT of the benchmark's task
-- (through tasks_guard, the table's own trigger), no session check, no
-- JSON, one statement.
\set n random(1, :nusers)
INSERT INTO aido.tasks (user_id, title, description, priority, tags, due_date)
SELECT user_id, 'Prepare the slides for Monday',
       'Ten slides at most: numbers from finance, the roadmap, open questions.',
       'high', ARRAY['work', 'slides'], '2026-03-02T09:00:00+01:00'
  FROM bench.user_ids WHERE n = :n
RETURNING *;
