/*
 * Conversations and their messages: an assistant's history, per user.
 */
CREATE OR REPLACE FUNCTION aido_conversation_create(user_id uuid, conversation jsonb DEFAULT '{}',
													session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_shown text;
	v_body jsonb := coalesce(conversation, '{}');
	v_conversation record;
BEGIN
	v_shown := _aido_check_session(aido_conversation_create.user_id, aido_conversation_create.session_id);
	IF jsonb_typeof(v_body) <> 'object' THEN
		PERFORM _aido_raise_invalid('conversation is invalid', _aido_not_object_error('conversation'));
	END IF;
	IF jsonb_typeof(v_body -> 'title') = 'string' THEN
		v_body := jsonb_set(v_body, '{title}', to_jsonb(_aido_trim(v_body ->> 'title')));
	END IF;
	PERFORM _aido_raise_invalid('conversation is invalid',
		_aido_text_field_errors(v_body, 'title', false, 0, 200)
		|| _aido_unknown_field_errors(v_body, ARRAY['title']));
	INSERT INTO aido.conversations AS x (user_id, title)
	VALUES (aido_conversation_create.user_id, nullif(_aido_trim(v_body ->> 'title'), ''))
	RETURNING x.* INTO v_conversation;
	RETURN _aido_as_user(to_jsonb(v_conversation), v_shown);
END
$$;

CREATE OR REPLACE FUNCTION aido_conversation_get(user_id uuid, conversation_id uuid,
												 session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_shown text;
	v_conversation jsonb;
BEGIN
	v_shown := _aido_check_session(aido_conversation_get.user_id, aido_conversation_get.session_id);
	SELECT to_jsonb(x) INTO v_conversation
	FROM aido.conversations x
	WHERE x.id = aido_conversation_get.conversation_id AND x.user_id = aido_conversation_get.user_id;
	IF v_conversation IS NULL THEN
		PERFORM _aido_not_found('conversation');
	END IF;
	RETURN _aido_as_user(v_conversation, v_shown);
END
$$;

CREATE OR REPLACE FUNCTION aido_conversation_delete(user_id uuid, conversation_id uuid,
													session_id uuid DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
BEGIN
	PERFORM _aido_check_session(aido_conversation_delete.user_id, aido_conversation_delete.session_id);
	DELETE FROM aido.conversations x
	WHERE x.id = aido_conversation_delete.conversation_id AND x.user_id = aido_conversation_delete.user_id;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('conversation');
	END IF;
END
$$;

/*
 * A user's conversations, newest first: a page as json text, built in one
 * json_agg of the rows as stored and returned as it is (the gateway relays
 * it).  The first page and a page after a cursor are two static statements,
 * their plans kept for the session.
 */
CREATE OR REPLACE FUNCTION aido_conversation_list_json(user_id uuid, params jsonb DEFAULT '{}',
													   session_id uuid DEFAULT NULL)
RETURNS json
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_user CONSTANT uuid := aido_conversation_list_json.user_id;
	v_shown text;
	v_params jsonb := coalesce(aido_conversation_list_json.params, '{}');
	v_limit integer;
	v_after record;
	v_items json;
	v_more boolean;
	v_last_created_at timestamptz;
	v_last_id uuid;
BEGIN
	v_shown := _aido_check_session(v_user, aido_conversation_list_json.session_id);
	v_limit := _aido_param_limit(v_params, 50);
	SELECT * INTO v_after FROM _aido_cursor_decode(_aido_param(v_params, 'cursor'), 'conversations');
	IF v_after.id IS NULL THEN
		SELECT _aido_json_agg(p.c ORDER BY p.n) FILTER (WHERE p.n <= v_limit), count(*) > v_limit,
			   max(p.created) FILTER (WHERE p.n = v_limit), max(p.i::text) FILTER (WHERE p.n = v_limit)::uuid
		INTO v_items, v_more, v_last_created_at, v_last_id
		FROM (SELECT y AS c, y.created_at AS created, y.id AS i, row_number() OVER w AS n
			  FROM aido.conversations y WHERE y.user_id = v_user
			  WINDOW w AS (ORDER BY y.created_at DESC, y.id DESC)
			  ORDER BY y.created_at DESC, y.id DESC LIMIT v_limit + 1) p;
	ELSE
		SELECT _aido_json_agg(p.c ORDER BY p.n) FILTER (WHERE p.n <= v_limit), count(*) > v_limit,
			   max(p.created) FILTER (WHERE p.n = v_limit), max(p.i::text) FILTER (WHERE p.n = v_limit)::uuid
		INTO v_items, v_more, v_last_created_at, v_last_id
		FROM (SELECT y AS c, y.created_at AS created, y.id AS i, row_number() OVER w AS n
			  FROM aido.conversations y
			  WHERE y.user_id = v_user AND (y.created_at, y.id) < (v_after.created_at, v_after.id)
			  WINDOW w AS (ORDER BY y.created_at DESC, y.id DESC)
			  ORDER BY y.created_at DESC, y.id DESC LIMIT v_limit + 1) p;
	END IF;
	/* an external user's id, swapped in the text (see aido_task_list_json) */
	IF v_shown <> v_user::text THEN
		v_items := replace(v_items::text, '"user_id":"' || v_user || '"', '"user_id":' || to_json(v_shown))::json;
	END IF;
	RETURN _aido_page_json(v_items, v_more, 'conversations', NULL, v_last_created_at, v_last_id);
END
$$;

/* The same page as jsonb, for SQL (aido_conversation_list_json's, parsed). */
CREATE OR REPLACE FUNCTION aido_conversation_list(user_id uuid, params jsonb DEFAULT '{}',
												  session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
	SELECT aido_conversation_list_json(aido_conversation_list.user_id, aido_conversation_list.params,
									   aido_conversation_list.session_id)::jsonb
$$;

CREATE OR REPLACE FUNCTION _aido_message_errors(message jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	v_errors jsonb;
BEGIN
	IF message IS NULL OR jsonb_typeof(message) <> 'object' THEN
		RETURN _aido_not_object_error('message');
	END IF;
	v_errors := _aido_text_field_errors(message, 'role', true, 1, 20)
		|| _aido_text_field_errors(message, 'content', true, 1, 32000)
		|| _aido_unknown_field_errors(message, ARRAY['role', 'content']);
	IF NOT v_errors @> '[{"field": "role"}]'
		AND message ->> 'role' NOT IN ('user', 'assistant', 'system', 'tool') THEN
		v_errors := _aido_error('role', 'invalid_choice',
								'role must be one of user, assistant, system, tool') || v_errors;
	END IF;
	RETURN v_errors;
END
$$;

CREATE OR REPLACE FUNCTION aido_message_create(user_id uuid, conversation_id uuid, message jsonb,
											   session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_shown text;
	v_message record;
BEGIN
	v_shown := _aido_check_session(aido_message_create.user_id, aido_message_create.session_id);
	/* the conversation must be the user's; locking it orders its messages */
	PERFORM 1 FROM aido.conversations x
	WHERE x.id = aido_message_create.conversation_id AND x.user_id = aido_message_create.user_id
	FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('conversation');
	END IF;
	PERFORM _aido_raise_invalid('message is invalid', _aido_message_errors(message));
	INSERT INTO aido.messages AS x (conversation_id, user_id, role, content)
	VALUES (aido_message_create.conversation_id, aido_message_create.user_id,
			message ->> 'role', message ->> 'content')
	RETURNING x.* INTO v_message;
	/* the conversation was last updated when its newest message came */
	UPDATE aido.conversations x SET updated_at = v_message.created_at
	WHERE x.id = aido_message_create.conversation_id AND x.user_id = aido_message_create.user_id;
	RETURN _aido_as_user(to_jsonb(v_message), v_shown);
END
$$;

/*
 * A conversation's messages, oldest first, as a chat is read: a page as json
 * text, built in one json_agg of the rows as stored and returned as it is
 * (the gateway relays it; a chat's history is read on every turn, and its
 * pages are the largest aido answers).  The first page and a page after a
 * cursor are two static statements, their plans kept for the session.
 */
CREATE OR REPLACE FUNCTION aido_message_list_json(user_id uuid, conversation_id uuid,
												  params jsonb DEFAULT '{}', session_id uuid DEFAULT NULL)
RETURNS json
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_user CONSTANT uuid := aido_message_list_json.user_id;
	v_conversation CONSTANT uuid := aido_message_list_json.conversation_id;
	v_shown text;
	v_params jsonb := coalesce(aido_message_list_json.params, '{}');
	v_limit integer;
	v_after record;
	v_items json;
	v_more boolean;
	v_last_created_at timestamptz;
	v_last_id uuid;
BEGIN
	v_shown := _aido_check_session(v_user, aido_message_list_json.session_id);
	v_limit := _aido_param_limit(v_params, 50);
	SELECT * INTO v_after FROM _aido_cursor_decode(_aido_param(v_params, 'cursor'), 'messages');
	IF NOT EXISTS (SELECT 1 FROM aido.conversations x WHERE x.id = v_conversation AND x.user_id = v_user) THEN
		PERFORM _aido_not_found('conversation');
	END IF;
	IF v_after.id IS NULL THEN
		SELECT _aido_json_agg(p.m ORDER BY p.n) FILTER (WHERE p.n <= v_limit), count(*) > v_limit,
			   max(p.c) FILTER (WHERE p.n = v_limit), max(p.i::text) FILTER (WHERE p.n = v_limit)::uuid
		INTO v_items, v_more, v_last_created_at, v_last_id
		FROM (SELECT y AS m, y.created_at AS c, y.id AS i, row_number() OVER w AS n
			  FROM aido.messages y WHERE y.conversation_id = v_conversation AND y.user_id = v_user
			  WINDOW w AS (ORDER BY y.created_at, y.id) ORDER BY y.created_at, y.id LIMIT v_limit + 1) p;
	ELSE
		SELECT _aido_json_agg(p.m ORDER BY p.n) FILTER (WHERE p.n <= v_limit), count(*) > v_limit,
			   max(p.c) FILTER (WHERE p.n = v_limit), max(p.i::text) FILTER (WHERE p.n = v_limit)::uuid
		INTO v_items, v_more, v_last_created_at, v_last_id
		FROM (SELECT y AS m, y.created_at AS c, y.id AS i, row_number() OVER w AS n
			  FROM aido.messages y WHERE y.conversation_id = v_conversation AND y.user_id = v_user
				AND (y.created_at, y.id) > (v_after.created_at, v_after.id)
			  WINDOW w AS (ORDER BY y.created_at, y.id) ORDER BY y.created_at, y.id LIMIT v_limit + 1) p;
	END IF;
	/* an external user's id, swapped in the text (see aido_task_list_json) */
	IF v_shown <> v_user::text THEN
		v_items := replace(v_items::text, '"user_id":"' || v_user || '"', '"user_id":' || to_json(v_shown))::json;
	END IF;
	RETURN _aido_page_json(v_items, v_more, 'messages', NULL, v_last_created_at, v_last_id);
END
$$;

/* The same page as jsonb, for SQL (aido_message_list_json's, parsed). */
CREATE OR REPLACE FUNCTION aido_message_list(user_id uuid, conversation_id uuid,
											 params jsonb DEFAULT '{}', session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
	SELECT aido_message_list_json(aido_message_list.user_id, aido_message_list.conversation_id,
								  aido_message_list.params, aido_message_list.session_id)::jsonb
$$;
