/*
 * One generic state machine: call one aido_* function with bound text
 * parameters on a pooled asynchronous connection, and relay the JSON the
 * database built.  One unnamed statement, no SET, no prepared names: it
 * works behind PgBouncer in transaction mode.
 *
 *	DB_SETUP	take a connection (or wait in Kore's queue), send
 *	DB_WAIT		read the result or the error (SQLSTATE,
 *			MESSAGE, DETAIL) before the connection goes back
 *	DB_REPLY	SQLSTATE -> HTTP (errors.c), or the JSON
 *
 * Around Kore's pool (which has neither), this file adds:
 * - a fair queue: requests take connections first come, first served.
 *   Kore's own queue is not: it wakes its oldest waiter when a connection
 *   comes free, but requests that arrived meanwhile run first (Kore puts
 *   new requests at the head of its list, woken ones at the tail), take
 *   the connection, and the waiter goes back to the end of the queue
 *   (bench/README.md: 32 clients on one connection per worker, median
 *   0.5 ms, p99 4.9 s and 503s; at the default pool, list's p99 was five
 *   times its median, twice with this queue).  So db.c counts the
 *   connections its requests hold and keeps the waiters itself
 *   (db_waiters), and a request takes a connection only when one is
 *   free for it after everyone who waited longer;
 * - a bound on waiting: a request queued for a connection longer than
 *   DB_QUEUE_WAIT_MS, or beyond the queue limit, gets 503 + Retry-After;
 * - dead connections: a connection that failed is destroyed (with the
 *   idle ones beside it, which share its fate after a restart), and the
 *   call is retried once on a fresh connection when that is safe: a read,
 *   or a statement that never left the gateway;
 * - DB_POOL_RECYCLE: each connection's birth is recorded; an idle one
 *   older than that is closed by a timer, a busy one when it is next
 *   taken, and Kore opens a new one on demand.
 * Connections are destroyed with kore_pgsql_handle(conn, 1), Kore's own
 * path for a connection in error: it unlinks the connection from the
 * pool, fails the query bound to it, and closes it.
 */

#include <string.h>

#include <jansson.h>

#include "errors.h"
#include "gateway.h"

#define DB_STATE_SETUP		0
#define DB_STATE_WAIT		1
#define DB_STATE_REPLY		2

#define DB_QUEUE_WAIT_MS	5000	/* longest wait for a connection */
#define DB_QUEUE_PER_CONN	64	/* queued requests per connection */
#define DB_TIMER_MS		250
#define DB_DOWN_MS		1000	/* no connect for this long after
					   one failed */
#define DB_RETRY_BUSY		1	/* Retry-After when saturated */
#define DB_RETRY_DOWN		5	/* Retry-After when unreachable */

struct gw_dbslot {
	struct pgsql_conn	*conn;
	PGconn			*pg;
	u_int64_t		 born;
	int			 in_use;
};

static int	db_state_setup(struct http_request *);
static int	db_state_wait(struct http_request *);
static int	db_state_reply(struct http_request *);
static void	db_reply(struct http_request *, struct gw_ctx *);

static int	db_connfail(struct http_request *, struct gw_ctx *, int);
static int	db_unavailable(struct http_request *, struct gw_ctx *,
		    const char *, int);
static void	db_capture(struct gw_dbstate *);
static void	db_keep_result(struct gw_dbstate *);
static void	db_location(struct http_request *, struct gw_ctx *);
static void	db_forget(struct gw_dbstate *);
static void	db_drop(struct gw_dbstate *);
static void	db_flush_idle(void);
static void	db_wait(struct gw_ctx *);
static void	db_unwait(struct gw_ctx *);
static int	db_turn(struct gw_ctx *);
static void	db_settle(struct gw_dbstate *);
static void	db_wake(void);
static void	db_timer(void *, u_int64_t);
static void	db_log_error(const char *, const char *);
static int	db_retry_after(const char *);

static int	db_idle(void);
static int	db_actor(struct gw_ctx *);
static struct gw_dbslot	*db_checkout(struct pgsql_conn *);
static struct gw_dbslot	*db_slot_find(struct pgsql_conn *);

