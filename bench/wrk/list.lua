-- GET /api/tasks?limit=50: the first page of a random user's tasks.
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
require("aido").workload(function(aido)
	local users = aido.users()
	return function()
		local u = users[math.random(#users)]
		return aido.req("GET", "/api/tasks?limit=50", u.auth)
	end
end)
