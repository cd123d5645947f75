-- POST /api/tasks: a realistic body for a random user.
\set n random(1, :nusers)
SELECT user_id, session_id FROM bench.user_ids WHERE n = :n \gset
SELECT aido_task_create(:user_id, :body, :session_id);
