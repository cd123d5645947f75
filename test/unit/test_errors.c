/*
 * gateway/errors.c: the SQLSTATE -> HTTP table of docs/sql-api.md, row by
 * row, and its order: exact code, then class, then 500.
 */

#include <string.h>

#include "../../gateway/errors.h"
#include "tap.h"

static void
row(const char *sqlstate, int status, const char *code)
{
	const struct gw_error	*e;

	e = gw_errors_lookup(sqlstate);
	ok(e->status == status && !strcmp(e->code, code), "%s -> %d %s",
	    sqlstate ? sqlstate : "(none)", status, code);
	if (e->status != status || strcmp(e->code, code))
		printf("#   got %d %s\n", e->status, e->code);
}

int
main(void)
{
	row("22023", 400, "invalid_parameter");
	row("22P02", 400, "bad_request");
	row("28000", 401, "unauthorized");
	row("28P01", 401, "invalid_credentials");
	row("42501", 403, "forbidden");
	row("P0002", 404, "not_found");
	row("23505", 409, "conflict");
	row("23514", 422, "validation_failed");
	row("54000", 413, "payload_too_large");
	row("PT429", 429, "too_many_requests");
	row("08000", 503, "unavailable");
	row("08006", 503, "unavailable");
	row("08P01", 503, "unavailable");
	row("53300", 503, "unavailable");
	row("53100", 503, "unavailable");
	row("57014", 503, "unavailable");
	row("57P01", 503, "unavailable");

	/* Class 22: the request's data, 400 whatever the code (issue 13). */
	row("22008", 400, "bad_request");
	row("22007", 400, "bad_request");
	row("22001", 400, "bad_request");
	row("22003", 400, "bad_request");
	row("2200G", 400, "bad_request");

	/* Class 40: transient, 503. */
	row("40P01", 503, "unavailable");
	row("40001", 503, "unavailable");

	/* Unmapped: a bug, 500. */
	row("23502", 500, "internal_error");
	row("23503", 500, "internal_error");
	row("42883", 500, "internal_error");
	row("XX000", 500, "internal_error");
	row("P0001", 500, "internal_error");
	row("28", 500, "internal_error");
	row("", 500, "internal_error");
	row(NULL, 500, "internal_error");

	/* Exact codes are not taken for their class. */
	row("28001", 500, "internal_error");
	row("22023", 400, "invalid_parameter");

	ok(gw_errors_connection(NULL), "no SQLSTATE: the connection failed");
	ok(gw_errors_connection("08006"), "08006 is a connection failure");
	ok(gw_errors_connection("57P01"), "57P01 (admin shutdown) closes the "
	    "connection");
	ok(!gw_errors_connection("57014"), "57014 (statement timeout) keeps "
	    "the connection");
	ok(!gw_errors_connection("23514"), "23514 keeps the connection");

	ok(strstr(gw_errors_detail(503), "unavailable") != NULL,
	    "503 detail says unavailable");
	ok(!strcmp(gw_errors_detail(500), "internal error"),
	    "500 detail is generic");

	return (tap_done());
}
