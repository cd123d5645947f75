/*
 * jwk.h: tokens of an external identity provider (API.md §3.2): a JWKS
 * parsed into public keys (Ed25519, P-256, RSA), and the verification of
 * a provider's token with those keys or with a shared HS256 secret.
 * Pure: OpenSSL and jansson, no Kore.
 */

#ifndef GW_JWK_H
#define GW_JWK_H

#include <stddef.h>
#include <stdint.h>

#include "jwt.h"

#define GW_JWK_MAX		64	/* keys kept from one JWKS */
#define GW_JWK_SUB_MAX		255	/* characters of sub (users.external_id) */

/* Beyond jwt.h's GW_JWT_* codes. */
#define GW_JWT_KID		10	/* no key for the token: a refetch may help */
#define GW_JWT_ISSUER		11	/* iss is not AUTH_ISSUER */
#define GW_JWT_AUDIENCE		12	/* aud does not hold AUTH_AUDIENCE */

struct gw_jwks;

/* What a provider's token must satisfy beyond its signature. */
struct gw_jwk_policy {
	const void	*hs256;		/* AUTH_HS256_SECRET, or NULL */
	size_t		 hs256_len;
	const char	*issuer;	/* AUTH_ISSUER, or NULL */
	const char	*audience;	/* AUTH_AUDIENCE, or NULL */
};

/* The claims of a verified external token; strings are malloc'd. */
struct gw_ext_claims {
	char		*sub;		/* 1..255 characters */
	char		*email;		/* NULL when absent or not a string */
	char		*name;		/* NULL when absent or not a string */
	int64_t		 exp;
};

struct gw_jwks	*gw_jwks_parse(const char *, size_t, char *, size_t);
void		 gw_jwks_free(struct gw_jwks *);
size_t		 gw_jwks_count(const struct gw_jwks *);

int		 gw_jwt_verify_external(const struct gw_jwk_policy *,
		    const struct gw_jwks *, const char *, int64_t,
		    struct gw_ext_claims *);
void		 gw_ext_claims_free(struct gw_ext_claims *);

#endif
