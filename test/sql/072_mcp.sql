-- aido_mcp_call: the assistant's tools (API.md 3.3), one call each, for the
-- user of the session, never for a user_id the model names; the errors of
-- the REST API, which POST /mcp makes tool errors.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT aido_bootstrap();
SET LOCAL aido.password_memory_kib = 1024;
SET LOCAL aido.password_iterations = 1;
SET LOCAL TimeZone = 'Asia/Kolkata';

SELECT plan(42);

CREATE TEMP TABLE actor (name text PRIMARY KEY, s jsonb NOT NULL);
INSERT INTO actor VALUES
	('alice', aido_signup('{"email": "mcp-alice@example.com", "password": "password123"}')),
	('bob', aido_signup('{"email": "mcp-bob@example.com", "password": "password123"}'));
CREATE FUNCTION pg_temp.uid(who text) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT (s -> 'user' ->> 'id')::uuid FROM actor WHERE name = who $$;
CREATE FUNCTION pg_temp.sid(who text) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT (s ->> 'session_id')::uuid FROM actor WHERE name = who $$;
-- A tool call of a user, in that user's session.
CREATE FUNCTION pg_temp.tool(who text, name text, args jsonb) RETURNS jsonb
LANGUAGE sql AS $$ SELECT aido_mcp_call(pg_temp.uid(who), name, args, pg_temp.sid(who))::jsonb $$;
-- {sqlstate, message, detail} of a failing call, NULL when it succeeds.
CREATE FUNCTION pg_temp.failure(who text, name text, args jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
	det text;
BEGIN
	PERFORM pg_temp.tool(who, name, args);
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
	RETURN jsonb_build_object('sqlstate', st, 'message', msg, 'detail',
		CASE WHEN det ~ '^[[{]' THEN det::jsonb ELSE to_jsonb(nullif(det, '')) END);
END
$$;
CREATE TEMP TABLE made (name text PRIMARY KEY, r jsonb);
INSERT INTO made VALUES ('milk', pg_temp.tool('alice', 'add_task',
	'{"title": "Buy milk", "description": "2 l", "priority": "high", "tags": ["Shop"]}'));
CREATE FUNCTION pg_temp.milk() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT (r ->> 'task_id')::uuid FROM made WHERE name = 'milk' $$;

-- the catalogue
SELECT ok((SELECT prosecdef FROM pg_proc WHERE oid = 'aido_mcp_call(uuid, text, jsonb, uuid)'::regprocedure),
		  'aido_mcp_call is SECURITY DEFINER');
SELECT ok(has_function_privilege('aido_api', 'aido_mcp_call(uuid, text, jsonb, uuid)', 'EXECUTE')
		  AND NOT has_function_privilege('public', 'aido_mcp_call(uuid, text, jsonb, uuid)', 'EXECUTE'),
		  'aido_api may call it, PUBLIC may not');
SELECT isnt(obj_description('aido_mcp_call(uuid, text, jsonb, uuid)'::regprocedure, 'pg_proc'), NULL,
			'it has a comment');

-- add_task
SELECT is((SELECT r FROM made WHERE name = 'milk') - 'task_id', '{"status": "created", "title": "Buy milk"}',
		  'add_task answers {task_id, status: created, title}');
SELECT is(aido_task_get(pg_temp.uid('alice'), pg_temp.milk()) - ARRAY['id', 'user_id', 'created_at',
		  'updated_at', 'due_date', 'completed_at', 'next_occurrence_id', 'recurring', 'recurring_pattern',
		  'remind_at', 'reminded_at'],
		  '{"title": "Buy milk", "description": "2 l", "priority": "high", "tags": ["shop"], "completed": false}',
		  '... and the task has the optional fields given');
SELECT is(pg_temp.tool('alice', 'add_task', jsonb_build_object('title', 'Own id', 'user_id',
		  upper(pg_temp.uid('alice')::text))) ->> 'status', 'created',
		  'the caller''s own user_id is accepted, in any case');
SELECT is(pg_temp.tool('alice', 'add_task', '{"title": "Null id", "user_id": null}') ->> 'status', 'created',
		  'so is a null user_id');
SELECT is(pg_temp.failure('alice', 'add_task', jsonb_build_object('title', 'Planted', 'user_id',
		  pg_temp.uid('bob')::text)) ->> 'sqlstate', '42501', 'another user''s user_id is 42501');
SELECT is(pg_temp.failure('alice', 'add_task', '{"title": "x", "user_id": 7}') ->> 'sqlstate', '42501',
		  'a user_id that is no string is 42501');
SELECT is((SELECT count(*)::int FROM aido.tasks WHERE title = 'Planted'), 0, '... and nothing was created');
SELECT is(pg_temp.failure('alice', 'add_task', '{"title": "", "colour": "red"}') -> 'detail',
		  '[{"code": "blank", "field": "title", "message": "title must not be blank"},
			{"code": "unknown_field", "field": "colour", "message": "unknown field \"colour\""}]',
		  'invalid arguments are 23514 with the field errors of the REST API');
