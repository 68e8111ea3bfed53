// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The re-check (phúc tra) screens (docs/api.md, "Re-check"): the blind second entry of a drawn
// sheet (keyboard first, like the review screen: digits choose, 0 blank, X illegible, Enter next
// field and, on the last one, submit; ← or K goes back), the admin's list of disagreements to
// settle, and the agreement report. The blind entry never asks the server for a value of the
// sheet: it shows the scanned page and the printed questions only.

import { RawCall } from './client.js';
import { T } from './i18n.js';
import { El, SvgEl } from './dom.js';

const $ = (id) => document.getElementById(id);
const Enc = (x) => encodeURIComponent(String(x));

const Api = {
  Next: () => RawCall('GET', '/api/recheck/next'),
  Entry: (serial, version, values) =>
    RawCall('POST', `/api/recheck/sheets/${Enc(serial)}/entry`, { version, values }),
  Disagreements: () => RawCall('GET', '/api/recheck/disagreements'),
  Settle: (serial, field, body) =>
    RawCall('POST', `/api/recheck/disagreements/${Enc(serial)}/${Enc(field)}/settle`, body),
  Report: () => RawCall('GET', '/api/recheck/report'),
};

let ctx = null;      // {role, onUnauthorized}
let built = false;
let tab = 'entry';   // 'entry' | 'settle' | 'report'
let sheet = null;    // the leased sheet
let index = 0;       // the field shown
let values = {};     // field id -> {selected: [], text: '', illegible: false}

function Build() {
  if (built) return;
  built = true;
  const css = El('link', { rel: 'stylesheet', href: '/recheck.css' });
  document.head.append(css);
  const nav = El('button', { type: 'button', id: 'btn-recheck', hidden: true });
  $('btn-help').before(nav);
  nav.addEventListener('click', () => (Shown() ? Hide() : Show('entry')));
  const section = El('section', { id: 'recheck', class: 'recheck', hidden: true, 'aria-labelledby': 'rc-title' },
    El('div', { class: 'rc-head' },
      El('h2', { id: 'rc-title' }),
      El('div', { class: 'rc-tabs', role: 'tablist' },
        El('button', { type: 'button', id: 'rc-tab-entry', role: 'tab', 'data-tab': 'entry' }),
        El('button', { type: 'button', id: 'rc-tab-settle', role: 'tab', 'data-tab': 'settle' }),
        El('button', { type: 'button', id: 'rc-tab-report', role: 'tab', 'data-tab': 'report' }))),
    El('p', { id: 'rc-status', class: 'status', role: 'status', 'aria-live': 'polite' }),
    El('article', { id: 'rc-entry', class: 'rc-entry', tabindex: '-1', hidden: true },
      El('div', { class: 'item-head' }, El('span', { id: 'rc-where', class: 'where' }), El('span', { id: 'rc-kind', class: 'kind' })),
      El('h3', { id: 'rc-question', class: 'question' }),
      El('div', { class: 'rc-body' },
        El('figure', { class: 'rc-page' },
          El('div', { class: 'rc-page-wrap', id: 'rc-page-wrap' },
            El('img', { id: 'rc-page-img', alt: '' }),
            SvgEl('svg', { id: 'rc-page-overlay', class: 'overlay', 'aria-hidden': 'true' })),
          El('figcaption', { id: 'rc-page-missing', class: 'muted', hidden: true })),
        El('div', { class: 'work' },
          El('ol', { id: 'rc-options', class: 'options' }),
          El('div', { id: 'rc-textentry', class: 'textentry', hidden: true },
            El('label', { for: 'rc-draft', id: 'rc-draft-label' }),
            El('input', { id: 'rc-draft', class: 'draft', autocomplete: 'off', spellcheck: 'false', lang: 'vi' })),
          El('p', { id: 'rc-flags', class: 'flags', 'aria-live': 'polite' }),
          El('p', { id: 'rc-keys', class: 'muted' })))),
    El('div', { id: 'rc-settle', class: 'rc-settle', hidden: true }),
    El('div', { id: 'rc-report', class: 'rc-report', hidden: true }));
  $('review').after(section);
  for (const b of section.querySelectorAll('.rc-tabs button')) b.addEventListener('click', () => Show(b.dataset.tab));
  $('rc-options').addEventListener('click', (e) => {
    const b = e.target.closest('button.option');
    if (b) { Choose(Number(b.dataset.n)); }
  });
  $('rc-draft').addEventListener('input', () => {
    if (!sheet) return;
    const v = values[sheet.fields[index].id];
    v.text = $('rc-draft').value;
    v.illegible = false;
    RenderFlags();
  });
  $('rc-settle').addEventListener('click', OnSettleClick);
  document.addEventListener('keydown', OnKey);
}

