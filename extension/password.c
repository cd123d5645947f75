/*-------------------------------------------------------------------------
 *
 * password.c
 *	  Password hashing: argon2id (libsodium) for new hashes, and verification
 *	  of argon2id and of legacy bcrypt hashes (libxcrypt).
 *
 * New hashes are argon2id PHC strings, "$argon2id$v=19$m=M,t=T,p=1$S$H",
 * with their cost taken from aido.password_memory_kib (M) and
 * aido.password_iterations (T).  Hashes imported from pgcrypto or passlib
 * ("$2a$", "$2b$", "$2y$") still verify, and are reported as needing a
 * rehash so that a login can upgrade them in place.  aido_hash_bcrypt()
 * makes the bcrypt hash kept beside the argon2id one, which the SQL-only
 * flavor (pgcrypto) can check after the data moves (docs/passwords.md).
 *
 * extension/password.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <crypt.h>
#include <sodium.h>

#include "fmgr.h"
#include "utils/builtins.h"

#include "aido.h"

/*
 * Longest password accepted, in bytes.  argon2id pre-hashes the password,
 * so length costs little, but there is no reason to feed megabytes to the
 * hash on every login attempt; the API itself allows 128 characters.
 */
#define PASSWORD_MAX_BYTES		4096

/*
 * Highest bcrypt cost that aido_verify_password() will compute.  Each step
 * doubles the work; cost 16 takes seconds, cost 31 days.  Real legacy
 * hashes use 10 to 14.
 */
#define PASSWORD_BCRYPT_MAX_COST	16

/* Length of a bcrypt hash: "$2b$", two cost digits, "$", 53 characters. */
#define PASSWORD_BCRYPT_LEN		60

/* The argon2 version libsodium implements (1.3), as written in "v=". */
#define PASSWORD_ARGON2_VERSION		19

/* Base64 lengths (unpadded) of the salt and hash that libsodium writes. */
#define PASSWORD_ARGON2_SALT_B64	22
#define PASSWORD_ARGON2_HASH_B64	43

/* The parameters of an argon2id PHC string. */
typedef struct PasswordArgon2
{
	uint32		version;		/* v= */
	uint32		memory_kib;		/* m= */
	uint32		iterations;		/* t= */
	uint32		lanes;			/* p= */
	int			salt_len;		/* salt length, in base64 characters */
	int			hash_len;		/* hash length, in base64 characters */
} PasswordArgon2;

PG_FUNCTION_INFO_V1(aido_hash_password);
PG_FUNCTION_INFO_V1(aido_verify_password);
PG_FUNCTION_INFO_V1(aido_password_needs_rehash);
PG_FUNCTION_INFO_V1(aido_hash_bcrypt);

/*
 * Copy a password into a NUL-terminated buffer of our own, so that it can
 * be wiped after use; the caller has checked that it holds no NUL byte.
 */
static char *
password_copy(text *password)
{
	int			len = VARSIZE_ANY_EXHDR(password);
	char	   *copy = palloc(len + 1);

	memcpy(copy, VARDATA_ANY(password), len);
	copy[len] = '\0';
	return copy;
}

static void
password_wipe(char *copy, int len)
{
	sodium_memzero(copy, len);
	pfree(copy);
}

/* Is the password something we hash or verify at all? */
static bool
password_acceptable(text *password)
{
	int			len = VARSIZE_ANY_EXHDR(password);

	return len > 0 && len <= PASSWORD_MAX_BYTES &&
		memchr(VARDATA_ANY(password), '\0', len) == NULL;
}

/*
 * Parse a decimal number of at most 10 digits, without leading zeros, that
 * fits in uint32; advance *p past it.
 */
static bool
password_parse_uint32(const char **p, const char *end, uint32 *result)
{
	const char *s = *p;
	uint64		value = 0;
	int			ndigits = 0;

	while (s < end && *s >= '0' && *s <= '9' && ndigits <= 10)
	{
		value = value * 10 + (*s - '0');
		s++;
		ndigits++;
	}
	if (ndigits == 0 || ndigits > 10 || value > PG_UINT32_MAX)
		return false;
	if (ndigits > 1 && **p == '0')
		return false;
	*p = s;
	*result = (uint32) value;
	return true;
}

/* Match a literal and advance *p past it. */
static bool
password_parse_literal(const char **p, const char *end, const char *literal)
{
	size_t		len = strlen(literal);

	if ((size_t) (end - *p) < len || memcmp(*p, literal, len) != 0)
		return false;
	*p += len;
	return true;
}

/*
 * Count the unpadded base64 characters at *p (PHC strings use the standard
 * alphabet without '='), and advance past them.
 */
