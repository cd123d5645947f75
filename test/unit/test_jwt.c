/*
 * gateway/jwt.c: base64url, UUIDs, and HS256 tokens: what is signed
 * verifies, and every kind of forged, tampered, expired or incomplete
 * token is refused.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/hmac.h>

#include "../../gateway/jwt.h"
#include "tap.h"

#define KEY	"0123456789abcdef0123456789abcdef"
#define SUB	"0b7e7c1e-2f3a-4c8e-9d10-5a6b7c8d9e0f"
#define SID	"5f0c2a9d-8e7b-4a61-b3c2-1d0e9f8a7b6c"
#define NOW	((int64_t)1700000000)

static char *
b64(const char *s)
{
	return (gw_b64url_encode(s, strlen(s)));
}

/* header.payload signed with HMAC-SHA256 (or nothing, or SHA-512). */
static char *
forge(const char *header, const char *payload, const char *alg,
    const char *key)
{
	unsigned char	 mac[64];
	unsigned int	 maclen;
	char		*h, *p, *s, *tok;
	size_t		 len;
	const EVP_MD	*md;

	h = b64(header);
	p = b64(payload);
	len = strlen(h) + strlen(p) + 2 + 128;
	tok = malloc(len);
	(void)snprintf(tok, len, "%s.%s", h, p);

	s = NULL;
	md = NULL;
	if (!strcmp(alg, "HS256"))
		md = EVP_sha256();
	else if (!strcmp(alg, "HS512"))
		md = EVP_sha512();
	if (md != NULL) {
		HMAC(md, key, strlen(key), (unsigned char *)tok, strlen(tok),
		    mac, &maclen);
		s = gw_b64url_encode(mac, maclen);
	}
	(void)snprintf(tok + strlen(tok), len - strlen(tok), ".%s",
	    s ? s : "");

	free(h);
	free(p);
	free(s);

	return (tok);
}

static int
verify(const char *tok, int64_t now)
{
	struct gw_jwt_claims	c;

	return (gw_jwt_verify(KEY, strlen(KEY), tok, now, &c));
}

static const char	*hdr = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
static const char	*claims = "{\"sub\":\"" SUB "\",\"sid\":\"" SID
			    "\",\"iat\":1700000000,\"exp\":1700003600}";

static void
test_b64url(void)
{
	unsigned char	*out;
	size_t		 len;
	char		*e;

	e = gw_b64url_encode("", 0);
	is_str(e, "", "empty input encodes to nothing");
	free(e);
	e = gw_b64url_encode("f", 1);
	is_str(e, "Zg", "one byte, no padding");
	free(e);
	e = gw_b64url_encode("fo", 2);
	is_str(e, "Zm8", "two bytes, no padding");
	free(e);
	e = gw_b64url_encode("foo", 3);
	is_str(e, "Zm9v", "three bytes");
	free(e);
	e = gw_b64url_encode("\xfb\xff\xbf", 3);
	is_str(e, "-_-_", "the URL alphabet: - and _ instead of + and /");
	free(e);

	ok(gw_b64url_decode("Zm9vYg", 6, &out, &len) == 0 && len == 4 &&
	    !memcmp(out, "foob", 4), "decodes unpadded input");
	free(out);
	ok(gw_b64url_decode("-_-_", 4, &out, &len) == 0 && len == 3 &&
	    !memcmp(out, "\xfb\xff\xbf", 3), "decodes - and _");
	free(out);
	ok(gw_b64url_decode("Zm9vYg==", 8, &out, &len) == -1,
	    "padding is refused");
	ok(gw_b64url_decode("+/+/", 4, &out, &len) == -1,
	    "the standard alphabet's + and / are refused");
	ok(gw_b64url_decode("Zm9 v", 5, &out, &len) == -1,
	    "whitespace is refused");
	ok(gw_b64url_decode("Z", 1, &out, &len) == -1,
	    "an impossible length is refused");
	ok(gw_b64url_decode("Zh", 2, &out, &len) == -1,
	    "non-zero leftover bits are refused (one encoding per value)");
	ok(gw_b64url_decode("", 0, &out, &len) == 0 && len == 0,
	    "empty input decodes to nothing");
	free(out);
}

