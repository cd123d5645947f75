# bench/peer/compare.sh: aido against the BENCHMARK PEER (bench/peer/app.py,
# FastAPI + SQLModel as the Evolution-of-Todo seeds write it; not part of
# aido, never shipped).  Sourced by bench/run after the gateway is up and
# its data directory written; never run on its own.
#
#	peer_setup	its role and schema (peer) in $DB, the peer started
#			(bench/peer/start), aido's users and ordinary users'
#			tasks copied into its tables (same ids), its own
#			tokens in $peer_data (users.txt in the order of
#			$data/users.txt, so tasks.txt serves both)
#	peer_compare	for each of PEER_WORKLOADS, PEER_ROUNDS rounds of
#			one wrk run on aido then one on the peer (A B A B),
#			same script, connections and duration; R[w,aido|peer,*]
#
# Uses bench/run's wrk_run, wrk_field, cpu_mark, cpu_between, row, check.

PEER_WORKLOADS=${BENCH_PEER_WORKLOADS:-list get create update}
PEER_ROUNDS=${BENCH_PEER_ROUNDS:-2}
bench_posint PEER_ROUNDS

BENCH_PEER_PID=
peer_stop() {
	[ -n "${BENCH_PEER_PID:-}" ] || return 0
	local i
	kill -TERM "$BENCH_PEER_PID" 2>/dev/null || true
	for i in $(seq 1 100); do
		kill -0 "$BENCH_PEER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$BENCH_PEER_PID" 2>/dev/null && kill -KILL -- "-$BENCH_PEER_PID" 2>/dev/null
	wait "$BENCH_PEER_PID" 2>/dev/null || true
	BENCH_PEER_PID=
}

