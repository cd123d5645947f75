-- Tasks through the SQL API (aido_task_create, _get, _update, _replace,
-- _toggle, _delete), the rules the tasks guard enforces on direct writes,
-- recurring tasks, and the session checks of every task function.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

SELECT plan(219);

-- Cheap password hashes: this suite is about tasks, not argon2id.
SET LOCAL aido.password_memory_kib = 1024;
SET LOCAL aido.password_iterations = 1;
-- A session time zone far from UTC and a non-ISO DateStyle: the API must
-- answer in RFC 3339 and UTC all the same.
SET LOCAL TimeZone = 'Asia/Kolkata';
SET LOCAL DateStyle = 'SQL, DMY';

-- Fixtures -------------------------------------------------------------

CREATE TEMP TABLE actor (name text PRIMARY KEY, s jsonb NOT NULL);
INSERT INTO actor VALUES
    ('alice', aido_signup('{"email": "alice@example.com", "password": "password123"}')),
    ('bob', aido_signup('{"email": "bob@example.com", "password": "password123"}'));

CREATE FUNCTION pg_temp.uid(who text) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT (s->'user'->>'id')::uuid FROM actor WHERE name = who $$;
CREATE FUNCTION pg_temp.sid(who text) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT (s->>'session_id')::uuid FROM actor WHERE name = who $$;

-- Tasks by a name the test gives them.
CREATE TEMP TABLE named (name text PRIMARY KEY, id uuid NOT NULL, returned jsonb);
CREATE FUNCTION pg_temp.tid(n text) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT id FROM named WHERE name = n $$;
CREATE FUNCTION pg_temp.kept(n text, task jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    INSERT INTO named VALUES (n, (task->>'id')::uuid, task)
        ON CONFLICT (name) DO UPDATE SET id = excluded.id, returned = excluded.returned;
    SELECT task
$$;
CREATE PROCEDURE pg_temp.keep(n text, task jsonb)
LANGUAGE sql AS $$ SELECT pg_temp.kept(n, task) $$;
-- Runs a statement for its effect, without output that would disturb TAP.
CREATE PROCEDURE pg_temp.run(sql text)
LANGUAGE plpgsql AS $$ BEGIN EXECUTE sql; END $$;
-- The stored row of a named task, as the API shows it.
CREATE FUNCTION pg_temp.row_of(n text) RETURNS jsonb
LANGUAGE sql STABLE SET TimeZone = 'UTC' AS $$ SELECT to_jsonb(t) FROM aido.tasks t WHERE t.id = pg_temp.tid(n) $$;

-- How a statement fails: {sqlstate, message, detail}, NULL when it does not.
CREATE FUNCTION pg_temp.failure(sql text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
    det text;
BEGIN
    EXECUTE sql;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL;
    RETURN jsonb_build_object('sqlstate', st, 'message', msg, 'detail', det);
END
$$;

-- "field:code" of each element of the JSON errors array in the DETAIL of
-- the error a statement raises.
CREATE FUNCTION pg_temp.detail_codes(sql text) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    f jsonb := pg_temp.failure(sql);
    errors jsonb;
BEGIN
    IF f IS NULL THEN
        RETURN '{"(no error)"}';
    END IF;
    BEGIN
        errors := (f->>'detail')::jsonb;
    EXCEPTION WHEN OTHERS THEN
        RETURN ARRAY['(DETAIL is not JSON: ' || coalesce(f->>'detail', 'null') || ')'];
    END;
    IF jsonb_typeof(errors) <> 'array' THEN
        RETURN ARRAY['(DETAIL is not a JSON array: ' || errors::text || ')'];
    END IF;
    RETURN (SELECT coalesce(array_agg(coalesce(e->>'field', 'null') || ':' || (e->>'code')
                                      ORDER BY ord), '{}')
              FROM jsonb_array_elements(errors) WITH ORDINALITY AS x(e, ord));
END
$$;

CREATE FUNCTION pg_temp.count_tasks(who text) RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT count(*) FROM aido.tasks WHERE user_id = pg_temp.uid(who) $$;

-- Create ---------------------------------------------------------------

CALL pg_temp.keep('minimal', aido_task_create(pg_temp.uid('alice'), '{"title": "Buy milk"}'));
CALL pg_temp.keep('padded', aido_task_create(pg_temp.uid('alice'),
    jsonb_build_object('title', E'  \t Water the plants \n',
                       'tags', jsonb_build_array(' Home', 'WORK', 'home ', 'Errands', 'work', ' errands '))));

SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(pg_temp.row_of('minimal')) k),
          '{completed,completed_at,created_at,description,due_date,id,next_occurrence_id,priority,recurring,recurring_pattern,remind_at,reminded_at,tags,title,updated_at,user_id}'::text[],
          'a created task has exactly the 16 fields of a task (reminded_at: when its reminder fired)');
SELECT is((SELECT returned FROM named WHERE name = 'minimal'), pg_temp.row_of('minimal'),
          'the JSON a create returns is the stored task');
SELECT is(pg_temp.row_of('minimal')->>'priority', 'medium',
          'a task created without a priority has priority medium');
SELECT is(pg_temp.row_of('minimal')->'completed', 'false'::jsonb,
          'a task created without completed is pending');
SELECT is(pg_temp.row_of('minimal')->'completed_at', 'null'::jsonb,
          'a pending task has no completed_at');
SELECT is(pg_temp.row_of('minimal')->'tags', '[]'::jsonb,
          'a task created without tags has an empty tags array');
SELECT is(pg_temp.row_of('minimal')->'recurring', 'false'::jsonb,
          'a task created without recurring is not recurring');
