// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The clerk's desk, continued: conflicts (the same sheet page from two scans) side by side with
// their three resolutions (docs/conflicts.md), progress per unit and per parent unit in tables
// sorted by clicking a header (a button: Enter and Space work too), the units behind first,
// and the review speed (items per hour, queue left, time to finish at this pace).

import { RawCall } from './client.js';
import { Language, T } from './i18n.js';
import { El } from './dom.js';

/// {conflicts, speed} for the desk: GET /api/desk/conflicts and /api/desk/speed.
export async function LoadDeskExtras() {
  const [conflicts, speed] = await Promise.all([RawCall('GET', '/api/desk/conflicts'), RawCall('GET', '/api/desk/speed')]);
  return { conflicts, speed };
}

export const ResolveConflict = (pageId, action, sheet = null) =>
  RawCall('POST', `/api/desk/conflicts/${encodeURIComponent(String(pageId))}/resolve`,
    sheet ? { action, sheet } : { action });

// "2026-12-06T22:41:07.123Z" -> "2026-12-06 22:41 UTC" (as stored).
const When = (iso) => (iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : '');

function ScanFigure(which, ref) {
  if (!ref) return El('figure', { class: 'conflict-scan conflict-missing' }, El('p', { class: 'muted', text: T('conflict_none_stored') }));
  const label = which === 'stored' ? T('conflict_stored') : T('conflict_other');
  return El('figure', { class: `conflict-scan conflict-${which}`, 'data-page': String(ref.page_id) },
    El('figcaption', {}, El('strong', { text: label }), El('br'),
      El('span', { class: 'conflict-file', text: T('conflict_file', { file: ref.file, page: ref.page_index + 1, folder: ref.folder || '—', at: When(ref.ingested_at) }) })),
    El('img', { src: ref.image, loading: 'lazy', alt: T('conflict_img_alt', { which: label, file: ref.file, page: ref.page_index + 1 }) }));
}

// Articles already drawn, by conflict and language: a reload of the desk (after every action)
// keeps them, so the two page images of each conflict are not fetched and drawn again.
const drawn = new Map();
let resolveNow = () => {};

function ConflictArticle(c) {
  const buttons = El('div', { class: 'conflict-actions' });
  const add = (action, text, sheet = null, never = false) => {
    const b = El('button', { type: 'button', class: `conflict-${action.replace('_', '-')}`, 'data-action': action, text });
    if (sheet) b.dataset.sheet = String(sheet);
    if (never) b.dataset.never = 'true';
    b.disabled = never;
    b.addEventListener('click', () => {
      for (const x of buttons.querySelectorAll('button')) x.disabled = true;  // one answer per conflict
      resolveNow(c, action, sheet);
    });
    buttons.append(b);
  };
  add('keep_stored', T('conflict_keep_stored'));
  add('keep_other', T('conflict_keep_other'), null, !c.same_template);
  for (const s of c.split_sheets) add('separate', T('conflict_separate_into', { serial: s }), s);
  add('separate', T('conflict_separate'));
  return El('article', { class: 'conflict', 'data-page': String(c.id), 'data-serial': String(c.serial) },
    El('h4', { text: T('conflict_title', { serial: c.serial, page: c.page }) }),
    // What is wrong, from the facts (the server's `reason` is an English sentence for logs).
    El('p', { class: 'muted', text: `${c.unit ? T('conflict_unit', { unit: c.unit }) : T('desk_unknown_unit')}${c.same_template ? ` — ${T('conflict_same_page')}` : ''}` }),
    c.same_template ? null : El('p', { class: 'conflict-warning', text: T('conflict_other_template', { template: c.template, version: c.version }) }),
    El('div', { class: 'conflict-pair' }, ScanFigure('stored', c.stored), ScanFigure('other', c.other)),
    buttons);
}

/// The conflicts section. `onResolve(conflict, action, sheet)` runs a resolution (the desk
/// reloads after it).
export function ConflictsSection(data, { onResolve }) {
  resolveNow = onResolve;
  const list = El('div', { id: 'desk-conflicts', class: 'desk-conflicts' });
  const keep = new Set();
  for (const c of data.conflicts) {
    const key = JSON.stringify([Language(), c.id, c.stored && c.stored.page_id, c.split_sheets, c.same_template]);
    keep.add(key);
    let article = drawn.get(key);
    if (!article) drawn.set(key, article = ConflictArticle(c));
    for (const b of article.querySelectorAll('button')) b.disabled = b.dataset.never === 'true';
    list.append(article);
  }
  for (const key of [...drawn.keys()]) if (!keep.has(key)) drawn.delete(key);
  return El('section', { class: 'desk-part no-print', id: 'desk-conflicts-part' },
    El('h3', { text: T('desk_conflicts', { n: data.conflicts.length }) }),
    data.conflicts.length ? list : El('p', { class: 'muted', text: T('desk_none') }));
}

