/*
 * Tokens of an external identity provider (API.md §3.2), such as Better
 * Auth's: signed with a key of the provider's JWKS (EdDSA over Ed25519,
 * ES256 over P-256, RS256 over RSA), or HS256 with a secret shared with
 * the provider.
 *
 * The token never chooses how it is checked: its "alg" must name the type
 * of the key it is checked with (an RSA or EC public key is never an HMAC
 * secret: HS256 is only ever checked with AUTH_HS256_SECRET), "none" and
 * every other algorithm are refused, and a JWK's own "alg", "use" and
 * "key_ops", when given, must allow that use.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "jwk.h"

#define JWK_ED25519		1
#define JWK_P256		2
#define JWK_RSA			3

#define JWK_RSA_MIN_BITS	2048
#define JWK_RSA_MAX_BITS	8192

struct gw_jwk {
	char		*kid;		/* NULL when the JWK has none */
	int		 type;
	EVP_PKEY	*pkey;
};

struct gw_jwks {
	struct gw_jwk	 keys[GW_JWK_MAX];
	size_t		 nkeys;
};

static const struct {
	const char	*alg;
	int		 type;
} jwk_algs[] = {
	{ "EdDSA",	JWK_ED25519 },
	{ "Ed25519",	JWK_ED25519 },	/* RFC 9864's name for the same */
	{ "ES256",	JWK_P256 },
	{ "RS256",	JWK_RSA },
};

static int	jwk_signature(const struct gw_jwk_policy *,
		    const struct gw_jwks *, const char *, const char *,
		    const char *, size_t, const unsigned char *, size_t);
static int	jwk_claims(const struct gw_jwk_policy *, json_t *, int64_t,
		    struct gw_ext_claims *);
static int	jwk_alg_type(const char *);
static int	jwk_key(json_t *, struct gw_jwk *, const char **);
static int	jwk_usable(json_t *, const char **);
static EVP_PKEY	*jwk_ed25519(json_t *);
static EVP_PKEY	*jwk_p256(json_t *);
static EVP_PKEY	*jwk_rsa(json_t *, const char **);
static int	jwk_bytes(json_t *, const char *, size_t, unsigned char **,
		    size_t *);
static EVP_PKEY	*jwk_fromdata(const char *, OSSL_PARAM_BLD *);
static int	jwk_verify(const struct gw_jwk *, const char *, size_t,
		    const unsigned char *, size_t);
static int	jwk_string(json_t *, const char *, size_t, char **);
static int	jwk_audience(json_t *, const char *);

/*
 * A JWKS document ({"keys": [...]}) as a key set.  Keys that cannot serve
 * (another kty or curve, "use" other than "sig", a malformed or weak key)
 * are skipped, and err says so; NULL (and err) when the document is not a
 * JWKS at all.
 */
struct gw_jwks *
gw_jwks_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct gw_jwks	*set;
	json_t		*doc, *keys, *jwk;
	const char	*why, *first;
	size_t		 i, skipped;

	if (errlen > 0)
		err[0] = '\0';

	doc = json_loadb(text, len, 0, NULL);
	keys = json_object_get(doc, "keys");
	if (!json_is_array(keys)) {
		(void)snprintf(err, errlen, "not a JWKS document (a JSON "
		    "object with a \"keys\" array)");
		json_decref(doc);
		return (NULL);
	}

	if ((set = calloc(1, sizeof(*set))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		json_decref(doc);
		return (NULL);
	}

	skipped = 0;
	first = "";
	json_array_foreach(keys, i, jwk) {
		if (set->nkeys == GW_JWK_MAX) {
			why = "more than 64 keys";
		} else if (jwk_key(jwk, &set->keys[set->nkeys], &why) == 0) {
			set->nkeys++;
			continue;
		}
		if (skipped++ == 0)
			first = why;
	}

	if (skipped > 0) {
		(void)snprintf(err, errlen, "%zu of %zu keys skipped (%s)",
		    skipped, json_array_size(keys), first);
	}

	json_decref(doc);

	return (set);
}

void
gw_jwks_free(struct gw_jwks *set)
{
	size_t		i;

	if (set == NULL)
		return;

	for (i = 0; i < set->nkeys; i++) {
		free(set->keys[i].kid);
		EVP_PKEY_free(set->keys[i].pkey);
	}

	free(set);
}

