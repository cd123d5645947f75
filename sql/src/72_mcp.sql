/*
 * The assistant's tools (API.md 3.3): what POST /mcp's tools/call runs.
 *
 * One call per tool call, so the gateway stays a translator: it passes the
 * tool's name and the model's arguments, and relays the structured result
 * (MCP structuredContent) built here.  The tools are the chatbot
 * specification's five (add_task, list_tasks, complete_task, delete_task,
 * update_task), each with aido's own optional task fields, and get_task.
 *
 * The caller is the user of the token, never the model: a user_id argument
 * is accepted because the specification puts one in every tool, but it
 * must name the caller (the aido id, or the external provider's subject, as
 * responses show the user), else 42501 and nothing happens.  The errors are
 * those of the REST API (P0002 not found, 23514 with the field errors in
 * DETAIL, 22023 a bad list parameter); the gateway makes them tool errors.
 */

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
