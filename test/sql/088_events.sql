-- Reminders (remind_at, reminded_at, aido_reminders_fire, _next) and the
-- change feed (aido.task_events, aido_events, aido_events_poll,
-- aido_events_all, aido_events_prune): every event type, from the API and
-- from a DBA's direct SQL, none from a rolled-back change, each user only
-- their own.  Ordering under concurrent writers is test/sql/089_event_order.t.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
SET LOCAL aido.password_memory_kib = 1024;
SET LOCAL aido.password_iterations = 1;
-- far from UTC: events and reminders must still be in UTC
SET LOCAL TimeZone = 'America/Los_Angeles';

SELECT plan(50);

CREATE TEMP TABLE actor (name text PRIMARY KEY, s jsonb NOT NULL);
INSERT INTO actor VALUES
	('alice', aido_signup('{"email": "alice@example.com", "password": "password123"}')),
	('bob', aido_signup('{"email": "bob@example.com", "password": "password123"}'));
CREATE FUNCTION pg_temp.uid(who text) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT (s->'user'->>'id')::uuid FROM actor WHERE name = who $$;
CREATE FUNCTION pg_temp.sid(who text) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT (s->>'session_id')::uuid FROM actor WHERE name = who $$;
CREATE TEMP TABLE task (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.tid(n text) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT id FROM task WHERE name = n $$;
-- the event types written since a mark, oldest first
CREATE TEMP TABLE mark (n bigint);
INSERT INTO mark VALUES (0);
CREATE FUNCTION pg_temp.since_mark() RETURNS text[]
LANGUAGE sql VOLATILE AS $$
	SELECT coalesce(array_agg(e.event_type ORDER BY e.id), '{}')
	FROM aido.task_events e WHERE e.id > (SELECT n FROM mark)
$$;
CREATE FUNCTION pg_temp.mark() RETURNS void
LANGUAGE sql VOLATILE AS $$ UPDATE mark SET n = (SELECT coalesce(max(id), 0) FROM aido.task_events) $$;
-- the errors a statement raises, as field:code
CREATE FUNCTION pg_temp.codes(q text) RETURNS text[]
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN '{}';
EXCEPTION WHEN check_violation THEN
	DECLARE d text;
	BEGIN
		GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
		RETURN (SELECT array_agg((e->>'field') || ':' || (e->>'code')) FROM jsonb_array_elements(d::jsonb) e);
	END;
END
$$;

-- remind_at: validated, settable, rescheduled -----------------------------

SELECT is(pg_temp.codes($$SELECT aido_task_create(pg_temp.uid('alice'), '{"title": "x", "remind_at": "tomorrow"}')$$),
		  '{remind_at:invalid_datetime}', 'a remind_at that is not RFC 3339 is refused, naming remind_at');
SELECT is(pg_temp.codes($$SELECT aido_task_create(pg_temp.uid('alice'), '{"title": "x", "remind_at": "2026-01-01T10:00:00"}')$$),
		  '{remind_at:invalid_datetime}', 'a remind_at without an offset is refused');
SELECT is(pg_temp.codes($$SELECT aido_task_create(pg_temp.uid('alice'), '{"title": "x", "remind_at": 5}')$$),
		  '{remind_at:wrong_type}', 'a remind_at that is not a string is wrong_type');
SELECT is(pg_temp.codes($$SELECT aido_task_update(pg_temp.uid('alice'), gen_random_uuid(), '{"reminded_at": null}')$$),
		  '{reminded_at:read_only}', 'reminded_at is set by the server, never by a request');
SELECT is(pg_temp.codes(format($$UPDATE aido.tasks SET remind_at = NULL WHERE false$$)), '{}',
		  'a DBA may write remind_at directly');

INSERT INTO task SELECT 'call', (aido_task_create(pg_temp.uid('alice'),
	'{"title": "Call mum", "due_date": "2030-01-10T18:00:00+01:00", "remind_at": "2030-01-10T16:30:00+01:00"}') ->> 'id')::uuid;
SELECT is(aido_task_get(pg_temp.uid('alice'), pg_temp.tid('call')) ->> 'remind_at', '2030-01-10T15:30:00+00:00',
		  'remind_at is stored and returned in UTC');
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('call'), '{"due_date": "2030-01-11T18:00:00+01:00"}') ->> 'remind_at',
		  '2030-01-11T15:30:00+00:00', 'moving the due date moves the reminder with it, as long before');
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('call'),
						   '{"due_date": "2030-01-12T18:00:00+01:00", "remind_at": "2030-01-12T08:00:00Z"}') ->> 'remind_at',
		  '2030-01-12T08:00:00+00:00', 'a patch naming both keeps the remind_at it names');
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('call'), '{"due_date": null}') ->> 'remind_at',
		  '2030-01-12T08:00:00+00:00', 'clearing the due date keeps the reminder');
