-- Roles, privileges, SECURITY DEFINER and documentation of the SQL API.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT aido_bootstrap();
SET aido.password_memory_kib = 1024;
SET aido.password_iterations = 1;
SELECT plan(22);
CREATE FUNCTION pg_temp.login(c jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE r jsonb;
BEGIN
	-- aido_login's two halves in one transaction: the procedure commits
	-- between them, which a pgTAP transaction may not (065_login.t calls it)
	PERFORM _aido_login_claim(c, NULL);
	r := _aido_login_verify(c, 86400, NULL, NULL);
	RETURN r;
END $$;

-- aido's routines: the extension's members, or, in the SQL-only flavor
-- (no extension), those of public named aido_* or _aido_* (as
-- 80_privileges.sql finds them).
CREATE TEMP VIEW aido_functions AS
	SELECT p.oid, p.oid::regprocedure AS sig, p.proname::text AS name,
		   p.prosecdef, p.proconfig
	FROM pg_proc p
	WHERE p.oid IN (SELECT d.objid FROM pg_depend d
					JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'aido'
					WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e')
	   OR (NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'aido')
		   AND p.pronamespace = 'public'::regnamespace AND p.proname ~ '^_?aido_');
GRANT SELECT ON aido_functions TO PUBLIC;
GRANT EXECUTE ON FUNCTION pg_temp.login(jsonb) TO PUBLIC;

SELECT ok(EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aido_api' AND NOT rolcanlogin),
		  'the extension creates the NOLOGIN role aido_api');
SELECT ok(EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aido_admin'), 'the extension creates aido_admin');

SELECT is(ARRAY(SELECT sig::text FROM aido_functions
				WHERE has_function_privilege('public', oid, 'EXECUTE') ORDER BY 1),
		  '{}'::text[], 'PUBLIC may execute no aido function');
SELECT is(ARRAY(SELECT sig::text FROM aido_functions
				WHERE name LIKE 'aido\_%' AND name NOT IN ('aido_bootstrap', 'aido_events_all')
				  AND NOT has_function_privilege('aido_api', oid, 'EXECUTE') ORDER BY 1),
		  '{}'::text[], 'aido_api may execute every API function');
SELECT ok(NOT has_function_privilege('aido_api', 'aido_events_all(bigint, integer)', 'EXECUTE')
		  AND has_function_privilege('aido_admin', 'aido_events_all(bigint, integer)', 'EXECUTE'),
		  'every user''s events (aido_events_all) are for aido_admin, not aido_api');
SELECT ok(NOT has_function_privilege('aido_api', 'aido_bootstrap()', 'EXECUTE'),
		  'aido_api may not run aido_bootstrap');
SELECT ok(has_function_privilege('aido_admin', 'aido_bootstrap()', 'EXECUTE'),
		  'aido_admin may run aido_bootstrap');
SELECT is(ARRAY(SELECT sig::text FROM aido_functions
				WHERE name LIKE '\_aido%' AND has_function_privilege('aido_api', oid, 'EXECUTE')
				ORDER BY 1),
		  ARRAY['_aido_login_claim(jsonb,text)', '_aido_login_verify(jsonb,integer,text,text)'],
		  'aido_api may call no internal helper but the two aido_login runs as its caller');

SELECT is(ARRAY(SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE n.nspname = 'aido' AND c.relkind = 'r'
				  AND has_table_privilege('aido_api', c.oid, 'SELECT, INSERT, UPDATE, DELETE')
				ORDER BY 1),
		  '{}'::text[], 'aido_api has no privilege on any table');
SELECT ok(NOT has_schema_privilege('aido_api', 'aido', 'USAGE'), 'aido_api cannot even see into schema aido');
SELECT ok(has_table_privilege('aido_admin', 'aido.tasks', 'SELECT, INSERT, UPDATE, DELETE'),
		  'aido_admin may read and write the tables');

SELECT is(ARRAY(SELECT sig::text FROM aido_functions
				WHERE prosecdef AND NOT (proconfig @> ARRAY['search_path=pg_catalog, public, pg_temp'])
				ORDER BY 1),
		  '{}'::text[], 'every SECURITY DEFINER function pins search_path to pg_catalog, its schema, pg_temp');
SELECT is(ARRAY(SELECT sig::text FROM aido_functions
				WHERE (name LIKE 'aido\_task\_%' OR name LIKE 'aido\_conversation\_%'
					   OR name LIKE 'aido\_message\_%' OR name IN ('aido_signup',
					   'aido_logout', 'aido_session_user', 'aido_bootstrap', 'aido_schema_status', 'aido_health'))
				  AND NOT prosecdef ORDER BY 1),
		  '{}'::text[], 'every API function that touches data is SECURITY DEFINER');
SELECT is(ARRAY(SELECT sig::text FROM aido_functions
				WHERE name LIKE 'aido\_%' AND obj_description(oid, 'pg_proc') IS NULL ORDER BY 1),
		  '{}'::text[], 'every aido_* function has a COMMENT, so \df+ documents it');

SELECT ok(EXISTS (SELECT 1 FROM aido_functions f JOIN pg_proc p ON p.oid = f.oid
				  WHERE f.name = 'aido_login' AND p.prokind = 'p' AND NOT p.prosecdef
					AND has_function_privilege('aido_api', p.oid, 'EXECUTE')),
		  'aido_login is a procedure aido_api may call, not SECURITY DEFINER so that it may commit');

-- what aido_api can and cannot do
SET ROLE aido_api;
SELECT throws_ok('SELECT count(*) FROM aido.tasks', '42501', NULL,
				 'as aido_api a SELECT on a table is denied');
SELECT throws_ok($$INSERT INTO aido.users (email) VALUES ('sneaky@example.com')$$, '42501', NULL,
				 'as aido_api a direct INSERT is denied');
SELECT lives_ok($$SELECT aido_signup('{"email":"api@example.com","password":"password123"}')$$,
				'as aido_api signup works');
SELECT is((SELECT jsonb_array_length(aido_task_list(
				(SELECT (pg_temp.login('{"email":"api@example.com","password":"password123"}') -> 'user' ->> 'id')::uuid)) -> 'items')),
		  0, 'as aido_api login and list work');
SELECT throws_ok('SELECT * FROM aido_bootstrap()', '42501', NULL, 'as aido_api bootstrap is denied');
RESET ROLE;

-- times come back in UTC whatever the caller's time zone
SET TimeZone = 'America/New_York';
SELECT matches((aido_signup('{"email":"tz@example.com","password":"password123"}') ->> 'expires_at'),
			   '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$',
			   'times are RFC 3339 in UTC even when the session is not');
RESET TimeZone;

SELECT ok(has_function_privilege('aido_admin', 'aido_task_list(uuid, jsonb, uuid)', 'EXECUTE')
		  AND pg_has_role('aido_admin', 'aido_api', 'MEMBER'),
		  'aido_admin may do everything aido_api may');

SELECT * FROM finish();
ROLLBACK;
