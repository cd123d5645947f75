/*
 * The pool: the worker's own connections to the database, opened and
 * used without ever blocking the worker.  Kore's pgsql layer opens a
 * connection with PQconnectdb inside the event loop: while the database
 * does not answer (a Neon compute waking, a failover, a frozen or
 * black-holed host) every request of the worker, /openapi.json and CORS
 * preflights included, would stall for the whole connect timeout.  Here
 * a connection is opened with PQconnectStartParams and advanced by
 * PQconnectPoll whenever its socket is ready (Kore's event loop calls
 * pool_event), a statement is sent with PQsendQueryParams, and its
 * result read with PQconsumeInput and PQgetResult as it arrives.
 * (libpq still resolves a host name synchronously, with getaddrinfo:
 * /etc/hosts and the system's resolver, usually a millisecond.)
 *
 * Each worker has pgsql_conn_max slots (DB_POOL_SIZE split over the
 * workers by gw_pool_configure); a slot is free, connecting, idle, or
 * busy with a call.  Which request may have a connection, and when:
 * - a fair queue: requests take connections first come, first served
 *   (pool_waiters, oldest first).  The first n waiters may take the n
 *   idle connections; the ones after the connections being opened may
 *   open more, up to the slots;
 * - a bound on waiting: a request queued longer than POOL_WAIT_MS while
 *   no connection is being opened, or beyond the queue limit, gets
 *   503 + Retry-After.  One waiting for a connection being opened waits
 *   for it, up to DB_CONNECT_TIMEOUT (a waking Neon compute);
 * - the database down: a connection that cannot be opened (refused, or
 *   not open within DB_CONNECT_TIMEOUT) is logged; for POOL_DOWN_MS no
 *   other is tried, and while no connection is open or being opened the
 *   waiters are answered 503 at once.  A request that can wait for an
 *   open connection (busy, say, after an outage) waits for it;
 * - dead connections: an idle connection the server closed (a restart,
 *   an idle timeout) is seen by the event loop and closed; one that
 *   fails under a call is closed, with the idle ones beside it, and
 *   db.c retries the call once when that is safe;
 * - DB_POOL_RECYCLE: an idle connection older than that is closed by a
 *   timer, a busy one when it is next taken.
 *
 * A request that goes away while its statement runs leaves the
 * connection to finish it: the result is read and dropped, and the
 * connection is idle again (no cancel, which would connect and block).
 * New connections are opened only from requests and timers, never from
 * inside the event loop's dispatch, so a slot is never reused while an
 * event for its old socket may still be pending.
 */

#include <sys/epoll.h>

#include <errno.h>
#include <string.h>

#include "errors.h"
#include "gateway.h"

#define POOL_WAIT_MS		5000	/* longest wait for a busy pool */
#define POOL_PER_CONN		64	/* queued requests per connection */
#define POOL_TIMER_MS		250
#define POOL_DOWN_MS		1000	/* no connect for this long after
					   one failed */
#define POOL_READS		64	/* reads of one event at most */

#define POOL_FREE		0
#define POOL_CONNECTING		1
#define POOL_IDLE		2
#define POOL_BUSY		3

struct gw_dbconn {
	struct kore_event	 evt;		/* first: the event loop's */
	PGconn			*pg;
	int			 state;		/* POOL_* */
	int			 fd;		/* registered, or -1 */
	int			 events;	/* registered for */
	u_int64_t		 born;		/* open since */
	u_int64_t		 deadline;	/* of the connect */
	PostgresPollingStatusType poll;		/* of the connect */
	struct gw_ctx		*ctx;		/* the call, if busy */
	int			 flushing;	/* the statement not all sent */
};

