-- aido_task_list: filters, the eight sorts, keyset pagination, the
-- validation of query parameters, and the indexes the list queries use.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

SELECT plan(166);

-- Cheap password hashes: this suite is about lists, not argon2id.
SET LOCAL aido.password_memory_kib = 1024;
SET LOCAL aido.password_iterations = 1;
-- A session time zone with an odd offset and a non-ISO DateStyle: cursors
-- and date parameters must not depend on them.
SET LOCAL TimeZone = 'Pacific/Chatham';
SET LOCAL DateStyle = 'SQL, DMY';

-- Fixtures -------------------------------------------------------------

CREATE TEMP TABLE actor (name text PRIMARY KEY, n integer UNIQUE, s jsonb NOT NULL);
INSERT INTO actor
SELECT who, n, aido_signup(jsonb_build_object('email', who || '@example.com', 'password', 'password123'))
  FROM unnest(ARRAY['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) WITH ORDINALITY AS a(who, n);

CREATE FUNCTION pg_temp.uid(who text) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT (s->'user'->>'id')::uuid FROM actor WHERE name = who $$;

-- Runs a statement for its effect, without output that would disturb TAP.
CREATE PROCEDURE pg_temp.run(sql text)
LANGUAGE plpgsql AS $$ BEGIN EXECUTE sql; END $$;

-- The titles of a page's items, in the order of the page.
CREATE FUNCTION pg_temp.titles(page jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(i->>'title' ORDER BY ord), '{}')
      FROM jsonb_array_elements(page->'items') WITH ORDINALITY AS x(i, ord)
$$;

-- The same titles sorted, for filters, whose tests do not care about order.
CREATE FUNCTION pg_temp.title_set(page jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(i->>'title' ORDER BY i->>'title' COLLATE "C"), '{}')
      FROM jsonb_array_elements(page->'items') AS i
$$;

-- Every page of a list, following next_cursor from the first page to the
-- one whose next_cursor is null: the titles of all pages, concatenated.
CREATE FUNCTION pg_temp.walk(who uuid, params jsonb) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    page jsonb;
    cursor text;
    titles text[] := '{}';
    pages integer := 0;
BEGIN
    LOOP
        page := aido_task_list(who, params || jsonb_strip_nulls(jsonb_build_object('cursor', cursor)));
        titles := titles || pg_temp.titles(page);
        cursor := page->>'next_cursor';
        pages := pages + 1;
        EXIT WHEN cursor IS NULL;
        IF pages > 1000 THEN
            RAISE EXCEPTION 'more than 1000 pages: the cursor does not advance';
        END IF;
    END LOOP;
    RETURN titles;
END
$$;

-- The number of items on each page of such a walk.
CREATE FUNCTION pg_temp.page_sizes(who uuid, params jsonb) RETURNS integer[]
LANGUAGE plpgsql AS $$
DECLARE
    page jsonb;
    cursor text;
    sizes integer[] := '{}';
BEGIN
    LOOP
        page := aido_task_list(who, params || jsonb_strip_nulls(jsonb_build_object('cursor', cursor)));
        sizes := sizes || jsonb_array_length(page->'items');
        cursor := page->>'next_cursor';
        EXIT WHEN cursor IS NULL OR cardinality(sizes) > 1000;
    END LOOP;
    RETURN sizes;
END
$$;

-- Seven tasks whose every sort is known, with ties that only created_at
-- breaks and ties that only the id breaks.  They are written directly
-- with chosen ids and created_at (the tasks guard keeps created_at on
-- UPDATE, so an INSERT is the one way to choose it).  Ids are ordered by
-- their last digit, and share a prefix per user.
CREATE FUNCTION pg_temp.seed(who text) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO aido.tasks (id, user_id, title, priority, due_date, created_at)
    SELECT format('%s-0000-4000-8000-00000000000%s',
                  lpad((SELECT n FROM actor WHERE name = who)::text, 8, '0'), f.d)::uuid,
           pg_temp.uid(who), f.title, f.priority, f.due::timestamptz, f.created::timestamptz
      FROM (VALUES
        (4, 'delta',   'medium', '2026-02-01T00:00:00Z', '2020-01-01T00:00:03Z'),
        (1, 'Echo',    'low',    '2026-03-01T00:00:00Z', '2020-01-01T00:00:01Z'),
        (6, 'Foxtrot', 'low',    NULL,                   '2020-01-01T00:00:06Z'),
        (2, 'bravo',   'high',   NULL,                   '2020-01-01T00:00:02Z'),
        (7, 'Bravo',   'medium', '2026-03-01T00:00:00Z', '2020-01-01T00:00:02Z'),
        (3, 'Alpha',   'medium', '2026-02-01T00:00:00Z', '2020-01-01T00:00:03Z'),
        (5, 'charlie', 'high',   '2026-01-15T00:00:00Z', '2020-01-01T00:00:05Z')
      ) AS f(d, title, priority, due, created)
$$;
CALL pg_temp.run($$SELECT pg_temp.seed('alice')$$);
CALL pg_temp.run($$SELECT pg_temp.seed('frank')$$);

CREATE TEMP TABLE sorted (n serial, sort text, titles text[]);
INSERT INTO sorted (sort, titles) VALUES
    ('created_at',  '{Echo,bravo,Bravo,Alpha,delta,charlie,Foxtrot}'),
    ('-created_at', '{Foxtrot,charlie,delta,Alpha,Bravo,bravo,Echo}'),
    ('due_date',    '{charlie,Alpha,delta,Echo,Bravo,bravo,Foxtrot}'),
    ('-due_date',   '{Foxtrot,bravo,Bravo,Echo,delta,Alpha,charlie}'),
    ('priority',    '{Echo,Foxtrot,Bravo,Alpha,delta,bravo,charlie}'),
    ('-priority',   '{charlie,bravo,delta,Alpha,Bravo,Foxtrot,Echo}'),
    ('title',       '{Alpha,bravo,Bravo,charlie,delta,Echo,Foxtrot}'),
    ('-title',      '{Foxtrot,Echo,delta,charlie,Bravo,bravo,Alpha}');

-- The eight sorts ------------------------------------------------------

SELECT is(pg_temp.titles(aido_task_list(pg_temp.uid('alice'), jsonb_build_object('sort', sort))),
          titles,
          'sort=' || sort || ' orders the tasks ' || array_to_string(titles, ', '))
  FROM sorted ORDER BY n;
SELECT is(pg_temp.titles(aido_task_list(pg_temp.uid('alice'))),
          (SELECT titles FROM sorted WHERE sort = '-created_at'),
          'without a sort the list is newest first (-created_at)');
SELECT is((pg_temp.titles(aido_task_list(pg_temp.uid('alice'), '{"sort": "due_date"}')))[6:7],
          '{bravo,Foxtrot}',
          'sort=due_date puts the tasks without a due date last, together');
SELECT is((pg_temp.titles(aido_task_list(pg_temp.uid('alice'), '{"sort": "-due_date"}')))[1:2],
          '{Foxtrot,bravo}',
          'sort=-due_date puts the tasks without a due date first, together');

-- Every page, for every sort and several page sizes
SELECT is(pg_temp.walk(pg_temp.uid('alice'), jsonb_build_object('sort', sort, 'limit', l)),
          titles,
          'walking sort=' || sort || ' ' || l || ' at a time gives every task once, in order')
  FROM sorted CROSS JOIN (VALUES ('1'), ('2'), ('3')) AS x(l)
 ORDER BY n, l;

-- Seven tasks tied on every key: the id alone orders them.
INSERT INTO aido.tasks (id, user_id, title, priority, due_date, created_at)
SELECT format('00000003-0000-4000-8000-00000000000%s', d)::uuid, pg_temp.uid('carol'),
       title, 'medium', '2026-06-01T12:00:00Z', '2020-02-02T02:02:02.020202Z'
  FROM (VALUES (4, 'tiE'), (1, 'tie'), (7, 'tIE'), (2, 'Tie'), (6, 'TiE'), (3, 'tIe'), (5, 'TIe'))
       AS f(d, title);
SELECT is(pg_temp.walk(pg_temp.uid('carol'), jsonb_build_object('sort', sort, 'limit', 2)),
          CASE WHEN sort LIKE '-%' THEN '{tIE,TiE,TIe,tiE,tIe,Tie,tie}'::text[]
               ELSE '{tie,Tie,tIe,tiE,TIe,TiE,tIE}'::text[] END,
          'walking sort=' || sort || ' 2 at a time through 7 fully tied tasks gives each once, in id order')
  FROM sorted ORDER BY n;

-- Page boundaries
SELECT is(pg_temp.page_sizes(pg_temp.uid('alice'), '{"limit": "2"}'), '{2,2,2,1}',
          'seven tasks two at a time make four pages, the last one short');
SELECT is(pg_temp.page_sizes(pg_temp.uid('alice'), '{"limit": "7"}'), '{7}',
          'seven tasks seven at a time make one page, with no empty page after it');
SELECT is(pg_temp.page_sizes(pg_temp.uid('alice'), '{"limit": "6"}'), '{6,1}',
          'seven tasks six at a time make two pages');
SELECT is(jsonb_typeof(aido_task_list(pg_temp.uid('alice'), '{"limit": "2"}')->'next_cursor'), 'string',
          'a page with more after it has a next_cursor string');
SELECT is(aido_task_list(pg_temp.uid('alice'), '{"limit": "100"}')->'next_cursor', 'null'::jsonb,
          'the last page has a null next_cursor');
SELECT is(aido_task_list(pg_temp.uid('bob'))::text, '{"items": [], "next_cursor": null}',
          'a user without tasks gets an empty page with a null next_cursor');

-- Writes between pages: keyset pagination neither skips nor repeats.
CREATE TEMP TABLE walk_state (step text PRIMARY KEY, page jsonb);
CREATE FUNCTION pg_temp.next_page(step text, prev text, params jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO walk_state
    SELECT step, aido_task_list(pg_temp.uid('frank'),
                                params || coalesce((SELECT jsonb_build_object('cursor', page->>'next_cursor')
                                                      FROM walk_state WHERE walk_state.step = prev), '{}'))
$$;
CREATE FUNCTION pg_temp.rest(prev text, params jsonb) RETURNS text[]
LANGUAGE sql AS $$
    SELECT pg_temp.walk(pg_temp.uid('frank'),
                        params || jsonb_build_object('cursor', page->>'next_cursor'))
      FROM walk_state WHERE step = prev
$$;

-- newest first: a new task is newer than the cursor, so it is not seen
CALL pg_temp.run($$SELECT pg_temp.next_page('new1', NULL, '{"limit": 2}')$$);
CALL pg_temp.run($$SELECT aido_task_create(pg_temp.uid('frank'), '{"title": "Newest"}')$$);
SELECT is(pg_temp.titles((SELECT page FROM walk_state WHERE step = 'new1'))
              || pg_temp.rest('new1', '{"limit": 2}'),
          (SELECT titles FROM sorted WHERE sort = '-created_at'),
          'a task created between pages of -created_at neither shifts nor repeats the tasks listed after it');
-- oldest first: the new task comes after every old one, once
CALL pg_temp.run($$SELECT pg_temp.next_page('new2', NULL, '{"limit": 2, "sort": "created_at"}')$$);
CALL pg_temp.run($$SELECT aido_task_create(pg_temp.uid('frank'), '{"title": "Newer still"}')$$);
SELECT is(pg_temp.titles((SELECT page FROM walk_state WHERE step = 'new2'))
              || pg_temp.rest('new2', '{"limit": 2, "sort": "created_at"}'),
          (SELECT titles FROM sorted WHERE sort = 'created_at') || '{Newest,"Newer still"}'::text[],
          'a task created between pages of created_at appears once, at the end, and no old task is skipped');
-- by title: a task before the cursor is not seen, one after it is, once
CALL pg_temp.run($$SELECT pg_temp.next_page('new3', NULL, '{"limit": 3, "sort": "title"}')$$);
CALL pg_temp.run($$SELECT aido_task_create(pg_temp.uid('frank'), '{"title": "Aardvark"}')$$);
CALL pg_temp.run($$SELECT aido_task_create(pg_temp.uid('frank'), '{"title": "Zulu"}')$$);
SELECT is(pg_temp.titles((SELECT page FROM walk_state WHERE step = 'new3'))
              || pg_temp.rest('new3', '{"limit": 3, "sort": "title"}'),
          '{Alpha,bravo,Bravo,charlie,delta,Echo,Foxtrot,"Newer still",Newest,Zulu}'::text[],
          'tasks created between pages of title appear once where they sort after the cursor, and none is skipped');
-- deleting what was already listed, the cursor's own task included
CALL pg_temp.run($$SELECT pg_temp.next_page('del1', NULL, '{"limit": 2, "sort": "-priority"}')$$);
SELECT is(pg_temp.titles((SELECT page FROM walk_state WHERE step = 'del1')), '{charlie,bravo}',
          'the first page of -priority has the two high tasks');
DELETE FROM aido.tasks WHERE user_id = pg_temp.uid('frank') AND title IN ('charlie', 'bravo');
SELECT is(pg_temp.rest('del1', '{"limit": 2, "sort": "-priority"}'),
          '{Zulu,Aardvark,"Newer still",Newest,delta,Alpha,Bravo,Foxtrot,Echo}'::text[],
          'deleting the tasks of a page, the cursor''s own included, skips none of the later ones');

-- Filters --------------------------------------------------------------

CALL pg_temp.run($$
    SELECT aido_task_create(pg_temp.uid('dave'), t)
      FROM unnest(ARRAY[
        '{"title": "Buy milk", "description": "Two litres", "priority": "low",
          "tags": ["Home", "errands"], "due_date": "2026-01-10T00:00:00Z"}',
        '{"title": "100% done", "priority": "high", "tags": ["work"],
          "due_date": "2026-02-10T00:00:00Z", "completed": true}',
        '{"title": "1000 done", "priority": "medium", "due_date": "2026-03-10T00:00:00Z"}',
        '{"title": "snake_case names", "priority": "high", "tags": ["work", "code"]}',
        '{"title": "snakeXcase names", "description": "Call MOM about 50% off",
          "priority": "medium", "tags": ["Code"], "completed": true}'
      ]::jsonb[]) WITH ORDINALITY AS x(t, n)
     ORDER BY n
$$);
-- another user's tasks that would match every filter
CALL pg_temp.run($$
    SELECT aido_task_create(pg_temp.uid('bob'),
        '{"title": "Bob: 100% done snake_case mom", "description": "mom", "priority": "high",
          "tags": ["work", "home", "code"], "due_date": "2026-02-01T00:00:00Z"}')
$$);

