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
#   BENCH_WORKLOADS="lookup get list create update"
#   BENCH_QUICK=1               smoke test: 100 x 100 tasks, 100000 big, 3 s
#   BENCH_RESULTS=bench/results where the CSV goes
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${AIDO_BENCH_CLUSTER:-}" ]; then
	AIDO_BENCH_CLUSTER=1 exec test/with-cluster "$0" "$@"
fi

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${BENCH_USERS:=100}" "${BENCH_TASKS_PER_USER:=100}"
	: "${BENCH_BIG_TASKS:=100000}" "${BENCH_DURATION:=3}" "${BENCH_RUNS:=1}"
	: "${BENCH_LIST_CALLS:=50}" "${BENCH_LIST_DEPTH:=20}"
fi
USERS=${BENCH_USERS:-1000}
TPU=${BENCH_TASKS_PER_USER:-1000}
BIG=${BENCH_BIG_TASKS:-1000000}
DURATION=${BENCH_DURATION:-10}
CLIENTS=${BENCH_CLIENTS:-32}
THREADS=${BENCH_THREADS:-2}
RUNS=${BENCH_RUNS:-2}
LIST_CALLS=${BENCH_LIST_CALLS:-200}
LIST_DEPTH=${BENCH_LIST_DEPTH:-200}
LIST_ROUNDS=${BENCH_LIST_ROUNDS:-3}
LOAD_TRIGGER=${BENCH_LOAD_TRIGGER:-auto}
TRIGGER_BUDGET=${BENCH_TRIGGER_BUDGET:-120}
SHARED_BUFFERS=${BENCH_SHARED_BUFFERS:-2GB}
WORKLOADS=${BENCH_WORKLOADS:-lookup get list create update}
RESULTS=${BENCH_RESULTS:-bench/results}
SAMPLE=20000 # rows of the trigger-cost sample

for v in USERS TPU BIG DURATION CLIENTS THREADS RUNS LIST_CALLS LIST_DEPTH LIST_ROUNDS TRIGGER_BUDGET; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "sql.sh: $v must be a positive integer, not '${!v}'" >&2; exit 2; }
done
case $LOAD_TRIGGER in on | off | auto) ;; *) echo "sql.sh: BENCH_LOAD_TRIGGER must be on, off or auto" >&2; exit 2 ;; esac
[ $((USERS * TPU)) -ge "$SAMPLE" ] || SAMPLE=$((USERS * TPU))
command -v pgbench >/dev/null || { echo "sql.sh: pgbench not found (postgresql-15 ships it)" >&2; exit 1; }

DB=aido_bench
log=$(mktemp -d -t aido-sqlbench.XXXXXX)
trap 'rm -rf "$log"' EXIT

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------------------
# The machine and the code, for the CSV and the README.
date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
ram=$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
machine="$(nproc) x ${model:-unknown cpu}, $ram RAM"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git diff --quiet HEAD -- sql extension 2>/dev/null; then commit="$commit+local-changes"; fi
# The figures are of the installed extension: say so when it is not this tree's.
installed_sql="$(pg_config --sharedir)/extension/aido--0.1.0.sql"
if ! cmp -s "$installed_sql" sql/aido--0.1.0.sql; then
	echo "sql.sh: warning: the installed $installed_sql differs from sql/aido--0.1.0.sql; run make -C extension install" >&2
	commit="$commit+installed-differs"
fi
load_avg=$(cut -d' ' -f1-3 /proc/loadavg)

step "aido SQL benchmark, $date_utc"
say "machine: $machine; load average before: $load_avg"
say "commit:  $commit"
say "data:    $USERS users x $TPU tasks + 1 user x $BIG tasks"
say "pgbench: $CLIENTS clients, $THREADS threads, ${DURATION}s, -M extended, $RUNS run(s) per workload"