static void	pool_event(void *, int);
static void	pool_connect(void);
static void	pool_connect_step(struct gw_dbconn *);
static void	pool_connect_fail(struct gw_dbconn *, const char *);
static void	pool_read(struct gw_dbconn *);
static void	pool_read_idle(struct gw_dbconn *);
static void	pool_done(struct gw_dbconn *);
static void	pool_lost(struct gw_dbconn *, const char *);
static void	pool_notice(void *, const PGresult *);
static void	pool_close(struct gw_dbconn *);
static void	pool_arm(struct gw_dbconn *, int, int);
static int	pool_queue(struct http_request *, struct gw_ctx *,
		    u_int64_t);
static struct gw_dbconn *pool_idle(void);
static void	pool_wait(struct gw_ctx *);
static u_int32_t pool_position(struct gw_ctx *);
static void	pool_timer(void *, u_int64_t);
static void	pool_count(void);
static void	pool_tell(struct gw_ctx *);

static struct gw_dbconn		*pool_conns;
static u_int32_t		 pool_max;	/* slots of this worker */
static u_int32_t		 pool_limit;	/* of the queue */
static u_int32_t		 pool_nidle, pool_nconnecting, pool_nopen;
static TAILQ_HEAD(, gw_ctx)	 pool_waiters;	/* oldest first */
static u_int32_t		 pool_nwaiters;
static u_int64_t		 pool_down_until;
static const char		*pool_keys[] = { "dbname", NULL };
static const char		*pool_values[] = { NULL, NULL };

/*
 * The parent's part, before the fork: DB_POOL_SIZE is for all workers
 * together, so it is split over them.
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

	/*
	 * Kore's pgsql layer is not used; its variable holds the
	 * connections of each worker, as the start-up line reports them.
	 */
	pgsql_conn_max = gw_cfg.db_pool_size / n;
}

/*
 * The worker's part, in each worker after the fork.
 */
void
gw_pool_init(void)
{
	u_int32_t	i;

	TAILQ_INIT(&pool_waiters);

	pool_max = pgsql_conn_max;
	pool_limit = POOL_PER_CONN * pool_max;
	pool_conns = kore_calloc(pool_max, sizeof(*pool_conns));
	for (i = 0; i < pool_max; i++) {
		pool_conns[i].evt.type = KORE_TYPE_PGSQL_CONN;
		pool_conns[i].evt.handle = pool_event;
		pool_conns[i].fd = -1;
	}
	pool_values[0] = gw_cfg.db.url;

	(void)kore_timer_add(pool_timer, POOL_TIMER_MS, NULL, 0);
}

/*
 * A connection for ctx's call, in ctx->db.conn, if it is ctx's turn
 * (GW_POOL_TAKEN); else the request waits in the queue (GW_POOL_WAIT,
 * asleep), or may not (GW_POOL_BUSY, GW_POOL_DOWN: 503).
 */
int
gw_pool_take(struct http_request *req, struct gw_ctx *ctx)
{
	struct gw_dbconn	*c;
	u_int64_t		 now;
	int			 ret;

	for (;;) {
		now = kore_time_ms();
		if ((ret = pool_queue(req, ctx, now)) != GW_POOL_TAKEN)
			return (ret);
		c = pool_idle();
		if (gw_cfg.db_pool_recycle == 0 || now < c->born ||
		    now - c->born < (u_int64_t)gw_cfg.db_pool_recycle * 1000)
			break;
		/* Too old: replace it (a new one is opened on demand). */
		pool_close(c);
	}

	gw_pool_leave(ctx);
	c->state = POOL_BUSY;
	c->ctx = ctx;
	ctx->db.conn = c;

	return (GW_POOL_TAKEN);
}

/*
 * First come, first served: GW_POOL_TAKEN when an idle connection is
 * there for ctx after everyone who waited longer.  A request whose turn
 * comes after the connections being opened opens one more, if a slot is
 * free and the database did not just refuse one.
 */