static struct http_state	db_states[] = {
	{ "DB_SETUP",	db_state_setup },
	{ "DB_WAIT",	db_state_wait },
	{ "DB_REPLY",	db_state_reply },
};

static struct gw_dbslot		*db_slots;
static size_t			 db_nslots;
static TAILQ_HEAD(, gw_ctx)	 db_waiters;	/* oldest first */
static u_int32_t		 db_nwaiters;
static u_int32_t		 db_busy;	/* connections held */
static u_int64_t		 db_down_until;

/*
 * The parent's part: Kore's pool is per worker, DB_POOL_SIZE is for all
 * of them, so it is split over the workers.  Runs before the fork.
 */
void
gw_db_configure(void)
{
	int		n;

	/*
	 * As many workers as CPUs, never more than connections; the
	 * remainder of the division is left unused (DB_POOL_SIZE is a
	 * ceiling, not a target).
	 */
	n = cpu_count > 0 ? cpu_count : 1;
	if (n > gw_cfg.db_pool_size)
		n = gw_cfg.db_pool_size;
	if (n > KORE_WORKER_MAX - 2)	/* Kore adds two of its own */
		n = KORE_WORKER_MAX - 2;

	worker_count = n;
	pgsql_conn_max = gw_cfg.db_pool_size / n;
	pgsql_queue_limit = DB_QUEUE_PER_CONN * pgsql_conn_max;

	if (!kore_pgsql_register(GW_DB, gw_cfg.db.url))
		fatal("cannot register the database");
}

/*
 * The worker's part, in each worker after the fork.
 */
void
gw_db_init(void)
{
	TAILQ_INIT(&db_waiters);

	db_nslots = pgsql_conn_max + 4;
	db_slots = kore_calloc(db_nslots, sizeof(*db_slots));

	(void)kore_timer_add(db_timer, DB_TIMER_MS, NULL, 0);
}

/*
 * Starts ctx->call for req; the handler returns what this returns.
 */
int
gw_db_call(struct http_request *req, struct gw_ctx *ctx)
{
	if (ctx->external && db_actor(ctx) == -1) {
		kore_log(LOG_ERR, "cannot call %.40s for a provider's token",
		    ctx->call.sql);
		gw_http_error(req, 500, "internal_error", "internal error");
		return (KORE_RESULT_OK);
	}

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
	PGconn			*pg;

	db_unwait(ctx);

	if (db->active) {
		/* Kore would fatal() on the closed socket of a dead one. */
		if (db->sql.conn != NULL) {
			pg = db->sql.conn->db;
			if (PQstatus(pg) == CONNECTION_BAD || PQsocket(pg) < 0)
				db_drop(db);
		}
		kore_pgsql_cleanup(&db->sql);
		db_settle(db);
		db_forget(db);
		db->active = 0;
	}

	/* It may have been woken for a connection it will not take now. */
	db_wake();

	kore_free(db->result);
	kore_free(db->message);
	kore_free(db->detail);
	db->result = db->message = db->detail = NULL;
}

