-- The schema of API.md section 1: aido_bootstrap() and aido_schema_status().
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT aido_bootstrap();
SELECT plan(61);

SELECT has_schema('aido', 'the tables live in the schema aido');
SELECT has_table('aido', t, format('table aido.%s exists', t))
FROM unnest(ARRAY['users', 'sessions', 'tasks', 'conversations', 'messages']) AS t;

SELECT is((SELECT count(*)::int FROM aido_bootstrap()), 0,
		  'bootstrap on a complete schema creates nothing');
SELECT is((SELECT count(*)::int FROM aido_schema_status() WHERE NOT present), 0,
		  'schema status reports every object present');
-- every column of API.md, with its type
SELECT col_type_is('aido', tbl, col, typ, format('aido.%s.%s is %s', tbl, col, typ))
FROM (VALUES
	('users', 'id', 'uuid'), ('users', 'email', 'text'), ('users', 'password_hash', 'text'),
	('users', 'name', 'text'), ('users', 'external_id', 'text'),
	('users', 'created_at', 'timestamp with time zone'),
	('sessions', 'user_id', 'uuid'), ('sessions', 'expires_at', 'timestamp with time zone'),
	('sessions', 'revoked_at', 'timestamp with time zone'), ('sessions', 'user_agent', 'text'),
	('sessions', 'last_seen_at', 'timestamp with time zone'),
	('tasks', 'user_id', 'uuid'), ('tasks', 'title', 'text'), ('tasks', 'description', 'text'),
	('tasks', 'completed', 'boolean'), ('tasks', 'completed_at', 'timestamp with time zone'),
	('tasks', 'priority', 'text'), ('tasks', 'tags', 'text[]'),
	('tasks', 'due_date', 'timestamp with time zone'), ('tasks', 'recurring', 'boolean'),
	('tasks', 'recurring_pattern', 'text'), ('tasks', 'next_occurrence_id', 'uuid'),
	('tasks', 'updated_at', 'timestamp with time zone'),
	('conversations', 'user_id', 'uuid'), ('conversations', 'title', 'text'),
	('messages', 'conversation_id', 'uuid'), ('messages', 'user_id', 'uuid'),
	('messages', 'role', 'text'), ('messages', 'content', 'text')
) AS c(tbl, col, typ);

SELECT has_index('aido', 'tasks', 'tasks_user_created_idx', ARRAY['user_id', 'created_at', 'id'],
				 'tasks are indexed on (user_id, created_at, id)');
SELECT has_index('aido', 'tasks', 'tasks_user_completed_idx',
				 ARRAY['user_id', 'completed', 'created_at', 'id'],
				 'tasks are indexed on (user_id, completed, ...)');

SELECT fk_ok('aido', 'tasks', 'user_id', 'aido', 'users', 'id', 'tasks belong to users');
SELECT fk_ok('aido', 'sessions', 'user_id', 'aido', 'users', 'id', 'sessions belong to users');
SELECT fk_ok('aido', 'conversations', 'user_id', 'aido', 'users', 'id', 'conversations belong to users');
SELECT fk_ok('aido', 'messages', 'conversation_id', 'aido', 'conversations', 'id',
			 'messages belong to conversations');

SELECT has_trigger('aido', 'tasks', 'tasks_guard', 'the C validator guards aido.tasks');

-- the tables are not members of the extension: pg_dump dumps them as data
SELECT is((SELECT count(*)::int FROM pg_depend d
		   WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'aido')
			 AND d.classid = 'pg_class'::regclass), 0,
		  'no table belongs to the extension, so pg_dump keeps their rows');

-- a missing piece is reported, then restored by bootstrap
DROP INDEX aido.tasks_user_created_idx;
ALTER TABLE aido.tasks DROP CONSTRAINT tasks_priority_check;
DROP TRIGGER tasks_guard ON aido.tasks;
SELECT results_eq(
	$$SELECT name, detail FROM aido_schema_status() WHERE NOT present ORDER BY name$$,
	$$VALUES ('tasks.tasks_guard', 'missing: SELECT aido_bootstrap() creates it'),
			 ('tasks.tasks_priority_check', 'missing: SELECT aido_bootstrap() creates it'),
			 ('tasks.tasks_user_created_idx', 'missing: SELECT aido_bootstrap() creates it')$$,
	'schema status names each missing object and what to do');
