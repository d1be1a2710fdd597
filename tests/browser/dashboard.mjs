// SPDX-License-Identifier: Apache-2.0
// The dashboard in Debian's Chromium, driven by playwright-core over the
// DevTools protocol (tests/integration/test_dashboard_browser.sh starts
// maydayd and provisions the fleet; this drives the page and the devices):
//   1. the token field has the focus and its label, Tab goes on to Sign in;
//      the skip link shows when focused and moves the focus on; sign in
//      with an operator token (kept in sessionStorage, no cookie): the
//      summary shows the fleet, no incident;
//   2. a tampered device boots (its DCF sends a distress indication over
//      mutual TLS and, policy approve, is told to wait): without a reload
//      the summary shows one open incident, the device in it and a bar in
//      the distress chart; screenshot summary.png;
//   3. its page (reached by keyboard) shows the indication's method, channel
//      authentication and trust, the failed component's expected and
//      measured digests; Approve, confirmed in the dialog: the DCF is told
//      to remediate and installs the image (exit 13), the page shows the
//      attempt;
//   4. the device reboots into the new image: the page shows it healthy and
//      the attempt recovered; screenshot device.png; the summary's
//      remediation success is 100 %;
//   5. pausing the class: Escape cancels (nothing sent, focus back on the
//      button), confirmed it pauses; resume, confirmed. Another operator
//      pauses it with maydayctl (over the management listener, a token of
//      their own): the page shows it paused without a reload; resumed in
//      the page.
// The distress chart is an image whose accessible name gives the total and
// the peak; its table ("Show as table", opened by keyboard, still open
// after live updates) holds the API's /v1/fleet/hour figures, every hour.
// Every HTML text on the summary, the device page and the list has a
// contrast of at least 4.5:1 (measured in the page; the chart's SVG labels
// are not measured), and none of the three scrolls sideways at 1366x768. No page may log an error or violate the Content-Security-Policy.
// Each wait has a generous deadline (DASH_DEADLINE_MS, default 120 s): a busy
// machine is only slower.
//
//   6. a refused token is said and not kept; a viewer's token shows no action.
// Live updates: the focus on a link without an id survives two of them; one
// in flight when a dialog opens or text is typed is not shown over it; a
// device named "counts" is looked up as a device, a malformed address is
// "no such device".
//   7. a device ID full of markup is shown as text in the list and its page.
//
// usage: node dashboard.mjs BASE_URL TOKEN SHOTS_DIR PROFILE_DIR BOOT DEVICE_DIR ID VIEWER_TOKEN
//        MAYDAYCTL OPERATOR_TOKEN_FILE
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, token, shots, profile, boot, devdir, id, viewer, ctl, ctlToken] = process.argv.slice(2);
if (!ctlToken) fail('usage: node dashboard.mjs BASE_URL TOKEN SHOTS_DIR PROFILE_DIR BOOT DEVICE_DIR ID VIEWER_TOKEN MAYDAYCTL OPERATOR_TOKEN_FILE');
const DEADLINE_MS = Number(process.env.DASH_DEADLINE_MS) || 120000;   // generous: a busy machine is only slower

function fail(msg) {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
}

// Runs one start-up of the device; resolves with its exit status.
function bootDevice(tag) {
  const log = createWriteStream(join(shots, `${id}.${tag}.log`));
  const p = spawn(boot, ['--device', devdir], { stdio: ['ignore', 'pipe', 'pipe'] });
  // both into one file, which neither may end: the first to end would
  // close it under the other's last writes (ERR_STREAM_WRITE_AFTER_END)
  p.stdout.pipe(log, { end: false });
  p.stderr.pipe(log, { end: false });
  return new Promise((resolve) => p.on('close', (code) => { log.end(); resolve(code); }));
}

// Runs maydayctl with ARGS against the management listener as the other
// operator; resolves with {code, out, err}.
function maydayctl(...args) {
  const p = spawn(ctl, ['--api', base, '--token-file', ctlToken, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  p.stdout.on('data', (d) => { out += d; });
  p.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve) => p.on('exit', (code) => resolve({ code, out, err })));
}

// The API's answer to GET path, with the operator's token (what the page
// is checked against).
async function apiGet(path) {
  const r = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  if (r.status !== 200) fail(`GET ${path}: ${r.status}`);
  return r.json();
}

let current = null;   // the page, for a failure's evidence

