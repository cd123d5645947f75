/*
 * gateway/config.c, dburl.c, redact.c, dotenv.c, file.c: DATABASE_URL as
 * handed to libpq and its redaction, the .env parser, the file reader,
 * and the checks of every variable of API.md §4.
 */

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "../../gateway/config.h"
#include "tap.h"

struct env {
	const char	*kv[32][2];
	int		 n;
};

static const char *
env_get(const char *name, void *arg)
{
	struct env	*e = arg;
	int		 i;

	for (i = 0; i < e->n; i++) {
		if (!strcmp(e->kv[i][0], name))
			return (e->kv[i][1]);
	}

	return (NULL);
}

static void
env_set(struct env *e, const char *k, const char *v)
{
	int		i;

	for (i = 0; i < e->n; i++) {
		if (!strcmp(e->kv[i][0], k)) {
			e->kv[i][1] = v;
			return;
		}
	}
	e->kv[e->n][0] = k;
	e->kv[e->n][1] = v;
	e->n++;
}

static void
env_good(struct env *e)
{
	memset(e, 0, sizeof(*e));
	env_set(e, "DATABASE_URL", "postgresql://app:s3cret@localhost/aido");
	env_set(e, "JWT_SECRET", "0123456789abcdef0123456789abcdef");
}

/* The normalised URL of in, or the error text prefixed by "ERR: ". */
static char	norm_buf[1024];

static const char *
norm(const char *in)
{
	struct gw_dburl	db;
	char		err[512];

	if (gw_config_dburl(in, 10, &db, err, sizeof(err)) == -1) {
		(void)snprintf(norm_buf, sizeof(norm_buf), "ERR: %s", err);
		return (norm_buf);
	}
	(void)snprintf(norm_buf, sizeof(norm_buf), "%s", db.url);
	gw_config_dburl_free(&db);

	return (norm_buf);
}

/* The value libpq takes for key from url (the last one given). */
static char	libpq_buf[256];

static const char *
libpq_value(const char *url, const char *key)
{
	PQconninfoOption	*opts, *o;

	libpq_buf[0] = '\0';
	if ((opts = PQconninfoParse(url, NULL)) == NULL)
		return ("(not parsed)");
	for (o = opts; o->keyword != NULL; o++) {
		if (!strcmp(o->keyword, key) && o->val != NULL)
			(void)snprintf(libpq_buf, sizeof(libpq_buf), "%s",
			    o->val);
	}
	PQconninfoFree(opts);

	return (libpq_buf);
}

