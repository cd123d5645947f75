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
	shown text;
	b jsonb := coalesce($2, '{}');
	t record;
BEGIN
	shown := _aido_check_session($1, $3);
	IF jsonb_typeof(b) <> 'object' THEN
		PERFORM _aido_raise_invalid('conversation is invalid', _aido_not_object_error('conversation'));
	END IF;
	IF jsonb_typeof(b -> 'title') = 'string' THEN
		b := jsonb_set(b, '{title}', to_jsonb(_aido_trim(b ->> 'title')));
	END IF;
	PERFORM _aido_raise_invalid('conversation is invalid',
		_aido_text_field_errors(b, 'title', false, 0, 200)
		|| _aido_unknown_field_errors(b, ARRAY['title']));
	INSERT INTO aido.conversations AS x (user_id, title)
	VALUES ($1, nullif(_aido_trim(b ->> 'title'), ''))
	RETURNING x.* INTO t;
	RETURN _aido_as_user(to_jsonb(t), shown);
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
	shown text;
	j jsonb;
BEGIN
	shown := _aido_check_session($1, $3);
	SELECT to_jsonb(x) INTO j FROM aido.conversations x WHERE x.id = $2 AND x.user_id = $1;
	IF j IS NULL THEN
		PERFORM _aido_not_found('conversation');
	END IF;
	RETURN _aido_as_user(j, shown);
END
$$;

CREATE OR REPLACE FUNCTION aido_conversation_delete(user_id uuid, conversation_id uuid,
													session_id uuid DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
	shown text;
BEGIN
	shown := _aido_check_session($1, $3);
	DELETE FROM aido.conversations x WHERE x.id = $2 AND x.user_id = $1;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('conversation');
	END IF;
END
$$;

/* Newest first. */
CREATE OR REPLACE FUNCTION aido_conversation_list(user_id uuid, params jsonb DEFAULT '{}',
												  session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
	shown text;
	p jsonb := coalesce($2, '{}');
	v_limit integer;
	c_created timestamptz;
	c_id uuid;
	items jsonb;
	n integer;
	last_c timestamptz;
	last_i uuid;
BEGIN
	shown := _aido_check_session($1, $3);
	v_limit := _aido_param_limit(p, 50);
	IF _aido_param(p, 'cursor') IS NOT NULL THEN
		SELECT d.created_at, d.id INTO c_created, c_id
		FROM _aido_cursor_decode(_aido_param(p, 'cursor'), 'conversations') AS d;
	END IF;
	SELECT coalesce(jsonb_agg(_aido_as_user(to_jsonb(x), shown) ORDER BY x.created_at DESC, x.id DESC), '[]'), count(*)
	INTO items, n
	FROM (SELECT * FROM aido.conversations y
		  WHERE y.user_id = $1
			AND (c_id IS NULL OR (y.created_at, y.id) < (c_created, c_id))
		  ORDER BY y.created_at DESC, y.id DESC
		  LIMIT v_limit + 1) x;
	IF n > v_limit THEN
		/* drop the extra row: it only told us there is a next page */
		items := items - v_limit;
		SELECT (e ->> 'created_at')::timestamptz, (e ->> 'id')::uuid INTO last_c, last_i
		FROM (SELECT items -> (v_limit - 1) AS e) s;
		RETURN jsonb_build_object('items', items, 'next_cursor',
			_aido_cursor_encode('conversations', NULL, last_c, last_i));
	END IF;
	RETURN jsonb_build_object('items', items, 'next_cursor', NULL);
END
$$;

CREATE OR REPLACE FUNCTION _aido_message_errors(m jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	errors jsonb;
BEGIN
	IF m IS NULL OR jsonb_typeof(m) <> 'object' THEN
		RETURN _aido_not_object_error('message');
	END IF;
	errors := _aido_text_field_errors(m, 'role', true, 1, 20)
		|| _aido_text_field_errors(m, 'content', true, 1, 32000)
		|| _aido_unknown_field_errors(m, ARRAY['role', 'content']);
	IF NOT errors @> '[{"field": "role"}]'
		AND m ->> 'role' NOT IN ('user', 'assistant', 'system', 'tool') THEN
		errors := _aido_error('role', 'invalid_choice',
							  'role must be one of user, assistant, system, tool') || errors;
	END IF;
	RETURN errors;
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
	shown text;
	t record;
BEGIN
	shown := _aido_check_session($1, $4);
	/* the conversation must be the user's; locking it orders its messages */
	PERFORM 1 FROM aido.conversations x WHERE x.id = $2 AND x.user_id = $1 FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('conversation');
	END IF;
	PERFORM _aido_raise_invalid('message is invalid', _aido_message_errors($3));
	INSERT INTO aido.messages AS x (conversation_id, user_id, role, content)
	VALUES ($2, $1, $3 ->> 'role', $3 ->> 'content')
	RETURNING x.* INTO t;
	/* the conversation was last updated when its newest message came */
	UPDATE aido.conversations x SET updated_at = t.created_at WHERE x.id = $2 AND x.user_id = $1;
	RETURN _aido_as_user(to_jsonb(t), shown);
END
$$;

/* Oldest first, as a chat is read. */
CREATE OR REPLACE FUNCTION aido_message_list(user_id uuid, conversation_id uuid,
											 params jsonb DEFAULT '{}', session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
	shown text;
	p jsonb := coalesce($3, '{}');
	v_limit integer;
	c_created timestamptz;
	c_id uuid;
	items jsonb;
	n integer;
	last_c timestamptz;
	last_i uuid;
BEGIN
	shown := _aido_check_session($1, $4);
	v_limit := _aido_param_limit(p, 50);
	IF _aido_param(p, 'cursor') IS NOT NULL THEN
		SELECT d.created_at, d.id INTO c_created, c_id
		FROM _aido_cursor_decode(_aido_param(p, 'cursor'), 'messages') AS d;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM aido.conversations x WHERE x.id = $2 AND x.user_id = $1) THEN
		PERFORM _aido_not_found('conversation');
	END IF;
	SELECT coalesce(jsonb_agg(_aido_as_user(to_jsonb(x), shown) ORDER BY x.created_at, x.id), '[]'), count(*)
	INTO items, n
	FROM (SELECT * FROM aido.messages y
		  WHERE y.conversation_id = $2 AND y.user_id = $1
			AND (c_id IS NULL OR (y.created_at, y.id) > (c_created, c_id))
		  ORDER BY y.created_at, y.id
		  LIMIT v_limit + 1) x;
	IF n > v_limit THEN
		items := items - v_limit;
		SELECT (e ->> 'created_at')::timestamptz, (e ->> 'id')::uuid INTO last_c, last_i
		FROM (SELECT items -> (v_limit - 1) AS e) s;
		RETURN jsonb_build_object('items', items, 'next_cursor',
			_aido_cursor_encode('messages', NULL, last_c, last_i));
	END IF;
	RETURN jsonb_build_object('items', items, 'next_cursor', NULL);
END
$$;

