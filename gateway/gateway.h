/*
 * gateway.h: what the Kore side of the gateway shares.
 *
 * Every request gets one context (its http_state): the route it matched,
 * the ids of its path, the claims of its token, its body, and, when it
 * calls the database, the call and its progress through db.c's state
 * machine.
 */

#ifndef GW_GATEWAY_H
#define GW_GATEWAY_H

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include "calls.h"
#include "config.h"
#include "jwk.h"
#include "jwt.h"

#define GW_NAME			"aido-gateway"
#define GW_BODY_MAX		(64 * 1024)	/* API.md §3: else 413 */
#define GW_BODY_TIMEOUT		15		/* seconds to send a body */
#define GW_PATH_IDS		2
#define GW_AGENT_MAX		512	/* User-Agent kept for a session */

/* Route flags. */
#define GW_ROUTE_AUTH		0x01	/* Bearer token required */
#define GW_ROUTE_BODY		0x02	/* a JSON object body */
#define GW_ROUTE_BODY_OPT	0x04	/* a JSON object body, if any */
#define GW_ROUTE_USER		0x08	/* {user} must be the token's sub */

struct gw_ctx;
struct gw_dbconn;
struct ev_reader;

/*
 * One row of the route table (routes.c): the HTTP side (path, method,
 * checks) and either a handler that answers without the database or the
 * one call of an aido_* function that serves the route.
 */
struct gw_route {
	const char	*path;		/* "{id}", "{user}": one segment */
	int		 method;	/* HTTP_METHOD_* */
	int		 flags;		/* GW_ROUTE_* */
	int		(*handler)(struct http_request *, struct gw_ctx *);
	struct gw_call	 call;		/* when there is no handler */
};

/* db.c's progress through one call, and its place in pool.c's queue. */
struct gw_dbstate {
	struct http_request	*req;
	const struct gw_sql	*stmt;		/* the call's SQL */
	const char		*params[GW_CALL_PARAMS];
	int			 active;	/* a call was started */
	int			 retried;
	u_int64_t		 queued_at;
	int			 waiting;
	TAILQ_ENTRY(gw_ctx)	 wlist;

	/* Set by pool.c while the statement runs. */
	struct gw_dbconn	*conn;		/* its connection */
	PGresult		*res;		/* the first result */
	int			 done;		/* every result read */
	int			 lost;		/* the connection failed */
	char			*error;		/* libpq's message then */
	/* A call no request makes (events.c): told instead of a request. */
	void			(*wake)(struct gw_ctx *);

	char			*result;
	size_t			 result_len;
	int			 result_null;

	int			 failed;
	char			 sqlstate[6];
	char			*message;
	char			*detail;
};

/* A request waiting for the provider's keys (keys.c). */
struct gw_keywait {
	struct http_request	*req;
	int			 waiting;
	int			 refetched;	/* once per request */
	TAILQ_ENTRY(gw_ctx)	 wlist;
};

/* One JSON-RPC message of POST /mcp (mcp.c). */
struct gw_mcp {
	json_t			*msg;		/* the body, parsed */
	json_t			*id;		/* NULL: a notification */
	json_t			*params;
	const char		*method;
	int			 modern;	/* 2026-07-28 */
	int			 authenticated;
};

struct gw_ctx {
	u_int64_t		 started;
	const struct gw_route	*route;
	char			 ids[GW_PATH_IDS][GW_UUID_LEN + 1];
	int			 nids;
	const char		*user;		/* {user} as in the path */
	size_t			 user_len;
	struct gw_jwt_claims	 auth;		/* an aido token */
	int			 external;	/* or a provider's token: */
	struct gw_ext_claims	 ext;
	struct gw_keywait	 keys;
	char			*body;		/* a JSON object */
	size_t			 body_len;
	char			*query;		/* as JSON, malloc'd */
	const char		*text;		/* given by a handler */
	char			*json;		/* given by a handler, malloc'd */
	char			 agent[GW_AGENT_MAX + 1];
	char			 addr[64];	/* the client */
	char			 num[24];	/* a numeric param */
	const char		*sqlstate;	/* of a failure */
	const struct gw_call	*call;		/* the call being made */
	struct gw_dbstate	 db;
	struct gw_mcp		 mcp;
	struct ev_reader	*events;	/* a long poll (events.c) */
};

