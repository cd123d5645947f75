/*
 * The worker side: what each worker does once after the fork (inside
 * the sandbox), and the sandbox's extra system calls.
 */

#include "gateway.h"

#include <kore/seccomp.h>

void	kore_seccomp_hook(void);

/*
 * The AddressSanitizer build (make asan) starts threads through its own
 * runtime, which asks for these too.
 */
#if defined(__SANITIZE_ADDRESS__)
#define GW_SECCOMP_ASAN							\
	KORE_SYSCALL_ALLOW(gettid),					\
	KORE_SYSCALL_ALLOW(sched_getaffinity),
#else
#define GW_SECCOMP_ASAN
#endif

/*
 * Kore's worker filter (plus its "pgsql" filter: socket, connect,
 * getsockopt, getsockname) lacks what glibc and libpq need to open a
 * connection from inside the sandbox.  Found with "seccomp_tracing yes"
 * (AIDO_SECCOMP_TRACING=yes gateway/start) while connecting by IP
 * address, by a name in /etc/hosts, by a name over DNS, with and
 * without TLS:
 *	newfstatat	glibc (/etc/hosts, resolv.conf, nsswitch), libpq
 *			(~/.pgpass, ~/.postgresql/root.crt)
 *	getdents64	glibc reading a directory while libpq connects
 *	sendmmsg	the DNS resolver sends its A and AAAA queries at once
 *	uname		libpq resolving a host name (KORE.md)
 * and for the JWKS fetch in a task thread (keys.c), found the same way
 * fetching from 127.0.0.1, localhost, a name in /etc/hosts, a name over
 * DNS, and over https:
 *	clone3		ENOSYS: glibc then starts the thread (Kore's task
 *			thread, libcurl's resolver) with clone, which
 *			Kore's "task" filter allows
 *	rseq		glibc registering a new thread
 *	getpeername	libcurl, once connected
 * and for the gateway's own:
 *	shutdown	http.c ends its side of a connection after it
 *			refused a request, then reads what the client
 *			still sends (a lingering close: no reset)
 */
KORE_SECCOMP_FILTER("aido",
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(getdents64),
	KORE_SYSCALL_ALLOW(sendmmsg),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_DENY(clone3, ENOSYS),
	KORE_SYSCALL_ALLOW(rseq),
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(shutdown),
	GW_SECCOMP_ASAN
);

/*
 * The "load" callback of the configuration: runs in each worker.
 */
int
gw_worker_init(int state)
{
	static int	done;

	if (state != KORE_MODULE_LOAD || done)
		return (KORE_RESULT_OK);

	gw_pool_init();
	gw_events_init();
	gw_routes_init();
	gw_mcp_init();
	gw_mcp_tools_init();
	done = 1;

	return (KORE_RESULT_OK);
}
