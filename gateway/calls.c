/*
 * The SQL text of a call, rendered from its description (calls.h) once
 * per worker: "SELECT aido_f($1::uuid, $2::jsonb, ...)" or "CALL ...",
 * every value a bound text parameter cast to the argument's type, one
 * unnamed statement (so it works behind PgBouncer in transaction mode).
 * With it, the list of where each parameter's value comes from; a
 * request binds its values by that list and never touches the text.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"

#define CALLS_SQL_MAX		256

struct calls_buf {
	char		 text[CALLS_SQL_MAX];
	size_t		 len;
	struct gw_sql	*sql;
	int		 overflow;
};

/*
 * The arguments that are one parameter of one type whoever calls: the
 * value each is bound from, and its cast.
 */
static const struct {
	int		 val;
	const char	*type;
} calls_plain[] = {
	[GW_ARG_ID] =		{ GW_VAL_ID,	"uuid" },
	[GW_ARG_ID2] =		{ GW_VAL_ID2,	"uuid" },
	[GW_ARG_QUERY] =	{ GW_VAL_QUERY,	"jsonb" },
	[GW_ARG_BODY] =		{ GW_VAL_BODY,	"jsonb" },
	[GW_ARG_TTL] =		{ GW_VAL_TTL,	"integer" },
	[GW_ARG_AGENT] =	{ GW_VAL_AGENT,	"text" },
	[GW_ARG_ADDR] =		{ GW_VAL_ADDR,	"text" },
	[GW_ARG_TEXT] =		{ GW_VAL_TEXT,	"text" },
	[GW_ARG_JSON] =		{ GW_VAL_JSON,	"jsonb" },
};

static void	calls_append(struct calls_buf *, const char *);
static void	calls_param(struct calls_buf *, int, const char *);
static void	calls_arg(struct calls_buf *, int, int);

/*
 * Renders call for one kind of caller (GW_CALLER_*) into sql.  Returns 0,
 * or -1 when the description is not a valid one (an unknown kind, more
 * parameters than GW_CALL_PARAMS, or SQL longer than CALLS_SQL_MAX).
 */
int
gw_call_render(const struct gw_call *call, int caller, struct gw_sql *sql)
{
	struct calls_buf	b;
	int			i;

	memset(sql, 0, sizeof(*sql));
	memset(&b, 0, sizeof(b));
	b.sql = sql;

	if (call->func == NULL)
		return (-1);

	calls_append(&b, (call->flags & GW_CALL_PROC) ? "CALL " : "SELECT ");
	calls_append(&b, call->func);
	calls_append(&b, "(");
	for (i = 0; i < GW_CALL_ARGS && call->args[i] != GW_ARG_END; i++) {
		if (i > 0)
			calls_append(&b, ", ");
		calls_arg(&b, call->args[i], caller);
	}
	calls_append(&b, ")");

	if (b.overflow)
		return (-1);
	if ((sql->text = strdup(b.text)) == NULL)
		return (-1);

	return (0);
}

void
gw_call_free(struct gw_sql *sql)
{
	free(sql->text);
	memset(sql, 0, sizeof(*sql));
}

/*
 * One argument.  The actor and its session are where the two kinds of
 * callers differ: an aido token names its user and session; a provider's
 * token names a subject (with the email and name it carries), which the
 * database maps to a user in the same statement, and has no session.
 */
static void
calls_arg(struct calls_buf *b, int kind, int caller)
{
	int	ext = (caller == GW_CALLER_EXTERNAL);

	switch (kind) {
	case GW_ARG_ACTOR:
		if (!ext) {
			calls_param(b, GW_VAL_USER, "uuid");
			break;
		}
		calls_append(b, "aido_external_user(");
		calls_param(b, GW_VAL_EXT_SUB, NULL);
		calls_append(b, ", ");
		calls_param(b, GW_VAL_EXT_EMAIL, NULL);
		calls_append(b, ", ");
		calls_param(b, GW_VAL_EXT_NAME, NULL);
		calls_append(b, ")");
		break;
	case GW_ARG_SESSION:
		if (ext)
			calls_append(b, "NULL");
		else
			calls_param(b, GW_VAL_SESSION, "uuid");
		break;
	case GW_ARG_OUT:
		calls_append(b, "NULL");
		break;
	default:
		if (kind < 0 || kind >= (int)(sizeof(calls_plain) /
		    sizeof(calls_plain[0])) || calls_plain[kind].type == NULL)
			b->overflow = 1;
		else
			calls_param(b, calls_plain[kind].val,
			    calls_plain[kind].type);
		break;
	}
}

/* The next parameter, $n or $n::type, whose value comes from val. */
static void
calls_param(struct calls_buf *b, int val, const char *type)
{
	char	num[32];
	int	n;

	if ((n = b->sql->nparams) >= GW_CALL_PARAMS) {
		b->overflow = 1;
		return;
	}
	b->sql->vals[n] = (unsigned char)val;
	b->sql->nparams = n + 1;

	(void)snprintf(num, sizeof(num), "$%d%s%s", n + 1, type ? "::" : "",
	    type ? type : "");
	calls_append(b, num);
}

static void
calls_append(struct calls_buf *b, const char *s)
{
	size_t	n;

	n = strlen(s);
	if (b->len + n >= sizeof(b->text)) {
		b->overflow = 1;
		return;
	}
	memcpy(b->text + b->len, s, n + 1);
	b->len += n;
}
