-- _aido_json_agg, extension/json.c: the pages of the lists are built with
-- it, and it must write exactly json_agg's text (keys, values, separators,
-- white space) for any row.  aido flavor: c (the SQL-only flavor's build
-- writes json_agg in its place: sql/sqlonly/build)
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(16);

-- Tasks with what a title, a description and tags can hold: quotes,
-- backslashes, control characters, non-ASCII, NULLs, empty arrays.
INSERT INTO aido.users (email, name) VALUES ('json.agg@example.com', 'J');
INSERT INTO aido.tasks (user_id, title, description, priority, tags, due_date, completed,
                        recurring, recurring_pattern, remind_at)
SELECT u.id, v.title, v.description, v.priority, v.tags, v.due, v.done, v.rec, v.pattern, v.remind
FROM aido.users u,
     (VALUES ('plain', NULL, 'low', '{}'::text[], NULL::timestamptz, false, false, NULL, NULL::timestamptz),
             ('"quoted" \ back\slash', E'tab\there\nnew line\r\f\b' || chr(1) || chr(31), 'high',
              ARRAY['a"b', 'c\d', 'ünï', '日本'], '2026-03-02T09:00:00+01:00', true, false, NULL, NULL),
             ('emoji 🎉 and é', 'x', 'medium', ARRAY['work'], '1999-12-31T23:59:59.123456Z', false,
              true, 'weekly', '2026-01-01T00:00:00Z')) AS v(title, description, priority, tags, due, done,
                                                          rec, pattern, remind)
WHERE u.email = 'json.agg@example.com';

SELECT is((SELECT _aido_json_agg(t ORDER BY t.title)::text FROM aido.tasks t),
          (SELECT json_agg(t ORDER BY t.title)::text FROM aido.tasks t),
          'tasks: the same text as json_agg');
SET LOCAL TimeZone = 'America/St_Johns';
SELECT is((SELECT _aido_json_agg(t ORDER BY t.title)::text FROM aido.tasks t),
          (SELECT json_agg(t ORDER BY t.title)::text FROM aido.tasks t),
          'tasks in another time zone: the same text (timestamps with the session''s offset)');
RESET TimeZone;
SELECT is((SELECT _aido_json_agg(t)::text FROM (SELECT * FROM aido.tasks ORDER BY title LIMIT 1) t),
          (SELECT json_agg(t)::text FROM (SELECT * FROM aido.tasks ORDER BY title LIMIT 1) t),
          'one row: the same text');
SELECT is((SELECT _aido_json_agg(t)::text FROM aido.tasks t WHERE false), NULL::text,
          'no rows: NULL, as json_agg');
SELECT is((SELECT pg_typeof(_aido_json_agg(t)) FROM aido.tasks t), 'json'::regtype,
          'the result is json');

-- Every kind of column json_agg knows: numbers (and those that are no JSON
-- number), booleans, dates and times, json and jsonb, arrays, nested rows,
-- a domain, an enum, a type with a cast to json, a dropped column, NULL rows.
CREATE TYPE pg_temp.mood AS ENUM ('ok', 'meh');
CREATE TYPE pg_temp.pair AS (a int, b text);
CREATE DOMAIN pg_temp.when_t AS timestamptz;
CREATE FUNCTION pg_temp.mood_json(m pg_temp.mood) RETURNS json LANGUAGE sql
    AS $$ SELECT json_build_object('mood', m::text) $$;
CREATE TYPE pg_temp.score AS ENUM ('low', 'high');
CREATE FUNCTION pg_temp.score_json(s pg_temp.score) RETURNS json LANGUAGE sql
    AS $$ SELECT json_build_object('score', s::text) $$;
CREATE CAST (pg_temp.score AS json) WITH FUNCTION pg_temp.score_json(pg_temp.score);
CREATE TEMP TABLE kinds (
    i2 smallint, i4 int, i8 bigint, f4 real, f8 double precision, n numeric, b boolean, gone text,
    d date, ts timestamp, tz timestamptz, tm time, iv interval, j json, jb jsonb, u uuid,
    ia int[], ta text[][], p pg_temp.pair, pa pg_temp.pair[], w pg_temp.when_t, m pg_temp.mood,
    s pg_temp.score, by bytea, "key ""with"" quotes" text);
