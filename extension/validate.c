/*-------------------------------------------------------------------------
 *
 * validate.c
 *	  The task rules of API.md section 1, as one function that the tasks
 *	  trigger and the task API functions call.
 *
 * aido_validate_task() returns every problem it finds, at most one per
 * field, as a jsonb array of {"field", "code", "message"} objects: the
 * editable fields in a fixed order first, then unknown and server-owned
 * keys in the jsonb's own key order.  It runs for every insert and update
 * of a task, so it reads the jsonb in place and uses no SPI.
 *
 * Lengths count characters of the database encoding, after trimming ASCII
 * whitespace (space, \t, \n, \v, \f, \r) where the rule says "trimmed".
 * Validation never decides what is stored; the trigger trims, lowercases
 * and deduplicates.
 *
 * extension/validate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/formatting.h"
#include "utils/jsonb.h"

#include "aido.h"

#define VALIDATE_TITLE_MAX			200
#define VALIDATE_DESCRIPTION_MAX	1000
#define VALIDATE_TAG_MAX			50
#define VALIDATE_TAGS_MAX			20

/* What a recurring or recurring_pattern key turned out to hold. */
typedef enum ValidateSeen
{
	VALIDATE_ABSENT,			/* key not in the object */
	VALIDATE_NULL,				/* JSON null */
	VALIDATE_TRUE,				/* recurring: true */
	VALIDATE_FALSE,				/* recurring: false */
	VALIDATE_VALUE,				/* recurring_pattern: an allowed value */
	VALIDATE_INVALID			/* an error was reported for the key */
} ValidateSeen;

static const char *const validate_editable[] = {
	"title", "description", "completed", "priority", "tags", "due_date",
	"remind_at", "recurring", "recurring_pattern", NULL
};

static const char *const validate_read_only[] = {
	"id", "user_id", "created_at", "updated_at", "completed_at",
	"next_occurrence_id", "reminded_at", NULL
};

static const char *const validate_priorities[] = {
	"low", "medium", "high", NULL
};

static const char *const validate_patterns[] = {
	"daily", "weekly", "monthly", NULL
};

PG_FUNCTION_INFO_V1(aido_validate_task);

static void
validate_push_string(JsonbParseState **state, JsonbIteratorToken token,
					 const char *s)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = strlen(s);
	pushJsonbValue(state, token, &v);
}

/* Append one {"field", "code", "message"} object to the result array. */
static void
validate_report(JsonbParseState **state, const char *field,
				const char *code, const char *message)
{
	JsonbValue	null_value;

	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);

	validate_push_string(state, WJB_KEY, "field");
	if (field != NULL)
		validate_push_string(state, WJB_VALUE, field);
	else
	{
		null_value.type = jbvNull;
		pushJsonbValue(state, WJB_VALUE, &null_value);
	}
	validate_push_string(state, WJB_KEY, "code");
	validate_push_string(state, WJB_VALUE, code);
	validate_push_string(state, WJB_KEY, "message");
	validate_push_string(state, WJB_VALUE, message);

	pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

static JsonbValue *
validate_lookup(Jsonb *task, const char *key)
{
	return getKeyJsonValueFromContainer(&task->root, key, strlen(key), NULL);
}

static bool
validate_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
		c == '\r';
}

/* Trim ASCII whitespace from both ends of a jsonb string, in place. */
static void
validate_trim(JsonbValue *v)
{
	char	   *s = v->val.string.val;
	int			len = v->val.string.len;

	while (len > 0 && validate_is_space(*s))
	{
		s++;
		len--;
	}
	while (len > 0 && validate_is_space(s[len - 1]))
		len--;
	v->val.string.val = s;
	v->val.string.len = len;
}

/* Does a jsonb string hold more than max characters? */
static bool
validate_too_long(JsonbValue *v, int max)
{
	/* a character is at least one byte, so short strings need no count */
	if (v->val.string.len <= max)
		return false;
	return pg_mbstrlen_with_len(v->val.string.val, v->val.string.len) > max;
}

static bool
validate_in(const char *s, int len, const char *const *list)
{
	for (; *list != NULL; list++)
	{
		if (strlen(*list) == (size_t) len && memcmp(*list, s, len) == 0)
			return true;
	}
	return false;
}

