#!/usr/bin/env bash
# bench/sql.sh: the SQL-level figures of the extension.  What the aido_*
# calls cost when pgbench issues them directly, the way the gateway does
# (extended protocol, unnamed statements, ids bound as parameters), on a
# realistic data set, and how aido_task_list scales from a user with a
# thousand tasks to a user with a million.
#
# Runs on its own throwaway cluster (test/with-cluster) against the
# installed extension (`make -C extension install` first).  Prints a table
# and writes bench/results/sql-<date>.csv.  See bench/README.md.
#
# Tunables (environment), full size by default:
#   BENCH_USERS=1000            users with BENCH_TASKS_PER_USER tasks each
#   BENCH_TASKS_PER_USER=1000
#   BENCH_BIG_TASKS=1000000     tasks of the one extra "big" user
#   BENCH_DURATION=10           seconds per pgbench run
#   BENCH_CLIENTS=32            pgbench clients (-j BENCH_THREADS, default 2)
#   BENCH_RUNS=2                runs of each workload (the machine is shared)
#   BENCH_LIST_CALLS=200        calls per list-latency measurement
#   BENCH_LIST_ROUNDS=3         rounds of those; the best round is reported
#   BENCH_LIST_DEPTH=200        pages walked for the "deep page" figure
#   BENCH_LOAD_TRIGGER=auto     on: load through tasks_guard; off: disable
#                               it for the load; auto: off when the sample
#                               says the guard would add more than
#                               BENCH_TRIGGER_BUDGET seconds to the load
#   BENCH_TRIGGER_BUDGET=120
#   BENCH_SHARED_BUFFERS=2GB    the data set (~1.8 GB) fits, as on a real server
#   BENCH_WORKLOADS="lookup get list create update" (any bench/pgbench/NAME.sql;
#                              the *_inline and *_raw pairs set an aido_* call
#                              against its raw statement, see bench/README.md)
#   BENCH_QUICK=1               smoke test: 100 x 100 tasks, 100000 big, 3 s
#   BENCH_RESULTS=bench/results where the CSV goes
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${AIDO_BENCH_CLUSTER:-}" ]; then
	AIDO_BENCH_CLUSTER=1 exec test/with-cluster "$0" "$@"
fi

BENCH_NAME=sql.sh
. bench/lib.sh

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${BENCH_DURATION:=3}" "${BENCH_RUNS:=1}"
	: "${BENCH_LIST_CALLS:=50}" "${BENCH_LIST_DEPTH:=20}"
fi
bench_data_settings
DURATION=${BENCH_DURATION:-10}
CLIENTS=${BENCH_CLIENTS:-32}
THREADS=${BENCH_THREADS:-2}
RUNS=${BENCH_RUNS:-2}
LIST_CALLS=${BENCH_LIST_CALLS:-200}
LIST_DEPTH=${BENCH_LIST_DEPTH:-200}
LIST_ROUNDS=${BENCH_LIST_ROUNDS:-3}
WORKLOADS=${BENCH_WORKLOADS:-lookup get list create update}
RESULTS=${BENCH_RESULTS:-bench/results}
bench_posint DURATION CLIENTS THREADS RUNS LIST_CALLS LIST_DEPTH LIST_ROUNDS
log=$bench_log

# The machine and the code, for the CSV and the README.
bench_machine sql extension

step "aido SQL benchmark, $date_utc"
say "machine: $machine; load average before: $load_avg"
say "commit:  $commit"
say "data:    $USERS users x $TPU tasks + 1 user x $BIG tasks"
say "pgbench: $CLIENTS clients, $THREADS threads, ${DURATION}s, -M extended, $RUNS run(s) per workload"

bench_cluster
bench_load

# ---------------------------------------------------------------------------
# The CSV.
mkdir -p "$RESULTS"
suffix=""
if [ "${BENCH_QUICK:-0}" = 1 ]; then suffix=-quick; fi
csv="$RESULTS/sql-$(date -u +%Y%m%d-%H%M%S)$suffix.csv"
echo "date,machine,git_commit,workload,clients,duration_s,tps,latency_avg_ms,notes" >"$csv"
row() { # workload clients duration tps latency notes
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$date_utc" "$(csvq "$machine")" "$commit" "$1" "$2" "$3" "$4" "$5" "$(csvq "$6")" >>"$csv"
}

