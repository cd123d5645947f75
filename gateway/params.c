/*
 * The query string of a list request, percent-decoded ('+' is a space),
 * as a JSON object of strings: ?status=pending&limit=20 becomes
 * {"limit":"20","status":"pending"}.  The database checks the values; this
 * only refuses what cannot be decoded at all: a malformed %-escape, a NUL,
 * or bytes that are not UTF-8 (400 before any database call).
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "params.h"

static char	*params_decode(const char *, size_t);

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
 * x-www-form-urlencoded decoding; NULL for a malformed escape or a NUL.
 * (json_string refuses what is not UTF-8.)
 */
static char *
params_decode(const char *s, size_t len)
{
	char		*buf, *o, hex[3];
	size_t		 i;

	if ((buf = malloc(len + 1)) == NULL)
		return (NULL);

	o = buf;
	for (i = 0; i < len; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
			continue;
		}
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= len || !isxdigit((unsigned char)s[i + 1]) ||
		    !isxdigit((unsigned char)s[i + 2])) {
			free(buf);
			return (NULL);
		}
		hex[0] = s[i + 1];
		hex[1] = s[i + 2];
		hex[2] = '\0';
		if ((*o = (char)strtol(hex, NULL, 16)) == '\0') {
			free(buf);
			return (NULL);
		}
		o++;
		i += 2;
	}
	*o = '\0';

	return (buf);
}
