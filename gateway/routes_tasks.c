/*
 * /api/tasks (routes.c): each route is one call of one aido_task_*
 * function, scoped to the token's user and checked against its session in
 * the same statement; the list is aido_task_list_json's page, relayed as
 * the database wrote it.  The compatibility list of API.md §3.1,
 * GET /api/{user}/tasks, takes the same query with limit 100 unless
 * given, and answers a bare array with the next cursor in X-Next-Cursor.
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gateway.h"

#define TASKS_COMPAT_LIMIT	"100"

/* The query of GET /api/{user}/tasks, limit 100 unless given. */
int
route_tasks_compat_query(struct http_request *req, struct gw_ctx *ctx)
{
	json_t		*params;
	char		*text;

	params = json_loads(ctx->query, 0, NULL);
	if (json_object_get(params, "limit") == NULL)
		(void)json_object_set_new(params, "limit",
		    json_string(TASKS_COMPAT_LIMIT));
	text = params ? json_dumps(params, JSON_COMPACT) : NULL;
	json_decref(params);
	if (text == NULL) {
		gw_http_error(req, 500, "internal_error", "internal error");
		return (0);
	}
	free(ctx->query);
	ctx->query = text;

	return (1);
}

/*
 * The page {items, next_cursor} as the bare array of its items, the
 * cursor in X-Next-Cursor when there is one.
 */
void
route_tasks_compat_page(struct http_request *req, const char *json,
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
