/*
 * Configuration: the variables of API.md §4 with their defaults, read
 * through a getenv-like function (the environment, after .env was merged
 * into it), checked in the order the contract gives, each failure
 * described by one sentence that names the variable.
 *
 * DATABASE_URL is rewritten into the URI the gateway hands to libpq:
 * SQLAlchemy's scheme variants become postgresql://, sslmode=require is
 * added for a host that is not local, connect_timeout and
 * application_name are set.  Its password never leaves this file except
 * inside the URI itself: logs get the redacted form.
 */

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "config.h"

struct sbuf {
	char		*data;
	size_t		 len;
	size_t		 cap;
	int		 failed;
};

static void	sbuf_append(struct sbuf *, const char *, size_t);
static void	sbuf_puts(struct sbuf *, const char *);
static void	sbuf_printf(struct sbuf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static char	*sbuf_finish(struct sbuf *);

static void	config_error(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	config_int(gw_config_getenv, void *, const char *, int, int,
		    int, int *, const char *, char *, size_t);
static char	*config_str(gw_config_getenv, void *, const char *,
		    const char *);
static int	config_auth(const struct gw_config *, char *, size_t);
static int	config_origins(struct gw_config *, const char *, char *,
		    size_t);

static int	dburl_pct_decode(const char *, size_t, char **);
static void	dburl_pct_encode(struct sbuf *, const char *);
static int	dburl_host_local(const char *, size_t);
static int	dburl_hosts(const char *, size_t, int, int *, char *,
		    size_t);
static int	dburl_scheme(const char *, size_t);

static int	dotenv_key(const char *, size_t);

static const char	*dburl_schemes[] = {
	"postgresql",
	"postgres",
	"postgresql+psycopg",
	"postgresql+psycopg2",
	"postgresql+asyncpg",
	NULL
};

/*
 * Reads and checks every variable.  On error, err holds one sentence
 * naming the variable, and -1 is returned.
 */
int
gw_config_load(struct gw_config *cfg, gw_config_getenv get, void *arg,
    char *err, size_t errlen)
{
	const char	*v;
	int		 port;
	char		 portbuf[8];

	memset(cfg, 0, sizeof(*cfg));

	v = get("DATABASE_URL", arg);
	if (v == NULL || *v == '\0') {
		config_error(err, errlen, "DATABASE_URL is not set: give the "
		    "libpq URL of the database, e.g. "
		    "postgresql://user:password@localhost:5432/aido");
		return (-1);
	}

	/* The timeout is part of the URL: read it first. */
	if (config_int(get, arg, "DB_CONNECT_TIMEOUT", 10, 1, 3600,
	    &cfg->db_connect_timeout, "a whole number of seconds",
	    err, errlen) == -1)
		return (-1);

	if (gw_config_dburl(v, cfg->db_connect_timeout, &cfg->db,
	    err, errlen) == -1)
		return (-1);

	v = get("JWT_SECRET", arg);
	if (v == NULL || *v == '\0') {
		config_error(err, errlen, "JWT_SECRET is not set: give a "
		    "random secret of at least 32 bytes, e.g. the output of "
		    "openssl rand -hex 32");
		goto fail;
	}
	if (strlen(v) < 32) {
		config_error(err, errlen, "JWT_SECRET is %zu bytes long: it "
		    "must be at least 32 bytes", strlen(v));
		goto fail;
	}
	cfg->jwt_secret = strdup(v);
	cfg->jwt_secret_len = strlen(v);

	cfg->api_host = config_str(get, arg, "API_HOST", "127.0.0.1");

	if (config_int(get, arg, "API_PORT", 8000, 1, 65535, &port,
	    "a port number from 1 to 65535", err, errlen) == -1)
		goto fail;
	(void)snprintf(portbuf, sizeof(portbuf), "%d", port);
	cfg->api_port = strdup(portbuf);

	if (config_origins(cfg, get("FRONTEND_URL", arg), err, errlen) == -1)
		goto fail;

	cfg->auth_jwks_url = config_str(get, arg, "AUTH_JWKS_URL", NULL);
	cfg->auth_hs256_secret = config_str(get, arg, "AUTH_HS256_SECRET",
	    NULL);
	cfg->auth_issuer = config_str(get, arg, "AUTH_ISSUER", NULL);
	cfg->auth_audience = config_str(get, arg, "AUTH_AUDIENCE", NULL);
	if (config_auth(cfg, err, errlen) == -1)
		goto fail;

	if (config_int(get, arg, "DB_POOL_SIZE", 15, 1, 1000,
	    &cfg->db_pool_size, "a number of connections from 1 to 1000",
	    err, errlen) == -1)
		goto fail;

	if (config_int(get, arg, "DB_POOL_RECYCLE", 300, 0, 31536000,
	    &cfg->db_pool_recycle, "a whole number of seconds, 0 or more "
	    "(0: never)", err, errlen) == -1)
		goto fail;

	/* The session functions take 60 s to a year. */
	if (config_int(get, arg, "JWT_TTL", 86400, 60, 31536000,
	    &cfg->jwt_ttl, "a whole number of seconds from 60 to 31536000",
	    err, errlen) == -1)
		goto fail;

	if (cfg->jwt_secret == NULL || cfg->api_host == NULL ||
	    cfg->api_port == NULL) {
		config_error(err, errlen, "out of memory");
		goto fail;
	}

	return (0);

fail:
	gw_config_free(cfg);
	return (-1);
}

void
gw_config_free(struct gw_config *cfg)
{
	size_t		i;

	gw_config_dburl_free(&cfg->db);

	if (cfg->jwt_secret != NULL) {
		memset(cfg->jwt_secret, 0, cfg->jwt_secret_len);
		free(cfg->jwt_secret);
	}

	for (i = 0; i < cfg->norigins; i++)
		free(cfg->origins[i]);
	free(cfg->origins);

	free(cfg->api_host);
	free(cfg->api_port);
	free(cfg->auth_jwks_url);
	free(cfg->auth_hs256_secret);
	free(cfg->auth_issuer);
	free(cfg->auth_audience);

	memset(cfg, 0, sizeof(*cfg));
}

/*
 * True when origin (an Origin header) is one of FRONTEND_URL's.
 */
int
gw_config_origin(const struct gw_config *cfg, const char *origin)
{
	size_t		i;

	if (origin == NULL || *origin == '\0')
		return (0);

	if (cfg->origin_any)
		return (1);

	for (i = 0; i < cfg->norigins; i++) {
		if (!strcasecmp(cfg->origins[i], origin))
			return (1);
	}

	return (0);
}

/*
 * Normalises DATABASE_URL (see the top of this file).  The input is
 * parsed as a libpq URI: scheme://[user[:password]@][host[:port][,...]]
 * [/dbname][?param=value&...].  Error messages never include the
 * password.
 */
int
gw_config_dburl(const char *in, int timeout, struct gw_dburl *out,
    char *err, size_t errlen)
{
	struct sbuf	 sb;
	PQconninfoOption *opts;
	const char	*p, *rest, *end, *query, *at, *slash, *colon, *amp;
	const char	*eq, *hostp;
	char		*user, *pass, *key, *val, *perr;
	size_t		 len, hostlen, klen;
	int		 local, have_sslmode, have_appname, hosts_local;
	int		 param_local, addr_local;
	int		 sep;

	memset(out, 0, sizeof(*out));
	memset(&sb, 0, sizeof(sb));
	user = pass = key = val = NULL;

	while (isspace((unsigned char)*in))
		in++;
	len = strlen(in);
	while (len > 0 && isspace((unsigned char)in[len - 1]))
		len--;
	end = in + len;

	if ((p = strstr(in, "://")) == NULL || p > end ||
	    p == in || strcspn(in, "@/?") < (size_t)(p - in)) {
		config_error(err, errlen, "DATABASE_URL is not a URL: expected "
		    "postgresql://user:password@host:port/dbname");
		return (-1);
	}

	if (!dburl_scheme(in, p - in)) {
		config_error(err, errlen, "DATABASE_URL has the scheme "
		    "\"%.*s\": only postgresql:// is supported (also "
		    "written postgres://, postgresql+psycopg://, "
		    "postgresql+psycopg2:// or postgresql+asyncpg://)",
		    (int)(p - in) > 40 ? 40 : (int)(p - in), in);
		return (-1);
	}

	rest = p + 3;
	query = memchr(rest, '?', end - rest);
	if (query == NULL)
		query = end;

	/* userinfo: up to the last '@' before the query. */
	at = NULL;
	for (p = rest; p < query; p++) {
		if (*p == '@')
			at = p;
	}

	sbuf_puts(&sb, "postgresql://");

	hostp = rest;
	if (at != NULL) {
		colon = memchr(rest, ':', at - rest);
		if (dburl_pct_decode(rest,
		    (colon ? colon : at) - rest, &user) == -1 ||
		    (colon != NULL &&
		    dburl_pct_decode(colon + 1, at - colon - 1, &pass) == -1)) {
			config_error(err, errlen, "DATABASE_URL is malformed: "
			    "its user name or password has an invalid "
			    "%%-escape");
			goto fail;
		}
		dburl_pct_encode(&sb, user);
		if (pass != NULL) {
			sbuf_puts(&sb, ":");
			dburl_pct_encode(&sb, pass);
		}
		sbuf_puts(&sb, "@");
		hostp = at + 1;
	}

	slash = memchr(hostp, '/', query - hostp);
	hostlen = (slash ? slash : query) - hostp;

	if (dburl_hosts(hostp, hostlen, 1, &local, err, errlen) == -1)
		goto fail;
	sbuf_append(&sb, hostp, (slash ? query : hostp + hostlen) - hostp);

	/* Query parameters: keep them, except the ones we own. */
	param_local = addr_local = -1;
	have_sslmode = have_appname = 0;
	sep = '?';
	for (p = query < end ? query + 1 : end; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', end - p)) == NULL)
			amp = end;
		if (amp == p)
			continue;
		if ((eq = memchr(p, '=', amp - p)) == NULL) {
			config_error(err, errlen, "DATABASE_URL is malformed: "
			    "query parameter without '='");
			goto fail;
		}
		klen = eq - p;
		free(key);
		free(val);
		key = val = NULL;
		if (dburl_pct_decode(p, klen, &key) == -1 ||
		    dburl_pct_decode(eq + 1, amp - eq - 1, &val) == -1) {
			config_error(err, errlen, "DATABASE_URL is malformed: "
			    "a query parameter has an invalid %%-escape");
			goto fail;
		}

		if (!strcmp(key, "connect_timeout"))
			continue;

		if (!strcmp(key, "host") || !strcmp(key, "hostaddr")) {
			if (dburl_hosts(val, strlen(val), 0, &hosts_local,
			    err, errlen) == -1)
				goto fail;
			if (!strcmp(key, "host"))
				param_local = hosts_local;
			else
				addr_local = hosts_local;
		}

		/* asyncpg spells sslmode "ssl". */
		if (!strcmp(key, "ssl")) {
			if (!strcmp(val, "true"))
				sbuf_printf(&sb, "%csslmode=require", sep);
			else
				sbuf_printf(&sb, "%csslmode=%s", sep, val);
			have_sslmode = 1;
			sep = '&';
			continue;
		}

		if (!strcmp(key, "sslmode"))
			have_sslmode = 1;
		if (!strcmp(key, "application_name"))
			have_appname = 1;

		sbuf_printf(&sb, "%c", sep);
		sbuf_append(&sb, p, amp - p);
		sep = '&';
		if (amp == end)
			break;
	}

	/* libpq connects to hostaddr, else host=, else the URI's hosts. */
	if (addr_local != -1)
		local = addr_local;
	else if (param_local != -1)
		local = param_local;

	if (!local && !have_sslmode) {
		sbuf_printf(&sb, "%csslmode=require", sep);
		sep = '&';
	}
	sbuf_printf(&sb, "%cconnect_timeout=%d", sep, timeout);
	if (!have_appname)
		sbuf_puts(&sb, "&application_name=" GW_APPLICATION_NAME);

	out->url = sbuf_finish(&sb);
	memset(&sb, 0, sizeof(sb));
	if (out->url == NULL) {
		config_error(err, errlen, "out of memory");
		goto fail;
	}

	/* Whatever libpq would refuse, refuse now, with its reason. */
	if ((opts = PQconninfoParse(out->url, &perr)) == NULL) {
		if (perr != NULL) {
			perr[strcspn(perr, "\n")] = '\0';
			gw_config_scrub(perr, pass);
		}
		config_error(err, errlen, "DATABASE_URL is malformed: %s",
		    perr ? perr : "out of memory");
		PQfreemem(perr);
		goto fail;
	}
	PQconninfoFree(opts);

	out->redacted = gw_config_redact(out->url);
	out->password = pass;
	out->local = local;
	pass = NULL;

	if (out->redacted == NULL) {
		config_error(err, errlen, "out of memory");
		goto fail;
	}

	free(user);
	free(key);
	free(val);

	return (0);

fail:
	free(sb.data);
	free(user);
	if (pass != NULL) {
		memset(pass, 0, strlen(pass));
		free(pass);
	}
	free(key);
	free(val);
	gw_config_dburl_free(out);

	return (-1);
}

void
gw_config_dburl_free(struct gw_dburl *db)
{
	if (db->url != NULL) {
		memset(db->url, 0, strlen(db->url));
		free(db->url);
	}
	if (db->password != NULL) {
		memset(db->password, 0, strlen(db->password));
		free(db->password);
	}
	free(db->redacted);
	memset(db, 0, sizeof(*db));
}

/*
 * A copy of url with the password (of the userinfo, and of a password=
 * query parameter) replaced by "***".  Works on any string, well-formed
 * or not, so that even a rejected URL can be shown.
 */
char *
gw_config_redact(const char *url)
{
	struct sbuf	 sb;
	const char	*p, *q, *end, *at, *colon, *query;

	memset(&sb, 0, sizeof(sb));
	end = url + strlen(url);

	if ((p = strstr(url, "://")) == NULL) {
		sbuf_puts(&sb, url);
		return (sbuf_finish(&sb));
	}
	p += 3;

	if ((query = strchr(p, '?')) == NULL)
		query = end;

	at = NULL;
	for (q = p; q < query; q++) {
		if (*q == '@')
			at = q;
	}

	if (at != NULL && (colon = memchr(p, ':', at - p)) != NULL) {
		sbuf_append(&sb, url, colon + 1 - url);
		sbuf_puts(&sb, "***");
		sbuf_append(&sb, at, query - at);
	} else {
		sbuf_append(&sb, url, query - url);
	}

	/* password=... in the query. */
	for (p = query; p < end; p = q) {
		q = p + 1;
		while (q < end && *q != '&')
			q++;
		if (q - p > 10 && !strncmp(p + 1, "password=", 9)) {
			sbuf_append(&sb, p, 10);
			sbuf_puts(&sb, "***");
		} else {
			sbuf_append(&sb, p, q - p);
		}
	}

	return (sbuf_finish(&sb));
}

/*
 * Overwrites every occurrence of secret in msg with '*' (for libpq's
 * messages, which may quote parts of a connection string).
 */
void
gw_config_scrub(char *msg, const char *secret)
{
	char		*p;
	size_t		 len;

	if (msg == NULL || secret == NULL || (len = strlen(secret)) == 0)
		return;

	/* Past each one: a secret of '*' alone would match again forever. */
	for (p = msg; (p = strstr(p, secret)) != NULL; p += len)
		memset(p, '*', len);
}

/*
 * Parses the text of a .env file: KEY=VALUE lines, blank lines and
 * # comments, an optional "export " prefix, values optionally in single
 * quotes (literal) or double quotes (\n, \t, \", \\ and \$ escapes), an
 * unquoted value ending at " #".  Calls set for each assignment in file
 * order.  On a line it cannot read, err names the line and -1 is returned.
 */
int
gw_config_dotenv(const char *text, size_t len, gw_config_setenv set,
    void *arg, char *err, size_t errlen)
{
	struct sbuf	 val;
	const char	*p, *eol, *end, *k, *q;
	char		*key;
	size_t		 klen;
	int		 lineno, ret;

	end = text + len;
	lineno = 0;
	ret = 0;
	memset(&val, 0, sizeof(val));

	for (p = text; p < end && ret == 0; p = eol + 1) {
		lineno++;
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;

		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (p == eol || *p == '#' || (*p == '\r' && p + 1 == eol))
			continue;

		if (eol - p > 7 && !strncmp(p, "export", 6) &&
		    (p[6] == ' ' || p[6] == '\t')) {
			p += 7;
			while (p < eol && (*p == ' ' || *p == '\t'))
				p++;
		}

		k = p;
		while (p < eol && *p != '=' && *p != ' ' && *p != '\t')
			p++;
		klen = p - k;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (p == eol || *p != '=' || !dotenv_key(k, klen)) {
			config_error(err, errlen, ".env line %d is not "
			    "KEY=VALUE", lineno);
			ret = -1;
			break;
		}
		p++;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;

		free(val.data);
		memset(&val, 0, sizeof(val));

		if (p < eol && (*p == '"' || *p == '\'')) {
			for (q = p + 1; q < eol && *q != *p; q++) {
				if (*p == '"' && *q == '\\' && q + 1 < eol) {
					q++;
					switch (*q) {
					case 'n':
						sbuf_puts(&val, "\n");
						break;
					case 't':
						sbuf_puts(&val, "\t");
						break;
					case '"':
					case '\\':
					case '$':
						sbuf_append(&val, q, 1);
						break;
					default:
						sbuf_append(&val, q - 1, 2);
						break;
					}
					continue;
				}
				sbuf_append(&val, q, 1);
			}
			if (q == eol) {
				config_error(err, errlen, ".env line %d has "
				    "an unterminated quote", lineno);
				ret = -1;
				break;
			}
			for (q++; q < eol && isspace((unsigned char)*q); q++)
				;
			if (q < eol && *q != '#') {
				config_error(err, errlen, ".env line %d has "
				    "text after the closing quote", lineno);
				ret = -1;
				break;
			}
		} else {
			for (q = p; q < eol; q++) {
				if (*q == '#' && q > p &&
				    (q[-1] == ' ' || q[-1] == '\t'))
					break;
			}
			while (q > p && isspace((unsigned char)q[-1]))
				q--;
			sbuf_append(&val, p, q - p);
		}
		sbuf_append(&val, "", 0);

		if (val.failed || (key = strndup(k, klen)) == NULL) {
			config_error(err, errlen, "out of memory");
			ret = -1;
			break;
		}
		if (memchr(val.data, '\0', val.len) != NULL &&
		    strlen(val.data) != val.len) {
			free(key);
			config_error(err, errlen, ".env line %d holds a NUL",
			    lineno);
			ret = -1;
			break;
		}

		if (set(key, val.data, arg) == -1) {
			config_error(err, errlen, ".env line %d could not be "
			    "applied", lineno);
			ret = -1;
		}
		free(key);
	}

	if (val.data != NULL) {
		memset(val.data, 0, val.len);
		free(val.data);
	}

	return (ret);
}

static int
dotenv_key(const char *k, size_t len)
{
	size_t		i;

	if (len == 0 || isdigit((unsigned char)k[0]))
		return (0);

	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)k[i]) && k[i] != '_')
			return (0);
	}

	return (1);
}

