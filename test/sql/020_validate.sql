-- aido_validate_task: the task rules of API.md section 1.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(161);

-- "field:code" of each error, in order; '{}' when the task is valid.
CREATE FUNCTION pg_temp.errors(result jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(coalesce(e->>'field', 'null') || ':' || (e->>'code')
                              ORDER BY ord), '{}')
      FROM jsonb_array_elements(result) WITH ORDINALITY AS x(e, ord)
$$;

-- A valid task with one field changed (or removed, with NULL).
CREATE FUNCTION pg_temp.task(field text, value jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN value IS NULL THEN t - field
                ELSE t || jsonb_build_object(field, value) END
      FROM (SELECT '{"title": "Buy milk"}'::jsonb AS t) AS base
$$;

CREATE TEMP TABLE cases (
    n        serial,
    label    text NOT NULL,
    task     jsonb,
    partial  boolean NOT NULL,
    expected text[] NOT NULL
);

-- title
INSERT INTO cases (label, task, partial, expected) VALUES
    ('a task with only a title is valid',
     '{"title": "Buy milk"}', false, '{}'),
    ('a task with every editable field is valid',
     '{"title": "Buy milk", "description": "2 litres", "completed": false,
       "priority": "high", "tags": ["home", "errands"],
       "due_date": "2026-01-31T09:00:00Z", "recurring": true,
       "recurring_pattern": "weekly"}', false, '{}'),
    ('a title of 200 emoji is valid (characters, not bytes, count)',
     jsonb_build_object('title', repeat('😀', 200)), false, '{}'),
    ('a title of 201 emoji is too_long',
     jsonb_build_object('title', repeat('😀', 201)), false, '{title:too_long}'),
    ('a title of 200 characters plus surrounding whitespace is valid (trimmed first)',
     jsonb_build_object('title', E' \t' || repeat('a', 200) || E'\n '), false, '{}'),
    ('an empty title is blank',
     '{"title": ""}', false, '{title:blank}'),
    ('a whitespace-only title is blank',
     jsonb_build_object('title', E' \t\n\r\f' || chr(11)), false, '{title:blank}'),
    ('a missing title is required',
     '{"description": "no title"}', false, '{title:required}'),
    ('a patch without a title is valid',
     '{"description": "no title"}', true, '{}'),
    ('a null title is required',
     '{"title": null}', false, '{title:required}'),
    ('a patch with a null title is required',
     '{"title": null}', true, '{title:required}'),
    ('a patch with a blank title is blank',
     '{"title": "   "}', true, '{title:blank}'),
    ('a patch with a 201-character title is too_long',
     jsonb_build_object('title', repeat('x', 201)), true, '{title:too_long}'),
    ('a numeric title is wrong_type',
     '{"title": 42}', false, '{title:wrong_type}'),
    ('an array title is wrong_type',
     '{"title": ["Buy milk"]}', false, '{title:wrong_type}'),
    ('an empty object misses its title',
     '{}', false, '{title:required}'),
    ('an empty patch is valid',
     '{}', true, '{}');

-- description
INSERT INTO cases (label, task, partial, expected) VALUES
    ('a description of 1000 characters is valid',
     pg_temp.task('description', to_jsonb(repeat('é', 1000))), false, '{}'),
    ('a description of 1001 characters is too_long',
     pg_temp.task('description', to_jsonb(repeat('é', 1001))), false, '{description:too_long}'),
    ('a null description is valid',
     pg_temp.task('description', 'null'), false, '{}'),
    ('a blank description is valid',
     pg_temp.task('description', '"   "'), false, '{}'),
    ('a numeric description is wrong_type',
     pg_temp.task('description', '5'), false, '{description:wrong_type}'),
    ('an object description is wrong_type',
     pg_temp.task('description', '{"text": "x"}'), false, '{description:wrong_type}');

-- completed
INSERT INTO cases (label, task, partial, expected) VALUES
    ('completed true is valid',
     pg_temp.task('completed', 'true'), false, '{}'),
    ('completed false is valid',
     pg_temp.task('completed', 'false'), false, '{}'),
    ('completed as the string "true" is wrong_type',
     pg_temp.task('completed', '"true"'), false, '{completed:wrong_type}'),
    ('completed null is wrong_type',
     pg_temp.task('completed', 'null'), false, '{completed:wrong_type}'),
    ('completed 1 is wrong_type',
     pg_temp.task('completed', '1'), false, '{completed:wrong_type}');

-- priority
INSERT INTO cases (label, task, partial, expected) VALUES
    ('priority low is valid',
     pg_temp.task('priority', '"low"'), false, '{}'),
    ('priority medium is valid',
     pg_temp.task('priority', '"medium"'), false, '{}'),
    ('priority high is valid',
     pg_temp.task('priority', '"high"'), false, '{}'),
    ('priority urgent is invalid_choice',
     pg_temp.task('priority', '"urgent"'), false, '{priority:invalid_choice}'),
    ('priority HIGH is invalid_choice (exact lower case)',
     pg_temp.task('priority', '"HIGH"'), false, '{priority:invalid_choice}'),
    ('priority " high" is invalid_choice (not trimmed)',
     pg_temp.task('priority', '" high"'), false, '{priority:invalid_choice}'),
    ('an empty priority is invalid_choice',
     pg_temp.task('priority', '""'), false, '{priority:invalid_choice}'),
    ('priority 1 is wrong_type',
     pg_temp.task('priority', '1'), false, '{priority:wrong_type}'),
    ('priority null is wrong_type',
     pg_temp.task('priority', 'null'), false, '{priority:wrong_type}');

-- tags
INSERT INTO cases (label, task, partial, expected) VALUES
    ('20 distinct tags are valid',
     pg_temp.task('tags', (SELECT jsonb_agg('tag' || i) FROM generate_series(1, 20) i)),
     false, '{}'),
    ('21 distinct tags are too_many',
     pg_temp.task('tags', (SELECT jsonb_agg('tag' || i) FROM generate_series(1, 21) i)),
     false, '{tags:too_many}'),
    ('"A", " a" and "a" count as one tag (20 distinct in 22)',
     pg_temp.task('tags', (SELECT jsonb_agg('tag' || i) FROM generate_series(1, 19) i)
                          || '["A", " a", "a"]'),
     false, '{}'),
    ('"A", " a" and "a" count as one tag (21 distinct in 23)',
     pg_temp.task('tags', (SELECT jsonb_agg('tag' || i) FROM generate_series(1, 20) i)
                          || '["A", " a", "a"]'),
     false, '{tags:too_many}'),
    ('an empty tag list is valid',
     pg_temp.task('tags', '[]'), false, '{}'),
    ('a tag of 50 characters is valid',
     pg_temp.task('tags', jsonb_build_array(repeat('ü', 50))), false, '{}'),
    ('a tag of 51 characters is too_long',
     pg_temp.task('tags', jsonb_build_array('ok', repeat('ü', 51))), false, '{tags:too_long}'),
    ('a tag of 50 characters plus surrounding spaces is valid',
     pg_temp.task('tags', jsonb_build_array('  ' || repeat('t', 50) || '  ')), false, '{}'),
    ('an empty tag is blank',
     pg_temp.task('tags', '["home", ""]'), false, '{tags:blank}'),
    ('a whitespace-only tag is blank',
     pg_temp.task('tags', E'["home", " \\t "]'), false, '{tags:blank}'),
    ('a numeric tag is wrong_type',
     pg_temp.task('tags', '["home", 1]'), false, '{tags:wrong_type}'),
    ('a null tag is wrong_type',
     pg_temp.task('tags', '[null]'), false, '{tags:wrong_type}'),
    ('a nested array tag is wrong_type',
     pg_temp.task('tags', '[["home"]]'), false, '{tags:wrong_type}'),
    ('tags as a string are wrong_type',
     pg_temp.task('tags', '"home"'), false, '{tags:wrong_type}'),
    ('tags as an object are wrong_type',
     pg_temp.task('tags', '{"home": true}'), false, '{tags:wrong_type}'),
    ('tags null is wrong_type',
     pg_temp.task('tags', 'null'), false, '{tags:wrong_type}'),
    ('only the first problem with tags is reported',
     pg_temp.task('tags', '["home", 1, "", "x"]'), false, '{tags:wrong_type}'),
    ('a problem with one tag is reported before too_many',
     pg_temp.task('tags', (SELECT jsonb_agg('tag' || i) FROM generate_series(1, 30) i) || '[""]'),
     false, '{tags:blank}');

-- due_date
INSERT INTO cases (label, task, partial, expected)
SELECT 'due_date ' || v || ' is valid', pg_temp.task('due_date', to_jsonb(v)), false, '{}'
  FROM unnest(ARRAY[
    '2026-01-31T09:00:00Z',
    '2026-01-31t09:00:00z',
    '2026-01-31T09:00:00+05:30',
    '2026-01-31T09:00:00-08:00',
    '2026-01-31T09:00:00.5Z',
    '2026-01-31T09:00:00.123456789+00:00',
    '2026-01-31 09:00:00Z',
    '2024-02-29T00:00:00Z',
    '2000-02-29T00:00:00Z',
    '2016-12-31T23:59:60Z',
    '0001-01-01T00:00:00Z',
    -- the calendar's edges, where the offset or a leap second could leave it
    '0001-01-01T00:00:00-01:00',
    '0001-01-01T14:00:00+14:00',
    '9999-12-31T08:00:00-15:59',
    '9999-12-31T23:59:59.999999Z',
    '9999-12-31T23:59:59.9999990Z',
    '9999-12-30T23:59:60Z',
    '2026-12-31T23:59:60.000Z'
  ]) AS v;
INSERT INTO cases (label, task, partial, expected)
SELECT 'due_date ' || v || ' is invalid_datetime', pg_temp.task('due_date', to_jsonb(v)),
       false, '{due_date:invalid_datetime}'
  FROM unnest(ARRAY[
    '2026-01-31T09:00:00',
    '2026-01-31T09:00:00+16:00',
    '2026-01-31T09:00:00-23:59',
    '2026-01-31',
    '2023-02-29T09:00:00Z',
    '1900-02-29T09:00:00Z',
    '2026-04-31T09:00:00Z',
    '2026-13-01T09:00:00Z',
    '2026-01-31T25:00:00Z',
    '2026-01-31T24:00:00Z',
    '2026-01-31T09:60:00Z',
    '2026-01-31T09:00:61Z',
    '2026-01-31T09:00Z',
    '2026-01-31T09:00:00.Z',
    '2026-01-31T09:00:00.1234567890Z',
    '2026-01-31T09:00:00+0530',
    '2026-01-31T09:00:00+24:00',
    '2026-01-31T09:00:00+05:60',
    '2026-01-31T09:00:00Z ',
    '2026-01-31_09:00:00Z',
    '26-01-31T09:00:00Z',
    '0000-01-01T00:00:00Z',
    -- a leap second with a fraction: PostgreSQL refuses 23:59:60.5 (22008)
    '2026-12-31T23:59:60.5Z',
    '2026-06-15T12:34:60.4Z',
    -- instants before 0001 or after 9999 in UTC (issue 13)
    '0001-01-01T00:00:00+14:00',
    '0001-01-01T13:59:59.999999+14:00',
    '9999-12-31T23:59:59-15:59',
    '9999-12-31T16:00:00-08:00',
    '9999-12-31T23:59:60Z',
    '9999-12-31T23:59:59.9999996Z',
    'tomorrow',
    ''
  ]) AS v;
INSERT INTO cases (label, task, partial, expected) VALUES
    ('a null due_date is valid',
     pg_temp.task('due_date', 'null'), false, '{}'),
    ('a numeric due_date is wrong_type',
     pg_temp.task('due_date', '1769850000'), false, '{due_date:wrong_type}'),
    ('an object due_date is wrong_type',
     pg_temp.task('due_date', '{"date": "2026-01-31"}'), false, '{due_date:wrong_type}');

-- The validator and the database agree at the calendar's edges: a
-- date-time the validator accepts is stored within 0001-9999 (and so read
-- back as one it accepts), one it refuses is not (issue 13).
CREATE FUNCTION pg_temp.storable(v text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	RETURN extract(year FROM v::timestamptz AT TIME ZONE 'UTC') BETWEEN 1 AND 9999;
EXCEPTION WHEN data_exception THEN
	RETURN false;
END $$;
CREATE TEMP TABLE edges AS SELECT v FROM unnest(ARRAY[
    '2026-12-31T23:59:60.5Z', '2026-12-31T23:59:60Z', '2026-12-31T23:59:60.000Z',
    '0001-01-01T00:00:00+14:00', '0001-01-01T14:00:00+14:00', '0001-01-01T13:59:59.999999+14:00',
    '0001-01-01T00:00:00Z', '0001-01-01T00:00:00-01:00',
    '9999-12-31T23:59:59-15:59', '9999-12-31T08:00:00-15:59', '9999-12-31T08:00:01-15:59',
    '9999-12-31T23:59:60Z', '9999-12-30T23:59:60Z', '9999-12-31T23:59:59.999999Z',
    '9999-12-31T23:59:59.9999996Z', '9999-12-31T16:00:00-08:00', '9999-12-31T15:59:59.5-08:00'
  ]) AS v;

-- recurring and recurring_pattern
INSERT INTO cases (label, task, partial, expected) VALUES
    ('recurring daily is valid',
     '{"title": "t", "recurring": true, "recurring_pattern": "daily"}', false, '{}'),
    ('recurring monthly is valid',
     '{"title": "t", "recurring": true, "recurring_pattern": "monthly"}', false, '{}'),
    ('not recurring with a null pattern is valid',
     '{"title": "t", "recurring": false, "recurring_pattern": null}', false, '{}'),
    ('recurring as a string is wrong_type',
     '{"title": "t", "recurring": "yes", "recurring_pattern": "daily"}', false, '{recurring:wrong_type}'),
    ('recurring null is wrong_type',
     '{"title": "t", "recurring": null}', false, '{recurring:wrong_type}'),
    ('a yearly pattern is invalid_choice',
     '{"title": "t", "recurring": true, "recurring_pattern": "yearly"}', false, '{recurring_pattern:invalid_choice}'),
    ('a pattern Daily is invalid_choice (exact lower case)',
     '{"title": "t", "recurring": true, "recurring_pattern": "Daily"}', false, '{recurring_pattern:invalid_choice}'),
    ('a numeric pattern is wrong_type',
     '{"title": "t", "recurring": true, "recurring_pattern": 7}', false, '{recurring_pattern:wrong_type}'),
    ('recurring without a pattern is inconsistent',
     '{"title": "t", "recurring": true}', false, '{recurring_pattern:inconsistent}'),
    ('recurring with a null pattern is inconsistent',
     '{"title": "t", "recurring": true, "recurring_pattern": null}', false, '{recurring_pattern:inconsistent}'),
    ('a pattern while not recurring is inconsistent',
     '{"title": "t", "recurring": false, "recurring_pattern": "weekly"}', false, '{recurring_pattern:inconsistent}'),
    ('a pattern without recurring is inconsistent',
     '{"title": "t", "recurring_pattern": "weekly"}', false, '{recurring_pattern:inconsistent}'),
    ('a patch setting only recurring true is valid',
     '{"recurring": true}', true, '{}'),
    ('a patch setting only recurring false is valid',
     '{"recurring": false}', true, '{}'),
    ('a patch setting only a pattern is valid',
     '{"recurring_pattern": "daily"}', true, '{}'),
    ('a patch setting only a null pattern is valid',
     '{"recurring_pattern": null}', true, '{}'),
    ('a patch with recurring and a pattern is valid',
     '{"recurring": true, "recurring_pattern": "monthly"}', true, '{}'),
    ('a patch with not recurring and a null pattern is valid',
     '{"recurring": false, "recurring_pattern": null}', true, '{}'),
    ('a patch with recurring and a null pattern is inconsistent',
     '{"recurring": true, "recurring_pattern": null}', true, '{recurring_pattern:inconsistent}'),
    ('a patch with not recurring and a pattern is inconsistent',
     '{"recurring": false, "recurring_pattern": "daily"}', true, '{recurring_pattern:inconsistent}'),
    ('a patch with an invalid pattern is invalid_choice',
     '{"recurring_pattern": "hourly"}', true, '{recurring_pattern:invalid_choice}');

-- keys the client may not send
INSERT INTO cases (label, task, partial, expected)
SELECT key || ' is read_only', pg_temp.task(key, '"x"'), false, ARRAY[key || ':read_only']
  FROM unnest(ARRAY['id', 'user_id', 'created_at', 'updated_at', 'completed_at',
                    'next_occurrence_id']) AS key;
INSERT INTO cases (label, task, partial, expected) VALUES
    ('a server field in a patch is read_only',
     '{"id": null}', true, '{id:read_only}'),
    ('an unknown key is unknown_field',
     '{"title": "t", "foo": 1}', false, '{foo:unknown_field}'),
    ('an unknown key in a patch is unknown_field',
     '{"foo": null}', true, '{foo:unknown_field}'),
    ('keys are case-sensitive',
     '{"Title": "t"}', false, '{title:required,Title:unknown_field}'),
    ('a JSON array is not a task',
     '[{"title": "t"}]', false, '{null:wrong_type}'),
    ('a JSON string is not a task',
     '"Buy milk"', false, '{null:wrong_type}'),
    ('JSON null is not a task',
     'null', false, '{null:wrong_type}'),
    ('a JSON number is not a patch',
     '1', true, '{null:wrong_type}'),
    ('every problem is reported, editable fields in a fixed order, then other keys',
     '{"zzz": 1, "recurring_pattern": "x", "tags": "t", "title": "", "id": 1,
       "priority": "p", "description": 5, "completed": "no", "due_date": "d",
       "recurring": "r", "aaa": 2}', false,
     '{title:blank,description:wrong_type,completed:wrong_type,priority:invalid_choice,tags:wrong_type,due_date:invalid_datetime,recurring:wrong_type,recurring_pattern:invalid_choice,id:read_only,aaa:unknown_field,zzz:unknown_field}'),
    ('a full task with several problems lists each field once',
     '{"title": 1, "tags": ["", 2], "recurring": true, "recurring_pattern": null, "user_id": "u"}', false,
     '{title:wrong_type,tags:blank,recurring_pattern:inconsistent,user_id:read_only}');

SELECT is(pg_temp.errors(aido_validate_task(task, partial)), expected, label)
  FROM cases ORDER BY n;

-- the shape of the answer

SELECT is(aido_validate_task('{"title": "Buy milk"}'), '[]'::jsonb,
          'a valid task gives an empty array');
SELECT is(aido_validate_task('{}'), aido_validate_task('{}', false),
          'partial defaults to false');
SELECT is(
    (SELECT count(*) FROM cases, jsonb_array_elements(aido_validate_task(task, partial)) e
      WHERE (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(e) k)
            IS DISTINCT FROM '{code,field,message}'),
    0::bigint,
    'every error is an object of exactly field, code and message');
SELECT is(
    (SELECT count(*) FROM cases, jsonb_array_elements(aido_validate_task(task, partial)) e
      WHERE jsonb_typeof(e->'message') <> 'string' OR length(e->>'message') < 10),
    0::bigint,
    'every error has a message a person can read');
SELECT is(
    (SELECT array_agg(DISTINCT e->>'code' ORDER BY e->>'code')
       FROM cases, jsonb_array_elements(aido_validate_task(task, partial)) e),
    '{blank,inconsistent,invalid_choice,invalid_datetime,read_only,required,too_long,too_many,unknown_field,wrong_type}'::text[],
    'the codes are exactly those of the API (and the cases cover each)');

-- the messages of the common errors

SELECT is(aido_validate_task('{}') -> 0 ->> 'message', 'title is required',
          'a missing title says "title is required"');
SELECT is(aido_validate_task('{"title": " "}') -> 0 ->> 'message', 'title must not be blank',
          'a blank title says so');
SELECT is(aido_validate_task(jsonb_build_object('title', repeat('x', 201))) -> 0 ->> 'message',
          'title must be at most 200 characters',
          'a long title names the limit');
SELECT is(aido_validate_task('{"title": "t", "tags": "x"}') -> 0 ->> 'message',
          'tags must be an array of strings',
          'tags of the wrong type say what is expected');
SELECT is(aido_validate_task('{"title": "t", "priority": "urgent"}') -> 0 ->> 'message',
          'priority must be one of low, medium, high',
          'a wrong priority lists the choices');
SELECT is(aido_validate_task('{"title": "t", "due_date": "tomorrow"}') -> 0 ->> 'message',
          'due_date must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T09:00:00Z',
          'a wrong due_date gives an example');
SELECT is(aido_validate_task('{"title": "t", "recurring": true}') -> 0 ->> 'message',
          'recurring_pattern is required when recurring is true',
          'recurring without a pattern says the pattern is required');
SELECT is(aido_validate_task('{"title": "t", "foo": 1}') -> 0,
          '{"field": "foo", "code": "unknown_field", "message": "unknown field \"foo\""}'::jsonb,
          'an unknown key is named in field and message');
SELECT is(aido_validate_task('{"title": "t", "id": 1}') -> 0 ->> 'message',
          'id is set by the server',
          'a server field says the server sets it');
SELECT is(aido_validate_task('[]'),
          '[{"field": null, "code": "wrong_type", "message": "task must be a JSON object"}]'::jsonb,
          'a non-object task gives one error with a JSON null field');

SELECT is(ARRAY(SELECT v FROM edges WHERE aido_validate_task(jsonb_build_object('title', 't', 'due_date', v)) = '[]'
                ORDER BY v),
          ARRAY(SELECT v FROM edges WHERE pg_temp.storable(v) ORDER BY v),
          'the validator accepts exactly the date-times at the calendar''s edges that the database stores within 0001-9999');

SELECT * FROM finish();
ROLLBACK;
