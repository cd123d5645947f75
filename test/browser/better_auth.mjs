// API.md §3.2 in a real browser: a page of a "frontend" origin fetches a
// Better Auth style EdDSA JWT from its own /api/auth/token, then lists,
// creates, toggles and deletes tasks on the gateway at another origin
// through the compatibility routes, with Authorization: Bearer, so that
// chromium makes real CORS preflights.
//
// Run by test/gateway/92_better_auth_browser.t, which starts the frontend
// server and the gateway:
//   AIDO_FRONTEND_URL=http://127.0.0.1:P AIDO_BASE_URL=http://127.0.0.1:Q \
//     node test/browser/better_auth.mjs
// Prints TAP lines ("ok N - ...", "not ok N - ...", "# ...") and END.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(ROOT, 'package.json'));
const { chromium } = require('playwright-core');

const BASE = process.env.AIDO_BASE_URL;
const FRONT = process.env.AIDO_FRONTEND_URL;
const CHROMIUM = process.env.AIDO_CHROMIUM || '/usr/bin/chromium';

if (!BASE || !FRONT) {
  console.log('Bail out! AIDO_BASE_URL or AIDO_FRONTEND_URL is not set');
  process.exit(2);
}

let count = 0;
let failed = 0;

function diag(text) {
  for (const line of String(text).split('\n')) console.log(`# ${line}`);
}

function ok(cond, name, why) {
  count++;
  console.log(`${cond ? 'ok' : 'not ok'} ${count} - ${name}`);
  if (!cond) {
    failed++;
    if (why !== undefined) diag(typeof why === 'string' ? why
      : JSON.stringify(why));
  }
  return !!cond;
}

function is(got, want, name) {
  return ok(got === want, name, `got:  ${JSON.stringify(got)}\n` +
    `want: ${JSON.stringify(want)}`);
}

async function run(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ` +
    `${r.method()} ${r.url()} ${r.failure()?.errorText}`));

  await page.goto(`${FRONT}/?gw=${encodeURIComponent(BASE)}`,
    { timeout: 30000 });
  await page.waitForSelector('#result[data-done="1"]', { timeout: 60000 });
  const text = await page.locator('#result').textContent();
  let r;
  try {
    r = JSON.parse(text);
  } catch (e) {
    ok(false, 'the page reported its results as JSON', text);
    return;
  }
  if (r.error) diag(`the page stopped: ${r.error}`);
  const st = r.steps || {};
  const get = (k) => st[k] || {};

  ok(typeof r.token === 'string' && r.token.split('.').length === 3,
    'the page fetched a JWT from its own /api/auth/token', r);
  is(r.sub && r.sub.length, 32, '... whose sub is a 32-character id');
  is(get('list1').status, 200, 'the first list is 200');
  ok(Array.isArray(get('list1').body) && get('list1').body.length === 0,
    '... and empty', get('list1').body);
  is(get('create').status, 201, 'create is 201 (cross-origin, Bearer)');
  is(get('create').body?.user_id, r.sub, '... with user_id == sub');
  is(get('create').body?.completed, false, '... not completed yet');
  is(get('toggle').status, 200, 'PATCH .../complete is 200');
  is(get('toggle').body?.completed, true, '... and the task is completed');
  is(get('list2').status, 200, 'the list after that is 200');
  ok(Array.isArray(get('list2').body) && get('list2').body.length === 1 &&
    get('list2').body[0].id === get('create').body?.id &&
    get('list2').body[0].completed === true,
  '... and shows the completed task', get('list2').body);
  is(get('delete').status, 204, 'delete is 204');
  is(get('list3').status, 200, 'the last list is 200');
  ok(Array.isArray(get('list3').body) && get('list3').body.length === 0,
    '... and empty again', get('list3').body);
  ok(problems.length === 0, 'no CORS refusal, console error or failed ' +
    'request in the page', problems.join('\n'));
  await context.close();
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    '--disable-quic'],
});
ok(true, `chromium ${browser.version()} is driven by playwright-core`);
try {
  await run(browser);
} catch (e) {
  ok(false, 'the page ran to its end', e.stack || String(e));
}
await browser.close();
console.log(`# ${count - failed} passed, ${failed} failed`);
console.log('END');
process.exit(failed ? 1 : 0);
