// The official MCP TypeScript SDK's client (Streamable HTTP) against a
// running gateway: test/gateway/96_mcp_sdk.t starts it and reads this
// script's findings, one JSON object a line: {ok, name, diag?}.
//
//	AIDO_URL	the gateway, e.g. http://127.0.0.1:8000
//	AIDO_TOKEN_A	a user's token; AIDO_USER_A its user id
//	AIDO_TOKEN_B	another user's token
//	AIDO_TOKEN_OLD	an expired token of user A
//
// Tokens come in the environment, never on the command line, and are never
// printed.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from
    '@modelcontextprotocol/sdk/client/streamableHttp.js';

const base = process.env.AIDO_URL;
const env = (k) => {
	if (!process.env[k])
		throw new Error(`${k} is not set`);
	return process.env[k];
};
const tokenA = env('AIDO_TOKEN_A'), tokenB = env('AIDO_TOKEN_B');
const userA = env('AIDO_USER_A'), tokenOld = env('AIDO_TOKEN_OLD');
const TOOLS = ['add_task', 'complete_task', 'delete_task', 'get_task',
    'list_tasks', 'update_task'];

function report(ok, name, diag) {
	process.stdout.write(JSON.stringify({ ok: !!ok, name,
	    diag: ok ? undefined : diag }) + '\n');
}

async function connect(token) {
	const headers = token ? { Authorization: `Bearer ${token}` } : {};
	const client = new Client({ name: 'aido-test', version: '1.0.0' });
	const transport = new StreamableHTTPClientTransport(
	    new URL('/mcp', base), { requestInit: { headers } });
	await client.connect(transport);
	return client;
}

// GET /api/tasks/{id} as user A: {status, task}.
async function rest(id) {
	const r = await fetch(new URL(`/api/tasks/${id}`, base),
	    { headers: { Authorization: `Bearer ${tokenA}` } });
	return { status: r.status, task: r.status === 200 ? await r.json() : null };
}

// A tool error: isError with a text block, nothing structured.
function toolError(r, pattern) {
	return r.isError === true && r.structuredContent === undefined &&
	    r.content?.[0]?.type === 'text' && pattern.test(r.content[0].text);
}

// The text block holds the same JSON as structuredContent.
function sameText(r) {
	try {
		return JSON.stringify(JSON.parse(r.content[0].text)) ===
		    JSON.stringify(r.structuredContent);
	} catch {
		return false;
	}
}

async function ownerTests(a) {
	const { tools } = await a.listTools();
	const names = tools.map((t) => t.name).sort();
	report(JSON.stringify(names) === JSON.stringify(TOOLS),
	    'tools/list names the six tools', names);
	report(tools.every((t) => t.description?.length > 40 &&
	    t.inputSchema?.type === 'object' && t.outputSchema?.type === 'object'),
	    'each has a description, an inputSchema and an outputSchema');

	// The SDK checks structuredContent against the outputSchema itself.
	let r = await a.callTool({ name: 'add_task', arguments: {
	    title: 'Buy groceries', description: 'Milk, eggs, bread',
	    priority: 'high', tags: ['Shop'] } });
	const id = r.structuredContent?.task_id;
	report(!r.isError && r.structuredContent?.status === 'created' &&
	    r.structuredContent?.title === 'Buy groceries' && sameText(r),
	    'add_task answers {task_id, status: created, title}', r);
	let seen = await rest(id);
	report(seen.status === 200 && seen.task.priority === 'high' &&
	    seen.task.tags[0] === 'shop' && seen.task.description ===
	    'Milk, eggs, bread', 'the task is there through REST, with ' +
	    'aido\'s optional fields', seen);

	r = await a.callTool({ name: 'add_task', arguments: { user_id: userA,
	    title: 'Call mom' } });
	report(!r.isError && r.structuredContent?.title === 'Call mom',
	    'add_task takes the caller\'s own user_id', r);

	r = await a.callTool({ name: 'list_tasks', arguments: {
	    status: 'pending', search: 'grocer' } });
	const listed = r.structuredContent?.items ?? [];
	report(!r.isError && listed.length === 1 && listed[0].id === id &&
	    listed[0].completed === false && sameText(r),
	    'list_tasks finds it by status and search', r);

	r = await a.callTool({ name: 'update_task', arguments: { task_id: id,
	    title: 'Buy groceries and fruits' } });
	seen = await rest(id);
	report(r.structuredContent?.status === 'updated' &&
	    seen.task?.title === 'Buy groceries and fruits',
	    'update_task renames it (seen through REST)', { r, seen });

	r = await a.callTool({ name: 'complete_task', arguments: {
	    task_id: id } });
	seen = await rest(id);
	report(r.structuredContent?.status === 'completed' &&
	    seen.task?.completed === true,
	    'complete_task completes it (seen through REST)', { r, seen });

	r = await a.callTool({ name: 'get_task', arguments: { task_id: id } });
	report(r.structuredContent?.id === id &&
	    r.structuredContent?.completed === true, 'get_task gives it whole',
	    r);

	r = await a.callTool({ name: 'add_task', arguments: { title: '' } });
	report(toolError(r, /title must not be blank/),
	    'a blank title is a tool error naming the field', r);

	return id;
}