static int
pool_queue(struct http_request *req, struct gw_ctx *ctx, u_int64_t now)
{
	struct gw_dbstate	*db = &ctx->db;
	u_int32_t		 pos;

	pool_count();
	pos = pool_position(ctx);
	if (pos < pool_nidle)
		return (GW_POOL_TAKEN);

	/* Nothing open, nothing being opened, and the last one failed. */
	if (pool_nopen == 0 && pool_nconnecting == 0 && now < pool_down_until)
		return (GW_POOL_DOWN);

	if (db->queued_at != 0 && now - db->queued_at >= POOL_WAIT_MS &&
	    pool_nconnecting == 0)
		return (pool_nopen == 0 ? GW_POOL_DOWN : GW_POOL_BUSY);

	if (!db->waiting) {
		if (pool_nwaiters >= pool_limit)
			return (GW_POOL_BUSY);
		if (db->queued_at == 0)
			db->queued_at = now;
		pool_wait(ctx);
	}

	/* Asleep first: a connect that fails at once wakes it again. */
	http_request_sleep(req);
	if (pos >= pool_nidle + pool_nconnecting && now >= pool_down_until)
		pool_connect();

	return (GW_POOL_WAIT);
}

/*
 * Sends ctx's statement on its connection.  0: it could not be sent (the
 * connection is gone, and nothing reached the server); else it is on its
 * way, or the connection failed under it (ctx->db.lost).
 */
int
gw_pool_send(struct gw_ctx *ctx)
{
	struct gw_dbstate	*db = &ctx->db;
	struct gw_dbconn	*c = db->conn;
	int			 ret;

	if (!PQsendQueryParams(c->pg, db->stmt->text, db->stmt->nparams,
	    NULL, db->params, NULL, NULL, 0)) {
		pool_lost(c, PQerrorMessage(c->pg));
		return (0);
	}

	if ((ret = PQflush(c->pg)) == -1) {
		pool_lost(c, PQerrorMessage(c->pg));
		return (1);
	}

	c->flushing = (ret == 1);
	pool_arm(c, c->flushing ? EPOLLIN | EPOLLOUT : EPOLLIN | EPOLLRDHUP,
	    0);

	return (1);
}

/*
 * The request is being freed (answered, or its client went away): it
 * leaves the queue.  A statement it left running is finished by its
 * connection, which then serves the next request.
 */
void
gw_pool_put(struct gw_ctx *ctx)
{
	struct gw_dbstate	*db = &ctx->db;

	gw_pool_leave(ctx);

	if (db->conn != NULL) {
		db->conn->ctx = NULL;
		db->conn = NULL;
	}

	gw_pool_wake();
}

/*
 * Closes the connection the call holds, if it still has one.
 */
void
gw_pool_drop(struct gw_dbstate *db)
{
	struct gw_dbconn	*c;

	if ((c = db->conn) == NULL)
		return;

	c->ctx = NULL;
	db->conn = NULL;
	pool_close(c);
	gw_pool_wake();
}

/*
 * Closes every idle connection (after one failed, the others are likely
 * as dead: a restart, a network cut, Neon closing idle sessions).
 */
void
gw_pool_flush_idle(void)
{
	u_int32_t	i;

	for (i = 0; i < pool_max; i++) {
		if (pool_conns[i].state == POOL_IDLE)
			pool_close(&pool_conns[i]);
	}
}

/*
 * The event loop's callback for a connection's socket.  err (a hang-up)
 * is not looked at: libpq finds out for itself when it reads.
 */
static void
pool_event(void *arg, int err)
{
	struct gw_dbconn	*c = arg;

	switch (c->state) {
	case POOL_CONNECTING:
		pool_connect_step(c);
		break;
	case POOL_BUSY:
		pool_read(c);
		break;
	case POOL_IDLE:
		pool_read_idle(c);
		break;
	default:
		/* Closed since the event was queued. */
		break;
	}
}

