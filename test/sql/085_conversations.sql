-- Conversations and their messages through the SQL API
-- (aido_conversation_create, _get, _list, _delete, aido_message_create,
-- _list): validation, ownership, order and keyset pagination.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

SELECT plan(134);

-- Cheap password hashes: this suite is about conversations, not argon2id.
SET LOCAL aido.password_memory_kib = 1024;
SET LOCAL aido.password_iterations = 1;
-- A session time zone far from UTC and a non-ISO DateStyle: the API must
-- answer in RFC 3339 and UTC all the same, and its cursors must work.
SET LOCAL TimeZone = 'America/St_Johns';
SET LOCAL DateStyle = 'SQL, DMY';

-- Fixtures -------------------------------------------------------------

CREATE TEMP TABLE actor (name text PRIMARY KEY, n integer UNIQUE, s jsonb NOT NULL);
INSERT INTO actor
SELECT who, n, aido_signup(jsonb_build_object('email', who || '@example.com', 'password', 'password123'))
  FROM unnest(ARRAY['alice', 'bob', 'carol']) WITH ORDINALITY AS a(who, n);

CREATE FUNCTION pg_temp.uid(who text) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT (s->'user'->>'id')::uuid FROM actor WHERE name = who $$;
CREATE FUNCTION pg_temp.sid(who text) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT (s->>'session_id')::uuid FROM actor WHERE name = who $$;

-- Conversations and messages by a name the test gives them, with the JSON
-- the API returned when it created them.
CREATE TEMP TABLE named (name text PRIMARY KEY, id uuid NOT NULL, returned jsonb);
CREATE FUNCTION pg_temp.kept(n text, j jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    INSERT INTO named VALUES (n, (j->>'id')::uuid, j)
        ON CONFLICT (name) DO UPDATE SET id = excluded.id, returned = excluded.returned;
    SELECT j
$$;
CREATE PROCEDURE pg_temp.keep(n text, j jsonb)
LANGUAGE sql AS $$ SELECT pg_temp.kept(n, j) $$;
CREATE FUNCTION pg_temp.cid(n text) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT id FROM named WHERE name = n $$;
CREATE FUNCTION pg_temp.returned(n text) RETURNS jsonb
LANGUAGE sql STABLE AS $$ SELECT returned FROM named WHERE name = n $$;
-- Runs a statement for its effect, without output that would disturb TAP.
CREATE PROCEDURE pg_temp.run(sql text)
LANGUAGE plpgsql AS $$ BEGIN EXECUTE sql; END $$;

-- The stored conversation, as the API shows it.
CREATE FUNCTION pg_temp.conversation_row(n text) RETURNS jsonb
LANGUAGE sql STABLE SET TimeZone = 'UTC' AS $$
    SELECT to_jsonb(c) FROM aido.conversations c WHERE c.id = pg_temp.cid(n)
$$;

-- "field:code" of each element of the JSON errors array in the DETAIL of
-- the error a statement raises.
CREATE FUNCTION pg_temp.detail_codes(sql text) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    det text;
    errors jsonb;
BEGIN
    BEGIN
        EXECUTE sql;
        RETURN '{"(no error)"}';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL;
    END;
    BEGIN
        errors := det::jsonb;
    EXCEPTION WHEN OTHERS THEN
        RETURN ARRAY['(DETAIL is not JSON: ' || coalesce(det, 'null') || ')'];
    END;
    RETURN (SELECT coalesce(array_agg(coalesce(e->>'field', 'null') || ':' || (e->>'code')
                                      ORDER BY ord), '{}')
              FROM jsonb_array_elements(errors) WITH ORDINALITY AS x(e, ord));
END
$$;

-- Every page of a list, following next_cursor until it is null: the
-- given field of every item, concatenated.  list_sql has one %s for the
-- params.
CREATE FUNCTION pg_temp.walk(list_sql text, params jsonb, field text) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    page jsonb;
    cursor text;
    got text[] := '{}';
    pages integer := 0;
BEGIN
    LOOP
        EXECUTE format(list_sql, quote_literal(params || jsonb_strip_nulls(jsonb_build_object('cursor', cursor))))
           INTO page;
        got := got || ARRAY(SELECT i->>field
                              FROM jsonb_array_elements(page->'items') WITH ORDINALITY AS x(i, ord)
                             ORDER BY ord);
        cursor := page->>'next_cursor';
        pages := pages + 1;
        EXIT WHEN cursor IS NULL;
        IF pages > 1000 THEN
            RAISE EXCEPTION 'more than 1000 pages: the cursor does not advance';
        END IF;
    END LOOP;
    RETURN got;
END
$$;

-- two tasks, for a task list cursor to try on the conversation lists
CALL pg_temp.run($$SELECT aido_task_create(pg_temp.uid('alice'), jsonb_build_object('title', 'Task ' || i))
                     FROM generate_series(1, 2) AS i$$);

-- Conversations: create ------------------------------------------------

CALL pg_temp.keep('untitled', aido_conversation_create(pg_temp.uid('alice')));
CALL pg_temp.keep('empty', aido_conversation_create(pg_temp.uid('alice'), '{}'));
CALL pg_temp.keep('titled', aido_conversation_create(pg_temp.uid('alice'), '{"title": "  Trip plans \t"}'));
CALL pg_temp.keep('blank', aido_conversation_create(pg_temp.uid('alice'), '{"title": "   "}'));
CALL pg_temp.keep('null title', aido_conversation_create(pg_temp.uid('alice'), '{"title": null}'));
CALL pg_temp.keep('long title', aido_conversation_create(pg_temp.uid('alice'),
                                                         jsonb_build_object('title', repeat('é', 200))));

SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(pg_temp.returned('untitled')) k),
          '{created_at,id,title,updated_at,user_id}'::text[],
          'a conversation has exactly the fields id, user_id, title, created_at, updated_at');
