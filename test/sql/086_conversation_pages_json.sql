-- aido_message_list_json and aido_conversation_list_json: a conversation's
-- messages and a user's conversations as json text (what the gateway
-- relays), page by page the rows as they are stored, in their order, for a
-- native and an external user.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT aido_bootstrap();

SELECT plan(14);

SET LOCAL aido.password_memory_kib = 1024;
SET LOCAL aido.password_iterations = 1;
SET LOCAL TimeZone = 'America/St_Johns';
SET LOCAL DateStyle = 'Postgres, MDY';

-- A native user with a session and an external one, a conversation each
-- with 120 messages (quotes, backslashes, non-ASCII text, content that
-- spells the user's own "user_id":"..." key; ties on created_at), and an
-- empty conversation.
CREATE TEMP TABLE who AS
SELECT (s -> 'user' ->> 'id')::uuid AS native, (s ->> 'session_id')::uuid AS session,
	   aido_external_user('ext-chatter-0123456789abcdefghij', 'chat@example.com') AS ext
FROM aido_signup('{"email": "chatter@example.com", "password": "password123"}') AS s;
CREATE TEMP TABLE chat AS
SELECT u, (aido_conversation_create(u, '{"title": "chat"}') ->> 'id')::uuid AS c
FROM who, unnest(ARRAY[native, ext]) AS u;
INSERT INTO aido.messages (conversation_id, user_id, role, content, created_at)
SELECT c, u, CASE WHEN i % 2 = 0 THEN 'user' ELSE 'assistant' END,
	   CASE i % 4 WHEN 0 THEN format('"user_id":"%s"', u) WHEN 1 THEN 'a "quote" and a \ backslash'
				  WHEN 2 THEN 'Ünïcødé ✓ ' || repeat('words ', i) ELSE 'message ' || i END,
	   '2025-06-01T00:00:00Z'::timestamptz + (i / 4) * interval '1 second'
FROM chat, generate_series(1, 120) AS i;

-- Every page, following next_cursor: all items as jsonb, and the pages.
CREATE FUNCTION pg_temp.walk(u uuid, c uuid, s uuid, params jsonb, OUT items jsonb, OUT pages integer)
LANGUAGE plpgsql AS $$
DECLARE
	page json;
	cursor text;
BEGIN
	items := '[]';
	pages := 0;
	LOOP
		page := aido_message_list_json(u, c, params || jsonb_strip_nulls(jsonb_build_object('cursor', cursor)), s);
		items := items || (page -> 'items')::jsonb;
		pages := pages + 1;
		cursor := page ->> 'next_cursor';
		EXIT WHEN cursor IS NULL OR pages > 100;
	END LOOP;
END
$$;

-- The messages as stored, oldest first, user_id as the user knows it.
CREATE FUNCTION pg_temp.expected(u uuid, shown text) RETURNS jsonb
LANGUAGE sql SET TimeZone = 'UTC' AS $$
	SELECT jsonb_agg(to_jsonb(m) || jsonb_build_object('user_id', shown) ORDER BY m.created_at, m.id)
	FROM aido.messages m WHERE m.user_id = u
$$;

SELECT is((SELECT w.items FROM who, chat, pg_temp.walk(chat.u, chat.c, who.session, '{}') AS w
		   WHERE chat.u = who.native),
		  (SELECT pg_temp.expected(native, native::text) FROM who),
		  'every page, walked with the cursors, is the messages as stored, oldest first');
SELECT is((SELECT w.pages FROM who, chat, pg_temp.walk(chat.u, chat.c, who.session, '{}') AS w
		   WHERE chat.u = who.native), 3, 'in 3 pages of 50');
SELECT is((SELECT w.items FROM who, chat, pg_temp.walk(chat.u, chat.c, who.session, '{"limit": 7}') AS w
		   WHERE chat.u = who.native),
		  (SELECT pg_temp.expected(native, native::text) FROM who),
		  'the same in pages of 7');
SELECT is((SELECT w.items FROM who, chat, pg_temp.walk(chat.u, chat.c, NULL, '{"limit": 100}') AS w
		   WHERE chat.u = who.ext),
		  (SELECT pg_temp.expected(ext, 'ext-chatter-0123456789abcdefghij') FROM who),
		  'an external user''s: the same, user_id being the external id');
SELECT is((SELECT count(*) FROM who, chat, pg_temp.walk(chat.u, chat.c, NULL, '{}') AS w,
				  jsonb_array_elements(w.items) AS i
		   WHERE chat.u = who.ext AND i ->> 'content' = format('"user_id":"%s"', who.ext)), 30::bigint,
		  'content that spells "user_id":"<their id>" is left as it is');

SELECT is(pg_get_function_result('aido_message_list_json(uuid, uuid, jsonb, uuid)'::regprocedure), 'json',
		  'the page is json, relayed as it was written');
SELECT is((SELECT array_agg(k) FROM chat, json_object_keys(aido_message_list_json(u, c) -> 'items' -> 0) AS k
		   WHERE chat.u = (SELECT native FROM who)),
		  (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
		   WHERE attrelid = 'aido.messages'::regclass AND attnum > 0 AND NOT attisdropped),
		  'a message''s keys come in the order of the table''s columns');
SELECT is(aido_message_list_json(native, (aido_conversation_create(native, '{}') ->> 'id')::uuid)::text,
		  '{"items" : [], "next_cursor" : null}', 'an empty conversation is an empty page without a cursor')
FROM who;
SELECT is(aido_message_list_json(u, c, '{"limit": 3}')::jsonb, aido_message_list(u, c, '{"limit": 3}'),
		  'aido_message_list answers the same page as jsonb')
FROM chat, who WHERE chat.u = who.native;
SELECT throws_ok(format('SELECT aido_message_list_json(%L, %L)', ext, (SELECT c FROM chat WHERE u = native)),
				 'P0002', NULL, 'another user''s conversation is not found')
FROM who;
SELECT throws_ok(format('SELECT aido_message_list_json(%L, %L, %L)', native, gen_random_uuid(), '{"limit": 0}'),
				 '22023', NULL, 'a bad limit is 22023 before the conversation is looked for')
FROM who;

-- Conversations: 69 more each (70 with "chat"), titles with quotes and a
-- backslash, some created in the same instant.
INSERT INTO aido.conversations (user_id, title, created_at)
SELECT u, format('talk "%s" \ %s', i, CASE WHEN i % 3 = 0 THEN 'Ünïcødé' ELSE 'plain' END),
	   '2025-07-01T00:00:00Z'::timestamptz + (i / 3) * interval '1 second'
FROM chat, generate_series(1, 69) AS i;
CREATE FUNCTION pg_temp.walk_conversations(u uuid, s uuid, params jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	page json;
	cursor text;
	items jsonb := '[]';
BEGIN
	LOOP
		page := aido_conversation_list_json(u, params || jsonb_strip_nulls(jsonb_build_object('cursor', cursor)), s);
		items := items || (page -> 'items')::jsonb;
		cursor := page ->> 'next_cursor';
		EXIT WHEN cursor IS NULL;
	END LOOP;
	RETURN items;
END
$$;
CREATE FUNCTION pg_temp.expected_conversations(u uuid, shown text) RETURNS jsonb
LANGUAGE sql SET TimeZone = 'UTC' AS $$
	SELECT jsonb_agg(to_jsonb(c) || jsonb_build_object('user_id', shown) ORDER BY c.created_at DESC, c.id DESC)
	FROM aido.conversations c WHERE c.user_id = u
$$;
SELECT is(pg_temp.walk_conversations(native, session, '{}'), pg_temp.expected_conversations(native, native::text),
		  'every page of conversations, walked with the cursors, is the rows as stored, newest first')
FROM who;
SELECT is(pg_temp.walk_conversations(ext, NULL, '{"limit": 9}'),
		  pg_temp.expected_conversations(ext, 'ext-chatter-0123456789abcdefghij'),
		  'an external user''s, in pages of 9: the same, user_id being the external id')
FROM who;
SELECT is(aido_conversation_list_json(native, '{"limit": 4}', session)::jsonb,
		  aido_conversation_list(native, '{"limit": 4}', session),
		  'aido_conversation_list answers the same page as jsonb')
FROM who;

SELECT * FROM finish();
ROLLBACK;
