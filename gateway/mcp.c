/*
 * POST /mcp: the assistant's tools over MCP's Streamable HTTP transport
 * (API.md §3.3), stateless, one JSON answer per request: no session id,
 * no stream, no request of the server's own (GET and DELETE are 405, from
 * the route table).
 *
 * Both eras of the protocol, chosen per request by MCP-Protocol-Version:
 *  - legacy (2025-03-26, 2025-06-18, 2025-11-25; no header means
 *    2025-03-26): initialize negotiates a version, notifications are 202,
 *    ping, tools/list, tools/call;
 *  - modern (2026-07-28): no handshake; every request carries _meta with
 *    its version and the client's capabilities, Mcp-Method (and Mcp-Name
 *    for tools/call) mirror the body and must match it (-32020, 400); an
 *    unknown method is 404 -32601; results carry resultType, and the
 *    lists ttlMs and cacheScope; server/discover says what is served.
 * A version the gateway does not speak is 400 -32022, listing those it
 * does.
 *
 * Before the body is read: an Origin that is neither one of FRONTEND_URL
 * nor the gateway's own is 403, and a gateway bound to loopback refuses a
 * Host that is not a loopback name (DNS rebinding).  tools/call of a
 * task tool needs the Bearer token (401 with WWW-Authenticate naming the
 * RFC 9728 metadata at /.well-known/oauth-protected-resource/mcp); the
 * rest is the same for everyone, but a token that is sent must be valid.
 *
 * Each tools/call is one aido_mcp_call (mcp_tools.c, db.c): its result is
 * the structuredContent, and the same JSON the text block.  A failure the
 * REST API answers 4xx is a tool error (isError) with a sentence the model
 * can act on; malformed requests are JSON-RPC errors.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway.h"

#define MCP_VERSION_MODERN	"2026-07-28"
#define MCP_VERSION_LEGACY	"2025-11-25"	/* initialize's answer */
#define MCP_VERSION_DEFAULT	"2025-03-26"	/* without the header */
#define MCP_META_VERSION	"io.modelcontextprotocol/protocolVersion"
#define MCP_META_CAPS		"io.modelcontextprotocol/clientCapabilities"
#define MCP_SERVER_NAME		"aido"
#define MCP_SERVER_VERSION	"0.2.0"
#define MCP_LIST_TTL_MS		3600000		/* the tools change with
						   the gateway only */

/* JSON-RPC and MCP error codes. */
#define MCP_PARSE_ERROR		-32700
#define MCP_INVALID_REQUEST	-32600
#define MCP_NO_METHOD		-32601
#define MCP_INVALID_PARAMS	-32602
#define MCP_INTERNAL		-32603
#define MCP_HEADER_MISMATCH	-32020
#define MCP_UNSUPPORTED		-32022

#define MCP_BASE_MAX		300

static const char	*mcp_versions[] = {
	MCP_VERSION_MODERN, "2025-11-25", "2025-06-18", "2025-03-26", NULL
};

static const char	mcp_instructions[] =
    "The user's todo list. Every tool acts for the signed-in user of the "
    "access token; user_id may be left out. Find a task's task_id with "
    "list_tasks (search narrows it) before completing, updating or "
    "deleting it, and confirm what changed in a friendly sentence.";

static int	mcp_guard(struct http_request *);
static int	mcp_host_ok(const char *);
static int	mcp_read(struct http_request *, struct gw_ctx *);
static int	mcp_version(struct http_request *, struct gw_ctx *);
static int	mcp_headers(struct http_request *, struct gw_ctx *,
		    const char *);
static int	mcp_same(const char *, const char *);
static int	mcp_name_matches(const char *, const char *);
static int	mcp_supported(const char *);
static int	mcp_dispatch(struct http_request *, struct gw_ctx *);
static int	mcp_auth(struct http_request *, struct gw_ctx *);
static void	mcp_initialize(struct http_request *, struct gw_ctx *);
static void	mcp_discover(struct http_request *, struct gw_ctx *);
static void	mcp_tools_list(struct http_request *, struct gw_ctx *);
static int	mcp_tools_call(struct http_request *, struct gw_ctx *);
static void	mcp_call_reply(struct http_request *, const char *, size_t);
static void	mcp_call_fail(struct http_request *, int, const char *);
static void	mcp_escape(struct kore_buf *, const char *, size_t);
static char	*mcp_sentence(struct gw_ctx *);
static void	mcp_tool_result(struct http_request *, struct gw_ctx *,
		    const char *, size_t);
