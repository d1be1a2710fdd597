// SPDX-License-Identifier: Apache-2.0
// The dashboard's shell: sign-in, the router (#/, #/devices?..., #/device/ID,
// #/anomalies) and live updates. The current view is read again from the API
// every few seconds (?poll=N in the page's address sets N, 2..60; default 5)
// and swapped in without a reload; a tick is skipped while the operator is
// in a dialog or typing in a form, and the focused control keeps its focus
// (found again by its id, or its href or text and position: dom.js focusKey).
// A view that took T to load is not read again sooner than 10 T: on a large
// fleet an open page costs maydayd's API thread a tenth of its time at most.
import { api, get, token, setToken, forgetToken, ApiError } from './api.js';
import { h, focusKey, findKey } from './dom.js';
import { renderSummary } from './summary.js';
import { renderDevices } from './devices.js';
import { renderDevice } from './device.js';
import { renderAnomalies } from './anomalies.js';

const $ = (id) => document.getElementById(id);
const pollParam = Number(new URLSearchParams(window.location.search).get('poll'));
const POLL_MS = (pollParam >= 2 && pollParam <= 60 ? pollParam : 5) * 1000;

const ctx = {
  role: null,
  identity: null,
  say(msg) { $('status').textContent = msg; },
  refresh: () => show(false),
};

const noSuchDevice = (params) => ({
  name: 'device', title: 'Device', params,
  fn: async () => h('div', {}, h('h1', {}, 'Device'),
    h('p', { class: 'error', role: 'alert' }, 'No such device: the address is malformed.')),
});

function route() {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const [path, qs] = hash.split('?');
  const params = new URLSearchParams(qs || '');
  if (path.startsWith('/device/')) {
    // A malformed address (#/device/%E0%A4%A) names no device; it must not
    // throw here, where every later refresh would throw again.
    let id;
    try { id = decodeURIComponent(path.slice(8)); } catch { return noSuchDevice(params); }
    return { name: 'device', title: 'Device', fn: renderDevice, arg: id, params };
  }
  if (path === '/devices') return { name: 'devices', title: 'Devices', fn: renderDevices, params };
  if (path === '/anomalies') return { name: 'anomalies', title: 'Fleet anomalies', fn: renderAnomalies, params };
  return { name: 'summary', title: 'Fleet summary', fn: renderSummary, params };
}

function markNav(name) {
  for (const a of document.querySelectorAll('nav a')) {
    const target = a.getAttribute('href');
    const on = (target === '#/' && name === 'summary') || target === `#/${name}` ||
      (target === '#/devices' && name === 'device');
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

let seq = 0;
let loaded = null;

// Renders the current route; `fresh`: a navigation (focus moves to the
// view's heading), else a live update (focus stays where it was).
let lastCost = 0;   // ms the last load took

async function show(fresh) {
  if (!token()) return signIn();
  const my = ++seq;
  const t0 = performance.now();
  const r = route();
  markNav(r.name);
  let node;
  try {
    node = await r.fn($('view'), ctx, r.arg, r.params);
  } catch (e) {
    if (my !== seq) return;
    if (e instanceof ApiError && e.status === 401) {
      forgetToken();
      return signIn('The token was refused (unknown, revoked or malformed).');
    }
    node = h('div', {}, h('h1', {}, r.title),
      h('p', { class: 'error', role: 'alert' }, `Could not load: ${e.message}`));
  }
  if (my !== seq || !node) return;
  // A live update that finds the operator in a dialog or typing (they
  // began while it loaded) is dropped: the dialog's way back and the
  // typed text stay in the page. The next tick tries again.
  if (!fresh && busy()) return;
  lastCost = performance.now() - t0;
  const key = focusKey($('view'), document.activeElement);
  $('view').replaceChildren(node);
  document.title = `${r.title} — mayday`;
  loaded = new Date();
  $('live').textContent = `Updated ${loaded.toISOString().slice(11, 19)} UTC`;
  if (fresh) {
    const h1 = node.querySelector('h1');
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus(); }
  } else {
    const again = findKey($('view'), key);
    if (again) {
      if (again.tagName === 'H1') again.setAttribute('tabindex', '-1');
      again.focus();
    }
  }
}

function busy() {
  if ($('confirm').open) return true;
  const a = document.activeElement;
  return a && $('view').contains(a) && (a.tagName === 'INPUT' || a.tagName === 'SELECT');
}

async function tick() {
  try {
    if (token() && !document.hidden && !busy()) await show(false);
  } finally {
    setTimeout(tick, Math.max(POLL_MS, 10 * lastCost));
  }
}

function signIn(message) {
  seq++;   // a view still loading is not shown over the form
  $('login').hidden = false;
  $('view').replaceChildren();
  $('logout').hidden = true;
  $('who').textContent = '';
  $('login-error').textContent = message || '';
  $('token').focus();
}

// Who the token is; a candidate is checked before it is kept, so nothing
// polls with a token the API has not accepted.
async function whoami(candidate) {
  const me = candidate ? await api('GET', '/v1/whoami', null, candidate) : await get('/v1/whoami');
  ctx.role = me.role;
  ctx.identity = me.identity;
  $('who').textContent = `${me.identity} (${me.role})`;
  $('logout').hidden = false;
}

async function start() {
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const candidate = $('token').value.trim();
    $('token').value = '';
    try {
      await whoami(candidate);
    } catch (e) {
      return signIn(e.status === 401 ? 'That token was refused.' : e.message);
    }
    setToken(candidate);
    $('login').hidden = true;
    show(true);
  });
  $('logout').addEventListener('click', () => { forgetToken(); signIn('Token forgotten.'); });
  // The skip link moves the focus itself: its #main must not become a route.
  document.querySelector('a.skip').addEventListener('click', (ev) => {
    ev.preventDefault();
    $('main').focus();
  });
  window.addEventListener('hashchange', () => show(true));
  setTimeout(tick, POLL_MS);
  if (!token()) return signIn();
  resume();
}

// A kept token is checked again on load; only a refusal (401) forgets it: a
// network error or a 500 is retried, the operator need not paste it again.
async function resume() {
  try {
    await whoami();
  } catch (e) {
    if (e.status === 401) {
      forgetToken();
      return signIn('The token was refused (unknown, revoked or malformed).');
    }
    ctx.say(`Could not check the token (${e.message}); trying again.`);
    setTimeout(resume, POLL_MS);
    return;
  }
  ctx.say('');
  show(true);
}

start();
