/*
 * Small immutable helpers.  "Blank" means empty after trimming ASCII white
 * space, exactly as the C validator trims.
 */
CREATE OR REPLACE FUNCTION _aido_trim(text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.btrim($1, E' \t\n\r\f' OPERATOR(pg_catalog.||) pg_catalog.chr(11)) $$;

/*
 * Tags trimmed, lower-cased, duplicates dropped in first-seen order.  In
 * PL/pgSQL rather than SQL: a SQL function with a FROM clause cannot be
 * inlined and would be planned anew in every statement of the trigger.
 */
CREATE OR REPLACE FUNCTION _aido_normalize_tags(tags text[])
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	tag text;
	result text[] := '{}';
BEGIN
	FOREACH tag IN ARRAY tags LOOP
		tag := pg_catalog.lower(@extschema@._aido_trim(tag));
		IF tag IS NOT NULL AND tag <> ALL (result) THEN
			result := result || tag;
		END IF;
	END LOOP;
	RETURN result;
END
$$;

CREATE OR REPLACE FUNCTION _aido_priority_rank(text)
RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE $1 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 END $$;

CREATE OR REPLACE FUNCTION _aido_b64url_encode(text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT pg_catalog.translate(
		pg_catalog.encode(pg_catalog.convert_to($1, 'UTF8'), 'base64'),
		E'+/=\n', '-_')
$$;

CREATE OR REPLACE FUNCTION _aido_b64url_decode(text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT pg_catalog.convert_from(pg_catalog.decode(
		pg_catalog.rpad(pg_catalog.translate($1, '-_', '+/'),
			 ((pg_catalog.length($1) + 3) / 4) * 4, '='),
		'base64'), 'UTF8')
$$;

