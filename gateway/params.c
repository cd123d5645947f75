/*
 * The query string of a list request, percent-decoded ('+' is a space),
 * as a JSON object of strings: ?status=pending&limit=20 becomes
 * {"limit":"20","status":"pending"}.  The database checks the values; this
 * only refuses what cannot be decoded at all: a malformed %-escape, a NUL,
 * or bytes that are not UTF-8 (400 before any database call).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "params.h"

static char	*params_decode(const char *, size_t);
static int	 params_hex(int);

/*
 * Returns the JSON text (malloc'd), or NULL with err set.  A NULL or empty
 * query gives "{}".  When a key repeats, the last value wins.
 */
char *
gw_params_query(const char *qs, char *err, size_t errlen)
{
	json_t		*obj, *str;
	const char	*p, *amp, *eq, *end;
	char		*key, *val, *out;
	int		 n;

	if ((obj = json_object()) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (NULL);
	}

	n = 0;
	end = qs ? qs + strlen(qs) : NULL;
	for (p = qs; p != NULL && p < end; p = amp + 1) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = end;
		if (amp == p)
			continue;

		if (++n > GW_PARAMS_MAX) {
			(void)snprintf(err, errlen, "too many query "
			    "parameters (at most %d)", GW_PARAMS_MAX);
			goto fail;
		}

		if ((eq = memchr(p, '=', amp - p)) == NULL)
			eq = amp;

		key = params_decode(p, eq - p);
		val = params_decode(eq < amp ? eq + 1 : amp,
		    eq < amp ? (size_t)(amp - eq - 1) : 0);
		str = (key && val) ? json_string(val) : NULL;
		if (str != NULL && *key == '\0') {
			json_decref(str);
			(void)snprintf(err, errlen, "malformed query string: "
			    "a parameter has no name");
			free(key);
			free(val);
			goto fail;
		}
		/* json_object_set_new takes str, even when it fails. */
		if (str == NULL || json_object_set_new(obj, key, str) == -1) {
			(void)snprintf(err, errlen, "malformed query string: "
			    "bad %%-escape or not UTF-8");
			free(key);
			free(val);
			goto fail;
		}
		free(key);
		free(val);
	}

	out = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(obj);
	if (out == NULL)
		(void)snprintf(err, errlen, "out of memory");

	return (out);

fail:
	json_decref(obj);
	return (NULL);
}

/*
 * x-www-form-urlencoded decoding, malloc'd; NULL for a malformed escape
 * or a NUL.  (json_string refuses what is not UTF-8.)
 */
static char *
params_decode(const char *s, size_t len)
{
	char		*buf;

	if ((buf = malloc(len + 1)) == NULL)
		return (NULL);

	if (gw_pct_decode(buf, len + 1, s, len, 1) == -1) {
		free(buf);
		return (NULL);
	}

	return (buf);
}

/*
 * Percent-decoding (RFC 3986 §2.1) of len bytes at s into out, of outlen
 * bytes, NUL-terminated; with form, '+' is a space (a query string).  The
 * length decoded, or -1 for a malformed escape, an escaped NUL, or an out
 * too small: a path segment ({user}, router.c) and the query string
 * (here) are decoded alike.
 */
int
gw_pct_decode(char *out, size_t outlen, const char *s, size_t len, int form)
{
	size_t		i, n;
	int		hi, lo;

	for (i = n = 0; i < len; i++, n++) {
		if (n + 1 >= outlen)
			return (-1);
		if (s[i] == '+' && form) {
			out[n] = ' ';
		} else if (s[i] != '%') {
			out[n] = s[i];
		} else {
			if (i + 2 >= len || (hi = params_hex(s[i + 1])) == -1 ||
			    (lo = params_hex(s[i + 2])) == -1 ||
			    (hi == 0 && lo == 0))
				return (-1);
			out[n] = (char)(hi << 4 | lo);
			i += 2;
		}
	}
	if (outlen == 0)
		return (-1);
	out[n] = '\0';

	return ((int)n);
}

static int
params_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);

	return (-1);
}