SELECT is(pg_temp.row_of('minimal')->'recurring_pattern', 'null'::jsonb,
          'a task created without recurring has no recurring_pattern');
SELECT is(pg_temp.row_of('minimal')->'description', 'null'::jsonb,
          'a task created without a description has a null description');
SELECT is(pg_temp.row_of('minimal')->'due_date', 'null'::jsonb,
          'a task created without a due date has a null due_date');
SELECT is(pg_temp.row_of('minimal')->'next_occurrence_id', 'null'::jsonb,
          'a new task has no next occurrence');
SELECT is((pg_temp.row_of('minimal')->>'user_id')::uuid, pg_temp.uid('alice'),
          'a task belongs to the user who created it');
SELECT ok((pg_temp.row_of('minimal')->>'updated_at')::timestamptz
              BETWEEN (pg_temp.row_of('minimal')->>'created_at')::timestamptz
                  AND (pg_temp.row_of('minimal')->>'created_at')::timestamptz + interval '1 second',
          'a new task was last updated when it was created');
SELECT is(pg_temp.row_of('padded')->>'title', 'Water the plants',
          'a title is stored trimmed of surrounding white space');
SELECT is(pg_temp.row_of('padded')->'tags', '["home", "work", "errands"]'::jsonb,
          'tags are trimmed, lowercased and de-duplicated in first-seen order');

CALL pg_temp.keep('full', aido_task_create(pg_temp.uid('alice'),
    '{"title": "Pay rent", "description": "before the 5th", "priority": "high",
      "tags": ["money"], "due_date": "2026-02-01T09:00:00+05:30", "completed": true,
      "remind_at": "2026-02-01T08:00:00+05:30", "recurring": false, "recurring_pattern": null}'));
SELECT is(pg_temp.row_of('full') - ARRAY['id', 'user_id', 'completed_at', 'created_at', 'updated_at'],
          '{"title": "Pay rent", "description": "before the 5th", "priority": "high",
            "tags": ["money"], "due_date": "2026-02-01T03:30:00+00:00", "completed": true,
            "remind_at": "2026-02-01T02:30:00+00:00", "reminded_at": null,
            "recurring": false, "recurring_pattern": null, "next_occurrence_id": null}'::jsonb,
          'a task created with every field keeps each of them, its due date and reminder in UTC');
SELECT isnt(pg_temp.row_of('full')->'completed_at', 'null'::jsonb,
            'a task created completed has a completed_at');

-- RFC 3339 with +00:00, whatever the session's time zone.
SELECT is(current_setting('TimeZone'), 'Asia/Kolkata', 'this session runs in Asia/Kolkata');
SELECT matches(aido_task_get(pg_temp.uid('alice'), pg_temp.tid('full'))->>f,
               '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+00:00$',
               f || ' is returned as RFC 3339 in UTC (+00:00) even in another session time zone')
  FROM unnest(ARRAY['created_at', 'updated_at', 'completed_at', 'due_date']) AS f;

-- Validation errors of the API functions
CREATE TEMP TABLE bad_create (n serial, label text, body jsonb, codes text[]);
INSERT INTO bad_create (label, body, codes) VALUES
    ('an unknown field', '{"title": "x", "colour": "red"}', '{colour:unknown_field}'),
    ('a read-only id', '{"title": "x", "id": "00000000-0000-0000-0000-000000000001"}', '{id:read_only}'),
    ('a read-only user_id', '{"title": "x", "user_id": "00000000-0000-0000-0000-000000000001"}', '{user_id:read_only}'),
    ('a read-only created_at', '{"title": "x", "created_at": "2026-01-01T00:00:00Z"}', '{created_at:read_only}'),
    ('a read-only next_occurrence_id', '{"title": "x", "next_occurrence_id": null}', '{next_occurrence_id:read_only}'),
    ('a numeric title (wrong_type)', '{"title": 42}', '{title:wrong_type}'),
    ('a string for completed (wrong_type)', '{"title": "x", "completed": "yes"}', '{completed:wrong_type}'),
    ('a string for tags (wrong_type)', '{"title": "x", "tags": "home"}', '{tags:wrong_type}'),
    ('no title', '{"priority": "low"}', '{title:required}'),
    ('a blank title', '{"title": "   "}', '{title:blank}'),
    ('a priority of urgent', '{"title": "x", "priority": "urgent"}', '{priority:invalid_choice}'),
    ('a due date without an offset', '{"title": "x", "due_date": "2026-01-31T09:00:00"}', '{due_date:invalid_datetime}'),
    ('recurring without a pattern', '{"title": "x", "recurring": true}', '{recurring_pattern:inconsistent}'),
    ('a pattern without recurring', '{"title": "x", "recurring_pattern": "daily"}', '{recurring_pattern:inconsistent}'),
    ('a JSON array instead of an object', '["x"]', '{null:wrong_type}');

SELECT throws_ok(format('SELECT aido_task_create(pg_temp.uid(%L), %L)', 'alice', body),
                 '23514', 'task is invalid',
                 'creating a task with ' || label || ' is refused as invalid (23514)')
  FROM bad_create ORDER BY n;
SELECT is(pg_temp.detail_codes(format('SELECT aido_task_create(pg_temp.uid(%L), %L)', 'alice', body)),
          codes,
          'creating a task with ' || label || ' names ' || array_to_string(codes, ', ') || ' in DETAIL')
  FROM bad_create ORDER BY n;
SELECT is(pg_temp.count_tasks('alice'), 3::bigint, 'refused creates store nothing');

