/*
 * The worker side: what each worker does once after the fork (inside
 * the sandbox), and the sandbox's extra system calls.
 */

#include "gateway.h"

#include <kore/seccomp.h>

void	kore_seccomp_hook(void);

/*
 * Kore's worker filter lacks what glibc and libpq need to open a
 * connection from inside the sandbox: newfstatat and getdents64 (glibc
 * 2.36 reads /etc/hosts, ~/.pgpass and the like), uname (a host name);
 * see gateway/README.md for how this list was found.
 */
KORE_SECCOMP_FILTER("aido",
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(getdents64),
	KORE_SYSCALL_ALLOW(uname),
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

	gw_db_init();
	done = 1;

	return (KORE_RESULT_OK);
}
