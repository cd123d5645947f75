/*
 * One reader of a whole file into memory, for what the gateway reads once
 * at start (.env, openapi.json, the pages of routes_static.c).  Pure:
 * malloc, no Kore, so that gateway/aido-env and the unit tests link it.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

/*
 * The regular file at path, of at most max bytes, NUL-terminated, and
 * *len set; NULL with errno set otherwise (EISDIR: not a regular file,
 * EFBIG: too large, EIO: it changed while it was read).
 */
char *
gw_file_read(const char *path, size_t max, size_t *len)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 off;
	int		 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (NULL);

	buf = NULL;
	saved = 0;
	if (fstat(fd, &st) == -1)
		saved = errno;
	else if (!S_ISREG(st.st_mode))
		saved = EISDIR;
	else if ((size_t)st.st_size > max)
		saved = EFBIG;
	else if ((buf = malloc(st.st_size + 1)) == NULL)
		saved = ENOMEM;

	for (off = 0; saved == 0 && off < (size_t)st.st_size;) {
		n = read(fd, buf + off, st.st_size - off);
		if (n > 0)
			off += n;
		else if (n == 0)
			saved = EIO;
		else if (errno != EINTR)
			saved = errno;
	}
	(void)close(fd);

	if (saved != 0) {
		free(buf);
		errno = saved;
		return (NULL);
	}

	buf[off] = '\0';
	*len = off;

	return (buf);
}
