/*
 * Answers: every response leaves through gw_http_send, which adds the
 * CORS headers and writes the one access-log line of the request (method,
 * path without query, status, duration, SQLSTATE of a failure; never a
 * header value, a body or a token).
 */

#include <sys/socket.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "gateway.h"

#define HTTP_LOG_PATH_MAX	120

/*
 * A request's line and headers as Kore's header reader will take them:
 * offsets into the read buffer, and what its framing says.
 */
struct http_head {
	size_t		 len;		/* through the blank line */
	size_t		 end;		/* where the blank line starts */
	size_t		 request;	/* the request line */
	size_t		 request_len;
	size_t		 line;		/* just past the request line */
	int		 lines;
	int		 host;		/* a Host line in Kore's view */
	int		 host_bad;	/* one Kore refuses */
	int		 bad;		/* a header line Kore refuses */
	int		 body;		/* POST, PUT or PATCH */
	int		 ncl;		/* Content-Length lines */
	int		 cl_bad;	/* differing, not a number, unseen */
	u_int64_t	 length;	/* their value, for a body */
	int		 te;		/* Transfer-Encoding lines */
	size_t		 origin;	/* the Origin value, when not 0 */
	size_t		 origin_len;
};

static const char	http_oom[] =
    "{\"code\":\"internal_error\",\"detail\":\"internal error\"}";

static int	http_header_recv_fixed(struct netbuf *);
static int	http_refuse(struct netbuf *, const struct http_head *, int,
		    const char *, const char *);
static void	http_refuse_cors(const u_int8_t *, const struct http_head *,
		    char *, size_t);
static int	http_header_drain(struct netbuf *);
static void	http_rehook(struct connection *);
static int	http_head_find(u_int8_t *, size_t, struct http_head *);
static int	http_head_check(const u_int8_t *, struct http_head *,
		    const char **, const char **);
static void	http_head_read(const u_int8_t *, struct http_head *);
static void	http_head_length(struct http_head *, const u_int8_t *,
		    size_t);
static int	http_request_line(const u_int8_t *, struct http_head *,
		    const char **, const char **);
static const u_int8_t *http_line(const u_int8_t **, const u_int8_t *,
		    size_t *);
static const u_int8_t *http_field(const u_int8_t *, size_t, size_t *);
static int	http_name(const u_int8_t *, size_t, const char *);
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
 * Our header reader, in front of Kore's (http_header_recv).  Once the
 * request line and headers are complete, what Kore would refuse with an
 * empty answer, and the framing RFC 9112 §6.3 calls ambiguous (Kore would
 * read the body by its first Content-Length), are refused in JSON
 * (http_head_check).  Kore then gets the request as framed:
 *  - a POST, PUT or PATCH without Content-Length has no body (RFC 9112
 *    §6.3), where Kore 4.1 answers 411 (curl -X POST sends exactly
 *    that): "content-length: 0" is added;
 *  - bytes past the request in the same read (a pipelined request):
 *    Kore would add them to the body and wait for a body that never
 *    comes (408), or drop them.  They are cut off and "connection:
 *    close" is added: the request is answered, the connection closes,
 *    and the client sends the next one again (RFC 9112 §9.3.2).
 */
static int
http_header_recv_fixed(struct netbuf *nb)
{
	struct http_head	 h;
	const char		*code, *why;
	char			 add[64], too_large[96];
	size_t			 n;
	int			 status, extra;

	if (!http_head_find(nb->buf, nb->s_off, &h)) {
		if (nb->s_off < nb->b_len)
			return (KORE_RESULT_OK);
		(void)snprintf(too_large, sizeof(too_large), "the request "
		    "line and headers must be at most %u bytes",
		    (unsigned int)http_header_max);
		return (http_refuse(nb, NULL, 431, "header_too_large",
		    too_large));
	}

	if ((status = http_head_check(nb->buf, &h, &code, &why)) != 0)
		return (http_refuse(nb, &h, status, code, why));

	extra = nb->s_off > h.len + h.length;
	if (extra)
		nb->s_off = h.len + h.length;
	(void)snprintf(add, sizeof(add), "%s%s",
	    h.body && h.ncl == 0 ? "content-length: 0\r\n" : "",
	    extra ? "connection: close\r\n" : "");

	/* Right after the request line: first, and within Kore's view. */
	if ((n = strlen(add)) > 0) {
		if (nb->s_off + n > nb->b_len) {
			nb->buf = kore_realloc(nb->buf, nb->s_off + n);
			nb->b_len = nb->m_len = nb->s_off + n;
		}
		memmove(nb->buf + h.line + n, nb->buf + h.line,
		    nb->s_off - h.line);
		memcpy(nb->buf + h.line, add, n);
		nb->s_off += n;
	}

	return (http_header_recv(nb));
}

