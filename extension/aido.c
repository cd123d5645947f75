/*-------------------------------------------------------------------------
 *
 * aido.c
 *	  Module entry point of the aido extension: the module magic, the GUCs
 *	  and libsodium's one-time initialization.
 *
 * extension/aido.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "aido.h"

PG_MODULE_MAGIC;

int			aido_password_memory_kib = AIDO_PASSWORD_MEMORY_KIB_DEFAULT;
int			aido_password_iterations = AIDO_PASSWORD_ITERATIONS_DEFAULT;

void		_PG_init(void);

/*
 * The password cost GUCs are PGC_SUSET: they decide how strong every newly
 * stored hash is, for all users, so a role that merely holds EXECUTE on the
 * API must not be able to weaken them for its session.  A superuser sets
 * them in postgresql.conf, or with ALTER DATABASE / ALTER ROLE ... SET.
 */
void
_PG_init(void)
{
	if (sodium_init() < 0)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not initialize libsodium")));

	DefineCustomIntVariable("aido.password_memory_kib",
							"Memory used by argon2id for each new password hash.",
							"Existing hashes keep their own cost; aido_password_needs_rehash() reports hashes weaker than this.",
							&aido_password_memory_kib,
							AIDO_PASSWORD_MEMORY_KIB_DEFAULT,
							AIDO_PASSWORD_MEMORY_KIB_MIN,
							AIDO_PASSWORD_MEMORY_KIB_MAX,
							PGC_SUSET,
							GUC_UNIT_KB,
							NULL,
							NULL,
							NULL);

	DefineCustomIntVariable("aido.password_iterations",
							"Number of argon2id passes for each new password hash.",
							"Existing hashes keep their own cost; aido_password_needs_rehash() reports hashes weaker than this.",
							&aido_password_iterations,
							AIDO_PASSWORD_ITERATIONS_DEFAULT,
							AIDO_PASSWORD_ITERATIONS_MIN,
							AIDO_PASSWORD_ITERATIONS_MAX,
							PGC_SUSET,
							0,
							NULL,
							NULL,
							NULL);

	MarkGUCPrefixReserved("aido");
}
