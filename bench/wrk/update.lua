-- PATCH /api/tasks/{id} {"completed": true|false}, at random, on a random
-- task, with its owner's token (pgbench's update.sql does the same).
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
require("aido").workload(function(aido)
	local users, tasks = aido.users(), aido.tasks()
	local bodies = { '{"completed": true}', '{"completed": false}' }
	return function()
		local t = tasks[math.random(#tasks)]
		return aido.req("PATCH", "/api/tasks/" .. t.id, users[t.user].auth,
		    bodies[math.random(2)])
	end
end)