CREATE TEMP TABLE filter (n serial, label text, params jsonb, titles text[]);
INSERT INTO filter (label, params, titles) VALUES
    ('no filter lists all of the user''s tasks', '{}',
     '{"100% done","1000 done","Buy milk","snakeXcase names","snake_case names"}'),
    ('status=all lists every task', '{"status": "all"}',
     '{"100% done","1000 done","Buy milk","snakeXcase names","snake_case names"}'),
    ('status=pending lists the tasks not completed', '{"status": "pending"}',
     '{"1000 done","Buy milk","snake_case names"}'),
    ('status=completed lists the completed tasks', '{"status": "completed"}',
     '{"100% done","snakeXcase names"}'),
    ('priority=high lists the high-priority tasks', '{"priority": "high"}',
     '{"100% done","snake_case names"}'),
    ('priority=medium lists the medium-priority tasks', '{"priority": "medium"}',
     '{"1000 done","snakeXcase names"}'),
    ('priority=low lists the low-priority tasks', '{"priority": "low"}',
     '{"Buy milk"}'),
    ('tag=work lists the tasks tagged work', '{"tag": "work"}',
     '{"100% done","snake_case names"}'),
    ('tag=WORK matches the tag case-insensitively', '{"tag": "WORK"}',
     '{"100% done","snake_case names"}'),
    ('tag=" Code " is trimmed and lowercased like the stored tags', '{"tag": " Code "}',
     '{"snakeXcase names","snake_case names"}'),
    ('tag=home finds a tag created as Home', '{"tag": "home"}',
     '{"Buy milk"}'),
    ('a tag nobody uses lists nothing', '{"tag": "garden"}',
     '{}'),
    ('q=DONE matches titles case-insensitively', '{"q": "DONE"}',
     '{"100% done","1000 done"}'),
    ('q=mom matches a description case-insensitively', '{"q": "mom"}',
     '{"snakeXcase names"}'),
    ('q=litres matches the description of a task', '{"q": "litres"}',
     '{"Buy milk"}'),
    ('q=% matches only tasks with a literal % in title or description', '{"q": "%"}',
     '{"100% done","snakeXcase names"}'),
    ('q="0% d" matches "100% done" and not "1000 done" (% is not a wildcard)', '{"q": "0% d"}',
     '{"100% done"}'),
    ('q=_ matches only tasks with a literal underscore', '{"q": "_"}',
     '{"snake_case names"}'),
    ('q=snake_case does not match snakeXcase (_ is not a wildcard)', '{"q": "snake_case"}',
     '{"snake_case names"}'),
    ('q with no match lists nothing', '{"q": "zebra"}',
     '{}'),
    ('due_before is exclusive', '{"due_before": "2026-02-10T00:00:00Z"}',
     '{"Buy milk"}'),
    ('due_before a microsecond later includes the task due then', '{"due_before": "2026-02-10T00:00:00.000001Z"}',
     '{"100% done","Buy milk"}'),
    ('due_after is exclusive', '{"due_after": "2026-02-10T00:00:00Z"}',
     '{"1000 done"}'),
    ('due_after and due_before together bound both ends, exclusively',
     '{"due_after": "2026-01-10T00:00:00Z", "due_before": "2026-03-10T00:00:00Z"}',
     '{"100% done"}'),
    ('due_before with an offset compares the instant', '{"due_before": "2026-02-10T01:00:00+01:00"}',
     '{"Buy milk"}'),
    ('a due_after long past lists only tasks with a due date', '{"due_after": "1900-01-01T00:00:00Z"}',
     '{"100% done","1000 done","Buy milk"}'),
    ('a due_before far ahead lists only tasks with a due date', '{"due_before": "9999-01-01T00:00:00Z"}',
     '{"100% done","1000 done","Buy milk"}'),
    ('status, priority and tag combine', '{"status": "pending", "priority": "high", "tag": "work"}',
     '{"snake_case names"}'),
    ('q and status combine', '{"q": "done", "status": "completed"}',
     '{"100% done"}'),
    ('unknown parameters are ignored', '{"_": "1700000000", "page": "2", "foo": ["bar"]}',
     '{"100% done","1000 done","Buy milk","snakeXcase names","snake_case names"}');

