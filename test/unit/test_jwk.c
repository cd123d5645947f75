/*
 * gateway/jwk.c: a provider's JWKS (Ed25519, P-256, RSA keys) and its
 * tokens: what the provider signs verifies with the key its kid names,
 * and an algorithm that does not fit the key (RS256 key as an HMAC
 * secret, "none", a lie about the alg), a forged, expired, premature or
 * foreign token, and every unusable key are refused.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "../../gateway/jwk.h"
#include "tap.h"

#define NOW	((int64_t)1700000000)
#define ISS	"http://localhost:3000"
#define HSKEY	"a shared secret of the provider, 32+ bytes"

static EVP_PKEY	*ed, *ec, *rsa, *ed2;

static char *
b64(const void *p, size_t len)
{
	return (gw_b64url_encode(p, len));
}

static char *
b64s(const char *s)
{
	return (b64(s, strlen(s)));
}

static char *
bn64(const BIGNUM *bn)
{
	unsigned char	buf[1024];
	int		n;

	n = BN_bn2bin(bn, buf);
	return (b64(buf, n));
}

/* The public JWK of a key, as JSON text (extra: more members). */
static char *
jwk(EVP_PKEY *k, const char *kid, const char *extra)
{
	unsigned char	 raw[65];
	size_t		 len;
	BIGNUM		*n, *e;
	char		*out, *x, *y;

	out = malloc(4096);
	if (EVP_PKEY_is_a(k, "ED25519")) {
		len = 32;
		EVP_PKEY_get_raw_public_key(k, raw, &len);
		x = b64(raw, len);
		snprintf(out, 4096, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
		    "\"x\":\"%s\",\"kid\":\"%s\"%s}", x, kid, extra);
		free(x);
	} else if (EVP_PKEY_is_a(k, "EC")) {
		EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY,
		    raw, sizeof(raw), &len);
		x = b64(raw + 1, 32);
		y = b64(raw + 33, 32);
		snprintf(out, 4096, "{\"kty\":\"EC\",\"crv\":\"P-256\","
		    "\"x\":\"%s\",\"y\":\"%s\",\"kid\":\"%s\"%s}", x, y, kid,
		    extra);
		free(x);
		free(y);
	} else {
		n = e = NULL;
		EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n);
		EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e);
		x = bn64(n);
		y = bn64(e);
		snprintf(out, 4096, "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\","
		    "\"kid\":\"%s\"%s}", x, y, kid, extra);
		free(x);
		free(y);
		BN_free(n);
		BN_free(e);
	}

	return (out);
}

static struct gw_jwks *
jwks(const char *fmt, char *err, size_t errlen)
{
	return (gw_jwks_parse(fmt, strlen(fmt), err, errlen));
}

/*
 * header.payload signed with key (Ed25519, ECDSA r||s or as DER when
 * der, RSA), or with HMAC-SHA256 over secret, or unsigned.
 */
static char *
sign(EVP_PKEY *k, const char *secret, const char *header,
    const char *payload, int der)
{
	EVP_MD_CTX	*md;
	ECDSA_SIG	*es;
	const BIGNUM	*r, *s;
	const unsigned char *p;
	unsigned char	 sig[1024], raw[64];
	unsigned int	 maclen;
	size_t		 siglen;
	char		*h, *pl, *tok, *sg;
	size_t		 len;

	h = b64s(header);
	pl = b64s(payload);
	len = strlen(h) + strlen(pl) + 2048;
	tok = malloc(len);
	snprintf(tok, len, "%s.%s", h, pl);
	free(h);
	free(pl);

	siglen = 0;
	if (k != NULL) {
		md = EVP_MD_CTX_new();
		siglen = sizeof(sig);
		EVP_DigestSignInit(md, NULL, EVP_PKEY_is_a(k, "ED25519") ?
		    NULL : EVP_sha256(), NULL, k);
		EVP_DigestSign(md, sig, &siglen, (unsigned char *)tok,
		    strlen(tok));
		EVP_MD_CTX_free(md);
		if (EVP_PKEY_is_a(k, "EC") && !der) {
			p = sig;
			es = d2i_ECDSA_SIG(NULL, &p, siglen);
			ECDSA_SIG_get0(es, &r, &s);
			BN_bn2binpad(r, raw, 32);
			BN_bn2binpad(s, raw + 32, 32);
			ECDSA_SIG_free(es);
			memcpy(sig, raw, 64);
			siglen = 64;
		}
	} else if (secret != NULL) {
		maclen = sizeof(sig);
		HMAC(EVP_sha256(), secret, strlen(secret), (unsigned char *)tok,
		    strlen(tok), sig, &maclen);
		siglen = maclen;
	}

	sg = b64(sig, siglen);
	snprintf(tok + strlen(tok), len - strlen(tok), ".%s", sg);
	free(sg);

	return (tok);
}