ALTER TABLE kinds DROP COLUMN gone;
INSERT INTO kinds VALUES
    (1, -2, 9007199254740993, 1.5, 'NaN', 123456789.000000001, true, '2026-02-28', '2026-02-28 13:14:15.5',
     '2026-02-28 13:14:15.5+05:30', '13:14', '1 day 2 hours', '{"a": [1, 2]}', '{"b": {"c": null}}',
     'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{1,NULL,3}', '{{"x","y\""},{"z",NULL}}', ROW(1, 'o"k'),
     ARRAY[ROW(2, 'b')::pg_temp.pair, NULL], '2026-02-28T00:00:00Z', 'meh', 'high', '\x00ff', 'k'),
    (NULL, NULL, NULL, '-Infinity', 'Infinity', 'NaN', false, 'infinity', '-infinity', 'infinity',
     NULL, NULL, 'null', '[]', NULL, '{}', '{}', NULL, '{}', NULL, 'ok', 'low', NULL, NULL),
    (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT is((SELECT _aido_json_agg(k ORDER BY k.i4 NULLS LAST, k.b NULLS LAST)::text FROM kinds k),
          (SELECT json_agg(k ORDER BY k.i4 NULLS LAST, k.b NULLS LAST)::text FROM kinds k),
          'every kind of column, a dropped one and a quoted name: the same text as json_agg');
SELECT is((SELECT _aido_json_agg(k.p)::text FROM kinds k), (SELECT json_agg(k.p)::text FROM kinds k),
          'a column of a row type, NULLs among the rows: the same text');
SELECT is((SELECT _aido_json_agg(x ORDER BY x.n)::text
             FROM (SELECT g AS n, CASE WHEN g % 2 = 0 THEN ROW(g, 'v')::pg_temp.pair END AS r
                   FROM generate_series(1, 5) AS g) AS x),
          (SELECT json_agg(x ORDER BY x.n)::text
             FROM (SELECT g AS n, CASE WHEN g % 2 = 0 THEN ROW(g, 'v')::pg_temp.pair END AS r
                   FROM generate_series(1, 5) AS g) AS x),
          'anonymous records: the same text');
SELECT is((SELECT _aido_json_agg(x.r ORDER BY x.n)::text
             FROM (SELECT g AS n, CASE WHEN g % 2 = 0 THEN ROW(g, 'v')::pg_temp.pair END AS r
                   FROM generate_series(1, 5) AS g) AS x),
          (SELECT json_agg(x.r ORDER BY x.n)::text
             FROM (SELECT g AS n, CASE WHEN g % 2 = 0 THEN ROW(g, 'v')::pg_temp.pair END AS r
                   FROM generate_series(1, 5) AS g) AS x),
          'NULL rows between rows: null, as json_agg writes them');

SELECT is((SELECT _aido_json_agg(x)::text FROM (SELECT string_agg(chr(g), '' ORDER BY g) || 'ü日🎉' AS s,
                                                  '"' || repeat('\', 3) || '"' AS t
                                           FROM generate_series(1, 127) AS g) AS x),
          (SELECT json_agg(x)::text FROM (SELECT string_agg(chr(g), '' ORDER BY g) || 'ü日🎉' AS s,
                                                 '"' || repeat('\', 3) || '"' AS t
                                          FROM generate_series(1, 127) AS g) AS x),
          'every ASCII character, escaped or not, and runs of escapes: the same text');

CREATE DOMAIN pg_temp.label AS text;
SELECT is((SELECT _aido_json_agg(x ORDER BY x.n)::text
             FROM (SELECT g AS n, ('v"' || g)::varchar(5) AS v, (E'd\\' || g)::pg_temp.label AS d,
                          CASE WHEN g > 1 THEN md5(g::text)::uuid END AS u, ''::text AS e
                   FROM generate_series(1, 3) AS g) AS x),
          (SELECT json_agg(x ORDER BY x.n)::text
             FROM (SELECT g AS n, ('v"' || g)::varchar(5) AS v, (E'd\\' || g)::pg_temp.label AS d,
                          CASE WHEN g > 1 THEN md5(g::text)::uuid END AS u, ''::text AS e
                   FROM generate_series(1, 3) AS g) AS x),
          'varchar, a domain over text, uuids and empty strings: the same text');

-- As a window function the final function runs again on the same state.
SELECT is((SELECT array_agg(a ORDER BY n)::text FROM
             (SELECT k.i4 AS n, _aido_json_agg(k) OVER (ORDER BY k.i4 NULLS LAST, k.b NULLS LAST)::text AS a
              FROM kinds k) AS w),
          (SELECT array_agg(a ORDER BY n)::text FROM
             (SELECT k.i4 AS n, json_agg(k) OVER (ORDER BY k.i4 NULLS LAST, k.b NULLS LAST)::text AS a
              FROM kinds k) AS w),
          'as a window function: the same running arrays');
SELECT is((SELECT string_agg(a, '|' ORDER BY g) FROM
             (SELECT g, (SELECT _aido_json_agg(t)::text FROM (SELECT g AS x, 'v' || g AS y) t) AS a
              FROM generate_series(1, 3) AS g) AS s),
          '[{"x":1,"y":"v1"}]|[{"x":2,"y":"v2"}]|[{"x":3,"y":"v3"}]',
          'one aggregate per outer row: a fresh array each');

-- A page of 1,000 rows: the buffer grows as json_agg's does.
SELECT is((SELECT md5(_aido_json_agg(t ORDER BY t.g)::text)
             FROM (SELECT g, repeat('ü', g % 97) AS s FROM generate_series(1, 1000) AS g) t),
          (SELECT md5(json_agg(t ORDER BY t.g)::text)
             FROM (SELECT g, repeat('ü', g % 97) AS s FROM generate_series(1, 1000) AS g) t),
          '1,000 rows: the same text');

SELECT throws_ok($$SELECT _aido_json_agg(g) FROM generate_series(1, 2) AS g$$, '42804',
                 '_aido_json_agg aggregates rows, not integer',
                 'a value that is no row is refused (42804)');
SELECT is((SELECT count(*) FROM pg_proc WHERE proname = '_aido_json_agg' AND prokind = 'a'), 1::bigint,
          'one _aido_json_agg aggregate');

SELECT * FROM finish();
ROLLBACK;
