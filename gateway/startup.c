/*
 * Start-up, in Kore's parent process, once, before any worker exists
 * (kore_parent_configure).  In the order of API.md §4, each failure one
 * line on stderr and its own exit status:
 *
 *	1  configuration: a variable, .env, openapi.json, API_HOST:API_PORT
 *	2  the database does not answer within DB_CONNECT_TIMEOUT
 *	3  aido (either flavor) is missing, or unusable by this role
 *	4  the aido schema is incomplete (aido_bootstrap() never ran)
 *
 * Then the listener is bound and the pool is sized; the workers fork
 * with all of it.  Blocking here is fine: nothing is served yet.
 */

#define _GNU_SOURCE		/* dladdr */

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "gateway.h"

#define STARTUP_CONFIG		1
#define STARTUP_DATABASE	2
#define STARTUP_EXTENSION	3
#define STARTUP_SCHEMA		4

#define STARTUP_SERVER		"aido"	/* named in gateway/start */
#define STARTUP_FILE_MAX	(1024 * 1024)

struct gw_config	 gw_cfg;
char			*gw_openapi;
size_t			 gw_openapi_len;

static void	startup_fail(int, const char *, ...)
		    __attribute__((format(printf, 2, 3), noreturn));
static const char *startup_getenv(const char *, void *);
static void	startup_openapi(void);
static void	startup_listen(void);
static PGconn	*startup_connect(void);
static void	startup_database(void);
static void	startup_schema(PGconn *);
static void	startup_oneline(char *);
static PGconn	*startup_attempt(const char **, const char **, u_int64_t,
		    int *);
static int	startup_poll(PGconn *, PostgresPollingStatusType, u_int64_t);
static int	startup_refused(PGconn *, ConnStatusType, const char **,
		    const char **);
static int	startup_sqlstate(const char *, char [6]);
static void	startup_unlocate(char *);
#if defined(__SANITIZE_ADDRESS__)
static void	startup_asan_exit(void);
#endif

void
kore_parent_configure(int argc, char **argv)
{
	char	err[512], *tok;

	/* Logs go to a pipe or file under tests and make run: line by line. */
	(void)fflush(stdout);
	(void)setvbuf(stdout, NULL, _IOLBF, 0);

	if (gw_config_dotenv_load(".env", err, sizeof(err)) == -1)
		startup_fail(STARTUP_CONFIG, "%s", err);
	if (gw_config_load(&gw_cfg, startup_getenv, NULL, err,
	    sizeof(err)) == -1)
		startup_fail(STARTUP_CONFIG, "%s", err);

	startup_openapi();
	gw_static_load();
	startup_listen();
	startup_database();

	/*
	 * Before the fork and the sandbox: jansson's hash seed and OpenSSL's
	 * lazy initialisation read files the workers may not open.
	 */
	json_object_seed(0);
	tok = gw_jwt_sign(gw_cfg.jwt_secret, gw_cfg.jwt_secret_len,
	    "00000000-0000-0000-0000-000000000000",
	    "00000000-0000-0000-0000-000000000000", 0, 1);
	free(tok);

	gw_pool_configure();
	gw_keys_configure();
	http_server_version(GW_NAME);
	http_body_max = 4 * GW_BODY_MAX;
	/* Kore's 60 s lets a client hold a connection with a trickled body. */
	http_body_timeout = GW_BODY_TIMEOUT;
	http_hsts_enable = 0;	/* plain HTTP: TLS is the proxy's */

#if defined(__SANITIZE_ADDRESS__)
	(void)atexit(startup_asan_exit);
#endif

	kore_log(LOG_NOTICE, "%s: %s, %u workers x %u connections "
	    "(DB_POOL_SIZE %d), listening on http://%s:%s", GW_NAME,
	    gw_cfg.db.redacted, worker_count, pgsql_conn_max,
	    gw_cfg.db_pool_size, gw_cfg.api_host, gw_cfg.api_port);
}

/*
 * One line on stderr, then exit; the pidfile Kore wrote goes too.
 */
static void
startup_fail(int status, const char *fmt, ...)
{
	va_list		ap;
	char		msg[1024];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	startup_oneline(msg);
	gw_config_scrub(msg, gw_cfg.db.password);

	(void)fflush(stdout);
	(void)fprintf(stderr, "%s: %s\n", GW_NAME, msg);
	(void)unlink(kore_pidfile);

	/* No library destructor is needed here (see startup_asan_exit). */
	(void)fflush(NULL);
	_exit(status);
}

