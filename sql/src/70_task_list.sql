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
 * _aido_task_list_query's statement must.  The aggregates take the rows in
 * the order the subquery's ORDER BY and LIMIT give them (a plain aggregate
 * over one subquery reads it in order); an ORDER BY inside each aggregate
 * would sort the page three times more, a fifth of its cost.  STABLE: both
 * statements see the caller's snapshot.  Answers as _aido_task_list_query's.
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
