/*
 * The C primitives (the .c files in extension/).  Everything else in aido is SQL, so that
 * a SQL-only flavour for managed hosts can follow with the same signatures.
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

CREATE OR REPLACE FUNCTION aido_health()
RETURNS jsonb
AS 'MODULE_PATHNAME', 'aido_health'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

