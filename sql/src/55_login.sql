/*
 * Login throttling, kept in the database so that it holds across any number
 * of gateways (SECURITY.md, "Login throttling").  Each attempt is counted
 * under up to three keys of aido.login_failures, within a fixed window
 * (login_failure_window):
 *
 *   pair:  the account at one client address: login_max_failures, then that
 *          address is refused for that account (PT429); an attacker at
 *          other addresses does not lock the owner out;
 *   addr:  the client address (an IPv6 one by its /64) over all accounts:
 *          login_max_failures_per_address, then refused;
 *   email: the account over all addresses: login_max_failures_per_account,
 *          a ceiling that slows rather than refuses: past it, addresses the
 *          account has not signed in from lately share one attempt per
 *          window / ceiling (the key slow:), and those it has (known:,
 *          for 30 days after a login) are not slowed.
 *
 * Accounts are keyed by a hash of the email (the table holds no email), so
 * unknown emails are counted alike.  A limit of 0 turns its key off.  The
 * settings are _aido_setting's (GUCs aido.* of the C library, or the SQL-only
 * flavor's owner-only table).
 */
CREATE OR REPLACE FUNCTION _aido_login_hash(email text, client_addr text DEFAULT NULL)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
	SELECT encode(sha256(convert_to(CASE WHEN client_addr IS NULL THEN email
										 ELSE email || ' ' || client_addr END, 'UTF8')), 'hex')
$$;

/* A client address as the throttle counts it: an IPv6 one by its /64. */
CREATE OR REPLACE FUNCTION _aido_addr_key(client_addr text)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
	SELECT CASE WHEN family(client_addr::inet) = 6
				THEN network(set_masklen(client_addr::inet, 64))::text
				ELSE host(client_addr::inet) END
$$;

/* The account at one address (none is an address too). */
CREATE OR REPLACE FUNCTION _aido_login_pair(email text, client_addr text)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$ SELECT _aido_login_hash(email, coalesce(_aido_addr_key(client_addr), '')) $$;

/* The keys of one login attempt that have a limit, and their limits. */
CREATE OR REPLACE FUNCTION _aido_login_keys(email text, client_addr text)
RETURNS TABLE (key text, max_failures integer)
LANGUAGE sql STABLE
AS $$
	SELECT k.key, k.max_failures
	FROM (VALUES
		('email:' || _aido_login_hash(email),
		 _aido_setting('login_max_failures_per_account')::integer),
		('pair:' || _aido_login_pair(email, client_addr),
		 _aido_setting('login_max_failures')::integer),
		('addr:' || _aido_addr_key(client_addr),
		 _aido_setting('login_max_failures_per_address')::integer)) AS k (key, max_failures)
	WHERE k.key IS NOT NULL AND k.max_failures > 0
$$;

/*
 * One more attempt under each of keys, in one statement and in key order
 * (so that no two of these wait for each other's rows in a cycle); returns
 * the longest wait of a key that is now over its limit, or NULL.  A row
 * takes the new count of a concurrent attempt that committed first, so N
 * concurrent attempts see the counts 1..N.
 */
CREATE OR REPLACE FUNCTION _aido_throttle_count(keys text[], limits integer[], throttle_window interval)
RETURNS interval
LANGUAGE plpgsql
AS $$
DECLARE
	v_wait interval;
BEGIN
	WITH k AS (SELECT * FROM unnest(keys, limits) AS k (key, max_failures)),
	counted AS (
		INSERT INTO aido.login_failures AS f (key, failures, window_start)
		SELECT k.key, 1, clock_timestamp() FROM k ORDER BY k.key
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN f.window_start > clock_timestamp() - throttle_window
							THEN f.failures + 1 ELSE 1 END,
			window_start = CASE WHEN f.window_start > clock_timestamp() - throttle_window
								THEN f.window_start ELSE clock_timestamp() END
		RETURNING f.key, f.failures, f.window_start)
	SELECT max(c.window_start + throttle_window - clock_timestamp()) INTO v_wait
	FROM counted c JOIN k USING (key)
	WHERE c.failures > k.max_failures;
	RETURN v_wait;