# ---------------------------------------------------------------------------
# The cluster: test/with-cluster gives fsync=off and 128MB shared buffers.
# Give it room for the data set, as a real server would have (restart keeps
# with-cluster's command-line options; -l keeps its log file).
step "cluster"
q -d postgres -c "ALTER SYSTEM SET shared_buffers = '$SHARED_BUFFERS'"
as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi
"${as_owner[@]}" "$(pg_config --bindir)/pg_ctl" -D "$AIDO_PGDATA" -l "$AIDO_PGLOG" -w -m fast restart >/dev/null
say "PostgreSQL $(q -d postgres -c 'SHOW server_version'), shared_buffers $(q -d postgres -c 'SHOW shared_buffers'), fsync $(q -d postgres -c 'SHOW fsync') (commits are not flushed: write figures are CPU, not disk)"
createdb "$DB"
q -c "SET client_min_messages = warning" -c "CREATE EXTENSION aido" -c "SELECT count(*) FROM aido_bootstrap()" >/dev/null
say "extension $(q -c "SELECT extversion FROM pg_extension WHERE extname = 'aido'") installed and bootstrapped"

# ---------------------------------------------------------------------------
# Users, the lookup tables, and the task generator.
#
# bench.user_ids(n, user_id, session_id): n = 1..USERS are the ordinary
# users, n = 0 is the big one.  bench.task_ids(n, user_id, task_id,
# session_id) numbers the ordinary users' tasks, so that pgbench can pick a
# random one with \set n random(1, N).
step "data"
t0=$(now)
hash=$(q -c "SELECT aido_hash_password('correct horse battery staple')")
q -v hash="$hash" -v users="$USERS" -v tpu="$TPU" -v big="$BIG" <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA bench;
CREATE TABLE bench.user_ids (n integer PRIMARY KEY, user_id uuid NOT NULL UNIQUE,
							 session_id uuid, tasks integer NOT NULL);

-- One precomputed argon2id hash for everyone: hashing is not what we measure.
WITH u AS (
	INSERT INTO aido.users (email, password_hash, name, created_at, updated_at)
	SELECT format('bench%s@example.com', n), :'hash', format('Bench User %s', n),
		   now() - interval '800 days' + n * interval '10 minutes',
		   now() - interval '800 days' + n * interval '10 minutes'
	FROM generate_series(0, :users) AS n
	RETURNING id, email)
INSERT INTO bench.user_ids (n, user_id, tasks)
SELECT m.n, u.id, CASE m.n WHEN 0 THEN :big ELSE :tpu END
FROM u, LATERAL (SELECT substring(u.email FROM '^bench([0-9]+)@')::integer AS n) AS m;

-- Sessions straight into aido.sessions, valid for a day.
WITH s AS (
	INSERT INTO aido.sessions (user_id, expires_at, user_agent)
	SELECT user_id, now() + interval '1 day', 'bench/sql.sh' FROM bench.user_ids
	RETURNING id, user_id)
UPDATE bench.user_ids b SET session_id = s.id FROM s WHERE s.user_id = b.user_id;

/*
 * p_count tasks of one user, as the app would have stored them, and already
 * in the form tasks_guard leaves them in, so that a load with the guard
 * disabled stores exactly what the guard would: titles trimmed, tags
 * lowercase, trimmed and distinct (a slice of a list of distinct tags),
 * completed_at set iff completed, recurring false.  created_at is spread
 * over two years, due dates (30% none) up to 60 days after it, 40% are
 * completed, priorities 30% low, 50% medium, 20% high.
 */
CREATE FUNCTION bench.gen_tasks(p_user uuid, p_count integer)
RETURNS TABLE (user_id uuid, title text, description text, completed boolean,
			   completed_at timestamptz, priority text, tags text[],
			   due_date timestamptz, created_at timestamptz, updated_at timestamptz)
LANGUAGE sql VOLATILE
AS $$
	SELECT p_user,
		   (ARRAY['Buy milk', 'Call the dentist', 'Write the quarterly report',
				  'Review the pull request', 'Book flights to Lisbon',
				  'Pay the electricity bill', 'Renew passport',
				  'Plan the team offsite', 'Fix the leaking tap',
				  'Read chapter 7'])[1 + (r.r1 * 10)::integer % 10] || ' #' || r.i,
		   CASE WHEN r.r2 < 0.4 THEN NULL
				ELSE 'Notes for task ' || r.i || ':' || repeat(' details', 1 + (r.r2 * 30)::integer) END,
		   r.r5 < 0.4,
		   CASE WHEN r.r5 < 0.4 THEN r.created + (now() - r.created) * r.r6 END,
		   CASE WHEN r.r3 < 0.3 THEN 'low' WHEN r.r3 < 0.8 THEN 'medium' ELSE 'high' END,
		   (ARRAY['work', 'home', 'errands', 'health', 'finance', 'reading', 'family', 'q3'])
				[1 + (r.r4 * 8)::integer % 8 : (r.r4 * 8)::integer % 8 + (r.r6 * 4)::integer % 4],
		   CASE WHEN r.r2 BETWEEN 0.2 AND 0.5 THEN NULL
				ELSE date_trunc('hour', r.created + r.r4 * interval '60 days') END,
		   r.created,
		   CASE WHEN r.r5 < 0.4 THEN r.created + (now() - r.created) * r.r6 ELSE r.created END
	FROM (SELECT i, now() - random() * interval '730 days' AS created,
				 random() AS r1, random() AS r2, random() AS r3, random() AS r4,
				 random() AS r5, random() AS r6
		  FROM generate_series(1, p_count) AS i) AS r