SELECT is(pg_temp.returned('titled'), pg_temp.conversation_row('titled'),
          'the JSON a create returns is the stored conversation');
SELECT is((pg_temp.returned('untitled')->>'user_id')::uuid, pg_temp.uid('alice'),
          'a conversation belongs to the user who created it');
SELECT is(pg_temp.returned('untitled')->'title', 'null'::jsonb,
          'a conversation created without a body has no title');
SELECT is(pg_temp.returned('empty')->'title', 'null'::jsonb,
          'a conversation created from {} has no title');
SELECT is(pg_temp.returned('titled')->>'title', 'Trip plans',
          'a conversation title is stored trimmed');
SELECT is(pg_temp.returned('blank')->'title', 'null'::jsonb,
          'a blank conversation title is stored as no title');
SELECT is(pg_temp.returned('null title')->'title', 'null'::jsonb,
          'a null conversation title is no title');
SELECT is(char_length(pg_temp.returned('long title')->>'title'), 200,
          'a conversation title of 200 characters is accepted');
SELECT matches(pg_temp.returned('titled')->>f,
               '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+00:00$',
               'a conversation''s ' || f || ' is RFC 3339 in UTC (+00:00) even in another session time zone')
  FROM unnest(ARRAY['created_at', 'updated_at']) AS f;

CREATE TEMP TABLE bad_conversation (n serial, label text, body jsonb, codes text[]);
INSERT INTO bad_conversation (label, body, codes) VALUES
    ('a title of 201 characters', jsonb_build_object('title', repeat('é', 201)), '{title:too_long}'),
    ('an unknown field', '{"title": "x", "topic": "y"}', '{topic:unknown_field}'),
    ('a numeric title', '{"title": 42}', '{title:wrong_type}'),
    ('a JSON array instead of an object', '["x"]', '{null:wrong_type}');
SELECT throws_ok(format('SELECT aido_conversation_create(pg_temp.uid(%L), %L)', 'alice', body),
                 '23514', 'conversation is invalid',
                 'creating a conversation with ' || label || ' is refused as invalid (23514)')
  FROM bad_conversation ORDER BY n;
SELECT is(pg_temp.detail_codes(format('SELECT aido_conversation_create(pg_temp.uid(%L), %L)', 'alice', body)),
          codes,
          'creating a conversation with ' || label || ' names ' || codes[1] || ' in DETAIL')
  FROM bad_conversation ORDER BY n;
SELECT throws_ok($$SELECT aido_conversation_create(gen_random_uuid(), '{}')$$,
                 'P0002', 'user not found',
                 'creating a conversation for a user who does not exist is not found (P0002)');

-- Conversations: get ---------------------------------------------------

SELECT is(aido_conversation_get(pg_temp.uid('alice'), pg_temp.cid('titled')), pg_temp.returned('titled'),
          'get returns the conversation as created');
