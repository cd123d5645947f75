/*
 * GET /health (routes.c): the database's own aido_health() when it
 * answers (200, "healthy" or "degraded"), else 503 "unhealthy".  No token
 * needed.
 */

#include <stdio.h>

#include "gateway.h"

void
route_health_fail(struct http_request *req, int status, const char *sqlstate)
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