static void
config_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list		ap;

	if (err == NULL || errlen == 0)
		return;

	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * An integer variable: unset or empty means the default; anything but
 * plain decimal digits within [min, max] is an error naming the variable.
 */
static int
config_int(gw_config_getenv get, void *arg, const char *name, int def,
    int min, int max, int *out, const char *what, char *err, size_t errlen)
{
	const char	*v, *p;
	long long	 n;

	v = get(name, arg);
	if (v == NULL || *v == '\0') {
		*out = def;
		return (0);
	}

	n = 0;
	for (p = v; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p) || n > INT_MAX)
			break;
		n = n * 10 + (*p - '0');
	}

	if (*p != '\0' || n < min || n > max) {
		config_error(err, errlen, "%s is \"%.32s\": it must be %s",
		    name, v, what);
		return (-1);
	}

	*out = (int)n;

	return (0);
}

static char *
config_str(gw_config_getenv get, void *arg, const char *name,
    const char *def)
{
	const char	*v;

	v = get(name, arg);
	if (v == NULL || *v == '\0')
		v = def;

	return (v ? strdup(v) : NULL);
}

/*
 * The external identity provider (API.md §3.2).  AUTH_JWKS_URL is an
 * http or https URL.  AUTH_HS256_SECRET is as long as JWT_SECRET must be,
 * and differs from it: a provider that held JWT_SECRET could sign aido's
 * own tokens.
 */
