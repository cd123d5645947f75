/*
 * The change feed over HTTP (API.md §3.4) and the reminders' timer.
 *
 *	GET /api/events?after=&wait=&limit=	long poll
 *	GET /api/events/stream			Server-Sent Events
 *
 * A reader is a request asleep (long poll) or a connection kept open
 * (stream).  Neither holds a pool connection: each worker asks the
 * database once a tick for all its readers together, one call of
 * aido_events_poll with the arrays of their users, sessions and
 * positions, and answers or writes to those with news.  No LISTEN, no
 * session state: it works behind PgBouncer in transaction mode.  With no
 * reader, nothing is asked.
 *
 * The same connection, between polls, fires the reminders that are due
 * (aido_reminders_fire, safe in every worker of every gateway at once)
 * and now and then prunes old events.  The timer asks only when a
 * reminder is due, as aido_reminders_fire, aido_events_poll or this
 * worker's own task writes said, or at the latest EV_REMIND_MAX_MS after
 * the last time it asked: a serverless database with no reminder near is
 * left to sleep.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "gateway.h"
#include "params.h"

#define EV_TICK_MS		250	/* one poll per tick, at most */
#define EV_WAIT_MAX		30	/* seconds a long poll may hold */
#define EV_LIMIT_MAX		1000
#define EV_HEARTBEAT_MS		15000
#define EV_STALL_MS		45000	/* a stream that reads nothing: cut */
#define EV_REMIND_MAX_MS	(3600 * 1000)
#define EV_PRUNE_MS		(600 * 1000)
#define EV_RETRY_MS		2000	/* the SSE reconnect hint */
#define EV_DEAD			"event: error\ndata: {\"code\":\"unauthorized\"," \
				"\"detail\":\"the session is unknown, expired or " \
				"signed out\"}\n\n"

#define EV_POLL			0	/* a long poll */
#define EV_STREAM		1	/* an SSE stream */

#define EV_JOB_NONE		0
#define EV_JOB_POLL		1
#define EV_JOB_REMIND		2
#define EV_JOB_PRUNE		3

struct ev_reader {
	TAILQ_ENTRY(ev_reader)	 list;
	int			 kind;
	struct http_request	*req;		/* EV_POLL */
	struct connection	*c;		/* EV_STREAM */
	char			*user;		/* id, or external subject */
	char			 session[GW_UUID_LEN + 1];	/* or "" */
	int64_t			 after;		/* -1: only news */
	int			 limit;
	u_int64_t		 deadline;	/* EV_POLL */
	u_int64_t		 last_write;	/* EV_STREAM */
	u_int64_t		 stalled_since;
	int			 polled;	/* a poll has answered for it */
	int			 slot;		/* in the poll in flight, or -1 */
};

static TAILQ_HEAD(, ev_reader)	 ev_readers;
static struct ev_reader		**ev_flight;	/* readers of the poll */
static int			 ev_nflight;
static struct gw_ctx		 ev_ctx;	/* the job's call */
static struct gw_sql		 ev_stmt;
static int			 ev_job;
static u_int64_t		 ev_remind_at;	/* 0: unknown, ask now */
static u_int64_t		 ev_pruned_at;
static int			 ev_nreaders;

static int	ev_params(struct http_request *, struct gw_ctx *,
		    struct ev_reader *, int *);
static struct ev_reader	*ev_reader_new(struct gw_ctx *, int);
static void	ev_reader_free(struct ev_reader *);
static void	ev_tick(void *, u_int64_t);
static void	ev_start(int, u_int64_t);
static void	ev_next(u_int64_t);
static char	*ev_poll_sql_params(const char **, char **, char **, char **);
static void	ev_done(struct gw_ctx *);
static void	ev_finish(const char *);
static void	ev_deliver(json_t *, u_int64_t);
static void	ev_answer(struct ev_reader *, json_t *, int64_t);
static void	ev_write(struct ev_reader *, json_t *);
static void	ev_send(struct ev_reader *, const char *, size_t);
static void	ev_gone(struct connection *);
static void	ev_remind_from(json_t *, u_int64_t);
static void	ev_array_append(struct kore_buf *, const char *, int);