static void	mcp_result_open(struct kore_buf *, struct gw_ctx *);
static void	mcp_result(struct http_request *, struct gw_ctx *, json_t *);
static void	mcp_error(struct http_request *, struct gw_ctx *, int, int,
		    const char *, json_t *);
static json_t	*mcp_version_list(void);
static void	mcp_unsupported(struct http_request *, struct gw_ctx *,
		    const char *);
static void	mcp_send(struct http_request *, int, json_t *);
static void	mcp_base(struct http_request *, char *, size_t);

/*
 * tools/call: one aido_mcp_call(user, tool, arguments, session) (the
 * actor and session as for a REST route: an external provider's token
 * too), a read for the tools that only read (repeated once on a fresh
 * connection if its connection fails), else a write.
 */
#define MCP_CALL_READ		0
#define MCP_CALL_WRITE		1

static struct gw_call	mcp_calls[] = {
	{ "aido_mcp_call", GW_CALL_READ, 200, { GW_ARG_ACTOR, GW_ARG_TEXT,
	    GW_ARG_JSON, GW_ARG_SESSION }, .reply = mcp_call_reply,
	    .fail = mcp_call_fail },
	{ "aido_mcp_call", GW_CALL_TASKS, 200, { GW_ARG_ACTOR, GW_ARG_TEXT,
	    GW_ARG_JSON, GW_ARG_SESSION }, .reply = mcp_call_reply,
	    .fail = mcp_call_fail },
};

/* In each worker, once: the SQL of the calls. */
void
gw_mcp_init(void)
{
	size_t	i;

	for (i = 0; i < sizeof(mcp_calls) / sizeof(mcp_calls[0]); i++)
		gw_routes_render(&mcp_calls[i], "mcp");
}

int
route_mcp_post(struct http_request *req, struct gw_ctx *ctx)
{
	/* Back from sleeping on the provider's keys: already read. */
	if (ctx->mcp.msg == NULL) {
		if (!mcp_guard(req))
			return (KORE_RESULT_OK);
		if (!mcp_read(req, ctx) || !mcp_version(req, ctx))
			return (KORE_RESULT_OK);
	}

	return (mcp_dispatch(req, ctx));
}

void
gw_mcp_release(struct gw_ctx *ctx)
{
	json_decref(ctx->mcp.msg);
	ctx->mcp.msg = NULL;
	ctx->mcp.id = NULL;
}

/*
 * Origin: absent (not a browser), one of FRONTEND_URL, or the gateway's
 * own (a page it served); else 403.  Bound to loopback, the gateway takes
 * only loopback names in Host: a foreign name pointed at 127.0.0.1 is
 * how DNS rebinding reaches a local server.
 */
static int
mcp_guard(struct http_request *req)
{
	const char	*host, *origin, *p;
	int		 ok;

	host = gw_http_header(req, "host");
	origin = gw_http_header(req, "origin");

	ok = 1;
	if (host != NULL && mcp_host_ok(gw_cfg.api_host) && !mcp_host_ok(host))
		ok = 0;

	if (ok && origin != NULL && !gw_config_origin(&gw_cfg, origin)) {
		p = NULL;
		if (!strncasecmp(origin, "http://", 7))
			p = origin + 7;
		else if (!strncasecmp(origin, "https://", 8))
			p = origin + 8;
		ok = p != NULL && host != NULL && !strcasecmp(p, host);
	}

	if (!ok)
		mcp_error(req, NULL, 403, MCP_INVALID_REQUEST, "this Origin or "
		    "Host is not allowed to use this server", NULL);

	return (ok);
}