SELECT throws_ok($$SELECT aido_conversation_get(pg_temp.uid('alice'), gen_random_uuid())$$,
                 'P0002', 'conversation not found',
                 'getting a conversation that does not exist is not found (P0002)');

-- Messages: create -----------------------------------------------------

CALL pg_temp.keep('chat', aido_conversation_create(pg_temp.uid('alice'), '{"title": "Chat"}'));
CREATE TEMP TABLE chat_before AS SELECT pg_temp.conversation_row('chat') AS j;
INSERT INTO named
SELECT 'msg ' || role, (m->>'id')::uuid, m
  FROM unnest(ARRAY['user', 'assistant', 'system', 'tool']) WITH ORDINALITY AS r(role, n),
       LATERAL aido_message_create(pg_temp.uid('alice'), pg_temp.cid('chat'),
                                   jsonb_build_object('role', role, 'content', 'said by ' || role)) AS m
 ORDER BY n;

SELECT is(pg_temp.returned('msg ' || role)->>'role', role,
          'a message with role ' || role || ' is created with that role')
  FROM unnest(ARRAY['user', 'assistant', 'system', 'tool']) AS role;
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(pg_temp.returned('msg user')) k),
          '{content,conversation_id,created_at,id,role,updated_at,user_id}'::text[],
          'a message has exactly the fields id, conversation_id, user_id, role, content, created_at, updated_at');
SELECT is(pg_temp.returned('msg user') - ARRAY['id', 'created_at', 'updated_at'],
          jsonb_build_object('conversation_id', pg_temp.cid('chat'), 'user_id', pg_temp.uid('alice'),
                             'role', 'user', 'content', 'said by user'),
          'a message belongs to its conversation and user and keeps its content');
SELECT matches(pg_temp.returned('msg user')->>'created_at',
               '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+00:00$',
               'a message''s created_at is RFC 3339 in UTC (+00:00)');
SELECT ok((pg_temp.conversation_row('chat')->>'updated_at')::timestamptz
              > ((SELECT j FROM chat_before)->>'updated_at')::timestamptz,
          'creating a message bumps its conversation''s updated_at');
SELECT ok((pg_temp.conversation_row('chat')->>'updated_at')::timestamptz
              > (pg_temp.returned('msg system')->>'created_at')::timestamptz,
          'each new message bumps its conversation''s updated_at again');
SELECT is(pg_temp.conversation_row('chat')->>'created_at', (SELECT j->>'created_at' FROM chat_before),
          'creating a message does not change its conversation''s created_at');

CALL pg_temp.keep('msg long', aido_message_create(pg_temp.uid('alice'), pg_temp.cid('chat'),
                                                  jsonb_build_object('role', 'assistant', 'content', repeat('é', 32000))));
SELECT is(char_length(pg_temp.returned('msg long')->>'content'), 32000,
          'a message of 32000 characters (64000 bytes) is accepted whole');

CREATE TEMP TABLE bad_message (n serial, label text, body jsonb, codes text[]);
INSERT INTO bad_message (label, body, codes) VALUES
    ('role admin', '{"role": "admin", "content": "hi"}', '{role:invalid_choice}'),
    ('role User (roles are lower-case)', '{"role": "User", "content": "hi"}', '{role:invalid_choice}'),
    ('no role', '{"content": "hi"}', '{role:required}'),
    ('a numeric role', '{"role": 1, "content": "hi"}', '{role:wrong_type}'),
    ('empty content', '{"role": "user", "content": ""}', '{content:blank}'),
    ('whitespace-only content', jsonb_build_object('role', 'user', 'content', E' \t\n '), '{content:blank}'),
    ('no content', '{"role": "user"}', '{content:required}'),
    ('null content', '{"role": "user", "content": null}', '{content:required}'),
    ('content of 32001 characters', jsonb_build_object('role', 'user', 'content', repeat('é', 32001)),
     '{content:too_long}'),
    ('an unknown field', '{"role": "user", "content": "hi", "name": "x"}', '{name:unknown_field}'),
    ('a JSON array instead of an object', '["user", "hi"]', '{null:wrong_type}');
SELECT throws_ok(format('SELECT aido_message_create(pg_temp.uid(%L), pg_temp.cid(%L), %L)', 'alice', 'chat', body),
                 '23514', 'message is invalid',
                 'a message with ' || label || ' is refused as invalid (23514)')
  FROM bad_message ORDER BY n;