SELECT is(pg_temp.title_set(aido_task_list(pg_temp.uid('dave'), params)), titles, label)
  FROM filter ORDER BY n;
SELECT is((SELECT count(*) FROM filter f,
                  jsonb_array_elements(aido_task_list(pg_temp.uid('dave'), f.params)->'items') AS i
            WHERE (i->>'user_id')::uuid <> pg_temp.uid('dave')),
          0::bigint,
          'another user''s tasks never appear in a list, whatever the filter');
SELECT is(pg_temp.walk(pg_temp.uid('dave'), '{"status": "pending", "sort": "title", "limit": 1}'),
          '{"1000 done","Buy milk","snake_case names"}',
          'pages of a filtered list follow the filter from page to page');

-- limit
SELECT is(jsonb_array_length(aido_task_list(pg_temp.uid('alice'), '{"limit": "1"}')->'items'), 1,
          'limit=1 gives one task');
SELECT is(jsonb_array_length(aido_task_list(pg_temp.uid('alice'), '{"limit": 3}')->'items'), 3,
          'a JSON number is accepted for limit');
SELECT is(pg_temp.titles(aido_task_list(pg_temp.uid('dave'), jsonb_build_object('q', repeat('x', 200)))), '{}',
          'a q of 200 characters is accepted');

