/*
 * Accounts and sessions.
 */
CREATE OR REPLACE FUNCTION _aido_user_json(id uuid, email text, name text, created_at timestamptz)
RETURNS jsonb
LANGUAGE sql STABLE
AS $$ SELECT jsonb_build_object('id', id, 'email', email, 'name', name, 'created_at', created_at) $$;

CREATE OR REPLACE FUNCTION _aido_open_session(account jsonb, ttl_seconds integer, user_agent text)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
	v_id uuid;
	v_expires timestamptz;
BEGIN
	IF ttl_seconds IS NULL OR ttl_seconds NOT BETWEEN 60 AND 31536000 THEN
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_parameter_value',
			MESSAGE = 'ttl_seconds must be from 60 to 31536000';
	END IF;
	INSERT INTO aido.sessions AS s (user_id, expires_at, user_agent)
	VALUES ((account ->> 'id')::uuid,
			clock_timestamp() + make_interval(secs => ttl_seconds),
			left(_aido_open_session.user_agent, 512))
	RETURNING s.id, s.expires_at INTO v_id, v_expires;
	RETURN jsonb_build_object(
		'user', account,
		'session_id', v_id,
		'expires_at', v_expires,
		'expires_epoch', floor(extract(epoch FROM v_expires))::bigint);
END
$$;

CREATE OR REPLACE FUNCTION aido_signup(credentials jsonb, ttl_seconds integer DEFAULT 86400,
									   user_agent text DEFAULT NULL, client_addr text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_errors jsonb;
	v_email text;
	v_user record;
	v_hash text;
BEGIN
	IF credentials IS NULL OR jsonb_typeof(credentials) <> 'object' THEN
		PERFORM _aido_raise_invalid('signup is invalid', _aido_not_object_error('body'));
	END IF;
	v_errors := _aido_text_field_errors(credentials, 'email', true, 1, 255)
		|| _aido_text_field_errors(credentials, 'password', true, 8, 128)
		|| _aido_text_field_errors(credentials, 'name', false, 0, 100);
	v_email := lower(_aido_trim(credentials ->> 'email'));
	IF NOT v_errors @> '[{"field": "email"}]'
		AND v_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:].]+$' THEN
		v_errors := _aido_error('email', 'invalid_email',
								'email must be an address like name@example.com') || v_errors;
	END IF;
	PERFORM _aido_raise_invalid('signup is invalid', v_errors);

	/* a registered email costs no password hash, nor a signup of the address */
	IF NOT EXISTS (SELECT 1 FROM aido.users x WHERE x.email = v_email AND x.external_id IS NULL) THEN
		PERFORM _aido_signup_count(client_addr);
		v_hash := aido_hash_password(credentials ->> 'password');
		BEGIN
			INSERT INTO aido.users AS x (email, password_hash, password_bcrypt, name)
			VALUES (v_email, v_hash, _aido_portable_hash(credentials ->> 'password', v_hash),
					credentials ->> 'name')
			RETURNING x.id, x.email, x.name, x.created_at INTO v_user;
		EXCEPTION WHEN unique_violation THEN
			/* lost a race with a concurrent signup of the same email */
			NULL;
		END;
	END IF;
	IF v_user IS NULL THEN
		RAISE EXCEPTION USING
			ERRCODE = 'unique_violation',
			MESSAGE = 'email is already registered',
			HINT = 'sign in instead';
	END IF;
	RETURN _aido_open_session(_aido_user_json(v_user.id, v_user.email, v_user.name, v_user.created_at),
							  ttl_seconds, user_agent);
END
$$;
