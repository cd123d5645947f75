-- POST /mcp tools/call add_task with the task create.lua posts to
-- POST /api/tasks (bench/lib.sh's BENCH_TASK_BODY), for a random user.
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
require("aido").workload(function(aido)
	local users = aido.users()
	local body = os.getenv("AIDO_BENCH_TASK_BODY")
	return function()
		local u = users[math.random(#users)]
		return aido.mcp_call(u.auth, "add_task", body)
	end
end)
