/*
 * The routes of API.md §3 and the checks every request passes before it
 * may take a pool connection, in this order: route (404), method (405 with
 * Allow; OPTIONS is the CORS preflight), Content-Type (415), size (413),
 * JSON syntax (400), a JSON object (400), ids in the path are UUIDs (404),
 * a valid Bearer token (401).  Then the route is served: by its handler,
 * or by the one call of one aido_* function its row describes (db.c).
 * The compatibility routes of §3.1 check the token first (401), then
 * that {user} in the path is its user (403, whatever follows), then the
 * ids (404).
 *
 * A token is aido's own when it verifies with JWT_SECRET (HS256, with a
 * sid); otherwise it may be an external provider's (§3.2, jwk.c), checked
 * with AUTH_HS256_SECRET or the provider's keys (keys.c).  A provider's
 * token naming a key not yet known makes the request sleep until the keys
 * are fetched again; it then comes back here and is checked once more.
 *
 * Kore routes every path here (one "route ^/" in the configuration), so
 * that unknown routes, wrong methods and preflights all answer in JSON.
 * The routes are the rows of routes.c's table.
 */

#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "gateway.h"
#include "params.h"

#define ROUTER_OK		0
#define ROUTER_ANSWERED		1
#define ROUTER_WAIT		2

static int	router_match(const char *, const char *, struct gw_ctx *);
static int	router_serve(struct http_request *, struct gw_ctx *);
static int	router_body(struct http_request *, struct gw_ctx *);
static int	router_content_type(const char *);
static int	router_auth(struct http_request *, struct gw_ctx *);
static int	router_external(struct http_request *, struct gw_ctx *,
		    const char *, int);
static int	router_user(struct gw_ctx *);
static void	router_onfree(struct http_request *);

/*
 * Kore's handler for every request.  A request that sleeps on the
 * database comes back here when it wakes: it then resumes its call; one
 * that slept on the provider's keys (keys.c) is checked again.
 */
int
gw_http_request(struct http_request *req)
{
	const struct gw_route	*r, *found;
	const char		*pattern;
	struct gw_ctx		*ctx;
	int			 methods;

	if (http_state_exists(req)) {
		ctx = http_state_get(req);
		/* Woken with the provider's keys fetched again. */
		if (!ctx->db.active && ctx->keys.refetched)
			return (router_serve(req, ctx));
		/* A long poll woken: answered, or still waiting. */
		if (!ctx->db.active && ctx->route != NULL &&
		    ctx->route->handler == route_events_get)
			return (gw_events_resume(req, ctx));
		return (gw_db_resume(req));
	}

	ctx = http_state_create(req, sizeof(*ctx), router_onfree);
	ctx->started = req->start;

	/* The first route that matches names the resource. */
	found = NULL;
	pattern = NULL;
	methods = 0;
	for (r = gw_routes; r->path != NULL; r++) {
		if (pattern != NULL && strcmp(pattern, r->path))
			continue;
		if (!router_match(r->path, req->path, ctx))
			continue;
		pattern = r->path;
		methods |= r->method;
		if (r->method == req->method)
			found = r;
	}

	if (methods == 0) {
		gw_http_error(req, 404, "not_found", "no such route");
		return (KORE_RESULT_OK);
	}

	if (req->method == HTTP_METHOD_OPTIONS) {
		gw_http_preflight(req, methods);
		return (KORE_RESULT_OK);
	}

	if (found == NULL) {
		gw_http_allow(req, methods);
		return (KORE_RESULT_OK);
	}

	ctx->route = found;
	(void)router_match(found->path, req->path, ctx);

	if (!router_body(req, ctx))
		return (KORE_RESULT_OK);

	if (!(found->flags & GW_ROUTE_USER) && !router_match(NULL, NULL, ctx)) {
		gw_http_error(req, 404, "not_found", "not found");
		return (KORE_RESULT_OK);
	}

	return (router_serve(req, ctx));
}

/*
 * The token (401), {user} (403) and then the ids of a compatibility
 * route (404), and the handler or the call.  Runs again for a request
 * that slept while the provider's keys were fetched.
 */
static int
router_serve(struct http_request *req, struct gw_ctx *ctx)
{
	const struct gw_route	*r = ctx->route;

	if (r->flags & GW_ROUTE_AUTH) {
		switch (router_auth(req, ctx)) {
		case ROUTER_OK:
			break;
		case ROUTER_WAIT:
			return (KORE_RESULT_RETRY);
		default:
			return (KORE_RESULT_OK);
		}
	}

	if (r->flags & GW_ROUTE_USER) {
		if (!router_user(ctx)) {
			gw_http_error(req, 403, "forbidden", "the user id in "
			    "the path is not the user of the token");
			return (KORE_RESULT_OK);
		}
		if (!router_match(NULL, NULL, ctx)) {
			gw_http_error(req, 404, "not_found", "not found");
			return (KORE_RESULT_OK);
		}
	}

	if (r->handler != NULL)
		return (r->handler(req, ctx));

	ctx->call = &r->call;
	return (gw_db_call(req, ctx));
}

