#!/usr/bin/env bash
# bench/freeze.sh: how the gateway answers while its database is frozen.
#
# The postmaster of a throwaway cluster is stopped (SIGSTOP) for
# FREEZE_SECONDS (10) while the gateway is under load: wrk asks a route
# that needs the database (GET /api/tasks) on 8 connections, and hey asks
# GET /openapi.json and an OPTIONS preflight of /api/tasks, 4 connections
# each, for the whole freeze.  A new connection to a frozen postmaster is
# accepted by the kernel and never answered (a Neon compute waking, a
# black-holed host); connections opened before go on working (their
# backends are not the postmaster), so the gateway runs with
# DB_POOL_RECYCLE=1 and the freeze starts when it holds none.
#
# Prints p50, p99 and the slowest answer of /openapi.json and OPTIONS
# during the freeze, the same before it, their status codes, and what the
# database route got (wrk goes on 5 s past the thaw).  A benchmark, not
# a test: nothing is asserted.
#
#   bench/freeze.sh                       this tree's gateway
#   AIDO_GATEWAY_MODULE=x.so bench/freeze.sh   another build in gateway/
#   FREEZE_SECONDS=10 DB_CONNECT_TIMEOUT=10 (the defaults)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${AIDO_PGDATA:-}" ]; then
	exec test/with-cluster "$0" "$@"
fi

BENCH_NAME=freeze
DB=aido_freeze
. bench/lib.sh

FREEZE=${FREEZE_SECONDS:-10}
CONNECT_TIMEOUT=${DB_CONNECT_TIMEOUT:-10}
bench_posint FREEZE CONNECT_TIMEOUT
for t in curl hey wrk python3; do
	command -v "$t" >/dev/null || bench_die "$t not found (scripts/deps.sh bench)"
done

createdb "$DB"
q -c "SET client_min_messages = warning" -c "CREATE EXTENSION aido" \
	-c "SELECT count(*) FROM aido_bootstrap()" >/dev/null
gw_pw=$(head -c 18 /dev/urandom | base64 | tr -d '+/=')
q -c "CREATE ROLE aido_freeze_gw LOGIN PASSWORD '$gw_pw' IN ROLE aido_api" >/dev/null

postmaster=$(head -n1 "$AIDO_PGDATA/postmaster.pid")
frozen=0
thaw() { if [ "$frozen" = 1 ]; then kill -CONT "$postmaster"; frozen=0; fi; }

root=$PWD
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
gw_dir=$bench_log/gw
mkdir -p "$gw_dir"
(cd "$gw_dir" && exec env -i PATH="$PATH" HOME="$gw_dir" LANG=C.UTF-8 \
	DATABASE_URL="postgresql://aido_freeze_gw:$gw_pw@127.0.0.1:$PGPORT/$DB" \
	JWT_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
	API_HOST=127.0.0.1 API_PORT="$port" FRONTEND_URL=http://localhost:3000 \
	DB_POOL_RECYCLE=1 DB_CONNECT_TIMEOUT="$CONNECT_TIMEOUT" \
	${AIDO_GATEWAY_MODULE:+AIDO_GATEWAY_MODULE="$AIDO_GATEWAY_MODULE"} \
	setsid "$root/gateway/start" </dev/null >"$gw_dir/gateway.log" 2>&1) &
gw_pid=$!
gw_stop() {
	kill -TERM "$gw_pid" 2>/dev/null || true
	wait "$gw_pid" 2>/dev/null || true
}
bench_on_exit thaw
bench_on_exit gw_stop

for _ in $(seq 1 300); do
	curl -s -o /dev/null --max-time 2 "$base/health" && break
	kill -0 "$gw_pid" 2>/dev/null || { cat "$gw_dir/gateway.log" >&2; bench_die "the gateway exited at start"; }
	sleep 0.1
done
say "$(grep -m1 -o 'aido-gateway: .*workers.*' "$gw_dir/gateway.log" | sed 's/postgresql:[^ ]*/(database)/' || true)"

token=$(curl -sf -H 'content-type: application/json' \
	-d '{"email":"freeze@example.com","password":"correct horse battery staple","name":"Freeze"}' \
	"$base/api/auth/signup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# p50, p99 and the slowest of the answers of one hey run (its CSV: one
# line a request, the response time in seconds first), and their status
# codes.  With few answers (a stalled gateway) the p99 is the slowest.
summary() {
	local f=$1 n
	n=$(awk -F, 'NR > 1 && $1 ~ /^[0-9.]+$/' "$f" | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "no answer"
		return
	fi
	awk -F, 'NR > 1 && $1 ~ /^[0-9.]+$/ { print $1 * 1000 }' "$f" | sort -n | awk -v n="$n" '
		{ v[NR] = $1 }
		END {
			i50 = int(n * 0.50); if (i50 < 1) i50 = 1
			i99 = int(n * 0.99 + 0.999); if (i99 > n) i99 = n
			printf "%d answers, p50 %.1f ms, p99 %.1f ms, slowest %.1f ms", n, v[i50], v[i99], v[n]
		}'
	awk -F, 'NR > 1 && $1 ~ /^[0-9.]+$/ { c[$7]++ } END { for (k in c) printf "; [%s] x %d", k, c[k]; print "" }' "$f"
}
hey_pids=()
load() { # NAME SECONDS: hey on /openapi.json and OPTIONS, in the background
	hey -z "${2}s" -c 4 -t 30 -o csv "$base/openapi.json" >"$bench_log/$1-openapi.txt" 2>&1 &
	hey_pids+=($!)
	hey -z "${2}s" -c 4 -t 30 -o csv -m OPTIONS -H 'Origin: http://localhost:3000' \
		-H 'Access-Control-Request-Method: GET' "$base/api/tasks" >"$bench_log/$1-options.txt" 2>&1 &
	hey_pids+=($!)
}
wait_hey() {
	local p
	for p in "${hey_pids[@]}"; do wait "$p" || true; done
	hey_pids=()
}

step "before the freeze (${FREEZE} s)"
load before "$FREEZE"
wait_hey
say "/openapi.json  $(summary "$bench_log/before-openapi.txt")"
say "OPTIONS        $(summary "$bench_log/before-options.txt")"

# No open connection left (the recycle closed them), then the freeze.
sleep 2
step "postmaster frozen for ${FREEZE} s, DB_CONNECT_TIMEOUT ${CONNECT_TIMEOUT}"
kill -STOP "$postmaster"
frozen=1
wrk -c 8 -t 2 -d "$((FREEZE + 5))s" --timeout 30s --latency -H "Authorization: Bearer $token" \
	"$base/api/tasks" >"$bench_log/during-db.txt" 2>&1 &
wrk_pid=$!
load during "$FREEZE"
sleep "$FREEZE"
thaw
wait_hey
say "/openapi.json  $(summary "$bench_log/during-openapi.txt")"
say "OPTIONS        $(summary "$bench_log/during-options.txt")"
wait "$wrk_pid" || true
say "GET /api/tasks (wrk, 8 connections, until 5 s after the thaw): $(awk '/requests in/ { r = $1 } /Non-2xx/ { n = $NF } /^ +99%/ { p = $2 } END { printf "%s answers, %s non-2xx, p99 %s", r, n ? n : 0, p }' "$bench_log/during-db.txt")"