static void
validate_title(JsonbParseState **state, Jsonb *task, bool partial)
{
	JsonbValue *v = validate_lookup(task, "title");

	if (v == NULL)
	{
		if (!partial)
			validate_report(state, "title", "required", "title is required");
	}
	else if (v->type == jbvNull)
		validate_report(state, "title", "required", "title is required");
	else if (v->type != jbvString)
		validate_report(state, "title", "wrong_type",
						"title must be a string");
	else
	{
		validate_trim(v);
		if (v->val.string.len == 0)
			validate_report(state, "title", "blank",
							"title must not be blank");
		else if (validate_too_long(v, VALIDATE_TITLE_MAX))
			validate_report(state, "title", "too_long",
							"title must be at most 200 characters");
	}
}

static void
validate_description(JsonbParseState **state, Jsonb *task)
{
	JsonbValue *v = validate_lookup(task, "description");

	if (v == NULL || v->type == jbvNull)
		return;
	if (v->type != jbvString)
		validate_report(state, "description", "wrong_type",
						"description must be a string or null");
	else if (validate_too_long(v, VALIDATE_DESCRIPTION_MAX))
		validate_report(state, "description", "too_long",
						"description must be at most 1000 characters");
}

/* completed and recurring: a JSON boolean when present. */
static ValidateSeen
validate_boolean(JsonbParseState **state, Jsonb *task, const char *field)
{
	JsonbValue *v = validate_lookup(task, field);

	if (v == NULL)
		return VALIDATE_ABSENT;
	if (v->type != jbvBool)
	{
		validate_report(state, field, "wrong_type",
						psprintf("%s must be true or false", field));
		return VALIDATE_INVALID;
	}
	return v->val.boolean ? VALIDATE_TRUE : VALIDATE_FALSE;
}

static void
validate_priority(JsonbParseState **state, Jsonb *task)
{
	JsonbValue *v = validate_lookup(task, "priority");

	if (v == NULL)
		return;
	if (v->type != jbvString)
		validate_report(state, "priority", "wrong_type",
						"priority must be a string: low, medium or high");
	else if (!validate_in(v->val.string.val, v->val.string.len,
						  validate_priorities))
		validate_report(state, "priority", "invalid_choice",
						"priority must be one of low, medium, high");
}

/*
 * Count the distinct tags, trimmed and lowercased as the trigger stores
 * them, and tell whether there are more than allowed.  Only the first
 * VALIDATE_TAGS_MAX + 1 distinct ones are ever kept, so a long array costs
 * a bounded number of comparisons per element.
 */
static bool
validate_too_many_tags(JsonbContainer *tags)
{
	char	   *seen[VALIDATE_TAGS_MAX];
	int			nseen = 0;
	int			ntags = JsonContainerSize(tags);
	int			i;

	for (i = 0; i < ntags; i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(tags, i);
		char	   *lowered;
		int			j;

		validate_trim(v);
		lowered = str_tolower(v->val.string.val, v->val.string.len,
							  DEFAULT_COLLATION_OID);
		for (j = 0; j < nseen; j++)
		{
			if (strcmp(seen[j], lowered) == 0)
				break;
		}
		if (j < nseen)
			continue;
		if (nseen == VALIDATE_TAGS_MAX)
			return true;
		seen[nseen++] = lowered;
	}
	return false;
}

/* tags: an array of strings; the first problem found is the one reported */
static void
validate_tags(JsonbParseState **state, Jsonb *task)
{
	JsonbValue *v = validate_lookup(task, "tags");
	JsonbContainer *tags;
	int			ntags;
	int			i;

	if (v == NULL)
		return;
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
	{
		validate_report(state, "tags", "wrong_type",
						"tags must be an array of strings");
		return;
	}

	tags = v->val.binary.data;
	ntags = JsonContainerSize(tags);
	for (i = 0; i < ntags; i++)
	{
		JsonbValue *tag = getIthJsonbValueFromContainer(tags, i);

		if (tag->type != jbvString)
		{
			validate_report(state, "tags", "wrong_type",
							"tags must be an array of strings");
			return;
		}
		validate_trim(tag);
		if (tag->val.string.len == 0)
		{
			validate_report(state, "tags", "blank",
							"tags must not contain a blank tag");
			return;
		}
		if (validate_too_long(tag, VALIDATE_TAG_MAX))
		{
			validate_report(state, "tags", "too_long",
							"each tag must be at most 50 characters");
			return;
		}
	}

	if (ntags > VALIDATE_TAGS_MAX && validate_too_many_tags(tags))
		validate_report(state, "tags", "too_many",
						"tags must hold at most 20 distinct tags");
}

