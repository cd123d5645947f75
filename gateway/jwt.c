/*
 * HS256 JSON Web Tokens, as the gateway signs them at signup and login and
 * verifies them on every authenticated request.  Only "alg":"HS256" is
 * accepted: "none" and every other algorithm are refused before the
 * signature is looked at, so a token can never choose how it is checked.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "jwt.h"

#define JWT_SIG_LEN	32

static int	jwt_hmac(const void *, size_t, const char *, size_t,
		    unsigned char *);
static int	jwt_claim_uuid(json_t *, const char *, char *);

static const char	b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * base64url without padding (RFC 7515 §2); the result is malloc'd.
 */
char *
gw_b64url_encode(const void *data, size_t len)
{
	const unsigned char	*in = data;
	char			*out, *p;
	u_int32_t		 v;
	size_t			 i;

	if ((out = malloc(((len + 2) / 3) * 4 + 1)) == NULL)
		return (NULL);

	p = out;
	for (i = 0; i + 2 < len; i += 3) {
		v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
		*p++ = b64url_alphabet[(v >> 18) & 0x3f];
		*p++ = b64url_alphabet[(v >> 12) & 0x3f];
		*p++ = b64url_alphabet[(v >> 6) & 0x3f];
		*p++ = b64url_alphabet[v & 0x3f];
	}

	if (len - i == 1) {
		v = in[i] << 16;
		*p++ = b64url_alphabet[(v >> 18) & 0x3f];
		*p++ = b64url_alphabet[(v >> 12) & 0x3f];
	} else if (len - i == 2) {
		v = (in[i] << 16) | (in[i + 1] << 8);
		*p++ = b64url_alphabet[(v >> 18) & 0x3f];
		*p++ = b64url_alphabet[(v >> 12) & 0x3f];
		*p++ = b64url_alphabet[(v >> 6) & 0x3f];
	}

	*p = '\0';
	return (out);
}

/*
 * Strict base64url decoding: no padding, no whitespace, no characters
 * outside the alphabet, and the unused low bits of the last character
 * must be zero, so that every byte string has exactly one encoding.
 * Returns 0 and a malloc'd buffer (NUL-terminated for convenience).
 */
int
gw_b64url_decode(const char *in, size_t len, unsigned char **out,
    size_t *outlen)
{
	unsigned char	*buf;
	const char	*c;
	u_int32_t	 v;
	size_t		 i, n, bits;
	int		 d;

	*out = NULL;
	*outlen = 0;

	if (len % 4 == 1)
		return (-1);

	if ((buf = malloc((len / 4) * 3 + 3)) == NULL)
		return (-1);

	n = 0;
	v = 0;
	bits = 0;
	for (i = 0; i < len; i++) {
		if (in[i] == '\0' ||
		    (c = strchr(b64url_alphabet, in[i])) == NULL) {
			free(buf);
			return (-1);
		}
		d = c - b64url_alphabet;
		v = (v << 6) | d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (v >> bits) & 0xff;
		}
	}

	/* Leftover bits must be zero: reject non-canonical encodings. */
	if (bits > 0 && (v & ((1U << bits) - 1)) != 0) {
		free(buf);
		return (-1);
	}

	buf[n] = '\0';
	*out = buf;
	*outlen = n;

	return (0);
}

/*
 * A UUID in its canonical 8-4-4-4-12 form (either case).
 */
int
gw_uuid_valid(const char *s, size_t len)
{
	size_t		i;

	if (s == NULL || len != GW_UUID_LEN)
		return (0);

	for (i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (!isxdigit((unsigned char)s[i])) {
			return (0);
		}
	}

	return (1);
}

/*
 * A token for sub (user id) and sid (session id), valid from iat to exp.
 * The result is malloc'd; NULL on failure.
 */
