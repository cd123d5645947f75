-- aido_hash_password, aido_verify_password, aido_password_needs_rehash and
-- the settings of the SQL-only flavor.  aido flavor: sqlonly (bcrypt through
-- pgcrypto, settings in aido_config.settings; the C flavor's argon2id and
-- GUCs are 010_password.sql; docs/passwords.md says why they differ)
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

SELECT plan(30);

-- The cost as shipped; the test database lowers it (test/aido-install).
UPDATE aido_config.settings SET value = '10' WHERE name = 'password_bcrypt_cost';

CREATE TEMP TABLE fixture AS
SELECT aido_hash_password('correct horse') AS bcrypt;

-- hashing

SELECT matches((SELECT bcrypt FROM fixture), '^\$2a\$10\$[./A-Za-z0-9]{53}$',
               'a hash is a bcrypt string ($2a$, which the C flavor verifies too)');
SELECT isnt(aido_hash_password('correct horse'), aido_hash_password('correct horse'),
            'the same password hashes differently each time (random salt)');
SELECT unalike(aido_hash_password('correct horse'), '%correct horse%',
               'a hash does not contain the password');

UPDATE aido_config.settings SET value = '5' WHERE name = 'password_bcrypt_cost';
CREATE TEMP TABLE cheap AS SELECT aido_hash_password('correct horse') AS bcrypt;
SELECT matches((SELECT bcrypt FROM cheap), '^\$2a\$05\$',
               'a hash takes its cost from the setting password_bcrypt_cost');
SET aido.password_memory_kib = 1024;
SELECT matches(aido_hash_password('x'), '^\$2a\$05\$',
               'the aido.* GUCs, mere placeholders here, change nothing');
RESET aido.password_memory_kib;
UPDATE aido_config.settings SET value = '10' WHERE name = 'password_bcrypt_cost';
SELECT ok(aido_verify_password('correct horse', (SELECT bcrypt FROM cheap)),
          'a hash made at another cost still verifies after the setting changes');

SELECT throws_ok($$SELECT aido_hash_password('')$$, '22023', 'password must not be empty',
                 'hashing an empty password is refused');
SELECT throws_ok($$SELECT aido_hash_password(repeat('a', 4097))$$, '22023', 'password is too long',
                 'hashing a password over 4096 bytes is refused');

-- verifying

SELECT ok(aido_verify_password('correct horse', (SELECT bcrypt FROM fixture)),
          'the right password verifies against its bcrypt hash');
SELECT ok(NOT aido_verify_password('correct horsE', (SELECT bcrypt FROM fixture)),
          'a wrong password does not verify');
SELECT ok(NOT aido_verify_password('', (SELECT bcrypt FROM fixture)),
          'an empty password does not verify');
SELECT ok(NOT aido_verify_password(repeat('a', 4097), (SELECT bcrypt FROM fixture)),
          'a password over 4096 bytes does not verify');
SELECT ok(aido_verify_password('pässwörd ✓', crypt('pässwörd ✓', gen_salt('bf', 4))),
          'a password with non-ASCII characters verifies');
-- the same bcrypt with the other prefixes (passlib writes $2b$, PHP $2y$)
SELECT ok(aido_verify_password('correct horse', '$2b$' || substr((SELECT bcrypt FROM cheap), 5)),
          'a $2b$ hash verifies');
SELECT ok(aido_verify_password('correct horse', '$2y$' || substr((SELECT bcrypt FROM cheap), 5)),
          'a $2y$ hash verifies');
SELECT ok(NOT aido_verify_password('correct horse', '$2x$' || substr((SELECT bcrypt FROM cheap), 5)),
          'a $2x$ hash (the buggy variant) does not');
-- a hash made by the C flavor: argon2id, which pgcrypto cannot compute
SELECT ok(NOT aido_verify_password('correct horse',
          '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyMTI'),
          'an argon2id hash does not verify here (and raises no error)');
SELECT is((SELECT count(*)::int FROM (VALUES (''), ('x'), ('$2a$'), ('$2a$10$short'), ('$2a$99$' || repeat('a', 53)),
             ('$2a$03$' || repeat('a', 53)), ('$2a$10$' || repeat('*', 53)),
             ('$1$salt$hash'), ('$6$salt$' || repeat('a', 86)), ('$2a$10$' || repeat('.', 53))) AS t(h)
           WHERE aido_verify_password('x', h)), 0,
          'no malformed, foreign or out-of-range hash verifies');

-- rehash

SELECT ok(NOT aido_password_needs_rehash((SELECT bcrypt FROM fixture)),
          'a bcrypt hash at the current cost needs no rehash');
SELECT ok(aido_password_needs_rehash((SELECT bcrypt FROM cheap)),
          'a bcrypt hash cheaper than password_bcrypt_cost needs a rehash');
SELECT ok(aido_password_needs_rehash(
          '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyMTI'),
          'an argon2id hash needs a rehash (to bcrypt, when a login can check it)');
SELECT ok(aido_password_needs_rehash(''), 'a malformed hash needs a rehash');

-- the settings: the owner's, not the client's

SELECT throws_ok($$UPDATE aido_config.settings SET value = '3' WHERE name = 'password_bcrypt_cost'$$,
                 '23514', NULL, 'password_bcrypt_cost refuses less than 4');
SELECT throws_ok($$UPDATE aido_config.settings SET value = '17' WHERE name = 'password_bcrypt_cost'$$,
                 '23514', NULL, 'password_bcrypt_cost refuses more than 16');
SELECT throws_ok($$UPDATE aido_config.settings SET value = '101' WHERE name = 'login_max_failures'$$,
                 '23514', NULL, 'login_max_failures refuses more than 100');
SELECT throws_ok($$UPDATE aido_config.settings SET value = '2 days' WHERE name = 'login_failure_window'$$,
                 '23514', NULL, 'login_failure_window refuses more than a day');
SELECT throws_ok($$SELECT _aido_setting('no_such_setting')$$, '42704', NULL,
                 'an unknown setting is an error, not a silent NULL');
SET LOCAL ROLE aido_api;
SELECT throws_ok($$SELECT value FROM aido_config.settings$$, '42501', NULL,
                 'aido_api may not read the settings');
SELECT throws_ok($$SELECT _aido_setting('login_max_failures')$$, '42501', NULL,
                 'nor call the function that reads them');
SELECT matches(aido_hash_password('correct horse'), '^\$2a\$10\$',
               'but it may hash, at the owner''s cost');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
