/*
 * libFuzzer target: gateway/params.c, the query string of every list
 * request (attacker-controlled, after Kore split it from the path).
 * Invariant: what it returns is a JSON object whose values are strings,
 * and no key is empty.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "params.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	json_t		*obj, *v;
	const char	*k;
	char		*qs, *out, err[128];

	qs = malloc(len + 1);
	memcpy(qs, data, len);
	qs[len] = '\0';

	err[0] = '\0';
	if ((out = gw_params_query(qs, err, sizeof(err))) == NULL) {
		if (err[0] == '\0')
			abort();	/* a refusal always says why */
	} else {
		obj = json_loads(out, 0, NULL);
		if (!json_is_object(obj))
			abort();
		json_object_foreach(obj, k, v) {
			if (*k == '\0' || !json_is_string(v))
				abort();
		}
		json_decref(obj);
		free(out);
	}

	free(qs);
	return (0);
}