-- Get ------------------------------------------------------------------

SELECT is(aido_task_get(pg_temp.uid('alice'), pg_temp.tid('full')), pg_temp.row_of('full'),
          'get returns the task as stored');
SELECT throws_ok($$SELECT aido_task_get(pg_temp.uid('alice'), gen_random_uuid())$$,
                 'P0002', 'task not found', 'getting a task that does not exist is not found (P0002)');

-- Update (PATCH) -------------------------------------------------------

CALL pg_temp.keep('patchme', aido_task_create(pg_temp.uid('alice'),
    '{"title": "Walk the dog", "description": "twice", "priority": "low",
      "tags": ["pets"], "due_date": "2026-03-01T08:00:00Z",
      "recurring": true, "recurring_pattern": "daily"}'));
CREATE TEMP TABLE before_patch AS SELECT pg_temp.row_of('patchme') AS j;

SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('patchme'), '{"priority": "high"}')
              - ARRAY['priority', 'updated_at'],
          (SELECT j FROM before_patch) - ARRAY['priority', 'updated_at'],
          'a patch of priority leaves every other field as it was');
SELECT is(pg_temp.row_of('patchme')->>'priority', 'high', 'a patch of priority changes the priority');
SELECT ok((pg_temp.row_of('patchme')->>'updated_at')::timestamptz
              > ((SELECT j FROM before_patch)->>'updated_at')::timestamptz,
          'a patch advances updated_at');
SELECT is(pg_temp.row_of('patchme')->>'created_at', (SELECT j->>'created_at' FROM before_patch),
          'a patch does not change created_at');
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('patchme'),
                           '{"title": "  Walk the cat ", "tags": ["Pets", " CATS", "pets"]}')
              -> 'title', '"Walk the cat"'::jsonb,
          'a patched title is trimmed');
SELECT is(pg_temp.row_of('patchme')->'tags', '["pets", "cats"]'::jsonb,
          'patched tags are normalised like created ones');
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('patchme'),
                           '{"description": null, "due_date": null}')
              -> 'description', 'null'::jsonb,
          'a patch with a null description clears it');
SELECT is(pg_temp.row_of('patchme')->'due_date', 'null'::jsonb,
          'a patch with a null due_date clears it');
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('patchme'), '{}') - 'updated_at',
          pg_temp.row_of('patchme') - 'updated_at',
          'an empty patch changes nothing and returns the task');

SELECT throws_ok($$SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('patchme'),
                                           '{"recurring_pattern": null}')$$,
                 '23514', 'task is invalid',
                 'a patch removing the pattern of a recurring task is refused (23514)');
SELECT ok(pg_temp.detail_codes($$SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('patchme'),
                                                          '{"recurring_pattern": null}')$$)
              @> '{recurring_pattern:inconsistent}',
          'a patch leaving recurring without a pattern is inconsistent in DETAIL');
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('patchme'), '{"recurring": false}')
              -> 'recurring_pattern', 'null'::jsonb,
          'a patch of {"recurring": false} clears the pattern with it');
SELECT is(pg_temp.row_of('patchme')->'recurring', 'false'::jsonb,
          'a patch of {"recurring": false} makes the task non-recurring');
SELECT throws_ok($$SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('patchme'),
                                           '{"recurring": true}')$$,
                 '23514', 'task is invalid',
                 'a patch making a task recurring without a pattern is refused (23514)');
SELECT ok(pg_temp.detail_codes($$SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('patchme'),
                                                          '{"recurring": true}')$$)
              @> '{recurring_pattern:inconsistent}',
          'a patch of recurring true on a task without a pattern is inconsistent in DETAIL');
SELECT ok(pg_temp.detail_codes($$SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('patchme'),
                                                          '{"recurring_pattern": "weekly"}')$$)
              @> '{recurring_pattern:inconsistent}',
          'a patch giving a non-recurring task a pattern is inconsistent in DETAIL');
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('patchme'),
                           '{"recurring": true, "recurring_pattern": "weekly"}')
              -> 'recurring_pattern', '"weekly"'::jsonb,
          'a patch setting recurring and its pattern together is accepted');
SELECT throws_ok($$SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('patchme'),
                                           '{"title": ""}')$$,
                 '23514', 'task is invalid', 'a patch with a blank title is refused (23514)');
SELECT is(pg_temp.detail_codes($$SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('patchme'),
                                                          '{"title": "", "id": "00000000-0000-0000-0000-000000000001"}')$$),
          '{title:blank,id:read_only}',
          'a patch with a blank title and an id names both in DETAIL');
SELECT throws_ok($$SELECT aido_task_update(pg_temp.uid('alice'), gen_random_uuid(), '{"title": "x"}')$$,
                 'P0002', 'task not found', 'patching a task that does not exist is not found (P0002)');

-- Replace (PUT) --------------------------------------------------------

CALL pg_temp.keep('putme', aido_task_create(pg_temp.uid('alice'),
    '{"title": "Old", "description": "old", "priority": "high", "tags": ["a", "b"],
      "due_date": "2026-04-01T00:00:00Z", "completed": true}'));
CREATE TEMP TABLE before_put AS SELECT pg_temp.row_of('putme') AS j;
SELECT is(aido_task_replace(pg_temp.uid('alice'), pg_temp.tid('putme'), '{"title": "  New  "}')
              - ARRAY['id', 'user_id', 'created_at', 'updated_at'],
          '{"title": "New", "description": null, "completed": false, "completed_at": null,
            "priority": "medium", "tags": [], "due_date": null, "remind_at": null, "reminded_at": null,
            "recurring": false, "recurring_pattern": null, "next_occurrence_id": null}'::jsonb,
          'a PUT with only a title resets every other editable field to its default, completed included');
