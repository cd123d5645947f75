#!/usr/bin/env bash
# bench/events.sh (make bench-events): the change feed under many
# subscribers, and what the change log costs writers.  Not a test.
#
# On a throwaway cluster (test/with-cluster), with the installed extension
# and the built gateway:
#  1. SSE subscribers (bench/events_load.py) on the real gateway: with a
#     few, then with BENCH_SUBSCRIBERS (1,000), idle for BENCH_IDLE
#     seconds: the calls of aido_events_poll and the transactions per
#     second that reach the database (pg_stat_user_functions,
#     pg_stat_database), and the gateway's RSS (its Kore processes);
#  2. with all of them connected, BENCH_WRITES PATCHes at BENCH_RATE/s:
#     the delay from sending a write to its event at each subscriber of
#     that user (p50, p99, max);
#  3. pgbench updating tasks through aido_task_update, with the tasks_log
#     trigger and with it disabled, alternately, BENCH_RUNS times each:
#     writes/s and their ratio (the goal: at least 0.85).
# Prints the figures; bench/README.md keeps them with the date.
#
# Tunables: BENCH_SUBSCRIBERS=1000 BENCH_FEW=10 BENCH_USERS=100
#   BENCH_IDLE=10 BENCH_WRITES=200 BENCH_RATE=20 BENCH_DURATION=10
#   BENCH_CLIENTS=8 BENCH_RUNS=2
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${AIDO_BENCH_CLUSTER:-}" ]; then
	AIDO_BENCH_CLUSTER=1 exec test/with-cluster "$0" "$@"
fi