static void
test_dburl(void)
{
	struct gw_dburl	db;
	char		err[512];

	is_str(norm("postgresql://u:p@localhost:5432/aido"),
	    "postgresql://u:p@localhost:5432/aido?connect_timeout=10"
	    "&fallback_application_name=aido-gateway",
	    "a local URL gets connect_timeout and application_name only");
	is_str(norm("postgres://u:p@localhost/aido"),
	    "postgresql://u:p@localhost/aido?connect_timeout=10"
	    "&fallback_application_name=aido-gateway",
	    "postgres:// becomes postgresql://");
	is_str(norm("postgresql+psycopg://u:p@127.0.0.1/aido"),
	    "postgresql://u:p@127.0.0.1/aido?connect_timeout=10"
	    "&fallback_application_name=aido-gateway",
	    "postgresql+psycopg:// becomes postgresql://");
	is_str(norm("postgresql+psycopg2://u:p@[::1]:5433/aido"),
	    "postgresql://u:p@[::1]:5433/aido?connect_timeout=10"
	    "&fallback_application_name=aido-gateway",
	    "postgresql+psycopg2:// becomes postgresql://, ::1 is local");
	is_str(norm("POSTGRESQL+ASYNCPG://u:p@db.example.com/aido?ssl=require"),
	    "postgresql://u:p@db.example.com/aido?sslmode=require"
	    "&connect_timeout=10&fallback_application_name=aido-gateway",
	    "postgresql+asyncpg:// becomes postgresql://, its ssl= sslmode=");
	is_str(norm("postgresql://u:p@ep-cool-1.neon.tech/neondb"),
	    "postgresql://u:p@ep-cool-1.neon.tech/neondb?sslmode=require"
	    "&connect_timeout=10&fallback_application_name=aido-gateway",
	    "a remote host without sslmode gets sslmode=require");
	is_str(norm("postgresql://u:p@db.example.com/aido?sslmode=disable"),
	    "postgresql://u:p@db.example.com/aido?sslmode=disable"
	    "&connect_timeout=10&fallback_application_name=aido-gateway",
	    "an explicit sslmode is kept");
	is_str(norm("postgresql://u:p@db.example.com/aido?sslmode=verify-full"
	    "&application_name=mine&connect_timeout=99"),
	    "postgresql://u:p@db.example.com/aido?sslmode=verify-full"
	    "&application_name=mine&connect_timeout=99&connect_timeout=10"
	    "&fallback_application_name=aido-gateway",
	    "application_name is kept, connect_timeout is DB_CONNECT_TIMEOUT");
	is_str(libpq_value(norm_buf, "connect_timeout"), "10",
	    "libpq takes DB_CONNECT_TIMEOUT, appended last");
	is_str(libpq_value(norm_buf, "application_name"), "mine",
	    "and the URL's own application_name");
	is_str(norm("postgresql://u:p@db.example.com/aido?ssl=true"),
	    "postgresql://u:p@db.example.com/aido?sslmode=require"
	    "&connect_timeout=10&fallback_application_name=aido-gateway",
	    "ssl=true is sslmode=require");
	is_str(norm("postgresql://u:p@db.example.com/aido?"),
	    "postgresql://u:p@db.example.com/aido?sslmode=require"
	    "&connect_timeout=10&fallback_application_name=aido-gateway",
	    "an empty query takes the options without a stray &");
	is_str(norm("postgresql://u:p@10.1.2.3:5432/aido"),
	    "postgresql://u:p@10.1.2.3:5432/aido?sslmode=require"
	    "&connect_timeout=10&fallback_application_name=aido-gateway",
	    "a private but not local address is remote");
	is_str(norm("postgresql://u:p@127.0.0.2/aido"),
	    "postgresql://u:p@127.0.0.2/aido?connect_timeout=10"
	    "&fallback_application_name=aido-gateway", "127.0.0.0/8 is local");
	is_str(norm("postgresql:///aido"),
	    "postgresql:///aido?connect_timeout=10"
	    "&fallback_application_name=aido-gateway",
	    "no host at all (the default socket) is local");
	is_str(norm("postgresql://u:p@%2Fvar%2Frun%2Fpostgresql/aido"),
	    "postgresql://u:p@%2Fvar%2Frun%2Fpostgresql/aido"
	    "?connect_timeout=10&fallback_application_name=aido-gateway",
	    "a %%-encoded socket directory is local");
	is_str(norm("postgresql://u:p@/aido?host=/tmp&port=5433"),
	    "postgresql://u:p@/aido?host=/tmp&port=5433&connect_timeout=10"
	    "&fallback_application_name=aido-gateway",
	    "a socket directory in host= is local");
	is_str(norm("postgresql://u:p@localhost/aido?host=db.example.com"),
	    "postgresql://u:p@localhost/aido?host=db.example.com"
	    "&sslmode=require&connect_timeout=10"
	    "&fallback_application_name=aido-gateway",
	    "host= overrides the URI's host for locality");
	is_str(norm("postgresql://u:p@localhost,db.example.com/aido"),
	    "postgresql://u:p@localhost,db.example.com/aido?sslmode=require"
	    "&connect_timeout=10&fallback_application_name=aido-gateway",
	    "several hosts: local only when all are");
	is_str(norm("postgresql://u:p@w@rd@localhost/aido"),
	    "postgresql://u:p%40w%40rd@localhost/aido?connect_timeout=10"
	    "&fallback_application_name=aido-gateway",
	    "a raw '@' in the password is re-encoded");
	is_str(norm("postgresql://user%40corp:p%2Fq@localhost/aido"),
	    "postgresql://user%40corp:p%2Fq@localhost/aido?connect_timeout=10"
	    "&fallback_application_name=aido-gateway",
	    "encoded user and password stay encoded");
	is_str(norm("  postgresql://u@localhost/aido\n"),
	    "postgresql://u@localhost/aido?connect_timeout=10"
	    "&fallback_application_name=aido-gateway",
	    "surrounding whitespace is ignored; no password is fine");

	like(norm("not a url at all"), "ERR: DATABASE_URL is not a URL",
	    "a string that is not a URL is refused");
	like(norm("mysql://u:p@localhost/aido"),
	    "ERR: DATABASE_URL has the scheme \"mysql\"",
	    "another database system is refused, naming the scheme");
	like(norm("postgresql+pg8000://u:p@localhost/aido"),
	    "ERR: DATABASE_URL", "an unsupported driver is refused");
	like(norm("postgresql://u:p@localhost:port/aido"),
	    "ERR: DATABASE_URL is malformed", "a non-numeric port is refused");
	like(norm("postgresql://u:p@localhost/aido?bogus=1"),
	    "ERR: DATABASE_URL is malformed",
	    "an unknown parameter is refused");
	like(norm("postgresql://u:p@localhost/aido?sslmode"),
	    "ERR: DATABASE_URL is malformed",
	    "a parameter without = is refused");
	like(norm("postgresql://u:%zz@localhost/aido"),
	    "ERR: DATABASE_URL is malformed", "a bad %%-escape is refused");
	unlike(norm("postgresql://u:hunter2%zz@localhost/aido"), "hunter2",
	    "the error of a bad password escape does not show it");
	like(norm("postgresql://u:p@[::1/aido"), "ERR: DATABASE_URL",
	    "an unclosed IPv6 bracket is refused");
	unlike(norm("postgresql://u:hunter2@[::1/aido"), "hunter2",
	    "libpq's error quoting the whole URL does not show the password");
	like(norm_buf, "postgresql://u:", "(libpq's error is shown)");
	unlike(norm("postgresql://h/aido?password=hunter2%zz"), "hunter2",
	    "nor that of a bad password= escape");
	like(norm("postgresql://u:p@localhost:65536/aido"),
	    "ERR: DATABASE_URL is malformed", "a port beyond 65535 is refused");
	like(norm("postgresql://u:p@h1:5432,h2:x/aido"),
	    "ERR: DATABASE_URL is malformed", "so is a bad port in a list");

	unlike(norm("postgresql://u:p@localhost/aido"), "sslmode",
	    "localhost: local");
	like(norm("postgresql://u:p@neon.tech/aido"), "sslmode=require",
	    "neon.tech: remote");
	unlike(norm("postgresql://u:p@db/aido?hostaddr=127.0.0.1"),
	    "sslmode", "hostaddr decides locality");

	ok(gw_config_dburl("postgresql://app:s3cr%40t@db.example.com/aido",
	    5, &db, err, sizeof(err)) == 0, "a remote URL with a password");
	is_str(db.redacted, "postgresql://app:***@db.example.com/aido"
	    "?sslmode=require&connect_timeout=5&fallback_application_name=aido-gateway",
	    "its redacted form hides the password");
	is_str(db.password, "s3cr@t", "the decoded password is kept for "
	    "scrubbing");
	gw_config_dburl_free(&db);

	ok(gw_config_dburl("postgresql://app@localhost/aido?password=pw%21",
	    5, &db, err, sizeof(err)) == 0 && db.password != NULL &&
	    !strcmp(db.password, "pw!") && strstr(db.redacted, "pw") == NULL,
	    "a password= parameter is kept for scrubbing and redacted");
	gw_config_dburl_free(&db);
}