/*
 * Matches path against pattern segment by segment; "{id}" takes any one
 * segment (the ids are collected, and checked later), and so does
 * "{user}" (kept as it is in the path, checked by router_user).  One
 * trailing slash is forgiven.  Called with a NULL pattern, checks that
 * the collected ids are UUIDs.
 */
static int
router_match(const char *pattern, const char *path, struct gw_ctx *ctx)
{
	const char	*p, *q, *pe, *qe;
	char		*id;
	size_t		 plen, qlen;
	int		 i;

	if (pattern == NULL) {
		for (i = 0; i < ctx->nids; i++) {
			if (!gw_uuid_valid(ctx->ids[i], strlen(ctx->ids[i])))
				return (0);
		}
		return (1);
	}

	plen = strlen(path);
	if (plen > 1 && path[plen - 1] == '/')
		plen--;

	ctx->nids = 0;
	p = pattern;
	q = path;
	qe = path + plen;
	while (*p != '\0' && q < qe) {
		if (*p != '/' || *q != '/')
			return (0);
		p++;
		q++;
		pe = p + strcspn(p, "/");
		qlen = strcspn(q, "/");
		if (q + qlen > qe)
			qlen = qe - q;

		if (pe - p == 6 && !strncmp(p, "{user}", 6)) {
			if (qlen == 0)
				return (0);
			ctx->user = q;
			ctx->user_len = qlen;
		} else if (pe - p == 4 && !strncmp(p, "{id}", 4)) {
			if (qlen == 0 || ctx->nids == GW_PATH_IDS)
				return (0);
			id = ctx->ids[ctx->nids++];
			/* Too long for a UUID: kept empty, refused later. */
			if (qlen > GW_UUID_LEN)
				qlen = 0;
			for (i = 0; i < (int)qlen; i++)
				id[i] = tolower((unsigned char)q[i]);
			id[i] = '\0';
			qlen = strcspn(q, "/");
			if (q + qlen > qe)
				qlen = qe - q;
		} else if ((size_t)(pe - p) != qlen || strncmp(p, q, qlen)) {
			return (0);
		}

		p = pe;
		q += qlen;
	}

	return (*p == '\0' && q == qe);
}

/*
 * The body of a route that takes one: application/json, at most
 * GW_BODY_MAX bytes, valid JSON, an object.  Kept NUL-terminated in ctx.
 */
static int
router_body(struct http_request *req, struct gw_ctx *ctx)
{
	json_t		*json;
	json_error_t	 jerr;
	size_t		 len;
	char		 detail[320];

	if (!(ctx->route->flags & (GW_ROUTE_BODY | GW_ROUTE_BODY_OPT)))
		return (1);

	len = req->http_body ? req->content_length : 0;
	if (len == 0 && (ctx->route->flags & GW_ROUTE_BODY_OPT))
		return (1);

	if (!router_content_type(gw_http_header(req, "content-type"))) {
		gw_http_error(req, 415, "unsupported_media_type",
		    "the body must be sent as Content-Type: application/json");
		return (0);
	}

	if (len > GW_BODY_MAX) {
		gw_http_error(req, 413, "payload_too_large",
		    "the body must be at most 65536 bytes");
		return (0);
	}

	gw_http_body(req, ctx, len);

	json = json_loadb(ctx->body, ctx->body_len, JSON_DECODE_ANY, &jerr);
	if (json == NULL) {
		(void)snprintf(detail, sizeof(detail), "the body is not valid "
		    "JSON: %s (line %d, column %d)", jerr.text, jerr.line,
		    jerr.column);
		gw_http_error(req, 400, "bad_request", detail);
		return (0);
	}

	if (!json_is_object(json)) {
		json_decref(json);
		gw_http_error(req, 400, "bad_request",
		    "the body must be a JSON object");
		return (0);
	}

	json_decref(json);

	return (1);
}

/*
 * application/json, with an optional charset that must be UTF-8.
 */
static int
router_content_type(const char *ct)
{
	const char	*p;
	size_t		 len;

	if (ct == NULL)
		return (0);

	while (*ct == ' ')
		ct++;
	len = strcspn(ct, "; ");
	if (len != 16 || strncasecmp(ct, "application/json", 16))
		return (0);

	for (p = ct + len; *p != '\0'; p++) {
		if (*p == ';' || *p == ' ')
			continue;
		if (!strncasecmp(p, "charset=", 8)) {
			p += 8;
			if (*p == '"')
				p++;
			if (strncasecmp(p, "utf-8", 5) &&
			    strncasecmp(p, "utf8", 4))
				return (0);
		}
		p += strcspn(p, ";") - 1;
	}

	return (1);
}

/*
 * Authorization: Bearer <token>: an aido token (HS256, JWT_SECRET, with a
 * sid), or else a provider's.  Whether an aido token's session was
 * revoked is the database's to say, in the same statement as the call
 * itself.
 */
