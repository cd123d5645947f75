-- Users of an external identity provider (API.md 3.2): found by external_id,
-- created on first sight, never matched by email, shown by their external id.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT aido_bootstrap();
SET aido.password_memory_kib = 1024;
SET aido.password_iterations = 1;
SELECT plan(15);

CREATE TEMP TABLE ext AS
	SELECT aido_external_user('Kx3v9QmZ2bT7yL0pR4sW8nC1dF6gH5jA', 'Same@Example.com', 'Ext Person') AS id;
SELECT isnt((SELECT id FROM ext), NULL, 'an external subject gets a user on first sight');
SELECT is(aido_external_user('Kx3v9QmZ2bT7yL0pR4sW8nC1dF6gH5jA', 'other@example.com'), (SELECT id FROM ext),
		  'the same subject finds the same user');
SELECT is((SELECT count(*)::int FROM aido.users WHERE external_id = 'Kx3v9QmZ2bT7yL0pR4sW8nC1dF6gH5jA'), 1,
		  'and creates no second one');
SELECT is((SELECT email FROM aido.users WHERE id = (SELECT id FROM ext)), 'same@example.com',
		  'the provider''s email is kept, normalised');
SELECT is((SELECT password_hash FROM aido.users WHERE id = (SELECT id FROM ext)), NULL,
		  'an external user has no password');

-- never matched by email, in either direction
CREATE TEMP TABLE native AS
	SELECT (aido_signup('{"email":"same@example.com","password":"password123"}') -> 'user' ->> 'id')::uuid AS id;
SELECT isnt((SELECT id FROM native), (SELECT id FROM ext),
			'a native signup with the external user''s email gets its own account');
SELECT isnt(aido_external_user('another-subject', 'same@example.com'), (SELECT id FROM native),
			'an external identity with a native user''s email gets its own account');
SELECT throws_ok($$SELECT aido_signup('{"email":"same@example.com","password":"password123"}')$$, '23505', NULL,
				 'native emails stay unique among native accounts');
SELECT is((SELECT (SELECT id FROM native) = (SELECT (_aido_login_verify('{"email":"same@example.com","password":"password123"}', 60, NULL, NULL) -> 'user' ->> 'id')::uuid)),
		  true, 'login with that email reaches the native account, never the external one');

-- responses show the external id
SELECT is(aido_task_create((SELECT id FROM ext), '{"title":"from outside"}') ->> 'user_id',
		  'Kx3v9QmZ2bT7yL0pR4sW8nC1dF6gH5jA', 'a created task shows the external id as user_id');
SELECT is(aido_task_list((SELECT id FROM ext)) -> 'items' -> 0 ->> 'user_id',
		  'Kx3v9QmZ2bT7yL0pR4sW8nC1dF6gH5jA', 'listed tasks show the external id');
SELECT is(aido_session_user((SELECT id FROM ext), NULL) ->> 'id',
		  'Kx3v9QmZ2bT7yL0pR4sW8nC1dF6gH5jA', 'the user itself shows the external id');
SELECT is(aido_task_list((SELECT id FROM native)) -> 'items', '[]'::jsonb,
		  'the native user with the same email sees none of the external user''s tasks');
SELECT is(aido_conversation_create((SELECT id FROM ext)) ->> 'user_id',
		  'Kx3v9QmZ2bT7yL0pR4sW8nC1dF6gH5jA', 'conversations show the external id');

SELECT throws_ok($$SELECT aido_external_user('')$$, '28000', NULL, 'an empty subject is refused');

SELECT * FROM finish();
ROLLBACK;
