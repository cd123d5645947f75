/*
 * The keys of an external identity provider (API.md §3.2): the JWKS at
 * AUTH_JWKS_URL, cached by kid.
 *
 * The parent fetches it once before the workers fork (blocking is fine
 * there: nothing is served yet), so every worker starts with it.  After
 * that each worker refetches on its own, off its event loop: a token
 * whose kid no cached key has starts a fetch in a Kore task thread
 * (libcurl, short timeouts), at most once per KEYS_REFETCH_MS, and the
 * requests that need it sleep until it ends; then they are verified
 * again, with whatever keys the provider published.  A cache older than
 * KEYS_MAX_AGE_MS is refreshed the same way in the background, so that
 * a key the provider withdrew stops being trusted.  A fetch that fails
 * keeps the keys already known.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include "gateway.h"

#define KEYS_REFETCH_MS		(30 * 1000)	/* API.md §3.2 */
#define KEYS_MAX_AGE_MS		(10 * 60 * 1000)
#define KEYS_CONNECT_MS		3000
#define KEYS_TIMEOUT_MS		5000
#define KEYS_BODY_MAX		(256 * 1024)

/* One fetch's outcome, written by the task thread, read after it ended. */
struct keys_fetch {
	char		*body;
	size_t		 len;
	int		 failed;
	char		 err[CURL_ERROR_SIZE + 64];
};

static void	keys_get(const char *, struct keys_fetch *);
static size_t	keys_write(char *, size_t, size_t, void *);
static void	keys_install(struct keys_fetch *, const char *);
static void	keys_start(void);
static int	keys_task_run(struct kore_task *);
static void	keys_task_done(struct kore_task *);

static char			*keys_shown;	/* the URL, for the log */
static struct gw_jwks		*keys_set;	/* the keys known */
static u_int64_t		 keys_fetched;	/* when the last fetch began */
static u_int64_t		 keys_installed; /* when a JWKS was last read */
static int			 keys_running;
static struct kore_task		 keys_task;
static struct keys_fetch	 keys_result;
static TAILQ_HEAD(, gw_ctx)	 keys_waiters =
    TAILQ_HEAD_INITIALIZER(keys_waiters);

/*
 * The parent's part, once before the fork.  A provider that does not
 * answer yet (a frontend started after the API) is no reason to refuse
 * to start: the workers fetch again when a token needs it.
 */
void
gw_keys_configure(void)
{
	struct keys_fetch	f;

	if (gw_cfg.auth_jwks_url == NULL)
		return;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal("cannot initialise libcurl");

	/* A user:password@ in the URL never reaches the log. */
	if ((keys_shown = gw_config_redact(gw_cfg.auth_jwks_url)) == NULL)
		fatal("cannot redact AUTH_JWKS_URL: out of memory");

	keys_fetched = kore_time_ms();
	keys_get(gw_cfg.auth_jwks_url, &f);
	keys_install(&f, "at start");
	if (keys_set == NULL)
		keys_fetched = 0;	/* the first token may refetch */
}

/*
 * The keys to verify a provider's token with (NULL: none known).  Starts
 * a background refresh when they are old.
 */
const struct gw_jwks *
gw_keys_current(void)
{
	u_int64_t	now;

	now = kore_time_ms();
	if (gw_cfg.auth_jwks_url != NULL && !keys_running &&
	    keys_installed != 0 && now - keys_installed >= KEYS_MAX_AGE_MS &&
	    now - keys_fetched >= KEYS_REFETCH_MS)
		keys_start();

	return (keys_set);
}

/*
 * A token names a key we do not have: refetch, unless a fetch began less
 * than KEYS_REFETCH_MS ago and has ended.  Returns 1 when req now sleeps
 * until the fetch ends (gw_http_request runs again then), 0 when there
 * is nothing to wait for.
 */
int
gw_keys_refetch(struct http_request *req, struct gw_ctx *ctx)
{
	if (gw_cfg.auth_jwks_url == NULL)
		return (0);

	if (!keys_running) {
		if (keys_fetched != 0 &&
		    kore_time_ms() - keys_fetched < KEYS_REFETCH_MS)
			return (0);
		keys_start();
	}

	ctx->keys.req = req;
	ctx->keys.waiting = 1;
	TAILQ_INSERT_TAIL(&keys_waiters, ctx, keys.wlist);
	http_request_sleep(req);

	return (1);
}

/*
 * The request is freed (its client may have gone while it slept).
 */
void
gw_keys_unwait(struct gw_ctx *ctx)
{
	if (!ctx->keys.waiting)
		return;

	TAILQ_REMOVE(&keys_waiters, ctx, keys.wlist);
	ctx->keys.waiting = 0;
}