void
gw_events_init(void)
{
	TAILQ_INIT(&ev_readers);
	ev_pruned_at = kore_time_ms();
	(void)kore_timer_add(ev_tick, EV_TICK_MS, NULL, 0);
}

/*
 * GET /api/events: the caller's events after ?after (without it: from
 * now), at once when there are some, else held up to ?wait seconds
 * (0..30, default 0) for the first ones.  Answered by the next poll.
 */
int
route_events_get(struct http_request *req, struct gw_ctx *ctx)
{
	struct ev_reader	*r;
	int			 wait;

	if ((r = ev_reader_new(ctx, EV_POLL)) == NULL ||
	    !ev_params(req, ctx, r, &wait)) {
		ev_reader_free(r);
		return (KORE_RESULT_OK);
	}

	r->req = req;
	r->deadline = kore_time_ms() + (u_int64_t)wait * 1000;
	ctx->events = r;
	TAILQ_INSERT_TAIL(&ev_readers, r, list);
	http_request_sleep(req);

	return (KORE_RESULT_RETRY);
}

/*
 * GET /api/events/stream: Server-Sent Events from Last-Event-ID (or
 * ?after; without either, from now), "id: seq", "event: event_type",
 * "data: the event", and a comment line every 15 s.  The answer's
 * headers go at once; the connection then belongs to this file until
 * the client leaves.
 */
int
route_events_stream(struct http_request *req, struct gw_ctx *ctx)
{
	struct ev_reader	*r;
	struct connection	*c = req->owner;
	const char		*last;
	char			 hint[32], *end;
	int			 wait;

	if ((r = ev_reader_new(ctx, EV_STREAM)) == NULL ||
	    !ev_params(req, ctx, r, &wait)) {
		ev_reader_free(r);
		return (KORE_RESULT_OK);
	}
	if ((last = gw_http_header(req, "last-event-id")) != NULL &&
	    *last != '\0') {
		r->after = strtoll(last, &end, 10);
		if (*end != '\0' || r->after < 0 || last[0] == '-') {
			ev_reader_free(r);
			gw_http_error(req, 400, "bad_request",
			    "Last-Event-ID must be a sequence number");
			return (KORE_RESULT_OK);
		}
	}

	http_response_header(req, "content-type", "text/event-stream");
	http_response_header(req, "cache-control", "no-store");
	http_response_header(req, "x-accel-buffering", "no");
	req->flags |= HTTP_REQUEST_NO_CONTENT_LENGTH;
	(void)snprintf(hint, sizeof(hint), "retry: %d\n\n", EV_RETRY_MS);
	gw_http_send(req, 200, hint, strlen(hint));

	/* Kore's timers for a request being read do not apply any more. */
	c->http_timeout = 0;
	kore_connection_stop_idletimer(c);
	c->hdlr_extra = r;
	c->disconnect = ev_gone;
	r->c = c;
	r->last_write = kore_time_ms();
	TAILQ_INSERT_TAIL(&ev_readers, r, list);

	return (KORE_RESULT_OK);
}

/* A long poll woken by the poll: it was answered, or it waits on. */
int
gw_events_resume(struct http_request *req, struct gw_ctx *ctx)
{
	if (ctx->events != NULL) {
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}

	return (KORE_RESULT_OK);
}

/* The request is freed: a long poll whose client left. */
void
gw_events_release(struct gw_ctx *ctx)
{
	struct ev_reader	*r;

	if ((r = ctx->events) == NULL)
		return;
	ctx->events = NULL;
	TAILQ_REMOVE(&ev_readers, r, list);
	ev_reader_free(r);
}

/* This worker wrote a task: a reminder may be due sooner. */
void
gw_events_task_written(void)
{
	ev_remind_at = 0;
}

