// SPDX-License-Identifier: Apache-2.0
// One device (GET /v1/devices/{id} and its indications): what it is, its
// incidents as a timeline with each indication (method, channel
// authentication, trust) and its failed components (expected and measured
// digests), the remediation attempts with their CWMP faults, and the ACS's
// decisions. Operators get approve and revoke, each confirmed first.
import { get, post, seg, may } from './api.js';
import { h, table, section, badge, when, text, digest, plural } from './dom.js';
import { confirmAction } from './confirm.js';

async function act(ctx, id, what) {
  const texts = {
    approve: [`Approve remediation of ${id}?`, `maydayd will remediate ${id} at its next announcement (its open incident is approved).`, 'Approve'],
    revoke: [`Revoke ${id}?`, `${id}'s key will no longer verify: what it sends from now on is recorded as unverified. This cannot be undone from here.`, 'Revoke'],
  };
  if (!await confirmAction(...texts[what])) return;
  try {
    const r = await post(`/v1/devices/${seg(id)}/${what}`);
    ctx.say(what === 'approve'
      ? `${id}: incident ${r.incident_id} ${r.already ? 'was already approved' : 'approved'}.`
      : `${id}: revoked.`);
  } catch (e) {
    ctx.say(`${what} ${id} failed: ${e.message}`);
  }
  ctx.refresh();
}

function indicationView(i) {
  const comps = i.failed_components || [];
  return h('li', { class: 'ind', 'data-indication': i.id },
    h('p', { class: 'ind-head' },
      h('strong', {}, when(i.received_at)), ' — ', text(i.reason),
      ` · method ${text(i.method)} · channel ${text(i.channel_auth)} · `,
      h('span', { class: `trust trust-${i.trust}` }, text(i.trust)),
      ` · image ${text(i.image_version)} slot ${text(i.slot)} · counter ${text(i.counter)}`),
    comps.length === 0 ? null :
      table(`Failed components of indication ${i.id}`, ['Component', 'Expected digest', 'Measured digest', 'Sizes (expected / measured)'],
        comps.map((c) => [text(c.name), digest(c.expected_digest), digest(c.measured_digest),
          `${c.expected_size} / ${c.measured_size}`])));
}

export async function renderDevice(root, ctx, id) {
  const [d, inds] = await Promise.all([
    get(`/v1/devices/${seg(id)}`),
    get(`/v1/devices/${seg(id)}/indications`, { limit: 100 }),
  ]);
  const operator = may(ctx.role, 'operator');
  const open = d.incidents.find((i) => !i.closed_at);
  const byIncident = new Map();
  for (const i of inds.indications) {
    const k = i.incident_id || 0;
    if (!byIncident.has(k)) byIncident.set(k, []);
    byIncident.get(k).push(i);
  }
  const facts = [['Class', text(d.product_class)], ['State', badge(d.state)], ['Since', when(d.state_since)],
    ['Last seen', when(d.last_seen)], ['Image (last indication)', text(d.image_version)],
    ['Last failed component', text(d.last_failed_component)],
    ['Indications', `${d.indications} signed, ${d.unverified_indications} unverified`],
    ['Enrolled', when(d.enrolled_at)],
    ['Revoked', d.revoked_at ? `${when(d.revoked_at)} by ${text(d.revoked_by)}` : 'no']];
  const dl = h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));

  const actions = operator ? h('div', { class: 'actions', role: 'group', 'aria-label': 'Actions' },
    open ? h('button', { type: 'button', id: 'act-approve', onclick: () => act(ctx, id, 'approve') }, 'Approve remediation') : null,
    d.revoked_at ? null : h('button', { type: 'button', id: 'act-revoke', class: 'danger', onclick: () => act(ctx, id, 'revoke') }, 'Revoke device'))
    : h('p', { class: 'note' }, `Your role (${ctx.role}) may look, not act.`);

  const timeline = d.incidents.map((inc) => h('li', { class: 'incident', 'data-incident': inc.id },
    h('h3', {}, `Incident ${inc.id}: `, badge(inc.state)),
    h('p', {}, `opened ${when(inc.opened_at)} · ${inc.closed_at ? `closed ${when(inc.closed_at)}` : 'open'} · ${plural(inc.indications, 'indication')}`),
    h('ol', { class: 'inds', 'aria-label': `Indications of incident ${inc.id}` },
      (byIncident.get(inc.id) || []).map(indicationView))));
  const loose = byIncident.get(0) || [];

  return h('div', { class: 'device' },
    h('p', {}, h('a', { href: '#/devices' }, '← Devices')),
    h('h1', {}, `Device ${d.device_id}`),
    dl, actions,
    section('Incident timeline', 'timeline',
      timeline.length ? h('ol', { class: 'timeline' }, timeline) : h('p', { class: 'empty' }, 'No incident.'),
      loose.length ? h('div', {}, h('h3', {}, 'Indications outside an incident'),
        h('ol', { class: 'inds' }, loose.map(indicationView))) : null,
      inds.next_cursor ? h('p', { class: 'note' }, 'Only the newest 100 indications are shown.') : null),
    section('Remediation attempts', 'attempts',
      table('Remediation attempts', ['Incident', 'Attempt', 'Started', 'Finished', 'Result', 'CWMP fault', 'Bundle'],
        d.remediation_attempts.map((a) => [String(a.incident_id), String(a.attempt), when(a.started_at),
          when(a.finished_at), badge(a.result),
          a.fault_code ? `${a.fault_code} ${text(a.detail)}` : (a.detail ? text(a.detail) : 'none'),
          `${text(a.bundle)} (${a.bundle_size} bytes${a.downloaded ? ', downloaded' : ''})`]),
        'No remediation attempt.', true)),
    section('ACS decisions', 'history',
      table('ACS decisions', ['At', 'Incident', 'Decision'],
        d.history.map((n) => [when(n.at), text(n.incident_id), text(n.text)]), 'No decision recorded.', true)));
}
