/*
 * Login throttling, kept in the database so that it holds across any number
 * of gateways: failures are counted per account (a hash of the email, so the
 * table holds no address) and per client address, in a fixed window.  The
 * limits are the settings login_max_failures, .._per_address and
 * login_failure_window (_aido_setting: GUCs aido.* of the C library, or the
 * SQL-only flavor's owner-only table).
 */
CREATE OR REPLACE FUNCTION _aido_login_keys(email text, client_addr text)
RETURNS text[]
LANGUAGE sql IMMUTABLE
AS $$
	SELECT array_remove(ARRAY[
		'email:' || encode(sha256(convert_to(email, 'UTF8')), 'hex'),
		'addr:' || client_addr], NULL)
$$;

/* PT429 (HTTP 429) when the account or the address is over its limit. */
CREATE OR REPLACE FUNCTION _aido_login_throttle(email text, client_addr text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	v_window interval := _aido_setting('login_failure_window')::interval;
	v_max_email integer := _aido_setting('login_max_failures')::integer;
	v_max_addr integer := _aido_setting('login_max_failures_per_address')::integer;
	v_wait interval;
BEGIN
	SELECT max(f.window_start + v_window - clock_timestamp()) INTO v_wait
	FROM aido.login_failures f
	WHERE f.key = ANY (_aido_login_keys(email, client_addr))
	  AND f.window_start > clock_timestamp() - v_window
	  AND f.failures >= CASE WHEN f.key LIKE 'email:%' THEN nullif(v_max_email, 0)
							 ELSE nullif(v_max_addr, 0) END;
	IF v_wait IS NOT NULL THEN
		RAISE EXCEPTION USING
			ERRCODE = 'PT429',
			MESSAGE = 'too many failed logins',
			DETAIL = jsonb_build_object('retry_after',
										greatest(1, ceil(extract(epoch FROM v_wait))::integer))::text,
			HINT = 'wait before trying again, or reset the password';
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION _aido_login_failed(email text, client_addr text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	v_window interval := _aido_setting('login_failure_window')::interval;
BEGIN
	INSERT INTO aido.login_failures AS f (key, failures, window_start)
	SELECT k, 1, clock_timestamp() FROM unnest(_aido_login_keys(email, client_addr)) AS k
	ON CONFLICT (key) DO UPDATE SET
		failures = CASE WHEN f.window_start > clock_timestamp() - v_window
						THEN f.failures + 1 ELSE 1 END,
		window_start = CASE WHEN f.window_start > clock_timestamp() - v_window
							THEN f.window_start ELSE clock_timestamp() END;
	/* now and then, forget windows long gone */
	IF random() < 0.01 THEN
		DELETE FROM aido.login_failures f WHERE f.window_start < clock_timestamp() - v_window;
	END IF;
END
$$;

/*
 * One login attempt: the session on success; NULL on bad credentials,
 * after counting the failure.  aido_login() turns NULL into 28P01 once the
 * count is committed.
 */
CREATE OR REPLACE FUNCTION _aido_login_attempt(credentials jsonb, ttl_seconds integer,
											   user_agent text, client_addr text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_email text;
	v_password text;
	v_user record;
	v_ok boolean := false;
	v_bcrypt text;
BEGIN
	IF credentials IS NULL OR jsonb_typeof(credentials) <> 'object' THEN
		PERFORM _aido_raise_invalid('login is invalid', _aido_not_object_error('body'));
	END IF;
	PERFORM _aido_raise_invalid('login is invalid',
		_aido_text_field_errors(credentials, 'email', true, 0, 100000)
		|| _aido_text_field_errors(credentials, 'password', true, 0, 100000));
	v_email := lower(_aido_trim(credentials ->> 'email'));
	v_password := credentials ->> 'password';

	PERFORM _aido_login_throttle(v_email, client_addr);

	IF v_password <> '' AND octet_length(v_password) <= 1024 THEN
		SELECT x.id, x.email, x.name, x.created_at, x.password_hash, x.password_bcrypt INTO v_user
		FROM aido.users x
		WHERE x.email = v_email AND x.external_id IS NULL;
		IF FOUND AND v_user.password_hash IS NOT NULL THEN
			v_ok := _aido_verify_stored(v_password, v_user.password_hash, v_user.password_bcrypt);
		ELSE
			/* the same work as a verify, so timing says nothing */
			PERFORM aido_hash_password(v_password);
		END IF;
	END IF;
	IF NOT v_ok THEN
		PERFORM _aido_login_failed(v_email, client_addr);
		RETURN NULL;
	END IF;

	DELETE FROM aido.login_failures f WHERE f.key = (_aido_login_keys(v_email, NULL))[1];
	/*
	 * A weak or foreign hash is rewritten; the bcrypt hash that the other
	 * flavor can check is kept beside it (docs/passwords.md), made once.
	 */
	IF aido_password_needs_rehash(v_user.password_hash) THEN
		v_user.password_hash := aido_hash_password(v_password);
		UPDATE aido.users x
		SET password_hash = v_user.password_hash,
			password_bcrypt = _aido_portable_hash(v_password, v_user.password_hash)
		WHERE x.id = v_user.id;
	ELSIF v_user.password_bcrypt IS NULL THEN
		v_bcrypt := _aido_portable_hash(v_password, v_user.password_hash);
		IF v_bcrypt IS NOT NULL THEN
			UPDATE aido.users x SET password_bcrypt = v_bcrypt WHERE x.id = v_user.id;
		END IF;
	END IF;
	RETURN _aido_open_session(_aido_user_json(v_user.id, v_user.email, v_user.name, v_user.created_at),
							  ttl_seconds, user_agent);
END
$$;

/*
 * A procedure, not a function: a failed login must be counted even though
 * the call then fails, so it commits the count before raising 28P01.  Call
 * it outside an explicit transaction block (as psql and the gateway do):
 * inside one, PostgreSQL refuses the COMMIT (2D000).  Not SECURITY DEFINER
 * (a procedure that is may not commit): it runs as the caller, and every
 * name in it is qualified.
 */
CREATE OR REPLACE PROCEDURE aido_login(credentials jsonb, ttl_seconds integer DEFAULT 86400,
									   user_agent text DEFAULT NULL, client_addr text DEFAULT NULL,
									   INOUT result jsonb DEFAULT NULL)
LANGUAGE plpgsql
AS $$
BEGIN
	result := @extschema@._aido_login_attempt(credentials, ttl_seconds, user_agent, client_addr);
	IF result IS NULL THEN
		COMMIT;
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_password',
			MESSAGE = 'invalid email or password';
	END IF;
END
$$;