static void
test_redact(void)
{
	char	*r, msg[128];

	r = gw_config_redact("postgresql://u:pw@h/db");
	is_str(r, "postgresql://u:***@h/db", "the password is redacted");
	free(r);
	r = gw_config_redact("postgresql://u:p@ss@w:rd@h/db?x=1");
	is_str(r, "postgresql://u:***@h/db?x=1",
	    "a password with raw '@' and ':' is redacted whole");
	free(r);
	r = gw_config_redact("postgresql://u:p?w@h/db");
	is_str(r, "postgresql://u:***@h/db", "a password libpq reads past a "
	    "'?' (found by test/fuzz) is redacted whole");
	free(r);
	r = gw_config_redact("postgresql://u@h/db");
	is_str(r, "postgresql://u@h/db", "no password: unchanged");
	free(r);
	r = gw_config_redact("postgresql://h/db?user=u&password=pw&sslmode=x");
	is_str(r, "postgresql://h/db?user=u&password=***&sslmode=x",
	    "a password= parameter is redacted");
	free(r);
	r = gw_config_redact("garbage without scheme");
	is_str(r, "garbage without scheme", "a non-URL is returned as is");
	free(r);

	(void)snprintf(msg, sizeof(msg), "failed for \"pw123\" at pw123");
	gw_config_scrub(msg, "pw123");
	is_str(msg, "failed for \"*****\" at *****",
	    "scrub hides every occurrence of a secret");

	(void)snprintf(msg, sizeof(msg), "bad \"s3%%zz\" and \"x%%zz\"");
	gw_config_scrub_url(msg, "postgresql://u:s3%zz@h/d?password=x%zz");
	is_str(msg, "bad \"*****\" and \"****\"",
	    "scrub_url hides a URL's passwords as written in it");

	/* Found by test/fuzz (fuzz_config): it used to loop forever. */
	(void)snprintf(msg, sizeof(msg), "postgresql://u:***@h/d * **");
	gw_config_scrub(msg, "**");
	is_str(msg, "postgresql://u:***@h/d * **",
	    "scrub of a secret made of '*' ends (and changes nothing)");
}

