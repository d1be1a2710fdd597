// SPDX-License-Identifier: Apache-2.0
// Building the page. Text from the API (much of it a device sent) is only
// ever set as text (textContent, text nodes), never parsed as markup.
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : String(kid));
  }
  return el;
}

export const text = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));

// "2026-12-07T08:00:00Z" -> "2026-12-07 08:00:00 UTC"
export const when = (t) => (t ? t.replace('T', ' ').replace('Z', ' UTC') : '—');

export const stateLabel = (s) => (s || 'unknown').replaceAll('_', ' ');

export function badge(state) {
  return h('span', { class: `badge st-${state}` }, stateLabel(state));
}

// A table with a caption (its accessible name; shown unless `hidden`, when
// a heading above already says it) and column headers.
export function table(caption, heads, rows, empty, hidden) {
  if (rows.length === 0)
    return h('p', { class: 'empty' }, empty || `${caption}: none.`);
  return h('table', {},
    h('caption', { class: hidden ? 'sr' : null }, caption),
    h('thead', {}, h('tr', {}, heads.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))));
}

export function section(title, id, ...kids) {
  return h('section', { 'aria-labelledby': id },
    h('h2', { id }, title), ...kids);
}

export const deviceLink = (id) =>
  h('a', { href: `#/device/${encodeURIComponent(id)}` }, id);

// A long hex digest, shown whole (it is evidence) but breakable.
export const digest = (hex) => h('code', { class: 'digest' }, text(hex));

// "1 indication", "3 indications"
export const plural = (n, one, many) => `${n} ${n === 1 ? one : many || `${one}s`}`;

// Where the focus is inside `root`, as something that survives the view
// being built again: the element's id, or its tag, its href (else its text)
// and which of the elements alike it is. Most links and buttons have no id.
export function focusKey(root, el) {
  if (!el || el === document.body || !root.contains(el)) return null;
  if (el.id) return { id: el.id };
  const sig = (e) => `${e.tagName}|${e.getAttribute('href') || e.textContent}`;
  const s = sig(el);
  const alike = [...root.querySelectorAll(el.tagName)].filter((e) => sig(e) === s);
  return { sig: s, tag: el.tagName, n: alike.indexOf(el) };
}

// The element `key` names in `root` now, or null.
export function findKey(root, key) {
  if (!key) return null;
  if (key.id) return document.getElementById(key.id);
  const sig = (e) => `${e.tagName}|${e.getAttribute('href') || e.textContent}`;
  return [...root.querySelectorAll(key.tag)].filter((e) => sig(e) === key.sig)[key.n] || null;
}
