/*
 * gateway/aido-env: the value the gateway will see of a variable, for
 * scripts/run.sh: the environment, else .env in the working directory,
 * read by the gateway's own parser (dotenv.c), so that the script and the
 * gateway never read .env differently.
 *
 *	aido-env NAME		prints its value; status 1 when unset or empty
 *	aido-env -q NAME	the status only (for secrets)
 *	aido-env		checks that .env can be read
 *
 * When .env cannot be read: status 2 and one line on stderr.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int
main(int argc, char **argv)
{
	const char	*v;
	char		 err[256];
	int		 quiet;

	quiet = argc > 1 && !strcmp(argv[1], "-q");
	if (argc > 2 + quiet) {
		(void)fprintf(stderr, "usage: aido-env [-q] [NAME]\n");
		return (2);
	}

	if (gw_config_dotenv_load(".env", err, sizeof(err)) == -1) {
		(void)fprintf(stderr, "aido: %s\n", err);
		return (2);
	}

	if (argc == 1 + quiet)
		return (0);

	if ((v = getenv(argv[1 + quiet])) == NULL || *v == '\0')
		return (1);
	if (!quiet)
		(void)fputs(v, stdout);

	return (0);
}