SELECT is(pg_temp.failure('alice', 'add_task', '["not", "an", "object"]') ->> 'sqlstate', '23514',
		  'arguments that are not an object are 23514');

-- list_tasks
SELECT is(jsonb_array_length(pg_temp.tool('alice', 'list_tasks', '{}') -> 'items'), 3,
		  'list_tasks lists the user''s tasks');
SELECT is(pg_temp.tool('alice', 'list_tasks', '{"search": "MILK", "status": "pending"}'),
		  jsonb_build_object('items', jsonb_build_array(aido_task_get(pg_temp.uid('alice'), pg_temp.milk())),
			'next_cursor', NULL),
		  '... filtered by search and status: the page of GET /api/tasks');
SELECT is(jsonb_array_length(pg_temp.tool('alice', 'list_tasks',
		  '{"status": null, "priority": null, "search": null}') -> 'items'), 3,
		  'null filters are absent ones');
SELECT isnt(pg_temp.tool('alice', 'list_tasks', '{"limit": 1}') ->> 'next_cursor', NULL,
			'a page with more has next_cursor');
SELECT is(jsonb_array_length(pg_temp.tool('bob', 'list_tasks', '{}') -> 'items'), 0,
		  'another user sees none of them');
SELECT is(pg_temp.failure('alice', 'list_tasks', '{"status": "done"}') ->> 'sqlstate', '22023',
		  'a bad filter is 22023, as on REST');
SELECT is(pg_temp.failure('alice', 'list_tasks', '{"q": "milk"}') -> 'detail' -> 0 ->> 'code', 'unknown_field',
		  'an argument list_tasks does not take is unknown_field');

-- get_task, complete_task, update_task
SELECT is(pg_temp.tool('alice', 'get_task', jsonb_build_object('task_id', pg_temp.milk())) ->> 'id',
		  pg_temp.milk()::text, 'get_task gives the task');
SELECT is(pg_temp.tool('alice', 'complete_task', jsonb_build_object('task_id', pg_temp.milk())),
		  jsonb_build_object('task_id', pg_temp.milk(), 'status', 'completed', 'title', 'Buy milk'),
		  'complete_task answers {task_id, status: completed, title}');
SELECT ok((aido_task_get(pg_temp.uid('alice'), pg_temp.milk()) ->> 'completed')::boolean, '... and completes it');
SELECT is(pg_temp.tool('alice', 'complete_task', jsonb_build_object('task_id', pg_temp.milk())) ->> 'status',
		  'completed', 'completing it again is the same');
SELECT is(pg_temp.tool('alice', 'update_task', jsonb_build_object('task_id', pg_temp.milk(),
		  'title', 'Buy oat milk', 'completed', false)),
		  jsonb_build_object('task_id', pg_temp.milk(), 'status', 'updated', 'title', 'Buy oat milk'),
		  'update_task answers {task_id, status: updated, title}');
