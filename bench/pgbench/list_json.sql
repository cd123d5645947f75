-- GET /api/tasks?limit=50 as the gateway sends it (aido_task_list_json, the
-- page as json text): the first page of a random user's tasks.
\set n random(1, :nusers)
SELECT user_id, session_id FROM bench.user_ids WHERE n = :n \gset
SELECT aido_task_list_json(:user_id, :params, :session_id);
