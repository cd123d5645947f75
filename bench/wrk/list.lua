-- GET /api/tasks?limit=50: the first page of a random user's tasks.
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
local aido = require("aido")
local users

setup = aido.setup
done = aido.done

function init(args)
	aido.seed()
	users = aido.users()
end

function request()
	local u = users[math.random(#users)]
	return aido.req("GET", "/api/tasks?limit=50", u.auth)
end