/// The message shown after a resolution.
export function ResolvedMessage(r) {
  return T(`conflict_done_${r.action}`, { serial: r.serial, page: r.page, new_serial: r.new_serial, opened: r.review_items_opened, closed: r.review_items_closed });
}

// Sort state per table, kept across reloads of the desk.
const sortState = {};
const kColumns = [
  { key: 'unit', label: 'desk_unit', text: true },
  { key: 'quota', label: 'desk_quota' },
  { key: 'scanned', label: 'desk_scanned' },
  { key: 'complete', label: 'desk_complete' },
  { key: 'needs_review', label: 'desk_waiting' },
  { key: 'incomplete', label: 'desk_incomplete' },
  { key: 'share_complete', label: 'desk_share' },
];

function SortRows(rows, { key, dir }) {
  const sign = dir === 'descending' ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[key]; const y = b[key];
    const c = typeof x === 'string' ? x.localeCompare(y, 'vi') : x - y;
    return c !== 0 ? sign * c : String(a.unit).localeCompare(String(b.unit));
  });
}

/// A table of progress rows, sorted by the header clicked (again: the other way). By default
/// the rows behind (lowest share of the quota complete) come first.
function ProgressTable(id, rows, extraColumn) {
  const columns = extraColumn ? [...kColumns.slice(0, 1), extraColumn, ...kColumns.slice(1)] : kColumns;
  const state = sortState[id] || (sortState[id] = { key: 'share_complete', dir: 'ascending' });
  const table = El('table', { id, class: 'desk-progress' });
  const render = () => {
    const head = El('tr');
    for (const col of columns) {
      const button = El('button', { type: 'button', class: 'sort', 'data-key': col.key, text: T(col.label) });
      button.addEventListener('click', () => {
        state.dir = state.key === col.key && state.dir === 'ascending' ? 'descending' : 'ascending';
        state.key = col.key;
        render();
        table.querySelector(`button[data-key="${col.key}"]`).focus();
      });
      head.append(El('th', { scope: 'col', 'aria-sort': state.key === col.key ? state.dir : 'none' }, button));
    }
    const body = El('tbody');
    for (const u of SortRows(rows, state)) {
      const cells = columns.slice(1).map((col) => El('td', {
        text: col.key === 'share_complete' ? `${Math.round(u.share_complete * 100)}%` : String(u[col.key] ?? ''),
      }));
      body.append(El('tr', { class: u.share_complete < 1 ? 'behind' : '', 'data-unit': u.unit },
        El('th', { scope: 'row', text: u.name ? `${u.unit} — ${u.name}` : u.unit }), ...cells));
    }
    table.replaceChildren(El('thead', {}, head), body);
  };
  render();
  return table;
}

/// Progress per unit and per parent unit (GET /api/desk/progress).
export function ProgressSection(progress) {
  return El('section', { class: 'desk-part no-print', id: 'desk-progress-part' },
    El('h3', { text: T('desk_progress') }), El('p', { class: 'muted', text: T('desk_sort_hint') }),
    ProgressTable('desk-progress', progress.units),
    El('h3', { text: T('desk_parents') }),
    (progress.parents || []).length
      ? ProgressTable('desk-progress-parents', progress.parents, { key: 'units', label: 'desk_units_below' })
      : El('p', { class: 'muted', text: T('desk_none') }));
}

function Duration(hours) {
  const minutes = Math.round(hours * 60);
  if (minutes < 1) return T('speed_under_minute');
  return T('speed_hours', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

/// Review speed (GET /api/desk/speed).
export function SpeedSection(speed) {
  const rate = (x) => (Math.round(x * 10) / 10).toLocaleString();
  const people = El('table', { id: 'desk-speed-reviewers', class: 'desk-progress' },
    El('thead', {}, El('tr', {}, ...['speed_reviewer', 'speed_decisions', 'speed_rate'].map((k) => El('th', { scope: 'col', text: T(k) })))),
    El('tbody', {}, ...speed.reviewers.map((p) => El('tr', {}, El('th', { scope: 'row', text: p.who }),
      El('td', { text: String(p.decisions) }), El('td', { text: rate(p.items_per_hour) })))));
  return El('section', { class: 'desk-part no-print', id: 'desk-speed' },
    El('h3', { text: T('desk_speed', { window: speed.window_minutes }) }),
    El('ul', { class: 'desk-speed-figures' },
      El('li', { id: 'speed-team', text: T('speed_team', { rate: rate(speed.items_per_hour) }) }),
      El('li', { id: 'speed-queue', text: T('speed_queue', { n: speed.queue_left }) }),
      El('li', { id: 'speed-eta', text: speed.hours_left === null ? T('speed_eta_unknown') : T('speed_eta', { time: Duration(speed.hours_left) }) })),
    speed.reviewers.length ? people : null);
}
