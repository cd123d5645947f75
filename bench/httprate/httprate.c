/*
 * bench/httprate: one HTTP request offered at a fixed rate, as pgbench
 * --rate offers a transaction (bench/latency.sh, bench/README.md).
 *
 * The arrivals are one Poisson process at the total rate: exponential
 * gaps from a seeded generator, so that two runs with the same seed offer
 * the same schedule.  Each arrival goes to the keep-alive connection that
 * has been idle longest; when none is idle it waits, and that wait is its
 * schedule lag, kept apart from its latency, which runs from the moment
 * the request is written to the last byte of the answer (pgbench's
 * latency with the lag taken out).  hey -q, which it replaces there,
 * gives each worker its own ticker, all started at once: its requests
 * leave in bursts of one per worker, and the last of a burst waits for
 * the others.
 *
 *	httprate [-c connections] [-r rate] [-z seconds] [-t timeout]
 *	    [-s seed] [-m method] [-H header]... [-d body] [-T type]
 *	    [-o file] http://host[:port][/path]
 *
 *	-c	keep-alive connections, all open before the clock starts (16)
 *	-r	arrivals per second, all connections together (100)
 *	-z	seconds of arrivals (10); the answers in flight are awaited
 *	-t	seconds a request waits for its answer (10), then it fails
 *	-s	the schedule's seed (1)
 *	-m, -H, -d, -T	method, a header (repeatable), body, Content-Type,
 *		as hey's
 *
 * One line per request on the CSV (-o FILE, else stdout):
 *
 *	offset,lag_us,latency_us,status
 *
 * offset is the request's scheduled arrival in seconds since the start;
 * status 0 means no answer (timeout, connection closed or reset, an
 * answer that is not HTTP/1.x).  A summary goes to stderr.  Exit status:
 * 0 after the run, 1 when the server cannot be reached at the start or a
 * system call fails, 2 on bad arguments.
 */

#define _GNU_SOURCE		/* memmem */

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define CONN_BUF		(16 * 1024)	/* an answer's head must fit */
#define CONN_MAX		1024
#define RETRY_NS		(100 * 1000 * 1000LL)
#define TIMER_ID		UINT32_MAX
#define NS			1000000000LL

enum conn_state {
	CONN_DOWN,		/* closed, reopened at c->deadline */
	CONN_CONNECTING,
	CONN_IDLE,
	CONN_WRITING,
	CONN_READING
};

enum resp_state {
	RESP_HEAD,
	RESP_BODY,		/* c->left bytes of a Content-Length body */
	RESP_EOF,		/* the body ends when the server closes */
	RESP_CHUNK_SIZE,
	RESP_CHUNK_DATA,	/* c->left bytes of a chunk and its CRLF */
	RESP_TRAILER
};

/* What a step of the answer's parser says. */
#define STEP_ERROR	-1
#define STEP_MORE	0	/* needs more bytes */
#define STEP_NEXT	1
#define STEP_DONE	2

enum err_kind {
	ERR_TIMEOUT,
	ERR_CLOSED,
	ERR_MALFORMED,
	ERR_CONNECT,
	ERR_KINDS
};

struct conn {
	TAILQ_ENTRY(conn)	 idle;
	int			 fd;
	uint32_t		 id;
	uint32_t		 gen;		/* tells stale events apart */
	uint32_t		 events;	/* what epoll watches */
	enum conn_state		 state;
	enum resp_state		 rstate;
	int64_t			 due;		/* scheduled arrival */
	int64_t			 start;		/* first byte written */
	int64_t			 deadline;
	size_t			 sent;
	size_t			 len;		/* bytes in buf */
	uint64_t		 left;
	int			 status;
	int			 close_after;
	char			 buf[CONN_BUF + 1];
};

struct samples {
	int64_t			*v;
	size_t			 n;
	size_t			 cap;
};

