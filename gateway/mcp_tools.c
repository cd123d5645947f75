/*
 * The assistant's tools (API.md §3.3): their definitions as tools/list
 * gives them, written for a language model choosing between them, and
 * the translation of a tools/call into one aido_mcp_call and of its answer
 * into a CallToolResult.  The database does the work and builds the
 * structured result; nothing here knows a rule about tasks.
 *
 * The chatbot specification's tools take a user_id; here it is optional,
 * and when given it must name the user of the token (the database checks).
 *
 * When the gateway is started with AIDO_MCP_CONFORMANCE=1 (for the
 * official conformance suite only, test/mcp/), the suite's fixture tools
 * are listed too: fixed answers, no database.
 */

#include <stdlib.h>
#include <string.h>

#include "gateway.h"

#define MCP_USER_ID							\
	"\"user_id\":{\"type\":\"string\",\"description\":\"Optional. "	\
	"The id of the signed-in user. The tools always act for the user "	\
	"of the access token, so leave it out; if given, it must be that "	\
	"user's id, or the call fails and changes nothing.\"}"

#define MCP_TASK_ID							\
	"\"task_id\":{\"type\":\"string\",\"description\":\"The id of the "	\
	"task, exactly as list_tasks or add_task returned it (a UUID).\"}"

#define MCP_EDITS							\
	"\"description\":{\"type\":[\"string\",\"null\"],\"maxLength\":1000,"	\
	"\"description\":\"Longer notes, at most 1000 characters.\"},"	\
	"\"priority\":{\"type\":\"string\",\"enum\":[\"low\",\"medium\","	\
	"\"high\"],\"description\":\"How important the task is (default "	\
	"medium).\"},"							\
	"\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"	\
	"\"maxItems\":20,\"description\":\"Labels such as work or home; "	\
	"lowercased, duplicates dropped.\"},"				\
	"\"due_date\":{\"type\":[\"string\",\"null\"],\"description\":"	\
	"\"When the task is due: an RFC 3339 date-time with an offset, "	\
	"e.g. 2026-05-01T17:00:00Z.\"},"					\
	"\"remind_at\":{\"type\":[\"string\",\"null\"],\"description\":"	\
	"\"When to remind the user (a reminder event fires once): an RFC "	\
	"3339 date-time with an offset.\"},"					\
	"\"recurring\":{\"type\":\"boolean\",\"description\":\"True for a "	\
	"task that comes back: completing it creates the next one.\"},"	\
	"\"recurring_pattern\":{\"type\":[\"string\",\"null\"],\"enum\":"	\
	"[\"daily\",\"weekly\",\"monthly\",null],\"description\":\"How often "	\
	"a recurring task comes back; required when recurring is true.\"}"

#define MCP_RESULT(st)							\
	"{\"type\":\"object\",\"properties\":{\"task_id\":{\"type\":"	\
	"\"string\"},\"status\":{\"type\":\"string\",\"const\":\"" st "\"},"	\
	"\"title\":{\"type\":\"string\"}},\"required\":[\"task_id\","	\
	"\"status\",\"title\"]}"

/* A task as the REST API shows it (API.md §3). */
#define MCP_TASK							\
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},"	\
	"\"user_id\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"	\
	"\"description\":{\"type\":[\"string\",\"null\"]},\"completed\":"	\
	"{\"type\":\"boolean\"},\"completed_at\":{\"type\":[\"string\","	\
	"\"null\"]},\"priority\":{\"type\":\"string\"},\"tags\":{\"type\":"	\
	"\"array\",\"items\":{\"type\":\"string\"}},\"due_date\":{\"type\":"	\
	"[\"string\",\"null\"]},\"remind_at\":{\"type\":[\"string\","	\
	"\"null\"]},\"reminded_at\":{\"type\":[\"string\",\"null\"]},"	\
	"\"recurring\":{\"type\":\"boolean\"},"				\
	"\"recurring_pattern\":{\"type\":[\"string\",\"null\"]},"		\
	"\"next_occurrence_id\":{\"type\":[\"string\",\"null\"]},"		\
	"\"created_at\":{\"type\":\"string\"},\"updated_at\":{\"type\":"	\
	"\"string\"}},\"required\":[\"id\",\"title\",\"completed\"]}"

struct mcp_tool {
	const char	*name;
	const char	*def;		/* the rest of its definition */
	const char	*fixture;	/* conformance only: its result */
};

