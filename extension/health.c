/*-------------------------------------------------------------------------
 *
 * health.c
 *	  aido_health(): what a load balancer, the gateway's /health route and
 *	  a DBA want to know about this database at a glance.
 *
 * extension/health.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "aido.h"

/* What health needs to ask in SQL, copied out of SPI's memory. */
typedef struct HealthCatalog
{
	char	   *extension_version;	/* NULL if the extension row is gone */
	bool		schema_ok;
} HealthCatalog;

PG_FUNCTION_INFO_V1(aido_health);

static void
health_push_key(JsonbParseState **state, const char *key)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) key;
	v.val.string.len = strlen(key);
	pushJsonbValue(state, WJB_KEY, &v);
}

static void
health_push_string(JsonbParseState **state, const char *key, const char *s)
{
	JsonbValue	v;

	health_push_key(state, key);
	if (s == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = (char *) s;
		v.val.string.len = strlen(s);
	}
	pushJsonbValue(state, WJB_VALUE, &v);
}

static void
health_push_bool(JsonbParseState **state, const char *key, bool b)
{
	JsonbValue	v;

	health_push_key(state, key);
	v.type = jbvBool;
	v.val.boolean = b;
	pushJsonbValue(state, WJB_VALUE, &v);
}

static void
health_push_numeric(JsonbParseState **state, const char *key, Numeric n)
{
	JsonbValue	v;

	health_push_key(state, key);
	v.type = jbvNumeric;
	v.val.numeric = n;
	pushJsonbValue(state, WJB_VALUE, &v);
}

/*
 * The extension's version, and whether aido_schema_status() reports every
 * object present.  That function is created by the install script in the
 * extension's own schema; while it is missing (an older or partial install)
 * the schema is simply not ok.
 */
static void
health_read_catalog(HealthCatalog *catalog)
{
	MemoryContext caller = CurrentMemoryContext;
	char	   *schema = NULL;
	bool		has_status = false;
	bool		isnull;
	int			rc;

	catalog->extension_version = NULL;
	catalog->schema_ok = false;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	rc = SPI_execute("SELECT e.extversion, n.nspname,"
					 " pg_catalog.to_regprocedure(pg_catalog.quote_ident(n.nspname)"
					 " || '.aido_schema_status()') IS NOT NULL"
					 " FROM pg_catalog.pg_extension e"
					 " JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace"
					 " WHERE e.extname = 'aido'",
					 true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));

	if (SPI_processed == 1)
	{
		HeapTuple	tuple = SPI_tuptable->vals[0];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;
		char	   *version = SPI_getvalue(tuple, tupdesc, 1);

		if (version != NULL)
			catalog->extension_version = MemoryContextStrdup(caller, version);
		schema = SPI_getvalue(tuple, tupdesc, 2);
		has_status = DatumGetBool(SPI_getbinval(tuple, tupdesc, 3, &isnull));
	}

	if (has_status)
	{
		char	   *query;

		query = psprintf("SELECT COALESCE(pg_catalog.bool_and(present), false)"
						 " FROM %s.aido_schema_status()",
						 quote_identifier(schema));
		rc = SPI_execute(query, false, 1);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
		if (SPI_processed == 1)
		{
			Datum		ok = SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull);

			catalog->schema_ok = !isnull && DatumGetBool(ok);
		}
	}

	SPI_finish();
}

/* Client backends, as pg_stat_activity counts them (no walsenders etc.). */
static int
health_count_connections(void)
{
	int			nbackends = pgstat_fetch_stat_numbackends();
	int			used = 0;
	int			i;

	for (i = 1; i <= nbackends; i++)
	{
		LocalPgBackendStatus *local = pgstat_fetch_stat_local_beentry(i);

		if (local != NULL && local->backendStatus.st_backendType == B_BACKEND)
			used++;
	}
	return used;
}

/*
 * aido_health() returns jsonb
 *
 * status is "degraded" when the schema is incomplete: the database answers,
 * but the API would fail.
 */
Datum
aido_health(PG_FUNCTION_ARGS)
{
	instr_time	start;
	instr_time	elapsed;
	HealthCatalog catalog;
	JsonbParseState *state = NULL;
	JsonbValue *result;
	int64		size;
	int			used;
	char		took[32];

	INSTR_TIME_SET_CURRENT(start);

	health_read_catalog(&catalog);
	used = health_count_connections();
	size = DatumGetInt64(DirectFunctionCall1(pg_database_size_oid,
											 ObjectIdGetDatum(MyDatabaseId)));

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	health_push_string(&state, "status",
					   catalog.schema_ok ? "healthy" : "degraded");
	health_push_string(&state, "database", "connected");
	health_push_string(&state, "database_name",
					   get_database_name(MyDatabaseId));
	health_push_string(&state, "server_version",
					   GetConfigOption("server_version", false, false));
	health_push_string(&state, "extension_version",
					   catalog.extension_version);
	health_push_bool(&state, "schema_ok", catalog.schema_ok);

	health_push_key(&state, "connections");
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	health_push_numeric(&state, "used", int64_to_numeric(used));
	health_push_numeric(&state, "max", int64_to_numeric(MaxConnections));
	pushJsonbValue(&state, WJB_END_OBJECT, NULL);

	health_push_bool(&state, "in_recovery", RecoveryInProgress());
	health_push_numeric(&state, "database_size_bytes", int64_to_numeric(size));

	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	snprintf(took, sizeof(took), "%.3f", INSTR_TIME_GET_MILLISEC(elapsed));
	health_push_numeric(&state, "took_ms",
						DatumGetNumeric(DirectFunctionCall3(numeric_in,
															CStringGetDatum(took),
															ObjectIdGetDatum(InvalidOid),
															Int32GetDatum(-1))));

	result = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(result));
}