SELECT is(pg_temp.row_of('putme')->>'id', (SELECT j->>'id' FROM before_put),
          'a PUT keeps the id');
SELECT is(pg_temp.row_of('putme')->>'created_at', (SELECT j->>'created_at' FROM before_put),
          'a PUT keeps created_at');
SELECT ok((pg_temp.row_of('putme')->>'updated_at')::timestamptz
              > ((SELECT j->>'updated_at' FROM before_put))::timestamptz,
          'a PUT advances updated_at');
SELECT is(aido_task_replace(pg_temp.uid('alice'), pg_temp.tid('putme'),
    '{"title": "Newer", "description": "d", "priority": "low", "tags": ["X"],
      "due_date": "2026-05-01T12:00:00Z", "remind_at": "2026-05-01T11:00:00+02:00",
      "completed": true, "recurring": true, "recurring_pattern": "monthly"}')
              - ARRAY['id', 'user_id', 'created_at', 'updated_at', 'completed_at', 'next_occurrence_id'],
          '{"title": "Newer", "description": "d", "completed": true, "priority": "low",
            "tags": ["x"], "due_date": "2026-05-01T12:00:00+00:00",
            "remind_at": "2026-05-01T09:00:00+00:00", "reminded_at": null, "recurring": true,
            "recurring_pattern": "monthly"}'::jsonb,
          'a PUT with every field sets each of them');
SELECT throws_ok($$SELECT aido_task_replace(pg_temp.uid('alice'), pg_temp.tid('putme'),
                                            '{"description": "no title"}')$$,
                 '23514', 'task is invalid', 'a PUT without a title is refused (23514)');
SELECT is(pg_temp.detail_codes($$SELECT aido_task_replace(pg_temp.uid('alice'), pg_temp.tid('putme'),
                                                           '{"description": "no title"}')$$),
          '{title:required}', 'a PUT without a title names title:required in DETAIL');
SELECT throws_ok($$SELECT aido_task_replace(pg_temp.uid('alice'), gen_random_uuid(), '{"title": "x"}')$$,
                 'P0002', 'task not found', 'replacing a task that does not exist is not found (P0002)');

-- Toggle, and completed_at ---------------------------------------------

CALL pg_temp.keep('toggle', aido_task_create(pg_temp.uid('alice'), '{"title": "Toggle me"}'));
SELECT is(aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('toggle'))->'completed', 'true'::jsonb,
          'toggling a pending task completes it');
SELECT ok((pg_temp.row_of('toggle')->>'completed_at')::timestamptz
              BETWEEN now() AND clock_timestamp(),
          'completing a task sets completed_at to the moment of completion');
CREATE TEMP TABLE first_completion AS SELECT pg_temp.row_of('toggle')->>'completed_at' AS at;
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('toggle'), '{"title": "Toggled"}')
              ->>'completed_at', (SELECT at FROM first_completion),
          'editing a completed task keeps its completed_at');
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('toggle'), '{"completed": true}')
              ->>'completed_at', (SELECT at FROM first_completion),
          'completing an already completed task keeps its completed_at');
SELECT is(aido_task_replace(pg_temp.uid('alice'), pg_temp.tid('toggle'),
                            '{"title": "Toggled", "completed": true}')->>'completed_at',
          (SELECT at FROM first_completion),
          'a PUT that keeps a task completed keeps its completed_at');
UPDATE aido.tasks SET completed_at = '2000-01-01T00:00:00Z' WHERE id = pg_temp.tid('toggle');
SELECT is(pg_temp.row_of('toggle')->>'completed_at', (SELECT at FROM first_completion),
          'a direct UPDATE of completed_at on a completed task does not rewrite it');
SELECT is(aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('toggle'))->'completed', 'false'::jsonb,
          'toggling a completed task makes it pending');
SELECT is(pg_temp.row_of('toggle')->'completed_at', 'null'::jsonb,
          'un-completing a task clears completed_at');
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('toggle'), '{"completed": true}')->'completed',
          'true'::jsonb, 'a patch of completed true completes a task');
SELECT ok((pg_temp.row_of('toggle')->>'completed_at')::timestamptz
              > (SELECT at FROM first_completion)::timestamptz,
          're-completing a task sets a new completed_at');
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('toggle'), '{"completed": false}')->'completed_at',
          'null'::jsonb, 'a patch of completed false clears completed_at');
UPDATE aido.tasks SET completed = true WHERE id = pg_temp.tid('toggle');
SELECT isnt(pg_temp.row_of('toggle')->'completed_at', 'null'::jsonb,
            'a direct UPDATE completing a task sets completed_at');
UPDATE aido.tasks SET completed = false WHERE id = pg_temp.tid('toggle');
SELECT is(pg_temp.row_of('toggle')->'completed_at', 'null'::jsonb,
          'a direct UPDATE un-completing a task clears completed_at');
CREATE TEMP TABLE before_touch AS SELECT pg_temp.row_of('toggle') AS j;
UPDATE aido.tasks SET created_at = '2000-01-01T00:00:00Z' WHERE id = pg_temp.tid('toggle');
SELECT is(pg_temp.row_of('toggle')->>'created_at', (SELECT j->>'created_at' FROM before_touch),
          'a direct UPDATE of created_at does not change it');
SELECT ok((pg_temp.row_of('toggle')->>'updated_at')::timestamptz
              > (SELECT j->>'updated_at' FROM before_touch)::timestamptz,
          'a direct UPDATE advances updated_at');
