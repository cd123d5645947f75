/*
 * /api/auth (routes.c): signup and login open a session in the database
 * and answer with a token for it; logout revokes the session; me is its
 * user.
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "gateway.h"

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
		return (0);
	}

	return (1);
}

/*
 * {user, session_id, expires_at, expires_epoch} from the database becomes
 * {token, token_type, expires_at, user}.  iat is exp - JWT_TTL: the
 * moment the database opened the session, to the second.
 */
void
route_auth_session(struct http_request *req, const char *json, size_t len)
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

	gw_http_json(req, ctx->call->status, text, strlen(text));

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