static void	usage(void) __attribute__((noreturn));
static void	die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static int64_t	clock_ns(void);
static double	arg_number(const char *, const char *, double, double);
static void	args_parse(int, char **);
static void	url_parse(const char *);
static void	request_build(void);
static void	addr_resolve(void);
static void	conns_start(void);
static void	conn_open(struct conn *, int64_t);
static void	conn_connected(struct conn *);
static void	conn_refused(struct conn *, int, int64_t);
static void	conn_want(struct conn *, uint32_t);
static void	conn_close(struct conn *);
static void	conn_send(struct conn *, int64_t);
static void	conn_write(struct conn *);
static void	conn_read(struct conn *);
static void	conn_done(struct conn *);
static void	conn_fail(struct conn *, enum err_kind, const char *);
static void	conn_event(struct conn *, uint32_t);
static void	run_event(struct epoll_event *);
static int	resp_parse(struct conn *);
static int	resp_step(struct conn *, size_t *);
static int	resp_head(struct conn *, size_t *);
static int	resp_header(struct conn *, char *, uint64_t *, int *);
static int	resp_chunk_size(struct conn *, size_t *);
static int	resp_trailer(struct conn *, size_t *);
static int64_t	sched_gap(void);
static void	run_dispatch(int64_t);
static void	run_expire(int64_t);
static int64_t	run_wake(int64_t);
static void	run_timer(int64_t);
static void	run_loop(void);
static void	record(struct conn *, int64_t, int);
static void	samples_add(struct samples *, int64_t);
static int64_t	samples_pct(struct samples *, double);
static int	samples_cmp(const void *, const void *);
static void	summary(void);

/* The options. */
static int		 opt_conns = 16;
static double		 opt_rate = 100;
static double		 opt_duration = 10;
static double		 opt_timeout = 10;
static int64_t		 timeout_ns;
static uint64_t		 opt_seed = 1;
static const char	*opt_method = "GET";
static const char	*opt_body;
static const char	*opt_type;
static const char	*opt_out;
static const char	*opt_headers[64];
static int		 opt_nheaders;

/* The target and the one request. */
static char		 url_host[256];
static char		 url_port[6] = "80";
static const char	*url_path = "/";
static struct sockaddr_storage addr;
static socklen_t	 addr_len;
static char		*req;
static size_t		 req_len;
static int		 req_head;	/* HEAD: answers have no body */

/* The run. */
static int		 epfd = -1;
static int		 tfd = -1;
static int64_t		 timer_armed = -1;
static struct conn	*conns;
static TAILQ_HEAD(, conn) idle = TAILQ_HEAD_INITIALIZER(idle);
static int64_t		 t0;		/* clock at the start */
static int64_t		 t_end;		/* relative to t0 */
static int64_t		 next_due;	/* relative to t0 */
static uint64_t		 rng;
static int		 inflight;
static FILE		*out;

/* What the summary reports. */
static uint64_t		 n_sent, n_2xx, n_other, n_failed, n_unsent;
static uint64_t		 n_err[ERR_KINDS], n_reopened;
static char		 first_err[256];
static struct samples	 lat_ok, lags;

int
main(int argc, char **argv)
{
	int	i;

	args_parse(argc, argv);
	request_build();
	(void)signal(SIGPIPE, SIG_IGN);

	if (opt_out == NULL)
		out = stdout;
	else if ((out = fopen(opt_out, "w")) == NULL)
		die("%s: %s", opt_out, strerror(errno));
	(void)fputs("offset,lag_us,latency_us,status\n", out);

	addr_resolve();
	conns_start();
	rng = opt_seed;
	t_end = (int64_t)(opt_duration * NS);
	t0 = clock_ns();
	next_due = sched_gap();
	run_loop();

	/* Arrivals due before the end that no connection was free for. */
	for (; next_due < t_end; next_due += sched_gap())
		n_unsent++;
	if (fflush(out) == EOF || (out != stdout && fclose(out) == EOF))
		die("%s: %s", opt_out ? opt_out : "stdout", strerror(errno));
	summary();

	for (i = 0; i < opt_conns; i++)
		if (conns[i].fd != -1)
			(void)close(conns[i].fd);
	free(conns);
	free(req);
	free(lat_ok.v);
	free(lags.v);
	return (0);
}

static void
usage(void)
{
	(void)fprintf(stderr,
	    "usage: httprate [-c connections] [-r rate] [-z seconds] "
	    "[-t timeout]\n"
	    "                [-s seed] [-m method] [-H header] [-d body] "
	    "[-T type]\n"
	    "                [-o file] http://host[:port][/path]\n");
	exit(2);
}

static void
die(const char *fmt, ...)
{
	va_list	ap;

	(void)fputs("httprate: ", stderr);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputc('\n', stderr);
	exit(1);
}

