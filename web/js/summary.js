// SPDX-License-Identifier: Apache-2.0
// The fleet summary: devices by state and class (GET /v1/devices/counts),
// distress over 24 hours (GET /v1/fleet/hour), the open incidents and the
// devices that need maintenance, remediation in flight and its success rate (the
// attempts by result, in the counts), the product classes and their pauses
// (GET /v1/classes, with pause and resume for operators) and the newest
// anomalies. Five requests; each answer's size is bounded whatever the
// fleet's. The remediation figures are over the attempts started in the
// counts' window (30 days, remediation_window_s; docs/api.md), said next to
// them.
import { get, post, seg, may } from './api.js';
import { h, table, section, badge, deviceLink, when, text, stateLabel, plural } from './dom.js';
import { distressChart } from './chart.js';
import { confirmAction } from './confirm.js';

const STATES = ['healthy', 'in_distress', 'remediation_scheduled', 'remediation_in_progress',
  'installed', 'recovered', 'remediation_failed', 'unreachable'];

function stat(label, value, id) {
  return h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, label),
    h('span', { class: 'stat-value', id }, String(value)));
}

async function classAction(ctx, name, pause) {
  const verb = pause ? 'Pause' : 'Resume';
  const ok = await confirmAction(`${verb} remediation of ${name}?`,
    pause ? `Devices of class ${name} will not be remediated until it is resumed.`
      : `Remediation of class ${name} starts again for its devices in distress.`,
    verb);
  if (!ok) return;
  try {
    await post(`/v1/classes/${seg(name)}/${pause ? 'pause' : 'resume'}`);
    ctx.say(`${name}: ${pause ? 'paused' : 'resumed'}.`);
  } catch (e) {
    ctx.say(`${verb} ${name} failed: ${e.message}`);
  }
  ctx.refresh();
}

export async function renderSummary(root, ctx) {
  const [counts, classes, hours, anomalies, open] = await Promise.all([
    get('/v1/devices/counts'),
    get('/v1/classes'),
    get('/v1/fleet/hour', { since: '24h' }),
    get('/v1/fleet/anomalies', { limit: 5 }),
    get('/v1/devices', { maintenance: 'true', limit: 10 }),
  ]);
  const rem = counts.remediation || {};
  const inFlight = (rem.in_progress || 0) + (rem.installed || 0);
  const done = (rem.recovered || 0) + (rem.failed || 0);
  const rate = done ? `${Math.round((100 * rem.recovered) / done)} %` : 'n/a';
  const days = Math.round((counts.remediation_window_s || 0) / 86400);
  const windowText = `last ${days} days`;
  const paused = classes.classes.filter((c) => c.paused);
  const chart = distressChart(hours.groups, hours.since, hours.until);
  const operator = may(ctx.role, 'operator');

  const stateRows = STATES.filter((s) => counts.by_state[s] !== undefined)
    .concat(Object.keys(counts.by_state).filter((s) => !STATES.includes(s)))
    .map((s) => [h('a', { href: `#/devices?state=${encodeURIComponent(s)}` }, badge(s)),
      String(counts.by_state[s])]);
  const classRows = Object.entries(counts.by_class).map(([c, n]) =>
    [h('a', { href: `#/devices?class=${encodeURIComponent(c)}` }, c), String(n)]);

  return h('div', { class: 'summary' },
    h('h1', {}, 'Fleet summary'),
    h('div', { class: 'stats', id: 'stats' },
      stat('Devices', counts.total, 'stat-total'),
      stat('Open incidents', counts.open_incidents, 'stat-open'),
      stat('Remediation in flight', inFlight, 'stat-inflight'),
      stat(`Remediation success, ${windowText}`, rate, 'stat-success'),
      stat('Paused classes', paused.length, 'stat-paused'),
      stat('Revoked', counts.revoked, 'stat-revoked')),
    h('div', { class: 'cols' },
      section('Devices by state', 'by-state', table('Devices by state', ['State', 'Devices'], stateRows, 'No devices enrolled.', true)),
      section('Devices by class', 'by-class', table('Devices by product class', ['Class', 'Devices'], classRows, 'No devices enrolled.', true))),
    section('Distress over time', 'distress',
      h('figure', { class: 'chart-box' }, chart.svg,
        h('figcaption', {}, `${plural(chart.total, 'signed indication')} in the last ${chart.hours} hours (this one so far included), by UTC hour.`)),
      chart.table),
    section('Devices needing maintenance', 'open',
      table(`Devices needing maintenance (${counts.needs_maintenance})`,
        ['Device', 'Class', 'State', 'Since', 'Failed component'],
        open.devices.map((d) => [deviceLink(d.device_id), text(d.product_class), badge(d.state),
          when(d.state_since), text(d.last_failed_component)]),
        'No device needs maintenance.'),
      open.next_cursor ? h('p', {}, h('a', { href: '#/devices?maintenance=true' }, `All ${open.count} devices needing maintenance`)) : null),
    section('Remediation by class', 'classes',
      h('p', { id: 'attempts-window' }, `Attempts started in the ${windowText} (since ${when(counts.remediation_since)}): ${rem.in_progress || 0} in progress, ${rem.installed || 0} installed (awaiting proof), ` +
        `${rem.recovered || 0} recovered, ${rem.failed || 0} failed.`),
      table('Product classes', ['Class', 'Devices', 'In distress', 'Scheduled', 'In progress', 'Failed', 'Paused', operator ? 'Action' : null].filter(Boolean),
        classes.classes.map((c) => [c.name, String(c.devices), String(c.in_distress),
          String(c.remediation_scheduled), String(c.remediation_in_progress), String(c.remediation_failed),
          c.paused ? `paused since ${when(c.paused_at)}` : 'no',
          operator ? h('button', {
            type: 'button', id: `class-${c.name}-${c.paused ? 'resume' : 'pause'}`,
            onclick: () => classAction(ctx, c.name, !c.paused),
          }, c.paused ? `Resume ${c.name}` : `Pause ${c.name}`) : null].filter((x) => x !== null)),
        'No product classes.')),
    section('Fleet anomalies', 'anom',
      table('Newest anomalies', ['Detected', 'Class', 'Component', 'Devices', 'Paused the class'],
        anomalies.anomalies.map((a) => [when(a.detected_at), a.class, text(a.component),
          `${a.devices} (threshold ${a.threshold} in ${a.window_s} s)`, a.paused ? 'yes' : 'no']),
        'No fleet anomalies recorded.', true),
      h('p', {}, h('a', { href: '#/anomalies' }, 'All anomalies'))));
}

export { STATES, stateLabel };
