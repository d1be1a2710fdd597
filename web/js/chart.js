// SPDX-License-Identifier: Apache-2.0
// Distress over time: signed indications per UTC hour over the last day
// (GET /v1/fleet/hour), as an SVG bar chart drawn here. Hours with
// nothing are drawn as empty (the API lists only hours that had some).
// Colours come from the stylesheet (classes), so the chart obeys the
// Content-Security-Policy (no inline style). The chart is an image with an
// accessible name that says what it shows (total, peak and its hour); the
// same figures, every hour, are a table behind "Show as table" (a
// <details>, reachable by keyboard, whose state outlives live updates).
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const HOUR = 3600 * 1000;

function el(tag, attrs, textContent) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (textContent !== undefined) e.textContent = textContent;
  return e;
}

// Whether the operator opened the table: kept across live updates, which
// build the view again.
let tableOpen = false;

const hh = (t) => new Date(t).toISOString().slice(11, 16);

// groups: the API's [{key: "2026-12-07T08:00:00Z", devices, indications}];
// since, until: the answer's. Every hour bucket from since's to until's is
// drawn (since=24h gives 25: the 24 whole hours before this one and this
// one), so no group the API counted is left out of the bars or the total.
// Returns {svg, table, total, peak, hours}: table is the <details> holding
// the figures as a table.
export function distressChart(groups, since, until) {
  const end = Math.floor(Date.parse(until) / HOUR) * HOUR;
  const hours = Math.max(1, Math.min(48, Math.round((end - Math.floor(Date.parse(since) / HOUR) * HOUR) / HOUR) + 1));
  const byHour = new Map(groups.map((g) => [Date.parse(g.key), g]));
  const buckets = [];
  for (let i = hours - 1; i >= 0; i--) {
    const t = end - i * HOUR;
    const g = byHour.get(t);
    buckets.push({ t, n: g ? g.indications : 0, d: g ? g.devices : 0 });
  }
  const total = buckets.reduce((s, b) => s + b.n, 0);
  const peak = Math.max(0, ...buckets.map((b) => b.n));
  const W = 720, H = 200, L = 44, R = 8, T = 12, B = 28;
  const plotW = W - L - R, plotH = H - T - B, bw = plotW / hours;
  const top = Math.max(1, peak);
  // the first of the busiest hours (none when nothing came)
  const peakAt = peak > 0 ? buckets.find((b) => b.n === peak).t : null;
  const name = `Distress indications per hour, last ${hours} h (UTC): total ${total}, ` +
    (peakAt === null ? 'none in any hour' : `peak ${peak} at ${hh(peakAt)}`);
  const svg = el('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': name,
  });
  svg.append(el('title', {}, name));
  // axes and the two gridlines: 0 and the peak
  for (const v of [0, top]) {
    const y = T + plotH - (v / top) * plotH;
    svg.append(el('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'grid' }));
    svg.append(el('text', { x: L - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, String(v)));
  }
  buckets.forEach((b, i) => {
    const x = L + i * bw;
    const hgt = (b.n / top) * plotH;
    const bar = el('rect', {
      x: x + 1, y: T + plotH - hgt, width: Math.max(1, bw - 2), height: hgt,
      class: b.n > 0 ? 'bar' : 'bar empty', 'data-hour': new Date(b.t).toISOString(),
      'data-count': b.n,
    });
    bar.append(el('title', {}, `${hh(b.t)} UTC: ${b.n} indications from ${b.d} devices`));
    svg.append(bar);
    if (i % 6 === 0 || i === hours - 1)
      svg.append(el('text', { x: x + bw / 2, y: H - 8, class: 'axis', 'text-anchor': 'middle' }, hh(b.t)));
  });
  const table = h('details', { class: 'chart-table', open: tableOpen,
    ontoggle: (e) => { tableOpen = e.target.open; } },
  h('summary', { id: 'chart-table-toggle' }, 'Show as table'),
  h('table', { id: 'chart-table' },
    h('caption', {}, `Distress indications per UTC hour, last ${hours} hours (total ${total})`),
    h('thead', {}, h('tr', {}, ['Hour (UTC)', 'Indications', 'Devices'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, buckets.map((b) => h('tr', {},
      h('th', { scope: 'row' }, h('time', { datetime: new Date(b.t).toISOString().replace('.000', '') },
        new Date(b.t).toISOString().slice(0, 16).replace('T', ' '))),
      h('td', {}, String(b.n)), h('td', {}, String(b.d)))))));
  return { svg, table, total, peak, hours };
}
