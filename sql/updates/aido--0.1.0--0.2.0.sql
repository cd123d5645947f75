/*
 * sql/updates/aido--0.1.0--0.2.0.sql: a 0.1.0 database to 0.2.0, by
 * ALTER EXTENSION aido UPDATE and then SELECT aido_bootstrap() (see
 * sql/README.md).  Every routine changed since 0.1.0, whole, as sql/src has
 * it; a routine whose parameters were renamed is dropped first (CREATE OR
 * REPLACE cannot rename one), and the routines made here get the privileges
 * 80_privileges.sql gives.
 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "ALTER EXTENSION aido UPDATE" to load this file. \quit

/* renamed parameters */
DROP FUNCTION IF EXISTS _aido_check_session(uuid, uuid);
DROP FUNCTION IF EXISTS _aido_open_session(jsonb, integer, text);
DROP FUNCTION IF EXISTS _aido_message_errors(jsonb);

/* gone: used by nothing */
DROP FUNCTION IF EXISTS _aido_priority_rank(text);

/* the login throttle counts an attempt before checking it (issue 13) */
DROP FUNCTION IF EXISTS _aido_login_attempt(jsonb, integer, text, text);
DROP FUNCTION IF EXISTS _aido_login_throttle(text, text);
DROP FUNCTION IF EXISTS _aido_login_failed(text, text);
DROP FUNCTION IF EXISTS _aido_login_keys(text, text);
/* signup takes the client address */
DROP FUNCTION IF EXISTS aido_signup(jsonb, integer, text);

