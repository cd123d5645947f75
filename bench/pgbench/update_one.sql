-- One fixed aido_task_update call, {"completed": true} (-D user_id=
-- task_id= session_id=): the SQL side of bench/run's latency run at a
-- fixed rate, the same request hey repeats.
SELECT aido_task_update(:user_id, :task_id, '{"completed": true}', :session_id);