/* A loopback name or address, with or without a port. */
static int
mcp_host_ok(const char *host)
{
	size_t		len;

	if (host[0] == '[') {
		len = strcspn(host, "]");
		return (len == 4 && !strncmp(host, "[::1", 4));
	}

	len = strcspn(host, ":");
	if (len == 9 && !strncasecmp(host, "localhost", 9))
		return (1);
	if (!strcmp(host, "::1"))
		return (1);

	return (len >= 7 && !strncmp(host, "127.", 4) &&
	    strspn(host, "0123456789.") == len);
}

/*
 * The body: application/json, at most GW_BODY_MAX bytes, one JSON-RPC
 * request or notification (batches ended with 2025-06-18).
 */
static int
mcp_read(struct http_request *req, struct gw_ctx *ctx)
{
	json_t		*msg, *id, *method;
	json_error_t	 jerr;
	const char	*ct;
	size_t		 len;

	ct = gw_http_header(req, "content-type");
	if (ct == NULL || strncasecmp(ct, "application/json", 16) ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
		mcp_error(req, NULL, 415, MCP_INVALID_REQUEST, "the body must "
		    "be sent as Content-Type: application/json", NULL);
		return (0);
	}

	len = req->http_body ? req->content_length : 0;
	if (len > GW_BODY_MAX) {
		mcp_error(req, NULL, 413, MCP_INVALID_REQUEST,
		    "the body must be at most 65536 bytes", NULL);
		return (0);
	}

	gw_http_body(req, ctx, len);

	msg = json_loadb(ctx->body, ctx->body_len, JSON_DECODE_ANY, &jerr);
	if (msg == NULL) {
		mcp_error(req, NULL, 400, MCP_PARSE_ERROR, jerr.text, NULL);
		return (0);
	}
	ctx->mcp.msg = msg;

	id = json_object_get(msg, "id");
	method = json_object_get(msg, "method");
	if (!json_is_object(msg) || !json_is_string(json_object_get(msg,
	    "jsonrpc")) || strcmp(json_string_value(json_object_get(msg,
	    "jsonrpc")), "2.0") || !json_is_string(method) ||
	    (id != NULL && !json_is_string(id) && !json_is_integer(id)) ||
	    (json_object_get(msg, "params") != NULL &&
	    !json_is_object(json_object_get(msg, "params")))) {
		mcp_error(req, NULL, 400, MCP_INVALID_REQUEST, json_is_array(msg) ?
		    "batches are not supported: send one request per POST" :
		    "not a JSON-RPC 2.0 request or notification (jsonrpc, "
		    "method, an id that is a string or an integer, params an "
		    "object)", NULL);
		return (0);
	}
	ctx->mcp.id = id;
	ctx->mcp.method = json_string_value(method);
	ctx->mcp.params = json_object_get(msg, "params");

	return (1);
}

/*
 * The era and version of the request, from MCP-Protocol-Version and,
 * for the modern era, _meta, which must agree with it.
 */
