/*
 * Every route of API.md §3 in one table: its HTTP side (path pattern,
 * method, the checks router.c makes before anything else) and what serves
 * it: a handler that needs no database, or the one call of one aido_*
 * function, described as data (calls.h): the function, the kinds of its
 * arguments in order, flags, the status of success, and where needed one
 * small function (before, reply, fail) in routes_*.c.
 *
 * The SQL of each call is rendered from its row once, when a worker
 * starts (gw_routes_init), for both kinds of callers (an aido token, an
 * external provider's token); a request binds its values and nothing
 * else.  Adding a route is adding a row.
 *
 * A path is the first pattern that matches it (router.c), so the order of
 * the rows matters: the compatibility routes of §3.1 come last.
 */

#include "gateway.h"

/* Short names for the table only. */
#define GET		HTTP_METHOD_GET
#define POST		HTTP_METHOD_POST
#define PUT		HTTP_METHOD_PUT
#define PATCH		HTTP_METHOD_PATCH
#define DELETE		HTTP_METHOD_DELETE

#define AUTH		GW_ROUTE_AUTH
#define BODY		GW_ROUTE_BODY
#define BODY_OPT	GW_ROUTE_BODY_OPT
#define USER		GW_ROUTE_USER

#define READ		GW_CALL_READ
#define EMPTY		GW_CALL_EMPTY
#define LOCATION	GW_CALL_LOCATION
#define PROC		GW_CALL_PROC
#define TASKS		GW_CALL_TASKS

#define ACTOR		GW_ARG_ACTOR
#define SESSION		GW_ARG_SESSION
#define ID		GW_ARG_ID
#define QUERY		GW_ARG_QUERY
#define JSON		GW_ARG_BODY
#define TTL		GW_ARG_TTL
#define AGENT		GW_ARG_AGENT
#define ADDR		GW_ARG_ADDR
#define OUT		GW_ARG_OUT

struct gw_route	gw_routes[] = {
	/* path, method, checks, handler | { function, flags, status, args } */
	{ "/health", GET, 0, NULL, { "aido_health", READ, 200, { 0 },
	    .fail = route_health_fail } },
	{ "/openapi.json", GET, 0, route_meta_openapi, { 0 } },

	/* The web client and the API explorer (routes_static.c). */
	{ "/", GET, 0, route_static_get, { 0 } },
	{ "/app.js", GET, 0, route_static_get, { 0 } },
	{ "/style.css", GET, 0, route_static_get, { 0 } },
	{ "/docs", GET, 0, route_static_get, { 0 } },
	{ "/docs/docs.js", GET, 0, route_static_get, { 0 } },
	{ "/docs/swagger-ui.css", GET, 0, route_static_get, { 0 } },
	{ "/docs/swagger-ui-bundle.js", GET, 0, route_static_get, { 0 } },

	/*
	 * The body goes to the database as it came (credentials jsonb);
	 * passwords are never looked at here.  Login is a procedure: it
	 * commits the count of an attempt before the password is checked,
	 * and throttles per account and client address in the database
	 * (PT429); signup throttles per client address.
	 */
	{ "/api/auth/signup", POST, BODY, NULL, { "aido_signup", 0, 201,
	    { JSON, TTL, AGENT, ADDR }, .reply = route_auth_session } },
	{ "/api/auth/login", POST, BODY, NULL, { "aido_login", PROC, 200,
	    { JSON, TTL, AGENT, ADDR, OUT }, .reply = route_auth_session } },
	{ "/api/auth/logout", POST, AUTH, NULL, { "aido_logout", EMPTY, 0,
	    { ACTOR, SESSION }, .before = route_auth_logout } },
	{ "/api/auth/me", GET, AUTH, NULL, { "aido_session_user", READ, 200,
	    { ACTOR, SESSION } } },

	/* The lists are the pages as the database wrote them (json). */
	{ "/api/tasks", GET, AUTH, NULL, { "aido_task_list_json", READ, 200,
	    { ACTOR, QUERY, SESSION } } },
	{ "/api/tasks", POST, AUTH | BODY, NULL, { "aido_task_create",
	    LOCATION | TASKS, 201, { ACTOR, JSON, SESSION } } },
	{ "/api/tasks/{id}", GET, AUTH, NULL, { "aido_task_get", READ, 200,
	    { ACTOR, ID, SESSION } } },
	{ "/api/tasks/{id}", PATCH, AUTH | BODY, NULL, { "aido_task_update",
	    TASKS, 200, { ACTOR, ID, JSON, SESSION } } },
	{ "/api/tasks/{id}", PUT, AUTH | BODY, NULL, { "aido_task_replace",
	    TASKS, 200, { ACTOR, ID, JSON, SESSION } } },
	{ "/api/tasks/{id}", DELETE, AUTH, NULL, { "aido_task_delete",
	    EMPTY | TASKS, 0, { ACTOR, ID, SESSION } } },

