-- POST /mcp tools/call list_tasks {limit: 50}: what list.lua asks of
-- GET /api/tasks, through the assistant's tool.
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
require("aido").workload(function(aido)
	local users = aido.users()
	return function()
		local u = users[math.random(#users)]
		return aido.mcp_call(u.auth, "list_tasks", '{"limit":50}')
	end
end)
