/*
 * Reminders (API.md section 3.4).  A reminder is due when remind_at has
 * passed and it has not fired (reminded_at is null) on a task still to do.
 * Firing sets reminded_at, and the tasks trigger turns that change into a
 * 'reminder' event: the mark and the event commit together, so a reminder
 * fires once, late after an outage but never lost.  Any number of gateways
 * may call aido_reminders_fire at once: each claims different rows
 * (SKIP LOCKED), and a row claimed by one is no longer due for the next.
 */
CREATE OR REPLACE FUNCTION _aido_reminders_next()
RETURNS timestamptz
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	RETURN (SELECT min(t.remind_at) FROM aido.tasks t
			WHERE t.remind_at IS NOT NULL AND t.reminded_at IS NULL AND NOT t.completed);
END
$$;

/*
 * When the next reminder falls due (null: none is set), so that a poller
 * sleeps until then instead of keeping a serverless compute awake.
 */
CREATE OR REPLACE FUNCTION aido_reminders_next()
RETURNS timestamptz
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$ SELECT @extschema@._aido_reminders_next() $$;

/*
 * Fires up to max_count due reminders, oldest first, and says when the
 * next one is due: {fired, next_reminder}.
 */
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
