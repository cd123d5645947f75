-- Accounts and sessions: aido_signup, aido_login, aido_logout, aido_session_user.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
SELECT aido_bootstrap();
SET aido.password_memory_kib = 1024;
SET aido.password_iterations = 1;
SELECT plan(36);
CREATE FUNCTION pg_temp.login(c jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE r jsonb;
BEGIN
	-- aido_login's two halves in one transaction: the procedure commits
	-- between them, which a pgTAP transaction may not (065_login.t calls it)
	PERFORM _aido_login_claim(c, NULL);
	r := _aido_login_verify(c, 86400, NULL, NULL);
	RETURN r;
END $$;
-- The flavors hash differently (010_password.sql, 011_password_sqlonly.sql):
-- argon2id whose cost is a GUC, or bcrypt whose cost is a row of the
-- owner-only aido_config.settings.  These raise the cost one step.
CREATE FUNCTION pg_temp.raise_password_cost() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'aido') THEN
		PERFORM set_config('aido.password_memory_kib', '2048', false);
	ELSE
		EXECUTE $u$UPDATE aido_config.settings SET value = (value::integer + 1)::text
				   WHERE name = 'password_bcrypt_cost'$u$;
	END IF;
END $$;

CREATE TEMP TABLE s AS
	SELECT aido_signup('{"email":"  Grace@Example.com ","password":"password123","name":"Grace"}',
					   3600, 'curl/8') AS j;

SELECT is(jsonb_typeof((SELECT j FROM s)), 'object', 'signup returns a JSON object');
SELECT is((SELECT j -> 'user' ->> 'email' FROM s), 'grace@example.com', 'signup stores the email trimmed and lower-cased');
SELECT is((SELECT j -> 'user' ->> 'name' FROM s), 'Grace', 'signup keeps the name');
SELECT is((SELECT array_agg(k ORDER BY k) FROM s, jsonb_object_keys(j -> 'user') k),
		  ARRAY['created_at', 'email', 'id', 'name'], 'the user has exactly id, email, name, created_at');
SELECT is((SELECT array_agg(k ORDER BY k) FROM s, jsonb_object_keys(j) k),
		  ARRAY['expires_at', 'expires_epoch', 'session_id', 'user'], 'signup returns user, session_id, expires_at, expires_epoch');
SELECT ok((SELECT (j ->> 'expires_at')::timestamptz BETWEEN now() + interval '59 minutes' AND now() + interval '61 minutes' FROM s),
		  'the session lasts ttl_seconds');
SELECT is((SELECT (j ->> 'expires_epoch')::bigint FROM s),
		  (SELECT floor(extract(epoch FROM (j ->> 'expires_at')::timestamptz))::bigint FROM s),
		  'expires_epoch is expires_at in seconds, for the JWT exp claim');
SELECT ok((SELECT password_hash !~ 'password123' AND NOT aido_password_needs_rehash(password_hash)
		   FROM aido.users WHERE email = 'grace@example.com'),
		  'the password is stored as a hash of the current scheme and cost');
SELECT is((SELECT user_agent FROM aido.sessions WHERE id = (SELECT (j ->> 'session_id')::uuid FROM s)), 'curl/8',
		  'the session records the user agent');

-- signup refusals
SELECT throws_ok($$SELECT aido_signup('{"email":"GRACE@example.com","password":"password123"}')$$,
				 '23505', 'email is already registered', 'signup with a registered email, in any case, is 23505');
SELECT throws_ok($$SELECT aido_signup('{"email":"new@example.com","password":"1234567"}')$$,
				 '23514', 'signup is invalid', 'signup rejects a 7-character password');
SELECT lives_ok($$SELECT aido_signup('{"email":"eight@example.com","password":"12345678"}')$$,
				'signup accepts an 8-character password');
SELECT throws_ok(format($$SELECT aido_signup('{"email":"long@example.com","password":"%s"}')$$, repeat('p', 129)),
				 '23514', 'signup is invalid', 'signup rejects a 129-character password');
SELECT lives_ok(format($$SELECT aido_signup('{"email":"long128@example.com","password":"%s"}')$$, repeat('é', 128)),
				'signup accepts a 128-character password of multibyte characters');
SELECT throws_ok($$SELECT aido_signup('{"email":"not-an-email","password":"password123"}')$$,
				 '23514', 'signup is invalid', 'signup rejects a malformed email');
SELECT throws_ok($$SELECT aido_signup('{"password":"password123"}')$$,
				 '23514', 'signup is invalid', 'signup without an email is invalid');
SELECT throws_ok($$SELECT aido_signup('{"email":"x@example.com","password":12345678}')$$,
				 '23514', 'signup is invalid', 'signup with a numeric password is invalid');
SELECT throws_ok($$SELECT aido_signup('[]')$$, '23514', 'signup is invalid', 'signup with a non-object body is invalid');
SELECT throws_ok($$SELECT aido_signup('{"email":"ttl@example.com","password":"password123"}', 5)$$,
				 '22023', NULL, 'a ttl under a minute is refused');

