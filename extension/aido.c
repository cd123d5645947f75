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
int			aido_login_max_failures = AIDO_LOGIN_MAX_FAILURES_DEFAULT;
int			aido_login_max_failures_per_address = AIDO_LOGIN_MAX_FAILURES_ADDR_DEFAULT;
int			aido_login_failure_window = AIDO_LOGIN_FAILURE_WINDOW_DEFAULT;
int			aido_event_retention = AIDO_EVENT_RETENTION_DEFAULT;
int			aido_login_max_failures_per_account = AIDO_LOGIN_MAX_FAILURES_ACCOUNT_DEFAULT;
int			aido_signup_max_per_address = AIDO_SIGNUP_MAX_PER_ADDRESS_DEFAULT;
int			aido_signup_window = AIDO_SIGNUP_WINDOW_DEFAULT;

void		_PG_init(void);

/*
 * The GUCs, one row each, as PostgreSQL's own guc_tables.c declares its
 * settings: adding one is a row here, not another call in _PG_init.
 */
typedef struct AidoIntGuc
{
	const char *name;
	const char *short_desc;
	const char *long_desc;
	int		   *variable;
	int			boot_val;
	int			min_val;
	int			max_val;
	GucContext	context;
	int			flags;
} AidoIntGuc;

static const AidoIntGuc aido_int_gucs[] =
{
	/*
	 * The password cost GUCs are PGC_SUSET: they decide how strong every newly
	 * stored hash is, for all users, so a role that merely holds EXECUTE on
	 * the API must not be able to weaken them for its session.  A superuser
	 * sets them in postgresql.conf, or with ALTER DATABASE / ALTER ROLE ...
	 * SET.  The login and signup limits are SUSET likewise: a session must
	 * not be able to lift them for itself.
	 */
	{
		"aido.password_memory_kib",
		"Memory used by argon2id for each new password hash.",
		"Existing hashes keep their own cost; aido_password_needs_rehash() reports hashes weaker than this.",
		&aido_password_memory_kib,
		AIDO_PASSWORD_MEMORY_KIB_DEFAULT, AIDO_PASSWORD_MEMORY_KIB_MIN, AIDO_PASSWORD_MEMORY_KIB_MAX,
		PGC_SUSET, GUC_UNIT_KB
	},
	{
		"aido.password_iterations",
		"Number of argon2id passes for each new password hash.",
		"Existing hashes keep their own cost; aido_password_needs_rehash() reports hashes weaker than this.",
		&aido_password_iterations,
		AIDO_PASSWORD_ITERATIONS_DEFAULT, AIDO_PASSWORD_ITERATIONS_MIN, AIDO_PASSWORD_ITERATIONS_MAX,
		PGC_SUSET, 0
	},
	{
		"aido.login_max_failures",
		"Failed logins of one account from one client address, within aido.login_failure_window, after which its logins from that address are refused.",
		"A successful login from the address clears the count.  0 turns the limit off.",
		&aido_login_max_failures,
		AIDO_LOGIN_MAX_FAILURES_DEFAULT, 0, 100,
		PGC_SUSET, 0
	},
	{
		"aido.login_max_failures_per_address",
		"Failed logins from one client address, within aido.login_failure_window, after which its logins are refused.",
		"0 turns the limit off.",
		&aido_login_max_failures_per_address,
		AIDO_LOGIN_MAX_FAILURES_ADDR_DEFAULT, 0, 100000,
		PGC_SUSET, 0
	},
	{
		"aido.login_failure_window",
		"Length of the window in which failed logins are counted.",
		NULL,
		&aido_login_failure_window,
		AIDO_LOGIN_FAILURE_WINDOW_DEFAULT, 1, 86400,
		PGC_SUSET, GUC_UNIT_S
	},
	/*
	 * Read by aido_events_prune() through current_setting: SUSET, since it
	 * decides how long every user's change history is kept.
	 */
	{
		"aido.event_retention",
		"How long task events are kept before aido_events_prune() deletes them.",
		"A reader whose position is older than this has missed events and must reload.",
		&aido_event_retention,
		AIDO_EVENT_RETENTION_DEFAULT, 1, INT_MAX,
		PGC_SUSET, GUC_UNIT_MIN
	},
	{
		"aido.login_max_failures_per_account",
		"Failed logins of one account from all addresses, within aido.login_failure_window, after which its logins are slowed.",
		"Past it, addresses the account has not signed in from for 30 days share one attempt per window / this; 0 turns the ceiling off.",
		&aido_login_max_failures_per_account,
		AIDO_LOGIN_MAX_FAILURES_ACCOUNT_DEFAULT, 0, 100000,
		PGC_SUSET, 0
	},
	{
		"aido.signup_max_per_address",
		"Accounts one client address may create within aido.signup_window.",
		"0 turns the limit off.",
		&aido_signup_max_per_address,
		AIDO_SIGNUP_MAX_PER_ADDRESS_DEFAULT, 0, 100000,
		PGC_SUSET, 0
	},
	{
		"aido.signup_window",
		"Length of the window in which signups are counted.",
		NULL,
		&aido_signup_window,
		AIDO_SIGNUP_WINDOW_DEFAULT, 1, 86400,
		PGC_SUSET, GUC_UNIT_S
	},
};

void
_PG_init(void)
{
	if (sodium_init() < 0)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not initialize libsodium")));

	for (int i = 0; i < lengthof(aido_int_gucs); i++)
	{
		const AidoIntGuc *g = &aido_int_gucs[i];

		DefineCustomIntVariable(g->name, g->short_desc, g->long_desc,
								g->variable, g->boot_val, g->min_val, g->max_val,
								g->context, g->flags, NULL, NULL, NULL);
	}

	MarkGUCPrefixReserved("aido");
}