static int
config_auth(const struct gw_config *cfg, char *err, size_t errlen)
{
	const char	*u, *p;
	size_t		 len;

	if ((u = cfg->auth_jwks_url) != NULL) {
		len = !strncasecmp(u, "http://", 7) ? 7 :
		    !strncasecmp(u, "https://", 8) ? 8 : 0;
		for (p = u; *p != '\0'; p++) {
			if ((unsigned char)*p <= ' ' || *p == 0x7f)
				len = 0;
		}
		if (len == 0 || u[len] == '\0' || u[len] == '/') {
			config_error(err, errlen, "AUTH_JWKS_URL must be an "
			    "http:// or https:// URL, such as "
			    "http://localhost:3000/api/auth/jwks");
			return (-1);
		}
	}

	if ((p = cfg->auth_hs256_secret) != NULL) {
		if (strlen(p) < 32) {
			config_error(err, errlen, "AUTH_HS256_SECRET is %zu "
			    "bytes long: it must be at least 32 bytes",
			    strlen(p));
			return (-1);
		}
		if (cfg->jwt_secret != NULL && !strcmp(p, cfg->jwt_secret)) {
			config_error(err, errlen, "AUTH_HS256_SECRET must "
			    "differ from JWT_SECRET: the identity provider "
			    "must not be able to sign aido's own tokens");
			return (-1);
		}
	}

	return (0);
}