static int64_t
clock_ns(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		die("clock_gettime: %s", strerror(errno));
	return ((int64_t)ts.tv_sec * NS + ts.tv_nsec);
}

/* A number in [min, max] (seconds may end in "s", as hey's -z does). */
static double
arg_number(const char *what, const char *s, double min, double max)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (end != s && *end == 's' && end[1] == '\0')
		end++;
	if (end == s || *end != '\0' || errno != 0 || isnan(v) ||
	    v < min || v > max) {
		(void)fprintf(stderr, "httprate: bad %s: %s\n", what, s);
		usage();
	}
	return (v);
}

static void
args_parse(int argc, char **argv)
{
	char	*end;
	long	 l;
	int	 ch;

	while ((ch = getopt(argc, argv, "c:d:H:m:o:r:s:t:T:z:")) != -1) {
		switch (ch) {
		case 'c':
			errno = 0;
			l = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || errno != 0 ||
			    l < 1 || l > CONN_MAX) {
				(void)fprintf(stderr,
				    "httprate: bad connections: %s\n", optarg);
				usage();
			}
			opt_conns = (int)l;
			break;
		case 'd':
			opt_body = optarg;
			break;
		case 'H':
			if (strchr(optarg, ':') == NULL ||
			    strpbrk(optarg, "\r\n") != NULL ||
			    opt_nheaders == (int)(sizeof(opt_headers) /
			    sizeof(opt_headers[0]))) {
				(void)fprintf(stderr,
				    "httprate: bad header: %s\n", optarg);
				usage();
			}
			opt_headers[opt_nheaders++] = optarg;
			break;
		case 'm':
			if (*optarg == '\0' ||
			    strspn(optarg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
			    strlen(optarg))
				usage();
			opt_method = optarg;
			break;
		case 'o':
			opt_out = optarg;
			break;
		case 'r':
			opt_rate = arg_number("rate", optarg, 1e-3, 1e6);
			break;
		case 's':
			errno = 0;
			opt_seed = strtoull(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0)
				usage();
			break;
		case 't':
			opt_timeout = arg_number("timeout", optarg, 1e-3, 3600);
			break;
		case 'T':
			if (strpbrk(optarg, "\r\n") != NULL)
				usage();
			opt_type = optarg;
			break;
		case 'z':
			opt_duration = arg_number("duration", optarg,
			    1e-3, 86400);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	timeout_ns = (int64_t)(opt_timeout * NS);
	url_parse(argv[optind]);
}

/* http://host[:port][/path], host a name, an IPv4 or an [IPv6] address. */
static void
url_parse(const char *url)
{
	const char	*h, *e, *p;
	char		*end;
	size_t		 n;
	long		 port;

	if (strncmp(url, "http://", 7) != 0) {
		(void)fprintf(stderr, "httprate: only http:// URLs: %s\n", url);
		usage();
	}
	h = url + 7;
	p = h + strcspn(h, "/?#");
	if (*h == '[') {
		h++;
		if ((e = memchr(h, ']', p - h)) == NULL)
			usage();
		n = e - h;
		e++;
	} else {
		e = h + strcspn(h, ":/?#");
		n = e - h;
	}
	if (n == 0 || n >= sizeof(url_host) || memchr(h, '@', n) != NULL)
		usage();
	memcpy(url_host, h, n);
	url_host[n] = '\0';
	if (*e == ':') {
		errno = 0;
		port = strtol(e + 1, &end, 10);
		if (end == e + 1 || end != p || errno != 0 || port < 1 ||
		    port > 65535)
			usage();
		(void)snprintf(url_port, sizeof(url_port), "%ld", port);
	} else if (e != p)
		usage();
	if (*p == '/')
		url_path = p;
	else if (*p == '?') {
		/* "http://h?q" asks for "/?q". */
		if (asprintf(&end, "/%s", p) == -1)
			die("out of memory");
		url_path = end;
	}
	if (strpbrk(url_path, " \r\n#") != NULL)
		usage();
}

/* The bytes sent on every request, built once. */
static void
request_build(void)
{
	FILE	*f;
	int	 i, host;

	if ((f = open_memstream(&req, &req_len)) == NULL)
		die("out of memory");
	(void)fprintf(f, "%s %s HTTP/1.1\r\n", opt_method, url_path);
	host = 0;
	for (i = 0; i < opt_nheaders; i++)
		host |= strncasecmp(opt_headers[i], "host:", 5) == 0;
	if (!host)
		(void)fprintf(f, strchr(url_host, ':') ? "Host: [%s]:%s\r\n" :
		    "Host: %s:%s\r\n", url_host, url_port);
	(void)fputs("User-Agent: httprate\r\n", f);
	if (opt_type != NULL)
		(void)fprintf(f, "Content-Type: %s\r\n", opt_type);
	for (i = 0; i < opt_nheaders; i++)
		(void)fprintf(f, "%s\r\n", opt_headers[i]);
	if (opt_body != NULL || !strcmp(opt_method, "POST") ||
	    !strcmp(opt_method, "PUT") || !strcmp(opt_method, "PATCH"))
		(void)fprintf(f, "Content-Length: %zu\r\n",
		    opt_body ? strlen(opt_body) : 0);
	(void)fprintf(f, "\r\n%s", opt_body ? opt_body : "");
	if (fclose(f) == EOF)
		die("out of memory");
	req_head = !strcmp(opt_method, "HEAD");
}

/*
 * The first address that takes a connection is the one every connection
 * uses, and reopens to.
 */
static void
addr_resolve(void)
{
	struct addrinfo	 hints, *res, *ai;
	int		 fd, rc, saved;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(url_host, url_port, &hints, &res)) != 0)
		die("cannot resolve %s: %s", url_host, gai_strerror(rc));
	saved = ECONNREFUSED;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) == -1)
			die("socket: %s", strerror(errno));
		rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
		saved = errno;
		(void)close(fd);
		if (rc == 0) {
			memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
			addr_len = ai->ai_addrlen;
			break;
		}
	}
	freeaddrinfo(res);
	if (addr_len == 0)
		die("cannot connect to %s port %s: %s", url_host, url_port,
		    strerror(saved));
}