static struct ev_reader *
ev_reader_new(struct gw_ctx *ctx, int kind)
{
	struct ev_reader	*r;

	r = kore_calloc(1, sizeof(*r));
	r->kind = kind;
	r->slot = -1;
	r->after = -1;
	r->limit = 100;
	if (ctx->external) {
		r->user = kore_strdup(ctx->ext.sub);
	} else {
		r->user = kore_strdup(ctx->auth.sub);
		(void)kore_strlcpy(r->session, ctx->auth.sid,
		    sizeof(r->session));
	}

	return (r);
}

static void
ev_reader_free(struct ev_reader *r)
{
	if (r == NULL)
		return;
	if (r->slot >= 0 && r->slot < ev_nflight)
		ev_flight[r->slot] = NULL;
	kore_free(r->user);
	kore_free(r);
}

/*
 * ?after, ?wait, ?limit: 400 naming the parameter when one is not a
 * number in its range.
 */
static int
ev_params(struct http_request *req, struct gw_ctx *ctx, struct ev_reader *r,
    int *wait)
{
	const char	*names[] = { "after", "wait", "limit" };
	long long	 lo[] = { 0, 0, 1 }, hi[] = { INT64_MAX, EV_WAIT_MAX,
			    EV_LIMIT_MAX }, v[3] = { -1, 0, 100 };
	json_t		*q, *s;
	char		 err[128], *text, *end;
	const char	*p;
	int		 i;

	if ((text = gw_params_query(req->query_string, err,
	    sizeof(err))) == NULL) {
		gw_http_error(req, 400, "bad_request", err);
		return (0);
	}
	q = json_loads(text, 0, NULL);
	free(text);

	for (i = 0; i < 3; i++) {
		if ((s = json_object_get(q, names[i])) == NULL)
			continue;
		p = json_string_value(s);
		v[i] = strtoll(p, &end, 10);
		if (*p < '0' || *p > '9' || *end != '\0' || v[i] < lo[i] ||
		    v[i] > hi[i] || strlen(p) > 19) {
			json_decref(q);
			(void)snprintf(err, sizeof(err), "invalid query "
			    "parameter \"%s\": must be an integer from %lld "
			    "to %lld", names[i], lo[i], hi[i]);
			gw_http_error(req, 400, "bad_request", err);
			return (0);
		}
	}
	json_decref(q);

	r->after = v[0];
	*wait = (int)v[1];
	r->limit = (int)v[2];

	return (1);
}

/*
 * Every tick: cut streams that read nothing, heartbeats, answer long
 * polls whose wait ran out, then one job on the database if none runs:
 * the reminders when due, else the poll when anyone reads, else a prune
 * when it is time and the database is awake anyway.
 */
static void
ev_tick(void *arg, u_int64_t now)
{
	struct ev_reader	*r, *next;
	int			 readers = 0;

	for (r = TAILQ_FIRST(&ev_readers); r != NULL; r = next) {
		next = TAILQ_NEXT(r, list);
		if (r->kind == EV_POLL) {
			readers++;
			if (r->polled && r->slot < 0 && now >= r->deadline)
				ev_answer(r, NULL, r->after);
			continue;
		}
		readers++;
		if (TAILQ_EMPTY(&r->c->send_queue))
			r->stalled_since = 0;
		else if (r->stalled_since == 0)
			r->stalled_since = now;
		else if (now - r->stalled_since >= EV_STALL_MS) {
			kore_connection_disconnect(r->c);
			continue;
		}
		if (now - r->last_write >= EV_HEARTBEAT_MS)
			ev_send(r, ": keep-alive\n\n", 14);
	}

	ev_nreaders = readers;
	if (ev_job != EV_JOB_NONE)
		return;
	/* The poll first: reminders and pruning follow it (ev_finish). */
	if (readers > 0)
		ev_start(EV_JOB_POLL, now);
	else
		ev_next(now);
}

