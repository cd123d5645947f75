-- GET /health: aido_health(), no token.
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
local aido = require("aido")
local r

setup = aido.setup
done = aido.done

function init(args)
	r = aido.req("GET", "/health")
end

function request()
	return r
end
