/*
 * aido, SQL-only flavor: the install script for managed hosts (Neon and
 * the like) where aido's C library cannot be loaded and the database owner
 * is not a superuser.  Built by extension/Makefile from the files of
 * sql/src/ in name order, each replaced by its namesake in sql/sqlonly/
 * where there is one, with @extschema@ read as public: edit those, never
 * the built file.  Run it with
 *
 *	   psql -v ON_ERROR_STOP=1 -f aido-sql--<version>.sql "$DATABASE_URL"
 *
 * as the database owner (CREATEROLE; no superuser needed), or through
 * make install-db.  It is one transaction, it may be run again (every
 * routine is CREATE OR REPLACE, roles and settings are made only when
 * absent), and running a newer one upgrades: it first drops what
 * sql/updates/ drops.  Then SELECT aido_bootstrap() creates the schema.
 * It needs pgcrypto, which PostgreSQL marks trusted, and nothing else.
 */
\set ON_ERROR_STOP 1
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL search_path = public, pg_catalog;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

/*
 * One install at a time (two would race on the roles and the settings);
 * none over the C extension or over a newer SQL-only aido.
 */
DO $guard$
BEGIN
	PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('aido_install'));
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'aido') THEN
		RAISE EXCEPTION USING
			ERRCODE = 'object_not_in_prerequisite_state',
			MESSAGE = 'the aido C extension is installed in this database',
			HINT = 'upgrade it with ALTER EXTENSION aido UPDATE instead';
	END IF;
	IF pg_catalog.to_regclass('aido_config.version') IS NULL THEN
		RETURN;
	END IF;
	IF EXISTS (SELECT 1 FROM aido_config.version v
			   WHERE pg_catalog.string_to_array(v.version, '.')::integer[]
					 > pg_catalog.string_to_array('@aido_version@', '.')::integer[]) THEN
		RAISE EXCEPTION USING
			ERRCODE = 'object_not_in_prerequisite_state',
			MESSAGE = 'a newer aido is installed in this database',
			HINT = 'run the install script of that version or a later one';
	END IF;
END
$guard$;
