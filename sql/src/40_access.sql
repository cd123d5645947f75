/*
 * 28000 unless session_id is a live session of user_id; NULL is trusted (a
 * DBA, or an external token the gateway verified).  Returns the user id that
 * responses show: the external id for a user of an external provider.
 */
CREATE OR REPLACE FUNCTION _aido_check_session(user_id uuid, session_id uuid)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
	v_seen timestamptz;
	v_shown text;
BEGIN
	IF _aido_check_session.session_id IS NULL THEN
		SELECT coalesce(u.external_id, u.id::text) INTO v_shown
		FROM aido.users u WHERE u.id = _aido_check_session.user_id;
		IF v_shown IS NULL THEN
			RAISE EXCEPTION USING
				ERRCODE = 'no_data_found',
				MESSAGE = 'user not found';
		END IF;
		RETURN v_shown;
	END IF;
	SELECT s.last_seen_at INTO v_seen
	FROM aido.sessions s
	WHERE s.id = _aido_check_session.session_id AND s.user_id = _aido_check_session.user_id
	  AND s.revoked_at IS NULL AND s.expires_at > clock_timestamp();
	IF NOT FOUND THEN
		PERFORM _aido_session_invalid();
	END IF;
	/* a write at most every five minutes, not on every read */
	IF v_seen < clock_timestamp() - interval '5 minutes' THEN
		UPDATE aido.sessions s SET last_seen_at = clock_timestamp()
		WHERE s.id = _aido_check_session.session_id AND s.user_id = _aido_check_session.user_id;
	END IF;
	RETURN _aido_check_session.user_id::text;
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