# ---------------------------------------------------------------------------
# pgbench, 32 clients: one line per run, in the table and in the CSV.
bench_pgbench_vars
pgb_common=(-n -M extended -j "$THREADS" "${pgb_vars[@]}")

# stmt_ms LOGFILE PATTERN: pgbench -r latency of the statement matching PATTERN
stmt_ms() {
	awk -v pat="$2" 'f && index($0, pat) { print $1; exit } /^statement latencies/ { f = 1 }' "$1"
}

declare -A tps_of
step "pgbench: $CLIENTS clients, ${DURATION}s each, -M extended (unnamed parameterised statements, as the gateway sends)"
say "(lookup, aido: ms per statement, pgbench -r; srv CPU: the cluster's CPU ms per transaction,"
say " connecting and warming up 32 backends included; pgbench, others: cores used by pgbench and"
say " by everything else on the machine)"
printf '%-8s %3s %7s %7s %8s %7s %7s %8s %7s %7s  %s\n' workload run clients tps "avg ms" "lookup" "aido" "srv CPU" pgbench others transactions
for w in $WORKLOADS; do
	[ -f "bench/pgbench/$w.sql" ] || { echo "sql.sh: no bench/pgbench/$w.sql" >&2; exit 2; }
	for r in $(seq 1 "$RUNS"); do
		q -c CHECKPOINT
		out="$log/$w-$r.log"
		t0=$(now)
		cpu_mark a
		pgbench_run "$out" "${pgb_common[@]}" -c "$CLIENTS" -T "$DURATION" -r -f "bench/pgbench/$w.sql"
		sleep 0.2 # the postmaster reaps the backends
		cpu_mark b
		read -r tps lat failed n < <(pgbench_stat "$out")
		read -r srv pgb others _ < <(cpu_between a b "$n" "$(since "$t0")")
		lookup=$(stmt_ms "$out" "SELECT user_id")
		aido=$(stmt_ms "$out" "aido_")
		notes="$n transactions, $failed failed; per transaction: lookup ${lookup:-0} ms, aido call ${aido:--} ms (pgbench -r), server CPU $srv ms; pgbench used $pgb cores, everything else on the machine $others cores; $trigger_note"
		printf '%-8s %3s %7s %7s %8s %7s %7s %8s %7s %7s  %s\n' "$w" "$r" "$CLIENTS" "$tps" "$lat" "${lookup:--}" "${aido:--}" "$srv" "$pgb" "$others" "$n, $failed failed"
		row "$w" "$CLIENTS" "$DURATION" "$tps" "$lat" "run $r: $notes"
		tps_of[$w,$r]=$tps
	done
	if [ "$RUNS" -ge 2 ]; then
		spread=$(awk -v a="${tps_of[$w,1]}" -v b="${tps_of[$w,2]}" 'BEGIN { m = (a > b ? a : b); printf "%.0f", m ? 100 * (a > b ? a - b : b - a) / m : 0 }')
		if [ "$spread" -gt 15 ]; then
			say "  ($w: the two runs differ by ${spread}% in tps: the machine is shared, both are reported)"
		fi
	fi
done

# ---------------------------------------------------------------------------
# aido_task_list latency: the big user against an ordinary one, first page
# and deep pages.  One client, so the figure is the call's own latency.
step "aido_task_list latency: 1 client, limit 50, sort -created_at, best of $LIST_ROUNDS x $LIST_CALLS calls"
small_uid=$(q -c "SELECT user_id FROM bench.user_ids WHERE n = 1")
small_sid=$(q -c "SELECT session_id FROM bench.user_ids WHERE n = 1")
big_uid=$(q -c "SELECT user_id FROM bench.user_ids WHERE n = 0")
big_sid=$(q -c "SELECT session_id FROM bench.user_ids WHERE n = 0")

