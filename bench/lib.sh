# bench/lib.sh: what the benchmarks share, sourced by bench/sql.sh and
# bench/run (never run on its own).  The caller sets BENCH_NAME (for
# messages), runs from the repository root under test/with-cluster, with
# `set -euo pipefail`.
#
#	bench_data_settings	USERS, TPU, BIG, the load's settings (from the
#				environment; BENCH_QUICK=1: 100 x 100 + 100,000)
#	bench_machine PATHS	date_utc, machine, commit (+local-changes when
#				PATHS differ from HEAD), load_avg
#	bench_cluster		shared_buffers for the data set, the database
#				$DB with the extension, bootstrapped
#	bench_load		users, sessions, tasks, bench.user_ids and
#				bench.task_ids; sets ntasks, total, trigger_note
#	pgbench_run, pgbench_stat, cpu_mark, cpu_between, csvq
#
# The data set (bench_load): 1,000 users x 1,000 tasks and one user with
# 1,000,000, as after two years of use; see bench/README.md.

DB=${DB:-aido_bench}

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
bench_die() { echo "$BENCH_NAME: $*" >&2; exit 1; }

# bench_posint VAR...: each must hold a positive integer.
bench_posint() {
	local v
	for v in "$@"; do
		[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "$BENCH_NAME: $v must be a positive integer, not '${!v}'" >&2; exit 2; }
	done
}

# A scratch directory for logs, removed at exit (callers may add to the trap
# with bench_on_exit).
bench_log=$(mktemp -d -t aido-bench.XXXXXX)
bench_exit_hooks=()
bench_on_exit() { bench_exit_hooks+=("$1"); }
bench_exit() {
	local h
	for h in "${bench_exit_hooks[@]}"; do eval "$h" || true; done
	if [ "${BENCH_KEEP_LOGS:-0}" = 1 ]; then
		echo "$BENCH_NAME: logs kept in $bench_log" >&2
	else
		rm -rf "$bench_log"
	fi
}
trap bench_exit EXIT

# ---------------------------------------------------------------------------
bench_data_settings() {
	if [ "${BENCH_QUICK:-0}" = 1 ]; then
		: "${BENCH_USERS:=100}" "${BENCH_TASKS_PER_USER:=100}" "${BENCH_BIG_TASKS:=100000}"
	fi
	USERS=${BENCH_USERS:-1000}
	TPU=${BENCH_TASKS_PER_USER:-1000}
	BIG=${BENCH_BIG_TASKS:-1000000}
	LOAD_TRIGGER=${BENCH_LOAD_TRIGGER:-auto}
	TRIGGER_BUDGET=${BENCH_TRIGGER_BUDGET:-120}
	SHARED_BUFFERS=${BENCH_SHARED_BUFFERS:-2GB}
	SAMPLE=20000 # rows of the trigger-cost sample
	bench_posint USERS TPU BIG TRIGGER_BUDGET
	case $LOAD_TRIGGER in on | off | auto) ;; *) echo "$BENCH_NAME: BENCH_LOAD_TRIGGER must be on, off or auto" >&2; exit 2 ;; esac
	[ $((USERS * TPU)) -ge "$SAMPLE" ] || SAMPLE=$((USERS * TPU))
	command -v pgbench >/dev/null || bench_die "pgbench not found (postgresql-15 ships it)"
}