static int
db_state_setup(struct http_request *req)
{
	struct gw_ctx		*ctx = http_state_get(req);
	struct gw_dbstate	*db = &ctx->db;
	struct gw_call		*call = &ctx->call;
	struct gw_dbslot		*slot;
	u_int64_t		 now;
	int			 lengths[GW_CALL_PARAMS];
	int			 formats[GW_CALL_PARAMS];

	now = kore_time_ms();

	/* Leave Kore's queue, if in it, and start over. */
	kore_pgsql_cleanup(&db->sql);
	db_settle(db);

	if (db->queued_at != 0 && now - db->queued_at >= DB_QUEUE_WAIT_MS)
		return (db_unavailable(req, ctx, "the server is busy, "
		    "try again shortly", DB_RETRY_BUSY));

	/*
	 * Kore opens connections synchronously: while the database just
	 * refused one, do not stall the worker on another for every request.
	 */
	if (now < db_down_until && !db_idle())
		return (db_unavailable(req, ctx, NULL, DB_RETRY_DOWN));

	/* First come, first served: wait for a connection free for it. */
	if (!db_turn(ctx)) {
		if (!db->waiting) {
			if (db_nwaiters >= pgsql_queue_limit)
				return (db_unavailable(req, ctx, "the server "
				    "is busy, try again shortly",
				    DB_RETRY_BUSY));
			if (db->queued_at == 0)
				db->queued_at = now;
			db_wait(ctx);
		}
		http_request_sleep(req);
		return (HTTP_STATE_RETRY);
	}
	db_unwait(ctx);

	kore_pgsql_init(&db->sql);
	kore_pgsql_bind_request(&db->sql, req);

	if (!kore_pgsql_setup(&db->sql, GW_DB, KORE_PGSQL_ASYNC)) {
		if (db->sql.state == KORE_PGSQL_STATE_INIT) {
			/* In Kore's queue after all: it wakes us. */
			if (db->queued_at == 0)
				db->queued_at = now;
			db_wait(ctx);
			return (HTTP_STATE_RETRY);
		}
		if (db->sql.error != NULL &&
		    !strcmp(db->sql.error, "no available connection"))
			return (db_unavailable(req, ctx, "the server is busy, "
			    "try again shortly", DB_RETRY_BUSY));
		if (now >= db_down_until)
			db_log_error("cannot connect to the database",
			    db->sql.error);
		db_down_until = kore_time_ms() + DB_DOWN_MS;
		return (db_unavailable(req, ctx, NULL, DB_RETRY_DOWN));
	}

	db->holding = 1;
	db_busy++;

	/* Taking a connection may have opened one: look at the clock again. */
	now = kore_time_ms();
	slot = db_checkout(db->sql.conn);
	if (slot != NULL && gw_cfg.db_pool_recycle > 0 && now > slot->born &&
	    now - slot->born >= (u_int64_t)gw_cfg.db_pool_recycle * 1000) {
		/* Too old: replace it now (Kore connects on demand). */
		db_drop(db);
		return (HTTP_STATE_CONTINUE);
	}
	if (slot != NULL)
		slot->in_use = 1;
	db->slot = slot;

	memset(lengths, 0, sizeof(lengths));
	memset(formats, 0, sizeof(formats));
	if (!kore_pgsql_query_param_fields(&db->sql, call->sql, 0,
	    call->nparams, call->params, lengths, formats))
		return (db_connfail(req, ctx, 1));

	req->fsm_state = DB_STATE_WAIT;

	return (HTTP_STATE_CONTINUE);
}