SELECT throws_ok($$SELECT aido_task_toggle(pg_temp.uid('alice'), gen_random_uuid())$$,
                 'P0002', 'task not found', 'toggling a task that does not exist is not found (P0002)');

-- Delete ---------------------------------------------------------------

CALL pg_temp.keep('deleteme', aido_task_create(pg_temp.uid('alice'), '{"title": "Delete me"}'));
SELECT lives_ok($$SELECT aido_task_delete(pg_temp.uid('alice'), pg_temp.tid('deleteme'))$$,
                'a user can delete their task');
SELECT throws_ok($$SELECT aido_task_get(pg_temp.uid('alice'), pg_temp.tid('deleteme'))$$,
                 'P0002', 'task not found', 'a deleted task is not found (P0002)');
SELECT throws_ok($$SELECT aido_task_delete(pg_temp.uid('alice'), pg_temp.tid('deleteme'))$$,
                 'P0002', 'task not found', 'deleting a task twice is not found the second time (P0002)');

-- Another user's task --------------------------------------------------

CALL pg_temp.keep('bobs', aido_task_create(pg_temp.uid('bob'),
    '{"title": "Bob''s secret", "description": "mine", "tags": ["bob"]}'));
CREATE TEMP TABLE bobs_before AS SELECT pg_temp.row_of('bobs') AS j;
CREATE TEMP TABLE foreign_call (n serial, label text, sql text);
INSERT INTO foreign_call (label, sql) VALUES
    ('get', $$SELECT aido_task_get(pg_temp.uid('alice'), pg_temp.tid('bobs'))$$),
    ('patch', $$SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('bobs'), '{"title": "Stolen"}')$$),
    ('empty patch', $$SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('bobs'), '{}')$$),
    ('replace', $$SELECT aido_task_replace(pg_temp.uid('alice'), pg_temp.tid('bobs'), '{"title": "Stolen"}')$$),
    ('toggle', $$SELECT aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('bobs'))$$),
    ('delete', $$SELECT aido_task_delete(pg_temp.uid('alice'), pg_temp.tid('bobs'))$$),
    ('get with her session', $$SELECT aido_task_get(pg_temp.uid('alice'), pg_temp.tid('bobs'), pg_temp.sid('alice'))$$),
    ('delete with her session', $$SELECT aido_task_delete(pg_temp.uid('alice'), pg_temp.tid('bobs'), pg_temp.sid('alice'))$$);
SELECT throws_ok(sql, 'P0002', 'task not found',
                 'another user''s task is not found for ' || label || ' (P0002)')
  FROM foreign_call ORDER BY n;
SELECT is(pg_temp.row_of('bobs'), (SELECT j FROM bobs_before),
          'another user''s task is unchanged after every attempt on it');

-- Direct writes by a DBA meet the same rules ---------------------------

CREATE TEMP TABLE bad_row (n serial, label text, cols text, vals text, codes text[]);
INSERT INTO bad_row (label, cols, vals, codes) VALUES
    ('a title of 201 characters', 'title', $$repeat('x', 201)$$, '{title:too_long}'),
    ('a blank title', 'title', $$'   '$$, '{title:blank}'),
    ('priority urgent', 'priority', $$'urgent'$$, '{priority:invalid_choice}'),
    ('21 tags', 'tags', $$(SELECT array_agg('tag' || i) FROM generate_series(1, 21) i)$$, '{tags:too_many}'),
    ('recurring true without a pattern', 'recurring', 'true', '{recurring_pattern:inconsistent}');

SELECT throws_ok(format($$INSERT INTO aido.tasks (user_id, %s) VALUES (pg_temp.uid('alice'), %s)$$,
                        CASE cols WHEN 'title' THEN 'title' ELSE 'title, ' || cols END,
                        CASE cols WHEN 'title' THEN vals ELSE $$'Direct', $$ || vals END),
                 '23514', 'task is invalid',
                 'a direct INSERT of a task with ' || label || ' is refused (23514)')
  FROM bad_row ORDER BY n;
SELECT is(pg_temp.detail_codes(format($$INSERT INTO aido.tasks (user_id, %s) VALUES (pg_temp.uid('alice'), %s)$$,
                                      CASE cols WHEN 'title' THEN 'title' ELSE 'title, ' || cols END,
                                      CASE cols WHEN 'title' THEN vals ELSE $$'Direct', $$ || vals END)),
          codes,
          'a direct INSERT of a task with ' || label || ' names ' || codes[1] || ' in DETAIL')
  FROM bad_row ORDER BY n;
SELECT throws_ok(format($$UPDATE aido.tasks SET %s = %s WHERE id = pg_temp.tid('minimal')$$, cols, vals),
                 '23514', 'task is invalid',
                 'a direct UPDATE giving a task ' || label || ' is refused (23514)')
  FROM bad_row ORDER BY n;
SELECT is(pg_temp.detail_codes(format($$UPDATE aido.tasks SET %s = %s WHERE id = pg_temp.tid('minimal')$$, cols, vals)),
          codes,
          'a direct UPDATE giving a task ' || label || ' names ' || codes[1] || ' in DETAIL')
  FROM bad_row ORDER BY n;