END
$$;

/*
 * Now and then, forget windows long gone (a known: row after 30 days).  It
 * takes only rows no one holds (SKIP LOCKED), so it never waits for a row
 * and cannot deadlock with a login or a signup counting its keys; a row it
 * skips is taken next time.
 */
CREATE OR REPLACE FUNCTION _aido_throttle_cleanup()
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	v_login interval := _aido_setting('login_failure_window')::interval;
	v_signup interval := _aido_setting('signup_window')::interval;
BEGIN
	DELETE FROM aido.login_failures f
	WHERE f.key IN (SELECT g.key FROM aido.login_failures g
					WHERE g.window_start < clock_timestamp() - CASE
						WHEN g.key LIKE 'known:%' THEN interval '30 days'
						WHEN g.key LIKE 'signup:%' THEN v_signup
						ELSE v_login END
					FOR UPDATE SKIP LOCKED);
END
$$;

/* The email of login credentials, lower-cased and trimmed; 23514 if invalid. */
CREATE OR REPLACE FUNCTION _aido_login_email(credentials jsonb)
RETURNS text
LANGUAGE plpgsql
AS $$
BEGIN
	IF credentials IS NULL OR jsonb_typeof(credentials) <> 'object' THEN
		PERFORM _aido_raise_invalid('login is invalid', _aido_not_object_error('body'));
	END IF;
	PERFORM _aido_raise_invalid('login is invalid',
		_aido_text_field_errors(credentials, 'email', true, 0, 100000)
		|| _aido_text_field_errors(credentials, 'password', true, 0, 100000));
	RETURN lower(_aido_trim(credentials ->> 'email'));
END
$$;

/*
 * The first half of a login, before the password is looked at: the attempt
 * is counted under its keys, and refused (PT429) when one is over its limit
 * or the account is past its ceiling and this address must wait for the
 * account's next slot.  A refusal rolls its counts back: only attempts whose
 * password is checked count.  aido_login commits this before the second
 * half (_aido_login_verify), so an attempt is counted before its hash is
 * checked, in every session at once.
 */
CREATE OR REPLACE FUNCTION _aido_login_claim(credentials jsonb, client_addr text)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
	v_email text := _aido_login_email(credentials);
	v_window interval := _aido_setting('login_failure_window')::interval;
	v_ceiling integer := _aido_setting('login_max_failures_per_account')::integer;
	v_account text := 'email:' || _aido_login_hash(v_email);
	v_keys text[];
	v_limits integer[];
	v_wait interval;
	v_slot timestamptz;
BEGIN
	/* the account's ceiling slows rather than refuses: no limit here */
	SELECT array_agg(k.key), array_agg(CASE WHEN k.key LIKE 'email:%' THEN NULL ELSE k.max_failures END)
	INTO v_keys, v_limits
	FROM _aido_login_keys(v_email, client_addr) k;
	v_wait := _aido_throttle_count(v_keys, v_limits, v_window);
	IF v_wait IS NOT NULL THEN
		PERFORM _aido_too_many('too many failed logins', v_wait);
	END IF;

	IF v_ceiling > 0
		AND (SELECT f.failures FROM aido.login_failures f WHERE f.key = v_account) > v_ceiling
		AND NOT EXISTS (SELECT 1 FROM aido.login_failures f
						WHERE f.key = 'known:' || _aido_login_pair(v_email, client_addr)
						  AND f.window_start > clock_timestamp() - interval '30 days') THEN
		/* the account's next slot, one per window / ceiling */
		INSERT INTO aido.login_failures AS f (key, failures, window_start)
		VALUES ('slow:' || _aido_login_hash(v_email), 0, clock_timestamp() + v_window / v_ceiling)
		ON CONFLICT (key) DO UPDATE SET window_start = clock_timestamp() + v_window / v_ceiling
		WHERE f.window_start <= clock_timestamp()
		RETURNING f.window_start INTO v_slot;
		IF v_slot IS NULL THEN
			SELECT f.window_start - clock_timestamp() INTO v_wait
			FROM aido.login_failures f WHERE f.key = 'slow:' || _aido_login_hash(v_email);
			PERFORM _aido_too_many('too many failed logins for this account', v_wait);
		END IF;
	END IF;

	IF random() < 0.01 THEN
		PERFORM _aido_throttle_cleanup();
	END IF;
