# bench/latency.sh: latency at a fixed offered rate (issue 16, item 3),
# sourced by bench/run after its throughput runs; never run on its own.
#
# wrk at saturation measures queueing: with 32 requests always in flight
# on 2 cores the mean latency is 32 / throughput whatever the code does.
# Here each route is offered half the req/s the gateway reached in this
# run, one fixed request repeated, by bench/httprate: one Poisson process
# at that rate handing each arrival to an idle one of LAT_CLIENTS
# keep-alive connections, as pgbench --rate hands its arrivals to its
# clients; and pgbench --rate offers the same rate of the same aido_*
# call with the same ids (bench/pgbench/<w>_one.sql, one statement,
# LAT_CLIENTS clients).  Both give each request's schedule lag (the wait
# for a free connection or client) apart from its latency, which runs
# from the moment the request is sent; the percentiles are of the
# latency, lag taken out, and the lag-inclusive p99 of each goes into the
# CSV's note.  hey -q, used here before, ticks once per worker, all
# workers together: its requests left in bursts of LAT_CLIENTS and queued
# behind each other (bench/README.md).
#
#	latency_run WORKLOAD	R[w,lat,*]: rate, and for gw and pg the
#				achieved rate, p50, p99, p99.9 (ms)

LAT_CLIENTS=${BENCH_LATENCY_CLIENTS:-16}
bench_posint LAT_CLIENTS
HTTPRATE=bench/httprate/httprate
make -s -C bench/httprate >/dev/null || bench_die "cannot build $HTTPRATE"

# lat_pct: microseconds on stdin, one a line -> "n p50 p99 p99.9" (nearest
# rank).
lat_pct() {
	sort -n | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print "0 0 0 0"; exit }
		n = split("0.50 0.99 0.999", q, " ")
		printf "%d", NR
		for (i = 1; i <= n; i++) {
			k = NR * q[i]; k = (k == int(k) ? k : int(k) + 1)
			if (k < 1) k = 1
			printf " %d", a[k]
		}
		print "" }'
}

# lat_ids WORKLOAD: pgbench -D options with the ids of httprate's request
# (user 1's first page or task; the sample's first task and its owner).
lat_ids() {
	local n=1
	case $1 in get | update) n=$tn ;; esac
	q -v n="$n" -v t="$tid" <<'SQL'
SELECT format('-D user_id=%s -D session_id=%s -D task_id=%s', user_id, session_id, :'t')
FROM bench.user_ids WHERE n = :n;
SQL
}

