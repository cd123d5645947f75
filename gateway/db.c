/*
 * One generic state machine: call the aido_* function of the request's
 * route (its SQL rendered at start, routes.c) with the request's values
 * bound as text parameters, on a pooled asynchronous connection, and
 * relay the JSON the database built.  One unnamed statement, no SET, no
 * prepared names: it works behind PgBouncer in transaction mode.
 *
 *	DB_SETUP	take a connection (or wait in the pool's queue), send
 *	DB_WAIT		read the result or the error (SQLSTATE,
 *			MESSAGE, DETAIL) before the connection goes back
 *	DB_REPLY	SQLSTATE -> HTTP (errors.c), or the JSON
 *
 * A call whose connection failed under it is retried once on a fresh
 * connection when that is safe: a read, or a statement that never left
 * the gateway.  The connections, which request may have one and when,
 * and reading the result as it arrives are pool.c's: the request sleeps
 * until pool.c wakes it.
 */

#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "errors.h"
#include "gateway.h"
#include "params.h"

#define DB_STATE_SETUP		0
#define DB_STATE_WAIT		1
#define DB_STATE_REPLY		2

#define DB_RETRY_BUSY		1	/* Retry-After when saturated */
#define DB_RETRY_DOWN		5	/* Retry-After when unreachable */

static int	db_state_setup(struct http_request *);
static int	db_state_wait(struct http_request *);
static int	db_state_reply(struct http_request *);
static int	db_state_error(struct http_request *, struct gw_ctx *);
static void	db_reply(struct http_request *, struct gw_ctx *);
static void	db_reply_error(struct http_request *, struct gw_ctx *);

static int	db_query(struct http_request *, struct gw_ctx *);
static void	db_bind(struct http_request *, struct gw_ctx *);
static const char *db_value(struct http_request *, struct gw_ctx *, int);
static const char *db_agent(struct http_request *, struct gw_ctx *);
static const char *db_client_addr(struct http_request *, struct gw_ctx *);

static int	db_connfail(struct http_request *, struct gw_ctx *, int);
static int	db_unavailable(struct http_request *, struct gw_ctx *,
		    const char *, int);
static void	db_capture(struct gw_dbstate *, PGresult *);
static void	db_keep_result(struct gw_dbstate *, PGresult *);
static void	db_location(struct http_request *, struct gw_ctx *);
static int	db_retry_after(const char *);

static struct http_state	db_states[] = {
	{ "DB_SETUP",	db_state_setup },
	{ "DB_WAIT",	db_state_wait },
	{ "DB_REPLY",	db_state_reply },
};

/*
 * Starts ctx->call for req (the call of its route's row, or one a handler
 * chose); the handler returns what this returns.
 */
int
gw_db_call(struct http_request *req, struct gw_ctx *ctx)
{
	const struct gw_call	*call = ctx->call;

	if (!db_query(req, ctx))
		return (KORE_RESULT_OK);
	if (call->before != NULL && !call->before(req, ctx))
		return (KORE_RESULT_OK);
	db_bind(req, ctx);

	ctx->db.req = req;
	ctx->db.active = 1;
	req->fsm_state = DB_STATE_SETUP;

	return (http_state_run(db_states, 3, req));
}

/*
 * A sleeping request woke up (its connection answered, a connection came
 * free, or its wait ran out).
 */
int
gw_db_resume(struct http_request *req)
{
	struct gw_ctx	*ctx;

	ctx = http_state_get(req);
	if (!ctx->db.active) {
		gw_http_error(req, 500, "internal_error", "internal error");
		return (KORE_RESULT_OK);
	}

	return (http_state_run(db_states, 3, req));
}

/*
 * The request is being freed (answered, or its client went away).
 */
void
gw_db_release(struct http_request *req, struct gw_ctx *ctx)
{
	struct gw_dbstate	*db = &ctx->db;

	gw_pool_put(ctx);
	db->active = 0;

	PQclear(db->res);
	db->res = NULL;
	kore_free(db->error);
	db->error = NULL;
	kore_free(db->result);
	kore_free(db->message);
	kore_free(db->detail);
	db->result = db->message = db->detail = NULL;
}

