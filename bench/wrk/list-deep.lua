-- The user with a million tasks: half the requests ask for the first
-- page (GET /api/tasks?limit=50), half for a far page through a cursor
-- (&cursor=...), picked at random among pages spread over the whole list.
package.path = os.getenv("AIDO_BENCH_WRK") .. "/?.lua;" .. package.path
local aido = require("aido")
local auth, first, far

setup = aido.setup
done = aido.done

function init(args)
	aido.seed()
	auth = "Bearer " .. aido.lines("big.txt")[1]
	first = aido.req("GET", "/api/tasks?limit=50", auth)
	far = {}
	for _, c in ipairs(aido.lines("cursors.txt")) do
		far[#far + 1] = aido.req("GET",
		    "/api/tasks?limit=50&cursor=" .. c, auth)
	end
end

function request()
	if math.random(2) == 1 then return first end
	return far[math.random(#far)]
end
