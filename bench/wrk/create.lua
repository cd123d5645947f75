-- POST /api/tasks: a realistic task (bench/lib.sh's BENCH_TASK_BODY, the
-- body pgbench's create.sql sends too) for a random user.
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
local aido = require("aido")
local users, body

setup = aido.setup
done = aido.done

function init(args)
	aido.seed()
	users = aido.users()
	body = os.getenv("AIDO_BENCH_TASK_BODY")
end

function request()
	local u = users[math.random(#users)]
	return aido.req("POST", "/api/tasks", u.auth, body)
end