/* After a poll, or with no reader: a reminder check, or a prune, if due. */
static void
ev_next(u_int64_t now)
{
	if (ev_job != EV_JOB_NONE)
		return;
	if (ev_remind_at == 0 || now >= ev_remind_at)
		ev_start(EV_JOB_REMIND, now);
	else if (ev_nreaders > 0 && now - ev_pruned_at >= EV_PRUNE_MS)
		ev_start(EV_JOB_PRUNE, now);
}

/*
 * Sends one job's statement on a connection of the pool, when one is free
 * after every request that waits for one: the feed never delays a call.
 */
static void
ev_start(int job, u_int64_t now)
{
	const char	*params[4];
	char		*users, *sessions, *afters, *limit;
	const char	*sql;
	int		 i, n = 0;

	users = sessions = afters = limit = NULL;
	if (job == EV_JOB_POLL) {
		if ((limit = ev_poll_sql_params(params, &users, &sessions,
		    &afters)) == NULL)
			return;
		sql = "SELECT aido_events_poll($1::text[], $2::uuid[], "
		    "$3::bigint[], $4::integer)";
		n = 4;
	} else if (job == EV_JOB_REMIND) {
		sql = "SELECT aido_reminders_fire()";
	} else {
		sql = "SELECT aido_events_prune()::text";
		ev_pruned_at = now;
	}

	if (!gw_pool_take_idle(&ev_ctx)) {
		if (job == EV_JOB_REMIND)	/* busy or down: a moment later */
			ev_remind_at = now + EV_RETRY_MS;
		goto out;
	}
	ev_job = job;
	ev_stmt.text = (char *)(uintptr_t)sql;
	ev_stmt.nparams = n;
	for (i = 0; i < n; i++)
		ev_ctx.db.params[i] = params[i];
	ev_ctx.db.stmt = &ev_stmt;
	ev_ctx.db.done = ev_ctx.db.lost = 0;
	ev_ctx.db.wake = ev_done;
	if (!gw_pool_send(&ev_ctx))
		ev_done(&ev_ctx);
out:
	kore_free(users);
	kore_free(sessions);
	kore_free(afters);
	kore_free(limit);
}

/*
 * The arrays of the poll, as PostgreSQL array literals, and the readers
 * they name in the order they name them (ev_flight).
 */
static char *
ev_poll_sql_params(const char **params, char **users, char **sessions,
    char **afters)
{
	struct kore_buf		 u, s, a;
	struct ev_reader	*r;
	char			 num[24], *lim;
	int			 n, limit = 1;

	n = 0;
	TAILQ_FOREACH(r, &ev_readers, list)
		n++;
	if (n == 0)
		return (NULL);

	kore_free(ev_flight);
	ev_flight = kore_calloc(n, sizeof(*ev_flight));
	ev_nflight = 0;
	kore_buf_init(&u, 64 * n);
	kore_buf_init(&s, 40 * n);
	kore_buf_init(&a, 21 * n);
	TAILQ_FOREACH(r, &ev_readers, list) {
		ev_array_append(&u, r->user, ev_nflight == 0);
		ev_array_append(&s, r->session[0] ? r->session : NULL,
		    ev_nflight == 0);
		(void)snprintf(num, sizeof(num), "%" PRId64, r->after);
		ev_array_append(&a, r->after >= 0 ? num : NULL,
		    ev_nflight == 0);
		if (r->limit > limit)
			limit = r->limit;
		r->slot = ev_nflight;
		ev_flight[ev_nflight++] = r;
	}
	if (ev_nflight == 0) {
		kore_buf_cleanup(&u);
		kore_buf_cleanup(&s);
		kore_buf_cleanup(&a);
		return (NULL);
	}
	kore_buf_appendf(&u, "}");
	kore_buf_appendf(&s, "}");
	kore_buf_appendf(&a, "}");
	*users = kore_buf_stringify(&u, NULL);
	*sessions = kore_buf_stringify(&s, NULL);
	*afters = kore_buf_stringify(&a, NULL);
	*users = kore_strdup(*users);
	*sessions = kore_strdup(*sessions);
	*afters = kore_strdup(*afters);
	kore_buf_cleanup(&u);
	kore_buf_cleanup(&s);
	kore_buf_cleanup(&a);

	(void)snprintf(num, sizeof(num), "%d", limit);
	lim = kore_strdup(num);
	params[0] = *users;
	params[1] = *sessions;
	params[2] = *afters;
	params[3] = lim;

	return (lim);
}