SELECT is(aido_task_replace(pg_temp.uid('alice'), pg_temp.tid('call'), '{"title": "Call mum"}') -> 'remind_at',
		  'null'::jsonb, 'a PUT without remind_at clears it');
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('call'), '{"remind_at": "2030-02-01T09:00:00Z"}') ->> 'remind_at',
		  '2030-02-01T09:00:00+00:00', 'a patch sets remind_at');
SELECT aido_mcp_call(pg_temp.uid('alice'), 'add_task', '{"title": "via mcp", "remind_at": "2031-01-01T00:00:00Z"}', NULL);
SELECT is((SELECT remind_at FROM aido.tasks WHERE title = 'via mcp'), '2031-01-01T00:00:00Z'::timestamptz,
		  'the assistant''s add_task sets remind_at too');

-- reminders fire once ----------------------------------------------------

INSERT INTO task SELECT 'due', (aido_task_create(pg_temp.uid('alice'),
	'{"title": "Overdue", "remind_at": "2020-01-01T00:00:00Z"}') ->> 'id')::uuid;
INSERT INTO task SELECT 'done', (aido_task_create(pg_temp.uid('bob'),
	'{"title": "Done already", "remind_at": "2020-01-01T00:00:00Z", "completed": true}') ->> 'id')::uuid;
CREATE TEMP TABLE before_fire AS SELECT aido_task_get(pg_temp.uid('alice'), pg_temp.tid('due')) AS j;
SELECT is(aido_reminders_next(), '2020-01-01T00:00:00Z'::timestamptz,
		  'aido_reminders_next names the earliest reminder not yet fired');
SELECT pg_temp.mark();
SELECT is(aido_reminders_fire() ->> 'fired', '1', 'a passed reminder fires; a completed task''s does not');
SELECT is(pg_temp.since_mark(), '{reminder}', 'firing writes one reminder event and nothing else');
SELECT is(aido_reminders_fire() -> 'fired', '0'::jsonb, 'a fired reminder does not fire again');
SELECT is(aido_reminders_fire() ->> 'next_reminder', '2030-02-01T09:00:00+00:00',
		  'aido_reminders_fire says when the next reminder is due');
SELECT isnt(aido_task_get(pg_temp.uid('alice'), pg_temp.tid('due')) -> 'reminded_at', 'null'::jsonb,
			'a fired reminder is recorded in reminded_at');
SELECT is(aido_task_get(pg_temp.uid('alice'), pg_temp.tid('due')) ->> 'updated_at',
		  (SELECT j ->> 'updated_at' FROM before_fire), 'firing a reminder is not an edit: updated_at stays');
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('due'), '{"remind_at": "2020-01-02T00:00:00Z"}') -> 'reminded_at',
		  'null'::jsonb, 'a new remind_at arms the reminder again');
SELECT is(aido_reminders_fire() -> 'fired', '1'::jsonb, 'and it fires again, once');
SELECT is(aido_task_update(pg_temp.uid('alice'), pg_temp.tid('due'), '{"title": "Overdue!"}') -> 'reminded_at',
		  aido_task_get(pg_temp.uid('alice'), pg_temp.tid('due')) -> 'reminded_at',
		  'other edits leave a fired reminder fired');

INSERT INTO task SELECT 'weekly', (aido_task_create(pg_temp.uid('alice'),
	'{"title": "Bins", "due_date": "2030-03-04T07:00:00Z", "remind_at": "2030-03-03T20:00:00Z",
	  "recurring": true, "recurring_pattern": "weekly"}') ->> 'id')::uuid;
SELECT is((SELECT aido_task_get(pg_temp.uid('alice'),
							   (aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('weekly')) ->> 'next_occurrence_id')::uuid)
		  ->> 'remind_at'), '2030-03-10T20:00:00+00:00',
		  'a recurring task''s next occurrence has its reminder moved by the same period');

-- every event type, from the API ----------------------------------------

