/*-------------------------------------------------------------------------
 *
 * rfc3339.c
 *	  Strict recognition of RFC 3339 date-times that carry an offset.
 *
 * The grammar is RFC 3339 section 5.6 "date-time":
 *
 *	  YYYY-MM-DD ("T" / "t" / " ") HH:MM:SS [ "." 1*9DIGIT ]
 *	  ( "Z" / "z" / ("+" / "-") HH:MM )
 *
 * The space separator is the one RFC 3339 itself allows "for the sake of
 * readability".  Years are 0001 to 9999, the calendar is the proleptic
 * Gregorian one, a second of 60 is a leap second (which PostgreSQL's
 * timestamptz input accepts too), and at most nine fraction digits are
 * taken (nanoseconds; PostgreSQL keeps microseconds and rounds the rest).
 * A date alone, or a date-time without an offset, is a local time of
 * nobody knows where, and is refused.
 *
 * extension/rfc3339.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "aido.h"

#define RFC3339_MAX_FRACTION_DIGITS 9

/*
 * Read exactly ndigits decimal digits at s[*pos], advancing *pos; -1 when
 * they are not all there.
 */
static int
rfc3339_digits(const char *s, int len, int *pos, int ndigits)
{
	int			value = 0;
	int			i;

	if (len - *pos < ndigits)
		return -1;
	for (i = 0; i < ndigits; i++)
	{
		char		c = s[*pos + i];

		if (c < '0' || c > '9')
			return -1;
		value = value * 10 + (c - '0');
	}
	*pos += ndigits;
	return value;
}

/* Match one of the given characters at s[*pos], advancing *pos. */
static bool
rfc3339_expect(const char *s, int len, int *pos, const char *chars)
{
	if (*pos >= len || strchr(chars, s[*pos]) == NULL || s[*pos] == '\0')
		return false;
	(*pos)++;
	return true;
}

static int
rfc3339_days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month == 2 &&
		((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 29;
	return days[month - 1];
}

bool
rfc3339_valid(const char *s, int len)
{
	int			pos = 0;
	int			year,
				month,
				day,
				hour,
				minute,
				second;

	year = rfc3339_digits(s, len, &pos, 4);
	if (year < 1 || !rfc3339_expect(s, len, &pos, "-"))
		return false;
	month = rfc3339_digits(s, len, &pos, 2);
	if (month < 1 || month > 12 || !rfc3339_expect(s, len, &pos, "-"))
		return false;
	day = rfc3339_digits(s, len, &pos, 2);
	if (day < 1 || day > rfc3339_days_in_month(year, month))
		return false;

	if (!rfc3339_expect(s, len, &pos, "Tt "))
		return false;

	hour = rfc3339_digits(s, len, &pos, 2);
	if (hour < 0 || hour > 23 || !rfc3339_expect(s, len, &pos, ":"))
		return false;
	minute = rfc3339_digits(s, len, &pos, 2);
	if (minute < 0 || minute > 59 || !rfc3339_expect(s, len, &pos, ":"))
		return false;
	second = rfc3339_digits(s, len, &pos, 2);
	if (second < 0 || second > 60)
		return false;

	if (pos < len && s[pos] == '.')
	{
		int			start = ++pos;

		while (pos < len && s[pos] >= '0' && s[pos] <= '9')
			pos++;
		if (pos == start || pos - start > RFC3339_MAX_FRACTION_DIGITS)
			return false;
	}

	if (pos < len && (s[pos] == 'Z' || s[pos] == 'z'))
		return pos + 1 == len;

	/*
	 * RFC 3339 allows offsets up to 23:59, but PostgreSQL refuses more than
	 * 15:59 ("time zone displacement out of range"); every real zone lies
	 * within 14:00.  Refusing here keeps the verdict and the cast in step.
	 */
	if (!rfc3339_expect(s, len, &pos, "+-"))
		return false;
	hour = rfc3339_digits(s, len, &pos, 2);
	if (hour < 0 || hour > 15 || !rfc3339_expect(s, len, &pos, ":"))
		return false;
	minute = rfc3339_digits(s, len, &pos, 2);
	if (minute < 0 || minute > 59)
		return false;

	return pos == len;
}
