// A person's whole journey through aido's web client, in a real browser
// (Debian's chromium driven by playwright-core), against a running
// gateway: sign up, add tasks, filter, search, sort, complete a recurring
// task, edit, delete, load more, sign out and in again; a 422 shown at
// its field, a 503 explained, a 401 back to sign-in, a phone-sized
// screen; and /docs rendering every operation of /openapi.json.
//
// Run by test/gateway/90_browser.t, which starts the gateway:
//   AIDO_BASE_URL=http://127.0.0.1:PORT node test/browser/journey.mjs
// Prints TAP lines ("ok N - ...", "not ok N - ...", "# ..."), which the .t
// relays.  A line "PAUSE <what>" asks the .t to do <what> (stop-database,
// start-database) and to answer one line on stdin when it is done; without
// a .t on the other end (AIDO_NO_PAUSE=1), the steps that need it are
// skipped.  Screenshots go to AIDO_SCREENSHOTS (default test/out/screenshots).

import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(ROOT, 'package.json'));
const { chromium } = require('playwright-core');

const BASE = process.env.AIDO_BASE_URL;
const SHOTS = process.env.AIDO_SCREENSHOTS || join(ROOT, 'test', 'out',
  'screenshots');
const CHROMIUM = process.env.AIDO_CHROMIUM || '/usr/bin/chromium';
const PAUSE = process.env.AIDO_NO_PAUSE !== '1';

if (!BASE) {
  console.log('Bail out! AIDO_BASE_URL is not set');
  process.exit(2);
}
mkdirSync(SHOTS, { recursive: true });

// ------------------------------------------------------------------ TAP

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

// Polls fn until it returns a truthy value or the time is up; returns the
// last value.
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

// ------------------------------------------------------------------ the .t

const stdin = PAUSE ? createInterface({ input: process.stdin }) : null;
const stdinLines = stdin ? stdin[Symbol.asyncIterator]() : null;

async function pause(what) {
  console.log(`PAUSE ${what}`);
  const { value, done } = await stdinLines.next();
  if (done || !/^ok\b/.test(value)) {
    throw new Error(`the test harness did not ${what}: ${value}`);
  }
}

// ------------------------------------------------------------------ helpers