/* due_date and remind_at: null or an RFC 3339 date-time with an offset. */
static void
validate_datetime(JsonbParseState **state, Jsonb *task, const char *field)
{
	JsonbValue *v = validate_lookup(task, field);

	if (v == NULL || v->type == jbvNull)
		return;
	if (v->type != jbvString)
		validate_report(state, field, "wrong_type",
						psprintf("%s must be a string or null", field));
	else if (!rfc3339_valid(v->val.string.val, v->val.string.len))
		validate_report(state, field, "invalid_datetime",
						psprintf("%s must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T09:00:00Z",
								 field));
}

static ValidateSeen
validate_recurring_pattern(JsonbParseState **state, Jsonb *task)
{
	JsonbValue *v = validate_lookup(task, "recurring_pattern");

	if (v == NULL)
		return VALIDATE_ABSENT;
	if (v->type == jbvNull)
		return VALIDATE_NULL;
	if (v->type != jbvString)
	{
		validate_report(state, "recurring_pattern", "wrong_type",
						"recurring_pattern must be a string or null");
		return VALIDATE_INVALID;
	}
	if (!validate_in(v->val.string.val, v->val.string.len, validate_patterns))
	{
		validate_report(state, "recurring_pattern", "invalid_choice",
						"recurring_pattern must be one of daily, weekly, monthly");
		return VALIDATE_INVALID;
	}
	return VALIDATE_VALUE;
}

/*
 * A whole task must agree with itself; a patch only where it sets both
 * keys, since the other one may come from the stored task (the trigger
 * checks the resulting row in full).
 */
static void
validate_consistency(JsonbParseState **state, ValidateSeen recurring,
					 ValidateSeen pattern, bool partial)
{
	bool		pattern_missing = (pattern == VALIDATE_NULL ||
								   (!partial && pattern == VALIDATE_ABSENT));
	bool		not_recurring = (recurring == VALIDATE_FALSE ||
								 (!partial && recurring == VALIDATE_ABSENT));

	if (recurring == VALIDATE_TRUE && pattern_missing)
		validate_report(state, "recurring_pattern", "inconsistent",
						"recurring_pattern is required when recurring is true");
	else if (not_recurring && pattern == VALIDATE_VALUE)
		validate_report(state, "recurring_pattern", "inconsistent",
						"recurring_pattern must be null unless recurring is true");
}

/* Keys that are not editable fields, in the jsonb's key order. */
static void
validate_other_keys(JsonbParseState **state, Jsonb *task)
{
	JsonbIterator *it = JsonbIteratorInit(&task->root);
	JsonbIteratorToken token;
	JsonbValue	v;

	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;

		if (token != WJB_KEY ||
			validate_in(v.val.string.val, v.val.string.len,
						validate_editable))
			continue;

		key = pnstrdup(v.val.string.val, v.val.string.len);
		if (validate_in(v.val.string.val, v.val.string.len,
						validate_read_only))
			validate_report(state, key, "read_only",
							psprintf("%s is set by the server", key));
		else
			validate_report(state, key, "unknown_field",
							psprintf("unknown field \"%s\"", key));
	}
}

/*
 * aido_validate_task(task jsonb, partial boolean DEFAULT false) returns jsonb
 *
 * partial validates a PATCH body: only the keys present are checked.
 */
Datum
aido_validate_task(PG_FUNCTION_ARGS)
{
	Jsonb	   *task = PG_GETARG_JSONB_P(0);
	bool		partial = PG_GETARG_BOOL(1);
	JsonbParseState *state = NULL;
	JsonbValue *result;

	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);

	if (!JB_ROOT_IS_OBJECT(task))
		validate_report(&state, NULL, "wrong_type",
						"task must be a JSON object");
	else
	{
		ValidateSeen recurring;
		ValidateSeen pattern;

		validate_title(&state, task, partial);
		validate_description(&state, task);
		(void) validate_boolean(&state, task, "completed");
		validate_priority(&state, task);
		validate_tags(&state, task);
		validate_datetime(&state, task, "due_date");
		validate_datetime(&state, task, "remind_at");
		recurring = validate_boolean(&state, task, "recurring");
		pattern = validate_recurring_pattern(&state, task);
		if (recurring != VALIDATE_INVALID && pattern != VALIDATE_INVALID)
			validate_consistency(&state, recurring, pattern, partial);
		validate_other_keys(&state, task);
	}

	result = pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(result));
}
