/*
 * gateway/params.c: a query string as the JSON object of strings given to
 * the aido_*_list functions, and the percent-decoder of the gateway.
 */

#include <stdlib.h>
#include <string.h>

#include "../../gateway/params.h"
#include "tap.h"

static char	err[256];

static void
check(const char *qs, const char *want, const char *what)
{
	char	*got;

	err[0] = '\0';
	got = gw_params_query(qs, err, sizeof(err));
	is_str(got ? got : err, want, "%s", what);
	free(got);
}

static void
refused(const char *qs, const char *what)
{
	char	*got;

	got = gw_params_query(qs, err, sizeof(err));
	ok(got == NULL && strstr(err, "query") != NULL, "%s", what);
	free(got);
}

int
main(void)
{
	char	big[4096];
	int	i;

	check(NULL, "{}", "no query string");
	check("", "{}", "an empty query string");
	check("status=pending&limit=20", "{\"limit\":\"20\",\"status\":"
	    "\"pending\"}", "two parameters, as strings");
	check("q=buy+milk", "{\"q\":\"buy milk\"}", "+ is a space");
	check("q=50%25+off%21", "{\"q\":\"50% off!\"}", "%-escapes decode");
	check("q=%22quoted%22%5C", "{\"q\":\"\\\"quoted\\\"\\\\\"}",
	    "quotes and backslashes are JSON-escaped");
	check("q=caf%C3%A9", "{\"q\":\"caf\xc3\xa9\"}", "UTF-8 is kept");
	check("tag=a&tag=b", "{\"tag\":\"b\"}", "the last repeated key wins");
	check("cursor=", "{\"cursor\":\"\"}", "an empty value is kept (the "
	    "database refuses it, naming it)");
	check("flag", "{\"flag\":\"\"}", "a key without = has an empty value");
	check("a=1&&b=2&", "{\"a\":\"1\",\"b\":\"2\"}", "empty segments are "
	    "skipped");
	check("_=1700000000&limit=5", "{\"_\":\"1700000000\",\"limit\":"
	    "\"5\"}", "cache-busters pass (the database ignores them)");
	check("due_before=2025-01-01T00%3A00%3A00%2B02%3A00",
	    "{\"due_before\":\"2025-01-01T00:00:00+02:00\"}",
	    "an encoded RFC 3339 time");

	refused("q=%zz", "a malformed %-escape is refused");
	refused("q=%4", "a truncated %-escape is refused");
	refused("q=abc%", "a lone % is refused");
	refused("q=%00", "an encoded NUL is refused");
	refused("q=%C3%28", "bytes that are not UTF-8 are refused");
	refused("q=%FF", "a lone 0xFF byte is refused");
	refused("=value", "a parameter without a name is refused");

	big[0] = '\0';
	for (i = 0; i < 70; i++)
		(void)snprintf(big + strlen(big), sizeof(big) - strlen(big),
		    "k%d=v&", i);
	refused(big, "more than 64 parameters are refused");

	/* A path segment ({user}, router.c) is decoded the same way. */
	ok(gw_pct_decode(big, 8, "a+b%2Fc", 7, 0) == 5 &&
	    !strcmp(big, "a+b/c"), "in a path segment, + is itself");
	ok(gw_pct_decode(big, 6, "a+b%2Fc", 7, 0) == 5,
	    "the output may be exactly as long as the result");
	ok(gw_pct_decode(big, 5, "a+b%2Fc", 7, 0) == -1,
	    "an output too small is refused");
	ok(gw_pct_decode(big, 8, "%00", 3, 0) == -1 &&
	    gw_pct_decode(big, 8, "%0", 2, 0) == -1 &&
	    gw_pct_decode(big, 8, "%g0", 3, 0) == -1,
	    "an encoded NUL, a truncated and a malformed escape are refused");
	ok(gw_pct_decode(big, 1, "", 0, 0) == 0 && big[0] == '\0',
	    "an empty segment decodes to an empty string");

	return (tap_done());
}
