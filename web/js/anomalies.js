// SPDX-License-Identifier: Apache-2.0
// Fleet anomalies (GET /v1/fleet/anomalies) beside the failing components
// and digests of the last 24 hours (GET /v1/fleet/component, /digest): the
// same component failing on many devices, and whether it measured the same.
import { get } from './api.js';
import { h, table, section, when, text, digest } from './dom.js';

export async function renderAnomalies() {
  const [an, comps, digs] = await Promise.all([
    get('/v1/fleet/anomalies', { limit: 100 }),
    get('/v1/fleet/component', { since: '24h', limit: 20 }),
    get('/v1/fleet/digest', { since: '24h', limit: 20 }),
  ]);
  return h('div', {},
    h('h1', {}, 'Fleet anomalies'),
    section('Anomalies detected', 'an-list',
      table('Anomalies', ['Detected', 'Class', 'Component', 'Devices', 'Threshold', 'Window', 'Paused the class'],
        an.anomalies.map((a) => [when(a.detected_at), a.class, text(a.component), String(a.devices),
          String(a.threshold), `${a.window_s} s`, a.paused ? 'yes' : 'no']),
        'No fleet anomalies recorded.', true)),
    section('Failing components, last 24 hours', 'an-comp',
      table('Failing components', ['Component', 'Devices', 'Indications', 'Last'],
        comps.groups.map((g) => [text(g.key), String(g.devices), String(g.indications), when(g.last_at)]),
        'No failed component reported in the last 24 hours.', true)),
    section('Measured digests, last 24 hours', 'an-dig',
      table('Measured digests', ['Component', 'Measured digest', 'Devices', 'Indications'],
        digs.groups.map((g) => [text(g.key), digest(g.measured_digest), String(g.devices), String(g.indications)]),
        'No measured digest reported in the last 24 hours.', true)));
}