/* All connections open before the clock starts, as pgbench's clients. */
static void
conns_start(void)
{
	struct epoll_event	ev;
	int64_t			limit;
	int			i, left;

	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1: %s", strerror(errno));
	if ((tfd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1)
		die("timerfd_create: %s", strerror(errno));
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = TIMER_ID;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));

	if ((conns = calloc(opt_conns, sizeof(*conns))) == NULL)
		die("out of memory");
	for (i = 0; i < opt_conns; i++) {
		conns[i].id = i;
		conns[i].fd = -1;
		conn_open(&conns[i], clock_ns());
	}
	limit = clock_ns() + timeout_ns;
	for (;;) {
		left = 0;
		for (i = 0; i < opt_conns; i++) {
			if (conns[i].state == CONN_DOWN)
				die("cannot connect to %s port %s: %s",
				    url_host, url_port, first_err);
			left += conns[i].state == CONN_CONNECTING;
		}
		if (left == 0)
			break;
		if (clock_ns() > limit)
			die("cannot connect to %s port %s: timeout",
			    url_host, url_port);
		if (epoll_wait(epfd, &ev, 1, 100) == 1)
			run_event(&ev);
	}
}

/* Opens c, non-blocking; a refusal leaves it down for RETRY_NS. */
static void
conn_open(struct conn *c, int64_t now)
{
	struct epoll_event	ev;
	int			one = 1;

	c->gen++;
	c->len = 0;
	c->events = 0;
	if ((c->fd = socket(addr.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		die("socket: %s", strerror(errno));
	/* A request is one write: never wait for an ACK to send it. */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&addr, addr_len) == -1 &&
	    errno != EINPROGRESS) {
		conn_refused(c, errno, now);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.data.u64 = (uint64_t)c->gen << 32 | c->id;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));
	/* Writable once connected, whether connect waited or not. */
	c->state = CONN_CONNECTING;
	c->deadline = now + timeout_ns;
	conn_want(c, EPOLLOUT);
}

static void
conn_want(struct conn *c, uint32_t events)
{
	struct epoll_event	ev;

	if (c->events == events)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = (uint64_t)c->gen << 32 | c->id;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));
	c->events = events;
}