$$;

/* Milliseconds that one statement takes. */
CREATE FUNCTION bench.ms(stmt text) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
BEGIN
	EXECUTE stmt;
	RETURN round((extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric, 1);
END
$$;
SQL
say "users and sessions: $((USERS + 1)) in $(since "$t0") s"

# ---------------------------------------------------------------------------
# What tasks_guard costs per row, on a sample inserted both ways, and proof
# that the generator's rows are what the guard would have stored.
cols="id, user_id, title, description, completed, completed_at, priority, tags, due_date, created_at, updated_at"
read -r with_ms without_ms changed < <(q -v sample="$SAMPLE" -v cols="$cols" <<'SQL' | tr '|' ' '
SET client_min_messages = warning;
CREATE TEMP TABLE sample AS
SELECT gen_random_uuid() AS id, g.*
FROM bench.user_ids u, LATERAL bench.gen_tasks(u.user_id, :sample) AS g WHERE u.n = 1;
CREATE TEMP TABLE verdict (with_ms numeric, without_ms numeric, changed bigint);

INSERT INTO verdict (with_ms)
SELECT bench.ms('INSERT INTO aido.tasks (' || :'cols' || ') SELECT ' || :'cols' || ' FROM sample');
-- The guard may only have set completed_at (to the time of the insert).
UPDATE verdict SET changed = (
	SELECT count(*) FROM sample s JOIN aido.tasks t USING (id)
	WHERE (t.title, t.description, t.completed, t.priority, t.tags, t.due_date,
		   t.recurring, t.recurring_pattern, t.created_at)
		  IS DISTINCT FROM
		  (s.title, s.description, s.completed, s.priority, s.tags, s.due_date,
		   false, NULL::text, s.created_at)
		  OR (t.completed_at IS NULL) <> (s.completed_at IS NULL));
DELETE FROM aido.tasks;

ALTER TABLE aido.tasks DISABLE TRIGGER tasks_guard;
UPDATE verdict SET without_ms =
	bench.ms('INSERT INTO aido.tasks (' || :'cols' || ') SELECT ' || :'cols' || ' FROM sample');
DELETE FROM aido.tasks;
ALTER TABLE aido.tasks ENABLE TRIGGER tasks_guard;
SELECT with_ms, without_ms, changed FROM verdict;
SQL
)
total=$((USERS * TPU + BIG))
us_with=$(awk -v ms="$with_ms" -v n="$SAMPLE" 'BEGIN { printf "%.1f", ms * 1000 / n }')
us_without=$(awk -v ms="$without_ms" -v n="$SAMPLE" 'BEGIN { printf "%.1f", ms * 1000 / n }')
guard_s=$(awk -v a="$us_with" -v b="$us_without" -v n="$total" 'BEGIN { s = (a - b) * n / 1e6; printf "%.0f", s < 0 ? 0 : s }')
say "tasks_guard on a $SAMPLE-row sample: $us_with us/row with it, $us_without us/row without" \
	"(so ~$(awk -v a="$us_with" -v b="$us_without" 'BEGIN { printf "%.1f", a - b }') us/row is the guard);" \
	"for $total rows the guard adds ~${guard_s} s (the sample goes into an empty table: the real load is slower, index upkeep grows with the table)"
if [ "$changed" != 0 ]; then
	echo "sql.sh: the guard changed $changed generated rows: the generator does not produce normalised rows, so the guard cannot be skipped" >&2
	if [ "$LOAD_TRIGGER" = off ]; then exit 1; fi
	LOAD_TRIGGER=on
fi
say "the guard stored every sample row exactly as generated (only completed_at is its own): the generator's rows satisfy every rule"

if [ "$LOAD_TRIGGER" = auto ]; then
	if [ "$guard_s" -gt "$TRIGGER_BUDGET" ]; then LOAD_TRIGGER=off; else LOAD_TRIGGER=on; fi
fi
trigger_note="tasks loaded with tasks_guard enabled"
if [ "$LOAD_TRIGGER" = off ]; then
	trigger_note="tasks loaded with tasks_guard DISABLED (ALTER TABLE aido.tasks DISABLE TRIGGER tasks_guard; it would have added ~${guard_s} s), re-enabled after; rows verified"
fi

# ---------------------------------------------------------------------------
# The load: all tasks in one statement, in created_at order, so that each
# user's tasks are spread over the table as they would be after two years
# of use (not packed user by user, which would flatter the list queries).
t0=$(now)
q -v state="$([ "$LOAD_TRIGGER" = off ] && echo DISABLE || echo ENABLE)" <<'SQL'
SET client_min_messages = warning;
SET work_mem = '512MB';
SET maintenance_work_mem = '512MB';
VACUUM aido.tasks;
BEGIN;
ALTER TABLE aido.tasks :state TRIGGER tasks_guard;
INSERT INTO aido.tasks (user_id, title, description, completed, completed_at, priority,
						tags, due_date, created_at, updated_at)
SELECT g.*
FROM bench.user_ids u, LATERAL bench.gen_tasks(u.user_id, u.tasks) AS g
ORDER BY g.created_at;
ALTER TABLE aido.tasks ENABLE TRIGGER tasks_guard;
COMMIT;
SQL
say "tasks: $total in $(since "$t0") s ($([ "$LOAD_TRIGGER" = off ] && echo "tasks_guard DISABLED during the load, re-enabled after" || echo "through tasks_guard"))"
say "tasks_guard is $(q -c "SELECT CASE tgenabled WHEN 'D' THEN 'DISABLED' ELSE 'enabled' END FROM pg_trigger WHERE tgname = 'tasks_guard'") now"

if [ "$LOAD_TRIGGER" = off ]; then
	# The same test the guard applies, on a random sample of what was loaded.
	t0=$(now)
	pct=$(awk -v n="$total" 'BEGIN { p = 5000000 / n; if (p > 100) p = 100; printf "%.4f", p }')
	read -r checked bad < <(q -c "
		SELECT count(*), count(*) FILTER (WHERE
				aido_validate_task(to_jsonb(t) - ARRAY['id', 'user_id', 'created_at', 'updated_at',
													   'completed_at', 'next_occurrence_id']) <> '[]'
				OR t.title <> _aido_trim(t.title)
				OR t.tags <> _aido_normalize_tags(t.tags)
				OR t.completed <> (t.completed_at IS NOT NULL)
				OR t.recurring OR t.recurring_pattern IS NOT NULL)
		FROM aido.tasks t TABLESAMPLE BERNOULLI ($pct)" | tr '|' ' ')
	[ "$bad" = 0 ] || { echo "sql.sh: $bad of $checked loaded rows break a task rule" >&2; exit 1; }
	say "verified $checked random loaded rows against the guard's rules: none breaks one ($(since "$t0") s)"
fi

t0=$(now)
q <<'SQL'
SET client_min_messages = warning;
CREATE TABLE bench.task_ids AS
SELECT (row_number() OVER ())::integer AS n, t.user_id, t.id AS task_id, u.session_id
FROM aido.tasks t JOIN bench.user_ids u ON u.user_id = t.user_id AND u.n > 0;
ALTER TABLE bench.task_ids ADD PRIMARY KEY (n);
VACUUM ANALYZE;
CHECKPOINT;
SQL
ntasks=$(q -c "SELECT count(*) FROM bench.task_ids")
say "lookup tables, VACUUM ANALYZE: $(since "$t0") s; $ntasks tasks of ordinary users to pick from"
say "database: $(q -c "SELECT pg_size_pretty(pg_database_size(current_database()))"), aido.tasks $(q -c "SELECT pg_size_pretty(pg_table_size('aido.tasks'))") + indexes $(q -c "SELECT pg_size_pretty(pg_indexes_size('aido.tasks'))")"

# ---------------------------------------------------------------------------
# The CSV.
mkdir -p "$RESULTS"
suffix=""
if [ "${BENCH_QUICK:-0}" = 1 ]; then suffix=-quick; fi
csv="$RESULTS/sql-$(date -u +%Y%m%d-%H%M%S)$suffix.csv"
csvq() { local s=${1//\"/\"\"}; printf '"%s"' "$s"; }
echo "date,machine,git_commit,workload,clients,duration_s,tps,latency_avg_ms,notes" >"$csv"
row() { # workload clients duration tps latency notes
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$date_utc" "$(csvq "$machine")" "$commit" "$1" "$2" "$3" "$4" "$5" "$(csvq "$6")" >>"$csv"
}

# ---------------------------------------------------------------------------
# pgbench, 32 clients: one line per run, in the table and in the CSV.
pgb_common=(-n -M extended -j "$THREADS" -D nusers="$USERS" -D ntasks="$ntasks"
	-D params='{"limit": "50"}'
	-D body='{"title": "Prepare the slides for Monday", "description": "Ten slides at most: numbers from finance, the roadmap, open questions.", "priority": "high", "tags": ["work", "slides"], "due_date": "2026-03-02T09:00:00+01:00"}')

# pgbench_run LOGFILE ARGS...: runs pgbench, fails loudly with its output.
pgbench_run() {
	local out=$1; shift
	if ! pgbench "$@" "$DB" >"$out" 2>&1 || grep -q 'aborted' "$out"; then
		echo "sql.sh: pgbench $* failed:" >&2
		head -n 30 "$out" >&2
		exit 1
	fi
}
# stat LOGFILE: "tps latency_ms failed processed"
stat() {
	awk '/^tps = / { tps = $3 }
		/^latency average = / { lat = $4 }
		/^number of failed transactions: / { failed = $5 }
		/^number of transactions actually processed: / { n = $6; sub(/\/.*/, "", n) }
		END { printf "%.0f %.3f %s %s\n", tps, lat, (failed == "" ? 0 : failed), n }' "$1"
}
# CPU accounting, so that figures taken on a shared machine can be judged:
# what the cluster spent per call (its live processes, plus in the
# postmaster's cutime/cstime every backend that has exited), what pgbench
# spent, and what everything else on the machine took meanwhile.  In ticks
# of CLK_TCK, read from /proc.
clk_tck=$(getconf CLK_TCK)
pm_pid=$(head -n1 "$AIDO_PGDATA/postmaster.pid")
cluster_ticks() {
	local t v c
	t=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pm_pid/stat")
	for c in $(pgrep -P "$pm_pid"); do
		v=$(awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null || true)
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
# cpu_mark NAME: remember the counters (run in this shell: `times` reports
# this shell's children, pgbench among them)
cpu_mark() {
	times >"$log/times"
	printf '%s %s %s\n' "$(cluster_ticks)" "$(machine_ticks)" \
		"$(awk -v hz="$clk_tck" 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] } printf "%.0f", n * hz }' "$log/times")" >"$log/mark.$1"
}
# cpu_between A B CALLS SECONDS: "server_ms_per_call pgbench_cores others_cores"
cpu_between() {
	read -r c0 m0 p0 <"$log/mark.$1"
	read -r c1 m1 p1 <"$log/mark.$2"
	awk -v c="$((c1 - c0))" -v m="$((m1 - m0))" -v p="$((p1 - p0))" -v n="$3" -v s="$4" -v hz="$clk_tck" \
		'BEGIN { o = m - c - p; if (o < 0) o = 0
			printf "%.3f %.2f %.2f\n", c * 1000 / hz / n, p / hz / s, o / hz / s }'
}

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
		read -r tps lat failed n < <(stat "$out")
		read -r srv pgb others < <(cpu_between a b "$n" "$(since "$t0")")
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
		read -r tps lat _ n < <(stat "$out")
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
		/FROM aido\.tasks t WHERE/ { keep = 1 }
		{ block = block $0 "\n" }
		END { if (keep) printf "%s", block }' | tee -a "$plans"

# ---------------------------------------------------------------------------
step "done"
say "CSV: $csv; plans: $plans"
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
