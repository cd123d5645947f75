/*
 * /api/conversations and their messages: one call of one
 * aido_conversation_* or aido_message_* function per route.  The lists
 * are the *_list_json pages, relayed as the database wrote them (the
 * jsonb of aido_conversation_list and aido_message_list would be printed
 * anew).
 */

#include "gateway.h"

static int	conversations_call(struct http_request *, struct gw_ctx *,
		    const char *, int);

int
route_conversations_list(struct http_request *req, struct gw_ctx *ctx)
{
	if (!gw_routes_query(req, ctx))
		return (KORE_RESULT_OK);

	ctx->call.sql = "SELECT aido_conversation_list_json($1::uuid, "
	    "$2::jsonb, $3::uuid)";
	ctx->call.params[0] = ctx->auth.sub;
	ctx->call.params[1] = ctx->scratch;
	ctx->call.params[2] = ctx->auth.sid;
	ctx->call.nparams = 3;
	ctx->call.flags = GW_CALL_READ;
	ctx->call.status = 200;

	return (gw_db_call(req, ctx));
}

/* The body is optional: a conversation needs no title. */
int
route_conversations_create(struct http_request *req, struct gw_ctx *ctx)
{
	ctx->call.sql = "SELECT aido_conversation_create($1::uuid, $2::jsonb, "
	    "$3::uuid)";
	ctx->call.params[0] = ctx->auth.sub;
	ctx->call.params[1] = ctx->body ? ctx->body : "{}";
	ctx->call.params[2] = ctx->auth.sid;
	ctx->call.nparams = 3;
	ctx->call.flags = GW_CALL_LOCATION;
	ctx->call.location = "/api/conversations/";
	ctx->call.status = 201;

	return (gw_db_call(req, ctx));
}

int
route_conversations_get(struct http_request *req, struct gw_ctx *ctx)
{
	return (conversations_call(req, ctx, "SELECT aido_conversation_get("
	    "$1::uuid, $2::uuid, $3::uuid)", GW_CALL_READ));
}

int
route_conversations_delete(struct http_request *req, struct gw_ctx *ctx)
{
	return (conversations_call(req, ctx, "SELECT aido_conversation_delete("
	    "$1::uuid, $2::uuid, $3::uuid)", GW_CALL_EMPTY));
}

int
route_messages_list(struct http_request *req, struct gw_ctx *ctx)
{
	if (!gw_routes_query(req, ctx))
		return (KORE_RESULT_OK);

	ctx->call.sql = "SELECT aido_message_list_json($1::uuid, $2::uuid, "
	    "$3::jsonb, $4::uuid)";
	ctx->call.params[0] = ctx->auth.sub;
	ctx->call.params[1] = ctx->ids[0];
	ctx->call.params[2] = ctx->scratch;
	ctx->call.params[3] = ctx->auth.sid;
	ctx->call.nparams = 4;
	ctx->call.flags = GW_CALL_READ;
	ctx->call.status = 200;

	return (gw_db_call(req, ctx));
}

int
route_messages_create(struct http_request *req, struct gw_ctx *ctx)
{
	ctx->call.sql = "SELECT aido_message_create($1::uuid, $2::uuid, "
	    "$3::jsonb, $4::uuid)";
	ctx->call.params[0] = ctx->auth.sub;
	ctx->call.params[1] = ctx->ids[0];
	ctx->call.params[2] = ctx->body;
	ctx->call.params[3] = ctx->auth.sid;
	ctx->call.nparams = 4;
	ctx->call.status = 201;

	return (gw_db_call(req, ctx));
}

static int
conversations_call(struct http_request *req, struct gw_ctx *ctx,
    const char *sql, int flags)
{
	ctx->call.sql = sql;
	ctx->call.params[0] = ctx->auth.sub;
	ctx->call.params[1] = ctx->ids[0];
	ctx->call.params[2] = ctx->auth.sid;
	ctx->call.nparams = 3;
	ctx->call.flags = flags;
	ctx->call.status = 200;

	return (gw_db_call(req, ctx));
}
