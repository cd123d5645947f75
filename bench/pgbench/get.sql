-- GET /api/tasks/{id}: one task of a random user, session checked.
-- Under -M extended the ids are bound parameters of an unnamed statement,
-- exactly as the gateway sends them.
\set n random(1, :ntasks)
SELECT user_id, task_id, session_id FROM bench.task_ids WHERE n = :n \gset
SELECT aido_task_get(:user_id, :task_id, :session_id);
