/*-------------------------------------------------------------------------
 *
 * json.c
 *	  _aido_json_agg(row): json_agg of the rows of a page, for the lists
 *	  aido builds on every request.
 *
 * json_agg() writes each row through composite_to_json(), which asks the
 * catalog how to write every column of every row (the base type, the
 * output function, whether a cast to json exists: two or three syscache
 * lookups a value), fetches each column with heap_getattr(), which walks
 * the row from its start for every column after the first text, and
 * escapes strings one character at a time.  On a page of 50 tasks of 16
 * columns that is some 1,600 lookups for 800 values.  This aggregate
 * decides how to write each column once, on the first row, deforms each
 * row once, copies unescaped runs whole, and writes exactly what json_agg
 * writes: the same keys, values, separators and white space, so that the
 * SQL-only flavor, whose build writes json_agg in its place
 * (sql/sqlonly/build), gives the same text (test/sql/083_json_agg.sql
 * compares them).
 *
 * extension/json.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/tupdesc.h"
#include "catalog/pg_type.h"
#include "common/jsonapi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "parser/parse_coerce.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
#include "utils/uuid.h"

/* How a column's values are written: json.c's type categories. */
typedef enum JsonColumnKind
{
	JSON_COLUMN_BOOL,
	JSON_COLUMN_NUMBER,			/* as is if a valid JSON number, else quoted */
	JSON_COLUMN_DATETIME,		/* date, timestamp, timestamptz: ISO 8601 */
	JSON_COLUMN_JSON,			/* json, jsonb: as is */
	JSON_COLUMN_ARRAY,
	JSON_COLUMN_ROW,
	JSON_COLUMN_CAST,			/* a type of an extension with a cast to json */
	JSON_COLUMN_TEXT,			/* text, varchar: the string itself, escaped */
	JSON_COLUMN_UUID,			/* uuid: its 36 characters, none to escape */
	JSON_COLUMN_STRING			/* any other: its text, as a JSON string */
} JsonColumnKind;

typedef struct JsonColumn
{
	bool		dropped;
	JsonColumnKind kind;
	Oid			basetype;		/* for JSON_COLUMN_DATETIME */
	FmgrInfo	func;			/* the output or cast function, if any */
	char	   *key;			/* the name as a JSON string, then ':' */
	int			keylen;
} JsonColumn;

typedef struct JsonRowsState
{
	StringInfoData buf;
	Oid			rowtype;
	int32		rowtypmod;
	TupleDesc	desc;
	JsonColumn *columns;
	Datum	   *values;
	bool	   *nulls;
} JsonRowsState;

PG_FUNCTION_INFO_V1(aido_json_agg_transfn);
PG_FUNCTION_INFO_V1(aido_json_agg_finalfn);

/* json.c's json_categorize_type(), once per column. */
static void
json_column_classify(JsonColumn *col, Oid typid, MemoryContext mcxt)
{
	Oid			base = getBaseType(typid);
	Oid			func = InvalidOid;
	bool		varlena;

	col->basetype = base;
	switch (base)
	{
		case BOOLOID:
			col->kind = JSON_COLUMN_BOOL;
			break;
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
			col->kind = JSON_COLUMN_NUMBER;
			getTypeOutputInfo(base, &func, &varlena);
			break;
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			col->kind = JSON_COLUMN_DATETIME;
			break;
		case JSONOID:
		case JSONBOID:
			col->kind = JSON_COLUMN_JSON;
			getTypeOutputInfo(base, &func, &varlena);
			break;
		case TEXTOID:
		case VARCHAROID:
			col->kind = JSON_COLUMN_TEXT;
			break;
		case UUIDOID:
			col->kind = JSON_COLUMN_UUID;
			break;
		default:
			if (OidIsValid(get_element_type(base)) || base == ANYARRAYOID ||
				base == ANYCOMPATIBLEARRAYOID || base == RECORDARRAYOID)
				col->kind = JSON_COLUMN_ARRAY;
			else if (type_is_rowtype(base))
				col->kind = JSON_COLUMN_ROW;
			else
			{
				Oid			cast = InvalidOid;

				col->kind = JSON_COLUMN_STRING;
				if (base >= FirstNormalObjectId &&
					find_coercion_pathway(JSONOID, base, COERCION_EXPLICIT,
										  &cast) == COERCION_PATH_FUNC &&
					OidIsValid(cast))
				{
					col->kind = JSON_COLUMN_CAST;
					func = cast;
				}
				else
					getTypeOutputInfo(base, &func, &varlena);
			}
			break;
	}
	if (OidIsValid(func))
		fmgr_info_cxt(func, &col->func, mcxt);
}

