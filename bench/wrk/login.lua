-- POST /api/auth/login with the right password of a random user: one
-- argon2id verification in the database per request, by design slow.
-- (The throttle counts failures only.)
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
require("aido").workload(function(aido)
	local users = aido.users()
	local password = os.getenv("AIDO_BENCH_PASSWORD")
	return function()
		local u = users[math.random(#users)]
		return aido.req("POST", "/api/auth/login", nil,
		    '{"email": "' .. u.email .. '", "password": "' .. password .. '"}')
	end
end)
