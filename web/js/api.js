// SPDX-License-Identifier: Apache-2.0
// The public REST API (docs/api.md), and nothing else: every request
// carries the operator's bearer token, kept in this tab's sessionStorage
// only. No cookies are sent (credentials: 'omit'); the API defines none.
const KEY = 'mayday.token';

export const token = () => sessionStorage.getItem(KEY);
export const setToken = (t) => sessionStorage.setItem(KEY, t);
export const forgetToken = () => sessionStorage.removeItem(KEY);

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// method, path ("/v1/devices"), query: an object whose empty values are left
// out; tok: the token to send (default: the one kept).
// A write sends {} as application/json even when it says nothing more: the
// API refuses a write of any other type (a hostile page's form, docs/api.md
// "Cross-site requests").
export async function api(method, path, query, tok = token()) {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(query || {}))
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  let r;
  try {
    const write = method !== 'GET' && method !== 'HEAD';
    const headers = { Authorization: `Bearer ${tok || ''}`, Accept: 'application/json' };
    if (write) headers['Content-Type'] = 'application/json';
    r = await fetch(url, {
      method,
      headers,
      body: write ? '{}' : undefined,
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (e) {
    throw new ApiError(0, 'network', `maydayd did not answer (${e.message})`);
  }
  let body = null;
  if (r.status !== 204) {
    try { body = await r.json(); } catch { body = null; }
  }
  if (!r.ok) {
    const e = body && body.error;
    throw new ApiError(r.status, e ? e.code : 'http', e ? e.message : `HTTP ${r.status}`);
  }
  return body;
}

export const get = (path, query) => api('GET', path, query);
export const post = (path) => api('POST', path);
// A path segment: device IDs and class names are percent-encoded, the first
// byte always, so that an ID such as "counts" is never read as the route of
// that name (the API matches literal segments before decoding). "." and
// ".." cannot be sent at all: a browser's URL parser collapses them, encoded
// or not, so they are refused here rather than sent as another path.
export function seg(s) {
  if (s === '.' || s === '..')
    throw new ApiError(0, 'unaddressable', `"${s}" cannot be named in a browser's URL: use maydayctl`);
  const e = encodeURIComponent(s);
  if (e.startsWith('%')) return e;
  return `%${e.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}${e.slice(1)}`;
}

// Roles in order (docs/api.md "Roles").
const ROLES = { viewer: 1, operator: 2, admin: 3 };
export const may = (role, need) => (ROLES[role] || 0) >= ROLES[need];