const Shown = () => built && !$('recheck').hidden;

/// Shows the re-check entry (and, for an admin, the settle and report tabs) in the header;
/// `null` removes it (logout).
export function InstallRecheck(options) {
  Build();
  ctx = options;
  if (!ctx) { Hide(); $('btn-recheck').hidden = true; return; }
  $('btn-recheck').hidden = !(ctx.role === 'reviewer' || ctx.role === 'admin');
  $('rc-tab-settle').hidden = ctx.role !== 'admin';
  RerenderRecheck();
}

/// Re-renders every word in the current language.
export function RerenderRecheck() {
  if (!built) return;
  $('btn-recheck').textContent = Shown() ? T('rc_back') : T('rc_open');
  $('rc-title').textContent = T('rc_title');
  $('rc-tab-entry').textContent = T('rc_tab_entry');
  $('rc-tab-settle').textContent = T('rc_tab_settle');
  $('rc-tab-report').textContent = T('rc_tab_report');
  $('rc-keys').textContent = T('rc_keys');
  $('rc-page-missing').textContent = T('rc_page_missing');
  if (!Shown()) return;
  if (tab === 'entry' && sheet) RenderField();
  if (tab === 'settle') LoadSettle();
  if (tab === 'report') LoadReport();
}

function Hide() {
  if (!built) return;
  $('recheck').hidden = true;
  $('review').hidden = false;
  if (savedChrome) {
    $('counts').hidden = savedChrome.counts;
    $('hint').hidden = savedChrome.hint;
    savedChrome = null;
  }
  $('btn-recheck').textContent = T('rc_open');
}

function Fail(e) {
  if (e && e.status === 401 && ctx) { ctx.onUnauthorized(); return; }
  $('rc-status').textContent = T('error', { detail: e && e.message ? e.message : String(e) });
}

// The review screen's header counts and key line belong to the review queue.
let savedChrome = null;

async function Show(which) {
  tab = which;
  if (!savedChrome) savedChrome = { counts: $('counts').hidden, hint: $('hint').hidden };
  $('counts').hidden = true;
  $('hint').hidden = true;
  $('review').hidden = true;
  $('recheck').hidden = false;
  $('btn-recheck').textContent = T('rc_back');
  for (const b of $('recheck').querySelectorAll('.rc-tabs button')) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
  $('rc-entry').hidden = tab !== 'entry';
  $('rc-settle').hidden = tab !== 'settle';
  $('rc-report').hidden = tab !== 'report';
  $('rc-status').textContent = '';
  if (tab === 'entry') await LoadNext();
  else if (tab === 'settle') await LoadSettle();
  else await LoadReport();
}

// --- the blind entry ---------------------------------------------------------------------

async function LoadNext() {
  $('rc-status').textContent = T('loading');
  $('rc-entry').hidden = true;
  try {
    sheet = await Api.Next();
  } catch (e) { Fail(e); return; }
  if (!sheet) {
    $('rc-status').textContent = T('rc_none');
    document.body.dataset.recheck = 'none';
    return;
  }
  index = 0;
  values = {};
  for (const f of sheet.fields) values[f.id] = { selected: [], text: '', illegible: false };
  $('rc-status').textContent = T('rc_entering', { serial: sheet.serial, n: sheet.fields.length });
  $('rc-entry').hidden = false;
  document.body.dataset.recheck = 'sheet';
  RenderField();
}

