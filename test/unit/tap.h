/*
 * tap.h: the few TAP helpers the unit tests need (plan, ok, is, done).
 * Header-only; each test is one program printing TAP to stdout.
 */

#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TAP_S(s)	((s) ? (s) : "(null)")

static int	tap_n;
static int	tap_failed;

#define ok(cond, ...)	tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_str(got, want, ...)						\
	do {								\
		const char *_g = (got), *_w = (want);			\
		int _r = (_g == NULL && _w == NULL) ||			\
		    (_g != NULL && _w != NULL && !strcmp(_g, _w));	\
		if (!tap_ok(_r, __FILE__, __LINE__, __VA_ARGS__)) {	\
			printf("#   got:      %s\n", TAP_S(_g));	\
			printf("#   expected: %s\n", TAP_S(_w));	\
		}							\
	} while (0)

#define is_int(got, want, ...)						\
	do {								\
		long long _g = (got), _w = (want);			\
		if (!tap_ok(_g == _w, __FILE__, __LINE__,		\
		    __VA_ARGS__)) {					\
			printf("#   got:      %lld\n", _g);		\
			printf("#   expected: %lld\n", _w);		\
		}							\
	} while (0)

#define like(got, needle, ...)						\
	do {								\
		const char *_g = (got);					\
		int _r = _g != NULL && strstr(_g, (needle)) != NULL;	\
		if (!tap_ok(_r, __FILE__, __LINE__, __VA_ARGS__)) {	\
			printf("#   got:      %s\n", TAP_S(_g));	\
			printf("#   wanted:   ...%s...\n", (needle));	\
		}							\
	} while (0)

#define unlike(got, needle, ...)					\
	do {								\
		const char *_g = (got);					\
		int _r = _g == NULL || strstr(_g, (needle)) == NULL;	\
		if (!tap_ok(_r, __FILE__, __LINE__, __VA_ARGS__))	\
			printf("#   got:      %s\n", _g);		\
	} while (0)

static int __attribute__((format(printf, 4, 5)))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list		ap;

	tap_n++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");

	if (!pass) {
		tap_failed++;
		printf("#   Failed test at %s line %d.\n", file, line);
	}

	return (pass);
}

static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return (tap_failed ? 1 : 0);
}

#endif