	{ "/api/conversations", GET, AUTH, NULL,
	    { "aido_conversation_list_json", READ, 200,
	    { ACTOR, QUERY, SESSION } } },
	/* The body is optional: a conversation needs no title. */
	{ "/api/conversations", POST, AUTH | BODY_OPT, NULL,
	    { "aido_conversation_create", LOCATION, 201,
	    { ACTOR, JSON, SESSION } } },
	{ "/api/conversations/{id}", GET, AUTH, NULL,
	    { "aido_conversation_get", READ, 200, { ACTOR, ID, SESSION } } },
	{ "/api/conversations/{id}", DELETE, AUTH, NULL,
	    { "aido_conversation_delete", EMPTY, 0, { ACTOR, ID, SESSION } } },
	{ "/api/conversations/{id}/messages", GET, AUTH, NULL,
	    { "aido_message_list_json", READ, 200,
	    { ACTOR, ID, QUERY, SESSION } } },
	{ "/api/conversations/{id}/messages", POST, AUTH | BODY, NULL,
	    { "aido_message_create", 0, 201, { ACTOR, ID, JSON, SESSION } } },

	/*
	 * API.md §3.4: the change feed, from the worker's one poll per tick
	 * for all its readers (events.c), not one call each.
	 */
	{ "/api/events", GET, AUTH, route_events_get, { 0 } },
	{ "/api/events/stream", GET, AUTH, route_events_stream, { 0 } },

	/*
	 * API.md §3.3: the assistant's tools (mcp.c), one JSON-RPC message
	 * a request; its tools/call makes one of mcp.c's calls.
	 */
	{ "/mcp", POST, 0, route_mcp_post, { 0 } },
	{ "/.well-known/oauth-protected-resource", GET, 0,
	    route_mcp_metadata, { 0 } },
	{ "/.well-known/oauth-protected-resource/mcp", GET, 0,
	    route_mcp_metadata, { 0 } },

	/*
	 * API.md §3.1, last: a path that a route above matches (with a
	 * word where these have {user}) is never theirs.  The list answers
	 * a bare array (limit 100 unless given), its cursor in
	 * X-Next-Cursor; .../complete toggles, without a body.
	 */
	{ "/api/{user}/tasks", GET, AUTH | USER, NULL,
	    { "aido_task_list_json", READ, 200, { ACTOR, QUERY, SESSION },
	    .before = route_tasks_compat_query,
	    .reply = route_tasks_compat_page } },
	{ "/api/{user}/tasks", POST, AUTH | USER | BODY, NULL,
	    { "aido_task_create", LOCATION | TASKS, 201, { ACTOR, JSON, SESSION } } },
	{ "/api/{user}/tasks/{id}", GET, AUTH | USER, NULL,
	    { "aido_task_get", READ, 200, { ACTOR, ID, SESSION } } },
	{ "/api/{user}/tasks/{id}", PATCH, AUTH | USER | BODY, NULL,
	    { "aido_task_update", TASKS, 200, { ACTOR, ID, JSON, SESSION } } },
	/* PUT updates the fields sent, as every Evolution of Todo backend */
	{ "/api/{user}/tasks/{id}", PUT, AUTH | USER | BODY, NULL,
	    { "aido_task_update", TASKS, 200, { ACTOR, ID, JSON, SESSION } } },
	{ "/api/{user}/tasks/{id}", DELETE, AUTH | USER, NULL,
	    { "aido_task_delete", EMPTY | TASKS, 0, { ACTOR, ID, SESSION } } },
	{ "/api/{user}/tasks/{id}/complete", PATCH, AUTH | USER, NULL,
	    { "aido_task_toggle", TASKS, 200, { ACTOR, ID, SESSION } } },
	{ "/api/{user}/events", GET, AUTH | USER, route_events_get, { 0 } },
	{ "/api/{user}/events/stream", GET, AUTH | USER, route_events_stream,
	    { 0 } },

	{ NULL, 0, 0, NULL, { 0 } }
};

/*
 * In each worker, once: the SQL of every call, for each kind of caller.
 * A row that does not render is a bug in the table.
 */
void
gw_routes_init(void)
{
	struct gw_route	*r;

	for (r = gw_routes; r->path != NULL; r++) {
		if ((r->handler == NULL) == (r->call.func == NULL))
			fatal("route %s: a handler or a call, not both", r->path);
		if (r->call.func != NULL)
			gw_routes_render(&r->call, r->path);
	}
}

/*
 * Renders one call for each kind of caller: a row's, or one a handler
 * makes (mcp.c), at worker start.
 */
void
gw_routes_render(struct gw_call *call, const char *what)
{
	int	caller;

	for (caller = 0; caller < GW_CALLERS; caller++) {
		if (gw_call_render(call, caller, &call->sql[caller]) == -1)
			fatal("%s: cannot render %s", what, call->func);
	}
}