static int
mcp_version(struct http_request *req, struct gw_ctx *ctx)
{
	json_t		*meta, *mv;
	const char	*hv;
	char		 ver[32];
	size_t		 len;

	/* Without the whitespace around it (RFC 9110 §5.5). */
	if ((hv = gw_http_header(req, "mcp-protocol-version")) != NULL) {
		hv += strspn(hv, " \t");
		(void)kore_strlcpy(ver, hv, sizeof(ver));
		len = strlen(ver);
		while (len > 0 && (ver[len - 1] == ' ' || ver[len - 1] == '\t'))
			ver[--len] = '\0';
		hv = ver;
	}

	if (hv != NULL && !mcp_supported(hv)) {
		mcp_unsupported(req, ctx, hv);
		return (0);
	}

	/* A notification has no answer to shape. */
	if (ctx->mcp.id == NULL)
		return (1);

	meta = json_object_get(ctx->mcp.params, "_meta");
	mv = json_object_get(meta, MCP_META_VERSION);

	if (hv != NULL && !strcmp(hv, MCP_VERSION_MODERN)) {
		ctx->mcp.modern = 1;
		if (!json_is_string(mv) ||
		    !json_is_object(json_object_get(meta, MCP_META_CAPS))) {
			mcp_error(req, ctx, 400, MCP_INVALID_PARAMS, "params._meta "
			    "must carry " MCP_META_VERSION " and "
			    MCP_META_CAPS, NULL);
			return (0);
		}
		if (strcmp(json_string_value(mv), hv)) {
			mcp_error(req, ctx, 400, MCP_HEADER_MISMATCH, "the "
			    "MCP-Protocol-Version header does not match "
			    "params._meta", NULL);
			return (0);
		}
		return (mcp_headers(req, ctx, hv));
	}

	if (mv == NULL)
		return (1);
	if (!json_is_string(mv) || !mcp_supported(json_string_value(mv))) {
		mcp_unsupported(req, ctx, json_is_string(mv) ?
		    json_string_value(mv) : "");
		return (0);
	}
	if (hv == NULL || strcmp(hv, json_string_value(mv))) {
		mcp_error(req, ctx, 400, MCP_HEADER_MISMATCH, "the "
		    "MCP-Protocol-Version header is required, and must match "
		    "params._meta", NULL);
		return (0);
	}

	return (1);
}

/* Mcp-Method, and Mcp-Name where there is a name: as in the body. */
static int
mcp_headers(struct http_request *req, struct gw_ctx *ctx, const char *hv)
{
	const char	*h, *name, *what;
	const char	*m = ctx->mcp.method;

	name = NULL;
	if (!strcmp(m, "tools/call") || !strcmp(m, "prompts/get"))
		name = json_string_value(json_object_get(ctx->mcp.params,
		    "name"));
	else if (!strcmp(m, "resources/read"))
		name = json_string_value(json_object_get(ctx->mcp.params,
		    "uri"));

	what = NULL;
	h = gw_http_header(req, "mcp-method");
	if (h == NULL || !mcp_same(h, m))
		what = "the Mcp-Method header is missing or does not match "
		    "the method";
	else if (name != NULL &&
	    ((h = gw_http_header(req, "mcp-name")) == NULL ||
	    !mcp_name_matches(h, name)))
		what = "the Mcp-Name header is missing or does not match "
		    "params.name";

	if (what != NULL) {
		mcp_error(req, ctx, 400, MCP_HEADER_MISMATCH, what, NULL);
		return (0);
	}

	return (1);
}

/*
 * A header value is v: compared without the optional whitespace around a
 * field value (RFC 9110 §5.5), which is not part of it.
 */
static int
mcp_same(const char *h, const char *v)
{
	size_t		len;

	h += strspn(h, " \t");
	len = strlen(h);
	while (len > 0 && (h[len - 1] == ' ' || h[len - 1] == '\t'))
		len--;

	return (len == strlen(v) && !strncmp(h, v, len));
}

/* A header value, plain or =?base64?…?=, is the body's name. */
static int
mcp_name_matches(const char *h, const char *name)
{
	unsigned char	*out;
	char		*b;
	size_t		 len, n, outlen;
	int		 ok;

	h += strspn(h, " \t");
	len = strlen(h);
	while (len > 0 && (h[len - 1] == ' ' || h[len - 1] == '\t'))
		len--;
	if (len < 11 || strncmp(h, "=?base64?", 9) ||
	    strncmp(h + len - 2, "?=", 2))
		return (mcp_same(h, name));

	/* The standard alphabet, padded: as base64url, unpadded. */
	b = kore_strdup(h + 9);
	n = len - 11;
	while (n > 0 && b[n - 1] == '=')
		n--;
	b[n] = '\0';
	for (len = 0; len < n; len++) {
		if (b[len] == '+')
			b[len] = '-';
		else if (b[len] == '/')
			b[len] = '_';
	}

	ok = gw_b64url_decode(b, n, &out, &outlen) == 0 &&
	    outlen == strlen(name) && !memcmp(out, name, outlen);
	free(out);
	kore_free(b);

	return (ok);
}

