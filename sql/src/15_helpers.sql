/*
 * Small immutable helpers.  "Blank" means empty after trimming ASCII white
 * space, exactly as the C validator trims.
 */
CREATE OR REPLACE FUNCTION _aido_trim(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.btrim(value, E' \t\n\r\f' OPERATOR(pg_catalog.||) pg_catalog.chr(11)) $$;

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
	v_tag text;
	v_result text[] := '{}';
BEGIN
	FOREACH v_tag IN ARRAY tags LOOP
		v_tag := pg_catalog.lower(@extschema@._aido_trim(v_tag));
		IF v_tag IS NOT NULL AND v_tag <> ALL (v_result) THEN
			v_result := v_result || v_tag;
		END IF;
	END LOOP;
	RETURN v_result;
END
$$;

CREATE OR REPLACE FUNCTION _aido_b64url_encode(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT pg_catalog.translate(
		pg_catalog.encode(pg_catalog.convert_to(value, 'UTF8'), 'base64'),
		E'+/=\n', '-_')
$$;

CREATE OR REPLACE FUNCTION _aido_b64url_decode(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT pg_catalog.convert_from(pg_catalog.decode(
		pg_catalog.rpad(pg_catalog.translate(value, '-_', '+/'),
			 ((pg_catalog.length(value) + 3) / 4) * 4, '='),
		'base64'), 'UTF8')
$$;