-- Invalid query parameters ---------------------------------------------

CREATE TEMP TABLE bad_param (n serial, label text, params jsonb, param text, rule text);
INSERT INTO bad_param (label, params, param, rule) VALUES
    ('limit=0', '{"limit": "0"}', 'limit', 'must be an integer from 1 to 100'),
    ('limit=101', '{"limit": "101"}', 'limit', 'must be an integer from 1 to 100'),
    ('limit=-1', '{"limit": "-1"}', 'limit', 'must be an integer from 1 to 100'),
    ('limit=abc', '{"limit": "abc"}', 'limit', 'must be an integer from 1 to 100'),
    ('limit=1.5', '{"limit": "1.5"}', 'limit', 'must be an integer from 1 to 100'),
    ('limit=99999999999', '{"limit": "99999999999"}', 'limit', 'must be an integer from 1 to 100'),
    ('a JSON number 0 for limit', '{"limit": 0}', 'limit', 'must be an integer from 1 to 100'),
    ('a JSON number 101 for limit', '{"limit": 101}', 'limit', 'must be an integer from 1 to 100'),
    ('an empty limit', '{"limit": ""}', 'limit', 'must not be empty'),
    ('a JSON true for limit', '{"limit": true}', 'limit', 'must be a single value'),
    ('a repeated limit (an array)', '{"limit": ["1", "2"]}', 'limit', 'must be a single value'),
    ('status=done', '{"status": "done"}', 'status', 'must be one of all, pending, completed'),
    ('an empty status', '{"status": ""}', 'status', 'must not be empty'),
    ('priority=urgent', '{"priority": "urgent"}', 'priority', 'must be one of low, medium, high'),
    ('an empty priority', '{"priority": ""}', 'priority', 'must not be empty'),
    ('sort=name', '{"sort": "name"}', 'sort',
     'must be one of created_at, -created_at, due_date, -due_date, priority, -priority, title, -title'),
    ('sort=--title', '{"sort": "--title"}', 'sort',
     'must be one of created_at, -created_at, due_date, -due_date, priority, -priority, title, -title'),
    ('an empty sort', '{"sort": ""}', 'sort', 'must not be empty'),
    ('an empty tag', '{"tag": ""}', 'tag', 'must not be empty'),
    ('a blank tag', '{"tag": "   "}', 'tag', 'must not be blank'),
    ('an empty q', '{"q": ""}', 'q', 'must not be empty'),
    ('a q of 201 characters', jsonb_build_object('q', repeat('q', 201)), 'q', 'must be at most 200 characters'),
    ('due_before=2026-01-01 (a date without a time)', '{"due_before": "2026-01-01"}', 'due_before',
     'must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T09:00:00Z'),
    ('due_before=garbage', '{"due_before": "garbage"}', 'due_before',
     'must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T09:00:00Z'),
    ('due_before without an offset', '{"due_before": "2026-01-01T00:00:00"}', 'due_before',
     'must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T09:00:00Z'),
    ('an empty due_before', '{"due_before": ""}', 'due_before', 'must not be empty'),
    ('due_after=garbage', '{"due_after": "garbage"}', 'due_after',
     'must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T09:00:00Z'),
    ('due_after=2026-02-30T00:00:00Z (no such day)', '{"due_after": "2026-02-30T00:00:00Z"}', 'due_after',
     'must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T09:00:00Z'),
    ('an empty due_after', '{"due_after": ""}', 'due_after', 'must not be empty'),
    ('cursor=garbage', '{"cursor": "garbage"}', 'cursor',
     'is not a cursor this server issued for this sort; start again without it'),
    ('a cursor of well-formed base64url JSON the server did not issue',
     jsonb_build_object('cursor', translate(encode(convert_to('{"sort": "-created_at"}', 'UTF8'), 'base64'), '+/=', '-_')),
     'cursor', 'is not a cursor this server issued for this sort; start again without it'),
    ('an empty cursor', '{"cursor": ""}', 'cursor', 'must not be empty'),
    -- forged: well-formed for the sort, but not tagged by the server (issue 13)
    ('a forged cursor (base64url of a well-formed array for the sort)',
     jsonb_build_object('sort', '-created_at', 'cursor',
                        translate(encode(convert_to(jsonb_build_array('-created_at', NULL, '2026-01-01 00:00:00+00',
                                                                      gen_random_uuid())::text, 'UTF8'), 'base64'),
                                  E'+/=\n', '-_')),
     'cursor', 'is not a cursor this server issued for this sort; start again without it');

