-- PATCH /api/tasks/{id} {"completed": true|false}, at random, on a random
-- task, with its owner's token (pgbench's update.sql does the same).
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
local aido = require("aido")
local users, tasks
local bodies = { '{"completed": true}', '{"completed": false}' }

setup = aido.setup
done = aido.done

function init(args)
	aido.seed()
	users = aido.users()
	tasks = aido.tasks()
end

function request()
	local t = tasks[math.random(#tasks)]
	return aido.req("PATCH", "/api/tasks/" .. t.id, users[t.user].auth,
	    bodies[math.random(2)])
end
