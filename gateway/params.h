/*
 * params.h: a request's query string as the JSON object of strings that
 * the aido_*_list functions take as "params", and the percent-decoder of
 * the gateway.  Pure: jansson, no Kore.
 */

#ifndef GW_PARAMS_H
#define GW_PARAMS_H

#include <stddef.h>

#define GW_PARAMS_MAX		64	/* query parameters looked at */

char	*gw_params_query(const char *, char *, size_t);
int	 gw_pct_decode(char *, size_t, const char *, size_t, int);

#endif