/*
 * FRONTEND_URL: comma-separated origins (scheme://host[:port]), a
 * trailing slash tolerated; "*" allows any origin.
 */
static int
config_origins(struct gw_config *cfg, const char *v, char *err,
    size_t errlen)
{
	const char	*p, *e, *host;
	char		*o;
	size_t		 len;

	if (v == NULL || *v == '\0')
		v = "http://localhost:3000";

	for (p = v; *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, ",");
		while (p < e && isspace((unsigned char)*p))
			p++;
		len = e - p;
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		if (len > 0 && p[len - 1] == '/')
			len--;
		if (len == 0)
			continue;

		if (len == 1 && *p == '*') {
			cfg->origin_any = 1;
			continue;
		}

		host = NULL;
		if (len > 7 && !strncasecmp(p, "http://", 7))
			host = p + 7;
		else if (len > 8 && !strncasecmp(p, "https://", 8))
			host = p + 8;

		if (host == NULL || host == p + len ||
		    memchr(host, '/', p + len - host) != NULL) {
			config_error(err, errlen, "FRONTEND_URL has \"%.*s\": "
			    "each entry must be an origin such as "
			    "http://localhost:3000", (int)(len > 80 ? 80 : len),
			    p);
			return (-1);
		}

		o = strndup(p, len);
		cfg->origins = o ? reallocarray(cfg->origins,
		    cfg->norigins + 1, sizeof(char *)) : NULL;
		if (cfg->origins == NULL) {
			free(o);
			config_error(err, errlen, "out of memory");
			return (-1);
		}
		cfg->origins[cfg->norigins++] = o;
	}

	return (0);
}

