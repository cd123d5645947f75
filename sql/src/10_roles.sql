/*
 * Roles.  Roles are cluster-wide, so they are created only when absent and
 * never dropped with the extension.
 */
DO $roles$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'aido_api') THEN
		CREATE ROLE aido_api NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'aido_admin') THEN
		CREATE ROLE aido_admin NOLOGIN;
	END IF;
END
$roles$;

