/*
 * GET /openapi.json, the OpenAPI 3.1 document of the routes (the file
 * gateway/openapi.json, read at start), and the query-string helper of
 * the list routes.
 */

#include <stdlib.h>

#include "gateway.h"
#include "params.h"

int
route_meta_openapi(struct http_request *req, struct gw_ctx *ctx)
{
	http_response_header(req, "content-type", "application/json");
	gw_http_send(req, 200, gw_openapi, gw_openapi_len);

	return (KORE_RESULT_OK);
}

/*
 * The query string as the JSON params of a list function, in
 * ctx->scratch; on a malformed query string answers 400 and returns 0.
 */
int
gw_routes_query(struct http_request *req, struct gw_ctx *ctx)
{
	char	err[128];

	if ((ctx->scratch = gw_params_query(req->query_string, err,
	    sizeof(err))) == NULL) {
		gw_http_error(req, 400, "bad_request", err);
		return (0);
	}

	return (1);
}
