/*
 * The schema of API.md section 1, as data: aido_bootstrap() creates what is
 * missing, aido_schema_status() reports what is there.  One list, so the two
 * can never disagree.  Tables are created bare and completed column by
 * column, so that a later version adds a column by adding a row.  The list
 * is kept in parts, one routine each, that _aido_schema_objects() takes in
 * order, each part's rows in their order; a new concern adds a part at the
 * end (sql/README.md: schema objects are append-only).
 */
/* The objects of the schema, users, login failures and sessions. */
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

/* The objects of tasks. */
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

/* The objects of conversations and their messages. */
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

/* The objects of the triggers, once every table is there. */
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

/*
 * The objects of the database's own secrets (one row each, made by
 * aido_bootstrap): only the owner may read them, as every table of aido.
 */
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

/* Is one object of _aido_schema_objects() present?  Returns a detail too. */
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