-- a cursor the server issued, with its payload or its tag changed
INSERT INTO bad_param (label, params, param, rule)
SELECT label, jsonb_build_object('sort', 'title', 'cursor', c), 'cursor',
       'is not a cursor this server issued for this sort; start again without it'
  FROM (SELECT aido_task_list(pg_temp.uid('alice'), '{"sort": "title", "limit": 1}')->>'next_cursor' AS issued) AS i,
       LATERAL (VALUES
         ('an issued cursor with another payload',
          translate(encode(convert_to(jsonb_build_array('title', 'a', '2026-01-01 00:00:00+00',
                                                        gen_random_uuid())::text, 'UTF8'), 'base64'),
                    E'+/=\n', '-_') || '.' || split_part(i.issued, '.', 2)),
         ('an issued cursor with another tag', split_part(i.issued, '.', 1) || '.' || repeat('A', 22)),
         ('an issued cursor with a second tag', i.issued || '.' || split_part(i.issued, '.', 2))) AS x(label, c);

-- cursors issued for one sort, used with another
INSERT INTO bad_param (label, params, param, rule)
SELECT 'a cursor of sort=' || issued || ' used with sort=' || used,
       jsonb_build_object('sort', used,
                          'cursor', aido_task_list(pg_temp.uid('alice'),
                                                   jsonb_build_object('sort', issued, 'limit', 1))->>'next_cursor'),
       'cursor', 'is not a cursor this server issued for this sort; start again without it'
  FROM (VALUES ('-created_at', 'created_at'), ('created_at', '-created_at'),
               ('title', 'due_date'), ('due_date', 'priority'), ('priority', '-priority'),
               ('-title', 'created_at'))
       AS x(issued, used);
