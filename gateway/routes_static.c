/*
 * The pages a person opens in a browser: the web client at / (web/) and
 * the API explorer at /docs (web/docs.html and docs.js, around the files
 * of the npm package swagger-ui-dist, as installed in node_modules).
 *
 * Every file is read once, in the parent at start (gw_static_load), and
 * served from memory without a copy: no disk I/O and nothing that blocks
 * in a worker.  A missing group (web/ not beside the gateway, or npm
 * packages not installed) is logged at start and answered 503 with how
 * to install it: the API itself does not need these pages to start.
 *
 * Each answer carries a Content-Security-Policy that allows nothing from
 * another origin and no inline script or style, nosniff, and an ETag: the
 * pages are revalidated on every load (no-cache), the assets after a
 * short max-age.
 */

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "gateway.h"

#define STATIC_FILE_MAX		(8 * 1024 * 1024)

#define STATIC_WEB		0	/* the web client: web/ */
#define STATIC_DOCS		1	/* the API explorer: web/ + npm */
#define STATIC_GROUPS		2

#define STATIC_IN_WEB		0	/* where a file is read from */
#define STATIC_IN_SWAGGER	1

#define STATIC_HTML		"text/html; charset=utf-8"
#define STATIC_JS		"text/javascript; charset=utf-8"
#define STATIC_CSS		"text/css; charset=utf-8"

#define STATIC_PAGE		"no-cache"
#define STATIC_ASSET		"public, max-age=300"

#define STATIC_CSP							\
	"default-src 'self'; script-src 'self'; style-src 'self'; "	\
	"img-src 'self' data:; connect-src 'self'; "			\
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

struct static_file {
	const char	*path;		/* as routed (router.c) */
	int		 group;
	int		 in;
	const char	*name;
	const char	*type;
	const char	*cache;

	char		*data;
	size_t		 len;
	char		 etag[24];
};

static struct static_file	static_files[] = {
	{ "/", STATIC_WEB, STATIC_IN_WEB, "index.html", STATIC_HTML,
	    STATIC_PAGE },
	{ "/app.js", STATIC_WEB, STATIC_IN_WEB, "app.js", STATIC_JS,
	    STATIC_ASSET },
	{ "/style.css", STATIC_WEB, STATIC_IN_WEB, "style.css", STATIC_CSS,
	    STATIC_ASSET },
	{ "/docs", STATIC_DOCS, STATIC_IN_WEB, "docs.html", STATIC_HTML,
	    STATIC_PAGE },
	{ "/docs/docs.js", STATIC_DOCS, STATIC_IN_WEB, "docs.js", STATIC_JS,
	    STATIC_ASSET },
	{ "/docs/swagger-ui.css", STATIC_DOCS, STATIC_IN_SWAGGER,
	    "swagger-ui.css", STATIC_CSS, STATIC_ASSET },
	{ "/docs/swagger-ui-bundle.js", STATIC_DOCS, STATIC_IN_SWAGGER,
	    "swagger-ui-bundle.js", STATIC_JS, STATIC_ASSET },
	{ NULL, 0, 0, NULL, NULL, NULL }
};

/* Why a group is missing, for its 503; NULL when it is complete. */
static char	*static_missing[STATIC_GROUPS];

static const char	*static_why[STATIC_GROUPS] = {
	"the web client is not installed: it is the web/ directory of the "
	    "aido repository, beside gateway/",
	"the API explorer is not installed: run make (or npm ci) in the "
	    "aido repository, then restart the gateway",
};

static void	 static_etag(struct static_file *);

/*
 * Reads every file, in the parent, before the workers fork.  The web
 * client lives in web/ and the npm packages in node_modules/, both beside
 * the gateway's directory (the repository's root).
 */
void
gw_static_load(void)
{
	struct static_file	*f;
	char			 buf[PATH_MAX], root[PATH_MAX];
	char			 dirs[2][PATH_MAX], path[PATH_MAX];
	char			 why[PATH_MAX + 160];

	if (gw_module_dir(buf, sizeof(buf)) == -1)
		(void)kore_strlcpy(buf, "./gateway", sizeof(buf));

	/* buf is <root>/gateway. */
	(void)kore_strlcpy(root, dirname(buf), sizeof(root));
	if (snprintf(dirs[STATIC_IN_WEB], sizeof(dirs[0]), "%s/web",
	    root) >= (int)sizeof(dirs[0]) ||
	    snprintf(dirs[STATIC_IN_SWAGGER], sizeof(dirs[0]),
	    "%s/node_modules/swagger-ui-dist", root) >= (int)sizeof(dirs[0]))
		fatalx("%s: the path %s is too long", GW_NAME, root);

	for (f = static_files; f->path != NULL; f++) {
		if (snprintf(path, sizeof(path), "%s/%s", dirs[f->in],
		    f->name) < (int)sizeof(path) &&
		    (f->data = gw_file_read(path, STATIC_FILE_MAX,
		    &f->len)) != NULL) {
			static_etag(f);
			continue;
		}
		if (static_missing[f->group] != NULL)
			continue;

		/* The log names the path; a client is told no path. */
		static_missing[f->group] = kore_strdup(static_why[f->group]);
		if (snprintf(why, sizeof(why), "%s (%s: %s)",
		    static_why[f->group], path, errno_s) < 0)
			(void)kore_strlcpy(why, static_why[f->group],
			    sizeof(why));
		kore_log(LOG_NOTICE, "%s: %s", GW_NAME, why);
	}
}

/*
 * GET of one of the files above; ctx->route->path names it ("/docs/"
 * is routed as "/docs").
 */
int
route_static_get(struct http_request *req, struct gw_ctx *ctx)
{
	struct static_file	*f;
	const char		*inm;

	for (f = static_files; f->path != NULL; f++) {
		if (!strcmp(f->path, ctx->route->path))
			break;
	}

	if (f->path == NULL) {
		gw_http_error(req, 404, "not_found", "no such route");
		return (KORE_RESULT_OK);
	}

	if (static_missing[f->group] != NULL) {
		gw_http_error(req, 503, "unavailable",
		    static_missing[f->group]);
		return (KORE_RESULT_OK);
	}

	http_response_header(req, "cache-control", f->cache);
	http_response_header(req, "etag", f->etag);
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "content-security-policy", STATIC_CSP);
	http_response_header(req, "referrer-policy", "no-referrer");

	inm = gw_http_header(req, "if-none-match");
	if (inm != NULL && (strstr(inm, f->etag) != NULL ||
	    !strcmp(inm, "*"))) {
		gw_http_send(req, 304, NULL, 0);
		return (KORE_RESULT_OK);
	}

	http_response_header(req, "content-type", f->type);
	gw_http_send_static(req, 200, f->data, f->len);

	return (KORE_RESULT_OK);
}

/*
 * A strong ETag from the content (64-bit FNV-1a): it changes when the
 * file does, and is the same for every worker and every gateway.
 */
static void
static_etag(struct static_file *f)
{
	u_int64_t	h;
	size_t		i;

	h = 0xcbf29ce484222325ULL;
	for (i = 0; i < f->len; i++) {
		h ^= (unsigned char)f->data[i];
		h *= 0x100000001b3ULL;
	}

	(void)snprintf(f->etag, sizeof(f->etag), "\"%016llx\"",
	    (unsigned long long)h);
}
