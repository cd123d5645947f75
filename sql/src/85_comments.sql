/*
 * Documentation: \df+ aido_* explains itself.
 */
COMMENT ON FUNCTION aido_hash_password(text) IS
'argon2id hash of a password in PHC string form; cost from aido.password_memory_kib and aido.password_iterations';
COMMENT ON FUNCTION aido_verify_password(text, text) IS
'constant-time check of a password against an argon2id or legacy bcrypt ($2a$/$2b$/$2y$) hash; false for a malformed hash';
COMMENT ON FUNCTION aido_password_needs_rehash(text) IS
'true when a hash is bcrypt, malformed, or argon2id weaker than the current settings; aido_login then upgrades it';
COMMENT ON FUNCTION aido_validate_task(jsonb, boolean) IS
'the task rules: a jsonb array of {field, code, message}, [] when valid; partial => true checks a PATCH body';
COMMENT ON FUNCTION aido_health() IS
'health of the database and of the aido schema, as jsonb, with the time the check took';
COMMENT ON FUNCTION aido_bootstrap() IS
'creates the aido schema, tables, constraints, indexes and triggers that are missing; safe to run on every start; returns what it created';
COMMENT ON FUNCTION aido_schema_status() IS
'one row per required schema object: present or not, with what to do';
COMMENT ON FUNCTION aido_signup(jsonb, integer, text, text) IS
'creates an account from {email, password, name?} and opens a session; 23514 invalid, 23505 email taken, PT429 after too many signups from the client address';
COMMENT ON PROCEDURE aido_login(jsonb, integer, text, text, jsonb) IS
'CALL aido_login(''{"email":..,"password":..}''): opens a session; 28P01 for an unknown email or a wrong password alike, in the same time; PT429 after too many failures of the account at the client address, or of the address';
COMMENT ON FUNCTION aido_logout(uuid, uuid) IS
'revokes a session: its token is refused from then on; 28000 when it is not live';
COMMENT ON FUNCTION aido_session_user(uuid, uuid) IS
'the user of a live session (or, with no session, the user as given), as {id, email, name, created_at}; 28000 for a dead session';
COMMENT ON FUNCTION aido_external_user(text, text, text) IS
'the user id behind an external provider''s subject, created on first sight; never matched by email';
COMMENT ON FUNCTION aido_task_create(uuid, jsonb, uuid) IS
'creates a task for a user from its JSON fields; 23514 with the field errors in DETAIL';
COMMENT ON FUNCTION aido_task_get(uuid, uuid, uuid) IS
'one task of a user; P0002 when it does not exist or is another user''s';
COMMENT ON FUNCTION aido_task_list(uuid, jsonb, uuid) IS
'a page of a user''s tasks: params status, priority, tag, q, due_before, due_after, sort, limit, cursor; {items, next_cursor}';
COMMENT ON FUNCTION aido_task_list_json(uuid, jsonb, uuid) IS
'aido_task_list''s page as json text, each task''s keys in column order, for a client that relays it (the gateway): no jsonb is built';
COMMENT ON FUNCTION aido_task_update(uuid, uuid, jsonb, uuid) IS
'changes the fields present in a patch (PATCH)';
COMMENT ON FUNCTION aido_task_replace(uuid, uuid, jsonb, uuid) IS
'sets every editable field; absent ones take their defaults (PUT)';
COMMENT ON FUNCTION aido_task_toggle(uuid, uuid, uuid) IS
'flips completed; completing a recurring task creates its next occurrence once';
COMMENT ON FUNCTION aido_task_delete(uuid, uuid, uuid) IS
'deletes a task of a user; P0002 when there is none';
COMMENT ON FUNCTION aido_mcp_call(uuid, text, jsonb, uuid) IS
'one tool call of the assistant (POST /mcp): add_task, list_tasks, get_task, complete_task, delete_task or update_task with its arguments, for the user of the token; a user_id argument must name that user (42501); returns the tool''s structured result';
COMMENT ON FUNCTION aido_conversation_create(uuid, jsonb, uuid) IS
'creates a conversation {title?} for a user';
COMMENT ON FUNCTION aido_conversation_get(uuid, uuid, uuid) IS
'one conversation of a user; P0002 otherwise';
COMMENT ON FUNCTION aido_conversation_list(uuid, jsonb, uuid) IS
'a page of a user''s conversations, newest first: params limit, cursor';
COMMENT ON FUNCTION aido_conversation_list_json(uuid, jsonb, uuid) IS
'aido_conversation_list''s page as json text, each conversation''s keys in column order, for a client that relays it (the gateway): no jsonb is built';
COMMENT ON FUNCTION aido_conversation_delete(uuid, uuid, uuid) IS
'deletes a conversation and its messages';
COMMENT ON FUNCTION aido_message_create(uuid, uuid, jsonb, uuid) IS
'adds {role, content} to a conversation of the user';
COMMENT ON FUNCTION aido_message_list(uuid, uuid, jsonb, uuid) IS
'a page of a conversation''s messages, oldest first: params limit, cursor';
COMMENT ON FUNCTION aido_message_list_json(uuid, uuid, jsonb, uuid) IS
'aido_message_list''s page as json text, each message''s keys in column order, for a client that relays it (the gateway): no jsonb is built';
COMMENT ON FUNCTION aido_events(uuid, bigint, integer, uuid) IS
'a user''s task events after a sequence number, oldest first: {items, next_after}; after => null gives no items and the present head';
COMMENT ON FUNCTION aido_events_poll(text[], uuid[], bigint[], integer) IS
'the gateway''s one query per tick for all its waiting readers (user, session, position): {head, next_reminder, readers: [{i, next_after, items, dead}]}';
COMMENT ON FUNCTION aido_events_all(bigint, integer) IS
'every user''s task events after a sequence number, in order, for a relay or audit consumer that saves the last seq it delivered (at least once)';
COMMENT ON FUNCTION aido_events_prune(integer) IS
'deletes settled task events older than aido.event_retention, one batch, without blocking writers; returns how many';
COMMENT ON FUNCTION aido_reminders_fire(integer) IS
'fires due reminders once each (a reminder event per task; safe with several callers): {fired, next_reminder}';
COMMENT ON FUNCTION aido_reminders_next() IS
'when the next reminder falls due, null when none is set: a poller sleeps until then';