static void
test_uuid(void)
{
	ok(gw_uuid_valid(SUB, 36), "a lowercase UUID");
	ok(gw_uuid_valid("0B7E7C1E-2F3A-4C8E-9D10-5A6B7C8D9E0F", 36),
	    "an uppercase UUID");
	ok(!gw_uuid_valid("0b7e7c1e2f3a4c8e9d105a6b7c8d9e0f", 32),
	    "a UUID without dashes is not canonical");
	ok(!gw_uuid_valid("0b7e7c1e-2f3a-4c8e-9d10-5a6b7c8d9e0g", 36),
	    "a non-hex digit");
	ok(!gw_uuid_valid("0b7e7c1e-2f3a-4c8e-9d10-5a6b7c8d9e0", 35),
	    "one character short");
	ok(!gw_uuid_valid("0b7e7c1e-2f3a-4c8e-9d10_5a6b7c8d9e0f", 36),
	    "a dash in the wrong place");
	ok(!gw_uuid_valid("not-a-uuid", 10), "not a UUID");
}

static void
test_sign_verify(void)
{
	struct gw_jwt_claims	 c;
	char			*tok, *t2, *p;
	unsigned char		*raw;
	size_t			 len;

	tok = gw_jwt_sign(KEY, strlen(KEY), SUB, SID, NOW, NOW + 3600);
	ok(tok != NULL, "a token is signed");
	ok(tok != NULL && strchr(tok, '=') == NULL, "it has no padding");

	memset(&c, 0, sizeof(c));
	is_int(gw_jwt_verify(KEY, strlen(KEY), tok, NOW + 10, &c), GW_JWT_OK,
	    "the token verifies");
	is_str(c.sub, SUB, "sub is the user id");
	is_str(c.sid, SID, "sid is the session id");
	is_int(c.iat, NOW, "iat");
	is_int(c.exp, NOW + 3600, "exp");

	p = strchr(tok, '.');
	ok(p != NULL && gw_b64url_decode(tok, p - tok, &raw, &len) == 0,
	    "the header decodes");
	like((char *)raw, "\"alg\":\"HS256\"", "the header says HS256");
	like((char *)raw, "\"typ\":\"JWT\"", "the header says JWT");
	free(raw);

	is_int(gw_jwt_verify("another key of thirty-two bytes!!", 33, tok,
	    NOW, &c), GW_JWT_SIGNATURE, "another key: bad signature");
	is_int(verify(tok, NOW + 3600 + GW_JWT_LEEWAY + 1), GW_JWT_EXPIRED,
	    "after exp (and the clock allowance): expired");
	is_int(verify(tok, NOW + 3600 + 5), GW_JWT_OK,
	    "a few seconds after exp: within the clock allowance");
	is_int(verify(tok, NOW - GW_JWT_LEEWAY - 60), GW_JWT_EXPIRED,
	    "issued in the future: refused");

	/* Tampering with any segment. */
	t2 = strdup(tok);
	p = strchr(t2, '.') + 1;
	*p = (*p == 'e') ? 'f' : 'e';
	ok(verify(t2, NOW) != GW_JWT_OK, "a tampered payload is refused");
	free(t2);

	t2 = strdup(tok);
	p = strrchr(t2, '.') + 1;
	*p = (*p == 'A') ? 'B' : 'A';
	is_int(verify(t2, NOW), GW_JWT_SIGNATURE,
	    "a tampered signature is refused");
	free(t2);

	t2 = strdup(tok);
	*strrchr(t2, '.') = '\0';
	is_int(verify(t2, NOW), GW_JWT_MALFORMED,
	    "a token without signature segment is refused");
	free(t2);

	t2 = malloc(strlen(tok) + 3);
	(void)snprintf(t2, strlen(tok) + 3, "%s.x", tok);
	is_int(verify(t2, NOW), GW_JWT_MALFORMED,
	    "a token with four segments is refused");
	free(t2);

	free(tok);
}

