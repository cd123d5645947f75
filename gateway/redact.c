/*
 * Passwords out of what the gateway prints: a URL with its passwords
 * replaced by "***" (the form of DATABASE_URL in logs), and a message
 * with a secret, or a URL's passwords, overwritten.  Works on any text,
 * well-formed or not, so that even a rejected URL can be shown.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char	*redact_next(const char *, const char *, size_t *);

/*
 * A copy of url with each password replaced by "***".  NULL when memory
 * is short.
 */
char *
gw_config_redact(const char *url)
{
	FILE		*f;
	const char	*p, *s;
	char		*out;
	size_t		 len, outlen;

	out = NULL;
	if ((f = open_memstream(&out, &outlen)) == NULL)
		return (NULL);

	for (p = url; (s = redact_next(url, p, &len)) != NULL; p = s + len) {
		(void)fwrite(p, 1, s - p, f);
		(void)fputs("***", f);
	}
	(void)fputs(p, f);

	if (fclose(f) == EOF) {
		free(out);
		return (NULL);
	}

	return (out);
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
 * Overwrites in msg every password of url, as written in url (libpq
 * quotes the text it could not read).
 */
void
gw_config_scrub_url(char *msg, const char *url)
{
	const char	*p, *s;
	char		*secret;
	size_t		 len;

	for (p = url; (s = redact_next(url, p, &len)) != NULL; p = s + len) {
		if (len == 0 || (secret = strndup(s, len)) == NULL)
			continue;
		gw_config_scrub(msg, secret);
		memset(secret, 0, len);
		free(secret);
	}
}

/*
 * The first password of url that starts after after: its start, and *len
 * set; NULL when there is none.  A password is the userinfo's, or the
 * value of a password= query parameter.  The userinfo ends at the last
 * '@' that either no '?' or no '/' precedes: dburl.c's reading (a raw '@'
 * or '/' in a password) and libpq's (the first '@' before any '/', even
 * past a '?') both end there or earlier, so the whole password is covered
 * whichever reads the URL.  The password starts after the first ':'.
 */
static const char *
redact_next(const char *url, const char *after, size_t *len)
{
	const char	*p, *q, *at, *colon, *query, *slash, *end;

	if ((p = strstr(url, "://")) == NULL)
		return (NULL);
	p += 3;

	end = url + strlen(url);
	at = query = slash = NULL;
	for (q = p; q < end && (query == NULL || slash == NULL); q++) {
		if (*q == '@')
			at = q;
		else if (*q == '?' && query == NULL)
			query = q;
		else if (*q == '/' && slash == NULL)
			slash = q;
	}
	if (at != NULL && (colon = memchr(p, ':', at - p)) != NULL &&
	    colon + 1 > after) {
		*len = at - colon - 1;
		return (colon + 1);
	}

	for (p = query ? query : end; p < end; p = q) {
		for (q = p + 1; q < end && *q != '&'; q++)
			;
		if (q - p > 10 && !strncmp(p + 1, "password=", 9) &&
		    p + 10 > after) {
			*len = q - p - 10;
			return (p + 10);
		}
	}

	return (NULL);
}
