/*
 * The primitives of the SQL-only flavor: the C functions of
 * sql/src/05_primitives.sql with the same signatures and answers, in
 * PL/pgSQL and pgcrypto, and the settings the C library keeps in GUCs.
 *
 * Settings.  Without the C library the aido.* GUCs are mere placeholders
 * that any session may SET (a client could lift its own login throttle), and
 * a non-superuser may not ALTER DATABASE ... SET them.  So the settings live
 * in a table of the schema aido_config, which only its owner (the role that
 * installed aido) can read or change; the functions read it as that owner.
 * aido_config is not the data schema aido: a dump of aido moves between
 * flavors (docs/passwords.md).
 */
CREATE SCHEMA IF NOT EXISTS aido_config;
REVOKE ALL ON SCHEMA aido_config FROM PUBLIC;

CREATE TABLE IF NOT EXISTS aido_config.settings (
	name text PRIMARY KEY,
	value text NOT NULL,
	CONSTRAINT settings_value_check CHECK (CASE name
		WHEN 'password_bcrypt_cost' THEN value ~ '^[0-9]{1,2}$' AND value::integer BETWEEN 4 AND 16
		WHEN 'login_max_failures' THEN value ~ '^[0-9]{1,3}$' AND value::integer BETWEEN 0 AND 100
		WHEN 'login_max_failures_per_address' THEN value ~ '^[0-9]{1,6}$' AND value::integer BETWEEN 0 AND 100000
		WHEN 'login_failure_window' THEN value::interval BETWEEN interval '1 second' AND interval '1 day'
		WHEN 'event_retention' THEN value::interval >= interval '1 minute'
		WHEN 'login_max_failures_per_account' THEN value ~ '^[0-9]{1,6}$' AND value::integer BETWEEN 0 AND 100000
		WHEN 'signup_max_per_address' THEN value ~ '^[0-9]{1,6}$' AND value::integer BETWEEN 0 AND 100000
		WHEN 'signup_window' THEN value::interval BETWEEN interval '1 second' AND interval '1 day'
		ELSE true END)
);
REVOKE ALL ON aido_config.settings FROM PUBLIC;
COMMENT ON TABLE aido_config.settings IS
'aido settings of the SQL-only flavor (the C flavor''s aido.* GUCs); only the owner may read or change them';

/* Only rows that are absent: a re-install keeps what the owner changed. */
INSERT INTO aido_config.settings (name, value) VALUES
	('password_bcrypt_cost', '10'),
	('login_max_failures', '10'),
	('login_max_failures_per_address', '100'),
	('login_failure_window', '15min'),
	('event_retention', '7d'),
	('login_max_failures_per_account', '12'),
	('signup_max_per_address', '20'),
	('signup_window', '1h')
ON CONFLICT (name) DO NOTHING;