/* Starts opening a connection in a free slot, if there is one. */
static void
pool_connect(void)
{
	struct gw_dbconn	*c;
	u_int32_t		 i;

	for (c = NULL, i = 0; i < pool_max; i++) {
		if (pool_conns[i].state == POOL_FREE) {
			c = &pool_conns[i];
			break;
		}
	}
	if (c == NULL)
		return;

	c->state = POOL_CONNECTING;
	c->deadline = kore_time_ms() + gw_cfg.db_connect_timeout * 1000ULL;
	c->pg = PQconnectStartParams(pool_keys, pool_values, 1);
	if (c->pg == NULL || PQstatus(c->pg) == CONNECTION_BAD) {
		pool_connect_fail(c, c->pg ? PQerrorMessage(c->pg) :
		    "out of memory");
		return;
	}

	(void)PQsetNoticeReceiver(c->pg, pool_notice, NULL);
	c->poll = PGRES_POLLING_WRITING;
	pool_arm(c, EPOLLOUT, 1);
}

/* The socket of a connection being opened is ready: one step further. */
static void
pool_connect_step(struct gw_dbconn *c)
{
	switch ((c->poll = PQconnectPoll(c->pg))) {
	case PGRES_POLLING_OK:
		if (PQsetnonblocking(c->pg, 1) == -1) {
			pool_connect_fail(c, PQerrorMessage(c->pg));
			break;
		}
		c->state = POOL_IDLE;
		c->born = kore_time_ms();
		pool_arm(c, EPOLLIN | EPOLLRDHUP, 1);
		gw_pool_wake();
		break;
	case PGRES_POLLING_READING:
		pool_arm(c, EPOLLIN, 1);
		break;
	case PGRES_POLLING_WRITING:
		pool_arm(c, EPOLLOUT, 1);
		break;
	default:
		pool_connect_fail(c, PQerrorMessage(c->pg));
		break;
	}
}

/*
 * A connection could not be opened (refused, or not within
 * DB_CONNECT_TIMEOUT): logged once per outage.  Every waiter looks at
 * the pool again: with nothing open and nothing being opened, it is
 * answered 503.
 */
static void
pool_connect_fail(struct gw_dbconn *c, const char *msg)
{
	struct gw_ctx	*w;
	u_int64_t	 now;

	now = kore_time_ms();
	if (now >= pool_down_until)
		gw_pool_log("cannot connect to the database", msg);
	pool_down_until = now + POOL_DOWN_MS;

	pool_close(c);

	TAILQ_FOREACH(w, &pool_waiters, db.wlist)
		http_request_wakeup(w->db.req);
}

/*
 * A busy connection's socket is ready: send what is left of the
 * statement, read what came, and keep the first result for the call.
 */
static void
pool_read(struct gw_dbconn *c)
{
	struct gw_ctx	*ctx = c->ctx;
	PGresult	*res;
	int		 ret, n;

	if (c->flushing) {
		if ((ret = PQflush(c->pg)) == -1) {
			pool_lost(c, PQerrorMessage(c->pg));
			return;
		}
		c->flushing = (ret == 1);
		if (!c->flushing)
			pool_arm(c, EPOLLIN | EPOLLRDHUP, 0);
	}

	/*
	 * Read until the socket runs dry (EAGAIN), as Kore does: over TLS
	 * a record may be decrypted only in part, its rest kept by OpenSSL
	 * where the event loop cannot see it.
	 */
	for (n = 0; n < POOL_READS; n++) {
		errno = 0;
		if (!PQconsumeInput(c->pg)) {
			pool_lost(c, PQerrorMessage(c->pg));
			return;
		}
		if (!PQisBusy(c->pg) || errno == EAGAIN || errno == EWOULDBLOCK)
			break;
	}

	while (!PQisBusy(c->pg)) {
		if ((res = PQgetResult(c->pg)) == NULL) {
			pool_done(c);
			return;
		}
		if (ctx != NULL && ctx->db.res == NULL)
			ctx->db.res = res;
		else
			PQclear(res);
	}
}

/*
 * An idle connection's socket is readable: the server closed it (a
 * restart, an idle timeout, Neon suspending its compute) or said
 * something on its own (a notice), which is read and dropped.
 */
