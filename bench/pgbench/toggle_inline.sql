-- PATCH /api/{user}/tasks/{id}/complete (completed flips), one statement a
-- transaction (see get_inline.sql).
\set n random(1, :ntasks)
SELECT aido_task_toggle(user_id, task_id, session_id) FROM bench.task_ids WHERE n = :n;