/* One element of an array literal: quoted, or NULL. */
static void
ev_array_append(struct kore_buf *b, const char *v, int first)
{
	kore_buf_appendf(b, first ? "{" : ",");
	if (v == NULL) {
		kore_buf_appendf(b, "NULL");
		return;
	}
	kore_buf_append(b, "\"", 1);
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			kore_buf_append(b, "\\", 1);
		kore_buf_append(b, v, 1);
	}
	kore_buf_append(b, "\"", 1);
}

/*
 * The job's statement is over: its one value, or its failure (logged;
 * a reminder check is tried again a moment later).
 */
static void
ev_done(struct gw_ctx *ctx)
{
	struct gw_dbstate	*db = &ctx->db;
	char			*value = NULL;

	if (db->res != NULL && PQresultStatus(db->res) == PGRES_TUPLES_OK &&
	    PQntuples(db->res) == 1 && !PQgetisnull(db->res, 0, 0))
		value = kore_strdup(PQgetvalue(db->res, 0, 0));
	else if (db->lost || db->res != NULL)
		gw_pool_log("events", db->lost ? db->error :
		    PQresultErrorMessage(db->res));
	if (value == NULL && ev_job == EV_JOB_REMIND)
		ev_remind_at = kore_time_ms() + EV_RETRY_MS;

	PQclear(db->res);
	db->res = NULL;
	kore_free(db->error);
	db->error = NULL;
	db->conn = NULL;

	ev_finish(value);
	kore_free(value);
}

/* The job is over: act on its answer. */
static void
ev_finish(const char *value)
{
	struct ev_reader	*r;
	json_t		*j;
	u_int64_t	 now = kore_time_ms();
	int		 i, job = ev_job;

	ev_job = EV_JOB_NONE;
	j = value != NULL ? json_loads(value, 0, NULL) : NULL;

	if (job == EV_JOB_REMIND && j != NULL)
		ev_remind_from(json_object_get(j, "next_reminder"), now);
	else if (job == EV_JOB_POLL && j != NULL)
		ev_deliver(j, now);

	/* Those it did not answer: waiting on, or their wait is over. */
	for (i = 0; job == EV_JOB_POLL && i < ev_nflight; i++) {
		if ((r = ev_flight[i]) == NULL)
			continue;
		ev_flight[i] = NULL;
		r->slot = -1;
		r->polled = (j != NULL);
		if (r->polled && r->kind == EV_POLL && now >= r->deadline)
			ev_answer(r, NULL, r->after);
	}
	if (job == EV_JOB_POLL) {
		ev_nflight = 0;
		ev_next(now);
	}
	json_decref(j);
}