-- and cursors of the conversation and message lists
INSERT INTO bad_param (label, params, param, rule)
SELECT 'a cursor of the ' || kind || ' list', jsonb_build_object('cursor', c),
       'cursor', 'is not a cursor this server issued for this sort; start again without it'
  FROM (SELECT 'conversation' AS kind,
               translate(encode(convert_to(jsonb_build_array('conversations', NULL, '2026-01-01 00:00:00+00',
                                                             gen_random_uuid())::text, 'UTF8'), 'base64'),
                         E'+/=\n', '-_') AS c) AS x;

SELECT throws_ok(format('SELECT aido_task_list(pg_temp.uid(%L), %L)', 'alice', params),
                 '22023', format('invalid query parameter "%s": %s', param, rule),
                 'a list with ' || label || ' is refused (22023) naming "' || param || '"')
  FROM bad_param ORDER BY n;
SELECT throws_ok($$SELECT aido_task_list(pg_temp.uid('alice'), '[]')$$,
                 '22023', 'invalid query parameter "params": must be a JSON object',
                 'a list whose params are not a JSON object is refused (22023)');
SELECT throws_ok($$SELECT aido_task_list(gen_random_uuid())$$,
                 'P0002', 'user not found',
                 'listing the tasks of a user who does not exist is not found (P0002)');

