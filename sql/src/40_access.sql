/*
 * 28000 unless session_id is a live session of user_id; NULL is trusted (a
 * DBA, or an external token the gateway verified).  Returns the user id that
 * responses show: the external id for a user of an external provider.
 */
CREATE OR REPLACE FUNCTION _aido_check_session(p_user uuid, p_session uuid)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
	seen timestamptz;
	shown text;
BEGIN
	IF p_session IS NULL THEN
		SELECT coalesce(u.external_id, u.id::text) INTO shown FROM aido.users u WHERE u.id = p_user;
		IF shown IS NULL THEN
			RAISE EXCEPTION USING
				ERRCODE = 'no_data_found',
				MESSAGE = 'user not found';
		END IF;
		RETURN shown;
	END IF;
	SELECT s.last_seen_at INTO seen
	FROM aido.sessions s
	WHERE s.id = p_session AND s.user_id = p_user
	  AND s.revoked_at IS NULL AND s.expires_at > clock_timestamp();
	IF NOT FOUND THEN
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_authorization_specification',
			MESSAGE = 'session is not valid',
			DETAIL = 'the session is unknown, expired or signed out',
			HINT = 'sign in again';
	END IF;
	/* a write at most every five minutes, not on every read */
	IF seen < clock_timestamp() - interval '5 minutes' THEN
		UPDATE aido.sessions s SET last_seen_at = clock_timestamp()
		WHERE s.id = p_session AND s.user_id = p_user;
	END IF;
	RETURN p_user::text;
END
$$;

/* A row's JSON as its user sees it: user_id is the id they know. */
CREATE OR REPLACE FUNCTION _aido_as_user(j jsonb, shown text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
	SELECT CASE WHEN j ->> 'user_id' = shown THEN j
				ELSE jsonb_set(j, '{user_id}', to_jsonb(shown)) END
$$;