END
$$;

/*
 * A login that got in was counted as an attempt by _aido_login_claim: it
 * takes that back from the account and the address, clears the pair and
 * marks the address as known to the account.  Rows are locked in key order,
 * as _aido_throttle_count takes them.
 */
CREATE OR REPLACE FUNCTION _aido_login_succeeded(email text, client_addr text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	v_keys text[] := ARRAY(SELECT k.key FROM _aido_login_keys(email, client_addr) k);
BEGIN
	PERFORM 1 FROM aido.login_failures f WHERE f.key = ANY (v_keys) ORDER BY f.key FOR UPDATE;
	DELETE FROM aido.login_failures f WHERE f.key = ANY (v_keys) AND f.key LIKE 'pair:%';
	UPDATE aido.login_failures f SET failures = greatest(f.failures - 1, 0)
	WHERE f.key = ANY (v_keys) AND f.key NOT LIKE 'pair:%';
	INSERT INTO aido.login_failures AS f (key, failures, window_start)
	VALUES ('known:' || _aido_login_pair(email, client_addr), 0, clock_timestamp())
	ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start;
END
$$;

/*
 * The second half of a login, once _aido_login_claim has counted it: the
 * session on success; NULL on bad credentials (the attempt stays counted).
 */
CREATE OR REPLACE FUNCTION _aido_login_verify(credentials jsonb, ttl_seconds integer,
											  user_agent text, client_addr text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_email text := _aido_login_email(credentials);
	v_password text := credentials ->> 'password';
	v_user record;
	v_ok boolean := false;
	v_bcrypt text;
BEGIN
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
		RETURN NULL;
	END IF;

	PERFORM _aido_login_succeeded(v_email, client_addr);
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
 * A procedure, not a function: it commits the count of an attempt before
 * the password is checked (so concurrent attempts, on any number of
 * gateways, check at most the limit), then checks it.  Call it outside an
 * explicit transaction block (as psql and the gateway do): inside one,
 * PostgreSQL refuses the COMMIT (2D000).  Not SECURITY DEFINER (a procedure
 * that is may not commit): it runs as the caller, and every name in it is
 * qualified.
 */
CREATE OR REPLACE PROCEDURE aido_login(credentials jsonb, ttl_seconds integer DEFAULT 86400,
									   user_agent text DEFAULT NULL, client_addr text DEFAULT NULL,
									   INOUT result jsonb DEFAULT NULL)
LANGUAGE plpgsql
AS $$
BEGIN
	PERFORM @extschema@._aido_login_claim(credentials, client_addr);
	COMMIT;
	result := @extschema@._aido_login_verify(credentials, ttl_seconds, user_agent, client_addr);
	IF result IS NULL THEN
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_password',
			MESSAGE = 'invalid email or password';
	END IF;
END
$$;

/*
 * Signups of one client address (an IPv6 one by its /64), counted before
 * the password is hashed: PT429 past signup_max_per_address within
 * signup_window.  Only a signup that creates an account stays counted (the
 * 409 of a taken email rolls its count back with it).
 */
CREATE OR REPLACE FUNCTION _aido_signup_count(client_addr text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	v_max integer := _aido_setting('signup_max_per_address')::integer;
	v_wait interval;
BEGIN
	IF client_addr IS NULL OR v_max = 0 THEN
		RETURN;
	END IF;
	v_wait := _aido_throttle_count(ARRAY['signup:' || _aido_addr_key(client_addr)], ARRAY[v_max],
								   _aido_setting('signup_window')::interval);
	IF v_wait IS NOT NULL THEN
		PERFORM _aido_too_many('too many signups from this address', v_wait);
	END IF;
	IF random() < 0.01 THEN
		PERFORM _aido_throttle_cleanup();
	END IF;
END
$$;