size_t
gw_jwks_count(const struct gw_jwks *set)
{
	return (set != NULL ? set->nkeys : 0);
}

/*
 * Verifies a provider's token at time now.  GW_JWT_KID: no key of the set
 * has the token's kid (or, without a kid, none has its algorithm's type),
 * so a newer JWKS may have it.  On GW_JWT_OK the claims are filled in
 * (free them with gw_ext_claims_free); otherwise they are untouched.
 */
int
gw_jwt_verify_external(const struct gw_jwk_policy *pol,
    const struct gw_jwks *set, const char *token, int64_t now,
    struct gw_ext_claims *out)
{
	struct gw_ext_claims	 c;
	struct gw_jws		 jws;
	json_t			*payload, *v;
	unsigned char		*sig;
	const char		*alg, *kid;
	size_t			 siglen;
	int			 ret;

	payload = NULL;
	sig = NULL;
	memset(&c, 0, sizeof(c));

	if (gw_jwt_split(token, &jws) == -1)
		return (GW_JWT_MALFORMED);

	/* Extensions we do not understand must not be ignored. */
	ret = GW_JWT_MALFORMED;
	if (json_object_get(jws.header, "crit") != NULL)
		goto out;
	v = json_object_get(jws.header, "typ");
	if (v != NULL && !json_is_string(v))
		goto out;
	v = json_object_get(jws.header, "kid");
	if (v != NULL && !json_is_string(v))
		goto out;
	kid = json_string_value(v);

	ret = GW_JWT_ALG;
	alg = json_string_value(json_object_get(jws.header, "alg"));
	if (alg == NULL)
		goto out;

	ret = GW_JWT_MALFORMED;
	if (gw_b64url_decode(jws.sig, strlen(jws.sig), &sig, &siglen) == -1)
		goto out;

	if ((ret = jwk_signature(pol, set, alg, kid, token, jws.input_len,
	    sig, siglen)) != GW_JWT_OK)
		goto out;

	/* Only now is the payload worth reading. */
	ret = GW_JWT_MALFORMED;
	if ((payload = gw_jwt_segment(jws.payload, jws.payload_len)) == NULL)
		goto out;

	if ((ret = jwk_claims(pol, payload, now, &c)) == GW_JWT_OK) {
		*out = c;
		memset(&c, 0, sizeof(c));
	}

out:
	gw_ext_claims_free(&c);
	json_decref(jws.header);
	json_decref(payload);
	free(sig);

	return (ret);
}

/*
 * The signature of a token whose header names alg (and kid, or NULL):
 * GW_JWT_OK, or why not.
 */
static int
jwk_signature(const struct gw_jwk_policy *pol, const struct gw_jwks *set,
    const char *alg, const char *kid, const char *input, size_t len,
    const unsigned char *sig, size_t siglen)
{
	const struct gw_jwk	*k;
	size_t			 i, named, typed;
	int			 type;

	/* Only ever the shared secret: never a key of the JWKS. */
	if (!strcmp(alg, "HS256")) {
		if (pol->hs256 == NULL)
			return (GW_JWT_ALG);
		return (gw_jwt_hs256(pol->hs256, pol->hs256_len, input, len,
		    sig, siglen) ? GW_JWT_OK : GW_JWT_SIGNATURE);
	}

	if ((type = jwk_alg_type(alg)) == 0)
		return (GW_JWT_ALG);

	/*
	 * The keys the token names (all keys of its type when it names
	 * none); kid matched, type not: the token lies about its key, and
	 * no refetch will mend that.
	 */
	named = typed = 0;
	for (i = 0; i < gw_jwks_count(set); i++) {
		k = &set->keys[i];
		if (kid != NULL && (k->kid == NULL || strcmp(k->kid, kid)))
			continue;
		named++;
		if (k->type != type)
			continue;
		typed++;
		if (jwk_verify(k, input, len, sig, siglen))
			return (GW_JWT_OK);
	}

	if (named == 0 || (kid == NULL && typed == 0))
		return (GW_JWT_KID);
	if (typed == 0)
		return (GW_JWT_ALG);

	return (GW_JWT_SIGNATURE);
}

