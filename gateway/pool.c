/*
 * The pool: which request may have a connection, and when.  Kore's pgsql
 * pool opens and hands out the connections; around it (it has neither)
 * this file adds:
 * - a fair queue: requests take connections first come, first served.
 *   Kore's own queue is not: it wakes its oldest waiter when a connection
 *   comes free, but requests that arrived meanwhile run first (Kore puts
 *   new requests at the head of its list, woken ones at the tail), take
 *   the connection, and the waiter goes back to the end of the queue
 *   (bench/README.md).  So the pool counts the connections its requests
 *   hold and keeps the waiters itself (pool_waiters), and a request takes
 *   a connection only when one is free for it after everyone who waited
 *   longer;
 * - a bound on waiting: a request queued for a connection longer than
 *   POOL_WAIT_MS, or beyond the queue limit, gets 503 + Retry-After;
 * - dead connections: a connection that failed is destroyed (with the
 *   idle ones beside it, which share its fate after a restart);
 * - DB_POOL_RECYCLE: each connection's birth is recorded; an idle one
 *   older than that is closed by a timer, a busy one when it is next
 *   taken, and Kore opens a new one on demand.
 * Connections are destroyed with kore_pgsql_handle(conn, 1), Kore's own
 * path for a connection in error: it unlinks the connection from the
 * pool, fails the query bound to it, and closes it.
 *
 * The call itself (what is sent, what comes back) is db.c's.
 */

#include <string.h>

#include "gateway.h"

#define POOL_WAIT_MS		5000	/* longest wait for a connection */
#define POOL_PER_CONN		64	/* queued requests per connection */
#define POOL_TIMER_MS		250
#define POOL_DOWN_MS		1000	/* no connect for this long after
					   one failed */

struct gw_dbslot {
	struct pgsql_conn	*conn;
	PGconn			*pg;
	u_int64_t		 born;
	int			 in_use;
};

static int	pool_queue(struct http_request *, struct gw_ctx *,
		    u_int64_t);
static int	pool_setup(struct gw_ctx *, u_int64_t);
static int	pool_idle(void);
static void	pool_wait(struct gw_ctx *);
static int	pool_turn(struct gw_ctx *);
static void	pool_timer(void *, u_int64_t);
static struct gw_dbslot	*pool_checkout(struct pgsql_conn *);
static struct gw_dbslot	*pool_slot_find(struct pgsql_conn *);

static struct gw_dbslot		*pool_slots;
static size_t			 pool_nslots;
static TAILQ_HEAD(, gw_ctx)	 pool_waiters;	/* oldest first */
static u_int32_t		 pool_nwaiters;
static u_int32_t		 pool_busy;	/* connections held */
static u_int64_t		 pool_down_until;

/*
 * The parent's part: Kore's pool is per worker, DB_POOL_SIZE is for all
 * of them, so it is split over the workers.  Runs before the fork.
 */
void
gw_pool_configure(void)
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
	pgsql_queue_limit = POOL_PER_CONN * pgsql_conn_max;

	if (!kore_pgsql_register(GW_DB, gw_cfg.db.url))
		fatal("cannot register the database");
}

/*
 * The worker's part, in each worker after the fork.
 */
void
gw_pool_init(void)
{
	TAILQ_INIT(&pool_waiters);

	pool_nslots = pgsql_conn_max + 4;
	pool_slots = kore_calloc(pool_nslots, sizeof(*pool_slots));

	(void)kore_timer_add(pool_timer, POOL_TIMER_MS, NULL, 0);
}

/*
 * A connection for ctx's call, in ctx->db.sql, if it is ctx's turn
 * (GW_POOL_TAKEN); else the request waits in the queue (GW_POOL_WAIT,
 * asleep), or may not (GW_POOL_BUSY, GW_POOL_DOWN: 503).  GW_POOL_AGAIN:
 * the connection was too old and is gone, ask again.
 */
int
gw_pool_take(struct http_request *req, struct gw_ctx *ctx)
{
	struct gw_dbstate	*db = &ctx->db;
	struct gw_dbslot	*slot;
	u_int64_t		 now;
	int			 ret;

	now = kore_time_ms();

	/* Leave Kore's queue, if in it, and start over. */
	kore_pgsql_cleanup(&db->sql);
	gw_pool_settle(db);

	if ((ret = pool_queue(req, ctx, now)) != GW_POOL_TAKEN)
		return (ret);
	if ((ret = pool_setup(ctx, now)) != GW_POOL_TAKEN)
		return (ret);

	db->holding = 1;
	pool_busy++;

	/* Taking a connection may have opened one: look at the clock again. */
	now = kore_time_ms();
	slot = pool_checkout(db->sql.conn);
	if (slot != NULL && gw_cfg.db_pool_recycle > 0 && now > slot->born &&
	    now - slot->born >= (u_int64_t)gw_cfg.db_pool_recycle * 1000) {
		/* Too old: replace it now (Kore connects on demand). */
		gw_pool_drop(db);
		return (GW_POOL_AGAIN);
	}
	if (slot != NULL)
		slot->in_use = 1;
	db->slot = slot;

	return (GW_POOL_TAKEN);
}

