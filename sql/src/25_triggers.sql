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
								  'completed_at', 'next_occurrence_id'],
			false));

	NEW.title := @extschema@._aido_trim(NEW.title);
	IF TG_OP = 'INSERT' OR NEW.tags IS DISTINCT FROM OLD.tags THEN
		NEW.tags := @extschema@._aido_normalize_tags(NEW.tags);
	END IF;

	IF TG_OP = 'UPDATE' THEN
		NEW.created_at := OLD.created_at;
		NEW.updated_at := v_now;
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
			INSERT INTO aido.tasks (user_id, title, description, completed,
									priority, tags, due_date, recurring,
									recurring_pattern)
			VALUES (NEW.user_id, NEW.title, NEW.description, false,
					NEW.priority, NEW.tags, v_next_due, true,
					NEW.recurring_pattern)
			RETURNING id INTO NEW.next_occurrence_id;
		END IF;
	END IF;
	RETURN NEW;
END
$$;