/* The columns of a row type, classified, in the aggregate's memory. */
static void
json_rows_describe(JsonRowsState *state, Oid rowtype, int32 rowtypmod,
				   MemoryContext mcxt)
{
	TupleDesc	desc = lookup_rowtype_tupdesc(rowtype, rowtypmod);
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	int			i;

	state->rowtype = rowtype;
	state->rowtypmod = rowtypmod;
	state->desc = CreateTupleDescCopy(desc);
	state->columns = palloc0(sizeof(JsonColumn) * desc->natts);
	state->values = palloc(sizeof(Datum) * desc->natts);
	state->nulls = palloc(sizeof(bool) * desc->natts);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		JsonColumn *col = &state->columns[i];
		StringInfoData key;

		col->dropped = att->attisdropped;
		if (col->dropped)
			continue;
		initStringInfo(&key);
		escape_json(&key, NameStr(att->attname));
		appendStringInfoChar(&key, ':');
		col->key = key.data;
		col->keylen = key.len;
		json_column_classify(col, att->atttypid, mcxt);
	}
	MemoryContextSwitchTo(old);
	ReleaseTupleDesc(desc);
}

/*
 * escape_json()'s output, but escape_json() appends one character at a
 * time, and most of a page's text (titles, descriptions) has nothing to
 * escape: runs without a character to escape are copied whole.
 */
static void
json_string_write(StringInfo buf, const char *s, int len)
{
	const char *end = s + len;
	const char *run = s;
	const char *p;

	appendStringInfoCharMacro(buf, '"');
	for (p = s; p < end; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c >= ' ' && c != '"' && c != '\\')
			continue;
		appendBinaryStringInfo(buf, run, p - run);
		run = p + 1;
		switch (c)
		{
			case '\b':
				appendBinaryStringInfo(buf, "\\b", 2);
				break;
			case '\f':
				appendBinaryStringInfo(buf, "\\f", 2);
				break;
			case '\n':
				appendBinaryStringInfo(buf, "\\n", 2);
				break;
			case '\r':
				appendBinaryStringInfo(buf, "\\r", 2);
				break;
			case '\t':
				appendBinaryStringInfo(buf, "\\t", 2);
				break;
			case '"':
				appendBinaryStringInfo(buf, "\\\"", 2);
				break;
			case '\\':
				appendBinaryStringInfo(buf, "\\\\", 2);
				break;
			default:
				appendStringInfo(buf, "\\u%04x", (int) c);
				break;
		}
	}
	appendBinaryStringInfo(buf, run, p - run);
	appendStringInfoCharMacro(buf, '"');
}

/* A uuid as uuid_out() writes it (8-4-4-4-12 lower-case hex), quoted. */
static void
json_uuid_write(StringInfo buf, const pg_uuid_t *uuid)
{
	static const char hex[] = "0123456789abcdef";
	char	   *out;
	int			i;

	enlargeStringInfo(buf, 38);
	out = buf->data + buf->len;
	*out++ = '"';
	for (i = 0; i < UUID_LEN; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*out++ = '-';
		*out++ = hex[uuid->data[i] >> 4];
		*out++ = hex[uuid->data[i] & 0x0f];
	}
	*out++ = '"';
	buf->len += 38;
	buf->data[buf->len] = '\0';
}

