// Live sync in the web client (API.md §3.4), in a real browser: two
// browser contexts (two devices) signed in as the same user.  A task added
// in one appears in the other without a reload; completing it there shows
// in the first; a reminder set through the form fires and shows in the
// page of the other, and as a notification where notifications are
// allowed.
//
// Run by test/gateway/91_live_browser.t, which starts the gateway:
//   AIDO_BASE_URL=http://127.0.0.1:PORT node test/browser/live.mjs
// Prints TAP lines, which the .t relays, then END.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(ROOT, 'package.json'));
const { chromium } = require('playwright-core');

const BASE = process.env.AIDO_BASE_URL;
const CHROMIUM = process.env.AIDO_CHROMIUM || '/usr/bin/chromium';

if (!BASE) {
  console.log('Bail out! AIDO_BASE_URL is not set');
  process.exit(2);
}

let count = 0;
function ok(cond, name, why) {
  count++;
  console.log(`${cond ? 'ok' : 'not ok'} ${count} - ${name}`);
  if (!cond && why !== undefined) console.log(`# ${why}`);
  return !!cond;
}

async function eventually(fn, ms = 10000) {
  const end = Date.now() + ms;
  let v;
  for (;;) {
    try {
      v = await fn();
    } catch (e) {
      v = undefined;
    }
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function signup() {
  const res = await fetch(`${BASE}/api/auth/signup`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `live-${Date.now()}@example.com`,
      password: 'correct horse battery' }) });
  return (await res.json()).token;
}

// A device: a context of its own, signed in with the token, its
// notifications recorded.
async function device(browser, token) {
  const context = await browser.newContext();
  await context.grantPermissions(['notifications'], { origin: BASE });
  await context.addInitScript((t) => {
    sessionStorage.setItem('aido.token', t);
    window.__notes = [];
    const N = window.Notification;
    if (N) {
      window.Notification = class extends N {
        constructor(title, opts) {
          super(title, opts);
          window.__notes.push((opts && opts.body) || title);
        }
      };
    }
  }, token);
  const page = await context.newPage();
  await page.goto(BASE + '/');
  await page.locator('#app').waitFor({ state: 'visible' });
  return page;
}

const title = (page, t) => page.locator('#task-list .task-title', {
  hasText: t });

// A local datetime-local value s seconds from now.
function localIn(s) {
  const d = new Date(Date.now() + s * 1000);
  const p = (n) => String(n).padStart(2, '0');
  // Chromium shows :00 seconds as HH:MM, and playwright's fill calls a
  // value the input rewrote malformed: leave zero seconds out.
  const sec = d.getSeconds() ? `:${p(d.getSeconds())}` : '';
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T` +
    `${p(d.getHours())}:${p(d.getMinutes())}${sec}`;
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    '--disable-quic'],
});
try {
  const token = await signup();
  const a = await device(browser, token);
  const b = await device(browser, token);
  ok(true, 'two browser contexts are signed in as the same user');

  // Give both streams a moment to be open before the first change.
  await new Promise((r) => setTimeout(r, 1000));
  await a.fill('#task-title', 'Seen on the other device');
  await a.click('#task-submit');
  ok(await eventually(() => title(b, 'Seen on the other device').count()),
    'a task added in one context appears in the other without a reload');

  const item = b.locator('#task-list > li.task', {
    has: b.locator('.task-title', { hasText: 'Seen on the other device' }) });
  await item.locator('.toggle').click();
  ok(await eventually(async () => (await a.locator('#task-list > li.task.done',
    { has: a.locator('.task-title', { hasText: 'Seen on the other device' }) })
    .count()) > 0),
    'completing it there shows it done in the first');

  // A reminder set through the form, a few seconds ahead.
  await a.fill('#task-title', 'Call the plumber');
  await a.fill('#task-remind', localIn(4));
  await a.click('#task-submit');
  ok(await eventually(() => title(a, 'Call the plumber').count()),
    'a task with a reminder is added through the form (remind_at editable)');
  const shown = await eventually(async () => {
    const t = await b.locator('#reminders').textContent();
    return t && t.includes('Call the plumber') ? t : null;
  }, 20000);
  ok(shown, 'when the reminder falls due it shows in the other page',
    `#reminders: ${shown}`);
  const notes = await eventually(async () => {
    const n = await b.evaluate(() => window.__notes);
    return n.length ? n : null;
  }, 5000);
  ok(notes && notes.some((n) => n.includes('Call the plumber')),
    '... and as a notification, notifications being allowed');
} catch (e) {
  ok(false, 'the live journey ran', e.stack);
} finally {
  await browser.close();
}
console.log(`1..${count}`);
console.log('END');