/*
 * First come, first served: GW_POOL_TAKEN when a connection is free for
 * ctx (or may be opened) after everyone who waited longer.
 */
static int
pool_queue(struct http_request *req, struct gw_ctx *ctx, u_int64_t now)
{
	struct gw_dbstate	*db = &ctx->db;

	if (db->queued_at != 0 && now - db->queued_at >= POOL_WAIT_MS)
		return (GW_POOL_BUSY);

	/*
	 * Kore opens connections synchronously: while the database just
	 * refused one, do not stall the worker on another for every request.
	 */
	if (now < pool_down_until && !pool_idle())
		return (GW_POOL_DOWN);

	if (pool_turn(ctx)) {
		gw_pool_leave(ctx);
		return (GW_POOL_TAKEN);
	}

	if (!db->waiting) {
		if (pool_nwaiters >= pgsql_queue_limit)
			return (GW_POOL_BUSY);
		if (db->queued_at == 0)
			db->queued_at = now;
		pool_wait(ctx);
	}
	http_request_sleep(req);

	return (GW_POOL_WAIT);
}

/*
 * Kore's pool: a free connection, or a new one opened now.  pool_turn
 * said one is free or may be opened (the pool holds fewer than
 * pgsql_conn_max and Kore never holds more than the pool does), so a
 * failure that Kore did not queue is a connection that could not be
 * opened.
 */
static int
pool_setup(struct gw_ctx *ctx, u_int64_t now)
{
	struct gw_dbstate	*db = &ctx->db;

	kore_pgsql_init(&db->sql);
	kore_pgsql_bind_request(&db->sql, db->req);

	if (kore_pgsql_setup(&db->sql, GW_DB, KORE_PGSQL_ASYNC))
		return (GW_POOL_TAKEN);

	if (db->sql.state == KORE_PGSQL_STATE_INIT) {
		/* In Kore's queue after all: it wakes us. */
		if (db->queued_at == 0)
			db->queued_at = now;
		pool_wait(ctx);
		return (GW_POOL_WAIT);
	}

	if (now >= pool_down_until)
		gw_pool_log("cannot connect to the database", db->sql.error);
	pool_down_until = kore_time_ms() + POOL_DOWN_MS;

	return (GW_POOL_DOWN);
}

/*
 * The request is being freed (answered, or its client went away): it
 * leaves the queue and gives back its connection, if it has one.
 */
void
gw_pool_put(struct gw_ctx *ctx)
{
	struct gw_dbstate	*db = &ctx->db;
	PGconn			*pg;

	gw_pool_leave(ctx);

	if (db->active) {
		/* Kore would fatal() on the closed socket of a dead one. */
		if (db->sql.conn != NULL) {
			pg = db->sql.conn->db;
			if (PQstatus(pg) == CONNECTION_BAD || PQsocket(pg) < 0)
				gw_pool_drop(db);
		}
		kore_pgsql_cleanup(&db->sql);
		gw_pool_settle(db);
		gw_pool_forget(db);
	}

	/* It may have been woken for a connection it will not take now. */
	gw_pool_wake();
}

/*
 * Destroys the connection the call holds, if it still has one.
 */
void
gw_pool_drop(struct gw_dbstate *db)
{
	struct pgsql_conn	*conn;

	if ((conn = db->sql.conn) != NULL) {
		gw_pool_forget(db);
		if ((db->slot = pool_slot_find(conn)) != NULL)
			memset(db->slot, 0, sizeof(*db->slot));
		db->slot = NULL;
		kore_pgsql_handle(conn, 1);
	}

	kore_pgsql_cleanup(&db->sql);
	gw_pool_settle(db);
	gw_pool_forget(db);
}

/*
 * The call no longer holds its slot: released, or gone with its
 * connection (then the slot is cleared).
 */
void
gw_pool_forget(struct gw_dbstate *db)
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
void
gw_pool_flush_idle(void)
{
	struct pgsql_conn	*conn;
	size_t			 i;

	for (i = 0; i < pool_nslots; i++) {
		if (pool_slots[i].conn == NULL || pool_slots[i].in_use)
			continue;
		conn = pool_slots[i].conn;
		memset(&pool_slots[i], 0, sizeof(pool_slots[i]));
		kore_pgsql_handle(conn, 1);
	}
}