function IsBox(kind) { return kind === 'single' || kind === 'multi' || kind === 'scale'; }

function RenderField() {
  const f = sheet.fields[index];
  const entry = $('rc-entry');
  entry.dataset.serial = String(sheet.serial);
  entry.dataset.field = f.id;
  entry.dataset.kind = f.kind;
  entry.dataset.index = String(index);
  $('rc-where').textContent = `${T('sheet')} ${sheet.serial}${sheet.unit ? ` · ${sheet.unit}` : ''} · ${T('page')} ${f.page} · ${index + 1}/${sheet.fields.length}`;
  $('rc-kind').textContent = T(`kind_${f.kind}`);
  $('rc-question').textContent = f.question || f.id;
  const ol = $('rc-options');
  ol.replaceChildren();
  const v = values[f.id];
  if (IsBox(f.kind)) {
    $('rc-textentry').hidden = true;
    ol.hidden = false;
    f.options.forEach((o, i) => {
      const checked = v.selected.includes(o.value);
      const b = El('button', { type: 'button', class: 'option', 'data-n': String(i + 1), 'data-key': o.value,
        role: f.kind === 'multi' ? 'checkbox' : 'radio', 'aria-checked': String(checked) },
        El('kbd', { text: String(i + 1) }), El('span', { text: o.label ? ` ${o.label}` : ` ${o.value}` }));
      ol.append(El('li', {}, b));
    });
    entry.focus();
  } else {
    ol.hidden = true;
    $('rc-textentry').hidden = false;
    $('rc-draft-label').textContent = T('rc_type_it');
    $('rc-draft').value = v.text;
    $('rc-draft').focus();
  }
  RenderFlags();
  RenderPage(f);
}

function RenderFlags() {
  const f = sheet.fields[index];
  const v = values[f.id];
  let text;
  if (v.illegible) text = T('rc_illegible');
  else if (IsBox(f.kind)) text = v.selected.length ? '' : T('rc_blank');
  else text = v.text.trim() ? '' : T('rc_blank');
  $('rc-flags').textContent = text;
}

const kPxPerMm = 4;  // the page images' resolution (docs/api.md)

function RenderPage(f) {
  const img = $('rc-page-img');
  const url = `/api/sheets/${Enc(sheet.serial)}/pages/${Enc(f.page)}`;
  const draw = () => {
    const svg = $('rc-page-overlay');
    const w = img.naturalWidth / kPxPerMm;
    const h = img.naturalHeight / kPxPerMm;
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    svg.replaceChildren();
    const a = f.area_mm;
    if (a) {
      svg.append(SvgEl('rect', { x: a[0] - 1.5, y: a[1] - 1.5, width: a[2] + 3, height: a[3] + 3, class: 'rc-field' }));
      // Keep the field in view.
      const wrap = $('rc-page-wrap');
      const scale = img.clientWidth / w;
      wrap.parentElement.scrollTop = Math.max(0, (a[1] - 20) * scale);
    }
  };
  img.onload = () => { $('rc-page-missing').hidden = true; img.hidden = false; draw(); };
  img.onerror = () => { img.hidden = true; $('rc-page-missing').hidden = false; };
  if (img.dataset.url === url && img.complete && img.naturalWidth) { draw(); return; }
  img.dataset.url = url;
  img.src = url;
}

function Choose(n) {
  const f = sheet.fields[index];
  const v = values[f.id];
  v.illegible = false;
  if (n === 0) { v.selected = []; v.text = ''; RenderField(); return; }
  const o = f.options[n - 1];
  if (!o) return;
  if (f.kind === 'multi') {
    v.selected = v.selected.includes(o.value) ? v.selected.filter((x) => x !== o.value) : [...v.selected, o.value];
  } else {
    v.selected = [o.value];
  }
  RenderField();
}

function Move(delta) {
  const next = index + delta;
  if (next < 0 || next >= sheet.fields.length) return false;
  index = next;
  RenderField();
  return true;
}