static int
dburl_scheme(const char *s, size_t len)
{
	int		i;

	for (i = 0; dburl_schemes[i] != NULL; i++) {
		if (strlen(dburl_schemes[i]) == len &&
		    !strncasecmp(dburl_schemes[i], s, len))
			return (1);
	}

	return (0);
}

/*
 * A comma-separated host list; with ports (the URI's own host part) each
 * host may carry a :port and IPv6 comes in brackets, and %-escapes are
 * decoded.  Sets *local when every host is local.
 */
static int
dburl_hosts(const char *s, size_t len, int ports, int *local, char *err,
    size_t errlen)
{
	const char	*p, *e, *h, *he, *port, *c;
	char		*host;

	*local = 1;
	if (len == 0)
		return (0);

	for (p = s; p <= s + len; p = e + 1) {
		if ((e = memchr(p, ',', s + len - p)) == NULL)
			e = s + len;

		port = NULL;
		if (!ports) {
			if ((host = strndup(p, e - p)) == NULL)
				return (-1);
			if (!dburl_host_local(host, strlen(host)))
				*local = 0;
			free(host);
			if (e == s + len)
				break;
			continue;
		}
		if (p < e && *p == '[') {
			if ((he = memchr(p, ']', e - p)) == NULL) {
				config_error(err, errlen, "DATABASE_URL is "
				    "malformed: an IPv6 host lacks its ']'");
				return (-1);
			}
			h = p + 1;
			if (he + 1 < e) {
				if (he[1] != ':') {
					config_error(err, errlen,
					    "DATABASE_URL is malformed: text "
					    "after an IPv6 host");
					return (-1);
				}
				port = he + 2;
			}
		} else {
			h = p;
			he = e;
			if ((c = memchr(p, ':', e - p)) != NULL) {
				he = c;
				port = c + 1;
			}
		}

		if (port != NULL) {
			for (c = port; c < e; c++) {
				if (!isdigit((unsigned char)*c))
					break;
			}
			if (c != e || port == e) {
				config_error(err, errlen, "DATABASE_URL is "
				    "malformed: its port is not a number");
				return (-1);
			}
		}

		if (dburl_pct_decode(h, he - h, &host) == -1) {
			config_error(err, errlen, "DATABASE_URL is malformed: "
			    "its host has an invalid %%-escape");
			return (-1);
		}
		if (!dburl_host_local(host, strlen(host)))
			*local = 0;
		free(host);

		if (e == s + len)
			break;
	}

	return (0);
}