SELECT is(aido_task_get(pg_temp.uid('alice'), pg_temp.milk()) ->> 'completed', 'false',
		  '... and changes the fields given');
SELECT is(pg_temp.failure('alice', 'update_task', jsonb_build_object('task_id', pg_temp.milk(),
		  'title', repeat('x', 201))) -> 'detail' -> 0 ->> 'code', 'too_long',
		  'an invalid update is the REST API''s field error');
SELECT is(pg_temp.failure('alice', 'update_task', jsonb_build_object('task_id', pg_temp.milk(),
		  'id', pg_temp.milk())) -> 'detail' -> 0 ->> 'code', 'read_only',
		  'a field the server owns is read_only');

-- task_id
SELECT is(pg_temp.failure('alice', 'complete_task', '{}') -> 'detail' -> 0 ->> 'code', 'required',
		  'no task_id is 23514 required');
SELECT is(pg_temp.failure('alice', 'complete_task', '{"task_id": 5}') -> 'detail' -> 0 ->> 'code', 'wrong_type',
		  'a task_id that is no string is wrong_type');
SELECT is(pg_temp.failure('alice', 'delete_task', '{"task_id": "5"}') ->> 'sqlstate', 'P0002',
		  'a malformed task_id is not found, as on REST');
SELECT is(pg_temp.failure('alice', 'get_task', '{"task_id": "00000000-0000-0000-0000-000000000000"}') ->> 'sqlstate',
		  'P0002', 'an unknown task_id is not found');

-- another user's task, with and without its owner's user_id
SELECT is(pg_temp.failure('bob', 'delete_task', jsonb_build_object('task_id', pg_temp.milk())) ->> 'sqlstate',
		  'P0002', 'another user''s task is not found');
SELECT is(pg_temp.failure('bob', 'update_task', jsonb_build_object('task_id', pg_temp.milk(),
		  'title', 'pwned', 'user_id', pg_temp.uid('alice'))) ->> 'sqlstate', '42501',
		  'naming its owner as user_id is 42501');
SELECT is(aido_task_get(pg_temp.uid('alice'), pg_temp.milk()) ->> 'title', 'Buy oat milk',
		  '... and the task is as its owner left it');

-- delete_task
SELECT is(pg_temp.tool('alice', 'delete_task', jsonb_build_object('task_id', pg_temp.milk())),
		  jsonb_build_object('task_id', pg_temp.milk(), 'status', 'deleted', 'title', 'Buy oat milk'),
		  'delete_task answers the title the task had');
SELECT is((SELECT count(*)::int FROM aido.tasks WHERE id = pg_temp.milk()), 0, '... and deletes it');

-- sessions, unknown tools, external users
SELECT is((SELECT count(*)::int FROM (SELECT aido_logout(pg_temp.uid('bob'), pg_temp.sid('bob'))) x), 1,
		  'bob signs out');
SELECT is(pg_temp.failure('bob', 'list_tasks', '{}') ->> 'sqlstate', '28000',
		  'a revoked session is 28000, whatever the tool');
SELECT is(pg_temp.failure('bob', 'list_tasks', '{"sparkle": 1}') ->> 'sqlstate', '28000',
		  '... before an unknown argument is named');
SELECT is(pg_temp.failure('alice', 'drop_tables', '{}') ->> 'sqlstate', '22023', 'an unknown tool is 22023');
SELECT is(aido_mcp_call(aido_external_user('ext-Subject-1'), 'add_task',
		  '{"title": "From the provider", "user_id": "ext-Subject-1"}')::jsonb ->> 'status', 'created',
		  'an external user names itself by its subject');
SELECT throws_ok($$SELECT aido_mcp_call(aido_external_user('ext-Subject-1'), 'add_task',
		  '{"title": "x", "user_id": "ext-subject-1"}')$$, '42501', NULL,
		  '... exactly: a subject differing in case is another user');

SELECT * FROM finish();
ROLLBACK;