peer_setup() {
	local pw secret hash port i t0
	step "the benchmark peer (bench/peer: FastAPI + SQLModel + psycopg2, gunicorn, 2 uvicorn workers; not aido)"
	for i in fastapi sqlmodel psycopg2 uvicorn uvloop httptools gunicorn jwt; do
		/usr/bin/python3 -c "import $i" 2>/dev/null ||
			bench_die "python3 module $i missing for bench/peer (scripts/deps.sh bench installs it)"
	done
	peer_dir=$(mktemp -d -t aido-benchpeer.XXXXXX)
	bench_on_exit 'peer_stop; rm -rf "$peer_dir"'
	peer_data=$peer_dir/data
	mkdir -p "$peer_data"
	pw=$(head -c 18 /dev/urandom | base64 | tr -d '+/=')
	secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
	q -v pw="$pw" <<'SQL'
SET client_min_messages = warning;
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aido_bench_peer') AS fresh \gset
\if :fresh
CREATE ROLE aido_bench_peer LOGIN NOSUPERUSER;
\endif
ALTER ROLE aido_bench_peer PASSWORD :'pw';
CREATE SCHEMA IF NOT EXISTS peer AUTHORIZATION aido_bench_peer;
SQL
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	peer_base="http://127.0.0.1:$port"
	local start=$PWD/bench/peer/start
	(cd "$peer_dir" && exec env -i PATH="$PATH" HOME="$peer_dir" LANG=C.UTF-8 \
		PEER_DATABASE_URL="postgresql+psycopg2://aido_bench_peer:$pw@127.0.0.1:$PGPORT/$DB" \
		PEER_JWT_SECRET="$secret" PEER_BIND="127.0.0.1:$port" \
		setsid "$start" </dev/null >"$peer_dir/peer.log" 2>&1) &
	BENCH_PEER_PID=$!
	for i in $(seq 1 300); do
		curl -sf -o /dev/null --max-time 2 "$peer_base/openapi.json" && break
		kill -0 "$BENCH_PEER_PID" 2>/dev/null || { cat "$peer_dir/peer.log" >&2; bench_die "the peer exited at start"; }
		sleep 0.1
	done
	curl -sf -o /dev/null "$peer_base/openapi.json" || { cat "$peer_dir/peer.log" >&2; bench_die "the peer does not answer"; }
	say "peer pid $BENCH_PEER_PID on $peer_base: $(pgrep -P "$BENCH_PEER_PID" | wc -l) workers"

	# Its data: aido's users (one password hash of the peer's own scheme for
	# all) and the ordinary users' tasks, same ids, so that the wrk scripts'
	# task sample serves both.  The big user's tasks stay out (no list-deep
	# here).
	t0=$(now)
	hash=$(cd bench/peer && PYTHONDONTWRITEBYTECODE=1 PEER_DATABASE_URL=postgresql+psycopg2:// PEER_JWT_SECRET=x \
		/usr/bin/python3 -c 'import sys, app; print(app.hash_password(sys.argv[1]))' "$BENCH_PASSWORD")
	q -v hash="$hash" <<'SQL'
SET client_min_messages = warning;
TRUNCATE peer.tasks, peer.users;
INSERT INTO peer.users (id, email, password_hash, name, created_at)
SELECT id, email, :'hash', name, created_at FROM aido.users;
INSERT INTO peer.tasks (id, user_id, title, description, completed, completed_at, priority, tags,
						due_date, recurring, recurring_pattern, next_occurrence_id,
						created_at, updated_at)
SELECT t.id, t.user_id, t.title, t.description, t.completed, t.completed_at, t.priority, t.tags,
	   t.due_date, t.recurring, t.recurring_pattern, t.next_occurrence_id,
	   t.created_at, t.updated_at
FROM aido.tasks t JOIN bench.user_ids u ON u.user_id = t.user_id AND u.n > 0;
VACUUM ANALYZE peer.users;
VACUUM ANALYZE peer.tasks;
SQL
	say "peer.tasks: $(q -c 'SELECT count(*) FROM peer.tasks') tasks copied in $(since "$t0") s"

	# Its tokens, as it issues them (HS256, sub and exp, its own secret).
	q -c "SELECT user_id FROM bench.user_ids WHERE n > 0 ORDER BY n" |
		PEER_JWT_SECRET=$secret perl -MDigest::SHA=hmac_sha256 -MMIME::Base64 -ne '
			BEGIN { $now = time(); }
			sub b64u { my $e = encode_base64($_[0], ""); $e =~ tr{+/}{-_}; $e =~ s/=+$//; $e }
			chomp;
			my $in = b64u(q({"alg":"HS256","typ":"JWT"})) . "." .
			    b64u(sprintf(q({"sub":"%s","iat":%d,"exp":%d}), $_, $now, $now + 86400));
			print $in, ".", b64u(hmac_sha256($in, $ENV{PEER_JWT_SECRET})), " -\n";' >"$peer_data/users.txt"
	cp "$data/tasks.txt" "$peer_data/tasks.txt"

	# One request of each route it serves, checked, and its signup and
	# login once (the routes a client of it would start with).
	local tok tn tid ptok
	tok=$(head -n1 "$peer_data/users.txt" | cut -d' ' -f1)
	read -r tn tid < <(head -n1 "$peer_data/tasks.txt")
	ptok=$(sed -n "${tn}p" "$peer_data/users.txt" | cut -d' ' -f1)
	check peer-signup 201 "${json[@]}" -d '{"email": "peer-check@example.com", "password": "peer check pw"}' "$peer_base/api/auth/signup"
	check peer-login 200 "${json[@]}" -d "{\"email\": \"$email1\", \"password\": \"$BENCH_PASSWORD\"}" "$peer_base/api/auth/login"
	check peer-list 200 -H "Authorization: Bearer $tok" "$peer_base/api/tasks?limit=50"
	[ "$(grep -o '"id"' "$bench_log/check.json" | wc -l)" -ge 50 ] || bench_die "the peer's first page has fewer than 50 tasks"
	check peer-get 200 -H "Authorization: Bearer $ptok" "$peer_base/api/tasks/$tid"
	check peer-create 201 -H "Authorization: Bearer $tok" "${json[@]}" -d "$BENCH_TASK_BODY" "$peer_base/api/tasks"
	check peer-update 200 -H "Authorization: Bearer $ptok" "${json[@]}" -X PATCH -d '{"completed": true}' "$peer_base/api/tasks/$tid"
}

# peer_side SIDE WORKLOAD ROUND: one measured wrk run (after a warm-up) on
# aido or the peer.
peer_side() {
	local side=$1 w=$2 r=$3 b pid out t0 secs n rps bad srv cli others app
	if [ "$side" = aido ]; then
		b=$base pid=$BENCH_GW_PID AIDO_BENCH_DATA=$data
	else
		b=$peer_base pid=$BENCH_PEER_PID AIDO_BENCH_DATA=$peer_data
	fi
	out="$bench_log/peer-$side-$w-$r.log"
	wrk_run "$w" "$CLIENTS" "$WARMUP" "$bench_log/peer-warm.log" "$b"
	BENCH_APP_PID=$pid
	t0=$(now)
	cpu_mark a
	wrk_run "$w" "$CLIENTS" "$DURATION" "$out" "$b"
	cpu_mark b
	BENCH_APP_PID=
	secs=$(since "$t0")
	n=$(wrk_field "$out" requests)
	read -r srv cli others app < <(cpu_between a b "$n" "$secs")
	rps=$(awk -v n="$n" -v us="$(wrk_field "$out" duration_us)" 'BEGIN { printf "%.0f", n / (us / 1e6) }')
	bad=$(($(wrk_field "$out" non2xx) + $(wrk_field "$out" connect) + $(wrk_field "$out" read) + $(wrk_field "$out" write) + $(wrk_field "$out" timeout)))
	R[$w,$side,n]=$((${R[$w,$side,n]:-0} + n))
	R[$w,$side,secs]=$(awk -v a="${R[$w,$side,secs]:-0}" -v us="$(wrk_field "$out" duration_us)" 'BEGIN { print a + us / 1e6 }')
	R[$w,$side,bad]=$((${R[$w,$side,bad]:-0} + bad))
	R[$w,$side,p99s]="${R[$w,$side,p99s]:-}${R[$w,$side,p99s]:+ }$(ms "$(wrk_field "$out" p99_us)")"
	R[$w,$side,rpss]="${R[$w,$side,rpss]:-}${R[$w,$side,rpss]:+ }$rps"
	printf '%-10s %-8s %3s %5s %8s %7s %7s %7s %8s %8s %6s %6s\n' "$w" "$side" "$r" "$CLIENTS" "$rps" \
		"$(ms "$(wrk_field "$out" p50_us)")" "$(ms "$(wrk_field "$out" p99_us)")" "$bad" "$srv" "$app" "$cli" "$others"
	row "$w" "$([ "$side" = aido ] && echo gateway-vs-peer || echo peer)" "$CLIENTS" "$DURATION" "$n" "$rps" \
		"$(ms "$(wrk_field "$out" p50_us)")" "$(ms "$(wrk_field "$out" p99_us)")" "$bad" "" "$srv" "$app" "$cli" "$others" "" "" \
		"round $r of $PEER_ROUNDS, aido and the peer in alternation; gateway_cpu_ms is the peer's (gunicorn and its workers) on the peer's rows; bench/peer"
}

peer_compare() {
	local w r
	step "aido against the benchmark peer: $CLIENTS connections, ${DURATION}s runs, $PEER_ROUNDS rounds of aido then the peer"
	say "(srv CPU: the cluster's CPU ms per request; app CPU: the gateway's or the peer's CPU ms per request)"
	printf '%-10s %-8s %3s %5s %8s %7s %7s %7s %8s %8s %6s %6s\n' workload side run conns "req/s" "p50 ms" "p99 ms" non-2xx "srv CPU" "app CPU" client others
	for w in $PEER_WORKLOADS; do
		for r in $(seq 1 "$PEER_ROUNDS"); do
			peer_side aido "$w" "$r"
			peer_side peer "$w" "$r"
		done
		R[$w,aido,rps]=$(awk -v n="${R[$w,aido,n]}" -v s="${R[$w,aido,secs]}" 'BEGIN { printf "%.0f", n / s }')
		R[$w,peer,rps]=$(awk -v n="${R[$w,peer,n]}" -v s="${R[$w,peer,secs]}" 'BEGIN { printf "%.0f", n / s }')
		R[$w,peer,ratio]=$(ratio "${R[$w,aido,rps]}" "${R[$w,peer,rps]}")
		row "$w" ratio-peer "$CLIENTS" "$DURATION" "" "" "" "" "" "${R[$w,peer,ratio]}" "" "" "" "" "" "" \
			"aido req/s / peer req/s over $PEER_ROUNDS alternating rounds each (aido ${R[$w,aido,rps]}, peer ${R[$w,peer,rps]})"
	done
	AIDO_BENCH_DATA=$data
}