#if defined(__SANITIZE_ADDRESS__)
/*
 * The AddressSanitizer build only (make asan): at exit, p11-kit's
 * destructor (loaded with libcurl) deadlocks on glibc's locale lock, so
 * Kore's processes would never end.  Nothing at exit needs the library
 * destructors: leave at once.  Kore's own exits are status 0 (SIGTERM).
 */
static void
startup_asan_exit(void)
{
	(void)fflush(NULL);
	_exit(0);
}
#endif

/* gw_config_load's view of the environment. */
static const char *
startup_getenv(const char *name, void *arg)
{
	return (getenv(name));
}

/*
 * The directory of the gateway module (aido-gateway.so), into dir: the
 * files it serves are found from there.  -1 when it cannot be told.
 */
int
gw_module_dir(char *dir, size_t len)
{
	Dl_info		info;
	char		path[PATH_MAX];

	if (dladdr((void *)gw_module_dir, &info) == 0 ||
	    info.dli_fname == NULL || realpath(info.dli_fname, path) == NULL ||
	    kore_strlcpy(dir, dirname(path), len) >= len)
		return (-1);

	return (0);
}

/*
 * openapi.json, beside the module: read once, served from memory.
 */
static void
startup_openapi(void)
{
	json_error_t	 jerr;
	json_t		*json;
	char		 dir[PATH_MAX], path[PATH_MAX];

	if (gw_module_dir(dir, sizeof(dir)) == -1 || snprintf(path,
	    sizeof(path), "%s/openapi.json", dir) >= (int)sizeof(path))
		startup_fail(STARTUP_CONFIG, "cannot locate the gateway "
		    "module");

	if ((gw_openapi = gw_file_read(path, STARTUP_FILE_MAX,
	    &gw_openapi_len)) == NULL)
		startup_fail(STARTUP_CONFIG, "cannot read %s: %s", path,
		    errno_s);

	if ((json = json_loadb(gw_openapi, gw_openapi_len, 0, &jerr)) == NULL)
		startup_fail(STARTUP_CONFIG, "%s is not valid JSON: %s (line "
		    "%d)", path, jerr.text, jerr.line);
	json_decref(json);
}

/*
 * API_HOST:API_PORT, bound now: a busy port is a configuration error.
 */
static void
startup_listen(void)
{
	struct kore_server	*srv;
	struct addrinfo		 hints, *res;
	int			 r, saved;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;

	r = getaddrinfo(gw_cfg.api_host, gw_cfg.api_port, &hints, &res);
	if (r != 0)
		startup_fail(STARTUP_CONFIG, "API_HOST \"%s\" is not an "
		    "address this machine can listen on: %s", gw_cfg.api_host,
		    gai_strerror(r));
	freeaddrinfo(res);

	if ((srv = kore_server_lookup(STARTUP_SERVER)) == NULL)
		srv = kore_server_create(STARTUP_SERVER);
	srv->tls = 0;

	errno = 0;
	if (!kore_server_bind(srv, gw_cfg.api_host, gw_cfg.api_port,
	    "gw_http_connect")) {
		saved = errno;
		startup_fail(STARTUP_CONFIG, "cannot listen on %s:%s "
		    "(API_HOST:API_PORT): %s", gw_cfg.api_host,
		    gw_cfg.api_port, saved ? strerror(saved) : "bind failed");
	}
}

/*
 * Connects, retrying with backoff until DB_CONNECT_TIMEOUT has passed (a
 * waking Neon compute, a database still starting).  Failures that no
 * wait will cure (a wrong password, a missing database) end it early.
 */