static const struct mcp_tool	mcp_tools[] = {
	{ "add_task",
	    "\"title\":\"Add a task\","
	    "\"description\":\"Create a new task on the user's todo list. Use it "
	    "when the user asks to add, create or remember something. Returns "
	    "the new task's task_id, status \\\"created\\\" and its title.\","
	    "\"inputSchema\":{\"type\":\"object\",\"properties\":{" MCP_USER_ID
	    ",\"title\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,"
	    "\"description\":\"What is to be done, at most 200 characters.\"},"
	    MCP_EDITS "},\"required\":[\"title\"],"
	    "\"additionalProperties\":false},"
	    "\"outputSchema\":" MCP_RESULT("created") ","
	    "\"annotations\":{\"readOnlyHint\":false,\"destructiveHint\":false,"
	    "\"idempotentHint\":false,\"openWorldHint\":false}", NULL },

	{ "list_tasks",
	    "\"title\":\"List tasks\","
	    "\"description\":\"List the user's tasks, newest first unless "
	    "sorted otherwise. Use it when the user asks to see, show or list "
	    "tasks, and before complete_task, update_task or delete_task to "
	    "find the task_id of a task the user names (e.g. 'delete the "
	    "meeting task': search for meeting first). Returns items, the "
	    "tasks (id, title, completed, description, priority, tags, "
	    "due_date, created_at ...), and next_cursor, which is not null "
	    "when there are more: pass it as cursor to get the next page.\","
	    "\"inputSchema\":{\"type\":\"object\",\"properties\":{" MCP_USER_ID
	    ",\"status\":{\"type\":\"string\",\"enum\":[\"all\",\"pending\","
	    "\"completed\"],\"description\":\"pending: not done yet; completed: "
	    "done; all (default).\"},"
	    "\"priority\":{\"type\":\"string\",\"enum\":[\"low\",\"medium\","
	    "\"high\"],\"description\":\"Only tasks of this priority.\"},"
	    "\"tag\":{\"type\":\"string\",\"description\":\"Only tasks with "
	    "this tag.\"},"
	    "\"search\":{\"type\":\"string\",\"maxLength\":200,\"description\":"
	    "\"Only tasks whose title or description contains this text "
	    "(case-insensitive).\"},"
	    "\"due_before\":{\"type\":\"string\",\"description\":\"Only tasks "
	    "due before this RFC 3339 date-time.\"},"
	    "\"due_after\":{\"type\":\"string\",\"description\":\"Only tasks "
	    "due after this RFC 3339 date-time.\"},"
	    "\"sort\":{\"type\":\"string\",\"enum\":[\"created_at\","
	    "\"-created_at\",\"due_date\",\"-due_date\",\"priority\","
	    "\"-priority\",\"title\",\"-title\"],\"description\":\"Order; a "
	    "leading - reverses it (default -created_at, newest first).\"},"
	    "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,"
	    "\"description\":\"At most this many tasks (default 50).\"},"
	    "\"cursor\":{\"type\":\"string\",\"description\":\"next_cursor of "
	    "the previous page, with the same filters and sort.\"}},"
	    "\"additionalProperties\":false},"
	    "\"outputSchema\":{\"type\":\"object\",\"properties\":{\"items\":"
	    "{\"type\":\"array\",\"items\":" MCP_TASK "},\"next_cursor\":"
	    "{\"type\":[\"string\",\"null\"]}},\"required\":[\"items\","
	    "\"next_cursor\"]},"
	    "\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":false}",
	    NULL },

	{ "get_task",
	    "\"title\":\"Get a task\","
	    "\"description\":\"Everything about one task: title, description, "
	    "completed and when, priority, tags, due date, recurrence, and "
	    "the next occurrence of a recurring task. Use it when the user "
	    "asks about the details of a task whose task_id you know.\","
	    "\"inputSchema\":{\"type\":\"object\",\"properties\":{" MCP_USER_ID
	    "," MCP_TASK_ID "},\"required\":[\"task_id\"],"
	    "\"additionalProperties\":false},"
	    "\"outputSchema\":" MCP_TASK ","
	    "\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":false}",
	    NULL },

	{ "complete_task",
	    "\"title\":\"Complete a task\","
	    "\"description\":\"Mark a task as done. Use it when the user says "
	    "a task is done, complete or finished; find its task_id with "
	    "list_tasks first. Completing a recurring task creates its next "
	    "occurrence. Returns task_id, status \\\"completed\\\" and the "
	    "title.\","
	    "\"inputSchema\":{\"type\":\"object\",\"properties\":{" MCP_USER_ID
	    "," MCP_TASK_ID "},\"required\":[\"task_id\"],"
	    "\"additionalProperties\":false},"
	    "\"outputSchema\":" MCP_RESULT("completed") ","
	    "\"annotations\":{\"readOnlyHint\":false,\"destructiveHint\":false,"
	    "\"idempotentHint\":true,\"openWorldHint\":false}", NULL },

	{ "delete_task",
	    "\"title\":\"Delete a task\","
	    "\"description\":\"Remove a task for good. Use it when the user "
	    "asks to delete, remove or cancel a task; find its task_id with "
	    "list_tasks first, and when several tasks could be meant, ask "
	    "which. Returns task_id, status \\\"deleted\\\" and the title it "
	    "had.\","
	    "\"inputSchema\":{\"type\":\"object\",\"properties\":{" MCP_USER_ID
	    "," MCP_TASK_ID "},\"required\":[\"task_id\"],"
	    "\"additionalProperties\":false},"
	    "\"outputSchema\":" MCP_RESULT("deleted") ","
	    "\"annotations\":{\"readOnlyHint\":false,\"destructiveHint\":true,"
	    "\"idempotentHint\":false,\"openWorldHint\":false}", NULL },

	{ "update_task",
	    "\"title\":\"Update a task\","
	    "\"description\":\"Change a task: its title, description, "
	    "priority, tags, due date, recurrence, or completed (false to "
	    "reopen it). Only the fields given change; null clears a "
	    "description or due date. Use it when the user asks to change, "
	    "update or rename a task; find its task_id with list_tasks first. "
	    "Returns task_id, status \\\"updated\\\" and the title.\","
	    "\"inputSchema\":{\"type\":\"object\",\"properties\":{" MCP_USER_ID
	    "," MCP_TASK_ID ",\"title\":{\"type\":\"string\",\"minLength\":1,"
	    "\"maxLength\":200,\"description\":\"The new title.\"},"
	    "\"completed\":{\"type\":\"boolean\",\"description\":\"true: done; "
	    "false: not done.\"}," MCP_EDITS "},\"required\":[\"task_id\"],"
	    "\"additionalProperties\":false},"
	    "\"outputSchema\":" MCP_RESULT("updated") ","
	    "\"annotations\":{\"readOnlyHint\":false,\"destructiveHint\":false,"
	    "\"idempotentHint\":true,\"openWorldHint\":false}", NULL },

	{ NULL, NULL, NULL }
};

