-- One aido_task_list_json call for a fixed user and params (-D user_id=...
-- -D session_id=... -D params=...), the call the gateway makes for GET
-- /api/tasks: the SQL side of bench/run's latency run at a fixed rate.
SELECT aido_task_list_json(:user_id, :params, :session_id);