char *
gw_jwt_sign(const void *key, size_t keylen, const char *sub, const char *sid,
    int64_t iat, int64_t exp)
{
	json_t		*claims;
	unsigned char	 mac[JWT_SIG_LEN];
	char		*payload, *header, *sig, *input, *token;
	size_t		 ilen;
	static const char	hjson[] =
	    "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

	token = NULL;
	payload = header = sig = input = NULL;

	claims = json_pack("{s:s, s:s, s:I, s:I}", "sub", sub, "sid", sid,
	    "iat", (json_int_t)iat, "exp", (json_int_t)exp);
	if (claims == NULL)
		return (NULL);

	payload = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(claims);
	if (payload == NULL)
		return (NULL);

	header = gw_b64url_encode(hjson, sizeof(hjson) - 1);
	input = header ? gw_b64url_encode(payload, strlen(payload)) : NULL;
	free(payload);
	if (header == NULL || input == NULL)
		goto out;

	ilen = strlen(header) + 1 + strlen(input);
	if ((token = malloc(ilen + 1 + 44)) == NULL)
		goto out;
	(void)snprintf(token, ilen + 1, "%s.%s", header, input);

	if (jwt_hmac(key, keylen, token, ilen, mac) == -1 ||
	    (sig = gw_b64url_encode(mac, sizeof(mac))) == NULL) {
		free(token);
		token = NULL;
		goto out;
	}

	token[ilen] = '.';
	memcpy(token + ilen + 1, sig, strlen(sig) + 1);

out:
	OPENSSL_cleanse(mac, sizeof(mac));
	free(header);
	free(input);
	free(sig);

	return (token);
}

/*
 * Verifies a token at time now (seconds since the epoch).  On GW_JWT_OK
 * the claims are filled in; otherwise they are untouched.
 */
int
gw_jwt_verify(const void *key, size_t keylen, const char *token, int64_t now,
    struct gw_jwt_claims *out)
{
	struct gw_jwt_claims	 claims;
	struct gw_jws		 jws;
	json_t			*payload, *alg, *typ;
	unsigned char		*sig;
	size_t			 siglen;
	int			 ret;

	payload = NULL;
	sig = NULL;

	if (gw_jwt_split(token, &jws) == -1)
		return (GW_JWT_MALFORMED);

	/* The algorithm is fixed by us, never chosen by the token. */
	ret = GW_JWT_ALG;
	alg = json_object_get(jws.header, "alg");
	if (!json_is_string(alg) || strcmp(json_string_value(alg), "HS256"))
		goto out;

	ret = GW_JWT_MALFORMED;
	typ = json_object_get(jws.header, "typ");
	if (typ != NULL && (!json_is_string(typ) ||
	    strcasecmp(json_string_value(typ), "JWT")))
		goto out;

	if (gw_b64url_decode(jws.sig, strlen(jws.sig), &sig, &siglen) == -1)
		goto out;

	ret = GW_JWT_SIGNATURE;
	if (!gw_jwt_hs256(key, keylen, token, jws.input_len, sig, siglen))
		goto out;

	/* Only now is the payload worth reading. */
	ret = GW_JWT_MALFORMED;
	if ((payload = gw_jwt_segment(jws.payload, jws.payload_len)) == NULL)
		goto out;

	ret = GW_JWT_CLAIMS;
	if (jwt_claim_uuid(payload, "sub", claims.sub) == -1 ||
	    jwt_claim_uuid(payload, "sid", claims.sid) == -1 ||
	    gw_jwt_time(payload, "iat", 0, &claims.iat) != 0 ||
	    gw_jwt_time(payload, "exp", 0, &claims.exp) != 0)
		goto out;

	/* Both are within GW_JWT_TIME_MAX: the leeway cannot overflow. */
	ret = GW_JWT_EXPIRED;
	if (claims.exp + GW_JWT_LEEWAY <= now ||
	    claims.iat - GW_JWT_LEEWAY > now)
		goto out;

	*out = claims;
	ret = GW_JWT_OK;

out:
	json_decref(jws.header);
	json_decref(payload);
	free(sig);

	return (ret);
}

