/*
 * Trigger functions.  They run with the privileges of whoever writes the
 * row, so a DBA's direct INSERT meets exactly the rules the API meets.
 */
CREATE OR REPLACE FUNCTION _aido_touch()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		/* a new row has never been edited: both times are the same */
		NEW.updated_at := NEW.created_at;
	ELSE
		NEW.created_at := OLD.created_at;
		/* touched now, unless the writer set the time itself */
		IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
			NEW.updated_at := clock_timestamp();
		END IF;
	END IF;
	RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION _aido_users_normalize()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	NEW.email := lower(@extschema@._aido_trim(NEW.email));
	NEW.name := nullif(@extschema@._aido_trim(NEW.name), '');
	IF TG_OP = 'UPDATE' THEN
		NEW.created_at := OLD.created_at;
		NEW.updated_at := clock_timestamp();
	ELSE
		NEW.updated_at := NEW.created_at;
	END IF;
	RETURN NEW;
END
$$;

/*
 * The tasks guard: validates the row with the same C validator the API
 * uses, normalises it, keeps completed_at and updated_at honest, and
 * creates the next occurrence of a recurring task exactly once: the link
 * next_occurrence_id survives un-completing, so re-completing finds it set.
 * A reminder is armed again when remind_at changes; firing it (setting
 * reminded_at alone, aido_reminders_fire) is no edit, so updated_at stays.
 * The calendar ends with 9999 (API.md's dates): a recurring task whose next
 * due date would fall after 9999-12-31 UTC completes with no next
 * occurrence, and a next reminder that would is none.
 */
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

/*
 * The change log: every row written to aido.tasks, by the API or by a
 * DBA's own SQL, appends one event in the same transaction, so a rolled
 * back change leaves none.  The task is stored as the API shows it (the
 * API's functions write in UTC; a DBA's session writes its times with its
 * own offset, as valid).  No SET clause: it would make every row's call
 * save and restore the settings, which writers feel.  seq is given later,
 * once the transaction has committed (_aido_events_settle, 67_events.sql).
 */
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
