/*
 * libFuzzer target: gateway/jwk.c, an external provider's tokens (any
 * client can send one) and its JWKS document.
 *
 * The first byte picks what the rest of the input is:
 *	0  a JWKS document: gw_jwks_parse, then a token verified with it
 *	1  a token as it comes in the header: gw_jwt_verify_external with
 *	   a fixed key set (Ed25519, P-256, RSA) and an HS256 secret
 *	2  "<header JSON>\n<claims JSON>": signed here with the HS256
 *	   secret, so the fuzzer reaches the claims checks behind it
 * Invariants checked beyond "no crash, no sanitizer report": an accepted
 * token has a sub of 1 to 255 characters and an exp not in the past, and
 * a key set never holds more than GW_JWK_MAX keys.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "jwk.h"

#define SECRET	"fuzz-provider-secret-0123456789abcdef"
#define NOW	1700000000

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Public keys: Ed25519 of RFC 8037 A.2, P-256 of RFC 7515 A.3, and a
 * 2048-bit RSA key made for this file.
 */
static const char	fixed_jwks[] = "{\"keys\":["
    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"ed\","
    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"},"
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ec\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"},"
    "{\"kty\":\"RSA\",\"kid\":\"rsa\",\"e\":\"AQAB\",\"n\":\""
    "tYtGkQp8CEOI9luN9432qt6M_glIq4WPCBe6s9D9EAUsUit7eOIi6lQQTOxj8vPs"
    "Lqx139Xw8eEZk8DCmtXeG_n9QYGixlQy8315bNsAa4cJw3XlfUM-hf5duotFmXWO"
    "jmrqY51PxGm1hzVgUKfnSgkpDWDfGOTm9ixQqhkht1-SFZ3MDGtupZI3SJc8hL3W"
    "Uf-Ri9gcGWZ8hvHQ8QSxibN7sam8Veo4wRpXNjhy7X6O7fmz3lW0AzOsK5D1KHyH"
    "nhi_mjI78kkLZBDFa-9YMp7AtVahdPbxew6q8vsZYnDeRuJjpaetIO9Hdd1zz3Q-"
    "yNFALEXwPebOz7t-jkhCkw"
    "\"}]}";

static struct gw_jwks	*fixed;
static struct gw_jwk_policy	policy = {
	SECRET, sizeof(SECRET) - 1, NULL, NULL
};

static void
verify(const struct gw_jwks *set, const char *token)
{
	struct gw_ext_claims	c;
	size_t			i, chars;
	int			ret;

	memset(&c, 0, sizeof(c));
	ret = gw_jwt_verify_external(&policy, set, token, NOW, &c);
	if (ret != GW_JWT_OK)
		return;

	if (c.sub == NULL || c.exp + GW_JWT_LEEWAY <= NOW)
		abort();
	for (i = chars = 0; c.sub[i] != '\0'; i++) {
		if (((unsigned char)c.sub[i] & 0xc0) != 0x80)
			chars++;
	}
	if (chars < 1 || chars > GW_JWK_SUB_MAX)
		abort();
	gw_ext_claims_free(&c);
}

static char *
text(const uint8_t *data, size_t len)
{
	char	*s;

	s = malloc(len + 1);
	memcpy(s, data, len);
	s[len] = '\0';

	return (s);
}

static void
signed_token(const uint8_t *data, size_t len)
{
	const uint8_t	*nl;
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen;
	char		*h, *p, *s, *tok;
	size_t		 n;

	if ((nl = memchr(data, '\n', len)) == NULL)
		return;
	h = gw_b64url_encode(data, nl - data);
	p = gw_b64url_encode(nl + 1, len - (nl - data) - 1);
	n = strlen(h) + strlen(p) + 2;
	tok = malloc(n + 64);
	memcpy(tok, h, strlen(h));
	tok[strlen(h)] = '.';
	memcpy(tok + strlen(h) + 1, p, strlen(p) + 1);

	maclen = sizeof(mac);
	HMAC(EVP_sha256(), SECRET, strlen(SECRET), (unsigned char *)tok,
	    strlen(tok), mac, &maclen);
	s = gw_b64url_encode(mac, maclen);
	n = strlen(tok);
	tok[n] = '.';
	memcpy(tok + n + 1, s, strlen(s) + 1);

	verify(fixed, tok);

	free(h);
	free(p);
	free(s);
	free(tok);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct gw_jwks	*set;
	char		*s, err[256];

	if (fixed == NULL &&
	    (fixed = gw_jwks_parse(fixed_jwks, sizeof(fixed_jwks) - 1, err,
	    sizeof(err))) == NULL)
		abort();

	if (len < 1)
		return (0);

	switch (data[0] % 3) {
	case 0:
		set = gw_jwks_parse((const char *)data + 1, len - 1, err,
		    sizeof(err));
		if (set != NULL && gw_jwks_count(set) > GW_JWK_MAX)
			abort();
		verify(set, "eyJhbGciOiJFZERTQSIsImtpZCI6ImVkIn0.e30.AAAA");
		gw_jwks_free(set);
		break;
	case 1:
		s = text(data + 1, len - 1);
		verify(fixed, s);
		free(s);
		break;
	case 2:
		signed_token(data + 1, len - 1);
		break;
	}

	return (0);
}