/*
 * Answers status in JSON to a request Kore is not given, then ends the
 * connection: our side at once (the client reads the answer, then the
 * end), while what the client still sends is read and dropped until it
 * closes (closing with input unread would send a reset, which may
 * destroy the answer before the client reads it).
 */
static int
http_refuse(struct netbuf *nb, const struct http_head *h, int status,
    const char *code, const char *detail)
{
	struct connection	*c = nb->owner;
	char			 head[768], body[256], cors[384];
	int			 blen, hlen;

	http_refuse_cors(nb->buf, h, cors, sizeof(cors));
	blen = snprintf(body, sizeof(body), "{\"code\":\"%s\",\"detail\":"
	    "\"%s\"}", code, detail);
	hlen = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nserver: %s"
	    "\r\ncontent-type: application/json\r\ncache-control: no-store"
	    "\r\n%sconnection: close\r\ncontent-length: %d\r\n\r\n", status,
	    status == 431 ? "Request Header Fields Too Large" :
	    http_status_text(status), GW_NAME, cors, blen);
	if (blen < 0 || (size_t)blen >= sizeof(body) || hlen < 0 ||
	    (size_t)hlen >= sizeof(head))
		return (KORE_RESULT_ERROR);

	kore_log(LOG_INFO, "- - %d (%s)", status, detail);

	net_send_queue(c, head, hlen);
	net_send_queue(c, body, blen);
	nb->cb = http_header_drain;
	nb->s_off = 0;

	if (!net_send_flush(c))
		return (KORE_RESULT_ERROR);
	if (TAILQ_EMPTY(&c->send_queue))
		(void)shutdown(c->fd, SHUT_WR);
	else
		c->flags |= CONN_CLOSE_EMPTY;

	return (KORE_RESULT_OK);
}

static int
http_header_drain(struct netbuf *nb)
{
	nb->s_off = 0;

	return (KORE_RESULT_OK);
}

/*
 * The CORS headers of a refusal, as http_cors gives them: a frontend
 * reads a 413 of its own origin like any other answer.
 */
static void
http_refuse_cors(const u_int8_t *buf, const struct http_head *h, char *out,
    size_t len)
{
	char	origin[256];

	out[0] = '\0';
	if (h == NULL || h->origin == 0 || h->origin_len >= sizeof(origin))
		return;

	memcpy(origin, buf + h->origin, h->origin_len);
	origin[h->origin_len] = '\0';
	if (!gw_config_origin(&gw_cfg, origin))
		return;

	(void)snprintf(out, len, "vary: Origin\r\n"
	    "access-control-allow-origin: %s\r\n%s", origin,
	    gw_cfg.origin_any ? "" :
	    "access-control-allow-credentials: true\r\n");
}

/*
 * The end of the request line and headers in buf, found as Kore finds it
 * (a CRLF CRLF, else LF LF); 0 while there is none.
 */
static int
http_head_find(u_int8_t *buf, size_t len, struct http_head *h)
{
	u_int8_t	*end;
	size_t		 skip;

	memset(h, 0, sizeof(*h));

	skip = 4;
	if ((end = kore_mem_find(buf, len, "\r\n\r\n", 4)) == NULL) {
		skip = 2;
		if ((end = kore_mem_find(buf, len, "\n\n", 2)) == NULL)
			return (0);
	}

	h->end = end - buf;
	h->len = h->end + skip;

	return (1);
}

/*
 * What Kore 4.1's header reader would refuse (an empty answer), in the
 * order it looks (/usr/share/kore/src/http.c: http_header_recv,
 * http_request_new, http_validate_header), and the framing of RFC 9112
 * §6.3: Content-Length and Transfer-Encoding together, Content-Lengths
 * that differ or are not a number (400, and the connection closes); a
 * body without Content-Length (Kore reads no chunked body: 411), or over
 * Kore's http_body_max (413).  0 when the request may go to Kore.
 */