/* The default claims of a token for sub, with more (",\"k\":v...") over them. */
static char *
claims(const char *sub, const char *more)
{
	json_t	*c, *m;
	char	 buf[4096], *out;

	c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "sub", sub,
	    "email", "ext@example.com", "name", "Ext", "iat",
	    (json_int_t)NOW - 10, "exp", (json_int_t)NOW + 900, "iss", ISS,
	    "aud", ISS);
	snprintf(buf, sizeof(buf), "{%s}", *more == ',' ? more + 1 : more);
	m = json_loads(buf, 0, NULL);
	json_object_update(c, m);
	out = json_dumps(c, JSON_COMPACT);
	json_decref(m);
	json_decref(c);

	return (out);
}

static struct gw_jwk_policy	policy = {
	HSKEY, sizeof(HSKEY) - 1, ISS, ISS
};

static int
check(const struct gw_jwks *set, const char *tok, struct gw_ext_claims *c)
{
	struct gw_ext_claims	dummy;
	int			r;

	memset(&dummy, 0, sizeof(dummy));
	r = gw_jwt_verify_external(&policy, set, tok, NOW, c ? c : &dummy);
	gw_ext_claims_free(&dummy);

	return (r);
}

/* Each case: a token over the default claims with this header/key. */
static int
try(const struct gw_jwks *set, EVP_PKEY *k, const char *secret,
    const char *header, const char *more)
{
	char	*p, *t;
	int	 r;

	p = claims("user-1", more);
	t = sign(k, secret, header, p, 0);
	r = check(set, t, NULL);
	free(p);
	free(t);

	return (r);
}

static void
test_keys(void)
{
	struct gw_jwks	*set;
	char		 err[256], doc[16384], *a, *b, *c, *d;

	a = jwk(ed, "ed-1", ",\"alg\":\"EdDSA\",\"use\":\"sig\"");
	b = jwk(ec, "ec-1", ",\"alg\":\"ES256\"");
	c = jwk(rsa, "rsa-1", ",\"alg\":\"RS256\",\"key_ops\":[\"verify\"]");
	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s,%s]}", a, b, c);
	set = jwks(doc, err, sizeof(err));
	is_int(gw_jwks_count(set), 3, "a JWKS of an Ed25519, a P-256 and an "
	    "RSA key holds three keys");
	is_str(err, "", "... none skipped");
	gw_jwks_free(set);

	ok(jwks("[]", err, sizeof(err)) == NULL, "a JSON array is no JWKS");
	like(err, "not a JWKS", "... and err says so");
	ok(jwks("{\"keys\":{}}", err, sizeof(err)) == NULL,
	    "keys must be an array");
	ok(jwks("nonsense", err, sizeof(err)) == NULL, "nor is a non-JSON text");
	set = jwks("{\"keys\":[]}", err, sizeof(err));
	ok(set != NULL && gw_jwks_count(set) == 0, "an empty JWKS is a JWKS "
	    "without keys");
	gw_jwks_free(set);

	free(a);
	a = jwk(ed, "ed-1", ",\"use\":\"enc\"");
	d = jwk(ed, "ed-1", ",\"alg\":\"RS256\"");
	free(b);
	b = jwk(ec, "ec-1", ",\"key_ops\":[\"encrypt\"]");
	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s,%s,"
	    "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\",\"kid\":\"h\"},"
	    "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"AAAA\"},"
	    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"},"
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"},"
	    "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"},"
	    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":1},"
	    "{\"crv\":\"Ed25519\"},42,%s]}", a, d, b,
	    "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", c);
	set = jwks(doc, err, sizeof(err));
	is_int(gw_jwks_count(set), 1, "of twelve JWKs, only the good RSA key "
	    "is kept: use enc, an alg of another kty, key_ops without "
	    "verify, oct, X25519, a short x, a point off the curve, a "
	    "tiny RSA modulus, a numeric x, no kty and a number are not");
	like(err, "11 of 12 keys skipped", "... and err counts them");
	gw_jwks_free(set);
	free(a);
	free(b);
	free(c);
	free(d);

	/* 1024-bit RSA: refused as weak. */
	{
		EVP_PKEY *weak = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
		    (size_t)1024);
		a = jwk(weak, "weak", "");
		snprintf(doc, sizeof(doc), "{\"keys\":[%s]}", a);
		set = jwks(doc, err, sizeof(err));
		is_int(gw_jwks_count(set), 0, "a 1024-bit RSA key is refused");
		like(err, "2048", "... saying how many bits are needed");
		gw_jwks_free(set);
		free(a);
		EVP_PKEY_free(weak);
	}
}

