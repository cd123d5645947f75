/*
 * /api/auth: signup and login open a session in the database and answer
 * with a token for it; logout revokes the session; me is its user.
 */

#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "gateway.h"

#define AUTH_AGENT_MAX		512

static int	auth_session(struct http_request *, struct gw_ctx *,
		    const char *, int);
static void	auth_session_reply(struct http_request *, const char *,
		    size_t);
static const char *auth_agent(struct http_request *, struct gw_ctx *);
static const char *auth_client_addr(struct http_request *, struct gw_ctx *);

int
route_auth_signup(struct http_request *req, struct gw_ctx *ctx)
{
	return (auth_session(req, ctx,
	    "SELECT aido_signup($1::jsonb, $2::integer, $3::text)", 201));
}

/*
 * A procedure: it commits the count of a failed login before it raises
 * 28P01, and throttles per account and per client address in the
 * database (PT429, 429 here), so the limits hold across gateways.
 */
int
route_auth_login(struct http_request *req, struct gw_ctx *ctx)
{
	return (auth_session(req, ctx, "CALL aido_login($1::jsonb, "
	    "$2::integer, $3::text, $4::text, NULL)", 200));
}

int
route_auth_logout(struct http_request *req, struct gw_ctx *ctx)
{
	/*
	 * A provider's token is stateless (API.md §3.2): there is no
	 * session to revoke, and it stays valid until its exp.  Signing
	 * out is the provider's business; 204 lets the frontend's sign-out
	 * flow go on.
	 */
	if (ctx->external) {
		gw_http_send(req, 204, NULL, 0);
		return (KORE_RESULT_OK);
	}

	ctx->call.sql = "SELECT aido_logout($1::uuid, $2::uuid)";
	ctx->call.params[0] = ctx->auth.sub;
	ctx->call.params[1] = ctx->auth.sid;
	ctx->call.nparams = 2;
	ctx->call.flags = GW_CALL_EMPTY;

	return (gw_db_call(req, ctx));
}

int
route_auth_me(struct http_request *req, struct gw_ctx *ctx)
{
	ctx->call.sql = "SELECT aido_session_user($1::uuid, $2::uuid)";
	ctx->call.params[0] = ctx->auth.sub;
	ctx->call.params[1] = ctx->auth.sid;
	ctx->call.nparams = 2;
	ctx->call.flags = GW_CALL_READ;
	ctx->call.status = 200;

	return (gw_db_call(req, ctx));
}

/*
 * The body goes to the database as it came (credentials jsonb), with
 * JWT_TTL and the User-Agent.  Passwords are never looked at here.
 */
static int
auth_session(struct http_request *req, struct gw_ctx *ctx, const char *sql,
    int status)
{
	(void)snprintf(ctx->num, sizeof(ctx->num), "%d", gw_cfg.jwt_ttl);

	ctx->call.sql = sql;
	ctx->call.params[0] = ctx->body;
	ctx->call.params[1] = ctx->num;
	ctx->call.params[2] = auth_agent(req, ctx);
	ctx->call.params[3] = auth_client_addr(req, ctx);
	ctx->call.nparams = strncmp(sql, "CALL", 4) ? 3 : 4;
	ctx->call.status = status;
	ctx->call.reply = auth_session_reply;

	return (gw_db_call(req, ctx));
}

/*
 * {user, session_id, expires_at, expires_epoch} from the database becomes
 * {token, token_type, expires_at, user}.  iat is exp - JWT_TTL: the
 * moment the database opened the session, to the second.
 */
static void
auth_session_reply(struct http_request *req, const char *json, size_t len)
{
	struct gw_ctx	*ctx = http_state_get(req);
	json_t		*session, *user, *id, *sid, *exp, *expires, *body;
	char		*token, *text;
	int64_t		 e;

	token = text = NULL;
	body = NULL;

	session = json_loadb(json, len, 0, NULL);
	user = json_object_get(session, "user");
	id = json_object_get(user, "id");
	sid = json_object_get(session, "session_id");
	exp = json_object_get(session, "expires_epoch");
	expires = json_object_get(session, "expires_at");

	if (!json_is_string(id) || !json_is_string(sid) ||
	    !json_is_integer(exp) || !json_is_string(expires)) {
		kore_log(LOG_ERR, "session without user.id, session_id, "
		    "expires_at or expires_epoch");
		gw_http_error(req, 500, "internal_error", "internal error");
		goto out;
	}

	e = json_integer_value(exp);
	token = gw_jwt_sign(gw_cfg.jwt_secret, gw_cfg.jwt_secret_len,
	    json_string_value(id), json_string_value(sid),
	    e - gw_cfg.jwt_ttl, e);

	body = token ? json_pack("{s:s, s:s, s:O, s:O}", "token", token,
	    "token_type", "bearer", "expires_at", expires, "user", user) :
	    NULL;
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	if (text == NULL) {
		gw_http_error(req, 500, "internal_error", "internal error");
		goto out;
	}

	gw_http_json(req, ctx->call.status, text, strlen(text));

out:
	if (token != NULL) {
		OPENSSL_cleanse(token, strlen(token));
		free(token);
	}
	if (text != NULL) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	json_decref(body);
	json_decref(session);
}

/*
 * The User-Agent for the session, printable ASCII only (a header may hold
 * any bytes; the database wants valid text), at most AUTH_AGENT_MAX.
 */
static const char *
auth_agent(struct http_request *req, struct gw_ctx *ctx)
{
	const char	*ua;
	size_t		 i;

	if ((ua = req->agent) == NULL || *ua == '\0')
		return (NULL);

	/* malloc: scratch is free()d with the request. */
	if ((ctx->scratch = malloc(AUTH_AGENT_MAX + 1)) == NULL)
		return (NULL);
	for (i = 0; ua[i] != '\0' && i < AUTH_AGENT_MAX; i++) {
		ctx->scratch[i] = (ua[i] >= 0x20 && ua[i] < 0x7f) ?
		    ua[i] : '?';
	}
	ctx->scratch[i] = '\0';

	return (ctx->scratch);
}

/*
 * The peer's address as text, for the database's per-address login
 * throttle.  The gateway binds to loopback behind a proxy or directly;
 * X-Forwarded-For is not trusted, as any client can set it.
 */
static const char *
auth_client_addr(struct http_request *req, struct gw_ctx *ctx)
{
	const void	*src;

	if (req->owner->family == AF_INET6)
		src = &req->owner->addr.ipv6.sin6_addr;
	else if (req->owner->family == AF_INET)
		src = &req->owner->addr.ipv4.sin_addr;
	else
		return (NULL);

	if (inet_ntop(req->owner->family, src, ctx->addr,
	    sizeof(ctx->addr)) == NULL)
		return (NULL);

	return (ctx->addr);
}