# walk UID PAGES: the cursor after PAGES pages (or before the last page)
walk() {
	q -v uid="$1" -v pages="$2" <<'SQL'
SELECT set_config('bench.uid', :'uid', false) AS u, set_config('bench.pages', :'pages', false) AS p \gset
DO $$
DECLARE
	c text;
	page jsonb;
BEGIN
	FOR i IN 1 .. current_setting('bench.pages')::integer LOOP
		page := aido_task_list(current_setting('bench.uid')::uuid,
							   jsonb_strip_nulls(jsonb_build_object('limit', '50', 'cursor', c)));
		EXIT WHEN page ->> 'next_cursor' IS NULL;
		c := page ->> 'next_cursor';
	END LOOP;
	PERFORM set_config('bench.cursor', c, false);
END
$$;
SELECT current_setting('bench.cursor');
SQL
}
big_deep=$(walk "$big_uid" "$LIST_DEPTH")
small_last=$(walk "$small_uid" "$LIST_DEPTH")
# A cursor near the end of the big user's list (50 items from the oldest),
# made with the extension's own encoder, as if walked 20,000 pages deep.
big_end=$(q -c "SET TimeZone = 'UTC'; SELECT _aido_cursor_encode('-created_at', NULL, created_at, id)
				FROM aido.tasks t JOIN bench.user_ids u USING (user_id) WHERE u.n = 0
				ORDER BY created_at, id OFFSET 50 LIMIT 1" | tail -n1)
small_pages=$(( (TPU + 49) / 50 ))

# backend_cpu UID SID PARAMS CALLS: the CPU time one backend spends per
# aido_task_list call (from its /proc/self/schedstat), after a warm-up, in
# one session: unlike wall time, hardly moved by the others' load.
backend_cpu() {
	{
		printf '%s\n' '\o /dev/null'
		for _ in $(seq 1 10); do printf '%s\n' "SELECT aido_task_list(:'uid', :'params', :'sid');"; done
		printf '%s\n' "SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1) AS ns0 \gset"
		for _ in $(seq 1 "$4"); do printf '%s\n' "SELECT aido_task_list(:'uid', :'params', :'sid');"; done
		printf '%s\n' '\o'
		printf '%s\n' "SELECT round((split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint - :ns0) / $4 / 1e6, 3);"
	} >"$log/cpu.sql"
	q -v uid="$1" -v sid="$2" -v params="$3" -f "$log/cpu.sql" | tail -n1
}

# list_latency LABEL UID SID PARAMS: ms per call, the best of LIST_ROUNDS
# pgbench averages over LIST_CALLS calls each (the best, because the machine
# is shared: the others' load only ever adds time), and the backend's CPU
# time per call.
list_latency() {
	local out="$log/list.log" args=(-n -M extended -c 1 -j 1 -D user_id="$2" -D session_id="$3" -D params="$4" -f bench/pgbench/list_one.sql)
	local best="" all="" tps lat n cpu
	pgbench_run "$out" "${args[@]}" -t 10 # warm-up
	for _ in $(seq 1 "$LIST_ROUNDS"); do
		pgbench_run "$out" "${args[@]}" -t "$LIST_CALLS"
		read -r tps lat _ n < <(pgbench_stat "$out")
		all="$all${all:+ }$lat"
		if [ -z "$best" ] || awk -v a="$lat" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$lat; fi
	done
	cpu=$(backend_cpu "$2" "$3" "$4" "$LIST_CALLS")
	list_ms[$1]=$best
	list_cpu[$1]=$cpu
	printf '%-48s %8s %8s   %s\n' "$1" "$best" "$cpu" "$all"
	row "list_latency: $1" 1 "" "$(awk -v l="$best" 'BEGIN { printf "%.0f", 1000 / l }')" "$best" \
		"best of $LIST_ROUNDS x $LIST_CALLS calls of aido_task_list (limit 50, with a session), 1 client, pgbench -M extended; the $LIST_ROUNDS averages: $all ms; backend CPU $cpu ms per call (/proc/self/schedstat over $LIST_CALLS calls in one session); $trigger_note"
}
declare -A list_ms list_cpu
say "(ms/call: the best round's average latency; CPU ms: the backend's CPU time per call)"
printf '%-48s %8s %8s   %s\n' "case" "ms/call" "CPU ms" "(each round's average)"
s1="user with $TPU tasks, first page"
s2="user with $TPU tasks, last page (page $small_pages)"
b1="user with $BIG tasks, first page"
b2="user with $BIG tasks, page $((LIST_DEPTH + 1)) (walked)"
b3="user with $BIG tasks, last page (made cursor)"
list_latency "$s1" "$small_uid" "$small_sid" '{"limit": "50"}'
list_latency "$s2" "$small_uid" "$small_sid" "{\"limit\": \"50\", \"cursor\": \"$small_last\"}"
list_latency "$b1" "$big_uid" "$big_sid" '{"limit": "50"}'
list_latency "$b2" "$big_uid" "$big_sid" "{\"limit\": \"50\", \"cursor\": \"$big_deep\"}"
list_latency "$b3" "$big_uid" "$big_sid" "{\"limit\": \"50\", \"cursor\": \"$big_end\"}"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
say "big / ordinary user, latency: first page x$(ratio "${list_ms[$b1]}" "${list_ms[$s1]}"), last page x$(ratio "${list_ms[$b3]}" "${list_ms[$s2]}");" \
	"server CPU: first page x$(ratio "${list_cpu[$b1]}" "${list_cpu[$s1]}"), last page x$(ratio "${list_cpu[$b3]}" "${list_cpu[$s2]}")" \
	"(1.00 = as fast with $BIG tasks as with $TPU)"

# ---------------------------------------------------------------------------
# The plans: the query aido_task_list builds, with the big user's values,
# and the plan actually used inside the function (auto_explain, nested).
step "plans for the user with $BIG tasks"
plans="${csv%.csv}.plans.txt"
q -v uid="$big_uid" -v cur="$big_end" -v sid="$big_sid" <<'SQL' | tee "$plans"
SET TimeZone = 'UTC';
SELECT c.created_at AS cur_created, c.id AS cur_id
FROM _aido_cursor_decode(:'cur', '-created_at') AS c \gset
\echo '-- first page: SELECT to_jsonb(t) ... WHERE t.user_id = $1 ORDER BY t.created_at DESC, t.id DESC LIMIT 51'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT to_jsonb(t) AS j, NULL::text AS k, t.created_at AS c, t.id AS i
FROM aido.tasks t WHERE t.user_id = :'uid'
ORDER BY t.created_at DESC, t.id DESC LIMIT 51;
\echo '-- last page: ... AND (t.created_at, t.id) < ($9, $10) ORDER BY t.created_at DESC, t.id DESC LIMIT 51'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT to_jsonb(t) AS j, NULL::text AS k, t.created_at AS c, t.id AS i
FROM aido.tasks t WHERE t.user_id = :'uid' AND (t.created_at, t.id) < (:'cur_created', :'cur_id'::uuid)
ORDER BY t.created_at DESC, t.id DESC LIMIT 51;
SQL
say "-- inside aido_task_list, last page (auto_explain of its nested statement on aido.tasks):"
q -v uid="$big_uid" -v cur="$big_end" -v sid="$big_sid" 2>&1 >/dev/null <<'SQL' |
\set VERBOSITY terse
\set SHOW_CONTEXT never
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
SELECT aido_task_list(:'uid', jsonb_build_object('limit', '50', 'cursor', :'cur'), :'sid');
SQL
	awk '/^NOTICE:/ { if (keep) printf "%s", block; block = ""; keep = 0 }
		/FROM aido\.tasks [a-z] WHERE/ { keep = 1 }
		{ block = block $0 "\n" }
		END { if (keep) printf "%s", block }' | tee -a "$plans"

# ---------------------------------------------------------------------------
step "done"
say "CSV: $csv; plans: $plans"
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
