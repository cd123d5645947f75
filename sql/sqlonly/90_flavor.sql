/*
 * The end of the SQL-only flavor's install script: what differs from the
 * extension's privileges and comments, and the version, recorded last so
 * that it names a complete install.
 */

COMMENT ON FUNCTION aido_hash_password(text) IS
'bcrypt hash of a password (pgcrypto, $2a$); cost from aido_config.settings password_bcrypt_cost (SQL-only flavor: no argon2id)';
COMMENT ON FUNCTION aido_verify_password(text, text) IS
'check of a password against a bcrypt ($2a$/$2b$/$2y$) hash; false for a malformed hash and for argon2id, which the SQL-only flavor cannot compute';
COMMENT ON FUNCTION aido_password_needs_rehash(text) IS
'true when a hash is argon2id, malformed, or bcrypt cheaper than password_bcrypt_cost; aido_login then rewrites it';
COMMENT ON FUNCTION _aido_setting(text) IS
'a setting of the SQL-only flavor, from the owner-only table aido_config.settings';

INSERT INTO aido_config.version AS v (version) VALUES ('@aido_version@')
ON CONFLICT (one) DO UPDATE SET version = excluded.version, installed_at = excluded.installed_at
WHERE v.version IS DISTINCT FROM excluded.version;

COMMIT;
