-- bench/wrk/aido.lua: what the workload scripts share (bench/run runs
-- them with wrk).  Each wrk thread has its own Lua state: setup() and
-- done() run in the main one, init() and request() in each thread's.
--
-- The data come from the directory $AIDO_BENCH_DATA, written by bench/run:
--   users.txt    "token email" of the ordinary users, one a line; a token
--                is an HS256 JWT of a session made in SQL (see bench/run)
--   tasks.txt    "user task_id": a random sample of the ordinary users'
--                tasks, user being the line of its owner in users.txt
--   big.txt      the token of the user with a million tasks
--   cursors.txt  cursors of far pages of that user's list
--
-- wrk's Lua API does not say which connection a request goes out on, so
-- every request picks its user (its token) at random: with a thousand
-- users, consecutive requests on a connection are different users'.

local M = {}

local dir = os.getenv("AIDO_BENCH_DATA")
if dir == nil then error("AIDO_BENCH_DATA is not set") end

M.host = "127.0.0.1"

function M.lines(name)
	local t = {}
	for l in io.lines(dir .. "/" .. name) do
		if l ~= "" then t[#t + 1] = l end
	end
	if #t == 0 then error(dir .. "/" .. name .. " is empty") end
	return t
end

-- users[i] = {auth = "Bearer ...", email = ...}
function M.users()
	local u = {}
	for _, l in ipairs(M.lines("users.txt")) do
		local tok, email = l:match("^(%S+) (%S+)$")
		u[#u + 1] = { auth = "Bearer " .. tok, email = email }
	end
	return u
end

-- tasks[i] = {user = index into users, id = uuid}
function M.tasks()
	local t = {}
	for _, l in ipairs(M.lines("tasks.txt")) do
		local n, id = l:match("^(%d+) (%S+)$")
		t[#t + 1] = { user = tonumber(n), id = id }
	end
	return t
end

-- One HTTP/1.1 request, keep-alive (wrk's default too); extra: more
-- header lines, each ending in CRLF.
function M.req(method, path, auth, body, extra)
	local h = method .. " " .. path .. " HTTP/1.1\r\nHost: " .. M.host ..
	    "\r\n" .. (extra or "")
	if auth ~= nil then h = h .. "Authorization: " .. auth .. "\r\n" end
	if body ~= nil then
		h = h .. "Content-Type: application/json\r\nContent-Length: " ..
		    #body .. "\r\n\r\n" .. body
	else
		h = h .. "\r\n"
	end
	return h
end

-- tools/call of an MCP tool (POST /mcp, protocol 2025-11-25, as the agent
-- SDKs speak it); args is the arguments' JSON.
function M.mcp_call(auth, tool, args)
	return M.req("POST", "/mcp", auth, '{"jsonrpc":"2.0","id":1,' ..
	    '"method":"tools/call","params":{"name":"' .. tool ..
	    '","arguments":' .. args .. '}}',
	    "Accept: application/json, text/event-stream\r\n" ..
	    "MCP-Protocol-Version: 2025-11-25\r\n")
end

-- Threads are numbered, so that each seeds its own random sequence.
local threads = {}

function M.setup(thread)
	threads[#threads + 1] = thread
	thread:set("aido_thread", #threads)
end

function M.seed()
	math.randomseed(os.time() * 1000 + (aido_thread or 0) * 7919 +
	    math.floor(os.clock() * 1e6))
end

-- A workload in one call: wrk's setup() and done() are these; in each
-- thread's init(), after seeding its random numbers, make(M) reads what
-- it needs and returns the function that builds one request.  (wrk looks
-- for a global request() when it loads the script, before any init(), so
-- request() is defined here and calls the one make() returned.)
function M.workload(make)
	local build
	setup = M.setup
	done = M.done
	init = function(args)
		M.seed()
		build = make(M)
	end
	request = function()
		return build()
	end
end

-- One machine-readable line for bench/run.  wrk's summary.errors.status
-- counts answers with a status of 400 or more (these routes answer no
-- 1xx or 3xx), so it is the number of non-2xx answers.
function M.done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
	    "AIDO-WRK requests=%d duration_us=%d bytes=%d p50_us=%d " ..
	    "p90_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%.0f " ..
	    "non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
	    summary.requests, summary.duration, summary.bytes,
	    latency:percentile(50), latency:percentile(90),
	    latency:percentile(99), latency:percentile(99.9), latency.max,
	    latency.mean, e.status, e.connect, e.read, e.write, e.timeout))
end

return M