async function api(token, method, path, body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(BASE + path, { method, headers,
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
  return { status: res.status, json };
}

// What the person sees: the viewport, messages (which float at its
// bottom) included.
async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

const token = (page) => page.evaluate(() => sessionStorage.getItem('aido.token'));

function taskItem(page, title) {
  return page.locator('#task-list > li.task').filter({
    has: page.locator('.task-title', { hasText: new RegExp(`^${title.replace(
      /[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }),
  });
}

const listTitles = (page) => page.locator('#task-list .task-title')
  .allTextContents();

// Waits until the list shows exactly these titles (in this order when
// ordered is true); returns whether it did.
async function listIs(page, want, ordered = false) {
  const norm = (a) => (ordered ? a : [...a].sort()).join('\n');
  const got = await eventually(async () => {
    const t = await listTitles(page);
    return norm(t) === norm(want) ? t : null;
  }, 8000);
  return got ? true : (await listTitles(page));
}

function listOk(result, name) {
  return ok(result === true, name, result === true ? undefined
    : `the list shows: ${JSON.stringify(result)}`);
}

async function fillTask(page, t) {
  await page.fill('#task-title', t.title);
  await page.fill('#task-description', t.description || '');
  await page.selectOption('#task-priority', t.priority || 'medium');
  await page.fill('#task-due', t.due || '');
  await page.fill('#task-tags', t.tags || '');
  await page.setChecked('#task-recurring', !!t.recurring);
  if (t.recurring) await page.selectOption('#task-pattern', t.recurring);
}

async function alertText(page) {
  return (await page.textContent('#alert')) || '';
}

async function noticeText(page) {
  return (await page.textContent('#notice')) || '';
}

// Problems a person never sees but a page must not have: uncaught script
// errors and anything the Content-Security-Policy refused.
function watch(page, into) {
  page.on('pageerror', (e) => into.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy|Refused to/i
      .test(m.text())) into.push(`CSP: ${m.text()}`);
  });
}

// ------------------------------------------------------------------ journey

const email = `ada.${Date.now()}.${process.pid}@example.com`;
const password = 'correct horse battery';

async function journey(browser) {
  const problems = [];
  // A fixed zone with summer time, so that the due dates prove the
  // browser's offset is sent (RFC 3339) and shown back in local time.
  const context = await browser.newContext({
    viewport: { width: 1200, height: 900 }, locale: 'en-US',
    timezoneId: 'Europe/Paris', colorScheme: 'light',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  watch(page, problems);
  page.on('dialog', (d) => d.accept());

  // --- the page
  const res = await page.goto(`${BASE}/`);
  is(res.status(), 200, 'GET / answers 200');
  await page.waitForSelector('#auth-form', { state: 'visible' });
  is(await page.title(), 'aido — your tasks', 'the page is titled');
  ok(await page.isVisible('#auth-email') &&
    await page.isVisible('#auth-password'),
  'a signed-out visitor sees the sign-in form');
  await shot(page, '01-sign-in');

  const unlabeled = await page.evaluate(() => [...document.querySelectorAll(
    'input, select, textarea')].filter((el) => el.labels.length === 0)
    .map((el) => el.id || el.name));
  ok(unlabeled.length === 0, 'every input, select and textarea has a label',
    unlabeled);
  const fakeButtons = await page.evaluate(() => [...document.querySelectorAll(
    '[onclick], [role="button"], div[tabindex], span[tabindex]')].length);
  is(fakeButtons, 0, 'every control is a real <button> or link');
  ok(await page.locator('[aria-live]').count() >= 2,
    'messages are announced through aria-live regions');

  // --- sign up, by keyboard
  await page.click('#auth-switch');
  await page.waitForSelector('#auth-name', { state: 'visible' });
  await page.focus('#auth-email');
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => {
    const st = getComputedStyle(document.activeElement);
    return `${document.activeElement.id} ${st.outlineStyle} ${st.outlineWidth}`;
  });
  ok(/^auth-password (?!none)\S+ [1-9]/.test(ring),
    'Tab moves to the next field, and the focus is visible', ring);
  await page.keyboard.type('short');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Ada Lovelace');
  await page.keyboard.press('Enter');
  const pwErr = await eventually(() => page.textContent(
    '#auth-password-error'));
  ok(/8/.test(pwErr || ''), 'a 7-character password is refused (422) ' +
    'beside the password field', pwErr);
  is(await page.getAttribute('#auth-password', 'aria-invalid'), 'true',
    '... which is marked invalid');
  is(await page.evaluate(() => document.activeElement.id), 'auth-password',
    '... and focused');

  await page.fill('#auth-password', password);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#app', { state: 'visible' });
  ok(/Ada Lovelace/.test(await page.textContent('#who')),
    'after signing up the header names the person');
  ok(/Welcome/.test(await noticeText(page)), '... and a welcome is announced');
  const tok1 = await token(page);
  ok(tok1 && tok1.split('.').length === 3,
    'the token is kept in sessionStorage');
  ok(await page.evaluate(() => localStorage.length === 0 &&
    document.cookie === ''), '... and nowhere else');
  // The list loads after sign-in: wait for it (on a loaded machine the
  // summary was read before the first page arrived).
  ok(await eventually(async () =>
    /No tasks yet/.test(await page.textContent('#list-summary'))),
    'a new account shows an empty list with a hint');

  // --- three tasks with tags and due dates
  await fillTask(page, { title: 'Write the quarterly report',
    description: 'Numbers for Q1, with charts', priority: 'high',
    tags: 'work, Writing', due: '2030-07-15T09:30' });
  await page.click('#task-submit');
  await page.waitForSelector('#task-list .task-title');
  await fillTask(page, { title: 'Water the plants', priority: 'low',
    tags: 'home', due: '2030-01-10T08:00', recurring: 'weekly' });
  await page.click('#task-submit');
  ok(await eventually(async () => (await listTitles(page)).length === 2),
    'a second task is added');
  // The third entirely by keyboard: type the title, Tab to the tags,
  // Enter submits.
  await page.focus('#task-title');
  await page.keyboard.type('Buy groceries');
  await page.keyboard.press('Tab');
  await page.keyboard.type('milk, eggs');
  await page.focus('#task-tags');
  await page.keyboard.type('home, errands');
  await page.keyboard.press('Enter');
  listOk(await listIs(page, ['Buy groceries', 'Water the plants',
    'Write the quarterly report'], true),
  'three tasks are listed, newest first');
  is(await page.evaluate(() => document.activeElement.id), 'task-title',
    'after adding, the focus is back on the title for the next task');

  const report = taskItem(page, 'Write the quarterly report');
  const reportText = await report.textContent();
  ok(/High priority/.test(reportText) && /#work/.test(reportText) &&
    /#writing/.test(reportText), 'a task shows its priority and its tags ' +
    '(lowercased by the API)', reportText);
  ok(/Due Jul 15, 2030, 9:30\s?AM/.test(reportText),
    'its due date is shown in local time', reportText);
  ok(/Numbers for Q1/.test(reportText), 'and its description');
  const nameless = await page.evaluate(() => [...document.querySelectorAll(
    'button')].filter((b) => b.offsetParent !== null &&
    !(b.getAttribute('aria-label') || b.textContent).trim())
    .map((b) => b.outerHTML.slice(0, 80)));
  ok(nameless.length === 0, 'every visible button has a name a screen ' +
    'reader can say', nameless);
  const plantsText = await taskItem(page, 'Water the plants').textContent();
  ok(/Repeats weekly/.test(plantsText), 'a recurring task says so',
    plantsText);

  const tok = await token(page);
  let r = await api(tok, 'GET', '/api/tasks?sort=title');
  const byTitle = Object.fromEntries((r.json?.items || []).map((t) =>
    [t.title, t]));
  const rep = byTitle['Write the quarterly report'] || {};
  is(rep.due_date && Date.parse(rep.due_date),
    Date.parse('2030-07-15T09:30:00+02:00'),
    'the due date reached the API as the local time with its offset ' +
    '(+02:00 in Paris in July)');
  is(Date.parse(byTitle['Water the plants']?.due_date),
    Date.parse('2030-01-10T08:00:00+01:00'), '... and +01:00 in January');
  is(byTitle['Buy groceries']?.description, 'milk, eggs',
    'the keyboard-typed task has its description');
  is(JSON.stringify(byTitle['Buy groceries']?.tags), '["home","errands"]',
    '... and its tags');
  await shot(page, '02-tasks');

  // --- filter, search, sort, tag
  await page.selectOption('#filter-sort', 'due_date');
  listOk(await listIs(page, ['Water the plants', 'Write the quarterly report',
    'Buy groceries'], true), 'sorted by due date: soonest first, undated last');
  await page.selectOption('#filter-sort', 'title');
  listOk(await listIs(page, ['Buy groceries', 'Water the plants',
    'Write the quarterly report'], true), 'sorted by title');
  await page.fill('#filter-q', 'PLANTS');
  listOk(await listIs(page, ['Water the plants']),
    'searching "PLANTS" finds the one task, whatever the case');
  await page.fill('#filter-q', 'charts');
  listOk(await listIs(page, ['Write the quarterly report']),
    'search looks in descriptions too');
  await page.fill('#filter-q', 'nothing like this');
  await eventually(async () => /No task matches/.test(
    await page.textContent('#list-summary')));
  ok(/No task matches/.test(await page.textContent('#list-summary')),
    'a search that finds nothing says so');
  await page.fill('#filter-q', '');
  listOk(await listIs(page, ['Buy groceries', 'Water the plants',
    'Write the quarterly report'], true), 'clearing the search shows all');
  await taskItem(page, 'Buy groceries').locator('button[data-tag="home"]')
    .click();
  listOk(await listIs(page, ['Buy groceries', 'Water the plants'], true),
    'clicking the tag #home shows the tasks tagged home');
  await page.click('#tag-filter-clear');
  listOk(await listIs(page, ['Buy groceries', 'Water the plants',
    'Write the quarterly report'], true), '... until the tag filter is cleared');

  // --- complete the recurring task, by keyboard
  await taskItem(page, 'Water the plants').locator('.toggle').focus();
  await page.keyboard.press('Enter');
  const doneMsg = await eventually(async () => {
    const t = await noticeText(page);
    return /Next occurrence/.test(t) ? t : null;
  });
  ok(/Next occurrence: due Jan 17, 2030, 8:00\s?AM/.test(doneMsg || ''),
    'completing a weekly task announces its next occurrence, a week later',
    doneMsg || await alertText(page));
  listOk(await listIs(page, ['Buy groceries', 'Water the plants',
    'Water the plants', 'Write the quarterly report'], true),
  'the next occurrence joins the list');
  const plants = taskItem(page, 'Water the plants');
  const done = plants.filter({ has: page.locator('.toggle[aria-pressed="true"]') });
  const nextText = await eventually(async () => {
    const t = await done.locator('.next').textContent();
    return /due/.test(t) ? t : null;
  });
  ok(/Next occurrence: due Jan 17, 2030/.test(nextText || ''),
    'the completed task shows its next occurrence', nextText);
  ok(await plants.filter({ has: page.locator('.toggle[aria-pressed="false"]') })
    .count() === 1, 'and the new occurrence is pending');
  await shot(page, '03-completed-recurring');

  await page.selectOption('#filter-status', 'completed');
  listOk(await listIs(page, ['Water the plants']),
    'the "Completed" filter shows the completed task only');
  await page.selectOption('#filter-status', 'pending');
  listOk(await listIs(page, ['Buy groceries', 'Water the plants',
    'Write the quarterly report'], true), 'the "Pending" filter the others');
  await page.selectOption('#filter-status', 'all');

  // --- edit
  await taskItem(page, 'Buy groceries').locator('[data-action="edit"]').click();
  is(await page.textContent('#editor-title'), 'Edit task',
    'Edit opens the task in the form');
  is(await page.inputValue('#task-tags'), 'home, errands',
    '... with its tags');
  is(await page.evaluate(() => document.activeElement.id), 'task-title',
    '... and the focus on its title');
  await page.fill('#task-title', 'Buy groceries and bread');
  await page.selectOption('#task-priority', 'high');
  await page.fill('#task-tags', 'home, errands, weekend');
  await page.fill('#task-due', '2030-02-01T18:00');
  await page.click('#task-submit');
  listOk(await listIs(page, ['Buy groceries and bread', 'Water the plants',
    'Water the plants', 'Write the quarterly report'], true),
  'the edited title is listed');
  const edited = await taskItem(page, 'Buy groceries and bread').textContent();
  ok(/High priority/.test(edited) && /#weekend/.test(edited) &&
    /Due Feb 1, 2030, 6:00\s?PM/.test(edited),
  'with its new priority, tags and due date', edited);
  is(await page.textContent('#editor-title'), 'New task',
    'the form is back to adding');

  // --- a 422 at the right field
  await page.fill('#task-title', 'x'.repeat(201));
  await page.click('#task-submit');
  const titleErr = await eventually(() => page.textContent('#task-title-error'));
  ok(/200/.test(titleErr || ''), 'a 201-character title: the API\'s 422 ' +
    'message is shown beside the title', titleErr);
  is(await page.getAttribute('#task-title', 'aria-invalid'), 'true',
    '... the title is marked invalid');
  is(await page.evaluate(() => document.activeElement.id), 'task-title',
    '... and focused');
  ok(await page.evaluate(() => document.getElementById('task-title-error')
    .closest('.field') === document.getElementById('task-title')
    .closest('.field')), '... in the same field as the input');
  ok(/correct the field/.test(await alertText(page)),
    '... and the alert region says what to do');
  is(await page.textContent('#task-description-error'), '',
    'no other field is blamed');
  await shot(page, '04-validation');
  await page.fill('#task-title', 'A title of a sensible length');
  await page.click('#task-submit');
  await eventually(async () => (await page.textContent(
    '#task-title-error')) === '');
  is(await page.textContent('#task-title-error'), '',
    'a corrected title clears the error');
  ok(await page.getAttribute('#task-title', 'aria-invalid') === null,
    '... and the invalid mark');

  // --- delete
  await taskItem(page, 'Write the quarterly report')
    .locator('[data-action="delete"]').click();
  listOk(await listIs(page, ['A title of a sensible length',
    'Buy groceries and bread', 'Water the plants', 'Water the plants'], true),
  'Delete (confirmed) removes the task from the list');
  r = await api(tok, 'GET', `/api/tasks/${rep.id}`);
  is(r.status, 404, '... and from the API');

  // --- load more (keyset pages of 20)
  for (let i = 1; i <= 22; i++) {
    await api(tok, 'POST', '/api/tasks', { title: `Bulk task ${String(i)
      .padStart(2, '0')}`, tags: ['bulk'] });
  }
  await page.selectOption('#filter-sort', 'created_at');
  await eventually(async () => (await listTitles(page)).length === 20);
  is((await listTitles(page)).length, 20, 'a long list shows 20 tasks first');
  ok(await page.isVisible('#load-more'), '... and a "Load more" button');
  await page.click('#load-more');
  await eventually(async () => (await listTitles(page)).length === 26);
  const all = await listTitles(page);
  is(all.length, 26, '"Load more" shows the rest');
  is(new Set(await page.locator('#task-list > li').evaluateAll(
    (els) => els.map((e) => e.dataset.id))).size, 26,
  '... with no task twice');
  ok(await page.isHidden('#load-more'), '... and the button goes away');

  // --- sign out, sign in again, find the data
  await page.click('#sign-out');
  await page.waitForSelector('#auth-form', { state: 'visible' });
  ok(await page.isHidden('#app'), 'Sign out returns to the sign-in form');
  is(await token(page), null, '... forgets the token');
  r = await api(tok, 'GET', '/api/tasks');
  is(r.status, 401, '... and the API refuses the old token (revoked)');
  await shot(page, '05-signed-out');

  await page.fill('#auth-email', email);
  await page.fill('#auth-password', 'wrong password!');
  await page.click('#auth-submit');
  ok(await eventually(async () => /wrong/.test(await alertText(page))),
    'a wrong password is refused with a message', await alertText(page));
  ok(await page.isVisible('#auth-form'), '... and the form stays');
  await page.fill('#auth-password', password);
  await page.click('#auth-submit');
  await page.waitForSelector('#app', { state: 'visible' });
  ok(await eventually(async () => (await listTitles(page)).length === 20),
    'signing in again shows the tasks');
  await page.fill('#filter-q', 'bread');
  listOk(await listIs(page, ['Buy groceries and bread']),
    'the edited task is still there after signing in again');
  await page.fill('#filter-q', '');
  await page.selectOption('#filter-status', 'completed');
  listOk(await listIs(page, ['Water the plants']),
    'and so is the completed one');
  await page.selectOption('#filter-status', 'all');
  await page.selectOption('#filter-sort', '-created_at');
  await eventually(async () => (await listTitles(page))[0] === 'Bulk task 22');
  await shot(page, '06-signed-in-again');

  // --- a 503 explained, then recovery
  if (PAUSE) {
    await pause('stop-database');
    await page.fill('#task-title', 'Written while the database is away');
    await page.click('#task-submit');
    const down = await eventually(async () => {
      const t = await alertText(page);
      return /unavailable/.test(t) ? t : null;
    });
    ok(/temporarily unavailable/.test(down || '') &&
      /Try again/.test(down || ''),
    'a 503 is explained: unavailable, try again', down);
    is(await page.inputValue('#task-title'),
      'Written while the database is away',
      '... and what was typed is kept');
    ok(await page.isVisible('#app'), '... and the person stays signed in');
    await shot(page, '07-unavailable');
    await pause('start-database');
    await page.click('#task-submit');
    ok(await eventually(async () => (await listTitles(page))[0] ===
      'Written while the database is away'),
    'once the database is back, the same click saves the task');
  }

  // --- a revoked session: back to sign-in
  const tok2 = await token(page);
  r = await api(tok2, 'POST', '/api/auth/logout');
  is(r.status, 204, 'the session is revoked elsewhere');
  await page.selectOption('#filter-status', 'pending');
  await page.waitForSelector('#auth-form', { state: 'visible' });
  ok(/session has ended/.test(await alertText(page)),
    'the next request answers 401 and the page returns to sign-in, saying why');
  is(await token(page), null, '... without the dead token');

  // --- a phone
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2,
    isMobile: true, hasTouch: true, locale: 'en-US',
    timezoneId: 'Europe/Paris',
  });
  const ppage = await phone.newPage();
  ppage.setDefaultTimeout(10000);
  watch(ppage, problems);
  await ppage.goto(`${BASE}/`);
  await ppage.fill('#auth-email', email);
  await ppage.fill('#auth-password', password);
  await ppage.click('#auth-submit');
  await ppage.waitForSelector('#task-list .task-title');
  const overflow = await ppage.evaluate(() =>
    document.documentElement.scrollWidth - window.innerWidth);
  ok(overflow <= 0, 'on a 390 px wide phone nothing scrolls sideways',
    `${overflow} px too wide`);
  const box = await ppage.locator('#task-title').boundingBox();
  ok(box && box.width > 300, 'and the inputs take the whole width',
    JSON.stringify(box));
  await ppage.screenshot({ path: join(SHOTS, '08-phone.png') });
  await ppage.evaluate(() => document.getElementById('tasks-title')
    .scrollIntoView());
  await ppage.screenshot({ path: join(SHOTS, '08-phone-list.png') });
  await phone.close();

  ok(problems.length === 0, 'no script error and nothing refused by the ' +
    'Content-Security-Policy on the way', problems.join('\n'));
  await context.close();
}

// ------------------------------------------------------------------ /docs

async function docs(browser) {
  const problems = [];
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 }, locale: 'en-US',
  });
  const page = await context.newPage();
  // The explorer's bundle is ~1.5 MB of script to parse: on a loaded
  // 2-core machine that alone can take tens of seconds.
  page.setDefaultTimeout(90000);
  watch(page, problems);

  const spec = await (await fetch(`${BASE}/openapi.json`)).json();
  const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head',
    'patch', 'trace'];
  const ops = [];
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const m of METHODS) if (item[m]) ops.push(`${m.toUpperCase()} ${path}`);
  }
  ok(ops.length > 0, `/openapi.json documents operations (${ops.length})`);

  const res = await page.goto(`${BASE}/docs`, { waitUntil: 'domcontentloaded' });
  is(res.status(), 200, 'GET /docs answers 200');
  const n = await eventually(async () => {
    const c = await page.locator('.opblock').count();
    return c >= ops.length && c > 0 ? c : null;
  }, 90000);
  is(n || await page.locator('.opblock').count(), ops.length,
    '/docs renders one operation block for every operation of /openapi.json');
  const shown = await page.locator('.opblock').evaluateAll((els) => els.map(
    (e) => `${e.querySelector('.opblock-summary-method')?.textContent} ` +
      `${e.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`));
  const missing = ops.filter((o) => !shown.includes(o));
  ok(missing.length === 0, '... each one by its method and path', missing);
  ok(/aido/i.test(await page.textContent('.info .title')),
    'the explorer shows the API\'s title');
  await shot(page, '09-docs');

  // Open one operation: its parameters and responses render too.
  const list = page.locator('.opblock', { has: page.locator(
    '.opblock-summary-path[data-path="/api/tasks"]') }).filter({
    has: page.locator('.opblock-summary-method', { hasText: 'GET' }) });
  if (await list.count() === 1) {
    await list.locator('.opblock-summary').click();
    ok(await eventually(async () => await list.locator('.parameters')
      .count() > 0 || await list.locator('.responses-wrapper').count() > 0),
    'opening GET /api/tasks shows its parameters and responses');
  }
  ok(problems.length === 0, 'no script error and nothing refused by the ' +
    'Content-Security-Policy on /docs', problems.join('\n'));
  await context.close();
}

// ------------------------------------------------------------------ main

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    '--disable-quic'],
});
ok(true, `chromium ${browser.version()} is driven by playwright-core`);

for (const [name, fn] of [['the journey', journey], ['/docs', docs]]) {
  try {
    await fn(browser);
  } catch (e) {
    ok(false, `${name} ran to its end`, e.stack || String(e));
  }
}
await browser.close();
if (stdin) stdin.close();
console.log(`# ${count - failed} passed, ${failed} failed`);
console.log('END');
process.exit(failed ? 1 : 0);
