/*
 * calls.h: a call of one aido_* function described as data, and its SQL
 * text rendered from the description (calls.c).  Pure: no Kore, so the
 * unit tests link it directly.
 *
 * A route that calls the database names the function and the kinds of
 * its arguments in order (routes.c); the SQL is rendered once per worker
 * for each kind of caller, and each request only binds its values.
 */

#ifndef GW_CALLS_H
#define GW_CALLS_H

#include <stddef.h>

#define GW_CALL_ARGS		8	/* argument kinds of one call */
#define GW_CALL_PARAMS		8	/* bound parameters of one call */

/*
 * The kinds of arguments.  The actor is the caller: for an aido token its
 * user ($n::uuid) and its session (SESSION, $n::uuid, checked by the
 * database in the same statement); for an external provider's token the
 * user is aido_external_user(sub, email, name), found or created in the
 * same statement, and the session NULL (API.md §3.2).
 */
#define GW_ARG_END		0
#define GW_ARG_ACTOR		1	/* the caller's user */
#define GW_ARG_SESSION		2	/* the caller's session */
#define GW_ARG_ID		3	/* the path's first {id} */
#define GW_ARG_ID2		4	/* the path's second {id} */
#define GW_ARG_QUERY		5	/* the query string as jsonb (params.c) */
#define GW_ARG_BODY		6	/* the JSON object body; {} if none */
#define GW_ARG_TTL		7	/* JWT_TTL, integer */
#define GW_ARG_AGENT		8	/* the client's User-Agent, text */
#define GW_ARG_ADDR		9	/* the client's address, text */
#define GW_ARG_OUT		10	/* a procedure's OUT argument: NULL */
#define GW_ARG_TEXT		11	/* text a handler gives (ctx->text) */
#define GW_ARG_JSON		12	/* jsonb a handler gives (ctx->json) */

/* Where the value of one bound parameter comes from. */
#define GW_VAL_USER		0	/* an aido token's sub */
#define GW_VAL_SESSION		1	/* an aido token's sid */
#define GW_VAL_EXT_SUB		2	/* a provider token's sub */
#define GW_VAL_EXT_EMAIL	3
#define GW_VAL_EXT_NAME		4
#define GW_VAL_ID		5
#define GW_VAL_ID2		6
#define GW_VAL_QUERY		7
#define GW_VAL_BODY		8
#define GW_VAL_TTL		9
#define GW_VAL_AGENT		10
#define GW_VAL_ADDR		11
#define GW_VAL_TEXT		12
#define GW_VAL_JSON		13

/* The kinds of callers a call is rendered for. */
#define GW_CALLER_AIDO		0	/* an aido token, or no token */
#define GW_CALLER_EXTERNAL	1	/* an external provider's token */
#define GW_CALLERS		2

/* Call flags. */
#define GW_CALL_READ		0x01	/* safe to repeat elsewhere */
#define GW_CALL_EMPTY		0x02	/* success is 204, no body */
#define GW_CALL_LOCATION	0x04	/* Location: the path + result's id */
#define GW_CALL_PROC		0x08	/* a procedure: CALL, not SELECT */
#define GW_CALL_TASKS		0x10	/* writes tasks: a reminder may move */

struct http_request;
struct gw_ctx;

/* The SQL of one call for one kind of caller. */
struct gw_sql {
	char		*text;
	int		 nparams;
	unsigned char	 vals[GW_CALL_PARAMS];	/* GW_VAL_* of $1, $2 ... */
};

struct gw_call {
	const char	*func;		/* the aido_* function, or NULL */
	int		 flags;		/* GW_CALL_* */
	int		 status;	/* on success, unless EMPTY */
	unsigned char	 args[GW_CALL_ARGS];	/* GW_ARG_*, in order */

	/* Optional: runs first; answers instead and returns 0. */
	int		(*before)(struct http_request *, struct gw_ctx *);

	/* Optional: builds the success answer from the result. */
	void		(*reply)(struct http_request *, const char *,
			    size_t);

	/* Optional: builds the failure answer (health). */
	void		(*fail)(struct http_request *, int, const char *);

	struct gw_sql	 sql[GW_CALLERS];	/* rendered at worker start */
};

int	gw_call_render(const struct gw_call *, int, struct gw_sql *);
void	gw_call_free(struct gw_sql *);

#endif