# bench_machine PATH...: the machine and the code, for the CSV and the
# README; the commit gets "+local-changes" when PATHs differ from HEAD.
bench_machine() {
	date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	local model ram installed_sql version
	model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
	ram=$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
	machine="$(nproc) x ${model:-unknown cpu}, $ram RAM"
	commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	if ! git diff --quiet HEAD -- "$@" 2>/dev/null; then commit="$commit+local-changes"; fi
	# The figures are of the installed extension: say so when it is not this tree's.
	# The script of the version under development is cat sql/src/*.sql.
	version=$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" extension/aido.control)
	installed_sql="$(pg_config --sharedir)/extension/aido--$version.sql"
	if ! cat sql/src/*.sql | cmp -s "$installed_sql" -; then
		echo "$BENCH_NAME: warning: the installed $installed_sql differs from sql/src/*.sql; run make -C extension install" >&2
		commit="$commit+installed-differs"
	fi
	load_avg=$(cut -d' ' -f1-3 /proc/loadavg)
}

# The cluster: test/with-cluster gives fsync=off and 128MB shared buffers.
# Give it room for the data set, as a real server would have (restart keeps
# with-cluster's command-line options; -l keeps its log file).
bench_cluster() {
	step "cluster"
	q -d postgres -c "ALTER SYSTEM SET shared_buffers = '$SHARED_BUFFERS'"
	local as_owner=()
	if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi
	"${as_owner[@]}" "$(pg_config --bindir)/pg_ctl" -D "$AIDO_PGDATA" -l "$AIDO_PGLOG" -w -m fast restart >/dev/null
	say "PostgreSQL $(q -d postgres -c 'SHOW server_version'), shared_buffers $(q -d postgres -c 'SHOW shared_buffers'), fsync $(q -d postgres -c 'SHOW fsync') (commits are not flushed: write figures are CPU, not disk)"
	createdb "$DB"
	q -c "SET client_min_messages = warning" -c "CREATE EXTENSION aido" -c "SELECT count(*) FROM aido_bootstrap()" >/dev/null
	say "extension $(q -c "SELECT extversion FROM pg_extension WHERE extname = 'aido'") installed and bootstrapped"
}

# ---------------------------------------------------------------------------
# Users, the lookup tables, and the task generator.
#
# bench.user_ids(n, user_id, session_id, email): n = 1..USERS are the
# ordinary users, n = 0 is the big one; every password is BENCH_PASSWORD.
# bench.task_ids(n, user_id, task_id, session_id) numbers the ordinary
# users' tasks, so that pgbench can pick a random one with
# \set n random(1, N).
BENCH_PASSWORD='correct horse battery staple'

bench_load() {
	step "data"
	local t0 hash bcrypt cols us_with us_without guard_s with_ms without_ms changed pct checked bad
	t0=$(now)
	hash=$(q -v pw="$BENCH_PASSWORD" <<<"SELECT aido_hash_password(:'pw')")
	# and the bcrypt hash signup keeps beside it (docs/passwords.md): without
	# it every user's first login computes one, and the login workload,
	# which picks a random user, would measure mostly first logins.
	bcrypt=$(q -v pw="$BENCH_PASSWORD" -v hash="$hash" <<<"SELECT _aido_portable_hash(:'pw', :'hash')")
	q -v hash="$hash" -v bcrypt="$bcrypt" -v users="$USERS" -v tpu="$TPU" -v big="$BIG" <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA bench;
CREATE TABLE bench.user_ids (n integer PRIMARY KEY, user_id uuid NOT NULL UNIQUE,
							 session_id uuid, tasks integer NOT NULL, email text NOT NULL);

-- One precomputed argon2id hash for everyone: hashing is not what we measure.
WITH u AS (
	INSERT INTO aido.users (email, password_hash, password_bcrypt, name, created_at, updated_at)
	SELECT format('bench%s@example.com', n), :'hash', :'bcrypt', format('Bench User %s', n),
		   now() - interval '800 days' + n * interval '10 minutes',
		   now() - interval '800 days' + n * interval '10 minutes'
	FROM generate_series(0, :users) AS n
	RETURNING id, email)
INSERT INTO bench.user_ids (n, user_id, tasks, email)
SELECT m.n, u.id, CASE m.n WHEN 0 THEN :big ELSE :tpu END, u.email
FROM u, LATERAL (SELECT substring(u.email FROM '^bench([0-9]+)@')::integer AS n) AS m;

-- Sessions straight into aido.sessions, valid for a day.
WITH s AS (
	INSERT INTO aido.sessions (user_id, expires_at, user_agent)
	SELECT user_id, now() + interval '1 day', 'aido bench' FROM bench.user_ids
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

	# What tasks_guard costs per row, on a sample inserted both ways, and
	# proof that the generator's rows are what the guard would have stored.
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
		echo "$BENCH_NAME: the guard changed $changed generated rows: the generator does not produce normalised rows, so the guard cannot be skipped" >&2
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

	# The load: all tasks in one statement, in created_at order, so that
	# each user's tasks are spread over the table as they would be after two
	# years of use (not packed user by user, which would flatter the list
	# queries).
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
														   'completed_at', 'next_occurrence_id', 'reminded_at']) <> '[]'
					OR t.title <> _aido_trim(t.title)
					OR t.tags <> _aido_normalize_tags(t.tags)
					OR t.completed <> (t.completed_at IS NOT NULL)
					OR t.recurring OR t.recurring_pattern IS NOT NULL)
			FROM aido.tasks t TABLESAMPLE BERNOULLI ($pct)" | tr '|' ' ')
		[ "$bad" = 0 ] || bench_die "$bad of $checked loaded rows break a task rule"
		say "verified $checked random loaded rows against the guard's rules: none breaks one ($(since "$t0") s)"
	fi

	t0=$(now)
	q <<'SQL'
SET client_min_messages = warning;
CREATE TABLE bench.task_ids AS
SELECT (row_number() OVER ())::integer AS n, t.user_id, t.id AS task_id, u.session_id
FROM aido.tasks t JOIN bench.user_ids u ON u.user_id = t.user_id AND u.n > 0;
ALTER TABLE bench.task_ids ADD PRIMARY KEY (n);
-- Every ordinary user has a conversation with the assistant: 60 messages,
-- questions and answers of 70 to 900 characters (a page of 50 and more).
INSERT INTO aido.conversations (user_id, title, created_at, updated_at)
SELECT user_id, 'Planning the week', now() - interval '30 days', now() - interval '30 days'
FROM bench.user_ids WHERE n > 0;
CREATE TABLE bench.conv_ids AS
SELECT u.n, u.user_id, u.session_id, c.id AS conversation_id
FROM bench.user_ids u JOIN aido.conversations c ON c.user_id = u.user_id
WHERE u.n > 0;
ALTER TABLE bench.conv_ids ADD PRIMARY KEY (n);
INSERT INTO aido.messages (conversation_id, user_id, role, content, created_at, updated_at)
SELECT b.conversation_id, b.user_id, CASE WHEN i % 2 = 1 THEN 'user' ELSE 'assistant' END,
	   CASE WHEN i % 2 = 1 THEN 'Can you move the dentist to Thursday and add milk to my list? (' || i || ')'
			ELSE repeat('Done: "Call the dentist" is on Thursday at 10:00, and "Buy milk" is on your list. ',
						1 + (i * 7) % 11) END,
	   now() - interval '30 days' + i * interval '1 minute', now() - interval '30 days' + i * interval '1 minute'
FROM bench.conv_ids b, generate_series(1, 60) AS i;
VACUUM ANALYZE;
CHECKPOINT;
SQL
	ntasks=$(q -c "SELECT count(*) FROM bench.task_ids")
	say "lookup tables, VACUUM ANALYZE: $(since "$t0") s; $ntasks tasks of ordinary users to pick from"
	say "database: $(q -c "SELECT pg_size_pretty(pg_database_size(current_database()))"), aido.tasks $(q -c "SELECT pg_size_pretty(pg_table_size('aido.tasks'))") + indexes $(q -c "SELECT pg_size_pretty(pg_indexes_size('aido.tasks'))")"
}

# ---------------------------------------------------------------------------
# pgbench

# The variables of the scripts in bench/pgbench/ (after bench_load).
bench_pgbench_vars() {
	pgb_vars=(-D nusers="$USERS" -D ntasks="$ntasks"
		-D params='{"limit": "50"}'
		-D body="$BENCH_TASK_BODY" -D password="$BENCH_PASSWORD")
}
# The body of a created task (POST /api/tasks and aido_task_create alike).
BENCH_TASK_BODY='{"title": "Prepare the slides for Monday", "description": "Ten slides at most: numbers from finance, the roadmap, open questions.", "priority": "high", "tags": ["work", "slides"], "due_date": "2026-03-02T09:00:00+01:00"}'

# pgbench_run LOGFILE ARGS...: runs pgbench on $DB, fails loudly with its
# output.
pgbench_run() {
	local out=$1; shift
	if ! pgbench "$@" "$DB" >"$out" 2>&1 || grep -q 'aborted' "$out"; then
		echo "$BENCH_NAME: pgbench $* failed:" >&2
		head -n 30 "$out" >&2
		exit 1
	fi
}
# pgbench_stat LOGFILE: "tps latency_ms failed processed"
pgbench_stat() {
	awk '/^tps = / { tps = $3 }
		/^latency average = / { lat = $4 }
		/^number of failed transactions: / { failed = $5 }
		/^number of transactions actually processed: / { n = $6; sub(/\/.*/, "", n) }
		END { printf "%.0f %.3f %s %s\n", tps, lat, (failed == "" ? 0 : failed), n }' "$1"
}

