/*
 * Internal helpers of the API functions.  They are not SECURITY DEFINER:
 * they run inside the API functions, whose search_path is pinned.
 */

/* 22023 naming a query parameter: the gateway answers 400. */
CREATE OR REPLACE FUNCTION _aido_bad_param(param text, rule text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
	RAISE EXCEPTION USING
		ERRCODE = 'invalid_parameter_value',
		MESSAGE = format('invalid query parameter "%s": %s', param, rule),
		HINT = 'correct or remove the parameter';
END
$$;

/* A query parameter as text; NULL when absent; 22023 when empty or odd. */
CREATE OR REPLACE FUNCTION _aido_param(params jsonb, param text)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
	v_value jsonb := params -> param;
BEGIN
	IF v_value IS NULL THEN
		RETURN NULL;
	ELSIF jsonb_typeof(v_value) = 'number' THEN
		RETURN v_value #>> '{}';
	ELSIF jsonb_typeof(v_value) <> 'string' THEN
		PERFORM _aido_bad_param(param, 'must be a single value');
	ELSIF v_value #>> '{}' = '' THEN
		PERFORM _aido_bad_param(param, 'must not be empty');
	END IF;
	RETURN v_value #>> '{}';
END
$$;

CREATE OR REPLACE FUNCTION _aido_param_limit(params jsonb, default_limit integer)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
	v_value text := _aido_param(params, 'limit');
BEGIN
	IF v_value IS NULL THEN
		RETURN default_limit;
	ELSIF v_value !~ '^[0-9]{1,4}$' OR v_value::integer NOT BETWEEN 1 AND 100 THEN
		PERFORM _aido_bad_param('limit', 'must be an integer from 1 to 100');
	END IF;
	RETURN v_value::integer;
END
$$;

/* An RFC 3339 date-time with an offset, as the task validator wants it. */
CREATE OR REPLACE FUNCTION _aido_param_time(params jsonb, param text)
RETURNS timestamptz
LANGUAGE plpgsql
AS $$
DECLARE
	v_value text := _aido_param(params, param);
BEGIN
	IF v_value IS NULL THEN
		RETURN NULL;
	END IF;
	IF aido_validate_task(jsonb_build_object('due_date', v_value), true) <> '[]'::jsonb THEN
		PERFORM _aido_bad_param(param,
			'must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T09:00:00Z');
	END IF;
	RETURN v_value::timestamptz;
END
$$;

/*
 * HMAC-SHA256 (RFC 2104) over core PostgreSQL's sha256: no pgcrypto.  key
 * is at most SHA-256's block of 64 bytes (longer keys are hashed first by
 * the RFC; aido's is 64).  The pads are the key, zero-filled to the block,
 * XORed with 0x5c and 0x36 as one 512-bit string each; bit_send's bytes
 * after its 4-byte length are the string's.  One expression, so that the
 * caller's plan inlines it: every page with a next cursor signs one, and
 * the earlier form (a 64-row series aggregated byte by byte, planned on
 * every call) cost a quarter of a millisecond, as much as the page's rows.
 */
CREATE OR REPLACE FUNCTION _aido_hmac(message bytea, key bytea)
RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT sha256(substr(bit_send(('x' || rpad(encode(key, 'hex'), 128, '0'))::bit(512)
								  # ('x' || repeat('5c', 64))::bit(512)), 5)
				  || sha256(substr(bit_send(('x' || rpad(encode(key, 'hex'), 128, '0'))::bit(512)
											# ('x' || repeat('36', 64))::bit(512)), 5)
							|| message))
$$;

/* The cursors' tag: 16 bytes of the HMAC of the payload under aido's key. */
CREATE OR REPLACE FUNCTION _aido_cursor_tag(payload text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	v_key bytea;
BEGIN
	SELECT s.value INTO v_key FROM aido.secrets s WHERE s.name = 'cursor_hmac';
	IF v_key IS NULL THEN
		RAISE EXCEPTION USING
			ERRCODE = 'object_not_in_prerequisite_state',
			MESSAGE = 'aido has no cursor key',
			HINT = 'run SELECT aido_bootstrap()';
	END IF;
	RETURN rtrim(translate(encode(substr(_aido_hmac(convert_to(payload, 'UTF8'), v_key), 1, 16), 'base64'),
						   '+/', '-_'), '=');
END
$$;

/*
 * A cursor is base64url of a JSON array [sort, key, created_at, id] naming
 * the last item of a page, a dot and its tag (_aido_cursor_tag): the
 * server's alone, since only the owner can read the key, and valid as long
 * as the database keeps it (across gateways and their restarts).  Anything
 * else is 22023 on "cursor"; no cursor (NULL) decodes to NULLs: the first
 * page.
 */
CREATE OR REPLACE FUNCTION _aido_cursor_encode(sort text, sort_key text, created_at timestamptz, id uuid)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	v_payload text := _aido_b64url_encode(jsonb_build_array(sort, sort_key, created_at::text, id)::text);
BEGIN
	RETURN v_payload || '.' || _aido_cursor_tag(v_payload);
END
$$;

CREATE OR REPLACE FUNCTION _aido_cursor_decode(cursor text, sort text,
											   OUT sort_key text, OUT created_at timestamptz, OUT id uuid)
LANGUAGE plpgsql
AS $$
DECLARE
	v_payload text := split_part(cursor, '.', 1);
	v_cursor jsonb;
BEGIN
	IF cursor IS NULL THEN
		RETURN;
	END IF;
	/* the tags compared as hashes, so that the time taken tells nothing */
	IF cursor !~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$'
		OR sha256(convert_to(split_part(cursor, '.', 2), 'UTF8'))
		   <> sha256(convert_to(_aido_cursor_tag(v_payload), 'UTF8')) THEN
		PERFORM _aido_bad_param('cursor',
			'is not a cursor this server issued for this sort; start again without it');
	END IF;
	BEGIN
		v_cursor := _aido_b64url_decode(v_payload)::jsonb;
		IF jsonb_typeof(v_cursor) <> 'array' OR jsonb_array_length(v_cursor) <> 4
			OR v_cursor ->> 0 IS DISTINCT FROM sort THEN
			RAISE EXCEPTION 'foreign cursor';
		END IF;
		sort_key := v_cursor ->> 1;
		created_at := (v_cursor ->> 2)::timestamptz;
		id := (v_cursor ->> 3)::uuid;
		IF created_at IS NULL OR id IS NULL THEN
			RAISE EXCEPTION 'incomplete cursor';
		END IF;
		/* the key must be of the sort's type */
		CASE sort
			WHEN 'due_date', '-due_date' THEN PERFORM sort_key::timestamptz;
			WHEN 'priority', '-priority' THEN PERFORM sort_key::integer;
			ELSE NULL;
		END CASE;
	EXCEPTION WHEN OTHERS THEN
		PERFORM _aido_bad_param('cursor',
			'is not a cursor this server issued for this sort; start again without it');
	END;
END
$$;

/*
 * The one pagination idiom of the lists (tasks, conversations, messages):
 * a list aggregates its page as json text (json_agg of its rows: nothing
 * is parsed or printed as jsonb), limit items in its order, and makes its
 * answer here from whether there was one more (more) and the last kept
 * item's key (NULL for a list in created_at order), created_at and id: the
 * items and a cursor naming the last of them, or no cursor on the last
 * page.  The json arguments are copied into the answer, not parsed again.
 */
CREATE OR REPLACE FUNCTION _aido_page_json(items json, more boolean, sort text, last_key text,
										   last_created_at timestamptz, last_id uuid)
RETURNS json
LANGUAGE sql STABLE
AS $$
	SELECT json_build_object('items', coalesce(items, '[]'::json), 'next_cursor',
		CASE WHEN more THEN _aido_cursor_encode(sort, last_key, last_created_at, last_id) END)
$$;
