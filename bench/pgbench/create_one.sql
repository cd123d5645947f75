-- One fixed aido_task_create call (-D user_id= session_id= body=): the SQL
-- side of bench/run's latency run at a fixed rate.
SELECT aido_task_create(:user_id, :body, :session_id);