static void
conn_connected(struct conn *c)
{
	socklen_t	len;
	int		e;

	len = sizeof(e);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		e = errno;
	if (e != 0) {
		conn_refused(c, e, clock_ns());
		return;
	}
	c->state = CONN_IDLE;
	conn_want(c, EPOLLIN | EPOLLRDHUP);
	TAILQ_INSERT_TAIL(&idle, c, idle);
}

static void
conn_refused(struct conn *c, int e, int64_t now)
{
	n_err[ERR_CONNECT]++;
	if (first_err[0] == '\0')
		(void)snprintf(first_err, sizeof(first_err), "connect: %s",
		    strerror(e));
	conn_close(c);
	c->deadline = now + RETRY_NS;
}

static void
conn_close(struct conn *c)
{
	if (c->state == CONN_IDLE)
		TAILQ_REMOVE(&idle, c, idle);
	if (c->fd != -1) {
		/* close() alone would leave it watched while a dup lived. */
		(void)epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
		(void)close(c->fd);
	}
	c->fd = -1;
	c->state = CONN_DOWN;
}

/* The arrival due at due (since t0) leaves on c, now. */
static void
conn_send(struct conn *c, int64_t due)
{
	TAILQ_REMOVE(&idle, c, idle);
	c->state = CONN_WRITING;
	c->rstate = RESP_HEAD;
	c->due = due;
	c->sent = 0;
	c->len = 0;
	c->left = 0;
	c->status = 0;
	c->close_after = 0;
	c->start = clock_ns();
	c->deadline = c->start + timeout_ns;
	samples_add(&lags, (c->start - t0 - due) / 1000);
	n_sent++;
	inflight++;
	conn_write(c);
}

static void
conn_write(struct conn *c)
{
	ssize_t	n;

	while (c->sent < req_len) {
		n = send(c->fd, req + c->sent, req_len - c->sent,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			conn_want(c, EPOLLIN | EPOLLRDHUP | EPOLLOUT);
			return;
		}
		if (n == -1) {
			conn_fail(c, ERR_CLOSED, strerror(errno));
			return;
		}
		c->sent += n;
	}
	c->state = CONN_READING;
	conn_want(c, EPOLLIN | EPOLLRDHUP);
}

static void
conn_read(struct conn *c)
{
	ssize_t	n;

	for (;;) {
		n = read(c->fd, c->buf + c->len, CONN_BUF - c->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n == -1) {
			conn_fail(c, ERR_CLOSED, strerror(errno));
			return;
		}
		if (n == 0) {
			if (c->rstate == RESP_EOF)
				conn_done(c);
			else
				conn_fail(c, ERR_CLOSED,
				    "the server closed the connection");
			return;
		}
		c->len += n;
		switch (resp_parse(c)) {
		case STEP_ERROR:
			conn_fail(c, ERR_MALFORMED, "a malformed answer");
			return;
		case STEP_DONE:
			conn_done(c);
			return;
		}
		if (c->len == CONN_BUF) {
			conn_fail(c, ERR_MALFORMED, "an answer's head or "
			    "chunk line over 16 KiB");
			return;
		}
	}
}

static void
conn_done(struct conn *c)
{
	int64_t	now;

	now = clock_ns();
	record(c, now, c->status);
	/* Answered before the request was all sent: the rest would be junk. */
	if (c->close_after || c->state == CONN_WRITING) {
		n_reopened++;
		conn_close(c);
		conn_open(c, now);
		return;
	}
	c->state = CONN_IDLE;
	TAILQ_INSERT_TAIL(&idle, c, idle);
}

/* The request on c, if any, ends without an answer; c is reopened. */
static void
conn_fail(struct conn *c, enum err_kind kind, const char *why)
{
	int64_t	now;

	now = clock_ns();
	if (c->state == CONN_WRITING || c->state == CONN_READING)
		record(c, now, 0);
	n_err[kind]++;
	if (first_err[0] == '\0')
		(void)snprintf(first_err, sizeof(first_err), "%s", why);
	conn_close(c);
	conn_open(c, now);
}

static void
conn_event(struct conn *c, uint32_t events)
{
	switch (c->state) {
	case CONN_CONNECTING:
		conn_connected(c);
		break;
	case CONN_IDLE:
		/* Nothing was asked: the server closed it, or sent junk. */
		conn_fail(c, ERR_CLOSED, "the server closed an idle "
		    "connection");
		break;
	case CONN_WRITING:
		if (events & EPOLLOUT)
			conn_write(c);
		if (c->state == CONN_WRITING &&
		    (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)))
			conn_read(c);
		break;
	case CONN_READING:
		conn_read(c);
		break;
	case CONN_DOWN:
		break;
	}
}

