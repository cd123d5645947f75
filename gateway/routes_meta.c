/*
 * GET /openapi.json: the OpenAPI 3.1 document of the routes (the file
 * gateway/openapi.json, read at start), from memory, without the
 * database.
 */

#include "gateway.h"

int
route_meta_openapi(struct http_request *req, struct gw_ctx *ctx)
{
	http_response_header(req, "content-type", "application/json");
	gw_http_send(req, 200, gw_openapi, gw_openapi_len);

	return (KORE_RESULT_OK);
}