/* True when an open connection is free. */
static int
pool_idle(void)
{
	size_t		i;

	for (i = 0; i < pool_nslots; i++) {
		if (pool_slots[i].conn != NULL && !pool_slots[i].in_use)
			return (1);
	}

	return (0);
}

static struct gw_dbslot *
pool_slot_find(struct pgsql_conn *conn)
{
	size_t		i;

	for (i = 0; i < pool_nslots; i++) {
		if (pool_slots[i].conn == conn && pool_slots[i].pg == conn->db)
			return (&pool_slots[i]);
	}

	return (NULL);
}

/*
 * The slot of a connection just taken from Kore's pool; a connection not
 * seen before was just opened.
 */
static struct gw_dbslot *
pool_checkout(struct pgsql_conn *conn)
{
	struct gw_dbslot	*slot;
	size_t		 i;

	if ((slot = pool_slot_find(conn)) != NULL)
		return (slot);

	for (i = 0; i < pool_nslots; i++) {
		if (pool_slots[i].conn == NULL) {
			slot = &pool_slots[i];
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
pool_wait(struct gw_ctx *ctx)
{
	if (ctx->db.waiting)
		return;

	TAILQ_INSERT_TAIL(&pool_waiters, ctx, db.wlist);
	ctx->db.waiting = 1;
	pool_nwaiters++;
}

void
gw_pool_leave(struct gw_ctx *ctx)
{
	if (!ctx->db.waiting)
		return;

	TAILQ_REMOVE(&pool_waiters, ctx, db.wlist);
	ctx->db.waiting = 0;
	pool_nwaiters--;
}

/*
 * May ctx take a connection now?  Only if one is free (or may be opened)
 * for it once each request that waited longer has had one: the first n
 * waiters may go, n the connections not held, and a request that is not
 * waiting only when every waiter may go too.  (A woken waiter keeps its
 * place until it runs, so a newcomer cannot take its connection.)
 */
static int
pool_turn(struct gw_ctx *ctx)
{
	struct gw_ctx	*w;
	u_int32_t	 free, ahead;

	if (pool_busy >= pgsql_conn_max)
		return (0);

	free = pgsql_conn_max - pool_busy;
	ahead = 0;
	TAILQ_FOREACH(w, &pool_waiters, db.wlist) {
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
void
gw_pool_settle(struct gw_dbstate *db)
{
	if (!db->holding || db->sql.conn != NULL)
		return;

	db->holding = 0;
	pool_busy--;
	gw_pool_wake();
}

/* Wakes the waiters that may take a connection now, oldest first. */
void
gw_pool_wake(void)
{
	struct gw_ctx	*w;
	u_int32_t	 n;

	if (pool_busy >= pgsql_conn_max)
		return;

	n = pgsql_conn_max - pool_busy;
	TAILQ_FOREACH(w, &pool_waiters, db.wlist) {
		if (n-- == 0)
			break;
		http_request_wakeup(w->db.req);
	}
}

static void
pool_timer(void *arg, u_int64_t now)
{
	struct gw_ctx	*ctx;
	struct pgsql_conn *conn;
	u_int64_t	 max;
	size_t		 i;

	TAILQ_FOREACH(ctx, &pool_waiters, db.wlist) {
		if (now - ctx->db.queued_at >= POOL_WAIT_MS)
			http_request_wakeup(ctx->db.req);
	}

	if (gw_cfg.db_pool_recycle == 0)
		return;

	max = (u_int64_t)gw_cfg.db_pool_recycle * 1000;
	for (i = 0; i < pool_nslots; i++) {
		if (pool_slots[i].conn == NULL || pool_slots[i].in_use ||
		    now < pool_slots[i].born || now - pool_slots[i].born < max)
			continue;
		conn = pool_slots[i].conn;
		memset(&pool_slots[i], 0, sizeof(pool_slots[i]));
		kore_pgsql_handle(conn, 1);
	}
}

/*
 * libpq's message, first line only, with the password scrubbed (libpq
 * does not print it, but a message may quote the connection string).
 */
void
gw_pool_log(const char *what, const char *error)
{
	char	msg[256];

	(void)kore_strlcpy(msg, error != NULL && *error != '\0' ? error :
	    "the connection was closed", sizeof(msg));
	msg[strcspn(msg, "\n")] = '\0';
	gw_config_scrub(msg, gw_cfg.db.password);

	kore_log(LOG_WARNING, "%s: %s", what, msg);
}