latency_run() {
	local w=$1 rate out pout hargs=() n p50 p99 p999 bad pid ta tb lag99 ids
	rate=$(((R[$w,gw,rps] + 1) / 2))
	[ "$rate" -ge "$LAT_CLIENTS" ] || rate=$LAT_CLIENTS
	case $w in
	list) hargs=(-H "Authorization: Bearer $tok1" "$base/api/tasks?limit=50") ;;
	get) hargs=(-H "Authorization: Bearer $tokt" "$base/api/tasks/$tid") ;;
	create) hargs=(-m POST -T application/json -H "Authorization: Bearer $tok1" -d "$BENCH_TASK_BODY" "$base/api/tasks") ;;
	update) hargs=(-m PATCH -T application/json -H "Authorization: Bearer $tokt" -d '{"completed": true}' "$base/api/tasks/$tid") ;;
	*) return 0 ;;
	esac
	R[$w,lat,rate]=$rate
	out="$bench_log/httprate-$w.csv"
	if ! timeout $((WARMUP + DURATION + 60)) "$HTTPRATE" -c "$LAT_CLIENTS" -r "$rate" -z "$((WARMUP + DURATION))" -t 10 \
		-o "$out" "${hargs[@]}" 2>"$out.err"; then
		cat "$out.err" >&2
		bench_die "httprate on $w failed"
	fi
	# offset (s, the scheduled arrival),lag_us,latency_us,status (0: no
	# answer): the arrivals after the warm-up
	bad=$(awk -F, -v w="$WARMUP" 'NR > 1 && $1 >= w && $4 !~ /^2/' "$out" | wc -l)
	read -r n p50 p99 p999 < <(awk -F, -v w="$WARMUP" 'NR > 1 && $1 >= w && $4 ~ /^2/ { print $3 }' "$out" | lat_pct)
	read -r _ _ lag99 _ < <(awk -F, -v w="$WARMUP" 'NR > 1 && $1 >= w && $4 ~ /^2/ { print $2 + $3 }' "$out" | lat_pct)
	R[$w,lat,gw_rps]=$(awk -v n="$((n + bad))" -v d="$DURATION" 'BEGIN { printf "%.0f", n / d }')
	R[$w,lat,gw_p50]=$(ms "$p50") R[$w,lat,gw_p99]=$(ms "$p99") R[$w,lat,gw_p999]=$(ms "$p999") R[$w,lat,gw_bad]=$bad
	printf '%-10s %-8s %6s %8s %7s %7s %8s %7s\n' "$w" gateway "$rate" "${R[$w,lat,gw_rps]}" "${R[$w,lat,gw_p50]}" "${R[$w,lat,gw_p99]}" "${R[$w,lat,gw_p999]}" "$bad"
	row "$w" latency-gateway "$LAT_CLIENTS" "$DURATION" "$((n + bad))" "${R[$w,lat,gw_rps]}" "${R[$w,lat,gw_p50]}" "${R[$w,lat,gw_p99]}" "$bad" "" "" "" "" "" "" "" \
		"offered $rate req/s (half the gateway's maximum in this run): bench/httprate -c $LAT_CLIENTS -r $rate, one fixed request, latency from the moment it is sent (schedule lag taken out); p99.9 ${R[$w,lat,gw_p999]} ms; p99 with the lag $(ms "$lag99") ms"

	# pgbench at the same rate; its first seconds left out as in run_pgbench.
	pout="$bench_log/pgb-lat-$w.log"
	rm -f "$bench_log/pgl-lat-$w".*
	read -ra ids < <(lat_ids "$w")
	pgbench -n -M extended -j "$THREADS" -c "$LAT_CLIENTS" --rate "$rate" -T $((PGBENCH_CONNECT + PGBENCH_WARMUP + DURATION + 1)) \
		"${pgb_vars[@]}" "${ids[@]}" -l --log-prefix="$bench_log/pgl-lat-$w" -f "bench/pgbench/${PGBENCH_SCRIPT[$w]}_one.sql" "$DB" >"$pout" 2>&1 &
	pid=$!
	sleep $((PGBENCH_CONNECT + PGBENCH_WARMUP))
	ta=$(now)
	sleep "$DURATION"
	tb=$(now)
	if ! wait "$pid" || grep -q 'aborted' "$pout"; then
		echo "$BENCH_NAME: pgbench --rate on $w failed:" >&2
		head -n 30 "$pout" >&2
		exit 1
	fi
	# log: client tx time_us script epoch epoch_us lag_us; time includes the lag
	read -r n p50 p99 p999 < <(cat "$bench_log/pgl-lat-$w".* |
		awk -v t0="$ta" -v t1="$tb" '{ t = $5 + $6 / 1e6; if (t >= t0 && t < t1) print $3 - $7 }' | lat_pct)
	read -r _ _ lag99 _ < <(cat "$bench_log/pgl-lat-$w".* |
		awk -v t0="$ta" -v t1="$tb" '{ t = $5 + $6 / 1e6; if (t >= t0 && t < t1) print $3 }' | lat_pct)
	R[$w,lat,pg_rps]=$(awk -v n="$n" -v a="$ta" -v b="$tb" 'BEGIN { printf "%.0f", n / (b - a) }')
	R[$w,lat,pg_p50]=$(ms "$p50") R[$w,lat,pg_p99]=$(ms "$p99") R[$w,lat,pg_p999]=$(ms "$p999")
	R[$w,lat,ratio]=$(ratio "${R[$w,lat,gw_p99]}" "${R[$w,lat,pg_p99]}")
	printf '%-10s %-8s %6s %8s %7s %7s %8s %7s\n' "$w" pgbench "$rate" "${R[$w,lat,pg_rps]}" "${R[$w,lat,pg_p50]}" "${R[$w,lat,pg_p99]}" "${R[$w,lat,pg_p999]}" 0
	row "$w" latency-pgbench "$LAT_CLIENTS" "$DURATION" "$n" "${R[$w,lat,pg_rps]}" "${R[$w,lat,pg_p50]}" "${R[$w,lat,pg_p99]}" 0 "${R[$w,lat,ratio]}" "" "" "" "" "" "" \
		"pgbench --rate $rate -c $LAT_CLIENTS, bench/pgbench/${PGBENCH_SCRIPT[$w]}_one.sql, latency from the actual start (schedule lag taken out); p99.9 ${R[$w,lat,pg_p999]} ms; p99 with the lag $(ms "$lag99") ms; ratio = gateway p99 / this p99"
}
