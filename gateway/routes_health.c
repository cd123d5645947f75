/*
 * GET /health: the database's own aido_health() when it answers (200,
 * "healthy" or "degraded"), else 503 "unhealthy".  No token needed.
 */

#include <stdio.h>

#include "gateway.h"

static void	health_fail(struct http_request *, int, const char *);

int
route_health_get(struct http_request *req, struct gw_ctx *ctx)
{
	ctx->call.sql = "SELECT aido_health()";
	ctx->call.nparams = 0;
	ctx->call.flags = GW_CALL_READ;
	ctx->call.status = 200;
	ctx->call.fail = health_fail;

	return (gw_db_call(req, ctx));
}

static void
health_fail(struct http_request *req, int status, const char *sqlstate)
{
	char	body[256];
	int	len;

	len = snprintf(body, sizeof(body), "{\"status\":\"unhealthy\","
	    "\"database\":\"%s\",\"code\":\"unavailable\",\"detail\":\"%s\"}",
	    status == 503 ? "unavailable" : "error",
	    status == 503 ? "the database cannot be reached" :
	    "the database health check failed");

	http_response_header(req, "retry-after", "5");
	gw_http_json(req, 503, body, len);
}
