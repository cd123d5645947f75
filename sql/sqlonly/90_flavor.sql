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

/* aido_owner (00_header.sql) owns every routine, table and setting of aido */
DO $owners$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT p.oid::regprocedure AS f FROM pg_catalog.pg_proc p
			 WHERE p.pronamespace = '@extschema@'::regnamespace AND p.proname ~ '^_?aido_'
			   AND p.proowner <> 'aido_owner'::regrole LOOP
		EXECUTE pg_catalog.format('ALTER ROUTINE %s OWNER TO aido_owner', r.f);
	END LOOP;
	FOR r IN SELECT n.nspname FROM pg_catalog.pg_namespace n
			 WHERE n.nspname IN ('aido', 'aido_config') AND n.nspowner <> 'aido_owner'::regrole LOOP
		EXECUTE pg_catalog.format('ALTER SCHEMA %I OWNER TO aido_owner', r.nspname);
	END LOOP;
	/* tables, and sequences no column owns (those follow their table) */
	FOR r IN SELECT c.oid::regclass AS t, c.relkind FROM pg_catalog.pg_class c
			 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
			 WHERE n.nspname IN ('aido', 'aido_config') AND c.relkind IN ('r', 'p', 'S')
			   AND c.relowner <> 'aido_owner'::regrole
			   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
							   WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
								 AND d.deptype IN ('a', 'i')) LOOP
		EXECUTE pg_catalog.format('ALTER %s %s OWNER TO aido_owner',
								  CASE r.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, r.t);
	END LOOP;
END
$owners$;

INSERT INTO aido_config.version AS v (version) VALUES ('@aido_version@')
ON CONFLICT (one) DO UPDATE SET version = excluded.version, installed_at = excluded.installed_at
WHERE v.version IS DISTINCT FROM excluded.version;

COMMIT;