static void
pool_read_idle(struct gw_dbconn *c)
{
	PGnotify	*n;

	if (!PQconsumeInput(c->pg) || PQstatus(c->pg) == CONNECTION_BAD) {
		pool_close(c);
		gw_pool_wake();
		return;
	}

	while ((n = PQnotifies(c->pg)) != NULL)
		PQfreemem(n);
}

/*
 * The statement is done.  The connection serves the next request, unless
 * its result said the connection itself is gone (class 08, the server
 * shutting the session down) or it is left inside a transaction.
 */
static void
pool_done(struct gw_dbconn *c)
{
	struct gw_ctx	*ctx = c->ctx;
	const char	*sqlstate;
	int		 dead;

	dead = PQstatus(c->pg) == CONNECTION_BAD ||
	    PQtransactionStatus(c->pg) != PQTRANS_IDLE;

	if (ctx != NULL) {
		if (ctx->db.res != NULL &&
		    PQresultStatus(ctx->db.res) == PGRES_FATAL_ERROR) {
			sqlstate = PQresultErrorField(ctx->db.res,
			    PG_DIAG_SQLSTATE);
			if (sqlstate == NULL || gw_errors_connection(sqlstate))
				dead = 1;
		}
		ctx->db.done = 1;
		ctx->db.conn = NULL;
	}

	c->ctx = NULL;
	if (dead) {
		pool_close(c);
	} else {
		c->state = POOL_IDLE;
		pool_arm(c, EPOLLIN | EPOLLRDHUP, 0);
	}

	if (ctx != NULL)
		pool_tell(ctx);
	gw_pool_wake();
}

/*
 * The connection failed under its call: closed, and the call told (it
 * keeps what result it had, and libpq's message for the log).
 */
static void
pool_lost(struct gw_dbconn *c, const char *msg)
{
	struct gw_ctx	*ctx = c->ctx;

	if (ctx != NULL) {
		ctx->db.lost = 1;
		ctx->db.conn = NULL;
		kore_free(ctx->db.error);
		ctx->db.error = kore_strdup(msg != NULL ? msg : "");
	}

	c->ctx = NULL;
	pool_close(c);
	if (ctx != NULL)
		pool_tell(ctx);
	gw_pool_wake();
}

/* The call's statement is over (done or lost): its request, or its hook. */
static void
pool_tell(struct gw_ctx *ctx)
{
	if (ctx->db.wake != NULL)
		ctx->db.wake(ctx);
	else
		http_request_wakeup(ctx->db.req);
}

/*
 * A connection for a call that no request makes (events.c), only when an
 * idle one is there and no request waits for one: the feed never delays
 * a call and never queues.  With nothing open or being opened, one is
 * opened (the next tick may have it).
 */
int
gw_pool_take_idle(struct gw_ctx *ctx)
{
	struct gw_dbconn	*c;

	pool_count();
	if (pool_nwaiters > 0)
		return (0);
	if ((c = pool_idle()) == NULL) {
		if (pool_nopen == 0 && pool_nconnecting == 0 &&
		    kore_time_ms() >= pool_down_until)
			pool_connect();
		return (0);
	}

	c->state = POOL_BUSY;
	c->ctx = ctx;
	ctx->db.conn = c;

	return (1);
}

/* Closes c and frees its slot; a pending event for it is then ignored. */
static void
pool_close(struct gw_dbconn *c)
{
	if (c->state == POOL_FREE)
		return;

	/* A socket libpq closed itself left the event set with it. */
	if (c->fd != -1 && c->pg != NULL && PQsocket(c->pg) == c->fd)
		kore_platform_disable_read(c->fd);
	PQfinish(c->pg);

	c->pg = NULL;
	c->state = POOL_FREE;
	c->fd = -1;
	c->events = 0;
	c->ctx = NULL;
	c->flushing = 0;
	c->born = 0;
}

