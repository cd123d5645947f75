/* sql/aido--0.1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION aido" to load this file. \quit

/*
 * The C primitives (the .c files in extension/).  Everything else in aido is SQL, so that
 * a SQL-only flavour for managed hosts can follow with the same signatures.
 */

CREATE FUNCTION aido_hash_password(password text)
RETURNS text
AS 'MODULE_PATHNAME', 'aido_hash_password'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE FUNCTION aido_verify_password(password text, hash text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'aido_verify_password'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE FUNCTION aido_password_needs_rehash(hash text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'aido_password_needs_rehash'
LANGUAGE C STRICT STABLE PARALLEL SAFE;

CREATE FUNCTION aido_validate_task(task jsonb, partial boolean DEFAULT false)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'aido_validate_task'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION aido_health()
RETURNS jsonb
AS 'MODULE_PATHNAME', 'aido_health'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

-- @SQL-API@ (the SQL part of the API follows)

/*
 * Roles.  Roles are cluster-wide, so they are created only when absent and
 * never dropped with the extension.
 */
DO $roles$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'aido_api') THEN
		CREATE ROLE aido_api NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'aido_admin') THEN
		CREATE ROLE aido_admin NOLOGIN;
	END IF;
END
$roles$;

/*
 * Small immutable helpers.  "Blank" means empty after trimming ASCII white
 * space, exactly as the C validator trims.
 */