# ---------------------------------------------------------------------------
# CPU accounting, so that figures taken on a shared machine can be judged:
# what the cluster spent per call (its live processes, plus in the
# postmaster's cutime/cstime every backend that has exited), what this
# shell's children (pgbench, wrk) spent, and what everything else on the
# machine took meanwhile.  In ticks of CLK_TCK, read from /proc.
clk_tck=$(getconf CLK_TCK)
# One awk for all the processes, so that a mark takes milliseconds, not the
# seconds that an awk per backend would take on a loaded machine.
cluster_ticks() {
	proc_tree_ticks "$(head -n1 "$AIDO_PGDATA/postmaster.pid")"
}
# proc_tree_ticks PID: CPU ticks of PID and its live children (and of
# those that exited, through its cutime/cstime).
proc_tree_ticks() {
	local files=("/proc/$1/stat") c
	for c in $(pgrep -P "$1"); do files+=("/proc/$c/stat"); done
	# cat goes on past a process that has just exited; mawk would stop.
	cat "${files[@]}" 2>/dev/null | awk 'NR == 1 { t = $16 + $17 } { t += $14 + $15 } END { print t + 0 }'

}
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
# cpu_mark NAME [PID...]: remember the counters.  The client's share is
# what this shell's finished children used (`times`: so cpu_mark must run
# in this shell, not in a subshell) plus the live PIDs given (a pgbench
# still running).  With BENCH_APP_PID or BENCH_GW_PID set, that server's
# too (its process and children).
cpu_mark() {
	local name=$1 cl p v app=${BENCH_APP_PID:-${BENCH_GW_PID:-}}
	shift
	times >"$bench_log/times"
	cl=$(awk -v hz="$clk_tck" 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] } printf "%.0f", n * hz }' "$bench_log/times")
	for p in "$@"; do
		v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true)
		cl=$((cl + ${v:-0}))
	done
	printf '%s %s %s %s\n' "$(cluster_ticks)" "$(machine_ticks)" "$cl" \
		"$(if [ -n "$app" ]; then proc_tree_ticks "$app"; else echo 0; fi)" >"$bench_log/mark.$name"
}
# cpu_between A B CALLS SECONDS: "server_ms_per_call client_cores
# others_cores gateway_ms_per_call"
cpu_between() {
	local c0 m0 p0 g0 c1 m1 p1 g1
	read -r c0 m0 p0 g0 <"$bench_log/mark.$1"
	read -r c1 m1 p1 g1 <"$bench_log/mark.$2"
	awk -v c="$((c1 - c0))" -v m="$((m1 - m0))" -v p="$((p1 - p0))" -v g="$((g1 - g0))" -v n="$3" -v s="$4" -v hz="$clk_tck" \
		'BEGIN { o = m - c - p - g; if (o < 0) o = 0; if (n < 1) n = 1
			printf "%.3f %.2f %.2f %.3f\n", c * 1000 / hz / n, p / hz / s, o / hz / s, g * 1000 / hz / n }'
}

# csvq TEXT: TEXT as one quoted CSV field.
csvq() { local s=${1//\"/\"\"}; printf '"%s"' "$s"; }
