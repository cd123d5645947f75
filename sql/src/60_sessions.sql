/*
 * The user behind an external identity provider's token (API.md 3.2): found
 * by external_id = sub, created on first sight.  Never matched by email, so
 * a provider cannot take over an account; concurrent first requests create
 * one user (ON CONFLICT on the unique external_id).
 */
CREATE OR REPLACE FUNCTION aido_external_user(external_id text, email text DEFAULT NULL,
											  name text DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
	v_id uuid;
	v_email text := lower(_aido_trim(aido_external_user.email));
BEGIN
	IF aido_external_user.external_id IS NULL
		OR char_length(aido_external_user.external_id) NOT BETWEEN 1 AND 255 THEN
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_authorization_specification',
			MESSAGE = 'external identity is not valid',
			DETAIL = 'sub must be 1 to 255 characters';
	END IF;
	SELECT x.id INTO v_id FROM aido.users x WHERE x.external_id = aido_external_user.external_id;
	IF FOUND THEN
		RETURN v_id;
	END IF;
	/* keep what the provider says only where it fits our rules */
	IF char_length(v_email) NOT BETWEEN 3 AND 255 OR position('@' in v_email) < 2 THEN
		v_email := NULL;
	END IF;
	INSERT INTO aido.users AS x (external_id, email, name)
	VALUES (aido_external_user.external_id, v_email,
			left(nullif(_aido_trim(aido_external_user.name), ''), 100))
	ON CONFLICT ON CONSTRAINT users_external_id_key DO NOTHING
	RETURNING x.id INTO v_id;
	IF v_id IS NULL THEN
		SELECT x.id INTO v_id FROM aido.users x WHERE x.external_id = aido_external_user.external_id;
	END IF;
	RETURN v_id;
END
$$;

CREATE OR REPLACE FUNCTION aido_logout(user_id uuid, session_id uuid)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
BEGIN
	UPDATE aido.sessions s SET revoked_at = clock_timestamp()
	WHERE s.id = aido_logout.session_id AND s.user_id = aido_logout.user_id
	  AND s.revoked_at IS NULL AND s.expires_at > clock_timestamp();
	IF NOT FOUND THEN
		PERFORM _aido_session_invalid();
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION aido_session_user(user_id uuid, session_id uuid)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_user record;
	v_shown text;
BEGIN
	v_shown := _aido_check_session(aido_session_user.user_id, aido_session_user.session_id);
	SELECT x.id, x.email, x.name, x.created_at INTO v_user
	FROM aido.users x WHERE x.id = aido_session_user.user_id;
	RETURN jsonb_set(_aido_user_json(v_user.id, v_user.email, v_user.name, v_user.created_at),
					 '{id}', to_jsonb(v_shown));
END
$$;