function WireValue(f) {
  const v = values[f.id];
  if (v.illegible) return { illegible: true };
  if (f.kind === 'multi') return v.selected;
  if (IsBox(f.kind)) return v.selected.length ? v.selected[0] : null;
  const t = v.text.normalize('NFC').trim();
  return t ? t : null;
}

let submitting = false;
async function Submit() {
  if (submitting) return;
  submitting = true;
  const out = {};
  for (const f of sheet.fields) out[f.id] = WireValue(f);
  try {
    await Api.Entry(sheet.serial, sheet.version, out);
    $('rc-status').textContent = T('rc_saved', { serial: sheet.serial });
    sheet = null;
    await LoadNext();
  } catch (e) {
    if (e.status === 409 || e.status === 403) {
      $('rc-status').textContent = e.message;
      sheet = null;
      $('rc-entry').hidden = true;
    } else Fail(e);
  } finally {
    submitting = false;
  }
}

function OnKey(e) {
  if (!Shown() || e.ctrlKey || e.metaKey || e.altKey) return;
  if (document.querySelector('dialog[open]')) return;
  const key = e.key;
  const inInput = e.target && (e.target.tagName === 'INPUT' || e.target.tagName === 'TEXTAREA');
  if (tab !== 'entry' || !sheet) {
    if (!inInput && (key === 'l' || key === 'L')) { e.preventDefault(); $('btn-lang').click(); }
    return;
  }
  if (inInput) {
    if (key === 'Enter' && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      if (!Move(1)) Submit();
    } else if (key === 'Escape') { e.preventDefault(); e.target.blur(); $('rc-entry').focus(); }
    return;
  }
  if ((key === 'Enter' || key === ' ') && e.target.closest && e.target.closest('button') &&
      !e.target.closest('#rc-options')) return;
  const f = sheet.fields[index];
  let handled = true;
  if (/^[0-9]$/.test(key) && IsBox(f.kind)) Choose(Number(key));
  else if (key === 'Delete') Choose(0);
  else if (key === 'x' || key === 'X') { values[f.id].illegible = !values[f.id].illegible; RenderFlags(); }
  else if (key === 'Enter') { if (!Move(1)) Submit(); }
  else if (key === 'ArrowLeft' || key === 'k' || key === 'K' || key === 'Backspace') Move(-1);
  else if (key === 'ArrowRight' || key === 'j' || key === 'J') Move(1);
  else if (key === 'F2' && !IsBox(f.kind)) $('rc-draft').focus();
  else if (key === 'l' || key === 'L') $('btn-lang').click();
  else handled = false;
  if (handled) e.preventDefault();
}

// --- the admin's settlement --------------------------------------------------------------

function Shown_(kind, v, options) {
  if (!v) return '–';
  if (v.illegible) return T('rc_illegible');
  const label = (x) => {
    const o = (options || []).find((p) => p.value === x);
    return o && o.label ? `${x} · ${o.label}` : String(x);
  };
  if (v.value === null || v.value === undefined || (Array.isArray(v.value) && v.value.length === 0)) return T('rc_blank');
  if (Array.isArray(v.value)) return v.value.map(label).join(', ');
  return IsBox(kind) ? label(v.value) : `“${v.value}”`;
}

let disagreements = [];