/*
 * The conformance suite's fixture tools (its src/scenarios/server/
 * tools.ts and json-schema-2020-12.ts): listed and answered only when the
 * gateway runs for that suite.
 */
#define MCP_PNG		"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUl" \
			"EQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
#define MCP_WAV		"UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZG" \
			"F0YQAAAAA="
#define MCP_NOARGS	"\"inputSchema\":{\"type\":\"object\"," \
			"\"properties\":{}}"

static const struct mcp_tool	mcp_fixtures[] = {
	{ "test_simple_text",
	    "\"description\":\"Returns a simple text.\"," MCP_NOARGS,
	    "{\"content\":[{\"type\":\"text\",\"text\":\"This is a simple "
	    "text response for testing.\"}]}" },
	{ "test_image_content",
	    "\"description\":\"Returns an image.\"," MCP_NOARGS,
	    "{\"content\":[{\"type\":\"image\",\"data\":\"" MCP_PNG "\","
	    "\"mimeType\":\"image/png\"}]}" },
	{ "test_audio_content",
	    "\"description\":\"Returns a sound.\"," MCP_NOARGS,
	    "{\"content\":[{\"type\":\"audio\",\"data\":\"" MCP_WAV "\","
	    "\"mimeType\":\"audio/wav\"}]}" },
	{ "test_embedded_resource",
	    "\"description\":\"Returns an embedded resource.\"," MCP_NOARGS,
	    "{\"content\":[{\"type\":\"resource\",\"resource\":{\"uri\":"
	    "\"test://embedded-resource\",\"mimeType\":\"text/plain\","
	    "\"text\":\"This is an embedded resource content.\"}}]}" },
	{ "test_multiple_content_types",
	    "\"description\":\"Returns text, an image and a resource.\","
	    MCP_NOARGS,
	    "{\"content\":[{\"type\":\"text\",\"text\":\"Multiple content "
	    "types test:\"},{\"type\":\"image\",\"data\":\"" MCP_PNG "\","
	    "\"mimeType\":\"image/png\"},{\"type\":\"resource\",\"resource\":"
	    "{\"uri\":\"test://mixed-content-resource\",\"mimeType\":"
	    "\"application/json\",\"text\":\"{\\\"test\\\":\\\"data\\\","
	    "\\\"value\\\":123}\"}}]}" },
	{ "test_error_handling",
	    "\"description\":\"Always fails.\"," MCP_NOARGS,
	    "{\"isError\":true,\"content\":[{\"type\":\"text\",\"text\":"
	    "\"This tool intentionally returns an error for testing\"}]}" },
	{ "json_schema_2020_12_tool",
	    "\"description\":\"A tool whose input schema uses JSON Schema "
	    "2020-12 keywords.\",\"inputSchema\":{\"$schema\":"
	    "\"https://json-schema.org/draft/2020-12/schema\",\"type\":"
	    "\"object\",\"$defs\":{\"address\":{\"$anchor\":\"addressDef\","
	    "\"type\":\"object\",\"properties\":{\"street\":{\"type\":"
	    "\"string\"},\"city\":{\"type\":\"string\"}}}},\"properties\":"
	    "{\"name\":{\"type\":\"string\"},\"address\":{\"$ref\":"
	    "\"#/$defs/address\"},\"contactMethod\":{\"type\":\"string\","
	    "\"enum\":[\"phone\",\"email\"]},\"phone\":{\"type\":\"string\"},"
	    "\"email\":{\"type\":\"string\"}},\"allOf\":[{\"anyOf\":"
	    "[{\"required\":[\"phone\"]},{\"required\":[\"email\"]}]}],"
	    "\"if\":{\"properties\":{\"contactMethod\":{\"const\":"
	    "\"phone\"}},\"required\":[\"contactMethod\"]},\"then\":"
	    "{\"required\":[\"phone\"]},\"else\":{\"required\":"
	    "[\"email\"]},\"additionalProperties\":false}",
	    "{\"content\":[{\"type\":\"text\",\"text\":\"ok\"}]}" },
	{ NULL, NULL, NULL }
};

