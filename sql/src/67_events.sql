/*
 * The change feed (API.md section 3.4).  The tasks trigger (_aido_tasks_log)
 * appends each change to aido.task_events in the writer's transaction,
 * without a seq.  seq is given afterwards, by _aido_events_settle, to events
 * already committed: a sequence drawn at insert time follows the order in
 * which writers wrote, not the order in which they committed, so a reader
 * that had seen seq 12 could later see 11 commit, and a reader that asks
 * for what follows 12 would miss it.  Numbering after commit, one batch at
 * a time, keeps seq in the order readers can see events, with no lock taken
 * by writers and no wait on a long-running transaction.
 */

/*
 * Gives seq to every event that is committed (or is the caller's own), in
 * one batch.  One settler at a time, under a transaction-scoped lock held
 * until its numbers are committed: a later batch is numbered after this one
 * is visible, so its numbers are larger and appear later, and nothing can
 * appear below a seq a reader has seen.  The caller's own events are safe to
 * number now for the same reason.  A caller that finds the lock taken
 * leaves the work to its holder.  Only in READ COMMITTED, where each
 * statement sees the batches committed before it; a read-only caller reads
 * what is settled.  Called in a long explicit transaction, it holds up
 * everyone's numbering until that transaction ends: the gateway and relays
 * call it in a transaction of its own.
 */
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

/* One event as the API shows it: the Task Event of Phase V, with a seq. */
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

/* A bound on a page of events: 22023 (400) outside 1..1000. */
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

/* The highest seq given so far: where a reader that wants only news starts. */
CREATE OR REPLACE FUNCTION _aido_events_head()
RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	RETURN (SELECT coalesce(max(e.seq), 0) FROM aido.task_events e);
END
$$;

/*
 * A user's events after a position, oldest first: {items, next_after}.
 * next_after is the position to ask from next time (the last item's seq,
 * or after itself when there is nothing new).  With after null: no items,
 * and next_after the present head, for a reader that wants only news.
 */
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

/*
 * The gateway's one query per tick for all its waiting readers: reader i
 * is users[i] with session session_ids[i] at position afters[i] (null:
 * wants only news).  users[i] is the user's id when the reader has a
 * session (an aido token), else an external provider's subject, whose
 * token the gateway checked: that user may not exist yet (the feed was
 * its first request), and then has no events, but is not refused.  Returns
 * {head, next_reminder, readers: [{i, next_after, items, dead}]}, listing
 * only the readers with news, a dead session, or a null position; a reader
 * at or past head costs no lookup.
 */
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

/*
 * Every user's events after a position, in seq order, for an outside
 * consumer (an audit service, a Kafka or Dapr relay): it reads a page,
 * delivers it, then saves the last seq it delivered and asks from there,
 * so each event reaches it at least once.  Not for aido_api: it crosses
 * users.
 */
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

/*
 * Deletes settled events older than the setting event_retention, a batch
 * at a time so no transaction grows large; returns how many.  It never waits:
 * DELETE takes no lock that INSERT waits for, and a second pruner running
 * at the same moment returns 0 at once.  Events not yet settled are kept.
 */
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