static void
keys_start(void)
{
	keys_running = 1;
	keys_fetched = kore_time_ms();
	memset(&keys_result, 0, sizeof(keys_result));

	kore_task_create(&keys_task, keys_task_run);
	kore_task_bind_callback(&keys_task, keys_task_done);
	kore_task_run(&keys_task);
}

/* In the task thread: no Kore calls but the task's own. */
static int
keys_task_run(struct kore_task *t)
{
	keys_get(gw_cfg.auth_jwks_url, &keys_result);

	return (KORE_RESULT_OK);
}

/* Back on the event loop. */
static void
keys_task_done(struct kore_task *t)
{
	struct gw_ctx	*ctx;

	if (!kore_task_finished(t))
		return;

	kore_task_destroy(t);
	keys_running = 0;
	keys_install(&keys_result, "refetched");

	while ((ctx = TAILQ_FIRST(&keys_waiters)) != NULL) {
		TAILQ_REMOVE(&keys_waiters, ctx, keys.wlist);
		ctx->keys.waiting = 0;
		http_request_wakeup(ctx->keys.req);
	}
}

/*
 * A fetched document replaces the keys when it is a JWKS; otherwise the
 * keys known are kept.  One log line either way.
 */
static void
keys_install(struct keys_fetch *f, const char *when)
{
	struct gw_jwks	*set;
	char		 err[160];

	set = NULL;
	err[0] = '\0';
	if (!f->failed) {
		set = gw_jwks_parse(f->body, f->len, err, sizeof(err));
		if (set == NULL)
			(void)snprintf(f->err, sizeof(f->err), "%s", err);
	}

	if (set == NULL) {
		kore_log(LOG_WARNING, "jwks: cannot read %s (%s): %s; %s",
		    keys_shown, when, f->err, keys_set != NULL ?
		    "the keys known are kept" : "provider tokens are refused "
		    "until it answers");
	} else {
		gw_jwks_free(keys_set);
		keys_set = set;
		keys_installed = kore_time_ms();
		kore_log(err[0] != '\0' || gw_jwks_count(set) == 0 ?
		    LOG_WARNING : LOG_INFO, "jwks: %zu keys from %s (%s)%s%s",
		    gw_jwks_count(set), keys_shown, when,
		    err[0] != '\0' ? "; " : "", err);
	}

	free(f->body);
	f->body = NULL;
	f->len = 0;
}

/*
 * GET url into f: http or https only, at most KEYS_BODY_MAX bytes, within
 * KEYS_TIMEOUT_MS; anything but 200 fails.  Runs in the parent and in
 * task threads, so it uses malloc, not Kore's allocator.
 */
static void
keys_get(const char *url, struct keys_fetch *f)
{
	CURL			*c;
	struct curl_slist	*hdrs;
	CURLcode		 rc;
	long			 status;
	char			 cerr[CURL_ERROR_SIZE];

	memset(f, 0, sizeof(*f));
	f->failed = 1;
	cerr[0] = '\0';

	if ((c = curl_easy_init()) == NULL) {
		(void)snprintf(f->err, sizeof(f->err), "libcurl: out of memory");
		return;
	}

	hdrs = curl_slist_append(NULL, "Accept: application/json");

	(void)curl_easy_setopt(c, CURLOPT_URL, url);
	(void)curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	(void)curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	(void)curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	(void)curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
	(void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)KEYS_CONNECT_MS);
	(void)curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)KEYS_TIMEOUT_MS);
	(void)curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)KEYS_BODY_MAX);
	(void)curl_easy_setopt(c, CURLOPT_USERAGENT, GW_NAME);
	(void)curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	(void)curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	(void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keys_write);
	(void)curl_easy_setopt(c, CURLOPT_WRITEDATA, f);

	rc = curl_easy_perform(c);
	status = 0;
	(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);

	if (rc != CURLE_OK) {
		(void)snprintf(f->err, sizeof(f->err), "%s",
		    cerr[0] != '\0' ? cerr : curl_easy_strerror(rc));
	} else if (status != 200) {
		(void)snprintf(f->err, sizeof(f->err), "HTTP status %ld",
		    status);
	} else {
		f->failed = 0;
	}

	if (f->failed) {
		free(f->body);
		f->body = NULL;
		f->len = 0;
	}

	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
}

static size_t
keys_write(char *data, size_t size, size_t n, void *arg)
{
	struct keys_fetch	*f = arg;
	char			*p;

	n *= size;
	if (f->len + n > KEYS_BODY_MAX)
		return (0);

	if ((p = realloc(f->body, f->len + n + 1)) == NULL)
		return (0);

	memcpy(p + f->len, data, n);
	f->body = p;
	f->len += n;
	f->body[f->len] = '\0';

	return (n);
}