static int
router_auth(struct http_request *req, struct gw_ctx *ctx)
{
	const char	*h;
	int		 ret;

	h = gw_http_header(req, "authorization");
	if (h == NULL) {
		gw_http_error(req, 401, "unauthorized",
		    "an Authorization: Bearer token is required");
		return (ROUTER_ANSWERED);
	}

	if (strncasecmp(h, "bearer ", 7)) {
		gw_http_error(req, 401, "unauthorized",
		    "the Authorization header must be: Bearer <token>");
		return (ROUTER_ANSWERED);
	}

	for (h += 7; *h == ' '; h++)
		;

	ret = gw_jwt_verify(gw_cfg.jwt_secret, gw_cfg.jwt_secret_len, h,
	    (int64_t)time(NULL), &ctx->auth);
	if (ret == GW_JWT_OK)
		return (ROUTER_OK);

	/* Expired: signed with JWT_SECRET, so ours. */
	if (ret != GW_JWT_EXPIRED && (gw_cfg.auth_jwks_url != NULL ||
	    gw_cfg.auth_hs256_secret != NULL))
		return (router_external(req, ctx, h, ret));

	gw_http_error(req, 401, "unauthorized", ret == GW_JWT_EXPIRED ?
	    "the token has expired" : "the token is invalid");

	return (ROUTER_ANSWERED);
}

/*
 * The token of a route that needs it for some requests only (POST /mcp):
 * KORE_RESULT_OK with its claims in ctx, KORE_RESULT_RETRY while the
 * provider's keys are fetched (the request then comes back to its
 * handler), KORE_RESULT_ERROR when answered 401.
 */
int
gw_router_auth(struct http_request *req, struct gw_ctx *ctx)
{
	switch (router_auth(req, ctx)) {
	case ROUTER_OK:
		return (KORE_RESULT_OK);
	case ROUTER_WAIT:
		return (KORE_RESULT_RETRY);
	default:
		return (KORE_RESULT_ERROR);
	}
}

/*
 * A provider's token (API.md §3.2).  A kid that no known key has sends
 * the request to sleep while the keys are fetched again (at most once per
 * request, and as keys.c allows).
 */
static int
router_external(struct http_request *req, struct gw_ctx *ctx,
    const char *token, int ret)
{
	struct gw_jwk_policy	pol;
	const char		*detail;

	pol.hs256 = gw_cfg.auth_hs256_secret;
	pol.hs256_len = pol.hs256 ? strlen(gw_cfg.auth_hs256_secret) : 0;
	pol.issuer = gw_cfg.auth_issuer;
	pol.audience = gw_cfg.auth_audience;

	gw_ext_claims_free(&ctx->ext);
	ret = gw_jwt_verify_external(&pol, gw_keys_current(), token,
	    (int64_t)time(NULL), &ctx->ext);
	if (ret == GW_JWT_OK) {
		ctx->external = 1;
		return (ROUTER_OK);
	}

	if (ret == GW_JWT_KID && !ctx->keys.refetched) {
		ctx->keys.refetched = 1;
		if (gw_keys_refetch(req, ctx))
			return (ROUTER_WAIT);
	}

	switch (ret) {
	case GW_JWT_EXPIRED:
		detail = "the token has expired or is not valid yet";
		break;
	case GW_JWT_ISSUER:
	case GW_JWT_AUDIENCE:
		detail = "the token was not issued for this server "
		    "(iss or aud)";
		break;
	default:
		detail = "the token is invalid";
		break;
	}
	gw_http_error(req, 401, "unauthorized", detail);

	return (ROUTER_ANSWERED);
}

/*
 * {user} of a compatibility route, percent-decoded, is the token's user:
 * the UUID of an aido token (in any case), or exactly the sub of a
 * provider's.  Anything else, malformed included, is not.
 */
static int
router_user(struct gw_ctx *ctx)
{
	char	buf[GW_JWK_SUB_MAX * 4 + 1];
	int	n;

	if ((n = gw_pct_decode(buf, sizeof(buf), ctx->user, ctx->user_len,
	    0)) == -1)
		return (0);

	if (ctx->external)
		return (ctx->ext.sub != NULL && !strcmp(buf, ctx->ext.sub));

	return (gw_uuid_valid(buf, n) && !strcasecmp(buf, ctx->auth.sub));
}

static void
router_onfree(struct http_request *req)
{
	struct gw_ctx	*ctx;

	if ((ctx = http_state_get(req)) == NULL)
		return;

	gw_keys_unwait(ctx);
	gw_events_release(ctx);
	gw_db_release(req, ctx);
	gw_ext_claims_free(&ctx->ext);
	gw_mcp_release(ctx);
	kore_free(ctx->body);
	free(ctx->query);
	free(ctx->json);
	ctx->body = NULL;
	ctx->query = NULL;
	ctx->json = NULL;
}