static int
db_state_setup(struct http_request *req)
{
	struct gw_ctx		*ctx = http_state_get(req);

	switch (gw_pool_take(req, ctx)) {
	case GW_POOL_TAKEN:
		break;
	case GW_POOL_WAIT:
		return (HTTP_STATE_RETRY);
	case GW_POOL_BUSY:
		return (db_unavailable(req, ctx, "the server is busy, "
		    "try again shortly", DB_RETRY_BUSY));
	default:
		return (db_unavailable(req, ctx, NULL, DB_RETRY_DOWN));
	}

	if (!gw_pool_send(ctx))
		return (db_connfail(req, ctx, 1));

	req->fsm_state = DB_STATE_WAIT;

	return (HTTP_STATE_CONTINUE);
}

/*
 * Asleep until pool.c has read every result of the statement, or its
 * connection failed.
 */
static int
db_state_wait(struct http_request *req)
{
	struct gw_ctx		*ctx = http_state_get(req);
	struct gw_dbstate	*db = &ctx->db;
	PGresult		*res;

	if (!db->done && !db->lost) {
		http_request_sleep(req);
		return (HTTP_STATE_RETRY);
	}

	res = db->res;
	db->res = NULL;
	if (res != NULL) {
		if (PQresultStatus(res) == PGRES_TUPLES_OK ||
		    PQresultStatus(res) == PGRES_COMMAND_OK)
			db_keep_result(db, res);
		else
			db_capture(db, res);
		PQclear(res);
	}

	return (db_state_error(req, ctx));
}

/*
 * What came of the statement: its result or its error (a SQLSTATE the
 * table maps), or the connection failed (no complete answer, class 08,
 * or the server shutting the session down: the statement may or may not
 * have run).
 */
static int
db_state_error(struct http_request *req, struct gw_ctx *ctx)
{
	struct gw_dbstate	*db = &ctx->db;

	if (db->lost || (db->failed && (db->sqlstate[0] == '\0' ||
	    gw_errors_connection(db->sqlstate))))
		return (db_connfail(req, ctx, 0));

	req->fsm_state = DB_STATE_REPLY;

	return (HTTP_STATE_CONTINUE);
}

static int
db_state_reply(struct http_request *req)
{
	struct gw_ctx		*ctx = http_state_get(req);

	db_reply(req, ctx);

	return (HTTP_STATE_COMPLETE);
}

static void
db_reply(struct http_request *req, struct gw_ctx *ctx)
{
	struct gw_dbstate	*db = &ctx->db;
	const struct gw_call	*call = ctx->call;

	if (db->failed) {
		db_reply_error(req, ctx);
		return;
	}

	/* A task written here may carry a reminder due sooner. */
	if (call->flags & GW_CALL_TASKS)
		gw_events_task_written();

	if (db->result == NULL || db->result_null) {
		if (call->flags & GW_CALL_EMPTY) {
			gw_http_send(req, 204, NULL, 0);
		} else {
			kore_log(LOG_ERR, "no result from %s", call->func);
			gw_http_error(req, 500, "internal_error",
			    "internal error");
		}
		return;
	}

	if (call->reply != NULL)
		call->reply(req, db->result, db->result_len);
	else if (call->flags & GW_CALL_EMPTY)
		gw_http_send(req, 204, NULL, 0);
	else {
		if (call->flags & GW_CALL_LOCATION)
			db_location(req, ctx);
		gw_http_json(req, call->status, db->result, db->result_len);
	}
}

/*
 * The SQLSTATE through errors.c's table.  A 4xx carries the database's
 * MESSAGE (and DETAIL, for 422); a 5xx never carries database text.
 */
static void
db_reply_error(struct http_request *req, struct gw_ctx *ctx)
{
	struct gw_dbstate	*db = &ctx->db;
	const struct gw_call	*call = ctx->call;
	const struct gw_error	*e;

	e = gw_errors_lookup(db->sqlstate);
	ctx->sqlstate = db->sqlstate;
	if (e->status == 500) {
		kore_log(LOG_ERR, "unmapped SQLSTATE %s from %s: %s",
		    db->sqlstate, call->func, db->message);
	}

	if (call->fail != NULL) {
		call->fail(req, e->status, db->sqlstate);
	} else if (e->status >= 500) {
		gw_http_error_full(req, e->status, e->code,
		    gw_errors_detail(e->status), NULL,
		    e->status == 503 ? DB_RETRY_DOWN : 0);
	} else {
		gw_http_error_full(req, e->status, e->code, db->message,
		    db->detail, e->status == 429 ?
		    db_retry_after(db->detail) : 0);
	}
}