/* When to ask about reminders next. */
static void
ev_remind_from(json_t *next, u_int64_t now)
{
	struct timespec	 ts;
	struct tm	 tm;
	const char	*s = json_string_value(next);
	time_t		 due;
	u_int64_t	 wall, in;

	ev_remind_at = now + EV_REMIND_MAX_MS;
	memset(&tm, 0, sizeof(tm));
	/* aido's times are UTC: "2026-12-07T10:00:00+00:00" or with .frac */
	if (s == NULL || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	due = timegm(&tm);
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	wall = (u_int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	/* whole seconds, rounded up: never early */
	in = (u_int64_t)due * 1000 + 1000 > wall ?
	    (u_int64_t)due * 1000 + 1000 - wall : 0;
	if (in < EV_REMIND_MAX_MS)
		ev_remind_at = now + in;
}

/* The poll's answer: each reader it names gets its events, or goes. */
static void
ev_deliver(json_t *j, u_int64_t now)
{
	json_t			*readers, *entry, *items;
	struct ev_reader	*r;
	struct connection	*c;
	size_t			 k;
	json_int_t		 i;

	ev_remind_from(json_object_get(j, "next_reminder"), now);
	readers = json_object_get(j, "readers");
	json_array_foreach(readers, k, entry) {
		i = json_integer_value(json_object_get(entry, "i")) - 1;
		if (i < 0 || i >= ev_nflight || (r = ev_flight[i]) == NULL)
			continue;
		ev_flight[i] = NULL;
		r->slot = -1;
		r->polled = 1;
		items = json_object_get(entry, "items");
		if (json_is_true(json_object_get(entry, "dead"))) {
			if (r->kind == EV_POLL) {
				ev_answer(r, NULL, -2);
				continue;
			}
			/* Said first, so a client stops instead of retrying. */
			c = r->c;
			ev_send(r, EV_DEAD, sizeof(EV_DEAD) - 1);
			kore_connection_disconnect(c);
			continue;
		}
		r->after = json_integer_value(json_object_get(entry,
		    "next_after"));
		if (json_array_size(items) == 0)
			continue;
		if (r->kind == EV_POLL)
			ev_answer(r, items, r->after);
		else
			ev_write(r, items);
	}
}

/*
 * Answers a long poll: its items (NULL: none) and where to ask next; -2:
 * its session is over (401).
 */
static void
ev_answer(struct ev_reader *r, json_t *items, int64_t next)
{
	struct http_request	*req = r->req;
	struct gw_ctx		*ctx = http_state_get(req);
	json_t			*body;
	char			*text;

	TAILQ_REMOVE(&ev_readers, r, list);
	ctx->events = NULL;
	ev_reader_free(r);

	if (next == -2) {
		gw_http_error(req, 401, "unauthorized",
		    "the session is unknown, expired or signed out");
	} else {
		body = json_pack("{s:O, s:I}", "items", items != NULL ? items :
		    json_array(), "next_after", (json_int_t)next);
		text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		if (text != NULL)
			gw_http_json(req, 200, text, strlen(text));
		else
			gw_http_error(req, 500, "internal_error",
			    "internal error");
		free(text);
	}
	http_request_wakeup(req);
}

/* Writes events to a stream, one message each. */
static void
ev_write(struct ev_reader *r, json_t *items)
{
	struct kore_buf	 b;
	json_t		*e;
	size_t		 k;
	char		*text;

	kore_buf_init(&b, 1024);
	json_array_foreach(items, k, e) {
		if ((text = json_dumps(e, JSON_COMPACT)) == NULL)
			continue;
		kore_buf_appendf(&b, "id: %" JSON_INTEGER_FORMAT "\n"
		    "event: %s\ndata: %s\n\n",
		    json_integer_value(json_object_get(e, "seq")),
		    json_string_value(json_object_get(e, "event_type")), text);
		free(text);
	}
	ev_send(r, (const char *)b.data, b.offset);
	kore_buf_cleanup(&b);
}

static void
ev_send(struct ev_reader *r, const char *data, size_t len)
{
	r->last_write = kore_time_ms();
	net_send_queue(r->c, data, len);
	if (!net_send_flush(r->c))
		kore_connection_disconnect(r->c);
}

/* A stream's client left (or was cut): forget it. */
static void
ev_gone(struct connection *c)
{
	struct ev_reader	*r = c->hdlr_extra;

	c->hdlr_extra = NULL;
	c->disconnect = NULL;
	if (r == NULL)
		return;
	TAILQ_REMOVE(&ev_readers, r, list);
	ev_reader_free(r);
}
