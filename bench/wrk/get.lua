-- GET /api/tasks/{id}: a random task, with its owner's token.
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
require("aido").workload(function(aido)
	local users, tasks = aido.users(), aido.tasks()
	return function()
		local t = tasks[math.random(#tasks)]
		return aido.req("GET", "/api/tasks/" .. t.id, users[t.user].auth)
	end
end)