static int
mcp_supported(const char *v)
{
	int		i;

	for (i = 0; mcp_versions[i] != NULL; i++) {
		if (!strcmp(mcp_versions[i], v))
			return (1);
	}

	return (0);
}

/*
 * The method.  A token that is sent must be valid, whatever the method;
 * tools/call of a task tool needs one.
 */
static int
mcp_dispatch(struct http_request *req, struct gw_ctx *ctx)
{
	const char	*m = ctx->mcp.method;
	int		 modern = ctx->mcp.modern;
	int		 ret;

	if (gw_http_header(req, "authorization") != NULL &&
	    (ret = mcp_auth(req, ctx)) != KORE_RESULT_OK)
		return (ret == KORE_RESULT_RETRY ? ret : KORE_RESULT_OK);

	if (ctx->mcp.id == NULL) {
		gw_http_send(req, 202, NULL, 0);
		return (KORE_RESULT_OK);
	}

	if (!strcmp(m, "tools/call"))
		return (mcp_tools_call(req, ctx));
	if (!strcmp(m, "tools/list"))
		mcp_tools_list(req, ctx);
	else if (!strcmp(m, "server/discover"))
		mcp_discover(req, ctx);
	else if (!modern && !strcmp(m, "initialize"))
		mcp_initialize(req, ctx);
	else if (!modern && !strcmp(m, "ping"))
		mcp_result(req, ctx, json_object());
	else
		mcp_error(req, ctx, modern ? 404 : 200, MCP_NO_METHOD,
		    "Method not found", NULL);

	return (KORE_RESULT_OK);
}

/*
 * The caller's token, checked once a request (one that sends a token is
 * checked before any method; tools/call needs one), as gw_router_auth
 * answers: KORE_RESULT_ERROR once a 401 is sent.
 */
static int
mcp_auth(struct http_request *req, struct gw_ctx *ctx)
{
	int		 ret;

	if (ctx->mcp.authenticated)
		return (KORE_RESULT_OK);
	if ((ret = gw_router_auth(req, ctx)) == KORE_RESULT_OK)
		ctx->mcp.authenticated = 1;
	return (ret);
}

/*
 * The legacy handshake: the client's version when it is one of the
 * legacy era, else the latest of them.  Nothing is kept: every later
 * request stands on its own.
 */
static void
mcp_initialize(struct http_request *req, struct gw_ctx *ctx)
{
	const char	*asked, *v;

	asked = json_string_value(json_object_get(ctx->mcp.params,
	    "protocolVersion"));
	v = MCP_VERSION_LEGACY;
	if (asked != NULL && mcp_supported(asked) &&
	    strcmp(asked, MCP_VERSION_MODERN))
		v = asked;

	mcp_result(req, ctx, json_pack("{s:s, s:{s:{s:b}}, s:{s:s, s:s, s:s},"
	    " s:s}", "protocolVersion", v, "capabilities", "tools",
	    "listChanged", 0, "serverInfo", "name", MCP_SERVER_NAME, "title",
	    "aido todo list", "version", MCP_SERVER_VERSION, "instructions",
	    mcp_instructions));
}

static void
mcp_discover(struct http_request *req, struct gw_ctx *ctx)
{
	mcp_result(req, ctx, json_pack("{s:o, s:{s:{}}, s:{s:{s:s, s:s}},"
	    " s:s, s:i, s:s}", "supportedVersions", mcp_version_list(),
	    "capabilities", "tools", "_meta",
	    "io.modelcontextprotocol/serverInfo", "name", MCP_SERVER_NAME,
	    "version", MCP_SERVER_VERSION, "instructions", mcp_instructions,
	    "ttlMs", MCP_LIST_TTL_MS, "cacheScope", "public"));
}

/* One page: the same for every user, so cacheable by anyone. */
static void
mcp_tools_list(struct http_request *req, struct gw_ctx *ctx)
{
	json_t		*r;

	r = json_pack("{s:o}", "tools", gw_mcp_tools_list());
	if (r != NULL && ctx->mcp.modern) {
		(void)json_object_set_new(r, "ttlMs",
		    json_integer(MCP_LIST_TTL_MS));
		(void)json_object_set_new(r, "cacheScope",
		    json_string("public"));
	}

	mcp_result(req, ctx, r);
}