SELECT pg_temp.mark();
INSERT INTO task SELECT 'ev', (aido_task_create(pg_temp.uid('alice'), '{"title": "Events"}') ->> 'id')::uuid;
SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('ev'), '{"priority": "high"}');
SELECT aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('ev'));
SELECT aido_task_toggle(pg_temp.uid('alice'), pg_temp.tid('ev'));
SELECT aido_task_update(pg_temp.uid('alice'), pg_temp.tid('ev'), '{"completed": true}');
SELECT aido_task_replace(pg_temp.uid('alice'), pg_temp.tid('ev'), '{"title": "Events", "completed": true}');
SELECT aido_task_delete(pg_temp.uid('alice'), pg_temp.tid('ev'));
SELECT is(pg_temp.since_mark(), '{created,updated,completed,updated,completed,updated,deleted}',
		  'create, patch, complete, un-complete, complete, PUT and delete through the API each write their event');

CREATE TEMP TABLE page AS SELECT aido_events(pg_temp.uid('alice'), 0, 1000, pg_temp.sid('alice')) AS j;
CREATE TEMP TABLE item AS SELECT e.value AS e, e.ordinality AS n
	FROM page, jsonb_array_elements(page.j -> 'items') WITH ORDINALITY AS e;
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys((SELECT e FROM item WHERE n = 1)) k),
		  '{event_type,seq,task_data,task_id,timestamp,user_id}', 'an event has exactly the fields of a task event, with seq');
SELECT is((SELECT e -> 'task_data' FROM item ORDER BY n DESC LIMIT 1) ->> 'title', 'Events',
		  'a deleted event carries the task as it was');
SELECT is((SELECT e ->> 'event_type' FROM item ORDER BY n DESC LIMIT 1), 'deleted', 'events come oldest first');
SELECT ok((SELECT bool_and(e ->> 'timestamp' LIKE '%+00:00' AND e -> 'task_data' ->> 'created_at' LIKE '%+00:00') FROM item),
		  'event times and the task in it are in UTC whatever the writer''s time zone');
SELECT ok((SELECT bool_and((e ->> 'seq')::bigint > coalesce(lag, 0)) FROM
		  (SELECT e, lag((e ->> 'seq')::bigint) OVER (ORDER BY n) FROM item) x),
		  'seq increases from one event to the next');
SELECT is((SELECT j -> 'next_after' FROM page), (SELECT e -> 'seq' FROM item ORDER BY n DESC LIMIT 1),
		  'next_after is the last seq returned');
SELECT is(jsonb_array_length(aido_events(pg_temp.uid('alice'), (SELECT (j ->> 'next_after')::bigint FROM page)) -> 'items'),
		  0, 'nothing is new after next_after');
SELECT is(aido_events(pg_temp.uid('alice'), NULL) -> 'items', '[]'::jsonb, 'with no position there are no items ...');
SELECT is(aido_events(pg_temp.uid('alice'), NULL) -> 'next_after', (SELECT j -> 'next_after' FROM page),
		  '... and next_after is the present head');
SELECT is(jsonb_array_length(aido_events(pg_temp.uid('alice'), 0, 2) -> 'items'), 2, 'limit bounds a page');

-- user isolation, sessions, bad parameters ------------------------------

SELECT ok(NOT (aido_events(pg_temp.uid('bob'), 0, 1000)
			   @? format('$.items[*] ? (@.user_id != "%s" || @.task_data.user_id != "%s")',
						 pg_temp.uid('bob'), pg_temp.uid('bob'))::jsonpath),
		  'a user sees none of another user''s events');
SELECT is((SELECT array_agg(DISTINCT e ->> 'task_id') FROM jsonb_array_elements(aido_events(pg_temp.uid('bob'), 0, 1000) -> 'items') e),
		  ARRAY[pg_temp.tid('done')::text], 'bob sees exactly the events of his own task');
SELECT throws_ok(format($$SELECT aido_events(%L, 0, 10, %L)$$, pg_temp.uid('bob'), pg_temp.sid('alice')),
				 '28000', NULL, 'another user''s session reads no events (28000)');
SELECT throws_ok(format($$SELECT aido_events(%L, 0, 0)$$, pg_temp.uid('bob')), '22023', NULL, 'limit 0 is 22023');
SELECT throws_ok(format($$SELECT aido_events(%L, -1)$$, pg_temp.uid('bob')), '22023', NULL, 'a negative position is 22023');

-- direct SQL, and rollback ------------------------------------------------