static PGconn *
startup_connect(void)
{
	struct timespec	 ts;
	PGconn		*conn;
	u_int64_t	 start, deadline, now, delay, left;
	int		 tries, permanent;
	char		 timeout[24], msg[512];
	const char	*keys[] = { "dbname", "connect_timeout", NULL };
	const char	*values[] = { gw_cfg.db.url, timeout, NULL };

	start = kore_time_ms();
	deadline = start + gw_cfg.db_connect_timeout * 1000ULL;
	delay = 250;
	tries = 0;

	for (;;) {
		/* At least 1 s: libpq's 0 would mean no timeout at all. */
		now = kore_time_ms();
		left = now < deadline ? deadline - now : 0;
		if (left < 1000)
			left = 1000;
		(void)snprintf(timeout, sizeof(timeout), "%llu",
		    (unsigned long long)(left + 999) / 1000);

		conn = startup_attempt(keys, values, now + left, &permanent);
		tries++;
		if (conn != NULL && PQstatus(conn) == CONNECTION_OK)
			return (conn);
		if (permanent == -1) {
			/* Refused once by a server that is up: once more. */
			PQfinish(conn);
			continue;
		}

		(void)kore_strlcpy(msg, conn == NULL ? "out of memory" :
		    PQstatus(conn) != CONNECTION_BAD ? "timeout expired" :
		    PQerrorMessage(conn), sizeof(msg));
		PQfinish(conn);
		startup_unlocate(msg);
		startup_oneline(msg);

		now = kore_time_ms();
		if (permanent || now >= deadline)
			startup_fail(STARTUP_DATABASE, "the database does not "
			    "answer (%d attempts in %llu s, DB_CONNECT_TIMEOUT "
			    "%d): %s", tries,
			    (unsigned long long)(now - start + 999) / 1000,
			    gw_cfg.db_connect_timeout, msg);

		if (tries == 1) {
			kore_log(LOG_NOTICE, "%s: the database does not answer "
			    "yet, retrying for up to %d s", GW_NAME,
			    gw_cfg.db_connect_timeout);
		}

		/* The last attempt is at the deadline, not a backoff before. */
		left = deadline - now;
		ts.tv_sec = MIN(delay, left) / 1000;
		ts.tv_nsec = (MIN(delay, left) % 1000) * 1000000;
		(void)nanosleep(&ts, NULL);
		if (sig_recv != 0)
			startup_fail(STARTUP_DATABASE, "interrupted while "
			    "waiting for the database");
		if (delay < 2000)
			delay *= 2;
	}
}

/*
 * The database answers; aido is there and usable; the schema is complete.
 * aido is either flavor: the C extension (its row in pg_extension) or the
 * SQL-only flavor (no extension: the version its install script records
 * last, in aido_config.version, which make install-db reads too; the
 * table is the owner's, its row in pg_class anyone's).  Either way its
 * functions are found on the search_path.  The connection is closed
 * before the workers fork.
 */
static void
startup_database(void)
{
	PGconn		*conn;
	PGresult	*res;
	char		 version[64];
	int		 sqlonly;

	conn = startup_connect();

	res = PQexec(conn, "SELECT "
	    "(SELECT e.extversion FROM pg_catalog.pg_extension e "
	    "WHERE e.extname = 'aido'), "
	    "(SELECT n.nspname FROM pg_catalog.pg_extension e "
	    "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
	    "WHERE e.extname = 'aido'), "
	    "pg_catalog.to_regprocedure('aido_schema_status()') IS NOT NULL, "
	    "CASE WHEN pg_catalog.to_regprocedure("
	    "'aido_task_get(uuid,uuid,uuid)') IS NOT NULL "
	    "THEN pg_catalog.has_function_privilege("
	    "'aido_task_get(uuid,uuid,uuid)', 'EXECUTE') END, "
	    "EXISTS (SELECT FROM pg_catalog.pg_class c "
	    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE n.nspname = 'aido_config' AND c.relname = 'version')");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		startup_fail(STARTUP_EXTENSION, "cannot look for aido: %s",
		    PQresultErrorMessage(res));

	sqlonly = PQgetisnull(res, 0, 0) &&
	    !strcmp(PQgetvalue(res, 0, 4), "t");
	if (PQgetisnull(res, 0, 0) && !sqlonly)
		startup_fail(STARTUP_EXTENSION, "aido is not installed in "
		    "database \"%s\": run make install-db (or CREATE "
		    "EXTENSION aido; SELECT aido_bootstrap(); there)",
		    PQdb(conn));

	if (strcmp(PQgetvalue(res, 0, 2), "t")) {
		if (sqlonly)
			startup_fail(STARTUP_EXTENSION, "aido (the SQL-only "
			    "flavor) is installed in database \"%s\", but "
			    "its functions are not on the search_path of "
			    "role \"%s\"", PQdb(conn), PQuser(conn));
		startup_fail(STARTUP_EXTENSION, "the aido extension is in "
		    "schema \"%s\", which is not on the search_path of role "
		    "\"%s\"", PQgetvalue(res, 0, 1), PQuser(conn));
	}

	if (strcmp(PQgetvalue(res, 0, 3), "t"))
		startup_fail(STARTUP_EXTENSION, "role \"%s\" may not call "
		    "aido's functions: GRANT aido_api TO \"%s\"",
		    PQuser(conn), PQuser(conn));

	if (sqlonly)
		(void)kore_strlcpy(version, "(SQL-only flavor)",
		    sizeof(version));
	else
		(void)snprintf(version, sizeof(version), "%s",
		    PQgetvalue(res, 0, 0));
	kore_log(LOG_NOTICE, "%s: database \"%s\", aido %s", GW_NAME,
	    PQdb(conn), version);
	PQclear(res);

	startup_schema(conn);
	PQfinish(conn);
}