static void
test_tokens(void)
{
	struct gw_ext_claims	 c;
	struct gw_jwks		*set, *other;
	char			 doc[16384], err[256], *a, *b, *k3, *p, *t;
	char			 pem[4096], sub[1024];
	BIO			*bio;
	int			 n, i;

	a = jwk(ed, "ed-1", "");
	b = jwk(ec, "ec-1", "");
	k3 = jwk(rsa, "rsa-1", "");
	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s,%s]}", a, b, k3);
	set = jwks(doc, err, sizeof(err));
	free(a);
	free(b);
	free(k3);

	/* What the provider signs. */
	p = claims("0123456789abcdefABCDEF0123456789", "");
	t = sign(ed, NULL, "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\"}", p, 0);
	memset(&c, 0, sizeof(c));
	is_int(check(set, t, &c), GW_JWT_OK, "an EdDSA token (Better Auth's) "
	    "verifies with the key its kid names");
	is_str(c.sub, "0123456789abcdefABCDEF0123456789", "... sub is the "
	    "provider's user id");
	is_str(c.email, "ext@example.com", "... with its email");
	is_str(c.name, "Ext", "... and name");
	is_int(c.exp, NOW + 900, "... and exp");
	gw_ext_claims_free(&c);
	free(t);
	free(p);

	is_int(try(set, ec, NULL, "{\"alg\":\"ES256\",\"kid\":\"ec-1\"}", ""),
	    GW_JWT_OK, "an ES256 token (r || s) verifies");
	is_int(try(set, rsa, NULL, "{\"alg\":\"RS256\",\"kid\":\"rsa-1\","
	    "\"typ\":\"JWT\"}", ""), GW_JWT_OK, "an RS256 token verifies");
	is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}", ""), GW_JWT_OK,
	    "a token without kid verifies with a key of its type");
	is_int(try(set, ed, NULL, "{\"alg\":\"Ed25519\",\"kid\":\"ed-1\"}",
	    ""), GW_JWT_OK, "alg Ed25519 (RFC 9864) is EdDSA over Ed25519");
	is_int(try(set, NULL, HSKEY, "{\"alg\":\"HS256\"}", ""), GW_JWT_OK,
	    "an HS256 token verifies with AUTH_HS256_SECRET");
	is_int(try(set, NULL, HSKEY, "{\"alg\":\"HS256\",\"kid\":\"ed-1\"}",
	    ""), GW_JWT_OK, "... whatever kid it names");

	/* Which key: the one the kid names, of the type alg names. */
	is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\",\"kid\":\"ed-9\"}", ""),
	    GW_JWT_KID, "an unknown kid is GW_JWT_KID (a refetch may help)");
	is_int(try(set, ed2, NULL, "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\"}", ""),
	    GW_JWT_SIGNATURE, "another Ed25519 key under a known kid is a "
	    "bad signature");
	is_int(try(set, ed2, NULL, "{\"alg\":\"EdDSA\"}", ""),
	    GW_JWT_SIGNATURE, "... also without kid");
	is_int(try(set, ed, NULL, "{\"alg\":\"ES256\",\"kid\":\"ed-1\"}", ""),
	    GW_JWT_ALG, "alg ES256 on the kid of an Ed25519 key is refused");
	is_int(try(set, ec, NULL, "{\"alg\":\"ES256\",\"kid\":\"ed-1\"}", ""),
	    GW_JWT_ALG, "... also when signed by a P-256 key");
	is_int(try(set, rsa, NULL, "{\"alg\":\"RS256\",\"kid\":\"ec-1\"}", ""),
	    GW_JWT_ALG, "alg RS256 on the kid of a P-256 key is refused");
	p = claims("user-1", "");
	t = sign(ec, NULL, "{\"alg\":\"ES256\",\"kid\":\"ec-1\"}", p, 1);
	is_int(check(set, t, NULL), GW_JWT_SIGNATURE, "an ES256 signature in "
	    "DER (not r || s) is refused");
	free(t);
	free(p);

	/* Algorithm confusion: the RSA public key as an HMAC secret. */
	bio = BIO_new(BIO_s_mem());
	PEM_write_bio_PUBKEY(bio, rsa);
	n = BIO_read(bio, pem, sizeof(pem) - 1);
	pem[n > 0 ? n : 0] = '\0';
	BIO_free(bio);
	is_int(try(set, NULL, pem, "{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}",
	    ""), GW_JWT_SIGNATURE, "HS256 signed with the RSA public key (PEM) "
	    "is refused");
	{
		struct gw_jwk_policy nohs = { NULL, 0, ISS, ISS };
		p = claims("user-1", "");
		t = sign(NULL, HSKEY, "{\"alg\":\"HS256\"}", p, 0);
		is_int(gw_jwt_verify_external(&nohs, set, t, NOW, &c),
		    GW_JWT_ALG, "HS256 without AUTH_HS256_SECRET is refused, "
		    "never checked with a JWKS key");
		free(t);
		t = sign(NULL, pem, "{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}", p,
		    0);
		is_int(gw_jwt_verify_external(&nohs, set, t, NOW, &c),
		    GW_JWT_ALG, "... also when signed with that key's PEM");
		free(t);
		free(p);
	}
	is_int(try(set, NULL, NULL, "{\"alg\":\"none\",\"kid\":\"ed-1\"}", ""),
	    GW_JWT_ALG, "alg none is refused");
	is_int(try(set, NULL, NULL, "{\"alg\":\"NONE\"}", ""), GW_JWT_ALG,
	    "alg NONE is refused");
	is_int(try(set, rsa, NULL, "{\"alg\":\"RS512\",\"kid\":\"rsa-1\"}",
	    ""), GW_JWT_ALG, "an algorithm outside EdDSA, ES256, RS256, HS256 "
	    "is refused");
	is_int(try(set, ed, NULL, "{\"kid\":\"ed-1\"}", ""), GW_JWT_ALG,
	    "a header without alg is refused");
	is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\","
	    "\"crit\":[\"exp\"]}", ""), GW_JWT_MALFORMED, "a crit header is "
	    "refused");
	is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\",\"kid\":7}", ""),
	    GW_JWT_MALFORMED, "a numeric kid is refused");
	is_int(try(set, NULL, "another secret of at least 32 bytes",
	    "{\"alg\":\"HS256\"}", ""), GW_JWT_SIGNATURE,
	    "HS256 with another secret is refused");
	other = jwks("{\"keys\":[]}", err, sizeof(err));
	is_int(try(other, ed, NULL, "{\"alg\":\"EdDSA\"}", ""), GW_JWT_KID,
	    "an empty key set knows no key");
	is_int(try(NULL, ed, NULL, "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\"}", ""),
	    GW_JWT_KID, "... nor does no key set");
	gw_jwks_free(other);

	/* Tampering. */
	p = claims("user-1", "");
	t = sign(ed, NULL, "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\"}", p, 0);
	{
		char *dot = strchr(t, '.') + 1;
		char *fake = b64s("{\"sub\":\"admin\",\"exp\":9999999999}");
		char *dot2 = strchr(dot, '.');
		char buf[4096];
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(dot - t), t,
		    fake, dot2);
		is_int(check(set, buf, NULL), GW_JWT_SIGNATURE,
		    "a token whose payload was altered is refused");
		snprintf(buf, sizeof(buf), "%.*s", (int)(dot2 - t + 1), t);
		is_int(check(set, buf, NULL), GW_JWT_SIGNATURE,
		    "a token with its signature cut off is refused");
		free(fake);
	}
	free(t);
	free(p);
	t = sign(ed, NULL, "{\"alg\":\"EdDSA\"}", "{\"sub\":\"u\","
	    "\"exp\":1700000900,\"iss\":\"" ISS "\",\"aud\":\"" ISS "\","
	    "\"sub\":\"admin\"}", 0);
	is_int(check(set, t, NULL), GW_JWT_MALFORMED, "a payload naming sub "
	    "twice is refused");
	free(t);
	is_int(check(set, "a.b", NULL), GW_JWT_MALFORMED, "two segments");
	is_int(check(set, "", NULL), GW_JWT_MALFORMED, "an empty token");
	is_int(check(set, NULL, NULL), GW_JWT_MALFORMED, "no token");

	/* Claims. */
	is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}", ",\"exp\":1"),
	    GW_JWT_EXPIRED, "an expired token is refused");
	{
		char more[64];
		snprintf(more, sizeof(more), ",\"exp\":%lld",
		    (long long)NOW - 20);
		is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}", more),
		    GW_JWT_OK, "20 s after exp is within the clock allowance");
		snprintf(more, sizeof(more), ",\"nbf\":%lld",
		    (long long)NOW + 60);
		is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}", more),
		    GW_JWT_EXPIRED, "a token before its nbf is refused");
		snprintf(more, sizeof(more), ",\"nbf\":%lld",
		    (long long)NOW + 20);
		is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}", more),
		    GW_JWT_OK, "nbf 20 s ahead is within the allowance");
		snprintf(more, sizeof(more), ",\"iat\":%lld",
		    (long long)NOW + 3600);
		is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}", more),
		    GW_JWT_EXPIRED, "a token issued in the future is refused");
	}
	is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}", ",\"exp\":\"soon\""),
	    GW_JWT_CLAIMS, "a string exp is refused");
	is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}", ",\"nbf\":\"now\""),
	    GW_JWT_CLAIMS, "a string nbf is refused");

	/*
	 * Times far out of range are refused as claims before any arithmetic
	 * with the leeway (which would overflow: UBSan stops the asan build
	 * if it happens).
	 */
	{
		static const char *bad[] = {
		    ",\"exp\":9223372036854775807",
		    ",\"exp\":-9223372036854775808",
		    ",\"exp\":1e300",
		    ",\"exp\":1000000000000001",
		    ",\"nbf\":-9223372036854775808",
		    ",\"nbf\":9223372036854775807",
		    ",\"nbf\":-1e300",
		    ",\"iat\":-9223372036854775808",
		    ",\"iat\":9223372036854775807",
		    ",\"iat\":-1e16",
		};
		static const char *good[] = {
		    ",\"exp\":1000000000000000",
		    ",\"exp\":1700000900.5",
		    ",\"nbf\":-1000000000000000",
		    ",\"iat\":-1e15",
		};

		for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++)
			is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}",
			    bad[i]), GW_JWT_CLAIMS, "a time claim beyond "
			    "10^15 s is refused: %s", bad[i] + 1);
		for (i = 0; i < (int)(sizeof(good) / sizeof(good[0])); i++)
			is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}",
			    good[i]), GW_JWT_OK, "a time claim within "
			    "10^15 s is taken: %s", good[i] + 1);

		/* Beyond int64: jansson does not take it. */
		p = strdup("{\"sub\":\"u\",\"exp\":9223372036854775808,"
		    "\"iss\":\"" ISS "\",\"aud\":\"" ISS "\"}");
		t = sign(ed, NULL, "{\"alg\":\"EdDSA\"}", p, 0);
		is_int(check(set, t, NULL), GW_JWT_MALFORMED, "an exp beyond "
		    "int64 is not taken as JSON");
		free(t);
		free(p);
	}
	is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}", ",\"iss\":\"http://"
	    "evil.test\""), GW_JWT_ISSUER, "another issuer is refused");
	is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}", ",\"aud\":\"http://"
	    "evil.test\""), GW_JWT_AUDIENCE, "another audience is refused");
	is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}", ",\"aud\":[\"x\","
	    "\"" ISS "\"]"), GW_JWT_OK, "an aud array holding AUTH_AUDIENCE "
	    "is accepted");
	is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}", ",\"aud\":[\"x\"]"),
	    GW_JWT_AUDIENCE, "an aud array without it is refused");
	is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}", ",\"aud\":7"),
	    GW_JWT_AUDIENCE, "a numeric aud is refused");

	/* Without exp, sub, iss or aud; sub's length. */
	{
		static const char *missing[] = {
		    "{\"sub\":\"u\",\"iss\":\"" ISS "\",\"aud\":\"" ISS "\"}",
		    "{\"exp\":1700000900,\"iss\":\"" ISS "\",\"aud\":\"" ISS
		    "\"}",
		    "{\"sub\":\"u\",\"exp\":1700000900,\"aud\":\"" ISS "\"}",
		    "{\"sub\":\"u\",\"exp\":1700000900,\"iss\":\"" ISS "\"}",
		    "{\"sub\":\"\",\"exp\":1700000900,\"iss\":\"" ISS
		    "\",\"aud\":\"" ISS "\"}",
		    "{\"sub\":7,\"exp\":1700000900,\"iss\":\"" ISS
		    "\",\"aud\":\"" ISS "\"}",
		    "{\"sub\":\"a\\u0000b\",\"exp\":1700000900,\"iss\":\"" ISS
		    "\",\"aud\":\"" ISS "\"}",
		};
		static const char *what[] = {
		    "without exp", "without sub", "without iss", "without aud",
		    "with an empty sub", "with a numeric sub",
		    "with a NUL in sub",
		};
		for (i = 0; i < 7; i++) {
			t = sign(ed, NULL, "{\"alg\":\"EdDSA\"}", missing[i],
			    0);
			ok(check(set, t, NULL) != GW_JWT_OK, "a token %s is "
			    "refused", what[i]);
			free(t);
		}
	}
	memset(sub, 'x', 256);
	sub[256] = '\0';
	is_int(try(set, ed, NULL, "{\"alg\":\"EdDSA\"}", ""), GW_JWT_OK,
	    "(control)");
	p = claims(sub, "");
	t = sign(ed, NULL, "{\"alg\":\"EdDSA\"}", p, 0);
	is_int(check(set, t, NULL), GW_JWT_CLAIMS, "a sub of 256 characters "
	    "is refused");
	free(t);
	free(p);
	sub[0] = '\0';
	for (i = 0; i < 255; i++)
		strcat(sub, "\xc3\xa9");
	p = claims(sub, "");
	t = sign(ed, NULL, "{\"alg\":\"EdDSA\"}", p, 0);
	memset(&c, 0, sizeof(c));
	is_int(check(set, t, &c), GW_JWT_OK, "a sub of 255 two-byte "
	    "characters is accepted");
	is_int(c.sub ? strlen(c.sub) : 0, 510, "... whole");
	gw_ext_claims_free(&c);
	free(t);
	free(p);

	p = strdup("{\"sub\":\"u\",\"exp\":1700000900,\"email\":42,"
	    "\"name\":\"\"}");
	t = sign(ed, NULL, "{\"alg\":\"EdDSA\"}", p, 0);
	{
		struct gw_jwk_policy open = { NULL, 0, NULL, NULL };
		memset(&c, 0, sizeof(c));
		is_int(gw_jwt_verify_external(&open, set, t, NOW, &c),
		    GW_JWT_OK, "without AUTH_ISSUER and AUTH_AUDIENCE, iss "
		    "and aud are not needed");
		ok(c.email == NULL && c.name == NULL, "a numeric email and an "
		    "empty name are dropped, not refused");
		gw_ext_claims_free(&c);
	}
	free(t);
	free(p);

	gw_jwks_free(set);
}

int
main(void)
{
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ed2 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);

	test_keys();
	test_tokens();

	EVP_PKEY_free(ed);
	EVP_PKEY_free(ed2);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);

	return (tap_done());
}