/* The version installed, one row, set by the end of the install script. */
CREATE TABLE IF NOT EXISTS aido_config.version (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	version text NOT NULL,
	installed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
REVOKE ALL ON aido_config.version FROM PUBLIC;

/*
 * A setting by its name (the GUC's without "aido.").  Only SECURITY DEFINER
 * routines call it, so it reads the table as its owner; the API roles may
 * not call it themselves.
 */
CREATE OR REPLACE FUNCTION _aido_setting(name text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	v_value text;
BEGIN
	SELECT s.value INTO v_value FROM aido_config.settings s WHERE s.name = _aido_setting.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING
			ERRCODE = 'undefined_object',
			MESSAGE = format('unrecognized aido setting "%s"', _aido_setting.name),
			HINT = 'the settings are the rows of aido_config.settings';
	END IF;
	RETURN v_value;
END
$$;

/*
 * Passwords (docs/passwords.md).  pgcrypto has bcrypt and no argon2id, so
 * new hashes are bcrypt ($2a$, which the C flavor verifies too) at the cost
 * of the setting password_bcrypt_cost (default 10, OWASP's minimum).
 * bcrypt reads the first 72 bytes of a password only.  Verification takes
 * $2a$, $2b$ and $2y$ (pgcrypto computes $2a$; for passwords shorter than
 * 256 bytes, which are all aido accepts into a hash, the three agree).
 * argon2id hashes, made by the C flavor, cannot be computed here: they
 * verify as false, and needs_rehash is true for them.  Hashing and
 * needs_rehash are SECURITY DEFINER (the C ones are not) because they read
 * the owner-only settings.
 */
CREATE OR REPLACE FUNCTION aido_hash_password(password text)
RETURNS text
LANGUAGE plpgsql STRICT VOLATILE PARALLEL SAFE
SECURITY DEFINER
AS $$
BEGIN
	IF password = '' THEN
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_parameter_value',
			MESSAGE = 'password must not be empty';
	ELSIF octet_length(password) > 4096 THEN
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_parameter_value',
			MESSAGE = 'password is too long',
			DETAIL = 'A password may be at most 4096 bytes.';
	END IF;
	RETURN crypt(password, gen_salt('bf', @extschema@._aido_setting('password_bcrypt_cost')::integer));
END
$$;

/* A bcrypt hash ($2a$, $2b$, $2y$) of a cost from 4 to 16, well formed. */
CREATE OR REPLACE FUNCTION _aido_is_bcrypt(hash text)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT hash ~ '^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$'
	   AND substr(hash, 5, 2)::integer BETWEEN 4 AND 16
$$;

CREATE OR REPLACE FUNCTION aido_verify_password(password text, hash text)
RETURNS boolean
LANGUAGE plpgsql STRICT VOLATILE PARALLEL SAFE
AS $$
DECLARE
	v_expected text;
BEGIN
	IF password = '' OR octet_length(password) > 4096 OR NOT @extschema@._aido_is_bcrypt(hash) THEN
		RETURN false;
	END IF;
	v_expected := '$2a$' || substr(hash, 5);
	/* compared as digests: the time taken says nothing about the hash */
	RETURN digest(crypt(password, v_expected), 'sha256') = digest(v_expected, 'sha256');
EXCEPTION WHEN invalid_parameter_value OR internal_error THEN
	/* a salt pgcrypto refuses: malformed, so false, as the C flavor says */
	RETURN false;
END
$$;

/*
 * Passwords across flavors (docs/passwords.md).  An argon2id hash, moved
 * here from the C flavor, is checked through the bcrypt hash the C flavor
 * keeps beside it (users.password_bcrypt); without one (an account that
 * has not signed in since 0.2.0) it cannot be checked, after the same work
 * as a check, so that the time says nothing.  This flavor's own hashes are
 * bcrypt, and need no second one.
 */
CREATE OR REPLACE FUNCTION _aido_verify_stored(password text, hash text, bcrypt text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
	IF @extschema@._aido_is_bcrypt(hash) THEN
		RETURN @extschema@.aido_verify_password(password, hash);
	ELSIF bcrypt IS NOT NULL THEN
		RETURN @extschema@.aido_verify_password(password, bcrypt);
	END IF;
	PERFORM @extschema@.aido_hash_password(password);
	RETURN false;
END
$$;

CREATE OR REPLACE FUNCTION _aido_portable_hash(password text, hash text)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$ SELECT NULL::text $$;

/*
 * False only for a bcrypt hash at least as costly as password_bcrypt_cost:
 * argon2id hashes (from the C flavor) are true, and a login that can check
 * them rewrites them as bcrypt.
 */
CREATE OR REPLACE FUNCTION aido_password_needs_rehash(hash text)
RETURNS boolean
LANGUAGE sql STRICT STABLE PARALLEL SAFE
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
	SELECT NOT coalesce(@extschema@._aido_is_bcrypt(hash)
		AND substr(hash, 5, 2)::integer >= @extschema@._aido_setting('password_bcrypt_cost')::integer, false)
$$;

/*
 * RFC 3339 date-time with an offset, exactly as extension/rfc3339.c reads
 * it: YYYY-MM-DD, T, t or space, HH:MM:SS, up to nine fraction digits, Z, z
 * or an offset up to 15:59; years 0001 to 9999, proleptic Gregorian days, a
 * second of 60 (a leap second) without a fraction; and the instant within
 * the years 0001 to 9999 in UTC, where the database keeps it (the fraction
 * cut at six digits, a nonzero digit cut counting as a microsecond more on
 * the last day).
 */
CREATE OR REPLACE FUNCTION _aido_rfc3339_valid(s text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	v_match text[] := regexp_match(s,
		'^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))$');
	v_year integer;
	v_month integer;
	v_day integer;
	v_more boolean;
	v_utc bigint;
BEGIN
	IF v_match IS NULL THEN
		RETURN false;
	END IF;
	v_year := v_match[1]::integer;
	v_month := v_match[2]::integer;
	v_day := v_match[3]::integer;
	v_more := coalesce(substr(v_match[7], 7) ~ '[1-9]', false);
	IF NOT (v_year >= 1 AND v_month BETWEEN 1 AND 12
		AND v_day BETWEEN 1 AND CASE
			WHEN v_month = 2 AND ((v_year % 4 = 0 AND v_year % 100 <> 0) OR v_year % 400 = 0) THEN 29
			ELSE (ARRAY[31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[v_month] END
		AND v_match[4]::integer <= 23 AND v_match[5]::integer <= 59 AND v_match[6]::integer <= 60
		AND coalesce(v_match[9]::integer <= 15 AND v_match[10]::integer <= 59, true)
		AND (v_match[6]::integer < 60 OR coalesce(v_match[7] !~ '[1-9]', true))) THEN
		RETURN false;
	END IF;
	/* the instant in UTC, in microseconds of the day */
	v_utc := ((v_match[4]::bigint * 60 + v_match[5]::bigint) * 60 + v_match[6]::bigint) * 1000000
		+ coalesce(rpad(left(v_match[7], 6), 6, '0')::bigint, 0)
		- CASE v_match[8] WHEN '-' THEN -1 ELSE 1 END
		  * coalesce(v_match[9]::bigint * 60 + v_match[10]::bigint, 0) * 60000000;
	RETURN NOT ((v_year, v_month, v_day) = (1, 1, 1) AND v_utc < 0)
		AND NOT ((v_year, v_month, v_day) = (9999, 12, 31)
				 AND (v_utc >= 86400000000 OR (v_utc = 86399999999 AND v_more)));
END
$$;

/* aido_validate_task's verdict on tags, in extension/validate.c's order. */
CREATE OR REPLACE FUNCTION _aido_validate_tags(tags jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	v_tag jsonb;
BEGIN
	IF jsonb_typeof(tags) <> 'array' THEN
		RETURN @extschema@._aido_error('tags', 'wrong_type', 'tags must be an array of strings');
	END IF;
	FOR v_tag IN SELECT t FROM jsonb_array_elements(tags) AS t LOOP
		IF jsonb_typeof(v_tag) <> 'string' THEN
			RETURN @extschema@._aido_error('tags', 'wrong_type', 'tags must be an array of strings');
		ELSIF @extschema@._aido_trim(v_tag #>> '{}') = '' THEN
			RETURN @extschema@._aido_error('tags', 'blank', 'tags must not contain a blank tag');
		ELSIF char_length(@extschema@._aido_trim(v_tag #>> '{}')) > 50 THEN
			RETURN @extschema@._aido_error('tags', 'too_long', 'each tag must be at most 50 characters');
		END IF;
	END LOOP;
	IF jsonb_array_length(tags) > 20
		AND (SELECT count(DISTINCT lower(@extschema@._aido_trim(t))) FROM jsonb_array_elements_text(tags) AS t) > 20 THEN
		RETURN @extschema@._aido_error('tags', 'too_many', 'tags must hold at most 20 distinct tags');
	END IF;
	RETURN NULL;
END
$$;

/*
 * aido_validate_task's verdicts on recurring and recurring_pattern, which
 * are judged together (a pattern needs recurring true, and the reverse), in
 * extension/validate.c's order.
 */
CREATE OR REPLACE FUNCTION _aido_validate_recurring(task jsonb, partial boolean)
RETURNS jsonb[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	v_errors jsonb[] := '{}';
	v_value jsonb;
	v_recurring text;
	v_pattern text;
BEGIN
	v_value := task -> 'recurring';
	v_recurring := CASE WHEN v_value IS NULL THEN 'absent' WHEN jsonb_typeof(v_value) <> 'boolean' THEN 'invalid'
						WHEN v_value = 'true' THEN 'true' ELSE 'false' END;
	IF v_recurring = 'invalid' THEN
		v_errors := v_errors || @extschema@._aido_error('recurring', 'wrong_type', 'recurring must be true or false');
	END IF;

	v_value := task -> 'recurring_pattern';
	v_pattern := CASE WHEN v_value IS NULL THEN 'absent' WHEN jsonb_typeof(v_value) = 'null' THEN 'null'
					  WHEN jsonb_typeof(v_value) <> 'string' THEN 'wrong_type'
					  WHEN v_value #>> '{}' IN ('daily', 'weekly', 'monthly') THEN 'value'
					  ELSE 'invalid_choice' END;
	IF v_pattern = 'wrong_type' THEN
		v_errors := v_errors || @extschema@._aido_error('recurring_pattern', 'wrong_type', 'recurring_pattern must be a string or null');
	ELSIF v_pattern = 'invalid_choice' THEN
		v_errors := v_errors || @extschema@._aido_error('recurring_pattern', 'invalid_choice',
			'recurring_pattern must be one of daily, weekly, monthly');
	ELSIF v_recurring = 'invalid' THEN
		NULL;
	ELSIF v_recurring = 'true' AND (v_pattern = 'null' OR (NOT partial AND v_pattern = 'absent')) THEN
		v_errors := v_errors || @extschema@._aido_error('recurring_pattern', 'inconsistent',
			'recurring_pattern is required when recurring is true');
	ELSIF (v_recurring = 'false' OR (NOT partial AND v_recurring = 'absent')) AND v_pattern = 'value' THEN
		v_errors := v_errors || @extschema@._aido_error('recurring_pattern', 'inconsistent',
			'recurring_pattern must be null unless recurring is true');
	END IF;
	RETURN v_errors;
END
$$;

/*
 * extension/validate.c in PL/pgSQL: the same verdicts, field by field, in
 * the same order (the editable fields, then the other keys in the jsonb's
 * own order).  test/fuzz/validate-diff.pl holds the two to it.
 */
CREATE OR REPLACE FUNCTION aido_validate_task(task jsonb, partial boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql STRICT IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
	v_errors jsonb[] := '{}';
	v_value jsonb;
	v_text text;
	v_key text;
BEGIN
	IF jsonb_typeof(task) <> 'object' THEN
		RETURN jsonb_build_array(@extschema@._aido_error(NULL, 'wrong_type', 'task must be a JSON object'));
	END IF;

	v_value := task -> 'title';
	IF (v_value IS NULL AND NOT partial) OR jsonb_typeof(v_value) = 'null' THEN
		v_errors := v_errors || @extschema@._aido_error('title', 'required', 'title is required');
	ELSIF jsonb_typeof(v_value) <> 'string' THEN
		v_errors := v_errors || @extschema@._aido_error('title', 'wrong_type', 'title must be a string');
	ELSIF v_value IS NOT NULL THEN
		v_text := @extschema@._aido_trim(v_value #>> '{}');
		IF v_text = '' THEN
			v_errors := v_errors || @extschema@._aido_error('title', 'blank', 'title must not be blank');
		ELSIF char_length(v_text) > 200 THEN
			v_errors := v_errors || @extschema@._aido_error('title', 'too_long', 'title must be at most 200 characters');
		END IF;
	END IF;

	v_value := task -> 'description';
	IF jsonb_typeof(v_value) NOT IN ('null', 'string') THEN
		v_errors := v_errors || @extschema@._aido_error('description', 'wrong_type', 'description must be a string or null');
	ELSIF jsonb_typeof(v_value) = 'string' AND char_length(v_value #>> '{}') > 1000 THEN
		v_errors := v_errors || @extschema@._aido_error('description', 'too_long', 'description must be at most 1000 characters');
	END IF;

	IF task ? 'completed' AND jsonb_typeof(task -> 'completed') <> 'boolean' THEN
		v_errors := v_errors || @extschema@._aido_error('completed', 'wrong_type', 'completed must be true or false');
	END IF;

	v_value := task -> 'priority';
	IF jsonb_typeof(v_value) <> 'string' THEN
		v_errors := v_errors || @extschema@._aido_error('priority', 'wrong_type', 'priority must be a string: low, medium or high');
	ELSIF v_value #>> '{}' NOT IN ('low', 'medium', 'high') THEN
		v_errors := v_errors || @extschema@._aido_error('priority', 'invalid_choice', 'priority must be one of low, medium, high');
	END IF;

	v_value := @extschema@._aido_validate_tags(task -> 'tags');
	IF v_value IS NOT NULL THEN
		v_errors := v_errors || v_value;
	END IF;

	FOREACH v_key IN ARRAY ARRAY['due_date', 'remind_at'] LOOP
		v_value := task -> v_key;
		IF jsonb_typeof(v_value) NOT IN ('null', 'string') THEN
			v_errors := v_errors || @extschema@._aido_error(v_key, 'wrong_type', format('%s must be a string or null', v_key));
		ELSIF jsonb_typeof(v_value) = 'string' AND NOT @extschema@._aido_rfc3339_valid(v_value #>> '{}') THEN
			v_errors := v_errors || @extschema@._aido_error(v_key, 'invalid_datetime',
				format('%s must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T09:00:00Z', v_key));
		END IF;
	END LOOP;

	v_errors := v_errors || @extschema@._aido_validate_recurring(task, partial);

	FOR v_key IN SELECT jsonb_object_keys(task) LOOP
		IF v_key IN ('id', 'user_id', 'created_at', 'updated_at', 'completed_at', 'next_occurrence_id',
				 'reminded_at') THEN
			v_errors := v_errors || @extschema@._aido_error(v_key, 'read_only', format('%s is set by the server', v_key));
		ELSIF v_key NOT IN ('title', 'description', 'completed', 'priority', 'tags', 'due_date',
						'remind_at', 'recurring', 'recurring_pattern') THEN
			v_errors := v_errors || @extschema@._aido_error(v_key, 'unknown_field', format('unknown field "%s"', v_key));
		END IF;
	END LOOP;
	RETURN to_jsonb(v_errors);
END
$$;

/*
 * extension/health.c in PL/pgSQL, with the same keys.  extension_version is
 * the SQL-only flavor's installed version; the schema check is computed on
 * every call (the C flavor keeps it per backend until the catalog changes).
 */
CREATE OR REPLACE FUNCTION aido_health()
RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED
AS $$
DECLARE
	v_start timestamptz := clock_timestamp();
	v_ok boolean := false;
	v_version text;
	v_result jsonb;
BEGIN
	SELECT v.version INTO v_version FROM aido_config.version v;
	IF to_regprocedure('@extschema@.aido_schema_status()') IS NOT NULL THEN
		SELECT coalesce(bool_and(s.present), false) INTO v_ok FROM @extschema@.aido_schema_status() s;
	END IF;
	v_result := jsonb_build_object(
		'status', CASE WHEN v_ok THEN 'healthy' ELSE 'degraded' END,
		'database', 'connected',
		'database_name', current_database(),
		'server_version', current_setting('server_version'),
		'extension_version', v_version,
		'schema_ok', v_ok,
		'connections', jsonb_build_object(
			'used', (SELECT count(*) FROM pg_stat_activity a WHERE a.backend_type = 'client backend'),
			'max', current_setting('max_connections')::integer),
		'in_recovery', pg_is_in_recovery(),
		'database_size_bytes', pg_database_size(current_database()));
	RETURN v_result || jsonb_build_object('took_ms',
		round(extract(epoch FROM clock_timestamp() - v_start) * 1000, 3));
END
$$;

/*
 * pgcrypto may live in any schema (public, or "extensions" on some hosts):
 * the functions that call it find it through a search_path pinned here.
 */
DO $pin$
DECLARE
	v_schema text := (SELECT n.nspname FROM pg_catalog.pg_extension e
					  JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
					  WHERE e.extname = 'pgcrypto');
BEGIN
	EXECUTE format('ALTER FUNCTION aido_hash_password(text) SET search_path = %s',
				   concat_ws(', ', 'pg_catalog', quote_ident(v_schema),
							 nullif('@extschema@', v_schema), 'pg_temp'));
	EXECUTE format('ALTER FUNCTION aido_verify_password(text, text) SET search_path = %s',
				   concat_ws(', ', 'pg_catalog', quote_ident(v_schema),
							 nullif('@extschema@', v_schema), 'pg_temp'));
END
$pin$;