async function strangerTests(b, id) {
	let r = await b.callTool({ name: 'list_tasks', arguments: {} });
	report(!r.isError && !(r.structuredContent?.items ?? []).some(
	    (t) => t.id === id), 'user B does not see user A\'s tasks', r);

	for (const [tool, args] of [
	    ['update_task', { task_id: id, title: 'pwned' }],
	    ['complete_task', { task_id: id }],
	    ['get_task', { task_id: id }],
	    ['delete_task', { task_id: id }]]) {
		r = await b.callTool({ name: tool, arguments: args });
		report(toolError(r, /not found/),
		    `user B's ${tool} of A's task: not found`, r);
		r = await b.callTool({ name: tool, arguments: { ...args,
		    user_id: userA } });
		report(toolError(r, /user_id is not the signed-in user/),
		    `user B's ${tool} with A's user_id: refused`, r);
	}
	r = await b.callTool({ name: 'add_task', arguments: { user_id: userA,
	    title: 'planted' } });
	report(toolError(r, /user_id/), 'user B cannot add a task as A', r);

	const seen = await rest(id);
	report(seen.status === 200 && seen.task.title ===
	    'Buy groceries and fruits' && seen.task.completed === true,
	    'A\'s task is as A left it', seen);
}

async function refused(name, f) {
	try {
		await f();
		report(false, name, 'no error');
	} catch (e) {
		report(/401|nauthorized/.test(String(e)), name, String(e));
	}
}

async function main() {
	const a = await connect(tokenA);
	const id = await ownerTests(a);
	const b = await connect(tokenB);
	await strangerTests(b, id);

	let r = await a.callTool({ name: 'delete_task', arguments: {
	    task_id: id } });
	const seen = await rest(id);
	report(r.structuredContent?.status === 'deleted' &&
	    r.structuredContent?.title === 'Buy groceries and fruits' &&
	    seen.status === 404, 'delete_task deletes it (REST: 404)',
	    { r, seen });

	await refused('an expired token is refused (401)', () =>
	    connect(tokenOld));
	const anon = await connect(null);
	await refused('without a token, tools/call is refused (401)', () =>
	    anon.callTool({ name: 'list_tasks', arguments: {} }));
	const { tools } = await anon.listTools();
	report(tools.length === TOOLS.length,
	    'without a token, tools/list still answers');

	await Promise.all([a.close(), b.close(), anon.close()]);
}

main().catch((e) => {
	report(false, 'the client ran to the end', String(e?.stack ?? e));
	process.exitCode = 1;
});