-- what the DETAIL carries
CREATE FUNCTION pg_temp.detail_of(sql text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
	EXECUTE sql;
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
	RETURN d::jsonb;
END $$;
SELECT is(pg_temp.detail_of($$SELECT aido_signup('{"email":"bad","password":"short","name":7}')$$),
		  '[{"field":"email","code":"invalid_email","message":"email must be an address like name@example.com"},
			{"field":"password","code":"too_short","message":"password must be at least 8 characters"},
			{"field":"name","code":"wrong_type","message":"name must be a string"}]'::jsonb,
		  'signup names each invalid field with a code and a message');

-- login
SELECT is((pg_temp.login('{"email":"grace@example.com","password":"password123"}') -> 'user' ->> 'email'),
		  'grace@example.com', 'login with the right password opens a session');
SELECT is((pg_temp.login('{"email":" GRACE@example.com","password":"password123"}') -> 'user' ->> 'email'),
		  'grace@example.com', 'login finds the email case-insensitively');
-- failed logins commit their count, so they are tested outside a transaction: 065_login.t
SELECT throws_ok($$SELECT pg_temp.login('{"email":"grace@example.com"}')$$,
				 '23514', 'login is invalid', 'login without a password is invalid');

-- a legacy bcrypt hash (pgcrypto's, cost 4: below either flavor's cost here)
-- is accepted and upgraded in place
SELECT pg_temp.raise_password_cost();
INSERT INTO aido.users (email, password_hash) VALUES ('legacy@example.com', crypt('old-password', gen_salt('bf', 4)));
SELECT lives_ok($$SELECT pg_temp.login('{"email":"legacy@example.com","password":"old-password"}')$$,
				'login accepts a legacy bcrypt hash');
SELECT ok((SELECT password_hash !~ '^\$2a\$04\$' AND NOT aido_password_needs_rehash(password_hash)
		   FROM aido.users WHERE email = 'legacy@example.com'),
		  'login upgrades a legacy hash to the current scheme and cost');
SELECT lives_ok($$SELECT pg_temp.login('{"email":"legacy@example.com","password":"old-password"}')$$,
				'the upgraded hash still accepts the password');

-- a hash weaker than the current cost (raised above) is upgraded
CREATE TEMP TABLE weaker AS SELECT password_hash AS h FROM aido.users WHERE email = 'grace@example.com';
SELECT ok((SELECT aido_password_needs_rehash(h) FROM weaker), 'a hash of the former cost needs a rehash');
SELECT lives_ok($$SELECT pg_temp.login('{"email":"grace@example.com","password":"password123"}')$$,
				'login after the cost was raised works');
SELECT ok((SELECT password_hash <> (SELECT h FROM weaker) AND NOT aido_password_needs_rehash(password_hash)
		   FROM aido.users WHERE email = 'grace@example.com'),
		  'login rehashes a hash weaker than the current cost');

-- sessions
CREATE TEMP TABLE l AS SELECT pg_temp.login('{"email":"grace@example.com","password":"password123"}') AS j;
SELECT is((SELECT aido_session_user((j -> 'user' ->> 'id')::uuid, (j ->> 'session_id')::uuid) ->> 'email' FROM l),
		  'grace@example.com', 'a live session gives its user');
SELECT throws_ok($$SELECT aido_session_user((SELECT (j -> 'user' ->> 'id')::uuid FROM l), gen_random_uuid())$$,
				 '28000', 'session is not valid', 'an unknown session is 28000');
SELECT throws_ok($$SELECT aido_session_user((SELECT id FROM aido.users WHERE email = 'eight@example.com'), (SELECT (j ->> 'session_id')::uuid FROM l))$$,
				 '28000', 'session is not valid', 'a session of another user is 28000');
SELECT lives_ok($$SELECT aido_logout((SELECT (j -> 'user' ->> 'id')::uuid FROM l), (SELECT (j ->> 'session_id')::uuid FROM l))$$,
				'logout revokes the session');
SELECT throws_ok($$SELECT aido_session_user((SELECT (j -> 'user' ->> 'id')::uuid FROM l), (SELECT (j ->> 'session_id')::uuid FROM l))$$,
				 '28000', 'session is not valid', 'a revoked session is refused');
SELECT throws_ok($$SELECT aido_logout((SELECT (j -> 'user' ->> 'id')::uuid FROM l), (SELECT (j ->> 'session_id')::uuid FROM l))$$,
				 '28000', 'session is not valid', 'logging out twice is refused');
UPDATE aido.sessions SET expires_at = now() - interval '1 second' WHERE id = (SELECT (j ->> 'session_id')::uuid FROM s);
SELECT throws_ok($$SELECT aido_task_list((SELECT (j -> 'user' ->> 'id')::uuid FROM s), '{}', (SELECT (j ->> 'session_id')::uuid FROM s))$$,
				 '28000', 'session is not valid', 'an expired session is refused by every call that takes it');

SELECT * FROM finish();
ROLLBACK;
