/*
 * libFuzzer target: gateway/config.c, what the gateway reads at start:
 * DATABASE_URL (normalisation, redaction), a .env file, and the whole
 * set of variables.  Not attacker-controlled in the usual deployment,
 * but a parser of hand-written text must not crash on a typo.
 *
 * The first byte picks what the rest of the input is:
 *	0  a DATABASE_URL: gw_config_dburl, then gw_config_redact on the
 *	   result; a password holding the marker S3CRETmk (once in the
 *	   input) must not show in either redacted form
 *	1  the text of a .env file: gw_config_dotenv
 *	2  NUL-separated KEY=VALUE pairs as the environment: gw_config_load
 *	3  a message and a secret, NUL-separated: gw_config_scrub
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define MAXVARS		32
#define MARKER		"S3CRETmk"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct vars {
	char	*kv[MAXVARS];
	int	 n;
};

static const char *
get(const char *name, void *arg)
{
	struct vars	*v = arg;
	size_t		 n;
	int		 i;

	n = strlen(name);
	for (i = v->n - 1; i >= 0; i--) {
		if (!strncmp(v->kv[i], name, n) && v->kv[i][n] == '=')
			return (v->kv[i] + n + 1);
	}
	return (NULL);
}

static int
set(const char *key, const char *value, void *arg)
{
	int	*count = arg;

	if (key == NULL || value == NULL || *key == '\0')
		abort();
	(*count)++;
	return (0);
}

static int
count(const char *hay, const char *needle)
{
	const char	*p;
	int		 n;

	for (n = 0, p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return (n);
}

/*
 * A password holding MARKER (the seeds put it there) must not show in
 * the redacted URL, when the marker appears nowhere else in the input.
 */
static void
check_redacted(const char *in, const struct gw_dburl *db,
    const char *redacted)
{
	if (db->password == NULL || strstr(db->password, MARKER) == NULL ||
	    count(in, MARKER) != 1)
		return;
	if (strstr(redacted, MARKER) != NULL)
		abort();
}

static void
dburl(const char *s)
{
	struct gw_dburl	 db;
	char		 err[512], *r;

	err[0] = '\0';
	if (gw_config_dburl(s, 10, &db, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (db.url == NULL || db.redacted == NULL)
		abort();
	check_redacted(s, &db, db.redacted);
	if ((r = gw_config_redact(db.url)) != NULL) {
		check_redacted(s, &db, r);
		free(r);
	}
	gw_config_dburl_free(&db);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct gw_config	 cfg;
	struct vars		 v;
	char			*s, *p, *end, err[512];
	int			 count;

	if (len < 1)
		return (0);

	s = malloc(len);
	memcpy(s, data + 1, len - 1);
	s[len - 1] = '\0';
	end = s + len - 1;

	switch (data[0] % 4) {
	case 0:
		dburl(s);
		break;
	case 1:
		count = 0;
		(void)gw_config_dotenv(s, len - 1, set, &count, err,
		    sizeof(err));
		break;
	case 2:
		memset(&v, 0, sizeof(v));
		for (p = s; p < end && v.n < MAXVARS; p += strlen(p) + 1)
			v.kv[v.n++] = p;
		if (gw_config_load(&cfg, get, &v, err, sizeof(err)) == 0) {
			(void)gw_config_origin(&cfg, "http://localhost:3000");
			gw_config_free(&cfg);
		}
		break;
	case 3:
		p = s + strlen(s);
		if (p < end && p[1] != '\0')
			gw_config_scrub(s, p + 1);
		break;
	}

	free(s);
	return (0);
}
