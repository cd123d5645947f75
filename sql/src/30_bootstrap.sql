/*
 * Bootstrap and schema status.
 */
CREATE OR REPLACE FUNCTION aido_bootstrap()
RETURNS SETOF text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
	v_object record;
BEGIN
	/* one bootstrap at a time: two gateways starting together must not race */
	PERFORM pg_advisory_xact_lock(hashtext('aido_bootstrap'));

	FOR v_object IN SELECT * FROM @extschema@._aido_schema_objects() ORDER BY ord LOOP
		IF NOT @extschema@._aido_object_present(v_object.kind, v_object.tbl, v_object.name) THEN
			EXECUTE v_object.ddl;
			RETURN NEXT format('created %s %s', v_object.kind,
							   CASE WHEN v_object.kind IN ('schema', 'table', 'sequence')
									THEN v_object.name
									ELSE v_object.tbl || '.' || v_object.name END);
		END IF;
	END LOOP;

	/* the key of the cursors' HMAC, made once: 64 bytes, 488 of them random */
	INSERT INTO aido.secrets AS s (name, value)
	VALUES ('cursor_hmac', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text
										  || gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'))
	ON CONFLICT (name) DO NOTHING;

	/* privileges are (re)granted every time: GRANT is idempotent */
	GRANT USAGE ON SCHEMA aido TO aido_admin;
	GRANT ALL ON ALL TABLES IN SCHEMA aido TO aido_admin;
	GRANT ALL ON ALL SEQUENCES IN SCHEMA aido TO aido_admin;
	RETURN;
END
$$;

CREATE OR REPLACE FUNCTION aido_schema_status()
RETURNS TABLE (kind text, name text, present boolean, detail text)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
	SELECT o.kind,
		   CASE WHEN o.kind IN ('schema', 'table', 'sequence') THEN o.name
				ELSE o.tbl || '.' || o.name END,
		   p.present,
		   CASE WHEN p.present THEN 'present'
				ELSE 'missing: SELECT aido_bootstrap() creates it' END
	FROM @extschema@._aido_schema_objects() AS o,
		 LATERAL (SELECT @extschema@._aido_object_present(o.kind, o.tbl, o.name) AS present) AS p
	ORDER BY o.ord
$$;

ALTER FUNCTION aido_health()
	SECURITY DEFINER
	SET search_path = pg_catalog, @extschema@, pg_temp;

