/*
 * The C primitives (the .c files in extension/).  Everything else in aido is
 * SQL: the SQL-only flavor (sql/sqlonly/05_primitives.sql) replaces this file
 * with the same signatures in PL/pgSQL and pgcrypto.
 */

CREATE OR REPLACE FUNCTION aido_hash_password(password text)
RETURNS text
AS 'MODULE_PATHNAME', 'aido_hash_password'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION aido_verify_password(password text, hash text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'aido_verify_password'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION aido_password_needs_rehash(hash text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'aido_password_needs_rehash'
LANGUAGE C STRICT STABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION aido_validate_task(task jsonb, partial boolean DEFAULT false)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'aido_validate_task'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION _aido_hash_bcrypt(password text)
RETURNS text
AS 'MODULE_PATHNAME', 'aido_hash_bcrypt'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION aido_health()
RETURNS jsonb
AS 'MODULE_PATHNAME', 'aido_health'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;


/*
 * A setting of aido, by its name without the "aido." prefix.  Here the GUCs
 * the C library defines (PGC_SUSET: a session cannot loosen them); the
 * library is loaded first, since only then are they defined.  The SQL-only
 * flavor reads an owner-only table instead.
 */
CREATE OR REPLACE FUNCTION _aido_setting(name text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	PERFORM @extschema@.aido_password_needs_rehash('');
	RETURN pg_catalog.current_setting('aido.' OPERATOR(pg_catalog.||) _aido_setting.name);
END
$$;

/*
 * Passwords across flavors (docs/passwords.md).  The SQL-only flavor cannot
 * compute argon2id, so beside each argon2id hash this flavor keeps a bcrypt
 * hash of the same password (users.password_bcrypt), which pgcrypto can
 * check after the data moves.  A bcrypt password_hash needs none.
 */
CREATE OR REPLACE FUNCTION _aido_portable_hash(password text, hash text)
RETURNS text
LANGUAGE sql VOLATILE
AS $$
	SELECT CASE WHEN hash LIKE '$argon2id$%' THEN @extschema@._aido_hash_bcrypt(password) END
$$;

/* The stored hash verified; this flavor checks every hash it may hold. */
CREATE OR REPLACE FUNCTION _aido_verify_stored(password text, hash text, bcrypt text)
RETURNS boolean
LANGUAGE sql VOLATILE
AS $$ SELECT @extschema@.aido_verify_password(password, hash) $$;

/*
 * json_agg of rows, the same text (extension/json.c): the pages of the
 * lists are built with it.  The SQL-only flavor's build writes json_agg in
 * its place (sql/sqlonly/build).
 */
CREATE OR REPLACE FUNCTION _aido_json_agg_transfn(state internal, item anyelement)
RETURNS internal
AS 'MODULE_PATHNAME', 'aido_json_agg_transfn'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION _aido_json_agg_finalfn(state internal)
RETURNS json
AS 'MODULE_PATHNAME', 'aido_json_agg_finalfn'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE OR REPLACE AGGREGATE _aido_json_agg(anyelement) (
	SFUNC = _aido_json_agg_transfn,
	STYPE = internal,
	FINALFUNC = _aido_json_agg_finalfn
);