SELECT is(pg_temp.detail_codes(format('SELECT aido_message_create(pg_temp.uid(%L), pg_temp.cid(%L), %L)',
                                      'alice', 'chat', body)),
          codes,
          'a message with ' || label || ' names ' || codes[1] || ' in DETAIL')
  FROM bad_message ORDER BY n;
SELECT is((SELECT count(*) FROM aido.messages WHERE conversation_id = pg_temp.cid('chat')), 5::bigint,
          'refused messages store nothing');
SELECT throws_ok($$SELECT aido_message_create(pg_temp.uid('alice'), gen_random_uuid(), '{"role": "user", "content": "hi"}')$$,
                 'P0002', 'conversation not found',
                 'a message to a conversation that does not exist is not found (P0002)');

-- Messages: list, oldest first -----------------------------------------

SELECT is(pg_temp.walk(format('SELECT aido_message_list(%L, %L, %%s)', pg_temp.uid('alice'), pg_temp.cid('chat')),
                       '{"limit": 100}', 'role'),
          '{user,assistant,system,tool,assistant}',
          'messages are listed oldest first');

-- a conversation with messages tied on created_at: the id orders them
CALL pg_temp.keep('ties', aido_conversation_create(pg_temp.uid('alice'), '{"title": "Ties"}'));
INSERT INTO aido.messages (id, conversation_id, user_id, role, content, created_at)
SELECT format('00000001-0000-4000-8000-00000000000%s', d)::uuid, pg_temp.cid('ties'), pg_temp.uid('alice'),
       'user', content, created::timestamptz
  FROM (VALUES (5, 'm5', '2020-01-01T00:00:02Z'), (2, 'm2', '2020-01-01T00:00:01Z'),
               (7, 'm7', '2020-01-01T00:00:02Z'), (1, 'm1', '2020-01-01T00:00:01Z'),
               (3, 'm3', '2020-01-01T00:00:01Z'), (6, 'm6', '2020-01-01T00:00:02Z'),
               (4, 'm4', '2020-01-01T00:00:01Z'), (8, 'm8', '2020-01-01T00:00:03Z'))
       AS f(d, content, created);
SELECT is(pg_temp.walk(format('SELECT aido_message_list(%L, %L, %%s)', pg_temp.uid('alice'), pg_temp.cid('ties')),
                       jsonb_build_object('limit', l), 'content'),
          '{m1,m2,m3,m4,m5,m6,m7,m8}',
          'walking messages ' || l || ' at a time gives each once, oldest first, ties in id order')
  FROM unnest(ARRAY[1, 2, 3, 8]) AS l;
SELECT is(jsonb_array_length(aido_message_list(pg_temp.uid('alice'), pg_temp.cid('ties'), '{"limit": "3"}')->'items'), 3,
          'a page of messages holds limit messages');
SELECT is(jsonb_typeof(aido_message_list(pg_temp.uid('alice'), pg_temp.cid('ties'), '{"limit": "3"}')->'next_cursor'), 'string',
          'a page of messages with more after it has a next_cursor string');
SELECT is(aido_message_list(pg_temp.uid('alice'), pg_temp.cid('ties'), '{"limit": "8"}')->'next_cursor', 'null'::jsonb,
          'the last page of messages has a null next_cursor, also when it is exactly full');
SELECT is(aido_message_list(pg_temp.uid('alice'), pg_temp.cid('empty'))::text, '{"items": [], "next_cursor": null}',
          'a conversation without messages lists an empty page');
-- a message created between pages comes after the old ones, once
CREATE TEMP TABLE msg_page AS
SELECT aido_message_list(pg_temp.uid('alice'), pg_temp.cid('ties'), '{"limit": 3}') AS page;
CALL pg_temp.run($$SELECT aido_message_create(pg_temp.uid('alice'), pg_temp.cid('ties'), '{"role": "user", "content": "m9"}')$$);
SELECT is(ARRAY(SELECT i->>'content' FROM msg_page, jsonb_array_elements(page->'items') i)
              || pg_temp.walk(format('SELECT aido_message_list(%L, %L, %%s)', pg_temp.uid('alice'), pg_temp.cid('ties')),
                              jsonb_build_object('limit', 3, 'cursor', (SELECT page->>'next_cursor' FROM msg_page)),
                              'content'),
          '{m1,m2,m3,m4,m5,m6,m7,m8,m9}',
          'a message created between pages appears once, at the end, and none is skipped');