/*
 * A token as header.payload.signature, at most GW_JWT_MAX long, its
 * header a JSON object (the caller releases jws->header): 0, or -1 when
 * it is not.  Here and in jwk.c.
 */
int
gw_jwt_split(const char *token, struct gw_jws *jws)
{
	const char	*dot1, *dot2;

	memset(jws, 0, sizeof(*jws));

	if (token == NULL || strlen(token) > GW_JWT_MAX ||
	    (dot1 = strchr(token, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    strchr(dot2 + 1, '.') != NULL)
		return (-1);

	if ((jws->header = gw_jwt_segment(token, dot1 - token)) == NULL)
		return (-1);

	jws->input_len = dot2 - token;
	jws->payload = dot1 + 1;
	jws->payload_len = dot2 - dot1 - 1;
	jws->sig = dot2 + 1;

	return (0);
}

/*
 * True when sig is the HS256 MAC of input under key, compared in constant
 * time.  Here and in jwk.c.
 */
int
gw_jwt_hs256(const void *key, size_t keylen, const char *input, size_t len,
    const unsigned char *sig, size_t siglen)
{
	unsigned char	mac[JWT_SIG_LEN];
	int		ok;

	ok = siglen == JWT_SIG_LEN &&
	    jwt_hmac(key, keylen, input, len, mac) == 0 &&
	    CRYPTO_memcmp(mac, sig, JWT_SIG_LEN) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));

	return (ok);
}

static int
jwt_hmac(const void *key, size_t keylen, const char *data, size_t len,
    unsigned char *out)
{
	unsigned int	outlen;

	outlen = JWT_SIG_LEN;
	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)data,
	    len, out, &outlen) == NULL || outlen != JWT_SIG_LEN)
		return (-1);

	return (0);
}

/*
 * One base64url segment holding a JSON object (duplicate names refused):
 * a token's header or payload, here and in jwk.c.
 */
json_t *
gw_jwt_segment(const char *seg, size_t len)
{
	json_t		*json;
	unsigned char	*raw;
	size_t		 rawlen;

	if (len == 0 || gw_b64url_decode(seg, len, &raw, &rawlen) == -1)
		return (NULL);

	json = json_loadb((const char *)raw, rawlen, JSON_REJECT_DUPLICATES,
	    NULL);
	free(raw);

	if (json != NULL && !json_is_object(json)) {
		json_decref(json);
		return (NULL);
	}

	return (json);
}

static int
jwt_claim_uuid(json_t *payload, const char *name, char *out)
{
	json_t		*v;
	const char	*s;

	v = json_object_get(payload, name);
	if (!json_is_string(v))
		return (-1);

	s = json_string_value(v);
	if (!gw_uuid_valid(s, json_string_length(v)))
		return (-1);

	memcpy(out, s, GW_UUID_LEN + 1);

	return (0);
}

/*
 * A NumericDate claim (RFC 7519 §2) from min to GW_JWT_TIME_MAX; a
 * fraction is dropped.  0 with *out set; 1 when absent (*out untouched);
 * -1 when not a number or out of range.  The bound keeps the comparisons
 * with the leeway from overflowing (a token with "exp":
 * 9223372036854775807 is refused, not wrapped around).  aido's own tokens
 * take min 0 (the gateway signs nothing else); a provider's, min
 * -GW_JWT_TIME_MAX.
 */
int
gw_jwt_time(json_t *payload, const char *name, int64_t min, int64_t *out)
{
	json_t		*v;
	json_int_t	 i;
	double		 d;

	if ((v = json_object_get(payload, name)) == NULL)
		return (1);

	if (json_is_integer(v)) {
		i = json_integer_value(v);
		if (i < min || i > GW_JWT_TIME_MAX)
			return (-1);
		*out = i;
		return (0);
	}

	if (json_is_real(v)) {
		d = json_real_value(v);
		if (d < (double)min || d > (double)GW_JWT_TIME_MAX)
			return (-1);
		*out = (int64_t)d;
		return (0);
	}

	return (-1);
}
