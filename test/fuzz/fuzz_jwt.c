/*
 * libFuzzer target: gateway/jwt.c, the tokens of every authenticated
 * request (Authorization: Bearer, attacker-controlled).
 *
 * The first byte picks what the rest of the input is:
 *	0  a token as it comes in the header: gw_jwt_verify
 *	1  "<header JSON>\n<claims JSON>": signed here with the key, so the
 *	   fuzzer reaches the claims checks behind the signature
 *	2  base64url text: decode, and re-encode to the same text
 * Invariants checked beyond "no crash, no sanitizer report": an accepted
 * token has UUID sub and sid and an unexpired exp; base64url is
 * canonical (one text per byte string).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "jwt.h"

#define KEY	"fuzz-key-0123456789abcdef0123456789"
#define NOW	1700000000

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_accepted(int ret, const struct gw_jwt_claims *c)
{
	if (ret != GW_JWT_OK)
		return;
	if (!gw_uuid_valid(c->sub, strlen(c->sub)) ||
	    !gw_uuid_valid(c->sid, strlen(c->sid)) ||
	    c->exp < NOW - GW_JWT_LEEWAY)
		abort();
}

static void
verify(const char *token)
{
	struct gw_jwt_claims	c;

	memset(&c, 0, sizeof(c));
	check_accepted(gw_jwt_verify(KEY, strlen(KEY), token, NOW, &c), &c);
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
	HMAC(EVP_sha256(), KEY, strlen(KEY), (unsigned char *)tok,
	    strlen(tok), mac, &maclen);
	s = gw_b64url_encode(mac, maclen);
	n = strlen(tok);
	tok[n] = '.';
	memcpy(tok + n + 1, s, strlen(s) + 1);

	verify(tok);

	free(h);
	free(p);
	free(s);
	free(tok);
}

static void
b64url(const uint8_t *data, size_t len)
{
	unsigned char	*raw;
	size_t		 rawlen;
	char		*again;

	if (gw_b64url_decode((const char *)data, len, &raw, &rawlen) == -1)
		return;
	again = gw_b64url_encode(raw, rawlen);
	if (strlen(again) != len || memcmp(again, data, len) != 0)
		abort();
	free(again);
	free(raw);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	*s;

	if (len < 1)
		return (0);

	switch (data[0] % 3) {
	case 0:
		s = malloc(len);
		memcpy(s, data + 1, len - 1);
		s[len - 1] = '\0';
		verify(s);
		free(s);
		break;
	case 1:
		signed_token(data + 1, len - 1);
		break;
	case 2:
		b64url(data + 1, len - 1);
		break;
	}

	return (0);
}