/*
 * The claims of a token whose signature verified, at time now, into c
 * (which the caller frees): GW_JWT_OK, or why not.
 */
static int
jwk_claims(const struct gw_jwk_policy *pol, json_t *payload, int64_t now,
    struct gw_ext_claims *c)
{
	json_t		*v;
	int64_t		 nbf, iat;
	int		 has_nbf, has_iat;

	if (jwk_string(payload, "sub", GW_JWK_SUB_MAX, &c->sub) == -1 ||
	    c->sub == NULL ||
	    gw_jwt_time(payload, "exp", -GW_JWT_TIME_MAX, &c->exp) != 0)
		return (GW_JWT_CLAIMS);

	/* email and name are the provider's to fill; we keep them if sane. */
	if (jwk_string(payload, "email", 255, &c->email) == -1)
		c->email = NULL;
	if (jwk_string(payload, "name", 1000, &c->name) == -1)
		c->name = NULL;

	/* Times are within GW_JWT_TIME_MAX: the leeway cannot overflow. */
	if (c->exp + GW_JWT_LEEWAY <= now)
		return (GW_JWT_EXPIRED);

	/* nbf and iat may be absent; present, both must be sane, then past. */
	if ((has_nbf = gw_jwt_time(payload, "nbf", -GW_JWT_TIME_MAX,
	    &nbf)) == -1 ||
	    (has_iat = gw_jwt_time(payload, "iat", -GW_JWT_TIME_MAX,
	    &iat)) == -1)
		return (GW_JWT_CLAIMS);
	if ((has_nbf == 0 && nbf - GW_JWT_LEEWAY > now) ||
	    (has_iat == 0 && iat - GW_JWT_LEEWAY > now))
		return (GW_JWT_EXPIRED);

	if (pol->issuer != NULL && ((v = json_object_get(payload, "iss")) ==
	    NULL || !json_is_string(v) || strcmp(json_string_value(v),
	    pol->issuer)))
		return (GW_JWT_ISSUER);

	if (pol->audience != NULL &&
	    !jwk_audience(json_object_get(payload, "aud"), pol->audience))
		return (GW_JWT_AUDIENCE);

	return (GW_JWT_OK);
}

void
gw_ext_claims_free(struct gw_ext_claims *c)
{
	free(c->sub);
	free(c->email);
	free(c->name);
	memset(c, 0, sizeof(*c));
}

static int
jwk_alg_type(const char *alg)
{
	size_t		i;

	for (i = 0; i < sizeof(jwk_algs) / sizeof(jwk_algs[0]); i++) {
		if (!strcmp(jwk_algs[i].alg, alg))
			return (jwk_algs[i].type);
	}

	return (0);
}

/*
 * One JWK as a public key: 0, or -1 and why it cannot serve.
 */
static int
jwk_key(json_t *jwk, struct gw_jwk *out, const char **why)
{
	json_t		*v;

	memset(out, 0, sizeof(*out));

	if ((out->type = jwk_usable(jwk, why)) == 0)
		return (-1);

	*why = "malformed key material";
	switch (out->type) {
	case JWK_ED25519:
		out->pkey = jwk_ed25519(jwk);
		break;
	case JWK_P256:
		out->pkey = jwk_p256(jwk);
		break;
	case JWK_RSA:
		out->pkey = jwk_rsa(jwk, why);
		break;
	}

	if (out->pkey == NULL)
		return (-1);

	if ((v = json_object_get(jwk, "kid")) != NULL &&
	    (out->kid = strdup(json_string_value(v))) == NULL) {
		EVP_PKEY_free(out->pkey);
		out->pkey = NULL;
		*why = "out of memory";
		return (-1);
	}

	return (0);
}

/*
 * The type of key a JWK holds when it may verify signatures (its "use",
 * "key_ops", "kid" and "alg" allow it); else 0 and why not.
 */