CREATE FUNCTION _aido_trim(text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.btrim($1, E' \t\n\r\f' OPERATOR(pg_catalog.||) pg_catalog.chr(11)) $$;

/*
 * Tags trimmed, lower-cased, duplicates dropped in first-seen order.  In
 * PL/pgSQL rather than SQL: a SQL function with a FROM clause cannot be
 * inlined and would be planned anew in every statement of the trigger.
 */
CREATE FUNCTION _aido_normalize_tags(tags text[])
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	tag text;
	result text[] := '{}';
BEGIN
	FOREACH tag IN ARRAY tags LOOP
		tag := pg_catalog.lower(@extschema@._aido_trim(tag));
		IF tag IS NOT NULL AND tag <> ALL (result) THEN
			result := result || tag;
		END IF;
	END LOOP;
	RETURN result;
END
$$;

CREATE FUNCTION _aido_priority_rank(text)
RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE $1 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 END $$;

CREATE FUNCTION _aido_b64url_encode(text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT pg_catalog.translate(
		pg_catalog.encode(pg_catalog.convert_to($1, 'UTF8'), 'base64'),
		E'+/=\n', '-_')
$$;

CREATE FUNCTION _aido_b64url_decode(text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT pg_catalog.convert_from(pg_catalog.decode(
		pg_catalog.rpad(pg_catalog.translate($1, '-_', '+/'),
			 ((pg_catalog.length($1) + 3) / 4) * 4, '='),
		'base64'), 'UTF8')
$$;

/*
 * The schema of API.md section 1, as data: aido_bootstrap() creates what is
 * missing, aido_schema_status() reports what is there.  One list, so the two
 * can never disagree.  Tables are created bare and completed column by
 * column, so that a later version adds a column by adding a row here.
 */
CREATE FUNCTION _aido_schema_objects()
RETURNS TABLE (ord integer, kind text, tbl text, name text, ddl text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $objects$
	SELECT row_number() OVER ()::integer, o.kind, o.tbl, o.name, o.ddl
	FROM (VALUES
	('schema', NULL, 'aido', 'CREATE SCHEMA aido'),

	('table', 'users', 'users', 'CREATE TABLE aido.users (id uuid PRIMARY KEY DEFAULT gen_random_uuid())'),
	('column', 'users', 'email', 'ALTER TABLE aido.users ADD COLUMN email text'),
	('column', 'users', 'password_hash', 'ALTER TABLE aido.users ADD COLUMN password_hash text'),
	('column', 'users', 'name', 'ALTER TABLE aido.users ADD COLUMN name text'),
	('column', 'users', 'external_id', 'ALTER TABLE aido.users ADD COLUMN external_id text'),
	('column', 'users', 'created_at', 'ALTER TABLE aido.users ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp()'),
	('column', 'users', 'updated_at', 'ALTER TABLE aido.users ADD COLUMN updated_at timestamptz NOT NULL DEFAULT clock_timestamp()'),
	('index', 'users', 'users_email_key', 'CREATE UNIQUE INDEX users_email_key ON aido.users (email) WHERE external_id IS NULL'),
	('constraint', 'users', 'users_external_id_key', 'ALTER TABLE aido.users ADD CONSTRAINT users_external_id_key UNIQUE (external_id)'),
	('constraint', 'users', 'users_email_check', $$ALTER TABLE aido.users ADD CONSTRAINT users_email_check CHECK (CASE WHEN email IS NULL THEN external_id IS NOT NULL ELSE char_length(email) BETWEEN 3 AND 255 AND email = lower(btrim(email)) AND position('@' in email) > 1 END)$$),
	('constraint', 'users', 'users_name_check', 'ALTER TABLE aido.users ADD CONSTRAINT users_name_check CHECK (name IS NULL OR char_length(name) <= 100)'),
	('constraint', 'users', 'users_external_id_check', 'ALTER TABLE aido.users ADD CONSTRAINT users_external_id_check CHECK (external_id IS NULL OR char_length(external_id) BETWEEN 1 AND 255)'),

	('table', 'login_failures', 'login_failures', 'CREATE TABLE aido.login_failures (key text PRIMARY KEY)'),
	('column', 'login_failures', 'failures', 'ALTER TABLE aido.login_failures ADD COLUMN failures integer NOT NULL'),
	('column', 'login_failures', 'window_start', 'ALTER TABLE aido.login_failures ADD COLUMN window_start timestamptz NOT NULL'),

	('table', 'sessions', 'sessions', 'CREATE TABLE aido.sessions (id uuid PRIMARY KEY DEFAULT gen_random_uuid())'),
	('column', 'sessions', 'user_id', 'ALTER TABLE aido.sessions ADD COLUMN user_id uuid NOT NULL'),
	('column', 'sessions', 'expires_at', 'ALTER TABLE aido.sessions ADD COLUMN expires_at timestamptz NOT NULL'),
	('column', 'sessions', 'revoked_at', 'ALTER TABLE aido.sessions ADD COLUMN revoked_at timestamptz'),
	('column', 'sessions', 'user_agent', 'ALTER TABLE aido.sessions ADD COLUMN user_agent text'),
	('column', 'sessions', 'last_seen_at', 'ALTER TABLE aido.sessions ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT clock_timestamp()'),
	('column', 'sessions', 'created_at', 'ALTER TABLE aido.sessions ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp()'),
	('column', 'sessions', 'updated_at', 'ALTER TABLE aido.sessions ADD COLUMN updated_at timestamptz NOT NULL DEFAULT clock_timestamp()'),
	('constraint', 'sessions', 'sessions_user_id_fkey', 'ALTER TABLE aido.sessions ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES aido.users (id) ON DELETE CASCADE'),
	('index', 'sessions', 'sessions_user_id_idx', 'CREATE INDEX sessions_user_id_idx ON aido.sessions (user_id)'),

	('table', 'tasks', 'tasks', 'CREATE TABLE aido.tasks (id uuid PRIMARY KEY DEFAULT gen_random_uuid())'),
	('column', 'tasks', 'user_id', 'ALTER TABLE aido.tasks ADD COLUMN user_id uuid NOT NULL'),
	('column', 'tasks', 'title', 'ALTER TABLE aido.tasks ADD COLUMN title text NOT NULL'),
	('column', 'tasks', 'description', 'ALTER TABLE aido.tasks ADD COLUMN description text'),
	('column', 'tasks', 'completed', 'ALTER TABLE aido.tasks ADD COLUMN completed boolean NOT NULL DEFAULT false'),
	('column', 'tasks', 'completed_at', 'ALTER TABLE aido.tasks ADD COLUMN completed_at timestamptz'),
	('column', 'tasks', 'priority', $$ALTER TABLE aido.tasks ADD COLUMN priority text NOT NULL DEFAULT 'medium'$$),
	('column', 'tasks', 'tags', $$ALTER TABLE aido.tasks ADD COLUMN tags text[] NOT NULL DEFAULT '{}'$$),
	('column', 'tasks', 'due_date', 'ALTER TABLE aido.tasks ADD COLUMN due_date timestamptz'),
	('column', 'tasks', 'recurring', 'ALTER TABLE aido.tasks ADD COLUMN recurring boolean NOT NULL DEFAULT false'),
	('column', 'tasks', 'recurring_pattern', 'ALTER TABLE aido.tasks ADD COLUMN recurring_pattern text'),
	('column', 'tasks', 'next_occurrence_id', 'ALTER TABLE aido.tasks ADD COLUMN next_occurrence_id uuid'),
	('column', 'tasks', 'created_at', 'ALTER TABLE aido.tasks ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp()'),
	('column', 'tasks', 'updated_at', 'ALTER TABLE aido.tasks ADD COLUMN updated_at timestamptz NOT NULL DEFAULT clock_timestamp()'),
	('constraint', 'tasks', 'tasks_user_id_fkey', 'ALTER TABLE aido.tasks ADD CONSTRAINT tasks_user_id_fkey FOREIGN KEY (user_id) REFERENCES aido.users (id) ON DELETE CASCADE'),
	('constraint', 'tasks', 'tasks_next_occurrence_id_fkey', 'ALTER TABLE aido.tasks ADD CONSTRAINT tasks_next_occurrence_id_fkey FOREIGN KEY (next_occurrence_id) REFERENCES aido.tasks (id) ON DELETE SET NULL'),
	('constraint', 'tasks', 'tasks_title_check', $$ALTER TABLE aido.tasks ADD CONSTRAINT tasks_title_check CHECK (char_length(title) BETWEEN 1 AND 200)$$),
	('constraint', 'tasks', 'tasks_description_check', 'ALTER TABLE aido.tasks ADD CONSTRAINT tasks_description_check CHECK (description IS NULL OR char_length(description) <= 1000)'),
	('constraint', 'tasks', 'tasks_priority_check', $$ALTER TABLE aido.tasks ADD CONSTRAINT tasks_priority_check CHECK (priority IN ('low', 'medium', 'high'))$$),
	('constraint', 'tasks', 'tasks_tags_check', 'ALTER TABLE aido.tasks ADD CONSTRAINT tasks_tags_check CHECK (cardinality(tags) <= 20 AND array_position(tags, NULL) IS NULL)'),
	('constraint', 'tasks', 'tasks_recurring_check', $$ALTER TABLE aido.tasks ADD CONSTRAINT tasks_recurring_check CHECK (CASE WHEN recurring THEN recurring_pattern IN ('daily', 'weekly', 'monthly') ELSE recurring_pattern IS NULL END)$$),
	('constraint', 'tasks', 'tasks_completed_check', 'ALTER TABLE aido.tasks ADD CONSTRAINT tasks_completed_check CHECK (completed = (completed_at IS NOT NULL))'),
	('index', 'tasks', 'tasks_user_created_idx', 'CREATE INDEX tasks_user_created_idx ON aido.tasks (user_id, created_at, id)'),
	('index', 'tasks', 'tasks_user_completed_idx', 'CREATE INDEX tasks_user_completed_idx ON aido.tasks (user_id, completed, created_at, id)'),
	('index', 'tasks', 'tasks_user_due_idx', $$CREATE INDEX tasks_user_due_idx ON aido.tasks (user_id, (coalesce(due_date, 'infinity'::timestamptz)), created_at, id)$$),
	('index', 'tasks', 'tasks_user_priority_idx', $$CREATE INDEX tasks_user_priority_idx ON aido.tasks (user_id, (CASE priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 END), created_at, id)$$),
	('index', 'tasks', 'tasks_user_title_idx', 'CREATE INDEX tasks_user_title_idx ON aido.tasks (user_id, lower(title), created_at, id)'),
	('index', 'tasks', 'tasks_next_occurrence_idx', 'CREATE INDEX tasks_next_occurrence_idx ON aido.tasks (next_occurrence_id) WHERE next_occurrence_id IS NOT NULL'),

	('table', 'conversations', 'conversations', 'CREATE TABLE aido.conversations (id uuid PRIMARY KEY DEFAULT gen_random_uuid())'),
	('column', 'conversations', 'user_id', 'ALTER TABLE aido.conversations ADD COLUMN user_id uuid NOT NULL'),
	('column', 'conversations', 'title', 'ALTER TABLE aido.conversations ADD COLUMN title text'),
	('column', 'conversations', 'created_at', 'ALTER TABLE aido.conversations ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp()'),
	('column', 'conversations', 'updated_at', 'ALTER TABLE aido.conversations ADD COLUMN updated_at timestamptz NOT NULL DEFAULT clock_timestamp()'),
	('constraint', 'conversations', 'conversations_user_id_fkey', 'ALTER TABLE aido.conversations ADD CONSTRAINT conversations_user_id_fkey FOREIGN KEY (user_id) REFERENCES aido.users (id) ON DELETE CASCADE'),
	('constraint', 'conversations', 'conversations_title_check', 'ALTER TABLE aido.conversations ADD CONSTRAINT conversations_title_check CHECK (title IS NULL OR char_length(title) <= 200)'),
	('index', 'conversations', 'conversations_user_created_idx', 'CREATE INDEX conversations_user_created_idx ON aido.conversations (user_id, created_at, id)'),

	('table', 'messages', 'messages', 'CREATE TABLE aido.messages (id uuid PRIMARY KEY DEFAULT gen_random_uuid())'),
	('column', 'messages', 'conversation_id', 'ALTER TABLE aido.messages ADD COLUMN conversation_id uuid NOT NULL'),
	('column', 'messages', 'user_id', 'ALTER TABLE aido.messages ADD COLUMN user_id uuid NOT NULL'),
	('column', 'messages', 'role', 'ALTER TABLE aido.messages ADD COLUMN role text NOT NULL'),
	('column', 'messages', 'content', 'ALTER TABLE aido.messages ADD COLUMN content text NOT NULL'),
	('column', 'messages', 'created_at', 'ALTER TABLE aido.messages ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp()'),
	('column', 'messages', 'updated_at', 'ALTER TABLE aido.messages ADD COLUMN updated_at timestamptz NOT NULL DEFAULT clock_timestamp()'),
	('constraint', 'messages', 'messages_conversation_id_fkey', 'ALTER TABLE aido.messages ADD CONSTRAINT messages_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES aido.conversations (id) ON DELETE CASCADE'),
	('constraint', 'messages', 'messages_user_id_fkey', 'ALTER TABLE aido.messages ADD CONSTRAINT messages_user_id_fkey FOREIGN KEY (user_id) REFERENCES aido.users (id) ON DELETE CASCADE'),
	('constraint', 'messages', 'messages_role_check', $$ALTER TABLE aido.messages ADD CONSTRAINT messages_role_check CHECK (role IN ('user', 'assistant', 'system', 'tool'))$$),
	('constraint', 'messages', 'messages_content_check', 'ALTER TABLE aido.messages ADD CONSTRAINT messages_content_check CHECK (char_length(content) BETWEEN 1 AND 32000)'),
	('index', 'messages', 'messages_conversation_created_idx', 'CREATE INDEX messages_conversation_created_idx ON aido.messages (conversation_id, created_at, id)'),
	('index', 'messages', 'messages_user_id_idx', 'CREATE INDEX messages_user_id_idx ON aido.messages (user_id)'),

	('trigger', 'users', 'users_normalize', 'CREATE TRIGGER users_normalize BEFORE INSERT OR UPDATE ON aido.users FOR EACH ROW EXECUTE FUNCTION @extschema@._aido_users_normalize()'),
	('trigger', 'sessions', 'sessions_touch', 'CREATE TRIGGER sessions_touch BEFORE INSERT OR UPDATE ON aido.sessions FOR EACH ROW EXECUTE FUNCTION @extschema@._aido_touch()'),
	('trigger', 'tasks', 'tasks_guard', 'CREATE TRIGGER tasks_guard BEFORE INSERT OR UPDATE ON aido.tasks FOR EACH ROW EXECUTE FUNCTION @extschema@._aido_tasks_guard()'),
	('trigger', 'conversations', 'conversations_touch', 'CREATE TRIGGER conversations_touch BEFORE INSERT OR UPDATE ON aido.conversations FOR EACH ROW EXECUTE FUNCTION @extschema@._aido_touch()'),
	('trigger', 'messages', 'messages_touch', 'CREATE TRIGGER messages_touch BEFORE INSERT OR UPDATE ON aido.messages FOR EACH ROW EXECUTE FUNCTION @extschema@._aido_touch()')
	) AS o(kind, tbl, name, ddl)
$objects$;

/* Is one object of _aido_schema_objects() present?  Returns a detail too. */
CREATE FUNCTION _aido_object_present(kind text, tbl text, name text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT CASE kind
		WHEN 'schema' THEN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = name)
		WHEN 'table' THEN pg_catalog.to_regclass(pg_catalog.format('aido.%I', name)) IS NOT NULL
		WHEN 'index' THEN pg_catalog.to_regclass(pg_catalog.format('aido.%I', name)) IS NOT NULL
		WHEN 'column' THEN EXISTS (
			SELECT 1 FROM pg_catalog.pg_attribute
			WHERE attrelid = pg_catalog.to_regclass(pg_catalog.format('aido.%I', tbl))
			  AND attname = name AND NOT attisdropped)
		WHEN 'constraint' THEN EXISTS (
			SELECT 1 FROM pg_catalog.pg_constraint
			WHERE conrelid = pg_catalog.to_regclass(pg_catalog.format('aido.%I', tbl))
			  AND conname = name)
		WHEN 'trigger' THEN EXISTS (
			SELECT 1 FROM pg_catalog.pg_trigger
			WHERE tgrelid = pg_catalog.to_regclass(pg_catalog.format('aido.%I', tbl))
			  AND tgname = name AND NOT tgisinternal)
	END
$$;

/*
 * Trigger functions.  They run with the privileges of whoever writes the
 * row, so a DBA's direct INSERT meets exactly the rules the API meets.
 */
CREATE FUNCTION _aido_touch()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		/* a new row has never been edited: both times are the same */
		NEW.updated_at := NEW.created_at;
	ELSE
		NEW.created_at := OLD.created_at;
		/* touched now, unless the writer set the time itself */
		IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
			NEW.updated_at := clock_timestamp();
		END IF;
	END IF;
	RETURN NEW;
END
$$;

CREATE FUNCTION _aido_users_normalize()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	NEW.email := lower(@extschema@._aido_trim(NEW.email));
	NEW.name := nullif(@extschema@._aido_trim(NEW.name), '');
	IF TG_OP = 'UPDATE' THEN
		NEW.created_at := OLD.created_at;
		NEW.updated_at := clock_timestamp();
	ELSE
		NEW.updated_at := NEW.created_at;
	END IF;
	RETURN NEW;
END
$$;

/*
 * The tasks guard: validates the row with the same C validator the API
 * uses, normalises it, keeps completed_at and updated_at honest, and
 * creates the next occurrence of a recurring task exactly once: the link
 * next_occurrence_id survives un-completing, so re-completing finds it set.
 */
CREATE FUNCTION _aido_tasks_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	errors jsonb;
	now_ts timestamptz := clock_timestamp();
	next_due timestamptz;
	step interval;
BEGIN
	errors := @extschema@.aido_validate_task(
		to_jsonb(NEW) - ARRAY['id', 'user_id', 'created_at', 'updated_at',
							  'completed_at', 'next_occurrence_id'],
		false);
	IF errors <> '[]'::jsonb THEN
		RAISE EXCEPTION USING
			ERRCODE = 'check_violation',
			MESSAGE = 'task is invalid',
			DETAIL = errors::text,
			HINT = 'each element names a field, a code and what to change';
	END IF;

	NEW.title := @extschema@._aido_trim(NEW.title);
	IF TG_OP = 'INSERT' OR NEW.tags IS DISTINCT FROM OLD.tags THEN
		NEW.tags := @extschema@._aido_normalize_tags(NEW.tags);
	END IF;

	IF TG_OP = 'UPDATE' THEN
		NEW.created_at := OLD.created_at;
		NEW.updated_at := now_ts;
		IF NEW.completed AND OLD.completed THEN
			NEW.completed_at := OLD.completed_at;
		END IF;
	ELSE
		NEW.updated_at := NEW.created_at;
	END IF;

	IF NOT NEW.completed THEN
		NEW.completed_at := NULL;
	ELSIF TG_OP = 'INSERT' OR NOT OLD.completed THEN
		NEW.completed_at := now_ts;

		IF NEW.recurring AND NEW.next_occurrence_id IS NULL THEN
			step := CASE NEW.recurring_pattern
				WHEN 'daily' THEN interval '1 day'
				WHEN 'weekly' THEN interval '7 days'
				WHEN 'monthly' THEN interval '1 month'
			END;
			/* advance in UTC, so the session's time zone cannot shift it */
			next_due := ((coalesce(NEW.due_date, now_ts) AT TIME ZONE 'UTC') + step)
				AT TIME ZONE 'UTC';
			INSERT INTO aido.tasks (user_id, title, description, completed,
									priority, tags, due_date, recurring,
									recurring_pattern)
			VALUES (NEW.user_id, NEW.title, NEW.description, false,
					NEW.priority, NEW.tags, next_due, true,
					NEW.recurring_pattern)
			RETURNING id INTO NEW.next_occurrence_id;
		END IF;
	END IF;
	RETURN NEW;
END
$$;

/*
 * Bootstrap and schema status.
 */
CREATE FUNCTION aido_bootstrap()
RETURNS SETOF text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
	o record;
BEGIN
	/* one bootstrap at a time: two gateways starting together must not race */
	PERFORM pg_advisory_xact_lock(hashtext('aido_bootstrap'));

	FOR o IN SELECT * FROM @extschema@._aido_schema_objects() ORDER BY ord LOOP
		IF NOT @extschema@._aido_object_present(o.kind, o.tbl, o.name) THEN
			EXECUTE o.ddl;
			RETURN NEXT format('created %s %s', o.kind,
							   CASE WHEN o.kind IN ('schema', 'table')
									THEN o.name
									ELSE o.tbl || '.' || o.name END);
		END IF;
	END LOOP;

	/* privileges are (re)granted every time: GRANT is idempotent */
	GRANT USAGE ON SCHEMA aido TO aido_admin;
	GRANT ALL ON ALL TABLES IN SCHEMA aido TO aido_admin;
	RETURN;
END
$$;

CREATE FUNCTION aido_schema_status()
RETURNS TABLE (kind text, name text, present boolean, detail text)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
	SELECT o.kind,
		   CASE WHEN o.kind IN ('schema', 'table') THEN o.name
				ELSE o.tbl || '.' || o.name END,
		   p.present,
		   CASE WHEN p.present THEN 'present'
				ELSE 'missing: SELECT aido_bootstrap() creates it' END
	FROM @extschema@._aido_schema_objects() AS o,
		 LATERAL (SELECT @extschema@._aido_object_present(o.kind, o.tbl, o.name) AS present) AS p
	ORDER BY o.ord
$$;

ALTER FUNCTION aido_health()
	SECURITY DEFINER
	SET search_path = pg_catalog, @extschema@, pg_temp;

/*
 * Internal helpers of the API functions.  They are not SECURITY DEFINER:
 * they run inside the API functions, whose search_path is pinned.
 */

/* 22023 naming a query parameter: the gateway answers 400. */
CREATE FUNCTION _aido_bad_param(param text, rule text)
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
CREATE FUNCTION _aido_param(params jsonb, param text)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
	v jsonb := params -> param;
BEGIN
	IF v IS NULL THEN
		RETURN NULL;
	ELSIF jsonb_typeof(v) = 'number' THEN
		RETURN v #>> '{}';
	ELSIF jsonb_typeof(v) <> 'string' THEN
		PERFORM _aido_bad_param(param, 'must be a single value');
	ELSIF v #>> '{}' = '' THEN
		PERFORM _aido_bad_param(param, 'must not be empty');
	END IF;
	RETURN v #>> '{}';
END
$$;

CREATE FUNCTION _aido_param_limit(params jsonb, default_limit integer)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
	v text := _aido_param(params, 'limit');
BEGIN
	IF v IS NULL THEN
		RETURN default_limit;
	ELSIF v !~ '^[0-9]{1,4}$' OR v::integer NOT BETWEEN 1 AND 100 THEN
		PERFORM _aido_bad_param('limit', 'must be an integer from 1 to 100');
	END IF;
	RETURN v::integer;
END
$$;

/* An RFC 3339 date-time with an offset, as the task validator wants it. */
CREATE FUNCTION _aido_param_time(params jsonb, param text)
RETURNS timestamptz
LANGUAGE plpgsql
AS $$
DECLARE
	v text := _aido_param(params, param);
	verdict jsonb;
BEGIN
	IF v IS NULL THEN
		RETURN NULL;
	END IF;
	verdict := aido_validate_task(jsonb_build_object('due_date', v), true);
	IF verdict <> '[]'::jsonb THEN
		PERFORM _aido_bad_param(param,
			'must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T09:00:00Z');
	END IF;
	RETURN v::timestamptz;
END
$$;

/*
 * A cursor is base64url of a JSON array [sort, key, created_at, id] naming
 * the last item of a page.  Anything else is 22023 on "cursor".
 */
CREATE FUNCTION _aido_cursor_encode(sort text, sort_key text, created_at timestamptz, id uuid)
RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT _aido_b64url_encode(jsonb_build_array(sort, sort_key, created_at::text, id)::text) $$;

CREATE FUNCTION _aido_cursor_decode(cursor text, sort text,
									OUT sort_key text, OUT created_at timestamptz, OUT id uuid)
LANGUAGE plpgsql
AS $$
DECLARE
	c jsonb;
BEGIN
	BEGIN
		c := _aido_b64url_decode(cursor)::jsonb;
		IF jsonb_typeof(c) <> 'array' OR jsonb_array_length(c) <> 4
			OR c ->> 0 IS DISTINCT FROM sort THEN
			RAISE EXCEPTION 'foreign cursor';
		END IF;
		sort_key := c ->> 1;
		created_at := (c ->> 2)::timestamptz;
		id := (c ->> 3)::uuid;
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
 * 28000 unless session_id is a live session of user_id; NULL is trusted (a
 * DBA, or an external token the gateway verified).  Returns the user id that
 * responses show: the external id for a user of an external provider.
 */
CREATE FUNCTION _aido_check_session(p_user uuid, p_session uuid)
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
CREATE FUNCTION _aido_as_user(j jsonb, shown text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
	SELECT CASE WHEN j ->> 'user_id' = shown THEN j
				ELSE jsonb_set(j, '{user_id}', to_jsonb(shown)) END
$$;

CREATE FUNCTION _aido_raise_invalid(message text, errors jsonb)
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

CREATE FUNCTION _aido_not_found(what text)
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

CREATE FUNCTION _aido_error(field text, code text, message text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$ SELECT jsonb_build_object('field', field, 'code', code, 'message', message) $$;

/* A text field of a JSON body: the errors it has, as a jsonb array. */
CREATE FUNCTION _aido_text_field_errors(body jsonb, field text, required boolean,
										min_len integer, max_len integer)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	v jsonb := body -> field;
	s text;
BEGIN
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		IF required THEN
			RETURN jsonb_build_array(_aido_error(field, 'required', field || ' is required'));
		END IF;
		RETURN '[]';
	ELSIF jsonb_typeof(v) <> 'string' THEN
		RETURN jsonb_build_array(_aido_error(field, 'wrong_type', field || ' must be a string'));
	END IF;
	s := v #>> '{}';
	IF min_len > 0 AND _aido_trim(s) = '' THEN
		RETURN jsonb_build_array(_aido_error(field, 'blank', field || ' must not be blank'));
	ELSIF char_length(s) < min_len THEN
		RETURN jsonb_build_array(_aido_error(field, 'too_short',
			format('%s must be at least %s characters', field, min_len)));
	ELSIF char_length(s) > max_len THEN
		RETURN jsonb_build_array(_aido_error(field, 'too_long',
			format('%s must be at most %s characters', field, max_len)));
	END IF;
	RETURN '[]';
END
$$;

CREATE FUNCTION _aido_unknown_field_errors(body jsonb, allowed text[])
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

CREATE FUNCTION _aido_not_object_error(what text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$ SELECT jsonb_build_array(_aido_error(NULL, 'wrong_type', what || ' must be a JSON object')) $$;

/*
 * Accounts and sessions.
 */
CREATE FUNCTION _aido_user_json(id uuid, email text, name text, created_at timestamptz)
RETURNS jsonb
LANGUAGE sql STABLE
AS $$ SELECT jsonb_build_object('id', id, 'email', email, 'name', name, 'created_at', created_at) $$;

CREATE FUNCTION _aido_open_session(p_user jsonb, ttl_seconds integer, user_agent text)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
	sid uuid;
	expires timestamptz;
BEGIN
	IF ttl_seconds IS NULL OR ttl_seconds NOT BETWEEN 60 AND 31536000 THEN
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_parameter_value',
			MESSAGE = 'ttl_seconds must be from 60 to 31536000';
	END IF;
	INSERT INTO aido.sessions (user_id, expires_at, user_agent)
	VALUES ((p_user ->> 'id')::uuid,
			clock_timestamp() + make_interval(secs => ttl_seconds),
			left(user_agent, 512))
	RETURNING id, expires_at INTO sid, expires;
	RETURN jsonb_build_object(
		'user', p_user,
		'session_id', sid,
		'expires_at', expires,
		'expires_epoch', floor(extract(epoch FROM expires))::bigint);
END
$$;

CREATE FUNCTION aido_signup(credentials jsonb, ttl_seconds integer DEFAULT 86400,
							user_agent text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	errors jsonb;
	v_email text;
	u record;
BEGIN
	IF credentials IS NULL OR jsonb_typeof(credentials) <> 'object' THEN
		PERFORM _aido_raise_invalid('signup is invalid', _aido_not_object_error('body'));
	END IF;
	errors := _aido_text_field_errors(credentials, 'email', true, 1, 255)
		|| _aido_text_field_errors(credentials, 'password', true, 8, 128)
		|| _aido_text_field_errors(credentials, 'name', false, 0, 100);
	v_email := lower(_aido_trim(credentials ->> 'email'));
	IF NOT errors @> '[{"field": "email"}]'
		AND v_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:].]+$' THEN
		errors := _aido_error('email', 'invalid_email',
							  'email must be an address like name@example.com') || errors;
	END IF;
	PERFORM _aido_raise_invalid('signup is invalid', errors);

	IF EXISTS (SELECT 1 FROM aido.users x WHERE x.email = v_email AND x.external_id IS NULL) THEN
		RAISE EXCEPTION USING
			ERRCODE = 'unique_violation',
			MESSAGE = 'email is already registered',
			HINT = 'sign in instead';
	END IF;
	BEGIN
		INSERT INTO aido.users (email, password_hash, name)
		VALUES (v_email, aido_hash_password(credentials ->> 'password'),
				credentials ->> 'name')
		RETURNING id, email, name, created_at INTO u;
	EXCEPTION WHEN unique_violation THEN
		/* lost a race with a concurrent signup of the same email */
		RAISE EXCEPTION USING
			ERRCODE = 'unique_violation',
			MESSAGE = 'email is already registered',
			HINT = 'sign in instead';
	END;
	RETURN _aido_open_session(_aido_user_json(u.id, u.email, u.name, u.created_at),
							  ttl_seconds, user_agent);
END
$$;

/*
 * Login throttling, kept in the database so that it holds across any number
 * of gateways: failures are counted per account (a hash of the email, so the
 * table holds no address) and per client address, in a fixed window.  The
 * limits are the GUCs aido.login_max_failures, .._per_address and
 * aido.login_failure_window, defined by the C library.
 */
CREATE FUNCTION _aido_login_keys(email text, client_addr text)
RETURNS text[]
LANGUAGE sql IMMUTABLE
AS $$
	SELECT array_remove(ARRAY[
		'email:' || encode(sha256(convert_to(email, 'UTF8')), 'hex'),
		'addr:' || client_addr], NULL)
$$;

/* PT429 (HTTP 429) when the account or the address is over its limit. */
CREATE FUNCTION _aido_login_throttle(email text, client_addr text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	win interval := current_setting('aido.login_failure_window')::interval;
	max_email integer := current_setting('aido.login_max_failures')::integer;
	max_addr integer := current_setting('aido.login_max_failures_per_address')::integer;
	wait interval;
BEGIN
	SELECT max(f.window_start + win - clock_timestamp()) INTO wait
	FROM aido.login_failures f
	WHERE f.key = ANY (_aido_login_keys(email, client_addr))
	  AND f.window_start > clock_timestamp() - win
	  AND f.failures >= CASE WHEN f.key LIKE 'email:%' THEN nullif(max_email, 0)
							 ELSE nullif(max_addr, 0) END;
	IF wait IS NOT NULL THEN
		RAISE EXCEPTION USING
			ERRCODE = 'PT429',
			MESSAGE = 'too many failed logins',
			DETAIL = jsonb_build_object('retry_after',
										greatest(1, ceil(extract(epoch FROM wait))::integer))::text,
			HINT = 'wait before trying again, or reset the password';
	END IF;
END
$$;

CREATE FUNCTION _aido_login_failed(email text, client_addr text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	win interval := current_setting('aido.login_failure_window')::interval;
BEGIN
	INSERT INTO aido.login_failures AS f (key, failures, window_start)
	SELECT k, 1, clock_timestamp() FROM unnest(_aido_login_keys(email, client_addr)) AS k
	ON CONFLICT (key) DO UPDATE SET
		failures = CASE WHEN f.window_start > clock_timestamp() - win
						THEN f.failures + 1 ELSE 1 END,
		window_start = CASE WHEN f.window_start > clock_timestamp() - win
							THEN f.window_start ELSE clock_timestamp() END;
	/* now and then, forget windows long gone */
	IF random() < 0.01 THEN
		DELETE FROM aido.login_failures f WHERE f.window_start < clock_timestamp() - win;
	END IF;
END
$$;

/*
 * One login attempt: the session on success; NULL on bad credentials,
 * after counting the failure.  aido_login() turns NULL into 28P01 once the
 * count is committed.
 */
CREATE FUNCTION _aido_login_attempt(credentials jsonb, ttl_seconds integer,
									user_agent text, client_addr text)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	errors jsonb;
	v_email text;
	pw text;
	u record;
	ok boolean := false;
BEGIN
	IF credentials IS NULL OR jsonb_typeof(credentials) <> 'object' THEN
		PERFORM _aido_raise_invalid('login is invalid', _aido_not_object_error('body'));
	END IF;
	errors := _aido_text_field_errors(credentials, 'email', true, 0, 100000)
		|| _aido_text_field_errors(credentials, 'password', true, 0, 100000);
	PERFORM _aido_raise_invalid('login is invalid', errors);
	v_email := lower(_aido_trim(credentials ->> 'email'));
	pw := credentials ->> 'password';

	/* loads the C library, whose GUCs the throttle reads */
	PERFORM aido_password_needs_rehash('');
	PERFORM _aido_login_throttle(v_email, client_addr);

	IF pw <> '' AND octet_length(pw) <= 1024 THEN
		SELECT x.id, x.email, x.name, x.created_at, x.password_hash INTO u
		FROM aido.users x
		WHERE x.email = v_email AND x.external_id IS NULL;
		IF FOUND AND u.password_hash IS NOT NULL THEN
			ok := aido_verify_password(pw, u.password_hash);
		ELSE
			/* the same argon2id work as a verify, so timing says nothing */
			PERFORM aido_hash_password(pw);
		END IF;
	END IF;
	IF NOT ok THEN
		PERFORM _aido_login_failed(v_email, client_addr);
		RETURN NULL;
	END IF;

	DELETE FROM aido.login_failures f WHERE f.key = (_aido_login_keys(v_email, NULL))[1];
	IF aido_password_needs_rehash(u.password_hash) THEN
		UPDATE aido.users x SET password_hash = aido_hash_password(pw) WHERE x.id = u.id;
	END IF;
	RETURN _aido_open_session(_aido_user_json(u.id, u.email, u.name, u.created_at),
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
CREATE PROCEDURE aido_login(credentials jsonb, ttl_seconds integer DEFAULT 86400,
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

/*
 * The user behind an external identity provider's token (API.md 3.2): found
 * by external_id = sub, created on first sight.  Never matched by email, so
 * a provider cannot take over an account; concurrent first requests create
 * one user (ON CONFLICT on the unique external_id).
 */
CREATE FUNCTION aido_external_user(external_id text, email text DEFAULT NULL,
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

CREATE FUNCTION aido_logout(user_id uuid, session_id uuid)
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

CREATE FUNCTION aido_session_user(user_id uuid, session_id uuid)
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

/*
 * Tasks.  A task's JSON is its row: the columns are the fields of API.md.
 */
CREATE FUNCTION aido_task_create(user_id uuid, task jsonb, session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	shown text;
	t record;
BEGIN
	shown := _aido_check_session($1, $3);
	PERFORM _aido_raise_invalid('task is invalid', aido_validate_task($2, false));
	INSERT INTO aido.tasks AS x (user_id, title, description, completed, priority,
								 tags, due_date, recurring, recurring_pattern)
	VALUES ($1,
			$2 ->> 'title',
			$2 ->> 'description',
			coalesce(($2 ->> 'completed')::boolean, false),
			coalesce($2 ->> 'priority', 'medium'),
			coalesce(ARRAY(SELECT jsonb_array_elements_text($2 -> 'tags')), '{}'),
			($2 ->> 'due_date')::timestamptz,
			coalesce(($2 ->> 'recurring')::boolean, false),
			$2 ->> 'recurring_pattern')
	RETURNING x.* INTO t;
	RETURN _aido_as_user(to_jsonb(t), shown);
END
$$;

CREATE FUNCTION aido_task_get(user_id uuid, task_id uuid, session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	shown text;
	j jsonb;
BEGIN
	shown := _aido_check_session($1, $3);
	SELECT to_jsonb(x) INTO j FROM aido.tasks x WHERE x.id = $2 AND x.user_id = $1;
	IF j IS NULL THEN
		PERFORM _aido_not_found('task');
	END IF;
	RETURN _aido_as_user(j, shown);
END
$$;

/*
 * PATCH: only the fields present change.  Turning recurring off clears the
 * pattern with it; anything else inconsistent is left for the guard to name.
 */
CREATE FUNCTION aido_task_update(user_id uuid, task_id uuid, patch jsonb,
								 session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	shown text;
	p jsonb := $3;
	t record;
BEGIN
	shown := _aido_check_session($1, $4);
	PERFORM _aido_raise_invalid('task is invalid', aido_validate_task(p, true));
	IF p = '{}'::jsonb THEN
		RETURN aido_task_get($1, $2);
	END IF;
	UPDATE aido.tasks AS x SET
		title = CASE WHEN p ? 'title' THEN p ->> 'title' ELSE x.title END,
		description = CASE WHEN p ? 'description' THEN p ->> 'description' ELSE x.description END,
		completed = CASE WHEN p ? 'completed' THEN (p ->> 'completed')::boolean ELSE x.completed END,
		priority = CASE WHEN p ? 'priority' THEN p ->> 'priority' ELSE x.priority END,
		tags = CASE WHEN p ? 'tags'
					THEN ARRAY(SELECT jsonb_array_elements_text(p -> 'tags'))
					ELSE x.tags END,
		due_date = CASE WHEN p ? 'due_date' THEN (p ->> 'due_date')::timestamptz ELSE x.due_date END,
		recurring = CASE WHEN p ? 'recurring' THEN (p ->> 'recurring')::boolean ELSE x.recurring END,
		recurring_pattern = CASE
			WHEN p ? 'recurring_pattern' THEN p ->> 'recurring_pattern'
			WHEN p ? 'recurring' AND NOT (p ->> 'recurring')::boolean THEN NULL
			ELSE x.recurring_pattern END
	WHERE x.id = $2 AND x.user_id = $1
	RETURNING x.* INTO t;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('task');
	END IF;
	RETURN _aido_as_user(to_jsonb(t), shown);
END
$$;

/* PUT: every editable field is set; absent ones take their defaults. */
CREATE FUNCTION aido_task_replace(user_id uuid, task_id uuid, task jsonb,
								  session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	shown text;
	p jsonb := $3;
	t record;
BEGIN
	shown := _aido_check_session($1, $4);
	PERFORM _aido_raise_invalid('task is invalid', aido_validate_task(p, false));
	UPDATE aido.tasks AS x SET
		title = p ->> 'title',
		description = p ->> 'description',
		completed = coalesce((p ->> 'completed')::boolean, false),
		priority = coalesce(p ->> 'priority', 'medium'),
		tags = coalesce(ARRAY(SELECT jsonb_array_elements_text(p -> 'tags')), '{}'),
		due_date = (p ->> 'due_date')::timestamptz,
		recurring = coalesce((p ->> 'recurring')::boolean, false),
		recurring_pattern = p ->> 'recurring_pattern'
	WHERE x.id = $2 AND x.user_id = $1
	RETURNING x.* INTO t;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('task');
	END IF;
	RETURN _aido_as_user(to_jsonb(t), shown);
END
$$;

CREATE FUNCTION aido_task_toggle(user_id uuid, task_id uuid, session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	shown text;
	t record;
BEGIN
	shown := _aido_check_session($1, $3);
	UPDATE aido.tasks AS x SET completed = NOT x.completed
	WHERE x.id = $2 AND x.user_id = $1
	RETURNING x.* INTO t;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('task');
	END IF;
	RETURN _aido_as_user(to_jsonb(t), shown);
END
$$;

CREATE FUNCTION aido_task_delete(user_id uuid, task_id uuid, session_id uuid DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
	shown text;
BEGIN
	shown := _aido_check_session($1, $3);
	DELETE FROM aido.tasks x WHERE x.id = $2 AND x.user_id = $1;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('task');
	END IF;
END
$$;

/*
 * The task list: filters, eight sorts, keyset pagination.  Each sort has an
 * index (user_id, key, created_at, id), and the cursor compares the row
 * (key, created_at, id) so that the order is total and no item is skipped
 * or repeated, whatever ties there are.  The SQL is assembled from fixed
 * fragments; every value is bound, never pasted.
 */
CREATE FUNCTION aido_task_list(user_id uuid, params jsonb DEFAULT '{}',
							   session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
	shown text;
	p jsonb := coalesce($2, '{}');
	v_status text;
	v_priority text;
	v_tag text;
	v_q text;
	v_before timestamptz;
	v_after timestamptz;
	v_sort text;
	v_limit integer;
	v_cursor text;
	c_key text;
	c_created timestamptz;
	c_id uuid;
	dir text;
	cmp text;
	key text;
	keytype text;
	sql text;
	page jsonb;
	last_k text;
	last_c timestamptz;
	last_i uuid;
	more boolean := false;
BEGIN
	/* a dead session is 401 whatever else is wrong with the request */
	shown := _aido_check_session($1, $3);
	IF jsonb_typeof(p) <> 'object' THEN
		PERFORM _aido_bad_param('params', 'must be a JSON object');
	END IF;
	v_status := coalesce(_aido_param(p, 'status'), 'all');
	v_priority := _aido_param(p, 'priority');
	v_tag := lower(_aido_trim(_aido_param(p, 'tag')));
	v_q := lower(_aido_param(p, 'q'));
	v_before := _aido_param_time(p, 'due_before');
	v_after := _aido_param_time(p, 'due_after');
	v_sort := coalesce(_aido_param(p, 'sort'), '-created_at');
	v_limit := _aido_param_limit(p, 50);
	v_cursor := _aido_param(p, 'cursor');
	IF v_status NOT IN ('all', 'pending', 'completed') THEN
		PERFORM _aido_bad_param('status', 'must be one of all, pending, completed');
	END IF;
	IF v_priority NOT IN ('low', 'medium', 'high') THEN
		PERFORM _aido_bad_param('priority', 'must be one of low, medium, high');
	END IF;
	IF v_tag = '' THEN
		PERFORM _aido_bad_param('tag', 'must not be blank');
	END IF;
	IF char_length(v_q) > 200 THEN
		PERFORM _aido_bad_param('q', 'must be at most 200 characters');
	END IF;
	IF v_sort NOT IN ('created_at', '-created_at', 'due_date', '-due_date',
					  'priority', '-priority', 'title', '-title') THEN
		PERFORM _aido_bad_param('sort',
			'must be one of created_at, -created_at, due_date, -due_date, priority, -priority, title, -title');
	END IF;
	IF v_cursor IS NOT NULL THEN
		SELECT d.sort_key, d.created_at, d.id INTO c_key, c_created, c_id
		FROM _aido_cursor_decode(v_cursor, v_sort) AS d;
	END IF;

	dir := CASE WHEN v_sort LIKE '-%' THEN 'DESC' ELSE 'ASC' END;
	cmp := CASE dir WHEN 'DESC' THEN '<' ELSE '>' END;
	CASE ltrim(v_sort, '-')
		WHEN 'due_date' THEN
			key := $k$coalesce(t.due_date, 'infinity'::timestamptz)$k$;
			keytype := 'timestamptz';
		WHEN 'priority' THEN
			key := $k$(CASE t.priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 END)$k$;
			keytype := 'integer';
		WHEN 'title' THEN
			key := 'lower(t.title)';
			keytype := 'text';
		ELSE
			key := NULL;
	END CASE;

	sql := 'SELECT to_jsonb(t) AS j, ' || coalesce(key || '::text', 'NULL::text')
		|| ' AS k, t.created_at AS c, t.id AS i FROM aido.tasks t WHERE t.user_id = $1';
	IF v_status <> 'all' THEN
		sql := sql || ' AND t.completed = $2';
	END IF;
	IF v_priority IS NOT NULL THEN
		sql := sql || ' AND t.priority = $3';
	END IF;
	IF v_tag IS NOT NULL THEN
		sql := sql || ' AND t.tags @> ARRAY[$4]';
	END IF;
	IF v_q IS NOT NULL THEN
		sql := sql || ' AND (strpos(lower(t.title), $5) > 0 OR strpos(lower(t.description), $5) > 0)';
	END IF;
	IF v_before IS NOT NULL THEN
		sql := sql || ' AND t.due_date < $6';
	END IF;
	IF v_after IS NOT NULL THEN
		sql := sql || ' AND t.due_date > $7';
	END IF;
	IF v_cursor IS NOT NULL THEN
		IF key IS NULL THEN
			sql := sql || format(' AND (t.created_at, t.id) %s ($9, $10)', cmp);
		ELSE
			sql := sql || format(' AND (%s, t.created_at, t.id) %s ($8::%s, $9, $10)',
								 key, cmp, keytype);
		END IF;
	END IF;
	sql := sql || ' ORDER BY ' || coalesce(key || ' ' || dir || ', ', '')
		|| 't.created_at ' || dir || ', t.id ' || dir || ' LIMIT $11';

	/*
	 * One more row than the page says whether there is a next one; the
	 * page is aggregated in the same statement, in the order of the scan.
	 */
	EXECUTE 'SELECT coalesce(jsonb_agg(_aido_as_user(p.j, $12) ORDER BY p.n)
						FILTER (WHERE p.n <= $11 - 1), ''[]''),
				   count(*) = $11,
				   max(p.k) FILTER (WHERE p.n = $11 - 1),
				   max(p.c) FILTER (WHERE p.n = $11 - 1),
				   max(p.i::text) FILTER (WHERE p.n = $11 - 1)::uuid
			 FROM (SELECT q.*, row_number() OVER () AS n FROM (' || sql || ') q) p'
	INTO page, more, last_k, last_c, last_i
	USING $1, v_status = 'completed', v_priority, v_tag, v_q,
		v_before, v_after, c_key, c_created, c_id, v_limit + 1, shown;

	RETURN jsonb_build_object(
		'items', page,
		'next_cursor', CASE WHEN more
			THEN _aido_cursor_encode(v_sort, last_k, last_c, last_i) END);
END
$$;

/*
 * Conversations and their messages: an assistant's history, per user.
 */
CREATE FUNCTION aido_conversation_create(user_id uuid, conversation jsonb DEFAULT '{}',
										 session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	shown text;
	b jsonb := coalesce($2, '{}');
	t record;
BEGIN
	shown := _aido_check_session($1, $3);
	IF jsonb_typeof(b) <> 'object' THEN
		PERFORM _aido_raise_invalid('conversation is invalid', _aido_not_object_error('conversation'));
	END IF;
	IF jsonb_typeof(b -> 'title') = 'string' THEN
		b := jsonb_set(b, '{title}', to_jsonb(_aido_trim(b ->> 'title')));
	END IF;
	PERFORM _aido_raise_invalid('conversation is invalid',
		_aido_text_field_errors(b, 'title', false, 0, 200)
		|| _aido_unknown_field_errors(b, ARRAY['title']));
	INSERT INTO aido.conversations AS x (user_id, title)
	VALUES ($1, nullif(_aido_trim(b ->> 'title'), ''))
	RETURNING x.* INTO t;
	RETURN _aido_as_user(to_jsonb(t), shown);
END
$$;

CREATE FUNCTION aido_conversation_get(user_id uuid, conversation_id uuid,
									  session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	shown text;
	j jsonb;
BEGIN
	shown := _aido_check_session($1, $3);
	SELECT to_jsonb(x) INTO j FROM aido.conversations x WHERE x.id = $2 AND x.user_id = $1;
	IF j IS NULL THEN
		PERFORM _aido_not_found('conversation');
	END IF;
	RETURN _aido_as_user(j, shown);
END
$$;

CREATE FUNCTION aido_conversation_delete(user_id uuid, conversation_id uuid,
										 session_id uuid DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
	shown text;
BEGIN
	shown := _aido_check_session($1, $3);
	DELETE FROM aido.conversations x WHERE x.id = $2 AND x.user_id = $1;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('conversation');
	END IF;
END
$$;

/* Newest first. */
CREATE FUNCTION aido_conversation_list(user_id uuid, params jsonb DEFAULT '{}',
									   session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
	shown text;
	p jsonb := coalesce($2, '{}');
	v_limit integer;
	c_created timestamptz;
	c_id uuid;
	items jsonb;
	n integer;
	last_c timestamptz;
	last_i uuid;
BEGIN
	shown := _aido_check_session($1, $3);
	v_limit := _aido_param_limit(p, 50);
	IF _aido_param(p, 'cursor') IS NOT NULL THEN
		SELECT d.created_at, d.id INTO c_created, c_id
		FROM _aido_cursor_decode(_aido_param(p, 'cursor'), 'conversations') AS d;
	END IF;
	SELECT coalesce(jsonb_agg(_aido_as_user(to_jsonb(x), shown) ORDER BY x.created_at DESC, x.id DESC), '[]'), count(*)
	INTO items, n
	FROM (SELECT * FROM aido.conversations y
		  WHERE y.user_id = $1
			AND (c_id IS NULL OR (y.created_at, y.id) < (c_created, c_id))
		  ORDER BY y.created_at DESC, y.id DESC
		  LIMIT v_limit + 1) x;
	IF n > v_limit THEN
		/* drop the extra row: it only told us there is a next page */
		items := items - v_limit;
		SELECT (e ->> 'created_at')::timestamptz, (e ->> 'id')::uuid INTO last_c, last_i
		FROM (SELECT items -> (v_limit - 1) AS e) s;
		RETURN jsonb_build_object('items', items, 'next_cursor',
			_aido_cursor_encode('conversations', NULL, last_c, last_i));
	END IF;
	RETURN jsonb_build_object('items', items, 'next_cursor', NULL);
END
$$;

CREATE FUNCTION _aido_message_errors(m jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	errors jsonb;
BEGIN
	IF m IS NULL OR jsonb_typeof(m) <> 'object' THEN
		RETURN _aido_not_object_error('message');
	END IF;
	errors := _aido_text_field_errors(m, 'role', true, 1, 20)
		|| _aido_text_field_errors(m, 'content', true, 1, 32000)
		|| _aido_unknown_field_errors(m, ARRAY['role', 'content']);
	IF NOT errors @> '[{"field": "role"}]'
		AND m ->> 'role' NOT IN ('user', 'assistant', 'system', 'tool') THEN
		errors := _aido_error('role', 'invalid_choice',
							  'role must be one of user, assistant, system, tool') || errors;
	END IF;
	RETURN errors;
END
$$;

CREATE FUNCTION aido_message_create(user_id uuid, conversation_id uuid, message jsonb,
									session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	shown text;
	t record;
BEGIN
	shown := _aido_check_session($1, $4);
	/* the conversation must be the user's; locking it orders its messages */
	PERFORM 1 FROM aido.conversations x WHERE x.id = $2 AND x.user_id = $1 FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('conversation');
	END IF;
	PERFORM _aido_raise_invalid('message is invalid', _aido_message_errors($3));
	INSERT INTO aido.messages AS x (conversation_id, user_id, role, content)
	VALUES ($2, $1, $3 ->> 'role', $3 ->> 'content')
	RETURNING x.* INTO t;
	/* the conversation was last updated when its newest message came */
	UPDATE aido.conversations x SET updated_at = t.created_at WHERE x.id = $2 AND x.user_id = $1;
	RETURN _aido_as_user(to_jsonb(t), shown);
END
$$;

/* Oldest first, as a chat is read. */
CREATE FUNCTION aido_message_list(user_id uuid, conversation_id uuid,
								  params jsonb DEFAULT '{}', session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
	shown text;
	p jsonb := coalesce($3, '{}');
	v_limit integer;
	c_created timestamptz;
	c_id uuid;
	items jsonb;
	n integer;
	last_c timestamptz;
	last_i uuid;
BEGIN
	shown := _aido_check_session($1, $4);
	v_limit := _aido_param_limit(p, 50);
	IF _aido_param(p, 'cursor') IS NOT NULL THEN
		SELECT d.created_at, d.id INTO c_created, c_id
		FROM _aido_cursor_decode(_aido_param(p, 'cursor'), 'messages') AS d;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM aido.conversations x WHERE x.id = $2 AND x.user_id = $1) THEN
		PERFORM _aido_not_found('conversation');
	END IF;
	SELECT coalesce(jsonb_agg(_aido_as_user(to_jsonb(x), shown) ORDER BY x.created_at, x.id), '[]'), count(*)
	INTO items, n
	FROM (SELECT * FROM aido.messages y
		  WHERE y.conversation_id = $2 AND y.user_id = $1
			AND (c_id IS NULL OR (y.created_at, y.id) > (c_created, c_id))
		  ORDER BY y.created_at, y.id
		  LIMIT v_limit + 1) x;
	IF n > v_limit THEN
		items := items - v_limit;
		SELECT (e ->> 'created_at')::timestamptz, (e ->> 'id')::uuid INTO last_c, last_i
		FROM (SELECT items -> (v_limit - 1) AS e) s;
		RETURN jsonb_build_object('items', items, 'next_cursor',
			_aido_cursor_encode('messages', NULL, last_c, last_i));
	END IF;
	RETURN jsonb_build_object('items', items, 'next_cursor', NULL);
END
$$;

/*
 * Privileges.  PUBLIC may execute nothing of aido; aido_api may execute the
 * API and nothing else (no table privileges: the functions are SECURITY
 * DEFINER); aido_admin may do everything, bootstrap included.
 */
DO $grants$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN
		SELECT p.oid::regprocedure
		FROM pg_catalog.pg_proc p
		JOIN pg_catalog.pg_depend d
		  ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
		 AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
		JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'aido'
	LOOP
		EXECUTE format('REVOKE ALL ON ROUTINE %s FROM PUBLIC', f);
		EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO aido_admin', f);
	END LOOP;
END
$grants$;

GRANT aido_api TO aido_admin;

GRANT EXECUTE ON FUNCTION
	aido_schema_status(),
	aido_health(),
	aido_hash_password(text),
	aido_verify_password(text, text),
	aido_password_needs_rehash(text),
	aido_validate_task(jsonb, boolean),
	aido_signup(jsonb, integer, text),
	aido_logout(uuid, uuid),
	aido_session_user(uuid, uuid),
	aido_external_user(text, text, text),
	aido_task_create(uuid, jsonb, uuid),
	aido_task_get(uuid, uuid, uuid),
	aido_task_list(uuid, jsonb, uuid),
	aido_task_update(uuid, uuid, jsonb, uuid),
	aido_task_replace(uuid, uuid, jsonb, uuid),
	aido_task_toggle(uuid, uuid, uuid),
	aido_task_delete(uuid, uuid, uuid),
	aido_conversation_create(uuid, jsonb, uuid),
	aido_conversation_get(uuid, uuid, uuid),
	aido_conversation_list(uuid, jsonb, uuid),
	aido_conversation_delete(uuid, uuid, uuid),
	aido_message_create(uuid, uuid, jsonb, uuid),
	aido_message_list(uuid, uuid, jsonb, uuid),
	_aido_login_attempt(jsonb, integer, text, text)
TO aido_api;
GRANT EXECUTE ON PROCEDURE aido_login(jsonb, integer, text, text, jsonb) TO aido_api;

/*
 * Documentation: \df+ aido_* explains itself.
 */
COMMENT ON FUNCTION aido_hash_password(text) IS
'argon2id hash of a password in PHC string form; cost from aido.password_memory_kib and aido.password_iterations';
COMMENT ON FUNCTION aido_verify_password(text, text) IS
'constant-time check of a password against an argon2id or legacy bcrypt ($2a$/$2b$/$2y$) hash; false for a malformed hash';
COMMENT ON FUNCTION aido_password_needs_rehash(text) IS
'true when a hash is bcrypt, malformed, or argon2id weaker than the current settings; aido_login then upgrades it';
COMMENT ON FUNCTION aido_validate_task(jsonb, boolean) IS
'the task rules: a jsonb array of {field, code, message}, [] when valid; partial => true checks a PATCH body';
COMMENT ON FUNCTION aido_health() IS
'health of the database and of the aido schema, as jsonb, with the time the check took';
COMMENT ON FUNCTION aido_bootstrap() IS
'creates the aido schema, tables, constraints, indexes and triggers that are missing; safe to run on every start; returns what it created';
COMMENT ON FUNCTION aido_schema_status() IS
'one row per required schema object: present or not, with what to do';
COMMENT ON FUNCTION aido_signup(jsonb, integer, text) IS
'creates an account from {email, password, name?} and opens a session; 23514 invalid, 23505 email taken';
COMMENT ON PROCEDURE aido_login(jsonb, integer, text, text, jsonb) IS
'CALL aido_login(''{"email":..,"password":..}''): opens a session; 28P01 for an unknown email or a wrong password alike, in the same time; PT429 after too many failures';
COMMENT ON FUNCTION aido_logout(uuid, uuid) IS
'revokes a session: its token is refused from then on; 28000 when it is not live';
COMMENT ON FUNCTION aido_session_user(uuid, uuid) IS
'the user of a live session (or, with no session, the user as given), as {id, email, name, created_at}; 28000 for a dead session';
COMMENT ON FUNCTION aido_external_user(text, text, text) IS
'the user id behind an external provider''s subject, created on first sight; never matched by email';
COMMENT ON FUNCTION aido_task_create(uuid, jsonb, uuid) IS
'creates a task for a user from its JSON fields; 23514 with the field errors in DETAIL';
COMMENT ON FUNCTION aido_task_get(uuid, uuid, uuid) IS
'one task of a user; P0002 when it does not exist or is another user''s';
COMMENT ON FUNCTION aido_task_list(uuid, jsonb, uuid) IS
'a page of a user''s tasks: params status, priority, tag, q, due_before, due_after, sort, limit, cursor; {items, next_cursor}';
COMMENT ON FUNCTION aido_task_update(uuid, uuid, jsonb, uuid) IS
'changes the fields present in a patch (PATCH)';
COMMENT ON FUNCTION aido_task_replace(uuid, uuid, jsonb, uuid) IS
'sets every editable field; absent ones take their defaults (PUT)';
COMMENT ON FUNCTION aido_task_toggle(uuid, uuid, uuid) IS
'flips completed; completing a recurring task creates its next occurrence once';
COMMENT ON FUNCTION aido_task_delete(uuid, uuid, uuid) IS
'deletes a task of a user; P0002 when there is none';
COMMENT ON FUNCTION aido_conversation_create(uuid, jsonb, uuid) IS
'creates a conversation {title?} for a user';
COMMENT ON FUNCTION aido_conversation_get(uuid, uuid, uuid) IS
'one conversation of a user; P0002 otherwise';
COMMENT ON FUNCTION aido_conversation_list(uuid, jsonb, uuid) IS
'a page of a user''s conversations, newest first: params limit, cursor';
COMMENT ON FUNCTION aido_conversation_delete(uuid, uuid, uuid) IS
'deletes a conversation and its messages';
COMMENT ON FUNCTION aido_message_create(uuid, uuid, jsonb, uuid) IS
'adds {role, content} to a conversation of the user';
COMMENT ON FUNCTION aido_message_list(uuid, uuid, jsonb, uuid) IS
'a page of a conversation''s messages, oldest first: params limit, cursor';
