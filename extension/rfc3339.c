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
 * timestamptz input accepts too, as the first instant of the next minute)
 * without a fraction (PostgreSQL refuses 23:59:60.5), and at most nine
 * fraction digits are taken (nanoseconds; PostgreSQL keeps microseconds and
 * rounds the rest).  A date alone, or a date-time without an offset, is a
 * local time of nobody knows where, and is refused.  So is an instant
 * outside the years 0001 to 9999 in UTC, where the database keeps it
 * (0001-01-01T00:00:00+14:00 is in 1 BC, 9999-12-31T23:59:59-15:59 in
 * 10000): every date-time accepted here is stored and read back as one
 * accepted here.
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

/*
 * Is the instant of a date-time within 0001-01-01T00:00:00Z and
 * 9999-12-31T23:59:59.999999Z?  Only the first and the last day of the
 * calendar can leave it, by their offset (under 16 hours) or a leap second.
 * usec is the time of day in microseconds (the fraction cut at six digits),
 * more says a nonzero digit was cut (PostgreSQL may round it up), offset is
 * in minutes east of UTC.
 */
static bool
rfc3339_in_range(int year, int month, int day, int64 usec, bool more,
				 int offset)
{
	const int64 day_usec = INT64CONST(86400000000);
	int64		utc = usec - (int64) offset * INT64CONST(60000000);

	if (year == 1 && month == 1 && day == 1 && utc < 0)
		return false;
	if (year == 9999 && month == 12 && day == 31 &&
		(utc >= day_usec || (utc == day_usec - 1 && more)))
		return false;
	return true;
}

/*
 * Read a fraction ("." 1*9DIGIT) at s[*pos] as microseconds, cut at six
 * digits; *more says a nonzero digit was cut.  -1 when malformed, 0 when
 * there is none.
 */
static int
rfc3339_fraction(const char *s, int len, int *pos, bool *more)
{
	int			usec = 0;
	int			start;

	*more = false;
	if (*pos >= len || s[*pos] != '.')
		return 0;
	start = ++(*pos);
	while (*pos < len && s[*pos] >= '0' && s[*pos] <= '9')
	{
		if (*pos - start < 6)
			usec = usec * 10 + (s[*pos] - '0');
		else if (s[*pos] != '0')
			*more = true;
		(*pos)++;
	}
	if (*pos == start || *pos - start > RFC3339_MAX_FRACTION_DIGITS)
		return -1;
	for (start = *pos - start; start < 6; start++)
		usec *= 10;
	return usec;
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
				second,
				sign;
	int64		usec;
	bool		more;

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

	usec = rfc3339_fraction(s, len, &pos, &more);
	if (usec < 0 || (second == 60 && (usec > 0 || more)))
		return false;
	usec += ((int64) (hour * 60 + minute) * 60 + second) * 1000000;

	if (pos < len && (s[pos] == 'Z' || s[pos] == 'z'))
		return pos + 1 == len &&
			rfc3339_in_range(year, month, day, usec, more, 0);

	/*
	 * RFC 3339 allows offsets up to 23:59, but PostgreSQL refuses more than
	 * 15:59 ("time zone displacement out of range"); every real zone lies
	 * within 14:00.  Refusing here keeps the verdict and the cast in step.
	 */
	if (!rfc3339_expect(s, len, &pos, "+-"))
		return false;
	sign = s[pos - 1] == '-' ? -1 : 1;
	hour = rfc3339_digits(s, len, &pos, 2);
	if (hour < 0 || hour > 15 || !rfc3339_expect(s, len, &pos, ":"))
		return false;
	minute = rfc3339_digits(s, len, &pos, 2);
	if (minute < 0 || minute > 59)
		return false;

	return pos == len &&
		rfc3339_in_range(year, month, day, usec, more,
						 sign * (hour * 60 + minute));
}
