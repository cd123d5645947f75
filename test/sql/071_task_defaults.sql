-- A task's defaults are written once (_aido_task_defaults, for create and
-- PUT); the table's column defaults, which a DBA's INSERT gets, agree.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT aido_bootstrap();

SELECT plan(4);

CREATE TEMP TABLE u AS
	WITH i AS (INSERT INTO aido.users (email, name) VALUES ('defaults@example.com', 'Dee') RETURNING id)
	SELECT id FROM i;

/* the fields of a task JSON named by the defaults, taken from a task */
CREATE FUNCTION pg_temp.defaulted(task jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_object_agg(k, task -> k)
	FROM jsonb_object_keys(_aido_task_defaults() - 'title') AS k
$$;

SELECT is(_aido_task_defaults() ?& ARRAY['title', 'description', 'completed', 'priority', 'tags',
										 'due_date', 'recurring', 'recurring_pattern'],
		  true, 'the defaults name every field a client writes');

WITH t AS (INSERT INTO aido.tasks (user_id, title) SELECT id, 'by hand' FROM u RETURNING *)
SELECT is(pg_temp.defaulted(to_jsonb(t)), _aido_task_defaults() - 'title',
		  'a DBA''s INSERT of a title alone gets the same defaults as the API')
FROM t;

SELECT is(pg_temp.defaulted(aido_task_create(u.id, '{"title": "by the API"}')),
		  _aido_task_defaults() - 'title', 'a create of a title alone gets the defaults')
FROM u;

SELECT is(pg_temp.defaulted(aido_task_replace(u.id, t.id, '{"title": "put"}')),
		  _aido_task_defaults() - 'title', 'a PUT of a title alone resets every other field to its default')
FROM u, LATERAL (SELECT (aido_task_create(u.id,
	'{"title": "full", "description": "d", "completed": true, "priority": "high", "tags": ["a"],
	  "due_date": "2026-05-01T10:00:00Z"}') ->> 'id')::uuid AS id) AS t;

SELECT * FROM finish();
ROLLBACK;