-- The cursors' tag is HMAC-SHA256 (RFC 2104) in core SQL: the same as
-- pgcrypto's, for keys shorter than, as long as and (hashed) a block
SELECT is(_aido_hmac(convert_to(m, 'UTF8'), k), hmac(convert_to(m, 'UTF8'), k, 'sha256'),
          'HMAC-SHA256 of a ' || length(k) || '-byte key is pgcrypto''s')
  FROM (VALUES ('what do ya want for nothing?', convert_to('Jefe', 'UTF8')),
               ('', '\x'::bytea),
               ('a cursor', decode(repeat('0b', 64), 'hex'))) AS v(m, k);
SELECT is(encode(_aido_hmac(convert_to('what do ya want for nothing?', 'UTF8'), convert_to('Jefe', 'UTF8')), 'hex'),
          '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
          'and RFC 4231''s test case 2');
SELECT is((SELECT count(*) FROM (SELECT decode(repeat(md5(g::text), g % 9), 'hex') AS m,
                                         substr(decode(repeat(md5((g * 7)::text), 4), 'hex'), 1, g % 65) AS k
                                  FROM generate_series(1, 300) AS g) AS r
            WHERE _aido_hmac(r.m, r.k) = hmac(r.m, r.k, 'sha256')), 300::bigint,
          'and pgcrypto''s for 300 messages of 0 to 128 bytes under keys of 0 to 64 bytes');
SELECT is((SELECT count(*) FROM aido.secrets WHERE name = 'cursor_hmac' AND octet_length(value) = 64), 1::bigint,
          'bootstrap made one 64-byte cursor key');

-- The indexes the list queries use -------------------------------------

-- 2000 tasks for one user, half of them completed, and a few for others.
INSERT INTO aido.tasks (user_id, title, priority, due_date, completed, created_at)
SELECT pg_temp.uid('erin'), 'Task ' || i, (ARRAY['low', 'medium', 'high'])[1 + i % 3],
       CASE WHEN i % 5 <> 0 THEN '2026-01-01T00:00:00Z'::timestamptz + i * interval '1 hour' END,
       i % 2 = 0, '2021-01-01T00:00:00Z'::timestamptz + i * interval '1 minute'
  FROM generate_series(1, 2000) AS i;
ANALYZE aido.tasks;

SELECT is(jsonb_array_length(aido_task_list(pg_temp.uid('erin'))->'items'), 50,
          'without a limit a page holds 50 tasks');
SELECT is(jsonb_array_length(aido_task_list(pg_temp.uid('erin'), '{"limit": "100"}')->'items'), 100,
          'limit=100 gives 100 tasks');
SELECT is(cardinality(pg_temp.walk(pg_temp.uid('erin'), '{"limit": 100, "sort": "priority"}')), 2000,
          'walking 2000 tasks 100 at a time by priority lists 2000 tasks');