static int
jwk_usable(json_t *jwk, const char **why)
{
	json_t		*v, *op;
	const char	*kty, *crv, *s;
	size_t		 i;
	int		 ok, type;

	*why = "not a JSON object with a kty";
	if (!json_is_object(jwk) ||
	    (kty = json_string_value(json_object_get(jwk, "kty"))) == NULL)
		return (0);

	*why = "a key not for signatures (use)";
	if ((v = json_object_get(jwk, "use")) != NULL &&
	    (!json_is_string(v) || strcmp(json_string_value(v), "sig")))
		return (0);

	*why = "a key whose key_ops lack verify";
	if ((v = json_object_get(jwk, "key_ops")) != NULL) {
		if (!json_is_array(v))
			return (0);
		ok = 0;
		json_array_foreach(v, i, op) {
			if ((s = json_string_value(op)) != NULL &&
			    !strcmp(s, "verify"))
				ok = 1;
		}
		if (!ok)
			return (0);
	}

	*why = "a kid that is not a string";
	if ((v = json_object_get(jwk, "kid")) != NULL && !json_is_string(v))
		return (0);

	crv = json_string_value(json_object_get(jwk, "crv"));
	if (!strcmp(kty, "OKP") && crv != NULL && !strcmp(crv, "Ed25519"))
		type = JWK_ED25519;
	else if (!strcmp(kty, "EC") && crv != NULL && !strcmp(crv, "P-256"))
		type = JWK_P256;
	else if (!strcmp(kty, "RSA"))
		type = JWK_RSA;
	else {
		*why = "an unsupported kty or crv";
		return (0);
	}

	*why = "an alg that does not fit the key";
	if ((v = json_object_get(jwk, "alg")) != NULL &&
	    (!json_is_string(v) ||
	    jwk_alg_type(json_string_value(v)) != type))
		return (0);

	return (type);
}

static EVP_PKEY *
jwk_ed25519(json_t *jwk)
{
	EVP_PKEY	*pkey;
	unsigned char	*x;
	size_t		 xlen;

	if (jwk_bytes(jwk, "x", 32, &x, &xlen) == -1)
		return (NULL);

	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, xlen);
	free(x);

	return (pkey);
}

static EVP_PKEY *
jwk_p256(json_t *jwk)
{
	OSSL_PARAM_BLD	*bld;
	EVP_PKEY	*pkey;
	unsigned char	*x, *y, pt[65];
	size_t		 xlen, ylen;

	x = y = NULL;
	bld = NULL;
	pkey = NULL;

	if (jwk_bytes(jwk, "x", 32, &x, &xlen) == -1 ||
	    jwk_bytes(jwk, "y", 32, &y, &ylen) == -1)
		goto out;

	pt[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(pt + 1, x, 32);
	memcpy(pt + 33, y, 32);
	if ((bld = OSSL_PARAM_BLD_new()) != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "P-256", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pt, sizeof(pt)))
		pkey = jwk_fromdata("EC", bld);

out:
	OSSL_PARAM_BLD_free(bld);
	free(x);
	free(y);

	return (pkey);
}

static EVP_PKEY *
jwk_rsa(json_t *jwk, const char **why)
{
	OSSL_PARAM_BLD	*bld;
	EVP_PKEY	*pkey;
	BIGNUM		*n, *e;
	unsigned char	*nb, *eb;
	size_t		 nlen, elen;

	nb = eb = NULL;
	n = e = NULL;
	bld = NULL;
	pkey = NULL;

	if (jwk_bytes(jwk, "n", 0, &nb, &nlen) == -1 ||
	    jwk_bytes(jwk, "e", 0, &eb, &elen) == -1 || elen > 8 ||
	    (n = BN_bin2bn(nb, nlen, NULL)) == NULL ||
	    (e = BN_bin2bn(eb, elen, NULL)) == NULL)
		goto out;

	if (BN_num_bits(n) < JWK_RSA_MIN_BITS ||
	    BN_num_bits(n) > JWK_RSA_MAX_BITS) {
		*why = "an RSA key of fewer than 2048 or more than 8192 bits";
		goto out;
	}

	if (BN_is_odd(e) && !BN_is_one(e) &&
	    (bld = OSSL_PARAM_BLD_new()) != NULL &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		pkey = jwk_fromdata("RSA", bld);

out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(nb);
	free(eb);

	return (pkey);
}

/*
 * A base64url member of a JWK, of exactly want bytes (any, when 0).
 */
static int
jwk_bytes(json_t *jwk, const char *name, size_t want, unsigned char **out,
    size_t *len)
{
	json_t		*v;

	v = json_object_get(jwk, name);
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    gw_b64url_decode(json_string_value(v), json_string_length(v),
	    out, len) == -1)
		return (-1);

	if ((want != 0 && *len != want) || *len == 0) {
		free(*out);
		*out = NULL;
		return (-1);
	}

	return (0);
}