/* aido_schema_status(): every object of the schema is there. */
static void
startup_schema(PGconn *conn)
{
	PGresult	*res;
	char		 missing[256];
	int		 i, n;

	res = PQexec(conn, "SELECT kind, name FROM aido_schema_status() "
	    "WHERE NOT present");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		startup_fail(STARTUP_SCHEMA, "cannot check the aido schema: "
		    "%s", PQresultErrorMessage(res));

	if ((n = PQntuples(res)) > 0) {
		missing[0] = '\0';
		for (i = 0; i < n && i < 3; i++) {
			(void)snprintf(missing + strlen(missing),
			    sizeof(missing) - strlen(missing), "%s%s %s",
			    i ? ", " : "", PQgetvalue(res, i, 0),
			    PQgetvalue(res, i, 1));
		}
		startup_fail(STARTUP_SCHEMA, "the aido schema is incomplete "
		    "in database \"%s\": %d objects missing (%s%s): run "
		    "SELECT aido_bootstrap(); there", PQdb(conn), n, missing,
		    n > 3 ? ", ..." : "");
	}

	PQclear(res);
}

/* libpq's multi-line messages, on one line. */
static void
startup_oneline(char *msg)
{
	char	*p, *q;

	for (p = q = msg; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			if (q > msg && q[-1] != ' ')
				*q++ = ' ';
			continue;
		}
		*q++ = *p;
	}
	while (q > msg && q[-1] == ' ')
		q--;
	*q = '\0';
}

/*
 * One connection attempt, bounded by until (libpq's connect_timeout does
 * not bound PQconnectPoll, so this does).  On failure, *permanent says
 * whether waiting could cure it (0), not (1), or whether to try again at
 * once before deciding (-1).
 */
static PGconn *
startup_attempt(const char **keys, const char **values, u_int64_t until,
    int *permanent)
{
	PGconn				*conn;
	PostgresPollingStatusType	 st;
	ConnStatusType			 stage;

	*permanent = 0;
	if ((conn = PQconnectStartParams(keys, values, 1)) == NULL)
		return (NULL);
	/* The server's SQLSTATE in the message (startup_refused). */
	(void)PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);

	stage = PQstatus(conn);
	st = PGRES_POLLING_WRITING;
	while (stage != CONNECTION_BAD && st != PGRES_POLLING_OK) {
		if (!startup_poll(conn, st, until))
			return (conn);		/* timed out: not permanent */
		stage = PQstatus(conn);
		if ((st = PQconnectPoll(conn)) == PGRES_POLLING_FAILED)
			break;
	}

	if (PQstatus(conn) == CONNECTION_BAD)
		*permanent = startup_refused(conn, stage, keys, values);

	return (conn);
}

/* Waits until conn's socket is ready for st, or until; 0 on timeout. */
static int
startup_poll(PGconn *conn, PostgresPollingStatusType st, u_int64_t until)
{
	struct pollfd	pfd;
	u_int64_t	now;
	int		ret;

	pfd.fd = PQsocket(conn);
	pfd.events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
	do {
		if ((now = kore_time_ms()) >= until)
			return (0);
		ret = poll(&pfd, 1, (int)MIN(until - now, 1000));
		if (sig_recv != 0)
			startup_fail(STARTUP_DATABASE, "interrupted while "
			    "waiting for the database");
	} while (ret == 0 || (ret == -1 && errno == EINTR));

	return (1);
}

