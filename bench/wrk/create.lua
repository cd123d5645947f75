-- POST /api/tasks: a realistic task (bench/lib.sh's BENCH_TASK_BODY, the
-- body pgbench's create.sql sends too) for a random user.
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
require("aido").workload(function(aido)
	local users = aido.users()
	local body = os.getenv("AIDO_BENCH_TASK_BODY")
	return function()
		local u = users[math.random(#users)]
		return aido.req("POST", "/api/tasks", u.auth, body)
	end
end)
