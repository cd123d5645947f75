-- aido_task_list_json: the task list as json text (what the gateway
-- relays), page by page the rows of aido.tasks as they are stored, in the
-- order of each sort, for native and external users, through the static
-- statements (unfiltered created_at orders) and the assembled ones.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT aido_bootstrap();

SELECT plan(17);

SET LOCAL aido.password_memory_kib = 1024;
SET LOCAL aido.password_iterations = 1;
-- The JSON must not depend on the session's time zone or date style.
SET LOCAL TimeZone = 'Asia/Kathmandu';
SET LOCAL DateStyle = 'German, DMY';

-- Fixtures: a native user with a session, an external one, and 130 tasks
-- each, with every kind of field (quotes, backslashes, non-ASCII text, a
-- title that spells the user's own "user_id":"..." key), some sharing
-- created_at so that ties are broken by id.
CREATE TEMP TABLE who AS
SELECT (s -> 'user' ->> 'id')::uuid AS native, (s ->> 'session_id')::uuid AS session,
	   aido_external_user('ext-subject-0123456789abcdefghijkl', 'ext@example.com') AS ext
FROM aido_signup('{"email": "lister@example.com", "password": "password123"}') AS s;
INSERT INTO aido.tasks (user_id, title, description, completed, priority, tags, due_date, created_at)
SELECT u, CASE i % 5 WHEN 0 THEN format('"user_id":"%s"', u) WHEN 1 THEN 'quote " and \ back'
					 WHEN 2 THEN 'Ünïcødé ✓ task ' || i ELSE 'task ' || i END,
	   CASE WHEN i % 3 = 0 THEN NULL ELSE repeat('d', i) END, i % 4 = 0,
	   (ARRAY['low', 'medium', 'high'])[1 + i % 3], (CASE i % 2 WHEN 0 THEN ARRAY['a', 'b'] ELSE ARRAY['c', 'd'] END)[1:(i % 3)],
	   CASE WHEN i % 6 = 0 THEN NULL ELSE '2026-01-01T00:00:00Z'::timestamptz + i * interval '7 hours' END,
	   '2025-06-01T00:00:00Z'::timestamptz + (i / 3) * interval '1 minute'
FROM who, unnest(ARRAY[native, ext]) AS u, generate_series(1, 130) AS i;

-- Every page of a list, following next_cursor: all items, in order, as
-- jsonb (for comparison), and the number of pages.
CREATE FUNCTION pg_temp.walk(u uuid, s uuid, params jsonb, OUT items jsonb, OUT pages integer)
LANGUAGE plpgsql AS $$
DECLARE
	page json;
	cursor text;
BEGIN
	items := '[]';
	pages := 0;
	LOOP
		page := aido_task_list_json(u, params || jsonb_strip_nulls(jsonb_build_object('cursor', cursor)), s);
		items := items || (page -> 'items')::jsonb;
		pages := pages + 1;
		cursor := page ->> 'next_cursor';
		EXIT WHEN cursor IS NULL OR pages > 100;
	END LOOP;
END
$$;

-- What a list must answer: the user's rows as to_jsonb gives them (user_id
-- as the user knows it), filtered and ordered by SQL written here.
CREATE FUNCTION pg_temp.expected(u uuid, shown text, filter text, ord text) RETURNS jsonb
LANGUAGE plpgsql SET TimeZone = 'UTC' AS $$
DECLARE
	r jsonb;
BEGIN
	EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(t) || jsonb_build_object(''user_id'', $2) ORDER BY %s), ''[]'')
					FROM aido.tasks t WHERE t.user_id = $1 AND %s', ord, filter)
	INTO r USING u, shown;
	RETURN r;
END
$$;

CREATE TEMP TABLE lists (n serial, label text, params jsonb, filter text, ord text, pages integer);
INSERT INTO lists (label, params, filter, ord, pages) VALUES
	('the default list (-created_at, static)', '{}', 'true', 't.created_at DESC, t.id DESC', 3),
	('sort=created_at (static)', '{"sort": "created_at", "limit": 40}', 'true', 't.created_at, t.id', 4),
	('sort=-due_date', '{"sort": "-due_date", "limit": 100}', 'true',
	 $$coalesce(t.due_date, 'infinity') DESC, t.created_at DESC, t.id DESC$$, 2),
	('sort=priority', '{"sort": "priority"}', 'true',
	 $$CASE t.priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, t.created_at, t.id$$, 3),
	('sort=-title', '{"sort": "-title", "limit": 30}', 'true', 'lower(t.title) DESC, t.created_at DESC, t.id DESC', 5),
	('status=pending', '{"status": "pending", "limit": 25}', 'NOT t.completed', 't.created_at DESC, t.id DESC', 4),
	('tag=c and q=task', '{"tag": "c", "q": "TASK"}', $$t.tags @> '{c}' AND t.title ILIKE '%task%'$$,
	 't.created_at DESC, t.id DESC', 1);

SELECT is((SELECT w.items FROM who, pg_temp.walk(who.native, who.session, l.params) AS w),
		  (SELECT pg_temp.expected(native, native::text, l.filter, l.ord) FROM who),
		  l.label || ': every page, walked with the cursors, is the rows as stored, in order')
FROM lists l ORDER BY l.n;
SELECT is((SELECT w.pages FROM who, pg_temp.walk(who.native, who.session, l.params) AS w), l.pages,
		  l.label || ': in ' || l.pages || ' pages')
FROM lists l WHERE l.n <= 2 ORDER BY l.n;
SELECT is((SELECT w.items FROM who, pg_temp.walk(who.ext, NULL, l.params) AS w),
		  (SELECT pg_temp.expected(ext, 'ext-subject-0123456789abcdefghijkl', l.filter, l.ord) FROM who),
		  l.label || ', an external user: the same, user_id being the external id')
FROM lists l WHERE l.n IN (1, 3, 6) ORDER BY l.n;

SELECT is(pg_get_function_result('aido_task_list_json(uuid, jsonb, uuid)'::regprocedure), 'json',
		  'the page is json, relayed as it was written');
SELECT is((SELECT array_agg(k) FROM who, json_object_keys(aido_task_list_json(native, '{}', session) -> 'items' -> 0) AS k),
		  (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
		   WHERE attrelid = 'aido.tasks'::regclass AND attnum > 0 AND NOT attisdropped),
		  'a task''s keys come in the order of the table''s columns');
SELECT is((SELECT count(*) FROM who, pg_temp.walk(who.ext, NULL, '{}') AS w, jsonb_array_elements(w.items) AS i
		   WHERE i ->> 'title' = format('"user_id":"%s"', who.ext)), 26::bigint,
		  'an external user''s title that spells "user_id":"<their id>" is left as it is');
SELECT is(aido_task_list_json(aido_external_user('nobody', 'nobody@example.com'), '{}')::text,
		  '{"items" : [], "next_cursor" : null}',
		  'an empty list is an empty page without a cursor');
SELECT is(aido_task_list_json(native, '{"limit": 3}', session)::jsonb, aido_task_list(native, '{"limit": 3}', session),
		  'aido_task_list answers the same page as jsonb')
FROM who;

SELECT * FROM finish();
ROLLBACK;
