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

/*
 * aido_owner owns aido's routines, tables and settings: a NOLOGIN role
 * with no BYPASSRLS and no membership in neon_superuser or
 * pg_read_all_data, so that the SECURITY DEFINER functions run as a role
 * that reaches aido's data and nothing else, not as the database owner
 * (on Neon: BYPASSRLS and pg_read_all_data, every table of the database).
 * The installer becomes its member (PostgreSQL 16 gives the creating
 * CREATEROLE role ADMIN on a new role, not SET or INHERIT).  aido_health()
 * counts every client backend, as the C flavor does, where the installer
 * may let aido_owner read the statistics (pg_monitor on Neon); elsewhere
 * it counts those it can see.  90_flavor.sql hands everything over.
 */
DO $owner$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'aido_owner') THEN
		CREATE ROLE aido_owner NOLOGIN;
	END IF;
	IF NOT pg_catalog.pg_has_role(current_user, 'aido_owner', 'USAGE') THEN
		IF pg_catalog.current_setting('server_version_num')::integer >= 160000 THEN
			EXECUTE pg_catalog.format('GRANT aido_owner TO %I WITH INHERIT TRUE, SET TRUE', current_user);
		ELSE
			EXECUTE pg_catalog.format('GRANT aido_owner TO %I', current_user);
		END IF;
	END IF;
	EXECUTE pg_catalog.format('GRANT CREATE ON DATABASE %I TO aido_owner', pg_catalog.current_database());
	GRANT USAGE, CREATE ON SCHEMA @extschema@ TO aido_owner;
	IF NOT pg_catalog.pg_has_role('aido_owner', 'pg_read_all_stats', 'USAGE') THEN
		BEGIN
			GRANT pg_read_all_stats TO aido_owner;
		EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
			BEGIN
				GRANT pg_monitor TO aido_owner;
			EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
				NULL;
			END;
		END;
	END IF;
END
$owner$;