static void
test_forged(void)
{
	char	*t;
	char	 payload[512];

	t = forge(hdr, claims, "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_OK, "a well-formed HS256 token from "
	    "elsewhere verifies");
	free(t);

	t = forge("{\"alg\":\"HS256\"}", claims, "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_OK, "typ is optional");
	free(t);

	t = forge("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims, "none", KEY);
	is_int(verify(t, NOW), GW_JWT_ALG, "alg none is refused");
	free(t);

	t = forge("{\"alg\":\"none\"}", claims, "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_ALG,
	    "alg none with a valid HS256 signature is still refused");
	free(t);

	t = forge("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", claims, "HS512", KEY);
	is_int(verify(t, NOW), GW_JWT_ALG, "alg HS512 is refused");
	free(t);

	t = forge("{\"alg\":\"hs256\"}", claims, "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_ALG, "alg must be exactly HS256");
	free(t);

	t = forge("{\"alg\":\"RS256\"}", claims, "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_ALG, "alg RS256 is refused");
	free(t);

	t = forge("{\"typ\":\"JWT\"}", claims, "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_ALG, "a header without alg is refused");
	free(t);

	t = forge("{\"alg\":\"HS256\",\"typ\":\"JWE\"}", claims, "HS256", KEY);
	ok(verify(t, NOW) != GW_JWT_OK, "typ other than JWT is refused");
	free(t);

	t = forge(hdr, claims, "HS256", "not the key, but 32 bytes long!!");
	is_int(verify(t, NOW), GW_JWT_SIGNATURE, "a wrong key is refused");
	free(t);

	t = forge(hdr, "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\","
	    "\"iat\":1700000000}", "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_CLAIMS, "a token without exp is refused");
	free(t);

	t = forge(hdr, "{\"sub\":\"" SUB "\",\"iat\":1700000000,"
	    "\"exp\":1700003600}", "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_CLAIMS, "a token without sid is refused");
	free(t);

	t = forge(hdr, "{\"sid\":\"" SID "\",\"iat\":1700000000,"
	    "\"exp\":1700003600}", "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_CLAIMS, "a token without sub is refused");
	free(t);

	t = forge(hdr, "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\","
	    "\"exp\":1700003600}", "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_CLAIMS, "a token without iat is refused");
	free(t);

	t = forge(hdr, "{\"sub\":\"42\",\"sid\":\"" SID "\","
	    "\"iat\":1700000000,\"exp\":1700003600}", "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_CLAIMS, "a sub that is not a UUID is "
	    "refused");
	free(t);

	t = forge(hdr, "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\","
	    "\"iat\":1700000000,\"exp\":\"1700003600\"}", "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_CLAIMS, "an exp that is a string is "
	    "refused");
	free(t);

	(void)snprintf(payload, sizeof(payload), "{\"sub\":\"" SUB "\","
	    "\"sid\":\"" SID "\",\"iat\":%lld,\"exp\":%lld}",
	    (long long)NOW - 7200, (long long)NOW - 3600);
	t = forge(hdr, payload, "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_EXPIRED, "an expired token is refused");
	free(t);

	t = forge(hdr, "[1,2,3]", "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_MALFORMED, "a payload that is not an "
	    "object is refused");
	free(t);

	t = forge(hdr, "{\"sub\":", "HS256", KEY);
	is_int(verify(t, NOW), GW_JWT_MALFORMED, "a payload that is not JSON "
	    "is refused");
	free(t);

	t = forge("{\"alg\":\"HS256\",\"alg\":\"none\"}", claims, "HS256",
	    KEY);
	ok(verify(t, NOW) != GW_JWT_OK, "a header with a duplicate alg is "
	    "refused");
	free(t);

	is_int(verify("", NOW), GW_JWT_MALFORMED, "an empty token");
	is_int(verify("not.a.token", NOW), GW_JWT_MALFORMED, "not.a.token");
	is_int(verify("a.b", NOW), GW_JWT_MALFORMED, "two segments");
	is_int(verify("..", NOW), GW_JWT_MALFORMED, "empty segments");
	is_int(verify("eyJhbGciOiJIUzI1NiJ9.e30.!!!", NOW), GW_JWT_MALFORMED,
	    "a signature that is not base64url");
	is_int(verify("e30=.e30.AAAA", NOW), GW_JWT_MALFORMED,
	    "a padded header");
	is_int(verify(NULL, NOW), GW_JWT_MALFORMED, "no token at all");
}

/*
 * Time claims far out of range: refused as claims before any arithmetic
 * with the leeway (which would overflow: UBSan, in the asan build, stops
 * the test if it happens).  Integers beyond int64 are not JSON that
 * jansson takes: malformed.
 */
static void
test_times(void)
{
	static const struct {
		const char	*iat, *exp;
		int		 want;
		const char	*what;
	} cases[] = {
	    { "1700000000", "9223372036854775807", GW_JWT_CLAIMS,
		"exp = INT64_MAX is refused" },
	    { "1700000000", "-9223372036854775808", GW_JWT_CLAIMS,
		"exp = INT64_MIN is refused" },
	    { "-9223372036854775808", "1700003600", GW_JWT_CLAIMS,
		"iat = INT64_MIN is refused" },
	    { "9223372036854775807", "9223372036854775807", GW_JWT_CLAIMS,
		"iat = exp = INT64_MAX is refused" },
	    { "1700000000", "1e300", GW_JWT_CLAIMS, "exp = 1e300 is refused" },
	    { "-1e300", "1700003600", GW_JWT_CLAIMS,
		"iat = -1e300 is refused" },
	    { "1700000000", "1000000000000001", GW_JWT_CLAIMS,
		"exp one second beyond 10^15 is refused" },
	    { "1700000000", "1e16", GW_JWT_CLAIMS, "exp = 1e16 is refused" },
	    { "-1", "1700003600", GW_JWT_CLAIMS,
		"iat before the epoch is refused" },
	    { "1700000000", "9223372036854775808", GW_JWT_MALFORMED,
		"exp beyond int64 is not taken as JSON" },
	    { "1700000000", "1000000000000000", GW_JWT_OK,
		"exp = 10^15 is still a time" },
	    { "1700000000.75", "1700003600.5", GW_JWT_OK,
		"fractions are dropped" },
	    { "1000000000000000", "1000000000000000", GW_JWT_EXPIRED,
		"iat = 10^15 is in the future" },
	    { "0", "0", GW_JWT_EXPIRED, "exp = 0 is long past" },
	};
	char	 payload[512], *t;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(payload, sizeof(payload), "{\"sub\":\"" SUB
		    "\",\"sid\":\"" SID "\",\"iat\":%s,\"exp\":%s}",
		    cases[i].iat, cases[i].exp);
		t = forge(hdr, payload, "HS256", KEY);
		is_int(verify(t, NOW), cases[i].want, "%s", cases[i].what);
		is_int(verify(t, INT64_MAX), cases[i].want == GW_JWT_OK ?
		    GW_JWT_EXPIRED : cases[i].want, "%s (now = INT64_MAX)",
		    cases[i].what);
		is_int(verify(t, INT64_MIN), cases[i].want == GW_JWT_OK ||
		    cases[i].want == GW_JWT_EXPIRED ? GW_JWT_EXPIRED :
		    cases[i].want, "%s (now = INT64_MIN)", cases[i].what);
		free(t);
	}
}

int
main(void)
{
	test_b64url();
	test_uuid();
	test_sign_verify();
	test_forged();
	test_times();

	return (tap_done());
}
