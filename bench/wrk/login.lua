-- POST /api/auth/login with the right password of a random user: one
-- argon2id verification in the database per request, by design slow.
-- (The throttle counts failures only.)
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
local aido = require("aido")
local users, password

setup = aido.setup
done = aido.done

function init(args)
	aido.seed()
	users = aido.users()
	password = os.getenv("AIDO_BENCH_PASSWORD")
end

function request()
	local u = users[math.random(#users)]
	return aido.req("POST", "/api/auth/login", nil,
	    '{"email": "' .. u.email .. '", "password": "' .. password .. '"}')
end
