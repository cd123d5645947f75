-- Times and server-owned fields that clients read literally.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT aido_bootstrap();
SET aido.password_memory_kib = 1024;
SET aido.password_iterations = 1;
SELECT plan(8);

CREATE TEMP TABLE u AS
	SELECT (aido_signup('{"email":"times@example.com","password":"password123"}') -> 'user' ->> 'id')::uuid AS id;

CREATE TEMP TABLE made AS
	SELECT aido_task_create((SELECT id FROM u), jsonb_build_object('title', 'task ' || i)) AS j
	FROM generate_series(1, 100) i;
SELECT is((SELECT count(*)::int FROM made WHERE j ->> 'created_at' <> j ->> 'updated_at'), 0,
		  'a new task has updated_at equal to created_at');

CREATE TEMP TABLE c AS SELECT aido_conversation_create((SELECT id FROM u), '{"title":"  chat  "}') AS j;
SELECT is((SELECT j ->> 'updated_at' FROM c), (SELECT j ->> 'created_at' FROM c),
		  'a new conversation has updated_at equal to created_at');
SELECT is((SELECT j ->> 'title' FROM c), 'chat', 'a conversation title is stored trimmed');

CREATE TEMP TABLE m AS
	SELECT aido_message_create((SELECT id FROM u), (SELECT (j ->> 'id')::uuid FROM c),
							   '{"role":"user","content":"hi"}') AS j;
SELECT is((SELECT j ->> 'updated_at' FROM m), (SELECT j ->> 'created_at' FROM m),
		  'a new message has updated_at equal to created_at');
SELECT is((SELECT (aido_conversation_get((SELECT id FROM u), (SELECT (j ->> 'id')::uuid FROM c)) ->> 'updated_at')::timestamptz),
		  (SELECT (j ->> 'created_at')::timestamptz FROM m),
		  'a conversation was last updated when its newest message came');

SELECT lives_ok(format($$SELECT aido_conversation_create((SELECT id FROM u), '{"title":"  %s  "}')$$, repeat('t', 200)),
				'a 200-character conversation title with spaces around it is accepted');

CREATE FUNCTION pg_temp.detail_of(sql text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
	EXECUTE sql;
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
	RETURN d::jsonb;
END $$;
SELECT is(pg_temp.detail_of($$SELECT aido_conversation_create((SELECT id FROM u), '{"id":"x","colour":"red"}')$$),
		  '[{"field":"id","code":"read_only","message":"id is set by the server"},
			{"field":"colour","code":"unknown_field","message":"unknown field \"colour\""}]'::jsonb,
		  'server-owned fields in a conversation body are read_only, others unknown_field');
SELECT is(pg_temp.detail_of(format($$SELECT aido_message_create((SELECT id FROM u), '%s', '{"role":"user","content":"x","created_at":"2026-01-01T00:00:00Z"}')$$,
								   (SELECT j ->> 'id' FROM c))),
		  '[{"field":"created_at","code":"read_only","message":"created_at is set by the server"}]'::jsonb,
		  'server-owned fields in a message body are read_only');

SELECT * FROM finish();
ROLLBACK;
