/*
 * gateway/calls.c: the SQL text of a call rendered from its description,
 * for each kind of caller, and where each bound parameter comes from.
 */

#include <stdlib.h>
#include <string.h>

#include "../../gateway/calls.h"
#include "tap.h"

#define CALL(f, fl, ...)	{ .func = (f), .flags = (fl), .status = 200, \
				    .args = { __VA_ARGS__ } }

static void
check(const struct gw_call *call, int caller, const char *want,
    const unsigned char *vals, int nvals, const char *what)
{
	struct gw_sql	sql;
	int		ret;

	ret = gw_call_render(call, caller, &sql);
	is_int(ret, 0, "%s: renders", what);
	is_str(sql.text, want, "%s: SQL", what);
	is_int(sql.nparams, nvals, "%s: %d parameters", what, nvals);
	ok(sql.nparams == nvals && !memcmp(sql.vals, vals, nvals),
	    "%s: the parameters' values in order", what);
	gw_call_free(&sql);
}

static void
refused(const struct gw_call *call, const char *what)
{
	struct gw_sql	sql;

	is_int(gw_call_render(call, GW_CALLER_AIDO, &sql), -1, "%s", what);
	ok(sql.text == NULL && sql.nparams == 0, "%s: nothing kept", what);
}

int
main(void)
{
	struct gw_call	health = CALL("aido_health", GW_CALL_READ, 0);
	struct gw_call	update = CALL("aido_task_update", 0, GW_ARG_ACTOR,
	    GW_ARG_ID, GW_ARG_BODY, GW_ARG_SESSION);
	struct gw_call	list = CALL("aido_message_list", GW_CALL_READ,
	    GW_ARG_ACTOR, GW_ARG_ID, GW_ARG_QUERY, GW_ARG_SESSION);
	struct gw_call	login = CALL("aido_login", GW_CALL_PROC,
	    GW_ARG_BODY, GW_ARG_TTL, GW_ARG_AGENT, GW_ARG_ADDR, GW_ARG_OUT);
	struct gw_call	mcp = CALL("aido_mcp_call", 0, GW_ARG_ACTOR,
	    GW_ARG_TEXT, GW_ARG_JSON, GW_ARG_SESSION);
	struct gw_call	two = CALL("aido_f", 0, GW_ARG_ID2, GW_ARG_ID);
	struct gw_call	none = CALL(NULL, 0, 0);
	struct gw_call	unknown = CALL("aido_f", 0, 99);
	struct gw_call	many = CALL("aido_f", 0, GW_ARG_ACTOR,
	    GW_ARG_ACTOR, GW_ARG_ACTOR);
	char		longname[300];
	struct gw_call	toolong = CALL(longname, 0, 0);

	check(&health, GW_CALLER_AIDO, "SELECT aido_health()",
	    (const unsigned char *)"", 0, "no arguments");
	check(&update, GW_CALLER_AIDO, "SELECT aido_task_update($1::uuid, "
	    "$2::uuid, $3::jsonb, $4::uuid)", (const unsigned char[]){
	    GW_VAL_USER, GW_VAL_ID, GW_VAL_BODY, GW_VAL_SESSION }, 4,
	    "an aido token: its user and session");
	check(&update, GW_CALLER_EXTERNAL, "SELECT aido_task_update("
	    "aido_external_user($1, $2, $3), $4::uuid, $5::jsonb, NULL)",
	    (const unsigned char[]){ GW_VAL_EXT_SUB, GW_VAL_EXT_EMAIL,
	    GW_VAL_EXT_NAME, GW_VAL_ID, GW_VAL_BODY }, 5,
	    "a provider's token: aido_external_user(sub, email, name) in "
	    "the same statement, no session");
	check(&list, GW_CALLER_EXTERNAL, "SELECT aido_message_list("
	    "aido_external_user($1, $2, $3), $4::uuid, $5::jsonb, NULL)",
	    (const unsigned char[]){ GW_VAL_EXT_SUB, GW_VAL_EXT_EMAIL,
	    GW_VAL_EXT_NAME, GW_VAL_ID, GW_VAL_QUERY }, 5,
	    "the query string as jsonb");
	check(&login, GW_CALLER_AIDO, "CALL aido_login($1::jsonb, "
	    "$2::integer, $3::text, $4::text, NULL)", (const unsigned char[]){
	    GW_VAL_BODY, GW_VAL_TTL, GW_VAL_AGENT, GW_VAL_ADDR }, 4,
	    "a procedure: CALL, client facts, its OUT argument NULL");
	check(&login, GW_CALLER_EXTERNAL, "CALL aido_login($1::jsonb, "
	    "$2::integer, $3::text, $4::text, NULL)", (const unsigned char[]){
	    GW_VAL_BODY, GW_VAL_TTL, GW_VAL_AGENT, GW_VAL_ADDR }, 4,
	    "without an actor both callers' SQL is the same");
	check(&mcp, GW_CALLER_EXTERNAL, "SELECT aido_mcp_call("
	    "aido_external_user($1, $2, $3), $4::text, $5::jsonb, NULL)",
	    (const unsigned char[]){ GW_VAL_EXT_SUB, GW_VAL_EXT_EMAIL,
	    GW_VAL_EXT_NAME, GW_VAL_TEXT, GW_VAL_JSON }, 5,
	    "a handler's own text and jsonb values");
	check(&two, GW_CALLER_AIDO, "SELECT aido_f($1::uuid, $2::uuid)",
	    (const unsigned char[]){ GW_VAL_ID2, GW_VAL_ID }, 2,
	    "the path's ids in the order the function takes them");

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	refused(&none, "a call without a function is refused");
	refused(&unknown, "an unknown argument kind is refused");
	refused(&toolong, "SQL longer than its buffer is refused");
	{
		struct gw_sql	sql;

		is_int(gw_call_render(&many, GW_CALLER_EXTERNAL, &sql), -1,
		    "more than GW_CALL_PARAMS parameters are refused");
		gw_call_free(&sql);
	}

	return (tap_done());
}
