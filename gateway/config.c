/*
 * Configuration: the variables of API.md §4 as a table (as Kore's own
 * config_directives[]): each with its default and the function that
 * reads it.  Values come through a getenv-like function (the environment,
 * after .env was merged into it) and are checked in the table's order,
 * each failure described by one sentence that names the variable.
 */

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

struct config_var;

/* Reads one variable's value (its default when unset) into cfg. */
typedef int	config_parser(struct gw_config *, const struct config_var *,
		    const char *, char *, size_t);

struct config_var {
	const char	*name;
	config_parser	*parse;
	size_t		 field;		/* offsetof(struct gw_config, ...) */
	const char	*def;		/* when unset or empty; NULL: none */
	int		 min;		/* integers: the range */
	int		 max;
	/*
	 * Integers: what the value must be, for the error.  A variable
	 * without a default is required, and this says how to set it.
	 */
	const char	*what;
};

#define CONFIG_FIELD(f)		offsetof(struct gw_config, f)
#define CONFIG_AT(c, v, t)	((t *)(void *)((char *)(c) + (v)->field))

static int	config_number(const struct config_var *, const char *, int *,
		    char *, size_t);

static config_parser	config_int, config_str, config_port, config_dburl,
			config_jwt_secret, config_origins, config_jwks_url,
			config_hs256;

static const struct config_var	config_vars[] = {
	/* Before DATABASE_URL: it goes into the URL. */
	{ "DB_CONNECT_TIMEOUT",	config_int, CONFIG_FIELD(db_connect_timeout),
	    "10", 1, 3600, "a whole number of seconds" },
	{ "DATABASE_URL",	config_dburl, CONFIG_FIELD(db), NULL, 0, 0,
	    "give the libpq URL of the database, e.g. "
	    "postgresql://user:password@localhost:5432/aido" },
	{ "JWT_SECRET",		config_jwt_secret, CONFIG_FIELD(jwt_secret),
	    NULL, 0, 0, "give a random secret of at least 32 bytes, e.g. the "
	    "output of openssl rand -hex 32" },
	{ "API_HOST",		config_str, CONFIG_FIELD(api_host),
	    "127.0.0.1", 0, 0, NULL },
	{ "API_PORT",		config_port, CONFIG_FIELD(api_port), "8000",
	    1, 65535, "a port number from 1 to 65535" },
	{ "FRONTEND_URL",	config_origins, CONFIG_FIELD(origins),
	    "http://localhost:3000", 0, 0, NULL },
	{ "AUTH_JWKS_URL",	config_jwks_url, CONFIG_FIELD(auth_jwks_url),
	    NULL, 0, 0, NULL },
	{ "AUTH_HS256_SECRET",	config_hs256,
	    CONFIG_FIELD(auth_hs256_secret), NULL, 0, 0, NULL },
	{ "AUTH_ISSUER",	config_str, CONFIG_FIELD(auth_issuer), NULL,
	    0, 0, NULL },
	{ "AUTH_AUDIENCE",	config_str, CONFIG_FIELD(auth_audience), NULL,
	    0, 0, NULL },
	{ "DB_POOL_SIZE",	config_int, CONFIG_FIELD(db_pool_size), "15",
	    1, 1000, "a number of connections from 1 to 1000" },
	{ "DB_POOL_RECYCLE",	config_int, CONFIG_FIELD(db_pool_recycle),
	    "300", 0, 31536000, "a whole number of seconds, 0 or more "
	    "(0: never)" },
	/* The session functions take 60 s to a year. */
	{ "JWT_TTL",		config_int, CONFIG_FIELD(jwt_ttl), "86400",
	    60, 31536000, "a whole number of seconds from 60 to 31536000" },
	{ NULL,			NULL, 0, NULL, 0, 0, NULL }
};

/*
 * Reads and checks every variable.  On error, err holds one sentence
 * naming the variable, and -1 is returned.
 */
int
gw_config_load(struct gw_config *cfg, gw_config_getenv get, void *arg,
    char *err, size_t errlen)
{
	const struct config_var	*var;
	const char		*v;

	memset(cfg, 0, sizeof(*cfg));

	for (var = config_vars; var->name != NULL; var++) {
		v = get(var->name, arg);
		if (v == NULL || *v == '\0')
			v = var->def;
		if (v == NULL && var->what != NULL) {
			gw_config_error(err, errlen, "%s is not set: %s",
			    var->name, var->what);
			break;
		}
		if (var->parse(cfg, var, v, err, errlen) == -1)
			break;
	}

	if (var->name != NULL) {
		gw_config_free(cfg);
		return (-1);
	}

	return (0);
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
	if (cfg->auth_hs256_secret != NULL) {
		memset(cfg->auth_hs256_secret, 0,
		    strlen(cfg->auth_hs256_secret));
		free(cfg->auth_hs256_secret);
	}

	for (i = 0; i < cfg->norigins; i++)
		free(cfg->origins[i]);
	free(cfg->origins);

	free(cfg->api_host);
	free(cfg->api_port);
	free(cfg->auth_jwks_url);
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

void
gw_config_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list		ap;

	if (err == NULL || errlen == 0)
		return;

	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * An integer: anything but plain decimal digits within [min, max] is an
 * error naming the variable.
 */
static int
config_number(const struct config_var *var, const char *v, int *out,
    char *err, size_t errlen)
{
	const char	*p;
	long long	 n;

	n = 0;
	for (p = v; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p) || n > INT_MAX)
			break;
		n = n * 10 + (*p - '0');
	}

	if (*p != '\0' || n < var->min || n > var->max) {
		gw_config_error(err, errlen, "%s is \"%.32s\": it must be %s",
		    var->name, v, var->what);
		return (-1);
	}

	*out = (int)n;

	return (0);
}

