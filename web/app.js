// aido's web client: plain JavaScript over the REST API of the same origin
// (API.md §3).  No build step, no dependency.  The session token lives in
// sessionStorage, so it ends with the tab.
'use strict';

(function () {
  const TOKEN_KEY = 'aido.token';
  const PAGE_SIZE = 20;

  const $ = (id) => document.getElementById(id);

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    user: null,
    signup: false,
    items: [],
    cursor: null,
    editing: null,        // the task being edited, or null
    tag: null,            // the tag filter, or null
    next: new Map(),      // next occurrences seen, by id
    listSeq: 0,           // drops the answers of superseded list requests
    feed: null,           // the live feed's AbortController, or null
    lastSeq: null,        // the last event seen (Last-Event-ID)
  };

  // ------------------------------------------------------------ the API

  class ApiError extends Error {
    constructor(status, body, retryAfter) {
      super((body && body.detail) || `the server answered ${status}`);
      this.status = status;
      this.body = body || {};
      this.retryAfter = retryAfter;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    const init = { method, headers };
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, { detail: 'the server cannot be reached' });
    }
    if (res.status === 204) return null;
    let json = null;
    try {
      json = await res.json();
    } catch (e) {
      json = null;
    }
    if (!res.ok) {
      throw new ApiError(res.status, json, res.headers.get('Retry-After'));
    }
    return json;
  }

  // ------------------------------------------------------------ messages

  let noticeTimer = null;

  function notice(text) {
    clearTimeout(noticeTimer);
    $('alert').textContent = '';
    $('notice').textContent = text;
    noticeTimer = setTimeout(() => { $('notice').textContent = ''; }, 8000);
  }

  function alertMessage(text) {
    clearTimeout(noticeTimer);
    $('notice').textContent = '';
    $('alert').textContent = text;
  }

  function clearMessages() {
    $('notice').textContent = '';
    $('alert').textContent = '';
  }

  // What a person should read for an error that is not about one field;
  // sends them back to sign-in on 401.  Returns true when handled.
  function handleError(err, what) {
    if (!(err instanceof ApiError)) {
      alertMessage(`Something went wrong while ${what}.`);
      console.error(err);
      return true;
    }
    const wait = err.retryAfter ? ` Try again in ${err.retryAfter} seconds.`
      : ' Try again in a moment.';
    switch (err.status) {
      case 0:
        alertMessage(`The server cannot be reached while ${what}. ` +
          'Check your connection and try again.');
        return true;
      case 401:
        signedOut('Your session has ended. Please sign in again.');
        return true;
      case 404:
        alertMessage('That task no longer exists.');
        loadTasks();
        return true;
      case 429:
        alertMessage(`Too many attempts.${wait}`);
        return true;
      case 503:
        alertMessage('The service is temporarily unavailable (its database ' +
          `cannot be reached), so nothing was saved or loaded.${wait}`);
        return true;
      default:
        if (err.status >= 500) {
          alertMessage(`The server failed while ${what}.${wait}`);
          return true;
        }
        return false;
    }
  }

  // ------------------------------------------------------------ field errors

  // The id of the input of each field the API may name, per form.
  const AUTH_FIELDS = { email: 'auth-email', password: 'auth-password',
    name: 'auth-name' };
  const TASK_FIELDS = { title: 'task-title', description: 'task-description',
    priority: 'task-priority', due_date: 'task-due', remind_at: 'task-remind',
    tags: 'task-tags',
    recurring: 'task-recurring', recurring_pattern: 'task-pattern' };

  function clearFieldErrors(form) {
    form.querySelectorAll('.field-error').forEach((p) => { p.textContent = ''; });
    form.querySelectorAll('[aria-invalid]').forEach((el) => {
      el.removeAttribute('aria-invalid');
    });
  }

  // Shows each {field, code, message} beside its input; what has no input
  // goes to the form's own line (or the alert).  Focuses the first one.
  function showFieldErrors(errors, fields, fallbackId) {
    let first = null;
    const rest = [];
    for (const e of errors) {
      const name = String(e.field || '').split(/[.[]/)[0];
      const inputId = fields[name];
      if (name === 'recurring_pattern') $('task-pattern-field').hidden = false;
      if (!inputId) {
        rest.push(e.message);
        continue;
      }
      const input = $(inputId);
      const out = $(`${inputId}-error`);
      out.textContent = out.textContent ? `${out.textContent} ${e.message}`
        : e.message;
      input.setAttribute('aria-invalid', 'true');
      if (!first) first = input;
    }
    let summary = errors.length === 1 ? 'Please correct the field marked below.'
      : 'Please correct the fields marked below.';
    if (rest.length) {
      if (fallbackId) $(fallbackId).textContent = rest.join(' ');
      if (!first) summary = rest.join(' ');
    }
    alertMessage(summary);
    if (first) first.focus();
  }

  // ------------------------------------------------------------ dates

  const pad = (n) => String(n).padStart(2, '0');

  // A datetime-local value ("2026-05-01T09:30") in this browser's time
  // zone, as RFC 3339 with that zone's offset at that moment.
  function localToRfc3339(value) {
    if (!value) return null;
    const d = new Date(value);
    if (Number.isNaN(d.getTime())) return value;
    const off = -d.getTimezoneOffset();
    const sign = off >= 0 ? '+' : '-';
    const abs = Math.abs(off);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
      `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
      `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }

  function rfc3339ToLocal(value) {
    if (!value) return '';
    const d = new Date(value);
    if (Number.isNaN(d.getTime())) return '';
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
      `T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  const dateFormat = new Intl.DateTimeFormat(undefined,
    { dateStyle: 'medium', timeStyle: 'short' });

  function showDate(value) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? value : dateFormat.format(d);
  }

  // ------------------------------------------------------------ sign in/out

  function setToken(token) {
    state.token = token;
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  function setAuthMode(signup) {
    state.signup = signup;
    $('auth-title').textContent = signup ? 'Create your account' : 'Sign in';
    $('auth-submit').textContent = signup ? 'Create account' : 'Sign in';
    $('auth-name-field').hidden = !signup;
    $('auth-password-hint').hidden = !signup;
    $('auth-password').autocomplete = signup ? 'new-password'
      : 'current-password';
    $('auth-switch-text').textContent = signup ? 'Already have an account?'
      : 'New to aido?';
    $('auth-switch').textContent = signup ? 'Sign in instead'
      : 'Create an account';
    clearFieldErrors($('auth-form'));
  }

  // Back to the sign-in form, whoever notices first: the sign-out button,
  // a 401, or the live feed telling that the session is over.
  function signedOut(message) {
    stopFeed();
    setAuthMode(false);
    state.listSeq++;    // a list request in flight answers no one now
    setToken(null);
    state.user = null;
    state.items = [];
    state.cursor = null;
    state.next.clear();
    $('task-list').replaceChildren();
    resetEditor();
    $('loading').hidden = true;
    $('app').hidden = true;
    $('session').hidden = true;
    $('auth').hidden = false;
    $('auth-password').value = '';
    if (message) alertMessage(message);
    $('auth-email').focus();
  }

  function signedIn(user) {
    state.user = user;
    $('who').textContent = user.name || user.email;
    $('who').title = user.email;
    $('loading').hidden = true;
    $('auth').hidden = true;
    $('session').hidden = false;
    $('app').hidden = false;
    $('auth-password').value = '';
    loadTasks();
    startFeed();
  }

  async function onAuthSubmit(ev) {
    ev.preventDefault();
    const form = $('auth-form');
    clearFieldErrors(form);
    clearMessages();
    const email = $('auth-email').value.trim();
    const password = $('auth-password').value;
    const missing = [];
    if (!email) missing.push({ field: 'email', message: 'Enter your email.' });
    if (!password) {
      missing.push({ field: 'password', message: 'Enter your password.' });
    }
    if (missing.length) {
      showFieldErrors(missing, AUTH_FIELDS);
      return;
    }
    const body = { email, password };
    const name = $('auth-name').value.trim();
    if (state.signup && name) body.name = name;
    const submit = $('auth-submit');
    submit.disabled = true;
    try {
      const res = await api('POST', state.signup ? '/api/auth/signup'
        : '/api/auth/login', body);
      setToken(res.token);
      // Asked here, while the person is acting: reminders as notifications.
      if (window.Notification && Notification.permission === 'default') {
        Notification.requestPermission().catch(() => {});
      }
      notice(state.signup ? 'Welcome to aido! Your account is ready.'
        : 'Signed in.');
      signedIn(res.user);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        alertMessage('The email or the password is wrong.');
        $('auth-password').focus();
      } else if (err instanceof ApiError && err.status === 409) {
        showFieldErrors([{ field: 'email', message:
          'This email is already registered: sign in instead.' }],
          AUTH_FIELDS);
      } else if (err instanceof ApiError && err.status === 422 &&
          Array.isArray(err.body.errors)) {
        showFieldErrors(err.body.errors, AUTH_FIELDS);
      } else if (!handleError(err, state.signup ? 'creating your account'
          : 'signing in')) {
        alertMessage(err.message);
      }
    } finally {
      submit.disabled = false;
    }
  }

  async function onSignOut() {
    stopFeed();         // its own "session over" must not race this
    try {
      await api('POST', '/api/auth/logout');
    } catch (err) {
      // Signed out here all the same; the token expires on its own.
    }
    signedOut();
    notice('Signed out.');
  }

  // ------------------------------------------------------------ the list

  function listQuery(cursor, limit) {
    const p = new URLSearchParams();
    p.set('status', $('filter-status').value);
    p.set('sort', $('filter-sort').value);
    p.set('limit', String(limit || PAGE_SIZE));
    const q = $('filter-q').value.trim();
    if (q) p.set('q', q);
    if (state.tag) p.set('tag', state.tag);
    if (cursor) p.set('cursor', cursor);
    return `/api/tasks?${p}`;
  }

  // more: the next page after what is shown; limit: how many to load from
  // the top instead of one page (a live refresh keeps what was paged in).
  async function loadTasks(more, limit) {
    const seq = ++state.listSeq;
    const list = $('task-list');
    list.setAttribute('aria-busy', 'true');
    try {
      const res = await api('GET',
        listQuery(more ? state.cursor : null, limit));
      if (seq !== state.listSeq) return;
      state.items = more ? state.items.concat(res.items) : res.items;
      state.cursor = res.next_cursor;
      renderList(more ? res.items.length : 0);
    } catch (err) {
      if (seq === state.listSeq && !handleError(err, 'loading your tasks')) {
        alertMessage(err.message);
      }
    } finally {
      if (seq === state.listSeq) list.removeAttribute('aria-busy');
    }
  }

  function renderList(appended) {
    const list = $('task-list');
    const nodes = state.items.map(renderTask);
    list.replaceChildren(...nodes);
    $('load-more').hidden = !state.cursor;
    const n = state.items.length;
    const filtered = $('filter-status').value !== 'all' ||
      $('filter-q').value.trim() || state.tag;
    let summary;
    if (n === 0) {
      summary = filtered ? 'No task matches.' :
        'No tasks yet: add your first one above.';
    } else {
      summary = `${n} task${n === 1 ? '' : 's'} shown` +
        (state.cursor ? ', more to load.' : '.');
    }
    $('list-summary').textContent = summary;
    $('tag-filter').hidden = !state.tag;
    $('tag-filter-name').textContent = state.tag || '';
    // After "load more", focus the first new task for keyboard users.
    if (appended && nodes[n - appended]) {
      nodes[n - appended].querySelector('.toggle').focus();
    }
    for (const t of state.items) {
      if (t.completed && t.next_occurrence_id &&
          !state.next.has(t.next_occurrence_id)) fetchNext(t.next_occurrence_id);
    }
  }

  function metaItem(ul, cls, text) {
    const li = document.createElement('li');
    li.className = cls;
    li.textContent = text;
    ul.append(li);
    return li;
  }

  function renderTask(t) {
    const node = $('task-template').content.firstElementChild.cloneNode(true);
    node.dataset.id = t.id;
    node.classList.toggle('done', t.completed);
    node.classList.add(`priority-${t.priority}`);
    const titleId = `title-${t.id}`;
    const title = node.querySelector('.task-title');
    title.id = titleId;
    title.textContent = t.title;

    const toggle = node.querySelector('.toggle');
    toggle.setAttribute('aria-pressed', String(t.completed));
    toggle.textContent = t.completed ? '✓' : '';
    toggle.setAttribute('aria-label', t.completed
      ? `Mark “${t.title}” as not done` : `Complete “${t.title}”`);
    toggle.title = t.completed ? 'Mark as not done' : 'Complete';

    const desc = node.querySelector('.task-description');
    if (t.description) desc.textContent = t.description;
    else desc.remove();

    const meta = node.querySelector('.meta');
    metaItem(meta, `priority priority-${t.priority}`,
      `${t.priority[0].toUpperCase()}${t.priority.slice(1)} priority`);
    if (t.due_date) {
      const overdue = !t.completed && new Date(t.due_date) < new Date();
      const li = metaItem(meta, overdue ? 'due overdue' : 'due',
        `${overdue ? 'Overdue: was due' : 'Due'} ${showDate(t.due_date)}`);
      li.title = t.due_date;
    }
    if (t.remind_at && !t.completed) {
      const li = metaItem(meta, 'remind', t.reminded_at
        ? `Reminded ${showDate(t.reminded_at)}`
        : `Reminder ${showDate(t.remind_at)}`);
      li.title = t.remind_at;
    }
    if (t.recurring) {
      metaItem(meta, 'repeat', `Repeats ${{ daily: 'daily', weekly: 'weekly',
        monthly: 'monthly' }[t.recurring_pattern] || t.recurring_pattern}`);
    }
    if (t.completed && t.completed_at) {
      metaItem(meta, 'completed-at', `Done ${showDate(t.completed_at)}`);
    }
    for (const tag of t.tags || []) {
      const li = document.createElement('li');
      li.className = 'tag';
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'tag-button';
      b.dataset.action = 'tag';
      b.dataset.tag = tag;
      b.textContent = `#${tag}`;
      b.setAttribute('aria-label', `Show tasks tagged ${tag}`);
      li.append(b);
      meta.append(li);
    }

    if (t.completed && t.next_occurrence_id) showNext(node, t);

    node.querySelector('[data-action="edit"]').setAttribute('aria-label',
      `Edit “${t.title}”`);
    node.querySelector('[data-action="delete"]').setAttribute('aria-label',
      `Delete “${t.title}”`);
    return node;
  }

  function showNext(node, t) {
    const p = node.querySelector('.next');
    const next = state.next.get(t.next_occurrence_id) ||
      state.items.find((x) => x.id === t.next_occurrence_id);
    p.hidden = false;
    if (next && next.due_date) {
      p.textContent = `Next occurrence: due ${showDate(next.due_date)}`;
    } else if (next) {
      p.textContent = 'Next occurrence created.';
    } else {
      p.textContent = 'Next occurrence scheduled.';
    }
  }

  async function fetchNext(id) {
    state.next.set(id, null);
    try {
      const next = await api('GET', `/api/tasks/${encodeURIComponent(id)}`);
      state.next.set(id, next);
    } catch (err) {
      state.next.delete(id);
      return;
    }
    for (const t of state.items) {
      if (t.next_occurrence_id !== id) continue;
      const node = $('task-list').querySelector(`[data-id="${t.id}"]`);
      if (node) showNext(node, t);
    }
  }

  // ------------------------------------------------------------ actions

  function findTask(id) {
    return state.items.find((t) => t.id === id);
  }

  async function onListClick(ev) {
    const button = ev.target.closest('button[data-action]');
    if (!button) return;
    const node = button.closest('.task');
    const task = node && findTask(node.dataset.id);
    switch (button.dataset.action) {
      case 'toggle': return toggleTask(task, button);
      case 'edit': return editTask(task);
      case 'delete': return deleteTask(task, node);
      case 'tag':
        state.tag = button.dataset.tag;
        loadTasks();
        $('tag-filter-clear').focus();
        return undefined;
      default: return undefined;
    }
  }

  async function toggleTask(task, button) {
    if (!task) return;
    button.disabled = true;
    try {
      const done = await api('PATCH', `/api/tasks/${task.id}`,
        { completed: !task.completed });
      let msg = done.completed ? `Completed “${done.title}”.`
        : `“${done.title}” is pending again.`;
      if (done.completed && done.next_occurrence_id) {
        try {
          const next = await api('GET', `/api/tasks/${done.next_occurrence_id}`);
          state.next.set(next.id, next);
          msg += next.due_date
            ? ` Next occurrence: due ${showDate(next.due_date)}.`
            : ' Its next occurrence was created.';
        } catch (err) {
          msg += ' Its next occurrence was created.';
        }
      }
      notice(msg);
      await loadTasks();
      const again = $('task-list').querySelector(`[data-id="${task.id}"] .toggle`);
      if (again) again.focus();
    } catch (err) {
      if (!handleError(err, 'saving the task')) alertMessage(err.message);
    } finally {
      button.disabled = false;
    }
  }

  async function deleteTask(task, node) {
    if (!task) return;
    if (!window.confirm(`Delete “${task.title}”? This cannot be undone.`)) {
      return;
    }
    try {
      await api('DELETE', `/api/tasks/${task.id}`);
      notice(`Deleted “${task.title}”.`);
      // Keep the keyboard near where it was.
      const sibling = node.nextElementSibling || node.previousElementSibling;
      state.items = state.items.filter((t) => t.id !== task.id);
      node.remove();
      if (state.editing && state.editing.id === task.id) resetEditor();
      if (sibling) sibling.querySelector('.toggle').focus();
      else $('task-title').focus();
      renderList(0);
    } catch (err) {
      if (!handleError(err, 'deleting the task')) alertMessage(err.message);
    }
  }

  function editTask(task) {
    if (!task) return;
    state.editing = task;
    clearFieldErrors($('task-form'));
    $('editor-title').textContent = 'Edit task';
    $('task-submit').textContent = 'Save changes';
    $('task-cancel').hidden = false;
    $('task-title').value = task.title;
    $('task-description').value = task.description || '';
    $('task-priority').value = task.priority;
    $('task-due').value = rfc3339ToLocal(task.due_date);
    $('task-remind').value = rfc3339ToLocal(task.remind_at);
    $('task-tags').value = (task.tags || []).join(', ');
    $('task-recurring').checked = task.recurring;
    $('task-pattern').value = task.recurring_pattern || 'weekly';
    $('task-pattern-field').hidden = !task.recurring;
    $('task-form').scrollIntoView({ block: 'start' });
    $('task-title').focus();
  }

  function resetEditor() {
    state.editing = null;
    const form = $('task-form');
    form.reset();
    clearFieldErrors(form);
    $('editor-title').textContent = 'New task';
    $('task-submit').textContent = 'Add task';
    $('task-cancel').hidden = true;
    $('task-pattern-field').hidden = true;
  }

  function taskBody() {
    const recurring = $('task-recurring').checked;
    const description = $('task-description').value.trim();
    const tags = $('task-tags').value.split(',').map((s) => s.trim())
      .filter((s) => s.length > 0);
    return {
      title: $('task-title').value,
      description: description || null,
      priority: $('task-priority').value,
      tags,
      due_date: localToRfc3339($('task-due').value),
      remind_at: localToRfc3339($('task-remind').value),
      recurring,
      recurring_pattern: recurring ? $('task-pattern').value : null,
    };
  }

  async function onTaskSubmit(ev) {
    ev.preventDefault();
    const form = $('task-form');
    clearFieldErrors(form);
    clearMessages();
    const due = $('task-due');
    if (due.validity && due.validity.badInput) {
      showFieldErrors([{ field: 'due_date',
        message: 'Enter a complete date and time, or clear the field.' }],
        TASK_FIELDS, 'task-form-error');
      return;
    }
    const body = taskBody();
    const editing = state.editing;
    const submit = $('task-submit');
    submit.disabled = true;
    try {
      const t = editing
        ? await api('PATCH', `/api/tasks/${editing.id}`, body)
        : await api('POST', '/api/tasks', body);
      notice(editing ? `Saved “${t.title}”.` : `Added “${t.title}”.`);
      resetEditor();
      await loadTasks();
      if (editing) {
        const b = $('task-list').querySelector(`[data-id="${t.id}"] .toggle`);
        if (b) b.focus();
        else $('task-title').focus();
      } else {
        $('task-title').focus();
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 &&
          Array.isArray(err.body.errors)) {
        showFieldErrors(err.body.errors, TASK_FIELDS, 'task-form-error');
      } else if (!handleError(err, 'saving the task')) {
        $('task-form-error').textContent = err.message;
        alertMessage(err.message);
      }
    } finally {
      submit.disabled = false;
    }
  }

  // ------------------------------------------------------------ live

  // The change feed (API.md §3.4) as Server-Sent Events, read with fetch:
  // EventSource cannot send the Bearer token.  A change made anywhere (in
  // another tab or device, by the assistant) reloads the list; a reminder
  // shows in the page and, when allowed, as a notification.  A broken
  // stream is opened again after 2 s from the last event seen.
  let feedReload = null;

  function stopFeed() {
    clearTimeout(feedReload);
    if (state.feed) state.feed.abort();
    state.feed = null;
    state.lastSeq = null;
  }

  async function startFeed() {
    stopFeed();
    const ctl = new AbortController();
    state.feed = ctl;
    while (state.feed === ctl) {
      try {
        await readFeed(ctl);
      } catch (e) {
        // broken or aborted: below
      }
      if (state.feed !== ctl) return;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  async function readFeed(ctl) {
    const headers = { Authorization: `Bearer ${state.token}`,
      Accept: 'text/event-stream' };
    if (state.lastSeq !== null) headers['Last-Event-ID'] = state.lastSeq;
    const res = await fetch('/api/events/stream', { headers,
      signal: ctl.signal });
    if (res.status === 401) {
      signedOut('Your session has ended. Please sign in again.');
      return;
    }
    if (!res.ok || !res.body) throw new Error(`feed ${res.status}`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        feedMessage(buf.slice(0, end));
        buf = buf.slice(end + 2);
      }
    }
  }

  function feedMessage(block) {
    let id = null;
    let data = null;
    let event = null;
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data = line.slice(6);
      else if (line.startsWith('event: ')) event = line.slice(7);
    }
    if (event === 'error') {         // the session is over (signed out)
      signedOut('Your session has ended. Please sign in again.');
      return;
    }
    if (id === null || data === null) return;    // retry: or a heartbeat
    state.lastSeq = id;
    let ev;
    try {
      ev = JSON.parse(data);
    } catch (e) {
      return;
    }
    if (ev.event_type === 'reminder') remind(ev.task_data);
    clearTimeout(feedReload);
    feedReload = setTimeout(refreshTasks, 200);
  }

  // A change seen on the feed reloads as many tasks as are shown (at most
  // the API's limit of 100), so it never takes back a "Load more"; while
  // a list request is in flight it waits for it, rather than cancel it.
  function refreshTasks() {
    if ($('task-list').hasAttribute('aria-busy')) {
      feedReload = setTimeout(refreshTasks, 200);
      return;
    }
    loadTasks(false, Math.min(100, Math.max(PAGE_SIZE, state.items.length)));
  }

  function remind(task) {
    const text = `Reminder: “${task.title}”` + (task.due_date
      ? `, due ${showDate(task.due_date)}` : '');
    notice(text);
    $('reminders').textContent = text;
    if (window.Notification && Notification.permission === 'granted') {
      try {
        new Notification('aido reminder', { body: text, tag: task.id });
      } catch (e) {
        // some browsers allow notifications only from a service worker
      }
    }
  }

  // ------------------------------------------------------------ start

  let searchTimer = null;

  function wire() {
    $('auth-form').addEventListener('submit', onAuthSubmit);
    $('auth-switch').addEventListener('click', () => {
      setAuthMode(!state.signup);
      clearMessages();
      $('auth-email').focus();
    });
    $('sign-out').addEventListener('click', onSignOut);
    $('task-form').addEventListener('submit', onTaskSubmit);
    $('task-cancel').addEventListener('click', () => {
      resetEditor();
      $('task-title').focus();
    });
    $('task-recurring').addEventListener('change', () => {
      $('task-pattern-field').hidden = !$('task-recurring').checked;
    });
    $('filters').addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearTimeout(searchTimer);
      loadTasks();
    });
    $('filter-status').addEventListener('change', () => loadTasks());
    $('filter-sort').addEventListener('change', () => loadTasks());
    $('filter-q').addEventListener('input', () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => loadTasks(), 250);
    });
    $('tag-filter-clear').addEventListener('click', () => {
      state.tag = null;
      loadTasks();
      $('filter-q').focus();
    });
    $('task-list').addEventListener('click', onListClick);
    $('load-more').addEventListener('click', () => loadTasks(true));
  }

  async function start() {
    wire();
    setAuthMode(false);
    if (!state.token) {
      signedOut();
      return;
    }
    try {
      signedIn(await api('GET', '/api/auth/me'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        signedOut('Your session has ended. Please sign in again.');
      } else {
        signedOut();
        handleError(err, 'checking your session');
      }
    }
  }

  start();
}());