/*
 * The query string as the JSON params of a list function, when the call
 * takes it (before the route's own before function, which may add to
 * it).  A malformed query string is 400.
 */
static int
db_query(struct http_request *req, struct gw_ctx *ctx)
{
	const struct gw_call	*call = ctx->call;
	char			 err[128];
	int			 i;

	for (i = 0; i < GW_CALL_ARGS; i++) {
		if (call->args[i] == GW_ARG_QUERY)
			break;
	}
	if (i == GW_CALL_ARGS || ctx->query != NULL)
		return (1);

	if ((ctx->query = gw_params_query(req->query_string, err,
	    sizeof(err))) == NULL) {
		gw_http_error(req, 400, "bad_request", err);
		return (0);
	}

	return (1);
}

/*
 * The values of the call's parameters, in the order its SQL for this kind
 * of caller takes them (calls.c).
 */
static void
db_bind(struct http_request *req, struct gw_ctx *ctx)
{
	const struct gw_call	*call = ctx->call;
	const struct gw_sql	*stmt;
	int			 i;

	stmt = &call->sql[ctx->external ? GW_CALLER_EXTERNAL : GW_CALLER_AIDO];
	ctx->db.stmt = stmt;
	for (i = 0; i < stmt->nparams; i++)
		ctx->db.params[i] = db_value(req, ctx, stmt->vals[i]);
}

/* One value; it lives as long as the request.  NULL is SQL NULL. */
static const char *
db_value(struct http_request *req, struct gw_ctx *ctx, int val)
{
	switch (val) {
	case GW_VAL_USER:
		return (ctx->auth.sub);
	case GW_VAL_SESSION:
		return (ctx->auth.sid);
	case GW_VAL_EXT_SUB:
		return (ctx->ext.sub);
	case GW_VAL_EXT_EMAIL:
		return (ctx->ext.email);
	case GW_VAL_EXT_NAME:
		return (ctx->ext.name);
	case GW_VAL_ID:
		return (ctx->ids[0]);
	case GW_VAL_ID2:
		return (ctx->ids[1]);
	case GW_VAL_QUERY:
		return (ctx->query);
	case GW_VAL_BODY:
		return (ctx->body != NULL ? ctx->body : "{}");
	case GW_VAL_TTL:
		(void)snprintf(ctx->num, sizeof(ctx->num), "%d",
		    gw_cfg.jwt_ttl);
		return (ctx->num);
	case GW_VAL_AGENT:
		return (db_agent(req, ctx));
	case GW_VAL_ADDR:
		return (db_client_addr(req, ctx));
	case GW_VAL_TEXT:
		return (ctx->text);
	case GW_VAL_JSON:
		return (ctx->json != NULL ? ctx->json : "{}");
	default:
		fatal("db_value: unknown value %d", val);
	}
}

/*
 * The User-Agent for the session, printable ASCII only (a header may hold
 * any bytes; the database wants valid text), at most GW_AGENT_MAX.
 */
static const char *
db_agent(struct http_request *req, struct gw_ctx *ctx)
{
	const char	*ua;
	size_t		 i;

	if ((ua = req->agent) == NULL || *ua == '\0')
		return (NULL);

	for (i = 0; ua[i] != '\0' && i < GW_AGENT_MAX; i++)
		ctx->agent[i] = (ua[i] >= 0x20 && ua[i] < 0x7f) ? ua[i] : '?';
	ctx->agent[i] = '\0';

	return (ctx->agent);
}

/*
 * The peer's address as text, for the database's per-address login
 * throttle.  The gateway binds to loopback behind a proxy or directly;
 * X-Forwarded-For is not trusted, as any client can set it.
 */
static const char *
db_client_addr(struct http_request *req, struct gw_ctx *ctx)
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

