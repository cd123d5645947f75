/*
 * Privileges.  PUBLIC may execute nothing of aido; aido_api may execute the
 * API and nothing else (no table privileges: the functions are SECURITY
 * DEFINER); aido_admin may do everything, bootstrap included.  aido's
 * routines are the extension's members; in the SQL-only flavor, which is no
 * extension, those of its schema named aido_* or _aido_*.
 */
DO $grants$
DECLARE
	v_routine regprocedure;
BEGIN
	FOR v_routine IN
		SELECT p.oid::regprocedure
		FROM pg_catalog.pg_proc p
		JOIN pg_catalog.pg_depend d
		  ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
		 AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
		JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'aido'
		UNION
		SELECT p.oid::regprocedure
		FROM pg_catalog.pg_proc p
		WHERE p.pronamespace = '@extschema@'::regnamespace
		  AND p.proname ~ '^_?aido_'
		  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname = 'aido')
	LOOP
		EXECUTE format('REVOKE ALL ON ROUTINE %s FROM PUBLIC', v_routine);
		EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO aido_admin', v_routine);
	END LOOP;
END
$grants$;

GRANT aido_api TO aido_admin;

GRANT EXECUTE ON FUNCTION
	aido_schema_status(),
	aido_health(),
	aido_hash_password(text),
	aido_verify_password(text, text),
	aido_password_needs_rehash(text),
	aido_validate_task(jsonb, boolean),
	aido_signup(jsonb, integer, text, text),
	aido_logout(uuid, uuid),
	aido_session_user(uuid, uuid),
	aido_external_user(text, text, text),
	aido_task_create(uuid, jsonb, uuid),
	aido_task_get(uuid, uuid, uuid),
	aido_task_list(uuid, jsonb, uuid),
	aido_task_list_json(uuid, jsonb, uuid),
	aido_task_update(uuid, uuid, jsonb, uuid),
	aido_task_replace(uuid, uuid, jsonb, uuid),
	aido_task_toggle(uuid, uuid, uuid),
	aido_mcp_call(uuid, text, jsonb, uuid),
	aido_task_delete(uuid, uuid, uuid),
	aido_conversation_create(uuid, jsonb, uuid),
	aido_conversation_get(uuid, uuid, uuid),
	aido_conversation_list(uuid, jsonb, uuid),
	aido_conversation_list_json(uuid, jsonb, uuid),
	aido_conversation_delete(uuid, uuid, uuid),
	aido_message_create(uuid, uuid, jsonb, uuid),
	aido_message_list(uuid, uuid, jsonb, uuid),
	aido_message_list_json(uuid, uuid, jsonb, uuid),
	aido_events(uuid, bigint, integer, uuid),
	aido_events_poll(text[], uuid[], bigint[], integer),
	aido_events_prune(integer),
	aido_reminders_fire(integer),
	aido_reminders_next(),
	_aido_login_claim(jsonb, text),
	_aido_login_verify(jsonb, integer, text, text)
TO aido_api;
GRANT EXECUTE ON PROCEDURE aido_login(jsonb, integer, text, text, jsonb) TO aido_api;