SUBS=${BENCH_SUBSCRIBERS:-1000}
FEW=${BENCH_FEW:-10}
USERS=${BENCH_USERS:-100}
IDLE=${BENCH_IDLE:-10}
WRITES=${BENCH_WRITES:-200}
RATE=${BENCH_RATE:-20}
DURATION=${BENCH_DURATION:-10}
CLIENTS=${BENCH_CLIENTS:-8}
RUNS=${BENCH_RUNS:-2}
DB=aido_bench_events
dir=$(mktemp -d -t aido-bench-events.XXXXXX)
gw_pid=
cleanup() {
	[ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"

createdb "$DB"
q -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION aido' \
	-c 'SELECT aido_bootstrap()' >/dev/null
q -c "ALTER DATABASE $DB SET track_functions = 'all'" \
	-c "ALTER DATABASE $DB SET aido.password_memory_kib = 1024" \
	-c "ALTER DATABASE $DB SET aido.password_iterations = 1"
gw_pw=$(head -c 18 /dev/urandom | base64 | tr -d '+/=')
q -c "CREATE ROLE aido_bench_ev LOGIN PASSWORD '$gw_pw' IN ROLE aido_api"
secret=$(head -c 32 /dev/urandom | base64 | tr -d '+/=')

# Users, each with a session and a task; their tokens signed as the
# gateway signs its own (HS256: sub, sid, iat, exp).
q -c "SELECT s ->> 'session_id', s -> 'user' ->> 'id',
	aido_task_create((s -> 'user' ->> 'id')::uuid, '{\"title\": \"bench\"}') ->> 'id'
	FROM (SELECT aido_signup(jsonb_build_object('email', 'ev' || i || '@example.com',
		'password', 'password123')) AS s FROM generate_series(1, $USERS) i) x" |
	JWT_SECRET=$secret python3 -c '
import base64, hashlib, hmac, json, os, sys, time
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=")
key = os.environ["JWT_SECRET"].encode()
for line in sys.stdin:
    sid, uid, tid = line.strip().split("|")
    now = int(time.time())
    h = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    c = b(json.dumps({"sub": uid, "sid": sid, "iat": now, "exp": now + 86400}).encode())
    s = b(hmac.new(key, h + b"." + c, hashlib.sha256).digest())
    print((h + b"." + c + b"." + s).decode(), uid, tid)
' > "$dir/tokens"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env DATABASE_URL="postgresql://aido_bench_ev:$gw_pw@127.0.0.1:$PGPORT/$DB" \
	JWT_SECRET="$secret" API_HOST=127.0.0.1 API_PORT="$port" \
	gateway/start >"$dir/gateway.log" 2>&1 &
gw_pid=$!
for _ in $(seq 1 100); do
	curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
	sleep 0.2
done
base=http://127.0.0.1:$port

polls() { q -c "SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions WHERE funcname = 'aido_events_poll'"; }
xacts() { q -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$DB'"; }
rss_kib() {
	local p sum=0
	for p in $(pgrep -P "$gw_pid") "$gw_pid"; do
		sum=$((sum + $(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
	done
	echo "$sum"
}
# per_second CMD: CMD's value grows by how much per second over IDLE s
per_second() {
	local a b
	a=$($1); sleep "$IDLE"; b=$($1)
	awk -v a="$a" -v b="$b" -v t="$IDLE" 'BEGIN { printf "%.1f", (b - a) / t }'
}

# idle N: N subscribers connected and idle; prints polls/s, xacts/s, RSS
idle_run() {
	local n=$1 writes=$2 line
	coproc LOAD { python3 bench/events_load.py "$base" "$dir/tokens" "$n" "$writes" "$RATE" 2>&1; }
	while read -r line <&"${LOAD[0]}"; do
		case $line in
		"READY connected") break ;;
		*) echo "  $line" ;;
		esac
	done
	sleep 2
	echo "  $n subscribers: aido_events_poll $(per_second polls)/s," \
		"transactions $(per_second xacts)/s, gateway RSS $(( $(rss_kib) / 1024 )) MiB"
	echo go >&"${LOAD[1]}"
	while read -r line <&"${LOAD[0]}"; do
		case $line in
		"READY done") break ;;
		*) echo "  $line" ;;
		esac
	done
	echo go >&"${LOAD[1]}"
	wait "$LOAD_PID" 2>/dev/null || true
}

echo "== idle subscribers ($IDLE s each), then $WRITES writes at $RATE/s"
echo "  gateway RSS before any subscriber: $(( $(rss_kib) / 1024 )) MiB"
idle_run "$FEW" 0
idle_run "$SUBS" "$WRITES"

echo "== write throughput: aido_task_update, $CLIENTS clients, $DURATION s, with and without the change log"
kill "$gw_pid"; wait "$gw_pid" 2>/dev/null || true; gw_pid=
q -c "CREATE TABLE bench_ids AS SELECT row_number() OVER () AS n, user_id, id AS task_id FROM aido.tasks"
cat >"$dir/update.sql" <<SQL
\set n random(1, $USERS)
SELECT aido_task_update(user_id, task_id, '{"priority": "high", "description": "d"}') FROM bench_ids WHERE n = :n;
SQL
tps() { pgbench -n -M extended -c "$CLIENTS" -j 2 -T "$DURATION" -f "$dir/update.sql" "$DB" 2>/dev/null |
	awk '/^tps/ { printf "%.0f", $3 }'; }
with=() without=()
for r in $(seq 1 "$RUNS"); do
	q -c 'ALTER TABLE aido.tasks ENABLE TRIGGER tasks_log'
	with+=("$(tps)")
	q -c 'ALTER TABLE aido.tasks DISABLE TRIGGER tasks_log'
	without+=("$(tps)")
done
q -c 'ALTER TABLE aido.tasks ENABLE TRIGGER tasks_log'
echo "  with the log: ${with[*]} writes/s; without: ${without[*]} writes/s"
awk -v a="${with[*]}" -v b="${without[*]}" 'BEGIN {
	n = split(a, x, " "); split(b, y, " ");
	for (i = 1; i <= n; i++) { sa += x[i]; sb += y[i] }
	printf "  ratio (mean with / mean without): %.2f (goal >= 0.85)\n", sa / sb }'