static int
password_parse_base64(const char **p, const char *end)
{
	const char *start = *p;
	const char *s = start;

	while (s < end &&
		   ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
			(*s >= '0' && *s <= '9') || *s == '+' || *s == '/'))
		s++;
	*p = s;
	return s - start;
}

/*
 * Parse "$argon2id$v=V$m=M,t=T,p=P$SALT$HASH".  Only the shape is checked
 * here; libsodium decodes the base64 parts when it verifies.
 */
static bool
password_parse_argon2id(const char *hash, int len, PasswordArgon2 *params)
{
	const char *p = hash;
	const char *end = hash + len;

	if (!password_parse_literal(&p, end, "$argon2id$v=") ||
		!password_parse_uint32(&p, end, &params->version) ||
		!password_parse_literal(&p, end, "$m=") ||
		!password_parse_uint32(&p, end, &params->memory_kib) ||
		!password_parse_literal(&p, end, ",t=") ||
		!password_parse_uint32(&p, end, &params->iterations) ||
		!password_parse_literal(&p, end, ",p=") ||
		!password_parse_uint32(&p, end, &params->lanes) ||
		!password_parse_literal(&p, end, "$"))
		return false;

	params->salt_len = password_parse_base64(&p, end);
	if (!password_parse_literal(&p, end, "$"))
		return false;
	params->hash_len = password_parse_base64(&p, end);

	/* base64 of n bytes never leaves a single character over */
	return p == end &&
		params->salt_len > 0 && params->salt_len % 4 != 1 &&
		params->hash_len > 0 && params->hash_len % 4 != 1;
}

/*
 * Is this a bcrypt hash ("$2a$", "$2b$" or "$2y$") of a cost we are willing
 * to compute?
 */
static bool
password_is_bcrypt(const char *hash, int len)
{
	int			cost;
	int			i;

	if (len != PASSWORD_BCRYPT_LEN ||
		hash[0] != '$' || hash[1] != '2' ||
		(hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') ||
		hash[3] != '$' ||
		hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9' ||
		hash[6] != '$')
		return false;

	cost = (hash[4] - '0') * 10 + (hash[5] - '0');
	if (cost < 4 || cost > PASSWORD_BCRYPT_MAX_COST)
		return false;

	for (i = 7; i < len; i++)
	{
		char		c = hash[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '/'))
			return false;
	}
	return true;
}

static bool
password_verify_argon2id(const char *password, int password_len,
						 const char *hash, int hash_len)
{
	PasswordArgon2 params;

	/*
	 * The hash names its own cost; refuse to spend more on it than the GUCs
	 * would ever allow for a new hash, so that a planted hash cannot make a
	 * login allocate gigabytes or run for minutes.
	 */
	if (!password_parse_argon2id(hash, hash_len, &params) ||
		params.memory_kib > AIDO_PASSWORD_MEMORY_KIB_MAX ||
		params.iterations > AIDO_PASSWORD_ITERATIONS_MAX)
		return false;

	/* constant time in the hash compared */
	return crypto_pwhash_str_verify(hash, password, password_len) == 0;
}

static bool
password_verify_bcrypt(const char *password, const char *hash, int hash_len)
{
	struct crypt_data *data;
	const char *computed;
	bool		ok;

	data = palloc0(sizeof(struct crypt_data));
	computed = crypt_rn(password, hash, data, sizeof(struct crypt_data));
	ok = computed != NULL &&
		strlen(computed) == (size_t) hash_len &&
		sodium_memcmp(computed, hash, hash_len) == 0;

	/* the computed hash and the key schedule are as secret as the password */
	sodium_memzero(data, sizeof(struct crypt_data));
	pfree(data);
	return ok;
}

/*
 * aido_hash_password(password text) returns text
 *
 * An argon2id PHC string with a fresh random salt, at the cost the GUCs
 * set now.
 */
Datum
aido_hash_password(PG_FUNCTION_ARGS)
{
	text	   *password = PG_GETARG_TEXT_PP(0);
	int			len = VARSIZE_ANY_EXHDR(password);
	char		result[crypto_pwhash_STRBYTES];
	char	   *copy;
	int			rc;

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("password must not be empty")));
	if (len > PASSWORD_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("password is too long"),
				 errdetail("A password may be at most %d bytes.",
						   PASSWORD_MAX_BYTES)));
	if (memchr(VARDATA_ANY(password), '\0', len) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("password must not contain a NUL byte")));

	copy = password_copy(password);
	rc = crypto_pwhash_str_alg(result, copy, len,
							   (unsigned long long) aido_password_iterations,
							   (size_t) aido_password_memory_kib * 1024,
							   crypto_pwhash_ALG_ARGON2ID13);
	password_wipe(copy, len);

	/* libsodium fails only when it cannot allocate the argon2 matrix */
	if (rc != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Hashing a password needs %d kB (aido.password_memory_kib).",
						   aido_password_memory_kib)));

	PG_RETURN_TEXT_P(cstring_to_text(result));
}

