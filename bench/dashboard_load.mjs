// SPDX-License-Identifier: Apache-2.0
// bench/dashboard.sh's browser half: how long Debian's Chromium takes to show
// the dashboard's fleet summary, from the start of the navigation to the
// summary rendered (its device total on screen), with the token already in
// the tab's sessionStorage. Each run is a fresh load of /ui/ in the same
// profile, as an operator reloading it (the files revalidate: 304).
// Prints one line per run, then "median MS".
// usage: node dashboard_load.mjs BASE_URL TOKEN PROFILE_DIR TOTAL RUNS
import { chromium } from '../tests/browser/node_modules/playwright-core/index.mjs';

const [base, token, profile, total, runs] = process.argv.slice(2);
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1366, height: 768 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
await ctx.addInitScript((t) => sessionStorage.setItem('mayday.token', t), token);
const page = ctx.pages()[0] || await ctx.newPage();
const times = [];
for (let i = 0; i < Number(runs); i++) {
  const t0 = Date.now();
  await page.goto(`${base}/ui/`, { waitUntil: 'commit' });
  await page.waitForFunction((n) => {
    const e = document.getElementById('stat-total');
    return e && e.textContent === n;
  }, String(total), { timeout: 300000, polling: 'raf' });
  const ms = Date.now() - t0;
  times.push(ms);
  console.log(`run ${i + 1}: ${ms} ms`);
}
await ctx.close();
times.sort((a, b) => a - b);
console.log(`median ${times[Math.floor(times.length / 2)]}`);