SELECT is((SELECT count(DISTINCT t) FROM unnest(pg_temp.walk(pg_temp.uid('erin'), '{"limit": 100, "sort": "-due_date"}')) t),
          2000::bigint,
          'walking 2000 tasks 100 at a time by -due_date lists each of them once');

-- The plan of a query, as EXPLAIN (FORMAT JSON) text.
CREATE FUNCTION pg_temp.plan_of(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    p json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || sql INTO p;
    RETURN p::text;
END
$$;
-- The query aido_task_list runs for a page of a sort key and direction,
-- after a cursor (cursor_key: the key of the cursor's task, as SQL) or not,
-- optionally with status=pending.
CREATE FUNCTION pg_temp.list_query(key text, dir text, after_cursor boolean, cursor_key text,
                                   pending boolean)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT format('SELECT to_jsonb(t) AS j, %s AS k, t.created_at AS c, t.id AS i'
                  ' FROM aido.tasks t WHERE t.user_id = %L%s%s'
                  ' ORDER BY %s t.created_at %s, t.id %s LIMIT 51',
                  coalesce(key || '::text', 'NULL::text'), pg_temp.uid('erin'),
                  CASE WHEN pending THEN ' AND t.completed = false' ELSE '' END,
                  CASE WHEN NOT after_cursor THEN ''
                       ELSE format(' AND (%s t.created_at, t.id) %s (%s %L::timestamptz, %L::uuid)',
                                   coalesce(key || ',', ''), CASE dir WHEN 'DESC' THEN '<' ELSE '>' END,
                                   coalesce(cursor_key || ',', ''),
                                   '2021-01-02T00:00:00Z', '00000000-0000-0000-0000-000000000000')
                  END,
                  coalesce(key || ' ' || dir || ',', ''), dir, dir)
$$;

CREATE TEMP TABLE list_plan (n serial, label text, key text, dir text, after_cursor boolean,
                             cursor_key text, pending boolean, idx text);
INSERT INTO list_plan (label, key, dir, after_cursor, cursor_key, pending, idx) VALUES
    ('the first page of the default sort (-created_at)', NULL, 'DESC', false, NULL, false, 'tasks_user_created_idx'),
    ('a later page of the default sort', NULL, 'DESC', true, NULL, false, 'tasks_user_created_idx'),
    ('the first page of sort=created_at', NULL, 'ASC', false, NULL, false, 'tasks_user_created_idx'),
    ('the first page of status=pending', NULL, 'DESC', false, NULL, true, 'tasks_user_completed_idx'),
    ('a later page of status=pending', NULL, 'DESC', true, NULL, true, 'tasks_user_completed_idx'),
    ('the first page of sort=due_date', $$coalesce(t.due_date, 'infinity'::timestamptz)$$, 'ASC',
     false, NULL, false, 'tasks_user_due_idx'),
    ('a later page of sort=-due_date', $$coalesce(t.due_date, 'infinity'::timestamptz)$$, 'DESC',
     true, $$'2026-02-01T00:00:00Z'::timestamptz$$, false, 'tasks_user_due_idx'),
    ('the first page of sort=-priority', $$(CASE t.priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 END)$$, 'DESC',
     false, NULL, false, 'tasks_user_priority_idx'),
    ('a later page of sort=priority', $$(CASE t.priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 END)$$, 'ASC',
     true, '2::integer', false, 'tasks_user_priority_idx'),
    ('the first page of sort=title', 'lower(t.title)', 'ASC', false, NULL, false, 'tasks_user_title_idx'),
    ('a later page of sort=-title', 'lower(t.title)', 'DESC', true, $$'task 5'::text$$, false, 'tasks_user_title_idx');

SELECT ok(pg_temp.plan_of(pg_temp.list_query(key, dir, after_cursor, cursor_key, pending))
              LIKE '%"Index Name": "' || idx || '"%',
          label || ' of a user with 2000 tasks scans ' || idx)
  FROM list_plan ORDER BY n;
SELECT ok(pg_temp.plan_of(pg_temp.list_query(key, dir, after_cursor, cursor_key, pending))
              NOT LIKE '%"Node Type": "Sort"%',
          label || ' of a user with 2000 tasks reads in index order, without sorting')
  FROM list_plan ORDER BY n;

SELECT * FROM finish();
ROLLBACK;
