-- aido_hash_password, aido_verify_password, aido_password_needs_rehash and
-- the aido.password_* GUCs.  aido flavor: c (argon2id; the SQL-only
-- flavor's bcrypt is 011_password_sqlonly.sql)
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

SELECT plan(37);

-- The cost settings as shipped; a test database may not have others.
RESET aido.password_memory_kib;
RESET aido.password_iterations;

CREATE TEMP TABLE fixture AS
SELECT aido_hash_password('correct horse') AS argon,
       crypt('correct horse', gen_salt('bf', 4)) AS bcrypt;

-- hashing

SELECT matches((SELECT argon FROM fixture),
               '^\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$',
               'a hash is an argon2id PHC string with a 16-byte salt and a 32-byte hash');
SELECT matches((SELECT argon FROM fixture), '^\$argon2id\$v=19\$m=19456,t=2,p=1\$',
               'a hash at the shipped settings costs 19456 KiB and 2 iterations');
SELECT isnt(aido_hash_password('correct horse'), aido_hash_password('correct horse'),
            'the same password hashes differently each time (random salt)');
SELECT unalike(aido_hash_password('correct horse'), '%correct horse%',
              'a hash does not contain the password');

SET aido.password_memory_kib = 8192;
SET aido.password_iterations = 3;
CREATE TEMP TABLE cheap AS SELECT aido_hash_password('correct horse') AS argon;
SELECT matches((SELECT argon FROM cheap), '^\$argon2id\$v=19\$m=8192,t=3,p=1\$',
               'a hash takes its cost from aido.password_memory_kib and aido.password_iterations');
SET aido.password_memory_kib = '32MB';
SELECT matches(aido_hash_password('x'), '\$m=32768,',
               'aido.password_memory_kib accepts memory units');
RESET aido.password_memory_kib;
RESET aido.password_iterations;
SELECT ok(aido_verify_password('correct horse', (SELECT argon FROM cheap)),
          'a hash made at another cost still verifies after the settings change');

SELECT throws_ok($$SELECT aido_hash_password('')$$, '22023',
                 'password must not be empty',
                 'hashing an empty password is refused');
SELECT throws_ok($$SELECT aido_hash_password(repeat('a', 4097))$$, '22023',
                 'password is too long',
                 'hashing a password over 4096 bytes is refused');
SELECT ok(aido_verify_password(repeat('é', 2048), aido_hash_password(repeat('é', 2048))),
          'a 4096-byte password hashes and verifies');

-- verifying argon2id

SELECT ok(aido_verify_password('correct horse', (SELECT argon FROM fixture)),
          'the right password verifies against its argon2id hash');
SELECT ok(NOT aido_verify_password('correct horsE', (SELECT argon FROM fixture)),
          'a wrong password does not verify');
SELECT ok(NOT aido_verify_password('', (SELECT argon FROM fixture)),
          'an empty password does not verify');
SELECT ok(NOT aido_verify_password(repeat('a', 4097), (SELECT argon FROM fixture)),
          'a password over 4096 bytes does not verify');
SELECT ok(NOT aido_verify_password('correct horse ', (SELECT argon FROM fixture)),
          'a password with a trailing space is a different password');

-- verifying legacy bcrypt (pgcrypto, passlib, PHP)

SELECT matches((SELECT bcrypt FROM fixture), '^\$2a\$04\$',
               'pgcrypto writes $2a$ bcrypt hashes');
SELECT ok(aido_verify_password('correct horse', (SELECT bcrypt FROM fixture)),
          'the right password verifies against a $2a$ bcrypt hash from pgcrypto');
SELECT ok(aido_verify_password('correct horse', overlay((SELECT bcrypt FROM fixture) PLACING 'b' FROM 3 FOR 1)),
          'the right password verifies against a $2b$ bcrypt hash');
SELECT ok(aido_verify_password('correct horse', overlay((SELECT bcrypt FROM fixture) PLACING 'y' FROM 3 FOR 1)),
          'the right password verifies against a $2y$ bcrypt hash');
SELECT ok(NOT aido_verify_password('correct horsE', (SELECT bcrypt FROM fixture)),
          'a wrong password does not verify against a $2a$ bcrypt hash');
SELECT ok(NOT aido_verify_password('correct horsE', overlay((SELECT bcrypt FROM fixture) PLACING 'b' FROM 3 FOR 1)),
          'a wrong password does not verify against a $2b$ bcrypt hash');
SELECT ok(NOT aido_verify_password('correct horse', overlay((SELECT bcrypt FROM fixture) PLACING 'x' FROM 3 FOR 1)),
          'a $2x$ (buggy pre-2011 bcrypt) hash is not accepted');
SELECT ok(NOT aido_verify_password('', (SELECT bcrypt FROM fixture)),
          'an empty password does not verify against a bcrypt hash');

-- malformed and unknown hashes are false, never an error

CREATE TEMP TABLE malformed (label text, hash text);
INSERT INTO malformed
SELECT * FROM (VALUES
    ('empty', ''),
    ('one character', 'x'),
    ('argon2id prefix only', '$argon2id$'),
    ('short bcrypt', '$2b$04$short'),
    ('truncated argon2id', left((SELECT argon FROM fixture), -5)),
    ('argon2id with a character appended', (SELECT argon FROM fixture) || 'A'),
    ('argon2id with its hash cut off', regexp_replace((SELECT argon FROM fixture), '\$[^$]*$', '')),
    ('argon2i instead of argon2id', replace((SELECT argon FROM fixture), 'argon2id', 'argon2i')),
    ('argon2id with a foreign version', replace((SELECT argon FROM fixture), 'v=19', 'v=16')),
    ('argon2id with a leading zero', replace((SELECT argon FROM fixture), 'm=19456', 'm=019456')),
    ('argon2id claiming 4 GiB', replace((SELECT argon FROM fixture), 'm=19456', 'm=4194304')),
    ('argon2id claiming 1000 iterations', replace((SELECT argon FROM fixture), 't=2', 't=1000')),
    ('truncated bcrypt', left((SELECT bcrypt FROM fixture), -1)),
    ('bcrypt of cost 31', overlay((SELECT bcrypt FROM fixture) PLACING '31' FROM 5 FOR 2)),
    ('bcrypt with a bad character', overlay((SELECT bcrypt FROM fixture) PLACING '!' FROM 40 FOR 1)),
    ('sha256-crypt', '$5$saltsalt$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZF/C0cBq'),
    ('md5-crypt from pgcrypto', crypt('correct horse', gen_salt('md5'))),
    ('plain text', 'correct horse')
) AS v(label, hash);

SELECT is(
    (SELECT array_agg(label ORDER BY label) FROM malformed
      WHERE aido_verify_password('correct horse', hash)),
    NULL,
    'malformed, foreign and over-costly hashes never verify (and raise no error)');
SELECT is(
    (SELECT array_agg(label ORDER BY label) FROM malformed
      WHERE NOT aido_password_needs_rehash(hash)),
    NULL,
    'malformed and foreign hashes always need a rehash');

-- needs_rehash

SELECT ok(NOT aido_password_needs_rehash((SELECT argon FROM fixture)),
          'a hash at the current cost does not need a rehash');
SELECT ok(aido_password_needs_rehash((SELECT bcrypt FROM fixture)),
          'a $2a$ bcrypt hash needs a rehash');
SELECT ok(aido_password_needs_rehash(overlay((SELECT bcrypt FROM fixture) PLACING 'y' FROM 3 FOR 1)),
          'a $2y$ bcrypt hash needs a rehash');
SELECT ok(aido_password_needs_rehash((SELECT argon FROM cheap)),
          'a hash with less memory than aido.password_memory_kib needs a rehash');
SELECT ok(aido_password_needs_rehash(replace((SELECT argon FROM fixture), 't=2', 't=1')),
          'a hash with fewer iterations than aido.password_iterations needs a rehash');
SET aido.password_memory_kib = 8192;
SET aido.password_iterations = 1;
SELECT ok(NOT aido_password_needs_rehash((SELECT argon FROM fixture)),
          'a hash stronger than the current settings does not need a rehash (never downgraded)');
RESET aido.password_memory_kib;
RESET aido.password_iterations;

-- the settings themselves

SELECT throws_ok($$SET aido.password_memory_kib = 1023$$, '22023', NULL,
                 'aido.password_memory_kib refuses less than 1024 KiB');
SELECT throws_ok($$SET aido.password_memory_kib = 1048577$$, '22023', NULL,
                 'aido.password_memory_kib refuses more than 1 GiB');
SELECT throws_ok($$SET aido.password_iterations = 0$$, '22023', NULL,
                 'aido.password_iterations refuses 0');
SELECT throws_ok($$SET aido.password_iterations = 101$$, '22023', NULL,
                 'aido.password_iterations refuses more than 100');
SELECT throws_ok($$SET aido.no_such_setting = 1$$, '42602', NULL,
                 'an unknown aido.* setting is refused (the prefix is reserved)');

CREATE ROLE aido_test_plain_user NOSUPERUSER;
SET LOCAL ROLE aido_test_plain_user;
SELECT throws_ok($$SET aido.password_memory_kib = 8192$$, '42501', NULL,
                 'only a superuser may change aido.password_memory_kib');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