struct kvlist {
	char	buf[2048];
};

static int
kv_collect(const char *k, const char *v, void *arg)
{
	struct kvlist	*l = arg;
	size_t		 n = strlen(l->buf);

	(void)snprintf(l->buf + n, sizeof(l->buf) - n, "[%s=%s]", k, v);
	return (0);
}

static const char *
dotenv(const char *text, struct kvlist *l)
{
	static char	err[256];

	l->buf[0] = '\0';
	err[0] = '\0';
	if (gw_config_dotenv(text, strlen(text), kv_collect, l, err,
	    sizeof(err)) == -1)
		return (err);

	return (l->buf);
}

static void
test_dotenv(void)
{
	struct kvlist	l;
	char		err[256];

	is_str(dotenv("A=1\nB=two\n", &l), "[A=1][B=two]", "plain KEY=VALUE");
	is_str(dotenv("# comment\n\n   \nA=1\n  # indented comment\n", &l),
	    "[A=1]", "comments and blank lines are skipped");
	is_str(dotenv("export A=1\nexport\tB=2\n", &l), "[A=1][B=2]",
	    "an export prefix is accepted");
	is_str(dotenv("A = 1 \n", &l), "[A=1]", "spaces around = are trimmed");
	is_str(dotenv("A=\"x y # not a comment\"\n", &l),
	    "[A=x y # not a comment]", "double quotes keep spaces and #");
	is_str(dotenv("A='it''s'\n", &l), ".env line 1 has text after the "
	    "closing quote", "text after a closing quote is an error");
	is_str(dotenv("A='$HOME \\n'\n", &l), "[A=$HOME \\n]",
	    "single quotes are literal");
	is_str(dotenv("A=\"a\\nb\\\"c\\\\\"\n", &l), "[A=a\nb\"c\\]",
	    "double quotes know \\n, \\\" and \\\\");
	is_str(dotenv("A=value # comment\n", &l), "[A=value]",
	    "an inline comment after a space is dropped");
	is_str(dotenv("A=pass#word\n", &l), "[A=pass#word]",
	    "a # inside a value is kept");
	is_str(dotenv("A=1\r\nB=2\r\n", &l), "[A=1][B=2]", "CRLF lines");
	is_str(dotenv("A=\nB=\"\"\n", &l), "[A=][B=]", "empty values");
	is_str(dotenv("A=1", &l), "[A=1]", "no final newline");
	is_str(dotenv("URL=postgresql://u:p@h/d?a=1&b=2\n", &l),
	    "[URL=postgresql://u:p@h/d?a=1&b=2]", "= inside a value is kept");
	is_str(dotenv("A=1\nnot an assignment\n", &l),
	    ".env line 2 is not KEY=VALUE", "a line without = is an error");
	is_str(dotenv("1A=1\n", &l), ".env line 1 is not KEY=VALUE",
	    "a key may not start with a digit");
	is_str(dotenv("A=\"open\n", &l), ".env line 1 has an unterminated "
	    "quote", "an unterminated quote is an error");
	l.buf[0] = '\0';
	ok(gw_config_dotenv("A=1\nB=x\0y\n", 10, kv_collect, &l, err,
	    sizeof(err)) == -1 && !strcmp(err, ".env line 2 holds a NUL"),
	    "a NUL in a value is an error");
}

