-- The user with a million tasks: half the requests ask for the first
-- page (GET /api/tasks?limit=50), half for a far page through a cursor
-- (&cursor=...), picked at random among pages spread over the whole list.
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
require("aido").workload(function(aido)
	local auth = "Bearer " .. aido.lines("big.txt")[1]
	local first = aido.req("GET", "/api/tasks?limit=50", auth)
	local far = {}
	for _, c in ipairs(aido.lines("cursors.txt")) do
		far[#far + 1] = aido.req("GET",
		    "/api/tasks?limit=50&cursor=" .. c, auth)
	end
	return function()
		if math.random(2) == 1 then return first end
		return far[math.random(#far)]
	end
end)