static void
run_event(struct epoll_event *ev)
{
	struct conn	*c;
	uint64_t	 ticks;
	uint32_t	 id;

	id = (uint32_t)ev->data.u64;
	if (id == TIMER_ID) {
		(void)read(tfd, &ticks, sizeof(ticks));
		timer_armed = -1;
		return;
	}
	c = &conns[id];
	/* An event of a connection closed earlier in the same batch. */
	if (ev->data.u64 >> 32 != c->gen || c->fd == -1)
		return;
	conn_event(c, ev->events);
}

/*
 * Moves past what the answer's head or body in c->buf holds, and keeps
 * what is left of a line cut by the read.
 */
static int
resp_parse(struct conn *c)
{
	size_t	off;
	int	r;

	off = 0;
	do {
		r = resp_step(c, &off);
	} while (r == STEP_NEXT);
	/* One request at a time: nothing may follow the answer. */
	if (r == STEP_DONE && off != c->len)
		r = STEP_ERROR;
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	return (r);
}

static int
resp_step(struct conn *c, size_t *off)
{
	uint64_t	n;

	switch (c->rstate) {
	case RESP_HEAD:
		return (resp_head(c, off));
	case RESP_BODY:
	case RESP_CHUNK_DATA:
		n = c->len - *off;
		if (n > c->left)
			n = c->left;
		*off += n;
		c->left -= n;
		if (c->left > 0)
			return (STEP_MORE);
		if (c->rstate == RESP_BODY)
			return (STEP_DONE);
		c->rstate = RESP_CHUNK_SIZE;
		return (STEP_NEXT);
	case RESP_EOF:
		*off = c->len;
		return (STEP_MORE);
	case RESP_CHUNK_SIZE:
		return (resp_chunk_size(c, off));
	case RESP_TRAILER:
		return (resp_trailer(c, off));
	}
	return (STEP_ERROR);
}

/* The status line and the headers that say where the body ends. */
static int
resp_head(struct conn *c, size_t *off)
{
	char		*h, *end, *line, *eol;
	uint64_t	 clen;
	int		 chunked;

	h = c->buf + *off;
	if ((end = memmem(h, c->len - *off, "\r\n\r\n", 4)) == NULL)
		return (STEP_MORE);
	end[2] = '\0';
	if (strncmp(h, "HTTP/1.", 7) != 0 || (h[7] != '0' && h[7] != '1') ||
	    h[8] != ' ' || strspn(h + 9, "0123456789") != 3 ||
	    (h[12] != ' ' && h[12] != '\r'))
		return (STEP_ERROR);
	c->status = atoi(h + 9);
	c->close_after = h[7] == '0';	/* HTTP/1.0 closes by default */
	clen = UINT64_MAX;
	chunked = 0;
	for (line = strstr(h, "\r\n") + 2; line < end; line = eol + 2) {
		eol = strstr(line, "\r\n");
		*eol = '\0';
		if (resp_header(c, line, &clen, &chunked) == -1)
			return (STEP_ERROR);
	}
	*off = end + 4 - c->buf;

	if (c->status < 200)		/* 100 Continue: the answer follows */
		return (STEP_NEXT);
	if (req_head || c->status == 204 || c->status == 304)
		return (STEP_DONE);
	if (chunked) {
		c->rstate = RESP_CHUNK_SIZE;
		return (STEP_NEXT);
	}
	if (clen == 0)
		return (STEP_DONE);
	if (clen != UINT64_MAX) {
		c->rstate = RESP_BODY;
		c->left = clen;
		return (STEP_NEXT);
	}
	c->rstate = RESP_EOF;
	c->close_after = 1;
	return (STEP_NEXT);
}

