-- The soak (BENCH_SOAK=1): the task routes mixed as a client would use
-- them, plus a few answers that fail on purpose, so that the error paths
-- are soaked too: per 100 requests, 45 lists, 30 gets, 10 updates,
-- 10 creates, 2 unknown tasks (404), 2 invalid tasks (422), 1 bad
-- token (401).  Those 5% are the only non-2xx answers expected.
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
require("aido").workload(function(aido)
	local users, tasks = aido.users(), aido.tasks()
	local body = os.getenv("AIDO_BENCH_TASK_BODY")
	local bodies = { '{"completed": true}', '{"completed": false}' }
	return function()
		local r = math.random(100)
		local t = tasks[math.random(#tasks)]
		local auth = users[t.user].auth
		if r <= 45 then
			return aido.req("GET", "/api/tasks?limit=50", auth)
		elseif r <= 75 then
			return aido.req("GET", "/api/tasks/" .. t.id, auth)
		elseif r <= 85 then
			return aido.req("PATCH", "/api/tasks/" .. t.id, auth,
			    bodies[math.random(2)])
		elseif r <= 95 then
			return aido.req("POST", "/api/tasks", auth, body)
		elseif r <= 97 then
			return aido.req("GET",
			    "/api/tasks/00000000-0000-4000-8000-000000000000", auth)
		elseif r <= 99 then
			return aido.req("POST", "/api/tasks", auth,
			    '{"title": "", "priority": "urgent"}')
		end
		return aido.req("GET", "/api/tasks?limit=50", auth .. "x")
	end
end)
