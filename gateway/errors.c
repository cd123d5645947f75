/*
 * The SQLSTATE -> HTTP table of docs/sql-api.md: exact code first, then
 * class, then 500.  An unmapped SQLSTATE is a bug: the caller logs it.
 * No error text is ever parsed; the database speaks in SQLSTATEs.
 */

#include <string.h>

#include "errors.h"

static const struct gw_error	errors_exact[] = {
	{ "22023",	400,	"invalid_parameter" },
	{ "22P02",	400,	"bad_request" },
	{ "28000",	401,	"unauthorized" },
	{ "28P01",	401,	"invalid_credentials" },
	{ "42501",	403,	"forbidden" },
	{ "P0002",	404,	"not_found" },
	{ "23505",	409,	"conflict" },
	{ "23514",	422,	"validation_failed" },
	{ "54000",	413,	"payload_too_large" },
	{ "PT429",	429,	"too_many_requests" },
	{ NULL,		0,	NULL }
};

/*
 * Class 22 (data exception) is the request's data, never the server: a
 * value the validator let through that the database still refuses is the
 * client's 400, with the database's message (its own value), not a 500.
 * Class 40 (a serialization failure or a deadlock) is transient: 503 with
 * Retry-After, the request may be repeated.
 */
static const struct gw_error	errors_class[] = {
	{ "22",		400,	"bad_request" },
	{ "40",		503,	"unavailable" },
	{ "08",		503,	"unavailable" },
	{ "53",		503,	"unavailable" },
	{ "57",		503,	"unavailable" },
	{ NULL,		0,	NULL }
};

static const struct gw_error	errors_default =
	{ "XX000",	500,	"internal_error" };

/*
 * The table entry for a SQLSTATE; never NULL (the default is 500).
 */
const struct gw_error *
gw_errors_lookup(const char *sqlstate)
{
	int		i;

	if (sqlstate == NULL || strlen(sqlstate) != 5)
		return (&errors_default);

	for (i = 0; errors_exact[i].sqlstate != NULL; i++) {
		if (!strcmp(errors_exact[i].sqlstate, sqlstate))
			return (&errors_exact[i]);
	}

	for (i = 0; errors_class[i].sqlstate != NULL; i++) {
		if (!strncmp(errors_class[i].sqlstate, sqlstate, 2))
			return (&errors_class[i]);
	}

	return (&errors_default);
}

/*
 * True for the SQLSTATEs that say the connection itself is gone (class 08,
 * or the server shutting the session down), as opposed to the statement
 * failing: such a connection is dropped from the pool.
 */
int
gw_errors_connection(const char *sqlstate)
{
	if (sqlstate == NULL)
		return (1);

	if (!strncmp(sqlstate, "08", 2))
		return (1);

	return (!strcmp(sqlstate, "57P01") || !strcmp(sqlstate, "57P02") ||
	    !strcmp(sqlstate, "57P03"));
}

/*
 * The "detail" of a 5xx answer: never database text.
 */
const char *
gw_errors_detail(int status)
{
	switch (status) {
	case 503:
		return ("the database is unavailable, try again shortly");
	default:
		return ("internal error");
	}
}