// WCAG contrast of every visible text on the page against the first opaque
// background behind it; returns the pairs under 4.5:1.
function lowContrast() {
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el.getClientRects().length || el.closest('svg')) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || el.closest('caption.sr, a.skip')) continue;
    let bg = null;
    for (let e = el; e && !bg; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) bg = c.slice(0, 3);
    }
    const [a, b] = [lum(rgb(cs.color).slice(0, 3)), lum(bg || [255, 255, 255])];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) bad.push(`"${n.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
  }
  return bad;
}

async function contrast(page, where) {
  const bad = await page.evaluate(lowContrast);
  if (bad.length) fail(`${where}: text under 4.5:1 contrast: ${bad.slice(0, 5).join('; ')}`);
  // and no sideways scrolling at 1366x768, on every page measured
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 1366) fail(`${where} is ${wide} px wide at 1366x768`);
}

async function until(what, fn) {
  const end = Date.now() + DEADLINE_MS;
  let last;
  while (Date.now() < end) {
    try {
      if ((last = await fn())) return last;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (current) {
    await current.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {});
    console.error(`the page: ${(await current.locator('body').innerText().catch(() => '?')).slice(0, 3000)}`);
  }
  fail(`${what}: not seen in ${DEADLINE_MS / 1000} s (last: ${last})`);
}

// Holds every GET to the API until release() (a live update caught in
// flight); other requests pass.
async function holdGets(page) {
  const held = [];
  let holding = true;
  await page.route('**/v1/**', (r) => (holding && r.request().method() === 'GET' ? held.push(r) : r.continue()));
  await until('a live update in flight', async () => held.length > 0);
  return {
    async release() {
      holding = false;
      const all = held.splice(0);
      await Promise.all(all.map((r) => r.continue()));
      await Promise.all(all.map((r) => r.request().response()));
      await page.evaluate(() => new Promise((r) => setTimeout(r, 500)));   // its rendering
      await page.unroute('**/v1/**');
    },
  };
}

// Counts the view's swaps (live updates shown) from now on.
const countSwaps = (page) => page.evaluate(() => {
  window.swaps = 0;
  new MutationObserver(() => { window.swaps++; })
    .observe(document.getElementById('view'), { childList: true });
});

const problems = [];
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1366, height: 768 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = ctx.pages()[0] || await ctx.newPage();
  current = page;
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`); });
  const text = async (sel) => (await page.locator(sel).first().textContent()) || '';

  // ---- 1. sign in ----------------------------------------------------------
  await page.goto(`${base}/ui/?poll=2`);
  await page.locator('#token:focus').waitFor({ timeout: DEADLINE_MS });
  const label = await page.locator('#token').evaluate((e) => e.labels[0].textContent);
  if (label !== 'API token') fail(`the token field's label: ${label}`);
  await page.keyboard.press('Tab');
  const next = await page.evaluate(() => document.activeElement.textContent);
  if (next !== 'Sign in') fail(`Tab from the token field reached "${next}", not Sign in`);
  // the skip link: shown when focused, Enter moves the focus to the content
  await page.locator('a.skip').focus();
  const box = await page.locator('a.skip').boundingBox();
  if (!box || box.x < 0) fail('the focused skip link is off screen');
  await page.keyboard.press('Enter');
  const after = await page.evaluate(() => document.activeElement.id);
  if (after !== 'main') fail(`the skip link moved the focus to "${after}", not main`);
  await page.locator('#token').fill(token);
  await page.keyboard.press('Enter');
  await page.locator('h1', { hasText: 'Fleet summary' }).waitFor({ timeout: DEADLINE_MS });
  const stored = await page.evaluate(() => sessionStorage.getItem('mayday.token'));
  if (stored !== token) fail('the token is not in sessionStorage');
  if ((await page.context().cookies()).length !== 0) fail('the page set a cookie');
  if ((await text('#who')).indexOf('(operator)') < 0) fail(`who: ${await text('#who')}`);
  const total = await text('#stat-total');
  if (total !== '3') fail(`summary: ${total} devices, want 3`);
  if ((await text('#stat-open')) !== '0') fail(`summary: open incidents before any distress: ${await text('#stat-open')}`);
  console.log('ok: signed in; the summary shows 3 devices, no open incident');

  // ---- 2. a distress indication arrives ------------------------------------
  const loaded = await page.evaluate(() => performance.getEntriesByType('navigation').length);
  let firstBoot = bootDevice('1');
  await until('the open incident on the summary', async () =>
    (await text('#stat-open')) === '1' &&
    (await page.locator('section[aria-labelledby=open] table').getByText(id).count()) === 1);
  await until('the distress bar in the chart', async () =>
    (await page.locator('svg.chart rect.bar:not(.empty)').count()) >= 1);
  // since=24h spans 25 hour buckets (24 whole ones and this one): all drawn
  const bars = await page.locator('svg.chart rect.bar').count();
  if (bars !== 25) fail(`the chart draws ${bars} hours, want the 25 the API counts over`);
  if (!/in the last 25 hours/.test(await text('figure figcaption'))) fail(`chart caption: ${await text('figure figcaption')}`);
  // the chart's text alternative: an image named by its figures, and the
  // table behind "Show as table", opened by keyboard, with the API's
  // figures for every hour (read again until both are of the same hour)
  await page.locator('#chart-table-toggle').focus();
  await page.keyboard.press('Enter');
  await page.locator('#chart-table').waitFor({ state: 'visible', timeout: DEADLINE_MS });
  const chartName = await until('the chart table equal to the API\'s figures', async () => {
    const api = await apiGet('/v1/fleet/hour?since=24h');
    const rows = await page.locator('#chart-table tbody tr').evaluateAll((trs) => trs.map((tr) => ({
      t: tr.querySelector('th time').getAttribute('datetime'),
      n: Number(tr.cells[1].textContent), d: Number(tr.cells[2].textContent) })));
    if (rows.length !== 25) throw new Error(`${rows.length} rows, want 25`);
    const byKey = new Map(api.groups.map((g) => [g.key, g]));
    for (const g of api.groups)
      if (!rows.some((r) => r.t === g.key)) throw new Error(`the API's hour ${g.key} is not in the table`);
    for (const r of rows) {
      const g = byKey.get(r.t);
      if (r.n !== (g ? g.indications : 0) || r.d !== (g ? g.devices : 0))
        throw new Error(`${r.t}: table ${r.n}/${r.d}, API ${g ? `${g.indications}/${g.devices}` : 'none'}`);
    }
    const total = api.groups.reduce((a, g) => a + g.indications, 0);
    const peak = Math.max(...rows.map((r) => r.n));
    const at = rows.find((r) => r.n === peak).t.slice(11, 16);
    if (total < 1) throw new Error('no indication in the API\'s figures');
    const want = `Distress indications per hour, last 25 h (UTC): total ${total}, peak ${peak} at ${at}`;
    // the name as assistive technology gets it (Playwright's accessible name)
    const named = await page.getByRole('img', { name: want, exact: true }).count();
    if (named !== 1) throw new Error(`no image named "${want}"`);
    return want;
  });
  await countSwaps(page);
  await until('two live updates of the summary', async () => (await page.evaluate(() => window.swaps)) >= 2);
  if (!(await page.locator('#chart-table').isVisible())) fail('a live update closed the chart\'s table');
  console.log(`ok: the chart is named "${chartName}"; its table holds the API's figures and stays open`);
  const reloads = await page.evaluate(() => performance.getEntriesByType('navigation').length);
  if (reloads !== loaded) fail('the page was reloaded');
  const row = await text('section[aria-labelledby=open] tbody tr');
  if (!/in distress/.test(row)) fail(`open incident row: ${row}`);
  await contrast(page, 'the summary');
  await page.screenshot({ path: join(shots, 'summary.png'), fullPage: true });
  console.log(`ok: distress arrived without a reload: ${row.replace(/\s+/g, ' ')}`);

  // ---- 3. the device page, approval ----------------------------------------
  await page.locator('section[aria-labelledby=open] a', { hasText: id }).focus();
  await page.keyboard.press('Enter');
  await page.locator('h1', { hasText: `Device ${id}` }).waitFor({ timeout: DEADLINE_MS });
  const ind = await until('an indication on the device page', async () => {
    const t = await text('li.ind .ind-head');
    return /method tls/.test(t) && /channel mtls/.test(t) && /signed/.test(t) ? t : null;
  });
  const cells = await page.locator('li.ind table tbody tr').first().locator('td').allTextContents();
  if (cells.length < 3 || !/^[0-9a-f]{64}$/.test(cells[1]) || !/^[0-9a-f]{64}$/.test(cells[2]) ||
      cells[1] === cells[2])
    fail(`failed component row: ${JSON.stringify(cells)}`);
  console.log(`ok: indication: ${ind.replace(/\s+/g, ' ')}; ${cells[0]} expected ${cells[1].slice(0, 12)}… measured ${cells[2].slice(0, 12)}…`);

  await page.locator('#act-approve').click();
  const dialog = page.locator('dialog#confirm');
  await dialog.waitFor({ state: 'visible', timeout: DEADLINE_MS });
  if (!/Approve remediation of/.test(await text('#confirm-title'))) fail('no approval dialog');
  await page.locator('#confirm-ok').click();
  await until('the approval in the status line', async () => /approved/.test(await text('#status')));
  const code = await firstBoot;
  if (code !== 13) fail(`the DCF exited ${code} after the approval, want 13 (remediated, new image pending)`);
  await until('the remediation attempt on the page', async () =>
    (await page.locator('section[aria-labelledby=attempts] tbody tr').count()) >= 1);
  const attempt = await text('section[aria-labelledby=attempts] tbody tr');
  console.log(`ok: approved in the page; the DCF was remediated (exit 13); attempt: ${attempt.replace(/\s+/g, ' ')}`);

  // ---- 4. recovery -----------------------------------------------------------
  const second = await bootDevice('2');
  if (second !== 0) fail(`the remediated device's start-up exited ${second}, want 0`);
  await until('the device healthy and its attempt recovered', async () => {
    const facts = await text('dl.facts');
    const att = await text('section[aria-labelledby=attempts] tbody');
    return /healthy/.test(facts) && /recovered/.test(att);
  });
  if (await page.locator('#act-approve').count() !== 0) fail('Approve still offered after recovery');
  await contrast(page, 'the device page');
  await page.screenshot({ path: join(shots, 'device.png'), fullPage: true });
  console.log('ok: recovered: the page shows the device healthy and its attempt recovered');

  await page.locator('nav a', { hasText: 'Summary' }).click();
  await until('the summary after recovery', async () =>
    (await text('#stat-success')) === '100 %' && (await text('#stat-open')) === '0');
  // the remediation figures say the window they cover (the counts' own:
  // since = the request's time less 30 days). The page is read first, the
  // API after it: whatever live update the page rendered came from a
  // request no later than the test's, so its since is never the newer one
  const win = await text('#attempts-window');
  const counts = await apiGet('/v1/devices/counts');
  const m = /^Attempts started in the last 30 days \(since (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) UTC\)/.exec(win);
  const lag = m ? Date.parse(counts.remediation_since) - Date.parse(`${m[1]}T${m[2]}Z`) : NaN;
  if (counts.remediation_window_s !== 2592000 || !(lag >= 0 && lag < DEADLINE_MS))
    fail(`the remediation window: "${win}" (API: ${counts.remediation_window_s} s since ${counts.remediation_since})`);
  const successLabel = await page.locator('#stat-success').locator('xpath=..').innerText();
  if (!/Remediation success, last 30 days/.test(successLabel)) fail(`the success rate's label: ${successLabel}`);
  await page.screenshot({ path: join(shots, 'summary-after.png'), fullPage: true });
  console.log('ok: the summary after recovery: no open incident, remediation success 100 %');

  // pause, cancelled with Escape (nothing sent), then confirmed; resume
  await page.locator('#class-femto-x1-pause').click();
  await page.locator('dialog#confirm').waitFor({ state: 'visible', timeout: DEADLINE_MS });
  await page.keyboard.press('Escape');
  await page.locator('dialog#confirm').waitFor({ state: 'hidden', timeout: DEADLINE_MS });
  const refocused = await page.evaluate(() => document.activeElement.id);
  if (refocused !== 'class-femto-x1-pause') fail(`after Escape the focus is on "${refocused}"`);
  await new Promise((r) => setTimeout(r, 2500));   // a poll or more: still not paused
  if ((await text('#stat-paused')) !== '0') fail('Escape paused the class');
  await page.locator('#class-femto-x1-pause').click();
  await page.locator('#confirm-ok').click();
  await until('the class paused', async () =>
    (await text('#stat-paused')) === '1' && (await page.locator('#class-femto-x1-resume').count()) === 1);
  await page.locator('#class-femto-x1-resume').click();
  await page.locator('#confirm-ok').click();
  await until('the class resumed', async () => (await text('#stat-paused')) === '0');
  console.log('ok: pause cancelled by Escape (nothing sent), then paused and resumed, each confirmed');
  // another operator, with maydayctl beside the page: the page follows
  const paused = await maydayctl('pause', 'femto-x1');
  if (paused.code !== 0) fail(`maydayctl pause femto-x1 exited ${paused.code}: ${paused.err}`);
  await until('the pause by maydayctl on the page', async () =>
    (await text('#stat-paused')) === '1' && (await page.locator('#class-femto-x1-resume').count()) === 1);
  await page.locator('#class-femto-x1-resume').click();
  await page.locator('#confirm-ok').click();
  await until('the class resumed after maydayctl\'s pause', async () => (await text('#stat-paused')) === '0');
  const listed = await maydayctl('--json', 'classes');   // the API's class objects, an array
  if (listed.code !== 0) fail(`maydayctl classes exited ${listed.code}: ${listed.err}`);
  const fx1 = JSON.parse(listed.out).find((c) => c.name === 'femto-x1');
  if (!fx1 || fx1.paused) fail(`maydayctl classes after the page's resume: ${JSON.stringify(fx1)}`);
  console.log('ok: a pause by maydayctl shown without a reload, resumed in the page, seen resumed by maydayctl');
  // a live update in flight when the dialog opens is not shown under it,
  // so Escape still brings the focus back to the button
  const inflight = await holdGets(page);
  await page.locator('#class-femto-x1-pause').click();
  await page.locator('dialog#confirm').waitFor({ state: 'visible', timeout: DEADLINE_MS });
  await inflight.release();
  await page.keyboard.press('Escape');
  await page.locator('dialog#confirm').waitFor({ state: 'hidden', timeout: DEADLINE_MS });
  const back = await page.evaluate(() => document.activeElement.id || document.activeElement.tagName);
  if (back !== 'class-femto-x1-pause') fail(`a live update in flight under the dialog: focus on "${back}" after Escape`);
  console.log('ok: a live update in flight while the dialog was open did not lose the focus');

  // the device list: filtered, by keyboard
  await page.goto(`${base}/ui/?poll=2#/devices?state=healthy`);
  await until('the filtered device list', async () => /3 devices match/.test(await text('#match-count')));
  await contrast(page, 'the device list');
  // no horizontal scrolling at 1366x768
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 1366) fail(`the device list is ${wide} px wide at 1366x768`);
  console.log('ok: the device list filtered by state');
  // keyboard focus on a link without an id survives live updates
  const link = page.locator('#view a[href^="#/device/"]').first();
  const href = await link.getAttribute('href');
  await link.focus();
  await countSwaps(page);
  await until('two live updates of the list', async () => (await page.evaluate(() => window.swaps)) >= 2);
  const kept = await page.evaluate(() => document.activeElement.getAttribute('href') || document.activeElement.tagName);
  if (kept !== href) fail(`after two live updates the focus is on "${kept}", not the link ${href}`);
  console.log(`ok: the focus stayed on the device link ${href} through two live updates`);
  // text typed into a filter while a live update was in flight stays
  const typing = await holdGets(page);
  await page.locator('#f-image').fill('typed-in-flight');
  await typing.release();
  const typed = await page.locator('#f-image').inputValue();
  if (typed !== 'typed-in-flight') fail(`a live update wiped the filter being typed: "${typed}"`);
  await page.locator('#f-image').fill('');
  await page.locator('#f-image').blur();
  console.log('ok: text typed while a live update was in flight was kept');
  // device IDs that are route names or malformed addresses
  const enc = await page.evaluate(async () => (await import('./js/api.js')).seg('counts'));
  if (enc !== '%63ounts') fail(`seg("counts") is "${enc}"`);
  const seen = problems.length;
  await page.goto(`${base}/ui/?poll=2#/device/counts`);
  await until('"counts" looked up as a device', async () =>
    /Could not load/.test(await text('#view')));
  await page.goto(`${base}/ui/?poll=2#/device/%E0%A4%A`);
  await until('a malformed device address said', async () => /No such device/.test(await text('#view')));
  await page.locator('nav a', { hasText: 'Summary' }).click();
  await page.locator('h1', { hasText: 'Fleet summary' }).waitFor({ timeout: DEADLINE_MS });
  await page.evaluate(() => new Promise((r) => setTimeout(r, 1000)));   // requests of the views left
  const refused = problems.splice(seen);
  if (!refused.some((p) => /404 for .*\/v1\/devices\/%63ounts$/.test(p)) ||
      refused.some((p) => !/404 for .*\/v1\/devices\/%63ounts(\/|$)/.test(p) && !/status of 404/.test(p)))
    fail(`the device "counts": ${refused.join('; ')}`);
  console.log('ok: a device named "counts" is looked up as a device; a malformed address is "no such device"');
  // a failed check of the kept token on load (500) keeps it and tries again
  const before500 = problems.length;
  await page.route('**/v1/whoami', (r) => r.fulfill({ status: 500, contentType: 'application/json',
    body: '{"error":{"code":"internal","message":"internal error"}}' }));
  await page.reload();
  await until('the failed token check said', async () => /Could not check the token/.test(await text('#status')));
  if (await page.evaluate(() => sessionStorage.getItem('mayday.token')) !== token)
    fail('a 500 from /v1/whoami made the page forget the token');
  await page.unroute('**/v1/whoami');
  await page.locator('h1', { hasText: 'Fleet summary' }).waitFor({ timeout: DEADLINE_MS });
  const errs = problems.splice(before500);
  if (errs.some((p) => !/500 for .*\/v1\/whoami$/.test(p) && !/status of 500/.test(p)))
    fail(`the failed token check: ${errs.join('; ')}`);
  console.log('ok: a failed token check on load (500) keeps the token and tries again');

  // ---- 6. roles: a refused token, then a viewer sees no action --------------
  await page.goto(`${base}/ui/?poll=2#/`);
  await page.locator('#logout').click();
  const before = problems.length;
  await page.locator('#token').fill('mdt_0000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  await page.keyboard.press('Enter');
  await until('the refused token said', async () => /refused/.test(await text('#login-error')));
  if (await page.evaluate(() => sessionStorage.getItem('mayday.token')) !== null)
    fail('a refused token stayed in sessionStorage');
  // the refusal is the browser's to report: one 401 for /v1/whoami, and
  // Chromium's console line about it; nothing else
  const refusal = problems.splice(before);
  if (!refusal.some((p) => /^401 for .*\/v1\/whoami$/.test(p)) ||
      refusal.some((p) => !/^401 for .*\/v1\/whoami$/.test(p) && !/status of 401/.test(p)))
    fail(`the refused token: ${refusal.join('; ')}`);
  await page.locator('#token').fill(viewer);
  await page.keyboard.press('Enter');
  await page.locator('h1', { hasText: 'Fleet summary' }).waitFor({ timeout: DEADLINE_MS });
  if (await page.locator('section[aria-labelledby=classes] button').count() !== 0)
    fail('a viewer is offered pause or resume');
  await page.goto(`${base}/ui/?poll=2#/device/${id}`);
  await page.locator('h1', { hasText: `Device ${id}` }).waitFor({ timeout: DEADLINE_MS });
  if (await page.locator('#act-approve, #act-revoke').count() !== 0) fail('a viewer is offered approve or revoke');
  if (!/may look, not act/.test(await text('.device .note'))) fail('no word on the viewer\'s role');
  console.log('ok: a refused token is said and forgotten; a viewer sees no action');

  // ---- 7. a hostile device ID is shown as text, never as markup -------------
  const hostile = '<b>hnb&amp;"\'<i>x<img>';
  const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey
    .export({ type: 'spki', format: 'pem' });
  const enrolled = await fetch(`${base}/v1/devices`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ device_id: hostile, product_class: 'femto-x1', public_key_pem: pem }),
  });
  if (enrolled.status !== 201) fail(`enrolling the hostile ID: ${enrolled.status} ${await enrolled.text()}`);
  await page.goto(`${base}/ui/?poll=2#/devices`);
  await until('the hostile ID in the list', async () =>
    (await page.locator('#view a', { hasText: hostile }).count()) === 1);
  if (await page.locator('#view b, #view i, #view img').count() !== 0)
    fail('a device ID was parsed as markup in the list');
  await page.locator('#view a', { hasText: hostile }).click();
  await page.locator('h1', { hasText: `Device ${hostile}` }).waitFor({ timeout: DEADLINE_MS });
  if (await page.locator('#view b, #view i, #view img').count() !== 0)
    fail('a device ID was parsed as markup on its page');
  console.log(`ok: the device ID ${hostile} is shown as text in the list and on its page`);
} catch (e) {
  // a step's own error (a Playwright timeout, a page gone): said as a failure
  await current.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {});
  fail(`${e.message}\n${e.stack}`);
} finally {
  await ctx.close();
}
if (problems.length) fail(problems.join('\n'));
console.log('ok: no console error, no CSP violation');