static int
config_int(struct gw_config *cfg, const struct config_var *var,
    const char *v, char *err, size_t errlen)
{
	return (config_number(var, v, CONFIG_AT(cfg, var, int), err, errlen));
}

static int
config_str(struct gw_config *cfg, const struct config_var *var,
    const char *v, char *err, size_t errlen)
{
	char	*s;

	if (v == NULL)
		return (0);

	if ((s = strdup(v)) == NULL) {
		gw_config_error(err, errlen, "out of memory");
		return (-1);
	}
	*CONFIG_AT(cfg, var, char *) = s;

	return (0);
}

/* A port number, kept as the text getaddrinfo takes. */
static int
config_port(struct gw_config *cfg, const struct config_var *var,
    const char *v, char *err, size_t errlen)
{
	char	buf[8];
	int	port;

	if (config_number(var, v, &port, err, errlen) == -1)
		return (-1);
	(void)snprintf(buf, sizeof(buf), "%d", port);

	return (config_str(cfg, var, buf, err, errlen));
}

static int
config_dburl(struct gw_config *cfg, const struct config_var *var,
    const char *v, char *err, size_t errlen)
{
	return (gw_config_dburl(v, cfg->db_connect_timeout,
	    CONFIG_AT(cfg, var, struct gw_dburl), err, errlen));
}

static int
config_jwt_secret(struct gw_config *cfg, const struct config_var *var,
    const char *v, char *err, size_t errlen)
{
	if (strlen(v) < 32) {
		gw_config_error(err, errlen, "JWT_SECRET is %zu bytes long: "
		    "it must be at least 32 bytes", strlen(v));
		return (-1);
	}

	cfg->jwt_secret_len = strlen(v);

	return (config_str(cfg, var, v, err, errlen));
}

/*
 * FRONTEND_URL: comma-separated origins (scheme://host[:port]), a
 * trailing slash tolerated; "*" allows any origin.
 */
static int
config_origins(struct gw_config *cfg, const struct config_var *var,
    const char *v, char *err, size_t errlen)
{
	const char	*p, *e, *host;
	char		*o, **list;
	size_t		 len;

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
			gw_config_error(err, errlen, "%s has \"%.*s\": each "
			    "entry must be an origin such as "
			    "http://localhost:3000", var->name,
			    (int)(len > 80 ? 80 : len), p);
			return (-1);
		}

		o = strndup(p, len);
		list = o ? reallocarray(cfg->origins, cfg->norigins + 1,
		    sizeof(char *)) : NULL;
		if (list == NULL) {
			free(o);
			gw_config_error(err, errlen, "out of memory");
			return (-1);
		}
		cfg->origins = list;
		cfg->origins[cfg->norigins++] = o;
	}

	return (0);
}

/*
 * The external identity provider (API.md §3.2): AUTH_JWKS_URL is an
 * http or https URL.
 */
static int
config_jwks_url(struct gw_config *cfg, const struct config_var *var,
    const char *v, char *err, size_t errlen)
{
	const char	*p;
	size_t		 len;

	if (v == NULL)
		return (0);

	len = !strncasecmp(v, "http://", 7) ? 7 :
	    !strncasecmp(v, "https://", 8) ? 8 : 0;
	for (p = v; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			len = 0;
	}
	if (len == 0 || v[len] == '\0' || v[len] == '/') {
		gw_config_error(err, errlen, "AUTH_JWKS_URL must be an "
		    "http:// or https:// URL, such as "
		    "http://localhost:3000/api/auth/jwks");
		return (-1);
	}

	return (config_str(cfg, var, v, err, errlen));
}

/*
 * AUTH_HS256_SECRET is as long as JWT_SECRET must be, and differs from
 * it: a provider that held JWT_SECRET could sign aido's own tokens.
 */
static int
config_hs256(struct gw_config *cfg, const struct config_var *var,
    const char *v, char *err, size_t errlen)
{
	if (v == NULL)
		return (0);

	if (strlen(v) < 32) {
		gw_config_error(err, errlen, "AUTH_HS256_SECRET is %zu bytes "
		    "long: it must be at least 32 bytes", strlen(v));
		return (-1);
	}
	if (cfg->jwt_secret != NULL && !strcmp(v, cfg->jwt_secret)) {
		gw_config_error(err, errlen, "AUTH_HS256_SECRET must differ "
		    "from JWT_SECRET: the identity provider must not be able "
		    "to sign aido's own tokens");
		return (-1);
	}

	return (config_str(cfg, var, v, err, errlen));
}