static int
db_state_wait(struct http_request *req)
{
	struct gw_ctx		*ctx = http_state_get(req);
	struct gw_dbstate	*db = &ctx->db;
	int			 lost;

	/* Kore gives a connection back when the call is done, or lost. */
	db_settle(db);

	switch (db->sql.state) {
	case KORE_PGSQL_STATE_WAIT:
		return (HTTP_STATE_RETRY);
	case KORE_PGSQL_STATE_RESULT:
		db_keep_result(db);
		kore_pgsql_continue(&db->sql);
		return (HTTP_STATE_CONTINUE);
	case KORE_PGSQL_STATE_ERROR:
		/* Read the error before Kore frees it. */
		if (db->sql.result != NULL && !db->failed) {
			db_capture(db);
			lost = db->sqlstate[0] == '\0' ||
			    gw_errors_connection(db->sqlstate);
			if (!lost && db->sql.conn != NULL) {
				kore_pgsql_continue(&db->sql);
				return (HTTP_STATE_CONTINUE);
			}
		}
		lost = !db->failed || db->sqlstate[0] == '\0' ||
		    gw_errors_connection(db->sqlstate);
		if (!lost) {
			/* The statement failed, then the connection. */
			db_drop(db);
			req->fsm_state = DB_STATE_REPLY;
			return (HTTP_STATE_CONTINUE);
		}
		return (db_connfail(req, ctx, 0));
	case KORE_PGSQL_STATE_COMPLETE:
		db_forget(db);
		req->fsm_state = DB_STATE_REPLY;
		return (HTTP_STATE_CONTINUE);
	default:
		kore_pgsql_continue(&db->sql);
		return (HTTP_STATE_CONTINUE);
	}
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
	struct gw_call		*call = &ctx->call;
	const struct gw_error	*e;

	if (db->failed) {
		e = gw_errors_lookup(db->sqlstate);
		ctx->sqlstate = db->sqlstate;
		if (e->status == 500) {
			kore_log(LOG_ERR, "unmapped SQLSTATE %s from %.40s: %s",
			    db->sqlstate, call->sql, db->message);
		}
		if (call->fail != NULL) {
			call->fail(req, e->status, db->sqlstate);
		} else if (e->status >= 500) {
			gw_http_error_full(req, e->status, e->code,
			    gw_errors_detail(e->status), NULL,
			    e->status == 503 ? DB_RETRY_DOWN : 0);
		} else {
			gw_http_error_full(req, e->status, e->code,
			    db->message, db->detail, e->status == 429 ?
			    db_retry_after(db->detail) : 0);
		}
		return;
	}

	if (db->result == NULL || db->result_null) {
		if (call->flags & GW_CALL_EMPTY) {
			gw_http_send(req, 204, NULL, 0);
		} else {
			kore_log(LOG_ERR, "no result from %.40s", call->sql);
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
 * The connection failed under the call.  unsent: the statement never
 * left the gateway, so repeating it is safe even for a write.
 */
static int
db_connfail(struct http_request *req, struct gw_ctx *ctx, int unsent)
{
	struct gw_dbstate	*db = &ctx->db;
	struct gw_call		*call = &ctx->call;

	db_log_error("database connection lost", db->message != NULL &&
	    *db->message != '\0' ? db->message : db->sql.error);
	db_drop(db);
	db_flush_idle();

	if ((unsent || (call->flags & GW_CALL_READ)) && !db->retried) {
		db->retried = 1;
		db->failed = 0;
		db->sqlstate[0] = '\0';
		kore_free(db->message);
		kore_free(db->detail);
		db->message = db->detail = NULL;
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
	db_unwait(ctx);
	kore_pgsql_cleanup(&ctx->db.sql);
	db_settle(&ctx->db);
	db_forget(&ctx->db);

	if (ctx->call.fail != NULL)
		ctx->call.fail(req, 503, NULL);
	else
		gw_http_error_full(req, 503, "unavailable",
		    detail ? detail : gw_errors_detail(503), NULL, retry_after);

	return (HTTP_STATE_COMPLETE);
}

static void
db_capture(struct gw_dbstate *db)
{
	const char	*v;

	v = PQresultErrorField(db->sql.result, PG_DIAG_SQLSTATE);
	(void)kore_strlcpy(db->sqlstate, v ? v : "", sizeof(db->sqlstate));

	v = PQresultErrorField(db->sql.result, PG_DIAG_MESSAGE_PRIMARY);
	db->message = kore_strdup(v ? v : "");

	v = PQresultErrorField(db->sql.result, PG_DIAG_MESSAGE_DETAIL);
	db->detail = v ? kore_strdup(v) : NULL;

	db->failed = 1;
}

/* The first column of the first row: the jsonb the function returned. */
static void
db_keep_result(struct gw_dbstate *db)
{
	int		len;

	if (db->result != NULL || kore_pgsql_ntuples(&db->sql) < 1 ||
	    kore_pgsql_nfields(&db->sql) < 1)
		return;

	db->result_null = PQgetisnull(db->sql.result, 0, 0);
	len = kore_pgsql_getlength(&db->sql, 0, 0);
	db->result = kore_malloc(len + 1);
	memcpy(db->result, kore_pgsql_getvalue(&db->sql, 0, 0), len);
	db->result[len] = '\0';
	db->result_len = len;
}

static void
db_location(struct http_request *req, struct gw_ctx *ctx)
{
	json_t		*json, *id;
	char		 loc[128];

	json = json_loadb(ctx->db.result, ctx->db.result_len, 0, NULL);
	id = json_object_get(json, "id");
	if (json_is_string(id)) {
		(void)snprintf(loc, sizeof(loc), "%s%s", ctx->call.location,
		    json_string_value(id));
		http_response_header(req, "location", loc);
	}
	json_decref(json);
}

/*
 * Destroys the connection the call holds, if it still has one.
 */
static void
db_drop(struct gw_dbstate *db)
{
	struct pgsql_conn	*conn;

	if ((conn = db->sql.conn) != NULL) {
		db_forget(db);
		if ((db->slot = db_slot_find(conn)) != NULL)
			memset(db->slot, 0, sizeof(*db->slot));
		db->slot = NULL;
		kore_pgsql_handle(conn, 1);
	}

	kore_pgsql_cleanup(&db->sql);
	db_settle(db);
	db_forget(db);
}

/*
 * The call no longer holds its slot: released, or gone with its
 * connection (then the slot is cleared).
 */
static void
db_forget(struct gw_dbstate *db)
{
	struct gw_dbslot	*slot;

	if ((slot = db->slot) == NULL)
		return;

	if (db->sql.conn == NULL && slot->in_use &&
	    db->sql.state != KORE_PGSQL_STATE_COMPLETE)
		memset(slot, 0, sizeof(*slot));
	else
		slot->in_use = 0;

	db->slot = NULL;
}

/*
 * Closes every idle connection (after one failed, the others are likely
 * as dead: a restart, a network cut, Neon closing idle sessions).
 */
static void
db_flush_idle(void)
{
	struct pgsql_conn	*conn;
	size_t			 i;

	for (i = 0; i < db_nslots; i++) {
		if (db_slots[i].conn == NULL || db_slots[i].in_use)
			continue;
		conn = db_slots[i].conn;
		memset(&db_slots[i], 0, sizeof(db_slots[i]));
		kore_pgsql_handle(conn, 1);
	}
}

/*
 * A provider's token (API.md §3.2): the call names the user $1::uuid and
 * the session $n::uuid, its last parameter.  The user becomes
 * aido_external_user($1, $n, $n+1) (sub, email, name: found or created
 * in the same statement) and the session NULL, e.g.
 *	SELECT aido_task_get($1::uuid, $2::uuid, $3::uuid)
 *	SELECT aido_task_get(aido_external_user($1, $3, $4), $2::uuid, NULL)
 */
static int
db_actor(struct gw_ctx *ctx)
{
	struct gw_call	*call = &ctx->call;
	const char	*user, *sess;
	char		 sid[16], *sql;
	size_t		 len;
	int		 n;

	n = call->nparams;
	(void)snprintf(sid, sizeof(sid), "$%d::uuid", n);
	if (n < 2 || n + 1 > GW_CALL_PARAMS ||
	    (user = strstr(call->sql, "$1::uuid")) == NULL ||
	    (sess = strstr(call->sql, sid)) == NULL || sess < user ||
	    strstr(sess + 1, sid) != NULL)
		return (-1);

	len = strlen(call->sql) + 64;
	if ((sql = malloc(len)) == NULL)
		return (-1);
	(void)snprintf(sql, len, "%.*saido_external_user($1, $%d, $%d)%.*s"
	    "NULL%s", (int)(user - call->sql), call->sql, n, n + 1,
	    (int)(sess - user - 8), user + 8, sess + strlen(sid));

	free(ctx->sql);
	ctx->sql = sql;
	call->sql = sql;
	call->params[0] = ctx->ext.sub;
	call->params[n - 1] = ctx->ext.email;
	call->params[n] = ctx->ext.name;
	call->nparams = n + 1;

	return (0);
}

/* True when an open connection is free. */
static int
db_idle(void)
{
	size_t		i;

	for (i = 0; i < db_nslots; i++) {
		if (db_slots[i].conn != NULL && !db_slots[i].in_use)
			return (1);
	}

	return (0);
}

static struct gw_dbslot *
db_slot_find(struct pgsql_conn *conn)
{
	size_t		i;

	for (i = 0; i < db_nslots; i++) {
		if (db_slots[i].conn == conn && db_slots[i].pg == conn->db)
			return (&db_slots[i]);
	}

	return (NULL);
}

/*
 * The slot of a connection just taken from Kore's pool; a connection not
 * seen before was just opened.
 */
static struct gw_dbslot *
db_checkout(struct pgsql_conn *conn)
{
	struct gw_dbslot	*slot;
	size_t		 i;

	if ((slot = db_slot_find(conn)) != NULL)
		return (slot);

	for (i = 0; i < db_nslots; i++) {
		if (db_slots[i].conn == NULL) {
			slot = &db_slots[i];
			break;
		}
	}

	if (slot == NULL)
		return (NULL);

	slot->conn = conn;
	slot->pg = conn->db;
	slot->born = kore_time_ms();
	slot->in_use = 0;

	return (slot);
}

static void
db_wait(struct gw_ctx *ctx)
{
	if (ctx->db.waiting)
		return;

	TAILQ_INSERT_TAIL(&db_waiters, ctx, db.wlist);
	ctx->db.waiting = 1;
	db_nwaiters++;
}

static void
db_unwait(struct gw_ctx *ctx)
{
	if (!ctx->db.waiting)
		return;

	TAILQ_REMOVE(&db_waiters, ctx, db.wlist);
	ctx->db.waiting = 0;
	db_nwaiters--;
}

/*
 * May ctx take a connection now?  Only if one is free (or may be opened)
 * for it once each request that waited longer has had one: the first n
 * waiters may go, n the connections not held, and a request that is not
 * waiting only when every waiter may go too.  (A woken waiter keeps its
 * place until it runs, so a newcomer cannot take its connection.)
 */
static int
db_turn(struct gw_ctx *ctx)
{
	struct gw_ctx	*w;
	u_int32_t	 free, ahead;

	if (db_busy >= pgsql_conn_max)
		return (0);

	free = pgsql_conn_max - db_busy;
	ahead = 0;
	TAILQ_FOREACH(w, &db_waiters, db.wlist) {
		if (w == ctx)
			return (1);
		if (++ahead >= free)
			return (0);
	}

	return (1);
}

/*
 * The call no longer holds a connection (Kore took it back, or it was
 * destroyed): the next waiter may have it.
 */
static void
db_settle(struct gw_dbstate *db)
{
	if (!db->holding || db->sql.conn != NULL)
		return;

	db->holding = 0;
	db_busy--;
	db_wake();
}

/* Wakes the waiters that may take a connection now, oldest first. */
static void
db_wake(void)
{
	struct gw_ctx	*w;
	u_int32_t	 n;

	if (db_busy >= pgsql_conn_max)
		return;

	n = pgsql_conn_max - db_busy;
	TAILQ_FOREACH(w, &db_waiters, db.wlist) {
		if (n-- == 0)
			break;
		http_request_wakeup(w->db.req);
	}
}

static void
db_timer(void *arg, u_int64_t now)
{
	struct gw_ctx	*ctx;
	struct pgsql_conn *conn;
	u_int64_t	 max;
	size_t		 i;

	TAILQ_FOREACH(ctx, &db_waiters, db.wlist) {
		if (now - ctx->db.queued_at >= DB_QUEUE_WAIT_MS)
			http_request_wakeup(ctx->db.req);
	}

	if (gw_cfg.db_pool_recycle == 0)
		return;

	max = (u_int64_t)gw_cfg.db_pool_recycle * 1000;
	for (i = 0; i < db_nslots; i++) {
		if (db_slots[i].conn == NULL || db_slots[i].in_use ||
		    now < db_slots[i].born || now - db_slots[i].born < max)
			continue;
		conn = db_slots[i].conn;
		memset(&db_slots[i], 0, sizeof(db_slots[i]));
		kore_pgsql_handle(conn, 1);
	}
}

/*
 * libpq's message, first line only, with the password scrubbed (libpq
 * does not print it, but a message may quote the connection string).
 */
static void
db_log_error(const char *what, const char *error)
{
	char	msg[256];

	(void)kore_strlcpy(msg, error != NULL && *error != '\0' ? error :
	    "the connection was closed", sizeof(msg));
	msg[strcspn(msg, "\n")] = '\0';
	gw_config_scrub(msg, gw_cfg.db.password);

	kore_log(LOG_WARNING, "%s: %s", what, msg);
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
