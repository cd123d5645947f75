/*
 * The task list's query parameters, each checked (22023 naming the first
 * one that is wrong), and the cursor decoded for the sort.
 */
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
 * The task list: filters, eight sorts, keyset pagination.  Each sort has an
 * index (user_id, key, created_at, id), and the cursor compares the row
 * (key, created_at, id) so that the order is total and no item is skipped
 * or repeated, whatever ties there are.  The SQL is assembled from fixed
 * fragments; every value is bound, never pasted.
 */
CREATE OR REPLACE FUNCTION aido_task_list(user_id uuid, params jsonb DEFAULT '{}',
										  session_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
	v_shown text;
	v_params record;
	v_dir text;
	v_cmp text;
	v_key text;
	v_keytype text;
	v_sql text;
	v_items jsonb;
	v_last_key text;
BEGIN
	/* a dead session is 401 whatever else is wrong with the request */
	v_shown := _aido_check_session(aido_task_list.user_id, aido_task_list.session_id);
	SELECT * INTO v_params FROM _aido_task_list_params(coalesce(params, '{}'));

	v_dir := CASE WHEN v_params.sort LIKE '-%' THEN 'DESC' ELSE 'ASC' END;
	v_cmp := CASE v_dir WHEN 'DESC' THEN '<' ELSE '>' END;
	CASE ltrim(v_params.sort, '-')
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

	v_sql := 'SELECT to_jsonb(t) AS j, ' || coalesce(v_key || '::text', 'NULL::text')
		|| ' AS k FROM aido.tasks t WHERE t.user_id = $1';
	IF v_params.status <> 'all' THEN
		v_sql := v_sql || ' AND t.completed = $2';
	END IF;
	IF v_params.priority IS NOT NULL THEN
		v_sql := v_sql || ' AND t.priority = $3';
	END IF;
	IF v_params.tag IS NOT NULL THEN
		v_sql := v_sql || ' AND t.tags @> ARRAY[$4]';
	END IF;
	IF v_params.q IS NOT NULL THEN
		v_sql := v_sql || ' AND (strpos(lower(t.title), $5) > 0 OR strpos(lower(t.description), $5) > 0)';
	END IF;
	IF v_params.due_before IS NOT NULL THEN
		v_sql := v_sql || ' AND t.due_date < $6';
	END IF;
	IF v_params.due_after IS NOT NULL THEN
		v_sql := v_sql || ' AND t.due_date > $7';
	END IF;
	IF v_params.after_id IS NOT NULL THEN
		IF v_key IS NULL THEN
			v_sql := v_sql || format(' AND (t.created_at, t.id) %s ($9, $10)', v_cmp);
		ELSE
			v_sql := v_sql || format(' AND (%s, t.created_at, t.id) %s ($8::%s, $9, $10)',
									 v_key, v_cmp, v_keytype);
		END IF;
	END IF;
	v_sql := v_sql || ' ORDER BY ' || coalesce(v_key || ' ' || v_dir || ', ', '')
		|| 't.created_at ' || v_dir || ', t.id ' || v_dir || ' LIMIT $11';

	/* the page and the last kept item's sort key, in one statement */
	EXECUTE 'SELECT coalesce(jsonb_agg(_aido_as_user(p.j, $12) ORDER BY p.n), ''[]''),
				   max(p.k) FILTER (WHERE p.n = $11 - 1)
			 FROM (SELECT q.*, row_number() OVER () AS n FROM (' || v_sql || ') q) p'
	INTO v_items, v_last_key
	USING aido_task_list.user_id, v_params.status = 'completed', v_params.priority,
		v_params.tag, v_params.q, v_params.due_before, v_params.due_after, v_params.after_key,
		v_params.after_created_at, v_params.after_id, v_params.page_limit + 1, v_shown;
	RETURN _aido_page(v_items, v_params.page_limit, v_params.sort, v_last_key);
END
$$;
