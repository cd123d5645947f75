/*-------------------------------------------------------------------------
 *
 * aido.h
 *	  Declarations shared by the C primitives of the aido extension.
 *
 * extension/aido.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef AIDO_H
#define AIDO_H

/*
 * Bounds of aido.password_memory_kib.  Below 1 MiB argon2id is no longer
 * memory-hard in any useful sense, and the floor also catches a value typed
 * in MiB by mistake ("19" for 19 MiB).  Above 1 GiB a single login could
 * exhaust a backend: libsodium allocates the whole matrix for each hash.
 */
#define AIDO_PASSWORD_MEMORY_KIB_DEFAULT	19456
#define AIDO_PASSWORD_MEMORY_KIB_MIN		1024
#define AIDO_PASSWORD_MEMORY_KIB_MAX		1048576

/* Bounds of aido.password_iterations (argon2id passes over the memory). */
#define AIDO_PASSWORD_ITERATIONS_DEFAULT	2
#define AIDO_PASSWORD_ITERATIONS_MIN		1
#define AIDO_PASSWORD_ITERATIONS_MAX		100

/*
 * Login throttling (read by aido_login in SQL through _aido_setting;
 * SECURITY.md has the threat model).  10 failures of an account at one
 * address per 15 minutes, then that address is refused for the account;
 * 100 per client address, so a shared office NAT is not locked out by one
 * user; past 12 failures of an account from all addresses, addresses it has
 * not signed in from share one attempt per 75 s (15 min / 12): ASVS allows
 * at most 100 failed attempts an hour per account, and 4 x (12 + 12) = 96.
 */
#define AIDO_LOGIN_MAX_FAILURES_DEFAULT		10
#define AIDO_LOGIN_MAX_FAILURES_ADDR_DEFAULT	100
#define AIDO_LOGIN_MAX_FAILURES_ACCOUNT_DEFAULT	12
#define AIDO_LOGIN_FAILURE_WINDOW_DEFAULT	900

/* Task events are kept a week (aido.event_retention, in minutes). */
#define AIDO_EVENT_RETENTION_DEFAULT		(7 * 24 * 60)
/* Signups: 20 accounts per client address per hour. */
#define AIDO_SIGNUP_MAX_PER_ADDRESS_DEFAULT	20
#define AIDO_SIGNUP_WINDOW_DEFAULT		3600

/* GUC variables, defined in aido.c */
extern int	aido_password_memory_kib;
extern int	aido_password_iterations;
extern int	aido_login_max_failures;
extern int	aido_login_max_failures_per_address;
extern int	aido_login_failure_window;
extern int	aido_event_retention;
extern int	aido_login_max_failures_per_account;
extern int	aido_signup_max_per_address;
extern int	aido_signup_window;

/* rfc3339.c */
extern bool rfc3339_valid(const char *s, int len);

#endif							/* AIDO_H */
