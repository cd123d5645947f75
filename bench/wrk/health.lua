-- GET /health: aido_health(), no token.
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
require("aido").workload(function(aido)
	local r = aido.req("GET", "/health")
	return function() return r end
end)
