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

