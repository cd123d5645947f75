/*
 * DATABASE_URL as the gateway hands it to libpq.  libpq parses it
 * (PQconninfoParse: host lists, IPv6, %-escapes, every parameter, ssl=true);
 * this file adds only what is aido's own (API.md §4):
 *
 *  - postgres:// and the schemes of SQLAlchemy's drivers
 *    (postgresql+psycopg://, +psycopg2, +asyncpg) become postgresql://;
 *  - asyncpg's ssl= parameter becomes sslmode= (ssl=true: require);
 *  - a raw '@' or '/' in the user name or password, as password
 *    generators write them, is escaped: libpq would end the userinfo there;
 *  - sslmode=require for a host that is not local, when no sslmode is
 *    given;
 *  - connect_timeout (DB_CONNECT_TIMEOUT) and fallback_application_name.
 *
 * Options are appended the way PostgREST's addConnStringOption does: libpq
 * takes the last value of a parameter, so nothing the URL says is parsed
 * or removed here.  The password never leaves this file except inside the
 * URI itself: logs get the redacted form.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "config.h"

static int	dburl_scheme(const char *, size_t);
static void	dburl_rewrite(FILE *, const char *, const char *);
static int	dburl_check(const char *, struct gw_dburl *, int *, char *,
		    size_t);
static const char *dburl_option(const PQconninfoOption *, const char *);
static int	dburl_local(const char *);
static int	dburl_host_local(const char *, size_t);
static int	dburl_ports(const char *);
static char	*dburl_append(char *, const char *, const char *);

static const char	*dburl_schemes[] = {
	"postgresql",
	"postgres",
	"postgresql+psycopg",
	"postgresql+psycopg2",
	"postgresql+asyncpg",
	NULL
};

/*
 * Normalises DATABASE_URL (see the top of this file), timeout being
 * DB_CONNECT_TIMEOUT.  Whatever libpq would refuse is refused now, with
 * libpq's reason; error messages never include the password.
 */