-- Conversations: list, newest first ------------------------------------

INSERT INTO aido.conversations (id, user_id, title, created_at)
SELECT format('00000003-0000-4000-8000-00000000000%s', d)::uuid, pg_temp.uid('carol'), title, created::timestamptz
  FROM (VALUES (3, 'c3', '2020-01-01T00:00:01Z'), (1, 'c1', '2020-01-01T00:00:01Z'),
               (6, 'c6', '2020-01-01T00:00:02Z'), (2, 'c2', '2020-01-01T00:00:01Z'),
               (5, 'c5', '2020-01-01T00:00:02Z'), (4, 'c4', '2020-01-01T00:00:02Z'),
               (7, 'c7', '2020-01-01T00:00:03Z'))
       AS f(d, title, created);
SELECT is(pg_temp.walk(format('SELECT aido_conversation_list(%L, %%s)', pg_temp.uid('carol')),
                       jsonb_build_object('limit', l), 'title'),
          '{c7,c6,c5,c4,c3,c2,c1}',
          'walking conversations ' || l || ' at a time gives each once, newest first, ties in id order')
  FROM unnest(ARRAY[1, 2, 3, 7]) AS l;
SELECT is(pg_temp.walk(format('SELECT aido_conversation_list(%L, %%s)', pg_temp.uid('alice')), '{}', 'id'),
          ARRAY(SELECT id::text FROM aido.conversations WHERE user_id = pg_temp.uid('alice')
                 ORDER BY created_at DESC, id DESC),
          'a user''s conversations are listed newest first');
SELECT is(jsonb_array_length(aido_conversation_list(pg_temp.uid('carol'), '{"limit": 2}')->'items'), 2,
          'a page of conversations holds limit conversations (a JSON number is accepted)');
SELECT is(aido_conversation_list(pg_temp.uid('carol'), '{"limit": "7"}')->'next_cursor', 'null'::jsonb,
          'the last page of conversations has a null next_cursor, also when it is exactly full');
SELECT is(aido_conversation_list(pg_temp.uid('bob'))::text, '{"items": [], "next_cursor": null}',
          'a user without conversations lists an empty page');
SELECT is((SELECT count(*) FROM jsonb_array_elements(aido_conversation_list(pg_temp.uid('carol'), '{"limit": 100}')->'items') i
            WHERE (i->>'user_id')::uuid <> pg_temp.uid('carol')),
          0::bigint,
          'another user''s conversations never appear in a list');
-- a conversation created between pages is newer than the cursor: not seen
CREATE TEMP TABLE conv_page AS
SELECT aido_conversation_list(pg_temp.uid('carol'), '{"limit": 3}') AS page;
CALL pg_temp.run($$SELECT aido_conversation_create(pg_temp.uid('carol'), '{"title": "c8"}')$$);
SELECT is(ARRAY(SELECT i->>'title' FROM conv_page, jsonb_array_elements(page->'items') i)
              || pg_temp.walk(format('SELECT aido_conversation_list(%L, %%s)', pg_temp.uid('carol')),
                              jsonb_build_object('limit', 3, 'cursor', (SELECT page->>'next_cursor' FROM conv_page)),
                              'title'),
          '{c7,c6,c5,c4,c3,c2,c1}',
          'a conversation created between pages neither shifts nor repeats the ones listed after it');
SELECT is((aido_conversation_list(pg_temp.uid('carol'), '{"limit": 1}')->'items'->0->>'title'), 'c8',
          'the newest conversation comes first');