/*
 * A task tool is one aido_mcp_call for the token's user; an unknown
 * tool or malformed params are JSON-RPC errors, wrong arguments the
 * database's to name (a tool error).
 */
static int
mcp_tools_call(struct http_request *req, struct gw_ctx *ctx)
{
	json_t		*args;
	const char	*name, *fixture;
	int		 ret;

	name = json_string_value(json_object_get(ctx->mcp.params, "name"));
	args = json_object_get(ctx->mcp.params, "arguments");
	if (name == NULL || (args != NULL && !json_is_object(args))) {
		mcp_error(req, ctx, 200, MCP_INVALID_PARAMS, "tools/call takes "
		    "params.name, a string, and params.arguments, an object",
		    NULL);
		return (KORE_RESULT_OK);
	}

	switch (gw_mcp_tools_find(name, &fixture)) {
	case GW_MCP_FIXTURE:
		mcp_tool_result(req, ctx, fixture, strlen(fixture));
		return (KORE_RESULT_OK);
	case GW_MCP_NONE:
		mcp_error(req, ctx, 200, MCP_INVALID_PARAMS, "Unknown tool: "
		    "call tools/list for the tools there are", NULL);
		return (KORE_RESULT_OK);
	}

	if ((ret = mcp_auth(req, ctx)) != KORE_RESULT_OK)
		return (ret == KORE_RESULT_RETRY ? ret : KORE_RESULT_OK);

	free(ctx->json);
	ctx->json = args ? json_dumps(args, JSON_COMPACT) : NULL;
	ctx->text = name;
	ctx->call = !strcmp(name, "list_tasks") || !strcmp(name, "get_task") ?
	    &mcp_calls[MCP_CALL_READ] : &mcp_calls[MCP_CALL_WRITE];

	return (gw_db_call(req, ctx));
}

/*
 * The database's structured result, and the same JSON as text, written
 * once into the answer (a list's page is the largest thing a worker
 * writes here).
 */
static void
mcp_call_reply(struct http_request *req, const char *json, size_t len)
{
	struct gw_ctx	*ctx = http_state_get(req);
	struct kore_buf	 buf;

	kore_buf_init(&buf, len * 2 + 256);
	mcp_result_open(&buf, ctx);
	kore_buf_appendf(&buf, "{\"content\":[{\"type\":\"text\",\"text\":");
	mcp_escape(&buf, json, len);
	kore_buf_appendf(&buf, "}],\"structuredContent\":");
	kore_buf_append(&buf, json, len);
	kore_buf_appendf(&buf, ",\"isError\":false%s}}", ctx->mcp.modern ?
	    ",\"resultType\":\"complete\"" : "");

	gw_http_json(req, 200, (const char *)buf.data, buf.offset);
	kore_buf_cleanup(&buf);
}

/*
 * s as a JSON string.  It is the database's JSON, valid UTF-8, so only
 * quotes, backslashes and control characters need escaping: in runs, as
 * a list's text is the largest thing a worker writes here.
 */
static void
mcp_escape(struct kore_buf *buf, const char *s, size_t len)
{
	static const char	hex[] = "0123456789abcdef";
	const char		*run;
	char			 esc[6];
	unsigned char		 c;
	size_t			 i;

	kore_buf_append(buf, "\"", 1);
	run = s;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		kore_buf_append(buf, run, s + i - run);
		run = s + i + 1;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			kore_buf_append(buf, esc, 2);
		} else {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			kore_buf_append(buf, esc, 6);
		}
	}
	kore_buf_append(buf, run, s + len - run);
	kore_buf_append(buf, "\"", 1);
}

/*
 * What the REST API answers 4xx is the model's to correct: a tool error.
 * A dead session is 401 as anywhere; the database down is the client's
 * to retry.
 */