/*
 * Local: no host (libpq's default socket), localhost, 127.0.0.0/8, ::1,
 * or a Unix socket directory (an absolute path, or '@' abstract socket).
 */
static int
dburl_host_local(const char *h, size_t len)
{
	const char	*p;
	int		 dots;

	if (len == 0 || h[0] == '/' || h[0] == '@')
		return (1);

	if (!strcasecmp(h, "localhost") || !strcasecmp(h, "localhost.") ||
	    !strcmp(h, "::1") || !strcmp(h, "0:0:0:0:0:0:0:1"))
		return (1);

	if (strncmp(h, "127.", 4))
		return (0);

	dots = 0;
	for (p = h; *p != '\0'; p++) {
		if (*p == '.')
			dots++;
		else if (!isdigit((unsigned char)*p))
			return (0);
	}

	return (dots == 3);
}

static int
dburl_pct_decode(const char *s, size_t len, char **out)
{
	char		*buf, *o, hex[3];
	size_t		 i;

	*out = NULL;
	if ((buf = malloc(len + 1)) == NULL)
		return (-1);

	o = buf;
	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= len) {
			free(buf);
			return (-1);
		}
		if (!isxdigit((unsigned char)s[i + 1]) ||
		    !isxdigit((unsigned char)s[i + 2])) {
			free(buf);
			return (-1);
		}
		hex[0] = s[i + 1];
		hex[1] = s[i + 2];
		hex[2] = '\0';
		*o = (char)strtol(hex, NULL, 16);
		if (*o == '\0') {
			free(buf);
			return (-1);
		}
		o++;
		i += 2;
	}
	*o = '\0';
	*out = buf;

	return (0);
}