/* startup.c (parent) */
extern struct gw_config	 gw_cfg;
extern char		*gw_openapi;
extern size_t		 gw_openapi_len;

void	kore_parent_configure(int, char **);
int	gw_module_dir(char *, size_t);

/* gateway.c (worker) */
int	gw_worker_init(int);

/* router.c */
int	gw_http_request(struct http_request *);
int	gw_router_auth(struct http_request *, struct gw_ctx *);

/* http.c */
void	gw_http_connect(struct connection *);
void	gw_http_send(struct http_request *, int, const void *, size_t);
void	gw_http_body(struct http_request *, struct gw_ctx *, size_t);
void	gw_http_send_static(struct http_request *, int, void *, size_t);
void	gw_http_json(struct http_request *, int, const char *, size_t);
void	gw_http_error(struct http_request *, int, const char *,
	    const char *);
void	gw_http_error_full(struct http_request *, int, const char *,
	    const char *, const char *, int);
void	gw_http_preflight(struct http_request *, int);
void	gw_http_allow(struct http_request *, int);
const char *gw_http_header(struct http_request *, const char *);

/* db.c: the call state machine */
int	gw_db_call(struct http_request *, struct gw_ctx *);
int	gw_db_resume(struct http_request *);
void	gw_db_release(struct http_request *, struct gw_ctx *);

/* pool.c: the connections, and who may have one when */
#define GW_POOL_TAKEN		0	/* ctx->db.conn is its own */
#define GW_POOL_WAIT		1	/* queued, asleep */
#define GW_POOL_BUSY		2	/* saturated beyond the wait: 503 */
#define GW_POOL_DOWN		3	/* the database is unreachable: 503 */

void	gw_pool_configure(void);
void	gw_pool_init(void);
int	gw_pool_take(struct http_request *, struct gw_ctx *);
int	gw_pool_send(struct gw_ctx *);
void	gw_pool_put(struct gw_ctx *);
void	gw_pool_leave(struct gw_ctx *);
void	gw_pool_drop(struct gw_dbstate *);
void	gw_pool_flush_idle(void);
void	gw_pool_wake(void);
void	gw_pool_log(const char *, const char *);
int	gw_pool_take_idle(struct gw_ctx *);

/* events.c: the change feed and the reminders' timer */
void	gw_events_init(void);
int	route_events_get(struct http_request *, struct gw_ctx *);
int	route_events_stream(struct http_request *, struct gw_ctx *);
int	gw_events_resume(struct http_request *, struct gw_ctx *);
void	gw_events_release(struct gw_ctx *);
void	gw_events_task_written(void);

/* keys.c */
void	gw_keys_configure(void);
const struct gw_jwks *gw_keys_current(void);
int	gw_keys_refetch(struct http_request *, struct gw_ctx *);
void	gw_keys_unwait(struct gw_ctx *);

/* routes_static.c (parent) */
void	gw_static_load(void);

/* routes.c */
extern struct gw_route	gw_routes[];

void	gw_routes_init(void);
void	gw_routes_render(struct gw_call *, const char *);

/* routes_*.c: what a route does beyond its row in routes.c */
int	route_meta_openapi(struct http_request *, struct gw_ctx *);
int	route_static_get(struct http_request *, struct gw_ctx *);
void	route_health_fail(struct http_request *, int, const char *);
void	route_auth_session(struct http_request *, const char *, size_t);
int	route_auth_logout(struct http_request *, struct gw_ctx *);
int	route_tasks_compat_query(struct http_request *, struct gw_ctx *);
void	route_tasks_compat_page(struct http_request *, const char *, size_t);

/* mcp.c, mcp_tools.c */
#define GW_MCP_NONE		0
#define GW_MCP_TOOL		1	/* one aido_mcp_call */
#define GW_MCP_FIXTURE		2	/* the conformance suite's */

int	route_mcp_post(struct http_request *, struct gw_ctx *);
int	route_mcp_metadata(struct http_request *, struct gw_ctx *);
void	gw_mcp_release(struct gw_ctx *);
const char *gw_mcp_challenge(struct http_request *);
void	gw_mcp_init(void);
void	gw_mcp_tools_init(void);
json_t	*gw_mcp_tools_list(void);
int	gw_mcp_tools_find(const char *, const char **);

#endif