static void
mcp_call_fail(struct http_request *req, int status, const char *sqlstate)
{
	struct gw_ctx	*ctx = http_state_get(req);
	json_t		*r;
	char		*text;

	if (status == 401) {
		gw_http_error(req, 401, "unauthorized", ctx->db.message);
		return;
	}

	if (status >= 500) {
		if (status == 503)
			http_response_header(req, "retry-after", "5");
		mcp_error(req, ctx, status, MCP_INTERNAL, status == 503 ?
		    "the service is unavailable, try again shortly" :
		    "internal error", NULL);
		return;
	}

	text = mcp_sentence(ctx);
	r = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text",
	    "text", text, "isError", 1);
	free(text);
	if (ctx->mcp.modern && r != NULL)
		(void)json_object_set_new(r, "resultType",
		    json_string("complete"));
	mcp_result(req, ctx, r);
}

/*
 * The error as a sentence: the database's message, with the field errors
 * of a validation failure, or what to do about a task not found.
 */
static char *
mcp_sentence(struct gw_ctx *ctx)
{
	struct kore_buf	 buf;
	json_t		*errs, *e;
	size_t		 i;
	char		*s;

	kore_buf_init(&buf, 256);
	kore_buf_appendf(&buf, "%s", ctx->db.message ? ctx->db.message :
	    "the call failed");

	if (!strcmp(ctx->db.sqlstate, "23514") && ctx->db.detail != NULL &&
	    json_is_array(errs = json_loads(ctx->db.detail, 0, NULL))) {
		json_array_foreach(errs, i, e) {
			kore_buf_appendf(&buf, "%s%s", i == 0 ? ": " : "; ",
			    json_string_value(json_object_get(e, "message")) ?
			    json_string_value(json_object_get(e, "message")) :
			    "invalid");
		}
		json_decref(errs);
	} else if (!strcmp(ctx->db.sqlstate, "P0002")) {
		kore_buf_appendf(&buf, ": no task of this user has that "
		    "task_id; call list_tasks for the ids of the user's tasks");
	}
	kore_buf_appendf(&buf, ".");

	s = strdup(kore_buf_stringify(&buf, NULL));
	kore_buf_cleanup(&buf);

	return (s);
}

/* {"jsonrpc":"2.0","id":<the request's>,"result": */
static void
mcp_result_open(struct kore_buf *buf, struct gw_ctx *ctx)
{
	char		*id;

	id = json_dumps(ctx->mcp.id, JSON_ENCODE_ANY);
	kore_buf_appendf(buf, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":",
	    id ? id : "null");
	free(id);
}

/*
 * A CallToolResult already JSON (a fixture's); the modern era adds
 * resultType.
 */
static void
mcp_tool_result(struct http_request *req, struct gw_ctx *ctx,
    const char *json, size_t len)
{
	struct kore_buf	 buf;

	kore_buf_init(&buf, len + 96);
	mcp_result_open(&buf, ctx);
	if (ctx->mcp.modern && len > 1) {
		kore_buf_append(&buf, json, len - 1);
		kore_buf_appendf(&buf, ",\"resultType\":\"complete\"}}");
	} else {
		kore_buf_append(&buf, json, len);
		kore_buf_appendf(&buf, "}");
	}

	gw_http_json(req, 200, (const char *)buf.data, buf.offset);
	kore_buf_cleanup(&buf);
}

static void
mcp_result(struct http_request *req, struct gw_ctx *ctx, json_t *result)
{
	if (result == NULL) {
		mcp_error(req, ctx, 500, MCP_INTERNAL, "internal error", NULL);
		return;
	}

	if (ctx->mcp.modern && json_object_get(result, "resultType") == NULL)
		(void)json_object_set_new(result, "resultType",
		    json_string("complete"));

	mcp_send(req, 200, json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0",
	    "id", ctx->mcp.id, "result", result));
}

/*
 * A JSON-RPC error, with the request's id when there is one (ctx NULL:
 * before the request was read).
 */
