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
	uid uuid;
	v_email text := lower(_aido_trim($2));
BEGIN
	IF $1 IS NULL OR char_length($1) NOT BETWEEN 1 AND 255 THEN
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_authorization_specification',
			MESSAGE = 'external identity is not valid',
			DETAIL = 'sub must be 1 to 255 characters';
	END IF;
	SELECT x.id INTO uid FROM aido.users x WHERE x.external_id = $1;
	IF FOUND THEN
		RETURN uid;
	END IF;
	/* keep what the provider says only where it fits our rules */
	IF char_length(v_email) NOT BETWEEN 3 AND 255 OR position('@' in v_email) < 2 THEN
		v_email := NULL;
	END IF;
	INSERT INTO aido.users AS x (external_id, email, name)
	VALUES ($1, v_email, left(nullif(_aido_trim($3), ''), 100))
	ON CONFLICT ON CONSTRAINT users_external_id_key DO NOTHING
	RETURNING x.id INTO uid;
	IF uid IS NULL THEN
		SELECT x.id INTO uid FROM aido.users x WHERE x.external_id = $1;
	END IF;
	RETURN uid;
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
	WHERE s.id = $2 AND s.user_id = $1
	  AND s.revoked_at IS NULL AND s.expires_at > clock_timestamp();
	IF NOT FOUND THEN
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_authorization_specification',
			MESSAGE = 'session is not valid',
			DETAIL = 'the session is unknown, expired or already signed out',
			HINT = 'sign in again';
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
	u record;
	shown text;
BEGIN
	shown := _aido_check_session($1, $2);
	SELECT x.id, x.email, x.name, x.created_at INTO u FROM aido.users x WHERE x.id = $1;
	RETURN jsonb_set(_aido_user_json(u.id, u.email, u.name, u.created_at), '{id}', to_jsonb(shown));
END
$$;

