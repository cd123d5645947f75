-- GET /api/tasks/{id}: a random task, with its owner's token.
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
local aido = require("aido")
local users, tasks

setup = aido.setup
done = aido.done

function init(args)
	aido.seed()
	users = aido.users()
	tasks = aido.tasks()
end

function request()
	local t = tasks[math.random(#tasks)]
	return aido.req("GET", "/api/tasks/" .. t.id, users[t.user].auth)
end