static int
resp_header(struct conn *c, char *line, uint64_t *clen, int *chunked)
{
	char	*v, *end;

	if ((v = strchr(line, ':')) == NULL)
		return (-1);
	*v++ = '\0';
	v += strspn(v, " \t");
	if (strcasecmp(line, "content-length") == 0) {
		errno = 0;
		*clen = strtoull(v, &end, 10);
		if (*v < '0' || *v > '9' || errno != 0 || *clen == UINT64_MAX ||
		    end[strspn(end, " \t")] != '\0')
			return (-1);
	} else if (strcasecmp(line, "transfer-encoding") == 0)
		*chunked = strcasestr(v, "chunked") != NULL;
	else if (strcasecmp(line, "connection") == 0) {
		if (strcasestr(v, "close") != NULL)
			c->close_after = 1;
		else if (strcasestr(v, "keep-alive") != NULL)
			c->close_after = 0;
	}
	return (0);
}

/* A chunk's size line: hex digits, maybe extensions after ";". */
static int
resp_chunk_size(struct conn *c, size_t *off)
{
	char		*s, *eol, *end;
	uint64_t	 size;

	s = c->buf + *off;
	if ((eol = memmem(s, c->len - *off, "\r\n", 2)) == NULL)
		return (STEP_MORE);
	errno = 0;
	size = strtoull(s, &end, 16);
	if (strchr("0123456789abcdefABCDEF", *s) == NULL || *s == '\0' ||
	    errno != 0 || size > UINT64_MAX - 2 ||
	    (end != eol && *end != ';' && *end != ' ' && *end != '\t'))
		return (STEP_ERROR);
	*off = eol + 2 - c->buf;
	if (size == 0) {
		c->rstate = RESP_TRAILER;
		return (STEP_NEXT);
	}
	c->rstate = RESP_CHUNK_DATA;
	c->left = size + 2;		/* and its CRLF */
	return (STEP_NEXT);
}

/* Trailer lines after the last chunk, up to an empty one. */
static int
resp_trailer(struct conn *c, size_t *off)
{
	char	*s, *eol;

	s = c->buf + *off;
	if ((eol = memmem(s, c->len - *off, "\r\n", 2)) == NULL)
		return (STEP_MORE);
	*off = eol + 2 - c->buf;
	return (eol == s ? STEP_DONE : STEP_NEXT);
}

/* An exponential gap at opt_rate: splitmix64, then inversion. */
static int64_t
sched_gap(void)
{
	uint64_t	z;
	double		u;

	rng += 0x9e3779b97f4a7c15ULL;
	z = rng;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	u = (z >> 11) * 0x1.0p-53;		/* [0, 1) */
	return ((int64_t)(-log1p(-u) / opt_rate * NS));
}

/* Every arrival now due goes to an idle connection, oldest idle first. */
static void
run_dispatch(int64_t now)
{
	struct conn	*c;

	if (now - t0 >= t_end)
		return;
	while (next_due < t_end && next_due <= now - t0 &&
	    (c = TAILQ_FIRST(&idle)) != NULL) {
		conn_send(c, next_due);
		next_due += sched_gap();
	}
}

static void
run_expire(int64_t now)
{
	struct conn	*c;
	int		 i;

	for (i = 0; i < opt_conns; i++) {
		c = &conns[i];
		if (now < c->deadline)
			continue;
		if (c->state == CONN_WRITING || c->state == CONN_READING)
			conn_fail(c, ERR_TIMEOUT, "no answer within the "
			    "timeout");
		else if (c->state == CONN_CONNECTING)
			conn_refused(c, ETIMEDOUT, now);
		else if (c->state == CONN_DOWN && now - t0 < t_end)
			conn_open(c, now);
	}
}

/* When the loop must next wake without an event: -1 for never. */
static int64_t
run_wake(int64_t now)
{
	struct conn	*c;
	int64_t		 w;
	int		 i, running;

	w = INT64_MAX;
	running = now - t0 < t_end;
	if (running) {
		w = t0 + t_end;
		if (!TAILQ_EMPTY(&idle) && next_due < t_end &&
		    t0 + next_due < w)
			w = t0 + next_due;
	}
	for (i = 0; i < opt_conns; i++) {
		c = &conns[i];
		if ((c->state != CONN_IDLE && c->state != CONN_DOWN) ||
		    (c->state == CONN_DOWN && running))
			if (c->deadline < w)
				w = c->deadline;
	}
	return (w == INT64_MAX ? -1 : w);
}

/*
 * A timerfd at an absolute CLOCK_MONOTONIC time: epoll_wait's timeout
 * counts whole milliseconds, and arrivals come every few hundred
 * microseconds.
 */