static int
http_head_check(const u_int8_t *buf, struct http_head *h, const char **code,
    const char **why)
{
	int	status;

	*code = "bad_request";
	*why = "the request line or a header is malformed";

	if (memchr(buf, '\0', h->end) != NULL) {
		*why = "the request line or a header holds a NUL byte";
		return (400);
	}

	http_head_read(buf, h);
	if (h->lines < 2 || !h->host || h->host_bad) {
		*why = "a request must carry a Host header";
		return (400);
	}
	if ((status = http_request_line(buf, h, code, why)) != 0)
		return (status);
	if (h->bad)
		return (400);

	if (h->te && h->ncl) {
		*why = "a request must not carry both Content-Length and "
		    "Transfer-Encoding";
		return (400);
	}
	if (h->cl_bad) {
		*why = "Content-Length must be one number";
		return (400);
	}
	if (h->te) {
		*code = "length_required";
		*why = "a body must come with Content-Length (Transfer-Encoding "
		    "is not supported)";
		return (411);
	}
	if (!h->body)
		h->length = 0;
	else if (h->length > http_body_max) {
		*code = "payload_too_large";
		*why = "the body must be at most 65536 bytes";
		return (413);
	}

	return (0);
}

/*
 * Every line of the head, split as Kore splits it (on CR or LF, empty
 * lines skipped), into h: the request line, the Host line, the framing
 * headers and the Origin; h->bad when a header line is one Kore refuses.
 */
static void
http_head_read(const u_int8_t *buf, struct http_head *h)
{
	const u_int8_t	*p, *end, *line, *v;
	size_t		 len, vlen;

	end = buf + h->end;
	for (p = buf; (line = http_line(&p, end, &len)) != NULL; h->lines++) {
		if (h->lines == 0) {
			h->request = line - buf;
			h->request_len = len;
			h->line = p - buf + (p < end && *p == '\r' &&
			    p + 1 < end && p[1] == '\n' ? 2 : 1);
			continue;
		}

		if ((v = http_field(line, len, &vlen)) == NULL) {
			h->bad = 1;
			if (!h->host && len >= 4 && !strncasecmp(
			    (const char *)line, "host", 4))
				h->host_bad = 1;
			continue;
		}

		/* Kore takes the first of the first 24 lines only. */
		if (!h->host && h->lines < HTTP_REQ_HEADER_MAX - 1 &&
		    !strncasecmp((const char *)line, "host", 4)) {
			h->host = 1;
			if (vlen >= KORE_DOMAINNAME_LEN - 1)
				h->host_bad = 1;
		} else if (http_name(line, len, "content-length")) {
			http_head_length(h, v, vlen);
		} else if (http_name(line, len, "transfer-encoding")) {
			h->te++;
		} else if (http_name(line, len, "origin") && !h->origin) {
			h->origin = v - buf;
			h->origin_len = vlen;
		}
	}
}

/*
 * A Content-Length: 1*DIGIT (RFC 9110 §8.6), the same in every line that
 * gives one, and in Kore's view (its first 24 lines), where Kore reads it.
 */
static void
http_head_length(struct http_head *h, const u_int8_t *v, size_t len)
{
	u_int64_t	n;
	size_t		i;

	for (i = 0, n = 0; i < len && isdigit(v[i]); i++)
		n = n > (u_int64_t)1 << 50 ? n : n * 10 + (v[i] - '0');

	if (len == 0 || i < len || (h->ncl > 0 && n != h->length) ||
	    h->lines >= HTTP_REQ_HEADER_MAX - 1)
		h->cl_bad = 1;

	h->ncl++;
	h->length = n;
}

/*
 * The request line as Kore reads it: three words (a fourth is ignored),
 * the path shorter than HTTP_URI_LEN - 1, HTTP/1.1 or HTTP/1.0, a method
 * Kore knows, and in HTTP/1.0 only GET, HEAD or POST.
 */
