/*
 * /api/tasks: each route is one call of one aido_task_* function, scoped
 * to the token's user and checked against its session in the same
 * statement.
 */

#include "gateway.h"

static int	tasks_call(struct http_request *, struct gw_ctx *,
		    const char *, int, int);

int
route_tasks_list(struct http_request *req, struct gw_ctx *ctx)
{
	if (!gw_routes_query(req, ctx))
		return (KORE_RESULT_OK);

	ctx->call.sql = "SELECT aido_task_list($1::uuid, $2::jsonb, $3::uuid)";
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