/*
 * Cost of the bcrypt hashes aido_hash_bcrypt() makes: OWASP's minimum, and
 * the SQL-only flavor's default.
 */
#define PASSWORD_BCRYPT_COST	10

/*
 * _aido_hash_bcrypt(password text) returns text
 *
 * A bcrypt hash ("$2b$10$...", libxcrypt) with a fresh random salt.  Only
 * the first 72 bytes of the password count, as in every bcrypt.
 */
Datum
aido_hash_bcrypt(PG_FUNCTION_ARGS)
{
	text	   *password = PG_GETARG_TEXT_PP(0);
	int			len = VARSIZE_ANY_EXHDR(password);
	char		salt[16];
	char		setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *data;
	const char *computed;
	text	   *result;
	char	   *copy;

	if (!password_acceptable(password))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("password must be 1 to %d bytes without a NUL byte",
						PASSWORD_MAX_BYTES)));

	randombytes_buf(salt, sizeof(salt));
	if (crypt_gensalt_rn("$2b$", PASSWORD_BCRYPT_COST, salt, sizeof(salt),
						 setting, sizeof(setting)) == NULL)
		elog(ERROR, "crypt_gensalt_rn failed for bcrypt");

	copy = password_copy(password);
	data = palloc0(sizeof(struct crypt_data));
	computed = crypt_rn(copy, setting, data, sizeof(struct crypt_data));
	password_wipe(copy, len);
	if (computed == NULL || strlen(computed) != PASSWORD_BCRYPT_LEN)
		elog(ERROR, "bcrypt failed");
	result = cstring_to_text(computed);

	sodium_memzero(data, sizeof(struct crypt_data));
	pfree(data);
	PG_RETURN_TEXT_P(result);
}

/*
 * aido_verify_password(password text, hash text) returns boolean
 *
 * True when the password matches an argon2id or bcrypt hash.  Anything
 * else, including a malformed or unknown hash and an empty password, is
 * simply false: a login has nothing better to do with it.
 */
Datum
aido_verify_password(PG_FUNCTION_ARGS)
{
	text	   *password = PG_GETARG_TEXT_PP(0);
	text	   *hash_text = PG_GETARG_TEXT_PP(1);
	int			password_len = VARSIZE_ANY_EXHDR(password);
	char	   *hash;
	int			hash_len;
	char	   *copy;
	bool		ok = false;

	if (!password_acceptable(password))
		PG_RETURN_BOOL(false);

	hash = text_to_cstring(hash_text);
	hash_len = strlen(hash);
	if (hash_len != VARSIZE_ANY_EXHDR(hash_text))
		PG_RETURN_BOOL(false);

	copy = password_copy(password);
	if (strncmp(hash, "$argon2id$", 10) == 0)
		ok = password_verify_argon2id(copy, password_len, hash, hash_len);
	else if (password_is_bcrypt(hash, hash_len))
		ok = password_verify_bcrypt(copy, hash, hash_len);
	password_wipe(copy, password_len);

	PG_RETURN_BOOL(ok);
}

/*
 * aido_password_needs_rehash(hash text) returns boolean
 *
 * False only for an argon2id hash of the shape we write (version 19, a
 * 16-byte salt, a 32-byte hash) whose memory and iterations are each at
 * least the current GUC values, and within what aido_verify_password()
 * is willing to compute.  libsodium's crypto_pwhash_str_needs_rehash
 * demands exactly the current cost, which would make a DBA who lowers the
 * cost for a while downgrade stronger hashes at every login; we only ever
 * upgrade.
 */
Datum
aido_password_needs_rehash(PG_FUNCTION_ARGS)
{
	text	   *hash = PG_GETARG_TEXT_PP(0);
	PasswordArgon2 params;

	if (!password_parse_argon2id(VARDATA_ANY(hash), VARSIZE_ANY_EXHDR(hash),
								 &params))
		PG_RETURN_BOOL(true);

	PG_RETURN_BOOL(params.version != PASSWORD_ARGON2_VERSION ||
				   params.lanes < 1 ||
				   params.salt_len != PASSWORD_ARGON2_SALT_B64 ||
				   params.hash_len != PASSWORD_ARGON2_HASH_B64 ||
				   params.memory_kib < (uint32) aido_password_memory_kib ||
				   params.iterations < (uint32) aido_password_iterations ||
				   params.memory_kib > AIDO_PASSWORD_MEMORY_KIB_MAX ||
				   params.iterations > AIDO_PASSWORD_ITERATIONS_MAX);
}