async function LoadSettle() {
  let data;
  try { data = await Api.Disagreements(); } catch (e) { Fail(e); return; }
  disagreements = data.disagreements;
  const box = $('rc-settle');
  const open = disagreements.filter((d) => !d.settled).length;
  $('rc-status').textContent = disagreements.length ? T('rc_settle_count', { open, all: disagreements.length }) : T('rc_settle_none');
  const table = El('table', { class: 'rc-table', id: 'rc-settle-table' },
    El('thead', {}, El('tr', {},
      ...['rc_col_sheet', 'rc_col_field', 'rc_col_first', 'rc_col_blind', 'rc_col_settled'].map((k) => El('th', { scope: 'col', text: T(k) })))));
  const body = El('tbody');
  disagreements.forEach((d, i) => {
    const first = `${Shown_(d.kind, d.first, d.options)} (${d.first_accepted ? T('rc_machine') : d.first_who})`;
    const blind = `${Shown_(d.kind, d.blind, d.options)} (${d.blind_who})`;
    const cell = d.settled
      ? El('td', { text: `${Shown_(d.kind, d.settled, d.options)} — ${d.settled_by}` })
      : El('td', {},
        El('button', { type: 'button', 'data-i': String(i), 'data-pick': 'first', class: 'rc-keep-first', text: T('rc_keep_first') }),
        ' ',
        El('button', { type: 'button', 'data-i': String(i), 'data-pick': 'blind', class: 'rc-keep-blind', text: T('rc_keep_blind') }));
    body.append(El('tr', { 'data-serial': String(d.serial), 'data-field': d.field, 'data-settled': String(!!d.settled) },
      El('td', { text: `${d.serial}${d.unit ? ` · ${d.unit}` : ''}` }),
      El('td', { text: `${d.field} — ${d.question}` }),
      El('td', { text: first }), El('td', { text: blind }), cell));
  });
  table.append(body);
  box.replaceChildren(table);
  document.body.dataset.recheckSettle = String(open);
}

async function OnSettleClick(e) {
  const b = e.target.closest('button[data-pick]');
  if (!b) return;
  const d = disagreements[Number(b.dataset.i)];
  const v = b.dataset.pick === 'first' ? d.first : d.blind;
  b.disabled = true;
  try {
    await Api.Settle(d.serial, d.field, v.illegible ? { illegible: true } : { value: v.value });
    await LoadSettle();
    const next = $('rc-settle').querySelector('button[data-pick]');
    if (next) next.focus();
  } catch (err) { b.disabled = false; Fail(err); }
}

// --- the report --------------------------------------------------------------------------

const Pct = (x) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);

function Table(id, head, rows) {
  return El('table', { class: 'rc-table', id },
    El('thead', {}, El('tr', {}, ...head.map((h) => El('th', { scope: 'col', text: h })))),
    El('tbody', {}, ...rows.map((r) => El('tr', {}, ...r.map((c) => El('td', { text: String(c) }))))));
}

async function LoadReport() {
  let r;
  try { r = await Api.Report(); } catch (e) { Fail(e); return; }
  $('rc-status').textContent = '';
  const rows = (list) => list.map((x) => [x.key || '–', x.fields, x.equal, Pct(x.share)]);
  const summary = El('p', { id: 'rc-summary', text: T('rc_summary', {
    drawn: r.sheets_drawn, entered: r.sheets_entered, fields: r.fields, equal: r.equal, share: Pct(r.share),
    kappa: r.scale_kappa === null ? '–' : r.scale_kappa.toFixed(3),
    open: r.disagreements_open, settled: r.disagreements_settled }) });
  const cols = [T('rc_col_fields'), T('rc_col_equal'), T('rc_col_agreement')];
  $('rc-report').replaceChildren(
    summary,
    El('h3', { text: T('rc_by_field') }),
    Table('rc-by-field', [T('rc_col_field'), ...cols, 'kappa'],
      r.by_field.map((x) => [x.key, x.fields, x.equal, Pct(x.share), x.kappa === null ? '–' : x.kappa.toFixed(3)])),
    El('h3', { text: T('rc_by_reviewer') }),
    Table('rc-by-reviewer', [T('rc_col_reviewer'), ...cols], rows(r.by_reviewer)),
    El('h3', { text: T('rc_by_unit') }),
    Table('rc-by-unit', [T('rc_col_unit'), ...cols], rows(r.by_unit)),
    El('h3', { text: T('rc_residual') }),
    Table('rc-residual', [T('rc_col_kind'), T('rc_col_accepted'), T('rc_col_wrong'), T('rc_col_error'), T('rc_col_interval'), T('rc_col_unsettled')],
      r.residual.map((e) => [T(`rc_kind_${e.kind}`), e.accepted, e.wrong, Pct(e.rate),
        e.low === null ? '–' : `${Pct(e.low)} – ${Pct(e.high)}`, e.unsettled])));
  document.body.dataset.recheckReport = 'ready';
}
