/*
 * Answers: every response leaves through gw_http_send, which adds the
 * CORS headers and writes the one access-log line of the request (method,
 * path without query, status, duration, SQLSTATE of a failure; never a
 * header value, a body or a token).
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "gateway.h"

#define HTTP_LOG_PATH_MAX	120

static const char	http_oom[] =
    "{\"code\":\"internal_error\",\"detail\":\"internal error\"}";

static void	http_cors(struct http_request *);
static void	http_log(struct http_request *, int);
static void	http_methods(int, char *, size_t);

/*
 * The value of a request header, or NULL.
 */
const char *
gw_http_header(struct http_request *req, const char *name)
{
	const char	*v;

	if (!http_request_header(req, name, &v))
		return (NULL);

	return (v);
}

void
gw_http_send(struct http_request *req, int status, const void *body,
    size_t len)
{
	http_cors(req);
	http_log(req, status);
	http_response(req, status, body, len);
}

/*
 * A body that outlives every request (a file held in memory since start,
 * routes_static.c): sent from where it is, not copied.
 */
void
gw_http_send_static(struct http_request *req, int status, const void *body,
    size_t len)
{
	http_cors(req);
	http_log(req, status);
	http_response_stream(req, status, (void *)body, len, NULL, NULL);
}

void
gw_http_json(struct http_request *req, int status, const char *json,
    size_t len)
{
	http_response_header(req, "content-type", "application/json");
	http_response_header(req, "cache-control", "no-store");
	gw_http_send(req, status, json, len);
}

void
gw_http_error(struct http_request *req, int status, const char *code,
    const char *detail)
{
	gw_http_error_full(req, status, code, detail, NULL, 0);
}

/*
 * {"code", "detail"} plus "errors" (a JSON array, on 422 only), and
 * Retry-After when retry_after > 0.
 */
void
gw_http_error_full(struct http_request *req, int status, const char *code,
    const char *detail, const char *errors, int retry_after)
{
	json_t		*body, *arr;
	char		*text, num[16];

	body = json_pack("{s:s, s:s}", "code", code, "detail",
	    detail ? detail : "");
	if (body == NULL)
		body = json_pack("{s:s, s:s}", "code", code, "detail", "");

	if (status == 422) {
		arr = errors ? json_loads(errors, 0, NULL) : NULL;
		if (!json_is_array(arr)) {
			json_decref(arr);
			arr = json_array();
		}
		json_object_set_new(body, "errors", arr);
	}

	if (retry_after > 0) {
		(void)snprintf(num, sizeof(num), "%d", retry_after);
		http_response_header(req, "retry-after", num);
	}

	if (status == 401)
		http_response_header(req, "www-authenticate", "Bearer");

	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);

	if (text == NULL) {
		gw_http_json(req, 500, http_oom, sizeof(http_oom) - 1);
		return;
	}

	gw_http_json(req, status, text, strlen(text));
	free(text);
}

/*
 * 405 with the methods the route does allow.
 */
void
gw_http_allow(struct http_request *req, int methods)
{
	char	allow[96];

	http_methods(methods, allow, sizeof(allow));
	http_response_header(req, "allow", allow);
	gw_http_error(req, 405, "method_not_allowed",
	    "this method is not allowed here");
}

/*
 * A CORS preflight (OPTIONS): 204 with the route's methods.  Without an
 * allowed Origin the answer carries no Access-Control-Allow-Origin and
 * the browser refuses the real request.
 */
void
gw_http_preflight(struct http_request *req, int methods)
{
	char	allow[96];

	http_methods(methods, allow, sizeof(allow));
	http_response_header(req, "allow", allow);

	if (gw_config_origin(&gw_cfg, gw_http_header(req, "origin"))) {
		http_response_header(req, "access-control-allow-methods",
		    allow);
		http_response_header(req, "access-control-allow-headers",
		    "authorization, content-type");
		http_response_header(req, "access-control-max-age", "600");
	}

	gw_http_send(req, 204, NULL, 0);
}

static void
http_cors(struct http_request *req)
{
	const char	*origin;

	http_response_header(req, "vary", "Origin");

	origin = gw_http_header(req, "origin");
	if (!gw_config_origin(&gw_cfg, origin))
		return;

	http_response_header(req, "access-control-allow-origin", origin);
	http_response_header(req, "access-control-expose-headers",
	    "Location, Retry-After, X-Next-Cursor");
}

static void
http_methods(int methods, char *out, size_t len)
{
	static const struct {
		int		 m;
		const char	*name;
	} names[] = {
		{ HTTP_METHOD_GET,	"GET" },
		{ HTTP_METHOD_POST,	"POST" },
		{ HTTP_METHOD_PUT,	"PUT" },
		{ HTTP_METHOD_PATCH,	"PATCH" },
		{ HTTP_METHOD_DELETE,	"DELETE" },
		{ HTTP_METHOD_OPTIONS,	"OPTIONS" },
	};
	size_t		i;

	out[0] = '\0';
	methods |= HTTP_METHOD_OPTIONS;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(methods & names[i].m))
			continue;
		(void)snprintf(out + strlen(out), len - strlen(out), "%s%s",
		    out[0] != '\0' ? ", " : "", names[i].name);
	}
}

/*
 * One line per request.  The path is the request's own (Kore cut the
 * query off), printable ASCII only, cut short: it may be anything a
 * client typed, but it is never a secret.
 */
static void
http_log(struct http_request *req, int status)
{
	struct gw_ctx	*ctx;
	u_int64_t	 started, ms;
	const char	*p, *sqlstate;
	char		 path[HTTP_LOG_PATH_MAX + 4];
	size_t		 i;

	ctx = http_state_get(req);
	started = ctx ? ctx->started : req->start;
	sqlstate = ctx ? ctx->sqlstate : NULL;
	ms = kore_time_ms() - started;

	for (i = 0, p = req->path; *p != '\0' && i < HTTP_LOG_PATH_MAX; p++)
		path[i++] = isprint((unsigned char)*p) ? *p : '?';
	path[i] = '\0';
	if (*p != '\0')
		(void)kore_strlcpy(path + i, "...", sizeof(path) - i);

	kore_log(status >= 500 ? LOG_ERR : LOG_INFO, "%s %s %d %llums%s%s",
	    http_method_text(req->method), path, status,
	    (unsigned long long)ms, sqlstate ? " sqlstate=" : "",
	    sqlstate ? sqlstate : "");
}