-- The same as aido_admin, the role a DBA is given rather than superuser.
CREATE FUNCTION pg_temp.as_admin(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text;
    det text;
BEGIN
    SET LOCAL ROLE aido_admin;
    EXECUTE sql;
    RESET ROLE;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
    IF st = '23514' THEN    -- the field:code pairs of the DETAIL
        SELECT string_agg((e->>'field') || ':' || (e->>'code'), ',' ORDER BY ord) INTO det
          FROM jsonb_array_elements(det::jsonb) WITH ORDINALITY AS x(e, ord);
    END IF;
    RETURN st || ' ' || coalesce(det, '');
END
$$;
SELECT is(pg_temp.as_admin(format($$INSERT INTO aido.tasks (user_id, title, tags) VALUES (%L, ' As admin ', '{A}')$$,
                                  pg_temp.uid('alice'))),
          'ok', 'aido_admin may INSERT a valid task directly');
SELECT is(pg_temp.as_admin(format($$INSERT INTO aido.tasks (user_id, title, priority) VALUES (%L, 'x', 'urgent')$$,
                                  pg_temp.uid('alice'))),
          '23514 priority:invalid_choice',
          'aido_admin''s direct INSERT of an invalid task is refused with the same 23514 and DETAIL');
SELECT is((SELECT to_jsonb(t) - ARRAY['id', 'user_id', 'created_at', 'updated_at']
             FROM aido.tasks t WHERE t.user_id = pg_temp.uid('alice') AND t.title = 'As admin'),
          '{"title": "As admin", "tags": ["a"], "description": null, "completed": false, "completed_at": null,
            "priority": "medium", "due_date": null, "remind_at": null, "reminded_at": null,
            "recurring": false, "recurring_pattern": null, "next_occurrence_id": null}'::jsonb,
          'aido_admin''s direct INSERT is normalised and completed with defaults like the API''s');

WITH i AS (
    INSERT INTO aido.tasks (user_id, title, tags)
    VALUES (pg_temp.uid('alice'), E'  Direct \t', '{" Work", "work", "HOME ", "Home"}')
    RETURNING id)
INSERT INTO named SELECT 'direct', id FROM i;
SELECT is(pg_temp.row_of('direct')->>'title', 'Direct',
          'a direct INSERT stores the title trimmed, as the API does');
SELECT is(pg_temp.row_of('direct')->'tags', '["work", "home"]'::jsonb,
          'a direct INSERT stores tags trimmed, lowercased and de-duplicated, as the API does');
INSERT INTO aido.tasks (user_id, title, completed, completed_at)
VALUES (pg_temp.uid('alice'), 'Direct pending', false, '2020-01-01T00:00:00Z');
SELECT is((SELECT completed_at FROM aido.tasks WHERE title = 'Direct pending'), NULL::timestamptz,
          'a direct INSERT of a pending task with a completed_at has it cleared');

-- Recurring tasks ------------------------------------------------------

CREATE FUNCTION pg_temp.next_of(n text) RETURNS jsonb
LANGUAGE sql STABLE SET TimeZone = 'UTC' AS $$
    SELECT to_jsonb(nx) FROM aido.tasks t JOIN aido.tasks nx ON nx.id = t.next_occurrence_id
     WHERE t.id = pg_temp.tid(n)
$$;

CREATE TEMP TABLE rec (n serial, pattern text, due text, next_due text);
INSERT INTO rec (pattern, due, next_due) VALUES
    ('daily', '2026-05-10T09:00:00Z', '2026-05-11T09:00:00+00:00'),
    ('weekly', '2026-05-10T09:00:00Z', '2026-05-17T09:00:00+00:00'),
    ('monthly', '2026-05-10T09:00:00Z', '2026-06-10T09:00:00+00:00'),
    ('daily', '2026-12-31T23:30:00-02:00', '2027-01-02T01:30:00+00:00'),
    ('monthly', '2027-01-31T09:00:00Z', '2027-02-28T09:00:00+00:00'),
    ('monthly', '2028-01-31T09:00:00Z', '2028-02-29T09:00:00+00:00');
INSERT INTO named
SELECT 'rec' || n, (aido_task_create(pg_temp.uid('alice'),
    jsonb_build_object('title', 'Recurring ' || n, 'description', 'every ' || pattern,
                       'priority', 'high', 'tags', jsonb_build_array('r' || n, 'routine'),
                       'due_date', due, 'recurring', true, 'recurring_pattern', pattern))->>'id')::uuid
  FROM rec ORDER BY n;
CREATE TEMP TABLE count_before_rec AS SELECT pg_temp.count_tasks('alice') AS c;
CALL pg_temp.run($$SELECT aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('rec' || n)) FROM rec ORDER BY n$$);

SELECT is(pg_temp.count_tasks('alice'), (SELECT c + 6 FROM count_before_rec),
          'completing six recurring tasks creates exactly six tasks');
SELECT is(pg_temp.next_of('rec' || n)->>'due_date', next_due,
          'completing a recurring ' || pattern || ' task due ' || due
              || ' creates one pending task due ' || next_due)
  FROM rec ORDER BY n;
SELECT is(pg_temp.next_of('rec' || n)
              - ARRAY['id', 'created_at', 'updated_at', 'due_date'],
          pg_temp.row_of('rec' || n)
              - ARRAY['id', 'created_at', 'updated_at', 'due_date']
              || '{"completed": false, "completed_at": null, "next_occurrence_id": null}',
          'the next occurrence of a ' || pattern || ' task has its title, description, priority, tags and pattern, pending')
  FROM rec WHERE n <= 3 ORDER BY n;
SELECT is((SELECT count(*) FROM aido.tasks t
            WHERE t.user_id = pg_temp.uid('alice') AND t.title = 'Recurring ' || n AND NOT t.completed),
          1::bigint,
          'completing recurring task ' || n || ' leaves exactly one pending task of that title')
  FROM rec WHERE n <= 3 ORDER BY n;
