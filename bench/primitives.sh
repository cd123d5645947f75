#!/usr/bin/env bash
# bench/primitives.sh: what the extension's C primitives cost, and whether
# they leak.  Runs on its own throwaway cluster (test/with-cluster) against
# the installed extension (`make install` first; `make bench` does).
#
# Prints: ms per argon2id hash and verify at the shipped cost, ms per bcrypt
# verify, us per aido_validate_task call, ms per aido_health call, and the
# backend's memory (VmRSS, and RssAnon: its private heap) before and after
# 2 x 100,000 validations and 1,000 hashes.  Flat RssAnon means no leak.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${AIDO_BENCH_CLUSTER:-}" ]; then
	AIDO_BENCH_CLUSTER=1 exec test/with-cluster "$0" "$@"
fi

createdb aido_bench
psql -X -q -At -v ON_ERROR_STOP=1 -d aido_bench <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pgcrypto;
CREATE EXTENSION aido;

-- Milliseconds that n evaluations of expr take, in one statement.
CREATE FUNCTION pg_temp.ms(expr text, n integer) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
BEGIN
	EXECUTE format('SELECT count(%s) FROM generate_series(1, %s) AS i', expr, n);
	RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END
$$;

CREATE FUNCTION pg_temp.line(label text, value numeric, unit text) RETURNS text
LANGUAGE sql AS $$ SELECT rpad(label, 34) || lpad(value::text, 9) || ' ' || unit $$;

-- This backend's memory, from the kernel.
CREATE FUNCTION pg_temp.mem(label text) RETURNS text
LANGUAGE sql AS $$
	SELECT format('%-44s VmRSS %6s kB  RssAnon %6s kB', label,
				  substring(s FROM 'VmRSS:\s+(\d+)'),
				  substring(s FROM 'RssAnon:\s+(\d+)'))
	  FROM pg_read_file('/proc/self/status') AS s
$$;

CREATE TEMP TABLE fixture AS
SELECT aido_hash_password('correct horse battery') AS argon,
	   crypt('correct horse battery', gen_salt('bf', 10)) AS bcrypt,
	   '{"title": "Write the quarterly report", "description": "numbers from finance, charts from ops",
		 "completed": false, "priority": "high", "tags": ["work", "Reports", " q3 ", "finance"],
		 "due_date": "2026-01-31T09:00:00+01:00", "recurring": true,
		 "recurring_pattern": "monthly"}'::jsonb AS task,
	   '{"title": "", "priority": "urgent", "tags": ["a", 1], "due_date": "tomorrow",
		 "recurring": true, "id": 7, "colour": "red"}'::jsonb AS bad_task;

SELECT 'server ' || current_setting('server_version') || ', '
	   || current_setting('aido.password_memory_kib') || ' argon2id memory, '
	   || current_setting('aido.password_iterations') || ' iterations';

SELECT pg_temp.line('argon2id hash (shipped cost)',
		round(pg_temp.ms('aido_hash_password(''x'' || i)', 20) / 20, 1),
		'ms per call (20 calls)');
SELECT pg_temp.line('argon2id verify (shipped cost)',
		round(pg_temp.ms('aido_verify_password(''correct horse battery'', (SELECT argon FROM fixture))', 20) / 20, 1),
		'ms per call (20 calls)');
SELECT pg_temp.line('bcrypt verify (cost 10)',
		round(pg_temp.ms('aido_verify_password(''correct horse battery'', (SELECT bcrypt FROM fixture))', 20) / 20, 1),
		'ms per call (20 calls)');
SELECT pg_temp.line('needs_rehash',
		round(pg_temp.ms('aido_password_needs_rehash((SELECT argon FROM fixture))', 100000) * 1000 / 100000, 2),
		'us per call (100000 calls)');

SELECT pg_temp.mem('before validation');
SELECT pg_temp.line('validate_task, valid task',
		round(pg_temp.ms('aido_validate_task((SELECT task FROM fixture))', 100000) * 1000 / 100000, 2),
		'us per call (100000 calls)');
SELECT pg_temp.mem('after 100,000 validations (valid task)');
SELECT pg_temp.line('validate_task, 7 errors',
		round(pg_temp.ms('aido_validate_task((SELECT bad_task FROM fixture))', 100000) * 1000 / 100000, 2),
		'us per call (100000 calls)');
SELECT pg_temp.mem('after 100,000 more (invalid task)');

-- the same, one statement per call, as the trigger sees it
DO $$
BEGIN
	FOR i IN 1..100000 LOOP
		PERFORM aido_validate_task(t.task) FROM fixture t;
	END LOOP;
END
$$;
SELECT pg_temp.mem('after 100,000 more (one statement each)');

SELECT pg_temp.line('health',
		round(pg_temp.ms('aido_health()', 100) / 100, 2),
		'ms per call (100 calls)');

SELECT pg_temp.mem('before 1,000 hashes');
SELECT pg_temp.line('1,000 argon2id hashes',
		round(pg_temp.ms('aido_hash_password(''pw'' || i)', 1000) / 1000, 1),
		'ms per call');
SELECT pg_temp.mem('after 1,000 hashes');
DO $$
BEGIN
	FOR i IN 1..200 LOOP
		PERFORM aido_verify_password('pw', a.argon) FROM fixture a;
	END LOOP;
END
$$;
SELECT pg_temp.mem('after 200 verifies (one statement each)');
SQL
