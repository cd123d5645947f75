/*
 * Answers: every response leaves through gw_http_send, which adds the
 * CORS headers and writes the one access-log line of the request (method,
 * path without query, status, duration, SQLSTATE of a failure; never a
 * header value, a body or a token).
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "gateway.h"

#define HTTP_LOG_PATH_MAX	120

static const char	http_oom[] =
    "{\"code\":\"internal_error\",\"detail\":\"internal error\"}";

static int	http_header_recv_fixed(struct netbuf *);
static int	http_header_too_large(struct netbuf *);
static int	http_header_drain(struct netbuf *);
static void	http_rehook(struct connection *);
static int	http_has_header(const u_int8_t *, size_t, const char *);
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
	struct connection	*c = req->owner;

	http_cors(req);
	http_log(req, status);
	http_response(req, status, body, len);
	http_rehook(c);
}

/*
 * After an answer, Kore set its own header reader for the connection's
 * next request: ours again.
 */
static void
http_rehook(struct connection *c)
{
	if (c != NULL && c->rnb != NULL && c->rnb->cb == http_header_recv)
		c->rnb->cb = http_header_recv_fixed;
}

/*
 * The listener's connect callback (kore_server_bind): what Kore does for
 * a new HTTP connection, with our header reader.
 */
void
gw_http_connect(struct connection *c)
{
	c->proto = CONN_PROTO_HTTP;
	if (http_keepalive_time != 0)
		c->idle_timer.length = http_keepalive_time * 1000;

	net_recv_queue(c, http_header_max, NETBUF_CALL_CB_ALWAYS,
	    http_header_recv_fixed);
}

/*
 * Kore 4.1 answers 411 to a POST, PUT or PATCH that has neither
 * Content-Length nor Transfer-Encoding, though such a request simply has
 * no body (RFC 9112 §6.3), and curl -X POST sends exactly that.  Once the
 * headers are complete, this adds "content-length: 0" to such a request
 * and hands it to Kore's own reader.
 */
static int
http_header_recv_fixed(struct netbuf *nb)
{
	static const char	 cl0[] = "content-length: 0\r\n";
	u_int8_t		*end, *p;
	size_t			 hlen, m;

	if (nb->s_off >= nb->b_len &&
	    kore_mem_find(nb->buf, nb->s_off, "\r\n\r\n", 4) == NULL &&
	    kore_mem_find(nb->buf, nb->s_off, "\n\n", 2) == NULL)
		return (http_header_too_large(nb));

	if (nb->s_off < 4 ||
	    (end = kore_mem_find(nb->buf, nb->s_off, "\r\n\r\n", 4)) == NULL)
		return (http_header_recv(nb));

	hlen = end - nb->buf;
	m = strcspn((const char *)nb->buf, " \r\n");
	if (m > hlen || !((m == 4 && !memcmp(nb->buf, "POST", 4)) ||
	    (m == 3 && !memcmp(nb->buf, "PUT", 3)) ||
	    (m == 5 && !memcmp(nb->buf, "PATCH", 5))))
		return (http_header_recv(nb));

	if (http_has_header(nb->buf, hlen, "content-length") ||
	    http_has_header(nb->buf, hlen, "transfer-encoding") ||
	    nb->s_off + sizeof(cl0) - 1 > nb->b_len)
		return (http_header_recv(nb));

	p = end + 2;
	memmove(p + sizeof(cl0) - 1, p, nb->s_off - (p - nb->buf));
	memcpy(p, cl0, sizeof(cl0) - 1);
	nb->s_off += sizeof(cl0) - 1;

	return (http_header_recv(nb));
}

/*
 * The headers fill http_header_max without ending.  Kore would close the
 * connection without a word (and, with input left unread, with a reset
 * the client may see before any answer): answer 431 in JSON, then read
 * and discard what the client still sends until it closes, or until
 * Kore's header timeout ends the connection.
 */
static int
http_header_too_large(struct netbuf *nb)
{
	struct connection	*c = nb->owner;
	char			 head[256], body[160];
	int			 blen, hlen;

	blen = snprintf(body, sizeof(body), "{\"code\":\"header_too_large\","
	    "\"detail\":\"the request line and headers must be at most %u "
	    "bytes\"}", (unsigned int)http_header_max);
	hlen = snprintf(head, sizeof(head), "HTTP/1.1 431 Request Header "
	    "Fields Too Large\r\nserver: %s\r\ncontent-type: application/json"
	    "\r\ncache-control: no-store\r\nconnection: close\r\n"
	    "content-length: %d\r\n\r\n", GW_NAME, blen);

	kore_log(LOG_INFO, "- - 431 (headers over %u bytes)",
	    (unsigned int)http_header_max);

	net_send_queue(c, head, hlen);
	net_send_queue(c, body, blen);
	nb->cb = http_header_drain;
	nb->s_off = 0;

	return (net_send_flush(c));
}

static int
http_header_drain(struct netbuf *nb)
{
	nb->s_off = 0;

	return (KORE_RESULT_OK);
}

/* A header line "name:" in the first len bytes of a request. */
static int
http_has_header(const u_int8_t *buf, size_t len, const char *name)
{
	const u_int8_t	*p, *end;
	size_t		 n;

	n = strlen(name);
	end = buf + len;
	for (p = buf; p < end; p++) {
		if (*p != '\n' || (size_t)(end - p - 1) <= n)
			continue;
		if (!strncasecmp((const char *)p + 1, name, n) &&
		    p[1 + n] == ':')
			return (1);
	}

	return (0);
}

/*
 * A body that outlives every request (a file held in memory since start,
 * routes_static.c): sent from where it is, not copied.
 */
void
gw_http_send_static(struct http_request *req, int status, void *body,
    size_t len)
{
	http_cors(req);
	http_log(req, status);
	http_response_stream(req, status, body, len, NULL, NULL);
	http_rehook(req->owner);
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
		http_response_header(req, "www-authenticate",
		    gw_mcp_challenge(req));

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
 * the browser refuses the real request.  Browsers cache the answer for
 * Access-Control-Max-Age (Chromium at most 2 hours), so a frontend does
 * not send a preflight before every call.
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
		http_response_header(req, "access-control-max-age", "7200");
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

	/*
	 * Frontends that fetch with credentials: "include" need this; the
	 * gateway reads no cookie, so it grants nothing more.  Never for
	 * FRONTEND_URL=*, which echoes whatever origin asks.
	 */
	if (!gw_cfg.origin_any)
		http_response_header(req, "access-control-allow-credentials",
		    "true");
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