/*
 * A public key of type name from parameters, checked by OpenSSL (an EC
 * point must lie on the curve).
 */
static EVP_PKEY *
jwk_fromdata(const char *name, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY_CTX	*pctx, *cctx;
	OSSL_PARAM	*params;
	EVP_PKEY	*pkey;

	pkey = NULL;
	cctx = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		return (NULL);

	if ((pctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;

	if ((cctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_public_check(cctx) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}

out:
	EVP_PKEY_CTX_free(cctx);
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);

	return (pkey);
}

/*
 * The JWS signature sig over input with key k: Ed25519 (64 bytes),
 * ECDSA P-256 with SHA-256 (r || s, 64 bytes, made DER for OpenSSL), or
 * RSASSA-PKCS1-v1_5 with SHA-256 (as long as the modulus).
 */
static int
jwk_verify(const struct gw_jwk *k, const char *input, size_t len,
    const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX		*md;
	ECDSA_SIG		*es;
	BIGNUM			*r, *s;
	const EVP_MD		*digest;
	const unsigned char	*p;
	unsigned char		*der;
	size_t			 plen;
	int			 ok, dlen;

	der = NULL;
	p = sig;
	plen = siglen;
	digest = EVP_sha256();

	switch (k->type) {
	case JWK_ED25519:
		if (siglen != 64)
			return (0);
		digest = NULL;
		break;
	case JWK_P256:
		if (siglen != 64)
			return (0);
		es = ECDSA_SIG_new();
		r = BN_bin2bn(sig, 32, NULL);
		s = BN_bin2bn(sig + 32, 32, NULL);
		if (es == NULL || r == NULL || s == NULL ||
		    !ECDSA_SIG_set0(es, r, s)) {
			ECDSA_SIG_free(es);
			BN_free(r);
			BN_free(s);
			return (0);
		}
		dlen = i2d_ECDSA_SIG(es, &der);
		ECDSA_SIG_free(es);
		if (dlen <= 0)
			return (0);
		p = der;
		plen = dlen;
		break;
	case JWK_RSA:
		if (siglen != (size_t)EVP_PKEY_get_size(k->pkey))
			return (0);
		break;
	default:
		return (0);
	}

	ok = 0;
	if ((md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(md, NULL, digest, NULL, k->pkey) == 1 &&
	    EVP_DigestVerify(md, p, plen, (const unsigned char *)input,
	    len) == 1)
		ok = 1;

	EVP_MD_CTX_free(md);
	OPENSSL_free(der);

	return (ok);
}

/*
 * A string claim of 1..max characters without NUL, strdup'd; absent: 0
 * and *out NULL.  Otherwise -1.
 */
static int
jwk_string(json_t *payload, const char *name, size_t max, char **out)
{
	json_t		*v;
	const char	*s;
	size_t		 len, chars, i;

	*out = NULL;
	if ((v = json_object_get(payload, name)) == NULL)
		return (0);

	if (!json_is_string(v))
		return (-1);

	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0 || strlen(s) != len)
		return (-1);

	/* jansson holds valid UTF-8: count the characters. */
	for (i = chars = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			chars++;
	}
	if (chars > max)
		return (-1);

	if ((*out = strdup(s)) == NULL)
		return (-1);

	return (0);
}

/*
 * aud (RFC 7519 §4.1.3): one string, or an array of strings, that must
 * hold want.
 */
static int
jwk_audience(json_t *aud, const char *want)
{
	json_t		*v;
	size_t		 i;

	if (json_is_string(aud))
		return (!strcmp(json_string_value(aud), want));

	if (!json_is_array(aud))
		return (0);

	json_array_foreach(aud, i, v) {
		if (json_is_string(v) && !strcmp(json_string_value(v), want))
			return (1);
	}

	return (0);
}
