/*
 * errors.h: the one SQLSTATE -> HTTP table (docs/sql-api.md).
 * Pure: no Kore, so the unit tests link it directly.
 */

#ifndef GW_ERRORS_H
#define GW_ERRORS_H

struct gw_error {
	const char	*sqlstate;	/* a code, or a two-char class */
	int		 status;	/* HTTP status */
	const char	*code;		/* "code" of the error body */
};

const struct gw_error	*gw_errors_lookup(const char *);
int			 gw_errors_connection(const char *);
const char		*gw_errors_detail(int);

#endif