/*
 * The events c's socket is watched for (level-triggered).  While a
 * connection is being opened libpq may close its socket and open
 * another (the next address of a host), maybe with the same number:
 * then it is registered again whatever it was (again is true).
 */
static void
pool_arm(struct gw_dbconn *c, int events, int again)
{
	int	fd;

	if ((fd = PQsocket(c->pg)) < 0)
		return;
	if (!again && fd == c->fd && events == c->events)
		return;

	kore_platform_event_schedule(fd, events, 0, c);
	c->fd = fd;
	c->events = events;
}

static void
pool_notice(void *arg, const PGresult *res)
{
	/* Nothing the gateway reads: notices are dropped, not printed. */
}

/* Counts the slots by state. */
static void
pool_count(void)
{
	u_int32_t	i;

	pool_nidle = pool_nconnecting = pool_nopen = 0;
	for (i = 0; i < pool_max; i++) {
		switch (pool_conns[i].state) {
		case POOL_IDLE:
			pool_nidle++;
			pool_nopen++;
			break;
		case POOL_BUSY:
			pool_nopen++;
			break;
		case POOL_CONNECTING:
			pool_nconnecting++;
			break;
		}
	}
}

static struct gw_dbconn *
pool_idle(void)
{
	u_int32_t	i;

	for (i = 0; i < pool_max; i++) {
		if (pool_conns[i].state == POOL_IDLE)
			return (&pool_conns[i]);
	}

	return (NULL);
}

/* ctx's place in the queue; the end of it when it is not waiting. */
static u_int32_t
pool_position(struct gw_ctx *ctx)
{
	struct gw_ctx	*w;
	u_int32_t	 pos;

	if (!ctx->db.waiting)
		return (pool_nwaiters);

	pos = 0;
	TAILQ_FOREACH(w, &pool_waiters, db.wlist) {
		if (w == ctx)
			break;
		pos++;
	}

	return (pos);
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
 * Wakes the waiters that may act now, oldest first: the first ones, one
 * for each idle connection, and those whose turn comes after the
 * connections being opened, one for each slot they may open.
 */
void
gw_pool_wake(void)
{
	struct gw_ctx	*w;
	u_int32_t	 pos, room, from;

	pool_count();
	room = 0;
	if (kore_time_ms() >= pool_down_until)
		room = pool_max - pool_nopen - pool_nconnecting;
	from = pool_nidle + pool_nconnecting;

	pos = 0;
	TAILQ_FOREACH(w, &pool_waiters, db.wlist) {
		if (pos < pool_nidle || (pos >= from && pos < from + room))
			http_request_wakeup(w->db.req);
		else if (pos >= from + room)
			break;
		pos++;
	}
}

/*
 * Every POOL_TIMER_MS: connections not open within DB_CONNECT_TIMEOUT
 * fail, waiters whose wait ran out are woken (to be answered 503), idle
 * connections older than DB_POOL_RECYCLE are closed, and waiters that
 * may open a connection again (the database refused one a moment ago)
 * are woken.
 */
static void
pool_timer(void *arg, u_int64_t now)
{
	struct gw_ctx	*w;
	u_int64_t	 max;
	u_int32_t	 i;

	for (i = 0; i < pool_max; i++) {
		if (pool_conns[i].state == POOL_CONNECTING &&
		    now >= pool_conns[i].deadline)
			pool_connect_fail(&pool_conns[i], "timeout expired");
	}

	pool_count();
	TAILQ_FOREACH(w, &pool_waiters, db.wlist) {
		if (now - w->db.queued_at >= POOL_WAIT_MS &&
		    pool_nconnecting == 0)
			http_request_wakeup(w->db.req);
	}

	max = (u_int64_t)gw_cfg.db_pool_recycle * 1000;
	for (i = 0; max > 0 && i < pool_max; i++) {
		if (pool_conns[i].state == POOL_IDLE &&
		    now >= pool_conns[i].born && now - pool_conns[i].born >= max)
			pool_close(&pool_conns[i]);
	}

	gw_pool_wake();
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
