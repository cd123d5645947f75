-- POST /api/auth/login: a random user logs in with the password every
-- bench user has, through the same procedure call the gateway makes
-- (CALL aido_login: one argon2id verification, a session row).
\set n random(1, :nusers)
CALL aido_login(jsonb_build_object('email', 'bench' || :n::text || '@example.com', 'password', :password::text), 86400, 'aido bench', '127.0.0.1');