static void
bail(const char *what, const char *path)
{
	printf("Bail out! %s %s\n", what, path);
	exit(1);
}

/* A file of text in dir, named name. */
static void
put(const char *dir, const char *name, const char *text)
{
	FILE	*f;
	char	 path[512];

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) == EOF)
		bail("cannot write", path);
}

static void
test_dotenv_load(void)
{
	char	dir[] = "/tmp/aido-test-config-XXXXXX", path[512], err[256];
	char	*text;
	size_t	len;

	if (mkdtemp(dir) == NULL)
		bail("mkdtemp", dir);

	(void)snprintf(path, sizeof(path), "%s/.env", dir);
	ok(gw_config_dotenv_load(path, err, sizeof(err)) == 0,
	    "no .env: nothing to do");

	put(dir, ".env", "AIDO_T_ONE='from .env'\nAIDO_T_TWO=\"a\\tb\"\n"
	    "AIDO_T_ENV=from .env # a comment\n");
	(void)setenv("AIDO_T_ENV", "from the environment", 1);
	ok(gw_config_dotenv_load(path, err, sizeof(err)) == 0, ".env loads");
	is_str(getenv("AIDO_T_ONE"), "from .env", "its variables are set");
	is_str(getenv("AIDO_T_TWO"), "a\tb", "with its quoting rules");
	is_str(getenv("AIDO_T_ENV"), "from the environment",
	    "the environment wins over .env");

	put(dir, ".env", "AIDO_T_THREE=1\nwhat?\n");
	ok(gw_config_dotenv_load(path, err, sizeof(err)) == -1,
	    "a bad .env is an error");
	is_str(err, ".env line 2 is not KEY=VALUE", "naming its line");

	errno = 0;
	ok(gw_file_read(dir, 1024, &len) == NULL && errno == EISDIR,
	    "gw_file_read refuses a directory");
	errno = 0;
	ok(gw_file_read(path, 4, &len) == NULL && errno == EFBIG,
	    "and a file over its limit");
	text = gw_file_read(path, 1024, &len);
	ok(text != NULL && len == 21 && text[len] == '\0',
	    "and reads a whole file, NUL-terminated");
	free(text);
	ok(gw_config_dotenv_load(dir, err, sizeof(err)) == -1 &&
	    strstr(err, "cannot read") != NULL, "a .env that is a directory "
	    "cannot be read");

	(void)unlink(path);
	(void)rmdir(dir);
}

static const char *
load(struct env *e, struct gw_config *cfg)
{
	static char	err[512];

	if (gw_config_load(cfg, env_get, e, err, sizeof(err)) == -1)
		return (err);

	return (NULL);
}