SELECT pg_temp.mark();
INSERT INTO aido.tasks (user_id, title) VALUES (pg_temp.uid('bob'), 'By hand');
UPDATE aido.tasks SET description = 'typed in psql' WHERE title = 'By hand';
UPDATE aido.tasks SET completed = true WHERE title = 'By hand';
UPDATE aido.tasks SET reminded_at = now() WHERE title = 'By hand';
DELETE FROM aido.tasks WHERE title = 'By hand';
SELECT is(pg_temp.since_mark(), '{created,updated,completed,reminder,deleted}',
		  'a DBA''s direct INSERT, UPDATE, completion, firing and DELETE each write their event');
SELECT pg_temp.mark();
SAVEPOINT undone;
INSERT INTO aido.tasks (user_id, title) VALUES (pg_temp.uid('bob'), 'Never');
SELECT aido_task_create(pg_temp.uid('bob'), '{"title": "Never either"}');
ROLLBACK TO SAVEPOINT undone;
SELECT is(pg_temp.since_mark(), '{}', 'a rolled-back change leaves no event');

-- the gateway's poll, the relay's read, pruning ---------------------------

SELECT aido_external_user('ext-subject-1');
CREATE TEMP TABLE poll AS SELECT aido_events_poll(
	ARRAY[pg_temp.uid('alice'), pg_temp.uid('bob'), pg_temp.uid('bob'), 'ext-subject-1']::text[],
	ARRAY[pg_temp.sid('alice'), pg_temp.sid('bob'), pg_temp.sid('alice'), NULL],
	ARRAY[0, (SELECT (aido_events(pg_temp.uid('bob'), NULL) ->> 'next_after')::bigint), 0, NULL]::bigint[], 5) AS j;
SELECT is((SELECT array_agg(r ->> 'i' ORDER BY r ->> 'i') FROM poll, jsonb_array_elements(j -> 'readers') r),
		  '{1,3,4}', 'a poll lists the readers with news, a dead session or no position, not those up to date');
SELECT is((SELECT jsonb_array_length(r -> 'items') FROM poll, jsonb_array_elements(j -> 'readers') r WHERE r ->> 'i' = '1'),
		  5, 'a reader behind gets its events, limit at most');
SELECT is((SELECT r -> 'dead' FROM poll, jsonb_array_elements(j -> 'readers') r WHERE r ->> 'i' = '3'),
		  'true'::jsonb, 'a reader whose session is not its user''s is dead');
SELECT is((SELECT r -> 'next_after' FROM poll, jsonb_array_elements(j -> 'readers') r WHERE r ->> 'i' = '4'),
		  (SELECT j -> 'head' FROM poll), 'a reader without a position starts at the head (an external user''s, found by subject)');

-- An external subject the database has not seen (the feed was its first
-- request) has no events, and is not refused; an aido user id that is
-- no user is, whatever the session.
CREATE TEMP TABLE poll2 AS SELECT aido_events_poll(
	ARRAY['ext-never-seen', gen_random_uuid()::text]::text[], ARRAY[NULL, pg_temp.sid('alice')]::uuid[],
	ARRAY[0, 0]::bigint[], 5) AS j;
SELECT is((SELECT jsonb_agg(r ->> 'i') FROM poll2, jsonb_array_elements(j -> 'readers') r
		   WHERE r ->> 'i' = '1'), NULL, 'an external subject not yet a user is not dead, and has no news');
SELECT is((SELECT r -> 'dead' FROM poll2, jsonb_array_elements(j -> 'readers') r WHERE r ->> 'i' = '2'),
		  'true'::jsonb, 'an aido user id that is no user is dead');

SELECT is((SELECT array_agg(seq ORDER BY seq) FROM aido_events_all(0, 1000)),
		  (SELECT array_agg(seq ORDER BY seq) FROM aido.task_events), 'aido_events_all reads every user''s events in seq order');

UPDATE aido.task_events SET created_at = now() - interval '8 days'
	WHERE seq IN (SELECT seq FROM aido.task_events WHERE seq IS NOT NULL ORDER BY seq LIMIT 3);
INSERT INTO aido.task_events (user_id, event_type, task_id, task_data, created_at)
	VALUES (pg_temp.uid('bob'), 'created', gen_random_uuid(), '{}', now() - interval '30 days');
SELECT is(aido_events_prune(), 3::bigint, 'pruning deletes the settled events older than aido.event_retention');
SELECT is((SELECT count(*) FROM aido.task_events WHERE created_at < now() - interval '7 days'), 1::bigint,
		  'an event not yet given its seq is never pruned, however old');

SELECT * FROM finish();
ROLLBACK;
