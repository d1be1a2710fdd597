// SPDX-License-Identifier: Apache-2.0
// The device list (GET /v1/devices): the API's filters as a form, its
// pages by cursor. The filters and the cursor live in the address
// (#/devices?state=in_distress&cursor=...), so a page can be bookmarked
// and the browser's Back goes to the previous page.
import { get } from './api.js';
import { h, table, badge, deviceLink, when, text, stateLabel, plural } from './dom.js';
import { STATES } from './summary.js';

const FILTERS = ['state', 'class', 'image', 'failed_component', 'maintenance'];
const PAGE = 50;

function go(params) {
  const qs = new URLSearchParams();
  for (const [k, v] of params) if (v) qs.set(k, v);
  window.location.hash = `#/devices${qs.toString() ? `?${qs}` : ''}`;
}

function field(label, id, control) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

export async function renderDevices(root, ctx, arg, params) {
  const q = { limit: PAGE, cursor: params.get('cursor') };
  for (const f of FILTERS) q[f] = params.get(f);
  const [page, counts] = await Promise.all([get('/v1/devices', q), get('/v1/devices/counts')]);

  const stateSel = h('select', { id: 'f-state', name: 'state' },
    h('option', { value: '' }, 'any'),
    STATES.map((s) => h('option', { value: s, selected: params.get('state') === s }, stateLabel(s))));
  const classSel = h('select', { id: 'f-class', name: 'class' },
    h('option', { value: '' }, 'any'),
    Object.keys(counts.by_class).map((c) => h('option', { value: c, selected: params.get('class') === c }, c)));
  const image = h('input', { id: 'f-image', name: 'image', value: params.get('image') || '', size: 12 });
  const comp = h('input', { id: 'f-comp', name: 'failed_component', value: params.get('failed_component') || '', size: 14 });
  const maint = h('input', { id: 'f-maint', name: 'maintenance', type: 'checkbox', checked: params.get('maintenance') === 'true' });

  const form = h('form', {
    class: 'filters', 'aria-label': 'Filter devices',
    onsubmit: (ev) => {
      ev.preventDefault();
      go([['state', stateSel.value], ['class', classSel.value], ['image', image.value.trim()],
        ['failed_component', comp.value.trim()], ['maintenance', maint.checked ? 'true' : '']]);
    },
  },
  field('State', 'f-state', stateSel), field('Class', 'f-class', classSel),
  field('Image version', 'f-image', image), field('Failed component', 'f-comp', comp),
  h('div', { class: 'field check' }, maint, h('label', { for: 'f-maint' }, 'Needs maintenance')),
  h('div', { class: 'field' }, h('button', { type: 'submit', id: 'f-apply' }, 'Apply')),
  h('div', { class: 'field' }, h('button', { type: 'button', id: 'f-clear', onclick: () => go([]) }, 'Clear')));

  const filters = FILTERS.map((f) => [f, params.get(f)]);
  const nav = h('nav', { class: 'pager', 'aria-label': 'Pages' },
    params.get('cursor') ? h('button', { type: 'button', id: 'page-prev', onclick: () => window.history.back() }, 'Previous page') : null,
    page.next_cursor ? h('button', {
      type: 'button', id: 'page-next',
      onclick: () => go([...filters, ['cursor', page.next_cursor]]),
    }, 'Next page') : null);

  return h('div', {},
    h('h1', {}, 'Devices'),
    form,
    h('p', { id: 'match-count' }, `${plural(page.count, 'device')} ${page.count === 1 ? 'matches' : 'match'}.`),
    table('Devices', ['Device', 'Class', 'State', 'Since', 'Last seen', 'Image', 'Failed component', 'Indications'],
      page.devices.map((d) => [deviceLink(d.device_id), text(d.product_class), badge(d.state),
        when(d.state_since), when(d.last_seen), text(d.image_version), text(d.last_failed_component),
        String(d.indications)]),
      'No device matches these filters.', true),
    nav);
}