-- Invalid list parameters
CREATE TEMP TABLE bad_param (n serial, label text, call text, params jsonb, param text, rule text);
INSERT INTO bad_param (label, call, params, param, rule)
SELECT label, call, params, param, rule
  FROM (VALUES ('conversations', format('SELECT aido_conversation_list(%L, %%L)', pg_temp.uid('alice'))),
               ('messages', format('SELECT aido_message_list(%L, %L, %%L)', pg_temp.uid('alice'), pg_temp.cid('chat'))))
       AS l(what, call),
       LATERAL (VALUES
         ('limit=0', '{"limit": "0"}'::jsonb, 'limit', 'must be an integer from 1 to 100'),
         ('limit=101', '{"limit": "101"}', 'limit', 'must be an integer from 1 to 100'),
         ('limit=abc', '{"limit": "abc"}', 'limit', 'must be an integer from 1 to 100'),
         ('an empty limit', '{"limit": ""}', 'limit', 'must not be empty'),
         ('cursor=garbage', '{"cursor": "garbage"}', 'cursor',
          'is not a cursor this server issued for this sort; start again without it'),
         ('an empty cursor', '{"cursor": ""}', 'cursor', 'must not be empty'),
         ('a cursor of the task list',
          jsonb_build_object('cursor', aido_task_list(pg_temp.uid('alice'), '{"limit": 1}')->>'next_cursor'),
          'cursor', 'is not a cursor this server issued for this sort; start again without it'))
       AS c(label0, params, param, rule),
       LATERAL (SELECT 'a ' || (CASE what WHEN 'conversations' THEN 'conversation' ELSE 'message' END)
                       || ' list with ' || label0 AS label) AS x;
-- cursors of the one list used with the other
INSERT INTO bad_param (label, call, params, param, rule) VALUES
    ('a message list with a cursor of the conversation list',
     format('SELECT aido_message_list(%L, %L, %%L)', pg_temp.uid('alice'), pg_temp.cid('chat')),
     jsonb_build_object('cursor', aido_conversation_list(pg_temp.uid('carol'), '{"limit": 1}')->>'next_cursor'),
     'cursor', 'is not a cursor this server issued for this sort; start again without it'),
    ('a conversation list with a cursor of the message list',
     format('SELECT aido_conversation_list(%L, %%L)', pg_temp.uid('alice')),
     jsonb_build_object('cursor', aido_message_list(pg_temp.uid('alice'), pg_temp.cid('ties'), '{"limit": 1}')->>'next_cursor'),
     'cursor', 'is not a cursor this server issued for this sort; start again without it');
SELECT throws_ok(format(call, params), '22023', format('invalid query parameter "%s": %s', param, rule),
                 label || ' is refused (22023) naming "' || param || '"')
  FROM bad_param ORDER BY n;

-- Another user's conversation ------------------------------------------

CREATE TEMP TABLE chat_owned AS
SELECT pg_temp.conversation_row('chat') AS j,
       (SELECT count(*) FROM aido.messages WHERE conversation_id = pg_temp.cid('chat')) AS messages;
CREATE TEMP TABLE foreign_call (n serial, label text, sql text);
INSERT INTO foreign_call (label, sql) VALUES
    ('get', $$SELECT aido_conversation_get(pg_temp.uid('bob'), pg_temp.cid('chat'))$$),
    ('delete', $$SELECT aido_conversation_delete(pg_temp.uid('bob'), pg_temp.cid('chat'))$$),
    ('a new message', $$SELECT aido_message_create(pg_temp.uid('bob'), pg_temp.cid('chat'), '{"role": "user", "content": "hi"}')$$),
    ('a new invalid message', $$SELECT aido_message_create(pg_temp.uid('bob'), pg_temp.cid('chat'), '{"role": "admin"}')$$),
    ('the message list', $$SELECT aido_message_list(pg_temp.uid('bob'), pg_temp.cid('chat'))$$),
    ('get with his live session', $$SELECT aido_conversation_get(pg_temp.uid('bob'), pg_temp.cid('chat'), pg_temp.sid('bob'))$$),
    ('the message list with his live session', $$SELECT aido_message_list(pg_temp.uid('bob'), pg_temp.cid('chat'), '{}', pg_temp.sid('bob'))$$);
SELECT throws_ok(sql, 'P0002', 'conversation not found',
                 'another user''s conversation is not found for ' || label || ' (P0002)')
  FROM foreign_call ORDER BY n;
SELECT is(pg_temp.conversation_row('chat'), (SELECT j FROM chat_owned),
          'another user''s conversation is unchanged after every attempt on it');
SELECT is((SELECT count(*) FROM aido.messages WHERE conversation_id = pg_temp.cid('chat')),
          (SELECT messages FROM chat_owned),
          'no message was added to another user''s conversation');

-- Sessions -------------------------------------------------------------