static void
run_timer(int64_t when)
{
	struct itimerspec	its;

	if (when == timer_armed)
		return;
	memset(&its, 0, sizeof(its));
	if (when != -1) {
		its.it_value.tv_sec = when / NS;
		its.it_value.tv_nsec = when % NS;
	}
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		die("timerfd_settime: %s", strerror(errno));
	timer_armed = when;
}

static void
run_loop(void)
{
	struct epoll_event	ev[64];
	int64_t			now;
	int			i, n;

	for (;;) {
		now = clock_ns();
		run_expire(now);
		run_dispatch(now);
		if (now - t0 >= t_end && inflight == 0)
			break;
		run_timer(run_wake(now));
		n = epoll_wait(epfd, ev, sizeof(ev) / sizeof(ev[0]), -1);
		if (n == -1 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++)
			run_event(&ev[i]);
	}
}

/* The CSV line of the request on c, answered with status (0: none). */
static void
record(struct conn *c, int64_t now, int status)
{
	int64_t	lat, lag;

	lat = (now - c->start) / 1000;
	lag = (c->start - t0 - c->due) / 1000;
	if (fprintf(out, "%.6f,%lld,%lld,%d\n", c->due / 1e9,
	    (long long)lag, (long long)lat, status) < 0)
		die("%s: %s", opt_out ? opt_out : "stdout", strerror(errno));
	inflight--;
	if (status == 0)
		n_failed++;
	else if (status / 100 == 2) {
		n_2xx++;
		samples_add(&lat_ok, lat);
	} else
		n_other++;
}

static void
samples_add(struct samples *s, int64_t v)
{
	int64_t	*p;
	size_t	 cap;

	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 4096;
		if ((p = reallocarray(s->v, cap, sizeof(*p))) == NULL)
			die("out of memory");
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = v;
}

/* Nearest rank, as bench/latency.sh's lat_pct; s sorted. */
static int64_t
samples_pct(struct samples *s, double q)
{
	size_t	k;

	if (s->n == 0)
		return (0);
	k = (size_t)ceil(s->n * q);
	if (k < 1)
		k = 1;
	return (s->v[k - 1]);
}

static int
samples_cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

static void
summary(void)
{
	if (lat_ok.n > 0)
		qsort(lat_ok.v, lat_ok.n, sizeof(int64_t), samples_cmp);
	if (lags.n > 0)
		qsort(lags.v, lags.n, sizeof(int64_t), samples_cmp);
	(void)fprintf(stderr, "httprate: %llu requests in %.1f s: %.1f/s "
	    "(offered %.1f/s, %d connections); %llu arrivals not sent "
	    "(no connection free before the end)\n",
	    (unsigned long long)n_sent, opt_duration, n_sent / opt_duration,
	    opt_rate, opt_conns, (unsigned long long)n_unsent);
	(void)fprintf(stderr, "httprate: answers: %llu 2xx, %llu non-2xx, "
	    "%llu none\n", (unsigned long long)n_2xx,
	    (unsigned long long)n_other, (unsigned long long)n_failed);
	(void)fprintf(stderr, "httprate: latency of the 2xx (ms): p50 %.3f "
	    "p99 %.3f p99.9 %.3f max %.3f; schedule lag (ms): p50 %.3f "
	    "p99 %.3f max %.3f\n", samples_pct(&lat_ok, 0.5) / 1e3,
	    samples_pct(&lat_ok, 0.99) / 1e3, samples_pct(&lat_ok, 0.999) / 1e3,
	    samples_pct(&lat_ok, 1) / 1e3, samples_pct(&lags, 0.5) / 1e3,
	    samples_pct(&lags, 0.99) / 1e3, samples_pct(&lags, 1) / 1e3);
	(void)fprintf(stderr, "httprate: errors: %llu timeouts, %llu "
	    "connections closed or reset, %llu malformed answers, %llu "
	    "failed connects; %llu reopened after Connection: close\n",
	    (unsigned long long)n_err[ERR_TIMEOUT],
	    (unsigned long long)n_err[ERR_CLOSED],
	    (unsigned long long)n_err[ERR_MALFORMED],
	    (unsigned long long)n_err[ERR_CONNECT],
	    (unsigned long long)n_reopened);
	if (first_err[0] != '\0')
		(void)fprintf(stderr, "httprate: first error: %s\n",
		    first_err);
}