SELECT ok(extract(month FROM (pg_temp.next_of('rec5')->>'due_date')::timestamptz AT TIME ZONE 'UTC') = 2
          AND extract(day FROM (pg_temp.next_of('rec5')->>'due_date')::timestamptz AT TIME ZONE 'UTC') = 28,
          'a monthly task due on January 31st next falls due on a valid date, February 28th in a common year');

-- un-complete and re-complete
CALL pg_temp.keep('rec1 next before', pg_temp.next_of('rec1'));
CALL pg_temp.run($$SELECT aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('rec1'))$$);
SELECT is(pg_temp.row_of('rec1')->'completed', 'false'::jsonb, 'a completed recurring task can be un-completed');
CALL pg_temp.run($$SELECT aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('rec1'))$$);
SELECT is((SELECT count(*) FROM aido.tasks WHERE user_id = pg_temp.uid('alice') AND title = 'Recurring 1'),
          2::bigint,
          'un-completing and re-completing a recurring task does not create a second occurrence');
SELECT is((pg_temp.row_of('rec1')->>'next_occurrence_id')::uuid, pg_temp.tid('rec1 next before'),
          're-completing a recurring task keeps pointing to its one next occurrence');
CALL pg_temp.run($$SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('rec1'), '{"completed": false}')$$);
CALL pg_temp.run($$SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('rec1'), '{"completed": true}')$$);
SELECT is((SELECT count(*) FROM aido.tasks WHERE user_id = pg_temp.uid('alice') AND title = 'Recurring 1'),
          2::bigint,
          'un-completing and re-completing by PATCH does not create a second occurrence either');

-- the occurrence's own completion continues the series
CALL pg_temp.run($$SELECT aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('rec1 next before'))$$);
SELECT is(pg_temp.next_of('rec1 next before')->>'due_date', '2026-05-12T09:00:00+00:00',
          'completing the next occurrence of a daily task creates the one after, a day later again');

-- other ways to complete
CREATE TEMP TABLE how (n serial, label text, sql text);
INSERT INTO how (label, sql) VALUES
    ('a PATCH of completed true', $$SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('how1'), '{"completed": true}')$$),
    ('a PUT with completed true', $$SELECT aido_task_replace(pg_temp.uid('alice'), pg_temp.tid('how2'),
        '{"title": "How 2", "completed": true, "recurring": true, "recurring_pattern": "weekly", "due_date": "2026-05-10T09:00:00Z"}')$$),
    ('a direct UPDATE', $$UPDATE aido.tasks SET completed = true WHERE id = pg_temp.tid('how3')$$),
    ('creating it completed', $$SELECT pg_temp.kept('how4', aido_task_create(pg_temp.uid('alice'),
        '{"title": "How 4", "completed": true, "recurring": true, "recurring_pattern": "weekly", "due_date": "2026-05-10T09:00:00Z"}'))$$);
INSERT INTO named
SELECT 'how' || n, (aido_task_create(pg_temp.uid('alice'),
    jsonb_build_object('title', 'How ' || n, 'recurring', true, 'recurring_pattern', 'weekly',
                       'due_date', '2026-05-10T09:00:00Z'))->>'id')::uuid
  FROM how WHERE n < 4;
DO $$
DECLARE
    h record;
BEGIN
    FOR h IN SELECT sql FROM how ORDER BY n LOOP
        EXECUTE h.sql;
    END LOOP;
END
$$;
SELECT is(pg_temp.next_of('how' || n)->>'due_date', '2026-05-17T09:00:00+00:00',
          'completing a weekly task by ' || label || ' creates its next occurrence a week later')
  FROM how ORDER BY n;
SELECT is((SELECT count(*) FROM aido.tasks WHERE user_id = pg_temp.uid('alice') AND title = 'How ' || n),
          2::bigint,
          'completing a weekly task by ' || label || ' creates exactly one occurrence')
  FROM how ORDER BY n;

-- without a due date: one period from the moment of completion
CALL pg_temp.keep('undated', aido_task_create(pg_temp.uid('alice'),
    '{"title": "Undated daily", "recurring": true, "recurring_pattern": "daily"}'));
CALL pg_temp.keep('undated monthly', aido_task_create(pg_temp.uid('alice'),
    '{"title": "Undated monthly", "recurring": true, "recurring_pattern": "monthly"}'));
CALL pg_temp.run($$SELECT aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('undated'))$$);
CALL pg_temp.run($$SELECT aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('undated monthly'))$$);
SELECT ok(abs(extract(epoch FROM (pg_temp.next_of('undated')->>'due_date')::timestamptz
                          - (clock_timestamp() + interval '1 day'))) < 60,
          'completing a daily task without a due date makes the next one due a day from now');
SELECT ok(abs(extract(epoch FROM (pg_temp.next_of('undated')->>'due_date')::timestamptz
                          - ((pg_temp.row_of('undated')->>'completed_at')::timestamptz + interval '1 day'))) < 1,
          'the next due date of an undated daily task is a day after its completion');
SELECT ok(abs(extract(epoch FROM (pg_temp.next_of('undated monthly')->>'due_date')::timestamptz
                          - (((pg_temp.row_of('undated monthly')->>'completed_at')::timestamptz AT TIME ZONE 'UTC'
                              + interval '1 month') AT TIME ZONE 'UTC'))) < 1,
          'the next due date of an undated monthly task is a month after its completion');