SELECT set_eq(
	'SELECT * FROM aido_bootstrap()',
	$$VALUES ('created index tasks.tasks_user_created_idx'),
			 ('created constraint tasks.tasks_priority_check'),
			 ('created trigger tasks.tasks_guard')$$,
	'bootstrap recreates exactly what was missing and says so');
SELECT is((SELECT count(*)::int FROM aido_schema_status() WHERE NOT present), 0,
		  'after bootstrap the schema is complete again');

-- bootstrap from nothing, twice
DROP SCHEMA aido CASCADE;
SELECT is((SELECT count(*) FILTER (WHERE NOT present)::int FROM aido_schema_status()),
		  (SELECT count(*)::int FROM aido_schema_status()),
		  'without the schema, every object is reported missing');
SELECT is((SELECT count(*)::int FROM aido_bootstrap()),
		  (SELECT count(*)::int FROM aido_schema_status()),
		  'bootstrap on an empty database creates every object');
SELECT is((SELECT count(*)::int FROM aido_bootstrap()), 0, 'a second bootstrap creates nothing');
SELECT ok((SELECT bool_and(present) FROM aido_schema_status()), 'the new schema is complete');

-- the rules on users
INSERT INTO aido.users (email, name) VALUES ('  Ada@Example.COM ', '  Ada  ');
SELECT is((SELECT email FROM aido.users), 'ada@example.com', 'emails are stored trimmed and lower-cased');
SELECT is((SELECT name FROM aido.users), 'Ada', 'names are stored trimmed');
SELECT throws_ok($$INSERT INTO aido.users (email) VALUES ('ADA@example.com')$$, '23505', NULL,
				 'emails are unique case-insensitively');
SELECT throws_ok(format($$INSERT INTO aido.users (email) VALUES ('%s@example.com')$$, repeat('a', 250)),
				 '23514', NULL, 'an email over 255 characters is refused');
SELECT throws_ok(format($$INSERT INTO aido.users (email, name) VALUES ('b@example.com', '%s')$$, repeat('n', 101)),
				 '23514', NULL, 'a name over 100 characters is refused');
SELECT lives_ok(format($$INSERT INTO aido.users (email, name) VALUES ('c@example.com', '%s')$$, repeat('ñ', 100)),
				'a name of 100 multibyte characters is accepted');
INSERT INTO aido.users (email, external_id) VALUES ('x1@example.com', repeat('e', 32));
SELECT throws_ok(format($$INSERT INTO aido.users (email, external_id) VALUES ('x2@example.com', '%s')$$, repeat('e', 32)),
				 '23505', NULL, 'external ids are unique');
SELECT is((SELECT password_hash FROM aido.users WHERE external_id IS NOT NULL), NULL,
		  'a user of an external provider may have no password');

-- deleting a user deletes everything of theirs
INSERT INTO aido.sessions (user_id, expires_at) SELECT id, now() + interval '1 day' FROM aido.users WHERE email = 'ada@example.com';
INSERT INTO aido.tasks (user_id, title) SELECT id, 'a task' FROM aido.users WHERE email = 'ada@example.com';
INSERT INTO aido.conversations (user_id) SELECT id FROM aido.users WHERE email = 'ada@example.com';
INSERT INTO aido.messages (conversation_id, user_id, role, content)
	SELECT c.id, c.user_id, 'user', 'hi' FROM aido.conversations c;
DELETE FROM aido.users WHERE email = 'ada@example.com';
SELECT is((SELECT count(*)::int FROM aido.sessions) + (SELECT count(*)::int FROM aido.tasks)
		  + (SELECT count(*)::int FROM aido.conversations) + (SELECT count(*)::int FROM aido.messages),
		  0, 'deleting a user deletes their sessions, tasks, conversations and messages');

SELECT * FROM finish();
ROLLBACK;