/* RFC 3986 unreserved characters pass, everything else is %-escaped. */
static void
dburl_pct_encode(struct sbuf *sb, const char *s)
{
	for (; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s) || strchr("-._~", *s) != NULL)
			sbuf_append(sb, s, 1);
		else
			sbuf_printf(sb, "%%%02X", (unsigned char)*s);
	}
}

static void
sbuf_append(struct sbuf *sb, const char *data, size_t len)
{
	char		*p;
	size_t		 cap;

	if (sb->failed)
		return;

	if (sb->len + len + 1 > sb->cap) {
		cap = sb->cap ? sb->cap : 64;
		while (cap < sb->len + len + 1)
			cap *= 2;
		if ((p = realloc(sb->data, cap)) == NULL) {
			sb->failed = 1;
			return;
		}
		sb->data = p;
		sb->cap = cap;
	}

	memcpy(sb->data + sb->len, data, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
}

static void
sbuf_puts(struct sbuf *sb, const char *s)
{
	sbuf_append(sb, s, strlen(s));
}

static void
sbuf_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list		ap;
	char		buf[512];
	int		n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	if (n < 0 || (size_t)n >= sizeof(buf)) {
		sb->failed = 1;
		return;
	}

	sbuf_append(sb, buf, n);
}

static char *
sbuf_finish(struct sbuf *sb)
{
	if (sb->failed) {
		free(sb->data);
		return (NULL);
	}

	if (sb->data == NULL)
		return (strdup(""));

	return (sb->data);
}