static void
test_load(void)
{
	struct gw_config	cfg;
	struct env		e;
	const char		*r;

	env_good(&e);
	r = load(&e, &cfg);
	ok(r == NULL, "a minimal configuration loads");
	if (r == NULL) {
		is_str(cfg.api_host, "127.0.0.1", "API_HOST defaults to "
		    "127.0.0.1");
		is_str(cfg.api_port, "8000", "API_PORT defaults to 8000");
		is_int(cfg.db_pool_size, 15, "DB_POOL_SIZE defaults to 15");
		is_int(cfg.db_connect_timeout, 10, "DB_CONNECT_TIMEOUT "
		    "defaults to 10");
		is_int(cfg.db_pool_recycle, 300, "DB_POOL_RECYCLE defaults "
		    "to 300");
		is_int(cfg.jwt_ttl, 86400, "JWT_TTL defaults to 86400");
		ok(cfg.norigins == 1 && gw_config_origin(&cfg,
		    "http://localhost:3000"), "FRONTEND_URL defaults to "
		    "http://localhost:3000");
		ok(!gw_config_origin(&cfg, "http://evil.example"),
		    "another origin is not allowed");
		gw_config_free(&cfg);
	}

	env_set(&e, "DATABASE_URL", NULL);
	like(load(&e, &cfg), "DATABASE_URL is not set", "no DATABASE_URL");
	env_set(&e, "DATABASE_URL", "");
	like(load(&e, &cfg), "DATABASE_URL is not set", "empty DATABASE_URL");
	env_set(&e, "DATABASE_URL", "mysql://u:pw@h/d");
	like(load(&e, &cfg), "DATABASE_URL", "mysql DATABASE_URL");
	unlike(load(&e, &cfg), "pw@", "its error does not show the password");

	env_good(&e);
	env_set(&e, "JWT_SECRET", NULL);
	like(load(&e, &cfg), "JWT_SECRET is not set", "no JWT_SECRET");
	env_set(&e, "JWT_SECRET", "0123456789abcdef0123456789abcde");
	like(load(&e, &cfg), "JWT_SECRET is 31 bytes long",
	    "a 31-byte JWT_SECRET is refused");
	unlike(load(&e, &cfg), "0123456789", "without showing it");
	env_set(&e, "JWT_SECRET", "0123456789abcdef0123456789abcdef");
	ok(load(&e, &cfg) == NULL, "a 32-byte JWT_SECRET is accepted");
	gw_config_free(&cfg);

	env_good(&e);
	env_set(&e, "DATABASE_URL", NULL);
	env_set(&e, "JWT_SECRET", NULL);
	like(load(&e, &cfg), "DATABASE_URL", "DATABASE_URL is checked first");

	env_good(&e);
	env_set(&e, "API_PORT", "eighty");
	like(load(&e, &cfg), "API_PORT", "a non-numeric API_PORT");
	env_set(&e, "API_PORT", "70000");
	like(load(&e, &cfg), "API_PORT", "an API_PORT beyond 65535");
	env_set(&e, "API_PORT", "0");
	like(load(&e, &cfg), "API_PORT", "API_PORT 0");
	env_set(&e, "API_PORT", "99999999999999999999");
	like(load(&e, &cfg), "API_PORT", "a huge API_PORT");
	env_set(&e, "API_PORT", "8080");
	env_set(&e, "API_HOST", "0.0.0.0");
	ok(load(&e, &cfg) == NULL && !strcmp(cfg.api_port, "8080") &&
	    !strcmp(cfg.api_host, "0.0.0.0"), "API_HOST and API_PORT are read");
	gw_config_free(&cfg);

	env_good(&e);
	env_set(&e, "DB_POOL_SIZE", "0");
	like(load(&e, &cfg), "DB_POOL_SIZE", "DB_POOL_SIZE 0");
	env_set(&e, "DB_POOL_SIZE", "-3");
	like(load(&e, &cfg), "DB_POOL_SIZE", "a negative DB_POOL_SIZE");
	env_good(&e);
	env_set(&e, "DB_CONNECT_TIMEOUT", "soon");
	like(load(&e, &cfg), "DB_CONNECT_TIMEOUT", "DB_CONNECT_TIMEOUT soon");
	env_good(&e);
	env_set(&e, "DB_POOL_RECYCLE", "-1");
	like(load(&e, &cfg), "DB_POOL_RECYCLE", "DB_POOL_RECYCLE -1");
	env_set(&e, "DB_POOL_RECYCLE", "0");
	ok(load(&e, &cfg) == NULL && cfg.db_pool_recycle == 0,
	    "DB_POOL_RECYCLE 0 (never) is accepted");
	gw_config_free(&cfg);
	env_good(&e);
	env_set(&e, "JWT_TTL", "a day");
	like(load(&e, &cfg), "JWT_TTL", "JWT_TTL a day");
	env_set(&e, "JWT_TTL", "59");
	like(load(&e, &cfg), "JWT_TTL", "JWT_TTL under a minute (the session "
	    "functions refuse it)");
	env_set(&e, "JWT_TTL", "120");
	ok(load(&e, &cfg) == NULL && cfg.jwt_ttl == 120, "JWT_TTL 120");
	gw_config_free(&cfg);

	env_good(&e);
	env_set(&e, "DB_CONNECT_TIMEOUT", "3");
	ok(load(&e, &cfg) == NULL && strstr(cfg.db.url, "connect_timeout=3"),
	    "DB_CONNECT_TIMEOUT goes into the URL");
	gw_config_free(&cfg);

	env_good(&e);
	env_set(&e, "FRONTEND_URL", "http://localhost:3000/, "
	    "https://App.Example.com ,http://127.0.0.1:5173");
	ok(load(&e, &cfg) == NULL, "several FRONTEND_URLs load");
	ok(cfg.norigins == 3, "three origins");
	ok(gw_config_origin(&cfg, "http://localhost:3000"),
	    "a trailing slash is ignored");
	ok(gw_config_origin(&cfg, "https://app.example.com"),
	    "origins compare case-insensitively");
	ok(gw_config_origin(&cfg, "http://127.0.0.1:5173"), "third origin");
	ok(!gw_config_origin(&cfg, "http://127.0.0.1:5174"),
	    "another port is another origin");
	ok(!gw_config_origin(&cfg, NULL), "no Origin header: no match");
	gw_config_free(&cfg);
	env_set(&e, "FRONTEND_URL", "localhost:3000");
	like(load(&e, &cfg), "FRONTEND_URL", "an origin without scheme");
	env_set(&e, "FRONTEND_URL", "http://localhost:3000/app");
	like(load(&e, &cfg), "FRONTEND_URL", "an origin with a path");
	env_set(&e, "FRONTEND_URL", "*");
	ok(load(&e, &cfg) == NULL && gw_config_origin(&cfg,
	    "https://anything.example"), "* allows every origin");
	gw_config_free(&cfg);

	env_good(&e);
	ok(load(&e, &cfg) == NULL && cfg.auth_jwks_url == NULL &&
	    cfg.auth_hs256_secret == NULL && cfg.auth_issuer == NULL &&
	    cfg.auth_audience == NULL, "the AUTH_* variables are unset by "
	    "default");
	gw_config_free(&cfg);
	env_set(&e, "AUTH_JWKS_URL", "http://localhost:3000/api/auth/jwks");
	env_set(&e, "AUTH_ISSUER", "http://localhost:3000");
	env_set(&e, "AUTH_AUDIENCE", "http://localhost:3000");
	env_set(&e, "AUTH_HS256_SECRET", "a provider secret of 32 bytes...");
	ok(load(&e, &cfg) == NULL && cfg.auth_jwks_url != NULL &&
	    !strcmp(cfg.auth_issuer, "http://localhost:3000") &&
	    !strcmp(cfg.auth_audience, "http://localhost:3000"),
	    "AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE, AUTH_HS256_SECRET load");
	gw_config_free(&cfg);
	env_set(&e, "AUTH_JWKS_URL", "HTTPS://auth.example.com/jwks");
	ok(load(&e, &cfg) == NULL, "an https AUTH_JWKS_URL loads");
	gw_config_free(&cfg);
	env_set(&e, "AUTH_JWKS_URL", "localhost:3000/api/auth/jwks");
	like(load(&e, &cfg), "AUTH_JWKS_URL must be an http", "an "
	    "AUTH_JWKS_URL without scheme is refused");
	env_set(&e, "AUTH_JWKS_URL", "file:///etc/passwd");
	like(load(&e, &cfg), "AUTH_JWKS_URL", "a file: AUTH_JWKS_URL is "
	    "refused");
	env_set(&e, "AUTH_JWKS_URL", "http://");
	like(load(&e, &cfg), "AUTH_JWKS_URL", "an AUTH_JWKS_URL without host");
	env_set(&e, "AUTH_JWKS_URL", "http://a b/jwks");
	like(load(&e, &cfg), "AUTH_JWKS_URL", "an AUTH_JWKS_URL with a space");
	env_set(&e, "AUTH_JWKS_URL", NULL);
	env_set(&e, "AUTH_HS256_SECRET", "short secret");
	like(load(&e, &cfg), "AUTH_HS256_SECRET is 12 bytes long",
	    "a short AUTH_HS256_SECRET is refused");
	unlike(load(&e, &cfg), "short secret", "without showing it");
	env_set(&e, "JWT_SECRET", "the same secret for both, 32 bytes");
	env_set(&e, "AUTH_HS256_SECRET", "the same secret for both, 32 bytes");
	like(load(&e, &cfg), "must differ from JWT_SECRET",
	    "AUTH_HS256_SECRET equal to JWT_SECRET is refused");
}

int
main(void)
{
	test_dburl();
	test_redact();
	test_dotenv();
	test_dotenv_load();
	test_load();

	return (tap_done());
}