CREATE OR REPLACE FUNCTION _aido_trim(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.btrim(value, E' \t\n\r\f' OPERATOR(pg_catalog.||) pg_catalog.chr(11)) $$;

CREATE OR REPLACE FUNCTION _aido_normalize_tags(tags text[])
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	v_tag text;
	v_result text[] := '{}';
BEGIN
	FOREACH v_tag IN ARRAY tags LOOP
		v_tag := pg_catalog.lower(@extschema@._aido_trim(v_tag));
		IF v_tag IS NOT NULL AND v_tag <> ALL (v_result) THEN
			v_result := v_result || v_tag;
		END IF;
	END LOOP;
	RETURN v_result;
END
$$;

CREATE OR REPLACE FUNCTION _aido_b64url_encode(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT pg_catalog.translate(
		pg_catalog.encode(pg_catalog.convert_to(value, 'UTF8'), 'base64'),
		E'+/=\n', '-_')
$$;

CREATE OR REPLACE FUNCTION _aido_b64url_decode(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT pg_catalog.convert_from(pg_catalog.decode(
		pg_catalog.rpad(pg_catalog.translate(value, '-_', '+/'),
			 ((pg_catalog.length(value) + 3) / 4) * 4, '='),
		'base64'), 'UTF8')
$$;

/*
 * A setting of aido, by its name without the "aido." prefix.  Here the GUCs
 * the C library defines (PGC_SUSET: a session cannot loosen them); the
 * library is loaded first, since only then are they defined.  The SQL-only
 * flavor reads an owner-only table instead.
 */
CREATE OR REPLACE FUNCTION _aido_setting(name text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	PERFORM @extschema@.aido_password_needs_rehash('');
	RETURN pg_catalog.current_setting('aido.' OPERATOR(pg_catalog.||) _aido_setting.name);
END
$$;

CREATE OR REPLACE FUNCTION _aido_hash_bcrypt(password text)
RETURNS text
AS 'MODULE_PATHNAME', 'aido_hash_bcrypt'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION _aido_json_agg_transfn(state internal, item anyelement)
RETURNS internal
AS 'MODULE_PATHNAME', 'aido_json_agg_transfn'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION _aido_json_agg_finalfn(state internal)
RETURNS json
AS 'MODULE_PATHNAME', 'aido_json_agg_finalfn'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE OR REPLACE AGGREGATE _aido_json_agg(anyelement) (
	SFUNC = _aido_json_agg_transfn,
	STYPE = internal,
	FINALFUNC = _aido_json_agg_finalfn
);

/*
 * Passwords across flavors (docs/passwords.md).  The SQL-only flavor cannot
 * compute argon2id, so beside each argon2id hash this flavor keeps a bcrypt
 * hash of the same password (users.password_bcrypt), which pgcrypto can
 * check after the data moves.  A bcrypt password_hash needs none.
 */
CREATE OR REPLACE FUNCTION _aido_portable_hash(password text, hash text)
RETURNS text
LANGUAGE sql VOLATILE
AS $$
	SELECT CASE WHEN hash LIKE '$argon2id$%' THEN @extschema@._aido_hash_bcrypt(password) END
$$;

/* The stored hash verified; this flavor checks every hash it may hold. */
CREATE OR REPLACE FUNCTION _aido_verify_stored(password text, hash text, bcrypt text)
RETURNS boolean
LANGUAGE sql VOLATILE
AS $$ SELECT @extschema@.aido_verify_password(password, hash) $$;


CREATE OR REPLACE FUNCTION _aido_schema_accounts()
RETURNS TABLE (kind text, tbl text, name text, ddl text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $objects$
	VALUES
	('schema', NULL, 'aido', 'CREATE SCHEMA aido'),

	('table', 'users', 'users', 'CREATE TABLE aido.users (id uuid PRIMARY KEY DEFAULT gen_random_uuid())'),
	('column', 'users', 'email', 'ALTER TABLE aido.users ADD COLUMN email text'),
	('column', 'users', 'password_hash', 'ALTER TABLE aido.users ADD COLUMN password_hash text'),
	('column', 'users', 'password_bcrypt', 'ALTER TABLE aido.users ADD COLUMN password_bcrypt text'),
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
	('index', 'sessions', 'sessions_user_id_idx', 'CREATE INDEX sessions_user_id_idx ON aido.sessions (user_id)')
$objects$;

CREATE OR REPLACE FUNCTION _aido_schema_tasks()
RETURNS TABLE (kind text, tbl text, name text, ddl text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $objects$
	VALUES
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
	('column', 'tasks', 'remind_at', 'ALTER TABLE aido.tasks ADD COLUMN remind_at timestamptz'),
	('column', 'tasks', 'reminded_at', 'ALTER TABLE aido.tasks ADD COLUMN reminded_at timestamptz'),
	/* the reminders still to fire, soonest first: aido_reminders_fire() and _next() read only this */
	('index', 'tasks', 'tasks_remind_pending_idx', 'CREATE INDEX tasks_remind_pending_idx ON aido.tasks (remind_at) WHERE remind_at IS NOT NULL AND reminded_at IS NULL AND NOT completed'),

	/*
	 * The change log (67_events.sql).  seq is null until the event is
	 * settled, after its transaction has committed, so that seq follows
	 * commit order.  The indexes on seq leave out the events not yet
	 * settled, and id has no index but the unsettled events' (the only
	 * rows looked up by id): a writer inserts into one index, not four.
	 */
	('sequence', NULL, 'task_events_seq', 'CREATE SEQUENCE aido.task_events_seq'),
	('table', 'task_events', 'task_events', 'CREATE TABLE aido.task_events (id bigint GENERATED BY DEFAULT AS IDENTITY)'),
	('column', 'task_events', 'seq', 'ALTER TABLE aido.task_events ADD COLUMN seq bigint'),
	('column', 'task_events', 'user_id', 'ALTER TABLE aido.task_events ADD COLUMN user_id uuid NOT NULL'),
	('column', 'task_events', 'event_type', 'ALTER TABLE aido.task_events ADD COLUMN event_type text NOT NULL'),
	('column', 'task_events', 'task_id', 'ALTER TABLE aido.task_events ADD COLUMN task_id uuid NOT NULL'),
	('column', 'task_events', 'task_data', 'ALTER TABLE aido.task_events ADD COLUMN task_data jsonb NOT NULL'),
	('column', 'task_events', 'created_at', 'ALTER TABLE aido.task_events ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp()'),
	('constraint', 'task_events', 'task_events_event_type_check', $$ALTER TABLE aido.task_events ADD CONSTRAINT task_events_event_type_check CHECK (event_type IN ('created', 'updated', 'completed', 'deleted', 'reminder'))$$),
	('index', 'task_events', 'task_events_seq_key', 'CREATE UNIQUE INDEX task_events_seq_key ON aido.task_events (seq) WHERE seq IS NOT NULL'),
	('index', 'task_events', 'task_events_user_seq_idx', 'CREATE INDEX task_events_user_seq_idx ON aido.task_events (user_id, seq) WHERE seq IS NOT NULL'),
	('index', 'task_events', 'task_events_unsettled_idx', 'CREATE INDEX task_events_unsettled_idx ON aido.task_events (id) WHERE seq IS NULL')
$objects$;

CREATE OR REPLACE FUNCTION _aido_schema_conversations()
RETURNS TABLE (kind text, tbl text, name text, ddl text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $objects$
	VALUES
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
	('index', 'messages', 'messages_user_id_idx', 'CREATE INDEX messages_user_id_idx ON aido.messages (user_id)')
$objects$;

CREATE OR REPLACE FUNCTION _aido_schema_triggers()
RETURNS TABLE (kind text, tbl text, name text, ddl text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $objects$
	VALUES
	('trigger', 'users', 'users_normalize', 'CREATE TRIGGER users_normalize BEFORE INSERT OR UPDATE ON aido.users FOR EACH ROW EXECUTE FUNCTION @extschema@._aido_users_normalize()'),
	('trigger', 'sessions', 'sessions_touch', 'CREATE TRIGGER sessions_touch BEFORE INSERT OR UPDATE ON aido.sessions FOR EACH ROW EXECUTE FUNCTION @extschema@._aido_touch()'),
	('trigger', 'tasks', 'tasks_guard', 'CREATE TRIGGER tasks_guard BEFORE INSERT OR UPDATE ON aido.tasks FOR EACH ROW EXECUTE FUNCTION @extschema@._aido_tasks_guard()'),
	('trigger', 'tasks', 'tasks_log', 'CREATE TRIGGER tasks_log AFTER INSERT OR UPDATE OR DELETE ON aido.tasks FOR EACH ROW EXECUTE FUNCTION @extschema@._aido_tasks_log()'),
	('trigger', 'conversations', 'conversations_touch', 'CREATE TRIGGER conversations_touch BEFORE INSERT OR UPDATE ON aido.conversations FOR EACH ROW EXECUTE FUNCTION @extschema@._aido_touch()'),
	('trigger', 'messages', 'messages_touch', 'CREATE TRIGGER messages_touch BEFORE INSERT OR UPDATE ON aido.messages FOR EACH ROW EXECUTE FUNCTION @extschema@._aido_touch()')
$objects$;

CREATE OR REPLACE FUNCTION _aido_schema_secrets()
RETURNS TABLE (kind text, tbl text, name text, ddl text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $objects$
	VALUES
	('table', 'secrets', 'secrets', 'CREATE TABLE aido.secrets (name text PRIMARY KEY)'),
	('column', 'secrets', 'value', 'ALTER TABLE aido.secrets ADD COLUMN value bytea NOT NULL')
$objects$;

CREATE OR REPLACE FUNCTION _aido_schema_objects()
RETURNS TABLE (ord integer, kind text, tbl text, name text, ddl text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT row_number() OVER (ORDER BY o.part, o.n)::integer, o.kind, o.tbl, o.name, o.ddl
	FROM (SELECT 1 AS part, * FROM _aido_schema_accounts() WITH ORDINALITY AS p(kind, tbl, name, ddl, n)
		  UNION ALL
		  SELECT 2, * FROM _aido_schema_tasks() WITH ORDINALITY AS p(kind, tbl, name, ddl, n)
		  UNION ALL
		  SELECT 3, * FROM _aido_schema_conversations() WITH ORDINALITY AS p(kind, tbl, name, ddl, n)
		  UNION ALL
		  SELECT 4, * FROM _aido_schema_triggers() WITH ORDINALITY AS p(kind, tbl, name, ddl, n)
		  UNION ALL
		  SELECT 5, * FROM _aido_schema_secrets() WITH ORDINALITY AS p(kind, tbl, name, ddl, n)) AS o
$$;

CREATE OR REPLACE FUNCTION _aido_tasks_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := clock_timestamp();
	v_next_due timestamptz;
	v_step interval;
BEGIN
	PERFORM @extschema@._aido_raise_invalid('task is invalid',
		@extschema@.aido_validate_task(
			to_jsonb(NEW) - ARRAY['id', 'user_id', 'created_at', 'updated_at',
								  'completed_at', 'next_occurrence_id', 'reminded_at'],
			false));

	NEW.title := @extschema@._aido_trim(NEW.title);
	IF TG_OP = 'INSERT' OR NEW.tags IS DISTINCT FROM OLD.tags THEN
		NEW.tags := @extschema@._aido_normalize_tags(NEW.tags);
	END IF;

	IF TG_OP = 'UPDATE' THEN
		NEW.created_at := OLD.created_at;
		IF NEW.remind_at IS DISTINCT FROM OLD.remind_at THEN
			NEW.reminded_at := NULL;
		END IF;
		IF NEW.reminded_at IS DISTINCT FROM OLD.reminded_at
		   AND to_jsonb(NEW) - ARRAY['reminded_at', 'updated_at']
			   = to_jsonb(OLD) - ARRAY['reminded_at', 'updated_at'] THEN
			NEW.updated_at := OLD.updated_at;
		ELSE
			NEW.updated_at := v_now;
		END IF;
		IF NEW.completed AND OLD.completed THEN
			NEW.completed_at := OLD.completed_at;
		END IF;
	ELSE
		NEW.updated_at := NEW.created_at;
	END IF;

	IF NOT NEW.completed THEN
		NEW.completed_at := NULL;
	ELSIF TG_OP = 'INSERT' OR NOT OLD.completed THEN
		NEW.completed_at := v_now;

		IF NEW.recurring AND NEW.next_occurrence_id IS NULL THEN
			v_step := CASE NEW.recurring_pattern
				WHEN 'daily' THEN interval '1 day'
				WHEN 'weekly' THEN interval '7 days'
				WHEN 'monthly' THEN interval '1 month'
			END;
			/* advance in UTC, so the session's time zone cannot shift it */
			v_next_due := ((coalesce(NEW.due_date, v_now) AT TIME ZONE 'UTC') + v_step)
				AT TIME ZONE 'UTC';
		END IF;
		IF v_next_due < timestamptz '10000-01-01T00:00:00Z' THEN
			INSERT INTO aido.tasks (user_id, title, description, completed,
									priority, tags, due_date, remind_at, recurring,
									recurring_pattern)
			VALUES (NEW.user_id, NEW.title, NEW.description, false,
					NEW.priority, NEW.tags, v_next_due,
					nullif(least(((NEW.remind_at AT TIME ZONE 'UTC') + v_step) AT TIME ZONE 'UTC',
								 timestamptz '10000-01-01T00:00:00Z'),
						   timestamptz '10000-01-01T00:00:00Z'),
					true, NEW.recurring_pattern)
			RETURNING id INTO NEW.next_occurrence_id;
		END IF;
	END IF;
	RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION aido_bootstrap()
RETURNS SETOF text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
	v_object record;
BEGIN
	/* one bootstrap at a time: two gateways starting together must not race */
	PERFORM pg_advisory_xact_lock(hashtext('aido_bootstrap'));

	FOR v_object IN SELECT * FROM @extschema@._aido_schema_objects() ORDER BY ord LOOP
		IF NOT @extschema@._aido_object_present(v_object.kind, v_object.tbl, v_object.name) THEN
			EXECUTE v_object.ddl;
			RETURN NEXT format('created %s %s', v_object.kind,
							   CASE WHEN v_object.kind IN ('schema', 'table', 'sequence')
									THEN v_object.name
									ELSE v_object.tbl || '.' || v_object.name END);
		END IF;
	END LOOP;

	/* the key of the cursors' HMAC, made once: 64 bytes, 488 of them random */
	INSERT INTO aido.secrets AS s (name, value)
	VALUES ('cursor_hmac', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text
										  || gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'))
	ON CONFLICT (name) DO NOTHING;

	/* privileges are (re)granted every time: GRANT is idempotent */
	GRANT USAGE ON SCHEMA aido TO aido_admin;
	GRANT ALL ON ALL TABLES IN SCHEMA aido TO aido_admin;
	GRANT ALL ON ALL SEQUENCES IN SCHEMA aido TO aido_admin;
	RETURN;
END
$$;

CREATE OR REPLACE FUNCTION _aido_param(params jsonb, param text)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
	v_value jsonb := params -> param;
BEGIN
	IF v_value IS NULL THEN
		RETURN NULL;
	ELSIF jsonb_typeof(v_value) = 'number' THEN
		RETURN v_value #>> '{}';
	ELSIF jsonb_typeof(v_value) <> 'string' THEN
		PERFORM _aido_bad_param(param, 'must be a single value');
	ELSIF v_value #>> '{}' = '' THEN
		PERFORM _aido_bad_param(param, 'must not be empty');
	END IF;
	RETURN v_value #>> '{}';
END
$$;

CREATE OR REPLACE FUNCTION _aido_param_limit(params jsonb, default_limit integer)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
	v_value text := _aido_param(params, 'limit');
BEGIN
	IF v_value IS NULL THEN
		RETURN default_limit;
	ELSIF v_value !~ '^[0-9]{1,4}$' OR v_value::integer NOT BETWEEN 1 AND 100 THEN
		PERFORM _aido_bad_param('limit', 'must be an integer from 1 to 100');
	END IF;
	RETURN v_value::integer;
END
$$;

CREATE OR REPLACE FUNCTION _aido_param_time(params jsonb, param text)
RETURNS timestamptz
LANGUAGE plpgsql
AS $$
DECLARE
	v_value text := _aido_param(params, param);
BEGIN
	IF v_value IS NULL THEN
		RETURN NULL;
	END IF;
	IF aido_validate_task(jsonb_build_object('due_date', v_value), true) <> '[]'::jsonb THEN
		PERFORM _aido_bad_param(param,
			'must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T09:00:00Z');
	END IF;
	RETURN v_value::timestamptz;
END
$$;

CREATE OR REPLACE FUNCTION _aido_hmac(message bytea, key bytea)
RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT sha256(substr(bit_send(('x' || rpad(encode(key, 'hex'), 128, '0'))::bit(512)
								  # ('x' || repeat('5c', 64))::bit(512)), 5)
				  || sha256(substr(bit_send(('x' || rpad(encode(key, 'hex'), 128, '0'))::bit(512)
											# ('x' || repeat('36', 64))::bit(512)), 5)
							|| message))
$$;

CREATE OR REPLACE FUNCTION _aido_cursor_tag(payload text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	v_key bytea;
BEGIN
	SELECT s.value INTO v_key FROM aido.secrets s WHERE s.name = 'cursor_hmac';
	IF v_key IS NULL THEN
		RAISE EXCEPTION USING
			ERRCODE = 'object_not_in_prerequisite_state',
			MESSAGE = 'aido has no cursor key',
			HINT = 'run SELECT aido_bootstrap()';
	END IF;
	RETURN rtrim(translate(encode(substr(_aido_hmac(convert_to(payload, 'UTF8'), v_key), 1, 16), 'base64'),
						   '+/', '-_'), '=');
END
$$;

CREATE OR REPLACE FUNCTION _aido_cursor_encode(sort text, sort_key text, created_at timestamptz, id uuid)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	v_payload text := _aido_b64url_encode(jsonb_build_array(sort, sort_key, created_at::text, id)::text);
BEGIN
	RETURN v_payload || '.' || _aido_cursor_tag(v_payload);
END
$$;

CREATE OR REPLACE FUNCTION _aido_cursor_decode(cursor text, sort text,
											   OUT sort_key text, OUT created_at timestamptz, OUT id uuid)
LANGUAGE plpgsql
AS $$
DECLARE
	v_payload text := split_part(cursor, '.', 1);
	v_cursor jsonb;
BEGIN
	IF cursor IS NULL THEN
		RETURN;
	END IF;
	/* the tags compared as hashes, so that the time taken tells nothing */
	IF cursor !~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$'
		OR sha256(convert_to(split_part(cursor, '.', 2), 'UTF8'))
		   <> sha256(convert_to(_aido_cursor_tag(v_payload), 'UTF8')) THEN
		PERFORM _aido_bad_param('cursor',
			'is not a cursor this server issued for this sort; start again without it');
	END IF;
	BEGIN
		v_cursor := _aido_b64url_decode(v_payload)::jsonb;
		IF jsonb_typeof(v_cursor) <> 'array' OR jsonb_array_length(v_cursor) <> 4
			OR v_cursor ->> 0 IS DISTINCT FROM sort THEN
			RAISE EXCEPTION 'foreign cursor';
		END IF;
		sort_key := v_cursor ->> 1;
		created_at := (v_cursor ->> 2)::timestamptz;
		id := (v_cursor ->> 3)::uuid;
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
 * The one pagination idiom of the lists (tasks, conversations, messages):
 * a list aggregates its page as json text (json_agg of its rows: nothing
 * is parsed or printed as jsonb), limit items in its order, and makes its
 * answer here from whether there was one more (more) and the last kept
 * item's key (NULL for a list in created_at order), created_at and id: the
 * items and a cursor naming the last of them, or no cursor on the last
 * page.  The json arguments are copied into the answer, not parsed again.
 */
CREATE OR REPLACE FUNCTION _aido_page_json(items json, more boolean, sort text, last_key text,
										   last_created_at timestamptz, last_id uuid)
RETURNS json
LANGUAGE sql STABLE
AS $$
	SELECT json_build_object('items', coalesce(items, '[]'::json), 'next_cursor',
		CASE WHEN more THEN _aido_cursor_encode(sort, last_key, last_created_at, last_id) END)
$$;

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

CREATE OR REPLACE FUNCTION _aido_task_defaults()
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT '{"title": null, "description": null, "completed": false, "priority": "medium",
			 "tags": [], "due_date": null, "remind_at": null, "recurring": false,
			 "recurring_pattern": null}'::jsonb
$$;

CREATE OR REPLACE FUNCTION aido_task_create(user_id uuid, task jsonb, session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_shown text;
	v_task record;
BEGIN
	v_shown := _aido_check_session(aido_task_create.user_id, aido_task_create.session_id);
	PERFORM _aido_raise_invalid('task is invalid', aido_validate_task(task, false));
	INSERT INTO aido.tasks AS x (user_id, title, description, completed, priority,
								 tags, due_date, remind_at, recurring, recurring_pattern)
	SELECT aido_task_create.user_id, r.title, r.description, r.completed, r.priority,
		   r.tags, r.due_date, r.remind_at, r.recurring, r.recurring_pattern
	FROM jsonb_populate_record(NULL::aido.tasks, _aido_task_defaults() || coalesce(task, '{}')) AS r
	RETURNING x.* INTO v_task;
	RETURN _aido_as_user(to_jsonb(v_task), v_shown);
END
$$;

CREATE OR REPLACE FUNCTION aido_task_get(user_id uuid, task_id uuid, session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_shown text;
	v_task jsonb;
BEGIN
	v_shown := _aido_check_session(aido_task_get.user_id, aido_task_get.session_id);
	SELECT to_jsonb(x) INTO v_task
	FROM aido.tasks x WHERE x.id = aido_task_get.task_id AND x.user_id = aido_task_get.user_id;
	IF v_task IS NULL THEN
		PERFORM _aido_not_found('task');
	END IF;
	RETURN _aido_as_user(v_task, v_shown);
END
$$;

CREATE OR REPLACE FUNCTION _aido_task_write(user_id uuid, task_id uuid, fields jsonb, shown text)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
	v_fields jsonb := fields;
	v_task record;
BEGIN
	IF v_fields @> '{"recurring": false}' AND NOT v_fields ? 'recurring_pattern' THEN
		v_fields := v_fields || '{"recurring_pattern": null}';
	END IF;
	UPDATE aido.tasks AS x
	SET (title, description, completed, priority, tags, due_date, remind_at, recurring,
		 recurring_pattern) =
		(SELECT r.title, r.description, r.completed, r.priority, r.tags, r.due_date,
				CASE WHEN v_fields ? 'due_date' AND NOT v_fields ? 'remind_at'
						  AND x.due_date IS NOT NULL AND r.due_date IS NOT NULL
					 THEN x.remind_at + (r.due_date - x.due_date)
					 ELSE r.remind_at END,
				r.recurring, r.recurring_pattern
		 FROM jsonb_populate_record(x, v_fields) AS r)
	WHERE x.id = _aido_task_write.task_id AND x.user_id = _aido_task_write.user_id
	RETURNING x.* INTO v_task;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('task');
	END IF;
	RETURN _aido_as_user(to_jsonb(v_task), shown);
END
$$;

CREATE OR REPLACE FUNCTION aido_task_update(user_id uuid, task_id uuid, patch jsonb,
											session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_shown text;
BEGIN
	v_shown := _aido_check_session(aido_task_update.user_id, aido_task_update.session_id);
	PERFORM _aido_raise_invalid('task is invalid', aido_validate_task(patch, true));
	IF patch = '{}'::jsonb THEN
		RETURN aido_task_get(aido_task_update.user_id, aido_task_update.task_id);
	END IF;
	RETURN _aido_task_write(aido_task_update.user_id, aido_task_update.task_id, patch, v_shown);
END
$$;

CREATE OR REPLACE FUNCTION aido_task_replace(user_id uuid, task_id uuid, task jsonb,
											 session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_shown text;
BEGIN
	v_shown := _aido_check_session(aido_task_replace.user_id, aido_task_replace.session_id);
	PERFORM _aido_raise_invalid('task is invalid', aido_validate_task(task, false));
	RETURN _aido_task_write(aido_task_replace.user_id, aido_task_replace.task_id,
							_aido_task_defaults() || coalesce(task, '{}'), v_shown);
END
$$;

CREATE OR REPLACE FUNCTION aido_task_toggle(user_id uuid, task_id uuid, session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_shown text;
	v_task record;
BEGIN
	v_shown := _aido_check_session(aido_task_toggle.user_id, aido_task_toggle.session_id);
	UPDATE aido.tasks AS x SET completed = NOT x.completed
	WHERE x.id = aido_task_toggle.task_id AND x.user_id = aido_task_toggle.user_id
	RETURNING x.* INTO v_task;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('task');
	END IF;
	RETURN _aido_as_user(to_jsonb(v_task), v_shown);
END
$$;

CREATE OR REPLACE FUNCTION aido_task_delete(user_id uuid, task_id uuid, session_id uuid DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'	-- the deleted event's task, as every API write: in UTC
AS $$
BEGIN
	PERFORM _aido_check_session(aido_task_delete.user_id, aido_task_delete.session_id);
	DELETE FROM aido.tasks x
	WHERE x.id = aido_task_delete.task_id AND x.user_id = aido_task_delete.user_id;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('task');
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION _aido_task_list_params(params jsonb,
	OUT status text, OUT priority text, OUT tag text, OUT q text,
	OUT due_before timestamptz, OUT due_after timestamptz, OUT sort text, OUT page_limit integer,
	OUT after_key text, OUT after_created_at timestamptz, OUT after_id uuid)
LANGUAGE plpgsql
AS $$
DECLARE
	v_cursor text;
BEGIN
	IF jsonb_typeof(params) <> 'object' THEN
		PERFORM _aido_bad_param('params', 'must be a JSON object');
	END IF;
	status := coalesce(_aido_param(params, 'status'), 'all');
	priority := _aido_param(params, 'priority');
	tag := lower(_aido_trim(_aido_param(params, 'tag')));
	q := lower(_aido_param(params, 'q'));
	due_before := _aido_param_time(params, 'due_before');
	due_after := _aido_param_time(params, 'due_after');
	sort := coalesce(_aido_param(params, 'sort'), '-created_at');
	page_limit := _aido_param_limit(params, 50);
	v_cursor := _aido_param(params, 'cursor');
	IF status NOT IN ('all', 'pending', 'completed') THEN
		PERFORM _aido_bad_param('status', 'must be one of all, pending, completed');
	END IF;
	IF priority NOT IN ('low', 'medium', 'high') THEN
		PERFORM _aido_bad_param('priority', 'must be one of low, medium, high');
	END IF;
	IF tag = '' THEN
		PERFORM _aido_bad_param('tag', 'must not be blank');
	END IF;
	IF char_length(q) > 200 THEN
		PERFORM _aido_bad_param('q', 'must be at most 200 characters');
	END IF;
	IF sort NOT IN ('created_at', '-created_at', 'due_date', '-due_date',
					'priority', '-priority', 'title', '-title') THEN
		PERFORM _aido_bad_param('sort',
			'must be one of created_at, -created_at, due_date, -due_date, priority, -priority, title, -title');
	END IF;
	SELECT d.sort_key, d.created_at, d.id INTO after_key, after_created_at, after_id
	FROM _aido_cursor_decode(v_cursor, sort) AS d;
END
$$;

/*
 * The statement of a task list page for any sort and filters, assembled from
 * fixed fragments: every value is bound ($1 user, $2 completed, $3 priority,
 * $4 tag, $5 q, $6 due_before, $7 due_after, $8..$10 the cursor's key,
 * created_at and id, $11 limit + 1), never pasted.  It answers the page as
 * json text (items, more, last_key, last_created_at, last_id; see
 * _aido_page_json).  Each sort has an index (user_id, key, created_at, id),
 * and the cursor compares the row (key, created_at, id), so that the order
 * is total and no item is skipped or repeated, whatever ties there are.
 */
CREATE OR REPLACE FUNCTION _aido_task_list_query(sort text, status text, priority text, tag text,
												 q text, due_before timestamptz, due_after timestamptz,
												 after_cursor boolean)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	v_dir text := CASE WHEN _aido_task_list_query.sort LIKE '-%' THEN 'DESC' ELSE 'ASC' END;
	v_key text;
	v_keytype text;
	v_sql text;
BEGIN
	CASE ltrim(_aido_task_list_query.sort, '-')
		WHEN 'due_date' THEN
			v_key := $k$coalesce(t.due_date, 'infinity'::timestamptz)$k$;
			v_keytype := 'timestamptz';
		WHEN 'priority' THEN
			v_key := $k$(CASE t.priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 END)$k$;
			v_keytype := 'integer';
		WHEN 'title' THEN
			v_key := 'lower(t.title)';
			v_keytype := 'text';
		ELSE
			v_key := NULL;
	END CASE;

	v_sql := 'SELECT t AS j, ' || coalesce(v_key || '::text', 'NULL::text')
		|| ' AS k, t.created_at AS c, t.id AS i FROM aido.tasks t WHERE t.user_id = $1';
	IF _aido_task_list_query.status <> 'all' THEN
		v_sql := v_sql || ' AND t.completed = $2';
	END IF;
	IF _aido_task_list_query.priority IS NOT NULL THEN
		v_sql := v_sql || ' AND t.priority = $3';
	END IF;
	IF _aido_task_list_query.tag IS NOT NULL THEN
		v_sql := v_sql || ' AND t.tags @> ARRAY[$4]';
	END IF;
	IF _aido_task_list_query.q IS NOT NULL THEN
		v_sql := v_sql || ' AND (strpos(lower(t.title), $5) > 0 OR strpos(lower(t.description), $5) > 0)';
	END IF;
	IF _aido_task_list_query.due_before IS NOT NULL THEN
		v_sql := v_sql || ' AND t.due_date < $6';
	END IF;
	IF _aido_task_list_query.due_after IS NOT NULL THEN
		v_sql := v_sql || ' AND t.due_date > $7';
	END IF;
	IF _aido_task_list_query.after_cursor THEN
		v_sql := v_sql || format(' AND (%s t.created_at, t.id) %s (%s $9, $10)',
								 v_key || ',', CASE v_dir WHEN 'DESC' THEN '<' ELSE '>' END,
								 '$8::' || v_keytype || ',');
	END IF;
	v_sql := v_sql || ' ORDER BY ' || coalesce(v_key || ' ' || v_dir || ', ', '')
		|| 't.created_at ' || v_dir || ', t.id ' || v_dir || ' LIMIT $11';
	/* the page, and the last kept item's key, created_at and id, in one statement */
	RETURN 'SELECT _aido_json_agg(p.j ORDER BY p.n) FILTER (WHERE p.n < $11), count(*) = $11,
				   max(p.k) FILTER (WHERE p.n = $11 - 1), max(p.c) FILTER (WHERE p.n = $11 - 1),
				   max(p.i::text) FILTER (WHERE p.n = $11 - 1)::uuid
			 FROM (SELECT q.*, row_number() OVER () AS n FROM (' || v_sql || ') q) p';
END
$$;

/*
 * The task list as json text: filters, eight sorts, keyset pagination
 * (API.md).  The page is the json_agg of the rows as they are stored (each
 * task's keys in column order), in one aggregate, and returned as it is:
 * the gateway relays it, no jsonb is built or printed.  The pages clients
 * ask for all the time, unfiltered in -created_at or created_at order, are
 * static statements whose plans the session keeps (one statement a page,
 * fine behind a transaction-mode pooler); the others run the statement of
 * _aido_task_list_query, planned on each call.
 */
CREATE OR REPLACE FUNCTION aido_task_list_json(user_id uuid, params jsonb DEFAULT '{}',
											   session_id uuid DEFAULT NULL)
RETURNS json
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
	v_shown text;
	v_params jsonb := coalesce(aido_task_list_json.params, '{}');
	v_limit integer;
	v_p record;
	v_items json;
	v_more boolean;
	v_last_key text;
	v_last_created_at timestamptz;
	v_last_id uuid;
BEGIN
	/* a dead session is 401 whatever else is wrong with the request */
	v_shown := _aido_check_session(aido_task_list_json.user_id, aido_task_list_json.session_id);
	/*
	 * The requests clients make all the time, a page of the default list
	 * with a limit and a cursor at most, have no other parameter to check:
	 * they skip _aido_task_list_params and its dozen calls (each PL/pgSQL
	 * routine a statement enters sets up its expressions again in every
	 * transaction).  The limit is checked before the cursor, as there.
	 */
	IF (CASE WHEN jsonb_typeof(v_params) = 'object'
			 THEN v_params - 'limit' - 'cursor' = '{}'::jsonb ELSE false END) THEN
		v_limit := _aido_param_limit(v_params, 50);
		SELECT '-created_at'::text AS sort, 'all'::text AS status, NULL::text AS priority,
			   NULL::text AS tag, NULL::text AS q, NULL::timestamptz AS due_before,
			   NULL::timestamptz AS due_after, v_limit AS page_limit, d.sort_key AS after_key,
			   d.created_at AS after_created_at, d.id AS after_id
		INTO v_p
		FROM _aido_cursor_decode(_aido_param(v_params, 'cursor'), '-created_at') AS d;
	ELSE
		SELECT * INTO v_p FROM _aido_task_list_params(v_params);
	END IF;
	IF v_p.sort IN ('-created_at', 'created_at') AND v_p.status = 'all' AND v_p.priority IS NULL
		AND v_p.tag IS NULL AND v_p.q IS NULL AND v_p.due_before IS NULL AND v_p.due_after IS NULL THEN
		SELECT r.items, r.more, r.last_created_at, r.last_id
		INTO v_items, v_more, v_last_created_at, v_last_id
		FROM _aido_task_list_recent(aido_task_list_json.user_id, v_p.sort = '-created_at',
									v_p.page_limit, v_p.after_created_at, v_p.after_id) AS r;
	ELSE
		EXECUTE _aido_task_list_query(v_p.sort, v_p.status, v_p.priority, v_p.tag, v_p.q,
									  v_p.due_before, v_p.due_after, v_p.after_id IS NOT NULL)
		INTO v_items, v_more, v_last_key, v_last_created_at, v_last_id
		USING aido_task_list_json.user_id, v_p.status = 'completed', v_p.priority, v_p.tag, v_p.q,
			v_p.due_before, v_p.due_after, v_p.after_key, v_p.after_created_at, v_p.after_id,
			v_p.page_limit + 1;
	END IF;
	/*
	 * A user of an external provider knows the external id.  In json_agg's
	 * text the key "user_id":" can only be the column's (a quote inside a
	 * string value is escaped), so the ids are swapped in the text.
	 */
	IF v_shown <> aido_task_list_json.user_id::text THEN
		v_items := replace(v_items::text, '"user_id":"' || aido_task_list_json.user_id || '"',
						   '"user_id":' || to_json(v_shown))::json;
	END IF;
	RETURN _aido_page_json(v_items, v_more, v_p.sort, v_last_key, v_last_created_at, v_last_id);
END
$$;

/*
 * The unfiltered page in created_at order (descending: newest first, the
 * default), first or after a cursor: static statements, so that their plans
 * are kept for the session.  Generic plans, always: the one plan of each is
 * an index range scan under the limit for every user, and left to itself
 * the plan cache kept planning each call anew (the generic plan's estimate
 * for an unknown limit looks dearer than a custom plan's).  The page is
 * aggregated from limit rows, and whether one more follows is an index
 * probe after the last of them: cheaper than numbering limit + 1 rows as
 * _aido_task_list_query's statement must.  STABLE: both statements see the
 * caller's snapshot.  Answers as _aido_task_list_query's.
 */
CREATE OR REPLACE FUNCTION _aido_task_list_recent(user_id uuid, descending boolean, page_limit integer,
												  after_created_at timestamptz, after_id uuid,
												  OUT items json, OUT more boolean,
												  OUT last_created_at timestamptz, OUT last_id uuid)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_user CONSTANT uuid := _aido_task_list_recent.user_id;
	v_limit CONSTANT integer := _aido_task_list_recent.page_limit;
	v_after_c CONSTANT timestamptz := _aido_task_list_recent.after_created_at;
	v_after_i CONSTANT uuid := _aido_task_list_recent.after_id;
	v_at timestamptz[];
	v_ids uuid[];
BEGIN
	IF _aido_task_list_recent.descending AND v_after_i IS NULL THEN
		SELECT _aido_json_agg(t), array_agg(t.created_at), array_agg(t.id)
		INTO items, v_at, v_ids
		FROM (SELECT * FROM aido.tasks x WHERE x.user_id = v_user
			  ORDER BY x.created_at DESC, x.id DESC LIMIT v_limit) t;
	ELSIF _aido_task_list_recent.descending THEN
		SELECT _aido_json_agg(t), array_agg(t.created_at), array_agg(t.id)
		INTO items, v_at, v_ids
		FROM (SELECT * FROM aido.tasks x WHERE x.user_id = v_user AND (x.created_at, x.id) < (v_after_c, v_after_i)
			  ORDER BY x.created_at DESC, x.id DESC LIMIT v_limit) t;
	ELSIF v_after_i IS NULL THEN
		SELECT _aido_json_agg(t), array_agg(t.created_at), array_agg(t.id)
		INTO items, v_at, v_ids
		FROM (SELECT * FROM aido.tasks x WHERE x.user_id = v_user
			  ORDER BY x.created_at, x.id LIMIT v_limit) t;
	ELSE
		SELECT _aido_json_agg(t), array_agg(t.created_at), array_agg(t.id)
		INTO items, v_at, v_ids
		FROM (SELECT * FROM aido.tasks x WHERE x.user_id = v_user AND (x.created_at, x.id) > (v_after_c, v_after_i)
			  ORDER BY x.created_at, x.id LIMIT v_limit) t;
	END IF;
	more := false;
	IF cardinality(v_ids) = v_limit THEN
		last_created_at := v_at[v_limit];
		last_id := v_ids[v_limit];
		IF _aido_task_list_recent.descending THEN
			more := EXISTS (SELECT FROM aido.tasks x WHERE x.user_id = v_user
							AND (x.created_at, x.id) < (last_created_at, last_id));
		ELSE
			more := EXISTS (SELECT FROM aido.tasks x WHERE x.user_id = v_user
							AND (x.created_at, x.id) > (last_created_at, last_id));
		END IF;
	END IF;
END
$$;

/* The same page as jsonb, for SQL (aido_task_list_json's, parsed). */
CREATE OR REPLACE FUNCTION aido_task_list(user_id uuid, params jsonb DEFAULT '{}',
										  session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
	SELECT aido_task_list_json(aido_task_list.user_id, aido_task_list.params,
							   aido_task_list.session_id)::jsonb
$$;

CREATE OR REPLACE FUNCTION aido_conversation_create(user_id uuid, conversation jsonb DEFAULT '{}',
													session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_shown text;
	v_body jsonb := coalesce(conversation, '{}');
	v_conversation record;
BEGIN
	v_shown := _aido_check_session(aido_conversation_create.user_id, aido_conversation_create.session_id);
	IF jsonb_typeof(v_body) <> 'object' THEN
		PERFORM _aido_raise_invalid('conversation is invalid', _aido_not_object_error('conversation'));
	END IF;
	IF jsonb_typeof(v_body -> 'title') = 'string' THEN
		v_body := jsonb_set(v_body, '{title}', to_jsonb(_aido_trim(v_body ->> 'title')));
	END IF;
	PERFORM _aido_raise_invalid('conversation is invalid',
		_aido_text_field_errors(v_body, 'title', false, 0, 200)
		|| _aido_unknown_field_errors(v_body, ARRAY['title']));
	INSERT INTO aido.conversations AS x (user_id, title)
	VALUES (aido_conversation_create.user_id, nullif(_aido_trim(v_body ->> 'title'), ''))
	RETURNING x.* INTO v_conversation;
	RETURN _aido_as_user(to_jsonb(v_conversation), v_shown);
END
$$;

CREATE OR REPLACE FUNCTION aido_conversation_get(user_id uuid, conversation_id uuid,
												 session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_shown text;
	v_conversation jsonb;
BEGIN
	v_shown := _aido_check_session(aido_conversation_get.user_id, aido_conversation_get.session_id);
	SELECT to_jsonb(x) INTO v_conversation
	FROM aido.conversations x
	WHERE x.id = aido_conversation_get.conversation_id AND x.user_id = aido_conversation_get.user_id;
	IF v_conversation IS NULL THEN
		PERFORM _aido_not_found('conversation');
	END IF;
	RETURN _aido_as_user(v_conversation, v_shown);
END
$$;

CREATE OR REPLACE FUNCTION aido_conversation_delete(user_id uuid, conversation_id uuid,
													session_id uuid DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
BEGIN
	PERFORM _aido_check_session(aido_conversation_delete.user_id, aido_conversation_delete.session_id);
	DELETE FROM aido.conversations x
	WHERE x.id = aido_conversation_delete.conversation_id AND x.user_id = aido_conversation_delete.user_id;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('conversation');
	END IF;
END
$$;

/*
 * A user's conversations, newest first: a page as json text, built in one
 * json_agg of the rows as stored and returned as it is (the gateway relays
 * it).  The first page and a page after a cursor are two static statements,
 * their plans kept for the session.
 */
CREATE OR REPLACE FUNCTION aido_conversation_list_json(user_id uuid, params jsonb DEFAULT '{}',
													   session_id uuid DEFAULT NULL)
RETURNS json
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_user CONSTANT uuid := aido_conversation_list_json.user_id;
	v_shown text;
	v_params jsonb := coalesce(aido_conversation_list_json.params, '{}');
	v_limit integer;
	v_after record;
	v_items json;
	v_more boolean;
	v_last_created_at timestamptz;
	v_last_id uuid;
BEGIN
	v_shown := _aido_check_session(v_user, aido_conversation_list_json.session_id);
	v_limit := _aido_param_limit(v_params, 50);
	SELECT * INTO v_after FROM _aido_cursor_decode(_aido_param(v_params, 'cursor'), 'conversations');
	IF v_after.id IS NULL THEN
		SELECT _aido_json_agg(p.c ORDER BY p.n) FILTER (WHERE p.n <= v_limit), count(*) > v_limit,
			   max(p.created) FILTER (WHERE p.n = v_limit), max(p.i::text) FILTER (WHERE p.n = v_limit)::uuid
		INTO v_items, v_more, v_last_created_at, v_last_id
		FROM (SELECT y AS c, y.created_at AS created, y.id AS i, row_number() OVER w AS n
			  FROM aido.conversations y WHERE y.user_id = v_user
			  WINDOW w AS (ORDER BY y.created_at DESC, y.id DESC)
			  ORDER BY y.created_at DESC, y.id DESC LIMIT v_limit + 1) p;
	ELSE
		SELECT _aido_json_agg(p.c ORDER BY p.n) FILTER (WHERE p.n <= v_limit), count(*) > v_limit,
			   max(p.created) FILTER (WHERE p.n = v_limit), max(p.i::text) FILTER (WHERE p.n = v_limit)::uuid
		INTO v_items, v_more, v_last_created_at, v_last_id
		FROM (SELECT y AS c, y.created_at AS created, y.id AS i, row_number() OVER w AS n
			  FROM aido.conversations y
			  WHERE y.user_id = v_user AND (y.created_at, y.id) < (v_after.created_at, v_after.id)
			  WINDOW w AS (ORDER BY y.created_at DESC, y.id DESC)
			  ORDER BY y.created_at DESC, y.id DESC LIMIT v_limit + 1) p;
	END IF;
	/* an external user's id, swapped in the text (see aido_task_list_json) */
	IF v_shown <> v_user::text THEN
		v_items := replace(v_items::text, '"user_id":"' || v_user || '"', '"user_id":' || to_json(v_shown))::json;
	END IF;
	RETURN _aido_page_json(v_items, v_more, 'conversations', NULL, v_last_created_at, v_last_id);
END
$$;

/* The same page as jsonb, for SQL (aido_conversation_list_json's, parsed). */
CREATE OR REPLACE FUNCTION aido_conversation_list(user_id uuid, params jsonb DEFAULT '{}',
												  session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
	SELECT aido_conversation_list_json(aido_conversation_list.user_id, aido_conversation_list.params,
									   aido_conversation_list.session_id)::jsonb
$$;

CREATE OR REPLACE FUNCTION _aido_message_errors(message jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	v_errors jsonb;
BEGIN
	IF message IS NULL OR jsonb_typeof(message) <> 'object' THEN
		RETURN _aido_not_object_error('message');
	END IF;
	v_errors := _aido_text_field_errors(message, 'role', true, 1, 20)
		|| _aido_text_field_errors(message, 'content', true, 1, 32000)
		|| _aido_unknown_field_errors(message, ARRAY['role', 'content']);
	IF NOT v_errors @> '[{"field": "role"}]'
		AND message ->> 'role' NOT IN ('user', 'assistant', 'system', 'tool') THEN
		v_errors := _aido_error('role', 'invalid_choice',
								'role must be one of user, assistant, system, tool') || v_errors;
	END IF;
	RETURN v_errors;
END
$$;

CREATE OR REPLACE FUNCTION aido_message_create(user_id uuid, conversation_id uuid, message jsonb,
											   session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_shown text;
	v_message record;
BEGIN
	v_shown := _aido_check_session(aido_message_create.user_id, aido_message_create.session_id);
	/* the conversation must be the user's; locking it orders its messages */
	PERFORM 1 FROM aido.conversations x
	WHERE x.id = aido_message_create.conversation_id AND x.user_id = aido_message_create.user_id
	FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM _aido_not_found('conversation');
	END IF;
	PERFORM _aido_raise_invalid('message is invalid', _aido_message_errors(message));
	INSERT INTO aido.messages AS x (conversation_id, user_id, role, content)
	VALUES (aido_message_create.conversation_id, aido_message_create.user_id,
			message ->> 'role', message ->> 'content')
	RETURNING x.* INTO v_message;
	/* the conversation was last updated when its newest message came */
	UPDATE aido.conversations x SET updated_at = v_message.created_at
	WHERE x.id = aido_message_create.conversation_id AND x.user_id = aido_message_create.user_id;
	RETURN _aido_as_user(to_jsonb(v_message), v_shown);
END
$$;

/*
 * A conversation's messages, oldest first, as a chat is read: a page as json
 * text, built in one json_agg of the rows as stored and returned as it is
 * (the gateway relays it; a chat's history is read on every turn, and its
 * pages are the largest aido answers).  The first page and a page after a
 * cursor are two static statements, their plans kept for the session.
 */
CREATE OR REPLACE FUNCTION aido_message_list_json(user_id uuid, conversation_id uuid,
												  params jsonb DEFAULT '{}', session_id uuid DEFAULT NULL)
RETURNS json
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_user CONSTANT uuid := aido_message_list_json.user_id;
	v_conversation CONSTANT uuid := aido_message_list_json.conversation_id;
	v_shown text;
	v_params jsonb := coalesce(aido_message_list_json.params, '{}');
	v_limit integer;
	v_after record;
	v_items json;
	v_more boolean;
	v_last_created_at timestamptz;
	v_last_id uuid;
BEGIN
	v_shown := _aido_check_session(v_user, aido_message_list_json.session_id);
	v_limit := _aido_param_limit(v_params, 50);
	SELECT * INTO v_after FROM _aido_cursor_decode(_aido_param(v_params, 'cursor'), 'messages');
	IF NOT EXISTS (SELECT 1 FROM aido.conversations x WHERE x.id = v_conversation AND x.user_id = v_user) THEN
		PERFORM _aido_not_found('conversation');
	END IF;
	IF v_after.id IS NULL THEN
		SELECT _aido_json_agg(p.m ORDER BY p.n) FILTER (WHERE p.n <= v_limit), count(*) > v_limit,
			   max(p.c) FILTER (WHERE p.n = v_limit), max(p.i::text) FILTER (WHERE p.n = v_limit)::uuid
		INTO v_items, v_more, v_last_created_at, v_last_id
		FROM (SELECT y AS m, y.created_at AS c, y.id AS i, row_number() OVER w AS n
			  FROM aido.messages y WHERE y.conversation_id = v_conversation AND y.user_id = v_user
			  WINDOW w AS (ORDER BY y.created_at, y.id) ORDER BY y.created_at, y.id LIMIT v_limit + 1) p;
	ELSE
		SELECT _aido_json_agg(p.m ORDER BY p.n) FILTER (WHERE p.n <= v_limit), count(*) > v_limit,
			   max(p.c) FILTER (WHERE p.n = v_limit), max(p.i::text) FILTER (WHERE p.n = v_limit)::uuid
		INTO v_items, v_more, v_last_created_at, v_last_id
		FROM (SELECT y AS m, y.created_at AS c, y.id AS i, row_number() OVER w AS n
			  FROM aido.messages y WHERE y.conversation_id = v_conversation AND y.user_id = v_user
				AND (y.created_at, y.id) > (v_after.created_at, v_after.id)
			  WINDOW w AS (ORDER BY y.created_at, y.id) ORDER BY y.created_at, y.id LIMIT v_limit + 1) p;
	END IF;
	/* an external user's id, swapped in the text (see aido_task_list_json) */
	IF v_shown <> v_user::text THEN
		v_items := replace(v_items::text, '"user_id":"' || v_user || '"', '"user_id":' || to_json(v_shown))::json;
	END IF;
	RETURN _aido_page_json(v_items, v_more, 'messages', NULL, v_last_created_at, v_last_id);
END
$$;

/* The same page as jsonb, for SQL (aido_message_list_json's, parsed). */
CREATE OR REPLACE FUNCTION aido_message_list(user_id uuid, conversation_id uuid,
											 params jsonb DEFAULT '{}', session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
	SELECT aido_message_list_json(aido_message_list.user_id, aido_message_list.conversation_id,
								  aido_message_list.params, aido_message_list.session_id)::jsonb
$$;

/* new in 0.2.0: the assistant's tools (sql/src/72_mcp.sql) */
/* The model's task_id: a UUID string, else the field error it can act on. */
CREATE OR REPLACE FUNCTION _aido_mcp_task_id(arguments jsonb)
RETURNS uuid
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	v_id jsonb := arguments -> 'task_id';
	v_rule text := ': the id of a task, as list_tasks returns it';
BEGIN
	IF v_id IS NULL OR jsonb_typeof(v_id) = 'null' THEN
		PERFORM _aido_raise_invalid('arguments are invalid', jsonb_build_array(
			_aido_error('task_id', 'required', 'task_id is required' || v_rule)));
	ELSIF jsonb_typeof(v_id) <> 'string' THEN
		PERFORM _aido_raise_invalid('arguments are invalid', jsonb_build_array(
			_aido_error('task_id', 'wrong_type', 'task_id must be a string' || v_rule)));
	ELSIF (v_id #>> '{}') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
		/* as in the REST API, a malformed id names no task */
		PERFORM _aido_not_found('task');
	END IF;
	RETURN (v_id #>> '{}')::uuid;
END
$$;

/* The arguments a tool takes (user_id aside): the others are unknown_field. */
CREATE OR REPLACE FUNCTION _aido_mcp_check_fields(arguments jsonb, allowed text[])
RETURNS void
LANGUAGE sql IMMUTABLE
AS $$
	SELECT _aido_raise_invalid('arguments are invalid',
		_aido_unknown_field_errors(arguments - 'user_id', allowed))
$$;

/*
 * list_tasks: the page GET /api/tasks answers, {items, next_cursor}, as
 * the same json text (the list is the call made most: nothing is parsed
 * or built again), the session checked by aido_task_list_json first.  A
 * null argument is an absent one (models send null for what they leave
 * out); search is the REST API's q, named for a model.
 */
CREATE OR REPLACE FUNCTION _aido_mcp_list(user_id uuid, arguments jsonb, session_id uuid)
RETURNS json
LANGUAGE plpgsql
AS $$
DECLARE
	v_allowed CONSTANT text[] := ARRAY['status', 'priority', 'tag', 'search', 'due_before',
									   'due_after', 'sort', 'limit', 'cursor'];
	v_params jsonb := jsonb_strip_nulls(arguments - 'user_id');
BEGIN
	IF v_params - v_allowed <> '{}' THEN
		/* a dead session is 401 before any field error */
		PERFORM _aido_check_session(_aido_mcp_list.user_id, _aido_mcp_list.session_id);
		PERFORM _aido_mcp_check_fields(v_params, v_allowed);
	END IF;
	IF v_params ? 'search' THEN
		v_params := (v_params - 'search') || jsonb_build_object('q', v_params -> 'search');
	END IF;
	RETURN aido_task_list_json(_aido_mcp_list.user_id, v_params, _aido_mcp_list.session_id);
END
$$;

/* {task_id, status, title}: what the specification's tools answer. */
CREATE OR REPLACE FUNCTION _aido_mcp_done(task jsonb, status text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$ SELECT jsonb_build_object('task_id', task -> 'id', 'status', status, 'title', task -> 'title') $$;

CREATE OR REPLACE FUNCTION aido_mcp_call(user_id uuid, tool text, arguments jsonb,
										 session_id uuid DEFAULT NULL)
RETURNS json
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
	v_user uuid := aido_mcp_call.user_id;
	v_shown text;
	v_args jsonb := coalesce(arguments, '{}');
	v_named jsonb;
	v_id uuid;
	v_task jsonb;
BEGIN
	/* The call made most, without a user_id: straight to the list. */
	IF aido_mcp_call.tool = 'list_tasks' AND jsonb_typeof(v_args) = 'object'
	   AND coalesce(v_args -> 'user_id', 'null') = 'null' THEN
		RETURN _aido_mcp_list(v_user, v_args, aido_mcp_call.session_id);
	END IF;

	/* a dead session is 401 whatever else is wrong with the call */
	v_shown := _aido_check_session(v_user, aido_mcp_call.session_id);
	IF jsonb_typeof(v_args) <> 'object' THEN
		PERFORM _aido_raise_invalid('arguments are invalid', _aido_not_object_error('arguments'));
	END IF;
	/* an aido id is a UUID, in any case; a provider's subject is exact */
	v_named := v_args -> 'user_id';
	IF v_named IS NOT NULL AND jsonb_typeof(v_named) <> 'null'
	   AND (jsonb_typeof(v_named) <> 'string'
			OR (v_named #>> '{}' <> v_shown
				AND (v_shown <> v_user::text OR lower(v_named #>> '{}') <> v_shown))) THEN
		RAISE EXCEPTION USING
			ERRCODE = 'insufficient_privilege',
			MESSAGE = 'user_id is not the signed-in user: tools act only for the user of the token',
			HINT = 'leave user_id out';
	END IF;
	v_args := v_args - 'user_id';

	/* the sessions were checked above: the calls below need no second look */
	CASE aido_mcp_call.tool
	WHEN 'add_task' THEN
		/* aido_validate_task names unknown fields and wrong types */
		RETURN _aido_mcp_done(aido_task_create(v_user, v_args, NULL), 'created')::json;
	WHEN 'list_tasks' THEN
		RETURN _aido_mcp_list(v_user, v_args, NULL);
	WHEN 'get_task' THEN
		PERFORM _aido_mcp_check_fields(v_args, ARRAY['task_id']);
		RETURN aido_task_get(v_user, _aido_mcp_task_id(v_args), NULL)::json;
	WHEN 'complete_task' THEN
		PERFORM _aido_mcp_check_fields(v_args, ARRAY['task_id']);
		RETURN _aido_mcp_done(aido_task_update(v_user, _aido_mcp_task_id(v_args),
			'{"completed": true}', NULL), 'completed')::json;
	WHEN 'delete_task' THEN
		PERFORM _aido_mcp_check_fields(v_args, ARRAY['task_id']);
		v_id := _aido_mcp_task_id(v_args);
		v_task := aido_task_get(v_user, v_id, NULL);
		PERFORM aido_task_delete(v_user, v_id, NULL);
		RETURN _aido_mcp_done(v_task, 'deleted')::json;
	WHEN 'update_task' THEN
		PERFORM _aido_mcp_check_fields(v_args, ARRAY['task_id', 'title', 'description',
			'completed', 'priority', 'tags', 'due_date', 'remind_at', 'recurring',
			'recurring_pattern']);
		v_id := _aido_mcp_task_id(v_args);
		RETURN _aido_mcp_done(aido_task_update(v_user, v_id, v_args - 'task_id', NULL),
			'updated')::json;
	ELSE
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_parameter_value',
			MESSAGE = format('no tool named "%s"', aido_mcp_call.tool),
			HINT = 'call tools/list for the tools there are';
	END CASE;
END
$$;

CREATE OR REPLACE FUNCTION _aido_object_present(kind text, tbl text, name text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT CASE kind
		WHEN 'schema' THEN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = name)
		WHEN 'table' THEN pg_catalog.to_regclass(pg_catalog.format('aido.%I', name)) IS NOT NULL
		WHEN 'sequence' THEN pg_catalog.to_regclass(pg_catalog.format('aido.%I', name)) IS NOT NULL
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

CREATE OR REPLACE FUNCTION _aido_tasks_log()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
	v_type text;
BEGIN
	IF TG_OP = 'INSERT' THEN
		v_type := 'created';
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO aido.task_events (user_id, event_type, task_id, task_data)
		VALUES (OLD.user_id, 'deleted', OLD.id, pg_catalog.to_jsonb(OLD));
		RETURN NULL;
	ELSIF OLD.reminded_at IS NULL AND NEW.reminded_at IS NOT NULL
		  AND (pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.-) 'reminded_at'::text)
			  OPERATOR(pg_catalog.=)
			  (pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.-) 'reminded_at'::text) THEN
		v_type := 'reminder';
	ELSIF NEW.completed AND NOT OLD.completed THEN
		v_type := 'completed';
	ELSE
		v_type := 'updated';
	END IF;
	INSERT INTO aido.task_events (user_id, event_type, task_id, task_data)
	VALUES (NEW.user_id, v_type, NEW.id, pg_catalog.to_jsonb(NEW));
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION aido_schema_status()
RETURNS TABLE (kind text, name text, present boolean, detail text)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
	SELECT o.kind,
		   CASE WHEN o.kind IN ('schema', 'table', 'sequence') THEN o.name
				ELSE o.tbl || '.' || o.name END,
		   p.present,
		   CASE WHEN p.present THEN 'present'
				ELSE 'missing: SELECT aido_bootstrap() creates it' END
	FROM @extschema@._aido_schema_objects() AS o,
		 LATERAL (SELECT @extschema@._aido_object_present(o.kind, o.tbl, o.name) AS present) AS p
	ORDER BY o.ord
$$;

CREATE OR REPLACE FUNCTION _aido_events_settle()
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM aido.task_events e WHERE e.seq IS NULL)
	   OR current_setting('transaction_read_only')::boolean
	   OR current_setting('transaction_isolation') <> 'read committed'
	   OR NOT pg_try_advisory_xact_lock(hashtext('aido_events_settle')) THEN
		RETURN;
	END IF;
	WITH batch AS (
		SELECT o.id, nextval('aido.task_events_seq') AS seq
		FROM (SELECT e.id FROM aido.task_events e WHERE e.seq IS NULL ORDER BY e.id) AS o
	)
	UPDATE aido.task_events e SET seq = batch.seq FROM batch
	WHERE e.id = batch.id AND e.seq IS NULL;
END
$$;

CREATE OR REPLACE FUNCTION _aido_event_json(seq bigint, event_type text, task_id uuid,
											task_data jsonb, created_at timestamptz, shown text)
RETURNS jsonb
LANGUAGE sql STABLE
AS $$
	SELECT jsonb_build_object('seq', _aido_event_json.seq,
							  'event_type', _aido_event_json.event_type,
							  'task_id', _aido_event_json.task_id,
							  'task_data', _aido_as_user(_aido_event_json.task_data, _aido_event_json.shown),
							  'user_id', _aido_event_json.shown,
							  'timestamp', to_jsonb(_aido_event_json.created_at))
$$;

CREATE OR REPLACE FUNCTION _aido_events_limit(lim integer)
RETURNS integer
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
	IF lim IS NULL THEN
		RETURN 100;
	ELSIF lim NOT BETWEEN 1 AND 1000 THEN
		PERFORM _aido_bad_param('limit', 'must be an integer from 1 to 1000');
	END IF;
	RETURN lim;
END
$$;

CREATE OR REPLACE FUNCTION _aido_events_head()
RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	RETURN (SELECT coalesce(max(e.seq), 0) FROM aido.task_events e);
END
$$;

CREATE OR REPLACE FUNCTION aido_events(user_id uuid, after bigint DEFAULT 0,
									   "limit" integer DEFAULT 100,
									   session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_shown text;
	v_limit integer;
	v_items jsonb;
BEGIN
	v_shown := _aido_check_session(aido_events.user_id, aido_events.session_id);
	v_limit := _aido_events_limit(aido_events."limit");
	IF aido_events.after < 0 THEN
		PERFORM _aido_bad_param('after', 'must be a sequence number, 0 or more');
	END IF;
	PERFORM _aido_events_settle();
	IF aido_events.after IS NULL THEN
		RETURN jsonb_build_object('items', '[]'::jsonb, 'next_after', _aido_events_head());
	END IF;
	SELECT jsonb_agg(_aido_event_json(e.seq, e.event_type, e.task_id, e.task_data,
									  e.created_at, v_shown) ORDER BY e.seq) INTO v_items
	FROM (SELECT * FROM aido.task_events e
		  WHERE e.user_id = aido_events.user_id AND e.seq > aido_events.after
		  ORDER BY e.seq LIMIT v_limit) AS e;
	RETURN jsonb_build_object('items', coalesce(v_items, '[]'),
							  'next_after', coalesce((v_items -> -1 -> 'seq')::bigint,
													 aido_events.after));
END
$$;

CREATE OR REPLACE FUNCTION aido_events_poll(users text[], session_ids uuid[],
											afters bigint[], "limit" integer DEFAULT 100)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_limit integer := _aido_events_limit(aido_events_poll."limit");
	v_head bigint;
	v_readers jsonb;
BEGIN
	PERFORM _aido_events_settle();
	v_head := _aido_events_head();
	SELECT jsonb_agg(jsonb_build_object('i', r.i, 'dead', r.dead,
										'next_after', coalesce((r.items -> -1 -> 'seq')::bigint,
															   r.a, v_head),
										'items', coalesce(r.items, '[]'))
					 ORDER BY r.i) INTO v_readers
	FROM (SELECT c.i, c.a, d.dead,
				 CASE WHEN NOT d.dead AND c.a < v_head THEN
					(SELECT jsonb_agg(_aido_event_json(e.seq, e.event_type, e.task_id, e.task_data,
													   e.created_at, coalesce(u.external_id, u.id::text))
									  ORDER BY e.seq)
					 FROM (SELECT * FROM aido.task_events e
						   WHERE e.user_id = d.id AND e.seq > c.a
						   ORDER BY e.seq LIMIT v_limit) AS e,
						  aido.users u WHERE u.id = d.id)
				 END AS items
		  FROM unnest(aido_events_poll.users, aido_events_poll.session_ids,
					  aido_events_poll.afters) WITH ORDINALITY AS c(u, s, a, i),
			   LATERAL (SELECT x.id, c.s IS NOT NULL AND (x.id IS NULL OR NOT EXISTS (
							   SELECT 1 FROM aido.sessions s
							   WHERE s.id = c.s AND s.user_id = x.id AND s.revoked_at IS NULL
								 AND s.expires_at > clock_timestamp())) AS dead
						FROM (SELECT CASE WHEN c.s IS NOT NULL THEN c.u::uuid
										  ELSE (SELECT y.id FROM aido.users y WHERE y.external_id = c.u)
									 END AS id) AS x) AS d) AS r
	WHERE r.dead OR r.a IS NULL OR r.items IS NOT NULL;
	RETURN jsonb_build_object('head', v_head, 'next_reminder', _aido_reminders_next(),
							  'readers', coalesce(v_readers, '[]'));
END
$$;

CREATE OR REPLACE FUNCTION aido_events_all(after bigint, "limit" integer DEFAULT 100)
RETURNS TABLE (seq bigint, user_id uuid, event jsonb)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
BEGIN
	IF aido_events_all.after IS NULL OR aido_events_all.after < 0 THEN
		PERFORM _aido_bad_param('after', 'must be a sequence number, 0 or more');
	END IF;
	PERFORM _aido_events_settle();
	RETURN QUERY
	SELECT e.seq, e.user_id, _aido_event_json(e.seq, e.event_type, e.task_id, e.task_data, e.created_at,
						   coalesce(u.external_id, e.user_id::text))
	FROM (SELECT * FROM aido.task_events e
		  WHERE e.seq > aido_events_all.after
		  ORDER BY e.seq LIMIT _aido_events_limit(aido_events_all."limit")) AS e
	LEFT JOIN aido.users u ON u.id = e.user_id
	ORDER BY e.seq;
END
$$;

CREATE OR REPLACE FUNCTION aido_events_prune(batch integer DEFAULT 10000)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
	v_before timestamptz := clock_timestamp()
		- _aido_setting('event_retention')::interval;
	v_upto bigint;
	v_deleted bigint;
BEGIN
	IF NOT pg_try_advisory_xact_lock(hashtext('aido_events_prune')) THEN
		RETURN 0;
	END IF;
	/* by seq, which the index serves: events are settled in time order */
	SELECT max(o.seq) INTO v_upto
	FROM (SELECT e.seq, e.created_at FROM aido.task_events e
		  WHERE e.seq IS NOT NULL ORDER BY e.seq LIMIT greatest(aido_events_prune.batch, 1)) AS o
	WHERE o.created_at < v_before;
	IF v_upto IS NULL THEN
		RETURN 0;
	END IF;
	DELETE FROM aido.task_events e WHERE e.seq <= v_upto AND e.created_at < v_before;
	GET DIAGNOSTICS v_deleted = ROW_COUNT;
	RETURN v_deleted;
END
$$;

CREATE OR REPLACE FUNCTION _aido_reminders_next()
RETURNS timestamptz
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	RETURN (SELECT min(t.remind_at) FROM aido.tasks t
			WHERE t.remind_at IS NOT NULL AND t.reminded_at IS NULL AND NOT t.completed);
END
$$;

CREATE OR REPLACE FUNCTION aido_reminders_next()
RETURNS timestamptz
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$ SELECT @extschema@._aido_reminders_next() $$;

CREATE OR REPLACE FUNCTION aido_reminders_fire(max_count integer DEFAULT 100)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
	v_fired integer;
BEGIN
	WITH due AS (
		SELECT t.id FROM aido.tasks t
		WHERE t.remind_at <= clock_timestamp() AND t.reminded_at IS NULL AND NOT t.completed
		ORDER BY t.remind_at
		LIMIT greatest(aido_reminders_fire.max_count, 1)
		FOR UPDATE SKIP LOCKED
	)
	UPDATE aido.tasks t SET reminded_at = clock_timestamp() FROM due WHERE t.id = due.id;
	GET DIAGNOSTICS v_fired = ROW_COUNT;
	RETURN jsonb_build_object('fired', v_fired, 'next_reminder', _aido_reminders_next());
END
$$;

/* the privileges of routines made above, as in 80_privileges.sql */
DO $grants$
DECLARE
	v_routine regprocedure;
BEGIN
	FOR v_routine IN
		SELECT p.oid::regprocedure
		FROM pg_catalog.pg_proc p
		JOIN pg_catalog.pg_depend d
		  ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
		 AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
		JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'aido'
	LOOP
		EXECUTE format('REVOKE ALL ON ROUTINE %s FROM PUBLIC', v_routine);
		EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO aido_admin', v_routine);
	END LOOP;
END
$grants$;

GRANT EXECUTE ON FUNCTION aido_mcp_call(uuid, text, jsonb, uuid) TO aido_api;
COMMENT ON FUNCTION aido_mcp_call(uuid, text, jsonb, uuid) IS
'one tool call of the assistant (POST /mcp): add_task, list_tasks, get_task, complete_task, delete_task or update_task with its arguments, for the user of the token; a user_id argument must name that user (42501); returns the tool''s structured result';
GRANT EXECUTE ON FUNCTION aido_task_list_json(uuid, jsonb, uuid) TO aido_api;
COMMENT ON FUNCTION aido_task_list_json(uuid, jsonb, uuid) IS
'aido_task_list''s page as json text, each task''s keys in column order, for a client that relays it (the gateway): no jsonb is built';
GRANT EXECUTE ON FUNCTION aido_message_list_json(uuid, uuid, jsonb, uuid) TO aido_api;
COMMENT ON FUNCTION aido_message_list_json(uuid, uuid, jsonb, uuid) IS
'aido_message_list''s page as json text, each message''s keys in column order, for a client that relays it (the gateway): no jsonb is built';
GRANT EXECUTE ON FUNCTION aido_conversation_list_json(uuid, jsonb, uuid) TO aido_api;
COMMENT ON FUNCTION aido_conversation_list_json(uuid, jsonb, uuid) IS
'aido_conversation_list''s page as json text, each conversation''s keys in column order, for a client that relays it (the gateway): no jsonb is built';

/* the change feed and reminders (67_events.sql, 68_reminders.sql) */
GRANT EXECUTE ON FUNCTION
	aido_events(uuid, bigint, integer, uuid),
	aido_events_poll(text[], uuid[], bigint[], integer),
	aido_events_prune(integer),
	aido_reminders_fire(integer),
	aido_reminders_next()
TO aido_api;
COMMENT ON FUNCTION aido_events(uuid, bigint, integer, uuid) IS
'a user''s task events after a sequence number, oldest first: {items, next_after}; after => null gives no items and the present head';
COMMENT ON FUNCTION aido_events_poll(text[], uuid[], bigint[], integer) IS
'the gateway''s one query per tick for all its waiting readers (user, session, position): {head, next_reminder, readers: [{i, next_after, items, dead}]}';
COMMENT ON FUNCTION aido_events_all(bigint, integer) IS
'every user''s task events after a sequence number, in order, for a relay or audit consumer that saves the last seq it delivered (at least once)';
COMMENT ON FUNCTION aido_events_prune(integer) IS
'deletes settled task events older than aido.event_retention, one batch, without blocking writers; returns how many';
COMMENT ON FUNCTION aido_reminders_fire(integer) IS
'fires due reminders once each (a reminder event per task; safe with several callers): {fired, next_reminder}';
COMMENT ON FUNCTION aido_reminders_next() IS
'when the next reminder falls due, null when none is set: a poller sleeps until then';
GRANT EXECUTE ON FUNCTION aido_signup(jsonb, integer, text, text), _aido_login_claim(jsonb, text),
	_aido_login_verify(jsonb, integer, text, text) TO aido_api;
COMMENT ON FUNCTION aido_signup(jsonb, integer, text, text) IS
'creates an account from {email, password, name?} and opens a session; 23514 invalid, 23505 email taken, PT429 after too many signups from the client address';
COMMENT ON PROCEDURE aido_login(jsonb, integer, text, text, jsonb) IS
'CALL aido_login(''{"email":..,"password":..}''): opens a session; 28P01 for an unknown email or a wrong password alike, in the same time; PT429 after too many failures of the account at the client address, or of the address';