/*
 * Whether waiting may cure a failed attempt: 0 (retry with backoff until
 * DB_CONNECT_TIMEOUT), 1 (no wait cures it: stop now), -1 (try again at
 * once before deciding).  libpq has no call that gives the SQLSTATE of a
 * failed connection (PQgetResult returns none once it is bad), but with
 * PQERRORS_VERBOSE, set before the attempt, it writes the server's
 * SQLSTATE field into the message ("FATAL:  28P01: ..."): that field is
 * read (startup_sqlstate), never the message's words.  In order:
 * - PQconnectionNeedsPassword: asked for a password the URL lacks: stop;
 * - failed in the TLS handshake (PQstatus was CONNECTION_SSL_STARTUP):
 *   a server without TLS, or a certificate that does not verify or does
 *   not name the host (verify-ca, verify-full): stop;
 * - a SQLSTATE from the server, or from a proxy in front of it:
 *   class 28 (a wrong password, an unknown role, pg_hba.conf, a role
 *   that may not log in), 3D000 (no such database) and 42501 (no
 *   CONNECT privilege): stop; anything else but 08P01 is waited for,
 *   among them 57P03 (starting up, shutting down), 53300 (too many
 *   connections) and XX000 (Neon's proxy: "Couldn't connect to compute
 *   node" while the compute cannot wake; also its other own errors,
 *   which waiting does not cure but cannot be told apart);
 * - no SQLSTATE, after the server took the startup packet: a failure of
 *   libpq's own in the authentication (channel_binding=require refused,
 *   an authentication method it may not use), or the connection lost;
 *   or 08P01, which PgBouncer (1.18) gives for all its refusals, a wrong
 *   password and the server's 53300 alike.  A server that then answers
 *   PQping (PQPING_OK) and refuses a second attempt right away the same
 *   way: stop;
 * - no SQLSTATE before that (refused, unreachable, timed out): wait.
 */
static int
startup_refused(PGconn *conn, ConnStatusType stage, const char **keys,
    const char **values)
{
	static int	refusals;
	char		code[6];

	if (PQconnectionNeedsPassword(conn) || stage == CONNECTION_SSL_STARTUP)
		return (1);

	if (startup_sqlstate(PQerrorMessage(conn), code) &&
	    strcmp(code, "08P01")) {
		refusals = 0;
		return (!strncmp(code, "28", 2) || !strcmp(code, "3D000") ||
		    !strcmp(code, "42501"));
	}

	if ((stage != CONNECTION_AWAITING_RESPONSE &&
	    stage != CONNECTION_AUTH_OK) ||
	    PQpingParams(keys, values, 1) != PQPING_OK) {
		refusals = 0;
		return (0);
	}

	return (++refusals >= 2 ? 1 : -1);
}

/*
 * The last SQLSTATE in a message libpq wrote with PQERRORS_VERBOSE
 * ("SEVERITY:  XXXXX: message"; several hosts, several lines), into
 * code; 0 when there is none (a failure of libpq's own).
 */
static int
startup_sqlstate(const char *msg, char code[6])
{
	const char	*p;
	int		 i, found;

	found = 0;
	for (p = msg; (p = strstr(p, ":  ")) != NULL; p++) {
		for (i = 0; i < 5; i++) {
			if (!isdigit((unsigned char)p[3 + i]) &&
			    !isupper((unsigned char)p[3 + i]))
				break;
		}
		if (i == 5 && p[8] == ':') {
			memcpy(code, p + 3, 5);
			code[5] = '\0';
			found = 1;
		}
	}

	return (found);
}

/*
 * The LOCATION lines PQERRORS_VERBOSE adds (the server's source file and
 * line) go: the one line says what failed, with its SQLSTATE.
 */
static void
startup_unlocate(char *msg)
{
	char	*p, *end;

	while ((p = strstr(msg, "\nLOCATION:")) != NULL) {
		if ((end = strchr(p + 1, '\n')) == NULL) {
			*p = '\0';
			break;
		}
		memmove(p, end, strlen(end) + 1);
	}
}
