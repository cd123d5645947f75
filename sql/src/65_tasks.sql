/*
 * Tasks.  A task's JSON is its row: the columns are the fields of API.md.
 */

/*
 * The fields a client writes, each with the value it takes when a create or
 * a PUT leaves it out: the one place the API's defaults are written.  The
 * table's column defaults (20_schema_objects.sql) agree, for a DBA's INSERT;
 * test/sql/071_task_defaults.sql holds them to it.  A field whose default is
 * not null cannot be null: the validator refuses that.  A NULL task counts
 * as an empty one, so that the guard names what is missing.
 */
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

/*
 * A task's editable fields set from fields, the others kept, for PATCH and
 * PUT.  Turning recurring off without naming a pattern clears the pattern
 * with it; anything else inconsistent is left for the guard to name.  A
 * due date moved without naming remind_at moves the reminder with it, the
 * same time before the due date (a PUT always names remind_at).
 */
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

/* PATCH: only the fields present change. */
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

/* PUT: every editable field is set; absent ones take their defaults. */
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
