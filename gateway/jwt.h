/*
 * jwt.h: aido's own tokens, HS256 only; and base64url.
 * Pure: OpenSSL and jansson, no Kore.
 */

#ifndef GW_JWT_H
#define GW_JWT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define GW_JWT_LEEWAY		30	/* seconds of clock allowance */
#define GW_JWT_MAX		4096	/* longest token looked at */
#define GW_UUID_LEN		36

/*
 * Largest time claim (iat, exp, nbf) taken, in seconds from the epoch
 * either way: 31 million years, far beyond any real token, and far enough
 * from INT64_MAX that adding or subtracting the leeway cannot overflow.
 */
#define GW_JWT_TIME_MAX		INT64_C(1000000000000000)

#define GW_JWT_OK		0
#define GW_JWT_MALFORMED	1	/* not three base64url JSON segments */
#define GW_JWT_ALG		2	/* alg other than HS256 */
#define GW_JWT_SIGNATURE	3	/* signature does not verify */
#define GW_JWT_CLAIMS		4	/* sub, sid, iat or exp bad */
#define GW_JWT_EXPIRED		5	/* past exp, or future iat */

struct gw_jwt_claims {
	char		sub[GW_UUID_LEN + 1];
	char		sid[GW_UUID_LEN + 1];
	int64_t		iat;
	int64_t		exp;
};

char		*gw_b64url_encode(const void *, size_t);
int		 gw_b64url_decode(const char *, size_t, unsigned char **,
		    size_t *);

int		 gw_uuid_valid(const char *, size_t);

char		*gw_jwt_sign(const void *, size_t, const char *,
		    const char *, int64_t, int64_t);
int		 gw_jwt_verify(const void *, size_t, const char *, int64_t,
		    struct gw_jwt_claims *);

/*
 * Shared with jwk.c: a token split into its parts, one segment as a JSON
 * object, an HS256 signature check, one NumericDate claim.
 */
struct gw_jws {
	json_t		*header;	/* a JSON object */
	size_t		 input_len;	/* of header.payload, the signed part */
	const char	*payload;	/* base64url */
	size_t		 payload_len;
	const char	*sig;		/* base64url, to the end */
};

int		 gw_jwt_split(const char *, struct gw_jws *);
json_t		*gw_jwt_segment(const char *, size_t);
int		 gw_jwt_hs256(const void *, size_t, const char *, size_t,
		    const unsigned char *, size_t);
int		 gw_jwt_time(json_t *, const char *, int64_t, int64_t *);

#endif
