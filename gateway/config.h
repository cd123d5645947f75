/*
 * config.h: the variables of API.md §4 (config.c), DATABASE_URL as
 * handed to libpq (dburl.c), passwords kept out of messages (redact.c),
 * the .env file (dotenv.c) and the file reader (file.c).  Pure: no Kore,
 * so the unit tests and gateway/aido-env link them directly (dburl.c
 * needs libpq to read the URL).
 */

#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stddef.h>

#define GW_APPLICATION_NAME	"aido-gateway"

struct gw_dburl {
	char		*url;		/* the URI the gateway uses */
	char		*redacted;	/* the same, for logs */
	char		*password;	/* to scrub libpq messages */
};

struct gw_config {
	struct gw_dburl	 db;
	char		*jwt_secret;
	size_t		 jwt_secret_len;
	char		*api_host;
	char		*api_port;
	char		**origins;	/* FRONTEND_URL, normalised */
	size_t		 norigins;
	int		 origin_any;	/* FRONTEND_URL=* */
	char		*auth_jwks_url;
	char		*auth_hs256_secret;
	char		*auth_issuer;
	char		*auth_audience;
	int		 db_pool_size;
	int		 db_connect_timeout;
	int		 db_pool_recycle;
	int		 jwt_ttl;
};

/* Returns a variable's value, or NULL when it is not set. */
typedef const char	*(*gw_config_getenv)(const char *, void *);

/* Receives one KEY=VALUE of a .env file; returns -1 to stop. */
typedef int		 (*gw_config_setenv)(const char *, const char *,
			    void *);

/* config.c */
int	gw_config_load(struct gw_config *, gw_config_getenv, void *,
	    char *, size_t);
void	gw_config_free(struct gw_config *);
int	gw_config_origin(const struct gw_config *, const char *);
void	gw_config_error(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* dburl.c */
int	gw_config_dburl(const char *, int, struct gw_dburl *, char *,
	    size_t);
void	gw_config_dburl_free(struct gw_dburl *);

/* redact.c */
char	*gw_config_redact(const char *);
void	gw_config_scrub(char *, const char *);
void	gw_config_scrub_url(char *, const char *);

/* dotenv.c */
int	gw_config_dotenv(const char *, size_t, gw_config_setenv, void *,
	    char *, size_t);
int	gw_config_dotenv_load(const char *, char *, size_t);

/* file.c */
char	*gw_file_read(const char *, size_t, size_t *);

#endif