static int
http_request_line(const u_int8_t *buf, struct http_head *h,
    const char **code, const char **why)
{
	static const struct {
		const char	*name;
		int		 body;
		int		 v10;	/* in HTTP/1.0 */
	} methods[] = {
		{ "GET", 0, 1 }, { "HEAD", 0, 1 }, { "POST", 1, 1 },
		{ "PUT", 1, 0 }, { "PATCH", 1, 0 }, { "DELETE", 0, 0 },
		{ "OPTIONS", 0, 0 }, { NULL, 0, 0 }
	};
	const char		*w[3], *p, *end;
	size_t			 wl[3];
	int			 n, m;

	p = (const char *)buf + h->request;
	end = p + h->request_len;
	for (n = 0; n < 3; n++) {
		while (p < end && *p == ' ')
			p++;
		for (w[n] = p; p < end && *p != ' '; p++)
			;
		if ((wl[n] = p - w[n]) == 0)
			return (400);
	}

	if (wl[1] >= HTTP_URI_LEN - 1) {
		*code = "uri_too_long";
		*why = "the path and query must be shorter than 1999 bytes";
		return (414);
	}
	if (wl[2] != 8 || (strncasecmp(w[2], "HTTP/1.1", 8) &&
	    strncasecmp(w[2], "HTTP/1.0", 8))) {
		*code = "http_version_not_supported";
		*why = "only HTTP/1.1 and HTTP/1.0 are served";
		return (505);
	}

	for (m = 0; methods[m].name != NULL; m++) {
		if (wl[0] == strlen(methods[m].name) &&
		    !strncasecmp(w[0], methods[m].name, wl[0]))
			break;
	}
	if (methods[m].name == NULL) {
		*why = "the method is not one the server knows";
		return (400);
	}
	if (!methods[m].v10 && !strncasecmp(w[2], "HTTP/1.0", 8)) {
		*code = "method_not_allowed";
		*why = "an HTTP/1.0 request must be GET, HEAD or POST";
		return (405);
	}
	h->body = methods[m].body;

	return (0);
}

/*
 * The next line of [*p, end): its start and *len; NULL at the end.
 */
static const u_int8_t *
http_line(const u_int8_t **p, const u_int8_t *end, size_t *len)
{
	const u_int8_t	*s;

	for (s = *p; s < end && (*s == '\r' || *s == '\n'); s++)
		;
	if (s == end)
		return (NULL);

	for (*p = s; *p < end && **p != '\r' && **p != '\n'; (*p)++)
		;
	*len = *p - s;

	return (s);
}

/*
 * The value of a header line, as Kore's http_validate_header takes it: a
 * name of token characters, a colon, then after white space a value of
 * visible ASCII and spaces; NULL when Kore refuses the line.
 */
static const u_int8_t *
http_field(const u_int8_t *line, size_t len, size_t *vlen)
{
	const u_int8_t	*p, *v, *end;

	end = line + len;
	for (p = line; p < end && *p != ':'; p++) {
		if (*p > 127 || *p == '\0' || (!isalnum(*p) &&
		    strchr("!#$%&'*+-.^_`|~", *p) == NULL))
			return (NULL);
	}
	if (p == end)
		return (NULL);

	for (p++; p < end && isspace(*p); p++)
		;
	if (p == end)
		return (NULL);

	for (v = p; p < end; p++) {
		if (*p < 0x20 || *p > 0x7e)
			return (NULL);
	}
	*vlen = end - v;

	return (v);
}

/* A header line named name (any case). */
static int
http_name(const u_int8_t *line, size_t len, const char *name)
{
	size_t	n;

	n = strlen(name);

	return (len > n && line[n] == ':' &&
	    !strncasecmp((const char *)line, name, n));
}

/*
 * Reads the request's body, len bytes (its Content-Length, which the caller
 * has held to GW_BODY_MAX), into ctx->body, NUL-terminated so that it can
 * be parsed and passed on as a text parameter.  The JSON body routes and
 * POST /mcp share it.
 */
void
gw_http_body(struct http_request *req, struct gw_ctx *ctx, size_t len)
{
	ssize_t		 ret;

	ctx->body = kore_malloc(len + 1);
	ctx->body_len = 0;
	while (ctx->body_len < len) {
		ret = http_body_read(req, ctx->body + ctx->body_len,
		    len - ctx->body_len);
		if (ret <= 0)
			break;
		ctx->body_len += ret;
	}
	ctx->body[ctx->body_len] = '\0';
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
 * not send a preflight before every call.  The headers are REST's and
 * those a browser's MCP client sends to /mcp (MCP's Streamable HTTP: the
 * protocol version, the 2026-07-28 method and name mirrors, a session id
 * and Last-Event-ID, which a stateless server ignores but must not have
 * the browser refuse); WWW-Authenticate is exposed so that such a client
 * can read the 401's resource_metadata and find the authorization server.
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
		    "authorization, content-type, last-event-id, mcp-method, "
		    "mcp-name, mcp-protocol-version, mcp-session-id");
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
	    "Location, Retry-After, WWW-Authenticate, X-Next-Cursor");

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
