/*
 * Errors.  Each error is raised in one place: here when more than one
 * routine can meet it, else in the one routine that can.  A body that is
 * invalid is 23514 with its errors as a JSON array in DETAIL, each element
 * naming a field: the gateway passes them on.
 */
CREATE OR REPLACE FUNCTION _aido_raise_invalid(message text, errors jsonb)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
	IF errors IS NOT NULL AND errors <> '[]'::jsonb THEN
		RAISE EXCEPTION USING
			ERRCODE = 'check_violation',
			MESSAGE = message,
			DETAIL = errors::text,
			HINT = 'each element names a field, a code and what to change';
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION _aido_not_found(what text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
	RAISE EXCEPTION USING
		ERRCODE = 'no_data_found',
		MESSAGE = what || ' not found',
		HINT = 'it does not exist, or it belongs to another user';
END
$$;

/* 28000: a session that is unknown, expired or signed out. */
CREATE OR REPLACE FUNCTION _aido_session_invalid()
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
	RAISE EXCEPTION USING
		ERRCODE = 'invalid_authorization_specification',
		MESSAGE = 'session is not valid',
		DETAIL = 'the session is unknown, expired or signed out',
		HINT = 'sign in again';
END
$$;

CREATE OR REPLACE FUNCTION _aido_error(field text, code text, message text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$ SELECT jsonb_build_object('field', field, 'code', code, 'message', message) $$;

/* A text field of a JSON body: the errors it has, as a jsonb array. */
CREATE OR REPLACE FUNCTION _aido_text_field_errors(body jsonb, field text, required boolean,
												   min_len integer, max_len integer)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	v_value jsonb := body -> field;
	v_text text;
BEGIN
	IF v_value IS NULL OR jsonb_typeof(v_value) = 'null' THEN
		IF required THEN
			RETURN jsonb_build_array(_aido_error(field, 'required', field || ' is required'));
		END IF;
		RETURN '[]';
	ELSIF jsonb_typeof(v_value) <> 'string' THEN
		RETURN jsonb_build_array(_aido_error(field, 'wrong_type', field || ' must be a string'));
	END IF;
	v_text := v_value #>> '{}';
	IF min_len > 0 AND _aido_trim(v_text) = '' THEN
		RETURN jsonb_build_array(_aido_error(field, 'blank', field || ' must not be blank'));
	ELSIF char_length(v_text) < min_len THEN
		RETURN jsonb_build_array(_aido_error(field, 'too_short',
			format('%s must be at least %s characters', field, min_len)));
	ELSIF char_length(v_text) > max_len THEN
		RETURN jsonb_build_array(_aido_error(field, 'too_long',
			format('%s must be at most %s characters', field, max_len)));
	END IF;
	RETURN '[]';
END
$$;

CREATE OR REPLACE FUNCTION _aido_unknown_field_errors(body jsonb, allowed text[])
RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
	SELECT coalesce(jsonb_agg(
		CASE WHEN k IN ('id', 'user_id', 'conversation_id', 'created_at', 'updated_at')
			 THEN _aido_error(k, 'read_only', format('%s is set by the server', k))
			 ELSE _aido_error(k, 'unknown_field', format('unknown field "%s"', k)) END), '[]')
	FROM jsonb_object_keys(body) AS k
	WHERE k <> ALL (allowed)
$$;

CREATE OR REPLACE FUNCTION _aido_not_object_error(what text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$ SELECT jsonb_build_array(_aido_error(NULL, 'wrong_type', what || ' must be a JSON object')) $$;

/* PT429 (HTTP 429) with the seconds to wait in DETAIL. */
CREATE OR REPLACE FUNCTION _aido_too_many(message text, wait interval)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
	RAISE EXCEPTION USING
		ERRCODE = 'PT429',
		MESSAGE = message,
		DETAIL = jsonb_build_object('retry_after',
									greatest(1, ceil(extract(epoch FROM wait))::integer))::text,
		HINT = 'wait before trying again';
END
$$;