static void
mcp_error(struct http_request *req, struct gw_ctx *ctx, int status,
    int code, const char *message, json_t *data)
{
	json_t		*err, *id;

	err = json_pack("{s:i, s:s}", "code", code, "message", message);
	if (data != NULL)
		(void)json_object_set_new(err, "data", data);

	id = ctx != NULL && ctx->mcp.id != NULL ? ctx->mcp.id : json_null();
	mcp_send(req, status, json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0",
	    "id", id, "error", err));
}

/* 400, naming the versions there are and the one asked for. */
static void
mcp_unsupported(struct http_request *req, struct gw_ctx *ctx,
    const char *asked)
{
	mcp_error(req, ctx, 400, MCP_UNSUPPORTED, "Unsupported protocol "
	    "version", json_pack("{s:o, s:s}", "supported", mcp_version_list(),
	    "requested", asked));
}

static void
mcp_send(struct http_request *req, int status, json_t *body)
{
	char		*text;

	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL) {
		gw_http_error(req, 500, "internal_error", "internal error");
		return;
	}

	gw_http_json(req, status, text, strlen(text));
	free(text);
}

/*
 * GET /.well-known/oauth-protected-resource[/mcp]: the OAuth 2.0
 * Protected Resource Metadata (RFC 9728) of /mcp.  Its authorization
 * server is the external provider's issuer when one is configured
 * (AUTH_ISSUER), else aido itself, whose signup and login issue tokens.
 */
int
route_mcp_metadata(struct http_request *req, struct gw_ctx *ctx)
{
	json_t		*doc;
	char		 base[MCP_BASE_MAX], url[MCP_BASE_MAX + 16];
	char		 docs[MCP_BASE_MAX + 16];

	mcp_base(req, base, sizeof(base));
	(void)snprintf(url, sizeof(url), "%s/mcp", base);
	(void)snprintf(docs, sizeof(docs), "%s/docs", base);

	doc = json_pack("{s:s, s:[s], s:[s], s:s, s:s}", "resource", url,
	    "authorization_servers", gw_cfg.auth_issuer != NULL ?
	    gw_cfg.auth_issuer : base, "bearer_methods_supported", "header",
	    "resource_name", "aido todo list", "resource_documentation", docs);

	mcp_send(req, 200, doc);

	return (KORE_RESULT_OK);
}

/*
 * The challenge of a 401 (http.c): on /mcp it names the metadata.
 */
const char *
gw_mcp_challenge(struct http_request *req)
{
	static char	ch[MCP_BASE_MAX + 96];
	char		base[MCP_BASE_MAX];

	if (strcmp(req->path, "/mcp") && strcmp(req->path, "/mcp/"))
		return ("Bearer");

	mcp_base(req, base, sizeof(base));
	(void)snprintf(ch, sizeof(ch), "Bearer resource_metadata=\"%s/"
	    ".well-known/oauth-protected-resource/mcp\"", base);

	return (ch);
}

/*
 * The gateway's URL as the client reached it: the scheme a proxy in
 * front says (X-Forwarded-Proto), the Host it asked for.  A Host with
 * anything but the characters of a name, an address and a port is
 * replaced by API_HOST:API_PORT, so nothing a client sends can break
 * out of the quotes of a header.
 */
static void
mcp_base(struct http_request *req, char *buf, size_t len)
{
	const char	*host, *proto;

	proto = gw_http_header(req, "x-forwarded-proto");
	if (proto == NULL || strcasecmp(proto, "https"))
		proto = "http";
	else
		proto = "https";

	host = gw_http_header(req, "host");
	if (host == NULL || *host == '\0' || strlen(host) > 200 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-:[]") != strlen(host))
		(void)snprintf(buf, len, "%s://%s:%s", proto, gw_cfg.api_host,
		    gw_cfg.api_port);
	else
		(void)snprintf(buf, len, "%s://%s", proto, host);
}

/* The protocol versions there are, newest first, as a JSON array. */
static json_t *
mcp_version_list(void)
{
	json_t		*versions;
	int		 i;

	versions = json_array();
	for (i = 0; mcp_versions[i] != NULL; i++)
		(void)json_array_append_new(versions,
		    json_string(mcp_versions[i]));

	return (versions);
}