static json_t	*mcp_list;		/* the tools, parsed once */
static int	 mcp_conformance;

static void	mcp_tools_add(const struct mcp_tool *);

/*
 * In each worker: the definitions as JSON, once (a broken one is a bug,
 * found by the first test).
 */
void
gw_mcp_tools_init(void)
{
	const char	*v;

	v = getenv("AIDO_MCP_CONFORMANCE");
	mcp_conformance = v != NULL && !strcmp(v, "1");

	/*
	 * The suite calls the first tool listed without a token: there, a
	 * fixture comes first.
	 */
	mcp_list = json_array();
	if (mcp_conformance)
		mcp_tools_add(mcp_fixtures);
	mcp_tools_add(mcp_tools);
}

static void
mcp_tools_add(const struct mcp_tool *t)
{
	json_t		*def;
	json_error_t	 jerr;
	char		 buf[8192];

	for (; t->name != NULL; t++) {
		(void)snprintf(buf, sizeof(buf), "{\"name\":\"%s\",%s}",
		    t->name, t->def);
		if ((def = json_loads(buf, 0, &jerr)) == NULL)
			fatalx("tool %s: %s", t->name, jerr.text);
		(void)json_array_append_new(mcp_list, def);
	}
}

/* The tools, as tools/list gives them (a new reference). */
json_t *
gw_mcp_tools_list(void)
{
	return (json_incref(mcp_list));
}

/*
 * What a tools/call of name is: GW_MCP_TOOL (one aido_mcp_call),
 * GW_MCP_FIXTURE (its fixed result in *fixture), or GW_MCP_NONE.
 */
int
gw_mcp_tools_find(const char *name, const char **fixture)
{
	const struct mcp_tool	*t;

	for (t = mcp_tools; t->name != NULL; t++) {
		if (!strcmp(t->name, name))
			return (GW_MCP_TOOL);
	}

	if (!mcp_conformance)
		return (GW_MCP_NONE);

	for (t = mcp_fixtures; t->name != NULL; t++) {
		if (!strcmp(t->name, name)) {
			*fixture = t->fixture;
			return (GW_MCP_FIXTURE);
		}
	}

	return (GW_MCP_NONE);
}