/* One value, as json.c's datum_to_json() writes a value that is no key. */
static void
json_value_write(StringInfo buf, JsonColumn *col, Datum value)
{
	char	   *out;

	switch (col->kind)
	{
		case JSON_COLUMN_BOOL:
			if (DatumGetBool(value))
				appendBinaryStringInfo(buf, "true", 4);
			else
				appendBinaryStringInfo(buf, "false", 5);
			return;
		case JSON_COLUMN_TEXT:
			{
				text	   *t = DatumGetTextPP(value);

				json_string_write(buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
				return;
			}
		case JSON_COLUMN_UUID:
			json_uuid_write(buf, DatumGetUUIDP(value));
			return;
		case JSON_COLUMN_DATETIME:
			{
				char		iso[MAXDATELEN + 1];

				JsonEncodeDateTime(iso, value, col->basetype, NULL);
				appendStringInfoCharMacro(buf, '"');
				appendStringInfoString(buf, iso);
				appendStringInfoCharMacro(buf, '"');
				return;
			}
		case JSON_COLUMN_ARRAY:
			out = TextDatumGetCString(DirectFunctionCall1(array_to_json, value));
			appendStringInfoString(buf, out);
			break;
		case JSON_COLUMN_ROW:
			out = TextDatumGetCString(DirectFunctionCall1(row_to_json, value));
			appendStringInfoString(buf, out);
			break;
		case JSON_COLUMN_CAST:
			out = TextDatumGetCString(FunctionCall1(&col->func, value));
			appendStringInfoString(buf, out);
			break;
		case JSON_COLUMN_NUMBER:
			out = OutputFunctionCall(&col->func, value);
			if (IsValidJsonNumber(out, strlen(out)))
				appendStringInfoString(buf, out);
			else
				json_string_write(buf, out, strlen(out));
			break;
		case JSON_COLUMN_JSON:
			out = OutputFunctionCall(&col->func, value);
			appendStringInfoString(buf, out);
			break;
		case JSON_COLUMN_STRING:
		default:
			out = OutputFunctionCall(&col->func, value);
			json_string_write(buf, out, strlen(out));
			break;
	}
	pfree(out);
}

/* One row as an object: composite_to_json() without line feeds. */
static void
json_row_write(JsonRowsState *state, HeapTupleHeader row)
{
	HeapTupleData tuple;
	bool		first = true;
	int			i;

	tuple.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = row;
	heap_deform_tuple(&tuple, state->desc, state->values, state->nulls);

	appendStringInfoCharMacro(&state->buf, '{');
	for (i = 0; i < state->desc->natts; i++)
	{
		JsonColumn *col = &state->columns[i];

		if (col->dropped)
			continue;
		if (!first)
			appendStringInfoCharMacro(&state->buf, ',');
		first = false;
		appendBinaryStringInfo(&state->buf, col->key, col->keylen);
		if (state->nulls[i])
			appendBinaryStringInfo(&state->buf, "null", 4);
		else
			json_value_write(&state->buf, col, state->values[i]);
	}
	appendStringInfoCharMacro(&state->buf, '}');
}

/*
 * _aido_json_agg(anyelement) transition: json_agg_transfn()'s output for
 * rows ("[", then ", " and, before every row but the first, "\n ").
 */
Datum
aido_json_agg_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	JsonRowsState *state;
	HeapTupleHeader row;
	Oid			argtype;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "aido_json_agg_transfn called in non-aggregate context");

	if (PG_ARGISNULL(0))
	{
		MemoryContext old;

		argtype = get_fn_expr_argtype(fcinfo->flinfo, 1);
		if (!OidIsValid(argtype) || !type_is_rowtype(argtype))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("_aido_json_agg aggregates rows, not %s",
							format_type_be(argtype))));
		old = MemoryContextSwitchTo(aggcxt);
		state = palloc0(sizeof(JsonRowsState));
		state->rowtype = InvalidOid;
		initStringInfo(&state->buf);
		appendStringInfoChar(&state->buf, '[');
		MemoryContextSwitchTo(old);
	}
	else
	{
		state = (JsonRowsState *) PG_GETARG_POINTER(0);
		appendStringInfoString(&state->buf, ", ");
	}

	if (PG_ARGISNULL(1))
	{
		appendStringInfoString(&state->buf, "null");
		PG_RETURN_POINTER(state);
	}
	if (state->buf.len > 1 && !PG_ARGISNULL(0))
		appendStringInfoString(&state->buf, "\n ");

	row = PG_GETARG_HEAPTUPLEHEADER(1);
	if (state->rowtype != HeapTupleHeaderGetTypeId(row) ||
		state->rowtypmod != HeapTupleHeaderGetTypMod(row))
		json_rows_describe(state, HeapTupleHeaderGetTypeId(row),
						   HeapTupleHeaderGetTypMod(row), aggcxt);
	json_row_write(state, row);
	PG_RETURN_POINTER(state);
}

/*
 * _aido_json_agg(anyelement) final: the array, or NULL for no rows.  The
 * state is left as it was (a final function may be called again on it).
 */
Datum
aido_json_agg_finalfn(PG_FUNCTION_ARGS)
{
	JsonRowsState *state;
	text	   *result;

	Assert(AggCheckCallContext(fcinfo, NULL));
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = (JsonRowsState *) PG_GETARG_POINTER(0);
	result = palloc(VARHDRSZ + state->buf.len + 1);
	SET_VARSIZE(result, VARHDRSZ + state->buf.len + 1);
	memcpy(VARDATA(result), state->buf.data, state->buf.len);
	VARDATA(result)[state->buf.len] = ']';
	PG_RETURN_TEXT_P(result);
}