WITH s AS (
    INSERT INTO aido.sessions (user_id, expires_at, revoked_at)
    VALUES (pg_temp.uid('alice'), now() - interval '1 minute', NULL),
           (pg_temp.uid('alice'), clock_timestamp() + interval '1 day', clock_timestamp())
    RETURNING id, revoked_at)
INSERT INTO actor
SELECT CASE WHEN revoked_at IS NULL THEN 'alice expired' ELSE 'alice revoked' END,
       10 + row_number() OVER (),
       jsonb_build_object('user', jsonb_build_object('id', pg_temp.uid('alice')), 'session_id', id)
  FROM s;

CREATE TEMP TABLE api_call (n serial, label text, sql text);
INSERT INTO api_call (label, sql) VALUES
    ('creating a conversation', $$SELECT aido_conversation_create(pg_temp.uid('alice'), '{}', %s)$$),
    ('getting a conversation', $$SELECT aido_conversation_get(pg_temp.uid('alice'), pg_temp.cid('chat'), %s)$$),
    ('listing conversations', $$SELECT aido_conversation_list(pg_temp.uid('alice'), '{}', %s)$$),
    ('creating a message', $$SELECT aido_message_create(pg_temp.uid('alice'), pg_temp.cid('chat'), '{"role": "user", "content": "hi"}', %s)$$),
    ('listing messages', $$SELECT aido_message_list(pg_temp.uid('alice'), pg_temp.cid('chat'), '{}', %s)$$),
    ('deleting a conversation', $$SELECT aido_conversation_delete(pg_temp.uid('alice'), pg_temp.cid('chat'), %s)$$);
CREATE TEMP TABLE dead_session (n serial, label text, sid text);
INSERT INTO dead_session (label, sid) VALUES
    ('an expired session', $$pg_temp.sid('alice expired')$$),
    ('a revoked session', $$pg_temp.sid('alice revoked')$$),
    ('another user''s session', $$pg_temp.sid('bob')$$);
SELECT throws_ok(format(c.sql, d.sid), '28000', 'session is not valid',
                 c.label || ' with ' || d.label || ' is refused as unauthorized (28000)')
  FROM api_call c CROSS JOIN dead_session d ORDER BY c.n, d.n;
SELECT lives_ok(format(sql, $$pg_temp.sid('alice')$$), label || ' with a live session of the user works')
  FROM api_call ORDER BY n;

-- Delete ---------------------------------------------------------------

CALL pg_temp.keep('doomed', aido_conversation_create(pg_temp.uid('alice'), '{"title": "Doomed"}'));
CALL pg_temp.run($$
    SELECT aido_message_create(pg_temp.uid('alice'), pg_temp.cid('doomed'),
                               jsonb_build_object('role', 'user', 'content', 'message ' || i))
      FROM generate_series(1, 3) AS i
$$);
SELECT is((SELECT count(*) FROM aido.messages WHERE conversation_id = pg_temp.cid('doomed')), 3::bigint,
          'a conversation to delete has three messages');
SELECT lives_ok($$SELECT aido_conversation_delete(pg_temp.uid('alice'), pg_temp.cid('doomed'))$$,
                'a user can delete their conversation');
SELECT is((SELECT count(*) FROM aido.messages WHERE conversation_id = pg_temp.cid('doomed')), 0::bigint,
          'deleting a conversation deletes its messages');
SELECT throws_ok($$SELECT aido_conversation_get(pg_temp.uid('alice'), pg_temp.cid('doomed'))$$,
                 'P0002', 'conversation not found', 'a deleted conversation is not found (P0002)');
SELECT throws_ok($$SELECT aido_message_list(pg_temp.uid('alice'), pg_temp.cid('doomed'))$$,
                 'P0002', 'conversation not found', 'the messages of a deleted conversation are not found (P0002)');
SELECT throws_ok($$SELECT aido_conversation_delete(pg_temp.uid('alice'), pg_temp.cid('doomed'))$$,
                 'P0002', 'conversation not found',
                 'deleting a conversation twice is not found the second time (P0002)');
SELECT ok(NOT EXISTS (SELECT 1 FROM jsonb_array_elements(aido_conversation_list(pg_temp.uid('alice'), '{"limit": 100}')->'items') i
                       WHERE (i->>'id')::uuid = pg_temp.cid('doomed')),
          'a deleted conversation is no longer listed');

SELECT * FROM finish();
ROLLBACK;
