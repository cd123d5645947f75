-- aido_health(): the status document of the gateway's /health route.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(23);

-- The schema of aido's routines: the extension's, or public for the
-- SQL-only flavor, which is no extension.
CREATE FUNCTION pg_temp.aido_schema() RETURNS regnamespace
LANGUAGE sql AS $$
    SELECT coalesce((SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'aido'),
                    'public'::regnamespace)
$$;

-- What schema_ok should be: aido_schema_status() all present, false when
-- that function does not exist (yet).
CREATE FUNCTION pg_temp.expected_schema_ok() RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    fn regprocedure;
    ok boolean;
BEGIN
    SELECT p.oid::regprocedure INTO fn
      FROM pg_proc p
     WHERE p.pronamespace = pg_temp.aido_schema() AND p.proname = 'aido_schema_status' AND p.pronargs = 0;
    IF fn IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('SELECT coalesce(bool_and(present), false) FROM %s', fn::text) INTO ok;
    RETURN ok;
END
$$;

-- The version the SQL-only flavor recorded, if this is it.
CREATE FUNCTION pg_temp.sqlonly_version() RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    IF to_regclass('aido_config.version') IS NOT NULL THEN
        EXECUTE 'SELECT version FROM aido_config.version' INTO v;
    END IF;
    RETURN v;
END
$$;

CREATE TEMP TABLE health AS SELECT aido_health() AS h;

SELECT is((SELECT array_agg(k ORDER BY k) FROM health, jsonb_object_keys(h) k),
          '{connections,database,database_name,database_size_bytes,extension_version,in_recovery,schema_ok,server_version,status,took_ms}'::text[],
          'health has exactly the documented keys');
SELECT ok((SELECT h->>'status' IN ('healthy', 'degraded') FROM health),
          'status is healthy or degraded');
SELECT is((SELECT h->>'database' FROM health), 'connected',
          'database is "connected"');
SELECT is((SELECT h->>'database_name' FROM health), current_database()::text,
          'database_name is the current database');
SELECT is((SELECT h->>'server_version' FROM health), current_setting('server_version'),
          'server_version is the server_version setting');
SELECT is((SELECT h->>'extension_version' FROM health),
          coalesce((SELECT extversion::text FROM pg_extension WHERE extname = 'aido'),
                   pg_temp.sqlonly_version()),
          'extension_version is the installed version of aido');
SELECT is((SELECT jsonb_typeof(h->'schema_ok') FROM health), 'boolean',
          'schema_ok is a boolean');
SELECT is((SELECT (h->>'schema_ok')::boolean FROM health), pg_temp.expected_schema_ok(),
          'schema_ok is whether aido_schema_status() reports everything present');
SELECT is((SELECT h->>'status' FROM health),
          (SELECT CASE WHEN (h->>'schema_ok')::boolean THEN 'healthy' ELSE 'degraded' END FROM health),
          'status is degraded exactly when schema_ok is false');
SELECT is((SELECT (h->'connections'->>'max')::int FROM health),
          current_setting('max_connections')::int,
          'connections.max is max_connections');
SELECT ok((SELECT (h->'connections'->>'used')::int BETWEEN 1 AND (h->'connections'->>'max')::int
             FROM health),
          'connections.used counts this session and no more than max');
SELECT is((SELECT (h->'connections'->>'used')::bigint FROM health),
          (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
          'connections.used counts the client backends of pg_stat_activity');
SELECT is((SELECT (h->>'in_recovery')::boolean FROM health), pg_is_in_recovery(),
          'in_recovery tells whether this is a standby');
SELECT ok((SELECT jsonb_typeof(h->'database_size_bytes') = 'number'
                  AND (h->>'database_size_bytes')::numeric
                      BETWEEN 0.9 * pg_database_size(current_database())
                          AND 1.1 * pg_database_size(current_database())
             FROM health),
          'database_size_bytes is the size of the database');
SELECT ok((SELECT jsonb_typeof(h->'took_ms') = 'number' AND (h->>'took_ms')::numeric >= 0
             FROM health),
          'took_ms is a non-negative number');
SELECT ok((SELECT scale((h->>'took_ms')::numeric) <= 3 FROM health),
          'took_ms has at most 3 decimals');

-- schema_ok follows aido_schema_status(), whatever the real one says now:
-- swap in a stand-in (all undone by the ROLLBACK below).
DO $$
DECLARE
    fn regprocedure;
BEGIN
    SELECT p.oid::regprocedure INTO fn
      FROM pg_proc p
     WHERE p.pronamespace = pg_temp.aido_schema() AND p.proname = 'aido_schema_status' AND p.pronargs = 0;
    IF fn IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'aido') THEN
            EXECUTE format('ALTER EXTENSION aido DROP FUNCTION %s', fn::text);
        END IF;
        EXECUTE format('DROP FUNCTION %s CASCADE', fn::text);
    END IF;
END
$$;

SELECT is(aido_health() @> '{"schema_ok": false, "status": "degraded"}', true,
          'without aido_schema_status() the schema is not ok and status is degraded');

-- A stand-in aido_schema_status() that reports the rows given.  health
-- keeps its last answer until the catalog changes (health.c): replacing the
-- function is such a change, so each state below is a new definition.
CREATE FUNCTION pg_temp.stand_in_status(rows text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION %I.aido_schema_status()
        RETURNS TABLE (kind text, name text, present boolean, detail text)
        LANGUAGE sql AS %L$f$,
        pg_temp.aido_schema()::text,
        'SELECT * FROM (VALUES ' || rows || ') AS v(kind, name, present, detail)'
            || ' WHERE kind IS NOT NULL');
END
$$;

SELECT pg_temp.stand_in_status($$(NULL::text, NULL::text, NULL::boolean, NULL::text)$$);
SELECT is(aido_health() @> '{"schema_ok": false, "status": "degraded"}', true,
          'an aido_schema_status() that reports nothing is not ok');

SELECT pg_temp.stand_in_status($$('table', 'aido.users', true, NULL::text),
    ('table', 'aido.tasks', true, NULL)$$);
SELECT is((aido_health()->>'schema_ok')::boolean, true,
          'schema_ok is true when every object is present');
SELECT is(aido_health()->>'status', 'healthy',
          'status is healthy when every object is present');

SELECT pg_temp.stand_in_status($$('table', 'aido.users', true, NULL::text),
    ('table', 'aido.tasks', true, NULL),
    ('index', 'aido.tasks_user_id_created_at_id_idx', false, 'missing')$$);
SELECT is((aido_health()->>'schema_ok')::boolean, false,
          'schema_ok is false when one object is missing');
SELECT is(aido_health()->>'status', 'degraded',
          'status is degraded when one object is missing');

SELECT ok((aido_health()->>'took_ms')::numeric >= 0,
          'took_ms is measured on every call');

SELECT * FROM finish();
ROLLBACK;
