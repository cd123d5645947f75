/*
 * The .env file: the one parser of it, used by the gateway at start and
 * by scripts/run.sh through gateway/aido-env, so that both read the same
 * file the same way.
 *
 * KEY=VALUE lines, blank lines and # comments, an optional "export "
 * prefix, values optionally in single quotes (literal) or double quotes
 * (\n, \t, \", \\ and \$ escapes), an unquoted value ending at " #".
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define DOTENV_FILE_MAX		(1024 * 1024)

static const char	*dotenv_line(const char *, const char *, char **,
			    char **);
static const char	*dotenv_value(const char *, const char *, FILE *);
static void		 dotenv_quoted(const char *, FILE *);
static const char	*dotenv_skip(const char *, const char *);
static int		 dotenv_key(const char *, size_t);
static int		 dotenv_setenv(const char *, const char *, void *);

/*
 * The file at path, if there is one: its variables are set unless the
 * environment has them already (the environment wins).
 */
int
gw_config_dotenv_load(const char *path, char *err, size_t errlen)
{
	char	*text;
	size_t	 len;
	int	 ret;

	if ((text = gw_file_read(path, DOTENV_FILE_MAX, &len)) == NULL) {
		if (errno == ENOENT)
			return (0);
		(void)snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		return (-1);
	}

	ret = gw_config_dotenv(text, len, dotenv_setenv, NULL, err, errlen);
	memset(text, 0, len);
	free(text);

	return (ret);
}

/*
 * Parses the text of a .env file, calling set for each assignment in
 * file order.  On a line it cannot read, err names the line and -1 is
 * returned.
 */
int
gw_config_dotenv(const char *text, size_t len, gw_config_setenv set,
    void *arg, char *err, size_t errlen)
{
	const char	*p, *eol, *end, *why;
	char		*key, *val;
	int		 lineno, ret;

	end = text + len;
	ret = 0;
	for (p = text, lineno = 1; p < end && ret == 0; p = eol + 1,
	    lineno++) {
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;

		key = val = NULL;
		if ((why = dotenv_line(p, eol, &key, &val)) != NULL) {
			(void)snprintf(err, errlen, ".env line %d %s", lineno,
			    why);
			ret = -1;
		} else if (key != NULL && set(key, val, arg) == -1) {
			(void)snprintf(err, errlen, ".env line %d could not "
			    "be applied", lineno);
			ret = -1;
		}

		free(key);
		if (val != NULL) {
			memset(val, 0, strlen(val));
			free(val);
		}
	}

	return (ret);
}

/*
 * One line, p to eol: NULL, and *key and *val malloc'd for an assignment
 * (left NULL for a blank line or a comment); else what is wrong with it.
 */
static const char *
dotenv_line(const char *p, const char *eol, char **key, char **val)
{
	FILE		*f;
	const char	*k, *why;
	size_t		 klen, vlen;

	p = dotenv_skip(p, eol);
	if (p == eol || *p == '#' || (*p == '\r' && p + 1 == eol))
		return (NULL);

	if (eol - p > 7 && !strncmp(p, "export", 6) &&
	    (p[6] == ' ' || p[6] == '\t'))
		p = dotenv_skip(p + 7, eol);

	for (k = p; p < eol && *p != '=' && *p != ' ' && *p != '\t'; p++)
		;
	klen = p - k;
	p = dotenv_skip(p, eol);
	if (p == eol || *p != '=' || !dotenv_key(k, klen))
		return ("is not KEY=VALUE");
	p = dotenv_skip(p + 1, eol);

	if ((f = open_memstream(val, &vlen)) == NULL)
		return ("could not be read: out of memory");
	why = dotenv_value(p, eol, f);
	if (fclose(f) == EOF)
		why = "could not be read: out of memory";
	else if (why == NULL && strlen(*val) != vlen)
		why = "holds a NUL";
	else if (why == NULL && (*key = strndup(k, klen)) == NULL)
		why = "could not be read: out of memory";

	return (why);
}

/* The value from p to eol, to f; or what is wrong with it. */
static const char *
dotenv_value(const char *p, const char *eol, FILE *f)
{
	const char	*q;

	if (p < eol && (*p == '"' || *p == '\'')) {
		for (q = p + 1; q < eol && *q != *p; q++) {
			if (*p == '"' && *q == '\\' && q + 1 < eol)
				dotenv_quoted(q++, f);
			else
				(void)fputc(*q, f);
		}
		if (q == eol)
			return ("has an unterminated quote");
		for (q++; q < eol && isspace((unsigned char)*q); q++)
			;
		if (q < eol && *q != '#')
			return ("has text after the closing quote");
		return (NULL);
	}

	for (q = p; q < eol; q++) {
		if (*q == '#' && q > p && (q[-1] == ' ' || q[-1] == '\t'))
			break;
	}
	while (q > p && isspace((unsigned char)q[-1]))
		q--;
	(void)fwrite(p, 1, q - p, f);

	return (NULL);
}

/* The escape at q (a backslash, then one character) in double quotes. */
static void
dotenv_quoted(const char *q, FILE *f)
{
	switch (q[1]) {
	case 'n':
		(void)fputc('\n', f);
		break;
	case 't':
		(void)fputc('\t', f);
		break;
	case '"':
	case '\\':
	case '$':
		(void)fputc(q[1], f);
		break;
	default:
		(void)fwrite(q, 1, 2, f);
		break;
	}
}

static const char *
dotenv_skip(const char *p, const char *eol)
{
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;

	return (p);
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

static int
dotenv_setenv(const char *key, const char *value, void *arg)
{
	if (getenv(key) != NULL)
		return (0);

	return (setenv(key, value, 0));
}