-- the end of the calendar (issue 13): a next due date after 9999-12-31 UTC
-- would be no date the API can carry; the task completes without one
CREATE TEMP TABLE count_before_end AS SELECT pg_temp.count_tasks('alice') AS c;
CALL pg_temp.keep('last monthly', aido_task_create(pg_temp.uid('alice'),
    '{"title": "Last monthly", "due_date": "9999-12-20T00:00:00Z", "recurring": true, "recurring_pattern": "monthly"}'));
CALL pg_temp.keep('last daily', aido_task_create(pg_temp.uid('alice'),
    '{"title": "Last daily", "due_date": "9999-12-30T12:00:00Z", "recurring": true, "recurring_pattern": "daily"}'));
SELECT lives_ok($$SELECT aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('last monthly'))$$,
                'a monthly task due 9999-12-20 can be completed');
SELECT is(pg_temp.row_of('last monthly')->'completed', 'true'::jsonb, '... and is completed');
SELECT is(pg_temp.row_of('last monthly')->'next_occurrence_id', 'null'::jsonb,
          '... with no next occurrence after the calendar''s end');
CALL pg_temp.run($$SELECT aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('last daily'))$$);
SELECT is(pg_temp.next_of('last daily')->>'due_date', '9999-12-31T12:00:00+00:00',
          'a daily task due 9999-12-30 still has its next one on 9999-12-31');
SELECT is(pg_temp.count_tasks('alice'), (SELECT c + 3 FROM count_before_end),
          'and only that one was created');

-- not recurring: nothing new
CREATE TEMP TABLE count_before_plain AS SELECT pg_temp.count_tasks('alice') AS c;
CALL pg_temp.keep('plain', aido_task_create(pg_temp.uid('alice'), '{"title": "Plain", "due_date": "2026-05-10T09:00:00Z"}'));
CALL pg_temp.run($$SELECT aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('plain'))$$);
SELECT is(pg_temp.count_tasks('alice'), (SELECT c + 1 FROM count_before_plain),
          'completing a non-recurring task creates no other task');
SELECT is(pg_temp.row_of('plain')->'next_occurrence_id', 'null'::jsonb,
          'a completed non-recurring task has no next occurrence');

-- Sessions -------------------------------------------------------------

-- three more sessions of alice's, to kill in three ways
WITH s AS (
    INSERT INTO aido.sessions (user_id, expires_at)
    SELECT pg_temp.uid('alice'), clock_timestamp() + interval '1 day'
      FROM generate_series(1, 3)
    RETURNING id)
INSERT INTO actor
SELECT 'alice ' || (ARRAY['expired', 'revoked', 'signed out'])[row_number() OVER ()],
       jsonb_build_object('user', jsonb_build_object('id', pg_temp.uid('alice')), 'session_id', s.id)
  FROM s;
UPDATE aido.sessions SET expires_at = now() - interval '1 minute' WHERE id = pg_temp.sid('alice expired');
UPDATE aido.sessions SET revoked_at = clock_timestamp() WHERE id = pg_temp.sid('alice revoked');
CALL pg_temp.run($$SELECT aido_logout(pg_temp.uid('alice'), pg_temp.sid('alice signed out'))$$);

CALL pg_temp.keep('session', aido_task_create(pg_temp.uid('alice'), '{"title": "In session"}', pg_temp.sid('alice')));

CREATE TEMP TABLE api_call (n serial, label text, sql text);
INSERT INTO api_call (label, sql) VALUES
    ('create', $$SELECT aido_task_create(pg_temp.uid('alice'), '{"title": "x"}', %s)$$),
    ('get', $$SELECT aido_task_get(pg_temp.uid('alice'), pg_temp.tid('session'), %s)$$),
    ('list', $$SELECT aido_task_list(pg_temp.uid('alice'), '{}', %s)$$),
    ('patch', $$SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('session'), '{"priority": "low"}', %s)$$),
    ('replace', $$SELECT aido_task_replace(pg_temp.uid('alice'), pg_temp.tid('session'), '{"title": "In session"}', %s)$$),
    ('toggle', $$SELECT aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('session'), %s)$$),
    ('delete', $$SELECT aido_task_delete(pg_temp.uid('alice'), pg_temp.tid('session'), %s)$$);
CREATE TEMP TABLE dead_session (n serial, label text, sid text);
INSERT INTO dead_session (label, sid) VALUES
    ('an expired session', $$pg_temp.sid('alice expired')$$),
    ('a revoked session', $$pg_temp.sid('alice revoked')$$),
    ('a signed-out session', $$pg_temp.sid('alice signed out')$$),
    ('another user''s session', $$pg_temp.sid('bob')$$),
    ('an unknown session', $$gen_random_uuid()$$);

SELECT throws_ok(format(c.sql, d.sid), '28000', 'session is not valid',
                 c.label || ' with ' || d.label || ' is refused as unauthorized (28000)')
  FROM api_call c CROSS JOIN dead_session d ORDER BY c.n, d.n;
SELECT is(pg_temp.row_of('session')->>'priority', 'medium',
          'no call with a dead session changed the task');
SELECT lives_ok(format(sql, $$pg_temp.sid('alice')$$), label || ' with a live session of the user works')
  FROM api_call ORDER BY n;
SELECT throws_ok($$SELECT aido_task_create(gen_random_uuid(), '{"title": "x"}')$$,
                 'P0002', 'user not found', 'creating a task for a user who does not exist is not found (P0002)');
SELECT throws_ok($$SELECT aido_task_create(gen_random_uuid(), '{"title": "x"}', pg_temp.sid('alice'))$$,
                 '28000', 'session is not valid',
                 'creating a task for a user who does not exist with someone''s session is unauthorized (28000)');

SELECT * FROM finish();
ROLLBACK;
