// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The JSON API of `phieu serve` (docs/api.md) as small async functions. Every call that
// changes something sends the X-CSRF-Token the login returned. A non-2xx answer throws an
// ApiError carrying the status and the server's {"error": TEXT}.

const kCsrfKey = 'phieu.csrf';

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

let csrf = null;
try { csrf = sessionStorage.getItem(kCsrfKey); } catch { csrf = null; }

function RememberCsrf(token) {
  csrf = token || null;
  try {
    if (csrf) sessionStorage.setItem(kCsrfKey, csrf); else sessionStorage.removeItem(kCsrfKey);
  } catch { /* storage disabled: kept in memory only */ }
}

async function Call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, e && e.message ? e.message : 'network error');
  }
  if (response.status === 204) return null;
  let data = null;
  const text = await response.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    const message = data && typeof data.error === 'string' ? data.error : '';
    throw new ApiError(response.status, message, data);
  }
  return data;
}

const Id = (id) => encodeURIComponent(String(id));

/// {user, role, csrf}; remembers the CSRF token for later calls.
export async function Login(user, password) {
  const me = await Call('POST', '/api/login', { user, password });
  RememberCsrf(me && me.csrf);
  return me;
}

export async function Logout() {
  try { await Call('POST', '/api/logout'); } finally { RememberCsrf(null); }
}

/// {user, role[, csrf]} of the session, or throws ApiError 401.
export async function Me() {
  const me = await Call('GET', '/api/me');
  if (me && me.csrf) RememberCsrf(me.csrf);
  return me;
}

/// The next item leased to this reviewer, or null when nothing is left. `exclude`: ids the
/// screen already holds (the current item, the prefetched ones).
export function Next(exclude = []) {
  const ids = exclude.filter((x) => x !== null && x !== undefined);
  const query = ids.length ? `?exclude=${ids.map(Id).join(',')}` : '';
  return Call('GET', `/api/review/next${query}`);
}

export const Item = (id) => Call('GET', `/api/review/items/${Id(id)}`);
export const CropUrl = (id) => `/api/review/items/${Id(id)}/crop`;
export const Decide = (id, value, version, illegible = false) =>
  Call('POST', `/api/review/items/${Id(id)}/decision`,
    illegible ? { value, version, illegible: true } : { value, version });
export const Undo = (id, version) => Call('POST', `/api/review/items/${Id(id)}/undo`, { version });
export const Release = (id) => Call('POST', `/api/review/items/${Id(id)}/release`, {});
export const History = () => Call('GET', '/api/review/history');
export const Queue = () => Call('GET', '/api/review/queue');
export const Sheet = (serial) => Call('GET', `/api/sheets/${Id(serial)}`);
export const SheetLayout = (serial) => Call('GET', `/api/sheets/${Id(serial)}/layout`);
export const PageUrl = (serial, page) => `/api/sheets/${Id(serial)}/pages/${Id(page)}`;
export const FieldHistory = (serial, field) => Call('GET', `/api/fields/${Id(serial)}/${Id(field)}/history`);

/// Releases the leases of items the screen holds but will not show (page unload): a beacon
/// cannot carry the CSRF header, so this uses a keepalive fetch.
export function ReleaseOnUnload(ids) {
  for (const id of ids) {
    try {
      fetch(`/api/review/items/${Id(id)}/release`, {
        method: 'POST', keepalive: true, credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf || '' }, body: '{}',
      });
    } catch { /* leaving anyway: the lease expires by itself */ }
  }
}

/// The raw call (method, path[, body]) for the screens that add their own endpoints (recheck.js).
export { Call as RawCall };

// --- group verification and the sheet view (docs/api.md) ---------------------------------
export const GroupFields = () => Call('GET', '/api/group/fields');
export const GroupReadings = (template, version, field, mode, after = 0) =>
  Call('GET', `/api/group/readings?template=${Id(template)}&version=${Id(version)}&field=${Id(field)}` +
    `&mode=${Id(mode)}${after ? `&after=${Id(after)}` : ''}`);
export const GroupConfirm = (entries) => Call('POST', '/api/group/confirm', { entries });
/// Gives back the leases of a group screen's open items (leaving the screen).
export const GroupRelease = (items) => Call('POST', '/api/group/release', { items });
/// The same on page unload: a keepalive fetch (a beacon cannot carry the CSRF header).
export function GroupReleaseOnUnload(items) {
  if (!items.length) return;
  try {
    fetch('/api/group/release', {
      method: 'POST', keepalive: true, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf || '' }, body: JSON.stringify({ items }),
    });
  } catch { /* leaving anyway: the leases expire by themselves */ }
}
export const ReadingCropUrl = (readingId) => `/api/readings/${Id(readingId)}/crop`;
export const SheetFields = (serial) => Call('GET', `/api/sheets/${Id(serial)}/fields`);
export const SheetDecide = (serial, field, value, illegible = false) =>
  Call('POST', `/api/sheets/${Id(serial)}/fields/${Id(field)}/decision`,
    illegible ? { illegible: true } : { value });

// --- the clerk's desk ----------------------------------------------------------------------
export const DeskUnidentified = () => Call('GET', '/api/desk/unidentified');
export const DeskMissing = () => Call('GET', '/api/desk/missing');
export const DeskProgress = () => Call('GET', '/api/desk/progress');
export const DeskBatches = () => Call('GET', '/api/desk/batches');  // batches.js

// The clerk's desk, an unidentified page by hand (desk_assign.js).
/// `points`: four [x, y] shares of the page image, or null to align from the box grid.
export const DeskAssign = (pageId, serial, page, points) =>
  Call('POST', `/api/desk/unidentified/${Id(pageId)}/assign`, points ? { serial, page, points } : { serial, page });
export const DeskSetAside = (pageId, reason) =>
  Call('POST', `/api/desk/unidentified/${Id(pageId)}/set-aside`, { reason });
