-- The raw statement of GET /api/tasks/{id}: the row, no session check, no
-- JSON, one statement (the id lookup inlined).
\set n random(1, :ntasks)
SELECT t.* FROM aido.tasks t JOIN bench.task_ids b ON t.id = b.task_id AND t.user_id = b.user_id
 WHERE b.n = :n;