/*
 * The connection failed under the call.  unsent: the statement never
 * left the gateway, so repeating it is safe even for a write.
 */
static int
db_connfail(struct http_request *req, struct gw_ctx *ctx, int unsent)
{
	struct gw_dbstate	*db = &ctx->db;

	gw_pool_log("database connection lost", db->message != NULL &&
	    *db->message != '\0' ? db->message : db->error);
	gw_pool_drop(db);
	gw_pool_flush_idle();

	if ((unsent || (ctx->call->flags & GW_CALL_READ)) &&
	    !db->retried) {
		db->retried = 1;
		db->failed = db->done = db->lost = 0;
		db->sqlstate[0] = '\0';
		kore_free(db->message);
		kore_free(db->detail);
		kore_free(db->error);
		kore_free(db->result);
		db->message = db->detail = db->error = db->result = NULL;
		req->fsm_state = DB_STATE_SETUP;
		return (HTTP_STATE_CONTINUE);
	}

	if (db->sqlstate[0] != '\0')
		ctx->sqlstate = db->sqlstate;

	return (db_unavailable(req, ctx, NULL, DB_RETRY_DOWN));
}

/*
 * 503 + Retry-After: the database cannot be reached, or every connection
 * is busy and the wait ran out.  Never database text.
 */
static int
db_unavailable(struct http_request *req, struct gw_ctx *ctx,
    const char *detail, int retry_after)
{
	const struct gw_call	*call = ctx->call;

	gw_pool_leave(ctx);
	gw_pool_drop(&ctx->db);

	if (call->fail != NULL)
		call->fail(req, 503, NULL);
	else
		gw_http_error_full(req, 503, "unavailable",
		    detail ? detail : gw_errors_detail(503), NULL, retry_after);

	return (HTTP_STATE_COMPLETE);
}

/* The error's SQLSTATE, MESSAGE and DETAIL, before the result goes. */
static void
db_capture(struct gw_dbstate *db, PGresult *res)
{
	const char	*v;

	v = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	(void)kore_strlcpy(db->sqlstate, v ? v : "", sizeof(db->sqlstate));

	v = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	db->message = kore_strdup(v ? v : "");

	v = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	db->detail = v ? kore_strdup(v) : NULL;

	db->failed = 1;
}

/* The first column of the first row: the jsonb the function returned. */
static void
db_keep_result(struct gw_dbstate *db, PGresult *res)
{
	int		len;

	if (db->result != NULL || PQntuples(res) < 1 || PQnfields(res) < 1)
		return;

	db->result_null = PQgetisnull(res, 0, 0);
	len = PQgetlength(res, 0, 0);
	db->result = kore_malloc(len + 1);
	memcpy(db->result, PQgetvalue(res, 0, 0), len);
	db->result[len] = '\0';
	db->result_len = len;
}

/*
 * Location of what a POST made: the request's path (without a trailing
 * slash) and the id in the result, /api/tasks/{id},
 * /api/{user}/tasks/{id} (the user as the path has it).
 */
static void
db_location(struct http_request *req, struct gw_ctx *ctx)
{
	json_t		*json, *id;
	char		*loc;
	size_t		 plen, len;

	plen = strlen(req->path);
	if (plen > 1 && req->path[plen - 1] == '/')
		plen--;

	json = json_loadb(ctx->db.result, ctx->db.result_len, 0, NULL);
	id = json_object_get(json, "id");
	if (json_is_string(id)) {
		len = plen + strlen(json_string_value(id)) + 2;
		loc = kore_malloc(len);
		(void)snprintf(loc, len, "%.*s/%s", (int)plen, req->path,
		    json_string_value(id));
		http_response_header(req, "location", loc);
		kore_free(loc);
	}
	json_decref(json);
}

/*
 * A throttled call (PT429) says in its DETAIL how long to wait:
 * {"retry_after": seconds}.
 */
static int
db_retry_after(const char *detail)
{
	json_t		*j;
	json_int_t	 n;

	j = detail ? json_loads(detail, 0, NULL) : NULL;
	n = json_integer_value(json_object_get(j, "retry_after"));
	json_decref(j);

	return (n > 0 && n < 86400 ? (int)n : 60);
}