int
gw_config_dburl(const char *in, int timeout, struct gw_dburl *out,
    char *err, size_t errlen)
{
	FILE		*f;
	const char	*p, *end;
	char		*url, num[16];
	size_t		 len;
	int		 sslmode;

	memset(out, 0, sizeof(*out));

	while (isspace((unsigned char)*in))
		in++;
	for (end = in + strlen(in); end > in && isspace((unsigned char)end[-1]);)
		end--;

	if ((p = strstr(in, "://")) == NULL || p >= end || p == in ||
	    strcspn(in, "@/?") < (size_t)(p - in)) {
		gw_config_error(err, errlen, "DATABASE_URL is not a URL: "
		    "expected postgresql://user:password@host:port/dbname");
		return (-1);
	}

	if (!dburl_scheme(in, p - in)) {
		gw_config_error(err, errlen, "DATABASE_URL has the scheme "
		    "\"%.*s\": only postgresql:// is supported (also "
		    "written postgres://, postgresql+psycopg://, "
		    "postgresql+psycopg2:// or postgresql+asyncpg://)",
		    (int)(p - in) > 40 ? 40 : (int)(p - in), in);
		return (-1);
	}

	url = NULL;
	if ((f = open_memstream(&url, &len)) == NULL) {
		gw_config_error(err, errlen, "out of memory");
		return (-1);
	}
	(void)fputs("postgresql://", f);
	dburl_rewrite(f, p + 3, end);
	if (fclose(f) == EOF) {
		free(url);
		gw_config_error(err, errlen, "out of memory");
		return (-1);
	}

	out->url = url;
	if (dburl_check(url, out, &sslmode, err, errlen) == -1)
		goto fail;

	(void)snprintf(num, sizeof(num), "%d", timeout);
	if (!sslmode)
		out->url = dburl_append(out->url, "sslmode", "require");
	out->url = dburl_append(out->url, "connect_timeout", num);
	out->url = dburl_append(out->url, "fallback_application_name",
	    GW_APPLICATION_NAME);

	if (out->url == NULL ||
	    (out->redacted = gw_config_redact(out->url)) == NULL) {
		gw_config_error(err, errlen, "out of memory");
		goto fail;
	}

	return (0);

fail:
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
 * What follows the scheme, to f: the userinfo (up to the last '@' before
 * the query) with its raw '@' and '/' escaped, the rest as it is, and
 * asyncpg's ssl= as sslmode=.
 */
static void
dburl_rewrite(FILE *f, const char *s, const char *end)
{
	const char	*p, *at, *query, *amp;

	if ((query = memchr(s, '?', end - s)) == NULL)
		query = end;

	for (at = NULL, p = s; p < query; p++) {
		if (*p == '@')
			at = p;
	}
	for (p = s; at != NULL && p < at; p++) {
		if (*p == '@' || *p == '/')
			(void)fprintf(f, "%%%02X", (unsigned char)*p);
		else
			(void)fputc(*p, f);
	}
	(void)fwrite(p, 1, query - p, f);

	for (p = query; p < end; p = amp) {
		(void)fputc(*p++, f);
		if ((amp = memchr(p, '&', end - p)) == NULL)
			amp = end;
		if (amp - p == 8 && !strncmp(p, "ssl=true", 8))
			(void)fputs("sslmode=require", f);
		else if (amp - p >= 4 && !strncmp(p, "ssl=", 4))
			(void)fprintf(f, "sslmode=%.*s", (int)(amp - p - 4),
			    p + 4);
		else
			(void)fwrite(p, 1, amp - p, f);
	}
}

/*
 * libpq's reading of url: refused with its reason (the password scrubbed
 * from it), or the password kept for scrubbing libpq's later messages,
 * *sslmode set when an sslmode is given or no host needs one.
 */
static int
dburl_check(const char *url, struct gw_dburl *out, int *sslmode, char *err,
    size_t errlen)
{
	PQconninfoOption	*opts;
	const char		*v;
	char			*perr;
	int			 ret;

	if ((opts = PQconninfoParse(url, &perr)) == NULL) {
		if (perr != NULL) {
			perr[strcspn(perr, "\n")] = '\0';
			gw_config_scrub_url(perr, url);
		}
		gw_config_error(err, errlen, "DATABASE_URL is malformed: %s",
		    perr ? perr : "out of memory");
		PQfreemem(perr);
		return (-1);
	}

	ret = -1;
	if (!dburl_ports(dburl_option(opts, "port"))) {
		gw_config_error(err, errlen, "DATABASE_URL is malformed: its "
		    "port is not a number from 1 to 65535");
		goto out;
	}

	/* libpq connects to hostaddr when given, else to host. */
	if ((v = dburl_option(opts, "hostaddr")) == NULL)
		v = dburl_option(opts, "host");
	*sslmode = dburl_option(opts, "sslmode") != NULL || dburl_local(v);

	if ((v = dburl_option(opts, "password")) != NULL &&
	    (out->password = strdup(v)) == NULL) {
		gw_config_error(err, errlen, "out of memory");
		goto out;
	}
	ret = 0;

out:
	PQconninfoFree(opts);
	return (ret);
}

/* An option given a non-empty value, or NULL. */
static const char *
dburl_option(const PQconninfoOption *opts, const char *name)
{
	for (; opts->keyword != NULL; opts++) {
		if (!strcmp(opts->keyword, name))
			return (opts->val && *opts->val ? opts->val : NULL);
	}

	return (NULL);
}

/* Every host of a comma-separated list is local (none: the socket). */
static int
dburl_local(const char *hosts)
{
	const char	*p;
	size_t		 n;

	for (p = hosts; p != NULL; p = p[n] ? p + n + 1 : NULL) {
		n = strcspn(p, ",");
		if (!dburl_host_local(p, n))
			return (0);
	}

	return (1);
}

/*
 * Local: no host (libpq's default socket), localhost, 127.0.0.0/8, ::1,
 * or a Unix socket directory (an absolute path, or '@' abstract socket).
 */
static int
dburl_host_local(const char *h, size_t len)
{
	size_t		i;
	int		dots;

	if (len == 0 || h[0] == '/' || h[0] == '@')
		return (1);

	if ((len == 9 && !strncasecmp(h, "localhost", 9)) ||
	    (len == 10 && !strncasecmp(h, "localhost.", 10)) ||
	    (len == 3 && !strncmp(h, "::1", 3)) ||
	    (len == 15 && !strncmp(h, "0:0:0:0:0:0:0:1", 15)))
		return (1);

	if (len < 4 || strncmp(h, "127.", 4))
		return (0);

	for (i = dots = 0; i < len; i++) {
		if (h[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)h[i]))
			return (0);
	}

	return (dots == 3);
}

/*
 * Ports, checked now: libpq would only find a bad one when connecting,
 * and start-up would retry it until DB_CONNECT_TIMEOUT.
 */
static int
dburl_ports(const char *ports)
{
	const char	*p;
	size_t		 n, i;
	long		 v;

	for (p = ports; p != NULL; p = p[n] ? p + n + 1 : NULL) {
		n = strcspn(p, ",");
		for (i = 0, v = 0; i < n && v <= 65535; i++) {
			if (!isdigit((unsigned char)p[i]))
				return (0);
			v = v * 10 + (p[i] - '0');
		}
		if (n > 0 && (v == 0 || v > 65535))
			return (0);
	}

	return (1);
}

/*
 * url with key=value appended as PostgREST's addConnStringOption does;
 * url is freed.  NULL when url is NULL or memory is short.
 */
static char *
dburl_append(char *url, const char *key, const char *value)
{
	char		*out;
	const char	*sep;
	size_t		 len, n;

	if (url == NULL)
		return (NULL);

	len = strlen(url);
	if (strchr(url, '?') == NULL)
		sep = "?";
	else if (url[len - 1] == '?' || url[len - 1] == '&')
		sep = "";
	else
		sep = "&";

	n = len + strlen(sep) + strlen(key) + 1 + strlen(value) + 1;
	if ((out = malloc(n)) != NULL)
		(void)snprintf(out, n, "%s%s%s=%s", url, sep, key, value);
	memset(url, 0, len);
	free(url);

	return (out);
}
