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

#include "access/xact.h"
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
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/syscache.h"

#include "aido.h"

/* What health needs to ask in SQL, copied out of SPI's memory. */
typedef struct HealthCatalog
{
	char	   *extension_version;	/* NULL if the extension row is gone */
	bool		schema_ok;
} HealthCatalog;

PG_FUNCTION_INFO_V1(aido_health);

/*
 * aido_schema_status() looks up some eighty catalog entries, which costs
 * milliseconds, and a load balancer asks for health many times a second.
 * So this backend keeps its last answer until the catalog changes under
 * it: every DDL that adds or removes one of the objects it checks (a
 * table, column, index, constraint or trigger) invalidates the relcache
 * entry of the table, a schema created or dropped the namespace syscache,
 * a replaced aido_schema_status() the function syscache.  PostgreSQL
 * delivers those invalidations to every backend before its next statement
 * reads the catalog, as it does for its own plan cache; an invalidation
 * queue overflow resets everything and so clears this too.  The answer is
 * kept for the schema it was computed in (ALTER EXTENSION SET SCHEMA).
 */
static bool health_schema_cached = false;
static uint64 health_catalog_changes = 0;
static bool health_schema_cached_ok;
static char health_schema_cached_in[NAMEDATALEN];
static bool health_callbacks_registered = false;

static void
health_relcache_changed(Datum arg, Oid relid)
{
	health_schema_cached = false;
	health_catalog_changes++;
}

static void
health_syscache_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	health_schema_cached = false;
	health_catalog_changes++;
}

static void
health_register_callbacks(void)
{
	if (health_callbacks_registered)
		return;
	CacheRegisterRelcacheCallback(health_relcache_changed, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, health_syscache_changed, (Datum) 0);
	CacheRegisterSyscacheCallback(PROCOID, health_syscache_changed, (Datum) 0);
	health_callbacks_registered = true;
}

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

	/* Before any catalog read, so that no change can slip by unseen. */
	health_register_callbacks();

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

	if (has_status && health_schema_cached &&
		strcmp(health_schema_cached_in, schema) == 0)
		catalog->schema_ok = health_schema_cached_ok;
	else if (has_status)
	{
		char	   *query;
		uint64		changes = health_catalog_changes;

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

		/*
		 * Kept only if no change arrived while it was computed (what the
		 * query saw may predate it), and only from a statement snapshot:
		 * in a REPEATABLE READ or SERIALIZABLE transaction the query reads
		 * the catalog as of the transaction's start, which may predate a
		 * change whose invalidation this backend has already taken.
		 */
		if (changes == health_catalog_changes && !IsolationUsesXactSnapshot())
		{
			strlcpy(health_schema_cached_in, schema, NAMEDATALEN);
			health_schema_cached_ok = catalog->schema_ok;
			health_schema_cached = true;
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
