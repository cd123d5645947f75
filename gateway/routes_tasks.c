/*
 * /api/tasks: each route is one call of one aido_task_* function, scoped
 * to the token's user and checked against its session in the same
 * statement.  The list is aido_task_list_json's page, relayed as the
 * database wrote it (aido_task_list's jsonb would be printed anew).  The
 * compatibility routes of API.md §3.1 (/api/{user}/tasks, router.c checked
 * {user}) are the same calls; their list answers a bare array with the
 * next cursor in X-Next-Cursor, and .../complete toggles.
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gateway.h"

#define TASKS_COMPAT_LIMIT	"100"

static int	tasks_call(struct http_request *, struct gw_ctx *,
		    const char *, int, int);
static void	tasks_compat_list_reply(struct http_request *, const char *,
		    size_t);

int
route_tasks_list(struct http_request *req, struct gw_ctx *ctx)
{
	if (!gw_routes_query(req, ctx))
		return (KORE_RESULT_OK);

	ctx->call.sql = "SELECT aido_task_list_json($1::uuid, $2::jsonb, "
	    "$3::uuid)";
	ctx->call.params[0] = ctx->auth.sub;
	ctx->call.params[1] = ctx->scratch;
	ctx->call.params[2] = ctx->auth.sid;
	ctx->call.nparams = 3;
	ctx->call.flags = GW_CALL_READ;
	ctx->call.status = 200;

	return (gw_db_call(req, ctx));
}

int
route_tasks_create(struct http_request *req, struct gw_ctx *ctx)
{
	ctx->call.sql = "SELECT aido_task_create($1::uuid, $2::jsonb, "
	    "$3::uuid)";
	ctx->call.params[0] = ctx->auth.sub;
	ctx->call.params[1] = ctx->body;
	ctx->call.params[2] = ctx->auth.sid;
	ctx->call.nparams = 3;
	ctx->call.flags = GW_CALL_LOCATION;
	ctx->call.location = "/api/tasks/";
	ctx->call.status = 201;

	return (gw_db_call(req, ctx));
}

int
route_tasks_get(struct http_request *req, struct gw_ctx *ctx)
{
	return (tasks_call(req, ctx, "SELECT aido_task_get($1::uuid, "
	    "$2::uuid, $3::uuid)", 0, GW_CALL_READ));
}

int
route_tasks_update(struct http_request *req, struct gw_ctx *ctx)
{
	return (tasks_call(req, ctx, "SELECT aido_task_update($1::uuid, "
	    "$2::uuid, $3::jsonb, $4::uuid)", 1, 0));
}

int
route_tasks_replace(struct http_request *req, struct gw_ctx *ctx)
{
	return (tasks_call(req, ctx, "SELECT aido_task_replace($1::uuid, "
	    "$2::uuid, $3::jsonb, $4::uuid)", 1, 0));
}

int
route_tasks_delete(struct http_request *req, struct gw_ctx *ctx)
{
	return (tasks_call(req, ctx, "SELECT aido_task_delete($1::uuid, "
	    "$2::uuid, $3::uuid)", 0, GW_CALL_EMPTY));
}

/*
 * GET /api/{user}/tasks: the query parameters of GET /api/tasks, limit
 * 100 unless given.
 */
int
route_tasks_compat_list(struct http_request *req, struct gw_ctx *ctx)
{
	json_t		*params;
	char		*text;

	if (!gw_routes_query(req, ctx))
		return (KORE_RESULT_OK);

	params = json_loads(ctx->scratch, 0, NULL);
	if (json_object_get(params, "limit") == NULL)
		(void)json_object_set_new(params, "limit",
		    json_string(TASKS_COMPAT_LIMIT));
	text = params ? json_dumps(params, JSON_COMPACT) : NULL;
	json_decref(params);
	if (text == NULL) {
		gw_http_error(req, 500, "internal_error", "internal error");
		return (KORE_RESULT_OK);
	}
	free(ctx->scratch);
	ctx->scratch = text;

	ctx->call.sql = "SELECT aido_task_list_json($1::uuid, $2::jsonb, "
	    "$3::uuid)";
	ctx->call.params[0] = ctx->auth.sub;
	ctx->call.params[1] = ctx->scratch;
	ctx->call.params[2] = ctx->auth.sid;
	ctx->call.nparams = 3;
	ctx->call.flags = GW_CALL_READ;
	ctx->call.status = 200;
	ctx->call.reply = tasks_compat_list_reply;

	return (gw_db_call(req, ctx));
}

/* POST /api/{user}/tasks: Location names the task under the same user. */
int
route_tasks_compat_create(struct http_request *req, struct gw_ctx *ctx)
{
	(void)snprintf(ctx->location, sizeof(ctx->location),
	    "/api/%.*s/tasks/", (int)ctx->user_len, ctx->user);

	ctx->call.sql = "SELECT aido_task_create($1::uuid, $2::jsonb, "
	    "$3::uuid)";
	ctx->call.params[0] = ctx->auth.sub;
	ctx->call.params[1] = ctx->body;
	ctx->call.params[2] = ctx->auth.sid;
	ctx->call.nparams = 3;
	ctx->call.flags = GW_CALL_LOCATION;
	ctx->call.location = ctx->location;
	ctx->call.status = 201;

	return (gw_db_call(req, ctx));
}

/* PATCH /api/{user}/tasks/{id}/complete: no body, completed flips. */
int
route_tasks_compat_toggle(struct http_request *req, struct gw_ctx *ctx)
{
	return (tasks_call(req, ctx, "SELECT aido_task_toggle($1::uuid, "
	    "$2::uuid, $3::uuid)", 0, 0));
}

/*
 * The page {items, next_cursor} as the bare array of its items, the
 * cursor in X-Next-Cursor when there is one.
 */
static void
tasks_compat_list_reply(struct http_request *req, const char *json,
    size_t len)
{
	json_t		*page, *items, *cursor;
	char		*text;

	page = json_loadb(json, len, 0, NULL);
	items = json_object_get(page, "items");
	cursor = json_object_get(page, "next_cursor");
	text = json_is_array(items) ? json_dumps(items, JSON_COMPACT) : NULL;

	if (text == NULL) {
		kore_log(LOG_ERR, "aido_task_list_json answered no items array");
		gw_http_error(req, 500, "internal_error", "internal error");
	} else {
		if (json_is_string(cursor))
			http_response_header(req, "x-next-cursor",
			    json_string_value(cursor));
		gw_http_json(req, 200, text, strlen(text));
	}

	free(text);
	json_decref(page);
}

/*
 * (user, task id[, body], session): the shape of every call on one task.
 */
static int
tasks_call(struct http_request *req, struct gw_ctx *ctx, const char *sql,
    int body, int flags)
{
	int	n;

	n = 0;
	ctx->call.sql = sql;
	ctx->call.params[n++] = ctx->auth.sub;
	ctx->call.params[n++] = ctx->ids[0];
	if (body)
		ctx->call.params[n++] = ctx->body;
	ctx->call.params[n++] = ctx->auth.sid;
	ctx->call.nparams = n;
	ctx->call.flags = flags;
	ctx->call.status = 200;

	return (gw_db_call(req, ctx));
}
