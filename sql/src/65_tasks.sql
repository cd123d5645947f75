/*
 * Tasks.  A task's JSON is its row: the columns are the fields of API.md.
 */
CREATE OR REPLACE FUNCTION aido_task_create(user_id uuid, task jsonb, session_id uuid DEFAULT NULL)
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

CREATE OR REPLACE FUNCTION aido_task_get(user_id uuid, task_id uuid, session_id uuid DEFAULT NULL)
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
CREATE OR REPLACE FUNCTION aido_task_update(user_id uuid, task_id uuid, patch jsonb,
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
CREATE OR REPLACE FUNCTION aido_task_replace(user_id uuid, task_id uuid, task jsonb,
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

CREATE OR REPLACE FUNCTION aido_task_toggle(user_id uuid, task_id uuid, session_id uuid DEFAULT NULL)
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

CREATE OR REPLACE FUNCTION aido_task_delete(user_id uuid, task_id uuid, session_id uuid DEFAULT NULL)
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

